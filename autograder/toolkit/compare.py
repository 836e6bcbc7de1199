"""Comparing an answer's arrays with the expected ones, and saying how they differ.

Every numeric verdict goes through :func:`compare`, so that every message has the
same parts: what was expected, what came out, where it differs most (index,
value, max abs and rel error), shapes and dtypes, and the tolerance used.
Tolerances follow the dtype (docs/design.md section 4); there is no exact ``==`` on
floats anywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Tolerance:
    rtol: float
    atol: float

    def __str__(self) -> str:
        return f"rtol={self.rtol:g}, atol={self.atol:g}"


# A few ulps of each format, with room for a different order of summation.
_TOLERANCES = {
    "float16": Tolerance(rtol=5e-3, atol=1e-3),
    "bfloat16": Tolerance(rtol=2e-2, atol=1e-2),
    "float32": Tolerance(rtol=1e-5, atol=1e-6),
    "float64": Tolerance(rtol=1e-9, atol=1e-12),
}


def dtype_name(dtype: Any) -> str:
    """ "float64" for np.float64, "f8", "double", tf.float64 alike."""
    try:
        return np.dtype(dtype).name
    except TypeError:
        return str(getattr(dtype, "name", dtype))


def tolerance_for(dtype: Any) -> Tolerance:
    """The tolerance for values computed in ``dtype`` (float32 for non-floats)."""
    return _TOLERANCES.get(dtype_name(dtype), _TOLERANCES["float32"])


def to_numpy(value: Any) -> np.ndarray:
    """A NumPy array from a NumPy array, a backend tensor, a list or a scalar."""
    if isinstance(value, np.ndarray):
        return value
    to_array = getattr(value, "numpy", None)  # TensorFlow tensors, Keras variables
    if callable(to_array):
        try:
            return np.asarray(to_array())
        except Exception:
            pass
    if type(value).__module__.split(".")[0] in {"tensorflow", "jax", "jaxlib", "torch", "keras"}:
        import keras

        return np.asarray(keras.ops.convert_to_numpy(value))
    return np.asarray(value)


@dataclass(frozen=True)
class Comparison:
    """The outcome of :func:`compare`: ``ok`` and, when not, why, in words."""

    ok: bool
    problem: str = ""
    max_abs_error: float = 0.0
    max_rel_error: float = 0.0

    def __bool__(self) -> bool:
        return self.ok


def _index(idx: tuple[int, ...]) -> str:
    return "[" + ", ".join(str(i) for i in idx) + "]"


def _fmt_pair(got: float, want: float) -> tuple[str, str]:
    """The two numbers with enough digits to tell them apart (6 if that is enough)."""
    for digits in (6, 9, 12, 17):
        a, b = f"{got:.{digits}g}", f"{want:.{digits}g}"
        if a != b:
            return a, b
    return a, b


def _fmt(x: float) -> str:
    return f"{x:.6g}"


def compare(
    actual: Any,
    expected: Any,
    *,
    tolerance: Tolerance | None = None,
    hidden: bool = False,
) -> Comparison:
    """Compare ``actual`` with ``expected`` elementwise within a tolerance.

    Args:
        actual: what the answer returned (array, tensor, scalar or None).
        expected: what it should have returned.
        tolerance: defaults to the one of ``expected``'s dtype.
        hidden: leave values and indices out of the message (hidden checks
            name the mistake and the size of the error, never the inputs or the
            expected values).
    """
    if actual is None:
        return Comparison(False, "it returned None: is a `return` statement missing?")
    try:
        got = to_numpy(actual)
    except Exception as error:  # a ragged list, an object, ...
        return Comparison(False, f"its result ({type(actual).__name__}) is not an array: {error}")
    want = to_numpy(expected)
    if got.shape != want.shape:
        hint = ""
        if got.shape == want.shape[::-1] and got.ndim > 1:
            hint = " (transposed: check which axis is which)"
        elif got.size == want.size:
            hint = " (same number of values: a reshape or a missing keepdims?)"
        where = "" if hidden else f"expected shape {want.shape}, "
        return Comparison(False, f"{where}got shape {got.shape}{hint}")
    if not np.issubdtype(got.dtype, np.number) and got.dtype != np.bool_:
        return Comparison(False, f"its result has dtype {got.dtype}, not a number type")
    tol = tolerance or tolerance_for(want.dtype if np.issubdtype(want.dtype, np.floating) else "float32")
    with np.errstate(invalid="ignore", over="ignore"):  # inf - inf is expected along the way
        return _compare_values(got, want, tol, hidden)


def _first(mask: np.ndarray, hidden: bool) -> str:
    """ " (first at [i, j])" for the first True of ``mask``; nothing for scalars or hidden checks."""
    if hidden or not mask.ndim:
        return ""
    return f" (first at {_index(tuple(int(i) for i in np.argwhere(mask)[0]))})"


def _compare_values(got: np.ndarray, want: np.ndarray, tol: Tolerance, hidden: bool) -> Comparison:
    got64, want64 = got.astype(np.float64), want.astype(np.float64)
    finite = np.isfinite(want64)
    # Where inf or NaN is expected, only the same inf (or a NaN) will do.
    same_special = (got64 == want64) | (np.isnan(got64) & np.isnan(want64))
    wrong_special = ~finite & ~same_special
    if wrong_special.any():
        where = _first(wrong_special, hidden)
        return Comparison(
            False, f"{int(wrong_special.sum())} of {got.size} values should be inf or NaN and are not{where}"
        )
    bad_values = finite & ~np.isfinite(got64)
    if bad_values.any():
        where = _first(bad_values, hidden)
        return Comparison(
            False,
            f"{int(bad_values.sum())} of {got.size} values are NaN or infinite "
            f"where finite values were expected{where}",
        )
    abs_err = np.where(finite, np.abs(got64 - want64), np.where(got64 == want64, 0.0, np.inf))
    rel_err = abs_err / np.maximum(np.abs(want64), np.finfo(np.float64).tiny)
    excess = abs_err - (tol.atol + tol.rtol * np.abs(want64))
    max_abs = float(abs_err.max()) if abs_err.size else 0.0
    max_rel = float(rel_err.max()) if rel_err.size else 0.0
    if excess.size == 0 or not (excess > 0).any():
        return Comparison(True, max_abs_error=max_abs, max_rel_error=max_rel)
    worst = np.unravel_index(int(np.argmax(excess)), excess.shape)
    if hidden:
        detail = f"max abs error {_fmt(max_abs)}, max rel error {_fmt(max_rel)} ({tol})"
    else:
        at = f" at {_index(worst)}" if got.ndim else ""
        shown_got, shown_want = _fmt_pair(float(got64[worst]), float(want64[worst]))
        detail = (
            f"worst element{at}: got {shown_got}, expected {shown_want}; "
            f"max abs error {_fmt(max_abs)}, max rel error {_fmt(max_rel)} ({tol}, "
            f"{int((excess > 0).sum())} of {got.size} values outside)"
        )
    both_float = np.issubdtype(want.dtype, np.floating) and np.issubdtype(got.dtype, np.floating)
    if both_float and np.finfo(got.dtype).bits < np.finfo(want.dtype).bits:
        detail += f"; your result is {got.dtype} where {want.dtype} was expected: is something cast down?"
    return Comparison(False, detail, max_abs, max_rel)
