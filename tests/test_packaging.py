"""What the installable package contains, and what it asks a student's machine to install."""

from __future__ import annotations

import subprocess
import sys
import zipfile

import pytest
import tomllib
from packaging.requirements import Requirement

from autograder.toolkit.datasets import DIGITS_SHA256
from autograder.version import DISTRIBUTION, WHEEL_PREFIX

# Packages that belong to the instructor's side: installing them on Colab would
# upgrade its notebook/IPython/Jupyter stack (see docs/colab.md).
INSTRUCTOR_ONLY = {"nbgrader", "notebook", "jupyterlab", "jupyter-server", "nbclient", "nbconvert", "ipykernel"}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory, repo):
    """The wheel `pip install .` would install, built once for the module."""
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out), str(repo)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (path,) = out.glob(f"{WHEEL_PREFIX}-*.whl")
    return zipfile.ZipFile(path)


def test_declared_dependencies_leave_out_the_instructor_tools(repo):
    """Does `pip install .` stay clear of nbgrader and the Jupyter server packages?"""
    project = tomllib.loads((repo / "pyproject.toml").read_text())["project"]
    names = {Requirement(r).name.lower() for r in project["dependencies"]}
    assert {"numpy", "keras"} <= names
    assert not names & INSTRUCTOR_ONLY


def test_distribution_has_a_name_of_its_own(wheel, repo):
    """Is the distribution named DISTRIBUTION everywhere (pyproject, the wheel's metadata), never PyPI's
    unrelated "autograder", while the import package stays `autograder`?"""
    assert DISTRIBUTION != "autograder"
    assert tomllib.loads((repo / "pyproject.toml").read_text())["project"]["name"] == DISTRIBUTION
    (metadata,) = [name for name in wheel.namelist() if name.endswith(".dist-info/METADATA")]
    assert f"Name: {DISTRIBUTION}\n" in wheel.read(metadata).decode()
    assert "autograder/__init__.py" in wheel.namelist()
    for lab in ("batch_norm", "hyperparameter_search", "softmax_regression"):
        install = (repo / "solutions" / lab / f"{lab}.ipynb").read_text()
        assert f'%pip install -q \\"{DISTRIBUTION} @ git+' in install, lab


def test_wheel_ships_the_gradescope_templates(wheel):
    """Does the wheel carry the Gradescope scripts' templates (package data, not Python)?"""
    names = set(wheel.namelist())
    assert {f"autograder/integrations/gradescope/templates/{n}" for n in ("setup.sh", "run_autograder")} <= names


def test_wheel_ships_the_digits_data(wheel):
    """Does the wheel carry digits.npz, byte-identical (by checksum) to datasets/?"""
    import hashlib

    data = wheel.read("autograder/data/digits.npz")
    assert hashlib.sha256(data).hexdigest() == DIGITS_SHA256


def test_wheel_holds_no_solution_hidden_check_or_seed(wheel, repo):
    """Is nothing students must not see in the package: no solutions, hidden checks, seed or demo class?"""
    names = wheel.namelist()
    assert not [n for n in names if "solutions" in n or "_grading" in n or "hidden" in n or "demo/" in n]
    seed = (repo / "solutions" / "_grading" / "hidden_seed").read_text().strip()
    for name in names:
        if name.endswith(".py"):
            text = wheel.read(name).decode()
            assert seed not in text, name
            assert "BEGIN SOLUTION" not in text, name
