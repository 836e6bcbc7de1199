"""The public checks of the hyperparameter_search lab, one tuple per test cell: which inputs, which probe,
which judge, how many points and the sentence of the lab that states the rule. The inputs, probes and
judges are in the module of each exercise (samplers, search, refine)."""

from __future__ import annotations

from autograder.labs.hyperparameter_search import refine
from autograder.labs.hyperparameter_search.answers import ANSWERS
from autograder.labs.hyperparameter_search.samplers import (
    _BAD_BETA_RANGES,
    _BAD_LOG_RANGES,
    bad_range_judge,
    bad_range_probe,
    beta_half_above,
    beta_ks_judge,
    determinism,
    ends_reached,
    log_uniform_judge,
    sampler_inputs,
    sampler_probe,
    shape_and_bounds,
    three_quarters_below,
)
from autograder.labs.hyperparameter_search.search import (
    distribution_probe,
    distributions_judge,
    order_judge,
    order_probe,
    search_calls_judge,
    search_determinism,
    search_determinism_probe,
    search_inputs,
    search_probe,
    unknown_kind_judge,
    unknown_kind_probe,
)
from autograder.model.checks import Check
from autograder.toolkit.from_scratch import from_scratch_check
from autograder.toolkit.questions import Choice, Numbers, form_check
from autograder.toolkit.stand_ins import integration_check

# The core numeric check of each answer: "implemented from scratch" scores only once it passes.
CORE_CHECK = {
    "sample_log_uniform": "log10 of the draws is uniform (Kolmogorov-Smirnov)",
    "sample_beta": "log10(1 - beta) is uniform (Kolmogorov-Smirnov)",
    "random_search": "n_trials calls, one value per name of the right kind and range",
}


def from_scratch(grade_id: str, rule: str) -> Check:
    return from_scratch_check(ANSWERS, grade_id, CORE_CHECK[grade_id], rule)


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
            rule="a ready-made log-scale sampler (`scipy.stats.loguniform` or `reciprocal`, Optuna, KerasTuner, "
            "scikit-learn) does not count",
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
            rule="a stable sort that keeps tied trials in the order they ran, with `NaN` scores (a diverged "
            "training) last",
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
    "test_q_distinct_values": (
        form_check(
            "q_distinct_values",
            "distinct_learning_rates",
            Numbers(2),
            rule="Answer with two integers, `(grid, random)`.",
        ),
    ),
    "test_q_beta_share": (
        form_check(
            "q_beta_share",
            "share_at_least_0999",
            Numbers(2),
            rule="Answer with two numbers between 0 and 1, `(log scale, uniform)`.",
        ),
    ),
    "test_q_panda_or_caviar": (
        form_check("q_panda_or_caviar", "approach", Choice(("a", "b", "c")), rule="Answer with a letter, as a string."),
    ),
}
