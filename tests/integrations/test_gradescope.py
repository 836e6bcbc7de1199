"""The Gradescope autograder: the bundle `python -m autograder gradescope` writes, and its
run_autograder on a fake Gradescope layout (/autograder/{source,submission,results}).

One bundle for the module; each upload is graded by the real run_autograder in its own
folder (setup.sh is not run: the package is installed here), side by side with the
grader's command line on the same notebooks (the scores to match). Uploads that never
reach a worker are graded in this process.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest
from helpers import REPO, reference_sources

from autograder import cli
from autograder.engine.cells import read_notebook, with_answers
from autograder.engine.course import GRADING_DIR, release_path
from autograder.grader.verdicts import error_result
from autograder.integrations.demo import demo_class
from autograder.integrations.gradescope.bundle import MARKER, ZIP_NAME, BundleError, write_bundle
from autograder.integrations.gradescope.upload import Layout, check_specs, choose_notebook, grade_upload
from autograder.labs import available, get_lab
from autograder.outputs.gradescope_results import VISIBILITIES, gradescope_results
from autograder.version import WHEEL_PREFIX

LAB = "hyperparameter_search"  # the fastest lab to grade
WRONG = "uniform_beta"  # the demo class's sample_beta on a linear scale
WRONG_CHECK = "test_sample_beta / log10(1 - beta) is uniform (Kolmogorov-Smirnov)"
USES_BETA = {"test_sample_beta", "hidden_sample_beta", "test_random_search", "hidden_random_search"}
TOP_KEYS = {"score", "execution_time", "output", "visibility", "stdout_visibility", "extra_data", "tests"}
TEST_KEYS = {"name", "score", "max_score", "output", "visibility", "number", "status", "tags", "extra_data"}

pytestmark = pytest.mark.slow


def assert_gradescope_format(results: dict) -> None:
    """The fields of Gradescope's results.json that it requires, with their types and values."""
    json.dumps(results, allow_nan=False)  # plain JSON, no NaN or infinity
    assert set(results) <= TOP_KEYS, set(results) - TOP_KEYS
    assert isinstance(results["output"], str) and results["output"]
    assert results["visibility"] in VISIBILITIES and results["stdout_visibility"] in VISIBILITIES
    tests = results["tests"]
    assert isinstance(tests, list) and tests
    for test in tests:
        assert set(test) <= TEST_KEYS and {"name", "score", "max_score", "output", "visibility"} <= set(test), test
        assert isinstance(test["name"], str) and isinstance(test["output"], str) and test["output"], test
        for key in ("score", "max_score"):
            assert isinstance(test[key], float), test
        assert 0 <= test["score"] <= test["max_score"], test
        assert test["visibility"] in VISIBILITIES
        assert isinstance(test.get("number", ""), str)
    assert len({test["name"] for test in tests}) == len(tests)
    assert isinstance(results["score"], float)
    assert results["score"] == pytest.approx(sum(test["score"] for test in tests))


def notebook_with(answers: dict[str, str]):
    return with_answers(read_notebook(release_path(REPO, LAB)), answers)


def answer_lines() -> set[str]:
    """The reference answer's lines long enough to be telling (> 20 characters)."""
    lines = {line.strip() for source in reference_sources(LAB).values() for line in source.splitlines()}
    return {line for line in lines if len(line) > 20}


def texts(results: dict) -> str:
    """Every string a student may see in results.json."""
    return "\n".join([results["output"], *(f"{test['name']}\n{test['output']}" for test in results["tests"])])


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    dest = tmp_path_factory.mktemp("gradescope") / "bundle"
    write_bundle(LAB, REPO, dest)
    return dest


def gradescope_layout(top: Path, files: dict[str, bytes]) -> Path:
    """A fake /autograder with the upload's files in submission/ and an empty results/."""
    (top / "submission").mkdir(parents=True)
    (top / "results").mkdir()
    for name, content in files.items():
        (top / "submission" / name).write_bytes(content)
    return top


def start_run_autograder(bundle: Path, top: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "GRADESCOPE_ROOT": str(top),
        "GRADESCOPE_SOURCE": str(bundle),  # the zip's contents, as Gradescope extracts them
        "AUTOGRADER_PYTHON": sys.executable,  # the package is installed here: setup.sh is not run
    }
    command = ["bash", str(bundle / "run_autograder")]
    return subprocess.Popen(command, cwd=top, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


@pytest.fixture(scope="module")
def runs(bundle, tmp_path_factory) -> dict[str, dict]:
    """Gradescope's results of each upload, and the grader's JSON of the same notebooks."""
    top = tmp_path_factory.mktemp("uploads")
    reference = nbformat.writes(notebook_with(reference_sources(LAB))).encode()
    wrong = nbformat.writes(notebook_with(demo_class(REPO, LAB)[WRONG])).encode()
    uploads = {
        "reference": {f"Copy of {LAB}.ipynb": reference},
        "wrong": {"submission.ipynb": wrong},
        "not_a_notebook": {f"{LAB}.ipynb": b"print('this is not a notebook')\n"},
    }
    started = {
        case: start_run_autograder(bundle, gradescope_layout(top / case, files)) for case, files in uploads.items()
    }
    # the isolated grader's command line, on the same two notebooks, at the same time
    (top / "class").mkdir()
    (top / "class" / "reference.ipynb").write_bytes(reference)
    (top / "class" / "wrong.ipynb").write_bytes(wrong)
    grader = [sys.executable, "-m", "autograder", "grade", LAB, str(top / "class"), "--out", str(top / "grades")]
    started["grader"] = subprocess.Popen(
        [*grader, "--jobs", "1"], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        outputs = {case: process.communicate(timeout=300)[0] for case, process in started.items()}
    finally:
        for process in started.values():  # only after a timeout: the others have ended
            if process.poll() is None:
                process.kill()
    for case, process in started.items():
        assert process.returncode == 0, f"{case}:\n{outputs[case]}"
    found = {case: json.loads((top / case / "results" / "results.json").read_text()) for case in uploads}
    found["logs"] = outputs
    found["grader"] = {
        name: json.loads((top / "grades" / f"{name}.json").read_text()) for name in ("reference", "wrong")
    }
    return found


def test_bundle_holds_what_gradescope_runs(bundle):
    """Does the bundle hold setup.sh, an executable run_autograder, the wheel and the lab's course files, and
    a zip with setup.sh and run_autograder at its top level?"""
    for name in ("setup.sh", "run_autograder"):
        assert os.access(bundle / name, os.X_OK), name
        syntax = subprocess.run(["bash", "-n", str(bundle / name)], capture_output=True, text=True)
        assert syntax.returncode == 0, syntax.stderr
    (wheel,) = bundle.glob(f"{WHEEL_PREFIX}-*.whl")
    for path in (f"labs/{LAB}/{LAB}.ipynb", f"solutions/{LAB}/{LAB}.ipynb", f"{GRADING_DIR}/{LAB}_hidden.py"):
        assert (bundle / path).read_bytes() == (REPO / path).read_bytes(), path
    assert (bundle / GRADING_DIR / "hidden_seed").is_file()
    with zipfile.ZipFile(bundle / ZIP_NAME) as archive:
        names = set(archive.namelist())
        mode = archive.getinfo("run_autograder").external_attr >> 16
    assert {"setup.sh", "run_autograder", "requirements.txt", wheel.name} <= names
    assert mode & 0o111, oct(mode)
    on_disk = {p.relative_to(bundle).as_posix() for p in bundle.rglob("*") if p.is_file()}
    assert names == on_disk - {ZIP_NAME, MARKER}


def test_bundle_holds_only_this_lab(bundle):
    """Is nothing of the other labs, or the demo class, in the bundle?"""
    names = [p.relative_to(bundle).as_posix() for p in bundle.rglob("*") if p.is_file()]
    others = [lab for lab in available() if lab != LAB]
    assert not [n for n in names if "demo" in n or any(other in n for other in others)], names


def test_setup_installs_the_courses_tensorflow_range_on_the_cpu(bundle):
    """Does the bundle's requirements.txt ask for tensorflow-cpu in requirements.txt's tensorflow range, and the
    wheel that setup.sh installs from the bundle's folder?"""
    from packaging.requirements import Requirement

    ours = {
        Requirement(line).name: Requirement(line)
        for line in (REPO / "requirements.txt").read_text().splitlines()
        if line.startswith("tensorflow")
    }
    lines = (bundle / "requirements.txt").read_text().splitlines()
    cpu = [Requirement(line) for line in lines if line.startswith("tensorflow-cpu")]
    assert len(cpu) == 1 and cpu[0].specifier == ours["tensorflow"].specifier
    (wheel,) = bundle.glob(f"{WHEEL_PREFIX}-*.whl")
    assert f"./{wheel.name}" in lines
    setup = (bundle / "setup.sh").read_text()
    assert "pip install --no-cache-dir -r requirements.txt" in setup


def test_rebuild_replaces_its_own_bundle_and_refuses_other_files(bundle, tmp_path, capsys):
    """Is a folder this command wrote rebuilt, while a folder with anything else is refused (exit 2, a message)?"""
    dest = tmp_path / "bundle"
    shutil.copytree(bundle, dest)
    (dest / "solutions" / "old.txt").write_text("from an older bundle")
    marker = json.loads((dest / MARKER).read_text())
    (dest / MARKER).write_text(json.dumps({**marker, "files": [*marker["files"], "solutions/old.txt"]}))
    write_bundle(LAB, REPO, dest)
    assert not (dest / "solutions" / "old.txt").exists() and (dest / "run_autograder").is_file()
    (dest / "notes.txt").write_text("the instructor's")
    with pytest.raises(BundleError, match=r"notes\.txt"):
        write_bundle(LAB, REPO, dest)
    assert (dest / "notes.txt").is_file() and (dest / "run_autograder").is_file()
    other = tmp_path / "other"
    other.mkdir()
    (other / "keep.txt").write_text("unrelated")
    assert cli.main(["gradescope", LAB, str(other)]) == 2
    assert "not written by" in capsys.readouterr().err
    assert (other / "keep.txt").read_text() == "unrelated"


def test_reference_gets_full_marks_check_by_check(runs, bundle):
    """Does the reference solution, uploaded as `Copy of <lab>.ipynb`, get every check in full, one test each?"""
    results = runs["reference"]
    assert_gradescope_format(results)
    checks = check_specs(LAB, bundle)
    assert [test["name"] for test in results["tests"]] == [f"{c.cell} / {c.name}" for c in checks]
    assert results["score"] == sum(c.max_points for c in checks) > 0
    assert all(test["score"] == test["max_score"] for test in results["tests"])
    assert f"Copy of {LAB}.ipynb" in results["output"]
    assert "isolated worker" in results["output"]
    # What the isolation enforced goes to the instructor's log (stdout, hidden), not to students.
    assert "network: " not in results["output"] and "isolation of the student's code:" in runs["logs"]["reference"]


def test_a_wrong_answer_loses_its_checks_with_their_messages(runs):
    """Does a sample_beta on a linear scale lose its KS check, with the diagnosis, and only sample_beta's checks
    and the searches that use it?"""
    results = runs["wrong"]
    assert_gradescope_format(results)
    tests = {test["name"]: test for test in results["tests"]}
    assert tests[WRONG_CHECK]["score"] == 0 and "linear scale" in tests[WRONG_CHECK]["output"]
    lost = {name.split(" / ")[0] for name, test in tests.items() if test["score"] < test["max_score"]}
    assert "test_sample_beta" in lost and lost <= USES_BETA
    assert results["score"] < runs["reference"]["score"]


def test_scores_equal_the_graders(runs):
    """Does every check score in results.json what `python -m autograder grade` gives the same notebook?"""
    for case, name in (("reference", "reference"), ("wrong", "wrong")):
        grader = runs["grader"][name]
        expected = {
            f"{cell['grade_id']} / {c['name']}": c["points"] for cell in grader["cells"] for c in cell["checks"]
        }
        assert {test["name"]: test["score"] for test in runs[case]["tests"]} == expected, case
        assert runs[case]["score"] == grader["score"]


def test_hidden_checks_are_shown_after_publication(runs):
    """Are hidden checks `after_published` and public checks `visible`?"""
    for test in runs["wrong"]["tests"]:
        hidden = test["name"].startswith("hidden_")
        assert test["visibility"] == ("after_published" if hidden else "visible"), test["name"]
    assert any(test["name"].startswith("hidden_") for test in runs["wrong"]["tests"])


def test_results_reveal_no_reference_code_or_seed(runs):
    """Does no line of the reference answers, nor the hidden seed, appear in what a student sees?"""
    seed = (REPO / GRADING_DIR / "hidden_seed").read_text().strip()
    for case in ("reference", "wrong", "not_a_notebook"):
        seen = texts(runs[case])
        assert not [line for line in answer_lines() if line in seen], case
        assert seed not in seen, case


def test_a_file_that_is_not_a_notebook_scores_0_on_every_check(runs, bundle):
    """Does an upload that is not a notebook still give valid results, every check listed at 0 with the reason?"""
    results = runs["not_a_notebook"]
    assert_gradescope_format(results)
    assert len(results["tests"]) == len(check_specs(LAB, bundle))
    assert results["score"] == 0.0
    assert sum(t["max_score"] for t in results["tests"]) == sum(t["max_score"] for t in runs["reference"]["tests"])
    assert all("not valid JSON" in test["output"] for test in results["tests"])
    assert "could not be graded" in results["output"]


@pytest.mark.parametrize(
    ("files", "phrase"),
    [
        ({}, "no Jupyter notebook"),
        ({"answers.py": b"x = 1\n", "notes.txt": b"hello"}, "answers.py, notes.txt"),
        ({"a.ipynb": b"{}", "b.ipynb": b"{}"}, "2 notebooks in your upload (a.ipynb, b.ipynb)"),
    ],
    ids=["nothing", "no_notebook", "two_notebooks"],
)
def test_uploads_without_one_notebook_get_valid_results(bundle, tmp_path, files, phrase):
    """Do an empty upload, one without a notebook and one with two notebooks get valid results at 0 that say why?"""
    layout = Layout(bundle, gradescope_layout(tmp_path, files) / "submission", tmp_path / "results")
    results = grade_upload(LAB, layout)
    assert_gradescope_format(results)
    assert results["score"] == 0.0 and len(results["tests"]) == len(check_specs(LAB, bundle))
    assert phrase in results["output"] and phrase in results["tests"][0]["output"]


def test_the_notebook_named_after_the_lab_is_chosen(tmp_path):
    """Among several notebooks, is the one named after the lab graded (Colab's name too), checkpoints ignored?"""
    (tmp_path / ".ipynb_checkpoints").mkdir()
    (tmp_path / ".ipynb_checkpoints" / f"{LAB}-checkpoint.ipynb").write_text("{}")
    (tmp_path / "scratch.ipynb").write_text("{}")
    (tmp_path / f"{LAB} (1).ipynb").write_text("{}")
    upload = choose_notebook(tmp_path, LAB)
    assert upload.notebook == tmp_path / f"{LAB} (1).ipynb" and "2 notebooks uploaded" in upload.notes[1]


def test_a_link_is_not_graded(tmp_path):
    """Is a notebook that is a link (to the reference solution, say) refused?"""
    (tmp_path / f"{LAB}.ipynb").symlink_to(REPO / "solutions" / LAB / f"{LAB}.ipynb")
    upload = choose_notebook(tmp_path, LAB)
    assert upload.notebook is None and "is a link" in upload.problem


def test_an_error_result_lists_every_check_at_0(bundle):
    """Does the grader's error result become every check of the lab at 0, with the grader's message?"""
    result = error_result("x", get_lab(LAB), "x.ipynb is empty")
    results = gradescope_results(result, check_specs(LAB, bundle))
    assert_gradescope_format(results)
    assert {t["output"] for t in results["tests"]} == {"not graded: x.ipynb is empty"}
    assert [t["max_score"] for t in results["tests"]] == [c.max_points for c in check_specs(LAB, bundle)]
