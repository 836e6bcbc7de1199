"""The probes and judges of ``build_model``: the layers in order, and a model that learns the digits."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np

from autograder.model.checks import Evidence, Verdict, failed, passed
from autograder.model.errors import ContractError
from autograder.toolkit.compare import Tolerance, compare, to_numpy
from autograder.toolkit.judges import trained_accuracy
from autograder.toolkit.probes import compile_for_fit

ACCURACY_THRESHOLD = 0.90


TRAINING_EPOCHS = 5


def _describe(layer: Any, lab_bn: type) -> dict[str, Any]:
    import keras

    kind = type(layer).__name__
    if isinstance(layer, lab_bn):
        kind = "lab BatchNormalization"
    elif isinstance(layer, keras.layers.BatchNormalization):
        kind = "keras.layers.BatchNormalization"
    activation = getattr(layer, "activation", None)
    return {
        "kind": kind,
        "units": int(getattr(layer, "units", 0) or 0),
        "use_bias": bool(getattr(layer, "use_bias", False)),
        "activation": getattr(activation, "__name__", str(activation)) if activation is not None else "",
    }


def model_probe(answers: Any, inputs: dict[str, Any]) -> dict[str, Any]:
    import keras

    model = answers.build_model(
        inputs["input_dim"],
        inputs["num_classes"],
        hidden_units=inputs["hidden_units"],
        use_batch_norm=inputs["use_batch_norm"],
    )
    if not isinstance(model, keras.Model):
        raise ContractError(f"build_model must return a keras.Model, not {type(model).__name__}")
    layers = [layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]
    described = [_describe(layer, answers.BatchNormalization) for layer in layers]
    return {
        "kinds": [d["kind"] for d in described],
        "units": [d["units"] for d in described],
        "use_bias": [d["use_bias"] for d in described],
        "activations": [d["activation"] for d in described],
        "out": model(inputs["x"], training=False),
    }


def _is_relu(kind: str, activation: str) -> bool:
    return kind == "ReLU" or (kind == "Activation" and activation == "relu")


def model_judge(evidence: Evidence) -> Verdict:
    i, o = evidence.inputs, evidence.observed
    kinds = o["kinds"]
    dense = [n for n, kind in enumerate(kinds) if kind == "Dense"]
    hidden, bn = i["hidden_units"], i["use_batch_norm"]
    summary = ", ".join(kinds)
    if [o["units"][n] for n in dense] != [*hidden, i["num_classes"]]:
        return failed(
            f"expected Dense layers of {[*hidden, i['num_classes']]} units; the model has {summary} "
            f"with units {[o['units'][n] for n in dense]}"
        )
    n_lab_bn = kinds.count("lab BatchNormalization")
    if "keras.layers.BatchNormalization" in kinds:
        return failed("the model uses keras.layers.BatchNormalization: use the lab's own BatchNormalization class")
    if n_lab_bn != (len(hidden) if bn else 0):
        return failed(
            f"with use_batch_norm={bn} expected {len(hidden) if bn else 0} of the lab's "
            f"BatchNormalization layers; the model has {n_lab_bn} ({summary})"
        )
    expected_block = ["lab BatchNormalization", "ReLU"] if bn else ["ReLU"]
    for number, (n, following) in enumerate(itertools.pairwise(dense), start=1):
        block = [
            "ReLU" if _is_relu(kind, o["activations"][k]) else kind
            for k, kind in enumerate(kinds[n + 1 : following], start=n + 1)
        ]
        if not bn and not block and o["activations"][n] == "relu":
            block = ["ReLU"]  # Dense(units, activation="relu"): without Batch Norm, the same two steps in one layer
        if block != expected_block:
            return failed(
                f"hidden layer {number} goes Dense, {', '.join(block) or '(nothing)'}: expected Dense, "
                f"{', '.join(expected_block)}" + (" (Batch Norm normalises z, before the activation)" if bn else "")
            )
    for n in dense[:-1]:
        if o["use_bias"][n] == bn:
            why = (
                "the bias b is redundant before Batch Norm (beta replaces it): use_bias=False"
                if bn
                else "without Batch Norm the hidden Dense layers need their bias: use_bias=True"
            )
            return failed(f"hidden Dense layer {dense.index(n) + 1} has use_bias={o['use_bias'][n]}: {why}")
        if o["activations"][n] not in (("linear", "") if bn else ("linear", "", "relu")):
            return failed(
                f"hidden Dense layer {dense.index(n) + 1} has activation {o['activations'][n]!r}: "
                "Batch Norm normalises z, before the activation (Dense, then BN, then ReLU)"
            )
    out = to_numpy(o["out"]).astype(np.float64)
    if out.shape != (len(i["x"]), i["num_classes"]):
        return failed(f"the model maps {len(i['x'])} examples to shape {out.shape}")
    sums = compare(out.sum(axis=-1), np.ones(len(out), np.float32), tolerance=Tolerance(1e-5, 1e-5))
    if not sums.ok or out.min() < 0:
        return failed("the outputs are not probabilities (rows must sum to 1): end with Dense(num_classes) and softmax")
    return passed(f"{summary}")


def model_training_probe(answers: Any, inputs: dict[str, Any]) -> dict[str, Any]:
    import keras

    model = answers.build_model(64, 10)
    compile_for_fit(model, keras.optimizers.Adam(1e-3), "sparse_categorical_crossentropy")
    history = model.fit(inputs["x_train"], inputs["y_train"], epochs=TRAINING_EPOCHS, batch_size=32, verbose=0)
    return {"out": model(inputs["x_test"], training=False), "loss": np.asarray(history.history["loss"])}


model_training_judge = trained_accuracy(ACCURACY_THRESHOLD, f"{TRAINING_EPOCHS} epochs of Adam(1e-3)")
