"""What the grader measures of a worker, from the kernel's own files, before handing it a job.

The worker says :class:`~.protocol.Ready` once its sandbox is built and
before any student code has run; the grader then reads ``/proc/<pid>/`` of
that process (its status, namespaces, limits, mount table and root), which
the worker cannot write, and hands the job over only if every facility its
backend requires is enforced. Nothing a sandbox enforces can be relaxed from
inside it later (capabilities, seccomp filters, namespaces and hard limits
only ever tighten), so this is what the student's code ran under. The
report, facility by facility, goes into the student's result.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from autograder.isolation import rootfs
from autograder.isolation.limits import Limits

NAMESPACES = ("user", "mnt", "pid", "net", "ipc", "uts")
_LIMIT = re.compile(r"^(Max [a-z ]+?)\s{2,}(\S+)\s+(\S+)")
DEVICE_NODES = tuple(f"/dev/{name}" for name in rootfs.DEVICES)


@dataclass(frozen=True)
class Facility:
    enforced: bool
    detail: str

    def text(self) -> str:
        return f"{'enforced' if self.enforced else 'not enforced'}: {self.detail}"


@dataclass(frozen=True)
class Subject:
    """What the measurement is checked against."""

    limits: Limits
    private: tuple[str, ...]  # must not exist in the worker's world
    enclosing: tuple[str, ...]  # may exist only as far as the allow-list needs (the course folder, the home)
    binds: tuple[str, ...]  # the allow-list


def _status(pid: int) -> dict[str, str]:
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        fields[key] = value.strip()
    return fields


def _namespaces(pid: int | str) -> dict[str, str]:
    return {name: os.readlink(f"/proc/{pid}/ns/{name}") for name in NAMESPACES}


def _limits(pid: int) -> dict[str, str]:
    found = {}
    for line in Path(f"/proc/{pid}/limits").read_text().splitlines():
        match = _LIMIT.match(line)
        if match:
            found[match.group(1)] = match.group(3)  # the hard limit
    return found


def _mounts(pid: int) -> list[tuple[str, bool, str, str]]:
    """(mount point, writable, file-system type, super options) of each mount the worker sees."""
    mounts = []
    for line in Path(f"/proc/{pid}/mountinfo").read_text().splitlines():
        before, _, after = line.partition(" - ")
        fields, tail = before.split(), after.split()
        point = fields[4].encode().decode("unicode_escape")
        mounts.append((point, fields[5].split(",")[0] == "rw", tail[0], tail[2] if len(tail) > 2 else ""))
    return mounts


def _limit(found: dict[str, str], name: str, wanted: int, unit: str) -> Facility:
    value = found.get(name, "?")
    if value == str(wanted):
        shown = f"{wanted // 2**20} MB" if unit == "bytes" else f"{wanted} {unit}"
        return Facility(True, f"at most {shown} (a hard limit)")
    return Facility(False, f"the limit is {value}, not {wanted}")


def _exists(path: str) -> bool:
    try:
        os.lstat(path)
    except FileNotFoundError:
        return False
    return True


def _files(pid: int, subject: Subject, mounts: list[tuple[str, bool, str, str]]) -> Facility:
    root = f"/proc/{pid}/root"
    if not mounts or mounts[0][0] != "/" or mounts[0][2] != "tmpfs" or mounts[0][1]:
        return Facility(False, "its root is not the read-only tmpfs of an allow-list")
    allowed = {rootfs.SCRATCH, "/tmp", "/dev/shm", "/proc", *DEVICE_NODES}
    writable = sorted({point for point, rw, _, _ in mounts if rw and point not in allowed})
    if writable:
        return Facility(False, f"it can write {', '.join(writable)}")
    seen = [path for path in subject.private if _exists(root + path)]
    if seen:
        return Facility(False, f"it can see {', '.join(seen)}")
    for folder in subject.enclosing:
        if not os.path.isdir(root + folder):
            continue
        for entry in os.listdir(root + folder):
            inner = f"{folder.rstrip('/')}/{entry}"
            if not any(bind == inner or bind.startswith(inner + "/") for bind in subject.binds):
                return Facility(False, f"it can see {inner}")
    binds = sum(1 for _, rw, _, _ in mounts if not rw) - 1
    return Facility(
        True,
        f"own mount namespace; its root holds only {binds} read-only paths (the system, Python, the "
        f"environment, this package); {len(subject.private)} private paths checked absent",
    )


def _scratch(mounts: list[tuple[str, bool, str, str]], limits: Limits) -> Facility:
    sizes = {point: options for point, _, fs, options in mounts if fs == "tmpfs"}
    wanted = {rootfs.SCRATCH: limits.scratch_bytes, "/tmp": limits.tmp_bytes, "/dev/shm": limits.shm_bytes}
    shown = []
    for point, size in wanted.items():
        match = re.search(r"size=(\d+)k", sizes.get(point, ""))
        if not match or int(match.group(1)) * 1024 > size:
            return Facility(False, f"{point} is not a tmpfs of at most {size // 2**20} MB")
        shown.append(f"{point} {size // 2**20} MB")
    return Facility(True, "private tmpfs, each capped: " + ", ".join(shown))


def measure_process(pid: int, subject: Subject) -> dict[str, Facility]:
    """What every backend is measured on: identity, capabilities, no_new_privs, seccomp and limits."""
    status = _status(pid)
    own_user = _namespaces("self")["user"] != _namespaces(pid)["user"]
    limits = _limits(pid)
    uids = status.get("Uid", "0").split()
    report = {}
    if "0" in uids:
        report["identity"] = Facility(False, "it runs as root")
    elif own_user:
        report["identity"] = Facility(True, f"uid {uids[0]} outside, in a user namespace of its own")
    else:
        report["identity"] = Facility(True, f"uid {uids[0]}, which owns nothing")
    caps = {key: status.get(key, "?") for key in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb")}
    none = all(set(value) == {"0"} for value in caps.values())
    report["capabilities"] = Facility(none, "none (all five sets empty)" if none else f"it holds {caps}")
    report["no_new_privs"] = Facility(status.get("NoNewPrivs") == "1", "set: no program it starts gains privileges")
    filters = status.get("Seccomp_filters", "?")
    report["seccomp"] = Facility(
        status.get("Seccomp") == "2",
        f"{filters} filter(s): no new process or program; mount, namespaces, ptrace, bpf, keyrings... denied",
    )
    report["memory"] = _limit(limits, "Max address space", subject.limits.memory_bytes, "bytes")
    report["file size"] = _limit(limits, "Max file size", subject.limits.file_bytes, "bytes")
    report["open files"] = _limit(limits, "Max open files", subject.limits.open_files, "files")
    report["threads"] = _limit(limits, "Max processes", subject.limits.processes, "threads")
    return report


def measure(pid: int, subject: Subject) -> dict[str, Facility]:
    """Every facility of a worker of the namespaces backend, as the kernel shows it to the grader."""
    report = measure_process(pid, subject)
    status = _status(pid)
    mine, theirs = _namespaces("self"), _namespaces(pid)
    own = {name: mine[name] != theirs[name] for name in NAMESPACES}
    mounts = _mounts(pid) if own["mnt"] else []
    pid_ns = own["pid"] and status.get("NSpid", "").split()[-1:] == ["1"]
    report["processes"] = Facility(pid_ns, "PID 1 of its own PID namespace: all of it ends with it")
    interfaces = []
    if own["net"]:
        lines = Path(f"/proc/{pid}/net/dev").read_text().splitlines()[2:]
        interfaces = [line.split(":")[0].strip() for line in lines]
    report["network"] = Facility(
        own["net"] and interfaces == ["lo"], f"own network namespace, interfaces: {', '.join(interfaces) or 'none'}"
    )
    report["ipc"] = Facility(own["ipc"], "own IPC namespace")
    report["files"] = _files(pid, subject, mounts) if own["mnt"] else Facility(False, "no mount namespace")
    report["scratch"] = _scratch(mounts, subject.limits) if mounts else Facility(False, "no private tmpfs")
    return report


def missing(report: dict[str, Facility], required: Sequence[str]) -> list[str]:
    """The required facilities the measurement did not find enforced, with what it found."""
    return [
        f"{name} ({report[name].detail})" if name in report else name
        for name in required
        if name not in report or not report[name].enforced
    ]
