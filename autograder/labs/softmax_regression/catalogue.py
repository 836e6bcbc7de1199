"""The public checks of the softmax_regression lab, one tuple per test cell: which inputs, which probe, which
judge, how many points and the sentence of the lab that states the rule. The inputs, probes and judges are
in the module of each exercise (one_hot, softmax, crossentropy, gradient, classifier)."""

from __future__ import annotations

import numpy as np

from autograder.labs.softmax_regression import formulas as f
from autograder.labs.softmax_regression.answers import ANSWERS
from autograder.labs.softmax_regression.classifier import (
    ACCURACY_THRESHOLD,
    accurate_enough,
    classifier_dims,
    digits_inputs,
    prediction_probe,
    predicts_softmax_of_dense,
    structure_ok,
    structure_probe,
    training_probe,
)
from autograder.labs.softmax_regression.crossentropy import (
    CLIPPED_CASE,
    CROSSENTROPY_MISTAKES,
    FLOAT32_MEAN,
    cce_probe,
    from_logits_expected,
    labels_and_probabilities,
)
from autograder.labs.softmax_regression.gradient import (
    GRADIENT_MISTAKES,
    GRADIENT_TOLERANCE,
    grad_probe,
    labels_and_logits,
)
from autograder.labs.softmax_regression.one_hot import (
    bad_labels_rejected,
    labels_and_classes,
    one_hot_dtype_and_shape,
    probe_bad_labels,
)
from autograder.labs.softmax_regression.softmax import (
    EXTREME_LOGITS,
    EXTREME_TOLERANCE,
    SOFTMAX_MISTAKES,
    config_judge,
    config_probe,
    dense_softmax_inputs,
    layer_probe,
    logits,
    model_probe,
    reloaded_predicts_the_same,
    rows_sum_to_one,
    saved_model_probe,
    shift_invariant,
    shift_probe,
    symbolic_probe,
)
from autograder.model.checks import BUILTIN, Check, Mistake
from autograder.toolkit.from_scratch import from_scratch_check
from autograder.toolkit.judges import close
from autograder.toolkit.probes import calls
from autograder.toolkit.questions import Numbers, form_check
from autograder.toolkit.stand_ins import integration_check

# The core numeric check of each answer: "implemented from scratch" scores only once it passes.
CORE_CHECK = {
    "one_hot": "matches keras.ops.one_hot",
    "softmax": "matches keras.ops.softmax",
    "softmax_layer": "matches keras.layers.Softmax",
    "categorical_crossentropy": "matches keras.losses.CategoricalCrossentropy on probabilities",
    "softmax_grad": "matches GradientTape of CategoricalCrossentropy(from_logits=True)",
    "softmax_classifier": "outputs softmax(x W + b)",
}


def from_scratch(grade_id: str, rule: str) -> Check:
    return from_scratch_check(ANSWERS, grade_id, CORE_CHECK[grade_id], rule)


CHECKS: dict[str, tuple[Check, ...]] = {
    "test_one_hot": (
        Check(
            "float32 array of shape (m, num_classes)",
            "one_hot",
            one_hot_dtype_and_shape,
            make_inputs=labels_and_classes(7, 4),
            probe=calls("one_hot", "labels", "num_classes"),
            rule="Return a `float32` NumPy array of shape `(m, num_classes)`.",
        ),
        Check(
            "matches keras.ops.one_hot",
            "one_hot",
            close(what="keras.ops.one_hot"),
            make_inputs=labels_and_classes(9, 5),
            probe=calls("one_hot", "labels", "num_classes"),
            oracle=BUILTIN,
            rule="Each row has a single 1, at the label's column, as `keras.ops.one_hot` gives it",
        ),
        Check(
            "labels outside [0, num_classes) raise ValueError",
            "one_hot",
            bad_labels_rejected,
            make_inputs=labels_and_classes(3, 3),
            probe=probe_bad_labels,
            rule="raise a `ValueError` that says which label is wrong",
        ),
    ),
    "test_softmax": (
        Check(
            "matches keras.ops.softmax",
            "softmax",
            close(what="keras.ops.softmax", mistakes=SOFTMAX_MISTAKES),
            make_inputs=logits(5, 3),
            probe=calls("softmax", "z"),
            oracle=BUILTIN,
            points=3.0,
            rule="It must match `keras.ops.softmax`",
        ),
        Check(
            "each row sums to 1 (m != C)",
            "softmax",
            rows_sum_to_one,
            make_inputs=logits(4, 6),
            probe=calls("softmax", "z"),
            rule="each slice along the last axis sums to 1",
        ),
        Check(
            "stable for logits of +-1000 in float32",
            "softmax",
            close(
                what="the exact softmax",
                expect=lambda i: f.softmax(i["z"]).astype(np.float32),
                tolerance=EXTREME_TOLERANCE,
                mistakes=(
                    Mistake(
                        "exp(1000) overflows to inf: subtract each row's max from z before exp",
                        lambda i: f.naive_softmax(i["z"]),
                    ),
                ),
            ),
            make_inputs=lambda rng: {"z": EXTREME_LOGITS},
            probe=calls("softmax", "z"),
            points=2.0,
            rule="stay finite for logits of $\\pm 1000$",
        ),
        Check(
            "softmax(z + c) equals softmax(z)",
            "softmax",
            shift_invariant,
            make_inputs=lambda rng: {**logits(3, 4)(rng), "shift": np.array([[25.0], [-40.0], [7.0]], np.float32)},
            probe=shift_probe,
            rule="softmax does not change when the same constant is added to every logit of a row",
        ),
        Check(
            "float64 logits keep float64 precision",
            "softmax",
            close(what="the float64 softmax", expect=lambda i: f.softmax(i["z"])),
            make_inputs=logits(4, 5, dtype="float64"),
            probe=calls("softmax", "z"),
            rule="float64 logits give float64 probabilities",
        ),
        Check(
            "runs on symbolic tensors inside a Keras model (keras.ops, not NumPy)",
            "softmax",
            close(what="keras.ops.softmax in the same model"),
            make_inputs=logits(5, 3),
            probe=symbolic_probe,
            oracle=BUILTIN,
            rule="not NumPy: the same function will run inside a Keras layer on symbolic tensors",
        ),
        from_scratch("softmax", rule="Do not call a built-in softmax; `ops.logsumexp` is allowed."),
    ),
    "test_softmax_layer": (
        Check(
            "matches keras.layers.Softmax",
            "softmax_layer",
            close(what="keras.layers.Softmax"),
            make_inputs=logits(4, 5, key="x"),
            probe=layer_probe,
            oracle=BUILTIN,
            rule="The checks compare it with `keras.layers.Softmax` on its own",
        ),
        Check(
            "works inside a Keras model",
            "softmax_layer",
            close(what="the same model with keras.layers.Softmax"),
            make_inputs=dense_softmax_inputs(5, 4, 3),
            probe=model_probe,
            oracle=BUILTIN,
            rule="on its own, inside a model",
        ),
        Check(
            "a model saved as .keras and reloaded predicts the same",
            "softmax_layer",
            reloaded_predicts_the_same,
            make_inputs=dense_softmax_inputs(3, 4, 3),
            probe=saved_model_probe,
            oracle=BUILTIN,
            rule="after saving the model as `.keras` and loading it back",
        ),
        Check(
            "get_config / from_config round-trip",
            "softmax_layer",
            config_judge,
            make_inputs=logits(2, 3, key="x"),
            probe=config_probe,
            rule="its `get_config` comes from `keras.layers.Layer` and lets Keras save the model and rebuild the layer",
        ),
        integration_check(
            "softmax_layer",
            "Softmax",
            layer_probe,
            ("softmax",),
            logits(4, 5, key="x"),
            rule="applies **your** `softmax` along the last axis",
        ),
        from_scratch("softmax_layer", rule="`keras.layers.Softmax` or another built-in softmax may not do the work"),
    ),
    "test_categorical_crossentropy": (
        Check(
            "matches keras.losses.CategoricalCrossentropy on probabilities",
            "categorical_crossentropy",
            close(what="keras.losses.CategoricalCrossentropy()", mistakes=CROSSENTROPY_MISTAKES),
            make_inputs=labels_and_probabilities(1, 5),
            probe=cce_probe,
            oracle=BUILTIN,
            points=2.0,
            rule="It must match `keras.losses.CategoricalCrossentropy()` on the same probabilities",
        ),
        Check(
            "the mean over examples, not the sum",
            "categorical_crossentropy",
            close(
                what="J = (1/m) sum_i L_i",
                expect=lambda i: np.float32(f.cost(i["y"], i["p"])),
                mistakes=CROSSENTROPY_MISTAKES,
            ),
            make_inputs=labels_and_probabilities(8, 4),
            probe=cce_probe,
            points=2.0,
            rule="then the mean over the examples: their sum divided by $m$",
        ),
        Check(
            "log(0) is avoided by clipping",
            "categorical_crossentropy",
            close(
                what="the clipped loss (a zero probability costs -log(1e-7) = 16.118)",
                expect=lambda i: np.float32(f.cost(i["y"], i["p"])),
                mistakes=(
                    Mistake(
                        "log(0) = -inf: clip y_pred to [epsilon, 1 - epsilon] before the log",
                        lambda i: np.float32(f.unclipped_cost(i["y"], i["p"])),
                    ),
                ),
            ),
            make_inputs=lambda rng: dict(CLIPPED_CASE),
            probe=cce_probe,
            rule="clip `y_pred` to `[epsilon, 1 - epsilon]`",
        ),
        Check(
            "agrees with the from_logits=True loss on softmax probabilities",
            "categorical_crossentropy",
            close(
                what="CategoricalCrossentropy(from_logits=True) on the logits",
                expect=from_logits_expected,
                mistakes=CROSSENTROPY_MISTAKES,
            ),
            make_inputs=labels_and_probabilities(1, 5),
            probe=cce_probe,
            rule="on softmax probabilities, the `from_logits=True` loss on the logits",
        ),
        Check(
            "float64 inputs keep float64 precision",
            "categorical_crossentropy",
            close(
                what="the float64 cost",
                expect=lambda i: np.float64(f.cost(i["y"], i["p"])),
                mistakes=(*CROSSENTROPY_MISTAKES, FLOAT32_MEAN),
            ),
            make_inputs=labels_and_probabilities(1, 4, dtype="float64"),
            probe=cce_probe,
            rule="float64 inputs give a float64 cost",
        ),
        Check(
            "y_true and y_pred in the right order (soft labels)",
            "categorical_crossentropy",
            close(what="keras.losses.CategoricalCrossentropy()", mistakes=CROSSENTROPY_MISTAKES),
            make_inputs=labels_and_probabilities(1, 3, smooth=0.3),
            probe=cce_probe,
            oracle=BUILTIN,
            rule="`y_true` comes first, as in Keras, and may hold soft labels (label smoothing)",
        ),
        from_scratch("categorical_crossentropy", rule="No built-in loss."),
    ),
    "test_softmax_grad": (
        Check(
            "matches GradientTape of CategoricalCrossentropy(from_logits=True)",
            "softmax_grad",
            close(what="the automatic gradient of the built-in loss", mistakes=GRADIENT_MISTAKES),
            make_inputs=labels_and_logits(5, 3),
            probe=grad_probe,
            oracle=BUILTIN,
            points=3.0,
            rule="the checks compare your formula with `GradientTape` on Keras's loss",
        ),
        Check(
            "matches central differences in float64",
            "softmax_grad",
            close(
                what="the numerical gradient (h=1e-5)",
                expect=lambda i: f.numerical_gradient(i["y"], i["logits"]),
                tolerance=GRADIENT_TOLERANCE,
                mistakes=GRADIENT_MISTAKES,
            ),
            make_inputs=labels_and_logits(4, 5, dtype="float64"),
            probe=grad_probe,
            rule="and with central differences",
        ),
        Check(
            "shape (m, C) with m != C",
            "softmax_grad",
            close(
                what="(softmax(logits) - y) / m",
                expect=lambda i: f.cost_gradient(i["y"], i["logits"]).astype(np.float32),
                mistakes=GRADIENT_MISTAKES,
            ),
            make_inputs=labels_and_logits(7, 3),
            probe=grad_probe,
            rule="Return $dJ/dZ$ for a batch of logits, shape `(m, C)`",
        ),
        from_scratch("softmax_grad", rule="No automatic differentiation"),
    ),
    "test_softmax_classifier": (
        Check(
            "Dense(num_classes) then the lab's Softmax",
            "softmax_classifier",
            structure_ok,
            make_inputs=classifier_dims(64, 10),
            probe=structure_probe,
            rule="one `Dense(num_classes)` (no activation: it outputs logits), then **your** `Softmax` layer",
        ),
        Check(
            "outputs softmax(x W + b)",
            "softmax_classifier",
            predicts_softmax_of_dense,
            make_inputs=classifier_dims(5, 3),
            probe=prediction_probe,
            points=2.0,
            rule="one `Dense(num_classes)` (no activation: it outputs logits)",
        ),
        Check(
            f"reaches test accuracy >= {ACCURACY_THRESHOLD} on the digits",
            "softmax_classifier",
            accurate_enough,
            make_inputs=digits_inputs,
            probe=training_probe,
            rule="it must reach a test accuracy of at least **0.90** on the digits",
        ),
        integration_check(
            "softmax_classifier",
            "build_softmax_classifier",
            structure_probe,
            ("Softmax",),
            classifier_dims(64, 10),
            rule="then **your** `Softmax` layer",
        ),
        from_scratch(
            "softmax_classifier", rule='`keras.layers.Softmax` and `activation="softmax"` do not count as your layer'
        ),
    ),
    "test_q_hardmax": (form_check("q_hardmax", "hardmax_of_z", Numbers(4), rule="Answer with four numbers."),),
    "test_q_two_classes": (
        form_check("q_two_classes", "y_hat_1", Numbers(1), rule="Answer with one number (three decimals are enough)."),
    ),
    "test_q_loss": (
        form_check(
            "q_loss",
            "loss_value",
            Numbers(1),
            rule="Answer with one number (natural logarithm; three decimals are enough).",
        ),
    ),
    "test_q_dz": (form_check("q_dz", "dz_one_example", Numbers(3), rule="Answer with three numbers."),),
}
