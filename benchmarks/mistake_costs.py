"""What one mistake costs: each single mistake of the list below, graded over its whole lab.

Each mistake replaces one answer of the reference solution with the same answer and one change, and
the lab's every test cell (public and hidden) is graded in this process, as ``tests/conftest.grade``
does. The table gives, per mistake, the points lost out of the lab's total and the cells that lost
them, so that a change to the checks or their points can be compared before and after (run it in a
checkout of each commit). It reads the course from the checkout it runs in.

    python benchmarks/mistake_costs.py [--only NAME ...]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("LAB_QUICK", "1")
sys.path.insert(0, str(ROOT))


def reference(lab: str) -> dict[str, str]:
    from autograder.course import solution_path
    from autograder.labs import get_lab
    from autograder.notebooks import answer_sources, read_notebook

    spec = get_lab(lab)
    return answer_sources(read_notebook(solution_path(ROOT, lab)), [a.grade_id for a in spec.answers])


def edited(lab: str, grade_id: str, *edits: tuple[str, str]) -> Callable[[], str]:
    def make() -> str:
        source = reference(lab)[grade_id]
        for old, new in edits:
            if source.count(old) != 1:
                raise SystemExit(f"{old!r} is not once in the reference {grade_id} of this checkout")
            source = source.replace(old, new)
        return source

    return make


def written(code: str) -> Callable[[], str]:
    return lambda: code


TRAINING_Z = "            z, mean, variance = batch_norm_forward(x, self.gamma, self.beta, self.epsilon)\n"
LOG_RANGE = "    if not 0 < low < high:\n        raise ValueError('need 0 < low < high')\n"

# name -> (lab, answer, how to make the answer)
MISTAKES: dict[str, tuple[str, str, Callable[[], str]]] = {
    "weights left unnamed": (
        "batch_norm",
        "batch_norm_layer",
        edited(
            "batch_norm",
            "batch_norm_layer",
            *((f'name="{name}", ', "") for name in ("gamma", "beta", "moving_mean", "moving_variance")),
        ),
    ),
    "layer delegates to ops.batch_normalization": (
        "batch_norm",
        "batch_norm_layer",
        edited(
            "batch_norm",
            "batch_norm_layer",
            (
                TRAINING_Z,
                "            mean, variance = ops.moments(x, axes=list(range(len(x.shape) - 1)))\n"
                "            z = ops.batch_normalization(x, mean, variance, axis=-1, offset=self.beta,\n"
                "                                        scale=self.gamma, epsilon=self.epsilon)\n",
            ),
        ),
    ),
    "layer computes the statistics itself (never calls batch_norm_forward)": (
        "batch_norm",
        "batch_norm_layer",
        edited(
            "batch_norm",
            "batch_norm_layer",
            (
                TRAINING_Z,
                "            mean, variance = ops.moments(x, axes=list(range(len(x.shape) - 1)))\n"
                "            z = self.gamma * (x - mean) / ops.sqrt(variance + self.epsilon) + self.beta\n",
            ),
        ),
    ),
    "epsilon outside the square root": (
        "batch_norm",
        "batch_norm_forward",
        edited("batch_norm", "batch_norm_forward", ("ops.sqrt(variance + epsilon)", "(ops.sqrt(variance) + epsilon)")),
    ),
    "call(inputs, training) without a default": (
        "batch_norm",
        "batch_norm_layer",
        edited(
            "batch_norm",
            "batch_norm_layer",
            ("def call(self, inputs, training=False):", "def call(self, inputs, training):"),
        ),
    ),
    "identity layer (calls no built-in, does nothing)": (
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
    ),
    "learning rate on a linear scale": (
        "hyperparameter_search",
        "sample_log_uniform",
        written(
            "def sample_log_uniform(low, high, size, rng):\n" + LOG_RANGE + "    return rng.uniform(low, high, size)\n"
        ),
    ),
    "scipy.stats.loguniform does the sampling": (
        "hyperparameter_search",
        "sample_log_uniform",
        written(
            "from scipy import stats\n\n\ndef sample_log_uniform(low, high, size, rng):\n"
            + LOG_RANGE
            + "    return stats.loguniform(low, high).rvs(size=size, random_state=rng)\n"
        ),
    ),
    "softmax in NumPy": (
        "softmax_regression",
        "softmax",
        written(
            "def softmax(z):\n    e = np.exp(z - np.max(z, axis=-1, keepdims=True))\n"
            "    return e / np.sum(e, axis=-1, keepdims=True)\n"
        ),
    ),
    "softmax returns its input": ("softmax_regression", "softmax", written("def softmax(z):\n    return z\n")),
    "loss sums over the examples instead of averaging": (
        "softmax_regression",
        "categorical_crossentropy",
        written(
            "def categorical_crossentropy(y_true, y_pred, epsilon=1e-7):\n"
            "    y_pred = ops.clip(ops.convert_to_tensor(y_pred), epsilon, 1.0 - epsilon)\n"
            "    y_true = ops.cast(y_true, y_pred.dtype)\n"
            "    return ops.sum(-ops.sum(y_true * ops.log(y_pred), axis=-1))\n"
        ),
    ),
}


def cost(lab: str, grade_id: str, code: str) -> tuple[float, float, dict[str, float]]:
    """(points lost, the lab's total, points lost per cell) with ``code`` as ``grade_id``."""
    from autograder.grading import grade_sources
    from autograder.labs import get_lab

    result = grade_sources("mistake", get_lab(lab), {**reference(lab), grade_id: code}, ROOT)
    lost = {cell.grade_id: cell.max_points - cell.points for cell in result.cells if cell.points < cell.max_points}
    return result.max_score - result.score, result.max_score, lost


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", choices=sorted(MISTAKES), help="these mistakes only")
    args = parser.parse_args()
    names = args.only or list(MISTAKES)
    print("| mistake | answer | points lost / lab total | cells that lost points |")
    print("|---|---|---:|---|")
    for name in names:
        lab, grade_id, make = MISTAKES[name]
        start = time.perf_counter()
        lost, total, cells = cost(lab, grade_id, make())
        where = ", ".join(f"{cell} -{points:g}" for cell, points in cells.items())
        print(f"| {name} | {lab}/{grade_id} | {lost:g} / {total:g} | {where} |", flush=True)
        print(f"  ({time.perf_counter() - start:.1f} s)", file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
