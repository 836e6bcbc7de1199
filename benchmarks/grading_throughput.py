"""Seconds per submission: ``python -m autograder grade --jobs 2`` against ``nbgrader autograde``.

A class of N realistic batch_norm submissions (the reference solution with the
demo class's typical mistakes mixed in, as released-lab notebooks) is graded
by the project's grader, and a smaller sample of the same notebooks by
``nbgrader autograde`` in quick mode (LAB_QUICK=1), on this machine, in this
run. Both include their start-up (the grader's warm process and references,
nbgrader's kernels). With ``--repeat R`` both graders run R times, interleaved,
and the medians are compared (on a shared machine, timings drift from minute
to minute). The last line is
``ratio <nbgrader median seconds per submission / autograder median seconds per submission>``.

    python benchmarks/grading_throughput.py [--n 50] [--nbgrader-n 4] [--repeat 1] [--lab batch_norm]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def write_class(folder: Path, lab: str, n: int) -> list[str]:
    import nbformat

    from autograder.engine.cells import read_notebook, with_answers
    from autograder.engine.course import release_path
    from autograder.integrations.demo import demo_class

    released = read_notebook(release_path(ROOT, lab))
    kinds = [name for name in demo_class(ROOT, lab) if name != "blank"]
    classes = demo_class(ROOT, lab)
    students = []
    for number in range(n):
        kind = kinds[number % len(kinds)]
        student = f"s{number:03d}_{kind}"
        nbformat.write(with_answers(released, classes[kind]), folder / f"{student}.ipynb")
        students.append(student)
    return students


def timed(command: list[str], cwd: Path, env: dict[str, str]) -> float:
    start = time.perf_counter()
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
    return time.perf_counter() - start


def grade_ours(folder: Path, out: Path, lab: str, jobs: int, env: dict[str, str]) -> float:
    command = [sys.executable, "-m", "autograder", "grade", lab, str(folder), "--out", str(out), "--jobs", str(jobs)]
    return timed(command, ROOT, env)


def grade_nbgrader(folder: Path, course: Path, lab: str, students: list[str], env: dict[str, str]) -> float:
    """``nbgrader autograde`` of ``students`` in a fresh course (its own gradebook); returns its seconds."""
    (course / "solutions").mkdir(parents=True)
    shutil.copy(ROOT / "nbgrader_config.py", course)
    shutil.copytree(ROOT / "solutions" / "_grading", course / "solutions" / "_grading")
    shutil.copytree(ROOT / "solutions" / lab, course / "solutions" / lab)
    for student in students:
        target = course / "submitted" / student / lab
        target.mkdir(parents=True)
        shutil.copy(folder / f"{student}.ipynb", target / f"{lab}.ipynb")
    nbgrader = [sys.executable, "-m", "nbgrader"]
    timed([*nbgrader, "generate_assignment", lab, "--log-level=ERROR"], course, env)
    return timed([*nbgrader, "autograde", lab, "--log-level=ERROR"], course, env)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lab", default="batch_norm")
    parser.add_argument("--n", type=int, default=50, help="submissions for the project's grader (default 50)")
    parser.add_argument("--nbgrader-n", type=int, default=4, help="of those, how many nbgrader grades (default 4)")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument(
        "--repeat", type=int, default=1, help="runs of both graders, interleaved; medians are reported (default 1)"
    )
    args = parser.parse_args(argv)
    if min(args.n, args.nbgrader_n, args.repeat, args.jobs) < 1 or args.nbgrader_n > args.n:
        parser.error("--n, --nbgrader-n, --repeat and --jobs must be at least 1, and --nbgrader-n at most --n")
    env = {**os.environ, "LAB_QUICK": "1", "TF_CPP_MIN_LOG_LEVEL": "3"}
    print(f"lab {args.lab}, quick mode, {os.cpu_count()} CPUs, Python {sys.version.split()[0]}")
    print(f"{'run':<5}{'autograder s/sub':>18}{'nbgrader s/sub':>16}{'ratio':>8}")

    ours_each, theirs_each, ours_peak = [], [], 0.0
    with tempfile.TemporaryDirectory(prefix="throughput-") as scratch:
        scratch = Path(scratch)
        folder = scratch / "class"
        folder.mkdir()
        students = write_class(folder, args.lab, args.n)
        for run in range(1, args.repeat + 1):
            ours = grade_ours(folder, scratch / f"out{run}", args.lab, args.jobs, env) / args.n
            if run == 1:  # before nbgrader's kernels run: the largest process of the grader's run
                ours_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
            course = scratch / f"course{run}"
            theirs = grade_nbgrader(folder, course, args.lab, students[: args.nbgrader_n], env) / args.nbgrader_n
            ours_each.append(ours)
            theirs_each.append(theirs)
            print(f"{run:<5}{ours:>18.2f}{theirs:>16.2f}{theirs / ours:>8.2f}", flush=True)
        both_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024

    ours_median, theirs_median = statistics.median(ours_each), statistics.median(theirs_each)
    print(f"{'grader':<36}{'submissions':>12}{'median s/submission':>21}")
    print(f"{'python -m autograder grade --jobs ' + str(args.jobs):<36}{args.n:>12}{ours_median:>21.2f}")
    print(f"{'nbgrader autograde':<36}{args.nbgrader_n:>12}{theirs_median:>21.2f}")
    print(f"peak memory of the largest process: {ours_peak:.0f} MB (autograder run), {both_peak:.0f} MB (either run)")
    print(f"ratio {theirs_median / ours_median:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
