"""Statistical tests for the checks of random functions.

Every test here has a stated false-reject probability for a correct answer
(``alpha``): the checks use alpha = 1e-6, and their inputs come from fixed
seeds, so a verdict is deterministic for a given answer and seed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

FALSE_REJECT = 1e-6


@dataclass(frozen=True)
class TestResult:
    ok: bool
    statistic: float
    p_value: float
    detail: str


def ks_uniform(values: np.ndarray, low: float, high: float, alpha: float = FALSE_REJECT) -> TestResult:
    """Kolmogorov-Smirnov test of ``values`` against the uniform distribution on [low, high].

    Rejects a correct sampler with probability ``alpha``.
    """
    from scipy import stats

    values = np.asarray(values, dtype=np.float64).ravel()
    result = stats.kstest(values, stats.uniform(loc=low, scale=high - low).cdf)
    detail = f"KS statistic D = {result.statistic:.4f} over {values.size} draws, p = {result.pvalue:.2g}"
    return TestResult(bool(result.pvalue >= alpha), float(result.statistic), float(result.pvalue), detail)


def dkw_epsilon(n: int, alpha: float = FALSE_REJECT) -> float:
    """The Dvoretzky-Kiefer-Wolfowitz band: P(sup |F_n - F| > eps) <= 2 exp(-2 n eps^2) = alpha."""
    return math.sqrt(math.log(2 / alpha) / (2 * n))


def fraction_within(values: np.ndarray, threshold: float, expected: float, alpha: float = FALSE_REJECT) -> TestResult:
    """Whether the fraction of ``values`` below ``threshold`` is ``expected`` within the DKW band."""
    values = np.asarray(values, dtype=np.float64).ravel()
    fraction = float(np.mean(values < threshold))
    eps = dkw_epsilon(values.size, alpha)
    detail = f"{fraction:.1%} of {values.size} draws are below {threshold:g} (expected {expected:.1%} +- {eps:.1%})"
    return TestResult(abs(fraction - expected) <= eps, fraction, float("nan"), detail)
