"""The public checks of the softmax_regression lab, one list per test cell.

Each probe here is also what the hidden checks (in the course's solutions
folder) run on fresh inputs against the reference solution.
"""

from __future__ import annotations

import os
import tempfile
from typing import Any

import numpy as np

from autograder.model.checks import BUILTIN, Check, Evidence, Mistake, Verdict, failed, passed
from autograder.toolkit.judges import close, trained_accuracy, with_hint
from autograder.toolkit.compare import Tolerance, compare, to_numpy
from autograder.toolkit.from_scratch import from_scratch_check
from autograder.toolkit.questions import Choice, Numbers, form_check
from autograder.toolkit.stand_ins import integration_check
from autograder.toolkit.probes import calls, compile_for_fit, raised
from autograder.labs.softmax_regression import formulas as f
from autograder.labs.softmax_regression.answers import ANSWERS
from autograder.toolkit.layer_contract import (
    config_observations,
    config_round_trips,
    rebuilt_from_config,
    reload_problem,
    saved_and_reloaded,
)

ACCURACY_THRESHOLD = 0.90
TRAINING_EPOCHS = 30
LEARNING_RATE = 0.01


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


# ---------------------------------------------------------------- one_hot


def labels_and_classes(m: int, num_classes: int, dtype: str = "int64"):
    def make(rng: np.random.Generator) -> dict[str, Any]:
        labels = rng.integers(0, num_classes, size=m).astype(dtype)
        labels[: min(m, num_classes)] = np.arange(min(m, num_classes))  # every class appears when m allows
        return {"labels": rng.permutation(labels), "num_classes": num_classes}

    return make


def one_hot_dtype_and_shape(evidence: Evidence) -> Verdict:
    out = to_numpy(evidence.observed["out"])
    m, c = len(evidence.inputs["labels"]), evidence.inputs["num_classes"]
    if out.shape != (m, c):
        return failed(f"for {m} labels and {c} classes expected shape ({m}, {c}), got {out.shape}")
    if out.dtype != np.float32:
        return failed(f"expected dtype float32 (what Keras losses and layers use), got {out.dtype}")
    return passed(f"a float32 array of shape ({m}, {c})")


def probe_bad_labels(answers: Any, inputs: dict[str, Any]) -> dict[str, Any]:
    c = inputs["num_classes"]
    return {
        "negative": raised(lambda: answers.one_hot(np.array([0, -1, 2]), c)),
        "too_large": raised(lambda: answers.one_hot(np.array([0, c, 1]), c)),
    }


def bad_labels_rejected(evidence: Evidence) -> Verdict:
    c = evidence.inputs["num_classes"]
    problems = []
    for key, example in (("negative", "-1"), ("too_large", f"{c} (= num_classes)")):
        got = evidence.observed[key]
        if got != "ValueError":
            did = f"raised {got}" if got else "returned without an error"
            problems.append(f"a label of {example} {did}")
    if not problems:
        return passed("labels outside [0, num_classes) raise ValueError")
    hint = " (NumPy wraps a negative index around to the last class)" if "-1 returned" in " ".join(problems) else ""
    return failed(f"expected ValueError for labels outside [0, num_classes): {'; '.join(problems)}{hint}")


# ---------------------------------------------------------------- softmax


def logits(*shape: int, scale: float = 3.0, dtype: str = "float32", key: str = "z"):
    return lambda rng: {key: (rng.normal(size=shape) * scale).astype(dtype)}


SOFTMAX_MISTAKES = (
    Mistake(
        "the softmax is taken over the batch axis (axis 0); take it over the last axis (classes)",
        lambda i: f.softmax(i["z"], axis=0),
    ),
    Mistake("exp(z) is returned without dividing by the sum over the classes", lambda i: np.exp(i["z"])),
    Mistake(
        "exp(z - max) is returned without dividing by the sum over the classes",
        lambda i: np.exp(i["z"] - i["z"].max(-1, keepdims=True)),
    ),
    Mistake(
        "z is divided by its sum instead of exp(z) by the sum of exp(z)",
        lambda i: i["z"] / i["z"].sum(-1, keepdims=True),
    ),
    Mistake(
        "the max is subtracted but the exponent is missing",
        lambda i: (
            (i["z"] - i["z"].max(-1, keepdims=True)) / (i["z"] - i["z"].max(-1, keepdims=True)).sum(-1, keepdims=True)
        ),
    ),
)


def rows_sum_to_one(evidence: Evidence) -> Verdict:
    out = to_numpy(evidence.observed["out"])
    z = evidence.inputs["z"]
    if out.shape != z.shape:
        return failed(f"softmax must keep the shape of z: expected {z.shape}, got {out.shape}")
    sums = compare(out.sum(axis=-1), np.ones(z.shape[:-1], np.float32), tolerance=Tolerance(1e-5, 1e-6))
    if sums.ok:
        return passed(f"each of the {z.shape[0]} rows sums to 1 over its {z.shape[-1]} classes")
    columns = np.allclose(out.sum(axis=0), 1.0, atol=1e-5)
    hint = "the softmax is taken over axis 0 (the examples); use the last axis (the classes)" if columns else ""
    return failed(with_hint(f"rows of softmax(z) do not sum to 1: {sums.problem}", hint))


# float32 resolves numbers near 1000 only to 6.1e-5, so a correct softmax computed
# through z - logsumexp(z) is exact only to about that relative error on these rows.
EXTREME_TOLERANCE = Tolerance(rtol=2e-4, atol=1e-6)
EXTREME_LOGITS = np.array([[1000.0, 0.0, -1000.0], [-1000.0, -1000.0, 1000.0], [1000.0, 1000.0, 0.0]], np.float32)


def shift_probe(answers: Any, inputs: dict[str, Any]) -> dict[str, Any]:
    z = inputs["z"]
    return {"out": answers.softmax(z), "shifted": answers.softmax(z + inputs["shift"])}


def shift_invariant(evidence: Evidence) -> Verdict:
    outcome = compare(evidence.observed["shifted"], to_numpy(evidence.observed["out"]), hidden=evidence.hidden)
    if outcome.ok:
        return passed("softmax(z + c) equals softmax(z) for a constant c per row")
    return failed(f"softmax(z + c) should equal softmax(z) when each row gets its own constant c: {outcome.problem}")


# ---------------------------------------------------------------- Softmax layer


def layer_probe(answers: Any, inputs: dict[str, Any]) -> dict[str, Any]:
    return {"out": answers.Softmax()(inputs["x"])}


def symbolic_probe(answers: Any, inputs: dict[str, Any]) -> dict[str, Any]:
    """softmax as a Keras layer's call would use it: on a symbolic input while the model is built, then
    compiled by predict()."""
    import keras

    softmax = answers.softmax

    class Apply(keras.layers.Layer):
        def call(self, x):
            return softmax(x)

    x = keras.Input((inputs["z"].shape[-1],))
    return {"out": keras.Model(x, Apply()(x)).predict(inputs["z"], verbose=0)}


def _dense_softmax_model(answers: Any, inputs: dict[str, Any]):
    import keras

    w, b = inputs["kernel"], inputs["bias"]
    dense = keras.layers.Dense(w.shape[1])
    model = keras.Sequential([keras.Input((w.shape[0],)), dense, answers.Softmax()])
    dense.set_weights([w, b])
    return model


def dense_softmax_inputs(m: int, d: int, c: int):
    def make(rng: np.random.Generator) -> dict[str, Any]:
        return {
            "x": rng.normal(size=(m, d)).astype("float32"),
            "kernel": rng.normal(size=(d, c)).astype("float32"),
            "bias": rng.normal(size=(c,)).astype("float32"),
        }

    return make


def model_probe(answers: Any, inputs: dict[str, Any]) -> dict[str, Any]:
    # predict() runs the model as a compiled function, on symbolic tensors, as fit() does.
    return {"out": _dense_softmax_model(answers, inputs).predict(inputs["x"], verbose=0)}


def saved_model_probe(answers: Any, inputs: dict[str, Any]) -> dict[str, Any]:
    model = _dense_softmax_model(answers, inputs)
    loaded = saved_and_reloaded(model, {"Softmax": answers.Softmax})
    return {"out": model(inputs["x"]), "reloaded": loaded(inputs["x"])}


def reloaded_predicts_the_same(evidence: Evidence) -> Verdict:
    problem = reload_problem(evidence)
    if problem:
        return failed(problem)
    return close("out", what="the same model with keras.layers.Softmax")(evidence)


def config_probe(answers: Any, inputs: dict[str, Any]) -> dict[str, Any]:
    layer = answers.Softmax(name="class_probabilities")
    clone, config = rebuilt_from_config(layer)
    return config_observations(layer, clone, config, inputs["x"])


config_judge = config_round_trips("class_probabilities")


# ---------------------------------------------------------------- categorical_crossentropy


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


# ---------------------------------------------------------------- softmax_cross_entropy_grad


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


# ---------------------------------------------------------------- build_softmax_classifier


def classifier_dims(d: int, c: int, m: int = 6):
    return lambda rng: {"input_dim": d, "num_classes": c, "x": rng.normal(size=(m, d)).astype("float32")}


def _public_name(cls: type) -> str:
    """``keras.layers.Softmax`` for Keras's own layers (defined in ``keras.src.layers...``)."""
    if cls.__module__.startswith("keras.src.layers"):
        return f"keras.layers.{cls.__name__}"
    return f"{cls.__module__}.{cls.__name__}"


def structure_probe(answers: Any, inputs: dict[str, Any]) -> dict[str, Any]:
    import keras

    model = answers.build_softmax_classifier(inputs["input_dim"], inputs["num_classes"])
    if not isinstance(model, keras.Model):
        return {"is_model": False, "type": type(model).__name__}
    layers = [layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]
    dense = [layer for layer in layers if isinstance(layer, keras.layers.Dense)]
    return {
        "is_model": True,
        "type": type(model).__name__,
        "layers": [type(layer).__name__ for layer in layers],
        "last_is_lab_softmax": bool(layers) and isinstance(layers[-1], answers.Softmax),
        "last_layer": _public_name(type(layers[-1])) if layers else "",
        "dense_units": [int(layer.units) for layer in dense],
        "output_shape": tuple(model(inputs["x"]).shape),
        "compiled": bool(getattr(model, "compiled", False)),
    }


def structure_ok(evidence: Evidence) -> Verdict:
    o, c = evidence.observed, evidence.inputs["num_classes"]
    if not o["is_model"]:
        return failed(f"build_softmax_classifier must return a keras.Model, got {o['type']}")
    if o["dense_units"] != [c] or len(o["layers"]) != 2:
        return failed(
            f"expected exactly Dense({c}) then the lab's Softmax layer; the layers are {o['layers']} "
            f"with Dense units {o['dense_units']}"
        )
    if not o["last_is_lab_softmax"]:
        last = o["last_layer"]
        built_in = " (Keras's built-in)" if last.startswith("keras.") else ""
        return failed(f"the last layer is {last}{built_in}, not the lab's own Softmax class")
    if o["output_shape"] != (len(evidence.inputs["x"]), c):
        return failed(f"the model maps {len(evidence.inputs['x'])} examples to shape {o['output_shape']}")
    if o["compiled"]:
        return failed("return the model uncompiled: the training code compiles it with the loss it chooses")
    return passed(f"Dense({c}) then the lab's Softmax, uncompiled")


def prediction_probe(answers: Any, inputs: dict[str, Any]) -> dict[str, Any]:
    import keras

    model = answers.build_softmax_classifier(inputs["input_dim"], inputs["num_classes"])
    dense = next(layer for layer in model.layers if isinstance(layer, keras.layers.Dense))
    return {"out": model(inputs["x"], training=False), "kernel": dense.kernel, "bias": dense.bias}


def predicts_softmax_of_dense(evidence: Evidence) -> Verdict:
    o, x = evidence.observed, evidence.inputs["x"]
    expected = f.softmax(x.astype(np.float64) @ to_numpy(o["kernel"]) + to_numpy(o["bias"])).astype(np.float32)
    outcome = compare(o["out"], expected, tolerance=Tolerance(1e-5, 1e-6), hidden=evidence.hidden)
    if outcome.ok:
        return passed("outputs softmax(x W + b) of its Dense layer")
    twice = f.softmax(f.softmax(x.astype(np.float64) @ to_numpy(o["kernel"]) + to_numpy(o["bias"])))
    hint = ""
    if compare(o["out"], twice.astype(np.float32), tolerance=Tolerance(1e-5, 1e-6)).ok:
        hint = "softmax is applied twice: the Dense layer must output logits (no activation)"
    return failed(with_hint(f"the model's output is not softmax(x W + b) of its Dense layer: {outcome.problem}", hint))


def digits_inputs(rng: np.random.Generator) -> dict[str, Any]:
    from autograder.toolkit.datasets import flat_digits

    data = flat_digits()
    return {**data, "y_train": np.eye(10, dtype=np.float32)[data["y_train"]]}


def training_probe(answers: Any, inputs: dict[str, Any]) -> dict[str, Any]:
    import keras

    model = answers.build_softmax_classifier(64, 10)
    compile_for_fit(model, keras.optimizers.Adam(LEARNING_RATE), answers.categorical_crossentropy)
    history = model.fit(inputs["x_train"], inputs["y_train"], epochs=TRAINING_EPOCHS, batch_size=64, verbose=0)
    return {"out": model(inputs["x_test"], training=False), "loss": np.asarray(history.history["loss"], np.float64)}


accurate_enough = trained_accuracy(
    ACCURACY_THRESHOLD,
    f"{TRAINING_EPOCHS} epochs of Adam({LEARNING_RATE}) with your categorical_crossentropy",
    nan_hint=" (is log(0) clipped?)",
)


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
    "test_q_hardmax": (form_check("q_hardmax", "hardmax_of_z", Numbers(4), rule='Answer with four numbers.'),),
    "test_q_two_classes": (form_check("q_two_classes", "y_hat_1", Numbers(1), rule='Answer with one number (three decimals are enough).'),),
    "test_q_loss": (form_check("q_loss", "loss_value", Numbers(1), rule='Answer with one number (natural logarithm; three decimals are enough).'),),
    "test_q_dz": (form_check("q_dz", "dz_one_example", Numbers(3), rule='Answer with three numbers.'),),
}
