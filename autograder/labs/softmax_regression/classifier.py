"""The probes and judges of ``build_softmax_classifier``: its structure, its predictions, and a model that
learns the digits."""

from __future__ import annotations

from typing import Any

import numpy as np

from autograder.labs.softmax_regression import formulas as f
from autograder.model.checks import Evidence, Verdict, failed, passed
from autograder.toolkit.compare import Tolerance, compare, to_numpy
from autograder.toolkit.judges import trained_accuracy, with_hint
from autograder.toolkit.probes import compile_for_fit

ACCURACY_THRESHOLD = 0.90


TRAINING_EPOCHS = 30


LEARNING_RATE = 0.01


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
