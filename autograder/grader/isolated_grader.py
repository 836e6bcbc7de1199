"""The isolated grader: a warm sandboxed process, and submissions graded in workers forked from it,
``jobs`` at a time.

Each submission runs in a worker forked from a warm process that has only imported NumPy, Keras and
TensorFlow; the worker returns plain data, and the verdicts are computed back here
(:mod:`autograder.grader.verdicts`).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

from autograder.engine import course
from autograder.engine.capture import captured
from autograder.engine.cells import cell_source, read_notebook
from autograder.engine.submissions import AnswerCells
from autograder.grader.verdicts import error_result, judge_submission, prepare_checks
from autograder.isolation.backend import backend
from autograder.isolation.limits import Limits
from autograder.isolation.measure import Subject
from autograder.isolation.pool import SandboxFailure, WarmProcess, WorkerRun, run_worker
from autograder.isolation.protocol import Job, ProbeJob
from autograder.model.checks import Lab, probe_ref
from autograder.model.results import LabResult

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
                self.prepared = prepare_checks(lab, root)
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

    def grade_one(self, student: AnswerCells) -> LabResult:
        """One student's result."""
        results: list[LabResult] = []
        self.grade([student], results.append)
        return results[0]

    def grade(self, students: Sequence[AnswerCells], on_result: Callable[[LabResult], None]) -> None:
        """Grade each student's answer cells; ``on_result`` gets each result as it comes."""
        with ThreadPoolExecutor(max_workers=self.jobs) as pool:
            futures = {}
            for student in students:
                if student.error:
                    on_result(error_result(student.student_id, self.lab, student.error))
                    continue
                futures[pool.submit(self._run, student.sources)] = student
            try:
                for future in as_completed(futures):
                    student = futures[future]
                    run = future.result()
                    try:
                        with captured():
                            result = judge_submission(student, self.lab, self.prepared, run, self)
                    except Exception as error:  # one student's data must not end the batch
                        message = (
                            f"the grader could not judge this submission ({type(error).__name__}): please report it"
                        )
                        result = error_result(student.student_id, self.lab, message)
                    on_result(result)
            except BaseException:
                for future in futures:
                    future.cancel()
                raise
