"""Hidden checks of the softmax_regression lab (instructors only: never released).

Each hidden test cell of the lab is one call, ``checker.run("hidden_X")``, that
runs these checks: fresh inputs drawn from the course's hidden seed, compared
with the reference solution in ``solutions/softmax_regression/``, and edge
cases. Messages name the mistake and the size of the error, never the inputs
or the expected values (the runner marks every check here ``hidden``).
"""

import numpy as np

from autograder.checks import REFERENCE, Check, Mistake, close
from autograder.labs.softmax_regression import checks as public
from autograder.labs.softmax_regression import formulas as f
from autograder.probes import calls

REF = "the reference solution"


def large_logits(rng):
    z = rng.normal(size=(6, 8)) * 400
    z[:, 0] = 1000.0
    return {"z": z.astype("float64")}


CHECKS = {
    "hidden_one_hot": (
        Check(
            "matches the reference on fresh labels",
            "one_hot",
            close(what=REF),
            make_inputs=public.labels_and_classes(40, 10),
            probe=calls("one_hot", "labels", "num_classes"),
            oracle=REFERENCE,
            rule="Each row has a single 1, at the label's column, as `keras.ops.one_hot` gives it",
        ),
        Check(
            "a single example",
            "one_hot",
            close(what=REF),
            make_inputs=public.labels_and_classes(1, 6),
            probe=calls("one_hot", "labels", "num_classes"),
            oracle=REFERENCE,
            rule="Return a `float32` NumPy array of shape `(m, num_classes)`.",
        ),
        Check(
            "uint8 labels, as the digits' y",
            "one_hot",
            close(what=REF),
            make_inputs=public.labels_and_classes(25, 10, dtype="uint8"),
            probe=calls("one_hot", "labels", "num_classes"),
            oracle=REFERENCE,
            rule="labels may come as any integer type (the digits' are `uint8`)",
        ),
        Check(
            "labels outside [0, num_classes) raise ValueError",
            "one_hot",
            public.bad_labels_rejected,
            make_inputs=public.labels_and_classes(5, 7),
            probe=public.probe_bad_labels,
            rule="raise a `ValueError` that says which label is wrong",
        ),
    ),
    "hidden_softmax": (
        Check(
            "matches the reference on fresh logits",
            "softmax",
            close(what=REF, mistakes=public.SOFTMAX_MISTAKES),
            make_inputs=public.logits(9, 7, scale=5.0),
            probe=calls("softmax", "z"),
            oracle=REFERENCE,
            rule="It must match `keras.ops.softmax`",
        ),
        Check(
            "3-D logits: softmax over the last axis",
            "softmax",
            close(what=REF),
            make_inputs=public.logits(2, 3, 5),
            probe=calls("softmax", "z"),
            oracle=REFERENCE,
            rule="Apply softmax along the **last** axis (the classes), for inputs of any rank.",
        ),
        Check(
            "a batch of one",
            "softmax",
            close(what=REF),
            make_inputs=public.logits(1, 7),
            probe=calls("softmax", "z"),
            oracle=REFERENCE,
            rule="for inputs of any rank",
        ),
        Check(
            "float64 logits near 1000",
            "softmax",
            close(
                what=REF,
                mistakes=(
                    Mistake(
                        "exp overflows: subtract each row's max before exp",
                        lambda i: f.naive_softmax(i["z"]).astype(np.float64),
                    ),
                ),
            ),
            make_inputs=large_logits,
            probe=calls("softmax", "z"),
            oracle=REFERENCE,
            rule="float64 logits give float64 probabilities",
        ),
    ),
    "hidden_softmax_layer": (
        Check(
            "matches the reference layer on 3-D inputs",
            "softmax_layer",
            close(what=REF),
            make_inputs=public.logits(3, 2, 6, key="x"),
            probe=public.layer_probe,
            oracle=REFERENCE,
            rule="applies **your** `softmax` along the last axis",
        ),
        Check(
            "inside a model, as the reference",
            "softmax_layer",
            close(what=REF),
            make_inputs=public.dense_softmax_inputs(7, 6, 4),
            probe=public.model_probe,
            oracle=REFERENCE,
            rule="on its own, inside a model",
        ),
    ),
    "hidden_categorical_crossentropy": (
        Check(
            "matches the reference on fresh data",
            "categorical_crossentropy",
            close(what=REF, mistakes=public.CROSSENTROPY_MISTAKES),
            make_inputs=public.labels_and_probabilities(16, 10),
            probe=public.cce_probe,
            oracle=REFERENCE,
            rule="It must match `keras.losses.CategoricalCrossentropy()` on the same probabilities",
        ),
        Check(
            "a batch of one",
            "categorical_crossentropy",
            close(what=REF, mistakes=public.CROSSENTROPY_MISTAKES),
            make_inputs=public.labels_and_probabilities(1, 4),
            probe=public.cce_probe,
            oracle=REFERENCE,
            rule="then the mean over the examples: their sum divided by $m$",
        ),
        Check(
            "probabilities of exactly 0 and 1",
            "categorical_crossentropy",
            close(
                what=REF,
                mistakes=(
                    Mistake(
                        "log(0): clip y_pred to [epsilon, 1 - epsilon] before the log",
                        lambda i: np.float32(f.unclipped_cost(i["y"], i["p"])),
                    ),
                ),
            ),
            make_inputs=lambda rng: {
                "y": np.eye(4, dtype="float32")[rng.permutation(4)],
                "p": np.eye(4, dtype="float32")[rng.permutation(4)],
            },
            probe=public.cce_probe,
            oracle=REFERENCE,
            rule="clip `y_pred` to `[epsilon, 1 - epsilon]`",
        ),
    ),
    "hidden_softmax_grad": (
        Check(
            "matches the reference on fresh logits",
            "softmax_grad",
            close(what=REF, mistakes=public.GRADIENT_MISTAKES),
            make_inputs=public.labels_and_logits(12, 10),
            probe=public.grad_probe,
            oracle=REFERENCE,
            rule="Return $dJ/dZ$ for a batch of logits",
        ),
        Check(
            "large float64 logits",
            "softmax_grad",
            close(what=REF, mistakes=public.GRADIENT_MISTAKES),
            make_inputs=public.labels_and_logits(5, 6, dtype="float64", scale=300.0),
            probe=public.grad_probe,
            oracle=REFERENCE,
            rule="large float64 logits stay exact (your stable `softmax` sees to that)",
        ),
    ),
    "hidden_softmax_classifier": (
        Check(
            "Dense(num_classes) then the lab's Softmax, for other sizes",
            "softmax_classifier",
            public.structure_ok,
            make_inputs=public.classifier_dims(7, 4),
            probe=public.structure_probe,
            rule="one `Dense(num_classes)` (no activation: it outputs logits), then **your** `Softmax` layer",
        ),
        Check(
            "outputs softmax(x W + b) for other sizes",
            "softmax_classifier",
            public.predicts_softmax_of_dense,
            make_inputs=public.classifier_dims(11, 5, m=9),
            probe=public.prediction_probe,
            rule="one `Dense(num_classes)` (no activation: it outputs logits)",
        ),
    ),
}
