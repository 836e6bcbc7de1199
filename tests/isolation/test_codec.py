"""Unit tests of ``autograder.isolation.codec``: plain data both ways, and a decoder that is total on
hostile bytes (it returns a value or raises PlainDataError, and allocates nothing a message does not hold)."""

from __future__ import annotations

import contextlib
import json
import math
import random
import struct

import numpy as np
import pytest

from autograder.isolation.codec import MAGIC, PlainDataError, decode, encode


def _header_message(header: dict, body: bytes = b"") -> bytes:
    text = json.dumps(header).encode()
    return MAGIC + struct.pack("<I", len(text)) + text + body


def test_plain_data_round_trips():
    """Do dicts, lists, tuples, strings, numbers (NaN included), None, booleans and arrays of every
    allowed kind (0-d, big-endian, strings, empty) come back equal, with their types?"""
    value = {
        "scalar": np.float32(1.5),
        "zero_d": np.array(2.0),
        "big_endian": np.arange(6, dtype=">f8").reshape(2, 3),
        "strings": np.array(["a", "bc"]),
        "bytes": np.array([b"x"]),
        "empty": np.zeros((0, 4), dtype=np.int64),
        "bool": np.array([True, False]),
        "nested": [(1, "two", None), {"nan": float("nan"), "inf": -math.inf}],
        "flag": True,
    }
    back = decode(encode(value))
    assert back["scalar"] == 1.5 and isinstance(back["scalar"], float)
    assert back["zero_d"].shape == () and back["zero_d"] == 2.0
    np.testing.assert_array_equal(back["big_endian"], value["big_endian"])
    assert back["big_endian"].dtype == np.dtype("<f8")
    np.testing.assert_array_equal(back["strings"], value["strings"])
    assert back["empty"].shape == (0, 4) and back["bool"].dtype == bool
    assert back["nested"][0] == (1, "two", None) and math.isnan(back["nested"][1]["nan"])
    assert back["flag"] is True


@pytest.mark.parametrize(
    "value",
    [np.array([object()], dtype=object), {1: "int key"}, {"set": {1, 2}}, np.zeros(2, dtype=[("a", "f4")])],
    ids=["object array", "int key", "set", "record array"],
)
def test_what_is_not_plain_data_is_refused_on_encoding(value):
    """Are object and record arrays, sets and non-string keys refused with PlainDataError?"""
    with pytest.raises(PlainDataError):
        encode(value)


@pytest.mark.parametrize(
    "message, phrase",
    [
        (b"", "not a plain-data message"),
        (b"PK\x03\x04" + b"\x00" * 40, "not a plain-data message"),
        (MAGIC + struct.pack("<I", 10**6) + b"{}", "over the limit or longer"),
        (_header_message({"tree": 1}), "no tree and arrays"),
        (_header_message({"tree": {"__array__": 0}, "arrays": [["<f8", [2**40]]]}), "more than the message holds"),
        (_header_message({"tree": 0, "arrays": [["<f8", [2**62, 0, 2**62]]]}), "could not be read"),
        (_header_message({"tree": 0, "arrays": [["|O", [1]]]}), "is not plain data"),
        (_header_message({"tree": 0, "arrays": [[">f8", [1]]]}, b"\x00" * 8), "is not plain data"),
        (_header_message({"tree": 0, "arrays": [["<f8", [-1]]]}), "short list of sizes"),
        (_header_message({"tree": 0, "arrays": [["<f8", [True]]]}), "short list of sizes"),
        (_header_message({"tree": 0, "arrays": []}, b"extra"), "bytes after its arrays"),
        (_header_message({"tree": {"__array__": 5}, "arrays": []}), "unknown node"),
        (_header_message({"tree": {"__eval__": "1"}, "arrays": []}), "unknown node"),
        (MAGIC + struct.pack("<I", 200_002) + b"[" * 100_001 + b"]" * 100_001, "nested more than"),
        (MAGIC + struct.pack("<I", 4) + b"\xff\xfe\xfd\xfc", "could not be read"),
    ],
    ids=[
        "empty",
        "zip",
        "header longer than the message",
        "no arrays list",
        "a terabyte array",
        "zero-sized but huge shape",
        "object dtype",
        "big-endian",
        "negative size",
        "boolean size",
        "trailing bytes",
        "array index out of range",
        "unknown node",
        "nested 100,001 deep",
        "not UTF-8",
    ],
)
def test_hostile_messages_are_refused_without_allocating(message, phrase):
    """Is each malformed or hostile message refused with PlainDataError (a message that says why), before
    anything it claims is allocated?"""
    with pytest.raises(PlainDataError, match=phrase):
        decode(message)


def test_the_decoder_is_total_on_mutated_messages():
    """Over 3000 random mutations (flipped, cut, inserted bytes) of real messages, does decoding only ever
    return a value or raise PlainDataError?"""
    generator = random.Random(20261130)
    seeds = [
        encode({"ok": True, "observed": {"out": np.arange(12, dtype=np.float32).reshape(3, 4)}, "message": "m"}),
        encode([("a", np.array(["xy"])), {"k": [1, 2.5, None]}]),
    ]
    for _ in range(3000):
        data = bytearray(generator.choice(seeds))
        for _ in range(generator.randint(1, 6)):
            position = generator.randrange(len(data))
            kind = generator.randrange(3)
            if kind == 0:
                data[position] = generator.randrange(256)
            elif kind == 1:
                del data[position:]
                if not data:
                    data = bytearray(b"A")
            else:
                data[position:position] = bytes(generator.randrange(256) for _ in range(generator.randint(1, 8)))
        with contextlib.suppress(PlainDataError):
            decode(bytes(data))
