"""Isolating a worker process, as far as this Linux machine allows.

Called in the worker right after it is forked. Each facility is tried and
reported, enforced or not (with the reason), so that a result can say how it
was obtained:

- a process group of its own, killed as a whole after the submission;
- a PID namespace: the student's code runs as PID 1 of its own namespace, so
  when it ends every process it started ends too, even one that called setsid;
- a network namespace with no interfaces but loopback: no network;
- a mount namespace in which the course's private folders, the other
  submissions and the output folder are covered by empty read-only tmpfs;
- resource limits: address space, file size, no core dumps;
- a fresh empty working folder, and stdout/stderr sent to /dev/null.
"""

from __future__ import annotations

import ctypes
import os
import resource
import signal
from collections.abc import Sequence
from dataclasses import dataclass

CLONE_NEWNS = 0x00020000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
MS_RDONLY = 0x1
MS_REC = 0x4000
MS_PRIVATE = 0x40000
PR_SET_PDEATHSIG = 1


@dataclass(frozen=True)
class Limits:
    """What a worker may use. TensorFlow aborts under an address-space limit much below 4 GB."""

    timeout: float = 120.0
    memory_bytes: int = 6 * 2**30
    file_bytes: int = 512 * 2**20


def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)


def _unshare(flags: int) -> str | None:
    if _libc().unshare(flags) != 0:
        return os.strerror(ctypes.get_errno())
    return None


def _hide(paths: Sequence[str]) -> str | None:
    libc = _libc()
    if libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None) != 0:
        return f"making / private failed: {os.strerror(ctypes.get_errno())}"
    for path in paths:
        if not os.path.isdir(path):
            continue
        if libc.mount(b"tmpfs", path.encode(), b"tmpfs", MS_RDONLY, b"size=4k,mode=000") != 0:
            return f"covering {path} failed: {os.strerror(ctypes.get_errno())}"
    return None


def die_with_parent() -> str:
    """Be killed when the parent process ends (Linux's parent-death signal), so that a grader killed
    with SIGKILL leaves no worker behind: the warm process exits with the grader, its worker with it,
    and the worker's PID namespace with the worker. Returns what was enforced."""
    parent = os.getppid()
    if _libc().prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
        return f"not enforced: prctl failed: {os.strerror(ctypes.get_errno())}"
    if os.getppid() != parent:  # the parent ended before the signal was armed
        os._exit(1)
    return "enforced: killed when the grader ends, even by SIGKILL"


def enter(workdir: str, hidden: Sequence[str], limits: Limits) -> dict[str, str]:
    """Isolate the calling (freshly forked) process; returns facility -> what happened."""
    report: dict[str, str] = {"orphans": die_with_parent()}
    os.setsid()
    report["process group"] = "enforced: own session, killed as a group when the submission ends"
    failure = _unshare(CLONE_NEWNET)
    report["network"] = (
        "enforced: own network namespace, no interfaces" if failure is None else f"not enforced: {failure}"
    )
    failure = _unshare(CLONE_NEWNS) or _hide(hidden)
    report["files"] = (
        f"enforced: {len(hidden)} private folders covered by empty tmpfs"
        if failure is None
        else f"not enforced: {failure}"
    )
    os.chdir(workdir)
    report["working folder"] = "enforced: a fresh empty folder"
    for name, limit, value in (
        ("memory", resource.RLIMIT_AS, limits.memory_bytes),
        ("file size", resource.RLIMIT_FSIZE, limits.file_bytes),
        ("core dumps", resource.RLIMIT_CORE, 0),
    ):
        try:
            resource.setrlimit(limit, (value, value))
            report[name] = f"enforced: limit {value // 2**20} MB" if value else "enforced: none"
        except (ValueError, OSError) as error:
            report[name] = f"not enforced: {error}"
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    os.close(devnull)
    report["output"] = "enforced: stdout and stderr discarded"
    return report


def fork_into_pid_namespace() -> tuple[int, str]:
    """Fork so that the child is PID 1 of a new PID namespace.

    Returns (pid, note) like ``os.fork``: 0 in the child. Without the
    namespace it is a plain fork, and the note says so.
    """
    failure = _unshare(CLONE_NEWPID)
    note = (
        "enforced: own PID namespace, all its processes end with it" if failure is None else f"not enforced: {failure}"
    )
    return os.fork(), note
