"""The command line: ``python -m autograder COMMAND``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from autograder.engine import course
from autograder.isolation.limits import DEFAULT_TIMEOUT
from autograder.labs import available
from autograder.outputs.writers import FINISH_EVERY
from autograder.version import __version__


def _demo(args: argparse.Namespace) -> int:
    from autograder.integrations.demo import run_demo

    run_demo(course.instructor_root(), args.lab)
    return 0


def _grade(args: argparse.Namespace) -> int:
    import os
    import time

    from autograder.engine.submissions import UsageError, find
    from autograder.grader import grade_class
    from autograder.grader.isolated_grader import SANDBOX
    from autograder.isolation.limits import Limits
    from autograder.isolation.pool import SandboxFailure
    from autograder.labs import get_lab

    lab = get_lab(args.lab)
    try:
        submissions = find(args.lab, args.submission)
    except UsageError as error:
        print(f"autograder grade: {error}", file=sys.stderr)
        return 2
    if not submissions:
        print(f"autograder grade: no {args.lab} notebooks in {' '.join(args.submission)}", file=sys.stderr)
        return 2
    out = Path(args.out)
    start = time.perf_counter()
    tty = sys.stderr.isatty()

    def progress(line: str) -> None:
        if tty or args.force:  # a progress line on a terminal; changed scores always
            print(line, file=sys.stderr)

    if args.unsafe_no_isolation:
        print(
            "autograder grade: WARNING: --unsafe-no-isolation: student code runs with your privileges and can "
            "read and change your files; every result and feedback page says it was not isolated",
            file=sys.stderr,
        )
    if args.cluster and args.unsafe_no_isolation:
        print(
            "autograder grade: --cluster grades only with isolation: leave out --unsafe-no-isolation", file=sys.stderr
        )
        return 2
    try:
        if args.cluster:
            from autograder.grader.cluster import ClusterError, grade_class_on_cluster

            try:
                results = grade_class_on_cluster(
                    lab,
                    course.instructor_root(),
                    submissions,
                    out,
                    args.cluster,
                    Limits(timeout=args.timeout),
                    force=args.force,
                    progress=lambda line: print(line, file=sys.stderr),  # a cluster run is long: always
                    csv_every=args.csv_every,
                )
            except ClusterError as error:
                print(f"autograder grade: {error}", file=sys.stderr)
                return 2
        else:
            results = grade_class(
                lab,
                course.instructor_root(),
                submissions,
                out,
                args.jobs or os.cpu_count() or 1,
                Limits(timeout=args.timeout),
                force=args.force,
                progress=progress,
                sandbox="none" if args.unsafe_no_isolation else SANDBOX,
            )
    except SandboxFailure as error:
        print(
            f"autograder grade: student code cannot be isolated on this machine, so nothing was graded: {error}\n"
            "For a class you trust, --unsafe-no-isolation grades without isolation (every result says so). "
            "See docs/instructors.md, 'The trust model'.",
            file=sys.stderr,
        )
        return 2
    skipped = len(submissions) - len(results)
    print(
        f"graded {len(results)} submission(s) of {args.lab} in {time.perf_counter() - start:.1f} s"
        + (f", {skipped} already graded (--force to grade again)" if skipped else "")
        + f"; results in {out}/ (grades.csv, one JSON per student)"
    )
    return 0


def _gradescope(args: argparse.Namespace) -> int:
    from autograder.integrations.gradescope.bundle import BundleError, write_bundle

    try:
        archive = write_bundle(args.lab, course.instructor_root(), Path(args.dest))
    except BundleError as error:
        print(f"autograder gradescope: {error}", file=sys.stderr)
        return 2
    print(
        f"wrote the Gradescope autograder of {args.lab} to {args.dest}/; upload {archive} "
        "(it holds the reference solution and the hidden checks: keep it private)"
    )
    return 0


def _checks(args: argparse.Namespace) -> int:
    from autograder.engine.grade_cells import lab_checks
    from autograder.labs import get_lab
    from autograder.outputs.report import checks_table

    root = course.instructor_root()
    print("\n".join(checks_table(lab, lab_checks(get_lab(lab), root)) for lab in args.lab or available()))
    return 0


def _release(args: argparse.Namespace) -> int:
    from autograder.integrations.release import ReleaseError, release
    from autograder.student.colab import Repository

    try:
        repository = Repository(args.repo, args.branch)
        dest = release(course.instructor_root(), Path(args.dest), repository, args.lab)
    except (ValueError, ReleaseError) as error:
        print(f"autograder release: {error}", file=sys.stderr)
        return 2
    print(f"wrote the student bundle for {repository.slug} ({repository.branch}) to {dest}/: publish it there")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m autograder",
        description="Checks and graders for the hyperparameter search, Batch Norm and softmax regression labs.",
    )
    parser.add_argument("--version", action="version", version=f"autograder {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    demo = commands.add_parser("demo", help="grade the bundled example submissions of every lab and print the table")
    demo.add_argument("--lab", action="append", choices=available(), help="only this lab (repeatable)")
    demo.set_defaults(run=_demo)
    grade = commands.add_parser("grade", help="grade submissions in isolated, parallel workers")
    grade.add_argument("lab", choices=available(), help="the lab")
    grade.add_argument(
        "submission", nargs="+", help="a notebook, a folder of <student>.ipynb, or nbgrader's submitted/"
    )
    grade.add_argument("--out", default="grades", help="output folder (default: grades)")
    grade.add_argument("--jobs", type=int, default=0, help="workers at a time (default: the CPU count)")
    grade.add_argument(
        "--timeout", type=float, default=DEFAULT_TIMEOUT, help=f"seconds per submission (default {DEFAULT_TIMEOUT:g})"
    )
    grade.add_argument(
        "--force", action="store_true", help="grade again students already graded, and say whose scores changed"
    )
    grade.add_argument(
        "--unsafe-no-isolation",
        action="store_true",
        help="grade where student code cannot be isolated (it runs with your privileges; results say so)",
    )
    grade.add_argument(
        "--cluster",
        metavar="ADDRESS",
        help="grade on a Dask cluster: a scheduler's address (tcp://host:8786) or local:N (N worker processes "
        "here); see docs/cluster.md",
    )
    grade.add_argument(
        "--csv-every",
        type=int,
        default=FINISH_EVERY,
        metavar="K",
        help=f"with --cluster: rewrite grades.csv after every K results (default {FINISH_EVERY}; and at the end)",
    )
    grade.set_defaults(run=_grade)
    checks = commands.add_parser(
        "checks", help="list every check of a lab: its cell, its points and the sentence of the lab it enforces"
    )
    checks.add_argument("--lab", action="append", choices=available(), help="only this lab (repeatable)")
    checks.set_defaults(run=_checks)
    gradescope = commands.add_parser("gradescope", help="write a lab's Gradescope autograder and its zip")
    gradescope.add_argument("lab", choices=available(), help="the lab")
    gradescope.add_argument("dest", help="a new or empty folder (or one this command wrote before)")
    gradescope.set_defaults(run=_gradescope)
    release = commands.add_parser("release", help="write the student bundle (labs stamped for their repository)")
    release.add_argument("dest", help="a new or empty folder")
    release.add_argument("--repo", required=True, help="the GitHub OWNER/NAME the bundle is published as")
    release.add_argument("--branch", default="main", help="its branch (default: main)")
    release.add_argument("--lab", action="append", choices=available(), help="only this lab (repeatable)")
    release.set_defaults(run=_release)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except course.CourseError as error:
        print(f"autograder: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
