"""Reports for people: a test cell's checks for the student, a class's table
for the instructor."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence

from autograder.model.checks import Check
from autograder.model.results import CellResult, LabResult


def _points(x: float) -> str:
    return f"{x:g}"


def cell_report(cell: CellResult, width: int = 100) -> str:
    """What a test cell prints: a line per check, and why each failure failed."""
    lines = [f"{cell.grade_id}: {_points(cell.points)} / {_points(cell.max_points)} points"]
    for check in cell.checks:
        mark = "PASS" if check.passed else "FAIL"
        lines.append(f"  {mark}  {check.name} ({_points(check.points)}/{_points(check.max_points)})")
        if not check.passed:
            lines += textwrap.wrap(check.message, width, initial_indent="        ", subsequent_indent="        ")
    return "\n".join(lines)


def class_table(results: Sequence[LabResult], message_width: int = 120) -> str:
    """One row per student: score and the first failing check's message."""
    rows = [("student", "lab", "score", "first failing check")]
    for result in results:
        first = result.first_failure()
        if result.status == "error":
            why = "; ".join(result.errors) or "not graded"
        elif first is None:
            why = "-"
        else:
            # The diagnosis, when there is one, says more in a table than the check's name and numbers.
            cell_id, check = first
            diagnosis = check.message.partition("Likely mistake: ")[2]
            why = f"{cell_id}: {diagnosis}" if diagnosis else f"{cell_id} / {check.name}: {check.message}"
        if len(why) > message_width:
            why = why[: message_width - 3] + "..."
        score = f"{_points(result.score)}/{_points(result.max_score)}"
        rows.append((result.student_id, result.lab, score, why))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    out = []
    for n, row in enumerate(rows):
        out.append("  ".join(cell.ljust(w) for cell, w in zip(row[:3], widths, strict=True)) + "  " + row[3])
        if n == 0:
            out.append("  ".join("-" * w for w in widths) + "  " + "-" * 19)
    return "\n".join(out)


def checks_table(lab: str, checks: Mapping[str, Sequence[Check]]) -> str:
    """A lab's checks for the instructor, in Markdown: per test cell, each check, what it is worth, and the
    sentence of the lab that states the rule it enforces (what ``python -m autograder checks`` prints)."""
    total = sum(check.points for cell in checks.values() for check in cell)
    lines = [f"## {lab} ({_points(total)} points)", ""]
    for cell_id, cell in checks.items():
        lines += [
            f"### `{cell_id}` ({_points(sum(check.points for check in cell))} points)",
            "",
            "| check | points | the lab says |",
            "|---|---:|---|",
        ]
        for check in cell:
            gate = f" (once *{check.requires}* passes)" if check.requires else ""
            name, rule = (text.replace("|", "\\|").replace("\n", " ") for text in (check.name, check.rule))
            lines.append(f"| {name}{gate} | {_points(check.points)} | {rule} |")
        lines.append("")
    return "\n".join(lines)
