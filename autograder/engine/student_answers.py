"""A student's answers as the engine sees them: the names their code defined, and that code."""

from __future__ import annotations

import ast
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from autograder.model.errors import MissingAnswer
from autograder.toolkit.source_code import answer_source


class Namespace:
    """Attribute access to a dict of answers, with a clear error for a missing name."""

    def __init__(self, names: Mapping[str, Any]):
        self._names = names

    def __getattr__(self, name: str) -> Any:
        try:
            return self._names[name]
        except KeyError:
            raise MissingAnswer(name) from None


@dataclass
class Answers:
    """A student's answers: the names their code defined, and the code itself.

    Args:
        names: the namespace the answers ran in (a kernel's ``globals()``).
        sources: the code cells, in the order they ran (IPython's ``In``, or
            the answer cells of a submitted notebook).
        in_kernel: whether the student is running the checks themselves (the
            messages then say "run the cell" rather than "your notebook").
        errors: per grade_id, why that answer could not be run at all.
    """

    names: Mapping[str, Any]
    sources: Sequence[str] = ()
    in_kernel: bool = True
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_kernel(cls, namespace: Mapping[str, Any]) -> Answers:
        history = namespace.get("In") or namespace.get("_ih") or []
        return cls(namespace, [s for s in history if isinstance(s, str)])

    def source(self, defines: Sequence[str], others: Sequence[str] = ()) -> str | None:
        """The code of the answer that defines ``defines``, with its helpers but not ``others`` (other
        answers, judged on their own)."""
        return answer_source(defines, self.sources, stop=others)

    def imports(self) -> str:
        """Every import statement of the sources, so that aliases resolve."""
        lines = []
        for source in self.sources:
            try:
                tree = ast.parse(source)
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                continue
            lines += [
                ast.get_source_segment(source, n) or ""
                for n in ast.walk(tree)
                if isinstance(n, ast.Import | ast.ImportFrom)
            ]
        return "\n".join(lines)
