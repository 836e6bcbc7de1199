"""The graded answers of the hyperparameter_search lab (DESIGN.md section 3), and
what each must not delegate to: the one place where those lists are written."""

from __future__ import annotations

from ...checks import AnswerSpec

# Ready-made log-scale samplers: the exercise is to build one from a uniform draw.
_LOG_SAMPLERS = ("scipy.stats.loguniform*", "scipy.stats.reciprocal*", "optuna.*", "keras_tuner.*", "sklearn.*")

ANSWERS = (
    AnswerSpec("sample_log_uniform", ("sample_log_uniform",), _LOG_SAMPLERS),
    AnswerSpec("sample_beta", ("sample_beta",), _LOG_SAMPLERS),
    AnswerSpec("random_search", ("random_search",), ("optuna.*", "keras_tuner.*", "sklearn.*", "ray.*")),
)
