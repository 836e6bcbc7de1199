"""``python -m autograder grade``: isolated, parallel grading of a class (DESIGN.md section 5).

The grader's own process draws every check's inputs and computes every
reference once per batch (the Keras built-ins and the reference solution run
here, where no student code does). Each submission runs in a worker forked
from a warm process that has only imported NumPy, Keras and TensorFlow; the
worker returns plain data, and the verdicts are computed back here. Results
are written atomically, one JSON per student and ``grades.csv``; a rerun skips
students already graded unless ``force``.
"""

from __future__ import annotations

import builtins
import csv
import hashlib
import io
import json
import os
import re
import shutil
import sys
import tempfile
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from autograder import __version__
from autograder.engine import course
from autograder.engine.capture import captured
from autograder.engine.cells import cell_source, read_notebook
from autograder.engine.grade_cells import cell_checks, oracles_and_seed
from autograder.engine.runner import Answers as RunnerAnswers
from autograder.engine.runner import (
    Observation,
    check_seed,
    expected_of,
    keras_seed,
    not_answered,
    not_implemented,
    verdict,
    with_requirements,
)
from autograder.engine.submissions import Submission, read_answers
from autograder.isolation.backend import backend
from autograder.isolation.limits import Limits
from autograder.isolation.measure import Subject
from autograder.isolation.pool import SandboxFailure, WarmProcess, WorkerRun, run_worker
from autograder.isolation.protocol import Job, ProbeJob
from autograder.model.checks import Check, Lab, probe_ref
from autograder.model.results import CellResult, CheckResult, LabResult
from autograder.outputs.feedback import feedback_html

SANDBOX = "auto"  # the first backend of AUTO this machine can have; "none" is --unsafe-no-isolation
AUTO = ("namespaces", "landlock")
# Folders of an nbgrader course that a worker must never see (with the solutions and the course's .git).
COURSE_PRIVATE = (
    "solutions",
    ".git",
    "submitted",
    "autograded",
    "feedback",
    "release",
    "source",
    "exchange",
    "downloaded",
    "gradebook.db",
)
LEDGER = ".autograder-ledger"  # the results this grader wrote in an output folder, by file name and hash


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


def prepare(lab: Lab, root: Path) -> list[PreparedCheck]:
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
    student_id: str,
    lab: Lab,
    sources: dict[str, str],
    notes: list[str],
    prepared: list[PreparedCheck],
    run: WorkerRun,
    grader: Grader,
) -> LabResult:
    """Verdicts, in the grader's process, from the worker's plain data.

    A judge that fails on what the worker sent (hostile data of an unexpected type or shape) fails
    that check, with a message, and nothing else.
    """
    source_answers = RunnerAnswers({}, [grader.imports, *sources.values()], in_kernel=False)
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
    errors = tuple(notes + ([run.problem] if run.problem else []))
    how = f"isolated worker ({grader.sandbox.name} sandbox)" if grader.sandbox.isolated else "NOT isolated"
    environment = {
        "grader": f"autograder {__version__}, {how}",
        "python": sys.version.split()[0],
        "seconds": round(run.seconds, 2),
        "isolation": isolation_report(run, grader),
    }
    return LabResult(student_id, lab.name, cells, errors, environment)


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` through a ``.partial`` file: a reader never sees half a file.

    A lone surrogate (a student's message can carry one) is written as "?" rather than failing.
    """
    partial = path.with_name(path.name + ".partial")
    partial.write_bytes(text.encode("utf-8", "replace"))
    os.replace(partial, path)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class Ledger:
    """The results this grader wrote into an output folder: file name -> SHA-256 of the JSON.

    A resumed run counts a student as graded only when their JSON is one the grader wrote (its hash
    is in the ledger): a file that appeared or changed otherwise is graded again.
    """

    def __init__(self, out: Path):
        self.path = out / LEDGER
        self.lock = threading.Lock()
        try:
            data = json.loads(self.path.read_text())
            self.hashes = {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}
        except (OSError, ValueError):
            self.hashes = {}

    def write(self, path: Path, text: str) -> None:
        """Write a result and record it (the result first: a crash between leaves it untrusted)."""
        write_atomically(path, text)
        with self.lock:
            self.hashes[path.name] = _digest(text)
            write_atomically(self.path, json.dumps(self.hashes, indent=1, sort_keys=True))

    def trusts(self, path: Path, text: str) -> bool:
        return self.hashes.get(path.name) == _digest(text)


def load_results(out: Path, lab: Lab, ledger: Ledger | None = None) -> tuple[dict[str, dict[str, Any]], list[str]]:
    """The results of ``lab`` already in ``out`` that this grader wrote, by student id, and the files it
    ignored (unreadable, or not written by the grader)."""
    ledger = ledger or Ledger(out)
    found, ignored = {}, []
    for path in sorted(out.glob("*.json")):
        try:
            text = path.read_text(encoding="utf-8")
            data = json.loads(text)
        except (OSError, ValueError):
            ignored.append(path.name)
            continue
        if not ledger.trusts(path, text):
            ignored.append(path.name)
            continue
        if isinstance(data, dict) and data.get("lab") == lab.name and path.stem == data.get("student_id"):
            found[data["student_id"]] = data
    return found, ignored


def write_grades_csv(out: Path, lab: Lab, results: dict[str, dict[str, Any]]) -> Path:
    """grades.csv, atomically, from every student's result (so a resumed run lists everyone once)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["student_id", "lab", "score", "max_score", "status", *lab.test_cells])
    for student_id in sorted(results):
        data = results[student_id]
        points = {cell["grade_id"]: cell["points"] for cell in data.get("cells", [])}
        writer.writerow(
            [
                data["student_id"],
                data["lab"],
                data["score"],
                data["max_score"],
                data["status"],
                *(points.get(cell, 0.0) for cell in lab.test_cells),
            ]
        )
    target = out / "grades.csv"
    write_atomically(target, buffer.getvalue())
    return target


def result_path(out: Path, student_id: str) -> Path:
    return out / f"{student_id}.json"


def feedback_path(out: Path, student_id: str) -> Path:
    return out / "feedback" / f"{student_id}.html"


def error_result(student_id: str, lab: Lab, message: str) -> LabResult:
    return LabResult(student_id, lab.name, (), (message,), {"grader": f"autograder {__version__}"})


WORKDIR_PREFIX = "autograder-grader-"


def remove_stale_workdirs() -> None:
    """Remove the work folders of graders that were killed (``kill -9`` leaves them): one of ours, in the
    temporary folder, whose grader process no longer exists."""
    for folder in Path(tempfile.gettempdir()).glob(f"{WORKDIR_PREFIX}*-*"):
        pid = folder.name[len(WORKDIR_PREFIX) :].split("-")[0]
        try:
            if not pid.isdigit() or folder.stat().st_uid != os.geteuid() or Path(f"/proc/{pid}").exists():
                continue
        except OSError:
            continue
        shutil.rmtree(folder, ignore_errors=True)


def _resolved(paths: Sequence[Path]) -> list[str]:
    return sorted({str(p.resolve()) for p in paths})


class Grader:
    """Grades submissions of one lab in isolated workers, ``jobs`` at a time.

    ``sandbox`` is a backend's name, or ``"auto"``: the first of :data:`AUTO` this machine can have.
    Refuses to start (SandboxFailure, saying what each backend lacks) where no sandbox can be built as
    its backend requires: a worker with nothing to run is spawned and measured first.
    """

    def __init__(
        self,
        lab: Lab,
        root: Path,
        out: Path,
        jobs: int,
        limits: Limits,
        private: Sequence[Path] = (),
        sandbox: str = SANDBOX,
    ):
        """``private``: more folders a worker must not see (the submissions'), besides the course's
        private folders and the output folder."""
        self.lab, self.root, self.out, self.jobs, self.limits = lab, root, out, jobs, limits
        candidates = [backend(name) for name in (AUTO if sandbox == SANDBOX else (sandbox,))]
        reasons = [f"{c.name}: {c.problem()}" for c in candidates if c.problem()]
        candidates = [c for c in candidates if not c.problem()]
        if not candidates:
            raise SandboxFailure("; ".join(reasons))
        remove_stale_workdirs()
        self.workdir = Path(tempfile.mkdtemp(prefix=f"{WORKDIR_PREFIX}{os.getpid()}-"))
        home = Path(os.path.expanduser("~"))
        self.enclosing = _resolved([root, home])
        self.private = _resolved([root / name for name in COURSE_PRIVATE] + [out, self.workdir, *private])
        self.forbidden = {spec.grade_id: spec.forbidden for spec in lab.answers}
        self.sandbox = candidates[0]
        # The warm process starts now, in the background (a fresh interpreter importing NumPy, Keras and
        # TensorFlow) while this process computes the references: on two cores the two start-ups overlap.
        self.warm = self._warm(0)
        try:
            self.imports = cell_source(read_notebook(course.release_path(root, lab.name)), course.IMPORTS_CELL)
            with captured():
                self.prepared = prepare(lab, root)
            self.probes = tuple(
                ProbeJob(probe_ref(p.check.probe), p.inputs, p.init_seed, p.check.answer, p.defines[0], p.others)
                for p in self.prepared
                if p.check.probe is not None
            )
            self.slots = list(range(jobs))
            self.slot_lock = threading.Lock()
            import keras  # imported by now (the references); the warm process guessed its backend without it

            if keras.backend.backend() != self.warm.backend:
                self.warm.close()
                self.warm = self._warm(len(candidates))
            for number, candidate in enumerate(candidates):
                if number:
                    self.sandbox, self.warm = candidate, self._warm(number)
                try:
                    self._check_sandbox()
                    break
                except SandboxFailure as error:
                    reasons.append(f"{candidate.name}: {error}")
                    self.warm.close()
            else:
                raise SandboxFailure("; ".join(reasons))
        except BaseException:
            self.close()
            raise

    def _warm(self, attempt: int) -> WarmProcess:
        workdir = self.workdir / f"warm-{attempt}"
        workdir.mkdir()
        return WarmProcess(self.sandbox, self.limits, workdir, self.enclosing, self.private, self.forbidden)

    def _check_sandbox(self) -> None:
        """The canary: a worker that runs nothing, measured like every other one."""
        hello = self.warm.ready()
        self.subject = Subject(self.limits, tuple(self.private), tuple(self.enclosing), tuple(hello["binds"]))
        run_worker(self.warm, 0, Job("", {}, ()), self.subject)

    def close(self) -> None:
        if hasattr(self, "warm"):
            self.warm.close()
        shutil.rmtree(self.workdir, ignore_errors=True)

    def _run(self, sources: dict[str, str]) -> WorkerRun:
        with self.slot_lock:
            slot = self.slots.pop()
        try:
            return run_worker(self.warm, slot, Job(self.imports, sources, self.probes, self.lab.name), self.subject)
        finally:
            with self.slot_lock:
                self.slots.append(slot)

    def grade(
        self, students: Sequence[tuple[str, dict[str, str], list[str], str]], on_result: Callable[[LabResult], None]
    ) -> None:
        """Grade (student id, answer sources, notes, reading error) tuples; ``on_result`` gets each result."""
        with ThreadPoolExecutor(max_workers=self.jobs) as pool:
            futures = {}
            for student_id, sources, notes, error in students:
                if error:
                    on_result(error_result(student_id, self.lab, error))
                    continue
                futures[pool.submit(self._run, sources)] = (student_id, sources, notes)
            try:
                for future in as_completed(futures):
                    student_id, sources, notes = futures[future]
                    run = future.result()
                    try:
                        with captured():
                            result = judge_submission(student_id, self.lab, sources, notes, self.prepared, run, self)
                    except Exception as error:  # one student's data must not end the batch
                        message = (
                            f"the grader could not judge this submission ({type(error).__name__}): please report it"
                        )
                        result = error_result(student_id, self.lab, message)
                    on_result(result)
            except BaseException:
                for future in futures:
                    future.cancel()
                raise


def read_submissions(lab: Lab, submissions: Sequence[Submission]) -> list[tuple[str, dict[str, str], list[str], str]]:
    out = []
    for submission in submissions:
        answers = read_answers(lab, submission.path)
        out.append((submission.student_id, answers.sources, answers.notes, answers.error))
    return out


def grade_class(
    lab: Lab,
    root: Path,
    submissions: Sequence[Submission],
    out: Path,
    jobs: int,
    limits: Limits,
    force: bool = False,
    progress: Callable[[str], None] | None = None,
    sandbox: str = SANDBOX,
) -> list[LabResult]:
    """Grade the submissions not graded yet (all with ``force``), writing results as they come.

    ``sandbox`` names the isolation backend (``"none"``: no isolation, recorded in every result).
    Raises SandboxFailure, before any result is written, where the sandbox cannot be built.
    """
    ledger = Ledger(out)
    previous, ignored = load_results(out, lab, ledger) if out.is_dir() else ({}, [])
    if progress and ignored:
        progress(f"ignored {len(ignored)} file(s) in {out} this grader did not write: {', '.join(ignored[:5])}")
    todo = read_submissions(lab, [s for s in submissions if force or s.student_id not in previous])
    grader = None
    if any(not error for *_, error in todo):  # else nothing to run: no warm process, no references
        # Answers reach a worker through its own pipe: the submissions' folders can be hidden too.
        grader = Grader(lab, root, out, jobs, limits, private=[s.path.parent for s in submissions], sandbox=sandbox)
    try:
        (out / "feedback").mkdir(parents=True, exist_ok=True)
        recorded = dict(previous)
        results: list[LabResult] = []

        def record(result: LabResult) -> None:
            data = result.to_dict()
            # The feedback first: once the JSON is in the ledger, a resumed run counts the student as graded.
            write_atomically(feedback_path(out, result.student_id), feedback_html(data))
            text = json.dumps(data, indent=2, allow_nan=False, default=str)
            ledger.write(result_path(out, result.student_id), text)
            recorded[result.student_id] = data
            write_grades_csv(out, lab, recorded)
            results.append(result)
            if progress:
                before = previous.get(result.student_id)
                change = ""
                if force and before is not None and before.get("score") != result.score:
                    change = f" (was {before.get('score'):g})"
                score = f"{result.score:g}/{result.max_score:g}"
                progress(f"[{len(results)}/{len(todo)}] {result.student_id}: {score}{change}")

        if grader is None:
            for student_id, _, _, error in todo:
                record(error_result(student_id, lab, error))
        else:
            grader.grade(todo, record)
        if not todo:
            write_grades_csv(out, lab, recorded)
        return results
    finally:
        if grader is not None:
            grader.close()
