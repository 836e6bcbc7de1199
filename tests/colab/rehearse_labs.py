"""Helper of tests/colab/rehearse.sh (not a test module: pytest collects only test_*.py).

Three steps, each run by the interpreter that the rehearsal needs for it:

    prepare REPO BUNDLE WHEEL RUN_ROOT LAB...     development python (has this repo installed)
        Write RUN_ROOT/<lab>/<lab>.ipynb: the bundle's released lab with the reference answers
        filled in and its install cell pointed at the wheel (file://) instead of GitHub.
    execute NOTEBOOK RUN_FOLDER EXECUTED          the rehearsal venv's python (nbclient, ipykernel)
        Run the notebook top to bottom in a "python3" kernel, one extra cell appended that prints
        the kernel's versions; save the executed copy to EXECUTED and print the wall time.
    check LAB EXECUTED RUN_FOLDER DOWNLOADS       development python
        Judge the executed copy (install cell, public/hidden test cells, last cell, downloads,
        no error output); print the findings and a final "RESULT {json}" line.

The execute step imports only nbformat and nbclient, so it runs in a venv without this package.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from autograder.version import DISTRIBUTION

VERSION_TAG = "rehearsal-versions"
VERSION_CELL = """\
import sys, autograder, keras, numpy, IPython, ipykernel, tensorflow
print("REHEARSAL-VERSIONS", json.dumps({
    "python": sys.version.split()[0], "executable": sys.executable,
    "autograder": autograder.__version__, "autograder_file": autograder.__file__,
    "keras": keras.__version__, "tensorflow": tensorflow.__version__, "numpy": numpy.__version__,
    "IPython": IPython.__version__, "ipykernel": ipykernel.__version__,
    "google.colab": getattr(sys.modules.get("google.colab"), "__file__", None),
}))
"""
PLACEHOLDER_SPEC_HOST = "git+https://github.com/"


def grade_id(cell) -> str | None:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def text_of(output) -> str:
    """The text an output shows (stream text, or the text/plain of a result or display)."""
    if output.get("output_type") == "stream":
        return output.get("text", "")
    if output.get("output_type") == "error":
        return f"{output.get('ename')}: {output.get('evalue')}"
    return output.get("data", {}).get("text/plain", "")


# --------------------------------------------------------------------------- prepare


def prepare(repo: Path, bundle: Path, wheel: Path, run_root: Path, labs: list[str]) -> int:
    import nbformat

    from autograder.engine.cells import answer_sources, read_notebook, with_answers
    from autograder.engine.course import solution_path
    from autograder.labs import get_lab

    wheel = wheel.resolve()
    for lab in labs:
        released = read_notebook(bundle / "labs" / lab / f"{lab}.ipynb")
        ids = [a.grade_id for a in get_lab(lab).answers]
        sources = answer_sources(read_notebook(solution_path(repo, lab)), ids)
        filled = with_answers(released, sources)
        install = [c for c in filled.cells if grade_id(c) == "colab_install"]
        if len(install) != 1:
            print(f"FAIL prepare {lab}: expected one cell with grade_id colab_install, found {len(install)}")
            return 1
        cell = install[0]
        start = cell.source.find(f'"{DISTRIBUTION} @ ')
        end = cell.source.find('"', start + 1)
        spec = cell.source[start + 1 : end] if start >= 0 and end > start else ""
        if PLACEHOLDER_SPEC_HOST not in spec:
            print(f"FAIL prepare {lab}: no '{DISTRIBUTION} @ git+https://github.com/...' spec in the install cell:")
            print(cell.source)
            return 1
        cell.source = cell.source.replace(spec, f"{DISTRIBUTION} @ {wheel.as_uri()}")
        folder = run_root / lab
        folder.mkdir(parents=True, exist_ok=True)
        nbformat.write(filled, folder / f"{lab}.ipynb")
        print(f"  {lab}: {len(sources)} reference answers filled in; install spec {spec!r} -> file:// wheel")
    return 0


# --------------------------------------------------------------------------- execute


def execute(notebook_path: Path, run_folder: Path, executed: Path, timeout: int) -> int:
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    nb = nbformat.read(notebook_path, as_version=4)
    cell = nbformat.v4.new_code_cell("import json\n" + VERSION_CELL)
    cell.metadata["tags"] = [VERSION_TAG]
    nb.cells.append(cell)
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        allow_errors=True,  # run every cell; the check step reports each error output
        resources={"metadata": {"path": str(run_folder)}},
    )
    started = time.monotonic()
    status = 0
    try:
        client.execute()
    except (CellTimeoutError, DeadKernelError, CellExecutionError) as error:
        print(f"FAIL execute {notebook_path.name}: {type(error).__name__}: {str(error)[-2000:]}")
        status = 1
    wall = time.monotonic() - started
    nb.metadata["rehearsal"] = {"wall_s": round(wall, 1), "kernel_python_launcher": sys.executable}
    executed.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, executed)
    print(f"  executed {notebook_path.name} in {wall:.1f} s -> {executed}")
    return status


# --------------------------------------------------------------------------- check


def check(lab: str, executed: Path, run_folder: Path, downloads: Path) -> int:
    import nbformat

    from autograder.student.checker import HIDDEN_ELSEWHERE

    nb = nbformat.read(executed, as_version=4)
    failures: list[str] = []
    code = [c for c in nb.cells if c.cell_type == "code"]
    versions = {}

    # The appended version cell (not part of the lab).
    extra = [c for c in code if VERSION_TAG in c.metadata.get("tags", [])]
    lab_cells = [c for c in code if VERSION_TAG not in c.metadata.get("tags", [])]
    for c in extra:
        for out in c.get("outputs", []):
            for line in text_of(out).splitlines():
                if line.startswith("REHEARSAL-VERSIONS "):
                    versions = json.loads(line.split(" ", 1)[1])
    if not versions:
        failures.append(
            "the appended version cell printed no versions: "
            + repr([text_of(o) for c in extra for o in c.get("outputs", [])])
        )

    # No code cell produced an error output.
    for index, c in enumerate(lab_cells + extra):
        for out in c.get("outputs", []):
            if out.get("output_type") == "error":
                tail = "\n".join(out.get("traceback", [])[-3:])
                failures.append(f"cell {grade_id(c) or index} raised {out.get('ename')}: {out.get('evalue')}\n{tail}")

    # The install cell.
    install = [c for c in lab_cells if grade_id(c) == "colab_install"]
    install_lines: list[str] = []
    if len(install) != 1:
        failures.append(f"expected one colab_install cell, found {len(install)}")
    else:
        for out in install[0].get("outputs", []):
            name = out.get("name", out.get("output_type"))
            install_lines += [f"[{name}] {line}" for line in text_of(out).splitlines()]
        if "%pip install" not in install[0].source or "file://" not in install[0].source:
            failures.append("the install cell does not %pip install the file:// wheel:\n" + install[0].source)
    print("  install cell output (%pip install -q):" + ("" if install_lines else " (none)"))
    for line in install_lines:
        print(f"    {line}")

    # Public test cells: the execute_result is a float equal to the cell's points.
    public_points = public_total = 0.0
    public_rows = []
    for c in lab_cells:
        gid = grade_id(c) or ""
        if not gid.startswith("test_"):
            continue
        points = float(c.metadata["nbgrader"]["points"])
        results = [o for o in c.get("outputs", []) if o.get("output_type") == "execute_result"]
        got = None
        if len(results) == 1:
            try:
                got = float(results[0]["data"]["text/plain"])
            except (KeyError, ValueError):
                got = None
        public_total += points
        public_points += got or 0.0
        public_rows.append(f"{gid} {got:g}/{points:g}" if got is not None else f"{gid} ?/{points:g}")
        if got is None or got != points:
            printed = "".join(text_of(o) for o in c.get("outputs", []) if o.get("output_type") == "stream")
            failures.append(f"{gid}: returned {got!r}, not its full {points:g} points; it printed:\n{printed.strip()}")
    if not public_rows:
        failures.append("no public test cell (grade_id test_*) found")
    print(f"  public test cells: {public_points:g} / {public_total:g} points ({', '.join(public_rows)})")

    # Hidden cells say they run elsewhere.
    hidden = [c for c in lab_cells if (grade_id(c) or "").startswith("hidden_")]
    said = 0
    for c in hidden:
        printed = "".join(text_of(o) for o in c.get("outputs", []) if o.get("output_type") == "stream")
        if HIDDEN_ELSEWHERE in printed:
            said += 1
        else:
            shown = "".join(text_of(o) for o in c.get("outputs", []))
            failures.append(
                f"{grade_id(c)} did not print that hidden checks run elsewhere; its whole output was: {shown!r}"
            )
    print(f"  hidden test cells: {said} of {len(hidden)} printed that hidden checks run when the instructor grades")

    # The last cell of the lab.
    last = lab_cells[-1] if lab_cells else None
    if last is None or grade_id(last) != "ready_to_submit":
        failures.append(f"the last code cell is {grade_id(last) if last else None!r}, not ready_to_submit")
    else:
        printed = "".join(text_of(o) for o in last.get("outputs", []))
        print("  ready_to_submit printed:")
        for line in printed.strip().splitlines():
            print(f"    {line}")
        for phrase in ("Every public check passes", f"Downloading {lab}.ipynb"):
            if phrase not in printed:
                failures.append(f"ready_to_submit did not print {phrase!r}")

    # The download.
    expected = str((run_folder / f"{lab}.ipynb").resolve())
    listed = downloads.read_text(encoding="utf-8").splitlines() if downloads.exists() else []
    listed_resolved = [str(Path(p).resolve()) for p in listed]
    print(f"  downloads recorded: {listed}")
    if listed_resolved != [expected]:
        failures.append(f"the downloads file lists {listed}, expected exactly [{expected!r}]")
    elif not nbformat.read(expected, as_version=4).cells:
        failures.append(f"the downloaded {expected} has no cells")

    for failure in failures:
        print("  FAIL " + failure.replace("\n", "\n       "))
    result = {
        "lab": lab,
        "ok": not failures,
        "failures": len(failures),
        "public": f"{public_points:g}/{public_total:g}",
        "hidden": f"{said}/{len(hidden)}",
        "failed": [failure.splitlines()[0] for failure in failures],
        "wall_s": nb.metadata.get("rehearsal", {}).get("wall_s"),
        "versions": versions,
    }
    print("RESULT " + json.dumps(result))
    return 0 if not failures else 1


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__)
        return 2
    command, args = argv[0], argv[1:]
    if command == "prepare":
        return prepare(Path(args[0]), Path(args[1]), Path(args[2]), Path(args[3]), args[4:])
    if command == "execute":
        return execute(Path(args[0]), Path(args[1]), Path(args[2]), int(args[3]))
    if command == "check":
        return check(args[0], Path(args[1]), Path(args[2]), Path(args[3]))
    print(f"unknown command {command!r}\n{__doc__}")
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
