"""batch_norm: a custom Keras BatchNormalization layer, checked against keras.layers.BatchNormalization."""

from ...checks import Lab
from . import builtins
from .answers import ANSWERS
from .checks import CHECKS

LAB = Lab(name="batch_norm", answers=ANSWERS, public_checks=CHECKS, builtins=builtins.namespace)
