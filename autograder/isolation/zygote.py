"""The warm process: NumPy, Keras and TensorFlow imported once, and a fork per worker.

Started by the grader (:class:`autograder.isolation.pool.WarmProcess`) as a
fresh interpreter with a scrubbed environment and one descriptor: its end of
a private socket pair. It takes orders from that socket only: no listening
socket, no file, nothing another process could reach. It never runs a
TensorFlow op (a fork after one can deadlock), never holds a solution, a
hidden check, a seed or a student's answers (a fork copies its memory: jobs go
to each worker on a pipe of its own, never through here), and it dies with
the grader (a parent-death signal; end of file on its socket).

Messages are JSON on a SOCK_SEQPACKET socket, descriptors travel with
SCM_RIGHTS:

- grader -> warm: ``{"op": "spawn", "id", "slot"}`` with the worker's job-pipe
  read end and result-pipe write end;
- warm -> grader: ``{"op": "hello", ...}`` once, when ready;
  ``{"op": "spawned", "id", "leader", "init"}`` with pidfds of the leader and
  of the isolated process (the one that runs student code); ``{"op":
  "exited", "id", "status"}`` when the leader has ended.
"""

from __future__ import annotations

import gc
import importlib
import os
import select
import signal
import socket
import sys
from typing import Any

from autograder.isolation import linux, rootfs
from autograder.isolation.backend import SandboxConfig, backend
from autograder.isolation.limits import Limits
from autograder.isolation.protocol import receive, send
from autograder.isolation.worker import Worker
from autograder.toolkit import from_scratch_watch


class Zygote:
    def __init__(self, config: dict[str, Any], control: socket.socket):
        self.control = control
        root = rootfs.plan(config["package_dir"], config["enclosing"], config["private"])
        sandbox_config = SandboxConfig(
            Limits.from_dict(config["limits"]),
            root,
            config["mountpoint"],
            config["uid_base"],
            tuple(config["private"]),
            tuple(config["enclosing"]),
        )
        self.sandbox = backend(config["backend"])(sandbox_config)
        # the lab's forbidden built-ins, found once here (a scan of every module): a worker only replaces them
        self.forbidden = config["forbidden"]
        self.watch_targets = from_scratch_watch.targets(self.forbidden)
        self.root = root
        self.leaders: dict[int, int] = {}  # leader pid -> request id
        self.wake_r, self.wake_w = os.pipe()

    def spawn(self, request: dict[str, Any], fds: list[int]) -> None:
        job_fd, result_fd = fds
        status, status_child = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        zygote = os.getpid()
        pid = os.fork()
        if pid == 0:  # the leader: trusted code only, until the sandbox runs the worker
            try:
                signal.set_wakeup_fd(-1)
                signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                self.control.close()
                status.close()
                os.close(self.wake_r)
                os.close(self.wake_w)
                linux.set_parent_death_signal(signal.SIGKILL)
                if os.getppid() != zygote:
                    os._exit(1)

                def announce(child: int) -> None:
                    pidfd = os.pidfd_open(child)
                    send(status_child, {"init": child}, [pidfd])
                    os.close(pidfd)
                    status_child.close()

                watch = from_scratch_watch.Watch(self.forbidden)
                worker = Worker(job_fd, result_fd, watch, self.watch_targets)
                code = self.sandbox.run(int(request["slot"]), worker, announce)
            except BaseException:
                code = 126
            os._exit(code)
        status_child.close()
        os.close(job_fd)
        os.close(result_fd)
        leader_fd = os.pidfd_open(pid)
        self.leaders[pid] = request["id"]
        status.settimeout(60)
        try:
            message, init_fds = receive(status, 1)
        except (OSError, ValueError):
            message, init_fds = None, []
        status.close()
        init = message.get("init") if message and init_fds else None
        send(
            self.control,
            {"op": "spawned", "id": request["id"], "leader": pid, "init": init},
            [leader_fd, *init_fds],
        )
        for fd in [leader_fd, *init_fds]:
            os.close(fd)

    def reap(self) -> None:
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            if pid in self.leaders:
                code = os.waitstatus_to_exitcode(status)
                send(self.control, {"op": "exited", "id": self.leaders.pop(pid), "status": code})

    def serve(self) -> None:
        os.set_blocking(self.wake_w, False)
        signal.set_wakeup_fd(self.wake_w)
        signal.signal(signal.SIGCHLD, lambda *_: None)
        linux.set_child_subreaper()  # a worker whose leader was killed is still reaped here
        # Every object imported so far goes to the collector's permanent generation: a worker's collections
        # then leave the warm process's pages alone instead of copying them all (copy-on-write).
        gc.collect()
        gc.freeze()
        send(self.control, {"op": "hello", "binds": list(self.root.binds), "refused": list(self.root.refused)})
        while True:
            readable, _, _ = select.select([self.control, self.wake_r], [], [])
            if self.wake_r in readable:
                os.read(self.wake_r, 4096)
            self.reap()
            if self.control in readable:
                request, fds = receive(self.control)
                if request is None:
                    break
                if request.get("op") == "spawn" and len(fds) == 2:
                    self.spawn(request, fds)
                else:
                    for fd in fds:
                        os.close(fd)
        for pid in self.leaders:
            os.kill(pid, signal.SIGKILL)


def main() -> None:
    """``python -c ... PARENT FD``: the grader's PID, and this end of the socket pair to it."""
    parent, fd = int(sys.argv[1]), int(sys.argv[2])
    linux.set_parent_death_signal(signal.SIGKILL)
    if os.getppid() != parent:
        sys.exit(1)  # the grader ended before the signal was armed
    control = socket.socket(fileno=fd)
    config, _ = receive(control, 0)
    if config is None:
        sys.exit(1)
    for module in config["preload"]:
        importlib.import_module(module)
    Zygote(config, control).serve()


if __name__ == "__main__":
    main()
