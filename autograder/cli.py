"""The command line: ``python -m autograder COMMAND``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from . import __version__, course
from .labs import available


def _course_root() -> Path:
    """The course folder: from the working folder upwards, else this checkout's root."""
    try:
        return course.find_root()
    except course.CourseError:
        checkout = Path(__file__).resolve().parents[1]
        if (checkout / course.GRADING_DIR).is_dir():
            return checkout
        raise


def _demo(args: argparse.Namespace) -> int:
    from .demo import run_demo

    run_demo(_course_root(), args.lab)
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
