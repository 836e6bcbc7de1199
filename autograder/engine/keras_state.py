"""Keras's global state around a check: fresh and seeded while it runs, the caller's restored afterwards."""

from __future__ import annotations

import hashlib
import random

import numpy as np

from autograder.engine.environment import configure_backend, set_random_seed


class KerasState:
    """Fresh Keras globals for a check, and the caller's restored afterwards."""

    def __init__(self, seed: int):
        self.seed = seed

    # keras.config.dtype_policy() *sets* a global policy when none is set, so
    # the raw global is read and put back instead, unset if it was unset.
    _POLICY = "dtype_policy"

    def __enter__(self) -> None:
        import keras
        from keras.src.backend.common import global_state

        self.policy = global_state.get_global_attribute(self._POLICY, None)
        self.floatx = keras.config.floatx()
        self.np_state, self.py_state = np.random.get_state(), random.getstate()
        configure_backend()
        keras.config.set_floatx("float32")
        keras.config.set_dtype_policy("float32")
        set_random_seed(self.seed)

    def __exit__(self, *exc: object) -> None:
        import keras
        from keras.src.backend.common import global_state

        keras.config.set_floatx(self.floatx)
        global_state.set_global_attribute(self._POLICY, self.policy)
        np.random.set_state(self.np_state)
        random.setstate(self.py_state)


def keras_seed(seed: int) -> int:
    """The seed for Keras's initialisers, derived one way from a check's seed, so
    that code that sees it (a student's, in a worker) cannot recover the hidden seed."""
    return int.from_bytes(hashlib.sha256(f"keras:{seed}".encode()).digest()[:4], "big") % (2**31)
