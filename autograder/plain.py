"""Plain data across a process boundary, without pickle.

What crosses between the grader and a worker (check inputs one way, a probe's
observations the other) is a tree of dicts, lists, tuples, strings, numbers,
booleans, None and NumPy arrays. It is stored as one ``.npz`` file: the arrays
as members, the tree as JSON with ``{"__array__": "a3"}`` where an array was.
Loading uses ``allow_pickle=False``, so a hostile file can at worst fail to load.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np

_TREE = "__tree__"


class PlainDataError(ValueError):
    """Something that is not plain data, or a file that is not one of ours."""


def _encode(value: Any, arrays: dict[str, np.ndarray]) -> Any:
    if isinstance(value, np.ndarray):
        if value.dtype.hasobject:
            raise PlainDataError("an array of Python objects is not plain data")
        key = f"a{len(arrays)}"
        arrays[key] = value
        return {"__array__": key}
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


def _decode(node: Any, arrays: Any) -> Any:
    if isinstance(node, list):
        return [_decode(v, arrays) for v in node]
    if isinstance(node, dict):
        if "__array__" in node:
            return arrays[node["__array__"]]
        if "__tuple__" in node:
            return tuple(_decode(v, arrays) for v in node["__tuple__"])
        if "__dict__" in node:
            return {k: _decode(v, arrays) for k, v in node["__dict__"].items()}
        raise PlainDataError("unknown node in a plain-data file")
    return node


def dump(value: Any, path: Path | str) -> None:
    """Write ``value`` to ``path`` atomically (a reader never sees half a file)."""
    arrays: dict[str, np.ndarray] = {}
    tree = json.dumps(_encode(value, arrays))
    path = Path(path)
    partial = path.with_name(path.name + ".partial")
    with open(partial, "wb") as handle:
        np.savez(handle, **arrays, **{_TREE: np.frombuffer(tree.encode(), dtype=np.uint8)})
    os.replace(partial, path)


def load(path: Path | str, max_bytes: int = 256 * 2**20) -> Any:
    """Read what :func:`dump` wrote; never unpickles, refuses files over ``max_bytes``."""
    path = Path(path)
    if path.stat().st_size > max_bytes:
        raise PlainDataError(f"{path.name} is over {max_bytes // 2**20} MB")
    try:
        with np.load(path, allow_pickle=False) as archive:
            arrays = {key: archive[key] for key in archive.files}
    except (OSError, ValueError) as error:
        raise PlainDataError(f"{path.name} is not a plain-data file: {error}") from None
    tree = arrays.pop(_TREE, None)
    if tree is None:
        raise PlainDataError(f"{path.name} has no tree")
    return _decode(json.loads(bytes(tree).decode()), arrays)
