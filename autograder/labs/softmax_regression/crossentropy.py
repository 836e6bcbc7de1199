"""The inputs, probes and known mistakes of ``categorical_crossentropy``: labels and probabilities, the mean
over examples, clipping."""

from __future__ import annotations

from typing import Any

import numpy as np

from autograder.labs.softmax_regression import formulas as f
from autograder.model.checks import Mistake
from autograder.toolkit.compare import to_numpy


def labels_and_probabilities(m: int, c: int, dtype: str = "float32", smooth: float = 0.0):
    def make(rng: np.random.Generator) -> dict[str, Any]:
        z = rng.normal(size=(m, c)) * 2
        y = np.eye(c)[rng.integers(0, c, size=m)]
        y = y * (1 - smooth) + smooth / c
        return {"y": y.astype(dtype), "p": f.softmax(z).astype(dtype), "logits": z.astype(dtype)}

    return make


# Keras on JAX promotes float64 with float32 to float32, so ops.mean (which reduces in
# result_type(x, "float32")) averages float64 losses in float32 there.
FLOAT32_MEAN = Mistake(
    "the mean is computed in float32: on the JAX backend keras.ops.mean averages float64 values in float32; "
    "divide ops.sum(losses) by the number of examples instead",
    lambda i: np.float64(np.mean(f.per_example_loss(i["y"], i["p"]).astype(np.float32), dtype=np.float32)),
)


CROSSENTROPY_MISTAKES = (
    Mistake(
        "the losses are summed over the examples; J is their mean, (1/m) * sum",
        lambda i: f.cost(i["y"], i["p"]) * len(i["y"]),
    ),
    Mistake(
        "the mean is taken over every element (m * C of them); average over the examples only",
        lambda i: f.cost(i["y"], i["p"]) / i["y"].shape[-1],
    ),
    Mistake("the minus sign is missing: -sum y log p is positive", lambda i: -f.cost(i["y"], i["p"])),
    Mistake("y_true and y_pred are swapped", lambda i: f.cost(i["p"], i["y"])),
    Mistake("log10 is used; the cross-entropy uses the natural log", lambda i: f.cost(i["y"], i["p"]) / np.log(10)),
)


# Each check of the loss but "the mean over examples" grades one example, where the mean and the sum
# agree: how the losses are averaged is judged by that check alone (a mistake is charged where it is made).
CLIPPED_CASE = {
    "y": np.array([[1, 0, 0]], np.float32),
    "p": np.array([[0.0, 1.0, 0.0]], np.float32),
}


def cce_probe(answers: Any, inputs: dict[str, Any]) -> dict[str, Any]:
    return {"out": answers.categorical_crossentropy(inputs["y"], inputs["p"])}


def from_logits_expected(inputs: dict[str, Any]) -> Any:
    import keras

    return to_numpy(keras.losses.CategoricalCrossentropy(from_logits=True)(inputs["y"], inputs["logits"]))
