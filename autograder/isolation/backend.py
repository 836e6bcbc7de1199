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

from .limits import Limits
from .rootfs import RootPlan


@dataclass(frozen=True)
class SandboxConfig:
    """What the warm process knows of the sandbox: the limits, the allow-list, where to build roots."""

    limits: Limits
    root: RootPlan
    mountpoint: str  # an empty folder of the grader's, to mount each worker's root on
    uid_base: int  # a root grader runs worker slot k as uid uid_base + k


class WorkerBody(Protocol):
    """The worker, as a sandbox sees it."""

    def keep_only_channels(self) -> None:
        """Close every descriptor but the worker's own two pipes and its standard streams."""

    def failed(self, step: str, error: BaseException) -> None:
        """Tell the grader that isolating failed at ``step`` (no student code has run)."""

    def serve(self) -> None:
        """Say ready, take the job, run it (student code runs here), send the results."""


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

    @abc.abstractmethod
    def run(self, slot: int, body: WorkerBody, announce: Callable[[int], None]) -> int:
        """In the leader: isolate a process, ``announce`` its PID, run ``body`` there; its exit status."""


BACKENDS: dict[str, type[Sandbox]] = {}


def register(cls: type[Sandbox]) -> type[Sandbox]:
    BACKENDS[cls.name] = cls
    return cls


def backend(name: str) -> type[Sandbox]:
    from . import namespaces, unisolated  # noqa: F401 (each registers itself)

    if name not in BACKENDS:
        raise KeyError(f"no sandbox backend {name!r}; the backends are {sorted(BACKENDS)}")
    return BACKENDS[name]
