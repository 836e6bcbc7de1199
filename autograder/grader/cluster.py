"""Grading a class on a Dask cluster: ``python -m autograder grade LAB SUBMISSIONS --cluster ADDRESS``.

The same isolated grader as on one machine runs on every Dask worker: each worker keeps one warm
:class:`~autograder.grader.isolated_grader.Grader` (its sandbox, its warm process, the references computed
once), built from the course files the client ships to it (:class:`CourseFiles`: no shared file system).
A task carries a few submissions' bytes (a batch: the grader judges one while the next runs in its sandbox, as
on one machine) and returns their plain results; student code runs only in the sandboxed workers the Grader
forks, never in a Dask worker process itself.

On the client, results stream into the output folder as they finish, through the same writers and ledger as
on one machine (so a run resumes the same way), with grades.csv rewritten every ``csv_every`` results and at
the end. The client decides what happens to the tasks of a worker that dies (the scheduler gives them back at
once: ``allowed-failures`` 0): a batch is sent again split, one submission per task, since which of them killed
the worker is unknown; a submission alone on ``max_tries`` workers that all died under it is recorded as an
error, not retried forever.

``ADDRESS`` is a Dask scheduler (``tcp://host:8786``: started by dask-jobqueue on Slurm or PBS, by
dask-kubernetes, or by hand) or ``local:N``, a ``LocalCluster`` of N single-threaded worker processes here.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import hashlib
import itertools
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from autograder.engine import course
from autograder.engine.submissions import Submission, read_answers
from autograder.grader.class_run import ClassRun
from autograder.grader.isolated_grader import Grader
from autograder.grader.verdicts import error_result
from autograder.isolation.limits import Limits
from autograder.isolation.pool import SandboxFailure
from autograder.labs import get_lab
from autograder.model.checks import Lab
from autograder.model.results import LabResult
from autograder.outputs.writers import DEFAULT, FINISH_EVERY

LOCAL = "local:"
MAX_NOTEBOOK_BYTES = 32 * 2**20  # a lab notebook is well under 1 MB; this bounds what a task carries
MAX_TRIES = 3  # workers a submission alone may see die under it before it is recorded as an error
MAX_BATCH = 8  # submissions a task carries at most
TASKS_PER_WORKER = 4  # the batches are small enough that each worker gets at least this many (an even finish)


# The scheduler gives a dying worker's task back to the client at once (allowed-failures 0), which decides:
# split a batch, or count a death against the one submission that ran (grade_class_on_cluster). Each worker
# is given one task at a time (worker-saturation 1.0 with single-threaded workers), so that a death is
# charged to that task only. local:N's cluster is started with these; start a cluster of your own inside
# dask.config.set(DASK_SETTINGS), or put them in its configuration (docs/cluster.md): with Dask's defaults a task
# is only retried longer before the client decides.
DASK_SETTINGS = {
    "distributed.scheduler.allowed-failures": 0,
    "distributed.scheduler.worker-saturation": 1.0,
    # The workers' statistical profiler samples every thread's stack 100 times a second: for nothing here.
    "distributed.worker.profile.enabled": False,
    # Dask's monitors wake every 20 to 500 ms (event-loop ticks, system and memory sampling): an idle local:1
    # cluster took 7% of a core from the grading beside it, 1% with these (measured on 2 cores).
    "distributed.admin.tick.interval": "1s",
    "distributed.admin.system-monitor.interval": "5s",
    "distributed.worker.memory.monitor-interval": "1s",
}


class ClusterError(RuntimeError):
    """The cluster cannot be reached or started (a wrong address, Dask missing)."""


@dataclass(frozen=True)
class CourseFiles:
    """The course files a worker's grader needs for one lab, as bytes: shipped once to every worker."""

    lab: str
    files: tuple[tuple[str, bytes], ...]  # (path relative to the course root, content)

    @classmethod
    def read(cls, root: Path, lab: str) -> CourseFiles:
        return cls(
            lab, tuple((path.as_posix(), (root / path).read_bytes()) for path in course.grading_files(root, lab))
        )

    @functools.cached_property  # every task asks its worker's grader by it
    def digest(self) -> str:
        hashed = hashlib.sha256(self.lab.encode())
        for path, content in self.files:
            hashed.update(path.encode() + b"\0" + hashlib.sha256(content).digest())
        return hashed.hexdigest()

    def materialise(self, root: Path) -> Path:
        """Write the files under ``root`` (a course root in miniature, like a Gradescope bundle's)."""
        for path, content in self.files:
            target = root / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
        return root


@dataclass(frozen=True)
class NotebookBytes:
    """One submission's notebook as a task carries it."""

    student_id: str
    name: str  # the notebook's file name (messages name it)
    content: bytes


@dataclass
class _WarmGrader:
    grader: Grader
    folder: Path
    uploads: Path


_GRADERS: dict[tuple[str, Limits], _WarmGrader] = {}
_GRADERS_LOCK = threading.Lock()


def _worker_threads() -> int:
    try:
        from distributed import get_worker

        return max(1, int(get_worker().state.nthreads))
    except (ImportError, ValueError, AttributeError):
        return 1


def _close_graders(digest: str | None = None, limits: Limits | None = None) -> None:
    """Close this process's graders (the one for ``digest`` and ``limits`` only, when given): their warm
    processes end and their folders go."""
    with _GRADERS_LOCK:
        for key in [key for key in _GRADERS if digest is None or key == (digest, limits)]:
            warm = _GRADERS.pop(key)
            warm.grader.close()
            shutil.rmtree(warm.folder, ignore_errors=True)


def _warm_grader(files: CourseFiles, limits: Limits) -> _WarmGrader:
    """This process's grader for ``files`` and ``limits``, built on first use (its warm process and the
    references of every check), with as many sandboxed workers as the Dask worker has threads."""
    key = (files.digest, limits)
    with _GRADERS_LOCK:
        if key not in _GRADERS:
            folder = Path(tempfile.mkdtemp(prefix="autograder-cluster-"))
            root = files.materialise(folder / "course")
            uploads, out = folder / "uploads", folder / "out"
            uploads.mkdir()
            out.mkdir()
            # The uploads are hidden from the sandbox: answers reach a worker through its own pipe.
            grader = Grader(get_lab(files.lab), root, out, _worker_threads(), limits, private=[uploads])
            if not _GRADERS:
                atexit.register(_close_graders)  # registered again after a close: harmless
            _GRADERS[key] = _WarmGrader(grader, folder, uploads)
        return _GRADERS[key]


def grade_on_worker(files: CourseFiles, limits: Limits, uploads: Sequence[NotebookBytes]) -> list[dict[str, Any]]:
    """A Dask task: the results (``LabResult.to_dict``) of a batch of submissions, graded by this worker's warm
    grader, which judges each while the next runs in its sandbox."""
    warm = _warm_grader(files, limits)
    folder = Path(tempfile.mkdtemp(dir=warm.uploads))
    try:
        students = []
        for number, upload in enumerate(uploads):
            path = folder / str(number) / (Path(upload.name).name or "submission.ipynb")
            path.parent.mkdir()
            path.write_bytes(upload.content)
            students.append(read_answers(warm.grader.lab, path, upload.student_id))
        results: list[LabResult] = []
        warm.grader.grade(students, results.append)
        return [result.to_dict() for result in results]
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def batch_size(submissions: int, workers: int) -> int:
    """Submissions per task: up to :data:`MAX_BATCH`, and few enough that every worker gets
    :data:`TASKS_PER_WORKER` tasks (the last tasks finish close together)."""
    return max(1, min(MAX_BATCH, submissions // (TASKS_PER_WORKER * max(1, workers))))


def _workers(client: Any) -> int:
    """The workers the scheduler knows now (it asks the scheduler: a round trip, about 0.5 ms on local:2)."""
    return len(client.scheduler_info().get("workers", {}))


def _the_files(files: CourseFiles) -> CourseFiles:
    return files


def close_worker_graders(client: Any) -> None:
    """End the warm graders every worker of ``client``'s cluster keeps (after runs given that client)."""
    client.run(_close_graders)


@contextlib.contextmanager
def connect(address: str | Any) -> Iterator[Any]:
    """A Dask client of the cluster at ``address`` (``local:N`` starts one here), closed afterwards; a
    ``distributed.Client`` is used as it is, and left open."""
    if not isinstance(address, str):
        yield address
        return
    try:
        import dask
        from distributed import Client, LocalCluster
    except ImportError:
        raise ClusterError("grading on a cluster needs Dask: python -m pip install 'distributed>=2024.1'") from None
    with dask.config.set(DASK_SETTINGS):
        if address.startswith(LOCAL):
            workers = address[len(LOCAL) :]
            if not workers.isdigit() or int(workers) < 1:
                raise ClusterError(f"--cluster local:N needs a number of workers N >= 1. Received: {address!r}")
            cluster = LocalCluster(n_workers=int(workers), threads_per_worker=1, processes=True, dashboard_address=None)
            client = Client(cluster)
        else:
            cluster = None
            try:
                client = Client(address, timeout="30s")
            except OSError as error:
                raise ClusterError(f"no Dask scheduler answers at {address}: {error}") from None
    try:
        yield client
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _uploads(lab: Lab, submissions: Sequence[Submission]) -> tuple[list[NotebookBytes], list[LabResult]]:
    """What the tasks carry, and the error results of submissions too large or unreadable to send."""
    uploads, errors = [], []
    for submission in submissions:
        try:
            size = submission.path.stat().st_size
            if size > MAX_NOTEBOOK_BYTES:
                limit = MAX_NOTEBOOK_BYTES // 2**20
                message = f"{submission.path.name} is {size / 2**20:.0f} MB, over the {limit} MB a notebook may have"
                errors.append(error_result(submission.student_id, lab, message))
                continue
            content = submission.path.read_bytes()
        except OSError as error:
            message = f"{submission.path.name} could not be read: {error.strerror}"
            errors.append(error_result(submission.student_id, lab, message))
            continue
        uploads.append(NotebookBytes(submission.student_id, submission.path.name, content))
    return uploads, errors


def grade_class_on_cluster(
    lab: Lab,
    root: Path,
    submissions: Sequence[Submission],
    out: Path,
    address: str | Any,
    limits: Limits,
    force: bool = False,
    progress: Callable[[str], None] | None = None,
    formats: Sequence[str] = DEFAULT,
    csv_every: int = FINISH_EVERY,
    max_tries: int = MAX_TRIES,
    batch: int | None = None,
    task: Callable[[CourseFiles, Limits, Sequence[NotebookBytes]], list[dict[str, Any]]] = grade_on_worker,
) -> list[LabResult]:
    """Grade the submissions not graded yet (all with ``force``) on the cluster at ``address``; results are
    written as they come, exactly as :func:`autograder.grader.api.grade_class` writes them.

    ``address`` may also be a ``distributed.Client`` of a cluster started with :func:`connect`'s settings: its
    workers then keep their graders warm for the next run with it (:func:`close_worker_graders` ends them).

    ``batch``: submissions per task (default :func:`batch_size` of the class and the workers); ``task`` is what
    a Dask worker runs for one batch (the tests give one that kills its worker).
    """
    run = ClassRun(lab, out, submissions, force, progress)
    uploads, unreadable = _uploads(lab, run.todo)
    files = CourseFiles.read(root, lab.name)
    # The cluster first: a wrong address or a cluster that does not start writes nothing into ``out``.
    with connect(address) if uploads else contextlib.nullcontext() as client:
        run.open(formats)
        start = time.perf_counter()

        def record(result: LabResult, workers: int) -> None:
            if not run.record(result):
                return  # Dask ran it again somewhere: each student is recorded once
            if len(run.results) % max(1, csv_every) == 0:
                run.finish()
            if progress:
                elapsed = time.perf_counter() - start
                rate = len(run.results) / elapsed if elapsed > 0 else 0.0
                left = (len(run.todo) - len(run.results)) / rate if rate > 0 else float("nan")
                progress(f"{run.line(result)} ({rate:.2f}/s, about {left:.0f} s left, {workers} worker(s) alive)")

        try:
            for result in unreadable:
                record(result, 0)
            if client is not None:
                _grade_uploads(client, lab, files, limits, uploads, batch, max_tries, task, record)
        finally:
            run.finish()  # grades.csv holds every result recorded, however the run ended
            if client is not None and isinstance(address, str):  # a caller's client keeps its graders warm
                with contextlib.suppress(Exception):
                    client.run(_close_graders, files.digest, limits)
    return run.results


def _grade_uploads(
    client: Any,
    lab: Lab,
    files: CourseFiles,
    limits: Limits,
    uploads: Sequence[NotebookBytes],
    batch: int | None,
    max_tries: int,
    task: Callable[[CourseFiles, Limits, Sequence[NotebookBytes]], list[dict[str, Any]]],
    record: Callable[[LabResult, int], None],
) -> None:
    """Send the uploads in batches and record their results as they come; a batch whose task failed is sent
    again one submission per task, and a submission that failed alone ``max_tries`` times gets an error."""
    from distributed import as_completed
    from distributed.scheduler import KilledWorker

    # A task that returns the files, not scattered data: a worker that dies with the only copy loses nothing,
    # the scheduler computes it again from the graph.
    shipped = client.submit(_the_files, files, key=f"course-files-{files.digest[:16]}", pure=False)
    size = batch or batch_size(len(uploads), _workers(client))
    serial = itertools.count()
    failures: dict[str, int] = {}
    futures: dict[Any, tuple[NotebookBytes, ...]] = {}
    pending = as_completed()

    def submit(uploads: tuple[NotebookBytes, ...]) -> None:
        key = f"grade-{lab.name}-{uploads[0].student_id}-{len(uploads)}-{next(serial)}"
        future = client.submit(task, shipped, limits, uploads, key=key, pure=False)
        futures[future] = uploads
        pending.add(future)

    for first in range(0, len(uploads), size):
        submit(tuple(uploads[first : first + size]))
    for future in pending:
        sent = futures.pop(future)
        try:
            results = [LabResult.from_dict(plain) for plain in future.result()]
        except SandboxFailure as error:  # the worker, not the students: nobody is recorded, grading stops
            for other in futures:
                other.cancel()
            raise ClusterError(
                f"a cluster worker cannot isolate student code, so grading stopped ({error}). The results recorded "
                "before are kept: run the same command again once every worker can build the sandbox "
                "(docs/isolation.md)"
            ) from None
        except Exception as error:  # its worker died (KilledWorker), or the task failed or its result was lost
            if len(sent) > 1:  # which one was the cause is unknown: each alone
                for upload in sent:
                    submit((upload,))
                continue
            student = sent[0].student_id
            failures[student] = failures.get(student, 0) + 1
            if failures[student] < max_tries:
                submit(sent)
                continue
            if isinstance(error, KilledWorker):
                message = (
                    f"grading this submission ended the grader's process {max_tries} times, on different "
                    "cluster workers: it was not graded (please tell your instructor)"
                )
            else:
                message = f"the cluster could not grade this submission ({type(error).__name__}: {error})"
            results = [error_result(student, lab, message)]
        for result in results:
            record(result, _workers(client))
