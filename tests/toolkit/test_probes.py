"""How the probes that fit a model compile it (autograder.toolkit.probes)."""

from __future__ import annotations

import keras

from autograder.toolkit.probes import compile_for_fit, probe_jit_compile


def test_a_fitting_probe_compiles_without_xla_on_tensorflow_with_its_optimizer_built():
    """On TensorFlow (this process's backend), is a probe's model compiled without XLA, 16 steps per call, with
    the optimizer's variables built before fit?"""
    assert keras.backend.backend() == "tensorflow"
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    compile_for_fit(model, keras.optimizers.Adam(1e-3), "mse")
    assert probe_jit_compile() is False and model.jit_compile is False
    assert model.steps_per_execution == 16
    assert model.optimizer.built
