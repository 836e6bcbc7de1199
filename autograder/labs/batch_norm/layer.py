"""The probes and judges of the ``BatchNormalization`` layer's ideas: its weights, a training step with the
moving averages, inference with the moving statistics, its invariants and its gradient.

Parity checks run one probe on the student's layer and on ``keras.layers.BatchNormalization`` given the
same weights; when they differ, the NumPy simulator in ``formulas`` says which known mistake reproduces the
student's numbers. The probes are also what the hidden checks run, on fresh inputs, against the reference
solution.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from autograder.labs.batch_norm import formulas as f
from autograder.labs.batch_norm.formulas import LAYER_MISTAKES
from autograder.labs.batch_norm.forward import _matches, forward_invariants, output_tolerance
from autograder.labs.batch_norm.inputs import EPSILON
from autograder.model.checks import Evidence, Verdict, failed, passed
from autograder.model.errors import ContractError
from autograder.toolkit.autodiff import gradients
from autograder.toolkit.compare import Tolerance, compare, to_numpy
from autograder.toolkit.judges import with_hint

WEIGHT_NAMES = ("gamma", "beta", "moving_mean", "moving_variance")


def _variables(layer: Any) -> dict[str, Any]:
    """The layer's weights by the role the exercise gives them, found the way it fixes them: created with
    ``add_weight`` in the order gamma, beta, moving_mean, moving_variance (Keras lists the trainable ones
    first, in creation order). Their names are the student's business: the exercise never asks for any."""
    weights = list(layer.weights)
    if len(weights) != len(WEIGHT_NAMES):
        raise ContractError(
            f"build() created {len(weights)} weights; the exercise asks for {len(WEIGHT_NAMES)}, made with "
            f"self.add_weight in this order: {', '.join(WEIGHT_NAMES)}"
        )
    return dict(zip(WEIGHT_NAMES, weights, strict=True))


def make_layer(cls: Any, input_shape: Sequence[int | None], state: dict[str, np.ndarray] | None = None, **kwargs):
    """``cls(**kwargs)`` built for ``input_shape``, its weights set by name from ``state``."""
    layer = cls(**kwargs)
    layer.build(tuple(input_shape))
    if state:
        variables = _variables(layer)
        for name, value in state.items():
            variables[name].assign(value)
    return layer


def built(layer: Any, input_shape: Sequence[int | None]) -> Any:
    """``layer``, built: Sequential swallows an error of build() and leaves the layer unbuilt."""
    if not layer.weights:
        layer.build(tuple(input_shape))
    return layer


def moving_statistics(layer: Any) -> dict[str, np.ndarray]:
    variables = _variables(layer)
    return {name: np.array(to_numpy(variables[name])) for name in ("moving_mean", "moving_variance")}


def weights_probe(answers: Any, inputs: dict[str, Any]) -> dict[str, Any]:
    layer = answers.BatchNormalization()
    layer.build((None, inputs["channels"]))
    return {
        "names": [w.name.split("/")[-1].split(":")[0] for w in layer.weights],
        "trainable": [bool(w.trainable) for w in layer.weights],
        "shapes": [tuple(int(d) for d in w.shape) for w in layer.weights],
        "values": [np.array(to_numpy(w)) for w in layer.weights],
        "n_trainable": len(layer.trainable_weights),
        "n_non_trainable": len(layer.non_trainable_weights),
    }


def weights_as_specified(evidence: Evidence) -> Verdict:
    o, c = evidence.observed, evidence.inputs["channels"]
    if len(o["names"]) != len(WEIGHT_NAMES):
        return failed(
            f"build() created {len(o['names'])} weights ({o['names']}); the exercise asks for "
            f"{len(WEIGHT_NAMES)}: {', '.join(WEIGHT_NAMES)}, in that order"
        )
    if o["trainable"] != [True, True, False, False] or (o["n_trainable"], o["n_non_trainable"]) != (2, 2):
        return failed(
            f"trainable flags are {o['trainable']}: gamma and beta are learned (trainable=True); the moving "
            "statistics are not (trainable=False), gradient descent must not change them"
        )
    if any(shape != (c,) for shape in o["shapes"]):
        return failed(f"for {c} channels every weight has shape ({c},); the shapes are {o['shapes']}")
    initial = dict(zip(WEIGHT_NAMES, (1.0, 0.0, 0.0, 1.0), strict=True))
    for name, value in zip(WEIGHT_NAMES, o["values"], strict=True):
        if not np.allclose(value, initial[name]):
            return failed(
                f"{name} starts at {value[:3]}...; it should start at {initial[name]:g}: build() creates "
                f"{', '.join(WEIGHT_NAMES)}, in that order, starting at ones, zeros, zeros, ones"
            )
    return passed(
        "gamma, beta (trainable), moving_mean, moving_variance (non-trainable), shape (C,), ones/zeros/zeros/ones"
    )


def one_training_call_probe(answers: Any, inputs: dict[str, Any]) -> dict[str, Any]:
    """One call of a fresh layer in training: all the integration check needs to see (nothing to compare)."""
    make_layer(answers.BatchNormalization, (None, inputs["x"].shape[-1]))(inputs["x"], training=True)
    return {}


def model_built_probe(answers: Any, inputs: dict[str, Any]) -> dict[str, Any]:
    """build_model called, its model not run: all the integration check needs to see."""
    answers.build_model(
        inputs["input_dim"], inputs["num_classes"], hidden_units=inputs["hidden_units"], use_batch_norm=True
    )
    return {}


def fresh_inference_probe(answers: Any, inputs: dict[str, Any]) -> dict[str, Any]:
    layer = make_layer(answers.BatchNormalization, (None, inputs["x"].shape[-1]))
    return {"out": layer(inputs["x"], training=False)}


def fresh_inference_judge(evidence: Evidence) -> Verdict:
    x = evidence.inputs["x"].astype(np.float64)
    outcome = compare(evidence.observed["out"], (x / np.sqrt(1 + EPSILON)).astype(np.float32), hidden=evidence.hidden)
    if outcome.ok:
        return passed("a fresh layer at inference returns x / sqrt(1 + epsilon)")
    hint = ""
    if _matches(evidence.observed["out"], f.forward(x, 1.0, 0.0, EPSILON)[0]):
        hint = "batch statistics are used at inference; with training=False normalise with the moving statistics"
    elif _matches(evidence.observed["out"], x / np.sqrt(EPSILON)):
        hint = "moving_variance starts at 0; it should start at 1 (initializer 'ones')"
    return failed(with_hint(f"a fresh layer at inference should return x / sqrt(1 + epsilon): {outcome.problem}", hint))


def training_probe(answers: Any, inputs: dict[str, Any]) -> dict[str, Any]:
    """Every batch through ``layer(x, training=True)``: the last output, the moving statistics after each step."""
    batches = inputs["batches"]
    layer = make_layer(
        answers.BatchNormalization, (None, *batches[0].shape[1:]), inputs["state"], momentum=inputs["momentum"]
    )
    means, variances, out = [], [], None
    for x in batches:
        out = layer(x, training=True)
        stats = moving_statistics(layer)
        means.append(stats["moving_mean"])
        variances.append(stats["moving_variance"])
    return {"out": out, "moving_mean": np.stack(means), "moving_variance": np.stack(variances)}


def simulate(inputs: dict[str, Any], **mistakes) -> dict[str, np.ndarray]:
    """What ``training_probe`` observes on a layer that makes ``mistakes``."""
    s = inputs["state"]
    state = f.LayerState(
        s["gamma"], s["beta"], s["moving_mean"].astype(np.float64), s["moving_variance"].astype(np.float64)
    )
    means, variances, out = [], [], None
    for x in inputs["batches"]:
        out, state = f.training_step(state, x, inputs["momentum"], EPSILON, **mistakes)
        means.append(state.moving_mean)
        variances.append(state.moving_variance)
    return {"out": out, "moving_mean": np.stack(means), "moving_variance": np.stack(variances)}


def _layer_hint(evidence: Evidence, keys: Sequence[str]) -> str:
    for name in LAYER_MISTAKES:
        predicted = simulate(evidence.inputs, **{name: True})
        if all(_matches(evidence.observed.get(key), predicted[key]) for key in keys):
            return LAYER_MISTAKES[name]
    return ""


def training_matches(
    what: str, keys: Sequence[str] = ("out", "moving_mean", "moving_variance"), tolerance: Tolerance | None = None
) -> Callable[[Evidence], Verdict]:
    """The training output and the moving statistics after each step match the oracle's."""
    names = {"out": "the training output", "moving_mean": "moving_mean", "moving_variance": "moving_variance"}

    def judge(evidence: Evidence) -> Verdict:
        last = evidence.inputs["batches"][-1]
        variance = last.astype(np.float64).var(axis=tuple(range(last.ndim - 1)))
        out_tolerance = tolerance or output_tolerance(last, evidence.inputs["state"]["gamma"], variance)
        for key in keys:
            used = out_tolerance if key == "out" else tolerance
            outcome = compare(evidence.observed[key], evidence.expected[key], tolerance=used, hidden=evidence.hidden)
            if not outcome.ok:
                hint = _layer_hint(evidence, keys)
                where = f" (rows: after each of {len(evidence.inputs['batches'])} steps)" if key != "out" else ""
                return failed(with_hint(f"{names[key]}{where} differs from {what}: {outcome.problem}", hint))
        steps = len(evidence.inputs["batches"])
        return passed(
            f"{', '.join(names[k] for k in keys)} match {what} over {steps} step(s) "
            f"at momentum {evidence.inputs['momentum']:g}"
        )

    return judge


def momentum_sweep_probe(answers: Any, inputs: dict[str, Any]) -> dict[str, Any]:
    observed = {}
    for momentum in inputs["momenta"]:
        one = training_probe(answers, {**inputs, "momentum": momentum})
        observed.update({f"{key}@{momentum:g}": value for key, value in one.items()})
    return observed


def momentum_sweep_judge(evidence: Evidence) -> Verdict:
    for momentum in evidence.inputs["momenta"]:
        keys = ("moving_mean", "moving_variance")
        sub = Evidence(
            {**evidence.inputs, "momentum": momentum},
            {k: evidence.observed[f"{k}@{momentum:g}"] for k in keys},
            {k: evidence.expected[f"{k}@{momentum:g}"] for k in keys},
            None,
            evidence.hidden,
        )
        verdict = training_matches("keras.layers.BatchNormalization", keys)(sub)
        if not verdict.passed:
            return failed(f"with momentum={momentum:g}: {verdict.message}")
    momenta = ", ".join(f"{m:g}" for m in evidence.inputs["momenta"])
    return passed(
        f"moving statistics match keras.layers.BatchNormalization after "
        f"{len(evidence.inputs['batches'])} steps at momentum {momenta}"
    )


def inference_probe(answers: Any, inputs: dict[str, Any]) -> dict[str, Any]:
    x = inputs["batches"][0]
    layer = make_layer(answers.BatchNormalization, (None, x.shape[-1]), inputs["state"], momentum=inputs["momentum"])
    if inputs.get("frozen"):
        layer.trainable = False
    before = moving_statistics(layer)
    out = layer(x, training=bool(inputs.get("frozen")))
    after = moving_statistics(layer)
    return {"out": out, **{f"{k}_before": v for k, v in before.items()}, **{f"{k}_after": v for k, v in after.items()}}


def inference_judge(evidence: Evidence) -> Verdict:
    i, o = evidence.inputs, evidence.observed
    s = i["state"]
    state = f.LayerState(s["gamma"], s["beta"], s["moving_mean"], s["moving_variance"])
    x = i["batches"][0]
    mode = "a frozen layer (trainable=False) called with training=True" if i.get("frozen") else "at inference"
    for key in ("moving_mean", "moving_variance"):
        tight = Tolerance(rtol=1e-7, atol=0.0)
        if not compare(o[f"{key}_after"], o[f"{key}_before"], tolerance=tight).ok:
            return failed(
                f"{mode}, {key} changed: the moving statistics are updated only in training"
                + (" (and only when the layer is trainable)" if i.get("frozen") else "")
            )
    tolerance = output_tolerance(x, s["gamma"], s["moving_variance"])
    outcome = compare(
        o["out"], f.inference(state, x, EPSILON).astype(np.float32), tolerance=tolerance, hidden=evidence.hidden
    )
    if outcome.ok:
        return passed(f"{mode}: normalises with the moving statistics and updates nothing")
    hint = ""
    if _matches(o["out"], f.forward(x, s["gamma"], s["beta"], EPSILON)[0]):
        hint = (
            "the batch statistics are used; a frozen layer behaves as at inference (check `training and "
            "self.trainable`)"
            if i.get("frozen")
            else "the batch statistics are used at inference; with training=False use the moving statistics"
        )
    return failed(
        with_hint(
            f"{mode}, the output should be gamma * (x - moving_mean) / sqrt(moving_variance + "
            f"epsilon) + beta: {outcome.problem}",
            hint,
        )
    )


def invariants_probe(answers: Any, inputs: dict[str, Any]) -> dict[str, Any]:
    x = inputs["x"]
    state = {"gamma": inputs["gamma"], "beta": inputs["beta"]}
    layer = make_layer(answers.BatchNormalization, (None, *x.shape[1:]), state, momentum=0.0)
    return {"out": layer(x, training=True), "moving_variance": moving_statistics(layer)["moving_variance"]}


def invariants_judge(evidence: Evidence) -> Verdict:
    i = evidence.inputs
    verdict = forward_invariants(
        Evidence(
            {"z": i["x"], "gamma": i["gamma"], "beta": i["beta"]},
            {"out": evidence.observed["out"]},
            None,
            None,
            evidence.hidden,
        )
    )
    if not verdict.passed:
        return verdict
    variance = i["x"].astype(np.float64).var(axis=tuple(range(i["x"].ndim - 1)))
    outcome = compare(
        evidence.observed["moving_variance"], variance.astype(np.float32), tolerance=Tolerance(1e-5, 1e-5)
    )
    if not outcome.ok:
        return failed(f"with momentum=0 the moving variance must equal the batch's biased variance: {outcome.problem}")
    return passed("per channel: output mean beta and std gamma; with momentum 0 the moving variance is the batch's")


def gradient_probe(answers: Any, inputs: dict[str, Any]) -> dict[str, Any]:
    from keras import ops

    x = ops.convert_to_tensor(inputs["batches"][0])
    layer = make_layer(answers.BatchNormalization, (None, x.shape[-1]), inputs["state"])
    variables = _variables(layer)
    upstream = ops.convert_to_tensor(inputs["upstream"])
    grads = gradients(
        lambda x: ops.sum(layer(x, training=True) * upstream), [x], [variables["gamma"], variables["beta"]]
    )
    if any(g is None for g in grads):
        missing = [n for n, g in zip(("x", "gamma", "beta"), grads, strict=True) if g is None]
        raise ContractError(
            f"no gradient flows to {', '.join(missing)}: is the output computed from them with "
            "keras.ops (not NumPy, not .numpy())?"
        )
    return {"d_x": grads[0], "d_gamma": grads[1], "d_beta": grads[2]}


def gradient_judge(evidence: Evidence) -> Verdict:
    tol = Tolerance(rtol=1e-4, atol=1e-5)  # gradients through 1/sqrt(var + eps) in float32
    for key in ("d_beta", "d_gamma", "d_x"):
        outcome = compare(evidence.observed[key], evidence.expected[key], tolerance=tol, hidden=evidence.hidden)
        if not outcome.ok:
            hint = ""
            if key == "d_x":
                hint = (
                    "the gradient with respect to the input differs: are the batch mean and variance computed "
                    "from the inputs in the same graph (not from a NumPy copy)?"
                )
            return failed(
                with_hint(
                    f"{key.replace('d_', 'the gradient with respect to ')} differs from "
                    f"keras.layers.BatchNormalization's: {outcome.problem}",
                    hint,
                )
            )
    return passed("gradients with respect to the input, gamma and beta match keras.layers.BatchNormalization's")
