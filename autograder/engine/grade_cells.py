"""Grading: the checks of every test cell of a lab, public and hidden, on one
student's answers.

Public checks compare with the Keras built-ins on inputs from a public seed;
hidden checks (from the course folder) compare with the reference solution on
inputs from the course's hidden seed.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from typing import Any

from autograder.engine import course
from autograder.engine.cells import cell_source, comment_out_magics, read_notebook, run_cells
from autograder.engine.run_checks import run_cell
from autograder.engine.student_answers import Answers
from autograder.model.checks import BUILTIN, REFERENCE, Check, Lab
from autograder.model.results import CellResult, CheckResult, LabResult

PUBLIC_SEED = 20261126  # public inputs: anyone can read them in this package anyway


_BUILTINS: dict[str, dict[str, Any]] = {}


def _builtins(lab: Lab) -> dict[str, Any]:
    """The lab's built-in oracle namespace, made once per process."""
    if lab.name not in _BUILTINS:
        _BUILTINS[lab.name] = lab.builtins()
    return _BUILTINS[lab.name]


def is_hidden(cell_id: str) -> bool:
    return cell_id.startswith("hidden_")


def cell_checks(lab: Lab, cell_id: str, root: Path | None = None) -> tuple[Check, ...]:
    """The checks of one test cell: public ones from this package, hidden ones from the course."""
    if cell_id in lab.public_checks:
        return tuple(lab.public_checks[cell_id])
    if not is_hidden(cell_id):
        raise KeyError(f"lab {lab.name!r} has no test cell {cell_id!r}; its test cells are {lab.test_cells}")
    hidden = course.hidden_checks(root or course.find_root(), lab.name)
    if cell_id not in hidden:
        raise course.CourseError(f"the hidden checks of {lab.name} have no cell {cell_id!r}")
    return hidden[cell_id]


def oracles_and_seed(lab: Lab, cell_id: str, root: Path | None) -> tuple[dict[str, Any], int]:
    if not is_hidden(cell_id):
        return {BUILTIN: _builtins(lab)}, PUBLIC_SEED
    root = root or course.find_root()
    grade_ids = tuple(spec.grade_id for spec in lab.answers)
    oracles = {BUILTIN: _builtins(lab), REFERENCE: course.reference_namespace(root, lab.name, grade_ids)}
    return oracles, course.hidden_seed(root)


def run_test_cell(
    lab: Lab, cell_id: str, answers: Answers, root: Path | None = None, only: Collection[str] | None = None
) -> CellResult:
    """Run one test cell's checks (``only``: just the checks of these names)."""
    checks = tuple(c for c in cell_checks(lab, cell_id, root) if only is None or c.name in only)
    oracles, seed = oracles_and_seed(lab, cell_id, root)
    return run_cell(lab, cell_id, checks, answers, oracles, seed)


def lab_checks(lab: Lab, root: Path | None = None) -> dict[str, tuple[Check, ...]]:
    """Every test cell's checks, public and hidden, in notebook order (what a full grading reports on)."""
    return {cell_id: cell_checks(lab, cell_id, root) for cell_id in lab.test_cells}


def points_of(lab: Lab, cell_id: str, root: Path | None = None) -> float:
    """The points a test cell is worth: the sum of its checks' points."""
    return float(sum(check.points for check in cell_checks(lab, cell_id, root)))


def grade_sources(
    student_id: str,
    lab: Lab,
    sources: Mapping[str, str],
    root: Path,
    errors: tuple[str, ...] = (),
    cells: Sequence[str] | None = None,
    only: Collection[str] | None = None,
) -> LabResult:
    """Grade answer code (grade_id -> code) in this process, with the lab's own imports.

    The imports come from the released lab, never from the student's copy.
    ``cells`` limits grading to some test cells (default: all, in notebook order), ``only`` to the checks
    of some names (default: all).
    """
    imports = cell_source(read_notebook(course.release_path(root, lab.name)), course.IMPORTS_CELL)
    notes = list(errors)
    cleaned = {}
    for gid, source in sources.items():
        cleaned[gid], removed = comment_out_magics(source)
        notes += [f"{gid}: commented out `{line}`" for line in removed]
    namespace: dict[str, Any] = {"__name__": "__main__"}
    failures = run_cells({course.IMPORTS_CELL: imports, **cleaned}, namespace)
    answers = Answers(namespace, [imports, *cleaned.values()], in_kernel=False, errors=failures)
    for spec in lab.answers:
        if spec.grade_id not in sources:
            answers.errors[spec.grade_id] = "the notebook has no cell with this grade_id"
    results = []
    for cell_id in cells or lab.test_cells:
        try:
            results.append(run_test_cell(lab, cell_id, answers, root, only))
        except course.CourseError as error:
            notes.append(str(error))
            results.append(CellResult(cell_id, (CheckResult("hidden checks", False, 0.0, 0.0, str(error)),)))
    notes += [f"{gid}: {why}" for gid, why in failures.items() if gid != course.IMPORTS_CELL]
    return LabResult(student_id, lab.name, tuple(results), tuple(notes), {"grader": "in-process"})
