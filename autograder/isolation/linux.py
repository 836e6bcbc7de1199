"""The Linux calls the sandbox makes that Python's ``os`` module lacks, through ctypes.

Each wrapper raises ``OSError`` with the call and the reason, so that a
sandbox that cannot be built says exactly which step failed. Syscall numbers
differ between architectures: they come from libseccomp's table
(:func:`autograder.isolation.syscall_number`), never from a constant
written here.
"""

from __future__ import annotations

import ctypes
import functools
import os
from pathlib import Path

from autograder.isolation.syscalls import syscall_number

# <sched.h>
CLONE_NEWNS = 0x00020000
CLONE_NEWCGROUP = 0x02000000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
NAMESPACE_FLAGS = (
    CLONE_NEWNS,
    CLONE_NEWCGROUP,
    CLONE_NEWUTS,
    CLONE_NEWIPC,
    CLONE_NEWUSER,
    CLONE_NEWPID,
    CLONE_NEWNET,
)

# <sys/mount.h>
MS_RDONLY = 0x1
MS_NOSUID = 0x2
MS_NODEV = 0x4
MS_NOEXEC = 0x8
MS_REMOUNT = 0x20
MS_NOATIME = 0x400
MS_NODIRATIME = 0x800
MS_BIND = 0x1000
MS_REC = 0x4000
MS_PRIVATE = 0x40000
MS_RELATIME = 0x200000
MS_STRICTATIME = 0x1000000
MNT_DETACH = 0x2
# statvfs f_flag bits that a read-only remount of a bind in a user namespace must keep (the kernel
# refuses to clear a flag the original mount was locked with)
_KEPT_FLAGS = (MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_NOATIME, MS_NODIRATIME, MS_RELATIME)
_ST_FLAGS_TO_MS = {1: MS_RDONLY, 2: MS_NOSUID, 4: MS_NODEV, 8: MS_NOEXEC, 1024: MS_NOATIME, 2048: MS_NODIRATIME}
_ST_RELATIME = 4096

# <sys/prctl.h>
PR_SET_PDEATHSIG = 1
PR_SET_DUMPABLE = 4
PR_CAPBSET_DROP = 24
PR_SET_SECUREBITS = 28
PR_SET_NO_NEW_PRIVS = 38
PR_SET_CHILD_SUBREAPER = 36
PR_CAP_AMBIENT = 47
PR_CAP_AMBIENT_CLEAR_ALL = 4
# <linux/securebits.h>: uid 0 gives no capability (on exec or setuid), no ambient raise, all locked
SECBITS_LOCKED_NOROOT = 0xEF  # NOROOT, NO_SETUID_FIXUP, NO_CAP_AMBIENT_RAISE, each with its lock, KEEP_CAPS_LOCKED

_LINUX_CAPABILITY_VERSION_3 = 0x20080522


@functools.cache
def _libc() -> ctypes.CDLL:
    libc = ctypes.CDLL(None, use_errno=True)
    libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_char_p]
    libc.umount2.argtypes = [ctypes.c_char_p, ctypes.c_int]
    libc.unshare.argtypes = [ctypes.c_int]
    libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
    libc.syscall.restype = ctypes.c_long
    return libc


def _check(result: int, what: str) -> int:
    if result < 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"{what}: {os.strerror(errno)}")
    return result


def _bytes(path: str | Path | None) -> bytes | None:
    return None if path is None else os.fsencode(path)


def unshare(flags: int) -> None:
    _check(_libc().unshare(flags), "unshare")


def mount(source: str | None, target: str | Path, fstype: str | None, flags: int, data: str | None = None) -> None:
    result = _libc().mount(_bytes(source), _bytes(target), _bytes(fstype), flags, data.encode() if data else None)
    _check(result, f"mount {fstype or source or ''} on {target}")


def unmount(target: str | Path, flags: int = 0) -> None:
    _check(_libc().umount2(_bytes(target), flags), f"umount {target}")


def _mount_flags(path: str | Path) -> int:
    """The MS_* flags of the mount ``path`` is on, as a remount must repeat them."""
    st = os.statvfs(path)
    flags = 0
    for bit, ms in _ST_FLAGS_TO_MS.items():
        if st.f_flag & bit:
            flags |= ms
    if st.f_flag & _ST_RELATIME:
        flags |= MS_RELATIME
    return flags & sum(_KEPT_FLAGS)


def bind_read_only(source: str | Path, target: str | Path) -> None:
    """Bind ``source`` (with the mounts below it) on ``target``, then make the bind read-only.

    The remount keeps the flags the original mount had (in a user namespace the
    kernel refuses to drop a locked nosuid/nodev/noexec). Mounts below ``source``
    are made read-only one by one, from ``/proc/self/mountinfo``.
    """
    mount(str(source), target, None, MS_BIND | MS_REC)
    for point in [str(target), *submounts(target)]:
        mount(None, point, None, MS_BIND | MS_REMOUNT | MS_RDONLY | _mount_flags(point))


def submounts(target: str | Path) -> list[str]:
    """Mount points strictly below ``target`` in this mount namespace."""
    prefix = str(target).rstrip("/") + "/"
    points = []
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        point = line.split()[4].encode().decode("unicode_escape")  # octal escapes such as \040
        if point.startswith(prefix):
            points.append(point)
    return points


def remount_read_only(target: str | Path) -> None:
    mount(None, target, None, MS_REMOUNT | MS_BIND | MS_RDONLY | _mount_flags(target))


def pivot_root(new_root: str | Path, put_old: str | Path) -> None:
    number = syscall_number("pivot_root")
    _check(_libc().syscall(number, _bytes(new_root), _bytes(put_old)), "pivot_root")


def prctl(option: int, arg2: int = 0, arg3: int = 0, what: str = "prctl") -> int:
    return _check(_libc().prctl(option, arg2, arg3, 0, 0), what)


def set_parent_death_signal(signal_number: int) -> None:
    prctl(PR_SET_PDEATHSIG, signal_number, what="prctl(PR_SET_PDEATHSIG)")


def set_child_subreaper() -> None:
    prctl(PR_SET_CHILD_SUBREAPER, 1, what="prctl(PR_SET_CHILD_SUBREAPER)")


def set_no_new_privs() -> None:
    prctl(PR_SET_NO_NEW_PRIVS, 1, what="prctl(PR_SET_NO_NEW_PRIVS)")


def set_dumpable(value: bool) -> None:
    prctl(PR_SET_DUMPABLE, int(value), what="prctl(PR_SET_DUMPABLE)")


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]


def last_capability() -> int:
    try:
        return int(Path("/proc/sys/kernel/cap_last_cap").read_text())
    except (OSError, ValueError):
        return 40  # CAP_CHECKPOINT_RESTORE, the last one as of Linux 6.x


def drop_privileges(uid: int | None = None, gid: int | None = None) -> None:
    """Give up every capability for good, becoming ``uid``/``gid`` on the way when given.

    The bounding and ambient sets are emptied and the securebits locked while
    CAP_SETPCAP is still held (root has it, and so has a process in a user
    namespace it created); the securebits keep the capabilities through the
    change of identity, and the last step clears the three sets.
    """
    for capability in range(last_capability() + 1):
        prctl(PR_CAPBSET_DROP, capability, what=f"prctl(PR_CAPBSET_DROP, {capability})")
    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, what="prctl(PR_CAP_AMBIENT_CLEAR_ALL)")
    prctl(PR_SET_SECUREBITS, SECBITS_LOCKED_NOROOT, what="prctl(PR_SET_SECUREBITS)")
    if gid is not None:
        os.setgroups([])
        os.setresgid(gid, gid, gid)
    if uid is not None:
        os.setresuid(uid, uid, uid)
    header = _CapHeader(_LINUX_CAPABILITY_VERSION_3, 0)
    data = (_CapData * 2)()
    _check(_libc().syscall(syscall_number("capset"), ctypes.byref(header), data), "capset")
