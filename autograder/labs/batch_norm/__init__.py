"""batch_norm: a custom Keras BatchNormalization layer, checked against keras.layers.BatchNormalization."""

from autograder.labs.batch_norm import library
from autograder.labs.batch_norm.answers import ANSWERS
from autograder.labs.batch_norm.catalogue import CHECKS
from autograder.model.checks import Lab

LAB = Lab(name="batch_norm", answers=ANSWERS, public_checks=CHECKS, builtins=library.namespace)
