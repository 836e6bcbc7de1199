"""The probes and judges of ``batch_norm_forward``: the batch statistics, the normalisation and the known
mistakes (statistics over the wrong axis, epsilon outside the square root, ...)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from autograder.labs.batch_norm import formulas as f
from autograder.labs.batch_norm.formulas import LAYER_MISTAKES
from autograder.labs.batch_norm.inputs import EPSILON
from autograder.model.checks import Evidence, Verdict, failed, passed
from autograder.model.errors import ContractError
from autograder.toolkit.compare import Tolerance, compare, to_numpy
from autograder.toolkit.judges import with_hint


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
