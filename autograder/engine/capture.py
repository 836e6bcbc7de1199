"""Keeping a test cell's stderr clean while checks run.

nbgrader scores a test cell 0 if it writes anything to stderr, and TensorFlow's
C++ logging writes to file descriptor 2 directly, past ``sys.stderr``. So while
checks run, file descriptor 2, ``sys.stderr``, ``sys.stdout``, the logging
handlers that hold the original stderr, and Python warnings are all redirected;
what they caught is returned so the report can mention it instead of losing it.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import sys
import tempfile
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field


@dataclass
class Captured:
    """What code wrote while it ran under :func:`captured`."""

    stderr: str = ""
    warnings: list[str] = field(default_factory=list)

    def summary(self, limit: int = 300) -> str:
        parts = [w for w in self.warnings]
        text = self.stderr.strip()
        if text:
            parts.append(text)
        joined = " | ".join(" ".join(p.split()) for p in parts)
        return joined if len(joined) <= limit else joined[: limit - 3] + "..."


_LIBRARY_DIRS = tuple({os.path.realpath(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)})


def _library_deprecation(warning: warnings.WarningMessage) -> bool:
    """A deprecation warning that a library (Keras saving a model, say) raised about itself."""
    is_deprecation = issubclass(warning.category, DeprecationWarning | PendingDeprecationWarning)
    return is_deprecation and os.path.realpath(warning.filename).startswith(_LIBRARY_DIRS)


def _stream_handlers(stream: object) -> list[logging.StreamHandler]:
    loggers = [logging.getLogger()] + [
        logger for logger in logging.Logger.manager.loggerDict.values() if isinstance(logger, logging.Logger)
    ]
    return [
        handler
        for logger in loggers
        for handler in logger.handlers
        if isinstance(handler, logging.StreamHandler) and getattr(handler, "stream", None) is stream
    ]


@contextlib.contextmanager
def _fd2_redirected(sink) -> Iterator[None]:
    try:
        sys.__stderr__.flush() if sys.__stderr__ else None
        saved = os.dup(2)
    except (OSError, ValueError):  # no file descriptor 2 (some embedded interpreters)
        yield
        return
    os.dup2(sink.fileno(), 2)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


@contextlib.contextmanager
def captured() -> Iterator[Captured]:
    """Redirect every path to stderr (and Python-level stdout) while the block runs."""
    result = Captured()
    python_err, python_out = io.StringIO(), io.StringIO()
    original_err = sys.stderr
    # (handler, its stream): restored one by one, since the two streams may differ.
    handlers = {h: h.stream for h in _stream_handlers(original_err) + _stream_handlers(sys.__stderr__)}
    with tempfile.TemporaryFile(mode="w+b") as fd_sink, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for handler in handlers:
            handler.setStream(python_err)
        try:
            with (
                _fd2_redirected(fd_sink),
                contextlib.redirect_stderr(python_err),
                contextlib.redirect_stdout(python_out),
            ):
                yield result
        finally:
            for handler, stream in handlers.items():
                handler.setStream(stream)
            fd_sink.seek(0)
            native = fd_sink.read().decode("utf-8", errors="replace")
            result.stderr = python_err.getvalue() + native
            result.warnings = [f"{w.category.__name__}: {w.message}" for w in caught if not _library_deprecation(w)]
