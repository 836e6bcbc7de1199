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

from autograder.engine.capture import captured
from autograder.engine.course import CourseError, find_root
from autograder.engine.grade_cells import is_hidden, run_test_cell
from autograder.engine.student_answers import Answers
from autograder.labs import get_lab
from autograder.model.results import CellResult, CheckResult
from autograder.outputs.report import cell_report
from autograder.student import colab
from autograder.toolkit.from_scratch import has_stub
from autograder.toolkit.source_code import definition

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
        try:
            with captured():
                cell = self._checked(cell_id)
        except CourseError:  # said outside the capture, which would swallow it
            print(f"{cell_id}: {HIDDEN_ELSEWHERE}")
            return 0.0
        print(cell_report(cell))
        return float(cell.points)

    def _checked(self, cell_id: str) -> CellResult:
        try:
            return run_test_cell(self.lab, cell_id, Answers.from_kernel(self.namespace))
        except CourseError:
            raise
        except Exception as error:
            message = f"the checker itself failed ({type(error).__name__}: {error}); please tell your instructor"
            return CellResult(cell_id, (CheckResult("checker", False, 0.0, 0.0, message),))

    def stubs(self) -> list[str]:
        """The answers still missing or left as the ``raise NotImplementedError()`` stub."""
        sources = Answers.from_kernel(self.namespace).sources
        left = []
        for spec in self.lab.answers:
            # Each answer's own definitions only: a finished answer that calls a stub is not a stub.
            codes = [definition(name, sources) for name in spec.defines]
            if spec.question and any(name not in self.namespace for name in spec.defines):
                left.append(f"{spec.grade_id} (not answered yet)")
            elif None in codes or any(name not in self.namespace for name in spec.defines):
                left.append(f"{spec.grade_id} (not defined: run its cell)")
            elif any(has_stub(code) for code in codes):
                left.append(f"{spec.grade_id} (still raises NotImplementedError)")
        return left

    def ready_to_submit(self) -> None:
        """The last cell of a lab: run every public check, list the answers left as stubs, and on
        Colab download the notebook under its canonical name, ready to upload."""
        try:
            find_root()
        except CourseError:
            pass
        else:  # the course folder is here: nbgrader or the grader is grading, not a student
            print("Grading run (the course folder is here): the test cells above ran every check.")
            return
        with captured():
            cells = [self._checked(cell_id) for cell_id in self.lab.test_cells if not is_hidden(cell_id)]
        print(ready_report(self.lab.name, cells, self.stubs()))
        if colab.on_colab():
            path = colab.download_notebook(self.lab.name)
            print(f"Downloading {path.name}: upload it where your course collects the lab.")
        else:
            print(f"Save the notebook (Ctrl+S), then submit {self.lab.name}.ipynb.")


def ready_report(lab: str, cells: list[CellResult], stubs: list[str]) -> str:
    """The summary the ready-to-submit cell prints: points per public cell, stubs, what is left."""
    points, total = sum(c.points for c in cells), sum(c.max_points for c in cells)
    lines = [f"{lab}: {points:g} / {total:g} points in the public checks"]
    for cell in cells:
        failure = cell.first_failure()
        lines.append(
            f"  {cell.grade_id:<34}{cell.points:>5g} / {cell.max_points:g}"
            + (f"   first failure: {failure.name}" if failure else "")
        )
    if stubs:
        lines.append("Answers still left to write: " + "; ".join(stubs))
    if points == total and not stubs:
        lines.append("Every public check passes. Hidden checks will test the same answers on other inputs.")
    else:
        lines.append("Not finished yet: the failing checks' cells above say what is wrong. You may still submit.")
    return "\n".join(lines)


def notebook_checker(lab: str, namespace: MutableMapping[str, Any]) -> NotebookChecker:
    """The checker a lab's set-up cell makes: ``notebook_checker("batch_norm", globals())``."""
    return NotebookChecker(lab, namespace)
