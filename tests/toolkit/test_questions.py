"""Concept questions: graded like any answer, their keys never in a student's hands.

Each lab has 3 or 4 questions between its exercises (a choice or numbers). The public test cell checks
the form of the answer (1 point), the hidden one that it is right (2 points), and a wrong answer is told
why it is tempting, never what is right. The labs end to end (nbgrader autograde agreeing with the
grader, the release holding no key) are tested by test_lab_notebooks and test_release.
"""

from __future__ import annotations

import pytest
from helpers import REPO, cells_of, grade

from autograder.engine.cells import cell_source, read_notebook
from autograder.engine.course import hidden_checks, release_path
from autograder.labs import available, get_lab
from autograder.model.checks import Evidence
from autograder.toolkit.questions import Choice, ChoiceKey, Numbers, NumbersKey, form_judge

QUESTIONS = [
    pytest.param(lab, spec.grade_id, spec.defines[0], id=spec.grade_id)
    for lab in available()
    for spec in get_lab(lab).answers
    if spec.question
]


def test_every_lab_asks_three_to_five_questions():
    """Does each lab ask 3 to 5 concept questions?"""
    counts = {lab: sum(spec.question for spec in get_lab(lab).answers) for lab in available()}
    assert all(3 <= count <= 5 for count in counts.values()), counts


@pytest.mark.parametrize(("lab", "grade_id", "name"), QUESTIONS)
def test_an_unanswered_question_scores_zero_and_says_so(lab, grade_id, name):
    """Does the released stub of a question score 0 in both its cells, saying it is not answered yet?"""
    stub = cell_source(read_notebook(release_path(REPO, lab)), grade_id)
    assert "raise NotImplementedError()" in stub
    result = grade(lab, {grade_id: stub}, cells_of(grade_id))
    checks = [check for cell in result.cells for check in cell.checks]
    assert [check.points for check in checks] == [0.0, 0.0]
    for check in checks:
        assert f"{name} is not answered yet" in check.message, check.message
    assert result.max_score == 3.0


@pytest.mark.parametrize(("lab", "grade_id", "name"), QUESTIONS)
def test_a_wrong_answer_of_the_right_form_gets_the_form_point_only(lab, grade_id, name):
    """Does a well-formed wrong answer keep the public point, lose the hidden two, and hear why it is wrong
    without being told the key?"""
    (check,) = hidden_checks(REPO, lab)[f"hidden_{grade_id}"]
    key = check.judge.key
    if isinstance(check.judge, ChoiceKey):  # a wrong option of the question, not a letter outside it
        wrong = repr(next(option for option in check.judge.form.options if option != key))
        told = [repr(key)]
    else:
        wrong = repr(tuple(2 * x + 1.0 for x in key) if len(key) > 1 else 2 * key[0] + 1.0)
        told = [repr(list(key)), repr(tuple(key)), *(f"{x:g}" for x in key if len(f"{x:g}") > 2)]
    result = grade(lab, {grade_id: f"{name} = {wrong}\n"}, cells_of(grade_id))
    public, hidden = (cell.checks[0] for cell in result.cells)
    assert (public.points, hidden.points) == (1.0, 0.0), (public.message, hidden.message)
    assert "not right" in hidden.message
    assert not [text for text in told if text in hidden.message], hidden.message


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ('"yes"', "is not one of"),
        ("2", "write it as a string"),
        ("None", "nothing (None)"),
    ],
)
def test_a_choice_of_the_wrong_form_is_told_the_form(value, problem):
    """Does a multiple-choice answer that is not one of the options (or not a string) lose the form point,
    with a message that gives the form?"""
    result = grade("batch_norm", {"q_predict": f"predict_does = {value}\n"}, ["test_q_predict"])
    (check,) = result.cells[0].checks
    assert check.points == 0.0 and problem in check.message, check.message


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("(0, 0, 1)", "has 3 numbers"),
        ('"0, 0, 1, 0"', "is a str"),
        ("(0, 0, float('nan'), 0)", "NaN"),
        ("{'a': 1}", "is a dict"),
    ],
)
def test_numbers_of_the_wrong_form_are_told_the_form(value, problem):
    """Does a numeric answer of the wrong count, type or value lose the form point, saying what is wrong?"""
    result = grade("softmax_regression", {"q_hardmax": f"hardmax_of_z = {value}\n"}, ["test_q_hardmax"])
    (check,) = result.cells[0].checks
    assert check.points == 0.0 and problem in check.message, check.message


def test_answers_written_other_ways_are_right():
    """Are " B ", a NumPy array and a list accepted as the answers they spell?"""
    result = grade(
        "softmax_regression",
        {"q_hardmax": "hardmax_of_z = np.array([0, 0, 1, 0])\n", "q_dz": "dz_one_example = [0.2, -0.3, 0.1]\n"},
        [*cells_of("q_hardmax"), *cells_of("q_dz")],
    )
    assert result.score == result.max_score, [c.message for cell in result.cells for c in cell.checks]
    result = grade("batch_norm", {"q_predict": 'predict_does = " B "\n'}, cells_of("q_predict"))
    assert result.score == result.max_score, [c.message for cell in result.cells for c in cell.checks]


def _evidence(value) -> Evidence:
    return Evidence({}, {"out": value}, None, None, hidden=True)


def test_choice_key_names_the_misconception_of_the_option_chosen():
    """Does the hidden judge of a choice say why the chosen option is wrong, and refuse a key set up without
    an explanation for every wrong option?"""
    form = Choice(("a", "b", "c"))
    judge = ChoiceKey("x", form, "b", {"a": "A is tempting because", "c": "C misreads"})
    assert judge(_evidence("b")).passed
    verdict = judge(_evidence("c"))
    assert not verdict.passed and "C misreads" in verdict.message
    with pytest.raises(ValueError, match="one explanation per wrong option"):
        ChoiceKey("x", form, "b", {"a": "only one"})


def test_numbers_key_accepts_within_its_tolerance_and_names_tempting_answers():
    """Does the numeric judge accept rounding within its tolerance, reject beyond it, and name a known
    tempting answer?"""
    judge = NumbersKey("x", Numbers(1), (0.6931,), 0.002, {(0.30103,): "that is log10"})
    assert judge(_evidence(0.693)).passed
    assert not judge(_evidence(0.70)).passed
    assert "that is log10" in judge(_evidence(0.301)).message
    assert form_judge("x", Numbers(1))(_evidence(0.5)).passed
