"""softmax_regression: softmax, categorical cross-entropy, dZ = y_hat - y, a softmax classifier."""

from autograder.labs.softmax_regression import library
from autograder.labs.softmax_regression.answers import ANSWERS
from autograder.labs.softmax_regression.catalogue import CHECKS
from autograder.model.checks import Lab

LAB = Lab(name="softmax_regression", answers=ANSWERS, public_checks=CHECKS, builtins=library.namespace)
