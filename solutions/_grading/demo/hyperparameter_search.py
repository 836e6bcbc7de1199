"""The demo class of the hyperparameter_search lab: typical mistakes, one per student.

Each student is the reference solution with one answer replaced.
"""

STUDENTS = {
    "linear_scale": {
        "sample_log_uniform": """def sample_log_uniform(low, high, size, rng):
    if not 0 < low < high:
        raise ValueError(f"need 0 < low < high. Received: low={low}, high={high}")
    return rng.uniform(low, high, size)
""",
    },
    "uniform_beta": {
        "sample_beta": """def sample_beta(low, high, size, rng):
    if not 0 <= low < high < 1:
        raise ValueError(f"need 0 <= low < high < 1. Received: low={low}, high={high}")
    return rng.uniform(low, high, size)
""",
    },
    "global_random_state": {
        "sample_log_uniform": """def sample_log_uniform(low, high, size, rng):
    if not 0 < low < high:
        raise ValueError(f"need 0 < low < high. Received: low={low}, high={high}")
    return 10 ** np.random.uniform(np.log10(low), np.log10(high), size)
""",
    },
    "worst_first": {
        "random_search": """def random_search(objective, space, n_trials, rng):
    samplers = {
        "log": lambda low, high: float(sample_log_uniform(low, high, 1, rng)[0]),
        "beta": lambda low, high: float(sample_beta(low, high, 1, rng)[0]),
        "uniform": lambda low, high: float(rng.uniform(low, high)),
        "int": lambda low, high: int(rng.integers(low, high + 1)),
    }
    results = []
    for _ in range(n_trials):
        params = {name: samplers[kind](low, high) for name, (kind, low, high) in space.items()}
        results.append((objective(**params), params))
    return sorted(results, key=lambda result: result[0])
""",
    },
}
