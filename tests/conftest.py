"""Shared set-up of the test suite: one TensorFlow import per process, the
labs' quick mode, and in-process grading of answer code."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Collection, Mapping, Sequence
from pathlib import Path
from typing import Any

os.environ.setdefault("LAB_QUICK", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import pytest
from single_mistakes import reference_sources

from autograder.engine.course import release_path
from autograder.engine.grade_cells import grade_sources
from autograder.labs import get_lab
from autograder.model.results import CheckResult, LabResult

REPO = Path(__file__).resolve().parents[1]


def grade(
    lab: str,
    overrides: Mapping[str, str] | None = None,
    cells: Sequence[str] | None = None,
    only: Collection[str] | None = None,
) -> LabResult:
    """Grade the reference answers of ``lab`` with some cells replaced, in this process.

    Args:
        overrides: grade_id -> code that replaces the reference's answer.
        cells: the test cells to run (default: all of them).
        only: the names of the checks to run in them (default: all of them).
    """
    sources = {**reference_sources(lab), **(overrides or {})}
    return grade_sources("test", get_lab(lab), sources, REPO, cells=cells, only=only)


def instructor_only_lines(labs: Sequence[str]) -> tuple[set[str], set[str]]:
    """Telling lines only the instructor has, as (the reference answers', the hidden checks'): longer than
    24 characters and absent from the released labs and from the public package, which students see
    anyway. Computed here, independently of the release module that scans bundles the same way."""
    public = "".join(release_path(REPO, lab).read_text() for lab in labs)
    public += "".join(p.read_text() for p in (REPO / "autograder").rglob("*.py"))

    def telling(code: str) -> set[str]:
        lines = {line.strip() for line in code.splitlines()}
        return {
            line for line in lines if len(line) > 24 and line not in public and json.dumps(line)[1:-1] not in public
        }

    reference = "\n".join(code for lab in labs for code in reference_sources(lab).values())
    hidden = "\n".join((REPO / "solutions" / "_grading" / f"{lab}_hidden.py").read_text() for lab in labs)
    return telling(reference), telling(hidden)


def cells_of(grade_id: str) -> list[str]:
    """The public and hidden test cell of an answer."""
    return [f"test_{grade_id}", f"hidden_{grade_id}"]


def failures(result: LabResult) -> list[tuple[str, CheckResult]]:
    """(cell id, check) for every failed check."""
    return [(cell.grade_id, check) for cell in result.cells for check in cell.checks if not check.passed]


def assert_caught(result: LabResult, check: str, phrase: str, cells: Sequence[str]) -> None:
    """The check named ``check`` failed with 0 points and ``phrase`` (lowercase) in its message,
    and the graded cells lost points: how every catalogue entry of a wrong answer is judged."""
    named = [c for cell in result.cells for c in cell.checks if c.name == check]
    assert named, f"no check named {check!r} in {cells}"
    for found in named:
        assert not found.passed, f"{check!r} passed: {found.message}"
        assert found.points == 0.0
        assert found.max_points > 0
        assert phrase in found.message.lower(), f"{phrase!r} is not in the message of {check!r}: {found.message}"
    assert result.score < result.max_score


def assert_catalogue_covers(catalogue: Sequence, lab: str, minimum: int) -> None:
    """At least ``minimum`` distinct entries (ids and codes), whose graded cells cover every code answer of ``lab``
    (its concept questions have tests of their own: tests/test_questions.py)."""
    ids = [entry.id for entry in catalogue]
    assert len(ids) >= minimum
    assert len(set(ids)) == len(ids)
    assert len({entry.values[1] for entry in catalogue}) >= minimum, f"fewer than {minimum} distinct wrong codes"
    graded = {entry.values[4][0].removeprefix("test_") for entry in catalogue}
    assert graded == code_answers(lab)


def code_answers(lab: str) -> set[str]:
    """The grade_ids of the answers of ``lab`` that are code (not concept questions)."""
    return {spec.grade_id for spec in get_lab(lab).answers if not spec.question}


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


# ---------------------------------------------------------------- slow work started early
# A test module may define ``start_early()``: it starts the slow, independent work the module needs
# (a JAX subprocess, kernels running the student bundle) and returns a handle with ``close()``. It
# runs as soon as the session knows the module is selected, so that the work overlaps the in-process
# tests, which keep only one of the two cores busy; the module's tests run last.
_EARLY: dict[str, Any] = {}


def _early_module(item: pytest.Item) -> Any:
    module = getattr(item, "module", None)
    return module if hasattr(module, "start_early") else None


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    items.sort(key=lambda item: _early_module(item) is not None)  # stable: the order within each group stays


def pytest_collection_finish(session: pytest.Session) -> None:
    if session.config.option.collectonly:
        return
    for item in session.items:
        module = _early_module(item)
        if module is not None and module.__name__ not in _EARLY:
            _EARLY[module.__name__] = module.start_early()


def started_early(module_name: str, start: Callable[[], Any]) -> Any:
    """The handle ``start_early`` returned at collection (or a fresh one, when run otherwise)."""
    return _EARLY.get(module_name) or _EARLY.setdefault(module_name, start())


def pytest_sessionfinish(session: pytest.Session) -> None:
    for handle in _EARLY.values():
        handle.close()  # a run cut short (-x, Ctrl-C) leaves nothing running
    _EARLY.clear()
