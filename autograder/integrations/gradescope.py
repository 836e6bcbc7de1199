"""``python -m autograder gradescope LAB DEST``: one lab's autograder for Gradescope.

Gradescope builds a Docker image from an instructor's zip: it runs ``setup.sh``
once, then ``/autograder/run_autograder`` for every upload, with the student's
files in ``/autograder/submission/`` and the zip's contents in
``/autograder/source/``, and reads ``/autograder/results/results.json``.

The bundle written here is that zip (and the folder it is made from). Its
folder is a course root in miniature: the released lab (the grader takes the
imports cell from it), the reference solution, the lab's hidden checks and the
hidden seed, so the project's isolated grader (DESIGN.md section 5) runs there
unchanged, and ``run_autograder`` turns its result into Gradescope's format:
one Gradescope test per check. The bundle is instructor-private: Gradescope
never shows it to students, but it holds only what this one lab needs.

The grading half (``python -m autograder.integrations.gradescope LAB``, which
``run_autograder`` calls) reads every Gradescope path from the environment
(``GRADESCOPE_ROOT``, ``GRADESCOPE_SOURCE``, ``GRADESCOPE_SUBMISSION``,
``GRADESCOPE_RESULTS``), so that it runs on a fake layout in a test too.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from autograder import __version__
from autograder.engine import course
from autograder.engine import grade_cells as grading
from autograder.engine.grade_cells import is_hidden
from autograder.engine.submissions import canonical_stem
from autograder.isolation.limits import DEFAULT_TIMEOUT
from autograder.labs import get_lab

MARKER = ".autograder-gradescope.json"  # lists what this command wrote, so a rebuild deletes only that
ZIP_NAME = "autograder.zip"
VENV = "/autograder/venv"  # setup.sh installs here; run_autograder runs its Python
RUNTIME = ("keras", "numpy", "scipy", "nbformat")  # requirements.txt lines the grader needs at run time, kept as is
TENSORFLOW = "tensorflow"  # its range is kept, the package becomes tensorflow-cpu (no GPU in Gradescope's image)
VISIBLE, AFTER_PUBLISHED = "visible", "after_published"
VISIBILITIES = ("hidden", "after_due_date", "after_published", "visible")
STUDENT_ID = "submission"  # Gradescope grades one upload per run: its id is never shown


class BundleError(RuntimeError):
    """The bundle cannot be written (a course file is missing, DEST holds other files, ...)."""


# --- writing the bundle, on the instructor's machine ---------------------------------------------


def course_files(root: Path, lab: str) -> list[Path]:
    """The course files the grader reads for ``lab``, relative to the course root.

    The released lab gives the grader its imports cell, the solution notebook is
    the reference of the hidden checks; the demo class and the other labs'
    files stay out of the bundle.
    """
    files = [
        course.release_path(Path(), lab),
        course.solution_path(Path(), lab),
        course.GRADING_DIR / f"{lab}_hidden.py",
        course.GRADING_DIR / "hidden_seed",
    ]
    missing = [str(path) for path in files if not (root / path).is_file()]
    if missing:
        raise BundleError(f"the course folder {root} lacks {', '.join(missing)}")
    return files


def package_checkout() -> Path:
    """The checkout this package runs from: its pyproject.toml builds the wheel, its requirements.txt
    gives the ranges of TensorFlow and the rest."""
    checkout = Path(__file__).resolve().parents[2]
    if not (checkout / "pyproject.toml").is_file():
        raise BundleError(
            f"the autograder package at {checkout} is not a checkout (no pyproject.toml beside it): "
            "run this command from the course repository, where `pip install -e .` installed it"
        )
    return checkout


def build_wheel(checkout: Path, out: Path) -> Path:
    """The wheel ``pip install .`` would install, built from a clean copy of the package.

    A wheel rather than a copy of the sources: it holds exactly what the package
    declares (its data file included, no tests or solutions), and installing it
    needs no build backend in Gradescope's image. Building from a fresh copy
    keeps stale files of the checkout's ``build/`` folder out of it.
    """
    source = out / "source"
    from autograder.integrations.release import BUILD_LEFTOVERS

    shutil.copytree(checkout / "autograder", source / "autograder", ignore=BUILD_LEFTOVERS)
    for name in ("pyproject.toml", "README.md"):  # pyproject.toml names README.md as the readme
        if (checkout / name).is_file():
            shutil.copy2(checkout / name, source / name)
    wheels = out / "wheels"
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(wheels)]
    done = subprocess.run([*command, str(source)], capture_output=True, text=True, timeout=600)
    found = sorted(wheels.glob("autograder-*.whl")) if wheels.is_dir() else []
    if done.returncode != 0 or len(found) != 1:
        raise BundleError(f"building the autograder wheel failed:\n{done.stdout}{done.stderr}")
    return found[0]


def bundle_requirements(checkout: Path, wheel: str) -> str:
    """The bundle's requirements.txt: the wheel, then the course's ranges of what grading imports.

    The ranges come from the course's requirements.txt, so the image runs the
    versions the course was tested with; TensorFlow becomes ``tensorflow-cpu``
    with the same range (Gradescope's machines have no GPU, and the CPU build
    is a much smaller download).
    """
    from packaging.requirements import InvalidRequirement, Requirement

    path = checkout / "requirements.txt"
    try:
        text = path.read_text()
    except OSError as error:
        raise BundleError(f"cannot read {path}: {error.strerror}") from None
    lines = [
        f"# written by `python -m autograder gradescope` from {path.name}; setup.sh installs these",
        f"./{wheel}",
    ]
    found: set[str] = set()
    for line in text.splitlines():
        line = line.split(" #")[0].strip()
        if not line or line.startswith(("#", "-")):
            continue
        try:
            requirement = Requirement(line)
        except InvalidRequirement:
            continue
        name = requirement.name.lower()
        if name == TENSORFLOW:
            requirement.name, requirement.extras = "tensorflow-cpu", set()
        elif name not in RUNTIME:
            continue
        found.add(name)
        lines.append(str(requirement))
    if TENSORFLOW not in found:
        raise BundleError(f"{path} has no tensorflow line: the bundle would not know which TensorFlow to install")
    return "\n".join(lines) + "\n"


def setup_script() -> str:
    """setup.sh: a virtual environment with the bundle's requirements (run once, as root, in the image)."""
    return f"""#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder's image.
# Written by `python -m autograder gradescope` (autograder {__version__}).
# Pick an Ubuntu 22.04 or later base image (Python >= 3.10) and at least 4 GB of memory.
set -euo pipefail
cd "$(dirname "${{BASH_SOURCE[0]}}")"
VENV="${{AUTOGRADER_VENV:-{VENV}}}"

# A virtual environment: newer Ubuntu images refuse pip installs into the system Python.
if ! python3 -c "import ensurepip" >/dev/null 2>&1; then
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3 python3-venv python3-pip
fi
python3 -m venv "$VENV"
"$VENV/bin/python" -m pip install --no-cache-dir --upgrade pip
"$VENV/bin/python" -m pip install --no-cache-dir -r requirements.txt
TF_CPP_MIN_LOG_LEVEL=3 "$VENV/bin/python" -c \\
    "import autograder, keras; print('autograder', autograder.__version__, 'with Keras', keras.__version__)"
"""


def run_script(lab: str) -> str:
    """run_autograder: grade the upload of ``lab`` and write results.json.

    Gradescope copies this file to /autograder/run_autograder, so it finds the
    bundle through GRADESCOPE_SOURCE (default /autograder/source), never through
    its own location. The course root is pinned to the bundle.
    """
    return f"""#!/usr/bin/env bash
# Gradescope runs this for every upload of {lab}: it grades the notebook in
# $GRADESCOPE_SUBMISSION with the isolated grader and writes $GRADESCOPE_RESULTS/results.json.
# Written by `python -m autograder gradescope` (autograder {__version__}).
set -euo pipefail
GRADESCOPE_ROOT="${{GRADESCOPE_ROOT:-/autograder}}"
SOURCE="${{GRADESCOPE_SOURCE:-$GRADESCOPE_ROOT/source}}"
SUBMISSION="${{GRADESCOPE_SUBMISSION:-$GRADESCOPE_ROOT/submission}}"
RESULTS="${{GRADESCOPE_RESULTS:-$GRADESCOPE_ROOT/results}}"
PYTHON="${{AUTOGRADER_PYTHON:-${{AUTOGRADER_VENV:-{VENV}}}/bin/python}}"
[ -x "$PYTHON" ] || PYTHON=python3
export AUTOGRADER_COURSE_ROOT="$SOURCE"  # the bundle: its solutions/_grading, never another course's
export KERAS_BACKEND="${{KERAS_BACKEND:-tensorflow}}"
export TF_CPP_MIN_LOG_LEVEL="${{TF_CPP_MIN_LOG_LEVEL:-3}}"
cd "$SOURCE"
exec "$PYTHON" -m autograder.integrations.gradescope {lab} --source "$SOURCE" --submission "$SUBMISSION" \\
    --results "$RESULTS" --timeout "${{AUTOGRADER_TIMEOUT:-{DEFAULT_TIMEOUT:g}}}"
"""


def _bundle_files(dest: Path) -> set[str]:
    """Everything under ``dest`` but its real folders (a link counts as a file, never followed)."""
    return {path.relative_to(dest).as_posix() for path in dest.rglob("*") if path.is_symlink() or not path.is_dir()}


def _clear_previous_bundle(dest: Path) -> None:
    """Empty DEST if it holds only a bundle this command wrote; refuse anything else.

    The marker lists every file written, so a rebuild never deletes a file it
    did not make (an instructor's notes, another lab's bundle).
    """
    if dest.exists() and not dest.is_dir():
        raise BundleError(f"{dest} exists and is not a folder")
    if not dest.is_dir() or not any(dest.iterdir()):
        return
    try:
        written = set(json.loads((dest / MARKER).read_text())["files"])
    except (OSError, ValueError, KeyError, TypeError):
        raise BundleError(
            f"{dest} is not empty and was not written by `python -m autograder gradescope`: choose a new or empty "
            "folder"
        ) from None
    present = _bundle_files(dest)
    others = sorted(present - written - {MARKER})
    if others:
        raise BundleError(f"{dest} holds files this command did not write ({', '.join(others[:5])}): move them away")
    for name in present & written:  # never a path the marker names outside DEST
        (dest / name).unlink()
    (dest / MARKER).unlink()
    for folder in sorted((p for p in dest.rglob("*") if p.is_dir()), key=lambda p: len(p.parts), reverse=True):
        folder.rmdir()  # empty now: every file under it was ours


def _check_destination(root: Path, dest: Path) -> None:
    """A bundle inside labs/ or solutions/ would be released by nbgrader or mixed with the course's sources."""
    for private in (root / "labs", root / "solutions"):
        if dest.resolve().is_relative_to(private.resolve()):
            raise BundleError(f"{dest} is inside {private}: write the bundle outside the course's labs and solutions")


def _write_executable(path: Path, text: str) -> None:
    path.write_text(text)
    path.chmod(0o755)


def _write_zip(dest: Path, names: Sequence[str]) -> Path:
    """DEST/autograder.zip with setup.sh and run_autograder at its top level, as Gradescope requires.

    ZipInfo.from_file keeps the files' modes, so the scripts stay executable.
    """
    target = dest / ZIP_NAME
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(names):
            info = zipfile.ZipInfo.from_file(dest / name, arcname=name)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, (dest / name).read_bytes())
    return target


def write_bundle(lab: str, root: Path, dest: Path) -> Path:
    """Write the Gradescope autograder of ``lab`` (course at ``root``) into ``dest``; returns the zip to upload.

    ``dest`` must be new, empty, or a bundle this function wrote before (it is
    then replaced); anything else is refused with a BundleError.
    """
    get_lab(lab)  # a ValueError that lists the labs, before anything is written
    root, dest = Path(root), Path(dest)
    files = course_files(root, lab)
    checkout = package_checkout()
    _check_destination(root, dest)
    _clear_previous_bundle(dest)
    dest.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="autograder-wheel-") as scratch:
        wheel = build_wheel(checkout, Path(scratch))
        shutil.copy2(wheel, dest / wheel.name)
    for path in files:
        (dest / path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(root / path, dest / path)
    (dest / "requirements.txt").write_text(bundle_requirements(checkout, wheel.name))
    _write_executable(dest / "setup.sh", setup_script())
    _write_executable(dest / "run_autograder", run_script(lab))
    names = sorted(_bundle_files(dest))
    target = _write_zip(dest, names)
    manifest = {"lab": lab, "autograder": __version__, "files": [*names, ZIP_NAME]}
    (dest / MARKER).write_text(json.dumps(manifest, indent=2) + "\n")
    return target


# --- grading one upload, in Gradescope's container ------------------------------------------------


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


@dataclass(frozen=True)
class CheckSpec:
    """One check of the lab as the student will see it listed, graded or not."""

    cell: str
    name: str
    max_points: float


def lab_checks(lab: str, root: Path) -> list[CheckSpec]:
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


def _grade_notebook(
    lab: str, root: Path, notebook: Path, scratch: Path, private: Sequence[Path], timeout: float
) -> dict[str, Any]:
    """Grade one notebook with the isolated grader; its result as the grader's JSON would hold it.

    The notebook is copied, under its own name (the grader's messages name
    it), into the scratch folder, which the worker cannot see; Gradescope's
    submission and results folders are covered too, so the student's code can
    neither reread the upload nor write results.json. A file that is no
    notebook gets the grader's error result without starting a worker.
    """
    from autograder.engine.submissions import Submission
    from autograder.grader.service import Grader, error_result, read_submissions
    from autograder.isolation.limits import Limits
    from autograder.model.results import LabResult

    spec = get_lab(lab)
    upload = scratch / "upload"
    upload.mkdir()
    copy = upload / notebook.name
    shutil.copyfile(notebook, copy)
    students = read_submissions(spec, [Submission(STUDENT_ID, copy)])
    if students[0][3]:  # the notebook could not be read
        return error_result(STUDENT_ID, spec, students[0][3]).to_dict()
    results: list[LabResult] = []
    grader = Grader(spec, root, scratch, 1, Limits(timeout=timeout), private=[upload, *private])
    try:
        grader.grade(students, results.append)
    finally:
        grader.close()
    return results[0].to_dict()


def _not_graded(result: Mapping[str, Any]) -> str:
    errors = "; ".join(result.get("errors") or [])
    if result.get("status") == "error":
        return f"not graded: {errors or 'the upload could not be read'}"
    return "not graded: the grader gave no result for this check" + (f" ({errors})" if errors else "")


def _tests(result: Mapping[str, Any], checks: Sequence[CheckSpec]) -> list[dict[str, Any]]:
    """One Gradescope test per check: the lab's checks in order, then any the result adds."""
    graded = {(cell["grade_id"], check["name"]): check for cell in result.get("cells", []) for check in cell["checks"]}
    worth = {(spec.cell, spec.name): spec.max_points for spec in checks}
    order = list(worth) + [key for key in graded if key not in worth]
    cells: dict[str, int] = {}
    counts: dict[str, int] = {}
    tests = []
    for cell, name in order:
        cells.setdefault(cell, len(cells) + 1)
        counts[cell] = counts.get(cell, 0) + 1
        check = graded.get((cell, name))
        if check is None:
            score, max_score, output = 0.0, worth[(cell, name)], _not_graded(result)
        else:
            score, max_score, output = float(check["points"]), float(check["max_points"]), str(check["message"])
        tests.append(
            {
                "name": f"{cell} / {name}",
                "score": score,
                "max_score": max_score,
                "output": output,
                "visibility": AFTER_PUBLISHED if is_hidden(cell) else VISIBLE,
                "number": f"{cells[cell]}.{counts[cell]}",
            }
        )
    return tests


def _summary(result: Mapping[str, Any], score: float, max_score: float, notes: Sequence[str]) -> str:
    """The top-level output: the score, how it was graded and the notes."""
    environment = result.get("environment") or {}
    how = environment.get("grader", f"autograder {__version__}")
    if "python" in environment:
        how += f", Python {environment['python']}"
    lines = [
        f"{result.get('lab', '')}: {score:g}/{max_score:g} points, graded by {how}.",
        "One test per check. Public checks (test_*) are the ones your notebook's check cells run; hidden checks "
        "(hidden_*) use inputs you have not seen and are shown once grades are published.",
    ]
    errors = list(result.get("errors") or [])
    if result.get("status") == "error":
        problem = "; ".join(errors)
        lines.append(f"Your upload could not be graded: {problem}. Every check scores 0: fix it and upload again.")
        errors = []
    if notes or errors:
        lines += ["", "Notes:", *(f"- {line}" for line in [*notes, *errors])]
    return "\n".join(lines)


def isolation_report(result: Mapping[str, Any]) -> str:
    """What the worker's isolation enforced, for the instructor's log only (stdout, hidden from students):
    telling students which protection is off on this machine would only invite them to try it."""
    isolation = (result.get("environment") or {}).get("isolation")
    if not isinstance(isolation, Mapping):
        return "isolation: not reported"
    return "isolation of the student's code:\n" + "\n".join(f"- {k}: {v}" for k, v in isolation.items())


def gradescope_results(
    result: Mapping[str, Any], checks: Sequence[CheckSpec] = (), notes: Sequence[str] = ()
) -> dict[str, Any]:
    """Gradescope's results.json from one student's result JSON (DESIGN.md section 5).

    ``checks`` (from ``lab_checks``) lists every check of the lab, so that an
    upload the grader could not read still shows, check by check, what it was
    worth; ``notes`` are said before the grader's own notes. Public checks are
    visible at once, hidden ones after the grades are published (their messages
    name the mistake, never the inputs or the reference).
    """
    tests = _tests(result, checks)
    score = round(sum(test["score"] for test in tests), 6)
    max_score = round(sum(test["max_score"] for test in tests), 6)
    return {
        "score": score,
        "output": _summary(result, score, max_score, notes),
        "visibility": VISIBLE,
        "stdout_visibility": "hidden",  # the grader's log is for the instructor
        "tests": tests,
    }


def grade_upload(lab: str, layout: Layout, timeout: float = DEFAULT_TIMEOUT) -> dict[str, Any]:
    """Gradescope's results for the upload in ``layout.submission``; every upload gets a valid one."""
    from autograder.grader.service import error_result

    root = course.find_root(layout.source)
    checks = lab_checks(lab, root)
    upload = choose_notebook(layout.submission, lab)
    if upload.notebook is None:
        result = error_result(STUDENT_ID, get_lab(lab), upload.problem).to_dict()
    else:
        with tempfile.TemporaryDirectory(prefix="autograder-gradescope-") as scratch:
            private = [layout.submission, layout.results]
            result = _grade_notebook(lab, root, upload.notebook, Path(scratch), private, timeout)
    print(isolation_report(result))
    return gradescope_results(result, checks, upload.notes)


def write_results(results: Mapping[str, Any], folder: Path) -> Path:
    """results.json, written atomically: Gradescope never reads half a file."""
    from autograder.grader.service import write_atomically

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


if __name__ == "__main__":
    sys.exit(main())
