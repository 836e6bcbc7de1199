"""The isolated grader on a Dask cluster (``grade --cluster local:2``): the same results as on one machine,
student by student, for a mixed class (honest, wrong, hostile, unreadable); a worker killed mid-task means the
submissions of its batch are graded again elsewhere, one per task; a submission whose task kills every worker it
runs on is recorded as an error after a bounded number of tries; and a second run resumes, grading nobody twice.

One cluster run (module fixture) grades the whole class; the kills are done by the task itself, a wrapper of
the real one that ends its Dask worker process (``os._exit``) for two chosen students.
"""

from __future__ import annotations

import functools
import os
import sys
from pathlib import Path

import nbformat
import pytest
from helpers import REPO, processes, processes_left, reference_sources

from autograder.engine.cells import read_notebook, with_answers
from autograder.engine.course import release_path
from autograder.engine.submissions import find
from autograder.grader import grade_class
from autograder.integrations.demo import demo_class
from autograder.isolation.limits import Limits
from autograder.labs import get_lab
from autograder.model.results import LabResult

pytest.importorskip("distributed")

LAB = "hyperparameter_search"  # the quickest lab to grade
MISTAKES = ("uniform_beta",)  # the demo class's
HOSTILE = {"exits": "def sample_log_uniform(low, high, size, rng):\n    import os\n    os._exit(3)\n"}
# Killed once: graded again elsewhere; kills every worker it runs on: an error. Their names sort first, so that
# their batch goes to a worker before any has built its grader (first in, first out): a death costs little.
VICTIM, KILLER = "a_victim", "a_killer"
MAX_TRIES = 2
ZYGOTE = "autograder.isolation.zygote"

pytestmark = pytest.mark.slow


def killing_task(markers: str, files, limits, uploads):
    """The real task, except that it ends its own Dask worker process: always for a batch with KILLER in it,
    and the first time for one with VICTIM (a marker file says it happened)."""
    from autograder.grader.cluster import grade_on_worker

    students = {upload.student_id for upload in uploads}
    if KILLER in students:
        os._exit(1)
    marker = Path(markers) / "victim-killed"
    if VICTIM in students and not marker.exists():
        marker.touch()
        os._exit(1)
    return grade_on_worker(files, limits, uploads)


def _comparable(result: LabResult) -> tuple:
    """A result without its timings: status, notes, and every check's verdict, points and message."""
    cells = tuple((cell.grade_id, cell.checks) for cell in result.cells)
    return result.status, result.score, result.errors, cells


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """The class graded on one machine and on local:2, and what the processes looked like before and after."""
    import cloudpickle

    cloudpickle.register_pickle_by_value(sys.modules[__name__])  # the workers cannot import the tests
    top = tmp_path_factory.mktemp("cluster")
    folder, markers = top / "class", top / "markers"
    folder.mkdir()
    markers.mkdir()
    released = read_notebook(release_path(REPO, LAB))
    reference = reference_sources(LAB)
    demo = demo_class(REPO, LAB)
    students = {
        "reference": reference,
        **{name: demo[name] for name in MISTAKES},
        **{name: {**reference, "sample_log_uniform": code} for name, code in HOSTILE.items()},
        VICTIM: reference,
        KILLER: reference,
    }
    for name, sources in students.items():
        nbformat.write(with_answers(released, sources), folder / f"{name}.ipynb")
    (folder / "unreadable.ipynb").write_bytes(b"\x00 not a notebook")
    submissions = find(LAB, [str(folder)])
    lab, limits = get_lab(LAB), Limits(timeout=60)
    before = processes(ZYGOTE, full_command=True)
    local = grade_class(lab, REPO, submissions, top / "local", 2, limits)
    from autograder.grader.cluster import grade_class_on_cluster

    lines: list[str] = []
    task = functools.partial(killing_task, str(markers))
    cluster = grade_class_on_cluster(
        lab,
        REPO,
        submissions,
        top / "cluster",
        "local:2",
        limits,
        progress=lines.append,
        csv_every=3,
        max_tries=MAX_TRIES,
        batch=3,  # [a_killer, a_victim, exits] dies and is split; the others are graded in one task
        task=task,
    )
    after = processes_left(ZYGOTE, full_command=True, ignore=before, seconds=10)
    again = grade_class_on_cluster(lab, REPO, submissions, top / "cluster", "local:2", limits, task=task)
    return {
        "local": {r.student_id: r for r in local},
        "cluster": cluster,
        "again": again,
        "out": top / "cluster",
        "lines": lines,
        "before": before,
        "left": after,
        "markers": markers,
    }


def test_every_student_is_graded_once(graded):
    """Does every submission (the killed victim's included) get exactly one result, in the folder too?"""
    ids = [result.student_id for result in graded["cluster"]]
    assert sorted(ids) == sorted(graded["local"]) and len(ids) == len(set(ids))
    assert sorted(p.stem for p in graded["out"].glob("*.json")) == sorted(ids)
    rows = (graded["out"] / "grades.csv").read_text().splitlines()
    assert len(rows) == len(ids) + 1


def test_the_cluster_gives_the_local_results(graded):
    """Student by student (honest, wrong, hostile, unreadable, the victim regraded after its worker died): the
    same status, score, notes and checks as the grader on one machine."""
    cluster = {result.student_id: result for result in graded["cluster"]}
    assert (graded["markers"] / "victim-killed").exists()  # its first worker did die under it
    for student, local in graded["local"].items():
        if student != KILLER:
            assert _comparable(cluster[student]) == _comparable(local), (student, cluster[student].errors)
    assert graded["local"]["reference"].score == graded["local"]["reference"].max_score
    assert graded["local"]["uniform_beta"].score < graded["local"]["uniform_beta"].max_score
    assert graded["local"]["unreadable"].status == "error"
    assert graded["local"]["exits"].score < graded["local"]["reference"].score


def test_a_submission_that_kills_every_worker_is_an_error_after_bounded_tries(graded):
    """Is KILLER recorded as not graded, saying why, after MAX_TRIES workers died under it, not retried forever?"""
    killer = next(result for result in graded["cluster"] if result.student_id == KILLER)
    assert killer.status == "error" and killer.score == 0
    assert f"ended the grader's process {MAX_TRIES} times" in killer.errors[0]


def test_a_second_run_resumes_and_grades_nobody_again(graded):
    """Does the same command again grade nobody (everyone is in the ledger), starting no cluster at all?"""
    assert graded["again"] == []


def test_progress_says_done_rate_time_left_and_workers(graded):
    """Does each result print done/total, the rate, the time left and the workers alive?"""
    assert len(graded["lines"]) == len(graded["cluster"])
    last = graded["lines"][-1]
    assert last.startswith(f"[{len(graded['cluster'])}/{len(graded['cluster'])}]")
    assert "/s, about" in last and "worker(s) alive" in last


def test_no_grader_process_is_left_running(graded):
    """Do the warm processes of the workers (the killed ones' included) end with the cluster?"""
    assert graded["left"] == set()


def refusing_task(files, limits, uploads):
    """A worker whose machine cannot build the sandbox (what the Grader raises there)."""
    from autograder.isolation.pool import SandboxFailure

    raise SandboxFailure("namespaces: unprivileged user namespaces are disabled here")


def test_a_worker_that_cannot_isolate_stops_the_run_and_records_nobody(tmp_path):
    """Does a worker that cannot build the sandbox stop the run with the reason, recording no student (an error
    result would count as graded, and the run could not simply be resumed once the worker is mended)?"""
    import cloudpickle

    from autograder.grader.cluster import ClusterError, grade_class_on_cluster

    cloudpickle.register_pickle_by_value(sys.modules[__name__])
    folder, out = tmp_path / "class", tmp_path / "out"
    folder.mkdir()
    filled = with_answers(read_notebook(release_path(REPO, LAB)), reference_sources(LAB))
    for name in ("ada", "bo"):
        nbformat.write(filled, folder / f"{name}.ipynb")
    submissions = find(LAB, [str(folder)])
    with pytest.raises(ClusterError, match=r"cannot isolate student code.*user namespaces are disabled"):
        grade_class_on_cluster(get_lab(LAB), REPO, submissions, out, "local:1", Limits(), task=refusing_task)
    assert sorted(p.name for p in out.glob("*.json")) == []
    assert (out / "grades.csv").read_text().splitlines()[1:] == []
