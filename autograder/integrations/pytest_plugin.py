"""Grade one notebook with pytest: one test per check, verdicts from the isolated grader.

An opt-in pytest plugin for instructors who live in pytest and for a course's CI::

    python -m pytest -p autograder.pytest_plugin --lab batch_norm --notebook path/to/submission.ipynb \\
        [--course-root DIR] [--timeout SECONDS] [-k ...] [-m hidden] [-x] [-v] [--junitxml=...]

The session collects exactly the checks of that notebook, public (``test_X`` cells) and hidden
(``hidden_X`` cells, marked ``hidden``), as ``NOTEBOOK::CELL::CHECK NAME`` items, so that
``-k test_softmax`` selects a cell's checks and ``-k stable`` a check by the words of its name.
The notebook is graded once per session by ``python -m autograder grade``'s isolated grader
(student code runs in a separate worker, never in the pytest process), so the verdicts are that
grader's: a passing check is a passing test, a failing check a failing test whose failure text is
``0/2 points: <the check's message>``.

The plugin is not registered as a ``pytest11`` entry point: it loads only with ``-p``, and does
nothing unless ``--notebook`` is given. Where pytest-timeout is installed, it owns ``--timeout``:
use ``--grader-timeout`` there. pytest picks its rootdir (and ini file) before it loads this
plugin, so it reads ``--notebook PATH`` as if PATH were a test path for that; write
``--notebook=PATH`` to keep the rootdir of the folder you run from.
"""

from __future__ import annotations

import importlib.util
import time
import traceback
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from autograder.isolation.limits import DEFAULT_TIMEOUT
from autograder.model.results import CheckResult, LabResult

HIDDEN_MARKER = "hidden"


class GraderFailed(Exception):
    """The grader itself failed (a broken course folder, a bug): not the student's doing."""

    def __init__(self, message: str, output: Any) -> None:
        super().__init__(message)
        self.output = output  # autograder.engine.capture.Captured, complete once its block has ended
        self.details = traceback.format_exc()

    def report(self) -> str:
        text = f"the grader itself failed: {self}\n\n{self.details}"
        stderr = self.output.stderr.strip()
        return text + (f"\nwhat the grader wrote to stderr:\n{stderr}" if stderr else "")


@dataclass
class Outcome:
    """What the isolated grader said about the notebook: its result, or why there is none."""

    result: LabResult | None = None
    failure: str = ""  # the grader itself failed (not the student)
    seconds: float = 0.0

    def verdict(self, cell_id: str, check_name: str) -> CheckResult | None:
        cells = self.result.cells if self.result is not None else ()
        for cell in cells:
            if cell.grade_id == cell_id:
                return next((check for check in cell.checks if check.name == check_name), None)
        return None


@dataclass
class Plan:
    """The session's job: which notebook, which lab, which course, and (once graded) the outcome."""

    lab: Any  # autograder.model.checks.Lab
    notebook: Path
    root: Path
    timeout: float
    checks: dict[str, tuple[str, ...]]  # test cell id -> check names, in notebook order
    max_score: float
    outcome: Outcome | None = None

    def grade(self) -> Outcome:
        """Grade the notebook once (the first caller pays), through the isolated grader."""
        if self.outcome is None:
            start = time.perf_counter()
            try:
                self.outcome = Outcome(result=grade_isolated(self.lab, self.root, self.notebook, self.timeout))
            except GraderFailed as error:  # every test reports the grader's own failure; none crashes pytest
                self.outcome = Outcome(failure=error.report())
            self.outcome.seconds = time.perf_counter() - start
        return self.outcome


PLAN = pytest.StashKey[Plan]()


def grade_isolated(lab: Any, root: Path, notebook: Path, timeout: float) -> LabResult:
    """The isolated grader's result for ``notebook`` (as ``python -m autograder grade`` would write it)."""
    # Imported here, not at the top: loading the plugin must stay cheap, and nothing may run a
    # TensorFlow op in this process before the grader has started its warm worker process.
    from autograder.engine.capture import captured
    from autograder.grader import grade_notebook
    from autograder.isolation.limits import Limits

    # TensorFlow's start-up logging (here and in the grader's warm process) would clutter pytest's
    # output: keep it, and show it only if the grader fails.
    with captured() as output:
        try:
            # A single notebook: student id = its file name (Colab's "Copy of ..." and " (1)" dropped).
            return grade_notebook(lab, root, notebook, Limits(timeout=timeout))
        except Exception as error:
            raise GraderFailed(f"{type(error).__name__}: {error}", output) from error


# ---------------------------------------------------------------- options and configuration


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("autograder", "grading one notebook (autograder.pytest_plugin)")
    group.addoption("--lab", default=None, help="the lab of the notebook (hyperparameter_search, batch_norm, ...)")
    group.addoption("--notebook", default=None, metavar="PATH", help="grade this notebook: one test per check")
    group.addoption(
        "--course-root",
        default=None,
        metavar="DIR",
        help="the course folder with solutions/_grading (default: found like `python -m autograder grade`)",
    )
    # pytest-timeout, common in CI, owns --timeout (per test; two plugins cannot both add it), so
    # there the grader's is only --grader-timeout.
    names = ["--grader-timeout"] if importlib.util.find_spec("pytest_timeout") else ["--timeout", "--grader-timeout"]
    group.addoption(
        *names,
        dest="grader_timeout",
        type=float,
        default=None,
        metavar="SECONDS",
        help=f"seconds the grader's worker may spend on the notebook (default {DEFAULT_TIMEOUT:g})",
    )


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config: pytest.Config, parser: pytest.Parser, args: list[str]) -> None:
    """With ``--notebook`` and no file arguments, make the notebook the only file argument.

    This runs before pytest falls back on ``testpaths`` (the project's ``tests/``), so that no
    test folder is collected and none of its conftest.py files is even imported.
    """
    namespace = early_config.known_args_namespace
    notebook = getattr(namespace, "notebook", None)
    if notebook and not namespace.file_or_dir:
        # Absolute, so that a path that starts with "-" cannot be read as an option.
        path = str((early_config.invocation_params.dir / notebook).resolve())
        args.insert(0, path)
        namespace.file_or_dir = [path]


def _usage_errors(config: pytest.Config) -> None:
    option = config.option
    if option.notebook is None:
        given = [
            f"--{name.replace('_', '-')}" for name in ("lab", "course_root", "grader_timeout") if getattr(option, name)
        ]
        if given:
            raise pytest.UsageError(f"{', '.join(given)}: give the notebook to grade with --notebook PATH")
        return
    if option.lab is None:
        raise pytest.UsageError("--notebook needs --lab: which lab is the notebook?")
    if option.grader_timeout is not None and not option.grader_timeout > 0:
        raise pytest.UsageError(f"--timeout must be a positive number of seconds. Received: {option.grader_timeout}")


def _notebook_path(config: pytest.Config) -> Path:
    path = (config.invocation_params.dir / config.option.notebook).resolve()
    if not path.is_file():
        raise pytest.UsageError(f"--notebook {config.option.notebook}: no such file")
    if path.suffix != ".ipynb":
        raise pytest.UsageError(f"--notebook {config.option.notebook}: not a notebook (.ipynb)")
    return path


def _course_root_of(config: pytest.Config) -> Path:
    from autograder.engine import course

    if config.option.course_root is None:
        try:
            return course.instructor_root()  # the command line's rule
        except course.CourseError as error:
            raise pytest.UsageError(f"{error} (or give --course-root DIR)") from None
    root = (config.invocation_params.dir / config.option.course_root).resolve()
    if not (root / course.GRADING_DIR).is_dir():
        raise pytest.UsageError(f"--course-root {config.option.course_root}: no {course.GRADING_DIR} folder there")
    return root


def _check_arguments(config: pytest.Config, notebook: Path) -> None:
    """File arguments may only name the notebook (or its items, to rerun one by node id)."""
    for argument in config.args:
        path = (config.invocation_params.dir / argument.split("::")[0]).resolve()
        if path != notebook:
            raise pytest.UsageError(
                f"with --notebook, pytest collects only that notebook's checks; leave out {argument!r}"
            )


def _checks_of(lab: Any, root: Path) -> tuple[dict[str, tuple[str, ...]], float]:
    """Every test cell's check names, public and hidden (what the grader will report on), and the
    lab's total points. Only the checks' names and points: nothing runs here."""
    from autograder.engine.course import CourseError
    from autograder.engine.grade_cells import lab_checks

    try:
        checks = lab_checks(lab, root)
    except CourseError as error:
        raise pytest.UsageError(f"course folder {root}: {error}") from None
    names = {cell_id: tuple(check.name for check in cell) for cell_id, cell in checks.items()}
    return names, float(sum(check.points for cell in checks.values() for check in cell))


def pytest_configure(config: pytest.Config) -> None:
    _usage_errors(config)
    if config.option.notebook is None:
        return  # loaded but not asked to grade: stay out of the way
    from autograder.labs import get_lab

    try:
        lab = get_lab(config.option.lab)
    except ValueError as error:
        raise pytest.UsageError(f"--lab: {error}") from None
    notebook = _notebook_path(config)
    _check_arguments(config, notebook)
    root = _course_root_of(config)
    timeout = DEFAULT_TIMEOUT if config.option.grader_timeout is None else config.option.grader_timeout
    config.stash[PLAN] = Plan(lab, notebook, root, timeout, *_checks_of(lab, root))
    config.addinivalue_line("markers", f"{HIDDEN_MARKER}: a hidden check of the course (a hidden_* test cell)")


# ---------------------------------------------------------------- collection


class CheckFailed(Exception):
    """A check the grader failed; its text is what the test reports, without a traceback."""


class NotebookFile(pytest.File):
    """The graded notebook: one collector per test cell, in notebook order."""

    def collect(self) -> Iterator[pytest.Collector]:
        plan = self.config.stash[PLAN]
        for cell_id, names in plan.checks.items():
            yield GradeCell.from_parent(self, name=cell_id, names=names)


class GradeCell(pytest.Collector):
    """One nbgrader test cell (``test_X`` public, ``hidden_X`` hidden): one item per check."""

    def __init__(self, *, names: Sequence[str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        from autograder.engine.grade_cells import is_hidden

        self.names = tuple(names)
        if is_hidden(self.name):
            self.add_marker(HIDDEN_MARKER)

    def collect(self) -> Iterator[pytest.Item]:
        for name in self.names:
            yield CheckItem.from_parent(self, name=item_name(name), check=name)


def item_name(check: str) -> str:
    """A check's name as a pytest item name: pytest reads "[...]" in a node id as parameters (and
    versions differ in how they split it in -k and JUnit XML), so brackets become parentheses."""
    return check.replace("[", "(").replace("]", ")")


class CheckItem(pytest.Item):
    """One check of one test cell; passes or fails as the isolated grader judged it."""

    def __init__(self, *, check: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.check = check  # the check's own name, as the grader reports it

    @property
    def cell_id(self) -> str:
        return self.parent.name

    def runtest(self) -> None:
        outcome = self.config.stash[PLAN].grade()
        if outcome.failure:
            raise CheckFailed(outcome.failure)
        result = outcome.result
        if result is None or result.status != "graded":
            errors = "; ".join(result.errors if result is not None else ()) or "no reason given"
            raise CheckFailed(f"the grader could not grade this notebook: {errors}")
        check = outcome.verdict(self.cell_id, self.check)
        if check is None:
            raise CheckFailed(f"the grader reported no verdict for {self.cell_id} / {self.check}")
        if not check.passed:
            raise CheckFailed(f"{check.points:g}/{check.max_points:g} points: {check.message}")

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, CheckFailed):
            return str(excinfo.value)  # the check's own words: a traceback of this plugin would be noise
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self) -> tuple[Path, None, str]:
        return self.path, None, f"{self.cell_id}: {self.check}"


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> NotebookFile | None:
    plan = parent.config.stash.get(PLAN, None)
    if plan is not None and file_path.resolve() == plan.notebook:
        return NotebookFile.from_parent(parent, path=file_path, nodeid=_file_nodeid(parent.config, file_path))
    return None


def _file_nodeid(config: pytest.Config, path: Path) -> str:
    """The notebook's node id: its path from the folder pytest was run in, else its name. (pytest's
    own rule, relative to the rootdir, depends on how pytest chose the rootdir, which differs between
    pytest versions for a path outside the current folder.)"""
    try:
        return path.resolve().relative_to(config.invocation_params.dir.resolve()).as_posix()
    except ValueError:
        return path.name


# ---------------------------------------------------------------- running and reporting


def pytest_report_header(config: pytest.Config) -> list[str]:
    plan = config.stash.get(PLAN, None)
    if plan is None:
        return []
    from autograder.engine.grade_cells import is_hidden

    hidden = sum(len(names) for cell_id, names in plan.checks.items() if is_hidden(cell_id))
    total = sum(len(names) for names in plan.checks.values())
    return [
        f"autograder: lab {plan.lab.name}, notebook {plan.notebook}, course root {plan.root}",
        f"autograder: {total} checks, {total - hidden} public (test_* cells) and {hidden} hidden "
        f"(hidden_* cells, marker '{HIDDEN_MARKER}'), graded once by the isolated grader",
    ]


@pytest.hookimpl(tryfirst=True)
def pytest_runtestloop(session: pytest.Session) -> None:
    """Grade before the first test runs, so that no single test carries the grading time."""
    plan = session.config.stash.get(PLAN, None)
    if plan is not None and session.items and not session.config.option.collectonly:
        plan.grade()


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    plan = config.stash.get(PLAN, None)
    if plan is None or plan.outcome is None:
        return
    outcome = plan.outcome
    result = outcome.result
    # The score is the whole notebook's, whatever -k or -x left out: the grader grades it all at once.
    where = f"isolated grader, {outcome.seconds:.1f} s, all of {plan.notebook.name}"
    if outcome.failure or result is None:
        line = f"{plan.lab.name}: not graded, the grader itself failed ({where})"
    elif result.status != "graded":
        line = f"{plan.lab.name}: 0/{plan.max_score:g} points ({where}); not graded: {'; '.join(result.errors)}"
    else:
        line = f"{plan.lab.name}: {result.score:g}/{result.max_score:g} points ({where})"
        line += "".join(f"\n  note: {note}" for note in result.errors)
    terminalreporter.write_sep("-", "autograder")
    terminalreporter.write_line(line)
