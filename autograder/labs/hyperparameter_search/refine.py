"""The checks of ``refine_space``: coarse to fine, on each kind's own scale.

The lab's rule: for each name, the range of its values over the ``top_k`` best trials with a finite
score, widened on each side by ``MARGIN`` of the old range and kept inside it, all measured on the
kind's scale (log10 x for "log", log10(1 - x) for "beta", x for "uniform" and "int"), "int" bounds
rounded outward. :func:`refined` computes it here, on the trusted side, in float64.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from typing import Any

import numpy as np

from autograder.labs.hyperparameter_search.library import namespace
from autograder.model.checks import Evidence, Verdict, failed, passed
from autograder.model.errors import ContractError
from autograder.toolkit.probes import raised

MARGIN = 0.1
SPACE = {
    "lr": ("log", 1e-5, 1.0),
    "momentum": ("beta", 0.5, 0.999),
    "dropout": ("uniform", 0.0, 0.5),
    "units": ("int", 16, 250),  # 10% of the range is not a whole number: the rounding shows
}
_SCALES: dict[str, tuple[Callable[[float], float], Callable[[float], float]]] = {
    "log": (math.log10, lambda r: 10.0**r),
    "beta": (lambda b: math.log10(1.0 - b), lambda r: 1.0 - 10.0**r),
}
_LINEAR = (lambda x: x, lambda x: x)


def refined(results: list, space: dict, top_k: int) -> dict[str, tuple[str, float, float]]:
    """The refined space, by the lab's rule (raises ValueError when no score is finite)."""
    best = [params for score, params in results if not math.isnan(score)][:top_k]
    if not best:
        raise ValueError("no trial with a finite score")
    out = {}
    for name, (kind, low, high) in space.items():
        forward, back = _SCALES.get(kind, _LINEAR)
        values = [forward(params[name]) for params in best]
        lo, hi = sorted((forward(low), forward(high)))
        margin = MARGIN * (hi - lo)
        ends = sorted((back(max(min(values) - margin, lo)), back(min(max(values) + margin, hi))))
        if kind == "int":
            ends = [math.floor(ends[0] + 1e-9), math.ceil(ends[1] - 1e-9)]
        out[name] = (kind, ends[0], ends[1])
    return out


def trials(n: int, n_nan: int = 0, space: dict | None = None, top_k: int = 5) -> Callable:
    """Inputs: ``n`` trials drawn from ``space`` (the reference samplers), scored by a smooth objective
    with a peak inside the space, sorted best first, the last ``n_nan`` scored NaN (diverged)."""
    space = space or SPACE

    def make(rng: np.random.Generator) -> dict[str, Any]:
        samplers = namespace()
        peak = {}
        for name, (kind, low, high) in space.items():
            lo, hi = sorted(_SCALES.get(kind, _LINEAR)[0](x) for x in (low, high))
            peak[name] = (rng.uniform(lo, hi), hi - lo)
        records = []
        for _ in range(n):
            params = {}
            for name, (kind, low, high) in space.items():
                if kind == "log":
                    params[name] = float(samplers["sample_log_uniform"](low, high, 1, rng)[0])
                elif kind == "beta":
                    params[name] = float(samplers["sample_beta"](low, high, 1, rng)[0])
                elif kind == "int":
                    params[name] = int(rng.integers(low, high + 1))
                else:
                    params[name] = float(rng.uniform(low, high))
            score = -sum(
                ((_SCALES.get(kind, _LINEAR)[0](params[name]) - peak[name][0]) / peak[name][1]) ** 2
                for name, (kind, _, _) in space.items()
            )
            records.append([float(score), params])
        # The diverged trials are those with the most extreme "uniform" values, so that counting them
        # would widen that range; they go last, as random_search puts them.
        uniform = [name for name, (kind, _, _) in space.items() if kind == "uniform"]
        by_value = sorted(records, key=lambda record: record[1][uniform[0]]) if uniform else records
        diverged = by_value[: n_nan // 2] + by_value[len(by_value) - (n_nan - n_nan // 2) :] if n_nan else []
        for record in diverged:
            record[0] = math.nan
        records = sorted((r for r in records if r not in diverged), key=lambda record: -record[0]) + diverged
        return {"results": records, "space": {name: list(spec) for name, spec in space.items()}, "top_k": top_k}

    return make


def _given(inputs: dict[str, Any]) -> tuple[list, dict]:
    results = [(score, dict(params)) for score, params in inputs["results"]]
    return results, {name: tuple(spec) for name, spec in inputs["space"].items()}


def refine_probe(answers: Any, inputs: dict[str, Any]) -> dict[str, Any]:
    results, space = _given(inputs)
    kept_results, kept_space = copy.deepcopy(results), copy.deepcopy(space)
    out = answers.refine_space(results, space, inputs["top_k"])
    if not isinstance(out, dict):
        raise ContractError(f"refine_space must return a dict (name -> (kind, low, high)), not {type(out).__name__}")
    names, kinds, lows, highs, ints = [], [], [], [], []
    for name, spec in out.items():
        if not isinstance(spec, tuple | list) or len(spec) != 3:
            raise ContractError(f"refine_space's {name!r} is {spec!r}: each entry must be (kind, low, high)")
        kind, low, high = spec
        if not isinstance(low, int | float | np.number) or not isinstance(high, int | float | np.number):
            raise ContractError(
                f"refine_space's {name!r} bounds are {type(low).__name__}, {type(high).__name__}: numbers"
            )
        names.append(str(name))
        kinds.append(str(kind))
        lows.append(float(low))
        highs.append(float(high))
        ints.append(isinstance(low, int | np.integer) and isinstance(high, int | np.integer))
    return {
        "names": names,
        "kinds": kinds,
        "low": lows,
        "high": highs,
        "int_bounds": ints,
        "modified": results != kept_results or space != kept_space,
    }


def _expected(inputs: dict[str, Any]) -> dict[str, tuple[str, float, float]]:
    results, space = _given(inputs)
    return refined(results, space, inputs["top_k"])


def names_and_kinds(evidence: Evidence) -> Verdict:
    o, space = evidence.observed, evidence.inputs["space"]
    if sorted(o["names"]) != sorted(space):
        return failed(
            f"the refined space has the names {sorted(o['names'])}: expected those of the space, {sorted(space)}"
        )
    for name, kind in zip(o["names"], o["kinds"], strict=True):
        if kind != space[name][0]:
            return failed(f"{name!r} became kind {kind!r}: keep each name's kind ({space[name][0]!r})")
    if o["modified"]:
        return failed("refine_space changed the results or the space it was given: build a new dict instead")
    return passed("the same names and kinds, new bounds, and the arguments left as they were")


def _ranges(observed: dict[str, Any]) -> dict[str, tuple[str, float, float]]:
    """The refined space a probe observed (the answer's, or the reference's), as name -> (kind, low, high)."""
    o = observed
    return {
        name: (kind, low, high)
        for name, kind, low, high in zip(o["names"], o["kinds"], o["low"], o["high"], strict=True)
    }


def _same_range(got: tuple[str, float, float], low: float, high: float) -> bool:
    """``got``'s bounds are ``low`` and ``high`` within float64 rounding."""
    return math.isclose(got[1], low, rel_tol=1e-9, abs_tol=1e-12) and math.isclose(
        got[2], high, rel_tol=1e-9, abs_tol=1e-12
    )


def holds_the_best(evidence: Evidence) -> Verdict:
    got, (results, space) = _ranges(evidence.observed), _given(evidence.inputs)
    best = [params for score, params in results if not math.isnan(score)][: evidence.inputs["top_k"]]
    for name, (_, low, high) in space.items():
        if name not in got:
            return failed(f"the refined space has no {name!r}")
        new_low, new_high = got[name][1], got[name][2]
        values = [params[name] for params in best]
        slack = 1e-9 * max(abs(low), abs(high))  # 10 ** log10(x) need not give x back to the last digit
        if not (low - slack <= new_low <= new_high <= high + slack):
            return failed(f"{name!r}: [{new_low:g}, {new_high:g}] is not inside the old range [{low:g}, {high:g}]")
        if not (new_low - slack <= min(values) and max(values) <= new_high + slack):
            return failed(
                f"{name!r}: [{new_low:g}, {new_high:g}] leaves out some of the {len(best)} best trials' values "
                f"({min(values):g} to {max(values):g})"
            )
    return passed(f"every range holds the {len(best)} best trials' values, inside the old range")


def matches_the_rule(kinds: tuple[str, ...], what: str) -> Callable[[Evidence], Verdict]:
    """A judge: the bounds of the names of ``kinds`` are the rule's, within float64 rounding."""

    def judge(evidence: Evidence) -> Verdict:
        got, want = _ranges(evidence.observed), _expected(evidence.inputs)
        is_int = dict(zip(evidence.observed["names"], evidence.observed["int_bounds"], strict=True))
        for name, (kind, low, high) in want.items():
            if kind not in kinds or name not in got:
                continue
            if kind == "int" and not is_int[name]:
                return failed(f"{name!r} (int) has float bounds: round them outward to integers (int(np.floor(...)))")
            if not _same_range(got[name], low, high):
                return failed(
                    f"{name!r} ({kind}): [{got[name][1]:.6g}, {got[name][2]:.6g}], expected [{low:.6g}, {high:.6g}] "
                    f"({what}){_scale_hint(kind, got[name][1:], evidence)}"
                )
        return passed(f"the {' and '.join(repr(k) for k in kinds)} ranges follow the rule ({what})")

    return judge


def _scale_hint(kind: str, bounds: tuple[float, float], evidence: Evidence) -> str:
    """Name the mistake when the bounds are the rule's on a linear scale."""
    results, space = _given(evidence.inputs)
    linear = refined(results, {name: ("uniform", *spec[1:]) for name, spec in space.items()}, evidence.inputs["top_k"])
    name = next(n for n, spec in space.items() if spec[0] == kind)
    if all(math.isclose(a, b, rel_tol=1e-9) for a, b in zip(bounds, linear[name][1:], strict=True)):
        return ". Likely mistake: the margin is measured on a linear scale; measure it on the kind's own scale"
    return ""


def nan_skipped(evidence: Evidence) -> Verdict:
    # Judged on the "uniform" name alone, so that a margin on the wrong scale is charged by its own check.
    verdict = matches_the_rule(("uniform",), "trials with a NaN score do not count")(evidence)
    if verdict.passed:
        return passed("trials with a NaN score do not count")
    return verdict


def no_finite_probe(answers: Any, inputs: dict[str, Any]) -> dict[str, Any]:
    # No trial at all: whether NaN scores are skipped is the NaN check's business.
    return {"raised": raised(lambda: answers.refine_space([], {"lr": ("log", 1e-4, 1.0)}, 2))}


def no_finite_judge(evidence: Evidence) -> Verdict:
    got = evidence.observed["raised"]
    if got == "ValueError":
        return passed("no trial with a finite score raises ValueError")
    did = f"raised {got}" if got else "returned"
    return failed(f"when every score is NaN there is nothing to refine around: raise ValueError; it {did}")


def as_the_reference(evidence: Evidence) -> Verdict:
    got = _ranges(evidence.observed)
    for name, (kind, low, high) in _ranges(evidence.expected).items():
        if name not in got or got[name][0] != kind:
            return failed(f"the refined space differs from the reference's for {name!r}")
        if not _same_range(got[name], low, high):
            return failed(f"the range of {name!r} ({kind}) differs from the reference's")
    return passed("the refined space matches the reference's")
