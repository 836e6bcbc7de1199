"""Gradients on whichever Keras backend is active, for the gradient checks."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np


def gradients(loss: Callable[[], Any], sources: Sequence[Any]) -> list[np.ndarray]:
    """d loss() / d source for each source (tensors or variables), as NumPy arrays.

    ``loss`` is called once with the sources watched; on TensorFlow this is a
    ``GradientTape``. Other backends are not supported yet: a RuntimeError says so.
    """
    import keras

    backend = keras.backend.backend()
    if backend != "tensorflow":
        raise RuntimeError(f"gradient checks run on the TensorFlow backend only, not {backend!r}")
    import tensorflow as tf

    # A Keras variable wraps the backend's variable in `.value`; the tape needs that one.
    watched = [s.value if isinstance(s, keras.Variable) else s for s in sources]
    with tf.GradientTape() as tape:
        for source in watched:
            tape.watch(source)
        value = loss()
    return [None if g is None else np.asarray(g) for g in tape.gradient(value, watched)]
