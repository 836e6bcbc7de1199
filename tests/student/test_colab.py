"""Colab readiness: the labs' first and last cells, and what the package asks of Colab.

Colab's versions (googlecolab/backend-info, the Python 3.13 runtime of August 2026) are
written out below; the labs and the package must run there without changing any of them.
"""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys

import pytest
import tomllib
from helpers import REPO, reference_sources
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

from autograder.engine.cells import grade_id, read_notebook
from autograder.labs import available
from autograder.student.colab import PLACEHOLDER, Repository

# What Colab's runtime has (pip names): Python, TensorFlow, Keras, NumPy, IPython, ipykernel, nbclient and
# notebook from its pip freeze (docs/colab.md). Colab ships scipy and nbformat too; their
# exact versions are not in those notes, so these are conservative guesses, older than any recent runtime's.
COLAB = {
    "python": "3.13.15",
    "tensorflow": "2.20.0",
    "keras": "3.13.2",
    "numpy": "2.1.3",
    "scipy": "1.13.1",
    "nbformat": "5.10.4",
    "ipython": "7.34.0",
    "ipykernel": "6.17.1",
    "nbclient": "0.10.4",
    "notebook": "6.5.7",
}
STAND_IN = REPO / "tests" / "colab" / "stand_in"


def declared() -> tuple[SpecifierSet, list[Requirement]]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    requirements = [Requirement(r) for r in project["dependencies"]]
    requirements += [Requirement(r) for extra in project["optional-dependencies"].values() for r in extra]
    return SpecifierSet(project["requires-python"]), requirements


def test_declared_requirements_admit_colabs_versions():
    """Do the package's requirements (the tensorflow extra too) accept every version Colab has, so that
    `%pip install` changes none of them, and ask for nothing Colab lacks?"""
    python, requirements = declared()
    assert COLAB["python"] in python
    for requirement in requirements:
        assert requirement.name in COLAB, f"{requirement.name} is not on Colab"
        assert requirement.specifier.contains(COLAB[requirement.name]), (str(requirement), COLAB[requirement.name])


def test_requirements_would_refuse_a_version_outside_their_range():
    """Is the check above able to fail: would a Keras 2 or a NumPy 3 be refused?"""
    _, requirements = declared()
    by_name = {r.name: r for r in requirements}
    assert not by_name["keras"].specifier.contains("2.15.0")
    assert not by_name["numpy"].specifier.contains("3.0.0")


@pytest.mark.parametrize("lab", available())
def test_first_cells_badge_install_imports_setup(lab):
    """Does each lab open with its Colab badge, then the install cell (Colab only), the imports, and the
    set-up cell that prints the device and seeds everything?"""
    notebook = read_notebook(REPO / "labs" / lab / f"{lab}.ipynb")
    code = [c for c in notebook.cells if c.cell_type == "code"]
    assert [grade_id(c) for c in code[:3]] == ["colab_install", "imports", "setup"]
    assert PLACEHOLDER.badge(lab) in "".join(c.source for c in notebook.cells[:3] if c.cell_type == "markdown")
    install = code[0].source
    assert re.search(r'^if "google\.colab" in sys\.modules:\n    %pip install -q "[^"]+"$', install, re.M)
    assert PLACEHOLDER.install_spec() in install
    assert "environment.prepare(seed=" in code[2].source  # device line, TF32 off, NumPy/Python/Keras seeds
    assert grade_id(code[-1]) == "ready_to_submit" and code[-1].source.strip() == "checker.ready_to_submit()"
    assert all(c.metadata.nbgrader.locked for c in (code[0], code[1], code[2], code[-1]))


def lab_code_cells() -> list[tuple[str, str]]:
    cells = []
    for lab in available():
        for path in (REPO / "labs" / lab / f"{lab}.ipynb", REPO / "solutions" / lab / f"{lab}.ipynb"):
            cells += [
                (f"{path.name}:{i}", c.source) for i, c in enumerate(read_notebook(path).cells) if c.cell_type == "code"
            ]
    return cells


def test_lab_cells_stay_within_ipython_7():
    """Do the lab cells use only what IPython 7.34 (Colab's) understands: no magic but %pip and
    %matplotlib, no top-level await, and plain Python once the magics are set aside?"""
    magic = re.compile(r"^\s*(%%?|!)(\w*)", re.M)
    for where, source in lab_code_cells():
        assert {m.group(1) + m.group(2) for m in magic.finditer(source)} <= {"%pip", "%matplotlib"}, where
        plain = magic.sub(lambda m: m.group(0).replace(m.group(1) + m.group(2), "pass  #"), source)
        tree = ast.parse(plain, filename=where)  # a SyntaxError names the cell
        assert not [n for n in ast.walk(tree) if isinstance(n, ast.Await | ast.AsyncFor | ast.AsyncWith)], where


def checker_script(answers: dict[str, str]) -> str:
    """Python that defines ``answers`` as a kernel would (their code in ``In``) and makes ``checker``,
    the hyperparameter_search lab's NotebookChecker, for a fresh interpreter to run."""
    return f"""
from autograder.student.checker import NotebookChecker
namespace = {{}}
sources = {list(answers.values())!r}
exec("import numpy as np", namespace)
for source in sources:
    exec(source, namespace)
namespace["In"] = sources
checker = NotebookChecker("hyperparameter_search", namespace)
"""


def test_public_checks_import_nothing_colab_lacks(tmp_path):
    """Running a lab's public checks, does Python load no nbgrader, Jupyter server or nbconvert module?"""
    script = checker_script(reference_sources("hyperparameter_search"))
    script += """
import sys
assert checker.run("test_sample_beta") > 0
loaded = sorted({m.split(".")[0] for m in sys.modules} & {"nbgrader", "jupyter_server", "notebook", "nbconvert",
                                                          "nbclient", "jupyterlab"})
print("LOADED", loaded)
"""
    done = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "LOADED []" in done.stdout, done.stdout


def test_ready_cell_downloads_the_notebook_under_its_canonical_name_on_colab(tmp_path):
    """With Colab's module loaded (a stand-in for its front end), does the last cell run the public checks,
    list the stubs, and download the open notebook as <lab>.ipynb?"""
    open_notebook = tmp_path / "Copy of hyperparameter_search.ipynb"
    open_notebook.write_text((REPO / "labs" / "hyperparameter_search" / "hyperparameter_search.ipynb").read_text())
    downloads = tmp_path / "downloads.txt"
    sources = {k: v for k, v in reference_sources("hyperparameter_search").items() if k != "random_search"}
    script = "import google.colab  # as Colab does when a runtime starts\n" + checker_script(sources)
    script += "checker.ready_to_submit()\n"
    env = {
        **os.environ,
        "PYTHONPATH": str(STAND_IN),
        "COLAB_STAND_IN_NOTEBOOK": str(open_notebook),
        "COLAB_STAND_IN_DOWNLOADS": str(downloads),
    }
    env.pop("AUTOGRADER_COURSE_ROOT", None)
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "test_sample_beta" in done.stdout and "random_search (not defined: run its cell)" in done.stdout
    assert "Downloading hyperparameter_search.ipynb" in done.stdout
    saved = tmp_path / "hyperparameter_search.ipynb"
    assert downloads.read_text().splitlines() == [str(saved)]
    assert saved.read_text().strip() and read_notebook(saved).cells  # the open notebook, as Colab returned it


def test_repository_slugs_are_checked():
    """Is a malformed slug or branch refused with a message that shows what was received?"""
    assert (
        Repository("acme/labs-2026", "fall/2026")
        .colab_url("batch_norm")
        .endswith("/acme/labs-2026/blob/fall/2026/labs/batch_norm/batch_norm.ipynb")
    )
    for slug, branch in (("acme", "main"), ("acme/labs; rm -rf /", "main"), ("acme/labs", "a..b")):
        with pytest.raises(ValueError, match="Received"):
            Repository(slug, branch)
