"""Every lab end to end, with real kernels and real nbgrader.

The expensive part starts as soon as the session has collected its tests
(conftest: start_early) and runs concurrently: for each lab, in a course
folder of its own, the instructor's term: `nbgrader generate_assignment`,
`zip_collect` of a small class (reference, blank, a typical mistake) downloaded
from an LMS under Colab's file names, `autograde`, `generate_feedback`, `export`,
and the project's grader on the same submissions; beside them, for one lab,
`nbgrader validate` of the solution and `validate --invert` of the lab. The tests
below only read what those runs left behind.
"""

from __future__ import annotations

import csv
import html
import json
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest
from helpers import REPO, instructor_only_lines, started_early
from nbgrader.api import Gradebook
from nbgrader.utils import determine_grade, is_grade

from autograder.engine.cells import grade_id, read_notebook, with_answers
from autograder.engine.course import release_path, solution_path
from autograder.engine.grade_cells import points_of
from autograder.integrations.demo import demo_class
from autograder.labs import available, get_lab

LABS = [lab for lab in available() if solution_path(REPO, lab).is_file()]
PLAIN_FLOAT = re.compile(r"^\d+(\.\d+)?$")

# One typical mistake per lab, and the test cells it must lose points in (and no others). The catalogues
# (tests/labs/test_*_catalogue.py) hold every other mistake; this class shows that nbgrader charges them alike.
MISTAKES = {
    # random_search is checked with a stand-in sampler, so the mistake costs nothing there (test_fairness).
    "hyperparameter_search": {"linear_scale": {"test_sample_log_uniform", "hidden_sample_log_uniform"}},
    "softmax_regression": {"sum_not_mean": {"test_categorical_crossentropy", "hidden_categorical_crossentropy"}},
    # The layer is checked with a stand-in batch_norm_forward, so the mistake costs nothing there.
    "batch_norm": {"epsilon_outside_sqrt": {"test_batch_norm_forward", "hidden_batch_norm_forward"}},
}
# `nbgrader validate` is run on one lab: the command is the same for every lab, and each lab's autograde
# already runs its reference answers (full marks) and its blank stubs (zero), which is what validate and
# validate --invert check.
VALIDATED = "softmax_regression"  # the quickest notebook to run top to bottom

pytestmark = pytest.mark.slow


@dataclass
class Run:
    """One nbgrader command line of the session, and what it printed (into files: it runs unattended)."""

    args: list[str]
    process: subprocess.Popen
    log: Path
    stdout: str = ""
    stderr: str = ""

    def wait(self) -> Run:
        self.process.wait(timeout=1200)
        self.stdout = self.log.with_suffix(".out").read_text()
        self.stderr = self.log.with_suffix(".err").read_text()
        return self

    def check(self) -> Run:
        assert self.process.returncode == 0, f"{' '.join(self.args)} failed:\n{self.stdout}\n{self.stderr}"
        return self


def start(script: str, cwd: Path, log: Path) -> Run:
    args = ["bash", "-c", script]
    with open(log.with_suffix(".out"), "w") as out, open(log.with_suffix(".err"), "w") as err:
        process = subprocess.Popen(args, cwd=cwd, stdout=out, stderr=err)
    return Run(args, process, log)


def nbgrader(*args: str) -> str:
    quiet = [] if args[0] == "validate" else ["--log-level=WARN"]  # validate has no --log-level
    return " ".join([sys.executable, "-m", "nbgrader", *args, *quiet])


# How an LMS (Canvas) names each downloaded file, with the names Colab gives a download.
LMS_NAMES = (
    "{student}_1001_2001_Copy of {lab}.ipynb",
    "{student}_1002_2002_{lab} (1).ipynb",
    "{student}_LATE_1003_2003_{lab}.ipynb",
    "{student}_1004_2004_Copy of {lab} (2)-1.ipynb",
)


def make_course(root: Path, lab: str) -> None:
    """A course folder with the lab's sources and the class's notebooks in an LMS download zip."""
    shutil.copy(REPO / "nbgrader_config.py", root)
    (root / "solutions").mkdir()
    shutil.copytree(REPO / "solutions" / "_grading", root / "solutions" / "_grading")
    shutil.copytree(REPO / "solutions" / lab, root / "solutions" / lab)
    released = read_notebook(release_path(REPO, lab))
    students = demo_class(REPO, lab)
    archive = root / "downloaded" / lab / "archive"
    archive.mkdir(parents=True)
    with zipfile.ZipFile(archive / "submissions.zip", "w") as bundle:
        # Each lab's class gets three of the four names, in turn, so the labs together use all four.
        shift = LABS.index(lab) if lab in LABS else 0
        names = (LMS_NAMES * 2)[shift : shift + len(CLASS[lab])]
        for student, name in zip(CLASS[lab], names, strict=True):
            notebook = nbformat.writes(with_answers(released, students[student]))
            bundle.writestr(name.format(student=student, lab=lab), notebook)


CLASS = {lab: ("reference", "blank", *MISTAKES[lab]) for lab in MISTAKES}


class Courses:
    """Each lab generated, autograded and validated by nbgrader, all labs at once, in the background."""

    def __init__(self) -> None:
        self.base = Path(tempfile.mkdtemp(prefix="autograder-courses-"))
        self.runs: dict[tuple[str, str], Run] = {}
        self.roots: dict[str, Path] = {}
        for lab in LABS:
            self.roots[lab] = root = self.base / lab
            root.mkdir()
            make_course(root, lab)
            term = [
                nbgrader("generate_assignment", lab),
                nbgrader("zip_collect", lab),
                nbgrader("autograde", lab),
                nbgrader("generate_feedback", lab),
                nbgrader("export", "--to", "export.csv"),
                f"{sys.executable} -m autograder grade {lab} submitted --out grader --jobs 1",
            ]
            self.runs[lab, "autograde"] = start(" && ".join(term), root, self.base / f"{lab}_autograde")
            if lab != VALIDATED:
                continue
            # validate reads the notebook where it lies; a copy keeps it away from the autograde run.
            check_root = self.base / f"{lab}_validate"
            check_root.mkdir()
            make_course(check_root, lab)
            shutil.copytree(REPO / "labs" / lab, check_root / "labs" / lab)
            self.runs[lab, "validate"] = start(
                f"{nbgrader('validate', str(solution_path(check_root, lab)))}; echo '=== invert'; "
                f"{nbgrader('validate', '--invert', str(release_path(check_root, lab)))}",
                check_root,
                self.base / f"{lab}_validate",
            )

    def finished(self) -> dict[str, Path]:
        for (lab, kind), run in self.runs.items():
            run.wait().check()
            (self.roots[lab] / f"{kind}.log").write_text(run.stdout)
        return self.roots

    def close(self) -> None:
        for run in self.runs.values():
            if run.process.poll() is None:
                run.process.kill()
                run.process.wait()
        shutil.rmtree(self.base, ignore_errors=True)


def start_early() -> Courses:
    return Courses()


@pytest.fixture(scope="module")
def courses() -> dict[str, Path]:
    return started_early(__name__, start_early).finished()


def grade_cells(notebook) -> dict[str, object]:
    return {grade_id(cell): cell for cell in notebook.cells if is_grade(cell)}


def outputs_of(cell, kind: str) -> str:
    return "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream" and o.name == kind)


def autograded(root: Path, lab: str, student: str):
    return read_notebook(root / "autograded" / student / lab / f"{lab}.ipynb")


def gradebook_scores(root: Path, lab: str, student: str) -> dict[str, float]:
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gradebook:
        notebook = gradebook.find_submission_notebook(lab, lab, student)
        return {grade.name: float(grade.score) for grade in notebook.grades}


def test_validate_passes_on_the_solution_and_fails_on_the_lab(courses):
    """Does `nbgrader validate` pass the solution (run top to bottom), and `validate --invert` the lab?"""
    solved, _, inverted = (courses[VALIDATED] / "validate.log").read_text().partition("=== invert")
    assert "Success! Your notebook passes all the tests." in solved, solved
    assert "Success! The notebook does not pass any tests." in inverted, inverted


@pytest.mark.parametrize("lab", LABS)
def test_reference_runs_without_an_error_and_gets_every_point(courses, lab):
    """Does the reference, autograded in a real kernel, run every cell without error and earn full marks?"""
    notebook = autograded(courses[lab], lab, "reference")
    errors = [o for c in notebook.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors, [f"{e.ename}: {e.evalue}" for e in errors]
    for cell_id, cell in grade_cells(notebook).items():
        score, max_score = determine_grade(cell)
        assert max_score > 0 and score == max_score, f"{cell_id}: {score}/{max_score}\n{outputs_of(cell, 'stdout')}"


@pytest.mark.parametrize("lab", LABS)
@pytest.mark.parametrize("student", ["reference", "blank"])
def test_test_cells_print_a_plain_float_and_nothing_to_stderr(courses, lab, student):
    """Does each test cell keep stderr clean and end with a plain float nbgrader can parse?"""
    for cell_id, cell in grade_cells(autograded(courses[lab], lab, student)).items():
        assert outputs_of(cell, "stderr") == "", (cell_id, outputs_of(cell, "stderr"))
        results = [o for o in cell.outputs if o.output_type == "execute_result"]
        assert len(results) == 1, cell_id
        assert PLAIN_FLOAT.match(results[0].data["text/plain"]), (cell_id, results[0].data["text/plain"])


@pytest.mark.parametrize("lab", LABS)
def test_grade_cell_points_equal_the_sum_of_their_checks(lab):
    """Does every grade cell's `points` equal the sum of its checks' `max_points`?"""
    spec = get_lab(lab)
    cells = grade_cells(read_notebook(solution_path(REPO, lab)))
    assert list(cells) == spec.test_cells
    for cell_id, cell in cells.items():
        assert cell.metadata.nbgrader.points == points_of(spec, cell_id, REPO), cell_id


@pytest.mark.parametrize("lab", LABS)
def test_labs_equal_what_nbgrader_generates(courses, lab):
    """Is labs/ exactly what `nbgrader generate_assignment` makes from solutions/ now?"""
    generated = json.loads(release_path(courses[lab], lab).read_text())
    committed = json.loads(release_path(REPO, lab).read_text())
    assert committed == generated, f"labs/ is stale: run `nbgrader generate_assignment {lab} --force`"


@pytest.mark.parametrize("lab", LABS)
def test_notebooks_are_committed_without_outputs(lab):
    """Are the solution and the lab free of outputs and execution counts?"""
    for path in (solution_path(REPO, lab), release_path(REPO, lab)):
        for cell in read_notebook(path).cells:
            if cell.cell_type == "code":
                assert not cell.outputs and cell.execution_count is None, (path.name, cell.id)


@pytest.mark.parametrize("lab", LABS)
def test_autograde_gives_the_reference_full_marks_and_the_blank_lab_zero(courses, lab):
    """Does `nbgrader autograde` give the reference every point and the blank lab none?"""
    spec = get_lab(lab)
    total = sum(points_of(spec, cell_id, REPO) for cell_id in spec.test_cells)
    with Gradebook(f"sqlite:///{courses[lab] / 'gradebook.db'}") as gradebook:
        reference = gradebook.find_submission(lab, "reference")
        blank = gradebook.find_submission(lab, "blank")
        assert total > 0 and reference.max_score == total and reference.score == total
        assert blank.score == 0


@pytest.mark.parametrize("lab", LABS)
def test_typical_mistakes_lose_points_in_the_cells_that_test_them(courses, lab):
    """Does each typical mistake lose points exactly in the test cells of its answer?"""
    full = gradebook_scores(courses[lab], lab, "reference")
    for student, cells in MISTAKES[lab].items():
        scores = gradebook_scores(courses[lab], lab, student)
        assert {cell for cell in full if scores[cell] < full[cell]} == cells, student


def grader_result(root: Path, student: str) -> dict:
    return json.loads((root / "grader" / f"{student}.json").read_text())


@pytest.mark.parametrize("lab", LABS)
def test_zip_collect_accepts_lms_and_colab_names(courses, lab):
    """Does `nbgrader zip_collect` file every download ("Copy of", " (1)", LATE, "-1") under its student?"""
    submitted = sorted(p.relative_to(courses[lab] / "submitted") for p in (courses[lab] / "submitted").rglob("*.ipynb"))
    assert submitted == sorted(Path(student, lab, f"{lab}.ipynb") for student in CLASS[lab])


@pytest.mark.parametrize("lab", LABS)
def test_autograde_agrees_with_the_project_grader(courses, lab):
    """Does every test cell get the same score from `nbgrader autograde` as from `python -m autograder grade`?"""
    for student in CLASS[lab]:
        ours = grader_result(courses[lab], student)
        assert ours["status"] == "graded", ours["errors"]
        assert {cell["grade_id"]: cell["points"] for cell in ours["cells"]} == gradebook_scores(
            courses[lab], lab, student
        ), student


@pytest.mark.parametrize("lab", LABS)
def test_export_matches_the_project_graders_csv(courses, lab):
    """Does `nbgrader export`'s CSV give each student the score in the project grader's grades.csv?"""
    with open(courses[lab] / "export.csv", newline="") as f:
        exported = {row["student_id"]: (float(row["score"]), float(row["max_score"])) for row in csv.DictReader(f)}
    with open(courses[lab] / "grader" / "grades.csv", newline="") as f:
        ours = {row["student_id"]: (float(row["score"]), float(row["max_score"])) for row in csv.DictReader(f)}
    assert set(exported) == set(CLASS[lab])
    assert exported == ours


def page_text(path: Path) -> str:
    """A feedback page's text, unescaped, whitespace collapsed (reports wrap long messages)."""
    return " ".join(html.unescape(path.read_text()).split())


@pytest.mark.parametrize("lab", LABS)
def test_feedback_shows_the_messages_and_no_reference_code(courses, lab):
    """Does each student's feedback, nbgrader's and the grader's, show the check messages and no reference code?"""
    reference, hidden = instructor_only_lines([lab])
    assert len(reference) >= 5 and len(hidden) >= 5
    seed = (REPO / "solutions" / "_grading" / "hidden_seed").read_text().strip()
    for student in CLASS[lab]:
        result = grader_result(courses[lab], student)
        failing = [c["message"] for cell in result["cells"] for c in cell["checks"] if not c["passed"]]
        nbgrader_page = page_text(courses[lab] / "feedback" / student / lab / f"{lab}.html")
        grader_page = page_text(courses[lab] / "grader" / "feedback" / f"{student}.html")
        # nbgrader's page shows the student's own code: the classmates in this class are the
        # reference with one answer changed, so only the blank lab must hold no reference line.
        secrets = {
            "nbgrader": (nbgrader_page, hidden | (reference if student == "blank" else set())),
            "grader": (grader_page, hidden | reference),
        }
        for name, (page, lines) in secrets.items():
            leaked = sorted(line for line in lines if " ".join(line.split()) in page)
            assert not leaked, (name, student, leaked[:3])
            assert seed not in page, (name, student)
            for message in failing[:3]:
                assert " ".join(message.split()) in page, (name, student, message)
        assert student == "reference" or failing
