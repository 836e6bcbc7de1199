"""A catalogue of wrong and right answers to the softmax_regression lab.

Each wrong answer must lose the points of the check that names its mistake, with
a message a student can act on; each differently written right answer must get
full points. Only the test cells of the answer under test are graded (grading
every cell trains a classifier), so a wrong ``softmax`` is not also charged to
the layer and the gradient that call it, unless a test means it to be.
"""

from __future__ import annotations

import pytest
from helpers import assert_catalogue_covers, assert_caught, cells_of, failures, grade

LAB = "softmax_regression"


def wrong(name: str, grade_id: str, code: str, check: str, phrase: str, *, graded: str | None = None):
    """One catalogue entry: the answer ``grade_id`` replaced by ``code`` must fail ``check``
    with ``phrase`` in its message; ``graded`` names the answer whose cells are graded
    (default: ``grade_id``'s own)."""
    return pytest.param(grade_id, code, check, phrase, cells_of(graded or grade_id), id=name)


# ---------------------------------------------------------------- wrong answers

NUMPY_SOFTMAX = """\
def softmax(z):
    e = np.exp(z - np.max(z, axis=-1, keepdims=True))
    return e / np.sum(e, axis=-1, keepdims=True)
"""

CATALOGUE = [
    # softmax
    wrong(
        "softmax_without_max",
        "softmax",
        """\
def softmax(z):
    e = ops.exp(z)
    return e / ops.sum(e, axis=-1, keepdims=True)
""",
        "stable for logits of +-1000 in float32",
        "subtract each row's max",
    ),
    wrong(
        "softmax_over_batch_axis",
        "softmax",
        """\
def softmax(z):
    e = ops.exp(z - ops.max(z, axis=0, keepdims=True))
    return e / ops.sum(e, axis=0, keepdims=True)
""",
        "matches keras.ops.softmax",
        "batch axis",
    ),
    wrong(
        "softmax_exp_not_normalised",
        "softmax",
        """\
def softmax(z):
    return ops.exp(z)
""",
        "matches keras.ops.softmax",
        "without dividing by the sum",
    ),
    wrong(
        "softmax_shifted_exp_not_normalised",
        "softmax",
        """\
def softmax(z):
    return ops.exp(z - ops.max(z, axis=-1, keepdims=True))
""",
        "matches keras.ops.softmax",
        "without dividing by the sum",
    ),
    wrong(
        "softmax_z_over_its_sum",
        "softmax",
        """\
def softmax(z):
    return z / ops.sum(z, axis=-1, keepdims=True)
""",
        "matches keras.ops.softmax",
        "instead of exp(z)",
    ),
    wrong(
        "softmax_in_numpy_inside_a_model",
        "softmax",
        NUMPY_SOFTMAX,
        "runs on symbolic tensors inside a Keras model (keras.ops, not NumPy)",
        "keras.ops",
    ),
    wrong(
        "softmax_layer_computes_softmax_itself",
        "softmax_layer",
        """\
class Softmax(keras.layers.Layer):
    def call(self, inputs):
        e = ops.exp(inputs - ops.max(inputs, axis=-1, keepdims=True))
        return e / ops.sum(e, axis=-1, keepdims=True)
""",
        "integration: Softmax calls your softmax",
        "never called softmax",
    ),
    wrong(
        "softmax_delegates_to_tf_nn",
        "softmax",
        """\
import tensorflow as tf


def softmax(z):
    return tf.nn.softmax(z)
""",
        "implemented from scratch",
        "implement this yourself",
    ),
    wrong(
        "softmax_delegates_to_keras_ops",
        "softmax",
        """\
def softmax(z):
    return ops.softmax(z, axis=-1)
""",
        "implemented from scratch",
        "implement this yourself",
    ),
    # one_hot
    wrong(
        "one_hot_wraps_negative_labels",
        "one_hot",
        """\
def one_hot(labels, num_classes):
    return np.eye(num_classes, dtype=np.float32)[labels]
""",
        "labels outside [0, num_classes) raise ValueError",
        "wraps a negative index",
    ),
    wrong(
        "one_hot_returns_int",
        "one_hot",
        """\
def one_hot(labels, num_classes):
    labels = np.asarray(labels)
    if labels.min() < 0 or labels.max() >= num_classes:
        raise ValueError("labels out of range")
    return np.eye(num_classes, dtype=int)[labels]
""",
        "float32 array of shape (m, num_classes)",
        "expected dtype float32",
    ),
    wrong(
        "one_hot_returns_float64",
        "one_hot",
        """\
def one_hot(labels, num_classes):
    labels = np.asarray(labels)
    if labels.min() < 0 or labels.max() >= num_classes:
        raise ValueError("labels out of range")
    return np.eye(num_classes)[labels]
""",
        "float32 array of shape (m, num_classes)",
        "expected dtype float32",
    ),
    # categorical_crossentropy
    wrong(
        "crossentropy_sum_not_mean",
        "categorical_crossentropy",
        """\
def categorical_crossentropy(y_true, y_pred, epsilon=1e-7):
    y_pred = ops.clip(ops.convert_to_tensor(y_pred), epsilon, 1 - epsilon)
    return ops.sum(-ops.sum(ops.cast(y_true, y_pred.dtype) * ops.log(y_pred), axis=-1))
""",
        "the mean over examples, not the sum",
        "summed over the examples",
    ),
    wrong(
        "crossentropy_mean_over_every_element",
        "categorical_crossentropy",
        """\
def categorical_crossentropy(y_true, y_pred, epsilon=1e-7):
    y_pred = ops.clip(ops.convert_to_tensor(y_pred), epsilon, 1 - epsilon)
    return ops.mean(-ops.cast(y_true, y_pred.dtype) * ops.log(y_pred))
""",
        "the mean over examples, not the sum",
        "average over the examples only",
    ),
    wrong(
        "crossentropy_not_clipped",
        "categorical_crossentropy",
        """\
def categorical_crossentropy(y_true, y_pred, epsilon=1e-7):
    y_pred = ops.convert_to_tensor(y_pred)
    return ops.mean(-ops.sum(ops.cast(y_true, y_pred.dtype) * ops.log(y_pred), axis=-1))
""",
        "log(0) is avoided by clipping",
        "clip y_pred",
    ),
    wrong(
        "crossentropy_minus_sign_missing",
        "categorical_crossentropy",
        """\
def categorical_crossentropy(y_true, y_pred, epsilon=1e-7):
    y_pred = ops.clip(ops.convert_to_tensor(y_pred), epsilon, 1 - epsilon)
    return ops.mean(ops.sum(ops.cast(y_true, y_pred.dtype) * ops.log(y_pred), axis=-1))
""",
        "matches keras.losses.CategoricalCrossentropy on probabilities",
        "minus sign is missing",
    ),
    wrong(
        "crossentropy_arguments_swapped",
        "categorical_crossentropy",
        """\
def categorical_crossentropy(y_true, y_pred, epsilon=1e-7):
    y_true, y_pred = ops.convert_to_tensor(y_pred), ops.convert_to_tensor(y_true)
    y_pred = ops.clip(ops.cast(y_pred, y_true.dtype), epsilon, 1 - epsilon)
    return ops.mean(-ops.sum(y_true * ops.log(y_pred), axis=-1))
""",
        "y_true and y_pred in the right order (soft labels)",
        "swapped",
    ),
    wrong(
        "crossentropy_log10",
        "categorical_crossentropy",
        """\
def categorical_crossentropy(y_true, y_pred, epsilon=1e-7):
    y_pred = ops.clip(ops.convert_to_tensor(y_pred), epsilon, 1 - epsilon)
    return ops.mean(-ops.sum(ops.cast(y_true, y_pred.dtype) * ops.log10(y_pred), axis=-1))
""",
        "matches keras.losses.CategoricalCrossentropy on probabilities",
        "natural log",
    ),
    wrong(
        "crossentropy_delegates_to_keras_loss",
        "categorical_crossentropy",
        """\
def categorical_crossentropy(y_true, y_pred, epsilon=1e-7):
    return keras.losses.CategoricalCrossentropy()(y_true, y_pred)
""",
        "implemented from scratch",
        "implement this yourself",
    ),
    # softmax_cross_entropy_grad
    wrong(
        "gradient_without_1_over_m",
        "softmax_grad",
        """\
def softmax_cross_entropy_grad(y_true, logits):
    logits = ops.convert_to_tensor(logits)
    return softmax(logits) - ops.cast(y_true, logits.dtype)
""",
        "matches central differences in float64",
        "1/m",
    ),
    wrong(
        "gradient_sign_flipped",
        "softmax_grad",
        """\
def softmax_cross_entropy_grad(y_true, logits):
    logits = ops.convert_to_tensor(logits)
    return (ops.cast(y_true, logits.dtype) - softmax(logits)) / logits.shape[0]
""",
        "shape (m, C) with m != C",
        "sign is flipped",
    ),
    wrong(
        "gradient_is_sigmoid_derivative",
        "softmax_grad",
        """\
def softmax_cross_entropy_grad(y_true, logits):
    p = softmax(ops.convert_to_tensor(logits))
    return p * (1 - p)
""",
        "matches central differences in float64",
        "sigmoid derivative",
    ),
    wrong(
        "gradient_by_gradient_tape",
        "softmax_grad",
        """\
import tensorflow as tf


def softmax_cross_entropy_grad(y_true, logits):
    z = tf.convert_to_tensor(logits)
    y = tf.cast(y_true, z.dtype)
    with tf.GradientTape() as tape:
        tape.watch(z)
        loss = tf.reduce_mean(-tf.reduce_sum(y * tf.math.log(softmax(z)), axis=-1))
    return tape.gradient(loss, z)
""",
        "implemented from scratch",
        "implement this yourself",
    ),
    # build_softmax_classifier
    wrong(
        "classifier_double_softmax",
        "softmax_classifier",
        """\
def build_softmax_classifier(input_dim, num_classes):
    inputs = keras.Input(shape=(input_dim,))
    probabilities = keras.layers.Dense(num_classes, activation="softmax")(inputs)
    return keras.Model(inputs, Softmax()(probabilities))
""",
        "outputs softmax(x W + b)",
        "twice",
    ),
    wrong(
        "classifier_compiled",
        "softmax_classifier",
        """\
def build_softmax_classifier(input_dim, num_classes):
    inputs = keras.Input(shape=(input_dim,))
    model = keras.Model(inputs, Softmax()(keras.layers.Dense(num_classes)(inputs)))
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    return model
""",
        "Dense(num_classes) then the lab's Softmax",
        "uncompiled",
    ),
    wrong(
        "classifier_with_keras_softmax_layer",
        "softmax_classifier",
        """\
def build_softmax_classifier(input_dim, num_classes):
    inputs = keras.Input(shape=(input_dim,))
    return keras.Model(inputs, keras.layers.Softmax()(keras.layers.Dense(num_classes)(inputs)))
""",
        "Dense(num_classes) then the lab's Softmax",
        "keras.layers.softmax",
    ),
]


@pytest.mark.parametrize(("grade_id", "code", "check", "phrase", "cells"), CATALOGUE)
def test_wrong_answer_fails_the_check_that_names_it(grade_id, code, check, phrase, cells):
    """Does each catalogued mistake lose all points of its check, with a message that names the mistake? (Only
    that check runs.)"""
    result = grade(LAB, {grade_id: code}, cells, only={check})
    assert_caught(result, check, phrase, cells)


def test_catalogue_is_large_enough():
    """Does the catalogue hold at least 14 distinct mistakes, whose graded cells cover every answer of the lab?"""
    assert_catalogue_covers(CATALOGUE, LAB, 14)


# ---------------------------------------------------------------- right answers, written differently

CORRECT = [
    pytest.param(
        "softmax",
        """\
def softmax(z):
    z = ops.convert_to_tensor(z)
    return ops.exp(z - ops.logsumexp(z, axis=-1, keepdims=True))
""",
        id="softmax_log_sum_exp",
    ),
    pytest.param(
        "softmax",
        """\
import tensorflow as tf


def softmax(z):
    z = tf.convert_to_tensor(z)
    e = tf.exp(z - tf.reduce_max(z, axis=-1, keepdims=True))
    return e / tf.reduce_sum(e, axis=-1, keepdims=True)
""",
        id="softmax_tensorflow",
    ),
    pytest.param(
        "one_hot",
        """\
def one_hot(labels, num_classes):
    labels = np.asarray(labels)
    if np.any(labels < 0) or np.any(labels >= num_classes):
        raise ValueError(f"labels must lie in [0, {num_classes})")
    return np.eye(num_classes, dtype=np.float32)[labels]
""",
        id="one_hot_rows_of_eye",
    ),
    pytest.param(
        "categorical_crossentropy",
        """\
import tensorflow as tf


def categorical_crossentropy(y_true, y_pred, epsilon=1e-7):
    y_pred = tf.convert_to_tensor(y_pred)
    y_true = tf.cast(y_true, y_pred.dtype)
    y_pred = tf.clip_by_value(y_pred, epsilon, 1.0 - epsilon)
    return tf.reduce_mean(-tf.reduce_sum(y_true * tf.math.log(y_pred), axis=-1))
""",
        id="crossentropy_tensorflow",
    ),
    pytest.param(
        "softmax_grad",
        """\
def np_softmax(z):
    e = np.exp(z - np.max(z, axis=-1, keepdims=True))
    return e / np.sum(e, axis=-1, keepdims=True)


def softmax_cross_entropy_grad(y_true, logits):
    logits = np.asarray(logits)
    y = np.asarray(y_true, dtype=logits.dtype)
    return (np_softmax(logits) - y) / len(y)
""",
        id="gradient_numpy",
    ),
    pytest.param(
        "softmax_classifier",
        """\
def build_softmax_classifier(input_dim, num_classes):
    return keras.Sequential([keras.Input((input_dim,)), keras.layers.Dense(num_classes), Softmax()])
""",
        id="classifier_sequential",
    ),
    pytest.param(
        "one_hot",
        """\
def one_hot(labels, num_classes):
    labels = np.asarray(labels)
    bad = labels[(labels < 0) | (labels >= num_classes)]
    if bad.size:
        raise ValueError(f"label {bad[0]} is not in [0, {num_classes})")
    return (labels[:, None] == np.arange(num_classes)).astype(np.float32)
""",
        id="one_hot_broadcast_comparison",
    ),
    # Keras's own Softmax layer takes an axis and saves it in its config.
    pytest.param(
        "softmax_layer",
        """\
class Softmax(keras.layers.Layer):
    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis

    def call(self, inputs):
        return softmax(inputs)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}
""",
        id="layer_with_an_axis_in_its_config",
    ),
    # ops.mean is the lab's "right on TensorFlow" form; the other sums every entry, then divides by m.
    pytest.param(
        "categorical_crossentropy",
        """\
def categorical_crossentropy(y_true, y_pred, epsilon=1e-7):
    y_pred = ops.clip(ops.convert_to_tensor(y_pred), epsilon, 1.0 - epsilon)
    y_true = ops.cast(y_true, y_pred.dtype)
    return ops.mean(-ops.sum(y_true * ops.log(y_pred), axis=-1))
""",
        id="crossentropy_ops_mean",
    ),
    pytest.param(
        "categorical_crossentropy",
        """\
def categorical_crossentropy(y_true, y_pred, epsilon=1e-7):
    y_pred = ops.clip(ops.convert_to_tensor(y_pred), epsilon, 1.0 - epsilon)
    y_true = ops.cast(y_true, y_pred.dtype)
    m = ops.cast(ops.shape(y_pred)[0], y_pred.dtype)
    return -ops.sum(y_true * ops.log(y_pred)) / m
""",
        id="crossentropy_sum_of_everything_over_m",
    ),
    pytest.param(
        "softmax_grad",
        """\
def softmax_cross_entropy_grad(y_true, logits):
    logits = ops.convert_to_tensor(logits)
    y = ops.cast(y_true, logits.dtype)
    return ops.divide(ops.subtract(softmax(logits), y), ops.cast(ops.shape(logits)[0], logits.dtype))
""",
        id="gradient_keras_ops",
    ),
]


@pytest.mark.parametrize(("grade_id", "code"), CORRECT)
def test_correct_answer_gets_full_points(grade_id, code):
    """Does a correct answer written another way get every point of its cells?"""
    result = grade(LAB, {grade_id: code}, cells_of(grade_id))
    assert [cell.grade_id for cell in result.cells] == cells_of(grade_id)
    assert result.max_score > 0
    assert failures(result) == []
    assert result.score == result.max_score


# ---------------------------------------------------------------- stubs and broken cells


def test_blank_stub_scores_zero_in_every_check():
    """Does an unanswered stub score 0 in every check of its cells, each saying it is not implemented yet?"""
    result = grade(LAB, {"softmax": "def softmax(z):\n    raise NotImplementedError()\n"}, cells_of("softmax"))
    checks = [check for cell in result.cells for check in cell.checks]
    assert checks
    for check in checks:
        assert not check.passed, check.name
        assert check.points == 0.0, check.name
        assert "not implemented yet" in check.message, f"{check.name}: {check.message}"
    assert result.score == 0.0
    assert result.max_score > 0


def test_syntax_error_is_reported_for_its_answer_only():
    """Is a syntax error in one_hot reported for one_hot, while softmax is still graded with full points?"""
    broken = "def one_hot(labels, num_classes)\n    return labels\n"
    result = grade(LAB, {"one_hot": broken}, [*cells_of("one_hot"), *cells_of("softmax")])
    cells = {cell.grade_id: cell for cell in result.cells}
    for cell_id in cells_of("one_hot"):
        assert cells[cell_id].points == 0.0
        for check in cells[cell_id].checks:
            assert not check.passed, check.name
            message = check.message.lower()
            assert "syntaxerror" in message and "one_hot" in message, f"{check.name}: {check.message}"
    assert any("one_hot" in note and "SyntaxError" in note for note in result.errors), result.errors
    for cell_id in cells_of("softmax"):
        assert cells[cell_id].max_points > 0
        assert cells[cell_id].points == cells[cell_id].max_points
        assert cells[cell_id].first_failure() is None
