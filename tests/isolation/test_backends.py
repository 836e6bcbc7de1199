"""The references and checks are written with keras.ops, so they run on the JAX backend too.

One subprocess (a process's Keras backend is fixed when Keras is imported) grades every
lab's reference with all its public and hidden checks under KERAS_BACKEND=jax.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from helpers import REPO, started_early

LABS = ("hyperparameter_search", "batch_norm", "softmax_regression")

GRADE_ON_JAX = """
import json, sys
from pathlib import Path
import keras
from autograder.engine.course import solution_path
from autograder.engine.grade_cells import grade_sources
from autograder.labs import get_lab
from autograder.engine.cells import answer_sources, read_notebook
from autograder.toolkit.probes import probe_jit_compile

root = Path(sys.argv[1])
print(json.dumps({"backend": keras.backend.backend(), "jit_compile": probe_jit_compile()}))
for name in sys.argv[2:]:
    lab = get_lab(name)
    sources = answer_sources(read_notebook(solution_path(root, name)), [a.grade_id for a in lab.answers])
    result = grade_sources("reference", lab, sources, root)
    checks = [[cell.grade_id, c.name, c.passed, c.message] for cell in result.cells for c in cell.checks]
    print(json.dumps({"lab": name, "checks": checks, "errors": list(result.errors)}))
"""


class JaxRun:
    """The subprocess grading every lab's reference under KERAS_BACKEND=jax."""

    def __init__(self) -> None:
        env = {**os.environ, "KERAS_BACKEND": "jax", "LAB_QUICK": "1"}
        self.process = subprocess.Popen(
            [sys.executable, "-c", GRADE_ON_JAX, str(REPO), *LABS],
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def results(self) -> dict:
        stdout, stderr = self.process.communicate(timeout=600)
        assert self.process.returncode == 0, stderr[-3000:]
        lines = [json.loads(line) for line in stdout.splitlines() if line.startswith("{")]
        return {**lines[0], **{line["lab"]: line for line in lines[1:]}}

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.communicate()


def start_early() -> JaxRun:
    return JaxRun()


@pytest.fixture(scope="module")
def on_jax() -> dict:
    return started_early(__name__, start_early).results()


@pytest.mark.parametrize("lab", LABS)
def test_reference_passes_every_check_on_jax(on_jax, lab):
    """Under KERAS_BACKEND=jax, does the reference pass every public and hidden check of the lab (the models the
    probes fit compiled with XLA, JAX's only compiled path)?"""
    assert on_jax["backend"] == "jax" and on_jax["jit_compile"] == "auto"
    graded = on_jax[lab]
    assert len(graded["checks"]) >= 20
    failed = [f"{cell} / {name}: {message}" for cell, name, passed, message in graded["checks"] if not passed]
    assert not failed, "\n".join(failed)
    assert graded["errors"] == []
