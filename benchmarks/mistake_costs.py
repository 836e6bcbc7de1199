"""What one mistake costs: each single mistake of ``tests/single_mistakes.py``, graded over its whole lab.

Each mistake replaces one answer of the reference solution with the same answer and one change, and
the lab's every test cell (public and hidden) is graded in this process, as ``tests/conftest.grade``
does. The table gives, per mistake, the points lost out of the lab's total and the cells that lost
them, so that a change to the checks or their points can be compared before and after (run it in a
checkout of each commit). It reads the course from the checkout it runs in.

    python benchmarks/mistake_costs.py [--only NAME ...]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("LAB_QUICK", "1")
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))  # the table of single mistakes, shared with tests/labs/test_fairness.py

from single_mistakes import MISTAKES, reference_sources  # noqa: E402 - after the paths and the environment


def cost(lab: str, grade_id: str, code: str) -> tuple[float, float, dict[str, float]]:
    """(points lost, the lab's total, points lost per cell) with ``code`` as ``grade_id``."""
    from autograder.engine.grade_cells import grade_sources
    from autograder.labs import get_lab

    result = grade_sources("mistake", get_lab(lab), {**reference_sources(lab), grade_id: code}, ROOT)
    lost = {cell.grade_id: cell.max_points - cell.points for cell in result.cells if cell.points < cell.max_points}
    return result.max_score - result.score, result.max_score, lost


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", choices=sorted(MISTAKES), help="these mistakes only")
    args = parser.parse_args()
    names = args.only or list(MISTAKES)
    print("| mistake | answer | points lost / lab total | cells that lost points |")
    print("|---|---|---:|---|")
    for name in names:
        mistake = MISTAKES[name]
        start = time.perf_counter()
        lost, total, cells = cost(mistake.lab, mistake.answer, mistake.make())
        where = ", ".join(f"{cell} -{points:g}" for cell, points in cells.items())
        print(f"| {name} | {mistake.lab}/{mistake.answer} | {lost:g} / {total:g} | {where} |", flush=True)
        print(f"  ({time.perf_counter() - start:.1f} s)", file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
