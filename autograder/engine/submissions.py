"""Finding submissions and reading the answers out of them (docs/design.md section 5).

A SUBMISSION argument is a notebook file (student id = its name), a folder of
``<student>.ipynb``, or nbgrader's ``submitted/<student>/<lab>/*.ipynb`` tree.
Colab's download names (``Copy of batch_norm.ipynb``, ``batch_norm (1).ipynb``)
are recognised. Each answer is found by its nbgrader grade_id; when a student
lost the metadata, by the cell that defines the answer's names, and the result
says so. Nothing here runs student code.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from autograder.engine.cells import NotebookError, comment_out_magics, grade_id, read_notebook
from autograder.model.checks import Lab
from autograder.toolkit.source_code import bound_names

_COLAB = re.compile(r"^(?:Copy of )?(?P<stem>.+?)(?: \(\d+\))?$")


class UsageError(ValueError):
    """The command line names something that is not a submission."""


@dataclass(frozen=True)
class Submission:
    student_id: str
    path: Path


@dataclass
class AnswerCells:
    """The answer cells of one student's submission, and what the grader had to say about reading them."""

    student_id: str = ""
    sources: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    error: str = ""  # why nothing of it can be graded (an unreadable notebook); empty if it can


def canonical_stem(path: Path) -> str:
    """``Copy of batch_norm (1).ipynb`` -> ``batch_norm``."""
    return _COLAB.match(path.stem).group("stem")


def _lab_notebooks(folder: Path, lab: str) -> list[Path]:
    return sorted(p for p in folder.glob("*.ipynb") if canonical_stem(p) == lab)


def find(lab: str, arguments: Sequence[str]) -> list[Submission]:
    """The submissions the arguments name, in a stable order; a UsageError for anything else."""
    found: list[Submission] = []
    for argument in arguments:
        path = Path(argument)
        if path.is_file():
            if path.suffix != ".ipynb":
                raise UsageError(f"{argument} is not a notebook (.ipynb)")
            found.append(Submission(canonical_stem(path), path))
        elif path.is_dir():
            students = sorted(p for p in path.iterdir() if p.is_dir() and (p / lab).is_dir())
            if students:  # nbgrader's submitted/<student>/<lab>/ tree
                for student in students:
                    notebooks = _lab_notebooks(student / lab, lab) or sorted((student / lab).glob("*.ipynb"))
                    if notebooks:
                        found.append(Submission(student.name, notebooks[-1]))
            else:
                found += [Submission(canonical_stem(p), p) for p in sorted(path.glob("*.ipynb"))]
        else:
            raise UsageError(f"no such file or folder: {argument}")
    seen: dict[str, Path] = {}
    for submission in found:
        if submission.student_id in seen:
            raise UsageError(
                f"two submissions for student {submission.student_id!r}: {seen[submission.student_id]} and "
                f"{submission.path}"
            )
        seen[submission.student_id] = submission.path
    return found


def _defines(source: str, names: Sequence[str]) -> bool:
    try:
        tree = ast.parse(comment_out_magics(source)[0])
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    bound = {name for node in tree.body for name in bound_names(node, imports=False)}
    return set(names) <= bound


MAX_ANSWER_CHARACTERS = 100_000  # an answer cell is a few dozen lines; these bound the grader's own work
MAX_ANSWER_LINES = 2000


def text(value: object) -> str:
    """``value`` as text that can be written as UTF-8 (a lone surrogate becomes "?")."""
    value = value if isinstance(value, str) else ""
    return value.encode("utf-8", "replace").decode("utf-8")


def read_answers(lab: Lab, path: Path, student_id: str = "") -> AnswerCells:
    """The answer cells of ``student_id``'s notebook at ``path``, magics commented out.

    Total: whatever the file holds, the result is answers, notes, or an error for this student.
    """
    try:
        return _read_answers(lab, path, student_id)
    except Exception as error:  # a notebook malformed in a way no check above foresaw
        message = f"{path.name} could not be read ({type(error).__name__}): is it a damaged .ipynb file?"
        return AnswerCells(student_id, error=message)


def _read_answers(lab: Lab, path: Path, student_id: str) -> AnswerCells:
    answers = AnswerCells(student_id)
    try:
        notebook = read_notebook(path)
    except NotebookError as error:
        answers.error = str(error)
        return answers
    code_cells = [cell for cell in notebook.cells if cell.cell_type == "code"]
    for cell in code_cells:
        cell.source = text(cell.source)
    for spec in lab.answers:
        cells = [cell for cell in code_cells if grade_id(cell) == spec.grade_id]
        if len(cells) > 1:
            answers.notes.append(f"{spec.grade_id}: {len(cells)} cells carry this grade_id, so it was not graded")
            continue
        if not cells:
            cells = [cell for cell in code_cells if grade_id(cell) is None and _defines(cell.source, spec.defines)]
            if not cells:
                answers.notes.append(
                    f"{spec.grade_id}: no cell with this grade_id or defining {', '.join(spec.defines)}"
                )
                continue
            answers.notes.append(
                f"{spec.grade_id}: found by the names it defines ({', '.join(spec.defines)}); its nbgrader metadata "
                "is missing"
            )
        source = cells[-1].source
        if len(source) > MAX_ANSWER_CHARACTERS or source.count("\n") >= MAX_ANSWER_LINES:
            answers.notes.append(
                f"{spec.grade_id}: the cell has {source.count(chr(10)) + 1} lines and {len(source)} characters, over "
                f"the {MAX_ANSWER_LINES} lines or {MAX_ANSWER_CHARACTERS} characters an answer may have, so it was "
                "not graded"
            )
            continue
        source, removed = comment_out_magics(source)
        answers.notes += [f"{spec.grade_id}: commented out `{line}`" for line in removed]
        answers.sources[spec.grade_id] = source
    return answers
