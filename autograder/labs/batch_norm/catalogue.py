"""The public checks of the batch_norm lab, one tuple per test cell: which inputs, which probe, which judge,
how many points and the sentence of the lab that states the rule. The probes and judges are in the
modules of each exercise (forward, layer, layer_keras, network), the inputs in ``inputs``."""

from __future__ import annotations

from autograder.labs.batch_norm.answers import ANSWERS
from autograder.labs.batch_norm.forward import forward_invariants, forward_matches, forward_probe, numpy_forward
from autograder.labs.batch_norm.inputs import (
    digits_inputs,
    fit_inputs,
    forward_inputs,
    invariant_inputs,
    layer_inputs,
    model_inputs,
    normal_data,
    with_upstream,
)
from autograder.labs.batch_norm.layer import (
    fresh_inference_judge,
    fresh_inference_probe,
    gradient_judge,
    gradient_probe,
    inference_judge,
    inference_probe,
    invariants_judge,
    invariants_probe,
    model_built_probe,
    momentum_sweep_judge,
    momentum_sweep_probe,
    one_training_call_probe,
    training_matches,
    training_probe,
    weights_as_specified,
    weights_probe,
)
from autograder.labs.batch_norm.layer_keras import (
    config_judge,
    config_probe,
    fit_judge,
    fit_probe,
    mixed_precision_judge,
    mixed_precision_probe,
    saved_model_judge,
    saved_model_probe,
)
from autograder.labs.batch_norm.network import (
    ACCURACY_THRESHOLD,
    model_judge,
    model_probe,
    model_training_judge,
    model_training_probe,
)
from autograder.model.checks import BUILTIN, Check
from autograder.toolkit.from_scratch import from_scratch_check
from autograder.toolkit.questions import Choice, Numbers, form_check
from autograder.toolkit.stand_ins import integration_check

# The core numeric check of each answer: "implemented from scratch" scores only once it passes.
CORE_CHECK = {
    "batch_norm_forward": "z_tilde, mean and variance by the formulas",
    "batch_norm_layer": "training step matches keras.layers.BatchNormalization",
    "build_model": "Dense(use_bias=False), the lab's BatchNormalization, ReLU; softmax out",
}


def from_scratch(grade_id: str, rule: str) -> Check:
    return from_scratch_check(ANSWERS, grade_id, CORE_CHECK[grade_id], rule)


CHECKS: dict[str, tuple[Check, ...]] = {
    "test_batch_norm_forward": (
        Check(
            "z_tilde, mean and variance by the formulas",
            "batch_norm_forward",
            forward_matches("the formulas of the notes", expect=numpy_forward),
            make_inputs=forward_inputs(6, 4),
            probe=forward_probe,
            points=3.0,
            rule="Note the **biased** variance: divide by $m$, not $m - 1$.",
        ),
        Check(
            "matches keras.ops.moments + keras.ops.batch_normalization",
            "batch_norm_forward",
            forward_matches("keras.ops.batch_normalization"),
            make_inputs=forward_inputs(8, 3),
            probe=forward_probe,
            oracle=BUILTIN,
            rule="The result must agree with `keras.ops.moments` followed by `keras.ops.batch_normalization`",
        ),
        Check(
            "4-D inputs: statistics over every axis but the last",
            "batch_norm_forward",
            forward_invariants,
            make_inputs=forward_inputs(4, 3, 3, 2),
            probe=forward_probe,
            rule="for images `(m, height, width, channels)`: over examples and pixels, one mean per channel",
        ),
        Check(
            "a feature with a tiny spread (epsilon inside the square root)",
            "batch_norm_forward",
            forward_matches("the formulas of the notes", expect=numpy_forward),
            # Centred at 0: with a mean of 5, z - mean would cancel away float32 digits that the
            # check is not about; sqrt(1e-4 + eps) vs sqrt(1e-4) + eps still differ threefold.
            make_inputs=forward_inputs(16, 3, scale=0.01, loc=0.0),
            probe=forward_probe,
            points=2.0,
            rule="$\\epsilon$ **inside** the square root",
        ),
        Check(
            "a batch of one example",
            "batch_norm_forward",
            forward_matches("the formulas of the notes (z_tilde = beta, variance 0)", expect=numpy_forward),
            make_inputs=forward_inputs(1, 5),
            probe=forward_probe,
            rule="a batch of one example must work too (its variance is 0, so $\\tilde z = \\beta$)",
        ),
        from_scratch(
            "batch_norm_forward",
            rule="`ops.batch_normalization` is what you are building, so it is not "
            "(nor any other built-in batch or layer normalisation)",
        ),
    ),
    "test_batch_norm_layer": (
        Check(
            "weights: order, shapes, trainability, initial values",
            "batch_norm_layer",
            weights_as_specified,
            make_inputs=lambda rng: {"channels": 3},
            probe=weights_probe,
            rule="create, with `self.add_weight`, in this order, each of shape `(C,)`",
        ),
        Check(
            "a fresh layer at inference returns x / sqrt(1 + epsilon)",
            "batch_norm_layer",
            fresh_inference_judge,
            make_inputs=normal_data(5, 3),
            probe=fresh_inference_probe,
            rule="a fresh layer (moving mean 0, moving variance 1) at test time returns $x / \\sqrt{1 + \\epsilon}$",
        ),
        Check(
            "training step matches keras.layers.BatchNormalization",
            "batch_norm_layer",
            training_matches("keras.layers.BatchNormalization"),
            make_inputs=layer_inputs(8, 4),
            probe=training_probe,
            oracle=BUILTIN,
            points=3.0,
            rule="normalise with the batch statistics (your `batch_norm_forward`) and update both moving statistics",
        ),
        Check(
            "moving statistics over 3 steps at momentum 0.99, 0.5 and 0",
            "batch_norm_layer",
            momentum_sweep_judge,
            make_inputs=lambda rng: {**layer_inputs(6, 3, steps=3)(rng), "momenta": (0.99, 0.5, 0.0)},
            probe=momentum_sweep_probe,
            oracle=BUILTIN,
            points=3.0,
            rule="`moving = momentum * moving + (1 - momentum) * batch`, for any momentum from 0 to 1",
        ),
        Check(
            "inference uses the moving statistics and updates nothing",
            "batch_norm_layer",
            inference_judge,
            make_inputs=layer_inputs(6, 3),
            probe=inference_probe,
            points=3.0,
            rule="Otherwise normalise with the moving statistics and change nothing.",
        ),
        Check(
            "trainable=False behaves as at inference",
            "batch_norm_layer",
            inference_judge,
            make_inputs=lambda rng: {**layer_inputs(6, 3)(rng), "frozen": True},
            probe=inference_probe,
            rule="a frozen layer behaves as at test time",
        ),
        Check(
            "per channel: output mean beta and std gamma (4-D, momentum 0)",
            "batch_norm_layer",
            invariants_judge,
            make_inputs=invariant_inputs(5, 3, 3, 2),
            probe=invariants_probe,
            points=2.0,
            rule="in training, each channel of the output has mean $\\beta$ and standard deviation $|\\gamma|$",
        ),
        Check(
            "4-D inputs match keras.layers.BatchNormalization",
            "batch_norm_layer",
            training_matches("keras.layers.BatchNormalization"),
            make_inputs=layer_inputs(4, 3, 3, 2, steps=2),
            probe=training_probe,
            oracle=BUILTIN,
            rule="inputs of any rank (statistics over every axis but the last)",
        ),
        Check(
            "a batch of one in training",
            "batch_norm_layer",
            training_matches("keras.layers.BatchNormalization"),
            make_inputs=layer_inputs(1, 4),
            probe=training_probe,
            oracle=BUILTIN,
            rule="a batch of one example in training",
        ),
        Check(
            "mixed_float16: float32 weights and computation, float16 output",
            "batch_norm_layer",
            mixed_precision_judge,
            make_inputs=layer_inputs(8, 3, loc=250.0),
            probe=mixed_precision_probe,
            oracle=BUILTIN,
            rule="your weights and computation stay float32 and the output is float16",
        ),
        Check(
            "gradients match keras.layers.BatchNormalization's (GradientTape)",
            "batch_norm_layer",
            gradient_judge,
            make_inputs=with_upstream(layer_inputs(6, 3)),
            probe=gradient_probe,
            oracle=BUILTIN,
            rule="`GradientTape` must give the same gradients as for `keras.layers.BatchNormalization`",
        ),
        Check(
            "get_config / from_config round-trip",
            "batch_norm_layer",
            config_judge,
            make_inputs=layer_inputs(4, 3),
            probe=config_probe,
            rule="`get_config`: add `momentum` and `epsilon` to the base config",
        ),
        Check(
            "a model saved as .keras and reloaded predicts the same",
            "batch_norm_layer",
            saved_model_judge,
            make_inputs=layer_inputs(5, 3),
            probe=saved_model_probe,
            oracle=BUILTIN,
            rule="a model with your layer, saved and loaded back, must predict the same",
        ),
        Check(
            "model.fit moves the moving statistics; predict and evaluate do not",
            "batch_norm_layer",
            fit_judge,
            make_inputs=fit_inputs,
            probe=fit_probe,
            points=2.0,
            rule="`model.fit` calls your layer with `training=True`, so it moves the moving statistics",
        ),
        integration_check(
            "batch_norm_layer",
            "BatchNormalization",
            one_training_call_probe,
            ("batch_norm_forward",),
            normal_data(6, 3),
            rule="(your `batch_norm_forward`)",
        ),
        from_scratch(
            "batch_norm_layer",
            rule="`keras.layers.BatchNormalization` and `ops.batch_normalization` may not do the work",
        ),
    ),
    "test_build_model": (
        Check(
            "Dense(use_bias=False), the lab's BatchNormalization, ReLU; softmax out",
            "build_model",
            model_judge,
            make_inputs=model_inputs(),
            probe=model_probe,
            points=2.0,
            rule="then (if `use_batch_norm`) **your** `BatchNormalization`, then a ReLU",
        ),
        Check(
            "use_batch_norm=False: Dense with bias, no BatchNormalization",
            "build_model",
            model_judge,
            make_inputs=model_inputs(use_batch_norm=False),
            probe=model_probe,
            rule="`Dense(units, use_bias=not use_batch_norm)`",
        ),
        Check(
            "hidden_units=(32, 16, 8) gives three hidden layers",
            "build_model",
            model_judge,
            make_inputs=model_inputs(hidden_units=(32, 16, 8), input_dim=7, num_classes=3),
            probe=model_probe,
            rule="for each entry of `hidden_units`",
        ),
        Check(
            f"learns the digits: test accuracy >= {ACCURACY_THRESHOLD}",
            "build_model",
            model_training_judge,
            make_inputs=digits_inputs,
            probe=model_training_probe,
            rule="a test accuracy of at least 0.90 after 5 epochs of Adam(1e-3)",
        ),
        integration_check(
            "build_model",
            "build_model",
            model_built_probe,
            ("BatchNormalization",),
            model_inputs(hidden_units=(8,)),
            rule="**your** `BatchNormalization`",
        ),
        from_scratch("build_model", rule="`keras.layers.BatchNormalization` does not count as your layer"),
    ),
    "test_q_constant_unit": (
        form_check("q_constant_unit", "constant_unit_output", Numbers(1), rule="Answer with one number."),
    ),
    "test_q_bias": (
        form_check("q_bias", "why_no_bias", Choice(("a", "b", "c", "d")), rule="Answer with a letter, as a string."),
    ),
    "test_q_momentum_window": (
        form_check("q_momentum_window", "batches_averaged", Numbers(1), rule="Answer with one number."),
    ),
    "test_q_predict": (
        form_check("q_predict", "predict_does", Choice(("a", "b", "c")), rule="Answer with a letter, as a string."),
    ),
}
