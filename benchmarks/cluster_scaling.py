"""How the isolated grader scales on a Dask cluster: one synthetic class graded on one machine (one worker at a
time), then on ``local:1`` and ``local:2``, in one run.

For each it prints the steady-state throughput (submissions per second between the first and the last result,
so that the one-time start-up, the warm process and the references, is left out and reported apart), the
cluster's overhead per submission against the local grader, and the efficiency of two workers
(throughput on 2 / (2 x throughput on 1)); its last line is ``efficiency X``.

    python benchmarks/cluster_scaling.py [--lab hyperparameter_search] [--students 30]

Targets (issue: grading beyond one machine): efficiency >= 0.8 on 2 cores, overhead below 10%.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import nbformat  # noqa: E402 - after the path and the environment

from autograder.engine.cells import read_notebook, with_answers  # noqa: E402
from autograder.engine.course import release_path, solution_path  # noqa: E402
from autograder.engine.submissions import find  # noqa: E402
from autograder.grader import grade_class  # noqa: E402
from autograder.grader.cluster import grade_class_on_cluster  # noqa: E402
from autograder.integrations.demo import demo_class  # noqa: E402
from autograder.isolation.limits import Limits  # noqa: E402
from autograder.labs import get_lab  # noqa: E402


def write_class(lab: str, students: int, folder: Path) -> None:
    """``students`` notebooks: the reference and the demo class's mistakes, in turn."""
    from autograder.engine.cells import answer_sources

    spec = get_lab(lab)
    reference = answer_sources(read_notebook(solution_path(ROOT, lab)), [a.grade_id for a in spec.answers])
    kinds = [reference, *({**reference, **answers} for answers in demo_class(ROOT, lab).values())]
    released = read_notebook(release_path(ROOT, lab))
    for number in range(students):
        nbformat.write(with_answers(released, kinds[number % len(kinds)]), folder / f"student{number:03d}.ipynb")


def timed(grade, out: Path) -> dict[str, float]:
    """Run ``grade(out, progress)``; the wall time, the start-up (to the first result) and the steady-state
    throughput (results after the first, per second)."""
    stamps: list[float] = []
    start = time.perf_counter()
    results = grade(out, lambda line: stamps.append(time.perf_counter()))
    wall = time.perf_counter() - start
    steady = (len(stamps) - 1) / (stamps[-1] - stamps[0]) if len(stamps) > 1 and stamps[-1] > stamps[0] else 0.0
    return {"n": len(results), "wall": wall, "first": stamps[0] - start if stamps else wall, "rate": steady}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lab", default="hyperparameter_search")
    parser.add_argument("--students", type=int, default=30)
    args = parser.parse_args()
    lab, limits = get_lab(args.lab), Limits()
    runs = {}
    with tempfile.TemporaryDirectory(prefix="autograder-bench-") as scratch:
        top = Path(scratch)
        (top / "class").mkdir()
        write_class(args.lab, args.students, top / "class")
        submissions = find(args.lab, [str(top / "class")])
        print(f"{len(submissions)} submissions of {args.lab}, {os.cpu_count()} CPU cores", flush=True)
        runs["local (--jobs 1)"] = timed(
            lambda out, progress: grade_class(lab, ROOT, submissions, out, 1, limits, progress=progress),
            top / "local",
        )
        for workers in (1, 2):
            runs[f"cluster local:{workers}"] = timed(
                lambda out, progress, workers=workers: grade_class_on_cluster(
                    lab, ROOT, submissions, out, f"local:{workers}", limits, progress=progress
                ),
                top / f"cluster{workers}",
            )
    print(f"{'run':<20} {'graded':>6} {'wall (s)':>9} {'to first (s)':>13} {'steady (sub/s)':>15} {'s/sub':>7}")
    for name, run in runs.items():
        per = 1 / run["rate"] if run["rate"] else float("nan")
        print(f"{name:<20} {run['n']:>6} {run['wall']:>9.1f} {run['first']:>13.1f} {run['rate']:>15.3f} {per:>7.3f}")
    local, one, two = runs["local (--jobs 1)"], runs["cluster local:1"], runs["cluster local:2"]
    overhead = (1 / one["rate"] - 1 / local["rate"]) / (1 / local["rate"])
    efficiency = two["rate"] / (2 * one["rate"])
    print(f"cluster overhead per submission vs the local grader: {overhead:+.1%} (target below 10%)")
    print(f"efficiency {efficiency:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
