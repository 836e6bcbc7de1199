"""A catalogue of wrong and right answers to the batch_norm lab.

Each wrong answer must lose the points of the check that names its mistake, with
a message a student can act on (docs/keras_semantics.md section 6, mutants 7-19,
and section 7); each differently written right answer must get full points.
Only the test cells of the answer under test are graded (grading every cell
trains a network), so a wrong ``batch_norm_forward`` is not also charged to the
layer that calls it.

Wrong layers are the reference layer edited: its ``call`` replaced by ``CALL``
(the reference's own ``call`` is free to be rewritten for speed), then small
``str.replace`` edits, each of which must change the text, so that a drifting
reference cannot make an entry test the right answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from helpers import REPO, assert_catalogue_covers, assert_caught, cells_of, failures, grade, reference_sources

from autograder.engine.cells import cell_source, read_notebook
from autograder.engine.course import release_path

LAB = "batch_norm"

# The textbook call: batch statistics from the student's batch_norm_forward in training,
# gamma * (x - moving_mean) / sqrt(moving_variance + epsilon) + beta at inference.
CALL = """\
    def call(self, inputs, training=False):
        x = ops.cast(inputs, "float32")
        if training and self.trainable:
            z, mean, variance = batch_norm_forward(x, self.gamma, self.beta, self.epsilon)
            self.moving_mean.assign(self.momentum * self.moving_mean + (1.0 - self.momentum) * mean)
            self.moving_variance.assign(self.momentum * self.moving_variance + (1.0 - self.momentum) * variance)
        else:
            z = self.gamma * (x - self.moving_mean) / ops.sqrt(self.moving_variance + self.epsilon) + self.beta
        return ops.cast(z, self.compute_dtype)
"""

_METHOD = r"    def {name}\(self.*?(?=\n    def |\Z)"


def replace_method(source: str, name: str, code: str) -> str:
    """``source`` with its method ``name`` (up to the next method) replaced by ``code``."""
    pattern = re.compile(_METHOD.format(name=name), re.DOTALL)
    assert len(pattern.findall(source)) == 1, f"the reference layer has no single method {name!r}"
    return pattern.sub(lambda _: code.rstrip("\n") + "\n", source)


def edit(source: str, edits: tuple[tuple[str, str], ...]) -> str:
    """``source`` with each (old, new) replaced; every old text must occur exactly once."""
    for old, new in edits:
        assert source.count(old) == 1, f"{old!r} occurs {source.count(old)} times in the answer: the reference drifted"
        source = source.replace(old, new)
    return source


@dataclass(frozen=True)
class Edited:
    """The reference answer ``grade_id``, its ``call`` replaced by ``call`` (when given), then
    ``edits`` applied; built when graded, so that a drifted reference fails its entry only."""

    grade_id: str
    edits: tuple[tuple[str, str], ...] = ()
    call: str | None = None

    def source(self) -> str:
        text = reference_sources(LAB)[self.grade_id]
        if self.call is not None:
            text = replace_method(text, "call", self.call)
        changed = edit(text, self.edits)
        assert changed != text or (not self.edits and self.call is not None), "the edits changed nothing"
        return changed


def layer(*edits: tuple[str, str], call: str = CALL) -> Edited:
    """The reference layer with the textbook ``call``, then ``edits``."""
    return Edited("batch_norm_layer", edits, call)


def model(*edits: tuple[str, str]) -> Edited:
    """The reference build_model with ``edits``."""
    return Edited("build_model", edits)


def source_of(code: str | Edited) -> str:
    return code if isinstance(code, str) else code.source()


def wrong(name: str, grade_id: str, code: str | Edited, check: str, phrase: str):
    """One catalogue entry: the answer ``grade_id`` replaced by ``code`` must fail ``check``
    with ``phrase`` in its lowercased message, in the cells of ``grade_id``."""
    return pytest.param(grade_id, code, check, phrase, cells_of(grade_id), id=name)


# ---------------------------------------------------------------- wrong answers

TRAINING_STEP = "training step matches keras.layers.BatchNormalization"
WEIGHTS = "weights: order, shapes, trainability, initial values"
INFERENCE = "inference uses the moving statistics and updates nothing"
MIXED = "mixed_float16: float32 weights and computation, float16 output"
GRADIENTS = "gradients match keras.layers.BatchNormalization's (GradientTape)"
FIT = "model.fit moves the moving statistics; predict and evaluate do not"
FORMULAS = "z_tilde, mean and variance by the formulas"
TINY_SPREAD = "a feature with a tiny spread (epsilon inside the square root)"
MODEL = "Dense(use_bias=False), the lab's BatchNormalization, ReLU; softmax out"
FROM_SCRATCH = "implemented from scratch"

UPDATE_MEAN = "self.moving_mean.assign(self.momentum * self.moving_mean + (1.0 - self.momentum) * mean)"
UPDATE_VARIANCE = "self.moving_variance.assign(self.momentum * self.moving_variance + (1.0 - self.momentum) * variance)"
INFERENCE_Z = "z = self.gamma * (x - self.moving_mean) / ops.sqrt(self.moving_variance + self.epsilon) + self.beta"
TRAINING_Z = "z, mean, variance = batch_norm_forward(x, self.gamma, self.beta, self.epsilon)"
BATCH_STATISTICS = "_, mean, variance = batch_norm_forward(x, self.gamma, self.beta, self.epsilon)"
BN_BLOCK = "        if use_batch_norm:\n            x = BatchNormalization()(x)"
RELU_LINE = "        x = keras.layers.ReLU()(x)"

NUMPY_STATISTICS = layer(
    (
        TRAINING_Z,
        "x_np = ops.convert_to_numpy(x)\n"
        "            mean = ops.convert_to_tensor(np.mean(x_np, axis=tuple(range(x_np.ndim - 1))))\n"
        "            variance = ops.convert_to_tensor(np.var(x_np, axis=tuple(range(x_np.ndim - 1))))\n"
        "            z = self.gamma * (x - mean) / ops.sqrt(variance + self.epsilon) + self.beta",
    )
)

FORWARD_HEAD = "def batch_norm_forward(z, gamma, beta, epsilon=1e-3):\n    z = ops.convert_to_tensor(z)\n"

FORWARD_WITHOUT_EPSILON = (
    FORWARD_HEAD
    + """\
    axes = tuple(range(len(z.shape) - 1))
    mean = ops.mean(z, axis=axes)
    variance = ops.mean(ops.square(z - mean), axis=axes)
    return gamma * (z - mean) / ops.sqrt(variance) + beta, mean, variance
"""
)

CATALOGUE = [
    # batch_norm_forward
    wrong(
        "forward_unbiased_variance",
        "batch_norm_forward",
        FORWARD_HEAD
        + """\
    axes = tuple(range(len(z.shape) - 1))
    m = int(np.prod([z.shape[a] for a in axes]))
    mean = ops.mean(z, axis=axes)
    variance = ops.sum(ops.square(z - mean), axis=axes) / (m - 1)
    return gamma * (z - mean) / ops.sqrt(variance + epsilon) + beta, mean, variance
""",
        FORMULAS,
        "divided by m - 1",
    ),
    wrong(
        "forward_axis_1_in_2d",
        "batch_norm_forward",
        FORWARD_HEAD
        + """\
    mean = ops.mean(z, axis=1, keepdims=True)
    variance = ops.mean(ops.square(z - mean), axis=1, keepdims=True)
    return gamma * (z - mean) / ops.sqrt(variance + epsilon) + beta, mean[:, 0], variance[:, 0]
""",
        FORMULAS,
        "wrong axis",
    ),
    wrong(
        "forward_axis_0_only_in_4d",
        "batch_norm_forward",
        FORWARD_HEAD
        + """\
    mean = ops.mean(z, axis=0)
    variance = ops.mean(ops.square(z - mean), axis=0)
    return gamma * (z - mean) / ops.sqrt(variance + epsilon) + beta, mean, variance
""",
        "4-D inputs: statistics over every axis but the last",
        "wrong axis",
    ),
    wrong(
        "forward_epsilon_outside_sqrt",
        "batch_norm_forward",
        FORWARD_HEAD
        + """\
    axes = tuple(range(len(z.shape) - 1))
    mean = ops.mean(z, axis=axes)
    variance = ops.mean(ops.square(z - mean), axis=axes)
    return gamma * (z - mean) / (ops.sqrt(variance) + epsilon) + beta, mean, variance
""",
        TINY_SPREAD,
        "outside the square root",
    ),
    wrong(
        "forward_epsilon_missing",
        "batch_norm_forward",
        FORWARD_WITHOUT_EPSILON,
        TINY_SPREAD,
        "epsilon is missing",
    ),
    wrong(
        "forward_epsilon_missing_batch_of_one",
        "batch_norm_forward",
        FORWARD_WITHOUT_EPSILON,
        "a batch of one example",
        "epsilon is missing",
    ),
    wrong(
        "forward_returns_only_z_tilde",
        "batch_norm_forward",
        FORWARD_HEAD
        + """\
    axes = tuple(range(len(z.shape) - 1))
    mean = ops.mean(z, axis=axes)
    variance = ops.mean(ops.square(z - mean), axis=axes)
    return gamma * (z - mean) / ops.sqrt(variance + epsilon) + beta
""",
        FORMULAS,
        "must return the tuple (z_tilde, mean, variance)",
    ),
    wrong(
        "forward_delegates_to_ops_batch_normalization",
        "batch_norm_forward",
        FORWARD_HEAD
        + """\
    mean, variance = ops.moments(z, axes=list(range(len(z.shape) - 1)))
    z_tilde = ops.batch_normalization(z, mean, variance, axis=-1, offset=beta, scale=gamma, epsilon=epsilon)
    return z_tilde, mean, variance
""",
        FROM_SCRATCH,
        "implement this yourself",
    ),
    # BatchNormalization
    wrong(
        "layer_momentum_reversed",
        "batch_norm_layer",
        layer(
            (UPDATE_MEAN, "self.moving_mean.assign((1.0 - self.momentum) * self.moving_mean + self.momentum * mean)"),
            (
                UPDATE_VARIANCE,
                "self.moving_variance.assign((1.0 - self.momentum) * self.moving_variance + self.momentum * variance)",
            ),
        ),
        TRAINING_STEP,
        "wrong way round",
    ),
    wrong(
        "layer_updates_moving_statistics_at_inference",
        "batch_norm_layer",
        layer(
            (
                f"        else:\n            {INFERENCE_Z}",
                f"        else:\n            {BATCH_STATISTICS}\n"
                f"            {UPDATE_MEAN}\n            {UPDATE_VARIANCE}\n            {INFERENCE_Z}",
            )
        ),
        INFERENCE,
        "updated only in training",
    ),
    wrong(
        "layer_batch_statistics_at_inference",
        "batch_norm_layer",
        layer((INFERENCE_Z, "z, _, _ = batch_norm_forward(x, self.gamma, self.beta, self.epsilon)")),
        INFERENCE,
        "batch statistics are used at inference",
    ),
    wrong(
        "layer_moving_statistics_in_training",
        "batch_norm_layer",
        layer(
            (
                TRAINING_Z,
                f"{BATCH_STATISTICS}\n            {INFERENCE_Z}",
            )
        ),
        TRAINING_STEP,
        "moving statistics are used in training",
    ),
    wrong(
        "layer_normalises_after_the_update",
        "batch_norm_layer",
        layer(
            (TRAINING_Z, BATCH_STATISTICS),
            (UPDATE_VARIANCE, f"{UPDATE_VARIANCE}\n            {INFERENCE_Z}"),
        ),
        TRAINING_STEP,
        "after updating them",
    ),
    wrong(
        "layer_moving_variance_from_std",
        "batch_norm_layer",
        layer((UPDATE_VARIANCE, UPDATE_VARIANCE.replace("* variance)", "* ops.sqrt(variance))"))),
        TRAINING_STEP,
        "standard deviation",
    ),
    wrong(
        "layer_moving_variance_from_output",
        "batch_norm_layer",
        layer(
            (
                UPDATE_VARIANCE,
                UPDATE_VARIANCE.replace("* variance)", "* ops.var(z, axis=tuple(range(len(z.shape) - 1))))"),
            )
        ),
        TRAINING_STEP,
        "variance of the output",
    ),
    wrong(
        "layer_moving_variance_starts_at_zero",
        "batch_norm_layer",
        layer(('initializer="ones", name="moving_variance"', 'initializer="zeros", name="moving_variance"')),
        WEIGHTS,
        "moving_variance starts at",
    ),
    wrong(
        "layer_moving_statistics_trainable",
        "batch_norm_layer",
        layer(
            ('name="moving_mean", trainable=False', 'name="moving_mean"'),
            ('name="moving_variance", trainable=False', 'name="moving_variance"'),
        ),
        WEIGHTS,
        "trainable=false",
    ),
    wrong(
        "layer_weights_beta_before_gamma",
        "batch_norm_layer",
        layer(
            (
                '        self.gamma = self.add_weight(shape=shape, initializer="ones", name="gamma", autocast=False)\n'
                '        self.beta = self.add_weight(shape=shape, initializer="zeros", name="beta", autocast=False)\n',
                '        self.beta = self.add_weight(shape=shape, initializer="zeros", name="beta", autocast=False)\n'
                '        self.gamma = self.add_weight(shape=shape, initializer="ones", name="gamma", autocast=False)\n',
            )
        ),
        WEIGHTS,
        "in that order",
    ),
    wrong(
        "layer_trainable_false_still_trains",
        "batch_norm_layer",
        layer(("if training and self.trainable:", "if training:")),
        "trainable=False behaves as at inference",
        "only when the layer is trainable",
    ),
    wrong(
        "layer_computes_in_float16",
        "batch_norm_layer",
        layer(('x = ops.cast(inputs, "float32")', "x = inputs")),
        MIXED,
        "compute in float32",
    ),
    wrong(
        "layer_weights_autocast",
        "batch_norm_layer",
        layer(
            ('name="gamma", autocast=False', 'name="gamma"'),
            ('name="beta", autocast=False', 'name="beta"'),
            ('name="moving_mean", trainable=False, autocast=False', 'name="moving_mean", trainable=False'),
            ('name="moving_variance", trainable=False, autocast=False', 'name="moving_variance", trainable=False'),
        ),
        MIXED,
        "autocast=false",
    ),
    wrong(
        "layer_output_not_cast",
        "batch_norm_layer",
        layer(("return ops.cast(z, self.compute_dtype)", "return z")),
        MIXED,
        "self.compute_dtype",
    ),
    wrong(
        "layer_get_config_without_momentum_and_epsilon",
        "batch_norm_layer",
        layer(
            (
                'return {**super().get_config(), "momentum": self.momentum, "epsilon": self.epsilon}',
                "return super().get_config()",
            )
        ),
        "get_config / from_config round-trip",
        "add them to get_config",
    ),
    wrong(
        "layer_get_config_without_super",
        "batch_norm_layer",
        layer(
            (
                'return {**super().get_config(), "momentum": self.momentum, "epsilon": self.epsilon}',
                'return {"momentum": self.momentum, "epsilon": self.epsilon}',
            )
        ),
        "get_config / from_config round-trip",
        "super().get_config()",
    ),
    wrong("layer_numpy_statistics_in_fit", "batch_norm_layer", NUMPY_STATISTICS, FIT, "keras.ops"),
    wrong("layer_numpy_statistics_gradients", "batch_norm_layer", NUMPY_STATISTICS, GRADIENTS, "numpy"),
    wrong(
        "layer_delegates_to_ops_batch_normalization",
        "batch_norm_layer",
        layer(
            (
                TRAINING_Z,
                "mean, variance = ops.moments(x, axes=list(range(len(x.shape) - 1)))\n"
                "            z = ops.batch_normalization(\n"
                "                x, mean, variance, axis=-1, offset=self.beta, scale=self.gamma, epsilon=self.epsilon\n"
                "            )",
            )
        ),
        FROM_SCRATCH,
        "implement this yourself",
    ),
    wrong(
        "layer_wraps_keras_batch_normalization",
        "batch_norm_layer",
        """\
class BatchNormalization(keras.layers.BatchNormalization):
    def __init__(self, momentum=0.99, epsilon=1e-3, **kwargs):
        super().__init__(momentum=momentum, epsilon=epsilon, **kwargs)
""",
        FROM_SCRATCH,
        "implement this yourself",
    ),
    # build_model
    wrong(
        "model_bias_before_batch_norm",
        "build_model",
        model(("keras.layers.Dense(units, use_bias=not use_batch_norm)", "keras.layers.Dense(units)")),
        MODEL,
        "use_bias=false",
    ),
    wrong(
        "model_batch_norm_after_relu",
        "build_model",
        model(
            (f"{BN_BLOCK}\n{RELU_LINE}", f"{RELU_LINE}\n{BN_BLOCK}"),
        ),
        MODEL,
        "before the activation",
    ),
    wrong(
        "model_keras_batch_normalization",
        "build_model",
        model(("x = BatchNormalization()(x)", "x = keras.layers.BatchNormalization()(x)")),
        MODEL,
        "lab's own batchnormalization",
    ),
    wrong(
        "model_without_softmax",
        "build_model",
        model(('keras.layers.Dense(num_classes, activation="softmax")', "keras.layers.Dense(num_classes)")),
        MODEL,
        "not probabilities",
    ),
]


@pytest.mark.parametrize(("grade_id", "code", "check", "phrase", "cells"), CATALOGUE)
def test_wrong_answer_fails_the_check_that_names_it(grade_id, code, check, phrase, cells):
    """Does each catalogued mistake lose all points of its check, with a message that names the mistake? (Only
    that check runs.)"""
    result = grade(LAB, {grade_id: source_of(code)}, cells, only={check})
    assert_caught(result, check, phrase, cells)


def test_catalogue_is_large_enough():
    """Does the catalogue hold at least 18 distinct mistakes, whose graded cells cover every answer of the lab?"""
    assert_catalogue_covers(CATALOGUE, LAB, 18)


# ---------------------------------------------------------------- right answers, written differently

CORRECT = [
    pytest.param(
        "batch_norm_forward",
        FORWARD_HEAD
        + """\
    mean, variance = ops.moments(z, axes=list(range(len(z.shape) - 1)))
    return gamma * (z - mean) / ops.sqrt(variance + epsilon) + beta, mean, variance
""",
        id="forward_keras_ops_moments",
    ),
    pytest.param(
        "batch_norm_forward",
        """\
import tensorflow as tf


def batch_norm_forward(z, gamma, beta, epsilon=1e-3):
    z = tf.convert_to_tensor(z)
    mean, variance = tf.nn.moments(z, axes=list(range(z.shape.rank - 1)))
    return gamma * (z - mean) / tf.sqrt(variance + epsilon) + beta, mean, variance
""",
        id="forward_tf_nn_moments",
    ),
    pytest.param(
        "batch_norm_forward",
        FORWARD_HEAD
        + """\
    axes = tuple(range(len(z.shape) - 1))
    mean = ops.mean(z, axis=axes)
    variance = ops.var(z, axis=axes)
    inv = gamma / ops.sqrt(variance + epsilon)
    return z * inv + (beta - mean * inv), mean, variance
""",
        id="forward_ops_var_scale_and_shift",
    ),
    pytest.param("batch_norm_layer", layer(), id="layer_textbook_call"),
    pytest.param(
        "batch_norm_layer",
        layer(
            call="""\
    def call(self, inputs, training=False):
        x = ops.cast(inputs, "float32")
        if not (training and self.trainable):
            inv = self.gamma / ops.sqrt(self.moving_variance + self.epsilon)
            return ops.cast(x * inv + (self.beta - self.moving_mean * inv), self.compute_dtype)
        z, mean, variance = batch_norm_forward(x, self.gamma, self.beta, self.epsilon)
        for moving, batch in ((self.moving_mean, mean), (self.moving_variance, variance)):
            moving.assign(self.momentum * moving + (1.0 - self.momentum) * batch)
        return ops.cast(z, self.compute_dtype)
"""
        ),
        id="layer_early_return_and_a_loop_over_the_moving_statistics",
    ),
    # The exercise fixes the order of the weights, not their names: any names, or none, get full marks
    # (the Keras-conventions entry below also stores them under other attributes).
    pytest.param(
        "batch_norm_layer",
        layer(
            *((f'name="{name}", ', "") for name in ("gamma", "beta")),
            ('name="moving_mean"', 'name="running_mean"'),
            ('name="moving_variance"', 'name="running_var"'),
        ),
        id="layer_weights_unnamed_or_named_otherwise",
    ),
    pytest.param(
        "batch_norm_layer",
        layer(
            (UPDATE_MEAN, "self.moving_mean.assign_sub((1.0 - self.momentum) * (self.moving_mean - mean))"),
            (
                UPDATE_VARIANCE,
                "self.moving_variance.assign_add((1.0 - self.momentum) * (variance - self.moving_variance))",
            ),
        ),
        id="layer_assign_sub_and_assign_add",
    ),
    pytest.param(
        "batch_norm_forward",
        FORWARD_HEAD
        + """\
    axes = list(range(len(z.shape) - 1))
    mean = ops.mean(z, axis=axes)
    variance = ops.mean(ops.square(z - mean), axis=axes)
    z_norm = (z - mean) * ops.rsqrt(variance + epsilon)
    return gamma * z_norm + beta, mean, variance
""",
        id="forward_ops_rsqrt",
    ),
    # Keras's own conventions: training=None, weights under other attribute names, the update written
    # as moving * momentum + batch * (1 - momentum).
    pytest.param(
        "batch_norm_layer",
        """\
class BatchNormalization(keras.layers.Layer):
    def __init__(self, momentum=0.99, epsilon=1e-3, **kwargs):
        super().__init__(**kwargs)
        self.momentum = momentum
        self.epsilon = epsilon

    def build(self, input_shape):
        channels = (input_shape[-1],)
        self.scale = self.add_weight(shape=channels, initializer=keras.initializers.Ones(), autocast=False)
        self.offset = self.add_weight(shape=channels, initializer=keras.initializers.Zeros(), autocast=False)
        self.running_mean = self.add_weight(
            shape=channels, initializer=keras.initializers.Zeros(), trainable=False, autocast=False
        )
        self.running_variance = self.add_weight(
            shape=channels, initializer=keras.initializers.Ones(), trainable=False, autocast=False
        )

    def call(self, inputs, training=None):
        x = ops.cast(inputs, "float32")
        if training and self.trainable:
            out, mean, variance = batch_norm_forward(x, self.scale, self.offset, self.epsilon)
            self.running_mean.assign(self.running_mean * self.momentum + mean * (1 - self.momentum))
            self.running_variance.assign(self.running_variance * self.momentum + variance * (1 - self.momentum))
        else:
            out = ops.add(
                ops.multiply(ops.divide(ops.subtract(x, self.running_mean),
                                        ops.sqrt(ops.add(self.running_variance, self.epsilon))), self.scale),
                self.offset,
            )
        return ops.cast(out, self.compute_dtype)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({"momentum": self.momentum, "epsilon": self.epsilon})
        return config
""",
        id="layer_keras_conventions_training_none_other_attribute_names",
    ),
    pytest.param(
        "build_model",
        """\
def build_model(input_dim, num_classes, hidden_units=(64, 64), use_batch_norm=True):
    model = keras.Sequential([keras.Input(shape=(input_dim,))])
    for units in hidden_units:
        if use_batch_norm:
            model.add(keras.layers.Dense(units, use_bias=False))
            model.add(BatchNormalization())
            model.add(keras.layers.Activation("relu"))
        else:
            model.add(keras.layers.Dense(units, activation="relu"))
    model.add(keras.layers.Dense(num_classes))
    model.add(keras.layers.Activation("softmax"))
    return model
""",
        id="model_sequential_activation_layers_and_fused_relu_without_batch_norm",
    ),
]


@pytest.mark.parametrize(("grade_id", "code"), CORRECT)
def test_correct_answer_gets_full_points(grade_id, code):
    """Does a correct answer written another way get every point of its cells?"""
    result = grade(LAB, {grade_id: source_of(code)}, cells_of(grade_id))
    assert [cell.grade_id for cell in result.cells] == cells_of(grade_id)
    assert result.max_score > 0
    assert failures(result) == []
    assert result.score == result.max_score


# ---------------------------------------------------------------- the blank stub


def test_blank_layer_stub_scores_zero_in_every_check():
    """Does the released blank BatchNormalization score 0 in every check of its cells, each not implemented yet?"""
    stub = cell_source(read_notebook(release_path(REPO, LAB)), "batch_norm_layer")
    assert stub.count("raise NotImplementedError()") == 3, stub
    result = grade(LAB, {"batch_norm_layer": stub}, cells_of("batch_norm_layer"))
    assert [cell.grade_id for cell in result.cells] == cells_of("batch_norm_layer")
    checks = [(cell.grade_id, check) for cell in result.cells for check in cell.checks]
    assert checks
    assert [check.name for _, check in checks if check.passed or check.points != 0.0] == []
    unexplained = [
        f"[{cell}] {check.name}: {check.message}"
        for cell, check in checks
        if "not implemented yet" not in check.message
    ]
    assert unexplained == [], "\n".join(unexplained)
    assert result.score == 0.0
    assert result.max_score > 0
