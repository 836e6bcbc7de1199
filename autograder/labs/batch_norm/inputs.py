"""How the batch_norm checks draw their inputs: data far from mean 0 and variance 1, a layer's state, the
models' specifications and the digits."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

EPSILON = 1e-3


# The spread of the inputs of the checks that are not about epsilon: with a standard deviation of 1000,
# sqrt(variance + eps) and sqrt(variance) + eps differ by 1e-6, ten times below float32's tolerance, so
# epsilon's place is judged by the tiny-spread checks alone (a mistake is charged where it is made).
WIDE = 1000.0


def normal_data(*shape: int, loc: float = 5.0, scale: float = 10.0, dtype: str = "float32") -> Callable:
    """N(5, 10^2) data, as Keras's own BatchNormalization tests use."""
    return lambda rng: {"x": (rng.normal(size=shape) * scale + loc).astype(dtype)}


def layer_state(channels: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    return {
        "gamma": rng.uniform(0.5, 2.0, channels).astype("float32"),
        "beta": rng.normal(size=channels).astype("float32"),
        "moving_mean": (rng.normal(size=channels) * 3).astype("float32"),
        "moving_variance": rng.uniform(0.5, 4.0, channels).astype("float32"),
    }


def layer_inputs(*shape: int, momentum: float = 0.99, steps: int = 1, loc: float = 5.0) -> Callable:
    """A layer state and ``steps`` batches of the given shape."""

    def make(rng: np.random.Generator) -> dict[str, Any]:
        batches = [(rng.normal(size=shape) * 10 + loc).astype("float32") for _ in range(steps)]
        return {"state": layer_state(shape[-1], rng), "batches": batches, "momentum": momentum}

    return make


def forward_inputs(*shape: int, scale: float = WIDE, loc: float = 5.0) -> Callable:
    def make(rng: np.random.Generator) -> dict[str, Any]:
        return {
            "z": (rng.normal(size=shape) * scale + loc).astype("float32"),
            "gamma": rng.uniform(0.5, 2.0, shape[-1]).astype("float32"),
            "beta": rng.normal(size=shape[-1]).astype("float32"),
        }

    return make


def invariant_inputs(*shape: int) -> Callable:
    def make(rng: np.random.Generator) -> dict[str, Any]:
        return {
            "x": (rng.normal(size=shape) * 10 + 5).astype("float32"),
            "gamma": rng.uniform(0.5, 2.0, shape[-1]).astype("float32"),
            "beta": rng.normal(size=shape[-1]).astype("float32"),
        }

    return make


def with_upstream(make: Callable) -> Callable:
    def wrapped(rng: np.random.Generator) -> dict[str, Any]:
        inputs = make(rng)
        inputs["upstream"] = rng.normal(size=inputs["batches"][0].shape).astype("float32")
        return inputs

    return wrapped


def fit_inputs(rng: np.random.Generator) -> dict[str, Any]:
    x = (rng.normal(size=(64, 4)) * 3 + 2).astype("float32")
    return {"x": x, "y": rng.normal(size=(64, 4)).astype("float32")}


def model_inputs(hidden_units=(64, 64), use_batch_norm=True, input_dim=64, num_classes=10):
    return lambda rng: {
        "input_dim": input_dim,
        "num_classes": num_classes,
        "hidden_units": tuple(hidden_units),
        "use_batch_norm": use_batch_norm,
        "x": rng.normal(size=(5, input_dim)).astype("float32"),
    }


def digits_inputs(rng: np.random.Generator) -> dict[str, Any]:
    from autograder.toolkit.datasets import flat_digits

    return flat_digits()
