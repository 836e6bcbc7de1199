"""The isolated grader on one class of honest, hostile and broken submissions.

One batch (module fixture) grades them all together, as a real class would be:
hostile code must gain nothing and disturb nobody, and the honest students
must keep exactly the scores this package's in-process grading gives them.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import pytest
from helpers import REPO, processes, processes_left, reference_sources

from autograder.engine.cells import read_notebook, with_answers
from autograder.engine.course import release_path
from autograder.engine.grade_cells import grade_sources
from autograder.engine.submissions import find
from autograder.grader import grade_class
from autograder.integrations.demo import demo_class
from autograder.isolation.limits import Limits
from autograder.labs import get_lab

LAB = "softmax_regression"
HONEST = ("reference", "blank", "sum_not_mean")
SOLUTION = REPO / "solutions" / LAB / f"{LAB}.ipynb"
MARKER = "autograder-test-orphan-4242"

pytestmark = pytest.mark.slow


def softmax_cell(body: str) -> str:
    return "def softmax(z):\n" + "".join(f"    {line}\n" for line in body.strip().splitlines())


def copies_softmax_from(notebook: Path) -> str:
    """An answer that runs the softmax cell of another notebook (the solution, a classmate's)."""
    return softmax_cell(
        f"import json\ncells = json.load(open({str(notebook)!r}))['cells']\n"
        "gid = lambda c: c['metadata'].get('nbgrader', {}).get('grade_id')\n"
        "code = [''.join(c['source']) for c in cells if gid(c) == 'softmax']\n"
        "namespace = {'ops': ops}\nexec(code[0], namespace)\nreturn namespace['softmax'](z)"
    )


# A worker may start no process (its seccomp filter): the attempt must leave nothing running either way.
ORPHAN = (
    "import subprocess\ntry:\n"
    f"    subprocess.Popen(['sh', '-c', 'sleep 600 # {MARKER}'], start_new_session=True)\n"
    "except OSError:\n    pass\n"
)

HOSTILE = {
    # patching what the checks use gains nothing: verdicts are computed in the grader
    "patches_numpy": "np.allclose = lambda *a, **k: True\nnp.testing.assert_allclose = lambda *a, **k: None\n"
    + softmax_cell("return z"),
    "patches_keras": "keras.ops.softmax = lambda z, axis=-1: z\n" + softmax_cell("return z"),
    "patches_builtins": "import builtins\nbuiltins.abs = lambda x: 0\nbuiltins.max = lambda *a, **k: 0\n"
    + softmax_cell("return z"),
    "replaces_keras_layer": "class Softmax(keras.layers.Layer):\n    def call(self, inputs):\n        return inputs\n"
    "keras.layers.Softmax = Softmax\n" + softmax_cell("return z"),
    "patches_autograder": "import autograder.toolkit.compare\n"
    "autograder.toolkit.compare.compare = lambda *a, **k: None\n" + softmax_cell("return z"),
    "equal_to_everything": "class Everything:\n    def __eq__(self, other):\n        return True\n"
    + softmax_cell("return Everything()"),
    "reads_the_solution": copies_softmax_from(SOLUTION),
    "exits": softmax_cell("import os\nos._exit(3)"),
    "raises_system_exit": softmax_cell("raise SystemExit(1)"),
    "keyboard_interrupt": softmax_cell("raise KeyboardInterrupt"),
    "endless_loop": softmax_cell("while True:\n    pass"),
    "ignores_sigterm": softmax_cell(
        "import signal, time\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\ntime.sleep(10**6)"
    ),
    "memory_bomb": softmax_cell("return np.ones(50 * 2**30 // 8)"),
    "orphan_process": ORPHAN + reference_sources(LAB)["softmax"],
    "prints_100_mb": softmax_cell("print('x' * 100_000_000)\nreturn z"),
    "deletes_files": "import os, shutil\nshutil.rmtree(os.getcwd(), ignore_errors=True)\n"
    f"shutil.rmtree({str(REPO / 'solutions')!r}, ignore_errors=True)\n" + softmax_cell("return z"),
    "segfault": softmax_cell("import ctypes\nctypes.string_at(0)"),
}


def write(folder: Path, name: str, content: str | bytes) -> None:
    path = folder / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """Write the class, grade it in one batch of two workers, return (out folder, results by student)."""
    folder = tmp_path_factory.mktemp("class")
    released = read_notebook(release_path(REPO, LAB))
    students = demo_class(REPO, LAB)
    for student in HONEST:
        nbformat.write(with_answers(released, students[student]), folder / f"{student}.ipynb")
    for student, code in HOSTILE.items():
        nbformat.write(with_answers(released, {**reference_sources(LAB), "softmax": code}), folder / f"{student}.ipynb")
    classmate = copies_softmax_from(folder / "reference.ipynb")
    nbformat.write(with_answers(released, {**reference_sources(LAB), "softmax": classmate}), folder / "copies.ipynb")
    # broken input
    write(folder, "not_json.ipynb", "this is not JSON")
    write(folder, "empty.ipynb", "")
    write(folder, "json_not_notebook.ipynb", json.dumps({"hello": "world"}))
    write(folder, "not_utf8.ipynb", b"\xff\xfe\x00garbage")
    syntax = {**reference_sources(LAB), "one_hot": "def one_hot(labels, num_classes)\n    return labels\n"}
    nbformat.write(with_answers(released, syntax), folder / "syntax_error.ipynb")
    stripped = with_answers(released, reference_sources(LAB))
    for cell in stripped.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "softmax":
            del cell.metadata["nbgrader"]
    nbformat.write(stripped, folder / "lost_metadata.ipynb")
    v3 = {
        "nbformat": 3,
        "nbformat_minor": 0,
        "metadata": {},
        "worksheets": [
            {
                "metadata": {},
                "cells": [
                    {
                        "cell_type": "code",
                        "metadata": {},
                        "input": reference_sources(LAB)["softmax"],
                        "language": "python",
                        "outputs": [],
                        "collapsed": False,
                    }
                ],
            }
        ],
    }
    write(folder, "nbformat_v3.ipynb", json.dumps(v3))
    missing = with_answers(released, reference_sources(LAB))
    missing.cells = [c for c in missing.cells if c.metadata.get("nbgrader", {}).get("grade_id") != "one_hot"]
    nbformat.write(missing, folder / "missing_answer.ipynb")
    doubled = with_answers(released, reference_sources(LAB))
    again = next(c for c in doubled.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "one_hot").copy()
    again.id = "one-hot-again"  # two cells with grade_id one_hot; cell ids stay unique
    doubled.cells.append(again)
    nbformat.write(doubled, folder / "duplicated_answer.ipynb")
    huge = with_answers(released, reference_sources(LAB))
    huge.cells[0].outputs = [] if huge.cells[0].cell_type == "code" else None
    huge.cells.append(
        nbformat.v4.new_code_cell(
            "", outputs=[nbformat.v4.new_output("display_data", data={"image/png": "A" * 50_000_000})]
        )
    )
    nbformat.write(huge, folder / "Copy of 50 MB image é (1).ipynb")
    out = tmp_path_factory.mktemp("out")
    submissions = find(LAB, [str(folder)])
    start = time.perf_counter()
    results = grade_class(get_lab(LAB), REPO, submissions, out, jobs=2, limits=Limits(timeout=20))
    return out, {r.student_id: r for r in results}, time.perf_counter() - start


def test_every_submission_gets_one_result(batch):
    """Does every submission, broken ones included, get exactly one JSON and one grades.csv row?"""
    out, results, _ = batch
    assert len(results) == len(HONEST) + len(HOSTILE) + 11
    rows = (out / "grades.csv").read_text().strip().splitlines()
    assert len(rows) == 1 + len(results)
    assert {p.stem for p in out.glob("*.json")} == set(results)


def test_honest_students_get_their_in_process_scores(batch):
    """Do honest submissions get, cell by cell, the scores of in-process grading?"""
    _, results, _ = batch
    lab = get_lab(LAB)
    for student in HONEST:
        ours = grade_sources(student, lab, demo_class(REPO, LAB)[student], REPO)
        assert {c.grade_id: c.points for c in results[student].cells} == {c.grade_id: c.points for c in ours.cells}
    assert results["reference"].score == results["reference"].max_score > 0


@pytest.mark.parametrize("student", sorted(HOSTILE))
def test_hostile_code_gains_no_softmax_points(batch, student):
    """Does hostile code in the softmax answer earn none of its points (except a correct orphan-spawner's)?"""
    _, results, _ = batch
    cells = {c.grade_id: c for c in results[student].cells}
    if student == "orphan_process":  # its softmax is the reference's: it may keep those points
        assert cells["test_softmax"].points == cells["test_softmax"].max_points
        return
    assert cells["test_softmax"].points <= 1.0  # at most "implemented from scratch"
    assert cells["hidden_softmax"].points == 0.0


def test_hostile_code_leaves_other_answers_graded(batch):
    """Is one_hot still graded in full for students whose softmax misbehaves inside the checks?"""
    _, results, _ = batch
    for student in (
        "patches_numpy",
        "patches_keras",
        "replaces_keras_layer",
        "equal_to_everything",
        "prints_100_mb",
        "memory_bomb",
    ):
        cells = {c.grade_id: c for c in results[student].cells}
        assert cells["test_one_hot"].points == cells["test_one_hot"].max_points, student


def test_endless_code_is_stopped_and_said_so(batch):
    """Are an endless loop and a sleeper that ignores SIGTERM stopped at the timeout, with a message?"""
    _, results, _ = batch
    for student in ("endless_loop", "ignores_sigterm"):
        assert any("stopped after 20 s" in e for e in results[student].errors), results[student].errors


def test_no_process_outlives_its_submission(batch):
    """Is a child started with setsid gone once grading ends?"""
    assert processes(MARKER, full_command=True) == set()


def test_solution_classmates_and_output_are_out_of_reach(batch):
    """Could no submission read the solution or a classmate's notebook, or delete the course's files?"""
    _, results, _ = batch
    assert SOLUTION.is_file() and (REPO / "solutions" / "_grading").is_dir()
    assert results["reads_the_solution"].environment["isolation"]["files"].startswith("enforced")
    copied = {c.grade_id: c.points for c in results["copies"].cells}
    assert copied["test_softmax"] <= 1.0 and copied["hidden_softmax"] == 0.0


def test_broken_files_get_a_clear_error_and_status(batch):
    """Do unreadable files get status "error" and a sentence saying what is wrong?"""
    _, results, _ = batch
    expected = {
        "not_json": "not valid JSON",
        "empty": "empty",
        "json_not_notebook": "not a Jupyter notebook",
        "not_utf8": "not UTF-8",
    }
    for student, phrase in expected.items():
        assert results[student].status == "error" and phrase in results[student].errors[0], results[student].errors


def test_a_syntax_error_costs_only_its_answer(batch):
    """Does a syntax error in one_hot leave the other answers graded in full?"""
    _, results, _ = batch
    cells = {c.grade_id: c for c in results["syntax_error"].cells}
    assert cells["test_one_hot"].points == 0 and "SyntaxError" in cells["test_one_hot"].checks[0].message
    assert cells["test_softmax"].points == cells["test_softmax"].max_points


def test_lost_metadata_and_colab_names_are_recognised(batch):
    """Is an answer without its metadata found by its names, and a Colab download name read as the student id?"""
    _, results, _ = batch
    lost = results["lost_metadata"]
    assert lost.score == lost.max_score and any("found by the names" in note for note in lost.errors)
    assert results["50 MB image é"].score == results["50 MB image é"].max_score


def test_results_say_how_they_were_obtained(batch):
    """Does every graded result record the grader and what its isolation enforced, every facility enforced?"""
    _, results, _ = batch
    isolation = results["reference"].environment["isolation"]
    assert {"identity", "capabilities", "seccomp", "network", "files", "processes", "memory"} <= set(isolation)
    assert all(text.startswith("enforced") for text in isolation.values()), isolation


def test_a_killed_run_resumes_without_loss_or_duplicates(tmp_path):
    """After kill -9 of the grader mid-batch, is no worker left running, and does a rerun grade each
    student exactly once (and remove the killed grader's work folder)?"""
    lab = "hyperparameter_search"  # the quickest lab to grade: the kill, not the checks, is tested here
    marker = f"agkill{os.getpid() % 10**8}"  # a process name (at most 15 characters)
    # student1 is still running when the grader is killed: it names its process and sleeps (a worker may
    # start no other process), beside a thread of its own.
    slow = (
        f"import ctypes, threading, time\nctypes.CDLL(None).prctl(15, b'{marker}', 0, 0, 0)\n"
        "threading.Thread(target=time.sleep, args=(600,)).start()\ntime.sleep(600)\n"
    )
    folder = tmp_path / "class"
    folder.mkdir()
    released = read_notebook(release_path(REPO, lab))
    for n in range(4):
        answers = dict(reference_sources(lab))
        if n == 1:
            answers["sample_beta"] = slow + answers["sample_beta"]
        nbformat.write(with_answers(released, answers), folder / f"student{n}.ipynb")
    out = tmp_path / "out"
    command = [sys.executable, "-m", "autograder", "grade", lab, str(folder), "--out", str(out), "--jobs", "1"]
    command += ["--timeout", "10"]
    run = subprocess.Popen(
        command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    deadline = time.time() + 300
    while not (out / "student0.json").exists() and time.time() < deadline:
        time.sleep(0.2)
    time.sleep(1)  # student1's worker is asleep by now
    os.killpg(run.pid, signal.SIGKILL)
    run.wait()
    done_before = {p.stem for p in out.glob("student*.json")}
    assert done_before == {"student0"}
    survivors = processes_left(marker)  # the warm process, then the worker, then its PID namespace end
    assert not survivors, f"processes outlived the killed grader: {survivors}"
    left = list(Path(tempfile.gettempdir()).glob(f"autograder-grader-{run.pid}-*"))
    assert left, "the killed grader's work folder was expected to be left behind"
    rerun = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=600)
    assert rerun.returncode == 0, rerun.stderr
    assert not any(folder.exists() for folder in left), "the next grader did not remove the killed one's folder"
    assert "1 already graded" in rerun.stdout
    rows = (out / "grades.csv").read_text().strip().splitlines()[1:]
    assert sorted(row.split(",")[0] for row in rows) == [f"student{n}" for n in range(4)]
    assert not list(out.glob("*.partial"))
    assert "stopped after 10 s" in (out / "student1.json").read_text()


def test_missing_and_duplicated_answers_cost_only_themselves(batch):
    """Does a missing or a duplicated one_hot cell cost that answer only, with a note saying why?"""
    _, results, _ = batch
    for student, phrase in (("missing_answer", "no cell with this grade_id"), ("duplicated_answer", "2 cells carry")):
        cells = {c.grade_id: c for c in results[student].cells}
        assert cells["test_one_hot"].points == 0 and cells["test_softmax"].points == cells["test_softmax"].max_points
        assert any(phrase in note for note in results[student].errors), results[student].errors


def test_an_old_notebook_format_is_read(batch):
    """Is an nbformat v3 notebook read, its answer found by the names it defines?"""
    _, results, _ = batch
    cells = {c.grade_id: c for c in results["nbformat_v3"].cells}
    assert cells["test_softmax"].points == cells["test_softmax"].max_points
    assert any("found by the names" in note for note in results["nbformat_v3"].errors)
