"""Single mistakes: the reference solution with one answer changed, as students get it wrong.

One table for two users: ``tests/labs/test_fairness.py`` asserts what each costs, cell by cell, and
``benchmarks/mistake_costs.py`` prints what each costs over a whole lab in any checkout (run it before
and after changing a check or its points). An edit of the reference fails loudly when the reference no
longer holds the text it replaces, so a drifted reference never grades the reference itself.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from autograder.engine.cells import answer_sources, read_notebook
from autograder.engine.course import solution_path
from autograder.labs import get_lab

ROOT = Path(__file__).resolve().parents[1]


@functools.cache
def reference_sources(lab: str) -> dict[str, str]:
    """The reference solution's answer cells, by grade_id."""
    spec = get_lab(lab)
    return answer_sources(read_notebook(solution_path(ROOT, lab)), [a.grade_id for a in spec.answers])


@dataclass(frozen=True)
class SingleMistake:
    """The answer ``answer`` of ``lab`` replaced by what ``make`` returns; ``dependents`` are the answers
    whose exercises use it (their cells must lose nothing but an integration point)."""

    lab: str
    answer: str
    make: Callable[[], str]
    dependents: tuple[str, ...] = ()


def edited(lab: str, answer: str, *edits: tuple[str, str]) -> Callable[[], str]:
    """The reference ``answer`` with each (old, new) replaced, each old text exactly once."""

    def make() -> str:
        source = reference_sources(lab)[answer]
        for old, new in edits:
            if source.count(old) != 1:
                raise AssertionError(f"{old!r} is not once in the reference {answer}")
            source = source.replace(old, new)
        return source

    return make


def written(code: str) -> Callable[[], str]:
    return lambda: code


TRAINING_Z = "            z, mean, variance = batch_norm_forward(x, self.gamma, self.beta, self.epsilon)\n"
MOMENTS = "            mean, variance = ops.moments(x, axes=list(range(len(x.shape) - 1)))\n"
LOG_RANGE = "    if not 0 < low < high:\n        raise ValueError('need 0 < low < high')\n"

MISTAKES: dict[str, SingleMistake] = {
    # The exercise fixes the weights' order, not their names.
    "weights left unnamed": SingleMistake(
        "batch_norm",
        "batch_norm_layer",
        edited(
            "batch_norm",
            "batch_norm_layer",
            *((f'name="{name}", ', "") for name in ("gamma", "beta", "moving_mean", "moving_variance")),
        ),
        ("build_model",),
    ),
    # The layer delegates the normalisation to Keras: it loses its from-scratch point (and its integration
    # point: it no longer calls batch_norm_forward); build_model, whose code is right, loses nothing.
    "layer delegates to ops.batch_normalization": SingleMistake(
        "batch_norm",
        "batch_norm_layer",
        edited(
            "batch_norm",
            "batch_norm_layer",
            (
                TRAINING_Z,
                MOMENTS + "            z = ops.batch_normalization(x, mean, variance, axis=-1, offset=self.beta, "
                "scale=self.gamma,\n"
                "                                        epsilon=self.epsilon)\n",
            ),
        ),
        ("build_model",),
    ),
    # A right layer that computes the batch statistics itself: the exercise asks it to call batch_norm_forward.
    "layer computes the statistics itself (never calls batch_norm_forward)": SingleMistake(
        "batch_norm",
        "batch_norm_layer",
        edited(
            "batch_norm",
            "batch_norm_layer",
            (
                TRAINING_Z,
                MOMENTS + "            z = self.gamma * (x - mean) / ops.sqrt(variance + self.epsilon) + self.beta\n",
            ),
        ),
        ("build_model",),
    ),
    # epsilon outside the square root in batch_norm_forward: the layer, which calls it, loses nothing.
    "epsilon outside the square root": SingleMistake(
        "batch_norm",
        "batch_norm_forward",
        edited("batch_norm", "batch_norm_forward", ("ops.sqrt(variance + epsilon)", "(ops.sqrt(variance) + epsilon)")),
        ("batch_norm_layer",),
    ),
    # call(inputs, training) without a default: build_model's model still works with the stand-in layer.
    "call(inputs, training) without a default": SingleMistake(
        "batch_norm",
        "batch_norm_layer",
        edited(
            "batch_norm",
            "batch_norm_layer",
            ("def call(self, inputs, training=False):", "def call(self, inputs, training):"),
        ),
        ("build_model",),
    ),
    # Calls no built-in and does nothing: "implemented from scratch" must not score.
    "identity layer (calls no built-in, does nothing)": SingleMistake(
        "batch_norm",
        "batch_norm_layer",
        written(
            "class BatchNormalization(keras.layers.Layer):\n"
            "    def __init__(self, momentum=0.99, epsilon=1e-3, **kwargs):\n"
            "        super().__init__(**kwargs)\n"
            "        self.momentum, self.epsilon = momentum, epsilon\n\n"
            "    def call(self, inputs, training=False):\n"
            "        return inputs\n"
        ),
        ("build_model",),
    ),
    # A learning rate drawn uniformly on a linear scale: random_search, which calls the sampler, loses nothing.
    "learning rate on a linear scale": SingleMistake(
        "hyperparameter_search",
        "sample_log_uniform",
        written(
            "def sample_log_uniform(low, high, size, rng):\n" + LOG_RANGE + "    return rng.uniform(low, high, size)\n"
        ),
        ("random_search",),
    ),
    # Right numbers from scipy.stats.loguniform, which the exercise says does not count: that one point only.
    "scipy.stats.loguniform does the sampling": SingleMistake(
        "hyperparameter_search",
        "sample_log_uniform",
        written(
            "from scipy import stats\n\n\ndef sample_log_uniform(low, high, size, rng):\n"
            + LOG_RANGE
            + "    return stats.loguniform(low, high).rvs(size=size, random_state=rng)\n"
        ),
        ("random_search",),
    ),
    # softmax in NumPy: it cannot run inside a layer (its own symbolic-tensor check says so); the Softmax
    # layer and the classifier, which use it, lose nothing.
    "softmax in NumPy": SingleMistake(
        "softmax_regression",
        "softmax",
        written(
            "def softmax(z):\n    e = np.exp(z - np.max(z, axis=-1, keepdims=True))\n"
            "    return e / np.sum(e, axis=-1, keepdims=True)\n"
        ),
        ("softmax_layer", "softmax_classifier"),
    ),
    # Returns its input: "implemented from scratch" must not score.
    "softmax returns its input": SingleMistake(
        "softmax_regression",
        "softmax",
        written("def softmax(z):\n    return z\n"),
        ("softmax_layer", "softmax_classifier"),
    ),
    # The loss sums over the examples instead of averaging: the classifier, trained with it, loses nothing.
    "loss sums over the examples instead of averaging": SingleMistake(
        "softmax_regression",
        "categorical_crossentropy",
        edited(
            "softmax_regression",
            "categorical_crossentropy",
            ("ops.sum(losses) / ops.cast(ops.shape(losses)[0], losses.dtype)", "ops.sum(losses)"),
        ),
        ("softmax_classifier",),
    ),
}
