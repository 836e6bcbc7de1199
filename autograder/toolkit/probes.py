"""Probes shared by every lab: call an answer on the inputs, or see what it raises.

A probe is the only part of a check that runs student code; it returns plain
data (see ``checks``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from autograder.model.checks import Inputs, Observed, probe_factory
from autograder.model.errors import MissingAnswer


@probe_factory
def calls(function: str, *args: str, key: str = "out", **kwargs: str) -> Callable[[Any, Inputs], Observed]:
    """A probe returning ``{key: answers.<function>(*inputs[args], **inputs[kwargs])}``."""

    def probe(answers: Any, inputs: Inputs) -> Observed:
        fn = getattr(answers, function)
        return {key: fn(*(inputs[a] for a in args), **{k: inputs[v] for k, v in kwargs.items()})}

    return probe


STEPS_PER_EXECUTION = 16


def probe_jit_compile() -> bool | str:
    """``jit_compile`` for a probe's model: on TensorFlow, no XLA (it compiles longer than these small models
    train: the traced graph is enough); on JAX, XLA ("auto"), its only compiled path: without it every
    operation of every step runs eagerly (the batch norm lab's checks took 73 s on JAX, against 8 s on
    TensorFlow)."""
    import keras

    return False if keras.backend.backend() == "tensorflow" else "auto"


def compile_for_fit(model: Any, optimizer: Any, loss: Any) -> None:
    """``model.compile`` for a probe that fits, without XLA on TensorFlow (:func:`probe_jit_compile`), running
    16 steps per call of the traced function, and with the optimizer's variables built now.

    Left to ``fit``, Adam creates its moment variables while TensorFlow traces the first training step,
    and a ``tf.function`` that creates variables is traced a second time: building them first takes
    about 0.4 s off every fit. Sixteen steps per call spend less time between steps in Python (the batch
    norm lab's digits fit: 1.59 s -> 1.29 s). Both give the same losses and outputs, digit for digit.
    """
    model.compile(
        optimizer=optimizer, loss=loss, jit_compile=probe_jit_compile(), steps_per_execution=STEPS_PER_EXECUTION
    )
    model.optimizer.build(model.trainable_variables)


def raised(fn: Callable[[], Any]) -> str:
    """The name of the exception ``fn()`` raises, or "" if it returns.

    A stub's ``NotImplementedError`` and a missing name are not answers, so they
    propagate and the runner explains them.
    """
    try:
        fn()
    except (NotImplementedError, MissingAnswer):
        raise
    except Exception as error:
        return type(error).__name__
    return ""
