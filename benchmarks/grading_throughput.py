"""Seconds per submission: ``python -m autograder grade --jobs 2`` against ``nbgrader autograde``.

A class of N realistic batch_norm submissions (the reference solution with the
demo class's typical mistakes mixed in, as released-lab notebooks) is graded
by the project's grader, and a smaller sample of the same notebooks by
``nbgrader autograde`` in quick mode (LAB_QUICK=1), on this machine, in this
run. Both include their start-up (the grader's warm process and references,
nbgrader's kernels). The last line is
``ratio <nbgrader seconds per submission / autograder seconds per submission>``.

    python benchmarks/grading_throughput.py [--n 50] [--nbgrader-n 4] [--lab batch_norm]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def write_class(folder: Path, lab: str, n: int) -> list[str]:
    import nbformat

    from autograder.course import release_path
    from autograder.demo import demo_class
    from autograder.notebooks import read_notebook, with_answers

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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lab", default="batch_norm")
    parser.add_argument("--n", type=int, default=50, help="submissions for the project's grader (default 50)")
    parser.add_argument("--nbgrader-n", type=int, default=4, help="of those, how many nbgrader grades (default 4)")
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args(argv)
    env = {**os.environ, "LAB_QUICK": "1", "TF_CPP_MIN_LOG_LEVEL": "3"}

    with tempfile.TemporaryDirectory(prefix="throughput-") as scratch:
        scratch = Path(scratch)
        folder = scratch / "class"
        folder.mkdir()
        students = write_class(folder, args.lab, args.n)

        ours = timed(
            [
                sys.executable,
                "-m",
                "autograder",
                "grade",
                args.lab,
                str(folder),
                "--out",
                str(scratch / "out"),
                "--jobs",
                str(args.jobs),
            ],
            ROOT,
            env,
        )
        ours_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024

        course = scratch / "course"
        (course / "solutions").mkdir(parents=True)
        shutil.copy(ROOT / "nbgrader_config.py", course)
        shutil.copytree(ROOT / "solutions" / "_grading", course / "solutions" / "_grading")
        shutil.copytree(ROOT / "solutions" / args.lab, course / "solutions" / args.lab)
        for student in students[: args.nbgrader_n]:
            target = course / "submitted" / student / args.lab
            target.mkdir(parents=True)
            shutil.copy(folder / f"{student}.ipynb", target / f"{args.lab}.ipynb")
        nbgrader = [sys.executable, "-m", "nbgrader"]
        timed([*nbgrader, "generate_assignment", args.lab, "--log-level=ERROR"], course, env)
        theirs = timed([*nbgrader, "autograde", args.lab, "--log-level=ERROR"], course, env)
        both_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024

    ours_each, theirs_each = ours / args.n, theirs / args.nbgrader_n
    print(f"lab {args.lab}, quick mode, {os.cpu_count()} CPUs, Python {sys.version.split()[0]}")
    print(f"{'grader':<36}{'submissions':>12}{'seconds':>10}{'s/submission':>14}")
    print(f"{'python -m autograder grade --jobs ' + str(args.jobs):<36}{args.n:>12}{ours:>10.1f}{ours_each:>14.2f}")
    print(f"{'nbgrader autograde':<36}{args.nbgrader_n:>12}{theirs:>10.1f}{theirs_each:>14.2f}")
    print(f"peak memory of the largest process: {ours_peak:.0f} MB (autograder run), {both_peak:.0f} MB (either run)")
    print(f"ratio {theirs_each / ours_each:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
