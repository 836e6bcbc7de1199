"""The grader's side of the sandbox: the warm process, and one worker run from spawn to verdict-ready data.

:class:`WarmProcess` starts the warm process (:mod:`.zygote`) as a fresh
interpreter with a scrubbed environment, talks to it on a private socket pair
and holds every worker's pidfds (a PID could be reused; a pidfd cannot).
:func:`run_worker` spawns one worker, waits for it to say it is ready,
measures its sandbox (:mod:`.measure`), hands it its job, reads its results
within the deadline and the byte budget, and ends it. Nothing is read from a
place the worker can write but its own result pipe.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import queue
import re
import select
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from autograder.isolation.backend import Sandbox
from autograder.isolation.limits import Limits
from autograder.isolation.measure import Facility, Subject, missing
from autograder.isolation.protocol import (
    Calls,
    Crashed,
    FrameReader,
    Job,
    ProbeResult,
    ProtocolError,
    Ready,
    SetupFailed,
    Timeout,
    receive,
    send,
    write_before,
)

PRELOAD = ("numpy", "keras", "autograder.isolation.worker")
# What of the grader's environment the warm process (and so every worker) gets: nothing secret.
PASSED_ENVIRONMENT = ("LAB_QUICK", "KERAS_BACKEND", "TF_CPP_MIN_LOG_LEVEL", "TF_ENABLE_ONEDNN_OPTS", "LANG", "LC_ALL")
UID_BASE = 1_000_000_000  # a root grader's worker in slot k runs as uid UID_BASE + k: no account has it
START_SECONDS = 300.0  # the warm process's imports, on a busy machine
EXIT_SECONDS = 10.0


class SandboxFailure(RuntimeError):
    """A worker's sandbox could not be built or is not what its backend requires: grading must stop."""


@dataclass
class Spawned:
    """One worker's handles, as the grader holds them."""

    id: int
    leader: int
    init: int | None
    leader_fd: int
    init_fd: int | None
    job_w: int
    result_r: int
    replies: queue.Queue = field(repr=False)
    status: int | None = None  # the leader's exit status, once the warm process has reaped it

    def kill(self) -> None:
        for fd in (self.init_fd, self.leader_fd):
            if fd is not None:
                with contextlib.suppress(ProcessLookupError):
                    signal.pidfd_send_signal(fd, signal.SIGKILL)

    def alive(self) -> bool:
        fd = self.init_fd if self.init_fd is not None else self.leader_fd
        return not select.select([fd], [], [], 0)[0]  # a pidfd is readable once its process has ended

    def close(self) -> None:
        for fd in (self.leader_fd, self.init_fd, self.job_w, self.result_r):
            if fd is not None:
                with contextlib.suppress(OSError):
                    os.close(fd)


def keras_backend() -> str:
    """The backend Keras will use in this process, found as Keras finds it, without importing Keras
    (importing it takes seconds, which the warm process spends importing at the same time)."""
    if "keras" in sys.modules:
        return sys.modules["keras"].backend.backend()
    if os.environ.get("KERAS_BACKEND"):
        return os.environ["KERAS_BACKEND"]
    home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    try:
        backend = json.loads(Path(home, "keras.json").read_text()).get("backend")
    except (OSError, ValueError, AttributeError):
        backend = None
    return backend if isinstance(backend, str) and backend else "tensorflow"


def warm_environment(keras_home: Path, backend: str) -> dict[str, str]:
    env = {name: os.environ[name] for name in PASSED_ENVIRONMENT if name in os.environ}
    env.update(
        PATH="/usr/local/bin:/usr/bin:/bin",
        HOME=str(keras_home.parent),
        KERAS_HOME=str(keras_home),  # the grader's own ~/.keras is neither read nor written
        KERAS_BACKEND=backend,
        PYTHONDONTWRITEBYTECODE="1",
        OMP_NUM_THREADS="1",  # a worker keeps to one thread of ops (--jobs gives the parallelism)
    )
    return env


class WarmProcess:
    """The warm process and the one socket to it (see :mod:`autograder.isolation.zygote`)."""

    def __init__(
        self,
        sandbox: type[Sandbox],
        limits: Limits,
        workdir: Path,
        enclosing: Sequence[str],
        private: Sequence[str],
        forbidden: dict[str, tuple[str, ...]],
    ):
        """``forbidden``: grade_id -> the built-ins that answer must not call (watched in every worker)."""
        self.sandbox = sandbox
        self.backend = keras_backend()
        # Others may pass through (not list) the folder on the way to a Landlock worker's own folder.
        for folder in (workdir.parent, workdir):
            folder.chmod(0o711)
        (workdir / "root").mkdir(mode=0o711)
        (workdir / "root").chmod(0o711)
        (workdir / "home" / ".keras").mkdir(parents=True)
        package_dir = str(Path(__file__).resolve().parents[1])
        parent, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        # The configuration goes on the socket, not on the command line, which every worker could read
        # as its own (/proc/1/cmdline): it names the course's private folders.
        config = {
            "backend": sandbox.name,
            "limits": limits.to_dict(),
            "mountpoint": str(workdir / "root"),
            "uid_base": UID_BASE,
            "package_dir": package_dir,
            "enclosing": list(enclosing),
            "private": list(private),
            "preload": list(PRELOAD),
            "forbidden": {gid: list(patterns) for gid, patterns in forbidden.items()},
        }
        boot = (
            f"import sys; sys.path.insert(0, {str(Path(package_dir).parent)!r}); "
            "from autograder.isolation.zygote import main; main()"
        )
        self.log = workdir / "warm.log"
        with open(os.open(self.log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-I", "-c", boot, str(os.getpid()), str(child.fileno())],
                pass_fds=(child.fileno(),),
                env=warm_environment(workdir / "home" / ".keras", self.backend),
                cwd=workdir,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
            )
        child.close()
        self.socket = parent
        send(self.socket, config)
        self.lock = threading.Lock()
        self.replies: dict[int, queue.Queue] = {}
        self.hello: queue.Queue = queue.Queue()
        self.ids = itertools.count()
        self.reader = threading.Thread(target=self._read, name="autograder-warm-reader", daemon=True)
        self.reader.start()
        self._hello: dict[str, Any] | None = None

    def _read(self) -> None:
        while True:
            try:
                message, fds = receive(self.socket)
            except (OSError, ValueError):
                message, fds = None, []
            if message is None:
                self.hello.put(None)
                for replies in list(self.replies.values()):
                    replies.put((None, []))
                return
            if message.get("op") == "hello":
                self.hello.put(message)
            elif message.get("id") in self.replies:
                self.replies[message["id"]].put((message, fds))
            else:
                for fd in fds:
                    os.close(fd)

    def _log_tail(self) -> str:
        try:
            lines = self.log.read_text(errors="replace").strip().splitlines()
        except OSError:
            return ""
        return "\n".join(lines[-15:])

    def ready(self) -> dict[str, Any]:
        """The warm process's hello (what it bound and left out), waiting for its imports."""
        if self._hello is None:
            try:
                hello = self.hello.get(timeout=START_SECONDS)
            except queue.Empty:
                hello = None
            if hello is None:
                raise SandboxFailure(f"the warm process did not start:\n{self._log_tail()}")
            self._hello = hello
        return self._hello

    def spawn(self, slot: int, deadline: float) -> Spawned:
        self.ready()
        job_r, job_w = os.pipe()
        result_r, result_w = os.pipe()
        request = next(self.ids)
        replies: queue.Queue = queue.Queue()
        self.replies[request] = replies
        try:
            with self.lock:
                send(self.socket, {"op": "spawn", "id": request, "slot": slot}, [job_r, result_w])
        except OSError as error:
            raise SandboxFailure(f"the warm process is gone ({error}):\n{self._log_tail()}") from None
        finally:
            os.close(job_r)
            os.close(result_w)
        try:
            message, fds = replies.get(timeout=max(1.0, deadline - time.monotonic()))
        except queue.Empty:
            message, fds = None, []
        if message is None or message.get("op") != "spawned" or not fds:
            os.close(job_w)
            os.close(result_r)
            raise SandboxFailure(f"the warm process could not start a worker:\n{self._log_tail()}")
        init_fd = fds[1] if len(fds) > 1 else None
        return Spawned(request, message["leader"], message["init"], fds[0], init_fd, job_w, result_r, replies)

    def wait_exit(self, spawned: Spawned, seconds: float) -> int | None:
        """The leader's exit status (the worker's), once the warm process has reaped it; None if it did not end."""
        if spawned.status is not None:
            return spawned.status
        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            try:
                message, fds = spawned.replies.get(timeout=left)
            except queue.Empty:
                break
            for fd in fds:
                os.close(fd)
            if message is None:
                break
            if message.get("op") == "exited":
                self.replies.pop(spawned.id, None)
                spawned.status = int(message["status"])
                return spawned.status
        return None

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.socket.shutdown(socket.SHUT_RDWR)
        self.socket.close()
        try:
            self.process.wait(timeout=EXIT_SECONDS)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@dataclass
class WorkerRun:
    """What one worker gave: probe results by number, the measured isolation, its time, what went wrong."""

    results: dict[int, ProbeResult]
    isolation: dict[str, Facility]
    seconds: float
    problem: str
    # The forbidden built-ins each answer's code called; None when the worker did not say (it ended first).
    calls: dict[str, list[str]] | None = None


def _setup_failure(sandbox: type[Sandbox], frame: Any) -> SandboxFailure:
    if isinstance(frame, SetupFailed):
        return SandboxFailure(sandbox.advice(frame.step, frame.error))
    return SandboxFailure("the worker ended before its sandbox was ready")


def run_worker(warm: WarmProcess, slot: int, job: Job, subject: Subject) -> WorkerRun:
    """Run ``job`` in a fresh worker: spawn, measure, hand over, read results, end it.

    A SandboxFailure (the sandbox could not be built or measured as required) stops the grading;
    anything the worker itself does wrong is this worker's ``problem``.
    """
    limits = subject.limits
    start = time.monotonic()
    deadline = start + limits.timeout
    spawned = warm.spawn(slot, deadline)
    results: dict[int, ProbeResult] = {}
    isolation: dict[str, Facility] = {}
    calls: dict[str, list[str]] | None = None
    problem = ""
    try:
        reader = FrameReader(spawned.result_r, deadline, limits.result_bytes)
        try:
            first = reader.next()
        except ProtocolError:
            first = None
        if not isinstance(first, Ready):
            raise _setup_failure(warm.sandbox, first)
        if warm.sandbox.isolated and spawned.init is not None:
            isolation = warm.sandbox.assess(spawned.init, subject, first.report)
            if not spawned.alive():
                raise SandboxFailure("the worker ended while its sandbox was measured")
            lacking = missing(isolation, warm.sandbox.required)
            if lacking:
                raise SandboxFailure("the worker's sandbox is not what it must be: " + "; ".join(lacking))
        try:
            write_before(spawned.job_w, job.to_bytes(), deadline)
            os.close(spawned.job_w)
            spawned.job_w = None
            expected = len(job.probes) + 1  # every probe's result, then the calls
            while len(results) + (calls is not None) < expected and (frame := reader.next()) is not None:
                if isinstance(frame, Crashed):  # only the kind of error: the text is the student's to write
                    kind = re.match(r"[A-Za-z_][A-Za-z0-9_.]{0,60}", frame.error)
                    problem = f"the worker failed: {kind.group(0) if kind else 'an error'}"
                    continue
                if isinstance(frame, Calls):
                    calls = frame.calls
                    continue
                if not isinstance(frame, ProbeResult) or frame.number >= len(job.probes) or frame.number in results:
                    raise ProtocolError("the worker sent a frame out of turn")
                results[frame.number] = frame
        except Timeout:
            problem = f"stopped after {limits.timeout:g} s (an endless loop, or far too slow?)"
        except ProtocolError as error:
            problem = f"its results could not be read: {error}"
        # Everything arrived (the worker is ended now: it has nothing left to do), or the pipe closed.
        status = warm.wait_exit(spawned, 2.0) if reader.eof else None
        if status:
            meaning = warm.sandbox.status(status)
            problem = (
                problem or meaning or f"the worker ended abnormally (exit status {status}: a crash, or out of memory?)"
            )
    finally:
        spawned.kill()
        if warm.wait_exit(spawned, EXIT_SECONDS) is None and spawned.alive():
            problem = problem or "the worker could not be stopped"
        spawned.close()
    return WorkerRun(results, isolation, time.monotonic() - start, problem, calls)
