"""Hidden checks of the hyperparameter_search lab (instructors only: never released).

The same properties as the public checks on other ranges and sizes, from the
course's hidden seed: a random function is judged by its distribution and its
determinism, never against the reference's exact draws. Each statistical check
keeps the false-reject probability of its public twin (at most 1e-6).
"""

from autograder.labs.hyperparameter_search import refine, samplers, search
from autograder.model.checks import REFERENCE, Check
from autograder.toolkit.judges import all_of
from autograder.toolkit.questions import Choice, ChoiceKey, Numbers, NumbersKey, key_check

SPACE = {
    "lr": ("log", 1e-6, 1e-2),
    "momentum": ("beta", 0.5, 0.99),
    "width": ("int", 1, 3),
    "scale": ("uniform", -1.0, 1.0),
}
# The same kinds as SPACE on other ranges, for refine_space.
OTHER_SPACE = {
    "lr": ("log", 1e-6, 1e-2),
    "beta2": ("beta", 0.9, 0.9999),
    "width": ("int", 1, 9),
    "scale": ("uniform", -1.0, 1.0),
}

CHECKS = {
    "hidden_sample_log_uniform": (
        Check(
            "[1e-6, 1e-2]: bounds and KS test",
            "sample_log_uniform",
            all_of(samplers.shape_and_bounds, samplers.log_uniform_judge),
            make_inputs=samplers.sampler_inputs(1e-6, 1e-2),
            probe=samplers.sampler_probe("sample_log_uniform"),
            rule="whose base-10 logarithm is uniform on `[log10(low), log10(high)]`",
        ),
        Check(
            "[1e-6, 1e-2]: both ends reached",
            "sample_log_uniform",
            samplers.ends_reached,
            make_inputs=samplers.sampler_inputs(1e-6, 1e-2),
            probe=samplers.sampler_probe("sample_log_uniform"),
            rule="the draws reach both ends of the range",
        ),
        Check(
            "a single draw, and randomness only from rng",
            "sample_log_uniform",
            samplers.determinism,
            make_inputs=samplers.sampler_inputs(0.5, 2.0, size=1),
            probe=samplers.sampler_probe("sample_log_uniform"),
            rule="Take every random number from `rng`",
        ),
    ),
    "hidden_sample_beta": (
        Check(
            "[0.5, 0.99]: bounds and KS test",
            "sample_beta",
            all_of(samplers.shape_and_bounds, samplers.beta_ks_judge),
            make_inputs=samplers.sampler_inputs(0.5, 0.99),
            probe=samplers.sampler_probe("sample_beta"),
            rule="such that $\\log_{10}(1 - \\beta)$ is uniform on `[log10(1 - high), log10(1 - low)]`",
        ),
        Check(
            "low = 0 is allowed",
            "sample_beta",
            samplers.shape_and_bounds,
            make_inputs=samplers.sampler_inputs(0.0, 0.9, size=100),
            probe=samplers.sampler_probe("sample_beta"),
            rule="Raise a `ValueError` unless `0 <= low < high < 1`.",
        ),
    ),
    "hidden_random_search": (
        Check(
            "another space: calls, kinds and ranges",
            "random_search",
            search.search_calls_judge,
            make_inputs=search.search_inputs(9, SPACE),
            probe=search.search_probe,
            rule="For each of `n_trials` trials, draw a fresh value for every name of `space`",
        ),
        Check(
            "another space: each kind's distribution",
            "random_search",
            search.distributions_judge,
            make_inputs=search.search_inputs(2000, SPACE),
            probe=search.distribution_probe,
            rule='`"uniform"` (`rng.uniform`) and `"int"` (integers from `low` to `high`, **both included**)',
        ),
        Check(
            "a single trial",
            "random_search",
            search.search_calls_judge,
            make_inputs=search.search_inputs(1, SPACE),
            probe=search.search_probe,
            rule="For each of `n_trials` trials, draw a fresh value for every name of `space`",
        ),
    ),
    "hidden_refine_space": (
        Check(
            "another space and top_k, as the reference",
            "refine_space",
            refine.as_the_reference,
            make_inputs=refine.trials(40, n_nan=3, space=OTHER_SPACE, top_k=7),
            probe=refine.refine_probe,
            oracle=REFERENCE,
            rule='log10(x) for `"log"`, log10(1 - x) for `"beta"`',
        ),
        Check(
            "top_k = 1, as the reference",
            "refine_space",
            refine.as_the_reference,
            make_inputs=refine.trials(10, top_k=1),
            probe=refine.refine_probe,
            oracle=REFERENCE,
            rule="the smallest range that holds the values of the `top_k` best trials",
        ),
    ),
    "hidden_q_distinct_values": (
        key_check(
            "q_distinct_values",
            "distinct_learning_rates",
            NumbersKey(
                "distinct_learning_rates",
                Numbers(2),
                (5, 25),
                0.001,
                {
                    (25, 25): "the grid trains 25 models, but they share the grid's values of alpha",
                    (5, 5): "each random point draws its own alpha, so no two points share one",
                },
            ),
            2.0,
            rule="How many distinct values of $\\alpha$ does it try? And 25 random points, each drawn afresh?",
        ),
    ),
    "hidden_q_beta_share": (
        key_check(
            "q_beta_share",
            "share_at_least_0999",
            NumbersKey(
                "share_at_least_0999",
                Numbers(2),
                (0.3333333333333333, 0.009009009009009009),
                0.05,
                {
                    (
                        0.5,
                        0.0909,
                    ): "those are the shares of draws >= 0.99 on [0.9, 0.999], the lab's example, not this "
                    "question's range",
                    (0.25, 0.009009): "1 - beta spans three decades here, [0.0001, 0.1], not four",
                },
            ),
            2.0,
            rule="What share of the draws is at least $0.999$ when $\\beta$ is sampled through $1 - \\beta$ on a log "
            "scale, and what share when it is sampled uniformly?",
        ),
    ),
    "hidden_q_panda_or_caviar": (
        key_check(
            "q_panda_or_caviar",
            "approach",
            ChoiceKey(
                "approach",
                Choice(("a", "b", "c")),
                "a",
                {
                    "b": "five days a model and one GPU leave room for at most two full trainings in two weeks: "
                    "there is no compute for many in parallel",
                    "c": "a 5 x 5 grid is 25 trainings of five days each, 125 GPU-days: far beyond two weeks",
                },
            ),
            2.0,
            rule="You have one GPU for two weeks, and your model takes five days to train once. How do you search?",
        ),
    ),
}
