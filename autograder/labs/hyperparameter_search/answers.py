"""The graded answers of the hyperparameter_search lab (docs/design.md section 3), and
what each must not delegate to: the one place where those lists are written."""

from __future__ import annotations

from autograder.model.checks import AnswerSpec

# Ready-made log-scale samplers: the exercise is to build one from a uniform draw.
_LOG_SAMPLERS = ("scipy.stats.loguniform*", "scipy.stats.reciprocal*", "optuna.*", "keras_tuner.*", "sklearn.*")

ANSWERS = (
    AnswerSpec("q_distinct_values", ("distinct_learning_rates",), question=True),
    AnswerSpec("sample_log_uniform", ("sample_log_uniform",), _LOG_SAMPLERS),
    AnswerSpec("sample_beta", ("sample_beta",), _LOG_SAMPLERS),
    AnswerSpec("q_beta_share", ("share_at_least_0999",), question=True),
    AnswerSpec("random_search", ("random_search",), ("optuna.*", "keras_tuner.*", "sklearn.*", "ray.*")),
    AnswerSpec("refine_space", ("refine_space",)),
    AnswerSpec("q_panda_or_caviar", ("approach",), question=True),
)
