"""The Keras built-ins each softmax_regression answer is compared with,
wrapped to the answer's signature (the "builtin" oracle of the public checks)."""

from __future__ import annotations

from typing import Any

import numpy as np

from autograder.toolkit.autodiff import gradients


def _builtin_loss_gradient(y_true: Any, logits: Any) -> Any:
    """dJ/dZ of ``CategoricalCrossentropy(from_logits=True)`` by automatic differentiation."""
    import keras

    loss = keras.losses.CategoricalCrossentropy(from_logits=True)
    return gradients(lambda z: loss(y_true, z), [logits])[0]


def _builtin_classifier(input_dim: int, num_classes: int) -> Any:
    import keras

    inputs = keras.Input((input_dim,))
    outputs = keras.layers.Softmax()(keras.layers.Dense(num_classes)(inputs))
    return keras.Model(inputs, outputs)


def namespace() -> dict[str, Any]:
    import keras

    loss = keras.losses.CategoricalCrossentropy()
    return {
        "one_hot": lambda labels, num_classes: keras.ops.one_hot(np.asarray(labels), num_classes),
        "softmax": lambda z: keras.ops.softmax(z, axis=-1),
        "Softmax": keras.layers.Softmax,
        "categorical_crossentropy": lambda y_true, y_pred, epsilon=1e-7: loss(y_true, y_pred),
        "softmax_cross_entropy_grad": _builtin_loss_gradient,
        "build_softmax_classifier": _builtin_classifier,
    }
