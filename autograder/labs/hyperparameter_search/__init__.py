"""hyperparameter_search: sampling on a log scale (alpha = 10**r, beta through 1 - beta), random search."""

from ...checks import Lab
from . import builtins
from .answers import ANSWERS
from .checks import CHECKS

LAB = Lab(name="hyperparameter_search", answers=ANSWERS, public_checks=CHECKS, builtins=builtins.namespace)
