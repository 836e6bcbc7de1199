"""Hidden checks of the batch_norm lab (instructors only: never released).

Fresh inputs from the course's hidden seed, compared with the reference
solution in ``solutions/batch_norm/``, and edge cases the public checks leave
out: float16 inputs to the forward pass, 3-D inputs, long runs of updates, a
momentum of 0.9, a single channel.
"""

from autograder.checks import REFERENCE, Check
from autograder.labs.batch_norm import checks as public

REF = "the reference solution"


def forward_reference_judge(evidence):
    return public.forward_matches(REF)(evidence)


CHECKS = {
    "hidden_batch_norm_forward": (
        Check(
            "matches the reference on fresh data",
            "batch_norm_forward",
            forward_reference_judge,
            make_inputs=public.forward_inputs(12, 7),
            probe=public.forward_probe,
            oracle=REFERENCE,
            rule="Return the tuple `(z_tilde, mean, variance)`",
        ),
        Check(
            "3-D inputs, as the reference",
            "batch_norm_forward",
            forward_reference_judge,
            make_inputs=public.forward_inputs(3, 5, 4),
            probe=public.forward_probe,
            oracle=REFERENCE,
            rule="Normalise `z` over **every axis but the last**",
        ),
        Check(
            "one channel",
            "batch_norm_forward",
            forward_reference_judge,
            make_inputs=public.forward_inputs(9, 1),
            probe=public.forward_probe,
            oracle=REFERENCE,
            rule="`mean` and `variance` of shape `(channels,)`",
        ),
        Check(
            "a feature with a tiny spread, as the reference",
            "batch_norm_forward",
            forward_reference_judge,
            make_inputs=public.forward_inputs(16, 3, scale=0.01, loc=0.0),
            probe=public.forward_probe,
            oracle=REFERENCE,
            rule="$\\epsilon$ **inside** the square root",
        ),
    ),
    "hidden_batch_norm_layer": (
        Check(
            "training matches the reference over 5 steps at momentum 0.9",
            "batch_norm_layer",
            public.training_matches(REF),
            make_inputs=public.layer_inputs(10, 5, momentum=0.9, steps=5),
            probe=public.training_probe,
            oracle=REFERENCE,
            rule="`moving = momentum * moving + (1 - momentum) * batch`, for any momentum from 0 to 1",
        ),
        Check(
            "3-D inputs over 2 steps, as the reference",
            "batch_norm_layer",
            public.training_matches(REF),
            make_inputs=public.layer_inputs(3, 4, 6, momentum=0.7, steps=2),
            probe=public.training_probe,
            oracle=REFERENCE,
            rule="inputs of any rank (statistics over every axis but the last)",
        ),
        Check(
            "inference on fresh data updates nothing",
            "batch_norm_layer",
            public.inference_judge,
            make_inputs=public.layer_inputs(9, 5),
            probe=public.inference_probe,
            rule="Otherwise normalise with the moving statistics and change nothing.",
        ),
        Check(
            "a batch of one, as the reference",
            "batch_norm_layer",
            public.training_matches(REF),
            make_inputs=public.layer_inputs(1, 6, momentum=0.5, steps=2),
            probe=public.training_probe,
            oracle=REFERENCE,
            rule="a batch of one example in training",
        ),
        Check(
            "gradients, as the reference",
            "batch_norm_layer",
            public.gradient_judge,
            make_inputs=public.with_upstream(public.layer_inputs(7, 4)),
            probe=public.gradient_probe,
            oracle=REFERENCE,
            rule="`GradientTape` must give the same gradients as for `keras.layers.BatchNormalization`",
        ),
    ),
    "hidden_build_model": (
        Check(
            "other sizes, with Batch Norm",
            "build_model",
            public.model_judge,
            make_inputs=public.model_inputs(hidden_units=(20, 10), input_dim=9, num_classes=4),
            probe=public.model_probe,
            rule="for each entry of `hidden_units`",
        ),
        Check(
            "other sizes, without Batch Norm",
            "build_model",
            public.model_judge,
            make_inputs=public.model_inputs(hidden_units=(12,), use_batch_norm=False, input_dim=5, num_classes=3),
            probe=public.model_probe,
            rule="`Dense(units, use_bias=not use_batch_norm)`",
        ),
    ),
}
