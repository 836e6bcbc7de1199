"""Shared set-up of the test suite: one TensorFlow import per process, the
labs' quick mode, and in-process grading of answer code."""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

os.environ.setdefault("LAB_QUICK", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import pytest

from autograder.course import solution_path
from autograder.grading import grade_sources
from autograder.labs import get_lab
from autograder.notebooks import answer_sources, read_notebook
from autograder.results import CheckResult, LabResult

REPO = Path(__file__).resolve().parents[1]


@functools.cache
def reference_sources(lab: str) -> dict[str, str]:
    """The reference solution's answer cells, by grade_id."""
    spec = get_lab(lab)
    return answer_sources(read_notebook(solution_path(REPO, lab)), [a.grade_id for a in spec.answers])


def grade(lab: str, overrides: Mapping[str, str] | None = None, cells: Sequence[str] | None = None) -> LabResult:
    """Grade the reference answers of ``lab`` with some cells replaced, in this process.

    Args:
        overrides: grade_id -> code that replaces the reference's answer.
        cells: the test cells to run (default: all of them).
    """
    sources = {**reference_sources(lab), **(overrides or {})}
    return grade_sources("test", get_lab(lab), sources, REPO, cells=cells)


def cells_of(grade_id: str) -> list[str]:
    """The public and hidden test cell of an answer."""
    return [f"test_{grade_id}", f"hidden_{grade_id}"]


def failures(result: LabResult) -> list[tuple[str, CheckResult]]:
    """(cell id, check) for every failed check."""
    return [(cell.grade_id, check) for cell in result.cells for check in cell.checks if not check.passed]


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO
