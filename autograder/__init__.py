"""Checks and graders for the "Improving Deep Neural Networks, week 3" labs.

Students meet this package through one line of a lab's set-up cell::

    checker = autograder.notebook_checker("softmax_regression", globals())

and the test cells, ``checker.run("test_softmax")``. Instructors use the
command line: ``python -m autograder demo`` (see README.md).
"""

from __future__ import annotations

from autograder.engine import environment
from autograder.student.checker import NotebookChecker, notebook_checker
from autograder.toolkit.datasets import load_digits
from autograder.version import __version__

__all__ = ["NotebookChecker", "__version__", "environment", "load_digits", "notebook_checker"]
