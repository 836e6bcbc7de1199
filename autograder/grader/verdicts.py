"""Verdicts on the trusted side: every check prepared once per batch (inputs, references), then judged
from the plain data a worker sent back.

The grader's own process draws every check's inputs and computes every reference (the Keras built-ins and
the reference solution run here, where no student code does); a worker returns plain data only.
"""

from __future__ import annotations

import builtins
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from autograder.engine import course
from autograder.engine.explain import not_answered, not_implemented
from autograder.engine.grade_cells import cell_checks, oracles_and_seed
from autograder.engine.keras_state import keras_seed
from autograder.engine.run_checks import Observation, check_seed, expected_of, verdict, with_requirements
from autograder.engine.student_answers import Answers
from autograder.engine.submissions import AnswerCells
from autograder.isolation.pool import WorkerRun
from autograder.model.checks import Check, Lab, probe_ref
from autograder.model.results import CellResult, CheckResult, LabResult
from autograder.version import __version__

if TYPE_CHECKING:
    from autograder.grader.isolated_grader import Grader


@dataclass
class PreparedCheck:
    """One check with its inputs and its expected data, computed once for the batch."""

    cell_id: str
    check: Check
    defines: tuple[str, ...]
    inputs: dict[str, Any]
    expected: Any
    init_seed: int
    failure: str = ""  # the checker's own failure on the oracle, if any
    others: tuple[str, ...] = ()  # the other answers' names: stand-ins while it runs (see stand_ins)


def prepare_checks(lab: Lab, root: Path) -> list[PreparedCheck]:
    """Inputs and references of every check of every test cell, in notebook order."""
    prepared = []
    for cell_id in lab.test_cells:
        oracles, base = oracles_and_seed(lab, cell_id, root)
        for check in cell_checks(lab, cell_id, root):
            seed = check_seed(base, lab.name, cell_id, check.name)
            inputs = check.make_inputs(np.random.default_rng(seed))
            expected, failure = None, ""
            if check.probe is not None:
                if probe_ref(check.probe) is None:
                    raise course.CourseError(f"{cell_id} / {check.name}: its probe cannot be rebuilt in a worker")
                try:
                    expected = expected_of(check, oracles, inputs, keras_seed(seed))
                except Exception as error:
                    failure = f"the checker itself failed ({type(error).__name__}: {error}); please report it"
            defines = lab.answer(check.answer).defines
            others = lab.others(check.answer)
            prepared.append(PreparedCheck(cell_id, check, defines, inputs, expected, keras_seed(seed), failure, others))
    return prepared


def isolation_report(run: WorkerRun, grader: Grader) -> dict[str, str]:
    """What the isolation enforced for this worker, as the grader measured it (never as the worker said)."""
    if not grader.sandbox.isolated:
        return {
            "all": "not enforced: graded with --unsafe-no-isolation, so the student's code ran with the "
            "grader's privileges; only the timeout and the memory and file-size limits applied"
        }
    if not run.isolation:
        return {"all": "not measured: the worker ended before its sandbox was ready"}
    report = {name: facility.text() for name, facility in run.isolation.items()}
    limits = grader.limits
    report["timeout"] = f"enforced: stopped after {limits.timeout:g} s"
    report["results"] = (
        f"enforced: one pipe of its own, at most {limits.result_bytes // 2**20} MB, read with bounds on sizes, "
        "counts and nesting (never unpickled)"
    )
    return report


_BUILTIN_EXCEPTIONS = frozenset(
    name for name, value in vars(builtins).items() if isinstance(value, type) and issubclass(value, BaseException)
)


_RAISED = re.compile(r"^your code raised ([A-Za-z_][A-Za-z0-9_]*)")


def hidden_failure(message: str, answer: str) -> str:
    """What a hidden check says of an answer that failed on its inputs, from the worker's message.

    The worker's text is the student's to write (an exception's message, or a forged frame), and on a
    hidden check it could carry the hidden inputs out into the feedback: only its kind is kept, in the
    grader's own words. The public checks run the same code on inputs the student can see.
    """
    if message.startswith("not graded: "):
        return message  # the grader's own reason (a timeout, an unreadable result)
    raised = _RAISED.match(message)
    if raised:
        kind = raised.group(1) if raised.group(1) in _BUILTIN_EXCEPTIONS else "an exception"
        return f"your code raised {kind} on these inputs (the public checks show where, on inputs you can see)"
    # The stub's two messages carry nothing of the inputs: rebuilt from the grader's own templates (with
    # ``answer``, the name the lab gives the answer), they read as in the notebook, where nbgrader runs them.
    if "is not implemented yet" in message:
        return not_implemented(answer)
    if "is not answered yet" in message:
        return not_answered(answer)
    if "is not defined" in message:
        return "the answer is not defined in the notebook (see the public checks)"
    return "the answer does not keep to the lab's contract on these inputs (the public checks say how)"


def judge_submission(
    student: AnswerCells, lab: Lab, prepared: list[PreparedCheck], run: WorkerRun, grader: Grader
) -> LabResult:
    """Verdicts, in the grader's process, from the worker's plain data.

    A judge that fails on what the worker sent (hostile data of an unexpected type or shape) fails
    that check, with a message, and nothing else.
    """
    source_answers = Answers({}, [grader.imports, *student.sources.values()], in_kernel=False)
    probed = [p for p in prepared if p.check.probe is not None]
    numbers = {id(p): n for n, p in enumerate(probed)}
    by_cell: dict[str, list[tuple[Check, CheckResult]]] = {}
    for item in prepared:
        check = item.check
        if item.failure:
            result = CheckResult(check.name, False, 0.0, check.points, item.failure)
        elif check.probe is None:
            source = source_answers.source(item.defines, item.others)
            # the forbidden built-ins the answer's code called while it ran (None: the worker never said)
            called = None if run.calls is None else run.calls.get(check.answer, [])
            observation = Observation(True, {"called": called})
            imports = source_answers.imports() if source else ""
            result = verdict(check, item.inputs, observation, None, source, imports)
        else:
            sent = run.results.get(numbers[id(item)])
            if sent is None:
                why = run.problem or "the worker gave no result for it"
                observation = Observation(False, {}, f"not graded: {why}")
            elif check.hidden:  # none of the student's own text on a hidden check
                observation = Observation(
                    sent.ok,
                    sent.observed,
                    "" if sent.ok else hidden_failure(sent.message, item.defines[0]),
                )
            else:
                observation = Observation(sent.ok, sent.observed, sent.message, sent.noise)
            try:
                result = verdict(check, item.inputs, observation, item.expected, None, "")
            except Exception as error:
                message = f"the answer returned something that could not be judged ({type(error).__name__})"
                result = CheckResult(check.name, False, 0.0, check.points, message)
        by_cell.setdefault(item.cell_id, []).append((check, result))
    cells = tuple(
        CellResult(cell_id, with_requirements([c for c, _ in judged], [r for _, r in judged]))
        for cell_id, judged in by_cell.items()
    )
    errors = tuple(student.notes + ([run.problem] if run.problem else []))
    how = f"isolated worker ({grader.sandbox.name} sandbox)" if grader.sandbox.isolated else "NOT isolated"
    environment = {
        "grader": f"autograder {__version__}, {how}",
        "python": sys.version.split()[0],
        "seconds": round(run.seconds, 2),
        "isolation": isolation_report(run, grader),
    }
    return LabResult(student.student_id, lab.name, cells, errors, environment)


def error_result(student_id: str, lab: Lab, message: str) -> LabResult:
    return LabResult(student_id, lab.name, (), (message,), {"grader": f"autograder {__version__}"})
