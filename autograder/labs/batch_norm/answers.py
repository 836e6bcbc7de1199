"""The graded answers of the batch_norm lab (docs/design.md section 3), and what each
must not delegate to: the one place where those lists are written.

Computing the moments with ``keras.ops.moments`` or ``tf.nn.moments`` is
allowed (the exercise is the normalisation and the moving averages); the
built-in normalisation and the built-in layer are not.
"""

from __future__ import annotations

from autograder.model.checks import AnswerSpec

_BUILT_IN_NORMALISATION = (
    "keras.*batch_normalization",
    "keras.*BatchNormalization",
    "keras.*LayerNormalization",
    "keras.*layer_normalization",
    "tensorflow.*batch_normalization",
    "tensorflow.*fused_batch_norm",
    "tensorflow.*batch_norm_with_global_normalization",
    "jax.*batch_norm*",
    "flax.*",
    "torch.*batch_norm*",
    "torch.*BatchNorm*",
)

ANSWERS = (
    AnswerSpec("batch_norm_forward", ("batch_norm_forward",), _BUILT_IN_NORMALISATION),
    AnswerSpec("q_constant_unit", ("constant_unit_output",), question=True),
    AnswerSpec("q_bias", ("why_no_bias",), question=True),
    AnswerSpec("batch_norm_layer", ("BatchNormalization",), _BUILT_IN_NORMALISATION),
    AnswerSpec("q_momentum_window", ("batches_averaged",), question=True),
    AnswerSpec("q_predict", ("predict_does",), question=True),
    AnswerSpec("build_model", ("build_model",), ("keras.layers.BatchNormalization", "keras.*batch_normalization")),
)
