"""The check model: one named, pointed, deterministic test of one answer.

A check runs in three steps, so that student code and verdicts can live in
different processes (docs/design.md section 5):

1. ``make_inputs(rng)`` draws the inputs, on the trusted side, from a seed;
2. ``probe(answers, inputs)`` runs the answer on them and returns plain data
   (arrays, numbers, strings); this is the only step that runs student code.
   The same probe run on an *oracle* (the Keras built-ins, or the reference
   solution) gives the expected data;
3. ``judge(evidence)`` turns the observed and expected data into a verdict.

A check with no probe judges the answer's source instead (for example the
"implemented from scratch" check).
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

Inputs = dict[str, Any]


Observed = dict[str, Any]


BUILTIN = "builtin"


REFERENCE = "reference"


@dataclass(frozen=True)
class Verdict:
    passed: bool
    message: str


@dataclass(frozen=True)
class Evidence:
    """Everything a judge may look at; all of it is plain data."""

    inputs: Inputs
    observed: Observed
    expected: Observed | None
    source: str | None
    hidden: bool
    imports: str = ""  # the notebook's import statements, to resolve aliases in `source`


@dataclass(frozen=True)
class Mistake:
    """A known wrong answer: what it would return, and what to tell the student.

    ``predict`` maps the check's inputs to what that mistake returns; when the
    student's output matches it (and not the right answer), the message names
    the mistake instead of only reporting numbers.
    """

    hint: str
    predict: Callable[[Inputs], Any]
    key: str = "out"


ProbeRef = tuple  # (module, qualname, args or None, kwargs or None): a probe rebuildable from its name


def probe_factory(factory: Callable[..., Callable]) -> Callable[..., Callable]:
    """Mark a function that makes probes: the probes it returns remember how they
    were made (plain arguments only), so that a worker can make them again."""

    @functools.wraps(factory)
    def make(*args: Any, **kwargs: Any) -> Callable:
        probe = factory(*args, **kwargs)
        probe.__probe_ref__ = (factory.__module__, factory.__qualname__, args, kwargs)
        return probe

    return make


def probe_ref(probe: Callable) -> ProbeRef | None:
    """How to rebuild ``probe`` from the package alone, or None if it cannot be.

    A module-level function of the ``autograder`` package is its name; a probe
    made by a :func:`probe_factory` is the factory's name and arguments. Hidden
    checks may only use such probes, so that a worker never needs their code.
    """
    ref = getattr(probe, "__probe_ref__", None)
    if ref is None and "<locals>" not in probe.__qualname__ and "<lambda>" not in probe.__qualname__:
        ref = (probe.__module__, probe.__qualname__, None, None)
    if ref is None or not ref[0].startswith("autograder."):
        return None
    return ref


def resolve_probe(ref: ProbeRef) -> Callable:
    """The probe a :func:`probe_ref` names."""
    module, qualname, args, kwargs = ref
    if not module.startswith("autograder."):
        raise ValueError(f"probes come from the autograder package only. Received: module={module!r}")
    target: Any = importlib.import_module(module)
    for part in qualname.split("."):
        target = getattr(target, part)
    return target if args is None else target(*args, **(kwargs or {}))


def no_inputs(rng: np.random.Generator) -> Inputs:
    return {}


@dataclass(frozen=True)
class Check:
    """One named check of one answer (docs/design.md section 4)."""

    name: str
    answer: str
    judge: Callable[[Evidence], Verdict]
    points: float = 1.0
    make_inputs: Callable[[np.random.Generator], Inputs] = no_inputs
    probe: Callable[[Any, Inputs], Observed] | None = None
    oracle: str | None = None
    hidden: bool = False
    requires: str | None = None  # a check of the same cell that must pass for this one to score
    # The sentence of the lab that states what this check enforces, quoted as the student reads it
    # (tests/labs/test_rules.py finds it in the released notebook): no check enforces an unwritten rule.
    rule: str = ""

    def __post_init__(self) -> None:
        if self.oracle not in (None, BUILTIN, REFERENCE):
            raise ValueError(f"oracle must be None, {BUILTIN!r} or {REFERENCE!r}. Received: oracle={self.oracle!r}")
        if self.oracle is not None and self.probe is None:
            raise ValueError(f"check {self.name!r} has an oracle but no probe to run on it")


def passed(message: str = "") -> Verdict:
    return Verdict(True, message)


def failed(message: str) -> Verdict:
    return Verdict(False, message)


CellChecks = Mapping[str, Sequence[Check]]


@dataclass(frozen=True)
class AnswerSpec:
    """One graded answer: its nbgrader grade_id, the names it defines, and the
    calls that it must not delegate to (docs/design.md section 3)."""

    grade_id: str
    defines: tuple[str, ...]
    forbidden: tuple[str, ...] = ()
    question: bool = False  # a concept question: its answer is a value, not code (see ``questions``)


@dataclass(frozen=True)
class Lab:
    """A lab's public contract: its answers in notebook order and their public checks.

    ``builtins`` builds the oracle namespace lazily (it imports Keras).
    """

    name: str
    answers: tuple[AnswerSpec, ...]
    public_checks: CellChecks
    builtins: Callable[[], dict[str, Any]]

    def answer(self, grade_id: str) -> AnswerSpec:
        for spec in self.answers:
            if spec.grade_id == grade_id:
                return spec
        raise KeyError(f"lab {self.name!r} has no answer {grade_id!r}")

    def others(self, grade_id: str) -> tuple[str, ...]:
        """The names every other answer defines: while ``grade_id``'s checks run they are stand-ins, and
        its source is read without them (each exercise is judged on its own; see ``stand_ins``)."""
        return tuple(name for spec in self.answers if spec.grade_id != grade_id for name in spec.defines)

    @property
    def test_cells(self) -> list[str]:
        """Every test cell id, in notebook order: test_X then hidden_X per answer."""
        return [cell for spec in self.answers for cell in (f"test_{spec.grade_id}", f"hidden_{spec.grade_id}")]
