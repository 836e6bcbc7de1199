"""The graded answers of the softmax_regression lab (docs/design.md section 3), and
what each must not delegate to: the one place where those lists are written."""

from __future__ import annotations

from autograder.model.checks import AnswerSpec

_SOFTMAX_BUILTINS = (
    "keras.*softmax",
    "keras.*Softmax",
    "tensorflow.*softmax",
    "jax.*softmax",
    "torch.*softmax",
    "scipy.special.softmax",
)
_LOSS_BUILTINS = (
    "keras.losses.*",
    "keras.*crossentropy",
    "keras.*Crossentropy",
    "tensorflow.*cross_entropy*",
    "tensorflow.*crossentropy*",
    "optax.*",
    "torch.*cross_entropy*",
    "sklearn.metrics.log_loss",
)
_AUTODIFF = (
    "tensorflow.GradientTape",
    "tensorflow.gradients",
    "jax.grad",
    "jax.vjp",
    "jax.value_and_grad",
    "torch.autograd*",
)

ANSWERS = (
    AnswerSpec(
        "one_hot",
        ("one_hot",),
        (
            "keras.*one_hot",
            "keras.utils.to_categorical",
            "tensorflow.one_hot",
            "jax.nn.one_hot",
            "torch.*one_hot",
            "sklearn.*",
        ),
    ),
    # keras.ops.logsumexp is allowed: the log-sum-exp form is a correct softmax.
    AnswerSpec("softmax", ("softmax",), _SOFTMAX_BUILTINS),
    AnswerSpec("q_hardmax", ("hardmax_of_z",), question=True),
    AnswerSpec("q_two_classes", ("y_hat_1",), question=True),
    AnswerSpec("softmax_layer", ("Softmax",), _SOFTMAX_BUILTINS),
    AnswerSpec("categorical_crossentropy", ("categorical_crossentropy",), _LOSS_BUILTINS),
    AnswerSpec("q_loss", ("loss_value",), question=True),
    AnswerSpec("softmax_grad", ("softmax_cross_entropy_grad",), _LOSS_BUILTINS + _AUTODIFF),
    AnswerSpec("q_dz", ("dz_one_example",), question=True),
    AnswerSpec(
        "softmax_classifier", ("build_softmax_classifier",), ("keras.layers.Softmax", "keras.activations.softmax")
    ),
)
