"""The "implemented from scratch" check: an answer must not delegate to the
built-in it is compared with (docs/design.md section 3).

The answer's source is parsed, every dotted reference is resolved through the
imports of the notebook (``ops`` -> ``keras.ops``, ``tf`` -> ``tensorflow``,
``from keras.ops import softmax as sm`` -> ``keras.ops.softmax``) and matched
against the answer's list of forbidden names. ``tf.keras`` counts as ``keras``.
The lists themselves live with each lab's answers (``AnswerSpec.forbidden``).
In the isolated grader the judge also sees the forbidden built-ins the
answer's code called while it ran (``observed["called"]``, recorded by
:mod:`autograder.toolkit.from_scratch_watch`): a name computed at run time fails it too.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from fnmatch import fnmatchcase

from autograder.model.checks import AnswerSpec, Check, Evidence, Verdict, failed, passed
from autograder.toolkit.source_code import bound_names

_ALIASES_OF_KERAS = ("tensorflow.keras.", "tf_keras.", "keras.src.", "tensorflow.python.keras.")


def normalise(dotted: str) -> str:
    for prefix in _ALIASES_OF_KERAS:
        if dotted.startswith(prefix):
            return "keras." + dotted[len(prefix) :]
    return dotted


def import_aliases(sources: Sequence[str]) -> dict[str, str]:
    """Local name -> module path, from every import statement, in order."""
    aliases: dict[str, str] = {}
    for source in sources:
        try:
            tree = ast.parse(source)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.asname:
                        aliases[alias.asname] = alias.name
                    else:
                        root = alias.name.split(".")[0]
                        aliases[root] = root
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                for alias in node.names:
                    aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return aliases


def _dotted(node: ast.AST) -> str | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


def references(source: str, aliases: dict[str, str]) -> list[tuple[str, int]]:
    """Every resolved dotted name ``source`` uses, with its line number.

    ``getattr(module, "name")`` with a constant name counts as ``module.name``.
    """
    tree = ast.parse(source)
    # A name the answer binds itself (its own `def softmax`, or `softmax = lambda ...`) shadows an import of it.
    own = {name for node in tree.body for name in bound_names(node, imports=False)}
    aliases = {k: v for k, v in {**aliases, **import_aliases([source])}.items() if k not in own}
    found: list[tuple[str, int]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and not node.level:
            # Importing a built-in under the answer's own name is using it.
            found += [(normalise(f"{node.module}.{alias.name}"), node.lineno) for alias in node.names]
            continue
        dotted = None
        if isinstance(node, ast.Attribute | ast.Name) and isinstance(getattr(node, "ctx", None), ast.Load):
            dotted = _dotted(node)
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "getattr"
            and len(node.args) >= 2
            and isinstance(node.args[1], ast.Constant)
            and isinstance(node.args[1].value, str)
        ):
            base = _dotted(node.args[0])
            dotted = f"{base}.{node.args[1].value}" if base else None
        if dotted is None:
            continue
        head, _, rest = dotted.partition(".")
        if head in aliases:
            dotted = aliases[head] + ("." + rest if rest else "")
        found.append((normalise(dotted), node.lineno))
    return found


def delegations(source: str, forbidden: Sequence[str], context: Sequence[str] = ()) -> list[tuple[str, int]]:
    """The forbidden names ``source`` uses, given the imports in ``context``.

    Patterns are dotted names where ``*`` matches anything, dots included
    (``keras.*.softmax`` matches ``keras.ops.softmax`` and
    ``keras.ops.nn.softmax``).
    """
    aliases = import_aliases(context)
    hits, seen = [], set()
    for name, line in references(source, aliases):
        if name not in seen and any(fnmatchcase(name, pattern) for pattern in forbidden):
            seen.add(name)
            hits.append((name, line))
    return hits


def has_stub(source: str) -> bool:
    """Whether the code still raises NotImplementedError (an unanswered stub)."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Raise) and node.exc is not None:
            target = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
            if isinstance(target, ast.Name) and target.id == "NotImplementedError":
                return True
    return False


def from_scratch_judge(answer: str, forbidden: Sequence[str]):
    """A judge that fails when the answer's source uses a forbidden name."""

    def judge(evidence: Evidence) -> Verdict:
        if evidence.source is None:
            return failed(f"the code of {answer} was not found, so it could not be checked")
        try:
            if has_stub(evidence.source):
                return failed(f"{answer} is not implemented yet (it still raises NotImplementedError)")
            hits = delegations(evidence.source, forbidden, [evidence.imports])
        except SyntaxError as error:
            return failed(f"the code of {answer} does not parse: {error.msg} (line {error.lineno})")
        except (RecursionError, MemoryError):
            return failed(f"the code of {answer} is nested too deeply to be read")
        if "called" in evidence.observed and evidence.observed["called"] is None:
            return failed(
                f"the grader's worker ended before it could say which built-ins the code of {answer} called, "
                "so it could not be checked"
            )
        called = [name for name in evidence.observed.get("called") or () if isinstance(name, str)]
        if called and not hits:
            return failed(
                f"while its checks ran, its code called {', '.join(called)}, reached by a name computed at run "
                "time: the exercise is to implement this yourself, so the built-in it is compared with may not "
                "do the work"
            )
        if not hits:
            return passed("uses no built-in it is compared with")
        listed = ", ".join(f"{name} (line {line})" for name, line in hits)
        return failed(
            f"it calls {listed}: the exercise is to implement this yourself, so the built-in it is "
            "compared with may not do the work"
        )

    return judge


def from_scratch_check(answers: Sequence[AnswerSpec], grade_id: str, requires: str, rule: str) -> Check:
    """The "implemented from scratch" check of one answer, with that answer's forbidden list. It scores
    only once ``requires``, the answer's core numeric check in the same cell, passes: code that hangs,
    crashes or returns its input earns nothing for what it does not call. ``rule`` is the exercise's
    sentence that says what may not do the work."""
    spec = next(a for a in answers if a.grade_id == grade_id)
    judge = from_scratch_judge(spec.defines[0], spec.forbidden)
    return Check("implemented from scratch", grade_id, judge, requires=requires, rule=rule)
