"""The Keras built-ins each batch_norm answer is compared with, wrapped to the
answer's signature (the "builtin" oracle of the public checks)."""

from __future__ import annotations

from typing import Any


def _forward(z: Any, gamma: Any, beta: Any, epsilon: float = 1e-3) -> tuple[Any, Any, Any]:
    from keras import ops

    z = ops.convert_to_tensor(z)
    axes = list(range(len(z.shape) - 1))
    mean, variance = ops.moments(z, axes=axes)
    out = ops.batch_normalization(z, mean, variance, axis=-1, offset=beta, scale=gamma, epsilon=epsilon)
    return out, mean, variance


def _build_model(input_dim: int, num_classes: int, hidden_units=(64, 64), use_batch_norm: bool = True):
    import keras

    inputs = keras.Input(shape=(input_dim,))
    x = inputs
    for units in hidden_units:
        x = keras.layers.Dense(units, use_bias=not use_batch_norm)(x)
        if use_batch_norm:
            x = keras.layers.BatchNormalization()(x)
        x = keras.layers.ReLU()(x)
    return keras.Model(inputs, keras.layers.Dense(num_classes, activation="softmax")(x))


def namespace() -> dict[str, Any]:
    import keras

    return {
        "batch_norm_forward": _forward,
        "BatchNormalization": keras.layers.BatchNormalization,
        "build_model": _build_model,
    }
