"""How the isolated grader scales on a Dask cluster: one synthetic class graded on one machine (one worker at a
time), on ``local:1`` and on ``local:2``, in one run.

Each of the three is started once and kept warm (the local grader; each cluster's workers keep their graders
between runs, given the same client). The start-up is timed apart: the first grading of the class, which builds
the graders. Then the class is graded again ``--rounds`` times, the three taking turns (so that the machine's
drifts reach all three alike), each time every submission and its outputs written again (``force``); the
throughput of a round is submissions / wall time, and the median of the rounds is reported. The cluster's
overhead per submission is measured against the local grader; the efficiency of two workers is throughput on 2 /
(2 x throughput on 1). The last line is ``efficiency X``.

    python benchmarks/cluster_scaling.py [--lab hyperparameter_search] [--students 30] [--rounds 3]

Targets (issue: grading beyond one machine): efficiency >= 0.8 on 2 cores, overhead below 10%.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import nbformat  # noqa: E402 - after the path and the environment

from autograder.engine.cells import read_notebook, with_answers  # noqa: E402
from autograder.engine.course import release_path, solution_path  # noqa: E402
from autograder.engine.submissions import Submission, find  # noqa: E402
from autograder.grader.api import read_submissions  # noqa: E402
from autograder.grader.class_run import ClassRun  # noqa: E402
from autograder.grader.cluster import connect, grade_class_on_cluster  # noqa: E402
from autograder.grader.isolated_grader import Grader  # noqa: E402
from autograder.integrations.demo import demo_class  # noqa: E402
from autograder.isolation.limits import Limits  # noqa: E402
from autograder.labs import get_lab  # noqa: E402
from autograder.outputs.writers import DEFAULT  # noqa: E402


def write_class(lab: str, students: int, folder: Path) -> None:
    """``students`` notebooks: the reference and the demo class's mistakes, in turn."""
    from autograder.engine.cells import answer_sources

    spec = get_lab(lab)
    reference = answer_sources(read_notebook(solution_path(ROOT, lab)), [a.grade_id for a in spec.answers])
    kinds = [reference, *({**reference, **answers} for answers in demo_class(ROOT, lab).values())]
    released = read_notebook(release_path(ROOT, lab))
    for number in range(students):
        nbformat.write(with_answers(released, kinds[number % len(kinds)]), folder / f"student{number:03d}.ipynb")


def local_grading(lab, submissions: list[Submission], out: Path, grader: Grader) -> int:
    """The class through a warm local grader and the writers, as ``grade_class`` records it."""
    run = ClassRun(lab, out, submissions, True)
    run.open(DEFAULT)

    def record(result) -> None:
        run.record(result)
        run.finish()

    grader.grade(read_submissions(lab, run.todo), record)
    return len(run.results)


def wall(grade: Callable[[], int], expected: int) -> float:
    start = time.perf_counter()
    graded = grade()
    seconds = time.perf_counter() - start
    if graded != expected:
        raise SystemExit(f"graded {graded} of {expected} submissions")
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lab", default="hyperparameter_search")
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    lab, limits = get_lab(args.lab), Limits()
    with tempfile.TemporaryDirectory(prefix="autograder-bench-") as scratch, contextlib.ExitStack() as stack:
        top = Path(scratch)
        (top / "class").mkdir()
        write_class(args.lab, args.students, top / "class")
        submissions = find(args.lab, [str(top / "class")])
        n = len(submissions)
        print(f"{n} submissions of {args.lab}, {os.cpu_count()} CPU cores, {args.rounds} rounds", flush=True)
        runs: dict[str, Callable[[], int]] = {}
        start: dict[str, float] = {}

        begin = time.perf_counter()
        grader = Grader(lab, ROOT, top / "local", 1, limits, private=[top / "class"])
        stack.callback(grader.close)
        runs["local (--jobs 1)"] = lambda: local_grading(lab, submissions, top / "local", grader)
        runs["local (--jobs 1)"]()
        start["local (--jobs 1)"] = time.perf_counter() - begin
        for workers in (1, 2):
            name, out = f"cluster local:{workers}", top / f"cluster{workers}"
            begin = time.perf_counter()
            client = stack.enter_context(connect(f"local:{workers}"))

            def grade(client=client, out=out) -> int:
                return len(grade_class_on_cluster(lab, ROOT, submissions, out, client, limits, force=True))

            runs[name] = grade
            grade()
            start[name] = time.perf_counter() - begin
        rates: dict[str, list[float]] = {name: [] for name in runs}
        for round_ in range(args.rounds):
            for name, grade in runs.items():
                rates[name].append(n / wall(grade, n))
            print(f"round {round_ + 1}: " + ", ".join(f"{k} {v[-1]:.3f}/s" for k, v in rates.items()), flush=True)
    print(f"{'run':<20} {'start-up + first class (s)':>27} {'median (sub/s)':>15} {'s/sub':>7}  rounds (sub/s)")
    median = {name: statistics.median(values) for name, values in rates.items()}
    for name, values in rates.items():
        each = " ".join(f"{v:.3f}" for v in values)
        print(f"{name:<20} {start[name]:>27.1f} {median[name]:>15.3f} {1 / median[name]:>7.3f}  {each}")
    local, one, two = median["local (--jobs 1)"], median["cluster local:1"], median["cluster local:2"]
    print(f"cluster overhead per submission vs the local grader: {local / one - 1:+.1%} (target below 10%)")
    print(f"efficiency {two / (2 * one):.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
