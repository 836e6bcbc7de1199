"""`python -m autograder release`: the student bundle an instructor publishes.

One bundle is built with the real command, as soon as the session starts (see
conftest: start_early); its labs are then run the way a student runs them on their
own machine (a fresh kernel, the bundle's own package, no course folder in sight),
with the reference answers filled in.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat
import pytest
from helpers import REPO, instructor_only_lines, reference_sources, started_early

from autograder.engine.cells import grade_id, read_notebook, with_answers
from autograder.labs import available, get_lab
from autograder.student.checker import HIDDEN_ELSEWHERE
from autograder.student.colab import PLACEHOLDER, Repository, stamp

REPOSITORY = Repository("acme-university/dnn-week3-labs", "fall-2026")
LABS = available()


class BundleRun:
    """The bundle, made by the real command, and each of its labs with the reference answers filled in,
    running top to bottom in a fresh kernel, all at once, with only the bundle's package importable and
    no course folder above it (as on a student's machine)."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="autograder-release-test-"))
        self.dest = self.folder / "bundle"
        command = [sys.executable, "-m", "autograder", "release", str(self.dest), "--repo", REPOSITORY.slug]
        self.made = subprocess.run(
            [*command, "--branch", REPOSITORY.branch], cwd=REPO, capture_output=True, text=True, timeout=300
        )
        self.runs: dict[str, subprocess.Popen] = {}
        if self.made.returncode == 0:
            self.runs = {lab: self._execute(lab) for lab in LABS}

    def _execute(self, lab: str) -> subprocess.Popen:
        env = {**os.environ, "PYTHONPATH": str(self.dest), "LAB_QUICK": "1"}
        env.pop("AUTOGRADER_COURSE_ROOT", None)
        folder = self.folder / "runs" / lab  # beside the bundle, which must stay as released
        folder.mkdir(parents=True)
        notebook = with_answers(read_notebook(self.dest / "labs" / lab / f"{lab}.ipynb"), reference_sources(lab))
        notebook.cells.append(nbformat.v4.new_code_cell("import autograder; print(autograder.__file__)"))
        nbformat.write(notebook, folder / "filled.ipynb")
        command = [sys.executable, "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute", "filled.ipynb"]
        return subprocess.Popen(
            [*command, "--output", "executed.ipynb", "--ExecutePreprocessor.timeout=300"],
            cwd=folder,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def executed(self) -> dict[str, nbformat.NotebookNode]:
        for lab, run in self.runs.items():
            _, stderr = run.communicate(timeout=600)
            assert run.returncode == 0, (lab, stderr[-3000:])
        return {lab: read_notebook(self.folder / "runs" / lab / "executed.ipynb") for lab in self.runs}

    def close(self) -> None:
        for run in self.runs.values():
            if run.poll() is None:
                run.kill()
                run.communicate()
        shutil.rmtree(self.folder, ignore_errors=True)


def start_early() -> BundleRun:
    return BundleRun()


@pytest.fixture(scope="module")
def made() -> BundleRun:
    run = started_early(__name__, start_early)
    assert run.made.returncode == 0, run.made.stderr
    return run


@pytest.fixture(scope="module")
def bundle(made) -> Path:
    assert f"to {made.dest}/" in made.made.stdout
    return made.dest


def bundle_texts(bundle: Path) -> dict[Path, str]:
    return {p: p.read_bytes().decode("utf-8", "replace") for p in sorted(bundle.rglob("*")) if p.is_file()}


def test_bundle_holds_no_solution_hidden_test_or_reference_line(bundle):
    """Is there no solution region, hidden test, seed, private file or reference/hidden-check line in the bundle?"""
    secrets = set.union(*instructor_only_lines(LABS))
    assert len(secrets) >= 50
    seed = (REPO / "solutions" / "_grading" / "hidden_seed").read_text().strip()
    texts = bundle_texts(bundle)
    assert not [p for p in texts if "solutions" in p.parts or "_grading" in p.parts or "demo" in p.parts]
    for path, text in texts.items():
        if path.suffix == ".ipynb":
            assert "BEGIN SOLUTION" not in text and "HIDDEN TESTS" not in text, path
        assert seed not in text, path
        leaked = sorted(line for line in secrets if line in text)
        assert not leaked, (path, leaked[:3])


def test_bundle_has_labs_package_and_data(bundle):
    """Does the bundle hold every lab, an installable package with the digits, and a README with the badges?"""
    for lab in LABS:
        assert (bundle / "labs" / lab / f"{lab}.ipynb").is_file()
    assert (bundle / "autograder" / "data" / "digits.npz").read_bytes() == (
        REPO / "datasets" / "digits.npz"
    ).read_bytes()
    assert "[project]" in (bundle / "pyproject.toml").read_text()
    assert "[tool.pytest" not in (bundle / "pyproject.toml").read_text()
    readme = (bundle / "README.md").read_text()
    assert all(REPOSITORY.badge(lab) in readme for lab in LABS)


def test_badges_and_install_cells_are_stamped_for_the_repository(bundle):
    """Does every lab's badge and install cell name OWNER/NAME and the branch, with no placeholder left?"""
    for lab in LABS:
        text = (bundle / "labs" / lab / f"{lab}.ipynb").read_text()
        notebook = nbformat.reads(text, as_version=4)
        assert text.count(REPOSITORY.colab_url(lab)) == 1
        install = next(c for c in notebook.cells if grade_id(c) == "colab_install")
        assert f'%pip install -q "{REPOSITORY.install_spec()}"' in install.source
        assert 'if "google.colab" in sys.modules:' in install.source
        assert PLACEHOLDER.slug not in text
    committed = json.loads((REPO / "labs" / "batch_norm" / "batch_norm.ipynb").read_text())
    assert stamp(committed, "batch_norm", REPOSITORY) == 2  # labs/ carries the placeholder, once per place


def test_release_refuses_a_bad_slug_and_a_folder_in_use(tmp_path):
    """Are a malformed --repo and a non-empty destination refused with a message, exit status 2?"""
    command = [sys.executable, "-m", "autograder", "release"]
    bad = subprocess.run(
        [*command, str(tmp_path / "b"), "--repo", "not a slug"], cwd=REPO, capture_output=True, text=True
    )
    assert bad.returncode == 2 and "Received: 'not a slug'" in bad.stderr
    (tmp_path / "used").mkdir()
    (tmp_path / "used" / "notes.txt").write_text("keep me")
    used = subprocess.run([*command, str(tmp_path / "used"), "--repo", "a/b"], cwd=REPO, capture_output=True, text=True)
    assert used.returncode == 2 and "not an empty folder" in used.stderr
    assert (tmp_path / "used" / "notes.txt").read_text() == "keep me"


@pytest.fixture(scope="module")
def executed(made) -> dict[str, nbformat.NotebookNode]:
    return made.executed()


def stdout_of(cell) -> str:
    return "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream" and o.name == "stdout")


def result_of(cell) -> float:
    return float(next(o for o in cell.outputs if o.output_type == "execute_result").data["text/plain"])


@pytest.mark.parametrize("lab", LABS)
def test_bundle_labs_run_their_public_checks(bundle, executed, lab):
    """In the bundle, with the reference answers, does every public check pass, the hidden cells say
    they run elsewhere, and the last cell say the lab is ready to submit?"""
    cells = {grade_id(c): c for c in executed[lab].cells if grade_id(c)}
    spec = get_lab(lab)
    for cell_id in spec.test_cells:
        cell = cells[cell_id]
        if cell_id.startswith("test_"):
            assert result_of(cell) == cell.metadata.nbgrader.points > 0, (cell_id, stdout_of(cell))
        else:
            assert result_of(cell) == 0.0 and HIDDEN_ELSEWHERE in stdout_of(cell), cell_id
    ready = stdout_of(cells["ready_to_submit"])
    assert "Every public check passes" in ready and "Answers still left" not in ready, ready
    assert f"submit {lab}.ipynb" in ready
    assert stdout_of(executed[lab].cells[-1]).strip() == str(bundle / "autograder" / "__init__.py")
