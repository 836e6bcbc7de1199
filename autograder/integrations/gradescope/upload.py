"""``python -m autograder.integrations.gradescope LAB``: grade one Gradescope upload, in Gradescope's container.

Gradescope runs ``run_autograder`` for every upload, with the student's files in ``/autograder/submission/``
and the bundle in ``/autograder/source/``, and reads ``/autograder/results/results.json``. Every path is read
from the environment (``GRADESCOPE_ROOT``, ``GRADESCOPE_SOURCE``, ``GRADESCOPE_SUBMISSION``,
``GRADESCOPE_RESULTS``), so that it runs on a fake layout in a test too.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from autograder.engine import course
from autograder.engine import grade_cells as grading
from autograder.engine.submissions import canonical_stem
from autograder.isolation.limits import DEFAULT_TIMEOUT
from autograder.labs import get_lab
from autograder.outputs.gradescope_results import CheckSpec, gradescope_results, isolation_report

STUDENT_ID = "submission"  # Gradescope grades one upload per run: its id is never shown


@dataclass(frozen=True)
class Layout:
    """Where Gradescope puts things; each folder can be moved by an environment variable."""

    source: Path
    submission: Path
    results: Path

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Layout:
        env = os.environ if env is None else env
        top = Path(env.get("GRADESCOPE_ROOT", "/autograder"))
        return cls(
            Path(env.get("GRADESCOPE_SOURCE", top / "source")),
            Path(env.get("GRADESCOPE_SUBMISSION", top / "submission")),
            Path(env.get("GRADESCOPE_RESULTS", top / "results")),
        )


def check_specs(lab: str, root: Path) -> list[CheckSpec]:
    """Every check of every test cell of ``lab``, public and hidden, in notebook order.

    Taken from the lab's definition, not from a result: an upload that cannot
    be graded still lists every check with what it was worth.
    """
    return [
        CheckSpec(cell, check.name, float(check.points))
        for cell, checks in grading.lab_checks(get_lab(lab), root).items()
        for check in checks
    ]


@dataclass
class Upload:
    """The notebook chosen from an upload, or why none could be."""

    notebook: Path | None
    problem: str = ""
    notes: list[str] = field(default_factory=list)


def _uploaded_files(folder: Path) -> list[Path]:
    """Every file of the upload, without hidden files, macOS's __MACOSX and Jupyter's checkpoints.

    os.walk does not follow links to folders, so a linked folder's notebooks
    are never graded.
    """
    files = []
    for top, folders, names in os.walk(folder):
        folders[:] = sorted(name for name in folders if not name.startswith(".") and name != "__MACOSX")
        files += [Path(top) / name for name in sorted(names) if not name.startswith(".")]
    return files


def choose_notebook(folder: Path, lab: str) -> Upload:
    """The notebook to grade: the only one uploaded, or the only one named after the lab.

    Gradescope keeps the upload's file name (``Copy of batch_norm.ipynb``,
    ``submission.ipynb``), so any name is accepted when there is one notebook.
    A link is refused: it could point at the reference solution in the bundle.
    """
    if not folder.is_dir():
        return Upload(None, f"nothing was uploaded: upload your {lab}.ipynb")
    files = _uploaded_files(folder)
    shown = [path.relative_to(folder).as_posix() for path in files]
    notebooks = [path for path in files if path.suffix.lower() == ".ipynb"]
    if not notebooks:
        listing = ", ".join(shown[:10]) + (", ..." if len(shown) > 10 else "") if shown else "no files"
        return Upload(None, f"no Jupyter notebook (.ipynb) in your upload ({listing}): upload your {lab}.ipynb")
    notes = []
    chosen = notebooks[0]
    if len(notebooks) > 1:
        named = [path for path in notebooks if canonical_stem(path) == lab]
        names = ", ".join(path.relative_to(folder).as_posix() for path in notebooks)
        if len(named) != 1:
            return Upload(None, f"{len(notebooks)} notebooks in your upload ({names}): upload only your {lab}.ipynb")
        chosen = named[0]
        notes.append(f"{len(notebooks)} notebooks uploaded ({names}); the one named after the lab was graded")
    name = chosen.relative_to(folder).as_posix()
    if chosen.is_symlink() or not chosen.is_file():
        return Upload(None, f"{name} is a link, not a notebook file: upload the notebook itself")
    return Upload(chosen, notes=[f"graded {name}", *notes])


def grade_upload(lab: str, layout: Layout, timeout: float = DEFAULT_TIMEOUT) -> dict[str, Any]:
    """Gradescope's results for the upload in ``layout.submission``; every upload gets a valid one.

    The worker cannot see Gradescope's submission and results folders, so the student's code can neither
    reread the upload nor write results.json.
    """
    from autograder.grader import grade_notebook
    from autograder.grader.verdicts import error_result
    from autograder.isolation.limits import Limits

    root = course.find_root(layout.source)
    spec = get_lab(lab)
    checks = check_specs(lab, root)
    upload = choose_notebook(layout.submission, lab)
    if upload.notebook is None:
        result = error_result(STUDENT_ID, spec, upload.problem)
    else:
        private = [layout.submission, layout.results]
        result = grade_notebook(spec, root, upload.notebook, Limits(timeout=timeout), STUDENT_ID, private)
    print(isolation_report(result))
    return gradescope_results(result, checks, upload.notes)


def write_results(results: Mapping[str, Any], folder: Path) -> Path:
    """results.json, written atomically: Gradescope never reads half a file."""
    from autograder.outputs.folder import write_atomically

    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "results.json"
    write_atomically(target, json.dumps(results, indent=2, allow_nan=False))
    return target


def main(argv: Sequence[str] | None = None) -> int:
    """What run_autograder calls. A failure of the grader itself ends with a traceback and no
    results.json, so Gradescope shows the submission as failed instead of scoring it 0."""
    layout = Layout.from_env()
    parser = argparse.ArgumentParser(
        prog="python -m autograder.integrations.gradescope",
        description="Grade a Gradescope upload; write results.json.",
    )
    parser.add_argument("lab", help="the lab")
    parser.add_argument("--source", type=Path, default=layout.source, help="the bundle (the course root)")
    parser.add_argument("--submission", type=Path, default=layout.submission, help="the upload's folder")
    parser.add_argument("--results", type=Path, default=layout.results, help="where results.json goes")
    parser.add_argument(
        "--timeout", type=float, default=DEFAULT_TIMEOUT, help=f"seconds for the upload (default {DEFAULT_TIMEOUT:g})"
    )
    args = parser.parse_args(argv)
    layout = Layout(args.source, args.submission, args.results)
    layout.results.mkdir(parents=True, exist_ok=True)  # exists before the worker starts, so it is covered
    start = time.perf_counter()
    from autograder.isolation.pool import SandboxFailure

    try:
        results = grade_upload(args.lab, layout, args.timeout)
    except SandboxFailure as error:  # fail closed: no results.json, so Gradescope shows the upload as failed
        print(f"autograder: student code cannot be isolated in this container, so it was not graded: {error}")
        return 2
    path = write_results(results, args.results)
    failed = [test["name"] for test in results["tests"] if test["score"] < test["max_score"]]
    print(f"{results['output']}\n\nchecks that lost points: {', '.join(failed) or 'none'}")
    print(f"wrote {path} in {time.perf_counter() - start:.1f} s")
    return 0
