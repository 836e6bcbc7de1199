"""Unit tests of ``autograder.engine.environment.set_random_seed``: Keras's seeding, without emptying
TensorFlow's kernel cache for a seed the process has not set before."""

from __future__ import annotations

import random

import keras
import numpy as np
import pytest
import tensorflow as tf
from tensorflow.python import pywrap_tfe

from autograder.engine.environment import set_random_seed

pytestmark = pytest.mark.skipif(keras.backend.backend() != "tensorflow", reason="TensorFlow's kernel cache")


def draws() -> dict[str, np.ndarray]:
    """One draw from each seeded stream: a stateful TF op without a seed, Keras's global
    SeedGenerator, NumPy's and Python's global generators."""
    return {
        "tf.random.normal": tf.random.normal([4]).numpy(),
        "keras.random.normal": keras.ops.convert_to_numpy(keras.random.normal([4])),
        "np.random": np.random.rand(4),
        "random": np.array([random.random() for _ in range(4)]),
    }


def assert_same(first: dict[str, np.ndarray], second: dict[str, np.ndarray]) -> None:
    for stream in first:
        np.testing.assert_array_equal(first[stream], second[stream], err_msg=stream)


@pytest.fixture
def flushes(monkeypatch) -> list[object]:
    """The calls that empty TensorFlow's kernel cache, recorded (and still made)."""
    calls: list[object] = []
    flush = pywrap_tfe.TFE_ContextClearCaches

    def recorded(handle: object) -> None:
        calls.append(handle)
        flush(handle)

    monkeypatch.setattr(pywrap_tfe, "TFE_ContextClearCaches", recorded)
    return calls


def test_a_fresh_seed_draws_what_keras_set_random_seed_draws():
    """Under a seed never set before, do TF, Keras, NumPy and Python draw what they draw after
    keras.utils.set_random_seed with that seed?"""
    set_random_seed(918_273_001)
    ours = draws()
    keras.utils.set_random_seed(918_273_001)
    assert_same(ours, draws())


def test_a_seed_set_again_restarts_every_stream():
    """Set a second time, does a seed restart the streams, a stateful TF kernel's included (the case
    the kernel cache must be emptied for)?"""
    set_random_seed(918_273_002)
    first = draws()
    set_random_seed(918_273_002)
    assert_same(first, draws())


def test_only_a_seed_set_again_empties_the_kernel_cache(flushes):
    """Is TensorFlow's kernel cache kept for a fresh seed, and emptied when a seed is set again?"""
    set_random_seed(918_273_003)
    tf.random.normal([2])
    assert flushes == []
    set_random_seed(918_273_003)
    assert len(flushes) == 1


def test_the_flush_is_put_back_after_a_fresh_seed():
    """After a fresh seed, does tf.random.set_seed empty the cache again as TensorFlow means it to?"""
    flush = pywrap_tfe.TFE_ContextClearCaches
    set_random_seed(918_273_004)
    assert pywrap_tfe.TFE_ContextClearCaches is flush
