"""The worker: one student's answers and the probes of every check, run in an
isolated process forked from a warm one.

The grader writes ``job.npz`` into an empty folder: the lab's imports cell, the
student's answer cells, and per check a public probe reference, its inputs and
an initialiser seed (never the hidden seed, the reference or hidden checks).
The worker isolates itself (``sandbox``), runs the answers, then each probe,
and writes one plain-data result per check into ``results/`` as soon as it has
it, so that a worker killed half-way still leaves what it finished.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from . import plain, sandbox
from .checks import Check, Verdict, resolve_probe
from .notebooks import run_cells
from .runner import Answers, Observation, observe

JOB = "job.npz"
REPORT = "sandbox.npz"
PID = "pid"
RESULTS = "results"
IMPORTS = "imports"


def write_job(folder: Path, imports: str, answers: dict[str, str], checks: list[dict[str, Any]]) -> None:
    """``checks``: dicts of ``ref``, ``inputs``, ``init_seed``, ``answer`` (grade_id), ``name`` (the
    name the student defines), in the order results will be numbered."""
    plain.dump({"imports": imports, "answers": answers, "checks": checks}, folder / JOB)


def _not_judged(evidence: Any) -> Verdict:  # the worker only observes; the grader judges
    raise RuntimeError("a worker never judges")


def run_job(folder: Path, report: dict[str, str]) -> None:
    """Run the answers and every probe of the job in ``folder`` (in this process)."""
    job = plain.load(folder / JOB)
    plain.dump(report, folder / REPORT)
    namespace: dict[str, Any] = {"__name__": "__main__"}
    errors = run_cells({IMPORTS: job["imports"], **job["answers"]}, namespace)
    errors.pop(IMPORTS, None)
    answers = Answers(namespace, [job["imports"], *job["answers"].values()], in_kernel=False, errors=errors)
    results = folder / RESULTS
    results.mkdir(exist_ok=True)
    for number, item in enumerate(job["checks"]):
        check = Check(item["name"], item["answer"], _not_judged, probe=resolve_probe(tuple(item["ref"])))
        observation = observe(check, answers, item["name"], item["inputs"], item["init_seed"])
        try:
            plain.dump(observation.to_plain(), results / f"{number}.npz")
        except plain.PlainDataError as error:
            message = f"the answer returned something that cannot be graded ({error})"
            plain.dump(Observation(False, {}, message).to_plain(), results / f"{number}.npz")


def _one_thread() -> None:
    """The grader runs ``--jobs`` workers side by side: each keeps to one thread of ops."""
    import keras

    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        tf.config.threading.set_intra_op_parallelism_threads(1)
        tf.config.threading.set_inter_op_parallelism_threads(1)


def main(folder: str, hidden: list[str], limits: sandbox.Limits) -> None:
    """The worker process: isolate, fork the job into its own PID namespace, wait for it."""
    path = Path(folder)
    _one_thread()
    report = sandbox.enter(folder, hidden, limits)
    pid, note = sandbox.fork_into_pid_namespace()
    if pid == 0:
        sandbox.die_with_parent()  # PID 1 of the namespace: its end ends every process in it
        code = 0
        try:
            run_job(path, {**report, "processes": note})
        except BaseException:
            code = 1
        finally:
            os._exit(code)
    (path / PID).write_text(str(pid))
    _, status = os.waitpid(pid, 0)
    os._exit(os.waitstatus_to_exitcode(status) if os.WIFEXITED(status) else 1)
