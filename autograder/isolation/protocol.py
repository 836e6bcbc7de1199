"""What crosses between the grader and a worker, as typed objects, and the pipes it crosses on.

Each worker has two pipes of its own, made by the grader: the *job* pipe
(grader -> worker: one :class:`Job`, then end of file) and the *result* pipe
(worker -> grader: frames). A frame is a 4-byte little-endian length and a
:mod:`.codec` message. The worker's first frame is :class:`Ready` (or
:class:`SetupFailed`), sent before any student code runs; after the job, one
:class:`ProbeResult` per probe, as soon as it has it.

Everything a worker sends is read by :class:`FrameReader` within a deadline
and a byte budget, and parsed by :func:`parse_frame`, which is total: any
malformed frame becomes a :class:`ProtocolError` for that one student.
"""

from __future__ import annotations

import json
import os
import select
import socket
import struct
import time
from dataclasses import dataclass, field
from typing import Any

from autograder.isolation import codec

_LENGTH = struct.Struct("<I")
MESSAGE_BYTES = 1 << 16  # a control message between the grader and the warm process
MAX_MESSAGE = 4000  # characters of a message or of captured output a worker may send per probe


class ProtocolError(Exception):
    """The worker broke the protocol: the reason is for that student's result."""


class Timeout(ProtocolError):
    """The deadline passed while waiting for the worker."""


@dataclass(frozen=True)
class ProbeJob:
    """One check's probe, to run on the student's answers."""

    ref: tuple  # autograder.model.checks.ProbeRef
    inputs: dict[str, Any]
    init_seed: int
    answer: str  # the answer's grade_id
    name: str  # the name the student's answer defines
    stand_ins: tuple[str, ...] = ()  # the other answers' names, replaced by the lab's stand-ins meanwhile


@dataclass(frozen=True)
class Job:
    """A worker's whole job: the lab's imports cell, the student's answer cells, the probes in order."""

    imports: str
    answers: dict[str, str]
    probes: tuple[ProbeJob, ...]
    lab: str = ""  # whose stand-ins the probes name

    def to_bytes(self) -> bytes:
        probes = [
            {
                "ref": p.ref,
                "inputs": p.inputs,
                "init_seed": p.init_seed,
                "answer": p.answer,
                "name": p.name,
                "stand_ins": list(p.stand_ins),
            }
            for p in self.probes
        ]
        return codec.encode({"imports": self.imports, "answers": self.answers, "probes": probes, "lab": self.lab})

    @classmethod
    def from_bytes(cls, data: bytes) -> Job:
        value = codec.decode(data, codec.Bounds(header_bytes=len(data), arrays=len(data)))  # from the grader
        probes = tuple(
            ProbeJob(tuple(p["ref"]), p["inputs"], p["init_seed"], p["answer"], p["name"], tuple(p["stand_ins"]))
            for p in value["probes"]
        )
        return cls(value["imports"], value["answers"], probes, value["lab"])


@dataclass(frozen=True)
class Ready:
    """The sandbox is built and no student code has run: the grader may measure it. ``report`` is what
    the worker's own code checked of its sandbox (where the kernel shows the grader nothing)."""

    report: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class SetupFailed:
    """Building the sandbox failed (before any student code ran)."""

    step: str
    error: str


@dataclass(frozen=True)
class ProbeResult:
    """What probe number ``number`` observed (``ok``), or why it observed nothing."""

    number: int
    ok: bool
    observed: dict[str, Any]
    message: str
    noise: str


@dataclass(frozen=True)
class Crashed:
    """The worker's own code failed after the job started (student code may have caused it, or sent this)."""

    error: str


@dataclass(frozen=True)
class Calls:
    """The forbidden built-ins each answer's own code called while it ran (by grade_id), sent last."""

    calls: dict[str, list[str]]


Frame = Ready | SetupFailed | ProbeResult | Crashed | Calls
MAX_CALLS = 100  # names per answer


def frame_bytes(frame: Frame) -> bytes:
    if isinstance(frame, Ready):
        value: dict[str, Any] = {"kind": "ready", "report": frame.report}
    elif isinstance(frame, SetupFailed):
        value = {"kind": "failed", "step": frame.step, "error": frame.error}
    elif isinstance(frame, Calls):
        value = {"kind": "calls", "calls": {gid: names[:MAX_CALLS] for gid, names in frame.calls.items()}}
    elif isinstance(frame, Crashed):
        value = {"kind": "crashed", "error": frame.error[:MAX_MESSAGE]}
    else:
        value = {"kind": "result", "number": frame.number, "ok": frame.ok, "observed": frame.observed}
        value |= {"message": frame.message[:MAX_MESSAGE], "noise": frame.noise[:MAX_MESSAGE]}
    payload = codec.encode(value)
    return _LENGTH.pack(len(payload)) + payload


def _text(value: Any, what: str) -> str:
    """Worker text, cut to size, a lone surrogate (valid JSON, invalid UTF-8) made "?"."""
    if not isinstance(value, str):
        raise ProtocolError(f"the worker sent a {what} that is not text")
    return value[:MAX_MESSAGE].encode("utf-8", "replace").decode("utf-8")


def parse_frame(payload: bytes) -> Frame:
    """The frame in ``payload``; a ProtocolError for anything else (total: any bytes are safe)."""
    try:
        value = codec.decode(payload)
    except codec.PlainDataError as error:
        raise ProtocolError(f"the worker sent something unreadable ({error})") from None
    if not isinstance(value, dict):
        raise ProtocolError("the worker sent a frame that is not a dict")
    kind = value.get("kind")
    if kind == "ready" and set(value) == {"kind", "report"} and isinstance(value["report"], dict):
        report = value["report"]
        if len(report) <= 100 and all(isinstance(v, str) for v in report.values()):
            return Ready({k[:100]: v[:MAX_MESSAGE] for k, v in report.items()})
    if kind == "failed" and set(value) == {"kind", "step", "error"}:
        return SetupFailed(_text(value["step"], "step"), _text(value["error"], "error"))
    if kind == "calls" and set(value) == {"kind", "calls"} and isinstance(value["calls"], dict):
        calls = value["calls"]
        if all(isinstance(names, list) and all(isinstance(n, str) for n in names) for names in calls.values()):
            return Calls({gid: [n[:200] for n in names[:MAX_CALLS]] for gid, names in calls.items()})
        raise ProtocolError("the worker sent calls that are not lists of names")
    if kind == "crashed" and set(value) == {"kind", "error"}:
        return Crashed(_text(value["error"], "error"))
    if kind == "result" and set(value) == {"kind", "number", "ok", "observed", "message", "noise"}:
        number, ok, observed = value["number"], value["ok"], value["observed"]
        if not (isinstance(number, int) and not isinstance(number, bool) and number >= 0):
            raise ProtocolError("the worker sent a result without a probe number")
        if not isinstance(ok, bool) or not isinstance(observed, dict):
            raise ProtocolError("the worker sent a result that is not an observation")
        return ProbeResult(number, ok, observed, _text(value["message"], "message"), _text(value["noise"], "noise"))
    raise ProtocolError("the worker sent a frame of no known kind")


def write_all(fd: int, data: bytes) -> None:
    """Blocking write of all of ``data`` (the worker's side)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def write_before(fd: int, data: bytes, deadline: float) -> None:
    """Write all of ``data`` to a non-blocking pipe before ``deadline`` (the grader's side); a Timeout else."""
    os.set_blocking(fd, False)
    view = memoryview(data)
    poller = select.poll()
    poller.register(fd, select.POLLOUT)
    while view:
        left = deadline - time.monotonic()
        if left <= 0:
            raise Timeout("the worker did not take its job in time")
        if not poller.poll(left * 1000):
            continue
        try:
            view = view[os.write(fd, view) :]
        except BlockingIOError:
            continue
        except BrokenPipeError:
            raise ProtocolError("the worker ended before it took its job") from None


class FrameReader:
    """Frames from a worker's result pipe, within a deadline and a byte budget."""

    def __init__(self, fd: int, deadline: float, budget: int):
        self.fd, self.deadline, self.budget = fd, deadline, budget
        self.buffer = bytearray()
        self.eof = False
        self.received = 0
        os.set_blocking(fd, False)
        self.poller = select.poll()
        self.poller.register(fd, select.POLLIN)

    def _fill(self, wanted: int) -> bool:
        """Read until the buffer holds ``wanted`` bytes; False at end of file first."""
        while len(self.buffer) < wanted:
            if self.eof:
                return False
            left = self.deadline - time.monotonic()
            if left <= 0:
                raise Timeout("deadline")
            if not self.poller.poll(min(left, 1.0) * 1000):
                continue
            try:
                chunk = os.read(self.fd, min(1 << 20, self.budget - self.received + 1))
            except BlockingIOError:
                continue
            if not chunk:
                self.eof = True
                continue
            self.received += len(chunk)
            if self.received > self.budget:
                raise ProtocolError(f"the worker sent more than {self.budget / 2**20:g} MB of results")
            self.buffer += chunk
        return True

    def next(self) -> Frame | None:
        """The next frame, or None at end of file (a partial frame at the end is a ProtocolError)."""
        if not self._fill(_LENGTH.size):
            if self.buffer:
                raise ProtocolError("the worker's last frame was cut off")
            return None
        (length,) = _LENGTH.unpack(self.buffer[: _LENGTH.size])
        if length > self.budget:
            raise ProtocolError(f"the worker sent a frame of {length} bytes, over its budget")
        if not self._fill(_LENGTH.size + length):
            raise ProtocolError("the worker's last frame was cut off")
        payload = bytes(self.buffer[_LENGTH.size : _LENGTH.size + length])
        del self.buffer[: _LENGTH.size + length]
        return parse_frame(payload)


def send(channel: socket.socket, message: dict[str, Any], fds: list[int] | None = None) -> None:
    """A control message (JSON) on a SOCK_SEQPACKET socket, with descriptors if any."""
    data = json.dumps(message).encode()
    if fds:
        socket.send_fds(channel, [data], fds)
    else:
        channel.send(data)


def receive(channel: socket.socket, max_fds: int = 2) -> tuple[dict[str, Any] | None, list[int]]:
    """The next control message and its descriptors; (None, []) at end of file."""
    data, fds, _, _ = socket.recv_fds(channel, MESSAGE_BYTES, max(max_fds, 1))
    if not data:
        for fd in fds:
            os.close(fd)
        return None, []
    return json.loads(data), fds
