"""The command line, as an instructor runs it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest


def run(*args: str, cwd) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "autograder", *args], cwd=cwd, capture_output=True, text=True, timeout=600
    )


@pytest.mark.slow
def test_demo_grades_the_example_class(repo):
    """Does `python -m autograder demo` grade an example class and print a table with the diagnoses?"""
    lab = "hyperparameter_search"  # the quickest to grade; the demo's code path is the same for every lab
    result = run("demo", "--lab", lab, cwd=repo)
    assert result.returncode == 0, result.stderr
    rows = {line.split()[0]: line for line in result.stdout.splitlines() if f"{lab}  " in line}
    assert set(rows) >= {"reference", "blank", "linear_scale", "uniform_beta", "global_random_state"}
    total = rows["reference"].split()[2].split("/")[1]
    assert rows["reference"].split()[2] == f"{total}/{total}" and rows["reference"].rstrip().endswith("-")
    assert rows["blank"].split()[2] == f"0/{total}"
    assert "uniform on a linear scale" in rows["linear_scale"]
    assert "np.random's global state changed" in rows["global_random_state"]
    assert "Traceback" not in result.stdout + result.stderr


def test_unknown_lab_is_a_usage_error(repo):
    """Is an unknown lab refused with the list of labs and exit status 2?"""
    result = run("demo", "--lab", "no_such_lab", cwd=repo)
    assert result.returncode == 2
    assert "softmax_regression" in result.stderr


def test_demo_outside_a_course_says_where_to_run_it(tmp_path, monkeypatch):
    """Run from an empty folder with a copy of the package, does the demo explain what is missing?"""
    import shutil

    import autograder

    package = tmp_path / "pkg"
    shutil.copytree(Path(autograder.__file__).parent, package / "autograder")
    env_run = subprocess.run(
        [sys.executable, "-m", "autograder", "demo"],
        cwd=tmp_path,
        env={"PYTHONPATH": str(package), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert env_run.returncode == 2
    assert "no course folder" in env_run.stderr and "Traceback" not in env_run.stderr


def test_the_gradescope_runner_answers_by_its_old_name(repo):
    """Does `python -m autograder.gradescope` (what bundles written before the package was grouped by concern
    call) still reach the upload runner? (`-p autograder.pytest_plugin` is tested by the plugin's tests.)"""
    for module in ("autograder.gradescope", "autograder.integrations.gradescope"):
        result = subprocess.run(
            [sys.executable, "-m", module, "--help"], cwd=repo, capture_output=True, text=True, timeout=120
        )
        assert result.returncode == 0, (module, result.stderr)
        assert "Grade a Gradescope upload; write results.json." in result.stdout


def test_a_wrong_cluster_address_is_refused_before_anything_is_written(repo, tmp_path):
    """Does `grade --cluster local:0` say what a local cluster needs, exit 2, and leave no output folder?"""
    import shutil

    lab = "hyperparameter_search"
    (tmp_path / "class").mkdir()
    shutil.copy(repo / "labs" / lab / f"{lab}.ipynb", tmp_path / "class" / "ada.ipynb")
    out = tmp_path / "out"
    result = run("grade", lab, str(tmp_path / "class"), "--out", str(out), "--cluster", "local:0", cwd=repo)
    assert result.returncode == 2, result.stderr
    assert "--cluster local:N needs a number of workers N >= 1" in result.stderr
    assert "Traceback" not in result.stderr and not out.exists()
