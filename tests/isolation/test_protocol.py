"""Unit tests of ``autograder.isolation.protocol``: the frames a worker sends, parsed by a total function,
and read from a real pipe within a deadline and a byte budget."""

from __future__ import annotations

import os
import struct
import threading
import time

import numpy as np
import pytest

from autograder.isolation import codec
from autograder.isolation.protocol import (
    Calls,
    Crashed,
    FrameReader,
    Job,
    ProbeJob,
    ProbeResult,
    ProtocolError,
    Ready,
    SetupFailed,
    Timeout,
    frame_bytes,
    parse_frame,
    write_all,
)


@pytest.mark.parametrize(
    "frame",
    [
        Ready({"landlock": "7"}),
        SetupFailed("building the file system", "OSError: no"),
        ProbeResult(3, True, {"out": np.ones((2, 2), dtype=np.float32)}, "", ""),
        ProbeResult(0, False, {}, "your code raised ValueError", "a warning"),
        Crashed("MemoryError: "),
        Calls({"softmax": ["keras.ops.softmax"]}),
    ],
    ids=lambda f: type(f).__name__,
)
def test_every_frame_round_trips(frame):
    """Does each kind of frame come back equal from its bytes (the length prefix dropped)?"""
    back = parse_frame(frame_bytes(frame)[4:])
    assert type(back) is type(frame)
    if isinstance(frame, ProbeResult) and frame.observed:
        np.testing.assert_array_equal(back.observed["out"], frame.observed["out"])
    else:
        assert back == frame


def test_a_job_round_trips():
    """Does a job (imports, answers, probes with their reference, inputs and seed) come back equal?"""
    job = Job(
        "import numpy as np",
        {"softmax": "def softmax(z): ..."},
        (ProbeJob(("autograder.x", "p", (1,), {"k": 2}), {"z": np.eye(2)}, 7, "softmax", "softmax"),),
    )
    back = Job.from_bytes(job.to_bytes())
    assert back.imports == job.imports and back.answers == job.answers
    assert back.probes[0].ref == job.probes[0].ref and back.probes[0].init_seed == 7


@pytest.mark.parametrize(
    "value",
    [
        [1, 2],
        {"kind": "ready"},
        {"kind": "ready", "report": {"k": 1}},
        {"kind": "result", "number": True, "ok": True, "observed": {}, "message": "", "noise": ""},
        {"kind": "result", "number": -1, "ok": True, "observed": {}, "message": "", "noise": ""},
        {"kind": "result", "number": 1, "ok": 1, "observed": {}, "message": "", "noise": ""},
        {"kind": "result", "number": 1, "ok": True, "observed": [], "message": "", "noise": ""},
        {"kind": "result", "number": 1, "ok": True, "observed": {}, "message": 5, "noise": ""},
        {"kind": "calls", "calls": {"a": "not a list"}},
        {"kind": "eval", "code": "1"},
    ],
)
def test_malformed_frames_are_protocol_errors(value):
    """Is every frame of the wrong shape a ProtocolError (never a crash of the grader)?"""
    with pytest.raises(ProtocolError):
        parse_frame(codec.encode(value))


def test_text_from_a_worker_is_cut_and_made_writable():
    """Is a worker's message cut to size, with a lone surrogate (valid JSON, not UTF-8) replaced?"""
    frame = parse_frame(frame_bytes(ProbeResult(0, False, {}, "\ud800" + "x" * 10_000, ""))[4:])
    assert frame.message.startswith("?x") and len(frame.message) == 4000
    frame.message.encode("utf-8")


def _reader(chunks: list[bytes], budget: int = 1 << 20, seconds: float = 5.0, close: bool = True) -> list:
    read, write = os.pipe()

    def writer() -> None:
        try:
            for chunk in chunks:
                write_all(write, chunk)
        except BrokenPipeError:  # the reader gave up first
            pass
        if close:
            os.close(write)

    thread = threading.Thread(target=writer)
    thread.start()
    reader = FrameReader(read, time.monotonic() + seconds, budget)
    frames = []
    try:
        while (frame := reader.next()) is not None:
            frames.append(frame)
    finally:
        os.close(read)  # first: a writer blocked on a full pipe gets EPIPE
        thread.join()
        if not close:
            os.close(write)
    return frames


def test_frames_are_read_in_order_until_the_end_of_the_pipe():
    """Are frames written in pieces read whole, in order, until the writer closes the pipe?"""
    data = frame_bytes(Ready()) + frame_bytes(ProbeResult(0, True, {"x": 1}, "", ""))
    frames = _reader([data[:3], data[3:11], data[11:]])
    assert [type(f) for f in frames] == [Ready, ProbeResult]


@pytest.mark.parametrize(
    "chunks, phrase",
    [
        ([struct.pack("<I", 0xFFFFFFF0)], "over its budget"),
        ([frame_bytes(ProbeResult(n, True, {"x": np.zeros(30_000)}, "", "")) for n in range(3)], "more than 0.5 MB"),
        ([frame_bytes(Ready())[:-2]], "cut off"),
        ([struct.pack("<I", 4) + b"junk"], "unreadable"),
    ],
    ids=["a 4 GB length", "over the budget", "cut off", "not a message"],
)
def test_what_a_worker_must_not_send_is_a_protocol_error(chunks, phrase):
    """Is a huge length prefix, a stream over the byte budget, a cut-off frame or garbage a ProtocolError?"""
    with pytest.raises(ProtocolError, match=phrase):
        _reader(chunks, budget=1 << 19)


def test_a_silent_worker_times_out_at_the_deadline():
    """Does reading from a worker that writes nothing and keeps its pipe open end at the deadline?"""
    start = time.monotonic()
    with pytest.raises(Timeout):
        _reader([], seconds=0.5, close=False)
    assert 0.4 < time.monotonic() - start < 5
