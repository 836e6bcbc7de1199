"""The digits data, shipped inside the package so it loads anywhere with no download.

``autograder/data/digits.npz`` is byte-identical to ``datasets/digits.npz`` (see
``datasets/README.md`` for its source and license); its SHA-256 is checked on
every load, so a truncated or altered file fails loudly instead of training on
wrong data.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import NamedTuple

import numpy as np

DIGITS_SHA256 = "683f8130456d2ae7c8ccc73dbc25d4b68fad30648f9fbc789d4eceea84926b99"
DIGITS_PATH = Path(__file__).resolve().parents[1] / "data" / "digits.npz"


class DatasetError(RuntimeError):
    """The data file is missing or is not the file this package shipped."""


class Digits(NamedTuple):
    """8x8 images of handwritten digits, pixels scaled to [0, 1], labels 0..9."""

    x_train: np.ndarray  # (1438, 8, 8) float32
    y_train: np.ndarray  # (1438,) uint8
    x_test: np.ndarray  # (359, 8, 8) float32
    y_test: np.ndarray  # (359,) uint8


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load_digits(path: Path | str | None = None) -> Digits:
    """Load the UCI handwritten digits with their fixed, stratified split.

    Args:
        path: another copy of ``digits.npz`` (default: the package's own).

    Raises:
        DatasetError: if the file is missing or its SHA-256 is not the expected one.
    """
    path = Path(path) if path is not None else DIGITS_PATH
    if not path.is_file():
        raise DatasetError(
            f"the digits data file is missing: {path}. Reinstall the package "
            "(`python -m pip install --force-reinstall .`) or restore datasets/digits.npz."
        )
    digest = sha256_of(path)
    if digest != DIGITS_SHA256:
        raise DatasetError(
            f"{path} is not the digits file this package shipped (sha256 {digest[:12]}..., expected "
            f"{DIGITS_SHA256[:12]}...): it was altered or truncated. Restore it from the repository."
        )
    with np.load(path, allow_pickle=False) as data:
        return Digits(
            x_train=(data["x_train"] / np.float32(16)).astype(np.float32),
            y_train=data["y_train"],
            x_test=(data["x_test"] / np.float32(16)).astype(np.float32),
            y_test=data["y_test"],
        )


def flat_digits() -> dict[str, np.ndarray]:
    """The digits as the training checks use them: images flattened to 64 features."""
    data = load_digits()
    return {
        "x_train": data.x_train.reshape(len(data.x_train), -1),
        "y_train": data.y_train.astype(np.int32),
        "x_test": data.x_test.reshape(len(data.x_test), -1),
        "y_test": data.y_test,
    }
