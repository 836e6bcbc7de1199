"""Unit tests of the sandbox's own Linux layer, by effect, each in a forked child: the seccomp filter
(``autograder.isolation.seccomp``), Landlock (``autograder.isolation.landlock``), and giving up
privileges (``autograder.isolation.linux``). The tests run as root, so every refusal seen here is the
layer's doing, not a lack of privilege."""

from __future__ import annotations

import ctypes
import errno
import json
import os
import socket
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from autograder.isolation import landlock, linux, seccomp

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="the effects are shown against root's privileges")


def in_child(body: Callable[[], dict]) -> dict:
    """Run ``body`` in a forked child; what it returns (or the error it raised) comes back as JSON."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        try:
            result = body()
        except BaseException as error:
            result = {"error": f"{type(error).__name__}: {error}"}
        os.write(write, json.dumps(result).encode())
        os._exit(0)
    os.close(write)
    data = b""
    while chunk := os.read(read, 65536):
        data += chunk
    os.close(read)
    os.waitpid(pid, 0)
    return json.loads(data)


def attempt(action: Callable[[], object]) -> str:
    """ "ok", or the name of the errno the action failed with."""
    try:
        action()
    except OSError as error:
        return errno.errorcode.get(error.errno, str(error.errno))
    return "ok"


def _libc_call(name: str, *args: object) -> Callable[[], None]:
    def call() -> None:
        libc = ctypes.CDLL(None, use_errno=True)
        if getattr(libc, name)(*args) != 0:
            raise OSError(ctypes.get_errno(), name)

    return call


def test_the_seccomp_filter_refuses_what_it_lists_and_allows_a_worker_its_work(tmp_path):
    """As root, after the filter: are mount, unshare, a new process, a program, memfd, priorities, file
    locks, the parent-death signal and Internet sockets refused, while threads, Unix sockets and files
    still work?"""

    def body() -> dict:
        seccomp.install(sockets=True)
        target = str(tmp_path).encode()
        outcome = {
            "mount": attempt(_libc_call("mount", b"none", target, b"tmpfs", 0, None)),
            "unshare user": attempt(_libc_call("unshare", linux.CLONE_NEWUSER)),
            "fork": attempt(os.fork),
            "exec": attempt(lambda: os.execv("/bin/true", ["true"])),
            "memfd": attempt(lambda: os.memfd_create("x")),
            "renice": attempt(lambda: os.setpriority(os.PRIO_USER, 0, 19)),
            "pdeathsig": attempt(lambda: linux.prctl(linux.PR_SET_PDEATHSIG, 0)),
            "inet": attempt(lambda: socket.socket(socket.AF_INET, socket.SOCK_STREAM).close()),
            "unix": attempt(lambda: socket.socket(socket.AF_UNIX, socket.SOCK_STREAM).close()),
        }
        with open(tmp_path / "f", "w") as handle:
            import fcntl

            outcome["lock"] = attempt(lambda: fcntl.flock(handle, fcntl.LOCK_EX))
        done = []
        thread = threading.Thread(target=lambda: done.append(1))
        thread.start()
        thread.join()
        outcome["thread"] = "ok" if done else "failed"
        return outcome

    outcome = in_child(body)
    assert outcome == {
        "mount": "EPERM",
        "unshare user": "EPERM",
        "fork": "EPERM",
        "exec": "EPERM",
        "memfd": "EPERM",
        "renice": "EPERM",
        "pdeathsig": "EPERM",
        "inet": "EAFNOSUPPORT",
        "unix": "ok",
        "lock": "EPERM",
        "thread": "ok",
    }, outcome


def test_without_sockets_only_socket_pairs_are_left():
    """With ``sockets=False`` (no network namespace), is a Unix socket refused and a socket pair not?"""

    def body() -> dict:
        seccomp.install(sockets=False)
        return {
            "unix": attempt(lambda: socket.socket(socket.AF_UNIX, socket.SOCK_STREAM).close()),
            "pair": attempt(lambda: [s.close() for s in socket.socketpair()]),
        }

    assert in_child(body) == {"unix": "EACCES", "pair": "ok"}


@pytest.mark.skipif(landlock.abi() < 1, reason="this kernel has no Landlock")
def test_landlock_leaves_reading_the_allowed_and_writing_the_own_folder(tmp_path):
    """As root, after Landlock: can the process read the allowed folder (not write it), write its own
    folder, use /dev/null, and neither read nor list anything else?"""
    allowed, own, other = tmp_path / "allowed", tmp_path / "own", tmp_path / "other"
    for folder in (allowed, own, other):
        folder.mkdir()
        (folder / "file").write_text("x")

    def body() -> dict:
        landlock.restrict([str(allowed)], [str(own)], ["/dev/null"])
        return {
            "read allowed": attempt(lambda: (allowed / "file").read_text()),
            "write allowed": attempt(lambda: (allowed / "new").write_text("x")),
            "write own": attempt(lambda: (own / "new").write_text("x")),
            "read other": attempt(lambda: (other / "file").read_text()),
            "list other": attempt(lambda: os.listdir(other)),
            "devnull": attempt(lambda: Path("/dev/null").write_text("x")),
            "etc": attempt(lambda: Path("/etc/hostname").read_text()),
        }

    assert in_child(body) == {
        "read allowed": "ok",
        "write allowed": "EACCES",
        "write own": "ok",
        "read other": "EACCES",
        "list other": "EACCES",
        "devnull": "ok",
        "etc": "EACCES",
    }


def test_giving_up_privileges_leaves_no_capability_and_no_way_back(tmp_path):
    """After drop_privileges(uid): is the process that uid with no capability, unable to become root
    again or to read a root-only file?"""
    secret = tmp_path / "secret"
    secret.write_text("root only")
    secret.chmod(0o600)

    def body() -> dict:
        linux.drop_privileges(1_000_000_123, 1_000_000_123)
        status = Path("/proc/self/status").read_text()
        caps = {line.split(":")[0]: line.split()[1] for line in status.splitlines() if line.startswith("Cap")}
        return {
            "uid": os.getuid(),
            "caps": sorted(set(caps.values())),
            "setuid 0": attempt(lambda: os.setuid(0)),
            "read": attempt(secret.read_text),
        }

    assert in_child(body) == {"uid": 1_000_000_123, "caps": ["0000000000000000"], "setuid 0": "EPERM", "read": "EACCES"}
