"""The inputs, probes and judges of ``random_search``: the objective's calls, the order of the results, the
distribution of each kind, determinism, an unknown kind refused."""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from typing import Any

import numpy as np

from autograder.labs.hyperparameter_search.samplers import beta_transform
from autograder.model.checks import Evidence, Verdict, failed, passed
from autograder.model.errors import ContractError
from autograder.toolkit.distributions import FALSE_REJECT, dkw_epsilon, ks_uniform
from autograder.toolkit.judges import with_hint
from autograder.toolkit.probes import raised

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
