"""Linux Landlock through ctypes: a process restricts its own file-system (and TCP, and scope) access.

Landlock needs no privilege and works in the containers that allow no
namespace (Docker's default seccomp profile has allowed its three calls since
2022, moby/moby#43199). A ruleset names every access right this kernel knows as
*handled*; the rules grant some back beneath given paths; once the process
restricts itself, every handled access outside the rules is refused, for it
and every thread and process it starts, for good. ``abi()`` says what the
kernel supports: 1 (Linux 5.13) files, 4 (6.7) TCP, 6 (6.12) abstract Unix
sockets and signals scoped to the process's own domain.
"""

from __future__ import annotations

import ctypes
import functools
import os
from collections.abc import Sequence

from autograder.isolation.linux import set_no_new_privs
from autograder.isolation.syscalls import syscall_number

CREATE_RULESET_VERSION = 1
RULE_PATH_BENEATH = 1

EXECUTE = 1 << 0
WRITE_FILE = 1 << 1
READ_FILE = 1 << 2
READ_DIR = 1 << 3
READ = EXECUTE | READ_FILE | READ_DIR
FILE_RIGHTS = EXECUTE | WRITE_FILE | READ_FILE | (1 << 14) | (1 << 15)  # with TRUNCATE (ABI 3), IOCTL_DEV (ABI 5)
# every right of each ABI: 13 rights in ABI 1, REFER in 2, TRUNCATE in 3, IOCTL_DEV in 5
_FS_RIGHTS = {1: (1 << 13) - 1, 2: (1 << 14) - 1, 3: (1 << 15) - 1, 4: (1 << 15) - 1, 5: (1 << 16) - 1}
_NET_RIGHTS = 0b11  # BIND_TCP, CONNECT_TCP (ABI 4)
_SCOPES = 0b11  # ABSTRACT_UNIX_SOCKET, SIGNAL (ABI 6)


class LandlockUnavailable(OSError):
    """This kernel has no Landlock, or refused a ruleset."""


class _RulesetAttr(ctypes.Structure):
    _fields_ = [
        ("handled_access_fs", ctypes.c_uint64),
        ("handled_access_net", ctypes.c_uint64),
        ("scoped", ctypes.c_uint64),
    ]


class _PathBeneathAttr(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


@functools.cache
def _libc() -> ctypes.CDLL:
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    return libc


def abi() -> int:
    """The Landlock ABI version of this kernel (0: none, or switched off)."""
    number = syscall_number("landlock_create_ruleset")
    if number < 0:
        return 0
    result = _libc().syscall(number, None, ctypes.c_size_t(0), ctypes.c_uint32(CREATE_RULESET_VERSION))
    return max(int(result), 0)


def _fs_rights(version: int) -> int:
    return _FS_RIGHTS[min(version, max(_FS_RIGHTS))]


def restrict(read: Sequence[str], write: Sequence[str], devices: Sequence[str]) -> int:
    """Restrict this process (and all it starts) to reading ``read``, everything in ``write``, and
    reading and writing the device files ``devices``; no TCP, and no abstract Unix socket or signal
    outside its own domain where the kernel knows them. Returns the ABI version used."""
    version = abi()
    if version < 1:
        raise LandlockUnavailable("this kernel has no Landlock (Linux 5.13 and later, with it switched on)")
    everything = _fs_rights(version)
    attr = _RulesetAttr(everything, _NET_RIGHTS if version >= 4 else 0, _SCOPES if version >= 6 else 0)
    size = ctypes.sizeof(_RulesetAttr) if version >= 6 else (16 if version >= 4 else 8)
    libc = _libc()
    ruleset = libc.syscall(syscall_number("landlock_create_ruleset"), ctypes.byref(attr), ctypes.c_size_t(size), 0)
    if ruleset < 0:
        errno = ctypes.get_errno()
        raise LandlockUnavailable(errno, f"landlock_create_ruleset: {os.strerror(errno)}")
    try:
        grants = [(p, READ) for p in read] + [(p, everything) for p in write] + [(p, FILE_RIGHTS) for p in devices]
        for path, rights in grants:
            if not os.path.exists(path):
                continue
            if not os.path.isdir(path):
                rights &= FILE_RIGHTS
            fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
            try:
                rule = _PathBeneathAttr(rights & everything, fd)
                number = syscall_number("landlock_add_rule")
                if libc.syscall(number, ruleset, RULE_PATH_BENEATH, ctypes.byref(rule), 0) < 0:
                    errno = ctypes.get_errno()
                    raise LandlockUnavailable(errno, f"landlock_add_rule({path}): {os.strerror(errno)}")
            finally:
                os.close(fd)
        set_no_new_privs()
        if libc.syscall(syscall_number("landlock_restrict_self"), ruleset, 0) < 0:
            errno = ctypes.get_errno()
            raise LandlockUnavailable(errno, f"landlock_restrict_self: {os.strerror(errno)}")
    finally:
        os.close(ruleset)
    return version
