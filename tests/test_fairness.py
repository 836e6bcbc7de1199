"""One mistake costs once, where it is made.

Each entry replaces one reference answer with a single mistake and grades the cells of that answer and
of every answer that uses it (the later exercises run with stand-ins of the earlier ones: see
``autograder.stand_ins``). The points lost are asserted cell by cell: the mistake's own cells lose what
the entry says, every other cell loses nothing, except the one integration check of an answer that does
not call the earlier answer the exercise asks it to use.
"""

from __future__ import annotations

import pytest
from conftest import cells_of, grade, reference_sources

from autograder.labs import get_lab

pytestmark = pytest.mark.slow


def _replace(lab: str, grade_id: str, old: str, new: str) -> str:
    source = reference_sources(lab)[grade_id]
    assert source.count(old) == 1, f"{old!r} is not once in the reference {grade_id}"
    return source.replace(old, new)


# The layer delegates the normalisation to Keras: the layer loses its from-scratch point (and its
# integration point: it no longer calls batch_norm_forward); build_model, whose code is right, loses nothing.
DELEGATING_LAYER = (
    "batch_norm",
    "batch_norm_layer",
    lambda: _replace(
        "batch_norm",
        "batch_norm_layer",
        "            z, mean, variance = batch_norm_forward(x, self.gamma, self.beta, self.epsilon)\n",
        "            mean, variance = ops.moments(x, axes=list(range(len(x.shape) - 1)))\n"
        "            z = ops.batch_normalization(x, mean, variance, axis=-1, offset=self.beta, scale=self.gamma,\n"
        "                                        epsilon=self.epsilon)\n",
    ),
    ("build_model",),
)
# epsilon outside the square root in batch_norm_forward: the layer, which calls it, loses nothing.
EPSILON_OUTSIDE = (
    "batch_norm",
    "batch_norm_forward",
    lambda: _replace(
        "batch_norm", "batch_norm_forward", "ops.sqrt(variance + epsilon)", "(ops.sqrt(variance) + epsilon)"
    ),
    ("batch_norm_layer",),
)
# call(inputs, training) without a default: build_model's model still works with the stand-in layer.
NO_TRAINING_DEFAULT = (
    "batch_norm",
    "batch_norm_layer",
    lambda: _replace(
        "batch_norm", "batch_norm_layer", "def call(self, inputs, training=False):", "def call(self, inputs, training):"
    ),
    ("build_model",),
)
# A learning rate drawn uniformly on a linear scale: random_search, which calls the sampler, loses nothing.
LINEAR_SCALE = (
    "hyperparameter_search",
    "sample_log_uniform",
    lambda: (
        "def sample_log_uniform(low, high, size, rng):\n"
        "    if not 0 < low < high:\n        raise ValueError('need 0 < low < high')\n"
        "    return rng.uniform(low, high, size)\n"
    ),
    ("random_search",),
)
# softmax in NumPy: it cannot run inside a layer (its own symbolic-tensor check says so); the Softmax layer
# and the classifier, which use it, lose nothing.
NUMPY_SOFTMAX = (
    "softmax_regression",
    "softmax",
    lambda: (
        "def softmax(z):\n    e = np.exp(z - np.max(z, axis=-1, keepdims=True))\n"
        "    return e / np.sum(e, axis=-1, keepdims=True)\n"
    ),
    ("softmax_layer", "softmax_classifier"),
)


# The loss sums over the examples instead of averaging: the classifier, trained with the loss, loses nothing.
SUM_NOT_MEAN = (
    "softmax_regression",
    "categorical_crossentropy",
    lambda: _replace(
        "softmax_regression",
        "categorical_crossentropy",
        "ops.sum(losses) / ops.cast(ops.shape(losses)[0], losses.dtype)",
        "ops.sum(losses)",
    ),
    ("softmax_classifier",),
)
# Right numbers from scipy.stats.loguniform, which the exercise says does not count: that one point only.
SCIPY_SAMPLER = (
    "hyperparameter_search",
    "sample_log_uniform",
    lambda: (
        "from scipy import stats\n\n\ndef sample_log_uniform(low, high, size, rng):\n"
        "    if not 0 < low < high:\n        raise ValueError('need 0 < low < high')\n"
        "    return stats.loguniform(low, high).rvs(size=size, random_state=rng)\n"
    ),
    ("random_search",),
)


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
            DELEGATING_LAYER,
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
            EPSILON_OUTSIDE,
            {
                # the other checks' inputs spread too wide for epsilon's place to show: the checks of
                # epsilon charge the mistake, once
                "test_batch_norm_forward": {"a feature with a tiny spread (epsilon inside the square root)": 2.0},
                "hidden_batch_norm_forward": {"a feature with a tiny spread, as the reference": 1.0},
            },
            id="forward_epsilon_outside_the_square_root",
        ),
        pytest.param(
            SUM_NOT_MEAN,
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
            SCIPY_SAMPLER,
            {"test_sample_log_uniform": {"implemented from scratch": 1.0}},
            id="sampler_delegates_to_scipy_loguniform",
        ),
        pytest.param(NO_TRAINING_DEFAULT, None, id="layer_call_without_a_training_default"),
        pytest.param(LINEAR_SCALE, None, id="learning_rate_on_a_linear_scale"),
        pytest.param(NUMPY_SOFTMAX, None, id="softmax_in_numpy"),
    ],
)
def test_a_mistake_costs_points_in_its_own_cells_only(mistake, expected):
    """Does the mistake lose points in its own answer's cells only (and, where given, exactly these)?"""
    lab, grade_id, code, dependents = mistake
    lost = _lost(lab, grade_id, code(), dependents)
    own = set(cells_of(grade_id))
    assert {cell: checks for cell, checks in lost.items() if cell not in own} == {}, lost
    if expected is not None:
        assert {cell: checks for cell, checks in lost.items() if cell in own and checks} == expected
    else:
        assert lost, f"the mistake in {grade_id} cost nothing at all"


def test_a_layer_that_does_not_call_batch_norm_forward_loses_the_integration_point_only():
    """A correct layer that computes the batch statistics itself instead of calling batch_norm_forward:
    does it lose the one integration point (the exercise asks it to call it), and nothing else?"""
    code = _replace(
        "batch_norm",
        "batch_norm_layer",
        "            z, mean, variance = batch_norm_forward(x, self.gamma, self.beta, self.epsilon)\n",
        "            mean, variance = ops.moments(x, axes=list(range(len(x.shape) - 1)))\n"
        "            z = self.gamma * (x - mean) / ops.sqrt(variance + self.epsilon) + self.beta\n",
    )
    lost = _lost("batch_norm", "batch_norm_layer", code, ("build_model",))
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
    ("lab", "grade_id", "code"),
    [
        pytest.param(
            "batch_norm",
            "batch_norm_layer",
            "class BatchNormalization(keras.layers.Layer):\n"
            "    def __init__(self, momentum=0.99, epsilon=1e-3, **kwargs):\n"
            "        super().__init__(**kwargs)\n"
            "        self.momentum, self.epsilon = momentum, epsilon\n\n"
            "    def call(self, inputs, training=False):\n"
            "        return inputs\n",
            id="identity_layer",
        ),
        pytest.param(
            "softmax_regression", "softmax", "def softmax(z):\n    return z\n", id="softmax_returns_its_input"
        ),
    ],
)
def test_from_scratch_scores_only_once_the_core_check_passes(lab, grade_id, code):
    """An answer that calls no built-in but does not work: does "implemented from scratch" score 0, saying
    which check it waits for?"""
    result = grade(lab, {grade_id: code}, [f"test_{grade_id}"])
    (check,) = [c for c in result.cells[0].checks if c.name == "implemented from scratch"]
    assert check.points == 0.0 and not check.passed
    assert "counts only once the check" in check.message
