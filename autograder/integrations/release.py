"""The student bundle: what an instructor publishes as the students' repository.

``python -m autograder release DEST --repo OWNER/NAME [--branch main]`` writes

    DEST/README.md                  how to open the labs (Colab badges) and work locally
    DEST/pyproject.toml             installs the package (what each lab's Colab cell installs)
    DEST/autograder/                the package: public checks, data, grader; no solution
    DEST/labs/<lab>/<lab>.ipynb     the released labs, badge and install cell stamped for OWNER/NAME
    DEST/datasets/                  the digits and their provenance

Nothing from ``solutions/`` is copied, and the bundle is scanned before it is kept: a
solution region, a hidden test, the hidden seed or a line of a reference answer or
hidden check found in any file stops the release (DEST is removed).
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Sequence
from pathlib import Path

from autograder.engine import course
from autograder.engine.cells import answer_sources, read_notebook
from autograder.labs import available, get_lab
from autograder.student import colab

PACKAGE = Path(__file__).resolve().parents[1]  # autograder/
# Build and cache leftovers, never part of a copy of the package (this bundle, or Gradescope's wheel).
BUILD_LEFTOVERS = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
# Sections of the course's pyproject.toml a student's install needs (no test or lint settings).
_KEPT_SECTIONS = re.compile(r"^\[(build-system|project|tool\.setuptools)[\].]")
# nbgrader's region markers, composed so that this module does not itself contain them.
MARKERS = tuple(f"{edge} {region}" for region in ("SOLUTION", "HIDDEN TESTS") for edge in ("BEGIN", "END"))


class ReleaseError(RuntimeError):
    """The bundle cannot be made, or would show students what they must not see."""


def student_pyproject(text: str) -> str:
    """The course's pyproject.toml without the sections only developers need."""
    kept, keep = [], False
    for line in text.splitlines():
        if line.startswith("["):
            keep = bool(_KEPT_SECTIONS.match(line))
        if keep:
            kept.append(line)
    return "\n".join(kept).strip() + "\n"


def student_readme(repository: colab.Repository, labs: Sequence[str]) -> str:
    rows = "\n".join(f"| `{lab}` | {repository.badge(lab)} |" for lab in labs)
    return f"""# Improving Deep Neural Networks, week 3: labs

| lab | open it in Google Colab |
|---|---|
{rows}

Each lab is a lesson with exercises: read it top to bottom, fill in the cells marked
`# YOUR CODE HERE`, and run the check cell after each exercise: it tells you what is wrong, if
anything. The last cell runs every check again, lists what is left to do and, in Colab,
downloads the notebook (`<lab>.ipynb`): upload that file where your course collects it.

**In Colab** (a GPU helps but is not needed: Runtime > Change runtime type): click a badge and
run the first cell, which installs this repository's `autograder` package. Colab's TensorFlow,
Keras and NumPy are left as they are.

**On your own machine** (Python 3.10 or newer):

```
python -m pip install ".[tensorflow]" notebook
jupyter notebook labs/
```
"""


def _copy_labs(root: Path, dest: Path, repository: colab.Repository, labs: Sequence[str]) -> None:
    for lab in labs:
        source = course.release_path(root, lab)
        notebook = json.loads(source.read_text(encoding="utf-8"))
        stamped = colab.stamp(notebook, lab, repository)
        if stamped != 2:
            raise ReleaseError(
                f"{source} should hold the placeholder repository {colab.PLACEHOLDER.slug} twice (the Colab badge "
                f"and the install cell); found {stamped}: regenerate labs/ with nbgrader generate_assignment"
            )
        target = dest / "labs" / lab / f"{lab}.ipynb"
        target.parent.mkdir(parents=True)
        target.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def private_lines(root: Path, labs: Sequence[str], released: str, package: str) -> set[str]:
    """Telling lines of the reference answers and the hidden checks: those absent from the
    ``released`` labs and from the public ``package`` (whose built-in oracles, such as
    ``build_model`` with Keras's layer, share lines with the reference by design)."""

    def telling(code: str, public: str) -> set[str]:
        lines = {line.strip() for line in code.splitlines()}
        return {
            line for line in lines if len(line) > 24 and line not in public and json.dumps(line)[1:-1] not in public
        }

    found: set[str] = set()
    for lab in labs:
        spec = get_lab(lab)
        answers = answer_sources(read_notebook(course.solution_path(root, lab)), [a.grade_id for a in spec.answers])
        found |= telling("\n".join(answers.values()), released + package)
        hidden = root / course.GRADING_DIR / f"{lab}_hidden.py"
        if hidden.is_file():
            found |= telling(hidden.read_text(encoding="utf-8"), released + package)
    return found


def leaks(bundle: Path, root: Path, labs: Sequence[str]) -> list[str]:
    """What in the bundle students must not see: file names, markers, the seed, private lines."""
    files = [p for p in sorted(bundle.rglob("*")) if p.is_file()]
    texts = {p: p.read_bytes().decode("utf-8", errors="replace") for p in files}
    # What nbgrader left in the released labs (signatures, docstrings, stubs) is public by definition.
    released = "\n".join(course.release_path(root, lab).read_text(encoding="utf-8") for lab in labs)
    package = "\n".join(p.read_text(encoding="utf-8") for p in sorted(PACKAGE.rglob("*.py")))
    secrets = private_lines(root, labs, released, package)
    seed = str(course.hidden_seed(root))
    found = [f"{p.relative_to(bundle)}: a private file" for p in files if {"solutions", "_grading"} & set(p.parts)]
    for path, text in texts.items():
        name = path.relative_to(bundle)
        if path.suffix == ".ipynb":  # nbgrader's regions live in notebooks (this module names them)
            found += [f"{name}: the marker {m!r}" for m in MARKERS if m in text]
        if seed in text:
            found.append(f"{name}: the hidden seed")
        found += [f"{name}: the private line {line!r}" for line in sorted(secrets) if line in text]
    return found


def release(root: Path, dest: Path, repository: colab.Repository, labs: Sequence[str] | None = None) -> Path:
    """Write the student bundle for ``repository`` into ``dest`` (new or empty) and check it."""
    labs = list(labs or available())
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise ReleaseError(f"{dest} exists and is not an empty folder; choose a new destination")
    dest.mkdir(parents=True, exist_ok=True)
    try:
        _copy_labs(root, dest, repository, labs)
        shutil.copytree(PACKAGE, dest / "autograder", ignore=BUILD_LEFTOVERS)
        shutil.copytree(root / "datasets", dest / "datasets", ignore=BUILD_LEFTOVERS)
        pyproject = (root / "pyproject.toml").read_text(encoding="utf-8")
        (dest / "pyproject.toml").write_text(student_pyproject(pyproject), encoding="utf-8")
        (dest / "README.md").write_text(student_readme(repository, labs), encoding="utf-8")
        found = leaks(dest, root, labs)
        if found:
            raise ReleaseError("the bundle would show students what they must not see:\n  " + "\n  ".join(found))
    except BaseException:
        shutil.rmtree(dest, ignore_errors=True)
        raise
    return dest
