"""The house's rules, checked on the code itself: the layers show in the folder names and no import goes up
from a lower layer to a higher one; no two modules share a name; no file refers to anything outside the
repository (docs/design.md section 2 lists the folders)."""

from __future__ import annotations

import ast
import subprocess
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "autograder"
# Lowest first: a module may import from its own layer and the layers before it, never from one after it.
LAYERS = ("version", "model", "toolkit", "labs", "engine", "isolation", "outputs", "grader", "student", "integrations")
TOP = "(top)"  # the package's own __init__, __main__, cli and the two stable aliases below
ALIASES = {"autograder.pytest_plugin", "autograder.gradescope"}  # names existing users' command lines call


def _module(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in LAYERS else TOP


def _imports(path: Path) -> set[str]:
    """The package's modules that ``path`` imports (``from autograder.x import y`` counts x and x.y)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").startswith("autograder"):
            found.add(node.module)
        elif isinstance(node, ast.ImportFrom) and node.level:
            found.add(f"relative import in {path.name}")
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.startswith("autograder")}
    return found


MODULES = {_module(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def test_layers_are_the_folders():
    """Is every module in one of the layers (or the package's top), and are all the layers there?"""
    assert {_layer(module) for module in MODULES} == {*LAYERS, TOP}


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_import_goes_up_a_layer(module):
    """Does this module import only from its own layer and the layers below it (absolute imports only)?"""
    rank = {name: number for number, name in enumerate((*LAYERS, TOP))}
    upward = [
        target
        for target in sorted(_imports(MODULES[module]))
        if target.startswith("relative") or rank[_layer(target)] > rank[_layer(module)]
    ]
    assert not upward, f"{module} ({_layer(module)}) imports from a higher layer: {upward}"


def test_no_two_modules_share_a_name():
    """One name for one thing: a module's file name is unique in the package, except the files every lab has
    (labs/<lab>/answers.py, ...), the package markers and the stable aliases of ALIASES."""
    by_name = defaultdict(list)
    for module, path in MODULES.items():
        if path.name in ("__init__.py", "__main__.py") or module in ALIASES:
            continue
        lab_file = module.startswith("autograder.labs.") and module.count(".") == 3
        by_name[path.stem].append("labs.<lab>" if lab_file else module)
    shared = {name: sorted(set(modules)) for name, modules in by_name.items() if len(set(modules)) > 1}
    assert not shared, f"modules that share a name: {shared}"


def test_aliases_only_forward():
    """Are the two stable aliases nothing but forwards to the module that does the work?"""
    for alias in ALIASES:
        tree = ast.parse(MODULES[alias].read_text())
        assert not [n for n in tree.body if isinstance(n, ast.FunctionDef | ast.ClassDef)], alias


OUTSIDE = ("../shared", "shared/reference", "DESIGN.md", "reference/semantics.md", "/work/")


def test_no_file_refers_outside_the_repository():
    """Can someone who clones the repository follow every reference? (The design and the Keras facts the
    checks rely on are in docs/.)"""
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    found = []
    for name in tracked.split():
        path = ROOT / name
        if path.suffix not in {".py", ".md", ".ipynb", ".toml", ".txt", ".sh", ".cfg"} or not path.is_file():
            continue
        text = path.read_text(errors="replace")
        found += [f"{name}: {needle}" for needle in OUTSIDE if needle in text and name != "tests/test_architecture.py"]
    assert not found, found
