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
from autograder.grader.class_run import ClassRun
from autograder.grader.isolated_grader import SANDBOX, Grader
from autograder.grader.verdicts import error_result
from autograder.isolation.limits import Limits
from autograder.model.checks import Lab
from autograder.model.results import LabResult
from autograder.outputs.writers import DEFAULT


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
    with tempfile.TemporaryDirectory(prefix="autograder-notebook-") as scratch:
        grader = Grader(lab, root, Path(scratch), 1, limits, private=[notebook.parent, *private], sandbox=sandbox)
        try:
            return grader.grade_one(student)
        finally:
            grader.close()


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
    run = ClassRun(lab, out, submissions, force, progress)
    todo = read_submissions(lab, run.todo)
    grader = None
    if any(not student.error for student in todo):  # else nothing to run: no warm process, no references
        # Answers reach a worker through its own pipe: the submissions' folders can be hidden too.
        grader = Grader(lab, root, out, jobs, limits, private=[s.path.parent for s in submissions], sandbox=sandbox)
    try:
        run.open(formats)

        def record(result: LabResult) -> None:
            run.record(result)
            run.finish()
            if progress:
                progress(run.line(result))

        if grader is None:
            for student in todo:
                record(error_result(student.student_id, lab, student.error))
        else:
            grader.grade(todo, record)
        if not todo:
            run.finish()
        return run.results
    finally:
        if grader is not None:
            grader.close()
