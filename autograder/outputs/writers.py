"""Where a graded result goes: one small class per output format, and their registry.

A writer is told of each student's result as soon as it is graded (:meth:`Writer.write`) and of the whole
class so far (:meth:`Writer.finish`, after each result: a grader killed midway leaves complete files).
Adding an output format is one module with a :class:`Writer` subclass decorated with :func:`register`;
``grade_class`` writes through :data:`DEFAULT` unless told otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import ClassVar

from autograder.model.checks import Lab
from autograder.model.results import LabResult

WRITERS: dict[str, type[Writer]] = {}


class Writer:
    """One output format of a graded class, written into the output folder ``out``; a subclass overrides
    :meth:`write` (per student), :meth:`finish` (per class) or both."""

    name: ClassVar[str]

    def __init__(self, out: Path, lab: Lab):
        self.out, self.lab = out, lab

    def write(self, result: LabResult) -> None:
        """One student's result, as soon as it is graded."""

    def finish(self, results: Mapping[str, LabResult]) -> None:
        """Every result so far, by student id (those of earlier runs included)."""


def register(writer: type[Writer]) -> type[Writer]:
    """Make ``writer`` available by its name (a class decorator)."""
    WRITERS[writer.name] = writer
    return writer


def writers(names: Sequence[str], out: Path, lab: Lab) -> list[Writer]:
    """The writers called ``names``, in that order, for ``lab`` into ``out``."""
    _load_builtin_writers()
    unknown = [name for name in names if name not in WRITERS]
    if unknown:
        raise ValueError(f"unknown output format(s) {', '.join(unknown)}: known are {', '.join(sorted(WRITERS))}")
    return [WRITERS[name](out, lab) for name in names]


def _load_builtin_writers() -> None:
    # Each format registers itself when its module is imported; they import this module, so not at its top.
    from autograder.outputs import feedback, grades_csv, result_json  # noqa: F401


# On a cluster, the class-level outputs (grades.csv) are rewritten after this many results, and at the end.
FINISH_EVERY = 25

# The feedback page before the JSON: once the JSON is in the ledger, a resumed run counts the student as graded.
DEFAULT = ("feedback", "json", "grades_csv")
