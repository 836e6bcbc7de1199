"""The inputs, probes and judges of ``sample_log_uniform`` and ``sample_beta``: bounds, the distribution on
the right scale (Kolmogorov-Smirnov), both ends reached, determinism, bad ranges refused."""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from typing import Any

import numpy as np

from autograder.model.checks import Evidence, Verdict, failed, passed, probe_factory
from autograder.model.errors import ContractError
from autograder.toolkit.distributions import FALSE_REJECT, fraction_within, ks_uniform
from autograder.toolkit.judges import with_hint
from autograder.toolkit.probes import raised

N_DRAWS = 10_000


def sampler_inputs(low: float, high: float, size: int = N_DRAWS) -> Callable:
    return lambda rng: {"low": low, "high": high, "size": size, "seed": int(rng.integers(2**31))}


@probe_factory
def sampler_probe(function: str) -> Callable:
    """Draws with a seed, again with the same seed and with another, watching the global random states."""

    def probe(answers: Any, inputs: dict[str, Any]) -> dict[str, Any]:
        fn = getattr(answers, function)
        low, high, size, seed = inputs["low"], inputs["high"], inputs["size"], inputs["seed"]
        np_state, py_state = np.random.get_state(), random.getstate()
        draws = fn(low, high, size, np.random.default_rng(seed))
        np_after, py_after = np.random.get_state(), random.getstate()
        if draws is None:
            raise ContractError(f"{function} returned None: is a `return` statement missing?")
        return {
            "out": np.asarray(draws, dtype=np.float64),
            "same": np.asarray(fn(low, high, size, np.random.default_rng(seed)), dtype=np.float64),
            "other": np.asarray(fn(low, high, size, np.random.default_rng(seed + 1)), dtype=np.float64),
            "numpy_global_untouched": bool(np.array_equal(np_state[1], np_after[1]) and np_state[2] == np_after[2]),
            "python_random_untouched": py_state == py_after,
        }

    return probe


def shape_and_bounds(evidence: Evidence) -> Verdict:
    i, out = evidence.inputs, evidence.observed["out"]
    if out.shape != (i["size"],):
        return failed(f"size={i['size']} should give an array of shape ({i['size']},); got shape {out.shape}")
    if not np.all(np.isfinite(out)):
        return failed(f"{int(np.sum(~np.isfinite(out)))} draws are NaN or infinite")
    # 10 ** log10(high) can land an ulp above high: a relative 1e-12 of slack, no more.
    low, high = i["low"] * (1 - 1e-12), i["high"] * (1 + 1e-12)
    outside = (out < low) | (out > high)
    if outside.any():
        return failed(
            f"{int(outside.sum())} of {out.size} draws fall outside [{i['low']:g}, {i['high']:g}] "
            f"(min {out.min():.6g}, max {out.max():.6g})"
        )
    return passed(f"{out.size} draws, all in [{i['low']:g}, {i['high']:g}]")


def _log_scale_hint(values: np.ndarray, low: float, high: float, transform: str) -> str:
    """What a wrong log-scale sampler most likely did, from its draws."""
    a, b = math.log10(low), math.log10(high)
    if values.size and np.unique(np.round(np.log10(values), 9)).size <= int(b - a) + 1:
        return f"the exponent r takes only integer values: draw it from a continuous uniform on [{a:g}, {b:g}]"
    if ks_uniform(values, low, high).ok:
        return (
            f"the draws are uniform on a linear scale, so about 90% land in the top decade: sample the "
            f"exponent r uniformly on [log10 low, log10 high] = [{a:g}, {b:g}], then take {transform}"
        )
    with np.errstate(all="ignore"):
        if ks_uniform(np.log(values), a, b).ok or ks_uniform(np.log10(values), math.log(low), math.log(high)).ok:
            return "natural log and log10 are mixed, which changes the range: use log10 for r and 10**r back"
    return ""


def log_uniform_judge(evidence: Evidence) -> Verdict:
    """KS test of log10 of the draws against U(log10 low, log10 high); false-reject probability 1e-6."""
    i, out = evidence.inputs, evidence.observed["out"]
    a, b = math.log10(i["low"]), math.log10(i["high"])
    with np.errstate(all="ignore"):
        test = ks_uniform(np.log10(out), a, b)
    if test.ok:
        return passed(f"log10 of the draws is uniform on [{a:g}, {b:g}] ({test.detail})")
    hint = _log_scale_hint(out, i["low"], i["high"], "alpha = 10**r")
    return failed(
        with_hint(
            f"log10 of the draws is not uniform on [{a:g}, {b:g}]: {test.detail}, below the "
            f"{FALSE_REJECT:g} a correct sampler falls under",
            hint,
        )
    )


def ends_reached(evidence: Evidence) -> Verdict:
    """min and max of log10 within 0.01 of the ends. For a correct sampler each misses with probability
    (1 - 0.01 / (b - a)) ** n: for [1e-4, 1] and n = 10**4, about 1.4e-11."""
    i, out = evidence.inputs, evidence.observed["out"]
    a, b = math.log10(i["low"]), math.log10(i["high"])
    with np.errstate(all="ignore"):
        lo, hi = float(np.min(np.log10(out))), float(np.max(np.log10(out)))
    if lo - a <= 0.01 and b - hi <= 0.01:
        return passed(f"log10 of the draws spans [{lo:.4f}, {hi:.4f}], the whole of [{a:g}, {b:g}]")
    return failed(
        f"over {out.size} draws, log10 spans only [{lo:.4f}, {hi:.4f}] instead of [{a:g}, {b:g}]: "
        "is the range of the exponent off (a wrong end, or log and log10 mixed)?"
    )


def three_quarters_below(evidence: Evidence) -> Verdict:
    """On [1e-4, 1], 3/4 of the draws fall below 0.1 (DKW band; false-reject probability 1e-6)."""
    out = evidence.observed["out"]
    test = fraction_within(out, 0.1, 0.75)
    if test.ok:
        return passed(test.detail)
    hint = ""
    if np.mean(out < 0.1) < 0.2:
        hint = "the draws are uniform on a linear scale: that spends about 90% of them in [0.1, 1]"
    return failed(with_hint(f"on [1e-4, 1] three decades of four lie below 0.1: {test.detail}", hint))


def determinism(evidence: Evidence) -> Verdict:
    o = evidence.observed
    # The global states first: when one changed, that is the mistake to name.
    if not o["numpy_global_untouched"]:
        return failed(
            "np.random's global state changed: draw with the `rng` argument (rng.uniform, rng.random), "
            "not np.random.uniform"
        )
    if not o["python_random_untouched"]:
        return failed("Python's `random` module was used: draw with the `rng` argument")
    # Exact equality is the point here: the same seed must give the very same draws.
    if o["out"].shape != o["same"].shape or not np.array_equal(o["out"], o["same"]):
        return failed(
            "two generators with the same seed gave different draws: take every random number from "
            "`rng`, not from a new generator"
        )
    if o["out"].shape == o["other"].shape and np.array_equal(o["out"], o["other"]):
        return failed("another seed gave the very same draws: are the draws taken from `rng` at all?")
    return passed("same seed, same draws; another seed, other draws; no global random state touched")


@probe_factory
def bad_range_probe(function: str, bad: tuple[tuple[float, float], ...]) -> Callable:
    """``function(low, high, 3, rng)`` for each (low, high) in ``bad``: which exception it raised."""

    def probe(answers: Any, inputs: dict[str, Any]) -> dict[str, Any]:
        fn = getattr(answers, function)
        return {f"{lo}:{hi}": raised(lambda lo=lo, hi=hi: fn(lo, hi, 3, np.random.default_rng(0))) for lo, hi in bad}

    return probe


def bad_range_judge(rule: str) -> Callable[[Evidence], Verdict]:
    """Every bad range must have raised ValueError."""

    def judge(evidence: Evidence) -> Verdict:
        wrong = [
            f"({key.replace(':', ', ')}) {'raised ' + got if got else 'returned'}"
            for key, got in evidence.observed.items()
            if got != "ValueError"
        ]
        if wrong:
            return failed(f"expected ValueError unless {rule}: " + "; ".join(wrong))
        return passed(f"ValueError unless {rule}")

    return judge


def beta_transform(values: np.ndarray) -> np.ndarray:
    with np.errstate(all="ignore"):
        return np.log10(1 - values)


def _beta_hint(out: np.ndarray, low: float, high: float) -> str:
    """Which misreading of beta = 1 - 10**r the draws show, if any."""
    with np.errstate(all="ignore"):
        if low > 0 and ks_uniform(beta_transform(out), math.log10(low), math.log10(high)).ok:
            return (
                "r is drawn on [log10(low), log10(high)]; beta needs r uniform on "
                "[log10(1 - high), log10(1 - low)], then beta = 1 - 10**r"
            )
        if ks_uniform(np.log10(out), math.log10(1 - high), math.log10(1 - low)).ok:
            return "the draws are 10**r, which is 1 - beta: return beta = 1 - 10**r"
    return ""


def beta_ks_judge(evidence: Evidence) -> Verdict:
    """KS test of log10(1 - beta) against U(log10(1 - high), log10(1 - low)); false-reject probability 1e-6."""
    i, out = evidence.inputs, evidence.observed["out"]
    a, b = math.log10(1 - i["high"]), math.log10(1 - i["low"])
    test = ks_uniform(beta_transform(out), a, b)
    if test.ok:
        return passed(f"log10(1 - beta) is uniform on [{a:g}, {b:g}] ({test.detail})")
    hint = _beta_hint(out, i["low"], i["high"])
    if not hint and ks_uniform(out, i["low"], i["high"]).ok:
        hint = (
            "beta is uniform on a linear scale: sample r uniformly on [log10(1 - high), log10(1 - low)] "
            "and return 1 - 10**r"
        )
    return failed(with_hint(f"log10(1 - beta) is not uniform on [{a:g}, {b:g}]: {test.detail}", hint))


def beta_half_above(evidence: Evidence) -> Verdict:
    """On [0.9, 0.999], half of the draws are >= 0.99 (DKW band; false-reject probability 1e-6)."""
    out = evidence.observed["out"]
    test = fraction_within(out, 0.99, 0.5)
    if test.ok:
        return passed(f"the median beta is {np.median(out):.4f}; {test.detail}")
    hint = _beta_hint(out, 0.9, 0.999)
    if not hint and out.min() >= 0.9 and np.mean(out >= 0.99) < 0.2:
        hint = (
            "too few draws near 1: uniform beta (or KerasTuner's reverse_log) puts only about 10% at or above "
            "0.99, where the averaging window 1/(1 - beta) changes fastest"
        )
    return failed(with_hint(f"on [0.9, 0.999] half of the draws should be >= 0.99 (median 0.99): {test.detail}", hint))


_BAD_LOG_RANGES = ((0.0, 1.0), (-1.0, 1.0), (1.0, 0.1), (0.5, 0.5))


_BAD_BETA_RANGES = ((-0.1, 0.9), (0.9, 1.0), (0.99, 0.9), (0.5, 0.5))
