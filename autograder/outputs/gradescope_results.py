"""Gradescope's results.json from one student's result: one Gradescope test per check (docs/design.md
section 5), public checks visible at once, hidden ones once grades are published."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from autograder.engine.grade_cells import is_hidden
from autograder.model.results import CheckResult, LabResult
from autograder.version import __version__

VISIBLE = "visible"


AFTER_PUBLISHED = "after_published"


VISIBILITIES = ("hidden", "after_due_date", "after_published", "visible")


@dataclass(frozen=True)
class CheckSpec:
    """One check of the lab as the student will see it listed, graded or not."""

    cell: str
    name: str
    max_points: float


def _not_graded(result: LabResult) -> str:
    errors = "; ".join(result.errors)
    if result.status == "error":
        return f"not graded: {errors or 'the upload could not be read'}"
    return "not graded: the grader gave no result for this check" + (f" ({errors})" if errors else "")


def _tests(result: LabResult, checks: Sequence[CheckSpec]) -> list[dict[str, Any]]:
    """One Gradescope test per check: the lab's checks in order, then any the result adds."""
    graded: dict[tuple[str, str], CheckResult] = {
        (cell.grade_id, check.name): check for cell in result.cells for check in cell.checks
    }
    worth = {(spec.cell, spec.name): spec.max_points for spec in checks}
    order = list(worth) + [key for key in graded if key not in worth]
    cells: dict[str, int] = {}
    counts: dict[str, int] = {}
    tests = []
    for cell, name in order:
        cells.setdefault(cell, len(cells) + 1)
        counts[cell] = counts.get(cell, 0) + 1
        check = graded.get((cell, name))
        if check is None:
            score, max_score, output = 0.0, worth[(cell, name)], _not_graded(result)
        else:
            score, max_score, output = check.points, check.max_points, check.message
        tests.append(
            {
                "name": f"{cell} / {name}",
                "score": score,
                "max_score": max_score,
                "output": output,
                "visibility": AFTER_PUBLISHED if is_hidden(cell) else VISIBLE,
                "number": f"{cells[cell]}.{counts[cell]}",
            }
        )
    return tests


def _summary(result: LabResult, score: float, max_score: float, notes: Sequence[str]) -> str:
    """The top-level output: the score, how it was graded and the notes."""
    how = result.environment.get("grader", f"autograder {__version__}")
    if "python" in result.environment:
        how += f", Python {result.environment['python']}"
    lines = [
        f"{result.lab}: {score:g}/{max_score:g} points, graded by {how}.",
        "One test per check. Public checks (test_*) are the ones your notebook's check cells run; hidden checks "
        "(hidden_*) use inputs you have not seen and are shown once grades are published.",
    ]
    errors = list(result.errors)
    if result.status == "error":
        problem = "; ".join(errors)
        lines.append(f"Your upload could not be graded: {problem}. Every check scores 0: fix it and upload again.")
        errors = []
    if notes or errors:
        lines += ["", "Notes:", *(f"- {line}" for line in [*notes, *errors])]
    return "\n".join(lines)


def isolation_report(result: LabResult) -> str:
    """What the worker's isolation enforced, for the instructor's log only (stdout, hidden from students):
    telling students which protection is off on this machine would only invite them to try it."""
    isolation = result.environment.get("isolation")
    if not isinstance(isolation, Mapping):
        return "isolation: not reported"
    return "isolation of the student's code:\n" + "\n".join(f"- {k}: {v}" for k, v in isolation.items())


def gradescope_results(
    result: LabResult, checks: Sequence[CheckSpec] = (), notes: Sequence[str] = ()
) -> dict[str, Any]:
    """Gradescope's results.json from one student's result.

    ``checks`` lists every check of the lab, so that an upload the grader could not read still shows, check by
    check, what it was worth; ``notes`` are said before the grader's own notes. Public checks are visible at
    once, hidden ones after the grades are published (their messages name the mistake, never the inputs or the
    reference).
    """
    tests = _tests(result, checks)
    score = round(sum(test["score"] for test in tests), 6)
    max_score = round(sum(test["max_score"] for test in tests), 6)
    return {
        "score": score,
        "output": _summary(result, score, max_score, notes),
        "visibility": VISIBLE,
        "stdout_visibility": "hidden",  # the grader's log is for the instructor
        "tests": tests,
    }
