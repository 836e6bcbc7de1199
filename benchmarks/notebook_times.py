"""Wall time of each solution notebook, top to bottom in a fresh kernel, in full and quick mode.

The goal (issue: Colab readiness) is under 90 s in full mode and under 30 s in quick mode
(``LAB_QUICK=1``) on two CPU cores. Notebooks run one at a time, each in a kernel of its own, in
their folder (as ``nbgrader validate`` runs them); the kernel's start is included.

    python benchmarks/notebook_times.py [--repeat 1] [--lab NAME ...]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LABS = ("hyperparameter_search", "batch_norm", "softmax_regression")
LIMITS = {"full": 90.0, "quick": 30.0}


def run_notebook(lab: str, quick: bool) -> float:
    """Seconds to execute ``solutions/<lab>/<lab>.ipynb`` in a new kernel; raises on a cell error."""
    import nbformat
    from nbclient import NotebookClient

    path = ROOT / "solutions" / lab / f"{lab}.ipynb"
    notebook = nbformat.read(path, as_version=4)
    saved = os.environ.get("LAB_QUICK")
    if quick:
        os.environ["LAB_QUICK"] = "1"
    else:
        os.environ.pop("LAB_QUICK", None)
    try:
        start = time.perf_counter()
        NotebookClient(notebook, timeout=600, resources={"metadata": {"path": str(path.parent)}}).execute()
        return time.perf_counter() - start
    finally:
        os.environ.pop("LAB_QUICK", None)
        if saved is not None:
            os.environ["LAB_QUICK"] = saved


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1, help="runs per notebook and mode (the median is shown)")
    parser.add_argument("--lab", action="append", choices=LABS, help="only this lab (repeatable)")
    args = parser.parse_args(argv)
    print(f"{os.cpu_count()} CPU cores, Python {sys.version.split()[0]}")
    print(f"{'notebook':<24}{'full (s)':>10}{'quick (s)':>11}   goal: full < 90 s, quick < 30 s")
    ok = True
    for lab in args.lab or LABS:
        times = {}
        for mode in ("full", "quick"):
            times[mode] = statistics.median(run_notebook(lab, mode == "quick") for _ in range(args.repeat))
            ok = ok and times[mode] < LIMITS[mode]
        print(f"{lab:<24}{times['full']:>10.1f}{times['quick']:>11.1f}")
    print("all within the goals" if ok else "SOME NOTEBOOK IS OVER ITS GOAL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
