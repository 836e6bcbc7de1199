"""Running checks on a student's answers: the three steps of a check, with the
student's exceptions turned into messages and global state kept in order.

This module is where student code is called. Whatever it raises becomes a
failed check with a message naming the exception and the student's line;
whatever it writes to stderr is captured (see ``capture``) and reported.
"""

from __future__ import annotations

import ast
import hashlib
import linecache
import os
import random
import re
import sys
import traceback
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from autograder.engine.capture import captured
from autograder.engine.cells import NOT_ANSWERED
from autograder.engine.environment import configure_backend, set_random_seed
from autograder.model.checks import BUILTIN, Check, Evidence, Lab, Observed
from autograder.model.results import CellResult, CheckResult
from autograder.toolkit.compare import to_numpy
from autograder.toolkit.source_code import answer_source
from autograder.toolkit.stand_ins import for_lab, standing_in

_PACKAGE_DIR = str(Path(__file__).resolve().parents[1])  # autograder/
_LIBRARY_DIRS = tuple({os.path.realpath(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)})


_SYMBOLIC = re.compile(r"symbolic|KerasTensor|Tracer", re.IGNORECASE)


class MissingAnswer(Exception):
    """A name the check needs is not defined by the student's code."""

    def __init__(self, name: str):
        super().__init__(name)
        self.name = name


class ContractError(Exception):
    """The answer breaks the lab's contract in a way a probe notices before
    calling it (a weight missing, a wrong return type); the message is for the student."""


class Namespace:
    """Attribute access to a dict of answers, with a clear error for a missing name."""

    def __init__(self, names: Mapping[str, Any]):
        self._names = names

    def __getattr__(self, name: str) -> Any:
        try:
            return self._names[name]
        except KeyError:
            raise MissingAnswer(name) from None


@dataclass
class Answers:
    """A student's answers: the names their code defined, and the code itself.

    Args:
        names: the namespace the answers ran in (a kernel's ``globals()``).
        sources: the code cells, in the order they ran (IPython's ``In``, or
            the answer cells of a submitted notebook).
        in_kernel: whether the student is running the checks themselves (the
            messages then say "run the cell" rather than "your notebook").
        errors: per grade_id, why that answer could not be run at all.
    """

    names: Mapping[str, Any]
    sources: Sequence[str] = ()
    in_kernel: bool = True
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_kernel(cls, namespace: Mapping[str, Any]) -> Answers:
        history = namespace.get("In") or namespace.get("_ih") or []
        return cls(namespace, [s for s in history if isinstance(s, str)])

    def source(self, defines: Sequence[str], others: Sequence[str] = ()) -> str | None:
        """The code of the answer that defines ``defines``, with its helpers but not ``others`` (other
        answers, judged on their own)."""
        return answer_source(defines, self.sources, stop=others)

    def imports(self) -> str:
        """Every import statement of the sources, so that aliases resolve."""
        lines = []
        for source in self.sources:
            try:
                tree = ast.parse(source)
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                continue
            lines += [
                ast.get_source_segment(source, n) or ""
                for n in ast.walk(tree)
                if isinstance(n, ast.Import | ast.ImportFrom)
            ]
        return "\n".join(lines)


def check_seed(base: int, lab: str, cell: str, check: str) -> int:
    """A seed per check, stable across processes (``hash`` is salted per process)."""
    return (zlib.crc32(f"{lab}:{cell}:{check}".encode()) ^ base) % (2**32)


def _student_frame(error: BaseException) -> traceback.FrameSummary | None:
    """The innermost frame of the student's code in the error's traceback."""
    for frame in reversed(traceback.extract_tb(error.__traceback__)):
        if frame.filename.startswith("<"):
            if ":" in frame.filename:  # <reference:grade_id>: not the student's code
                continue
            return frame
        path = os.path.realpath(frame.filename)
        if not (path.startswith(_PACKAGE_DIR) or path.startswith(_LIBRARY_DIRS)):
            return frame
    return None


def _line_of(frame: traceback.FrameSummary) -> str:
    return (frame.line or linecache.getline(frame.filename, frame.lineno)).strip()


def _where(frame: traceback.FrameSummary | None) -> str:
    if frame is None:
        return ""
    line = _line_of(frame)
    return f" (in {frame.name}, line {frame.lineno}{': `' + line + '`' if line else ''})"


def is_stub(error: BaseException) -> bool:
    """Whether the error is the ``raise NotImplementedError()`` of an unanswered stub.

    Keras re-raises an error from a layer's ``call`` with a longer message, so
    the test is on the student's line that raised it, not on the message.
    """
    if not isinstance(error, NotImplementedError):
        return False
    frame = _student_frame(error)
    return frame is not None and _line_of(frame).startswith("raise NotImplementedError")


_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _first_line(message: str) -> str:
    """The line of an error message that says what went wrong.

    Keras re-raises an error from a layer's ``call`` as "Exception encountered
    when calling X.call()." followed by the original message: that one is meant.
    """
    lines = [_ANSI.sub("", line).strip() for line in message.strip().splitlines()]
    lines = [line for line in lines if line]
    if len(lines) > 1 and lines[0].startswith("Exception encountered when calling"):
        return lines[1]
    return lines[0] if lines else ""


def not_implemented(answer: str) -> str:
    """What a check of an unanswered stub says (the grader rebuilds it from here, never from a worker)."""
    return f"{answer} is not implemented yet: replace `raise NotImplementedError()` with your code"


def not_answered(name: str) -> str:
    """What a check of an unanswered question says."""
    return f"{name} is not answered yet: replace `raise NotImplementedError()` with `{name} = ...`"


def explain(error: BaseException, grade_id: str, answers: Answers, answer: str | None = None) -> str:
    """A student-facing sentence for an exception raised by their code.

    ``answer`` is the name the student wrote (``Softmax``); it defaults to the
    grade_id of its cell (``softmax_layer``).
    """
    answer = answer or grade_id
    if isinstance(error, MissingAnswer):
        if answers.errors.get(grade_id) == NOT_ANSWERED:
            return not_answered(error.name)
        if grade_id in answers.errors:
            return f"`{error.name}` is not defined because the cell of {answer} failed: {answers.errors[grade_id]}"
        if answers.in_kernel:
            return f"`{error.name}` is not defined: run the cell that defines it (and the cells above it) first"
        return f"`{error.name}` is not defined in the notebook"
    if isinstance(error, ContractError):
        return str(error)
    if is_stub(error):
        return not_implemented(answer)
    text = _first_line(str(error))
    text = text if len(text) <= 300 else text[:297] + "..."
    message = f"your code raised {type(error).__name__}{': ' + text if text else ''}{_where(_student_frame(error))}"
    if _SYMBOLIC.search(str(error)):
        message += (
            ". Inside a Keras layer, model or loss the inputs are symbolic tensors, which NumPy cannot "
            "handle: write this with keras.ops (ops.exp, ops.sum, ...) instead of np.*"
        )
    return message


def _plain(value: Any) -> Any:
    """Tensors become NumPy arrays; everything a probe returns must be plain data."""
    if isinstance(value, str | bool | int | float | type(None) | np.ndarray | np.generic):
        return value
    if isinstance(value, list | tuple):
        return type(value)(_plain(v) for v in value)
    return to_numpy(value)


def _observe(check: Check, names: Namespace, inputs: dict) -> Observed:
    return {key: _plain(value) for key, value in check.probe(names, inputs).items()}


class _KerasState:
    """Fresh Keras globals for a check, and the caller's restored afterwards."""

    def __init__(self, seed: int):
        self.seed = seed

    # keras.config.dtype_policy() *sets* a global policy when none is set, so
    # the raw global is read and put back instead, unset if it was unset.
    _POLICY = "dtype_policy"

    def __enter__(self) -> None:
        import keras
        from keras.src.backend.common import global_state

        self.policy = global_state.get_global_attribute(self._POLICY, None)
        self.floatx = keras.config.floatx()
        self.np_state, self.py_state = np.random.get_state(), random.getstate()
        configure_backend()
        keras.config.set_floatx("float32")
        keras.config.set_dtype_policy("float32")
        set_random_seed(self.seed)

    def __exit__(self, *exc: object) -> None:
        import keras
        from keras.src.backend.common import global_state

        keras.config.set_floatx(self.floatx)
        global_state.set_global_attribute(self._POLICY, self.policy)
        np.random.set_state(self.np_state)
        random.setstate(self.py_state)


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


def keras_seed(seed: int) -> int:
    """The seed for Keras's initialisers, derived one way from a check's seed, so
    that code that sees it (a student's, in a worker) cannot recover the hidden seed."""
    return int.from_bytes(hashlib.sha256(f"keras:{seed}".encode()).digest()[:4], "big") % (2**31)


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
            with _KerasState(init_seed), standing_in(answers.names, stand_ins or {}):
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
    with captured(), _KerasState(init_seed):
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
