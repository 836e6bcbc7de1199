"""hyperparameter_search: sampling on a log scale (alpha = 10**r, beta through 1 - beta), random search."""

from autograder.labs.hyperparameter_search import library
from autograder.labs.hyperparameter_search.answers import ANSWERS
from autograder.labs.hyperparameter_search.catalogue import CHECKS
from autograder.model.checks import Lab

LAB = Lab(name="hyperparameter_search", answers=ANSWERS, public_checks=CHECKS, builtins=library.namespace)
