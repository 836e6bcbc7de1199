"""Unit tests of ``autograder.toolkit.from_scratch_watch``: the forbidden built-ins an answer's own code calls,
however it reached them, and only those. A module made here plays the library (``fakelib``), so that
nothing of Keras is touched in this process."""

from __future__ import annotations

import sys
import types

import pytest

from autograder.toolkit.from_scratch_watch import Watch, _ImportWatch, targets


@pytest.fixture
def library(monkeypatch):
    """``fakelib.ops`` with a forbidden ``softmax``, an allowed ``helper`` that calls it, a registry that
    finds it by name, and a forbidden class."""
    package, ops = types.ModuleType("fakelib"), types.ModuleType("fakelib.ops")

    def softmax(z):
        return ["softmax", z]

    class Softmax:
        def __init__(self, axis=-1):
            self.axis = axis

    ops.softmax, ops.Softmax, ops.REGISTRY = softmax, Softmax, {"softmax": softmax}
    ops.helper = lambda z: ops.softmax(z)  # library code that uses the built-in itself
    ops.get = lambda name: ops.REGISTRY[name]
    package.ops = ops
    monkeypatch.setitem(sys.modules, "fakelib", package)
    monkeypatch.setitem(sys.modules, "fakelib.ops", ops)
    monkeypatch.setattr(sys, "meta_path", list(sys.meta_path))  # the watch's import hook goes with the test
    return ops


def _answer(source: str, grade_id: str = "softmax") -> dict:
    namespace = {"__name__": "__main__", "ops": sys.modules["fakelib.ops"]}
    exec(compile(source, f"<{grade_id}>", "exec"), namespace)
    return namespace


def _watch() -> Watch:
    watch = Watch({"softmax": ("fakelib.*softmax", "fakelib.*Softmax"), "one_hot": ("fakelib.*one_hot",)})
    watch.install(targets(watch.forbidden))
    return watch


@pytest.mark.parametrize(
    "body",
    [
        "vars(ops)['soft' + 'max'](z)",
        "getattr(ops, ''.join(['soft', 'max']))(z)",
        "ops.__dict__['softmax'](z)",
        "ops.get('soft' + 'max')(z)",
        "ops.helper(z)",
        "ops.Softmax()",
        "eval('ops.soft' + 'max(z)')",
    ],
    ids=["vars", "getattr", "__dict__", "a registry", "through the library", "the class", "eval"],
)
def test_a_call_led_to_by_the_answer_is_recorded(library, body):
    """However the answer's code reaches the forbidden built-in, is the call recorded against it?"""
    watch = _watch()
    namespace = _answer(f"def softmax(z):\n    return {body}\n")
    namespace["softmax"]([1.0])
    assert watch.calls == {"softmax": [("fakelib.ops.Softmax" if "Softmax" in body else "fakelib.ops.softmax")]}


def test_calls_the_answer_did_not_lead_to_or_may_make_are_not_recorded(library):
    """Is a call from library code alone, or from an answer whose list does not forbid it, not recorded?"""
    watch = _watch()
    library.helper([1.0])  # the library on its own
    _answer("def one_hot(y):\n    return ops.softmax(y)\n", "one_hot")["one_hot"]([1])
    assert watch.calls == {}


def test_an_answer_bound_to_the_builtin_is_known(library):
    """Is ``softmax = vars(ops)[...]`` (no call yet) recognised as the built-in itself?"""
    watch = _watch()
    namespace = _answer("softmax = vars(ops)['soft' + 'max']\n")
    assert watch.watched(namespace["softmax"]) == "fakelib.ops.softmax"


def test_the_original_cannot_be_unwrapped(library):
    """Does the wrapper hand no ``__wrapped__`` original back (inspect.unwrap would call it unseen)?"""
    _watch()
    assert not hasattr(library.softmax, "__wrapped__")
    assert library.softmax([1.0]) == ["softmax", [1.0]]


def test_a_module_imported_later_is_watched(library, monkeypatch, tmp_path):
    """Is a matching module imported after the watch started (``importlib``) watched too?"""
    (tmp_path / "fakelib_late.py").write_text("def softmax(z):\n    return z\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    watch = Watch({"softmax": ("fakelib_late.softmax",)})
    watch.install([])
    assert any(isinstance(finder, _ImportWatch) for finder in sys.meta_path)
    try:
        namespace = _answer(
            "import importlib\n\ndef softmax(z):\n    return importlib.import_module('fakelib_late').softmax(z)\n"
        )
        namespace["softmax"](1)
    finally:
        sys.modules.pop("fakelib_late", None)
    assert watch.calls == {"softmax": ["fakelib_late.softmax"]}
