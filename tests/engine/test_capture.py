"""Unit tests of ``autograder.engine.capture``: nothing a check runs may reach the test cell's stderr."""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import warnings
from collections.abc import Iterator

import pytest

from autograder.engine.capture import Captured, captured


@contextlib.contextmanager
def stderr_logger() -> Iterator[tuple[logging.Logger, logging.StreamHandler]]:
    """A logger whose only handler holds the current sys.stderr, as TensorFlow's and absl's do.

    Made inside the test body: pytest swaps sys.stderr between a test's setup and its call.
    """
    logger = logging.getLogger("autograder.tests.capture")
    handler = logging.StreamHandler()  # holds sys.stderr as it is now
    logger.addHandler(handler)
    logger.propagate = False
    logger.setLevel(logging.INFO)
    try:
        yield logger, handler
    finally:
        logger.removeHandler(handler)
        logger.propagate = True


def fd2_identity() -> tuple[int, int]:
    """What file descriptor 2 points at."""
    stat = os.fstat(2)
    return stat.st_dev, stat.st_ino


def test_sys_stderr_write_is_captured(capfd):
    """Is a write to sys.stderr captured and kept off the real stderr?"""
    with captured() as out:
        sys.stderr.write("python-level noise\n")
    assert "python-level noise" in out.stderr
    assert capfd.readouterr().err == ""


def test_fd2_write_is_captured(capfd):
    """Is a write straight to file descriptor 2 (as TensorFlow's C++ logging does) captured?"""
    with captured() as out:
        os.write(2, b"native noise from C++\n")
    assert "native noise from C++" in out.stderr
    assert capfd.readouterr().err == ""


def test_warning_is_captured(capfd):
    """Is a Python warning recorded with its category, not printed?"""
    with captured() as out:
        warnings.warn("this API is deprecated", DeprecationWarning, stacklevel=1)
        warnings.warn("something odd", stacklevel=1)
    assert out.warnings == ["DeprecationWarning: this API is deprecated", "UserWarning: something odd"]
    assert capfd.readouterr().err == ""


def warn_from_one_place() -> None:
    warnings.warn("repeated", UserWarning, stacklevel=1)


def test_warning_seen_before_is_recorded_again(capfd):
    """Is a warning already shown once (so "default" would hide it) still recorded inside the block?"""
    with warnings.catch_warnings(record=True) as outside:
        warnings.simplefilter("default")
        warn_from_one_place()
        warn_from_one_place()
        assert len(outside) == 1
        with captured() as out:
            warn_from_one_place()
    assert out.warnings == ["UserWarning: repeated"]
    assert capfd.readouterr().err == ""


def test_logging_handler_holding_stderr_is_captured(capfd):
    """Is a log record from a handler that holds the original sys.stderr captured?"""
    with stderr_logger() as (logger, handler):
        original = handler.stream
        assert original is sys.stderr
        with captured() as out:
            logger.warning("a logged warning")
        assert handler.stream is original
    assert "a logged warning" in out.stderr
    assert "Logging error" not in out.stderr
    assert capfd.readouterr().err == ""


def test_every_path_at_once_in_summary(capfd):
    """Do all four paths end up in the result and its one-line summary, with nothing on the real stderr?"""
    with stderr_logger() as (logger, _), captured() as out:
        sys.stderr.write("one\n")
        os.write(2, b"two\n")
        warnings.warn("three", stacklevel=1)
        logger.info("four")
    for text in ("one", "two", "four"):
        assert text in out.stderr
    assert out.warnings == ["UserWarning: three"]
    summary = out.summary()
    assert summary.startswith("UserWarning: three | ")
    for text in ("one", "two", "four"):
        assert text in summary
    assert "\n" not in summary
    assert capfd.readouterr().err == ""


def test_stdout_is_kept_out_of_the_cell(capfd):
    """Is Python-level stdout redirected too, so a student's print does not reach the cell?"""
    with captured():
        print("student print")
    assert capfd.readouterr().out == ""


def test_streams_restored_after_block(capfd):
    """Are sys.stderr, the handler's stream and file descriptor 2 restored after the block?"""
    with stderr_logger() as (_, handler):
        before = (sys.stderr, handler.stream, fd2_identity())
        with captured():
            assert sys.stderr is not before[0]
            assert handler.stream is not before[1]
            assert fd2_identity() != before[2]
        assert (sys.stderr, handler.stream, fd2_identity()) == before
    os.write(2, b"after the block\n")
    assert capfd.readouterr().err == "after the block\n"


def test_streams_restored_when_block_raises(capfd):
    """Are the handler's stream and file descriptor 2 restored when the block raises, and the output kept?"""
    with stderr_logger() as (_, handler):
        before = (sys.stderr, handler.stream, fd2_identity())
        with pytest.raises(RuntimeError, match="student crashed"), captured() as out:
            os.write(2, b"before the crash\n")
            raise RuntimeError("student crashed")
        assert (sys.stderr, handler.stream, fd2_identity()) == before
    assert "before the crash" in out.stderr
    os.write(2, b"still works\n")
    assert capfd.readouterr().err == "still works\n"


def test_empty_block_captures_nothing():
    """Does a quiet block give an empty result and an empty summary?"""
    with captured() as out:
        pass
    assert out == Captured()
    assert out.summary() == ""


def test_summary_is_cut_at_limit():
    """Is a long summary cut to the limit with an ellipsis, whitespace collapsed?"""
    long = Captured(stderr="x" * 500, warnings=["UserWarning:   spaced\n  out"])
    summary = long.summary(limit=40)
    assert len(summary) == 40
    assert summary.endswith("...")
    assert summary.startswith("UserWarning: spaced out | xxx")
