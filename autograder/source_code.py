"""Finding the code that defines an answer.

In a kernel the only record of a class's source is IPython's input history
(``inspect.getsource`` fails on classes defined in a notebook), so answers are
found by parsing code cells: the latest top-level ``def``, ``class`` or
assignment of a name wins, as it would when the cells run in order. Helpers
the answer calls that are defined in the same cells come along, so a
delegation hidden in a helper is still seen.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Sequence


def _parse(source: str) -> ast.Module | None:
    try:
        return ast.parse(source)
    except (SyntaxError, ValueError):
        return None


def _defined_names(node: ast.stmt) -> set[str]:
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return {node.name}
    if isinstance(node, ast.Assign | ast.AnnAssign):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        return {t.id for t in targets if isinstance(t, ast.Name)}
    return set()


def definition(name: str, sources: Sequence[str]) -> str | None:
    """The source of the latest top-level statement that defines ``name``."""
    for source in reversed(sources):
        tree = _parse(source)
        if tree is None:
            continue
        for node in reversed(tree.body):
            if name in _defined_names(node):
                return ast.get_source_segment(source, node, padded=False)
    return None


def loaded_names(source: str) -> set[str]:
    """Every bare name that ``source`` reads."""
    tree = _parse(source)
    if tree is None:
        return set()
    return {node.id for node in ast.walk(tree) if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)}


def answer_source(names: Iterable[str], sources: Sequence[str]) -> str | None:
    """The definitions of ``names`` plus, transitively, the helpers they call.

    Returns None when none of ``names`` is defined in ``sources``.
    """
    pending, seen, parts = list(names), set(), []
    found_any = False
    first = set(pending)
    while pending:
        name = pending.pop(0)
        if name in seen:
            continue
        seen.add(name)
        code = definition(name, sources)
        if code is None:
            continue
        found_any = found_any or name in first
        parts.append(code)
        pending.extend(sorted(loaded_names(code) - seen))
    return "\n\n".join(parts) if found_any else None
