"""The probes and judges of the ``BatchNormalization`` layer as a Keras citizen: mixed precision, its config,
saving and reloading, and ``model.fit`` against ``predict`` (Keras engineering, 1 point each)."""

from __future__ import annotations

from typing import Any

import numpy as np

from autograder.labs.batch_norm.layer import _variables, built, make_layer, moving_statistics
from autograder.model.checks import Evidence, Verdict, failed, passed
from autograder.model.errors import ContractError
from autograder.toolkit.compare import Tolerance, compare, to_numpy
from autograder.toolkit.judges import with_hint
from autograder.toolkit.layer_contract import (
    config_observations,
    config_round_trips,
    rebuilt_from_config,
    reload_problem,
    saved_and_reloaded,
)
from autograder.toolkit.probes import probe_jit_compile
from autograder.toolkit.tracebacks import is_stub


def mixed_precision_probe(answers: Any, inputs: dict[str, Any]) -> dict[str, Any]:
    import keras

    keras.config.set_dtype_policy("mixed_float16")  # the runner restores the policy afterwards
    x = inputs["batches"][0].astype("float16")
    layer = make_layer(answers.BatchNormalization, (None, x.shape[-1]), inputs["state"])
    try:
        out = layer(x, training=True)
    except Exception as error:
        if is_stub(error):
            raise
        autocast = [w.name for w in layer.weights if getattr(w, "_autocast", False)]
        if autocast:
            raise ContractError(
                f"under mixed_float16 the layer failed ({type(error).__name__}): inside call() the weights "
                f"{autocast} are read as float16: create them with add_weight(..., autocast=False)"
            ) from error
        raise ContractError(
            f"under mixed_float16 the layer failed ({type(error).__name__}): the inputs arrive as float16, so cast "
            "them to float32 (ops.cast(inputs, 'float32')), compute in float32, and cast the output to "
            "self.compute_dtype"
        ) from error
    return {
        "out": to_numpy(out).astype(np.float32),
        "out_dtype": str(keras.backend.standardize_dtype(out.dtype)),
        "weight_dtypes": [str(keras.backend.standardize_dtype(w.dtype)) for w in layer.weights],
        **moving_statistics(layer),
    }


def mixed_precision_judge(evidence: Evidence) -> Verdict:
    o = evidence.observed
    if o["out_dtype"] != "float16":
        return failed(f"under mixed_float16 the output must be float16 (self.compute_dtype); it is {o['out_dtype']}")
    if any(d != "float32" for d in o["weight_dtypes"]):
        return failed(f"under mixed_float16 the weights must stay float32; they are {o['weight_dtypes']}")
    tol = Tolerance(rtol=5e-3, atol=5e-3)  # the output is rounded to float16
    for key in ("moving_mean", "moving_variance", "out"):
        want = evidence.expected[key] if key != "out" else evidence.expected["out"]
        outcome = compare(o[key], want, tolerance=tol, hidden=evidence.hidden)
        if not outcome.ok:
            hint = ""
            if not np.all(np.isfinite(to_numpy(o[key]))):
                hint = (
                    "x**2 overflows float16 (above 65504): compute in float32 "
                    "(ops.cast(inputs, 'float32')), then cast the output to self.compute_dtype"
                )
            return failed(
                with_hint(
                    f"under mixed_float16, {key} differs from keras.layers.BatchNormalization: {outcome.problem}", hint
                )
            )
    return passed("under mixed_float16: float32 weights and statistics, float16 output, same values as Keras")


def config_probe(answers: Any, inputs: dict[str, Any]) -> dict[str, Any]:
    x = inputs["batches"][0]
    shape, state = (None, x.shape[-1]), inputs["state"]
    layer = make_layer(answers.BatchNormalization, shape, state, momentum=0.9, epsilon=1e-4, name="bn_check")
    clone, config = rebuilt_from_config(layer, prepare=lambda rebuilt: make_layer(lambda: rebuilt, shape, state))
    return config_observations(layer, clone, config, x, ("momentum", "epsilon"), training=True)


config_judge = config_round_trips("bn_check", {"momentum": 0.9, "epsilon": 1e-4})


def saved_model_probe(answers: Any, inputs: dict[str, Any]) -> dict[str, Any]:
    import keras

    x = inputs["batches"][0]
    model = keras.Sequential([keras.Input(x.shape[1:]), answers.BatchNormalization(name="bn")])
    state_layer = built(model.get_layer("bn"), (None, *x.shape[1:]))
    variables = _variables(state_layer)
    for name, value in inputs["state"].items():
        if name in variables:
            variables[name].assign(value)
    loaded = saved_and_reloaded(model, {"BatchNormalization": answers.BatchNormalization})
    reloaded_mean = moving_statistics(loaded.layers[-1])["moving_mean"]  # before a call can touch it
    # Called directly at inference: model.predict would trace a function per model, and the fit check
    # already runs predict (compiled) on the same layer.
    return {
        "out": model(x, training=False),
        "reloaded": loaded(x, training=False),
        "reloaded_moving_mean": reloaded_mean,
    }


def saved_model_judge(evidence: Evidence) -> Verdict:
    o = evidence.observed
    problem = reload_problem(evidence)
    if problem:
        return failed(problem)
    if not compare(o["reloaded_moving_mean"], evidence.inputs["state"]["moving_mean"]).ok:
        return failed("the reloaded layer lost its moving statistics")
    expected = compare(o["out"], evidence.expected["out"], hidden=evidence.hidden)
    if not expected.ok:
        return failed(
            f"the model's output at inference differs from the same model with keras.layers.BatchNormalization: "
            f"{expected.problem}"
        )
    return passed("a model saved as .keras and reloaded predicts the same, with the same moving statistics")


def fit_probe(answers: Any, inputs: dict[str, Any]) -> dict[str, Any]:
    import keras

    x, y = inputs["x"], inputs["y"]
    model = keras.Sequential(
        [keras.Input(x.shape[1:]), keras.layers.Dense(x.shape[-1]), answers.BatchNormalization(name="bn")]
    )
    model.compile(optimizer=keras.optimizers.SGD(0.01), loss="mse", jit_compile=probe_jit_compile())
    layer = built(model.get_layer("bn"), (None, x.shape[-1]))
    steps = {"start": moving_statistics(layer)}
    model.fit(x, y, epochs=1, batch_size=16, verbose=0)
    steps["fit"] = moving_statistics(layer)
    model.predict(x, verbose=0)
    steps["predict"] = moving_statistics(layer)
    model.evaluate(x, y, verbose=0)
    steps["evaluate"] = moving_statistics(layer)
    return {f"{key}@{step}": value for step, stats in steps.items() for key, value in stats.items()}


def fit_judge(evidence: Evidence) -> Verdict:
    o = evidence.observed
    moved = max(float(np.abs(o[f"{k}@fit"] - o[f"{k}@start"]).max()) for k in ("moving_mean", "moving_variance"))
    if moved < 1e-3:
        return failed(
            "model.fit did not move the moving statistics: in training (training=True) update them "
            "with variable.assign(...)"
        )
    tight = Tolerance(rtol=1e-7, atol=0.0)
    for step in ("predict", "evaluate"):
        for key in ("moving_mean", "moving_variance"):
            if not compare(o[f"{key}@{step}"], o[f"{key}@fit"], tolerance=tight).ok:
                return failed(f"model.{step} changed {key}: at inference (training=False) nothing is updated")
    return passed(f"model.fit moves the moving statistics (by up to {moved:.3g}); predict and evaluate do not")
