"""Where the student's code is in a traceback: the frame, its line, and whether it is an unanswered stub.

A check author uses :func:`is_stub` to tell an unanswered exercise from a broken one; the engine uses
:func:`student_frame` to name the student's line in a message.
"""

from __future__ import annotations

import linecache
import os
import sys
import traceback
from pathlib import Path

_PACKAGE_DIR = str(Path(__file__).resolve().parents[1])  # autograder/


_LIBRARY_DIRS = tuple({os.path.realpath(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)})


def student_frame(error: BaseException) -> traceback.FrameSummary | None:
    """The innermost frame of the student's code in the error's traceback."""
    for frame in reversed(traceback.extract_tb(error.__traceback__)):
        if frame.filename.startswith("<"):
            if ":" in frame.filename:  # <reference:grade_id>: not the student's code
                continue
            return frame
        path = os.path.realpath(frame.filename)
        if not (path.startswith(_PACKAGE_DIR) or path.startswith(_LIBRARY_DIRS)):
            return frame
    return None


def _line_of(frame: traceback.FrameSummary) -> str:
    return (frame.line or linecache.getline(frame.filename, frame.lineno)).strip()


def where(frame: traceback.FrameSummary | None) -> str:
    if frame is None:
        return ""
    line = _line_of(frame)
    return f" (in {frame.name}, line {frame.lineno}{': `' + line + '`' if line else ''})"


def is_stub(error: BaseException) -> bool:
    """Whether the error is the ``raise NotImplementedError()`` of an unanswered stub.

    Keras re-raises an error from a layer's ``call`` with a longer message, so
    the test is on the student's line that raised it, not on the message.
    """
    if not isinstance(error, NotImplementedError):
        return False
    frame = student_frame(error)
    return frame is not None and _line_of(frame).startswith("raise NotImplementedError")
