"""What a check, a test cell and a graded lab produce.

These are plain data (numbers and strings) so that they serialise to the JSON
files of DESIGN.md section 5 unchanged and can cross a process boundary.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


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
            "student_id": self.student_id,
            "lab": self.lab,
            "score": self.score,
            "max_score": self.max_score,
            "status": self.status,
            "cells": [cell.to_dict() for cell in self.cells],
            "errors": list(self.errors),
            "environment": dict(self.environment),
        }
