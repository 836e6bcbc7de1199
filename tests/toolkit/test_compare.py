"""Unit tests of ``autograder.toolkit.compare``: the one place where every numeric verdict is made."""

from __future__ import annotations

import warnings

import keras
import numpy as np
import pytest
import tensorflow as tf

from autograder.toolkit.compare import Comparison, Tolerance, compare, to_numpy, tolerance_for

# ---------------------------------------------------------------- agreement


def test_identical_arrays_pass():
    """Do identical arrays compare ok, with zero errors?"""
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    outcome = compare(a.copy(), a)
    assert outcome.ok
    assert bool(outcome)
    assert outcome.problem == ""
    assert outcome.max_abs_error == 0.0
    assert outcome.max_rel_error == 0.0


def test_comparison_truthiness_follows_ok():
    """Is a Comparison falsy exactly when it is not ok?"""
    assert not Comparison(False, "why")
    assert Comparison(True)


# ---------------------------------------------------------------- values outside tolerance

EXPECTED = np.array([[1.0, 2.0], [3.0, 4.0]])
WRONG = np.array([[1.0, 2.0], [3.5, 4.0]])


def test_value_outside_tolerance_names_worst_element():
    """Does a value outside tolerance report the worst index, both values, both errors and the tolerance?"""
    outcome = compare(WRONG, EXPECTED)
    assert not outcome.ok
    assert "worst element at [1, 0]" in outcome.problem
    assert "got 3.5" in outcome.problem
    assert "expected 3" in outcome.problem
    assert "max abs error 0.5" in outcome.problem
    assert "max rel error 0.166667" in outcome.problem
    assert str(tolerance_for("float64")) in outcome.problem
    assert "1 of 4 values outside" in outcome.problem
    assert outcome.max_abs_error == pytest.approx(0.5)
    assert outcome.max_rel_error == pytest.approx(0.5 / 3.0)


def test_worst_element_is_the_one_furthest_outside_tolerance():
    """Is the reported index that of the largest excess, not merely the first bad one?"""
    expected = np.zeros(5)
    got = np.array([0.1, 0.0, 0.0, 0.7, 0.2])
    assert "worst element at [3]" in compare(got, expected).problem


def test_scalar_mismatch_has_no_index():
    """Does a wrong scalar report its values without an index?"""
    outcome = compare(np.float64(2.0), np.float64(1.0))
    assert not outcome.ok
    assert "worst element: got 2, expected 1" in outcome.problem
    assert " at [" not in outcome.problem


def test_hidden_message_leaves_out_values_and_indices():
    """Does hidden=True keep the error sizes but drop the values and the index?"""
    expected = np.array([[1.25, 2.0], [3.0, 4.75]])
    got = expected.copy()
    got[1, 0] = 3.5
    outcome = compare(got, expected, hidden=True)
    assert not outcome.ok
    assert "max abs error 0.5" in outcome.problem
    assert "max rel error 0.166667" in outcome.problem
    assert str(tolerance_for("float64")) in outcome.problem
    for secret in ("3.5", "1.25", "4.75", "[1, 0]", "worst element", "got ", "expected "):
        assert secret not in outcome.problem


# ---------------------------------------------------------------- shapes and None


def test_none_asks_for_a_return():
    """Does a None result ask whether a `return` is missing?"""
    outcome = compare(None, np.zeros(3))
    assert not outcome.ok
    assert "return" in outcome.problem
    assert "None" in outcome.problem


def test_shape_mismatch_names_both_shapes():
    """Does a result of the wrong shape name the expected and the actual shape?"""
    outcome = compare(np.zeros((2, 4)), np.zeros((2, 3)))
    assert not outcome.ok
    assert "expected shape (2, 3)" in outcome.problem
    assert "got shape (2, 4)" in outcome.problem
    assert "transposed" not in outcome.problem
    assert "reshape" not in outcome.problem


def test_transposed_shape_is_called_transposed():
    """Does a transposed result get called transposed?"""
    outcome = compare(np.zeros((3, 2)), np.zeros((2, 3)))
    assert not outcome.ok
    assert "transposed" in outcome.problem


def test_same_size_other_shape_hints_reshape_or_keepdims():
    """Does a result with the right number of values in another shape hint at reshape or keepdims?"""
    outcome = compare(np.zeros(6), np.zeros((6, 1)))
    assert not outcome.ok
    assert "reshape" in outcome.problem
    assert "keepdims" in outcome.problem
    assert "transposed" not in outcome.problem


def test_hidden_shape_mismatch_omits_expected_shape():
    """Does a hidden shape mismatch say what came out but not the expected shape?"""
    outcome = compare(np.zeros((2, 4)), np.zeros((2, 3)), hidden=True)
    assert not outcome.ok
    assert "got shape (2, 4)" in outcome.problem
    assert "(2, 3)" not in outcome.problem


def test_non_numeric_result_is_rejected():
    """Does a result of strings fail as not a number type?"""
    outcome = compare(np.array(["a", "b"]), np.zeros(2))
    assert not outcome.ok
    assert "not a number type" in outcome.problem


# ---------------------------------------------------------------- NaN and inf


def test_nan_where_finite_expected_gives_count_and_first_index():
    """Does NaN or inf where finite values were expected give their count and the first index?"""
    got = np.array([[1.0, np.nan], [np.inf, 4.0]])
    outcome = compare(got, np.ones((2, 2)))
    assert not outcome.ok
    assert "2 of 4 values are NaN or infinite" in outcome.problem
    assert "first at [0, 1]" in outcome.problem


def test_nan_scalar_has_no_first_index():
    """Does a NaN scalar get reported without a "first at" index?"""
    outcome = compare(np.float32(np.nan), np.float32(1.0))
    assert not outcome.ok
    assert "1 of 1 values are NaN or infinite" in outcome.problem
    assert "first at" not in outcome.problem


def test_hidden_nan_keeps_count_drops_index():
    """Does a hidden NaN report keep the count but leave out the index?"""
    outcome = compare(np.array([1.0, -np.inf, 3.0]), np.ones(3), hidden=True)
    assert not outcome.ok
    assert "1 of 3 values" in outcome.problem
    assert "first at" not in outcome.problem


def test_matching_infinities_pass():
    """Does an inf where inf was expected count as equal?"""
    with np.errstate(invalid="ignore"):
        assert compare(np.array([1.0, np.inf]), np.array([1.0, np.inf])).ok


@pytest.mark.parametrize(
    ("got", "expected"),
    [(1.0, np.inf), (-np.inf, np.inf), (1.0, np.nan)],
    ids=["finite_for_inf", "minus_inf_for_inf", "finite_for_nan"],
)
def test_wrong_value_where_non_finite_expected_fails(got, expected):
    """Does a value that differs from an expected inf or NaN fail?"""
    with np.errstate(invalid="ignore"):
        outcome = compare(np.array([got]), np.array([expected]))
    assert not outcome.ok


# ---------------------------------------------------------------- dtypes and tolerances


def test_float32_where_float64_expected_says_cast_down():
    """Does a float32 result that misses float64 tolerance ask whether something is cast down?"""
    expected = np.array([0.1, 0.2, 0.3])
    outcome = compare(expected.astype(np.float32), expected)
    assert not outcome.ok
    assert "float32 where float64 was expected" in outcome.problem
    assert "cast down" in outcome.problem


def test_float64_where_float32_expected_does_not_say_cast_down():
    """Is a wrong float64 result against float32 never told it was cast down?"""
    outcome = compare(np.array([2.0]), np.array([1.0], dtype=np.float32))
    assert not outcome.ok
    assert "cast down" not in outcome.problem


def test_relative_difference_of_1e_7_passes_in_float32_fails_in_float64():
    """Does the tolerance follow the expected dtype, so 1e-7 relative passes in float32 and fails in float64?"""
    base = np.array([1.0, 2.0, 3.0])
    nudged = base * (1 + 1e-7)
    assert compare(nudged.astype(np.float32), base.astype(np.float32)).ok
    assert not compare(nudged, base).ok


@pytest.mark.parametrize(
    ("dtype", "rtol", "atol"),
    [("float16", 5e-3, 1e-3), ("bfloat16", 2e-2, 1e-2), ("float32", 1e-5, 1e-6), ("float64", 1e-9, 1e-12)],
)
def test_tolerance_for_each_float_format(dtype, rtol, atol):
    """Does each float format get its own tolerance?"""
    assert tolerance_for(dtype) == Tolerance(rtol=rtol, atol=atol)


def test_tolerance_for_numpy_dtypes_and_non_floats():
    """Do NumPy dtype objects map to their format, and integers to float32's tolerance?"""
    assert tolerance_for(np.float64) == tolerance_for("float64")
    assert tolerance_for(np.dtype("float16")) == tolerance_for("float16")
    assert tolerance_for(np.int64) == tolerance_for("float32")


@pytest.mark.parametrize("spelling", ["f8", "double"])
def test_tolerance_for_float64_spelled_as_numpy_alias(spelling):
    """Does float64 spelled as a NumPy alias get float64's tolerance?"""
    assert tolerance_for(spelling) == tolerance_for("float64")


def test_tolerance_str_names_rtol_and_atol():
    """Does a tolerance print as rtol and atol?"""
    assert str(Tolerance(rtol=1e-5, atol=1e-6)) == "rtol=1e-05, atol=1e-06"


def test_explicit_tolerance_overrides_dtype_default():
    """Does an explicit tolerance override the dtype's, both looser and stricter?"""
    base = np.array([1.0, 2.0])
    off = base + 1e-3
    assert not compare(off, base).ok
    assert compare(off, base, tolerance=Tolerance(rtol=0.0, atol=1e-2)).ok
    strict = compare(base.astype(np.float32) + np.float32(1e-6), base.astype(np.float32), tolerance=Tolerance(0, 0))
    assert not strict.ok
    assert "rtol=0, atol=0" in strict.problem


def test_integer_expected_uses_float32_tolerance():
    """Is an integer expectation compared with float32's tolerance?"""
    assert compare(np.array([1.0000001, 2.0]), np.array([1, 2])).ok
    assert not compare(np.array([1.001, 2.0]), np.array([1, 2])).ok


# ---------------------------------------------------------------- to_numpy


def test_to_numpy_passes_arrays_through():
    """Is a NumPy array returned as it is, not copied?"""
    a = np.ones(3)
    assert to_numpy(a) is a


def test_to_numpy_from_tensorflow_tensor():
    """Does a TensorFlow tensor become a NumPy array with its values and dtype?"""
    out = to_numpy(tf.constant([[1.0, 2.0]], dtype=tf.float64))
    assert isinstance(out, np.ndarray)
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out, [[1.0, 2.0]])


def test_to_numpy_from_keras_variable_without_deprecation_warning():
    """Does a Keras variable become a NumPy array without any warning?"""
    variable = keras.Variable(np.arange(4, dtype=np.float32).reshape(2, 2))
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        out = to_numpy(variable)
    assert record == []
    assert isinstance(out, np.ndarray)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, [[0.0, 1.0], [2.0, 3.0]])


def test_to_numpy_from_list_and_scalar():
    """Do a nested list and a Python scalar become arrays of the right shape?"""
    listed = to_numpy([[1, 2], [3, 4]])
    assert listed.shape == (2, 2)
    np.testing.assert_array_equal(listed, [[1, 2], [3, 4]])
    scalar = to_numpy(2.5)
    assert isinstance(scalar, np.ndarray)
    assert scalar.shape == ()
    assert float(scalar) == 2.5


def test_compare_accepts_tensor_against_array():
    """Does compare take a TensorFlow tensor as the answer's result?"""
    assert compare(tf.constant([1.0, 2.0]), np.array([1.0, 2.0], dtype=np.float32)).ok
