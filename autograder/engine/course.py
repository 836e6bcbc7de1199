"""The course folder: where the grader finds what students must not see.

The hidden checks, their seed, the reference solutions and the demo
submissions live under ``solutions/`` of the course (docs/design.md section 2) and
never in this package. The course root is found from ``AUTOGRADER_COURSE_ROOT``
or by walking up from the working folder, so a kernel that nbgrader runs in
``autograded/<student>/<lab>/`` finds it too.
"""

from __future__ import annotations

import dataclasses
import functools
import importlib.util
import os
from pathlib import Path
from types import ModuleType
from typing import Any

from autograder.engine.cells import cell_source, read_notebook, run_cells
from autograder.model.checks import Check

GRADING_DIR = Path("solutions") / "_grading"
IMPORTS_CELL = "imports"
REFERENCE_ORIGIN = "reference"  # the reference's cells are <reference:grade_id> in tracebacks


class CourseError(RuntimeError):
    """The course's private files are not where the grader looks."""


def find_root(start: Path | None = None) -> Path:
    """The course root: the nearest folder, from ``start`` upwards, with solutions/_grading."""
    env = os.environ.get("AUTOGRADER_COURSE_ROOT")
    if env:
        root = Path(env).resolve()
        if not (root / GRADING_DIR).is_dir():
            raise CourseError(f"AUTOGRADER_COURSE_ROOT={env} has no {GRADING_DIR} folder")
        return root
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / GRADING_DIR).is_dir():
            return folder
    raise CourseError(
        f"no course folder (one with {GRADING_DIR}) above {here}: hidden checks run only when "
        "your instructor grades the lab"
    )


def instructor_root() -> Path:
    """The course folder an instructor's command works on: from the working folder upwards (or
    AUTOGRADER_COURSE_ROOT), else the checkout this package runs from, when it is a course."""
    try:
        return find_root()
    except CourseError:
        checkout = Path(__file__).resolve().parents[2]
        if (checkout / GRADING_DIR).is_dir():
            return checkout
        raise


def solution_path(root: Path, lab: str) -> Path:
    return root / "solutions" / lab / f"{lab}.ipynb"


def release_path(root: Path, lab: str) -> Path:
    return root / "labs" / lab / f"{lab}.ipynb"


def grading_files(root: Path, lab: str) -> list[Path]:
    """The course files the grader reads for ``lab``, relative to the course root: the released lab (the grader
    takes its imports cell), the solution notebook (the reference of the hidden checks), the hidden checks and
    the hidden seed. What a Gradescope bundle or a cluster's workers need of a course, and nothing else."""
    files = [
        release_path(Path(), lab),
        solution_path(Path(), lab),
        GRADING_DIR / f"{lab}_hidden.py",
        GRADING_DIR / "hidden_seed",
    ]
    missing = [str(path) for path in files if not (root / path).is_file()]
    if missing:
        raise CourseError(f"the course folder {root} lacks {', '.join(missing)}")
    return files


def hidden_seed(root: Path) -> int:
    path = root / GRADING_DIR / "hidden_seed"
    try:
        return int(path.read_text().strip())
    except (OSError, ValueError) as error:
        raise CourseError(f"cannot read the hidden seed from {path}: {error}") from None


def _load_module(path: Path, name: str) -> ModuleType:
    if not path.is_file():
        raise CourseError(f"{path} is missing")
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@functools.cache
def hidden_checks(root: Path, lab: str) -> dict[str, tuple[Check, ...]]:
    """The hidden checks of ``lab``, by hidden test cell id, marked hidden."""
    module = _load_module(root / GRADING_DIR / f"{lab}_hidden.py", f"_autograder_hidden_{lab}")
    return {
        cell: tuple(dataclasses.replace(check, hidden=True) for check in checks)
        for cell, checks in module.CHECKS.items()
    }


def demo_students(root: Path, lab: str) -> dict[str, dict[str, str]]:
    """The typical mistakes of the demo class: student -> {grade_id: answer code}."""
    path = root / GRADING_DIR / "demo" / f"{lab}.py"
    return dict(_load_module(path, f"_autograder_demo_{lab}").STUDENTS) if path.is_file() else {}


@functools.cache
def reference_namespace(root: Path, lab: str, grade_ids: tuple[str, ...]) -> dict[str, Any]:
    """The reference solution's answers, run from ``solutions/<lab>/<lab>.ipynb``."""
    notebook = read_notebook(solution_path(root, lab))
    sources = {IMPORTS_CELL: cell_source(notebook, IMPORTS_CELL)}
    sources.update({gid: cell_source(notebook, gid) for gid in grade_ids})
    namespace: dict[str, Any] = {"__name__": f"reference_{lab}"}
    errors = run_cells(sources, namespace, origin=REFERENCE_ORIGIN)
    if errors:
        raise CourseError(f"the reference solution of {lab} does not run: {errors}")
    return namespace
