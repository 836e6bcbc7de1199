"""One mistake costs once, where it is made.

Each entry replaces one reference answer with a single mistake and grades the cells of that answer and
of every answer that uses it (the later exercises run with stand-ins of the earlier ones: see
``autograder.toolkit.stand_ins``). The points lost are asserted cell by cell: the mistake's own cells lose what
the entry says, every other cell loses nothing, except the one integration check of an answer that does
not call the earlier answer the exercise asks it to use.
"""

from __future__ import annotations

import pytest
from helpers import cells_of, grade
from single_mistakes import MISTAKES

from autograder.labs import get_lab

pytestmark = pytest.mark.slow


def _lost(lab: str, grade_id: str, code: str, dependents: tuple[str, ...]) -> dict[str, dict[str, float]]:
    """Points lost per cell, per check, against the reference answers."""
    cells = [cell for answer in (grade_id, *dependents) for cell in cells_of(answer)]
    result = grade(lab, {grade_id: code}, cells)
    lost: dict[str, dict[str, float]] = {}
    for cell in result.cells:
        for check in cell.checks:
            if check.points < check.max_points:
                lost.setdefault(cell.grade_id, {})[check.name] = check.max_points - check.points
    return lost


@pytest.mark.parametrize(
    ("mistake", "expected"),
    [
        pytest.param(
            MISTAKES["layer delegates to ops.batch_normalization"],
            {
                # it no longer calls batch_norm_forward either, which the exercise asks it to
                "test_batch_norm_layer": {
                    "implemented from scratch": 1.0,
                    "integration: BatchNormalization calls your batch_norm_forward": 1.0,
                },
            },
            id="layer_delegates_to_ops_batch_normalization",
        ),
        pytest.param(
            MISTAKES["epsilon outside the square root"],
            {
                # the other checks' inputs spread too wide for epsilon's place to show: the checks of
                # epsilon charge the mistake, once
                "test_batch_norm_forward": {"a feature with a tiny spread (epsilon inside the square root)": 2.0},
                "hidden_batch_norm_forward": {"a feature with a tiny spread, as the reference": 1.0},
            },
            id="forward_epsilon_outside_the_square_root",
        ),
        pytest.param(
            MISTAKES["loss sums over the examples instead of averaging"],
            {
                # the other checks grade one example, where the sum and the mean agree
                "test_categorical_crossentropy": {"the mean over examples, not the sum": 2.0},
                "hidden_categorical_crossentropy": {
                    "matches the reference on fresh data": 1.0,
                    "probabilities of exactly 0 and 1": 1.0,
                },
            },
            id="loss_sums_over_the_examples",
        ),
        pytest.param(
            MISTAKES["scipy.stats.loguniform does the sampling"],
            {"test_sample_log_uniform": {"implemented from scratch": 1.0}},
            id="sampler_delegates_to_scipy_loguniform",
        ),
        pytest.param(
            MISTAKES["call(inputs, training) without a default"], None, id="layer_call_without_a_training_default"
        ),
        pytest.param(MISTAKES["learning rate on a linear scale"], None, id="learning_rate_on_a_linear_scale"),
        pytest.param(MISTAKES["softmax in NumPy"], None, id="softmax_in_numpy"),
    ],
)
def test_a_mistake_costs_points_in_its_own_cells_only(mistake, expected):
    """Does the mistake lose points in its own answer's cells only (and, where given, exactly these)?"""
    lost = _lost(mistake.lab, mistake.answer, mistake.make(), mistake.dependents)
    own = set(cells_of(mistake.answer))
    assert {cell: checks for cell, checks in lost.items() if cell not in own} == {}, lost
    if expected is not None:
        assert {cell: checks for cell, checks in lost.items() if cell in own and checks} == expected
    else:
        assert lost, f"the mistake in {mistake.answer} cost nothing at all"


def test_a_layer_that_does_not_call_batch_norm_forward_loses_the_integration_point_only():
    """A correct layer that computes the batch statistics itself instead of calling batch_norm_forward:
    does it lose the one integration point (the exercise asks it to call it), and nothing else?"""
    mistake = MISTAKES["layer computes the statistics itself (never calls batch_norm_forward)"]
    lost = _lost(mistake.lab, mistake.answer, mistake.make(), mistake.dependents)
    assert lost == {"test_batch_norm_layer": {"integration: BatchNormalization calls your batch_norm_forward": 1.0}}


def test_integration_checks_are_where_an_exercise_asks_for_an_earlier_answer_and_worth_one_point():
    """Is there one integration check of 1 point in the public cell of each answer whose exercise says
    to use an earlier answer ("your batch_norm_forward", "your BatchNormalization", "your sample_log_uniform",
    "your softmax", "your Softmax"), and none elsewhere?"""
    found = {
        (name, cell, check.name, check.points)
        for name in ("batch_norm", "hyperparameter_search", "softmax_regression")
        for cell, checks in get_lab(name).public_checks.items()
        for check in checks
        if "integration" in check.name
    }
    assert found == {
        ("batch_norm", "test_batch_norm_layer", "integration: BatchNormalization calls your batch_norm_forward", 1.0),
        ("batch_norm", "test_build_model", "integration: build_model calls your BatchNormalization", 1.0),
        (
            "hyperparameter_search",
            "test_random_search",
            "integration: random_search calls your sample_log_uniform and your sample_beta",
            1.0,
        ),
        ("softmax_regression", "test_softmax_layer", "integration: Softmax calls your softmax", 1.0),
        (
            "softmax_regression",
            "test_softmax_classifier",
            "integration: build_softmax_classifier calls your Softmax",
            1.0,
        ),
    }


@pytest.mark.parametrize(
    "name",
    [
        pytest.param("identity layer (calls no built-in, does nothing)", id="identity_layer"),
        pytest.param("softmax returns its input", id="softmax_returns_its_input"),
    ],
)
def test_from_scratch_scores_only_once_the_core_check_passes(name):
    """An answer that calls no built-in but does not work: does "implemented from scratch" score 0, saying
    which check it waits for?"""
    mistake = MISTAKES[name]
    result = grade(mistake.lab, {mistake.answer: mistake.make()}, [f"test_{mistake.answer}"])
    (check,) = [c for c in result.cells[0].checks if c.name == "implemented from scratch"]
    assert check.points == 0.0 and not check.passed
    assert "counts only once the check" in check.message
