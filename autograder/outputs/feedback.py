"""A student's feedback as a self-contained HTML page, from the grader's result.

It holds what nbgrader's feedback holds for a test cell (each check's verdict, points and
message) and nothing the student must not see: messages of hidden checks name the mistake
and the size of the error, never inputs, expected values or reference code (docs/design.md section 4),
and the page is built from the result alone, so no reference or hidden check can reach it.
"""

from __future__ import annotations

import html

from autograder.engine.grade_cells import is_hidden
from autograder.model.results import CellResult, LabResult
from autograder.outputs.folder import feedback_path, write_atomically
from autograder.outputs.writers import Writer, register

_STYLE = """
body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; color: #222; }
table { border-collapse: collapse; width: 100%; margin-bottom: 1.5rem; }
th, td { text-align: left; padding: .35rem .6rem; border-bottom: 1px solid #ddd; vertical-align: top; }
td.points { white-space: nowrap; text-align: right; }
.pass { color: #1a7f37; } .fail { color: #b42318; font-weight: 600; }
.note { background: #fff8e1; padding: .5rem .8rem; border-left: 4px solid #f5a623; }
"""


def _points(value: float) -> str:
    return f"{value:g}"


def _cell_table(cell: CellResult) -> str:
    hidden = is_hidden(cell.grade_id)
    kind = "hidden checks (other inputs, same answer)" if hidden else "public checks (as in your notebook)"
    rows = []
    for check in cell.checks:
        verdict = '<span class="pass">PASS</span>' if check.passed else '<span class="fail">FAIL</span>'
        rows.append(
            f"<tr><td>{verdict}</td><td>{html.escape(check.name)}</td>"
            f'<td class="points">{_points(check.points)} / {_points(check.max_points)}</td>'
            f"<td>{html.escape(check.message)}</td></tr>"
        )
    return (
        f"<h2>{html.escape(cell.grade_id)}: {_points(cell.points)} / {_points(cell.max_points)}</h2>"
        f"<p>{kind}</p><table><tr><th></th><th>check</th><th>points</th><th>message</th></tr>"
        + "".join(rows)
        + "</table>"
    )


def feedback_html(result: LabResult) -> str:
    """The feedback page of one student's result."""
    title = f"{result.lab}: feedback for {result.student_id}"
    parts = [
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
        f"<style>{_STYLE}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
        f"<p><strong>Score: {_points(result.score)} / {_points(result.max_score)}</strong>"
        f" (status: {html.escape(result.status)})</p>",
    ]
    if result.errors:
        notes = "".join(f"<li>{html.escape(error)}</li>" for error in result.errors)
        parts.append(f'<div class="note"><p>Notes from the grader:</p><ul>{notes}</ul></div>')
    parts += [_cell_table(cell) for cell in result.cells]
    grader = result.environment.get("grader", "autograder")
    parts.append(f"<p><small>Graded by {html.escape(str(grader))}.</small></p></body></html>")
    return "\n".join(parts)


@register
class FeedbackPage(Writer):
    """Each result as ``feedback/<student_id>.html``."""

    name = "feedback"

    def write(self, result: LabResult) -> None:
        path = feedback_path(self.out, result.student_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(path, feedback_html(result))
