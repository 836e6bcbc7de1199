"""One grading run of a class into its output folder, however the class is graded (one machine or a cluster):
what earlier runs left there (so a run resumes), who is still to grade, and each new result written through
the writers as soon as it comes, once per student."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from autograder.engine.submissions import Submission
from autograder.model.checks import Lab
from autograder.model.results import LabResult
from autograder.outputs.folder import load_results
from autograder.outputs.writers import Writer, writers


class ClassRun:
    """The results of ``lab`` in ``out``: those of earlier runs (``previous``), the submissions still to grade
    (``todo``: all of them with ``force``), and this run's results as they are recorded."""

    def __init__(
        self,
        lab: Lab,
        out: Path,
        submissions: Sequence[Submission],
        force: bool,
        progress: Callable[[str], None] | None = None,
    ):
        self.lab, self.out, self.force, self.progress = lab, out, force, progress
        self.previous, ignored = load_results(out, lab) if out.is_dir() else ({}, [])
        if progress and ignored:
            progress(f"ignored {len(ignored)} file(s) in {out} this grader did not write: {', '.join(ignored[:5])}")
        self.todo = [s for s in submissions if force or s.student_id not in self.previous]
        self.recorded = dict(self.previous)
        self.results: list[LabResult] = []
        self.graded: set[str] = set()  # this run's students
        self.outputs: list[Writer] = []

    def open(self, formats: Sequence[str]) -> None:
        """Create the output folder and its writers (once grading can start: nothing is written before)."""
        self.out.mkdir(parents=True, exist_ok=True)
        self.outputs = writers(formats, self.out, self.lab)

    def record(self, result: LabResult) -> bool:
        """Write one student's result, unless this run has recorded them already; whether it was written."""
        if result.student_id in self.graded:
            return False
        self.graded.add(result.student_id)
        for output in self.outputs:
            output.write(result)
        self.recorded[result.student_id] = result
        self.results.append(result)
        return True

    def finish(self) -> None:
        """Rewrite the class-level outputs (grades.csv) from every result so far."""
        for output in self.outputs:
            output.finish(self.recorded)

    def line(self, result: LabResult) -> str:
        """The progress line of the latest result: done/total, the student, the score (and the earlier one, when
        ``force`` changed it)."""
        before = self.previous.get(result.student_id)
        change = f" (was {before.score:g})" if self.force and before and before.score != result.score else ""
        done = f"[{len(self.results)}/{len(self.todo)}]"
        return f"{done} {result.student_id}: {result.score:g}/{result.max_score:g}{change}"
