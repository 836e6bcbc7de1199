"""Isolated grading of a notebook or a class: the warm sandbox pool, the verdicts, the results.

``grade_notebook`` and ``grade_class`` (:mod:`autograder.grader.api`) are the one way to grade with isolation.
"""

from autograder.grader.api import grade_class, grade_notebook

__all__ = ["grade_class", "grade_notebook"]
