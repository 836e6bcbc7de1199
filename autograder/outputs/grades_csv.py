"""grades.csv: one row per student, a column per test cell (docs/design.md section 5)."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from pathlib import Path

from autograder.model.checks import Lab
from autograder.model.results import LabResult
from autograder.outputs.folder import write_atomically
from autograder.outputs.writers import Writer, register


def write_grades_csv(out: Path, lab: Lab, results: Mapping[str, LabResult]) -> Path:
    """grades.csv, atomically, from every student's result (so a resumed run lists everyone once)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["student_id", "lab", "score", "max_score", "status", *lab.test_cells])
    for student_id in sorted(results):
        result = results[student_id]
        points = {cell.grade_id: cell.points for cell in result.cells}
        row = [result.student_id, result.lab, result.score, result.max_score, result.status]
        writer.writerow(row + [points.get(cell, 0.0) for cell in lab.test_cells])
    target = out / "grades.csv"
    write_atomically(target, buffer.getvalue())
    return target


@register
class GradesCsv(Writer):
    """The class's grades.csv, rewritten after every result."""

    name = "grades_csv"

    def finish(self, results: Mapping[str, LabResult]) -> None:
        write_grades_csv(self.out, self.lab, results)
