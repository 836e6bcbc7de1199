"""The digits data: one file, shipped twice, verified on every load."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from autograder.toolkit.datasets import DIGITS_PATH, DIGITS_SHA256, DatasetError, load_digits, sha256_of


def test_package_copy_is_byte_identical(repo):
    """Is the package's digits.npz byte for byte the one in datasets/?"""
    assert DIGITS_PATH.read_bytes() == (repo / "datasets" / "digits.npz").read_bytes()


def test_readme_states_the_checksum(repo):
    """Does datasets/README.md give the SHA-256 the loader checks?"""
    assert sha256_of(DIGITS_PATH) == DIGITS_SHA256
    assert DIGITS_SHA256 in (repo / "datasets" / "README.md").read_text()


def test_shapes_scaling_and_stratified_split():
    """Are the arrays the documented shapes, scaled to [0, 1], with every digit in both halves?"""
    data = load_digits()
    assert data.x_train.shape == (1438, 8, 8) and data.x_test.shape == (359, 8, 8)
    assert data.x_train.dtype == np.float32 and data.x_train.min() >= 0.0 and data.x_train.max() == 1.0
    train_share = np.bincount(data.y_train, minlength=10) / len(data.y_train)
    test_share = np.bincount(data.y_test, minlength=10) / len(data.y_test)
    assert np.all(np.abs(train_share - test_share) < 0.01)


def test_missing_file_gives_a_clear_error(tmp_path):
    """Does a missing file raise a DatasetError that says how to restore it?"""
    with pytest.raises(DatasetError, match=r"missing.*restore datasets/digits\.npz"):
        load_digits(tmp_path / "digits.npz")


def test_altered_file_is_refused(tmp_path):
    """Is a file whose bytes changed refused, instead of silently training on it?"""
    copy = tmp_path / "digits.npz"
    shutil.copy(DIGITS_PATH, copy)
    data = bytearray(copy.read_bytes())
    data[-100] ^= 0xFF
    copy.write_bytes(bytes(data))
    with pytest.raises(DatasetError, match="altered or truncated"):
        load_digits(copy)
