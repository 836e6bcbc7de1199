"""Concept questions: graded answers that are a choice or a number, not code.

A question is an answer cell that sets one name (``bias_can_go = "a"``,
``distinct_learning_rates = (5, 25)``). Its answer key must never reach a
student, so it is judged in two places:

- the public test cell checks only that the answer is **well formed** (one of
  the options, or the right count of finite numbers): 1 point, what a student's
  copy can say before the deadline;
- the hidden test cell checks that it is **right** (the key lives with the hidden
  checks, in ``solutions/_grading/<lab>_hidden.py``), and when it is not, says
  why the answer given is tempting and wrong, never what the right one is.

The probe returns the value as plain data (a string, or a list of floats), so
the same checks run in the notebook, in process and in the isolated grader.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from autograder.model.checks import Check, Evidence, Inputs, Observed, Verdict, failed, passed, probe_factory

ANSWERED = "answered in the form asked"
RIGHT = "the right answer"


@dataclass(frozen=True)
class Choice:
    """A multiple-choice question: the answer is one of ``options`` (letters), as a string."""

    options: tuple[str, ...]

    def describe(self) -> str:
        return "one of " + ", ".join(repr(option) for option in self.options)

    def problem(self, value: Any) -> str:
        """Why ``value`` is not well formed ("" when it is)."""
        if not isinstance(value, str):
            return f"the answer is {_a(type(value).__name__)}: write it as a string, {self.describe()}"
        if _choice(value) not in self.options:
            return f"{value!r} is not {self.describe()}"
        return ""


@dataclass(frozen=True)
class Numbers:
    """A numeric question: the answer is ``count`` finite numbers (a single number when ``count`` is 1)."""

    count: int = 1

    def describe(self) -> str:
        return "a number" if self.count == 1 else f"{self.count} numbers, as a tuple or list"

    def problem(self, value: Any) -> str:
        numbers = _numbers(value)
        if numbers is None:
            return f"the answer is {_a(type(value).__name__)}: write {self.describe()}"
        if len(numbers) != self.count:
            return f"the answer has {len(numbers)} numbers: write {self.describe()}"
        if not all(math.isfinite(x) for x in numbers):
            return "the answer holds a NaN or an infinity: write finite numbers"
        return ""


Form = Choice | Numbers


def _a(type_name: str) -> str:
    """A value of type ``type_name``, in words: "a str", "nothing (None)"."""
    return "nothing (None)" if type_name == "NoneType" else f"a {type_name}"


def _choice(value: str) -> str:
    return value.strip().strip("()").strip().lower()


def _numbers(value: Any) -> list[float] | None:
    """``value`` as a list of floats (a number is a list of one), or None if it is not numbers."""
    items = value if isinstance(value, list | tuple) else [value]
    if not items or not all(isinstance(x, int | float) and not isinstance(x, bool) for x in items):
        return None
    return [float(x) for x in items]


def _plain(value: Any) -> tuple[Any, str]:
    """What crosses from the student's side: (a string, a number or a list of numbers, ""), or (None, the
    type's name) for anything else."""
    try:
        import numpy as np

        if isinstance(value, np.ndarray) and value.ndim <= 1 and value.size <= 64:
            value = value.tolist()
        elif isinstance(value, np.generic):
            value = value.item()
    except ImportError:  # pragma: no cover - NumPy is always there with Keras
        pass
    if isinstance(value, str):
        return value[:200], ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value), ""
    if isinstance(value, list | tuple) and len(value) <= 64:
        items = [_plain(x)[0] for x in value]
        if all(isinstance(x, float) for x in items):
            return items, ""
    return None, type(value).__name__


@probe_factory
def answer_probe(name: str) -> Callable[[Any, Inputs], Observed]:
    """A probe returning the value the student gave ``name`` as plain data, or only its type's name."""

    def probe(answers: Any, inputs: Inputs) -> Observed:
        value, kind = _plain(getattr(answers, name))
        return {"out": value, "kind": kind}

    return probe


def _observed(evidence: Evidence) -> Any:
    kind = evidence.observed.get("kind")
    if kind:  # not plain data: only its type came back
        return _Typed(str(kind))
    return evidence.observed.get("out")


class _Typed:
    """Stands for a value of which only the type name is known."""

    def __init__(self, name: str):
        self.name = name


def _form_problem(form: Form, value: Any) -> str:
    if isinstance(value, _Typed):
        return f"the answer is {_a(value.name)}: write {form.describe()}"
    return form.problem(value)


def _shown(value: Any) -> str:
    """The answer as the student reads it back (never as a line of code)."""
    if isinstance(value, list):
        return "(" + ", ".join(f"{x:g}" for x in value) + ")"
    return f"{value:g}" if isinstance(value, float) else repr(value)


def form_judge(name: str, form: Form) -> Callable[[Evidence], Verdict]:
    """The public judge: the answer is well formed (its correctness is judged at grading time)."""

    def judge(evidence: Evidence) -> Verdict:
        value = _observed(evidence)
        problem = _form_problem(form, value)
        if problem:
            return failed(f"{name}: {problem}")
        return passed(f"answered {_shown(value)}; whether it is right is judged when the lab is graded")

    return judge


@dataclass(frozen=True)
class ChoiceKey:
    """The hidden judge of a multiple-choice question: ``key`` is right; ``why_not`` says, for each other
    option, why it is tempting and wrong (the message never names the right option)."""

    name: str
    form: Choice
    key: str
    why_not: Mapping[str, str]

    def __post_init__(self) -> None:
        if self.key not in self.form.options or set(self.why_not) != set(self.form.options) - {self.key}:
            raise ValueError(
                f"{self.name}: the key and one explanation per wrong option must cover {self.form.options}"
            )

    def __call__(self, evidence: Evidence) -> Verdict:
        value = _observed(evidence)
        problem = _form_problem(self.form, value)
        if problem:
            return failed(f"{self.name}: {problem}")
        chosen = _choice(value)
        if chosen == self.key:
            return passed(f"{self.name}: right")
        return failed(f"{self.name}: {chosen!r} is not right: {self.why_not[chosen]}")


@dataclass(frozen=True)
class NumbersKey:
    """The hidden judge of a numeric question: within ``rtol`` of ``key``, number by number. ``tempting``
    maps known wrong answers to what they mistake (the message never gives the right numbers)."""

    name: str
    form: Numbers
    key: tuple[float, ...]
    rtol: float
    tempting: Mapping[tuple[float, ...], str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if len(self.key) != self.form.count:
            raise ValueError(
                f"{self.name}: the key has {len(self.key)} numbers, the question asks for {self.form.count}"
            )

    def _close(self, numbers: Sequence[float], target: Sequence[float]) -> bool:
        return all(
            math.isclose(x, t, rel_tol=self.rtol, abs_tol=self.rtol * 1e-3)
            for x, t in zip(numbers, target, strict=True)
        )

    def __call__(self, evidence: Evidence) -> Verdict:
        value = _observed(evidence)
        problem = _form_problem(self.form, value)
        if problem:
            return failed(f"{self.name}: {problem}")
        numbers = _numbers(value)
        if self._close(numbers, self.key):
            return passed(f"{self.name}: right")
        for wrong, why in self.tempting.items():
            if self._close(numbers, wrong):
                return failed(f"{self.name}: not right: {why}")
        return failed(f"{self.name}: not right (rounding is allowed, up to 1 part in {round(1 / self.rtol)})")


def form_check(grade_id: str, name: str, form: Form, rule: str) -> Check:
    """The public check of a question: well formed, 1 point."""
    return Check(ANSWERED, grade_id, form_judge(name, form), probe=answer_probe(name), rule=rule)


def key_check(grade_id: str, name: str, judge: Callable[[Evidence], Verdict], points: float, rule: str) -> Check:
    """The hidden check of a question: right, ``points`` points."""
    return Check(RIGHT, grade_id, judge, points=points, probe=answer_probe(name), rule=rule)
