"""The Linux namespaces sandbox: the default wherever the kernel allows it.

The leader (a fresh child of the warm process) enters new mount, PID,
network, IPC, UTS and cgroup namespaces, and forks the worker as PID 1 of the
new PID namespace. The privilege to build the worker's world comes from a new
user namespace when the grader is an ordinary user (unprivileged user
namespaces), or from root itself; either way it is given up before any
student code runs:

1. the worker's root becomes the allow-list of :mod:`.rootfs` (nothing of the
   course folder, the home folder or the other workers exists there);
2. hard resource limits: address space, processes, file size, open files, no
   core dumps, and the OOM killer's first choice;
3. identity: an ordinary grader's worker is uid 1000 of its own user
   namespace (the grader's uid outside, with no capability over anything
   outside); a root grader's worker becomes uid ``uid_base + slot``, a uid of
   its own that owns nothing;
4. every capability dropped for good, no_new_privs, and a seccomp filter;
5. a parent-death signal, so that the namespace ends with the leader (and the
   leader with the warm process, and that with the grader).

Why not bubblewrap or nsjail: both start a new program, and a worker must be a
fork of the warm process (importing TensorFlow takes 5 to 7 s of CPU, more
than grading a whole submission). They would re-import it per student. The
calls made here are the ones those tools make, on the same kernel objects.
"""

from __future__ import annotations

import os
import resource
import signal
import socket
from collections.abc import Callable
from pathlib import Path

from autograder.isolation import linux, rootfs, seccomp
from autograder.isolation.backend import Sandbox, WorkerBody, register
from autograder.isolation.measure import Facility, Subject, measure

INNER_UID = INNER_GID = 1000  # an ordinary grader's worker, inside its user namespace
SETUP_FAILED = 125

ENVIRONMENT = {
    "HOME": rootfs.HOME,
    "KERAS_HOME": f"{rootfs.HOME}/.keras",
    "TMPDIR": "/tmp",
    "MPLCONFIGDIR": "/tmp/matplotlib",
    "PATH": "/usr/local/bin:/usr/bin:/bin",
}


def _write(path: str, text: str) -> None:
    with open(path, "w") as handle:
        handle.write(text)


def userns_problem() -> str | None:
    """Why an ordinary user cannot have a user namespace with privileges here, as far as sysctls tell."""
    checks = (
        ("/proc/sys/kernel/unprivileged_userns_clone", "0", "sudo sysctl -w kernel.unprivileged_userns_clone=1"),
        ("/proc/sys/user/max_user_namespaces", "0", "sudo sysctl -w user.max_user_namespaces=15000"),
    )
    for path, off, fix in checks:
        try:
            if Path(path).read_text().strip() == off:
                return f"unprivileged user namespaces are switched off ({path} is {off}): {fix}"
        except OSError:
            continue
    return None


CAP_SYS_ADMIN = 21
ROOT_WITHOUT_SYS_ADMIN = (
    "this root lacks CAP_SYS_ADMIN, as in a container: run the container with `--cap-add SYS_ADMIN "
    "--security-opt seccomp=unconfined --security-opt apparmor=unconfined`, or grade as an ordinary user on a "
    "machine that allows user namespaces"
)


def has_capability(number: int) -> bool:
    """Whether this process holds capability ``number`` in its effective set."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("CapEff:"):
                return bool(int(line.split()[1], 16) >> number & 1)
    except (OSError, ValueError):
        pass
    return False


def apparmor_restricts_userns() -> bool:
    """Whether AppArmor takes the capabilities of unprivileged user namespaces away (Ubuntu 23.10 and later)."""
    try:
        return Path("/proc/sys/kernel/apparmor_restrict_unprivileged_userns").read_text().strip() == "1"
    except OSError:
        return False


def set_limit(kind: int, value: int) -> None:
    """A hard limit (never above the one already set, which only root could raise)."""
    hard = resource.getrlimit(kind)[1]
    value = value if hard == resource.RLIM_INFINITY else min(value, hard)
    resource.setrlimit(kind, (value, value))


@register
class Namespaces(Sandbox):
    name = "namespaces"
    required = (
        "identity",
        "capabilities",
        "no_new_privs",
        "seccomp",
        "files",
        "processes",
        "threads",
        "network",
        "ipc",
        "memory",
        "file size",
        "open files",
        "scratch",
    )

    @classmethod
    def assess(cls, pid: int, subject: Subject, report: dict[str, str]) -> dict[str, Facility]:
        return measure(pid, subject)

    @classmethod
    def problem(cls) -> str | None:
        if not Path("/proc/self/ns").is_dir():
            return "this sandbox needs Linux namespaces"
        if os.geteuid() == 0:
            return None if has_capability(CAP_SYS_ADMIN) else ROOT_WITHOUT_SYS_ADMIN
        return userns_problem()

    @classmethod
    def advice(cls, step: str, error: str) -> str:
        said = f"{step} failed ({error})"
        denied = "Permission denied" in error or "Operation not permitted" in error
        if os.geteuid() == 0:
            return f"{said}: {ROOT_WITHOUT_SYS_ADMIN}" if step == "creating the namespaces" and denied else said
        if step == "creating the namespaces":
            return f"{said}: {userns_problem() or 'this machine (or container) allows no user namespaces'}"
        if apparmor_restricts_userns() and denied:
            return (
                f"{said}: AppArmor takes the privileges of unprivileged user namespaces away on this machine "
                "(kernel.apparmor_restrict_unprivileged_userns = 1, Ubuntu 23.10 and later). Either allow them "
                "for this Python only, with the AppArmor profile in docs/instructors.md ('Ubuntu 24.04'), or "
                "for the whole machine: sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0"
            )
        return said

    def run(self, slot: int, body: WorkerBody, announce: Callable[[int], None]) -> int:
        privileged = os.geteuid() == 0
        try:
            flags = linux.CLONE_NEWNS | linux.CLONE_NEWPID | linux.CLONE_NEWNET | linux.CLONE_NEWIPC
            flags |= linux.CLONE_NEWUTS | linux.CLONE_NEWCGROUP
            if privileged:
                linux.unshare(flags)
                uid = gid = self.config.uid_base + slot
            else:
                outer_uid, outer_gid = os.getuid(), os.getgid()
                linux.unshare(flags | linux.CLONE_NEWUSER)
                _write("/proc/self/setgroups", "deny")
                _write("/proc/self/uid_map", f"{INNER_UID} {outer_uid} 1\n")
                _write("/proc/self/gid_map", f"{INNER_GID} {outer_gid} 1\n")
                uid, gid = INNER_UID, INNER_GID
        except OSError as error:
            body.failed("creating the namespaces", error)
            return SETUP_FAILED
        pid = os.fork()
        if pid:
            announce(pid)
            body.release()
            _, status = os.waitpid(pid, 0)
            return os.waitstatus_to_exitcode(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status)
        body.keep_only_channels()
        step = "building the file system"
        try:
            rootfs.build(self.config.root, self.config.mountpoint, self.config.limits, uid, gid)
            socket.sethostname("sandbox")  # its own UTS namespace: the host's name is not its business
            step = "setting resource limits"
            self._limit()
            step = "giving up privileges"
            linux.drop_privileges(uid if privileged else None, gid if privileged else None)
            linux.set_dumpable(True)  # so that the grader (its parent's parent) can measure it in /proc
            linux.set_parent_death_signal(signal.SIGKILL)
            step = "installing the seccomp filter"
            seccomp.install(sockets=True)
            os.environ.update(ENVIRONMENT)
        except Exception as error:
            body.failed(step, error)
            os._exit(SETUP_FAILED)
        body.serve()
        os._exit(0)

    def _limit(self) -> None:
        limits = self.config.limits
        set_limit(resource.RLIMIT_AS, limits.memory_bytes)
        set_limit(resource.RLIMIT_FSIZE, limits.file_bytes)
        set_limit(resource.RLIMIT_NPROC, limits.processes)
        set_limit(resource.RLIMIT_NOFILE, limits.open_files)
        set_limit(resource.RLIMIT_CORE, 0)
        _write("/proc/self/oom_score_adj", "1000")  # out of memory, the kernel ends a worker, not the grader
