"""What a check, a test cell and a graded lab produce.

These are plain data (numbers and strings) so that they serialise to the JSON
files of docs/design.md section 5 unchanged and can cross a process boundary.
Every reader of a result takes a typed object: ``LabResult.from_dict`` checks
the JSON (``ResultFormatError`` says what is wrong) and every writer in
:mod:`autograder.outputs` takes a ``LabResult``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

SCHEMA_VERSION = 1  # of a result's JSON: a reader refuses a version it does not know


class ResultFormatError(ValueError):
    """A result's JSON does not have the shape of this schema (a damaged or foreign file)."""


def _field(data: Any, key: str, kind: type | tuple[type, ...], where: str) -> Any:
    """``data[key]``, checked to be of ``kind`` (a bool is no number here)."""
    if not isinstance(data, Mapping):
        raise ResultFormatError(f"{where} is not an object")
    value = data.get(key)
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
        names = " or ".join(k.__name__ for k in kinds)
        raise ResultFormatError(f"{where}: {key!r} is missing or not {names}")
    return value


@dataclass(frozen=True)
class CheckResult:
    """The verdict of one named check of one answer."""

    name: str
    passed: bool
    points: float
    max_points: float
    message: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Any, where: str = "a check") -> CheckResult:
        return cls(
            str(_field(data, "name", str, where)),
            bool(_field(data, "passed", bool, where)),
            float(_field(data, "points", (int, float), where)),
            float(_field(data, "max_points", (int, float), where)),
            str(_field(data, "message", str, where)),
        )


@dataclass(frozen=True)
class CellResult:
    """One nbgrader test cell: its checks and the sum of their points."""

    grade_id: str
    checks: tuple[CheckResult, ...]

    @property
    def points(self) -> float:
        return float(sum(check.points for check in self.checks))

    @property
    def max_points(self) -> float:
        return float(sum(check.max_points for check in self.checks))

    def first_failure(self) -> CheckResult | None:
        return next((check for check in self.checks if not check.passed), None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "grade_id": self.grade_id,
            "points": self.points,
            "max_points": self.max_points,
            "checks": [check.to_dict() for check in self.checks],
        }

    @classmethod
    def from_dict(cls, data: Any, where: str = "a cell") -> CellResult:
        grade_id = str(_field(data, "grade_id", str, where))
        checks = _field(data, "checks", list, f"cell {grade_id}")
        return cls(grade_id, tuple(CheckResult.from_dict(c, f"a check of {grade_id}") for c in checks))


@dataclass(frozen=True)
class LabResult:
    """Every test cell of one student's lab."""

    student_id: str
    lab: str
    cells: tuple[CellResult, ...]
    errors: tuple[str, ...] = ()
    environment: dict[str, Any] = field(default_factory=dict)

    @property
    def score(self) -> float:
        return float(sum(cell.points for cell in self.cells))

    @property
    def max_score(self) -> float:
        return float(sum(cell.max_points for cell in self.cells))

    @property
    def status(self) -> str:
        return "graded" if self.cells else "error"

    def first_failure(self) -> tuple[str, CheckResult] | None:
        for cell in self.cells:
            failure = cell.first_failure()
            if failure is not None:
                return cell.grade_id, failure
        return None

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": SCHEMA_VERSION,
            "student_id": self.student_id,
            "lab": self.lab,
            "score": self.score,
            "max_score": self.max_score,
            "status": self.status,
            "cells": [cell.to_dict() for cell in self.cells],
            "errors": list(self.errors),
            "environment": dict(self.environment),
        }

    @classmethod
    def from_dict(cls, data: Any) -> LabResult:
        """The result a ``to_dict`` wrote (score, max_score and status are recomputed from the cells)."""
        version = data.get("schema_version", SCHEMA_VERSION) if isinstance(data, Mapping) else None
        if version != SCHEMA_VERSION:
            raise ResultFormatError(f"schema version {version!r} is not {SCHEMA_VERSION}: written by another version")
        errors = _field(data, "errors", list, "the result")
        environment = _field(data, "environment", dict, "the result")
        return cls(
            str(_field(data, "student_id", str, "the result")),
            str(_field(data, "lab", str, "the result")),
            tuple(CellResult.from_dict(cell) for cell in _field(data, "cells", list, "the result")),
            tuple(str(error) for error in errors),
            dict(environment),
        )
