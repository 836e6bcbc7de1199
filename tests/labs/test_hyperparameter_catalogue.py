"""A catalogue of wrong and right answers to the hyperparameter_search lab.

Each wrong answer must lose the points of the check that names its mistake, with
a message a student can act on (docs/keras_semantics.md sections 4 and 6, mutants
1-6, and the contract of random_search); each differently written right answer
must get full points. Only the test cells of the answer under test are graded: a
wrong sampler is not also charged to random_search, which calls it.

Wrong searches are ``SEARCH`` (a textbook random_search) edited with small
``str.replace`` edits, each of which must change the text, so that a drifting
template cannot make an entry test the right answer.

The statistical checks are also run on a correct answer under 20 seeds other
than the grading seeds: evidence, not proof, of their stated false-reject rate.
"""

from __future__ import annotations

import functools

import numpy as np
import pytest
from helpers import (
    REPO,
    assert_catalogue_covers,
    assert_caught,
    cells_of,
    code_answers,
    failures,
    grade,
    reference_sources,
)

from autograder.engine import course
from autograder.engine.cells import cell_source, read_notebook
from autograder.engine.grade_cells import PUBLIC_SEED
from autograder.engine.run_checks import check_seed
from autograder.engine.student_answers import Namespace
from autograder.labs.hyperparameter_search import catalogue, samplers, search
from autograder.model.checks import Check, Evidence

LAB = "hyperparameter_search"

# Public check names, as the students see them.
LOG_KS = "log10 of the draws is uniform (Kolmogorov-Smirnov)"
LOG_ENDS = "the draws reach both ends of the range"
LOG_QUARTERS = "3/4 of the draws on [1e-4, 1] are below 0.1"
LOG_ERRORS = "ValueError unless 0 < low < high"
BETA_KS = "log10(1 - beta) is uniform (Kolmogorov-Smirnov)"
BETA_HALF = "half of the draws on [0.9, 0.999] are >= 0.99"
BETA_ERRORS = "ValueError unless 0 <= low < high < 1"
FROM_RNG = "randomness only from rng"
FROM_SCRATCH = "implemented from scratch"
SEARCH_CALLS = "n_trials calls, one value per name of the right kind and range"
SEARCH_ORDER = "sorted best first by score, ties in trial order, NaN last"
SEARCH_KINDS = "each kind has its distribution over 2000 trials"
SEARCH_UNKNOWN = "an unknown kind raises ValueError"
REFINE_NAMES = "the same names and kinds; the arguments left as they were"
REFINE_SCALE = "log and beta ranges widened on their own scale"
REFINE_LINEAR = "uniform and int ranges widened on a linear scale, int bounds rounded outward"
REFINE_NAN = "trials with a NaN score do not count"
REFINE_EMPTY = "no finite score raises ValueError"


def refined(*edits: tuple[str, str]) -> str:
    """The reference refine_space with each (old, new) replaced (each old text once)."""
    return edit(reference_sources(LAB)["refine_space"], *edits)


def wrong(name: str, grade_id: str, code: str, check: str, phrase: str):
    """One catalogue entry: the answer ``grade_id`` replaced by ``code`` must fail ``check``
    with ``phrase`` in its (lowercased) message; the cells of ``grade_id`` are graded."""
    return pytest.param(grade_id, code, check, phrase, cells_of(grade_id), id=name)


def edit(source: str, *edits: tuple[str, str]) -> str:
    """``source`` with each (old, new) replaced; every old text must occur exactly once."""
    for old, new in edits:
        assert source.count(old) == 1, f"{old!r} occurs {source.count(old)} times in the template: it drifted"
        source = source.replace(old, new)
    return source


# ---------------------------------------------------------------- wrong samplers


def log_sampler(body: str, *, head: str = "") -> str:
    """A sample_log_uniform that checks its range, then runs ``body`` (indented by 4)."""
    return (
        f"{head}def sample_log_uniform(low, high, size, rng):\n"
        "    if not 0 < low < high:\n"
        '        raise ValueError(f"need 0 < low < high. Received: low={low}, high={high}")\n'
        f"{body}"
    )


def beta_sampler(body: str) -> str:
    """A sample_beta that checks its range, then runs ``body`` (indented by 4)."""
    return (
        "def sample_beta(low, high, size, rng):\n"
        "    if not 0 <= low < high < 1:\n"
        '        raise ValueError(f"need 0 <= low < high < 1. Received: low={low}, high={high}")\n'
        f"{body}"
    )


# A textbook random_search, edited into the wrong ones below.
SEARCH = """\
def random_search(objective, space, n_trials, rng):
    samplers = {
        "log": lambda low, high: float(sample_log_uniform(low, high, 1, rng)[0]),
        "beta": lambda low, high: float(sample_beta(low, high, 1, rng)[0]),
        "uniform": lambda low, high: float(rng.uniform(low, high)),
        "int": lambda low, high: int(rng.integers(low, high + 1)),
    }
    for name, (kind, _, _) in space.items():
        if kind not in samplers:
            raise ValueError(f"unknown kind {kind!r} for {name!r}; the kinds are {sorted(samplers)}")
    results = []
    for _ in range(n_trials):
        params = {name: samplers[kind](low, high) for name, (kind, low, high) in space.items()}
        results.append((float(objective(**params)), params))
    return sorted(results, key=lambda r: (np.isnan(r[0]), -np.nan_to_num(r[0])))
"""

SORT = "    return sorted(results, key=lambda r: (np.isnan(r[0]), -np.nan_to_num(r[0])))\n"
LOOP = "    for _ in range(n_trials):\n"
DRAW = "        params = {name: samplers[kind](low, high) for name, (kind, low, high) in space.items()}\n"
INT = "int(rng.integers(low, high + 1))"
UNKNOWN = "        if kind not in samplers:\n"

CATALOGUE = [
    # sample_log_uniform
    wrong(
        "log_uniform_on_a_linear_scale",
        "sample_log_uniform",
        log_sampler("    return rng.uniform(low, high, size)\n"),
        LOG_KS,
        "linear scale",
    ),
    wrong(
        "log_linear_scale_seen_by_the_three_quarters_check",
        "sample_log_uniform",
        log_sampler("    return rng.uniform(low, high, size)\n"),
        LOG_QUARTERS,
        "linear scale",
    ),
    wrong(
        "log_integer_exponents",
        "sample_log_uniform",
        log_sampler(
            "    r = rng.integers(int(np.log10(low)), int(np.log10(high)), size, endpoint=True)\n    return 10.0 ** r\n"
        ),
        LOG_KS,
        "integer values",
    ),
    wrong(
        "log_exp_of_log10_bounds",
        "sample_log_uniform",
        log_sampler("    return np.exp(rng.uniform(np.log10(low), np.log10(high), size))\n"),
        LOG_KS,
        "natural log",
    ),
    wrong(
        "log_ten_to_natural_log_bounds",
        "sample_log_uniform",
        log_sampler("    return 10 ** rng.uniform(np.log(low), np.log(high), size)\n"),
        LOG_KS,
        "natural log",
    ),
    wrong(
        "log_exponent_range_off_by_one",
        "sample_log_uniform",
        log_sampler("    return 10 ** rng.uniform(np.log10(low) + 1, np.log10(high), size)\n"),
        LOG_ENDS,
        "range of the exponent",
    ),
    wrong(
        "log_global_np_random",
        "sample_log_uniform",
        log_sampler("    return 10 ** np.random.uniform(np.log10(low), np.log10(high), size)\n"),
        FROM_RNG,
        "np.random",
    ),
    wrong(
        "log_python_random_module",
        "sample_log_uniform",
        log_sampler(
            "    a, b = np.log10(low), np.log10(high)\n"
            "    return 10 ** np.array([random.uniform(a, b) for _ in range(size)])\n",
            head="import random\n\n\n",
        ),
        FROM_RNG,
        "python's `random`",
    ),
    wrong(
        "log_unseeded_new_generator",
        "sample_log_uniform",
        log_sampler(
            "    rng = np.random.default_rng()\n    return 10 ** rng.uniform(np.log10(low), np.log10(high), size)\n"
        ),
        FROM_RNG,
        "new generator",
    ),
    wrong(
        "log_no_valueerror_for_a_bad_range",
        "sample_log_uniform",
        """\
def sample_log_uniform(low, high, size, rng):
    return np.clip(10 ** rng.uniform(np.log10(low), np.log10(high), size), low, high)
""",
        LOG_ERRORS,
        "valueerror",
    ),
    wrong(
        "log_delegates_to_scipy_loguniform",
        "sample_log_uniform",
        log_sampler(
            "    return loguniform.rvs(low, high, size=size, random_state=rng)\n",
            head="from scipy.stats import loguniform\n\n\n",
        ),
        FROM_SCRATCH,
        "implement this yourself",
    ),
    # sample_beta
    wrong(
        "beta_uniform_on_a_linear_scale",
        "sample_beta",
        beta_sampler("    return rng.uniform(low, high, size)\n"),
        BETA_KS,
        "linear scale",
    ),
    wrong(
        "beta_is_ten_to_the_r",
        "sample_beta",
        beta_sampler("    return 10 ** rng.uniform(np.log10(1 - high), np.log10(1 - low), size)\n"),
        BETA_KS,
        "1 - 10**r",
    ),
    wrong(
        "beta_one_minus_log_uniform_on_low_high",
        "sample_beta",
        beta_sampler("    return 1 - sample_log_uniform(low, high, size, rng)\n"),
        BETA_KS,
        "log10(1 - high)",
    ),
    wrong(
        "beta_exponent_on_log10_low_high",
        "sample_beta",
        beta_sampler("    return 1 - 10 ** rng.uniform(np.log10(low), np.log10(high), size)\n"),
        BETA_KS,
        "log10(1 - high)",
    ),
    wrong(
        "beta_keras_tuner_reverse_log",
        "sample_beta",
        beta_sampler("    u = rng.random(size)\n    return high + low - low * (high / low) ** (1 - u)\n"),
        BETA_HALF,
        "reverse_log",
    ),
    wrong(
        "beta_no_valueerror_for_a_bad_range",
        "sample_beta",
        """\
def sample_beta(low, high, size, rng):
    return 1 - 10 ** rng.uniform(np.log10(1 - high), np.log10(1 - low), size)
""",
        BETA_ERRORS,
        "valueerror",
    ),
    # random_search
    wrong(
        "search_sorted_worst_first",
        "random_search",
        edit(SEARCH, (SORT, "    return sorted(results, key=lambda r: (np.isnan(r[0]), np.nan_to_num(r[0])))\n")),
        SEARCH_ORDER,
        "worst first",
    ),
    wrong(
        "search_nan_in_the_sort_key",
        "random_search",
        edit(SEARCH, (SORT, "    return sorted(results, key=lambda r: -r[0])\n")),
        SEARCH_ORDER,
        "nan scores must come last",
    ),
    wrong(
        "search_nan_first",
        "random_search",
        edit(SEARCH, (SORT, "    return sorted(results, key=lambda r: (not np.isnan(r[0]), -np.nan_to_num(r[0])))\n")),
        SEARCH_ORDER,
        "nan scores must come last",
    ),
    wrong(
        "search_ties_reversed",
        "random_search",
        edit(
            SEARCH,
            (SORT, "    return sorted(results, key=lambda r: (not np.isnan(r[0]), np.nan_to_num(r[0])))[::-1]\n"),
        ),
        SEARCH_ORDER,
        "trial order",
    ),
    wrong(
        "search_one_draw_for_every_trial",
        "random_search",
        edit(SEARCH, (LOOP + DRAW, DRAW.removeprefix("    ") + LOOP)),
        SEARCH_ORDER,
        "fresh values",
    ),
    wrong(
        "search_int_range_excludes_high",
        "random_search",
        edit(SEARCH, (INT, "int(rng.integers(low, high))")),
        SEARCH_KINDS,
        "includes high",
    ),
    wrong(
        "search_int_kind_as_float",
        "random_search",
        edit(SEARCH, (INT, "float(rng.integers(low, high + 1))")),
        SEARCH_CALLS,
        "draw integers",
    ),
    wrong(
        "search_one_trial_too_few",
        "random_search",
        edit(SEARCH, (LOOP, "    for _ in range(n_trials - 1):\n")),
        SEARCH_CALLS,
        "once per trial",
    ),
    wrong(
        "search_one_trial_too_many",
        "random_search",
        edit(SEARCH, (LOOP, "    for _ in range(n_trials + 1):\n")),
        SEARCH_CALLS,
        "once per trial",
    ),
    wrong(
        "search_returns_only_the_best",
        "random_search",
        edit(SEARCH, (SORT, SORT.replace("])))\n", "])))[:1]\n"))),
        SEARCH_CALLS,
        "only the best",
    ),
    wrong(
        "search_no_valueerror_for_an_unknown_kind",
        "random_search",
        edit(SEARCH, (UNKNOWN + "            raise ValueError(", "        if False:\n            raise ValueError(")),
        SEARCH_UNKNOWN,
        "valueerror",
    ),
    wrong(
        "search_global_np_random",
        "random_search",
        edit(SEARCH, ("float(rng.uniform(low, high))", "float(np.random.uniform(low, high))")),
        FROM_RNG,
        "`rng`",
    ),
    wrong(
        "search_log_kind_drawn_uniformly",
        "random_search",
        edit(SEARCH, ("float(sample_log_uniform(low, high, 1, rng)[0])", "float(rng.uniform(low, high))")),
        SEARCH_KINDS,
        "sample_log_uniform",
    ),
    # refine_space
    wrong(
        "refine_margin_on_a_linear_scale",
        "refine_space",
        refined(
            (
                """    scales = {
        "log": (np.log10, lambda r: 10.0**r),
        "beta": (lambda x: np.log10(1.0 - x), lambda r: 1.0 - 10.0**r),
    }""",
                "    scales = {}",
            )
        ),
        REFINE_SCALE,
        "linear scale",
    ),
    wrong(
        "refine_counts_diverged_trials",
        "refine_space",
        refined(("if not np.isnan(score)", "")),
        REFINE_NAN,
        "nan score",
    ),
    wrong(
        "refine_changes_the_space_it_was_given",
        "refine_space",
        refined(("    refined = {}\n", "    refined = space\n")),
        REFINE_NAMES,
        "changed the results or the space",
    ),
    wrong(
        "refine_int_bounds_left_as_floats",
        "refine_space",
        refined(('if kind == "int":', "if False:")),
        REFINE_LINEAR,
        "float bounds",
    ),
    wrong(
        "refine_returns_the_old_space_when_nothing_is_finite",
        "refine_space",
        refined(("        raise ValueError", "        return dict(space)\n        raise ValueError")),
        REFINE_EMPTY,
        "raise valueerror",
    ),
]


@pytest.mark.parametrize(("grade_id", "code", "check", "phrase", "cells"), CATALOGUE)
def test_wrong_answer_fails_the_check_that_names_it(grade_id, code, check, phrase, cells):
    """Does each catalogued mistake lose all points of its check, with a message that names the mistake? (Only
    that check runs.)"""
    result = grade(LAB, {grade_id: code}, cells, only={check})
    assert_caught(result, check, phrase, cells)


def test_catalogue_is_large_enough():
    """Does the catalogue hold at least 12 distinct mistakes, whose graded cells cover every answer of the lab?"""
    assert_catalogue_covers(CATALOGUE, LAB, 12)


# ---------------------------------------------------------------- hints that name the wrong mistake

MISLEADING = [
    pytest.param(
        "random_search",
        edit(SEARCH, (SORT, SORT.replace("])))\n", "])))[:1]\n"))),
        SEARCH_ORDER,
        "ties are not kept",
        id="only_the_best_is_not_a_tie_problem",
    ),
    pytest.param(
        "random_search",
        edit(SEARCH, (LOOP, "    for _ in range(n_trials - 1):\n")),
        SEARCH_ORDER,
        "ties are not kept",
        id="a_missing_trial_is_not_a_tie_problem",
    ),
    pytest.param(
        "random_search",
        edit(SEARCH, (LOOP, "    for _ in range(n_trials + 1):\n")),
        SEARCH_ORDER,
        "stopiteration",
        id="an_extra_call_is_not_the_students_stopiteration",
    ),
    pytest.param(
        "sample_beta",
        beta_sampler("    return 10 ** rng.uniform(np.log10(1 - high), np.log10(1 - low), size)\n"),
        BETA_HALF,
        "uniform beta",
        id="beta_ten_to_the_r_is_not_uniform_beta",
    ),
]


@pytest.mark.parametrize(("grade_id", "code", "check", "misnomer"), MISLEADING)
def test_failed_check_does_not_name_another_mistake(grade_id, code, check, misnomer):
    """Does a failed check keep from blaming a mistake the answer did not make?"""
    result = grade(LAB, {grade_id: code}, cells_of(grade_id))
    named = [c for cell in result.cells for c in cell.checks if c.name == check]
    assert named, f"no check named {check!r}"
    for found in named:
        assert not found.passed, f"{check!r} passed: {found.message}"
        assert misnomer not in found.message.lower(), f"{check!r} blames {misnomer!r}: {found.message}"


# ---------------------------------------------------------------- right answers, written differently

CHECK_LOG_RANGE = """\
    if low <= 0 or high <= low:
        raise ValueError(f"need 0 < low < high. Received: low={low}, high={high}")
"""
CHECK_BETA_RANGE = """\
    if not (0 <= low and low < high and high < 1):
        raise ValueError(f"need 0 <= low < high < 1. Received: low={low}, high={high}")
"""

CORRECT = [
    pytest.param(
        "sample_log_uniform",
        "def sample_log_uniform(low, high, size, rng):\n"
        + CHECK_LOG_RANGE
        + "    return 10 ** rng.uniform(np.log10(low), np.log10(high), size)\n",
        id="log_ten_to_a_uniform_exponent_unclipped",
    ),
    pytest.param(
        "sample_log_uniform",
        "def sample_log_uniform(low, high, size, rng):\n"
        + CHECK_LOG_RANGE
        + "    return np.exp(rng.uniform(np.log(low), np.log(high), size))\n",
        id="log_exp_of_natural_log_bounds",
    ),
    pytest.param(
        "sample_log_uniform",
        "def sample_log_uniform(low, high, size, rng):\n"
        + CHECK_LOG_RANGE
        + "    return low * (high / low) ** rng.random(size)\n",
        id="log_power_of_the_ratio",
    ),
    pytest.param(
        "sample_log_uniform",
        "def sample_log_uniform(low, high, size, rng):\n"
        + CHECK_LOG_RANGE
        + """\
    a, b = np.log10(low), np.log10(high)
    r = a + (b - a) * rng.random(size)
    return 10.0**r
""",
        id="log_uniform_scaled_by_hand",
    ),
    pytest.param(
        "sample_beta",
        "def sample_beta(low, high, size, rng):\n"
        + CHECK_BETA_RANGE
        + "    return 1 - sample_log_uniform(1 - high, 1 - low, size, rng)\n",
        id="beta_one_minus_log_uniform_of_one_minus",
    ),
    pytest.param(
        "sample_beta",
        "def sample_beta(low, high, size, rng):\n"
        + CHECK_BETA_RANGE
        + "    return 1 - (1 - low) * ((1 - high) / (1 - low)) ** rng.random(size)\n",
        id="beta_power_of_the_ratio",
    ),
    pytest.param(
        "random_search",
        """\
def random_search(objective, space, n_trials, rng):
    kinds = ("log", "beta", "uniform", "int")
    for name, (kind, _, _) in space.items():
        if kind not in kinds:
            raise ValueError(f"{name}: unknown kind {kind!r}, expected one of {kinds}")
    finite, diverged = [], []
    for _ in range(n_trials):
        params = {}
        for name, (kind, low, high) in space.items():
            if kind == "log":
                params[name] = float(sample_log_uniform(low, high, 1, rng)[0])
            elif kind == "beta":
                params[name] = float(sample_beta(low, high, 1, rng)[0])
            elif kind == "uniform":
                params[name] = low + (high - low) * rng.random()
            else:
                params[name] = int(rng.integers(low, high, endpoint=True))
        score = objective(**params)
        (diverged if np.isnan(score) else finite).append((score, params))
    return sorted(finite, key=lambda r: -r[0]) + diverged
""",
        id="search_nan_list_apart",
    ),
    pytest.param(
        "random_search",
        """\
import math


def random_search(objective, space, n_trials, rng):
    draw = {
        "log": lambda low, high: sample_log_uniform(low, high, 1, rng).item(),
        "beta": lambda low, high: sample_beta(low, high, 1, rng).item(),
        "uniform": lambda low, high: rng.uniform(low, high),
        "int": lambda low, high: int(rng.integers(low, high + 1)),
    }
    unknown = {kind for kind, _, _ in space.values()} - set(draw)
    if unknown:
        raise ValueError(f"unknown kinds {sorted(unknown)}; the kinds are {sorted(draw)}")
    trials = []
    for _ in range(n_trials):
        params = {name: draw[kind](low, high) for name, (kind, low, high) in space.items()}
        trials.append((objective(**params), params))
    trials.sort(key=lambda trial: math.inf if math.isnan(trial[0]) else -trial[0])
    return trials
""",
        id="search_list_sort_with_nan_as_infinity",
    ),
    pytest.param(
        "sample_log_uniform",
        "def sample_log_uniform(low, high, size, rng):\n"
        + CHECK_LOG_RANGE
        + "    return np.power(10.0, rng.uniform(low=np.log10(low), high=np.log10(high), size=size))\n",
        id="log_np_power_keyword_arguments",
    ),
    pytest.param(
        "sample_beta",
        "def sample_beta(low, high, size, rng):\n"
        + CHECK_BETA_RANGE
        + "    r = rng.uniform(np.log10(1 - high), np.log10(1 - low), size)\n    return 1 - 10**r\n",
        id="beta_by_hand_from_the_exponents",
    ),
    # The space read by key and index, pairs kept as lists, NaN found by hand (x != x), and a sort
    # written as two passes: what a student who has not met math.isnan or key functions writes.
    pytest.param(
        "random_search",
        """\
def random_search(objective, space, n_trials, rng):
    names = list(space)
    for name in names:
        if space[name][0] not in ["log", "beta", "uniform", "int"]:
            raise ValueError("unknown kind " + str(space[name][0]) + " for " + name)
    results = []
    for trial in range(n_trials):
        params = {}
        for name in names:
            kind, low, high = space[name][0], space[name][1], space[name][2]
            if kind == "log":
                value = float(sample_log_uniform(low, high, 1, rng)[0])
            elif kind == "beta":
                value = float(sample_beta(low, high, 1, rng)[0])
            elif kind == "uniform":
                value = float(rng.uniform(low, high))
            else:
                value = int(rng.integers(low, high + 1))
            params[name] = value
        results.append([objective(**params), params])
    finite = [pair for pair in results if pair[0] == pair[0]]
    diverged = [pair for pair in results if pair[0] != pair[0]]
    finite.sort(key=lambda pair: pair[0], reverse=True)
    return finite + diverged
""",
        id="search_lists_index_access_and_nan_by_hand",
    ),
    pytest.param(
        "refine_space",
        """\
import math


def refine_space(results, space, top_k):
    finite = [params for score, params in results if not math.isnan(score)]
    if len(finite) == 0:
        raise ValueError("every trial diverged")
    best = finite[:top_k]
    new_space = {}
    for name in space:
        kind, low, high = space[name]
        if kind == "log":
            to, back = math.log10, lambda r: 10**r
        elif kind == "beta":
            to, back = (lambda b: math.log10(1 - b)), (lambda r: 1 - 10**r)
        else:
            to, back = (lambda x: x), (lambda x: x)
        values = [to(p[name]) for p in best]
        a, b = min(to(low), to(high)), max(to(low), to(high))
        width = b - a
        left, right = max(a, min(values) - width / 10), min(b, max(values) + width / 10)
        x, y = back(left), back(right)
        if x > y:
            x, y = y, x
        if kind == "int":
            x, y = math.floor(round(x, 9)), math.ceil(round(y, 9))
        new_space[name] = (kind, x, y)
    return new_space
""",
        id="refine_math_and_an_if_chain",
    ),
]


@pytest.mark.parametrize(("grade_id", "code"), CORRECT)
def test_correct_answer_gets_full_points(grade_id, code):
    """Does a correct answer written another way get every point of its cells?"""
    result = grade(LAB, {grade_id: code}, cells_of(grade_id))
    assert [cell.grade_id for cell in result.cells] == cells_of(grade_id)
    assert result.max_score > 0
    assert failures(result) == []
    assert result.score == result.max_score


def test_correct_variants_cover_every_answer():
    """Do the correct variants number at least 5 and cover every answer of the lab?"""
    assert len(CORRECT) >= 5
    assert {entry.values[0] for entry in CORRECT} == code_answers(LAB)


# ---------------------------------------------------------------- the statistical checks under other seeds

SEEDS = range(1, 21)

# (test cell, check name) of every check whose verdict on a correct answer is random.
STATISTICAL = [
    ("test_sample_log_uniform", LOG_KS),
    ("test_sample_log_uniform", LOG_ENDS),
    ("test_sample_log_uniform", LOG_QUARTERS),
    ("test_sample_beta", BETA_KS),
    ("test_sample_beta", BETA_HALF),
    ("test_random_search", SEARCH_KINDS),
    ("hidden_sample_log_uniform", "[1e-6, 1e-2]: bounds and KS test"),
    ("hidden_sample_log_uniform", "[1e-6, 1e-2]: both ends reached"),
    ("hidden_sample_beta", "[0.5, 0.99]: bounds and KS test"),
    ("hidden_random_search", "another space: each kind's distribution"),
]

STATISTICAL_JUDGES = (
    samplers.log_uniform_judge,
    samplers.ends_reached,
    samplers.three_quarters_below,
    samplers.beta_ks_judge,
    samplers.beta_half_above,
    search.distributions_judge,
)


@functools.cache
def reference_answers() -> Namespace:
    """The reference answers, run in a namespace with the lab's imports (not through the grader)."""
    names: dict = {"__name__": "__main__"}
    imports = cell_source(read_notebook(course.release_path(REPO, LAB)), course.IMPORTS_CELL)
    exec(compile(imports, "<catalogue imports>", "exec"), names)
    for grade_id, code in reference_sources(LAB).items():
        exec(compile(code, f"<catalogue reference {grade_id}>", "exec"), names)
    return Namespace(names)


def find_check(cell: str, name: str) -> Check:
    checks = catalogue.CHECKS.get(cell) or course.hidden_checks(REPO, LAB)[cell]
    (found,) = [check for check in checks if check.name == name]
    return found


def test_statistical_list_holds_every_public_statistical_check():
    """Is every public check built on a statistical judge among those run under 20 seeds?"""
    built = {
        (cell, check.name)
        for cell, checks in catalogue.CHECKS.items()
        for check in checks
        if check.judge in STATISTICAL_JUDGES
    }
    assert built == {(cell, name) for cell, name in STATISTICAL if not cell.startswith("hidden_")}


@pytest.mark.parametrize(("cell", "name"), STATISTICAL)
def test_statistical_check_passes_a_correct_answer_under_20_seeds(cell, name):
    """Does the reference pass this statistical check under 20 other seeds (evidence, not proof, of its rate)?"""
    check = find_check(cell, name)
    assert check.probe is not None
    base = course.hidden_seed(REPO) if cell.startswith("hidden_") else PUBLIC_SEED
    assert check_seed(base, LAB, cell, name) not in SEEDS, "these seeds must differ from the grading seed"
    answers = reference_answers()
    drawn, rejected = set(), []
    for seed in SEEDS:
        inputs = check.make_inputs(np.random.default_rng(seed))
        drawn.add(inputs["seed"])
        verdict = check.judge(Evidence(inputs, check.probe(answers, inputs), None, None, cell.startswith("hidden_")))
        if not verdict.passed:
            rejected.append(f"seed {seed}: {verdict.message}")
    assert len(drawn) == len(SEEDS), "the 20 seeds did not give 20 different draws"
    assert rejected == [], "\n".join(rejected)


# ---------------------------------------------------------------- stubs and crashing answers


@pytest.mark.parametrize("grade_id", sorted(code_answers(LAB)))
def test_blank_stub_scores_zero_in_every_check(grade_id):
    """Does the released blank stub score 0 in every check of its cells, each saying it is not implemented yet?"""
    # The reference oracle is built once per process; rebuild it, as the first student graded in a process would.
    course.reference_namespace.cache_clear()
    stub = cell_source(read_notebook(course.release_path(REPO, LAB)), grade_id)
    assert "raise NotImplementedError()" in stub
    result = grade(LAB, {grade_id: stub}, cells_of(grade_id))
    assert [cell.grade_id for cell in result.cells] == cells_of(grade_id)
    checks = [(cell.grade_id, check) for cell in result.cells for check in cell.checks]
    assert checks
    assert [check.name for _, check in checks if check.passed or check.points != 0.0] == []
    unexplained = [
        f"[{cell}] {check.name}: {check.message}"
        for cell, check in checks
        if "not implemented yet" not in check.message
    ]
    assert unexplained == [], "\n".join(unexplained)
    assert result.score == 0.0
    assert result.max_score > 0


def test_hidden_check_quotes_the_students_line():
    """Does a hidden check quote the student's own crashing line, never a line of the reference solution?"""
    course.reference_namespace.cache_clear()
    crashing = "def sample_log_uniform(low, high, size, rng):\n    return size / 0\n"
    result = grade(LAB, {"sample_log_uniform": crashing}, cells_of("sample_log_uniform"))
    checks = [(cell.grade_id, check) for cell in result.cells for check in cell.checks]
    hidden = [check for cell, check in checks if cell.startswith("hidden_")]
    assert hidden
    for check in hidden:
        assert not check.passed, check.name
        assert "zerodivisionerror" in check.message.lower(), f"{check.name}: {check.message}"
        assert "`return size / 0`" in check.message, f"{check.name}: {check.message}"
