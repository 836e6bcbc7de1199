"""Failing closed: where a machine cannot isolate student code, ``python -m autograder grade`` grades
nobody, says what is missing and how to get it, and writes nothing; ``--unsafe-no-isolation`` grades
anyway, and every result and feedback page says so."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat
import pytest
import unprivileged
from helpers import REPO, reference_sources

from autograder.engine.cells import read_notebook, with_answers
from autograder.engine.course import release_path

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(unprivileged.available() is not None, reason=str(unprivileged.available())),
]
LAB = "hyperparameter_search"


@pytest.fixture(scope="module")
def class_folder():
    """A class of one honest notebook, and an output folder, that uid 65534 can read and write."""
    base = Path(tempfile.mkdtemp(prefix="autograder-fail-closed-", dir="/tmp"))
    base.chmod(0o777)
    notebook = with_answers(read_notebook(release_path(REPO, LAB)), reference_sources(LAB))
    nbformat.write(notebook, base / "student.ipynb")
    (base / "student.ipynb").chmod(0o644)
    yield base
    shutil.rmtree(base, ignore_errors=True)


def _grade(
    identity: str, folder: Path, out: Path, *options: str, tmp: Path | None = None
) -> subprocess.CompletedProcess:
    argv = [sys.executable, "-m", "autograder", "grade", LAB, str(folder / "student.ipynb"), "--out", str(out)]
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(folder), "LAB_QUICK": "1", "TF_CPP_MIN_LOG_LEVEL": "3"}
    if tmp is not None:
        env["TMPDIR"] = str(tmp)
    command = [*argv, *options] if identity == "root" else unprivileged.command([*argv, *options], env, identity)
    return subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=600)


def test_without_user_namespaces_an_ordinary_user_grades_nobody(class_folder):
    """As an ordinary user where user namespaces are switched off, does grade exit 2, naming the switch
    and --unsafe-no-isolation, and write no output folder?"""
    out = class_folder / "refused"
    done = _grade("no-userns", class_folder, out)
    assert done.returncode == 2, done.stderr[-2000:]
    assert "cannot be isolated" in done.stderr and "max_user_namespaces" in done.stderr
    assert "--unsafe-no-isolation" in done.stderr
    assert not out.exists()


def test_unsafe_no_isolation_grades_and_says_so_everywhere(class_folder):
    """There, does --unsafe-no-isolation grade the notebook, with the result and the feedback page saying
    that it was not isolated, and leave nothing behind in the temporary folder?"""
    out, tmp = class_folder / "unsafe", class_folder / "tmp"
    tmp.mkdir(mode=0o777)
    tmp.chmod(0o777)
    left_before = set(Path("/tmp").glob("autograder-unisolated-*"))  # where the first unsafe workers left theirs
    done = _grade("no-userns", class_folder, out, "--unsafe-no-isolation", tmp=tmp)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "WARNING" in done.stderr
    result = json.loads((out / "student.json").read_text())
    assert result["score"] == result["max_score"] > 0
    assert result["environment"]["isolation"]["all"].startswith("not enforced: graded with --unsafe-no-isolation")
    assert "NOT isolated" in (out / "feedback" / "student.html").read_text()
    assert sorted(p.name for p in tmp.iterdir()) == []
    assert set(Path("/tmp").glob("autograder-unisolated-*")) == left_before


def _python_is_private() -> bool:
    """Whether a folder on the way to Python keeps others out (then a Landlock worker cannot read it)."""
    parts = Path(sys.prefix).resolve().parts
    return any(not os.stat(Path(*parts[:depth])).st_mode & stat.S_IXOTH for depth in range(1, len(parts)))


@pytest.mark.skipif(not _python_is_private(), reason="Python is readable by others here")
def test_a_container_whose_python_others_cannot_read_grades_nobody(class_folder):
    """As root without CAP_SYS_ADMIN (a container) where Python lives in a folder others cannot read, does
    grade exit 2, saying that the environment must be readable by others?"""
    out = class_folder / "container"
    argv = ["setpriv", "--inh-caps=-sys_admin", "--bounding-set=-sys_admin", sys.executable, "-m", "autograder"]
    argv += ["grade", LAB, str(class_folder / "student.ipynb"), "--out", str(out)]
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(class_folder), "LAB_QUICK": "1"}
    done = subprocess.run(argv, cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 2, done.stderr[-2000:]
    assert "lacks CAP_SYS_ADMIN" in done.stderr and "chmod o+rX" in done.stderr
    assert not (out / "student.json").exists()
