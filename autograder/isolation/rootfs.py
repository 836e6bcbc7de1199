"""The worker's file system: an allow-list, built on an empty tmpfs.

Nothing of the host exists in a worker's world unless it is listed here: the
system's programs and libraries, the Python installation and the
environment's packages (from the warm process's ``sys.path``), and this
package, each bound read-only at the path it has on the host (so that module
paths stay valid). Around them the worker gets a fresh ``/proc`` of its own
PID namespace, a few device nodes, a read-only home with an empty Keras
folder, and three size-capped tmpfs it may write: its working folder
``/scratch``, ``/tmp`` and ``/dev/shm``.

A path is never bound when it is the course folder, the grader's home or an
ancestor of either, or when it holds or lies in a private folder (the
solutions, the course's ``.git``, the submissions, the output folder): such
``sys.path`` entries are left out, and the plan says so.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from autograder.isolation import linux
from autograder.isolation.limits import Limits

SYSTEM = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
ETC_FILES = ("/etc/ld.so.cache", "/etc/localtime")
DEVICES = ("null", "zero", "full", "random", "urandom")
SCRATCH = "/scratch"
HOME = "/home/student"
WRITABLE = (SCRATCH, "/tmp", "/dev/shm")  # with /proc and the device nodes, the only mounts that are not read-only
RESERVED = ("/proc", "/dev", "/sys", SCRATCH, HOME)
INODES = 65536  # files in each writable tmpfs


@dataclass(frozen=True)
class RootPlan:
    """What a worker's root holds: host paths bound read-only, top-level links, and what was left out."""

    binds: tuple[str, ...]
    links: tuple[tuple[str, str], ...]
    refused: tuple[str, ...] = ()


def _within(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def refusal(path: str, enclosing: Sequence[str], private: Sequence[str]) -> str | None:
    """Why ``path`` may not be bound (None when it may): it would show a private or enclosing folder,
    or lie where the sandbox mounts its own."""
    for folder in RESERVED:
        if _within(path, folder):
            return f"the sandbox has its own {folder}"
    for folder in enclosing:
        if _within(folder, path):
            return f"it holds {folder}"
    for folder in private:
        if _within(folder, path) or _within(path, folder):
            return f"it shows {folder}"
    return None


def plan(package_dir: str, enclosing: Sequence[str], private: Sequence[str]) -> RootPlan:
    """The allow-list for a worker forked from this process (its ``sys.path`` is the worker's)."""
    links: list[tuple[str, str]] = []
    candidates: list[str] = []
    for path in SYSTEM:
        if os.path.islink(path):
            links.append((path, os.readlink(path)))
        elif os.path.isdir(path):
            candidates.append(path)
    prefixes = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
    for entry in [*prefixes, *sys.path, package_dir]:
        if entry and os.path.isabs(entry) and os.path.isdir(entry):
            candidates += [os.path.normpath(entry), os.path.realpath(entry)]
    candidates += [path for path in ETC_FILES if os.path.isfile(path)]
    binds: list[str] = []
    refused: list[str] = []
    for path in sorted(set(candidates), key=lambda p: (p.count("/"), p)):
        if any(_within(path, bound) for bound in binds):
            continue  # already inside a bound folder
        why = refusal(path, enclosing, private)
        if why:
            refused.append(f"{path} ({why})")
        else:
            binds.append(path)
    return RootPlan(tuple(binds), tuple(links), tuple(refused))


def _make(target: Path, like: str) -> None:
    if os.path.isdir(like):
        target.mkdir(parents=True, exist_ok=True)
    else:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.touch()


def _tmpfs(target: Path, size: int, mode: str = "1777") -> None:
    target.mkdir(parents=True, exist_ok=True)
    flags = linux.MS_NOSUID | linux.MS_NODEV
    linux.mount("tmpfs", target, "tmpfs", flags, f"size={max(size, 4096)},nr_inodes={INODES},mode={mode}")


def _etc(new: Path, uid: int, gid: int) -> None:
    etc = new / "etc"
    etc.mkdir(exist_ok=True)
    (etc / "passwd").write_text(
        f"root:x:0:0:root:/:/usr/sbin/nologin\nstudent:x:{uid}:{gid}:student:{HOME}:/bin/sh\n"
        "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n"
    )
    (etc / "group").write_text(f"root:x:0:\nstudent:x:{gid}:\nnogroup:x:65534:\n")
    (etc / "hostname").write_text("sandbox\n")


def _dev(new: Path, limits: Limits) -> None:
    dev = new / "dev"
    dev.mkdir(exist_ok=True)
    for name in DEVICES:
        node = dev / name
        node.touch()
        linux.mount(f"/dev/{name}", node, None, linux.MS_BIND)
    for name, target in (("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"), ("stdout", "/proc/self/fd/1")):
        (dev / name).symlink_to(target)
    (dev / "stderr").symlink_to("/proc/self/fd/2")
    _tmpfs(dev / "shm", limits.shm_bytes)


def build(root: RootPlan, mountpoint: str, limits: Limits, uid: int, gid: int) -> None:
    """Make the calling process's root the planned one (in a new mount namespace, with CAP_SYS_ADMIN there).

    ``mountpoint`` is an empty folder of the host to build on; ``uid``/``gid`` are the
    worker's identity inside, for its ``/etc/passwd``. Must run in the worker's new
    PID namespace, for its ``/proc``.
    """
    linux.mount(None, "/", None, linux.MS_REC | linux.MS_PRIVATE)
    linux.mount("tmpfs", mountpoint, "tmpfs", linux.MS_NOSUID | linux.MS_NODEV, "size=4m,nr_inodes=4096,mode=0755")
    new = Path(mountpoint)
    _etc(new, uid, gid)
    _dev(new, limits)
    (new / "proc").mkdir()
    # A fresh procfs shows only this PID namespace; mounted before the old root goes, as the kernel requires.
    linux.mount("proc", new / "proc", "proc", linux.MS_NOSUID | linux.MS_NODEV | linux.MS_NOEXEC)
    _tmpfs(new / "tmp", limits.tmp_bytes)
    _tmpfs(new / SCRATCH.lstrip("/"), limits.scratch_bytes)
    (new / HOME.lstrip("/") / ".keras").mkdir(parents=True)
    # The binds last: one below /tmp (a course copied there) lands inside the private /tmp, not under it.
    for path in root.binds:
        target = new / path.lstrip("/")
        _make(target, path)
        linux.bind_read_only(path, target)
    for path, target in root.links:
        (new / path.lstrip("/")).symlink_to(target)
    old = new / ".old"
    old.mkdir()
    linux.pivot_root(new, old)
    os.chdir("/")
    linux.unmount("/.old", linux.MNT_DETACH)
    os.rmdir("/.old")
    linux.remount_read_only("/")
    os.chdir(SCRATCH)
