"""Plain data as bytes, both ways across the sandbox, without pickle and with every size bounded.

What crosses between the grader and a worker (a job one way, a probe's
observations the other) is a tree of dicts, lists, tuples, strings, numbers,
booleans, None and NumPy arrays of numbers, booleans or strings. A message is::

    b"AGPD" | u32 length of the header | header (UTF-8 JSON) | the arrays' bytes, in order

where the header is ``{"tree": ..., "arrays": [[dtype, shape], ...]}``: the tree
holds ``{"__array__": i}`` where an array was, ``{"__tuple__": [...]}`` for a
tuple and ``{"__dict__": {...}}`` for a dict.

:func:`decode` is total: whatever the bytes (a worker's are hostile), it
returns the value or raises :class:`PlainDataError`, after checking sizes,
counts, nesting and dtypes *before* allocating anything, so that no message
can make the grader allocate more than the message's own length.
"""

from __future__ import annotations

import json
import math
import re
import struct
from dataclasses import dataclass
from typing import Any

import numpy as np

MAGIC = b"AGPD"
_LENGTH = struct.Struct("<I")
# Little-endian or byte-free numbers, booleans and fixed-width strings; never objects, records or void.
_DTYPE = re.compile(r"^(\|b1|[<|][iu][1248]|<f[248]|<c(8|16)|<U\d{1,6}|\|S\d{1,6})$")


class PlainDataError(ValueError):
    """Something that is not plain data, or bytes that are not a message of ours."""


@dataclass(frozen=True)
class Bounds:
    """The most a message may hold. A message over any bound is refused whole."""

    header_bytes: int = 8 * 2**20
    depth: int = 48
    arrays: int = 4096
    ndim: int = 16


BOUNDS = Bounds()


def _encode(value: Any, arrays: list[np.ndarray]) -> Any:
    if isinstance(value, np.ndarray):
        if value.dtype.hasobject:
            raise PlainDataError("an array of Python objects is not plain data")
        arrays.append(value)
        return {"__array__": len(arrays) - 1}
    if isinstance(value, np.generic):
        return _encode(value.item(), arrays)
    if isinstance(value, bool | int | float | str) or value is None:
        return value
    if isinstance(value, tuple):
        return {"__tuple__": [_encode(v, arrays) for v in value]}
    if isinstance(value, list):
        return [_encode(v, arrays) for v in value]
    if isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            raise PlainDataError("only string keys are plain data")
        return {"__dict__": {k: _encode(v, arrays) for k, v in value.items()}}
    raise PlainDataError(f"a {type(value).__name__} is not plain data")


def _little_endian(array: np.ndarray) -> np.ndarray:
    if not array.flags.c_contiguous:  # (np.ascontiguousarray would make a 0-d array 1-d)
        array = array.copy(order="C")
    if array.dtype.byteorder == ">":
        array = array.astype(array.dtype.newbyteorder("<"))
    if not _DTYPE.match(array.dtype.str):
        raise PlainDataError(f"an array of dtype {array.dtype} is not plain data")
    return array


def encode(value: Any) -> bytes:
    """The message that holds ``value``; a PlainDataError for anything that is not plain data."""
    arrays: list[np.ndarray] = []
    try:
        tree = _encode(value, arrays)
    except RecursionError:
        raise PlainDataError("the value is nested too deeply to be plain data") from None
    arrays = [_little_endian(a) for a in arrays]
    header = json.dumps({"tree": tree, "arrays": [[a.dtype.str, list(a.shape)] for a in arrays]}).encode()
    return b"".join([MAGIC, _LENGTH.pack(len(header)), header, *(a.tobytes() for a in arrays)])


def _nesting(text: str) -> int:
    """The deepest nesting of brackets outside strings, without parsing (the parser recurses)."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def _arrays(specs: Any, body: memoryview, bounds: Bounds) -> list[np.ndarray]:
    if not isinstance(specs, list) or len(specs) > bounds.arrays:
        raise PlainDataError(f"the message lists more than {bounds.arrays} arrays, or no list of them")
    arrays, offset = [], 0
    for spec in specs:
        if not (isinstance(spec, list) and len(spec) == 2 and isinstance(spec[0], str) and isinstance(spec[1], list)):
            raise PlainDataError("an array's description is not [dtype, shape]")
        dtype_text, shape = spec
        if not _DTYPE.match(dtype_text):
            raise PlainDataError(f"an array of dtype {dtype_text[:20]!r} is not plain data")
        if len(shape) > bounds.ndim or not all(
            isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in shape
        ):
            raise PlainDataError("an array's shape is not a short list of sizes")
        dtype = np.dtype(dtype_text)
        size = math.prod(shape) * dtype.itemsize  # Python integers: no overflow
        if size > len(body) - offset:
            raise PlainDataError(f"an array claims {size} bytes, more than the message holds")
        array = np.frombuffer(body, dtype=dtype, count=math.prod(shape), offset=offset).reshape(shape).copy()
        arrays.append(array)
        offset += size
    if offset != len(body):
        raise PlainDataError(f"the message has {len(body) - offset} bytes after its arrays")
    return arrays


def _decode(node: Any, arrays: list[np.ndarray]) -> Any:
    if isinstance(node, list):
        return [_decode(v, arrays) for v in node]
    if isinstance(node, dict):
        if len(node) != 1:
            raise PlainDataError("an unknown node in the message")
        ((kind, content),) = node.items()
        if kind == "__array__" and isinstance(content, int) and 0 <= content < len(arrays):
            return arrays[content]
        if kind == "__tuple__" and isinstance(content, list):
            return tuple(_decode(v, arrays) for v in content)
        if kind == "__dict__" and isinstance(content, dict):
            return {k: _decode(v, arrays) for k, v in content.items()}
        raise PlainDataError("an unknown node in the message")
    return node


def decode(message: bytes | memoryview, bounds: Bounds = BOUNDS) -> Any:
    """The value :func:`encode` put in ``message``; never unpickles, and refuses anything else."""
    data = memoryview(message)
    if len(data) < 8 or bytes(data[:4]) != MAGIC:
        raise PlainDataError("not a plain-data message")
    (length,) = _LENGTH.unpack(data[4:8])
    if length > min(bounds.header_bytes, len(data) - 8):
        raise PlainDataError(f"a header of {length} bytes, over the limit or longer than the message")
    try:
        text = bytes(data[8 : 8 + length]).decode("utf-8")
        if _nesting(text) > bounds.depth:
            raise PlainDataError(f"the message is nested more than {bounds.depth} deep")
        header = json.loads(text)
        if not isinstance(header, dict) or set(header) != {"tree", "arrays"}:
            raise PlainDataError("the message has no tree and arrays")
        arrays = _arrays(header["arrays"], data[8 + length :], bounds)
        return _decode(header["tree"], arrays)
    except PlainDataError:
        raise
    except (ValueError, TypeError, KeyError, OverflowError, RecursionError, MemoryError) as error:
        raise PlainDataError(f"the message could not be read: {type(error).__name__}") from None
