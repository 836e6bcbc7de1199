"""Grading with the isolated grader: one notebook (:func:`grade_notebook`) or a class (:func:`grade_class`).

The command line, the pytest plugin, the Gradescope runner and the demo all grade through these two
functions; results come back as :class:`~autograder.model.results.LabResult` and reach files through the
writers of :mod:`autograder.outputs`.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from autograder.engine.submissions import AnswerCells, Submission, canonical_stem, read_answers
from autograder.grader.isolated_grader import SANDBOX, Grader
from autograder.grader.verdicts import error_result
from autograder.isolation.limits import Limits
from autograder.model.checks import Lab
from autograder.model.results import LabResult
from autograder.outputs.folder import load_results
from autograder.outputs.writers import DEFAULT, writers


def read_submissions(lab: Lab, submissions: Sequence[Submission]) -> list[AnswerCells]:
    """Each submission's answer cells, read in the grader's process (the worker gets them through its pipe)."""
    return [read_answers(lab, submission.path, submission.student_id) for submission in submissions]


def grade_notebook(
    lab: Lab,
    root: Path,
    notebook: Path,
    limits: Limits,
    student_id: str = "",
    private: Sequence[Path] = (),
    sandbox: str = SANDBOX,
) -> LabResult:
    """Grade one notebook in an isolated worker and return its result; nothing is written.

    ``student_id`` defaults to the notebook's name without Colab's "Copy of" and " (1)"; ``private`` names
    more folders the worker must not see (the notebook's own folder is hidden from it anyway). A file that is
    no notebook gets an error result without starting a worker.
    """
    student = read_answers(lab, notebook, student_id or canonical_stem(notebook))
    if student.error:
        return error_result(student.student_id, lab, student.error)
    results: list[LabResult] = []
    with tempfile.TemporaryDirectory(prefix="autograder-notebook-") as scratch:
        grader = Grader(lab, root, Path(scratch), 1, limits, private=[notebook.parent, *private], sandbox=sandbox)
        try:
            grader.grade([student], results.append)
        finally:
            grader.close()
    return results[0]


def grade_class(
    lab: Lab,
    root: Path,
    submissions: Sequence[Submission],
    out: Path,
    jobs: int,
    limits: Limits,
    force: bool = False,
    progress: Callable[[str], None] | None = None,
    sandbox: str = SANDBOX,
    formats: Sequence[str] = DEFAULT,
) -> list[LabResult]:
    """Grade the submissions not graded yet (all with ``force``), writing results as they come.

    ``sandbox`` names the isolation backend (``"none"``: no isolation, recorded in every result);
    ``formats`` the writers of :mod:`autograder.outputs.writers` the results go through.
    Raises SandboxFailure, before any result is written, where the sandbox cannot be built.
    """
    previous, ignored = load_results(out, lab) if out.is_dir() else ({}, [])
    if progress and ignored:
        progress(f"ignored {len(ignored)} file(s) in {out} this grader did not write: {', '.join(ignored[:5])}")
    todo = read_submissions(lab, [s for s in submissions if force or s.student_id not in previous])
    grader = None
    if any(not student.error for student in todo):  # else nothing to run: no warm process, no references
        # Answers reach a worker through its own pipe: the submissions' folders can be hidden too.
        grader = Grader(lab, root, out, jobs, limits, private=[s.path.parent for s in submissions], sandbox=sandbox)
    try:
        out.mkdir(parents=True, exist_ok=True)
        outputs = writers(formats, out, lab)
        recorded = dict(previous)
        results: list[LabResult] = []

        def record(result: LabResult) -> None:
            for output in outputs:
                output.write(result)
            recorded[result.student_id] = result
            for output in outputs:
                output.finish(recorded)
            results.append(result)
            if progress:
                before = previous.get(result.student_id)
                change = ""
                if force and before is not None and before.score != result.score:
                    change = f" (was {before.score:g})"
                score = f"{result.score:g}/{result.max_score:g}"
                progress(f"[{len(results)}/{len(todo)}] {result.student_id}: {score}{change}")

        if grader is None:
            for student in todo:
                record(error_result(student.student_id, lab, student.error))
        else:
            grader.grade(todo, record)
        if not todo:
            for output in outputs:
                output.finish(recorded)
        return results
    finally:
        if grader is not None:
            grader.close()
