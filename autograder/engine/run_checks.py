"""Running checks on a student's answers: the three steps of a check (inputs, probe, verdict).

This module is where student code is called. Whatever it raises becomes a failed check with a message
naming the exception and the student's line (:mod:`autograder.engine.explain`); whatever it writes to
stderr is captured (:mod:`autograder.engine.capture`) and reported.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from autograder.engine.capture import captured
from autograder.engine.cells import NOT_ANSWERED
from autograder.engine.explain import explain
from autograder.engine.keras_state import KerasState, keras_seed
from autograder.engine.student_answers import Answers, Namespace
from autograder.model.checks import BUILTIN, Check, Evidence, Lab, Observed
from autograder.model.results import CellResult, CheckResult
from autograder.toolkit.compare import to_numpy
from autograder.toolkit.stand_ins import for_lab, standing_in


def check_seed(base: int, lab: str, cell: str, check: str) -> int:
    """A seed per check, stable across processes (``hash`` is salted per process)."""
    return (zlib.crc32(f"{lab}:{cell}:{check}".encode()) ^ base) % (2**32)


def _plain(value: Any) -> Any:
    """Tensors become NumPy arrays; everything a probe returns must be plain data."""
    if isinstance(value, str | bool | int | float | type(None) | np.ndarray | np.generic):
        return value
    if isinstance(value, list | tuple):
        return type(value)(_plain(v) for v in value)
    return to_numpy(value)


def _observe(check: Check, names: Namespace, inputs: dict) -> Observed:
    return {key: _plain(value) for key, value in check.probe(names, inputs).items()}


@dataclass(frozen=True)
class Observation:
    """What running a probe on the answers gave: the observed data, or why there is none."""

    ok: bool
    observed: Observed
    message: str = ""
    noise: str = ""

    def to_plain(self) -> dict[str, Any]:
        return {"ok": self.ok, "observed": self.observed, "message": self.message, "noise": self.noise}

    @classmethod
    def from_plain(cls, data: Any) -> Observation:
        if not isinstance(data, dict) or not isinstance(data.get("observed"), dict):
            raise ValueError("not an observation")
        return cls(bool(data["ok"]), data["observed"], str(data.get("message", "")), str(data.get("noise", "")))


def observe(
    check: Check,
    answers: Answers,
    answer_name: str,
    inputs: dict,
    init_seed: int,
    stand_ins: Mapping[str, Any] | None = None,
) -> Observation:
    """Run the check's probe on the student's answers: the one step that runs student code.

    ``init_seed`` seeds Keras's initialisers (see :func:`keras_seed`); ``stand_ins`` replace the other
    answers meanwhile (see :mod:`autograder.toolkit.stand_ins`).
    """
    with captured() as output:
        try:
            with KerasState(init_seed), standing_in(answers.names, stand_ins or {}):
                observed = _observe(check, Namespace(answers.names), inputs)
        except (Exception, SystemExit, KeyboardInterrupt) as error:
            return Observation(False, {}, explain(error, check.answer, answers, answer_name), output.summary())
    return Observation(True, observed, noise=output.summary())


def expected_of(
    check: Check, oracles: Mapping[str, Mapping[str, Any]], inputs: dict, init_seed: int
) -> Observed | None:
    """The same probe on the check's oracle (trusted code: a failure here is the checker's)."""
    if check.oracle is None:
        return None
    with captured(), KerasState(init_seed):
        return _observe(check, Namespace(oracles[check.oracle]), inputs)


def verdict(
    check: Check,
    inputs: dict,
    observation: Observation | None,
    expected: Observed | None,
    source: str | None,
    imports: str,
) -> CheckResult:
    """Judge plain data: the observation (None for a check of the source), the expected data, the source."""

    def result(ok: bool, message: str) -> CheckResult:
        return CheckResult(check.name, ok, check.points if ok else 0.0, check.points, message)

    if observation is not None and not observation.ok:
        return result(False, observation.message)
    observed = observation.observed if observation is not None else {}
    with captured():
        outcome = check.judge(Evidence(inputs, observed, expected, source, check.hidden, imports))
    message = outcome.message
    if observation is not None and observation.noise and not outcome.passed:
        message += f" [while the check ran, this was written to stderr or warned: {observation.noise}]"
    return result(outcome.passed, message)


def run_check(
    check: Check,
    spec_defines: Sequence[str],
    answers: Answers,
    oracles: Mapping[str, Mapping[str, Any]],
    seed: int,
    others: Sequence[str] = (),
) -> CheckResult:
    """Run one check in this process: inputs, probe of the answer (and of its oracle), verdict.
    ``others``: the names of the other answers, stand-ins meanwhile (see :mod:`autograder.toolkit.stand_ins`)."""
    inputs = check.make_inputs(np.random.default_rng(seed))
    if check.probe is None:
        source = answers.source(spec_defines, others)
        return verdict(check, inputs, None, None, source, answers.imports() if source else "")
    stand_ins = for_lab(oracles[BUILTIN], tuple(others)) if BUILTIN in oracles else {}
    observation = observe(check, answers, spec_defines[0], inputs, keras_seed(seed), stand_ins)
    expected = expected_of(check, oracles, inputs, keras_seed(seed)) if observation.ok else None
    return verdict(check, inputs, observation, expected, None, "")


def run_cell(
    lab: Lab,
    cell_id: str,
    checks: Sequence[Check],
    answers: Answers,
    oracles: Mapping[str, Mapping[str, Any]],
    base_seed: int,
) -> CellResult:
    """Run every check of one test cell; a failure of the checker itself is
    reported as such, never as a traceback in the student's cell."""
    results = []
    for check in checks:
        spec = lab.answer(check.answer)
        defines = spec.defines
        if spec.question and defines[0] not in answers.names:
            # In a kernel the stub's NotImplementedError was the student's own cell output; say it alike
            # in every grader: the question is not answered yet.
            answers.errors.setdefault(spec.grade_id, NOT_ANSWERED)
        try:
            seed = check_seed(base_seed, lab.name, cell_id, check.name)
            outcome = run_check(check, defines, answers, oracles, seed, lab.others(check.answer))
        except Exception as error:
            outcome = CheckResult(
                check.name,
                False,
                0.0,
                check.points,
                f"the checker itself failed ({type(error).__name__}: {error}); please tell your instructor",
            )
        results.append(outcome)
    return CellResult(cell_id, with_requirements(checks, results))


def with_requirements(checks: Sequence[Check], results: Sequence[CheckResult]) -> tuple[CheckResult, ...]:
    """The results of one cell's checks, in order, where a check whose ``requires`` did not pass scores 0."""
    passed_names = {result.name for result in results if result.passed}
    gated = []
    for check, result in zip(checks, results, strict=True):
        if check.requires is not None and result.passed and check.requires not in passed_names:
            result = CheckResult(
                result.name,
                False,
                0.0,
                result.max_points,
                f'{result.message}, but it counts only once the check "{check.requires}" passes: code that '
                "does not work yet earns nothing for what it does not call",
            )
        gated.append(result)
    return tuple(gated)
