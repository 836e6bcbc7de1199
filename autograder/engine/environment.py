"""The set-up every lab does first: quiet logs, reproducible seeds, no
TensorFloat-32, and a sentence saying which device the lab runs on."""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import warnings
from collections.abc import Iterator


@functools.cache
def configure_backend() -> str:
    """Set the backend up for exact checks, once per process, and return its name.

    TensorFloat-32 matmuls (the default on Ampere and newer GPUs) would break float32
    tolerances, so they are switched off; JAX computes in float32 unless 64-bit mode is on,
    which the float64 checks need. Runs no backend op (workers fork after it is safe).
    """
    import keras

    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        tf.config.experimental.enable_tensor_float_32_execution(False)
    elif backend == "jax":
        import jax

        jax.config.update("jax_enable_x64", True)
        jax.config.update("jax_default_matmul_precision", "highest")
    return backend


_SEEDS_SET: set[int] = set()


@contextlib.contextmanager
def _tensorflow_kernel_cache_kept() -> Iterator[None]:
    from tensorflow.python import pywrap_tfe

    flush = pywrap_tfe.TFE_ContextClearCaches
    pywrap_tfe.TFE_ContextClearCaches = lambda handle: None
    try:
        yield
    finally:
        pywrap_tfe.TFE_ContextClearCaches = flush


def set_random_seed(seed: int) -> None:
    """``keras.utils.set_random_seed(seed)``: seeds Python's random, NumPy, Keras and the backend.

    On TensorFlow, ``tf.random.set_seed`` also empties the cache of eager kernels, so that a stateful
    random kernel made under the same seed restarts its stream; every op then builds its kernel again,
    which took a fifth of a worker's time (0.6 of 2.9 s per batch_norm submission). A cached kernel
    carries the global seed it was made under, so under a seed this process never set no cached kernel
    can match: the cache is emptied only when a seed is set again (a check run twice in a notebook).
    Either way the random streams are those of ``keras.utils.set_random_seed``.
    """
    import keras

    fresh = seed not in _SEEDS_SET
    _SEEDS_SET.add(seed)
    if fresh and keras.backend.backend() == "tensorflow":
        with _tensorflow_kernel_cache_kept():
            keras.utils.set_random_seed(seed)
    else:
        keras.utils.set_random_seed(seed)


def _tensorflow_devices() -> list[str]:
    import tensorflow as tf

    tf.get_logger().setLevel("ERROR")
    return [d.name for d in tf.config.list_physical_devices("GPU")]


def _jax_devices() -> list[str]:
    import jax

    return [str(d) for d in jax.devices() if d.platform == "gpu"]


def prepare(seed: int = 42) -> str:
    """Quiet TensorFlow/absl logging, switch TF32 off, seed NumPy, Python and
    Keras, and describe the device. Returns that description."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    logging.getLogger("absl").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", category=DeprecationWarning, module="tensorflow|keras|jax")
    import keras

    backend = configure_backend()
    gpus = {"tensorflow": _tensorflow_devices, "jax": _jax_devices}.get(backend, list)()
    set_random_seed(seed)  # seeds Python's random, NumPy, Keras and the backend
    versions = f"Keras {keras.__version__} on {backend}"
    if gpus:
        return f"{versions}, running on GPU: {', '.join(gpus)}."
    return (
        f"{versions}, running on the CPU. Every exercise runs fine there; for faster training in "
        "Colab choose Runtime > Change runtime type > GPU."
    )
