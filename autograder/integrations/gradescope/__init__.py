"""Gradescope: the autograder bundle of one lab (:mod:`.bundle`, on the instructor's machine) and the grading
of one upload (:mod:`.upload`, in Gradescope's container).

Gradescope builds a Docker image from an instructor's zip: it runs ``setup.sh`` once, then
``/autograder/run_autograder`` for every upload, and reads ``/autograder/results/results.json``, which
:mod:`autograder.outputs.gradescope_results` writes from the isolated grader's result.
"""
