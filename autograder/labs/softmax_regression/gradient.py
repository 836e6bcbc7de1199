"""The inputs, probe and known mistakes of ``softmax_cross_entropy_grad`` (dZ = y_hat - y, over m)."""

from __future__ import annotations

from typing import Any

import numpy as np

from autograder.labs.softmax_regression import formulas as f
from autograder.model.checks import Mistake
from autograder.toolkit.compare import Tolerance


def labels_and_logits(m: int, c: int, dtype: str = "float32", scale: float = 2.0):
    def make(rng: np.random.Generator) -> dict[str, Any]:
        return {
            "y": np.eye(c)[rng.integers(0, c, size=m)].astype(dtype),
            "logits": (rng.normal(size=(m, c)) * scale).astype(dtype),
        }

    return make


GRADIENT_MISTAKES = (
    Mistake(
        "the 1/m of the mean cost is missing: dZ = (y_hat - y) / m",
        lambda i: f.cost_gradient(i["y"], i["logits"]) * len(i["y"]),
    ),
    Mistake(
        "the sign is flipped: dZ = (y_hat - y) / m, not (y - y_hat) / m",
        lambda i: -f.cost_gradient(i["y"], i["logits"]),
    ),
    Mistake(
        "this is the sigmoid derivative y_hat * (1 - y_hat), not dJ/dZ for softmax with cross-entropy",
        lambda i: f.softmax(i["logits"]) * (1 - f.softmax(i["logits"])),
    ),
    Mistake("the logits are used where softmax(logits) belongs", lambda i: (i["logits"] - i["y"]) / len(i["y"])),
)


GRADIENT_TOLERANCE = Tolerance(rtol=1e-6, atol=1e-10)  # central differences with h=1e-5 in float64


def grad_probe(answers: Any, inputs: dict[str, Any]) -> dict[str, Any]:
    return {"out": answers.softmax_cross_entropy_grad(inputs["y"], inputs["logits"])}
