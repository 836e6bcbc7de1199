"""The inputs, probes and judges of ``softmax`` and the ``Softmax`` layer: rows that sum to one, a shift
that changes nothing, extreme logits, symbolic tensors, and the layer's Keras contract."""

from __future__ import annotations

from typing import Any

import numpy as np

from autograder.labs.softmax_regression import formulas as f
from autograder.model.checks import Evidence, Mistake, Verdict, failed, passed
from autograder.toolkit.compare import Tolerance, compare, to_numpy
from autograder.toolkit.judges import close, with_hint
from autograder.toolkit.layer_contract import (
    config_observations,
    config_round_trips,
    rebuilt_from_config,
    reload_problem,
    saved_and_reloaded,
)


def logits(*shape: int, scale: float = 3.0, dtype: str = "float32", key: str = "z"):
    return lambda rng: {key: (rng.normal(size=shape) * scale).astype(dtype)}


SOFTMAX_MISTAKES = (
    Mistake(
        "the softmax is taken over the batch axis (axis 0); take it over the last axis (classes)",
        lambda i: f.softmax(i["z"], axis=0),
    ),
    Mistake("exp(z) is returned without dividing by the sum over the classes", lambda i: np.exp(i["z"])),
    Mistake(
        "exp(z - max) is returned without dividing by the sum over the classes",
        lambda i: np.exp(i["z"] - i["z"].max(-1, keepdims=True)),
    ),
    Mistake(
        "z is divided by its sum instead of exp(z) by the sum of exp(z)",
        lambda i: i["z"] / i["z"].sum(-1, keepdims=True),
    ),
    Mistake(
        "the max is subtracted but the exponent is missing",
        lambda i: (
            (i["z"] - i["z"].max(-1, keepdims=True)) / (i["z"] - i["z"].max(-1, keepdims=True)).sum(-1, keepdims=True)
        ),
    ),
)


def rows_sum_to_one(evidence: Evidence) -> Verdict:
    out = to_numpy(evidence.observed["out"])
    z = evidence.inputs["z"]
    if out.shape != z.shape:
        return failed(f"softmax must keep the shape of z: expected {z.shape}, got {out.shape}")
    sums = compare(out.sum(axis=-1), np.ones(z.shape[:-1], np.float32), tolerance=Tolerance(1e-5, 1e-6))
    if sums.ok:
        return passed(f"each of the {z.shape[0]} rows sums to 1 over its {z.shape[-1]} classes")
    columns = np.allclose(out.sum(axis=0), 1.0, atol=1e-5)
    hint = "the softmax is taken over axis 0 (the examples); use the last axis (the classes)" if columns else ""
    return failed(with_hint(f"rows of softmax(z) do not sum to 1: {sums.problem}", hint))


# float32 resolves numbers near 1000 only to 6.1e-5, so a correct softmax computed
# through z - logsumexp(z) is exact only to about that relative error on these rows.
EXTREME_TOLERANCE = Tolerance(rtol=2e-4, atol=1e-6)


EXTREME_LOGITS = np.array([[1000.0, 0.0, -1000.0], [-1000.0, -1000.0, 1000.0], [1000.0, 1000.0, 0.0]], np.float32)


def shift_probe(answers: Any, inputs: dict[str, Any]) -> dict[str, Any]:
    z = inputs["z"]
    return {"out": answers.softmax(z), "shifted": answers.softmax(z + inputs["shift"])}


def shift_invariant(evidence: Evidence) -> Verdict:
    outcome = compare(evidence.observed["shifted"], to_numpy(evidence.observed["out"]), hidden=evidence.hidden)
    if outcome.ok:
        return passed("softmax(z + c) equals softmax(z) for a constant c per row")
    return failed(f"softmax(z + c) should equal softmax(z) when each row gets its own constant c: {outcome.problem}")


def layer_probe(answers: Any, inputs: dict[str, Any]) -> dict[str, Any]:
    return {"out": answers.Softmax()(inputs["x"])}


def symbolic_probe(answers: Any, inputs: dict[str, Any]) -> dict[str, Any]:
    """softmax as a Keras layer's call would use it: on a symbolic input while the model is built, then
    compiled by predict()."""
    import keras

    softmax = answers.softmax

    class Apply(keras.layers.Layer):
        def call(self, x):
            return softmax(x)

    x = keras.Input((inputs["z"].shape[-1],))
    return {"out": keras.Model(x, Apply()(x)).predict(inputs["z"], verbose=0)}


def _dense_softmax_model(answers: Any, inputs: dict[str, Any]):
    import keras

    w, b = inputs["kernel"], inputs["bias"]
    dense = keras.layers.Dense(w.shape[1])
    model = keras.Sequential([keras.Input((w.shape[0],)), dense, answers.Softmax()])
    dense.set_weights([w, b])
    return model


def dense_softmax_inputs(m: int, d: int, c: int):
    def make(rng: np.random.Generator) -> dict[str, Any]:
        return {
            "x": rng.normal(size=(m, d)).astype("float32"),
            "kernel": rng.normal(size=(d, c)).astype("float32"),
            "bias": rng.normal(size=(c,)).astype("float32"),
        }

    return make


def model_probe(answers: Any, inputs: dict[str, Any]) -> dict[str, Any]:
    # predict() runs the model as a compiled function, on symbolic tensors, as fit() does.
    return {"out": _dense_softmax_model(answers, inputs).predict(inputs["x"], verbose=0)}


def saved_model_probe(answers: Any, inputs: dict[str, Any]) -> dict[str, Any]:
    model = _dense_softmax_model(answers, inputs)
    loaded = saved_and_reloaded(model, {"Softmax": answers.Softmax})
    return {"out": model(inputs["x"]), "reloaded": loaded(inputs["x"])}


def reloaded_predicts_the_same(evidence: Evidence) -> Verdict:
    problem = reload_problem(evidence)
    if problem:
        return failed(problem)
    return close("out", what="the same model with keras.layers.Softmax")(evidence)


def config_probe(answers: Any, inputs: dict[str, Any]) -> dict[str, Any]:
    layer = answers.Softmax(name="class_probabilities")
    clone, config = rebuilt_from_config(layer)
    return config_observations(layer, clone, config, inputs["x"])


config_judge = config_round_trips("class_probabilities")
