"""The built-ins of the hyperparameter_search lab: SciPy's log-uniform distribution
wrapped to the samplers' signatures. No public check compares with them (those
judge distributions and determinism); they stand in for the samplers while
``random_search`` is checked, so that a wrong sampler costs points in its own
cells only (see ``autograder.stand_ins``)."""

from __future__ import annotations

from typing import Any


def _sample_log_uniform(low: float, high: float, size: int, rng: Any) -> Any:
    from scipy.stats import loguniform

    return loguniform(low, high).rvs(size=size, random_state=rng)


def _sample_beta(low: float, high: float, size: int, rng: Any) -> Any:
    from scipy.stats import loguniform

    return 1.0 - loguniform(1.0 - high, 1.0 - low).rvs(size=size, random_state=rng)


def namespace() -> dict[str, Any]:
    return {"sample_log_uniform": _sample_log_uniform, "sample_beta": _sample_beta}
