"""Convert scikit-learn's copy of the UCI digits into ``digits.npz`` (run once).

The file this writes is committed, so nothing downloads data at run time. Rerun it
only to rebuild the file from its source; it needs scikit-learn, which is not one
of the project's requirements::

    python -m pip install scikit-learn
    python datasets/make_digits.py

The split is stratified (each digit keeps its share in both halves) and fixed by
``SEED``, so the same source always gives the same bytes.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

import numpy as np

SEED = 20261126
TEST_FRACTION = 0.2
HERE = Path(__file__).resolve().parent
TARGETS = (HERE / "digits.npz", HERE.parent / "autograder" / "data" / "digits.npz")


def stratified_split(y: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Indices of the train and test halves, each class split in the same ratio."""
    train, test = [], []
    for label in np.unique(y):
        idx = rng.permutation(np.flatnonzero(y == label))
        n_test = round(len(idx) * TEST_FRACTION)
        test.append(idx[:n_test])
        train.append(idx[n_test:])
    return np.sort(np.concatenate(train)), np.sort(np.concatenate(test))


def npz_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    """A compressed .npz whose bytes depend only on the arrays.

    ``np.savez_compressed`` stamps each member with the current time, which
    would make every rebuild differ; fixing the date keeps rebuilds identical.
    """
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, array in arrays.items():
            member = io.BytesIO()
            np.lib.format.write_array(member, np.ascontiguousarray(array), allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(2026, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, member.getvalue(), compresslevel=9)
    return buffer.getvalue()


def main() -> None:
    from sklearn.datasets import load_digits

    digits = load_digits()
    images = digits.images.astype(np.uint8)  # 8x8 pixel counts, 0..16
    labels = digits.target.astype(np.uint8)
    train, test = stratified_split(labels, np.random.default_rng(SEED))
    data = npz_bytes(
        {
            "x_train": images[train],
            "y_train": labels[train],
            "x_test": images[test],
            "y_test": labels[test],
        }
    )
    for target in TARGETS:
        target.write_bytes(data)
    print(f"{len(train)} train + {len(test)} test images, {len(data)} bytes")
    print(f"sha256 {hashlib.sha256(data).hexdigest()}")


if __name__ == "__main__":
    main()
