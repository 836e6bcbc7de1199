"""No sandbox: ``grade --unsafe-no-isolation``, for a machine that cannot isolate and a class the
instructor trusts. The worker is a plain fork of the warm process in a session of its own, with the
resource limits and the timeout only; every result and feedback page says that it was not isolated."""

from __future__ import annotations

import os
import resource
import shutil
import signal
import tempfile
from collections.abc import Callable
from pathlib import Path

from autograder.isolation import linux
from autograder.isolation.backend import Sandbox, WorkerBody, register
from autograder.isolation.measure import Facility, Subject
from autograder.isolation.namespaces import set_limit


@register
class Unisolated(Sandbox):
    name = "none"
    isolated = False

    @classmethod
    def assess(cls, pid: int, subject: Subject, report: dict[str, str]) -> dict[str, Facility]:
        return {}

    def run(self, slot: int, body: WorkerBody, announce: Callable[[int], None]) -> int:
        announce(os.getpid())
        body.keep_only_channels()
        os.setsid()
        # Its working folder is in the grader's work folder, which the grader removes even when it had
        # to kill this worker; a worker that ends by itself removes it at once.
        folder = Path(self.config.mountpoint) / f"worker-{os.getpid()}"
        limits = self.config.limits
        try:
            folder.mkdir(mode=0o700)
            os.chdir(folder)
            os.environ["TMPDIR"] = str(folder)  # the student's temporary files go with it
            tempfile.tempdir = None
            set_limit(resource.RLIMIT_AS, limits.memory_bytes)
            set_limit(resource.RLIMIT_FSIZE, limits.file_bytes)
            set_limit(resource.RLIMIT_CORE, 0)
            linux.set_parent_death_signal(signal.SIGKILL)
        except (OSError, ValueError) as error:
            body.failed("making its folder and setting resource limits", error)
            return 125
        try:
            body.serve()
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        return 0
