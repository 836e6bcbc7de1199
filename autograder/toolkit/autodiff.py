"""Gradients on whichever Keras backend is active (TensorFlow, JAX or PyTorch), for the
gradient checks and the built-in oracles they compare with."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any


def gradients(loss: Callable[..., Any], inputs: Sequence[Any], variables: Sequence[Any] = ()) -> list[Any]:
    """d loss(*inputs) / d source for each of ``inputs`` then each of ``variables``, as NumPy arrays.

    Args:
        loss: called once as ``loss(*inputs)``; returns a scalar tensor. It may read ``variables``
            (Keras variables, such as a layer's weights) from wherever it finds them.
        inputs: arrays or tensors, passed to ``loss`` as the backend's differentiable tensors.
        variables: ``keras.Variable`` objects that ``loss`` reads.

    A source the loss does not depend on differentiably (a NumPy detour, say) gets ``None``
    on TensorFlow; on JAX such a detour raises while tracing, as it would in ``model.fit``.
    """
    import keras

    backend = keras.backend.backend()
    differentiate = {"tensorflow": _tensorflow, "jax": _jax, "torch": _torch}.get(backend)
    if differentiate is None:
        raise RuntimeError(f"no automatic differentiation on the {backend!r} backend")
    grads = differentiate(loss, [keras.ops.convert_to_tensor(x) for x in inputs], list(variables))
    return [None if g is None else keras.ops.convert_to_numpy(g) for g in grads]


def _tensorflow(loss: Callable[..., Any], inputs: list[Any], variables: list[Any]) -> list[Any]:
    import tensorflow as tf

    # A Keras variable wraps the backend's variable in `.value`; the tape needs that one.
    watched = inputs + [v.value for v in variables]
    with tf.GradientTape() as tape:
        for source in watched:
            tape.watch(source)
        value = loss(*inputs)
    return tape.gradient(value, watched)


def _jax(loss: Callable[..., Any], inputs: list[Any], variables: list[Any]) -> list[Any]:
    import jax
    import keras

    def pure(input_values: list[Any], variable_values: list[Any]) -> Any:
        # Inside a stateless scope each variable reads the traced value it is mapped to, and
        # assignments (a training step's moving averages) are recorded instead of applied.
        with keras.StatelessScope(state_mapping=list(zip(variables, variable_values, strict=True))):
            return loss(*input_values)

    d_inputs, d_variables = jax.grad(pure, argnums=(0, 1))(inputs, [v.value for v in variables])
    return list(d_inputs) + list(d_variables)


def _torch(loss: Callable[..., Any], inputs: list[Any], variables: list[Any]) -> list[Any]:
    import torch

    leaves = [x.detach().clone().requires_grad_(True) for x in inputs]
    values = [v.value for v in variables]
    grads = torch.autograd.grad(loss(*leaves), leaves + values, allow_unused=True)
    return [None if g is None else g.detach().cpu() for g in grads]
