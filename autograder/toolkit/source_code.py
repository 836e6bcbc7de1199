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
    except (SyntaxError, ValueError, RecursionError, MemoryError):  # hostile code can nest too deep to parse
        return None


def bound_names(node: ast.stmt, imports: bool = True) -> set[str]:
    """The names a top-level statement binds. An import binds one too (unless
    ``imports`` is False): a ``from keras.ops import softmax`` after ``def softmax`` replaces it."""
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return {node.name}
    if isinstance(node, ast.Assign | ast.AnnAssign):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        return {t.id for t in targets if isinstance(t, ast.Name)}
    if imports and isinstance(node, ast.Import | ast.ImportFrom):
        return {(alias.asname or alias.name).split(".")[0] for alias in node.names}
    return set()


def _segment(source: str, node: ast.stmt) -> str:
    """The statement's code, decorators included."""
    first = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))])
    lines = source.splitlines()[first - 1 : node.end_lineno]
    return "\n".join(lines)


def definition(name: str, sources: Sequence[str], imports: bool = True) -> str | None:
    """The source of the latest top-level statement that defines ``name``
    (``imports``: an import of that name counts as its definition)."""
    for source in reversed(sources):
        tree = _parse(source)
        if tree is None:
            continue
        for node in reversed(tree.body):
            if name in bound_names(node, imports):
                return _segment(source, node)
    return None


def loaded_names(source: str) -> set[str]:
    """Every bare name that ``source`` reads."""
    tree = _parse(source)
    if tree is None:
        return set()
    return {node.id for node in ast.walk(tree) if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)}


def answer_source(names: Iterable[str], sources: Sequence[str], stop: Iterable[str] = ()) -> str | None:
    """The definitions of ``names`` plus, transitively, the helpers they call, but not ``stop`` (the
    other answers of the lab, which are judged on their own).

    Returns None when none of ``names`` is defined in ``sources``.
    """
    pending, seen, parts = list(names), set(stop) - set(names), []
    found_any = False
    first = set(pending)
    while pending:
        name = pending.pop(0)
        if name in seen:
            continue
        seen.add(name)
        # Only an answer's own name can be rebound by an import that matters here;
        # the aliases its helpers use are resolved from the notebook's imports.
        code = definition(name, sources, imports=name in first)
        if code is None:
            continue
        found_any = found_any or name in first
        parts.append(code)
        pending.extend(sorted(loaded_names(code) - seen))
    return "\n\n".join(parts) if found_any else None
