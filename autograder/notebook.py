"""The checks as a student meets them: called from a lab's test cells.

The set-up cell of a lab makes a checker bound to the notebook's globals::

    checker = autograder.notebook_checker("softmax_regression", globals())

and each test cell's last line is ``checker.run("test_softmax")``: it prints a
line per check (and why each failure failed) and evaluates to the cell's
points as a plain ``float``, which nbgrader reads as partial credit. Nothing
reaches stderr (nbgrader would score the cell 0), and no traceback from the
checker ever does either.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

from .capture import captured
from .course import CourseError
from .grading import run_test_cell
from .labs import get_lab
from .report import cell_report
from .results import CellResult, CheckResult
from .runner import Answers

# What a hidden test cell says in a student's copy, where the course's hidden checks are absent.
HIDDEN_ELSEWHERE = (
    "hidden checks test the same answer on other inputs when your instructor grades the lab; "
    "they cannot run here (0 points here, not a verdict on your answer)"
)


class NotebookChecker:
    """Runs a lab's test cells on the answers defined in a notebook's namespace."""

    def __init__(self, lab: str, namespace: MutableMapping[str, Any]):
        self.lab = get_lab(lab)
        self.namespace = namespace

    def run(self, cell_id: str) -> float:
        """Run the checks of test cell ``cell_id``, print the report, return the points."""
        with captured():
            try:
                cell = run_test_cell(self.lab, cell_id, Answers.from_kernel(self.namespace))
            except CourseError:
                print(f"{cell_id}: {HIDDEN_ELSEWHERE}")
                return 0.0
            except Exception as error:
                message = f"the checker itself failed ({type(error).__name__}: {error}); please tell your instructor"
                cell = CellResult(cell_id, (CheckResult("checker", False, 0.0, 0.0, message),))
        print(cell_report(cell))
        return float(cell.points)


def notebook_checker(lab: str, namespace: MutableMapping[str, Any]) -> NotebookChecker:
    """The checker a lab's set-up cell makes: ``notebook_checker("batch_norm", globals())``."""
    return NotebookChecker(lab, namespace)
