"""The softmax_regression lab end to end, with real kernels and real nbgrader.

Expensive set-up is shared: the solution notebook runs once (nbclient), and one
nbgrader course generates the lab and autogrades a small class (reference,
blank, two typical mistakes) once for the whole module.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbgrader.api import Gradebook
from nbgrader.utils import determine_grade, is_grade

from autograder.course import release_path, solution_path
from autograder.demo import demo_class
from autograder.grading import grade_sources, points_of
from autograder.labs import get_lab
from autograder.notebooks import grade_id, read_notebook, with_answers

LAB = "softmax_regression"
CLASS = ("reference", "blank", "unstable_softmax", "sum_not_mean")
PLAIN_FLOAT = re.compile(r"^\d+(\.\d+)?$")

pytestmark = pytest.mark.slow


def nbgrader(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [sys.executable, "-m", "nbgrader", *args], cwd=cwd, capture_output=True, text=True, timeout=900
    )
    assert result.returncode == 0, f"nbgrader {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    return result


def grade_cells(notebook) -> dict[str, object]:
    return {grade_id(cell): cell for cell in notebook.cells if is_grade(cell)}


def outputs_of(cell, kind: str) -> str:
    return "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream" and o.name == kind)


@pytest.fixture(scope="module")
def executed_solution(repo):
    """The solution notebook, executed top to bottom in a fresh kernel."""
    notebook = read_notebook(solution_path(repo, LAB))
    NotebookClient(
        notebook,
        timeout=300,
        kernel_name="python3",
        resources={"metadata": {"path": str(solution_path(repo, LAB).parent)}},
    ).execute()
    return notebook


@pytest.fixture(scope="module")
def course(repo, tmp_path_factory):
    """A fresh nbgrader course: the lab generated, a small class submitted and autograded."""
    root = tmp_path_factory.mktemp("course")
    shutil.copy(repo / "nbgrader_config.py", root)
    shutil.copytree(repo / "solutions", root / "solutions")
    nbgrader("generate_assignment", LAB, "--log-level=WARN", cwd=root)
    released = read_notebook(release_path(root, LAB))
    students = demo_class(repo, LAB)
    for student in CLASS:
        folder = root / "submitted" / student / LAB
        folder.mkdir(parents=True)
        nbformat.write(with_answers(released, students[student]), folder / f"{LAB}.ipynb")
    nbgrader("autograde", LAB, "--log-level=WARN", cwd=root)
    return root


def autograded(course: Path, student: str):
    return read_notebook(course / "autograded" / student / LAB / f"{LAB}.ipynb")


def gradebook_scores(course: Path, student: str) -> dict[str, float]:
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        notebook = gradebook.find_submission_notebook(LAB, LAB, student)
        return {grade.name: float(grade.score) for grade in notebook.grades}


def test_solution_runs_with_full_marks_in_every_test_cell(executed_solution):
    """Does the solution run top to bottom without an error, every test cell scoring full points?"""
    errors = [
        o for c in executed_solution.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"
    ]
    assert not errors, [f"{e.ename}: {e.evalue}" for e in errors]
    for cell_id, cell in grade_cells(executed_solution).items():
        score, max_score = determine_grade(cell)
        assert max_score > 0 and score == max_score, f"{cell_id}: {score}/{max_score}\n{outputs_of(cell, 'stdout')}"


def test_test_cells_write_nothing_to_stderr(executed_solution):
    """Do test cells keep stderr clean (nbgrader scores a cell with stderr output 0)?"""
    for cell_id, cell in grade_cells(executed_solution).items():
        assert outputs_of(cell, "stderr") == "", cell_id


def test_test_cell_result_is_a_plain_float(executed_solution):
    """Is each test cell's result a plain float nbgrader can parse (not np.float64(...))?"""
    for cell_id, cell in grade_cells(executed_solution).items():
        results = [o for o in cell.outputs if o.output_type == "execute_result"]
        assert len(results) == 1, cell_id
        assert PLAIN_FLOAT.match(results[0].data["text/plain"]), (cell_id, results[0].data["text/plain"])


def test_grade_cell_points_equal_the_sum_of_their_checks(repo):
    """Does every grade cell's `points` equal the sum of its checks' `max_points`?"""
    lab = get_lab(LAB)
    cells = grade_cells(read_notebook(solution_path(repo, LAB)))
    assert list(cells) == lab.test_cells
    for cell_id, cell in cells.items():
        assert cell.metadata.nbgrader.points == points_of(lab, cell_id, repo), cell_id


def test_labs_equal_what_nbgrader_generates(repo, course):
    """Is labs/ exactly what `nbgrader generate_assignment` makes from solutions/ now?"""
    generated = json.loads(release_path(course, LAB).read_text())
    committed = json.loads(release_path(repo, LAB).read_text())
    assert committed == generated, "labs/ is stale: run `nbgrader generate_assignment softmax_regression --force`"


def test_notebooks_are_committed_without_outputs(repo):
    """Are the solution and the lab free of outputs and execution counts?"""
    for path in (solution_path(repo, LAB), release_path(repo, LAB)):
        for cell in read_notebook(path).cells:
            if cell.cell_type == "code":
                assert not cell.outputs and cell.execution_count is None, (path.name, cell.id)


def test_autograde_gives_the_reference_full_marks_and_the_blank_lab_zero(course):
    """Does `nbgrader autograde` give the reference every point and the blank lab none?"""
    lab = get_lab(LAB)
    total = sum(points_of(lab, cell_id, course) for cell_id in lab.test_cells)
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        reference = gradebook.find_submission(LAB, "reference")
        blank = gradebook.find_submission(LAB, "blank")
        assert total > 0 and reference.max_score == total and reference.score == total
        assert blank.score == 0


def test_typical_mistakes_lose_points_in_the_cell_that_tests_them(course):
    """Do the two mistakes lose points where they should, and only there?"""
    unstable, summed = gradebook_scores(course, "unstable_softmax"), gradebook_scores(course, "sum_not_mean")
    full = gradebook_scores(course, "reference")
    assert unstable["test_softmax"] < full["test_softmax"] and unstable["hidden_softmax"] < full["hidden_softmax"]
    lost = {cell for cell in full if summed[cell] < full[cell]}
    assert lost == {"test_categorical_crossentropy", "hidden_categorical_crossentropy"}


def test_autograde_agrees_with_in_process_grading(repo, course):
    """Does every test cell get the same score from nbgrader as from this package's own grading?"""
    lab = get_lab(LAB)
    for student, sources in demo_class(repo, LAB).items():
        if student not in CLASS:
            continue
        ours = grade_sources(student, lab, sources, repo)
        assert {cell.grade_id: cell.points for cell in ours.cells} == gradebook_scores(course, student), student


def test_blank_lab_messages_are_readable(course):
    """Does each test cell of the blank lab say "not implemented yet", with no traceback from the checker?"""
    for cell_id, cell in grade_cells(autograded(course, "blank")).items():
        assert not [o for o in cell.outputs if o.output_type == "error"], cell_id
        text = outputs_of(cell, "stdout")
        assert "not implemented yet" in text and "Traceback" not in text and "checker itself" not in text, text


def test_validate_passes_on_the_solution_and_fails_on_the_lab(course):
    """Does `nbgrader validate` pass the solution, and `validate --invert` the released lab?"""
    env_note = os.environ.get("LAB_QUICK")
    assert env_note == "1"  # validate runs the notebooks: quick mode keeps it short
    solved = nbgrader("validate", str(solution_path(course, LAB)), cwd=course)
    assert "Success! Your notebook passes all the tests." in solved.stdout, solved.stdout
    inverted = nbgrader("validate", "--invert", str(release_path(course, LAB)), cwd=course)
    assert "Success! The notebook does not pass any tests." in inverted.stdout, inverted.stdout
