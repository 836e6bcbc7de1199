"""A student's exception as a sentence: what was raised, on which of their lines, and the likely mistake."""

from __future__ import annotations

import re

from autograder.engine.cells import NOT_ANSWERED
from autograder.engine.student_answers import Answers
from autograder.model.errors import ContractError, MissingAnswer
from autograder.toolkit.tracebacks import is_stub, student_frame, where

_SYMBOLIC = re.compile(r"symbolic|KerasTensor|Tracer", re.IGNORECASE)


_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _first_line(message: str) -> str:
    """The line of an error message that says what went wrong.

    Keras re-raises an error from a layer's ``call`` as "Exception encountered
    when calling X.call()." followed by the original message: that one is meant.
    """
    lines = [_ANSI.sub("", line).strip() for line in message.strip().splitlines()]
    lines = [line for line in lines if line]
    if len(lines) > 1 and lines[0].startswith("Exception encountered when calling"):
        return lines[1]
    return lines[0] if lines else ""


def not_implemented(answer: str) -> str:
    """What a check of an unanswered stub says (the grader rebuilds it from here, never from a worker)."""
    return f"{answer} is not implemented yet: replace `raise NotImplementedError()` with your code"


def not_answered(name: str) -> str:
    """What a check of an unanswered question says."""
    return f"{name} is not answered yet: replace `raise NotImplementedError()` with `{name} = ...`"


def explain(error: BaseException, grade_id: str, answers: Answers, answer: str | None = None) -> str:
    """A student-facing sentence for an exception raised by their code.

    ``answer`` is the name the student wrote (``Softmax``); it defaults to the
    grade_id of its cell (``softmax_layer``).
    """
    answer = answer or grade_id
    if isinstance(error, MissingAnswer):
        if answers.errors.get(grade_id) == NOT_ANSWERED:
            return not_answered(error.name)
        if grade_id in answers.errors:
            return f"`{error.name}` is not defined because the cell of {answer} failed: {answers.errors[grade_id]}"
        if answers.in_kernel:
            return f"`{error.name}` is not defined: run the cell that defines it (and the cells above it) first"
        return f"`{error.name}` is not defined in the notebook"
    if isinstance(error, ContractError):
        return str(error)
    if is_stub(error):
        return not_implemented(answer)
    text = _first_line(str(error))
    text = text if len(text) <= 300 else text[:297] + "..."
    message = f"your code raised {type(error).__name__}{': ' + text if text else ''}{where(student_frame(error))}"
    if _SYMBOLIC.search(str(error)):
        message += (
            ". Inside a Keras layer, model or loss the inputs are symbolic tensors, which NumPy cannot "
            "handle: write this with keras.ops (ops.exp, ops.sum, ...) instead of np.*"
        )
    return message
