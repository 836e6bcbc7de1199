"""The Landlock sandbox, for a root grader where no namespace can be made (a container, Gradescope).

Docker's default profile gives root no CAP_SYS_ADMIN and refuses user
namespaces, so the namespaces backend cannot start there; Landlock and
seccomp need no privilege. The leader (root, a fresh child of the warm
process) gives the worker a folder of its own, then the worker:

1. restricts itself with Landlock to reading the allow-list of
   :mod:`.rootfs` (the system, Python, the environment, this package) and
   ``/proc``, reading and writing its own folder and a few device nodes, no
   TCP, and, on Linux 6.12 and later, no abstract Unix socket or signal outside
   itself;
2. takes hard resource limits;
3. becomes uid ``uid_base + slot`` (a uid of its own, which owns nothing: file
   permissions alone already keep every private file of a root-owned course
   out of its reach), drops every capability, sets no_new_privs;
4. installs the seccomp filter, here without sockets (only socket pairs):
   without a network namespace a Unix socket of the host could be reached;
5. checks, before any student code, that it can reach none of the private
   paths, and reports that with its ready message.

What it does not have, where the namespaces backend does: a PID namespace
(it sees the host's processes in /proc, but can signal and trace none: other
uids, seccomp, Landlock scopes), a mount namespace (the allow-list is
Landlock's), a size cap on its folder (the leader measures it five times a
second and stops a worker over the limit).
"""

from __future__ import annotations

import os
import resource
import select
import shutil
import signal
import stat
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from autograder.isolation import landlock, linux, rootfs, seccomp
from autograder.isolation.backend import Sandbox, WorkerBody, register
from autograder.isolation.measure import Facility, Subject, measure_process
from autograder.isolation.namespaces import set_limit

SETUP_FAILED = 125
FOLDER_FULL = 123
POLL_SECONDS = 0.2
DEVICES = tuple(f"/dev/{name}" for name in rootfs.DEVICES)


MAX_ENTRIES = 65536  # files and folders in a worker's folder (a tmpfs of the namespaces backend has as many)


def _size(folder: Path) -> int:
    """The bytes in ``folder``; past MAX_ENTRIES entries, more than any limit (so that measuring stays cheap)."""
    total = entries = 0
    for path, folders, files in os.walk(folder):
        entries += len(folders) + len(files)
        if entries > MAX_ENTRIES:
            return 2**63
        for name in files:
            try:
                total += os.lstat(os.path.join(path, name)).st_blocks * 512
            except OSError:
                continue
    return total


def hidden_from_others(paths: list[str]) -> str | None:
    """The first folder on the way to ``paths`` that others cannot pass through or read, if any (a
    quick look at the permission bits; the worker's own check is the real one)."""
    for path in paths:
        parts = Path(path).resolve().parts
        for depth in range(1, len(parts) + 1):
            folder = Path(*parts[:depth])
            try:
                mode = folder.stat().st_mode
            except OSError:
                continue
            if not mode & stat.S_IXOTH or (depth == len(parts) and not mode & stat.S_IROTH):
                return str(folder)
    return None


def reachable(paths: list[str]) -> list[str]:
    """The paths this process can list, read or write (from inside the sandbox: none may be)."""
    found = []
    for path in paths:
        try:
            if os.path.isdir(path):
                os.listdir(path)
            else:
                with open(path, "rb") as handle:
                    handle.read(1)
        except OSError:
            continue
        found.append(path)
    return found


@register
class Landlocked(Sandbox):
    name = "landlock"
    required = (
        "identity",
        "capabilities",
        "no_new_privs",
        "seccomp",
        "files",
        "threads",
        "memory",
        "file size",
        "open files",
    )

    @classmethod
    def problem(cls) -> str | None:
        if os.geteuid() != 0:
            return "the Landlock sandbox is for a root grader (it gives each worker a uid of its own)"
        if landlock.abi() < 1:
            return "this kernel has no Landlock (Linux 5.13 and later, with it switched on), or a container denies it"
        private = hidden_from_others([sys.prefix, sys.base_prefix, str(Path(__file__).resolve().parents[1])])
        if private:
            return (
                f"others cannot read {private}: with no namespace, a worker reads Python and the environment "
                "through file permissions, so they must be readable by others (chmod o+rX), as in a container image"
            )
        return None

    @classmethod
    def status(cls, code: int) -> str | None:
        if code == FOLDER_FULL:
            return f"its working folder passed its limit (size, or {MAX_ENTRIES} files), so it was stopped"
        return None

    @classmethod
    def assess(cls, pid: int, subject: Subject, report: dict[str, str]) -> dict[str, Facility]:
        facilities = measure_process(pid, subject)
        checked, reached = report.get("checked", "0"), report.get("reachable", "")
        facilities["files"] = Facility(
            report.get("landlock", "0") != "0" and not reached and checked != "0",
            f"Landlock ABI {report.get('landlock', '?')}: reads only the allow-list and /proc, writes only its own "
            f"folder; checked before any student code: {checked} private paths unreachable"
            + (f", but it reached {reached}" if reached else ""),
        )
        facilities["processes"] = Facility(True, "one process (seccomp: no fork, no program)")
        facilities["network"] = Facility(True, "no socket at all, only socket pairs (seccomp)")
        facilities["scratch"] = Facility(
            True,
            f"its own folder, measured 5 times a second and stopped over {subject.limits.scratch_bytes // 2**20} "
            "MB; no /tmp or /dev/shm (Landlock)",
        )
        return facilities

    def run(self, slot: int, body: WorkerBody, announce: Callable[[int], None]) -> int:
        uid = gid = self.config.uid_base + slot
        folder = Path(self.config.mountpoint) / f"worker-{os.getpid()}"
        try:
            folder.mkdir(mode=0o700)
            os.chown(folder, uid, gid)
        except OSError as error:
            body.failed("making the worker's folder", error)
            return SETUP_FAILED
        pid = os.fork()
        if pid == 0:
            self._enter(folder, uid, gid, body)
        announce(pid)
        body.release()
        try:
            return self._wait(pid, folder)
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def _wait(self, pid: int, folder: Path) -> int:
        """Wait for the worker, stopping it when its folder passes the size limit (measured every
        POLL_SECONDS; its end is seen at once, through a pidfd)."""
        pidfd = os.pidfd_open(pid)
        try:
            while not select.select([pidfd], [], [], POLL_SECONDS)[0]:
                if _size(folder) > self.config.limits.scratch_bytes:
                    signal.pidfd_send_signal(pidfd, signal.SIGKILL)
                    os.waitpid(pid, 0)
                    return FOLDER_FULL
        finally:
            os.close(pidfd)
        _, status = os.waitpid(pid, 0)
        return os.waitstatus_to_exitcode(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status)

    def _enter(self, folder: Path, uid: int, gid: int, body: WorkerBody) -> None:
        body.keep_only_channels()
        step = "starting the worker"
        try:
            os.setsid()
            os.chdir(folder)
            step = "setting resource limits"
            limits = self.config.limits
            set_limit(resource.RLIMIT_AS, limits.memory_bytes)
            set_limit(resource.RLIMIT_FSIZE, limits.file_bytes)
            set_limit(resource.RLIMIT_NPROC, limits.processes)
            set_limit(resource.RLIMIT_NOFILE, limits.open_files)
            set_limit(resource.RLIMIT_CORE, 0)
            with open("/proc/self/oom_score_adj", "w") as handle:
                handle.write("1000")
            step = "restricting the file system with Landlock"
            version = landlock.restrict([*self.config.root.binds, "/proc"], [str(folder)], DEVICES)
            step = "giving up privileges"
            linux.drop_privileges(uid, gid)
            step = "checking what the worker can read"
            linux.set_dumpable(True)
            linux.set_parent_death_signal(signal.SIGKILL)
            unreadable = [p for p in self.config.root.binds if not os.access(p, os.R_OK)]
            if unreadable:
                raise PermissionError(
                    f"uid {uid} cannot read {', '.join(unreadable)}: with no namespace, the worker reads Python and "
                    "the environment through file permissions, so they must be readable by others (chmod o+rX), "
                    "as in a container image"
                )
            step = "installing the seccomp filter"
            seccomp.install(sockets=False)
            home = str(folder)
            os.environ.update(HOME=home, KERAS_HOME=f"{home}/.keras", TMPDIR=home, MPLCONFIGDIR=f"{home}/.matplotlib")
            tempfile.tempdir = home  # the warm process found /tmp already, which Landlock now refuses
            private = [*self.config.private, *self.config.enclosing, "/tmp", "/dev/shm", "/root", "/home", "/etc"]
            reached = reachable([p for p in private if os.path.lexists(p)])
        except Exception as error:
            body.failed(step, error)
            os._exit(SETUP_FAILED)
        report = {"landlock": str(version), "checked": str(len(private)), "reachable": ", ".join(reached)}
        body.serve(report)
        os._exit(0)
