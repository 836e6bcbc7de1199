"""Judges a check author composes: close to the oracle (with known mistakes recognised), all of several,
a trained model's accuracy."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from autograder.model.checks import Evidence, Inputs, Mistake, Verdict, failed, passed
from autograder.toolkit.compare import Tolerance, compare, to_numpy


def diagnose(evidence: Evidence, mistakes: Sequence[Mistake]) -> str:
    """The hint of the first known mistake that the observed output matches."""
    for mistake in mistakes:
        if mistake.key not in evidence.observed:
            continue
        try:
            predicted = mistake.predict(evidence.inputs)
        except (FloatingPointError, ValueError, ZeroDivisionError):
            continue
        with np.errstate(all="ignore"):
            observed = to_numpy(evidence.observed[mistake.key])
            predicted = np.asarray(predicted)
            if observed.shape == predicted.shape and np.allclose(
                observed.astype(np.float64), predicted.astype(np.float64), rtol=1e-4, atol=1e-5, equal_nan=True
            ):
                return mistake.hint
    return ""


def with_hint(message: str, hint: str) -> str:
    return f"{message}. Likely mistake: {hint}" if hint else message


def close(
    key: str = "out",
    *,
    what: str,
    expect: Callable[[Inputs], Any] | None = None,
    tolerance: Tolerance | None = None,
    mistakes: Sequence[Mistake] = (),
) -> Callable[[Evidence], Verdict]:
    """A judge: ``observed[key]`` must match the oracle's (or ``expect(inputs)``).

    Args:
        key: which observed value to compare.
        what: the thing compared against, for the message ("keras.ops.softmax").
        expect: computes the expected value from the inputs; without it the
            oracle's observed value is used.
        tolerance: defaults to the expected dtype's.
        mistakes: known wrong answers to recognise in the output.
    """

    def judge(evidence: Evidence) -> Verdict:
        if expect is not None:
            expected = expect(evidence.inputs)
        elif evidence.expected is not None:
            expected = evidence.expected[key]
        else:
            raise ValueError(f"judge for {key!r} needs an oracle or an `expect` function")
        outcome = compare(evidence.observed.get(key), expected, tolerance=tolerance, hidden=evidence.hidden)
        if outcome.ok:
            return passed(f"matches {what} (max abs error {outcome.max_abs_error:.2g})")
        return failed(with_hint(f"differs from {what}: {outcome.problem}", diagnose(evidence, mistakes)))

    return judge


def all_of(*judges: Callable[[Evidence], Verdict]) -> Callable[[Evidence], Verdict]:
    """A judge that passes when every one passes, reporting the first failure."""

    def judge(evidence: Evidence) -> Verdict:
        messages = []
        for one in judges:
            verdict = one(evidence)
            if not verdict.passed:
                return verdict
            messages.append(verdict.message)
        return passed("; ".join(m for m in messages if m))

    return judge


def trained_accuracy(threshold: float, training: str, nan_hint: str = "") -> Callable[[Evidence], Verdict]:
    """A judge: the probabilities ``observed["out"]`` of a trained model reach ``threshold``
    accuracy on ``inputs["y_test"]``; ``observed["loss"]`` is its training loss per epoch.

    Args:
        threshold: the lowest test accuracy that passes.
        training: how it was trained, for the message ("5 epochs of Adam(1e-3)").
        nan_hint: what to say when the loss became NaN.
    """

    def judge(evidence: Evidence) -> Verdict:
        probabilities, loss = to_numpy(evidence.observed["out"]), np.asarray(evidence.observed["loss"])
        accuracy = float(np.mean(np.argmax(probabilities, axis=-1) == evidence.inputs["y_test"]))
        summary = f"test accuracy {accuracy:.3f} after {training} (training loss {loss[0]:.3g} -> {loss[-1]:.3g})"
        if not np.all(np.isfinite(loss)):
            return failed(f"{summary}: the loss became NaN or infinite{nan_hint}")
        if accuracy >= threshold:
            return passed(summary)
        return failed(f"{summary}; at least {threshold:.2f} is expected")

    return judge
