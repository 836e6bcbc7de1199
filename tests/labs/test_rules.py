"""Every rule a check enforces is written in the lab, where the exercise is (issue: fair grades).

Each check carries ``rule``: the sentence of the lab that states what it enforces. The tests below find
each one in the released notebook (what students read), in the stretch of the lab that belongs to the
check's answer, so a new check cannot add an unwritten rule, and an edit of the lab cannot silently drop
one. ``python -m autograder checks`` prints the same table, and docs/checks.md is its output.
"""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from helpers import REPO

from autograder.engine.cells import grade_id, read_notebook
from autograder.engine.course import release_path
from autograder.engine.grade_cells import lab_checks
from autograder.labs import available, get_lab
from autograder.model.checks import Check

LABS = available()
# The Keras engineering a week-3 lab asks for on the side: a point each, never the bulk of an exercise.
ENGINEERING = re.compile(r"mixed_float16|\.keras|get_config")


def normalised(text: str) -> str:
    return " ".join(text.split())


def exercise_text(lab: str) -> dict[str, str]:
    """For each answer of ``lab``, the student notebook's text from just after the previous answer's test
    cells up to this answer's public test cell: its lesson, its exercise, its stub and docstring."""
    spec = get_lab(lab)
    cells = read_notebook(release_path(REPO, lab)).cells
    ids = [grade_id(cell) for cell in cells]
    texts, start = {}, 0
    for answer in spec.answers:
        end = ids.index(f"test_{answer.grade_id}")
        texts[answer.grade_id] = normalised("\n".join(cell.source for cell in cells[start:end]))
        start = ids.index(f"hidden_{answer.grade_id}") + 1
    return texts


def every_check() -> list:
    return [
        pytest.param(lab, cell_id, check, id=f"{lab}/{cell_id}/{check.name}")
        for lab in LABS
        for cell_id, checks in lab_checks(get_lab(lab), REPO).items()
        for check in checks
    ]


@pytest.fixture(scope="module")
def texts() -> dict[str, dict[str, str]]:
    return {lab: exercise_text(lab) for lab in LABS}


@pytest.mark.parametrize(("lab", "cell_id", "check"), every_check())
def test_every_check_quotes_the_sentence_of_its_exercise_that_states_its_rule(texts, lab, cell_id, check: Check):
    """Is the check's rule a sentence the student reads in the exercise of the answer it checks?"""
    assert check.rule.strip(), f"{lab}: {cell_id} / {check.name!r} states no rule of the lab"
    assert normalised(check.rule) in texts[lab][check.answer], (
        f"{lab}: {cell_id} / {check.name!r} enforces {check.rule!r}, which the exercise of {check.answer} "
        "does not say (write it in the lab, or quote the lab's own words)"
    )


@pytest.mark.parametrize("lab", LABS)
def test_points_follow_the_lesson(lab):
    """Does every Keras-engineering check (mixed precision, saving, config) carry one point, and does
    each public cell's heaviest check test an idea of the week rather than engineering?"""
    for cell_id, checks in lab_checks(get_lab(lab), REPO).items():
        for check in checks:
            if ENGINEERING.search(check.name):
                assert check.points == 1.0, f"{cell_id} / {check.name}: {check.points} points"
        heaviest = max(checks, key=lambda check: check.points)
        assert not ENGINEERING.search(heaviest.name), f"{cell_id}: {heaviest.name} weighs the most"


def test_docs_list_the_checks_as_the_command_prints_them():
    """Is docs/checks.md what `python -m autograder checks` prints today?"""
    printed = subprocess.run(
        [sys.executable, "-m", "autograder", "checks"], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout
    documented = (REPO / "docs" / "checks.md").read_text(encoding="utf-8")
    assert printed.strip() in documented, "docs/checks.md is out of date: regenerate it (see its first lines)"
