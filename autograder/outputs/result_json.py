"""``<student_id>.json``: one student's result, the record a resumed run trusts (docs/design.md section 5)."""

from __future__ import annotations

from pathlib import Path

from autograder.model.checks import Lab
from autograder.model.results import LabResult
from autograder.outputs.folder import Ledger, result_json, result_path
from autograder.outputs.writers import Writer, register


@register
class ResultJson(Writer):
    """Each result as ``<student_id>.json``, recorded in the folder's ledger."""

    name = "json"

    def __init__(self, out: Path, lab: Lab):
        super().__init__(out, lab)
        self.ledger = Ledger(out)

    def write(self, result: LabResult) -> None:
        self.ledger.write(result_path(self.out, result.student_id), result_json(result))
