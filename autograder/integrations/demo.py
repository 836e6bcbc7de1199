"""``python -m autograder demo``: grade the bundled example class of every lab.

The class of each lab is the reference solution ("reference"), the blank
student lab ("blank"), and the typical mistakes of
``solutions/_grading/demo/<lab>.py`` (each the reference with one answer
replaced). It shows an instructor what the grader reports before a real
class is graded.
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from autograder.engine import course
from autograder.engine.capture import captured
from autograder.engine.cells import answer_sources, read_notebook, with_answers
from autograder.labs import available, get_lab
from autograder.model.results import LabResult
from autograder.outputs.report import class_table


def demo_class(root: Path, lab_name: str) -> dict[str, dict[str, str]]:
    """student id -> {grade_id: answer code} for the demo class of a lab."""
    lab = get_lab(lab_name)
    grade_ids = [spec.grade_id for spec in lab.answers]
    reference = answer_sources(read_notebook(course.solution_path(root, lab_name)), grade_ids)
    blank = answer_sources(read_notebook(course.release_path(root, lab_name)), grade_ids)
    students = {"reference": reference, "blank": blank}
    for student, answers in course.demo_students(root, lab_name).items():
        students[student] = {**reference, **answers}
    return students


def run_demo(root: Path, labs: Sequence[str] | None = None, out: TextIO = sys.stdout) -> list[LabResult]:
    """Grade the demo class of each lab with the isolated grader, printing progress and then the table."""
    import os

    import nbformat

    from autograder.engine.submissions import find
    from autograder.grader import grade_class
    from autograder.isolation.limits import Limits

    with captured():  # TensorFlow's C++ start-up lines are not for the instructor's terminal
        import keras
    names = [lab for lab in (labs or available()) if course.solution_path(root, lab).is_file()]
    print(
        f"Grading the demo class of {', '.join(names)} in isolated workers "
        f"(Keras {keras.__version__}, {keras.backend.backend()} backend).",
        file=out,
    )
    results = []
    with tempfile.TemporaryDirectory(prefix="autograder-demo-") as scratch:
        for lab_name in names:
            lab = get_lab(lab_name)
            folder, grades = Path(scratch) / lab_name, Path(scratch) / f"{lab_name}-grades"
            folder.mkdir()
            released = read_notebook(course.release_path(root, lab_name))
            students = demo_class(root, lab_name)
            for student, sources in students.items():
                nbformat.write(with_answers(released, sources), folder / f"{student}.ipynb")
            start = time.perf_counter()
            graded = grade_class(
                lab,
                root,
                find(lab_name, [str(folder)]),
                grades,
                os.cpu_count() or 1,
                Limits(),
                progress=lambda line, lab_name=lab_name: print(f"  [{lab_name}] {line}", file=out),
            )
            print(f"  {lab_name}: {len(graded)} submissions in {time.perf_counter() - start:.1f} s", file=out)
            order = list(students)
            results += sorted(graded, key=lambda r: order.index(r.student_id))
    print(file=out)
    print(class_table(results), file=out)
    return results
