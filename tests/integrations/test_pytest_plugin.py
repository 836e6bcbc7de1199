"""pytest as a grader: ``python -m pytest -p autograder.pytest_plugin --lab L --notebook N``.

The plugin runs as an instructor or a course's CI would run it: in a subprocess, from the
repository root, on notebooks made from the released lab. To stay cheap, every run that grades
starts at once in one module fixture (the reference, a wrong answer, an unreadable notebook, and
``python -m autograder grade`` on the first two for comparison), and each is asserted on several
times.
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest
from helpers import REPO, failures, grade, reference_sources

from autograder.engine.cells import read_notebook, with_answers
from autograder.engine.course import release_path
from autograder.engine.grade_cells import lab_checks
from autograder.integrations.pytest_plugin import item_name
from autograder.labs import get_lab
from autograder.model.results import CheckResult

LAB = "hyperparameter_search"


def points(verdicts) -> tuple[float, float]:
    """(points of the passed checks, points of all) for verdicts keyed by (cell, check name)."""
    worth = {
        (cell, item_name(check.name)): check.points
        for cell, checks in lab_checks(get_lab(LAB), REPO).items()
        for check in checks
    }
    return sum(worth[key] for key, ok in verdicts.items() if ok), sum(worth[key] for key in verdicts)


PLUGIN = [sys.executable, "-m", "pytest", "-p", "autograder.pytest_plugin", "-p", "no:cacheprovider"]
# The catalogue's "beta_uniform_on_a_linear_scale": beta uniform on [low, high], not on the log
# scale of 1 - beta (tests/labs/test_hyperparameter_catalogue.py).
WRONG_BETA = """\
def sample_beta(low, high, size, rng):
    if not 0 <= low < high < 1:
        raise ValueError(f"need 0 <= low < high < 1. Received: low={low}, high={high}")
    return rng.uniform(low, high, size)
"""
WRONG = {**reference_sources(LAB), "sample_beta": WRONG_BETA}
TIMEOUT = 600

pytestmark = pytest.mark.slow


@dataclass
class Run:
    """A finished subprocess, and the JUnit XML it wrote (if any)."""

    returncode: int
    output: str
    junit: Path | None = None
    out: Path | None = None  # `python -m autograder grade --out`

    def verdicts(self) -> dict[tuple[str, str], bool]:
        """(test cell, check name) -> passed, from the JUnit XML: one testcase per check."""
        cases = ET.parse(self.junit).getroot().iter("testcase")
        return {
            (case.get("classname").rsplit(".", 1)[-1], case.get("name")): case.find("failure") is None for case in cases
        }


def start(args: list[str], junit: Path | None = None) -> tuple[subprocess.Popen, Path | None]:
    # Only the plugins named with -p: the plugin must work alone, and other plugins cost start-up time.
    env = {**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    command = args + ([f"--junitxml={junit}"] if junit else [])
    process = subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    return process, junit


def finish(started: tuple[subprocess.Popen, Path | None]) -> Run:
    process, junit = started
    try:
        output, _ = process.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()  # the grader's own worker has its timeout; this only ends a stuck pytest
        raise
    return Run(process.returncode, output, junit)


def plugin(*args: str) -> Run:
    return finish(start([*PLUGIN, *args]))


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, Run]:
    """Write three notebooks and grade them through the plugin, and two through the CLI, all at once."""
    folder = tmp_path_factory.mktemp("submissions")
    released = read_notebook(release_path(REPO, LAB))
    nbformat.write(with_answers(released, reference_sources(LAB)), folder / "reference.ipynb")
    nbformat.write(with_answers(released, WRONG), folder / "wrong.ipynb")
    (folder / "unreadable.ipynb").write_text("this is not JSON")
    notebooks = [str(folder / "reference.ipynb"), str(folder / "wrong.ipynb")]
    out = tmp_path_factory.mktemp("out")
    started = {
        # "--notebook PATH": pytest takes PATH for its rootdir before the plugin knows the option.
        "reference": start([*PLUGIN, "--lab", LAB, "--notebook", str(folder / "reference.ipynb")], out / "ref.xml"),
        # "--notebook=PATH": the rootdir is the repository, whose pyproject.toml sets testpaths = tests.
        "wrong": start([*PLUGIN, f"--lab={LAB}", f"--notebook={folder / 'wrong.ipynb'}", "-v"], out / "wrong.xml"),
        "unreadable": start([*PLUGIN, "--lab", LAB, "--notebook", str(folder / "unreadable.ipynb")]),
        "cli": start([sys.executable, "-m", "autograder", "grade", LAB, *notebooks, "--out", str(out / "grades")]),
    }
    in_process_failures()  # while the subprocesses run
    runs = {name: finish(process) for name, process in started.items()}
    runs["cli"].out = out / "grades"
    return runs


def cli_verdicts(runs: dict[str, Run], student: str) -> dict[tuple[str, str], bool]:
    """(test cell, check name) -> passed, from the student JSON of `python -m autograder grade`."""
    assert runs["cli"].returncode == 0, runs["cli"].output
    data = json.loads((runs["cli"].out / f"{student}.json").read_text())
    return {
        (cell["grade_id"], item_name(check["name"])): check["passed"]
        for cell in data["cells"]
        for check in cell["checks"]
    }


@functools.cache
def in_process_failures() -> dict[tuple[str, str], CheckResult]:
    """(test cell, check name) -> the failed check, graded in this process (conftest.grade)."""
    return {(cell, item_name(check.name)): check for cell, check in failures(grade(LAB, {"sample_beta": WRONG_BETA}))}


# ---------------------------------------------------------------- the reference


def test_reference_passes_every_check(runs):
    """Does the reference notebook pass, one test per check, as many tests as the CLI reports checks?"""
    run = runs["reference"]
    assert run.returncode == 0, run.output
    verdicts = run.verdicts()
    assert verdicts and all(verdicts.values())
    assert verdicts == cli_verdicts(runs, "reference")  # same checks, public and hidden, all passed
    cells = {cell for cell, _ in verdicts}
    assert {"test_sample_beta", "hidden_sample_beta"} <= cells
    assert f" {len(verdicts)} passed in " in run.output


def test_reference_prints_the_score(runs):
    """Does the session end with the notebook's total score from the isolated grader?"""
    output = runs["reference"].output
    verdicts = runs["reference"].verdicts()
    _, total = points(verdicts)
    assert f"{LAB}: {total:g}/{total:g} points (isolated grader, " in output
    assert f"{len(verdicts)} checks, " in output and " hidden (hidden_* cells" in output


# ---------------------------------------------------------------- a wrong answer


def test_wrong_answer_fails_exactly_the_graders_failed_checks(runs):
    """Do the failing tests equal the checks the isolated grader and the in-process grader fail?"""
    run = runs["wrong"]
    assert run.returncode == 1, run.output
    verdicts = run.verdicts()
    assert verdicts == cli_verdicts(runs, "wrong")
    assert {check for check, passed in verdicts.items() if not passed} == set(in_process_failures())
    assert ("test_sample_beta", "log10(1 - beta) is uniform (Kolmogorov-Smirnov)") in verdicts
    assert not verdicts["test_sample_beta", "log10(1 - beta) is uniform (Kolmogorov-Smirnov)"]
    score, total = points(verdicts)
    assert f"{LAB}: {score:g}/{total:g} points (isolated grader, " in run.output


def test_failure_text_is_the_checks_message(runs):
    """Is a failing test reported as '0/N points: <message>', in the terminal and the JUnit XML, without a traceback?"""
    run = runs["wrong"]
    check = in_process_failures()["test_sample_beta", "log10(1 - beta) is uniform (Kolmogorov-Smirnov)"]
    assert "linear scale" in check.message
    reported = f"0/{check.max_points:g} points: {check.message}"
    assert reported in run.output
    cases = {case.get("name"): case for case in ET.parse(run.junit).getroot().iter("testcase")}
    assert cases[check.name].find("failure").get("message") == reported
    assert "Traceback" not in run.output and "pytest_plugin.py" not in run.output


def test_verbose_names_read_as_cell_and_check(runs):
    """Does `-v` name each test NOTEBOOK::CELL::CHECK, and does the run collect nothing from tests/?"""
    output = runs["wrong"].output
    assert "configfile: pyproject.toml" in output  # the repository's testpaths were in force
    assert "wrong.ipynb::test_sample_beta::log10(1 - beta) is uniform (Kolmogorov-Smirnov) FAILED" in output
    assert "wrong.ipynb::hidden_sample_beta::low = 0 is allowed PASSED" in output
    assert f"collected {len(runs['wrong'].verdicts())} items" in output  # the checks, and nothing else
    assert "test_pytest_plugin" not in output


def test_one_testcase_per_check_in_junit(runs):
    """Does the JUnit XML hold one testcase per check, named after it, classed by notebook and cell?"""
    cases = list(ET.parse(runs["wrong"].junit).getroot().iter("testcase"))
    assert len(cases) == len(cli_verdicts(runs, "wrong"))
    assert {case.get("classname") for case in cases} >= {
        "wrong.ipynb.test_sample_beta",
        "wrong.ipynb.hidden_sample_beta",
    }


# ---------------------------------------------------------------- an unreadable notebook


def test_unreadable_notebook_fails_every_test_with_the_error(runs):
    """Does a notebook the grader cannot read fail every test, each with the grader's error?"""
    run = runs["unreadable"]
    assert run.returncode == 1, run.output
    count = len(runs["reference"].verdicts())
    _, total = points(runs["reference"].verdicts())
    assert f"{count} failed in " in run.output
    # once per test in the failures section (the short summary may repeat it, cut to the terminal's width)
    assert run.output.count("the grader could not grade this notebook: unreadable.ipynb is not valid JSON") >= count
    assert f"{LAB}: 0/{total:g} points" in run.output


# ---------------------------------------------------------------- selection (no grading: --collect-only)


def collected(*args: str, notebook: Path) -> list[str]:
    run = plugin("--lab", LAB, "--notebook", str(notebook), "--collect-only", "-q", *args)
    assert run.returncode == 0, run.output
    assert "points (isolated grader" not in run.output  # collecting grades nothing
    return [line for line in run.output.splitlines() if "::" in line]


def test_k_selects_a_cells_checks(tmp_path):
    """Does `-k test_sample_beta` select that cell's checks, and `-k Kolmogorov` checks by a word of their name?"""
    path = tmp_path / "wrong.ipynb"
    released = read_notebook(release_path(REPO, LAB))
    nbformat.write(with_answers(released, WRONG), path)
    cell = collected("-k", "test_sample_beta", notebook=path)
    assert len(cell) == 6 and all(line.startswith("wrong.ipynb::test_sample_beta::") for line in cell)
    assert collected("-k", "Kolmogorov", notebook=path) == [
        "wrong.ipynb::test_sample_log_uniform::log10 of the draws is uniform (Kolmogorov-Smirnov)",
        "wrong.ipynb::test_sample_beta::log10(1 - beta) is uniform (Kolmogorov-Smirnov)",
    ]
    hidden = collected("-m", "hidden", notebook=path)
    assert hidden and all("::hidden_" in line for line in hidden)


# ---------------------------------------------------------------- usage errors, and staying out of the way


@pytest.mark.parametrize(
    ("args", "phrase"),
    [
        (["--notebook", "{notebook}"], "--notebook needs --lab"),
        (["--lab", "no_such_lab", "--notebook", "{notebook}"], "unknown lab 'no_such_lab'"),
        (["--lab", LAB, "--notebook", "{missing}"], "no such file"),
        (["--lab", LAB], "give the notebook to grade with --notebook"),
        (["--lab", LAB, "--notebook", "{notebook}", "tests/test_cli.py"], "leave out 'tests/test_cli.py'"),
        (["--lab", LAB, "--notebook", "{notebook}", "--timeout", "0"], "--timeout must be a positive number"),
        (["--lab", LAB, "--notebook", "{notebook}", "--course-root", "{folder}"], "no solutions/_grading folder"),
    ],
    ids=["no_lab", "unknown_lab", "missing_notebook", "no_notebook", "other_tests", "bad_timeout", "not_a_course"],
)
def test_usage_errors_are_clear(tmp_path, args, phrase):
    """Is a wrong command line refused with pytest's usage-error status (4) and a plain message?"""
    notebook = tmp_path / "x.ipynb"
    notebook.write_text("{}")
    filled = [a.format(notebook=notebook, missing=tmp_path / "missing.ipynb", folder=tmp_path) for a in args]
    run = plugin(*filled)
    assert run.returncode == 4, run.output
    assert phrase in run.output and "Traceback" not in run.output


def test_plugin_is_not_auto_registered(tmp_path, request):
    """Is the plugin absent from ordinary pytest runs: no pytest11 entry point, not in this run, no --lab elsewhere?"""
    assert "pytest11" not in (REPO / "pyproject.toml").read_text()
    assert not request.config.pluginmanager.has_plugin("autograder.pytest_plugin")
    (tmp_path / "test_dummy.py").write_text("def test_dummy():\n    pass\n")
    plain = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider"]
    assert subprocess.run(plain, cwd=tmp_path, capture_output=True, timeout=TIMEOUT).returncode == 0
    unknown = subprocess.run([*plain, "--lab", LAB], cwd=tmp_path, capture_output=True, text=True, timeout=TIMEOUT)
    assert unknown.returncode == 4 and "unrecognized arguments: --lab" in unknown.stderr
