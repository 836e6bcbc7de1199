"""The sandbox interface: one small class per way of isolating a worker, and their registry.

A backend is used on both sides of the trust boundary:

- in the warm process's fresh child (the *leader*, single-threaded, no student
  code yet), :meth:`Sandbox.run` isolates a process, announces its PID, runs
  the worker's body in it and returns its exit status;
- in the grader, :meth:`Sandbox.problem` says cheaply whether this machine
  can have it at all, and :attr:`Sandbox.required` names the facilities that
  the grader's own measurement (:mod:`.measure`) must find enforced before a
  job is handed over.

Adding a backend is one module with a subclass and one line in ``BACKENDS``.
"""

from __future__ import annotations

import abc
from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar, Protocol

from autograder.isolation.limits import Limits
from autograder.isolation.measure import Facility, Subject
from autograder.isolation.rootfs import RootPlan


@dataclass(frozen=True)
class SandboxConfig:
    """What the warm process knows of the sandbox: the limits, the allow-list, where to build roots."""

    limits: Limits
    root: RootPlan
    mountpoint: str  # an empty folder of the grader's, to mount each worker's root on (or hold its folder)
    uid_base: int  # a root grader runs worker slot k as uid uid_base + k
    private: tuple[str, ...] = ()  # what a worker must not reach
    enclosing: tuple[str, ...] = ()  # folders it may reach only the allow-listed parts of


class WorkerBody(Protocol):
    """The worker, as a sandbox sees it."""

    def keep_only_channels(self) -> None:
        """Close every descriptor but the worker's own two pipes and its standard streams."""

    def release(self) -> None:
        """In the leader, once the isolated process has them: close its copies of the two pipes."""

    def failed(self, step: str, error: BaseException) -> None:
        """Tell the grader that isolating failed at ``step`` (no student code has run)."""

    def serve(self, report: dict[str, str] | None = None) -> None:
        """Say ready (with ``report``, what the worker checked of its own sandbox before any student
        code), take the job, run it (student code runs here), send the results."""


class Sandbox(abc.ABC):
    """One way to isolate a worker (see the module docstring)."""

    name: ClassVar[str]
    isolated: ClassVar[bool] = True
    required: ClassVar[tuple[str, ...]] = ()

    def __init__(self, config: SandboxConfig):
        self.config = config

    @classmethod
    def problem(cls) -> str | None:
        """What this machine lacks for this backend, and how to get it (None when nothing is known to lack)."""
        return None

    @classmethod
    def advice(cls, step: str, error: str) -> str:
        """A sentence for the instructor when a worker's sandbox failed at ``step`` with ``error``."""
        return f"the sandbox could not be built ({step}: {error})"

    @classmethod
    def status(cls, code: int) -> str | None:
        """What the leader's exit status ``code`` means, where it is this backend's own (None: a plain one)."""
        return None

    @classmethod
    @abc.abstractmethod
    def assess(cls, pid: int, subject: Subject, report: dict[str, str]) -> dict[str, Facility]:
        """In the grader: the facilities of the ready worker ``pid`` (``report``: its own pre-student check)."""

    @abc.abstractmethod
    def run(self, slot: int, body: WorkerBody, announce: Callable[[int], None]) -> int:
        """In the leader: isolate a process, ``announce`` its PID, run ``body`` there; its exit status."""


BACKENDS: dict[str, type[Sandbox]] = {}


def register(cls: type[Sandbox]) -> type[Sandbox]:
    BACKENDS[cls.name] = cls
    return cls


def backend(name: str) -> type[Sandbox]:
    from autograder.isolation import landlocked, namespaces, unisolated  # noqa: F401 (each registers itself)

    if name not in BACKENDS:
        raise KeyError(f"no sandbox backend {name!r}; the backends are {sorted(BACKENDS)}")
    return BACKENDS[name]
