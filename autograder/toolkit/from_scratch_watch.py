"""The run-time half of "implemented from scratch": the forbidden built-ins an answer's own code calls.

The source check (:mod:`autograder.toolkit.from_scratch`) sees names written in the
answer; a name computed at run time (``vars(ops)['soft' + 'max']``,
``getattr`` with a built string, ``importlib.import_module``) escapes it. So
the worker, before any student code runs, watches every forbidden built-in
of the lab wherever a module holds it: a function is replaced by a wrapper in
each module that holds it (and in each module imported later that matches a
pattern), a class has its ``__init__`` wrapped in place, any other callable
object (a scipy distribution) is replaced by a thin proxy. Module-level dicts
that hold one (registries: ``keras.activations.get('softmax')``) hold the
watched one instead. A watched built-in records a call when an answer's own
code led to it (a frame of the answer's cell up the stack, through library
code but not past this package's checks), and the call counts against that
answer only when the built-in is on that answer's list; an answer that *is* a
forbidden built-in (``softmax = vars(ops)['soft' + 'max']``) counts too.

The worker sends what it recorded to the grader, whose from-scratch check
fails an answer that called a forbidden built-in, or whose worker never said.
This runs in the student's process, so a student set on defeating it can (by
finding and undoing the wrappers, or by calling from a thread of its own);
it catches a lookup by a computed name, which is what the source check cannot
see. nbgrader's in-kernel grading keeps to the source check.
"""

from __future__ import annotations

import contextlib
import fnmatch
import functools
import importlib.abc
import importlib.machinery
import os
import re
import sys
import types
from collections.abc import Mapping, Sequence
from fnmatch import fnmatchcase
from typing import Any

from autograder.toolkit.from_scratch import normalise

_PACKAGE_DIR = os.path.realpath(os.path.dirname(os.path.dirname(__file__)))  # autograder/
_DEPTH = 200  # frames looked at above a call


def _module_prefix(pattern: str) -> str:
    """The module part of a pattern before its first wildcard: ``keras.*softmax`` -> ``keras``."""
    fixed = pattern.split("*")[0].split("?")[0].split("[")[0]
    return fixed.rsplit(".", 1)[0] if "." in fixed else fixed


def _matcher(patterns: Sequence[str]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{fnmatch.translate(p)})" for p in patterns) or "(?!)")


def matches(module: types.ModuleType, prefixes: Sequence[str], matcher: re.Pattern[str]) -> list[tuple[str, str]]:
    """(attribute, dotted name) of every attribute of ``module`` whose name matches a pattern."""
    name = getattr(module, "__name__", None)
    if not isinstance(name, str) or not any(name == p or name.startswith(p + ".") for p in prefixes):
        return []
    try:
        attributes = list(vars(module))
    except TypeError:
        return []
    found = []
    for attribute in attributes:
        if attribute.startswith("__") or not isinstance(attribute, str):
            continue
        dotted = normalise(f"{name}.{attribute}")
        if matcher.match(dotted):
            found.append((attribute, dotted))
    return found


Target = tuple[str, str, Any, str]  # (module, attribute, key in that attribute's dict or None, dotted name)
_REGISTRY_SIZE = 10_000  # a module-level dict longer than this is no registry of functions


def targets(forbidden: Mapping[str, Sequence[str]]) -> list[Target]:
    """Every place a module loaded now holds a forbidden built-in: its attributes, and the values of its
    module-level dicts (registries such as ``keras.activations.get``'s, which find a function by a string)."""
    patterns = tuple({p for answers in forbidden.values() for p in answers})
    prefixes = tuple({_module_prefix(p) for p in patterns})
    matcher = _matcher(patterns)
    modules = [m for m in list(sys.modules.values()) if isinstance(m, types.ModuleType)]
    found: list[Target] = []
    names: dict[int, str] = {}  # id of a forbidden object -> its dotted name
    for module in modules:
        for attribute, dotted in matches(module, prefixes, matcher):
            found.append((module.__name__, attribute, None, dotted))
            names.setdefault(id(vars(module)[attribute]), dotted)
    for module in modules:
        name = getattr(module, "__name__", None)
        if not isinstance(name, str) or not any(name == p or name.startswith(p + ".") for p in prefixes):
            continue
        for attribute, value in list(vars(module).items()):
            if type(value) is dict and 0 < len(value) <= _REGISTRY_SIZE:
                found += [(name, attribute, k, names[id(v)]) for k, v in list(value.items()) if id(v) in names]
    return found


class Watch:
    """Records the forbidden built-ins each answer's code calls (see the module docstring).

    Args:
        forbidden: grade_id -> the answer's forbidden patterns (``AnswerSpec.forbidden``).
    """

    def __init__(self, forbidden: Mapping[str, Sequence[str]]):
        self.forbidden = {gid: tuple(patterns) for gid, patterns in forbidden.items() if patterns}
        self.patterns = tuple({p for patterns in self.forbidden.values() for p in patterns})
        self.prefixes = tuple({_module_prefix(p) for p in self.patterns})
        self.matcher = _matcher(self.patterns)
        self.cells = {f"<{gid}>": gid for gid in self.forbidden}
        self.calls: dict[str, list[str]] = {}
        self.wrapped: dict[int, Any] = {}  # id of the original -> what replaces it
        self.names: dict[int, str] = {}  # id of an original or of its replacement -> its dotted name
        self.keep: list[Any] = []  # the originals, so that their ids stay theirs

    # ------------------------------------------------------------------ recording
    def _answer(self, frame: types.FrameType | None) -> str | None:
        """The answer whose code led to the call: the first frame up that is an answer's cell, through
        library code (``keras.layers.Activation('softmax')`` calls the softmax for the answer), but not
        past this package (the checks call the answers; what called the checks is not an answer)."""
        for _ in range(_DEPTH):
            if frame is None:
                return None
            name = frame.f_code.co_filename
            if name in self.cells:
                return self.cells[name]
            if not name.startswith("<") and os.path.realpath(name).startswith(_PACKAGE_DIR):
                return None
            frame = frame.f_back
        return None

    def watched(self, value: Any) -> str | None:
        """The dotted name of ``value`` when it is a forbidden built-in (or what replaced one), else None."""
        return self.names.get(id(value))

    def note(self, dotted: str, frame: types.FrameType | None) -> None:
        answer = self._answer(frame)
        if answer is not None:
            self.record(answer, dotted)

    def record(self, answer: str, dotted: str) -> None:
        """That ``answer`` used ``dotted``, if that is on its list."""
        if any(fnmatchcase(dotted, pattern) for pattern in self.forbidden.get(answer, ())):
            called = self.calls.setdefault(answer, [])
            if dotted not in called:
                called.append(dotted)

    # ------------------------------------------------------------------ wrapping
    def _replacement(self, target: Any, dotted: str) -> Any | None:
        if id(target) in self.wrapped:
            return self.wrapped[id(target)]
        watch = self
        if isinstance(target, type):
            init = target.__dict__.get("__init__")
            if init is None or getattr(init, "__autograder_watch__", False):
                return None

            @functools.wraps(init)
            def watched_init(self: Any, *args: Any, **kwargs: Any) -> None:
                watch.note(dotted, sys._getframe(1))  # the caller of Class(...) or of super().__init__(...)
                init(self, *args, **kwargs)

            watched_init.__autograder_watch__ = True
            try:
                target.__init__ = watched_init
            except (TypeError, AttributeError):
                return None
            replacement = target
        elif isinstance(target, types.FunctionType | types.BuiltinFunctionType | functools.partial):

            @functools.wraps(target)
            def replacement(*args: Any, **kwargs: Any) -> Any:
                watch.note(dotted, sys._getframe(1))
                return target(*args, **kwargs)

        elif callable(target) and not isinstance(target, types.ModuleType):
            replacement = _Proxy(target, dotted, self)
        else:
            return None
        if getattr(replacement, "__wrapped__", None) is target:
            del replacement.__wrapped__  # inspect.unwrap would hand the original back
        self.wrapped[id(target)] = replacement
        self.names[id(target)] = self.names[id(replacement)] = dotted
        self.keep += [target, replacement]
        return replacement

    def _replace(self, module: types.ModuleType, attribute: str, dotted: str, key: Any = None) -> None:
        holder = vars(module).get(attribute)
        value = holder if key is None else holder.get(key) if type(holder) is dict else None  # a registry's item
        replacement = None if value is None else self._replacement(value, dotted)
        if replacement is None or replacement is value:
            return
        with contextlib.suppress(AttributeError, TypeError):
            if key is None:
                setattr(module, attribute, replacement)
            else:
                holder[key] = replacement

    def wrap_module(self, module: types.ModuleType) -> None:
        for attribute, dotted in matches(module, self.prefixes, self.matcher):
            self._replace(module, attribute, dotted)

    def install(self, found: Sequence[Target] | None = None) -> None:
        """Watch the forbidden built-ins of every module loaded now and of every one loaded later.

        ``found`` is :func:`targets` computed earlier (the warm process scans once; a worker only replaces).
        """
        if not self.forbidden:
            return
        for module_name, attribute, key, dotted in targets(self.forbidden) if found is None else found:
            module = sys.modules.get(module_name)
            if isinstance(module, types.ModuleType):
                self._replace(module, attribute, dotted, key)
        sys.meta_path.insert(0, _ImportWatch(self))


class _Proxy:
    """A callable object (a scipy distribution, say) that records each use by an answer's code."""

    def __init__(self, target: Any, dotted: str, watch: Watch):
        object.__setattr__(self, "_target", target)
        object.__setattr__(self, "_dotted", dotted)
        object.__setattr__(self, "_watch", watch)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self._watch.note(self._dotted, sys._getframe(1))
        return self._target(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        self._watch.note(self._dotted, sys._getframe(1))
        return getattr(self._target, name)

    def __repr__(self) -> str:
        return repr(self._target)


class _ImportWatch(importlib.abc.MetaPathFinder):
    """Wraps the forbidden built-ins of a module once it has been imported (``importlib`` included)."""

    def __init__(self, watch: Watch):
        self.watch = watch

    def find_spec(self, name: str, path: Any, target: Any = None) -> importlib.machinery.ModuleSpec | None:
        if not any(name == p or name.startswith(p + ".") or p.startswith(name + ".") for p in self.watch.prefixes):
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(name, path, target)
            if spec is not None:
                break
        else:
            return None
        loader = spec.loader
        if loader is None or not hasattr(loader, "exec_module"):
            return spec
        execute = loader.exec_module
        watch = self.watch

        def exec_module(module: types.ModuleType) -> None:
            execute(module)
            watch.wrap_module(module)

        with contextlib.suppress(AttributeError, TypeError):
            loader.exec_module = exec_module
        return spec
