"""Every lab's reference through every check, then the Batch Norm benchmark, on this machine's GPU.

Meant for a machine with a GPU (it runs on a CPU too, and says so). The Keras backend is
``KERAS_BACKEND`` when set, else TensorFlow when it is installed, else JAX. It prints the
device, one line per test cell (points and any failing check's message), and the table of
``benchmarks/batchnorm_speed.py``; the exit status is 1 when a check fails.

    python benchmarks/gpu_check.py [--steps 100] [--quick]
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def choose_backend() -> str:
    """KERAS_BACKEND if set, else the first of TensorFlow and JAX that is installed."""
    if "KERAS_BACKEND" not in os.environ:
        installed = [name for name in ("tensorflow", "jax") if importlib.util.find_spec(name)]
        os.environ["KERAS_BACKEND"] = installed[0] if installed else "tensorflow"
    return os.environ["KERAS_BACKEND"]


def describe_device() -> str:
    """Where Keras puts a tensor, as the backend names it."""
    import keras

    tensor = keras.ops.ones((2, 2))
    if keras.backend.backend() == "jax":
        return ", ".join(str(d) for d in tensor.devices())
    return str(getattr(tensor, "device", "unknown"))


def check_lab(name: str) -> tuple[int, int, float]:
    """Grade the reference of one lab with all its public and hidden checks; print a line per cell.

    Returns (checks passed, checks run, seconds)."""
    from autograder.engine.cells import answer_sources, read_notebook
    from autograder.engine.course import solution_path
    from autograder.engine.grade_cells import grade_sources
    from autograder.labs import get_lab

    lab = get_lab(name)
    sources = answer_sources(read_notebook(solution_path(ROOT, name)), [a.grade_id for a in lab.answers])
    start = time.perf_counter()
    result = grade_sources("reference", lab, sources, ROOT)
    seconds = time.perf_counter() - start
    checks = [check for cell in result.cells for check in cell.checks]
    passed = sum(check.passed for check in checks)
    print(f"\n{name}: {result.score:g}/{result.max_score:g} points, {passed}/{len(checks)} checks, {seconds:.1f} s")
    for cell in result.cells:
        print(f"  {cell.grade_id:<34}{cell.points:>5g}/{cell.max_points:g}")
        for check in cell.checks:
            if not check.passed:
                print(f"      FAILED {check.name}: {check.message}")
    for error in result.errors:
        print(f"  error: {error}")
    return passed, len(checks), seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=100, help="timed steps of the benchmark (default 100)")
    parser.add_argument("--quick", action="store_true", help="the labs' quick mode (LAB_QUICK=1)")
    args = parser.parse_args(argv)
    if args.quick:
        os.environ["LAB_QUICK"] = "1"
    choose_backend()
    sys.path.insert(0, str(ROOT / "benchmarks"))

    import keras

    from autograder.engine import environment

    print(environment.prepare(seed=0))
    print(f"Keras {keras.__version__}, backend {keras.backend.backend()}, a tensor lands on: {describe_device()}")
    totals = [check_lab(name) for name in ("hyperparameter_search", "batch_norm", "softmax_regression")]
    passed, run = sum(t[0] for t in totals), sum(t[1] for t in totals)
    print(f"\nchecks: {passed}/{run} passed in {sum(t[2] for t in totals):.1f} s\n")

    import batchnorm_speed

    batchnorm_speed.main(["--steps", str(args.steps)])
    return 0 if passed == run else 1


if __name__ == "__main__":
    sys.exit(main())
