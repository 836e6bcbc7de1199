"""softmax_regression: softmax, categorical cross-entropy, dZ = y_hat - y, a softmax classifier."""

from ...checks import Lab
from . import builtins
from .answers import ANSWERS
from .checks import CHECKS

LAB = Lab(name="softmax_regression", answers=ANSWERS, public_checks=CHECKS, builtins=builtins.namespace)
