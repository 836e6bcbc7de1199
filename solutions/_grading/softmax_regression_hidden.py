"""Hidden checks of the softmax_regression lab (instructors only: never released).

Each hidden test cell of the lab is one call, ``checker.run("hidden_X")``, that
runs these checks: fresh inputs drawn from the course's hidden seed, compared
with the reference solution in ``solutions/softmax_regression/``, and edge
cases. Messages name the mistake and the size of the error, never the inputs
or the expected values (the runner marks every check here ``hidden``).
"""

import numpy as np

from autograder.labs.softmax_regression import classifier, crossentropy, gradient, one_hot, softmax
from autograder.labs.softmax_regression import formulas as f
from autograder.model.checks import REFERENCE, Check, Mistake
from autograder.toolkit.judges import close
from autograder.toolkit.probes import calls
from autograder.toolkit.questions import Numbers, NumbersKey, key_check

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
            make_inputs=one_hot.labels_and_classes(40, 10),
            probe=calls("one_hot", "labels", "num_classes"),
            oracle=REFERENCE,
            rule="Each row has a single 1, at the label's column, as `keras.ops.one_hot` gives it",
        ),
        Check(
            "a single example",
            "one_hot",
            close(what=REF),
            make_inputs=one_hot.labels_and_classes(1, 6),
            probe=calls("one_hot", "labels", "num_classes"),
            oracle=REFERENCE,
            rule="Return a `float32` NumPy array of shape `(m, num_classes)`.",
        ),
        Check(
            "uint8 labels, as the digits' y",
            "one_hot",
            close(what=REF),
            make_inputs=one_hot.labels_and_classes(25, 10, dtype="uint8"),
            probe=calls("one_hot", "labels", "num_classes"),
            oracle=REFERENCE,
            rule="labels may come as any integer type (the digits' are `uint8`)",
        ),
        Check(
            "labels outside [0, num_classes) raise ValueError",
            "one_hot",
            one_hot.bad_labels_rejected,
            make_inputs=one_hot.labels_and_classes(5, 7),
            probe=one_hot.probe_bad_labels,
            rule="raise a `ValueError` that says which label is wrong",
        ),
    ),
    "hidden_softmax": (
        Check(
            "matches the reference on fresh logits",
            "softmax",
            close(what=REF, mistakes=softmax.SOFTMAX_MISTAKES),
            make_inputs=softmax.logits(9, 7, scale=5.0),
            probe=calls("softmax", "z"),
            oracle=REFERENCE,
            rule="It must match `keras.ops.softmax`",
        ),
        Check(
            "3-D logits: softmax over the last axis",
            "softmax",
            close(what=REF),
            make_inputs=softmax.logits(2, 3, 5),
            probe=calls("softmax", "z"),
            oracle=REFERENCE,
            rule="Apply softmax along the **last** axis (the classes), for inputs of any rank.",
        ),
        Check(
            "a batch of one",
            "softmax",
            close(what=REF),
            make_inputs=softmax.logits(1, 7),
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
            make_inputs=softmax.logits(3, 2, 6, key="x"),
            probe=softmax.layer_probe,
            oracle=REFERENCE,
            rule="applies **your** `softmax` along the last axis",
        ),
        Check(
            "inside a model, as the reference",
            "softmax_layer",
            close(what=REF),
            make_inputs=softmax.dense_softmax_inputs(7, 6, 4),
            probe=softmax.model_probe,
            oracle=REFERENCE,
            rule="on its own, inside a model",
        ),
    ),
    "hidden_categorical_crossentropy": (
        Check(
            "matches the reference on fresh data",
            "categorical_crossentropy",
            close(what=REF, mistakes=crossentropy.CROSSENTROPY_MISTAKES),
            make_inputs=crossentropy.labels_and_probabilities(16, 10),
            probe=crossentropy.cce_probe,
            oracle=REFERENCE,
            rule="It must match `keras.losses.CategoricalCrossentropy()` on the same probabilities",
        ),
        Check(
            "a batch of one",
            "categorical_crossentropy",
            close(what=REF, mistakes=crossentropy.CROSSENTROPY_MISTAKES),
            make_inputs=crossentropy.labels_and_probabilities(1, 4),
            probe=crossentropy.cce_probe,
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
            probe=crossentropy.cce_probe,
            oracle=REFERENCE,
            rule="clip `y_pred` to `[epsilon, 1 - epsilon]`",
        ),
    ),
    "hidden_softmax_grad": (
        Check(
            "matches the reference on fresh logits",
            "softmax_grad",
            close(what=REF, mistakes=gradient.GRADIENT_MISTAKES),
            make_inputs=gradient.labels_and_logits(12, 10),
            probe=gradient.grad_probe,
            oracle=REFERENCE,
            rule="Return $dJ/dZ$ for a batch of logits",
        ),
        Check(
            "large float64 logits",
            "softmax_grad",
            close(what=REF, mistakes=gradient.GRADIENT_MISTAKES),
            make_inputs=gradient.labels_and_logits(5, 6, dtype="float64", scale=300.0),
            probe=gradient.grad_probe,
            oracle=REFERENCE,
            rule="large float64 logits stay exact (your stable `softmax` sees to that)",
        ),
    ),
    "hidden_softmax_classifier": (
        Check(
            "Dense(num_classes) then the lab's Softmax, for other sizes",
            "softmax_classifier",
            classifier.structure_ok,
            make_inputs=classifier.classifier_dims(7, 4),
            probe=classifier.structure_probe,
            rule="one `Dense(num_classes)` (no activation: it outputs logits), then **your** `Softmax` layer",
        ),
        Check(
            "outputs softmax(x W + b) for other sizes",
            "softmax_classifier",
            classifier.predicts_softmax_of_dense,
            make_inputs=classifier.classifier_dims(11, 5, m=9),
            probe=classifier.prediction_probe,
            rule="one `Dense(num_classes)` (no activation: it outputs logits)",
        ),
    ),
    "hidden_q_hardmax": (
        key_check(
            "q_hardmax",
            "hardmax_of_z",
            NumbersKey(
                "hardmax_of_z",
                Numbers(4),
                (0.0, 0.0, 1.0, 0.0),
                0.001,
                {
                    (0.0, 1.0, 0.0, 0.0): "hardmax puts the 1 on the largest entry, not the smallest",
                    (0.0, 0.0, 3.0, 0.0): "hardmax puts a 1 on the largest entry, not its value",
                },
            ),
            2.0,
            rule="What is the hardmax of $z = [0.5, -2, 3, 1]$?",
        ),
    ),
    "hidden_q_two_classes": (
        key_check(
            "q_two_classes",
            "y_hat_1",
            NumbersKey(
                "y_hat_1",
                Numbers(1),
                (0.8807970779778823,),
                0.002,
                {
                    (0.9525741268224331,): "that is sigma(z_1); with two classes y_hat_1 is the sigmoid of z_1 - z_0",
                    (0.75,): "softmax exponentiates the logits before normalising them",
                },
            ),
            2.0,
            rule="A softmax layer with $C = 2$ gets the logits $z = (z_0, z_1) = (1, 3)$. What is $\\hat y_1$?",
        ),
    ),
    "hidden_q_loss": (
        key_check(
            "q_loss",
            "loss_value",
            NumbersKey(
                "loss_value",
                Numbers(1),
                (0.6931471805599453,),
                0.002,
                {
                    (0.30103,): "that is log10: the loss uses the natural logarithm",
                    (-0.6931471805599453,): "L is minus the log: a loss is never negative",
                    (3.506557897319982,): "only the true class's term survives: y is 0 for the other classes",
                },
            ),
            2.0,
            rule="For one example with $y = [0, 0, 1]$ and $\\hat y = [0.2, 0.3, 0.5]$, what is the loss $L$?",
        ),
    ),
    "hidden_q_dz": (
        key_check(
            "q_dz",
            "dz_one_example",
            NumbersKey(
                "dz_one_example",
                Numbers(3),
                (0.2, -0.3, 0.1),
                0.001,
                {(-0.2, 0.3, -0.1): "dz is y_hat - y, not y - y_hat"},
            ),
            2.0,
            rule="For one example ($m = 1$) with $y = [0, 1, 0]$ and $\\hat y = [0.2, 0.7, 0.1]$, what is $dz$?",
        ),
    ),
}
