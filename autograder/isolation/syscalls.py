"""libseccomp, loaded once, and this architecture's system call numbers from its table.

The lowest layer of the sandbox: ``linux`` makes system calls by number and
``seccomp`` builds its filter with this library. libseccomp
(``libseccomp.so.2``, installed with systemd and apt on every common
distribution) is called through ctypes: its own Python binding is not on PyPI,
and the functions used here are a small, stable C API.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools


class SeccompUnavailable(RuntimeError):
    """libseccomp cannot be loaded, or the kernel refused the filter."""


class ArgCmp(ctypes.Structure):
    _fields_ = [
        ("arg", ctypes.c_uint),
        ("op", ctypes.c_int),
        ("datum_a", ctypes.c_uint64),
        ("datum_b", ctypes.c_uint64),
    ]


@functools.cache
def library() -> ctypes.CDLL:
    """libseccomp, loaded once (the warm process loads it, so a worker needs no file to load it)."""
    name = ctypes.util.find_library("seccomp") or "libseccomp.so.2"
    try:
        lib = ctypes.CDLL(name, use_errno=True)
    except OSError as error:
        raise SeccompUnavailable(
            f"libseccomp is not installed ({error}): install it (Debian/Ubuntu: apt-get install libseccomp2; "
            "Fedora/RHEL: dnf install libseccomp)"
        ) from None
    lib.seccomp_init.restype = ctypes.c_void_p
    lib.seccomp_init.argtypes = [ctypes.c_uint32]
    lib.seccomp_rule_add_array.argtypes = [
        ctypes.c_void_p,
        ctypes.c_uint32,
        ctypes.c_int,
        ctypes.c_uint,
        ctypes.POINTER(ArgCmp),
    ]
    lib.seccomp_load.argtypes = [ctypes.c_void_p]
    lib.seccomp_release.argtypes = [ctypes.c_void_p]
    lib.seccomp_release.restype = None
    lib.seccomp_syscall_resolve_name.argtypes = [ctypes.c_char_p]
    lib.seccomp_attr_set.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_uint32]
    return lib


@functools.cache
def syscall_number(name: str) -> int:
    """This architecture's number of the system call ``name`` (negative when it has none)."""
    return library().seccomp_syscall_resolve_name(name.encode())
