"""Batch Normalization in float64 NumPy: the expected values, and the known
wrong layers (docs/keras_semantics.md section 6, mutants 7-19) as switches of one
simulator, so that a message can name what the student most likely did."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def moments(z: np.ndarray, *, unbiased: bool = False, axes: tuple[int, ...] | None = None):
    """Mean and variance over every axis but the last (biased: divide by m)."""
    z = np.asarray(z, dtype=np.float64)
    axes = tuple(range(z.ndim - 1)) if axes is None else axes
    return z.mean(axis=axes), z.var(axis=axes, ddof=1 if unbiased else 0)


def normalise(z, mean, variance, gamma, beta, epsilon, *, eps_outside: bool = False, no_eps: bool = False):
    z = np.asarray(z, dtype=np.float64)
    with np.errstate(all="ignore"):
        if no_eps:
            scale = np.sqrt(variance)
        elif eps_outside:
            scale = np.sqrt(variance) + epsilon
        else:
            scale = np.sqrt(variance + epsilon)
        return np.asarray(gamma, np.float64) * (z - mean) / scale + np.asarray(beta, np.float64)


def forward(z, gamma, beta, epsilon=1e-3, **mistakes):
    """(z_tilde, mean, variance) of one training-mode forward pass."""
    unbiased = mistakes.pop("unbiased", False)
    axes = mistakes.pop("axes", None)
    mean, variance = moments(z, unbiased=unbiased, axes=axes)
    if axes is not None:  # statistics over the wrong axes broadcast along the kept one
        mean_b, var_b = np.expand_dims(mean, axes), np.expand_dims(variance, axes)
        return normalise(z, mean_b, var_b, gamma, beta, epsilon, **mistakes), mean, variance
    return normalise(z, mean, variance, gamma, beta, epsilon, **mistakes), mean, variance


@dataclass(frozen=True)
class LayerState:
    gamma: np.ndarray
    beta: np.ndarray
    moving_mean: np.ndarray
    moving_variance: np.ndarray


def training_step(state: LayerState, x, momentum: float, epsilon: float, **mistakes):
    """One ``layer(x, training=True)``: the output and the new state.

    Mistakes (all default False): ``unbiased``, ``eps_outside``, ``no_eps``,
    ``reversed_momentum`` (moving = (1-m) moving + m batch), ``moving_in_training``
    (normalise with the moving statistics), ``normalise_after_update`` (with the
    freshly updated moving statistics), ``std_update`` (moving variance from the
    standard deviation), ``output_variance_update`` (from the variance of the output).
    """
    mean, variance = moments(x, unbiased=mistakes.get("unbiased", False))
    m = 1.0 - momentum if mistakes.get("reversed_momentum") else momentum
    new_mean = m * state.moving_mean + (1 - m) * mean
    statistic = np.sqrt(variance) if mistakes.get("std_update") else variance
    if mistakes.get("output_variance_update"):
        statistic = moments(normalise(x, mean, variance, state.gamma, state.beta, epsilon))[1]
    new_var = m * state.moving_variance + (1 - m) * statistic
    if mistakes.get("moving_in_training"):
        use_mean, use_var = state.moving_mean, state.moving_variance
    elif mistakes.get("normalise_after_update"):
        use_mean, use_var = new_mean, new_var
    else:
        use_mean, use_var = mean, variance
    out = normalise(
        x,
        use_mean,
        use_var,
        state.gamma,
        state.beta,
        epsilon,
        eps_outside=mistakes.get("eps_outside", False),
        no_eps=mistakes.get("no_eps", False),
    )
    return out, LayerState(state.gamma, state.beta, new_mean, new_var)


def inference(state: LayerState, x, epsilon: float):
    return normalise(x, state.moving_mean, state.moving_variance, state.gamma, state.beta, epsilon)


# What each known mistake is called in a message, by its switch in training_step.
LAYER_MISTAKES = {
    "unbiased": "the variance is divided by m - 1; Batch Norm uses the biased variance (divide by m)",
    "eps_outside": "epsilon is added outside the square root: use sqrt(variance + epsilon)",
    "no_eps": "epsilon is missing: divide by sqrt(variance + epsilon)",
    "reversed_momentum": "the momentum is applied the wrong way round: "
    "moving = momentum * moving + (1 - momentum) * batch",
    "moving_in_training": "the moving statistics are used in training; training normalises with the batch statistics",
    "normalise_after_update": "the output is normalised with the moving statistics after updating them; "
    "in training use the batch's own mean and variance",
    "std_update": "the moving variance is updated from the standard deviation; average the variance",
    "output_variance_update": "the moving variance is averaged from the variance of the output z_tilde; "
    "average the batch variance of the inputs",
}
