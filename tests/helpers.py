"""Helpers the tests share: the repository's root, in-process grading of answer code, and the assertions the
lab catalogues make. A module, so that tests import it by name (conftest.py holds only fixtures and hooks)."""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from pathlib import Path
from typing import Any

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
    (its concept questions have tests of their own: tests/toolkit/test_questions.py)."""
    ids = [entry.id for entry in catalogue]
    assert len(ids) >= minimum
    assert len(set(ids)) == len(ids)
    assert len({entry.values[1] for entry in catalogue}) >= minimum, f"fewer than {minimum} distinct wrong codes"
    graded = {entry.values[4][0].removeprefix("test_") for entry in catalogue}
    assert graded == code_answers(lab)


def code_answers(lab: str) -> set[str]:
    """The grade_ids of the answers of ``lab`` that are code (not concept questions)."""
    return {spec.grade_id for spec in get_lab(lab).answers if not spec.question}


# Slow, independent work a test module started early (see conftest.py): module name -> handle with close().
EARLY: dict[str, Any] = {}


def started_early(module_name: str, start: Callable[[], Any]) -> Any:
    """The handle ``start_early`` returned at collection (or a fresh one, when run otherwise)."""
    return EARLY.get(module_name) or EARLY.setdefault(module_name, start())


def processes(pattern: str, full_command: bool = False) -> set[int]:
    """The PIDs of the processes now running whose name (or, with ``full_command``, command line) matches."""
    found = subprocess.run(["pgrep", *(["-f"] if full_command else []), pattern], capture_output=True, text=True)
    return {int(pid) for pid in found.stdout.split()}


def processes_left(
    pattern: str, full_command: bool = False, ignore: Collection[int] = (), seconds: float = 5
) -> set[int]:
    """The matching processes (but those in ``ignore``) still running ``seconds`` from now at the latest: a
    killed process, and the ones that end with it, take a moment to go."""
    deadline = time.monotonic() + seconds
    while (left := processes(pattern, full_command) - set(ignore)) and time.monotonic() < deadline:
        time.sleep(0.2)
    return left
