"""The set-up every lab does first: quiet logs, reproducible seeds, no
TensorFloat-32, and a sentence saying which device the lab runs on."""

from __future__ import annotations

import functools
import logging
import os
import warnings


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
    keras.utils.set_random_seed(seed)  # seeds Python's random, NumPy and the backend
    versions = f"Keras {keras.__version__} on {backend}"
    if gpus:
        return f"{versions}, running on GPU: {', '.join(gpus)}."
    return (
        f"{versions}, running on the CPU. Every exercise runs fine there; for faster training in "
        "Colab choose Runtime > Change runtime type > GPU."
    )
