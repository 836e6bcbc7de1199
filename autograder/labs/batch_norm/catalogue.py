"""The public checks of the batch_norm lab, one list per test cell.

Parity checks run one probe on the student's layer and on
``keras.layers.BatchNormalization`` given the same weights; when they differ,
the NumPy simulator in ``formulas`` says which known mistake reproduces the
student's numbers. The probes are also what the hidden checks run, on fresh
inputs, against the reference solution.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from autograder.toolkit.autodiff import gradients
from autograder.model.checks import BUILTIN, Check, Evidence, Verdict, failed, passed
from autograder.toolkit.judges import trained_accuracy, with_hint
from autograder.toolkit.compare import Tolerance, compare, to_numpy
from autograder.toolkit.from_scratch import from_scratch_check
from autograder.toolkit.questions import Choice, Numbers, form_check
from autograder.toolkit.stand_ins import integration_check
from autograder.toolkit.probes import compile_for_fit
from autograder.model.errors import ContractError
from autograder.toolkit.tracebacks import is_stub
from autograder.labs.batch_norm import formulas as f
from autograder.labs.batch_norm.answers import ANSWERS

WEIGHT_NAMES = ("gamma", "beta", "moving_mean", "moving_variance")
EPSILON = 1e-3
ACCURACY_THRESHOLD = 0.90
TRAINING_EPOCHS = 5

# What each known mistake is called in a message, by its switch in formulas.training_step.
LAYER_MISTAKES = {
    "unbiased": "the variance is divided by m - 1; Batch Norm uses the biased variance (divide by m)",
    "eps_outside": "epsilon is added outside the square root: use sqrt(variance + epsilon)",
    "no_eps": "epsilon is missing: divide by sqrt(variance + epsilon)",
    "reversed_momentum": "the momentum is applied the wrong way round: "
    "moving = momentum * moving + (1 - momentum) * batch",
    "moving_in_training": "the moving statistics are used in training; training normalises with the batch statistics",
    "normalise_after_update": "the output is normalised with the moving statistics after updating them; "
    "in training use the batch's own mean and variance",
    "std_update": "the moving variance is updated from the standard deviation; average the variance",
    "output_variance_update": "the moving variance is averaged from the variance of the output z_tilde; "
    "average the batch variance of the inputs",
}


def output_tolerance(x: Any, gamma: Any, variance: Any) -> Tolerance:
    """The float32 tolerance for a normalised output.

    A correct float32 evaluation of gamma * (x - mean) / sqrt(variance + eps) + beta
    can be off by a few ulps of the largest term it adds, |x| * gamma / sqrt(variance + eps):
    Keras's own ``x * scale + shift`` form is, by up to 6e-5 on a batch of one
    (variance 0, so the scale is gamma / sqrt(eps), about 32 gamma). For ordinary
    data this gives atol of a few 1e-6; mistakes there are off by O(1) or NaN.
    """
    scale = np.abs(np.asarray(gamma, np.float64)) / np.sqrt(np.asarray(variance, np.float64) + EPSILON)
    largest = float(np.max(np.abs(np.asarray(x, np.float64)) * scale))
    return Tolerance(rtol=1e-5, atol=max(1e-6, 8 * float(np.finfo(np.float32).eps) * largest))


# The core numeric check of each answer: "implemented from scratch" scores only once it passes.
CORE_CHECK = {
    "batch_norm_forward": "z_tilde, mean and variance by the formulas",
    "batch_norm_layer": "training step matches keras.layers.BatchNormalization",
    "build_model": "Dense(use_bias=False), the lab's BatchNormalization, ReLU; softmax out",
}


def from_scratch(grade_id: str, rule: str) -> Check:
    return from_scratch_check(ANSWERS, grade_id, CORE_CHECK[grade_id], rule)


# ---------------------------------------------------------------- inputs


def normal_data(*shape: int, loc: float = 5.0, scale: float = 10.0, dtype: str = "float32") -> Callable:
    """N(5, 10^2) data, as Keras's own BatchNormalization tests use."""
    return lambda rng: {"x": (rng.normal(size=shape) * scale + loc).astype(dtype)}


def layer_state(channels: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    return {
        "gamma": rng.uniform(0.5, 2.0, channels).astype("float32"),
        "beta": rng.normal(size=channels).astype("float32"),
        "moving_mean": (rng.normal(size=channels) * 3).astype("float32"),
        "moving_variance": rng.uniform(0.5, 4.0, channels).astype("float32"),
    }


def layer_inputs(*shape: int, momentum: float = 0.99, steps: int = 1, loc: float = 5.0) -> Callable:
    """A layer state and ``steps`` batches of the given shape."""

    def make(rng: np.random.Generator) -> dict[str, Any]:
        batches = [(rng.normal(size=shape) * 10 + loc).astype("float32") for _ in range(steps)]
        return {"state": layer_state(shape[-1], rng), "batches": batches, "momentum": momentum}

    return make


# The spread of the inputs of the checks that are not about epsilon: with a standard deviation of 1000,
# sqrt(variance + eps) and sqrt(variance) + eps differ by 1e-6, ten times below float32's tolerance, so
# epsilon's place is judged by the tiny-spread checks alone (a mistake is charged where it is made).
WIDE = 1000.0


def forward_inputs(*shape: int, scale: float = WIDE, loc: float = 5.0) -> Callable:
    def make(rng: np.random.Generator) -> dict[str, Any]:
        return {
            "z": (rng.normal(size=shape) * scale + loc).astype("float32"),
            "gamma": rng.uniform(0.5, 2.0, shape[-1]).astype("float32"),
            "beta": rng.normal(size=shape[-1]).astype("float32"),
        }

    return make


# ---------------------------------------------------------------- batch_norm_forward


def forward_probe(answers: Any, inputs: dict[str, Any]) -> dict[str, Any]:
    result = answers.batch_norm_forward(inputs["z"], inputs["gamma"], inputs["beta"])
    if not isinstance(result, tuple | list) or len(result) != 3:
        raise ContractError(
            f"batch_norm_forward must return the tuple (z_tilde, mean, variance); it returned {type(result).__name__}"
        )
    return {"out": result[0], "mean": result[1], "variance": result[2]}


FORWARD_MISTAKES = {
    "unbiased": dict(unbiased=True),
    "eps_outside": dict(eps_outside=True),
    "no_eps": dict(no_eps=True),
}
AXIS_HINT = "the statistics are taken over the wrong axis: average over every axis but the last (the channels)"


def _forward_hint(evidence: Evidence) -> str:
    """The known mistake that reproduces all of the student's (z_tilde, mean, variance), the closest if several do."""
    i, got = evidence.inputs, evidence.observed
    z = np.asarray(i["z"])
    candidates = {
        name: f.forward(z, i["gamma"], i["beta"], EPSILON, **switches) for name, switches in FORWARD_MISTAKES.items()
    }
    # The wrong axis: any single axis but the last, and "the batch axis alone" for images.
    for axes in {(axis,) for axis in range(1, z.ndim)} | ({(0,)} if z.ndim > 2 else set()):
        candidates[f"axes{axes}"] = f.forward(z, i["gamma"], i["beta"], EPSILON, axes=axes)
    best, best_distance = "", np.inf
    for name, predicted in candidates.items():
        keys = zip(("out", "mean", "variance"), predicted, strict=True)
        if all(_matches(got.get(key), value) for key, value in keys):
            distance = _distance(got.get("out"), predicted[0])
            if distance < best_distance:
                best, best_distance = name, distance
    if best.startswith("axes"):
        return AXIS_HINT
    return LAYER_MISTAKES.get(best, "")


def _distance(observed: Any, predicted: Any) -> float:
    with np.errstate(all="ignore"):
        gap = np.abs(to_numpy(observed).astype(np.float64) - np.asarray(predicted, np.float64))
        return float(np.nanmax(gap)) if np.isfinite(gap).any() else 0.0


def _matches(observed: Any, predicted: Any) -> bool:
    if observed is None:
        return False
    got, want = to_numpy(observed).astype(np.float64), np.asarray(predicted, np.float64)
    with np.errstate(all="ignore"):
        return got.shape == want.shape and bool(np.allclose(got, want, rtol=1e-4, atol=1e-4, equal_nan=True))


def forward_matches(what: str, expect: Callable[[dict], tuple] | None = None) -> Callable[[Evidence], Verdict]:
    """z_tilde, mean and variance must match the oracle's (or the NumPy formula's)."""

    def judge(evidence: Evidence) -> Verdict:
        i = evidence.inputs
        if expect is not None:
            out, mean, variance = expect(i)
            expected = {"out": out, "mean": mean, "variance": variance}
        else:
            expected = evidence.expected
        tolerances = {"out": output_tolerance(i["z"], i["gamma"], to_numpy(expected["variance"]))}
        for key in ("mean", "variance", "out"):
            want = np.asarray(to_numpy(expected[key]), dtype=np.float32)
            outcome = compare(evidence.observed[key], want, tolerance=tolerances.get(key), hidden=evidence.hidden)
            if not outcome.ok:
                name = "z_tilde" if key == "out" else key
                return failed(with_hint(f"{name} differs from {what}: {outcome.problem}", _forward_hint(evidence)))
        return passed(f"z_tilde, mean and variance match {what}")

    return judge


def numpy_forward(i: dict) -> tuple:
    return f.forward(i["z"], i["gamma"], i["beta"], EPSILON)


def forward_invariants(evidence: Evidence) -> Verdict:
    """Per channel, z_tilde has mean beta and standard deviation gamma * sqrt(var / (var + eps))."""
    i, out = evidence.inputs, to_numpy(evidence.observed["out"]).astype(np.float64)
    z = i["z"].astype(np.float64)
    axes = tuple(range(z.ndim - 1))
    if out.shape != z.shape:
        return failed(f"z_tilde must have the shape of z, {z.shape}; got {out.shape}")
    channels = (z.shape[-1],)
    for key in ("mean", "variance"):
        if key in evidence.observed and to_numpy(evidence.observed[key]).shape != channels:
            return failed(
                with_hint(f"{key} has shape {to_numpy(evidence.observed[key]).shape}, expected {channels}", AXIS_HINT)
            )
    variance = z.var(axis=axes)
    expected_std = i["gamma"] * np.sqrt(variance / (variance + EPSILON))
    tol = Tolerance(rtol=1e-3, atol=1e-3)  # Keras's own test tolerance for these statistics
    for what, got, want in (("mean", out.mean(axis=axes), i["beta"]), ("std", out.std(axis=axes), expected_std)):
        outcome = compare(got, want.astype(np.float32), tolerance=tol, hidden=evidence.hidden)
        if not outcome.ok:
            hint = _forward_hint(evidence)
            return failed(with_hint(f"per channel, the {what} of z_tilde is off: {outcome.problem}", hint))
    return passed("every channel of z_tilde has mean beta and standard deviation gamma (up to epsilon)")


# ---------------------------------------------------------------- the layer


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


def invariant_inputs(*shape: int) -> Callable:
    def make(rng: np.random.Generator) -> dict[str, Any]:
        return {
            "x": (rng.normal(size=shape) * 10 + 5).astype("float32"),
            "gamma": rng.uniform(0.5, 2.0, shape[-1]).astype("float32"),
            "beta": rng.normal(size=shape[-1]).astype("float32"),
        }

    return make


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


def with_upstream(make: Callable) -> Callable:
    def wrapped(rng: np.random.Generator) -> dict[str, Any]:
        inputs = make(rng)
        inputs["upstream"] = rng.normal(size=inputs["batches"][0].shape).astype("float32")
        return inputs

    return wrapped


def config_probe(answers: Any, inputs: dict[str, Any]) -> dict[str, Any]:
    x = inputs["batches"][0]
    layer = make_layer(
        answers.BatchNormalization, (None, x.shape[-1]), inputs["state"], momentum=0.9, epsilon=1e-4, name="bn_check"
    )
    config = layer.get_config()
    clone = make_layer(lambda: type(layer).from_config(config), (None, x.shape[-1]), inputs["state"])
    return {
        "name": clone.name,
        "momentum": float(getattr(clone, "momentum", np.nan)),
        "epsilon": float(getattr(clone, "epsilon", np.nan)),
        "out": clone(x, training=True),
        "original": layer(x, training=True),
    }


def config_judge(evidence: Evidence) -> Verdict:
    o = evidence.observed
    if o["name"] != "bn_check":
        return failed(f"the rebuilt layer is named {o['name']!r}: get_config must start from super().get_config()")
    if not (np.isclose(o["momentum"], 0.9) and np.isclose(o["epsilon"], 1e-4)):
        return failed(
            f"from_config(get_config()) gives momentum={o['momentum']:g}, epsilon={o['epsilon']:g} instead "
            "of 0.9 and 0.0001: add them to get_config (and keep them as self.momentum, self.epsilon)"
        )
    outcome = compare(o["out"], to_numpy(o["original"]))
    if not outcome.ok:
        return failed(f"the rebuilt layer computes something else: {outcome.problem}")
    return passed("get_config / from_config keep the name, momentum and epsilon")


def saved_model_probe(answers: Any, inputs: dict[str, Any]) -> dict[str, Any]:
    import keras

    x = inputs["batches"][0]
    model = keras.Sequential([keras.Input(x.shape[1:]), answers.BatchNormalization(name="bn")])
    state_layer = built(model.get_layer("bn"), (None, *x.shape[1:]))
    variables = _variables(state_layer)
    for name, value in inputs["state"].items():
        if name in variables:
            variables[name].assign(value)
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "model.keras")
        model.save(path)
        loaded = keras.saving.load_model(path, custom_objects={"BatchNormalization": answers.BatchNormalization})
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
    outcome = compare(o["reloaded"], to_numpy(o["out"]), hidden=evidence.hidden)
    if not outcome.ok:
        return failed(f"the reloaded model predicts differently from the saved one: {outcome.problem}")
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
    model.compile(optimizer=keras.optimizers.SGD(0.01), loss="mse", jit_compile=False)
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


def fit_inputs(rng: np.random.Generator) -> dict[str, Any]:
    x = (rng.normal(size=(64, 4)) * 3 + 2).astype("float32")
    return {"x": x, "y": rng.normal(size=(64, 4)).astype("float32")}


# ---------------------------------------------------------------- build_model


def _describe(layer: Any, lab_bn: type) -> dict[str, Any]:
    import keras

    kind = type(layer).__name__
    if isinstance(layer, lab_bn):
        kind = "lab BatchNormalization"
    elif isinstance(layer, keras.layers.BatchNormalization):
        kind = "keras.layers.BatchNormalization"
    activation = getattr(layer, "activation", None)
    return {
        "kind": kind,
        "units": int(getattr(layer, "units", 0) or 0),
        "use_bias": bool(getattr(layer, "use_bias", False)),
        "activation": getattr(activation, "__name__", str(activation)) if activation is not None else "",
    }


def model_probe(answers: Any, inputs: dict[str, Any]) -> dict[str, Any]:
    import keras

    model = answers.build_model(
        inputs["input_dim"],
        inputs["num_classes"],
        hidden_units=inputs["hidden_units"],
        use_batch_norm=inputs["use_batch_norm"],
    )
    if not isinstance(model, keras.Model):
        raise ContractError(f"build_model must return a keras.Model, not {type(model).__name__}")
    layers = [layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]
    described = [_describe(layer, answers.BatchNormalization) for layer in layers]
    return {
        "kinds": [d["kind"] for d in described],
        "units": [d["units"] for d in described],
        "use_bias": [d["use_bias"] for d in described],
        "activations": [d["activation"] for d in described],
        "out": model(inputs["x"], training=False),
    }


def _is_relu(kind: str, activation: str) -> bool:
    return kind == "ReLU" or (kind == "Activation" and activation == "relu")


def model_judge(evidence: Evidence) -> Verdict:
    i, o = evidence.inputs, evidence.observed
    kinds = o["kinds"]
    dense = [n for n, kind in enumerate(kinds) if kind == "Dense"]
    hidden, bn = i["hidden_units"], i["use_batch_norm"]
    summary = ", ".join(kinds)
    if [o["units"][n] for n in dense] != [*hidden, i["num_classes"]]:
        return failed(
            f"expected Dense layers of {[*hidden, i['num_classes']]} units; the model has {summary} "
            f"with units {[o['units'][n] for n in dense]}"
        )
    n_lab_bn = kinds.count("lab BatchNormalization")
    if "keras.layers.BatchNormalization" in kinds:
        return failed("the model uses keras.layers.BatchNormalization: use the lab's own BatchNormalization class")
    if n_lab_bn != (len(hidden) if bn else 0):
        return failed(
            f"with use_batch_norm={bn} expected {len(hidden) if bn else 0} of the lab's "
            f"BatchNormalization layers; the model has {n_lab_bn} ({summary})"
        )
    expected_block = ["lab BatchNormalization", "ReLU"] if bn else ["ReLU"]
    for number, (n, following) in enumerate(zip(dense[:-1], dense[1:], strict=True), start=1):
        block = [
            "ReLU" if _is_relu(kind, o["activations"][k]) else kind
            for k, kind in enumerate(kinds[n + 1 : following], start=n + 1)
        ]
        if not bn and not block and o["activations"][n] == "relu":
            block = ["ReLU"]  # Dense(units, activation="relu"): without Batch Norm, the same two steps in one layer
        if block != expected_block:
            return failed(
                f"hidden layer {number} goes Dense, {', '.join(block) or '(nothing)'}: expected Dense, "
                f"{', '.join(expected_block)}" + (" (Batch Norm normalises z, before the activation)" if bn else "")
            )
    for n in dense[:-1]:
        if o["use_bias"][n] == bn:
            why = (
                "the bias b is redundant before Batch Norm (beta replaces it): use_bias=False"
                if bn
                else "without Batch Norm the hidden Dense layers need their bias: use_bias=True"
            )
            return failed(f"hidden Dense layer {dense.index(n) + 1} has use_bias={o['use_bias'][n]}: {why}")
        if o["activations"][n] not in (("linear", "") if bn else ("linear", "", "relu")):
            return failed(
                f"hidden Dense layer {dense.index(n) + 1} has activation {o['activations'][n]!r}: "
                "Batch Norm normalises z, before the activation (Dense, then BN, then ReLU)"
            )
    out = to_numpy(o["out"]).astype(np.float64)
    if out.shape != (len(i["x"]), i["num_classes"]):
        return failed(f"the model maps {len(i['x'])} examples to shape {out.shape}")
    sums = compare(out.sum(axis=-1), np.ones(len(out), np.float32), tolerance=Tolerance(1e-5, 1e-5))
    if not sums.ok or out.min() < 0:
        return failed("the outputs are not probabilities (rows must sum to 1): end with Dense(num_classes) and softmax")
    return passed(f"{summary}")


def model_inputs(hidden_units=(64, 64), use_batch_norm=True, input_dim=64, num_classes=10):
    return lambda rng: {
        "input_dim": input_dim,
        "num_classes": num_classes,
        "hidden_units": tuple(hidden_units),
        "use_batch_norm": use_batch_norm,
        "x": rng.normal(size=(5, input_dim)).astype("float32"),
    }


def digits_inputs(rng: np.random.Generator) -> dict[str, Any]:
    from autograder.toolkit.datasets import flat_digits

    return flat_digits()


def model_training_probe(answers: Any, inputs: dict[str, Any]) -> dict[str, Any]:
    import keras

    model = answers.build_model(64, 10)
    compile_for_fit(model, keras.optimizers.Adam(1e-3), "sparse_categorical_crossentropy")
    history = model.fit(inputs["x_train"], inputs["y_train"], epochs=TRAINING_EPOCHS, batch_size=32, verbose=0)
    return {"out": model(inputs["x_test"], training=False), "loss": np.asarray(history.history["loss"])}


model_training_judge = trained_accuracy(ACCURACY_THRESHOLD, f"{TRAINING_EPOCHS} epochs of Adam(1e-3)")


CHECKS: dict[str, tuple[Check, ...]] = {
    "test_batch_norm_forward": (
        Check(
            "z_tilde, mean and variance by the formulas",
            "batch_norm_forward",
            forward_matches("the formulas of the notes", expect=numpy_forward),
            make_inputs=forward_inputs(6, 4),
            probe=forward_probe,
            points=3.0,
            rule="Note the **biased** variance: divide by $m$, not $m - 1$.",
        ),
        Check(
            "matches keras.ops.moments + keras.ops.batch_normalization",
            "batch_norm_forward",
            forward_matches("keras.ops.batch_normalization"),
            make_inputs=forward_inputs(8, 3),
            probe=forward_probe,
            oracle=BUILTIN,
            rule="The result must agree with `keras.ops.moments` followed by `keras.ops.batch_normalization`",
        ),
        Check(
            "4-D inputs: statistics over every axis but the last",
            "batch_norm_forward",
            forward_invariants,
            make_inputs=forward_inputs(4, 3, 3, 2),
            probe=forward_probe,
            rule="for images `(m, height, width, channels)`: over examples and pixels, one mean per channel",
        ),
        Check(
            "a feature with a tiny spread (epsilon inside the square root)",
            "batch_norm_forward",
            forward_matches("the formulas of the notes", expect=numpy_forward),
            # Centred at 0: with a mean of 5, z - mean would cancel away float32 digits that the
            # check is not about; sqrt(1e-4 + eps) vs sqrt(1e-4) + eps still differ threefold.
            make_inputs=forward_inputs(16, 3, scale=0.01, loc=0.0),
            probe=forward_probe,
            points=2.0,
            rule="$\\epsilon$ **inside** the square root",
        ),
        Check(
            "a batch of one example",
            "batch_norm_forward",
            forward_matches("the formulas of the notes (z_tilde = beta, variance 0)", expect=numpy_forward),
            make_inputs=forward_inputs(1, 5),
            probe=forward_probe,
            rule="a batch of one example must work too (its variance is 0, so $\\tilde z = \\beta$)",
        ),
        from_scratch(
            "batch_norm_forward",
            rule="`ops.batch_normalization` is what you are building, so it is not (nor any other built-in batch or layer normalisation)",
        ),
    ),
    "test_batch_norm_layer": (
        Check(
            "weights: order, shapes, trainability, initial values",
            "batch_norm_layer",
            weights_as_specified,
            make_inputs=lambda rng: {"channels": 3},
            probe=weights_probe,
            rule="create, with `self.add_weight`, in this order, each of shape `(C,)`",
        ),
        Check(
            "a fresh layer at inference returns x / sqrt(1 + epsilon)",
            "batch_norm_layer",
            fresh_inference_judge,
            make_inputs=normal_data(5, 3),
            probe=fresh_inference_probe,
            rule="a fresh layer (moving mean 0, moving variance 1) at test time returns $x / \\sqrt{1 + \\epsilon}$",
        ),
        Check(
            "training step matches keras.layers.BatchNormalization",
            "batch_norm_layer",
            training_matches("keras.layers.BatchNormalization"),
            make_inputs=layer_inputs(8, 4),
            probe=training_probe,
            oracle=BUILTIN,
            points=3.0,
            rule="normalise with the batch statistics (your `batch_norm_forward`) and update both moving statistics",
        ),
        Check(
            "moving statistics over 3 steps at momentum 0.99, 0.5 and 0",
            "batch_norm_layer",
            momentum_sweep_judge,
            make_inputs=lambda rng: {**layer_inputs(6, 3, steps=3)(rng), "momenta": (0.99, 0.5, 0.0)},
            probe=momentum_sweep_probe,
            oracle=BUILTIN,
            points=3.0,
            rule="`moving = momentum * moving + (1 - momentum) * batch`, for any momentum from 0 to 1",
        ),
        Check(
            "inference uses the moving statistics and updates nothing",
            "batch_norm_layer",
            inference_judge,
            make_inputs=layer_inputs(6, 3),
            probe=inference_probe,
            points=3.0,
            rule="Otherwise normalise with the moving statistics and change nothing.",
        ),
        Check(
            "trainable=False behaves as at inference",
            "batch_norm_layer",
            inference_judge,
            make_inputs=lambda rng: {**layer_inputs(6, 3)(rng), "frozen": True},
            probe=inference_probe,
            rule="a frozen layer behaves as at test time",
        ),
        Check(
            "per channel: output mean beta and std gamma (4-D, momentum 0)",
            "batch_norm_layer",
            invariants_judge,
            make_inputs=invariant_inputs(5, 3, 3, 2),
            probe=invariants_probe,
            points=2.0,
            rule="in training, each channel of the output has mean $\\beta$ and standard deviation $|\\gamma|$",
        ),
        Check(
            "4-D inputs match keras.layers.BatchNormalization",
            "batch_norm_layer",
            training_matches("keras.layers.BatchNormalization"),
            make_inputs=layer_inputs(4, 3, 3, 2, steps=2),
            probe=training_probe,
            oracle=BUILTIN,
            rule="inputs of any rank (statistics over every axis but the last)",
        ),
        Check(
            "a batch of one in training",
            "batch_norm_layer",
            training_matches("keras.layers.BatchNormalization"),
            make_inputs=layer_inputs(1, 4),
            probe=training_probe,
            oracle=BUILTIN,
            rule="a batch of one example in training",
        ),
        Check(
            "mixed_float16: float32 weights and computation, float16 output",
            "batch_norm_layer",
            mixed_precision_judge,
            make_inputs=layer_inputs(8, 3, loc=250.0),
            probe=mixed_precision_probe,
            oracle=BUILTIN,
            rule="your weights and computation stay float32 and the output is float16",
        ),
        Check(
            "gradients match keras.layers.BatchNormalization's (GradientTape)",
            "batch_norm_layer",
            gradient_judge,
            make_inputs=with_upstream(layer_inputs(6, 3)),
            probe=gradient_probe,
            oracle=BUILTIN,
            rule="`GradientTape` must give the same gradients as for `keras.layers.BatchNormalization`",
        ),
        Check(
            "get_config / from_config round-trip",
            "batch_norm_layer",
            config_judge,
            make_inputs=layer_inputs(4, 3),
            probe=config_probe,
            rule="`get_config`: add `momentum` and `epsilon` to the base config",
        ),
        Check(
            "a model saved as .keras and reloaded predicts the same",
            "batch_norm_layer",
            saved_model_judge,
            make_inputs=layer_inputs(5, 3),
            probe=saved_model_probe,
            oracle=BUILTIN,
            rule="a model with your layer, saved and loaded back, must predict the same",
        ),
        Check(
            "model.fit moves the moving statistics; predict and evaluate do not",
            "batch_norm_layer",
            fit_judge,
            make_inputs=fit_inputs,
            probe=fit_probe,
            points=2.0,
            rule="`model.fit` calls your layer with `training=True`, so it moves the moving statistics",
        ),
        integration_check(
            "batch_norm_layer",
            "BatchNormalization",
            one_training_call_probe,
            ("batch_norm_forward",),
            normal_data(6, 3),
            rule="(your `batch_norm_forward`)",
        ),
        from_scratch(
            "batch_norm_layer",
            rule="`keras.layers.BatchNormalization` and `ops.batch_normalization` may not do the work",
        ),
    ),
    "test_build_model": (
        Check(
            "Dense(use_bias=False), the lab's BatchNormalization, ReLU; softmax out",
            "build_model",
            model_judge,
            make_inputs=model_inputs(),
            probe=model_probe,
            points=2.0,
            rule="then (if `use_batch_norm`) **your** `BatchNormalization`, then a ReLU",
        ),
        Check(
            "use_batch_norm=False: Dense with bias, no BatchNormalization",
            "build_model",
            model_judge,
            make_inputs=model_inputs(use_batch_norm=False),
            probe=model_probe,
            rule="`Dense(units, use_bias=not use_batch_norm)`",
        ),
        Check(
            "hidden_units=(32, 16, 8) gives three hidden layers",
            "build_model",
            model_judge,
            make_inputs=model_inputs(hidden_units=(32, 16, 8), input_dim=7, num_classes=3),
            probe=model_probe,
            rule="for each entry of `hidden_units`",
        ),
        Check(
            f"learns the digits: test accuracy >= {ACCURACY_THRESHOLD}",
            "build_model",
            model_training_judge,
            make_inputs=digits_inputs,
            probe=model_training_probe,
            rule="a test accuracy of at least 0.90 after 5 epochs of Adam(1e-3)",
        ),
        integration_check(
            "build_model",
            "build_model",
            model_built_probe,
            ("BatchNormalization",),
            model_inputs(hidden_units=(8,)),
            rule="**your** `BatchNormalization`",
        ),
        from_scratch("build_model", rule="`keras.layers.BatchNormalization` does not count as your layer"),
    ),
    "test_q_constant_unit": (form_check("q_constant_unit", "constant_unit_output", Numbers(1), rule='Answer with one number.'),),
    "test_q_bias": (form_check("q_bias", "why_no_bias", Choice(('a', 'b', 'c', 'd')), rule='Answer with a letter, as a string.'),),
    "test_q_momentum_window": (form_check("q_momentum_window", "batches_averaged", Numbers(1), rule='Answer with one number.'),),
    "test_q_predict": (form_check("q_predict", "predict_does", Choice(('a', 'b', 'c')), rule='Answer with a letter, as a string.'),),
}
