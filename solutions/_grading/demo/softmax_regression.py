"""The demo class of the softmax_regression lab: typical mistakes, one per student.

``python -m autograder demo`` grades these with the reference solution
("reference") and the blank lab ("blank"): each student below is the blank lab
with these answer cells filled in, and the reference's code for the rest.
"""

STUDENTS = {
    "unstable_softmax": {
        "softmax": ("def softmax(z):\n    e = ops.exp(z)\n    return e / ops.sum(e, axis=-1, keepdims=True)\n"),
    },
    "sum_not_mean": {
        "categorical_crossentropy": (
            "def categorical_crossentropy(y_true, y_pred, epsilon=1e-7):\n"
            "    y_pred = ops.clip(y_pred, epsilon, 1 - epsilon)\n"
            "    return -ops.sum(y_true * ops.log(y_pred))\n"
        ),
    },
    "batch_axis_softmax": {
        "softmax": (
            "def softmax(z):\n"
            "    e = ops.exp(z - ops.max(z, axis=0, keepdims=True))\n"
            "    return e / ops.sum(e, axis=0, keepdims=True)\n"
        ),
    },
    "delegates_to_keras": {
        "softmax": "def softmax(z):\n    return keras.ops.softmax(z)\n",
    },
}
