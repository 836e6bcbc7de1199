"""The built-ins of the hyperparameter_search lab: the two log-scale samplers, as
the lab's formulas give them (alpha = 10**r, beta = 1 - 10**r, r uniform), in
NumPy. No public check compares with them (those judge distributions and
determinism); they stand in for the samplers while ``random_search`` is checked,
so that a wrong sampler costs points in its own cells only (see
``autograder.toolkit.stand_ins``). SciPy's ``loguniform`` would do the same, but a frozen
distribution per draw makes a 2000-trial search check ten times slower."""

from __future__ import annotations

from typing import Any

import numpy as np


def _sample_log_uniform(low: float, high: float, size: int, rng: Any) -> np.ndarray:
    return np.clip(10.0 ** rng.uniform(np.log10(low), np.log10(high), size), low, high)


def _sample_beta(low: float, high: float, size: int, rng: Any) -> np.ndarray:
    return np.clip(1.0 - 10.0 ** rng.uniform(np.log10(1.0 - high), np.log10(1.0 - low), size), low, high)


def namespace() -> dict[str, Any]:
    return {"sample_log_uniform": _sample_log_uniform, "sample_beta": _sample_beta}
