"""The public checks of the hyperparameter_search lab, one list per test cell.

Random functions are judged by distribution (a Kolmogorov-Smirnov test, the
DKW band) and by determinism (same seed, same draws; other seed, other draws;
the global random states untouched), never against one exact draw. Each
statistical check states its false-reject probability for a correct answer;
all are at most 1e-6 (``distributions.FALSE_REJECT``).
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from typing import Any

import numpy as np

from autograder.model.checks import Check, Evidence, Verdict, failed, passed, probe_factory
from autograder.toolkit.judges import with_hint
from autograder.toolkit.distributions import FALSE_REJECT, dkw_epsilon, fraction_within, ks_uniform
from autograder.toolkit.from_scratch import from_scratch_check
from autograder.toolkit.questions import Choice, Numbers, form_check
from autograder.toolkit.stand_ins import integration_check
from autograder.toolkit.probes import raised
from autograder.model.errors import ContractError
from autograder.labs.hyperparameter_search import refine
from autograder.labs.hyperparameter_search.answers import ANSWERS

N_DRAWS = 10_000


# The core numeric check of each answer: "implemented from scratch" scores only once it passes.
CORE_CHECK = {
    "sample_log_uniform": "log10 of the draws is uniform (Kolmogorov-Smirnov)",
    "sample_beta": "log10(1 - beta) is uniform (Kolmogorov-Smirnov)",
    "random_search": "n_trials calls, one value per name of the right kind and range",
}


def from_scratch(grade_id: str, rule: str) -> Check:
    return from_scratch_check(ANSWERS, grade_id, CORE_CHECK[grade_id], rule)


# ---------------------------------------------------------------- the samplers


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
        if 0 < low and ks_uniform(beta_transform(out), math.log10(low), math.log10(high)).ok:
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
    if not hint and 0.9 <= out.min() and np.mean(out >= 0.99) < 0.2:
        hint = (
            "too few draws near 1: uniform beta (or KerasTuner's reverse_log) puts only about 10% at or above "
            "0.99, where the averaging window 1/(1 - beta) changes fastest"
        )
    return failed(with_hint(f"on [0.9, 0.999] half of the draws should be >= 0.99 (median 0.99): {test.detail}", hint))


# ---------------------------------------------------------------- random_search

SPACE = {
    "learning_rate": ("log", 1e-4, 1e-1),
    "beta_1": ("beta", 0.9, 0.999),
    "dropout": ("uniform", 0.0, 0.5),
    "units": ("int", 8, 12),
}


def search_inputs(n_trials: int, space: dict | None = None) -> Callable:
    return lambda rng: {"space": dict(space or SPACE), "n_trials": n_trials, "seed": int(rng.integers(2**31))}


def _run_search(answers: Any, inputs: dict[str, Any], score: Callable[[dict], float]) -> tuple[list, list]:
    calls: list[dict] = []

    def objective(**params: Any) -> float:
        calls.append(dict(params))
        return score(params)

    results = answers.random_search(
        objective, inputs["space"], inputs["n_trials"], np.random.default_rng(inputs["seed"])
    )
    if not isinstance(results, list | tuple) or not all(isinstance(r, tuple | list) and len(r) == 2 for r in results):
        raise ContractError("random_search must return a list of (score, params) pairs")
    return calls, list(results)


def _columns(records: list[dict], space: dict) -> dict[str, Any]:
    """Per hyperparameter: the values, and the Python types they came as."""
    out = {}
    for name in space:
        values = [record.get(name) for record in records]
        out[f"values:{name}"] = np.array([np.nan if v is None else float(v) for v in values])
        out[f"types:{name}"] = sorted({type(v).__name__ for v in values})
    return out


def search_probe(answers: Any, inputs: dict[str, Any]) -> dict[str, Any]:
    """A search whose score is known, recording every call."""
    calls, results = _run_search(answers, inputs, lambda p: -float(np.sum([float(v) for v in p.values()])))
    return {
        "n_calls": len(calls),
        "call_names": sorted({name for call in calls for name in call}),
        "names_per_call": [len(call) for call in calls],
        "n_results": len(results),
        "result_types": sorted({f"{type(s).__name__}/{type(p).__name__}" for s, p in results}),
        **{f"call_{k}": v for k, v in _columns(calls, inputs["space"]).items()},
    }


def search_calls_judge(evidence: Evidence) -> Verdict:
    i, o = evidence.inputs, evidence.observed
    n, space = i["n_trials"], i["space"]
    if o["n_calls"] != n:
        return failed(f"the objective was called {o['n_calls']} times for n_trials={n}: call it once per trial")
    if o["call_names"] != sorted(space) or set(o["names_per_call"]) != {len(space)}:
        return failed(
            f"each call must pass one value per hyperparameter, {sorted(space)}, as keyword arguments; "
            f"the calls passed {o['call_names']}"
        )
    if o["n_results"] != n:
        what = "only the best" if o["n_results"] == 1 else f"{o['n_results']} of them"
        return failed(
            f"random_search returned {o['n_results']} result(s) for n_trials={n}: return every trial's "
            f"(score, params), not {what}"
        )
    for name, (kind, low, high) in space.items():
        values, types = o[f"call_values:{name}"], o[f"call_types:{name}"]
        if kind == "int":
            if not set(types) <= {"int", "int64", "int32"}:
                return failed(
                    f"'{name}' is an 'int' hyperparameter but came as {types}: draw integers "
                    "(rng.integers(low, high + 1))"
                )
        elif not set(types) <= {"float", "float64"}:
            return failed(f"'{name}' came as {types}; a '{kind}' hyperparameter is a float")
        if np.any(values < low) or np.any(values > high):
            return failed(
                f"'{name}' ({kind}) took values outside [{low:g}, {high:g}]: min {values.min():g}, max {values.max():g}"
            )
    return passed(f"{n} calls, one value per hyperparameter of the right kind and range, {n} results")


ORDER_SCORES = (0.5, float("nan"), 0.9, 0.5, 0.1, 0.9, float("nan"), 0.3)
ORDER_EXPECTED = (2, 5, 0, 3, 7, 4, 1, 6)  # best first, ties in trial order, NaN last


def order_probe(answers: Any, inputs: dict[str, Any]) -> dict[str, Any]:
    scores = iter(ORDER_SCORES)

    def score(params: dict) -> float:
        value = next(scores, None)
        if value is None:
            raise ContractError(f"the objective was called more than n_trials={len(ORDER_SCORES)} times")
        return value

    calls, results = _run_search(answers, {**inputs, "n_trials": len(ORDER_SCORES)}, score)
    # Which trial each result is: its params equal that call's (continuous draws do not repeat).
    order = [next((n for n, call in enumerate(calls) if call == dict(params)), -1) for _, params in results]
    return {"order": order, "scores": [float(s) for s, _ in results]}


def _order_hint(order: list[int], scores: list[float]) -> str:
    """What is wrong with the order of the results, read from their scores."""
    if len(order) != len(ORDER_SCORES):
        return f"there are {len(order)} results for {len(ORDER_SCORES)} trials: return one per trial"
    if len(set(order)) < len(order):
        return "several results have the same params: draw fresh values for every trial, inside the loop"
    if -1 in order:
        return "a result's params are not the dict the objective was called with"
    finite = [s for s in scores if not math.isnan(s)]
    if any(math.isnan(s) for s in scores[: len(finite)]):
        return "NaN scores must come last (sorting with NaN in the key gives an arbitrary order)"
    if finite == sorted(finite) and finite != sorted(finite, reverse=True):
        return "the results are sorted worst first: a higher score is better"
    if finite == sorted(finite, reverse=True):
        return "ties are not kept in trial order: sort by the score alone, with a stable sort"
    return ""


def order_judge(evidence: Evidence) -> Verdict:
    order, scores = evidence.observed["order"], evidence.observed["scores"]
    if order == list(ORDER_EXPECTED):
        return passed("sorted best first by score, ties kept in trial order, NaN scores last")
    shown = ", ".join("nan" if math.isnan(s) else f"{s:g}" for s in scores)
    return failed(
        with_hint(
            f"for scores {[f'{s:g}' for s in ORDER_SCORES]} by trial, the results should be "
            f"trials {list(ORDER_EXPECTED)}; got trials {order} (scores {shown})",
            _order_hint(order, scores),
        )
    )


def distribution_probe(answers: Any, inputs: dict[str, Any]) -> dict[str, Any]:
    calls, _ = _run_search(answers, inputs, lambda p: 0.0)
    return _columns(calls, inputs["space"])


def distributions_judge(evidence: Evidence) -> Verdict:
    """Each kind's draws over the trials: KS tests for the continuous kinds, the DKW band on the CDF of the
    int kind. Each test runs at 1e-6 / (number of hyperparameters), so the check as a whole wrongly rejects a
    correct search with probability at most 1e-6 (Bonferroni)."""
    i, o = evidence.inputs, evidence.observed
    alpha = FALSE_REJECT / len(i["space"])
    for name, (kind, low, high) in i["space"].items():
        values = o[f"values:{name}"]
        if np.unique(values).size < min(values.size, high - low + 1 if kind == "int" else values.size) * 0.5:
            return failed(f"'{name}' repeats its values across trials: draw a fresh value for every trial")
        if kind == "log":
            test = ks_uniform(np.log10(values), math.log10(low), math.log10(high), alpha)
        elif kind == "beta":
            test = ks_uniform(beta_transform(values), math.log10(1 - high), math.log10(1 - low), alpha)
        elif kind == "uniform":
            test = ks_uniform(values, low, high, alpha)
        else:
            support = np.arange(low, high + 1)
            cdf = np.array([np.mean(values <= k) for k in support])
            gap = float(np.max(np.abs(cdf - (support - low + 1) / support.size)))
            if gap > dkw_epsilon(values.size, alpha):
                hint = ""
                if np.all(values < high):
                    hint = f" ({high} is never drawn: an 'int' range includes high, rng.integers(low, high + 1))"
                return failed(f"'{name}' (int) is not uniform on {low}..{high}: the CDF is off by {gap:.3f}{hint}")
            continue
        if not test.ok:
            sampler = {"log": "sample_log_uniform", "beta": "sample_beta"}.get(kind)
            advice = f": draw a '{kind}' hyperparameter with your {sampler}" if sampler else ""
            return failed(
                f"'{name}' ({kind}, [{low:g}, {high:g}]) is not drawn as that kind should be ({test.detail}){advice}"
            )
    return passed(f"over {i['n_trials']} trials every kind has its distribution (log, beta, uniform, int)")


def search_determinism_probe(answers: Any, inputs: dict[str, Any]) -> dict[str, Any]:
    np_state, py_state = np.random.get_state(), random.getstate()
    first = [(float(s), sorted(p.items())) for s, p in _run_search(answers, inputs, lambda p: 0.0)[1]]
    np_after, py_after = np.random.get_state(), random.getstate()
    again = [(float(s), sorted(p.items())) for s, p in _run_search(answers, inputs, lambda p: 0.0)[1]]
    other = [
        (float(s), sorted(p.items()))
        for s, p in _run_search(answers, {**inputs, "seed": inputs["seed"] + 1}, lambda p: 0.0)[1]
    ]
    return {
        "same": repr(first) == repr(again),
        "differs": repr(first) != repr(other),
        "numpy_global_untouched": bool(np.array_equal(np_state[1], np_after[1]) and np_state[2] == np_after[2]),
        "python_random_untouched": py_state == py_after,
    }


def search_determinism(evidence: Evidence) -> Verdict:
    o = evidence.observed
    if not o["same"]:
        return failed("the same seed gave different trials: take every random number from `rng`")
    if not o["differs"]:
        return failed("another seed gave the same trials: are the values drawn from `rng`?")
    if not (o["numpy_global_untouched"] and o["python_random_untouched"]):
        return failed("a global random state changed (np.random or random): draw only with `rng`")
    return passed("same seed, same trials; another seed, other trials; no global random state touched")


def unknown_kind_probe(answers: Any, inputs: dict[str, Any]) -> dict[str, Any]:
    space = {"x": ("normal", 0.0, 1.0)}
    return {"raised": raised(lambda: answers.random_search(lambda **p: 0.0, space, 2, np.random.default_rng(0)))}


def unknown_kind_judge(evidence: Evidence) -> Verdict:
    got = evidence.observed["raised"]
    if got == "ValueError":
        return passed("an unknown kind raises ValueError")
    return failed(
        f"a space with kind 'normal' should raise ValueError naming the kinds there are; it "
        f"{'raised ' + got if got else 'ran'}"
    )


_BAD_LOG_RANGES = ((0.0, 1.0), (-1.0, 1.0), (1.0, 0.1), (0.5, 0.5))
_BAD_BETA_RANGES = ((-0.1, 0.9), (0.9, 1.0), (0.99, 0.9), (0.5, 0.5))

CHECKS: dict[str, tuple[Check, ...]] = {
    "test_sample_log_uniform": (
        Check(
            "shape (size,), every draw in [low, high]",
            "sample_log_uniform",
            shape_and_bounds,
            make_inputs=sampler_inputs(1e-4, 1.0),
            probe=sampler_probe("sample_log_uniform"),
            rule="Return `size` floats in `[low, high]`",
        ),
        Check(
            "log10 of the draws is uniform (Kolmogorov-Smirnov)",
            "sample_log_uniform",
            log_uniform_judge,
            make_inputs=sampler_inputs(1e-4, 1.0),
            probe=sampler_probe("sample_log_uniform"),
            points=3.0,
            rule="whose base-10 logarithm is uniform on `[log10(low), log10(high)]`",
        ),
        Check(
            "the draws reach both ends of the range",
            "sample_log_uniform",
            ends_reached,
            make_inputs=sampler_inputs(1e-4, 1.0),
            probe=sampler_probe("sample_log_uniform"),
            rule="the draws reach both ends of the range",
        ),
        Check(
            "3/4 of the draws on [1e-4, 1] are below 0.1",
            "sample_log_uniform",
            three_quarters_below,
            make_inputs=sampler_inputs(1e-4, 1.0),
            probe=sampler_probe("sample_log_uniform"),
            points=2.0,
            rule="each decade gets the same share of the draws",
        ),
        Check(
            "randomness only from rng",
            "sample_log_uniform",
            determinism,
            make_inputs=sampler_inputs(1e-3, 10.0, size=50),
            probe=sampler_probe("sample_log_uniform"),
            rule="Take every random number from `rng`",
        ),
        Check(
            "ValueError unless 0 < low < high",
            "sample_log_uniform",
            bad_range_judge("0 < low < high"),
            probe=bad_range_probe("sample_log_uniform", _BAD_LOG_RANGES),
            rule="Raise a `ValueError` unless `0 < low < high`.",
        ),
        from_scratch(
            "sample_log_uniform",
            rule="a ready-made log-scale sampler (`scipy.stats.loguniform` or `reciprocal`, Optuna, KerasTuner, scikit-learn) does not count",
        ),
    ),
    "test_sample_beta": (
        Check(
            "shape (size,), every draw in [low, high]",
            "sample_beta",
            shape_and_bounds,
            make_inputs=sampler_inputs(0.9, 0.999),
            probe=sampler_probe("sample_beta"),
            rule="Return `size` values of $\\beta$ in `[low, high]`",
        ),
        Check(
            "log10(1 - beta) is uniform (Kolmogorov-Smirnov)",
            "sample_beta",
            beta_ks_judge,
            make_inputs=sampler_inputs(0.9, 0.999),
            probe=sampler_probe("sample_beta"),
            points=3.0,
            rule="such that $\\log_{10}(1 - \\beta)$ is uniform on `[log10(1 - high), log10(1 - low)]`",
        ),
        Check(
            "half of the draws on [0.9, 0.999] are >= 0.99",
            "sample_beta",
            beta_half_above,
            make_inputs=sampler_inputs(0.9, 0.999),
            probe=sampler_probe("sample_beta"),
            points=2.0,
            rule="on $[0.9, 0.999]$, half of the draws are then at least 0.99",
        ),
        Check(
            "randomness only from rng",
            "sample_beta",
            determinism,
            make_inputs=sampler_inputs(0.5, 0.99, size=50),
            probe=sampler_probe("sample_beta"),
            rule="Randomness only from `rng`.",
        ),
        Check(
            "ValueError unless 0 <= low < high < 1",
            "sample_beta",
            bad_range_judge("0 <= low < high < 1"),
            probe=bad_range_probe("sample_beta", _BAD_BETA_RANGES),
            rule="Raise a `ValueError` unless `0 <= low < high < 1`.",
        ),
        from_scratch("sample_beta", rule="the same ready-made samplers do not count here either"),
    ),
    "test_random_search": (
        Check(
            "n_trials calls, one value per name of the right kind and range",
            "random_search",
            search_calls_judge,
            make_inputs=search_inputs(12),
            probe=search_probe,
            points=2.0,
            rule="For each of `n_trials` trials, draw a fresh value for every name of `space`",
        ),
        Check(
            "sorted best first by score, ties in trial order, NaN last",
            "random_search",
            order_judge,
            make_inputs=search_inputs(8),
            probe=order_probe,
            rule="a stable sort that keeps tied trials in the order they ran, with `NaN` scores (a diverged training) last",
        ),
        Check(
            "each kind has its distribution over 2000 trials",
            "random_search",
            distributions_judge,
            make_inputs=search_inputs(2000),
            probe=distribution_probe,
            points=2.0,
            rule='`"uniform"` (`rng.uniform`) and `"int"` (integers from `low` to `high`, **both included**)',
        ),
        Check(
            "randomness only from rng",
            "random_search",
            search_determinism,
            make_inputs=search_inputs(6),
            probe=search_determinism_probe,
            rule="All randomness comes from `rng`.",
        ),
        Check(
            "an unknown kind raises ValueError",
            "random_search",
            unknown_kind_judge,
            probe=unknown_kind_probe,
            rule="Raise a `ValueError` for an unknown kind.",
        ),
        integration_check(
            "random_search",
            "random_search",
            search_probe,
            ("sample_log_uniform", "sample_beta"),
            search_inputs(4),
            rule='`"log"` (your `sample_log_uniform`), `"beta"` (your `sample_beta`)',
        ),
        from_scratch(
            "random_search", rule="a tuning library (Optuna, KerasTuner, scikit-learn, Ray Tune) does not count"
        ),
    ),
    "test_refine_space": (
        Check(
            "the same names and kinds; the arguments left as they were",
            "refine_space",
            refine.names_and_kinds,
            make_inputs=refine.trials(20),
            probe=refine.refine_probe,
            rule="return a new dict with the same names and kinds, and leave `results` and `space` as they are",
        ),
        Check(
            "each range holds the top_k best trials' values, inside the old range",
            "refine_space",
            refine.holds_the_best,
            make_inputs=refine.trials(20),
            probe=refine.refine_probe,
            points=2.0,
            rule="the smallest range that holds the values of the `top_k` best trials",
        ),
        Check(
            "log and beta ranges widened on their own scale",
            "refine_space",
            refine.matches_the_rule(("log", "beta"), "10% of the old range on the log10 scale of x or of 1 - x"),
            make_inputs=refine.trials(30, top_k=6),
            probe=refine.refine_probe,
            points=2.0,
            rule='log10(x) for `"log"`, log10(1 - x) for `"beta"`',
        ),
        Check(
            "uniform and int ranges widened on a linear scale, int bounds rounded outward",
            "refine_space",
            refine.matches_the_rule(("uniform", "int"), "10% of the old range; int bounds rounded outward"),
            make_inputs=refine.trials(30, top_k=6),
            probe=refine.refine_probe,
            rule='x itself for `"uniform"` and `"int"`, with `"int"` bounds rounded outward to integers',
        ),
        Check(
            "trials with a NaN score do not count",
            "refine_space",
            refine.nan_skipped,
            make_inputs=refine.trials(8, n_nan=4, top_k=6),
            probe=refine.refine_probe,
            rule="trials whose score is NaN do not count",
        ),
        Check(
            "no finite score raises ValueError",
            "refine_space",
            refine.no_finite_judge,
            probe=refine.no_finite_probe,
            rule="Raise a `ValueError` when no trial has a finite score.",
        ),
    ),
    "test_q_distinct_values": (form_check("q_distinct_values", "distinct_learning_rates", Numbers(2), rule='Answer with two integers, `(grid, random)`.'),),
    "test_q_beta_share": (form_check("q_beta_share", "share_at_least_0999", Numbers(2), rule='Answer with two numbers between 0 and 1, `(log scale, uniform)`.'),),
    "test_q_panda_or_caviar": (form_check("q_panda_or_caviar", "approach", Choice(('a', 'b', 'c')), rule='Answer with a letter, as a string.'),),
}
