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

import contextlib
import csv
import io
import json
import multiprocessing
import multiprocessing.forkserver
import os
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from . import __version__, course, plain, sandbox, worker
from .capture import captured
from .checks import Check, Lab, probe_ref
from .feedback import feedback_html
from .grading import cell_checks, oracles_and_seed
from .notebooks import cell_source, read_notebook
from .results import CellResult, CheckResult, LabResult
from .runner import Answers as RunnerAnswers
from .runner import Observation, check_seed, expected_of, keras_seed, verdict
from .submissions import Submission, read_answers

PRELOAD = ["numpy", "keras", "autograder.worker"]


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
            prepared.append(PreparedCheck(cell_id, check, defines, inputs, expected, keras_seed(seed), failure))
    return prepared


def _context() -> multiprocessing.context.BaseContext:
    context = multiprocessing.get_context("forkserver")
    # The warm process imports, and does nothing else: no TensorFlow op (a fork after one can deadlock),
    # no solution, hidden check or seed (a fork copies its memory).
    context.set_forkserver_preload(PRELOAD)
    return context


def _kill(process: Any, folder: Path) -> None:
    """End the worker, its process group, and its PID namespace (through its PID 1)."""
    for target in (
        lambda: os.killpg(process.pid, signal.SIGKILL),
        lambda: os.kill(int((folder / worker.PID).read_text()), signal.SIGKILL),
    ):
        with contextlib.suppress(ProcessLookupError, PermissionError, FileNotFoundError, ValueError):
            target()
    process.join(timeout=10)


@dataclass
class WorkerRun:
    observations: dict[int, Observation]
    sandbox: dict[str, str]
    seconds: float
    problem: str


def run_worker(context: Any, job: Path, hidden: list[str], limits: sandbox.Limits) -> WorkerRun:
    """Start a worker on the job folder, wait up to the timeout, kill it, read its results."""
    start = time.perf_counter()
    process = context.Process(target=worker.main, args=(str(job), hidden, limits), daemon=True)
    process.start()
    process.join(limits.timeout)
    timed_out = process.is_alive()
    _kill(process, job)
    seconds = time.perf_counter() - start
    problem = ""
    if timed_out:
        problem = f"stopped after {limits.timeout:g} s (an endless loop, or far too slow?)"
    elif process.exitcode not in (0, None):
        problem = f"the worker ended abnormally (exit status {process.exitcode}: a crash, or out of memory?)"
    observations = {}
    for path in sorted((job / worker.RESULTS).glob("*.npz")) if (job / worker.RESULTS).is_dir() else []:
        try:
            observations[int(path.stem)] = Observation.from_plain(plain.load(path))
        except (ValueError, plain.PlainDataError) as error:
            observations[int(path.stem)] = Observation(False, {}, f"its result could not be read: {error}")
    try:
        report = plain.load(job / worker.REPORT) if (job / worker.REPORT).is_file() else {}
        report = {str(k): str(v) for k, v in report.items()} if isinstance(report, dict) else {}
    except (plain.PlainDataError, OSError):
        report = {}
    return WorkerRun(observations, report, seconds, problem)


def judge_submission(
    student_id: str,
    lab: Lab,
    sources: dict[str, str],
    notes: list[str],
    prepared: list[PreparedCheck],
    run: WorkerRun,
    imports: str,
) -> LabResult:
    """Verdicts, in the grader's process, from the worker's plain data."""
    source_answers = RunnerAnswers({}, [imports, *sources.values()], in_kernel=False)
    probed = [p for p in prepared if p.check.probe is not None]
    numbers = {id(p): n for n, p in enumerate(probed)}
    by_cell: dict[str, list[CheckResult]] = {}
    for item in prepared:
        check = item.check
        if item.failure:
            result = CheckResult(check.name, False, 0.0, check.points, item.failure)
        elif check.probe is None:
            source = source_answers.source(item.defines)
            result = verdict(check, item.inputs, None, None, source, source_answers.imports() if source else "")
        else:
            observation = run.observations.get(numbers[id(item)])
            if observation is None:
                why = run.problem or "the worker gave no result for it"
                observation = Observation(False, {}, f"not graded: {why}")
            result = verdict(check, item.inputs, observation, item.expected, None, "")
        by_cell.setdefault(item.cell_id, []).append(result)
    cells = tuple(CellResult(cell_id, tuple(checks)) for cell_id, checks in by_cell.items())
    errors = tuple(notes + ([run.problem] if run.problem else []))
    environment = {
        "grader": f"autograder {__version__}, isolated worker",
        "python": sys.version.split()[0],
        "seconds": round(run.seconds, 2),
        "isolation": run.sandbox or {"all": "not reported (the worker ended before it could say)"},
    }
    return LabResult(student_id, lab.name, cells, errors, environment)


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` through a ``.partial`` file: a reader never sees half a file."""
    partial = path.with_name(path.name + ".partial")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)


def _write_json(path: Path, data: dict[str, Any]) -> None:
    write_atomically(path, json.dumps(data, indent=2, allow_nan=False, default=str))


def load_results(out: Path, lab: Lab) -> dict[str, dict[str, Any]]:
    """The results of ``lab`` already in ``out``, by student id (unreadable files are left out)."""
    found = {}
    for path in sorted(out.glob("*.json")):
        try:
            data = json.loads(path.read_text())
        except (OSError, json.JSONDecodeError):
            continue
        if isinstance(data, dict) and data.get("lab") == lab.name and "student_id" in data:
            found[data["student_id"]] = data
    return found


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


class Grader:
    """Grades submissions of one lab in isolated workers, ``jobs`` at a time."""

    def __init__(
        self, lab: Lab, root: Path, out: Path, jobs: int, limits: sandbox.Limits, private: Sequence[Path] = ()
    ):
        """``private``: more folders a worker must not see (the submissions'), besides the course's
        solutions and the output folder."""
        self.lab, self.root, self.out, self.jobs, self.limits = lab, root, out, jobs, limits
        self.context = _context()
        # The warm process starts now, in the background (a fresh interpreter, exec'd, importing NumPy,
        # Keras and TensorFlow) while this process computes the references: on two cores the two
        # start-ups overlap. The first worker waits for it.
        multiprocessing.forkserver.ensure_running()
        self.imports = cell_source(read_notebook(course.release_path(root, lab.name)), course.IMPORTS_CELL)
        with captured():
            self.prepared = prepare(lab, root)
        folders = {p.resolve() for p in (root / "solutions", out, *private)}
        self.hidden = sorted(str(p) for p in folders)
        self.scratch = Path(tempfile.mkdtemp(prefix="autograder-jobs-"))

    def close(self) -> None:
        shutil.rmtree(self.scratch, ignore_errors=True)

    def _job(self, student_id: str, sources: dict[str, str]) -> Path:
        folder = Path(tempfile.mkdtemp(prefix="job-", dir=self.scratch))
        checks = [
            {
                "ref": probe_ref(p.check.probe),
                "inputs": p.inputs,
                "init_seed": p.init_seed,
                "answer": p.check.answer,
                "name": p.defines[0],
            }
            for p in self.prepared
            if p.check.probe is not None
        ]
        worker.write_job(folder, self.imports, sources, checks)
        return folder

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
                job = self._job(student_id, sources)
                futures[pool.submit(run_worker, self.context, job, self.hidden, self.limits)] = (
                    student_id,
                    sources,
                    notes,
                    job,
                )
            for future in as_completed(futures):
                student_id, sources, notes, job = futures[future]
                run = future.result()
                with captured():
                    result = judge_submission(student_id, self.lab, sources, notes, self.prepared, run, self.imports)
                shutil.rmtree(job, ignore_errors=True)
                on_result(result)


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
    limits: sandbox.Limits,
    force: bool = False,
    progress: Callable[[str], None] | None = None,
) -> list[LabResult]:
    """Grade the submissions not graded yet (all with ``force``), writing results as they come."""
    (out / "feedback").mkdir(parents=True, exist_ok=True)
    previous = load_results(out, lab)
    recorded = dict(previous)
    todo = [s for s in submissions if force or s.student_id not in previous]
    results: list[LabResult] = []
    if not todo:
        write_grades_csv(out, lab, recorded)
        return results

    def record(result: LabResult) -> None:
        data = result.to_dict()
        # The feedback first: once the JSON exists, a resumed run counts the student as graded.
        write_atomically(feedback_path(out, result.student_id), feedback_html(data))
        _write_json(result_path(out, result.student_id), data)
        recorded[result.student_id] = data
        write_grades_csv(out, lab, recorded)
        results.append(result)
        if progress:
            before = previous.get(result.student_id)
            change = ""
            if force and before is not None and before.get("score") != result.score:
                change = f" (was {before.get('score'):g})"
            progress(f"[{len(results)}/{len(todo)}] {result.student_id}: {result.score:g}/{result.max_score:g}{change}")

    students = read_submissions(lab, todo)
    if all(error for *_, error in students):  # nothing to run: no warm process, no references
        for student_id, _, _, error in students:
            record(error_result(student_id, lab, error))
        return results
    # Answers reach a worker through its job file: the submissions' folders can be covered too.
    grader = Grader(lab, root, out, jobs, limits, private=[s.path.parent for s in submissions])
    try:
        grader.grade(students, record)
    finally:
        grader.close()
    return results
