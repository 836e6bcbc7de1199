"""Stand-ins: each exercise is judged on its own.

When the checks of one answer run, every *other* graded name of the lab
(``batch_norm_forward`` while the layer is checked, the layer while
``build_model`` is, the samplers while ``random_search`` is) is replaced, in
the namespace the student's code reads its globals from, by a stand-in that
does what the lab's built-in does (``labs/<lab>/library.py``). So a mistake
in one answer costs points in that answer's cells only; whether an answer
really calls the earlier answer the exercise asks it to use is one explicit
integration check (:func:`uses_judge`), which counts the calls a stand-in
received.

A stand-in is this package's code (a function, or a subclass with its own
``__init__``), so the run-time from-scratch watch, which stops at this
package's frames, never charges a built-in the stand-in calls to the student.
"""

from __future__ import annotations

import contextlib
import functools
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, MutableMapping
from typing import Any

from autograder.model.checks import Check, Evidence, Verdict, failed, passed, probe_factory, probe_ref, resolve_probe

_CALLS: Counter[str] = Counter()  # calls each stand-in received since the last reset
_MISSING = object()


def make(name: str, builtin: Any) -> Any:
    """A stand-in for the graded name ``name``: the built-in behind a layer of this package's code that
    counts its calls."""
    if isinstance(builtin, type):

        def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
            _CALLS[name] += 1
            builtin.__init__(self, *args, **kwargs)

        return type(name, (builtin,), {"__init__": __init__, "__module__": __name__})

    @functools.wraps(builtin, assigned=("__doc__",), updated=())
    def stand_in(*args: Any, **kwargs: Any) -> Any:
        _CALLS[name] += 1
        return builtin(*args, **kwargs)

    stand_in.__name__ = stand_in.__qualname__ = name
    return stand_in


_MADE: dict[int, tuple[Mapping[str, Any], dict[str, Any]]] = {}


def for_lab(builtins: Mapping[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    """The stand-ins of ``names`` that the lab has a built-in for (made once per built-ins namespace)."""
    if id(builtins) not in _MADE:  # the namespace is kept with them, so its id is not reused
        _MADE[id(builtins)] = (builtins, {name: make(name, builtin) for name, builtin in builtins.items()})
    made = _MADE[id(builtins)][1]
    return {name: made[name] for name in names if name in made}


@contextlib.contextmanager
def standing_in(names: MutableMapping[str, Any], stand_ins: Mapping[str, Any]) -> Iterator[None]:
    """Replace ``stand_ins`` in the student's namespace ``names`` while the block runs, counting their calls
    from zero; whatever the student's code did to those names meanwhile, the originals come back."""
    saved = {name: names.get(name, _MISSING) for name in stand_ins}
    _CALLS.clear()
    names.update(stand_ins)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is _MISSING:
                names.pop(name, None)
            else:
                names[name] = value


def calls(name: str) -> int:
    """How many times the stand-in of ``name`` was called since the block began."""
    return _CALLS[name]


@probe_factory
def uses_probe(probe: tuple, dependencies: tuple[str, ...]) -> Callable[[Any, dict[str, Any]], dict[str, Any]]:
    """A probe that runs another probe (named by its :func:`~autograder.model.checks.probe_ref`) and reports how
    many times the answer called the stand-in of each of ``dependencies`` meanwhile."""
    inner = resolve_probe(probe)

    def run(answers: Any, inputs: dict[str, Any]) -> dict[str, Any]:
        inner(answers, inputs)
        return {"calls": [calls(name) for name in dependencies]}  # in the order of ``dependencies``

    return run


def integration_check(
    answer: str, defines: str, probe: Callable, dependencies: tuple[str, ...], make_inputs, rule: str
) -> Check:
    """The one check that an answer uses the earlier answers the exercise asks it to use (1 point): it runs
    ``probe`` with stand-ins and passes when ``defines`` called each of ``dependencies``. Whether those
    earlier answers are right is their own checks' business. ``rule`` is the exercise's sentence that
    asks for them."""
    ref = probe_ref(probe)
    if ref is None:
        raise ValueError(f"the integration check of {answer} needs a probe named in this package")
    your = " and ".join(f"your {name}" for name in dependencies)
    return Check(
        f"integration: {defines} calls {your}",
        answer,
        uses_judge(defines, dependencies),
        points=1.0,
        make_inputs=make_inputs,
        probe=uses_probe(ref, dependencies),
        rule=rule,
    )


def uses_judge(defines: str, dependencies: tuple[str, ...]) -> Callable[[Evidence], Verdict]:
    """The integration check's judge: ``defines`` called every one of ``dependencies``."""

    def judge(evidence: Evidence) -> Verdict:
        sent = evidence.observed.get("calls")
        sent = list(sent) if isinstance(sent, list | tuple) and len(sent) == len(dependencies) else []
        counts = {name: n for name, n in zip(dependencies, sent, strict=False) if isinstance(n, int)}
        missing = [name for name in dependencies if counts.get(name, 0) <= 0]
        if not missing:
            return passed(f"{defines} calls " + ", ".join(f"{name} ({counts[name]} calls)" for name in dependencies))
        return failed(
            f"{defines} never called {' or '.join(missing)}: the exercise asks it to use your own "
            f"{' and '.join(missing)} (a mistake in that answer is charged in its own cells only)"
        )

    return judge
