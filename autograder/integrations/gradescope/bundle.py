"""``python -m autograder gradescope LAB DEST``: the Gradescope autograder bundle of one lab, written on the
instructor's machine.

Its folder is a course root in miniature: the released lab (the grader takes the imports cell from it), the
reference solution, the lab's hidden checks and the hidden seed, so the project's isolated grader runs there
unchanged. ``setup.sh`` and ``run_autograder`` are filled in from the files of ``templates/``. The bundle is
instructor-private: Gradescope never shows it to students, but it holds only what this one lab needs.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Sequence
from pathlib import Path

from autograder.engine import course
from autograder.isolation.limits import DEFAULT_TIMEOUT
from autograder.labs import get_lab
from autograder.version import WHEEL_PREFIX, __version__

MARKER = ".autograder-gradescope.json"  # lists what this command wrote, so a rebuild deletes only that


ZIP_NAME = "autograder.zip"


VENV = "/autograder/venv"  # setup.sh installs here; run_autograder runs its Python


RUNTIME = ("keras", "numpy", "scipy", "nbformat")  # requirements.txt lines the grader needs at run time, kept as is


TENSORFLOW = "tensorflow"  # its range is kept, the package becomes tensorflow-cpu (no GPU in Gradescope's image)


class BundleError(RuntimeError):
    """The bundle cannot be written (a course file is missing, DEST holds other files, ...)."""


def course_files(root: Path, lab: str) -> list[Path]:
    """The course files the grader reads for ``lab`` (see :func:`autograder.engine.course.grading_files`); the
    demo class and the other labs' files stay out of the bundle."""
    try:
        return course.grading_files(root, lab)
    except course.CourseError as error:
        raise BundleError(str(error)) from None


def package_checkout() -> Path:
    """The checkout this package runs from: its pyproject.toml builds the wheel, its requirements.txt
    gives the ranges of TensorFlow and the rest."""
    checkout = Path(__file__).resolve().parents[3]
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
    found = sorted(wheels.glob(f"{WHEEL_PREFIX}-*.whl")) if wheels.is_dir() else []
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


TEMPLATES = Path(__file__).resolve().parent / "templates"


def _fill(template: str, **values: str) -> str:
    """``templates/<template>`` with each ``@@NAME@@`` replaced by ``values[name]`` (every one must be)."""
    text = (TEMPLATES / template).read_text()
    for name, value in values.items():
        text = text.replace(f"@@{name.upper()}@@", value)
    left = re.findall(r"@@[A-Z_]+@@", text)
    if left:
        raise BundleError(f"the template {template} has unfilled fields: {', '.join(sorted(set(left)))}")
    return text


def setup_script() -> str:
    """setup.sh: a virtual environment with the bundle's requirements (run once, as root, in the image)."""
    return _fill("setup.sh", version=__version__, venv=VENV)


def run_script(lab: str) -> str:
    """run_autograder: grade the upload of ``lab`` and write results.json.

    Gradescope copies this file to /autograder/run_autograder, so it finds the
    bundle through GRADESCOPE_SOURCE (default /autograder/source), never through
    its own location. The course root is pinned to the bundle.
    """
    return _fill("run_autograder", lab=lab, version=__version__, venv=VENV, timeout=f"{DEFAULT_TIMEOUT:g}")


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
