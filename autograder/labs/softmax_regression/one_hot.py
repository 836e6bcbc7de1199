"""The inputs, probes and judges of ``one_hot``: labels and their classes, the dtype and shape, bad labels
refused."""

from __future__ import annotations

from typing import Any

import numpy as np

from autograder.model.checks import Evidence, Verdict, failed, passed
from autograder.toolkit.compare import to_numpy
from autograder.toolkit.probes import raised


def labels_and_classes(m: int, num_classes: int, dtype: str = "int64"):
    def make(rng: np.random.Generator) -> dict[str, Any]:
        labels = rng.integers(0, num_classes, size=m).astype(dtype)
        labels[: min(m, num_classes)] = np.arange(min(m, num_classes))  # every class appears when m allows
        return {"labels": rng.permutation(labels), "num_classes": num_classes}

    return make


def one_hot_dtype_and_shape(evidence: Evidence) -> Verdict:
    out = to_numpy(evidence.observed["out"])
    m, c = len(evidence.inputs["labels"]), evidence.inputs["num_classes"]
    if out.shape != (m, c):
        return failed(f"for {m} labels and {c} classes expected shape ({m}, {c}), got {out.shape}")
    if out.dtype != np.float32:
        return failed(f"expected dtype float32 (what Keras losses and layers use), got {out.dtype}")
    return passed(f"a float32 array of shape ({m}, {c})")


def probe_bad_labels(answers: Any, inputs: dict[str, Any]) -> dict[str, Any]:
    c = inputs["num_classes"]
    return {
        "negative": raised(lambda: answers.one_hot(np.array([0, -1, 2]), c)),
        "too_large": raised(lambda: answers.one_hot(np.array([0, c, 1]), c)),
    }


def bad_labels_rejected(evidence: Evidence) -> Verdict:
    c = evidence.inputs["num_classes"]
    problems = []
    for key, example in (("negative", "-1"), ("too_large", f"{c} (= num_classes)")):
        got = evidence.observed[key]
        if got != "ValueError":
            did = f"raised {got}" if got else "returned without an error"
            problems.append(f"a label of {example} {did}")
    if not problems:
        return passed("labels outside [0, num_classes) raise ValueError")
    hint = " (NumPy wraps a negative index around to the last class)" if "-1 returned" in " ".join(problems) else ""
    return failed(f"expected ValueError for labels outside [0, num_classes): {'; '.join(problems)}{hint}")
