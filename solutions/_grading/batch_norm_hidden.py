"""Hidden checks of the batch_norm lab (instructors only: never released).

Fresh inputs from the course's hidden seed, compared with the reference
solution in ``solutions/batch_norm/``, and edge cases the public checks leave
out: float16 inputs to the forward pass, 3-D inputs, long runs of updates, a
momentum of 0.9, a single channel.
"""

from autograder.labs.batch_norm import forward, inputs, layer, network
from autograder.model.checks import REFERENCE, Check
from autograder.toolkit.questions import Choice, ChoiceKey, Numbers, NumbersKey, key_check

REF = "the reference solution"


def forward_reference_judge(evidence):
    return forward.forward_matches(REF)(evidence)


CHECKS = {
    "hidden_batch_norm_forward": (
        Check(
            "matches the reference on fresh data",
            "batch_norm_forward",
            forward_reference_judge,
            make_inputs=inputs.forward_inputs(12, 7),
            probe=forward.forward_probe,
            oracle=REFERENCE,
            rule="Return the tuple `(z_tilde, mean, variance)`",
        ),
        Check(
            "3-D inputs, as the reference",
            "batch_norm_forward",
            forward_reference_judge,
            make_inputs=inputs.forward_inputs(3, 5, 4),
            probe=forward.forward_probe,
            oracle=REFERENCE,
            rule="Normalise `z` over **every axis but the last**",
        ),
        Check(
            "one channel",
            "batch_norm_forward",
            forward_reference_judge,
            make_inputs=inputs.forward_inputs(9, 1),
            probe=forward.forward_probe,
            oracle=REFERENCE,
            rule="`mean` and `variance` of shape `(channels,)`",
        ),
        Check(
            "a feature with a tiny spread, as the reference",
            "batch_norm_forward",
            forward_reference_judge,
            make_inputs=inputs.forward_inputs(16, 3, scale=0.01, loc=0.0),
            probe=forward.forward_probe,
            oracle=REFERENCE,
            rule="$\\epsilon$ **inside** the square root",
        ),
    ),
    "hidden_batch_norm_layer": (
        Check(
            "training matches the reference over 5 steps at momentum 0.9",
            "batch_norm_layer",
            layer.training_matches(REF),
            make_inputs=inputs.layer_inputs(10, 5, momentum=0.9, steps=5),
            probe=layer.training_probe,
            oracle=REFERENCE,
            rule="`moving = momentum * moving + (1 - momentum) * batch`, for any momentum from 0 to 1",
        ),
        Check(
            "3-D inputs over 2 steps, as the reference",
            "batch_norm_layer",
            layer.training_matches(REF),
            make_inputs=inputs.layer_inputs(3, 4, 6, momentum=0.7, steps=2),
            probe=layer.training_probe,
            oracle=REFERENCE,
            rule="inputs of any rank (statistics over every axis but the last)",
        ),
        Check(
            "inference on fresh data updates nothing",
            "batch_norm_layer",
            layer.inference_judge,
            make_inputs=inputs.layer_inputs(9, 5),
            probe=layer.inference_probe,
            rule="Otherwise normalise with the moving statistics and change nothing.",
        ),
        Check(
            "a batch of one, as the reference",
            "batch_norm_layer",
            layer.training_matches(REF),
            make_inputs=inputs.layer_inputs(1, 6, momentum=0.5, steps=2),
            probe=layer.training_probe,
            oracle=REFERENCE,
            rule="a batch of one example in training",
        ),
        Check(
            "gradients, as the reference",
            "batch_norm_layer",
            layer.gradient_judge,
            make_inputs=inputs.with_upstream(inputs.layer_inputs(7, 4)),
            probe=layer.gradient_probe,
            oracle=REFERENCE,
            rule="`GradientTape` must give the same gradients as for `keras.layers.BatchNormalization`",
        ),
    ),
    "hidden_build_model": (
        Check(
            "other sizes, with Batch Norm",
            "build_model",
            network.model_judge,
            make_inputs=inputs.model_inputs(hidden_units=(20, 10), input_dim=9, num_classes=4),
            probe=network.model_probe,
            rule="for each entry of `hidden_units`",
        ),
        Check(
            "other sizes, without Batch Norm",
            "build_model",
            network.model_judge,
            make_inputs=inputs.model_inputs(hidden_units=(12,), use_batch_norm=False, input_dim=5, num_classes=3),
            probe=network.model_probe,
            rule="`Dense(units, use_bias=not use_batch_norm)`",
        ),
    ),
    "hidden_q_constant_unit": (
        key_check(
            "q_constant_unit",
            "constant_unit_output",
            NumbersKey(
                "constant_unit_output",
                Numbers(1),
                (0.5,),
                0.001,
                {
                    (7.0,): "the batch's mean is 7 too, so z - mean is 0: normalising removes the value",
                    (2.5,): "gamma multiplies z_norm, which is 0 here: only beta is left",
                    (2.0,): "gamma multiplies z_norm, which is 0 here: only beta is left",
                },
            ),
            2.0,
            rule="What does the layer output for that unit?",
        ),
    ),
    "hidden_q_bias": (
        key_check(
            "q_bias",
            "why_no_bias",
            ChoiceKey(
                "why_no_bias",
                Choice(("a", "b", "c", "d")),
                "a",
                {
                    "b": "gamma scales the normalised z; shifting it by a constant is another parameter's job",
                    "c": "biases are learned like weights and move away from 0 as the network trains",
                    "d": "without Batch Norm a ReLU network does need its biases (build_model keeps them then)",
                },
            ),
            2.0,
            rule="Why can a `Dense` layer followed by Batch Norm drop its bias $b$?",
        ),
    ),
    "hidden_q_momentum_window": (
        key_check(
            "q_momentum_window",
            "batches_averaged",
            NumbersKey(
                "batches_averaged",
                Numbers(1),
                (1000.0,),
                0.05,
                {
                    (100.0,): "that is the window of momentum 0.99",
                    (0.001,): "1 - momentum is the weight of the newest batch; the window is about its inverse",
                },
            ),
            2.0,
            rule="About how many recent batches do the moving statistics of a layer with `momentum=0.999` "
            "average over?",
        ),
    ),
    "hidden_q_predict": (
        key_check(
            "q_predict",
            "predict_does",
            ChoiceKey(
                "predict_does",
                Choice(("a", "b", "c")),
                "b",
                {
                    "a": "that is what training does: predict calls each layer with training=False",
                    "c": "nothing resets them: they are what the layer remembers of the training data",
                },
            ),
            2.0,
            rule="What does `model.predict` do to the moving statistics of the model's Batch Norm layers?",
        ),
    ),
}
