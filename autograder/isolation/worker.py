"""The worker: one student's answers and the probes of every check, run inside the sandbox.

It is forked from the warm process and isolated by a backend before this
module's :meth:`Worker.serve` runs. It says :class:`~.protocol.Ready` on its
result pipe, takes its :class:`~.protocol.Job` from its job pipe (never from a
file: no folder is shared with the grader or another worker), runs the
answers, then each probe, and sends one :class:`~.protocol.ProbeResult` per
probe as soon as it has it, so that a worker stopped half-way still leaves what
it finished. It judges nothing: verdicts are made in the grader.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Sequence
from typing import Any

from autograder.engine.cells import run_cells
from autograder.engine.run_checks import observe
from autograder.engine.student_answers import Answers
from autograder.isolation.protocol import Calls, Crashed, Job, ProbeResult, Ready, SetupFailed, frame_bytes, write_all
from autograder.labs import get_lab
from autograder.model.checks import Check, Verdict, resolve_probe
from autograder.toolkit.from_scratch_watch import Watch
from autograder.toolkit.stand_ins import for_lab

IMPORTS = "imports"
MAX_JOB_BYTES = 1 << 30


def _not_judged(evidence: Any) -> Verdict:  # the worker only observes; the grader judges
    raise RuntimeError("a worker never judges")


def _one_thread() -> None:
    """The grader runs ``--jobs`` workers side by side: each keeps to one thread of ops."""
    import keras

    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        tf.config.threading.set_intra_op_parallelism_threads(1)
        tf.config.threading.set_inter_op_parallelism_threads(1)


def _read_all(fd: int) -> bytes:
    chunks, size = [], 0
    while chunk := os.read(fd, 1 << 20):
        chunks.append(chunk)
        size += len(chunk)
        if size > MAX_JOB_BYTES:
            raise ValueError("the job is too large")
    return b"".join(chunks)


class Worker:
    """The worker's side of its two pipes (see :class:`autograder.isolation.backend.WorkerBody`)."""

    def __init__(self, job_fd: int, result_fd: int, watch: Watch | None = None, targets: Sequence = ()):
        """``watch``: the lab's forbidden built-ins to watch, at the places ``targets`` lists."""
        self.job_fd, self.result_fd = job_fd, result_fd
        self.watch, self.targets = watch, targets

    def keep_only_channels(self) -> None:
        devnull = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(devnull, fd)
        keep = sorted({0, 1, 2, self.job_fd, self.result_fd})
        for low, high in zip(keep, [*keep[1:], None], strict=True):
            os.closerange(low + 1, high if high is not None else os.sysconf("SC_OPEN_MAX"))

    def release(self) -> None:
        for fd in (self.job_fd, self.result_fd):
            with contextlib.suppress(OSError):
                os.close(fd)

    def failed(self, step: str, error: BaseException) -> None:
        with contextlib.suppress(OSError):
            write_all(self.result_fd, frame_bytes(SetupFailed(step, f"{type(error).__name__}: {error}")))

    def serve(self, report: dict[str, str] | None = None) -> None:
        _one_thread()
        write_all(self.result_fd, frame_bytes(Ready(report or {})))
        job = Job.from_bytes(_read_all(self.job_fd))
        os.close(self.job_fd)
        try:
            self.run(job)
        except BaseException as error:  # the worker's own failure, after whatever the answers did
            with contextlib.suppress(Exception):
                write_all(self.result_fd, frame_bytes(Crashed(f"{type(error).__name__}: {error}")))
            raise

    def run(self, job: Job) -> None:
        """Run the answers, then every probe, sending each result at once (student code runs here)."""
        if self.watch is not None:
            self.watch.install(self.targets)
        # The stand-ins are made before any student code runs.
        builtins = get_lab(job.lab).builtins() if any(p.stand_ins for p in job.probes) else {}
        for_lab(builtins, tuple(builtins))
        namespace: dict[str, Any] = {"__name__": "__main__"}
        errors = run_cells({IMPORTS: job.imports, **job.answers}, namespace)
        errors.pop(IMPORTS, None)
        answers = Answers(namespace, [job.imports, *job.answers.values()], in_kernel=False, errors=errors)
        if self.watch is not None:  # an answer that *is* a forbidden built-in: `softmax = vars(ops)['soft'+'max']`
            for probe in job.probes:
                dotted = self.watch.watched(namespace.get(probe.name))
                if dotted:
                    self.watch.record(probe.answer, dotted)
        for number, probe in enumerate(job.probes):
            check = Check(probe.name, probe.answer, _not_judged, probe=resolve_probe(probe.ref))
            stand_ins = for_lab(builtins, probe.stand_ins)
            observation = observe(check, answers, probe.name, probe.inputs, probe.init_seed, stand_ins)
            frame = ProbeResult(number, observation.ok, observation.observed, observation.message, observation.noise)
            try:
                data = frame_bytes(frame)
            except ValueError as error:  # codec.PlainDataError: not plain data
                message = f"the answer returned something that cannot be graded ({error})"
                data = frame_bytes(ProbeResult(number, False, {}, message, observation.noise))
            write_all(self.result_fd, data)
        if self.watch is not None:
            write_all(self.result_fd, frame_bytes(Calls(dict(self.watch.calls))))
