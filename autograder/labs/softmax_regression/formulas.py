"""The lab's formulas in float64 NumPy, and the known wrong answers.

Judges compute expected values with these on the trusted side, and the
``Mistake`` predictions let a message name what the student most likely did
(see ``docs/keras_semantics.md`` section 6, mutants 21-27).
"""

from __future__ import annotations

import numpy as np

EPSILON = 1e-7


def softmax(z: np.ndarray, axis: int = -1) -> np.ndarray:
    z = np.asarray(z, dtype=np.float64)
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def naive_softmax(z: np.ndarray) -> np.ndarray:
    """exp(z) / sum(exp(z)) without subtracting the max: overflows in float32."""
    with np.errstate(all="ignore"):
        e = np.exp(np.asarray(z, dtype=np.float32))
        return e / e.sum(axis=-1, keepdims=True)


def per_example_loss(y: np.ndarray, p: np.ndarray, epsilon: float = EPSILON) -> np.ndarray:
    p = np.clip(np.asarray(p, dtype=np.float64), epsilon, 1 - epsilon)
    return -np.sum(np.asarray(y, dtype=np.float64) * np.log(p), axis=-1)


def cost(y: np.ndarray, p: np.ndarray, epsilon: float = EPSILON) -> float:
    """J = (1/m) sum_i L(y_hat_i, y_i), the lab's categorical cross-entropy."""
    return float(np.mean(per_example_loss(y, p, epsilon)))


def unclipped_cost(y: np.ndarray, p: np.ndarray) -> float:
    with np.errstate(all="ignore"):
        return float(np.mean(-np.sum(np.asarray(y, np.float64) * np.log(np.asarray(p, np.float64)), axis=-1)))


def cost_gradient(y: np.ndarray, logits: np.ndarray) -> np.ndarray:
    """dJ/dZ = (softmax(Z) - Y) / m, m the number of examples."""
    m = np.asarray(logits).size // np.asarray(logits).shape[-1]
    return (softmax(logits) - np.asarray(y, np.float64)) / m


def numerical_gradient(y: np.ndarray, logits: np.ndarray, h: float = 1e-5) -> np.ndarray:
    """Central differences of the unclipped cost, in float64 (CS231n's recipe)."""
    z = np.array(logits, dtype=np.float64)
    grad = np.zeros_like(z)
    for idx in np.ndindex(z.shape):
        saved = z[idx]
        z[idx] = saved + h
        plus = unclipped_cost(y, softmax(z))
        z[idx] = saved - h
        minus = unclipped_cost(y, softmax(z))
        z[idx] = saved
        grad[idx] = (plus - minus) / (2 * h)
    return grad
