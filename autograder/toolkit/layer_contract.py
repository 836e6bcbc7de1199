"""The Keras contract a lab's custom layer keeps, as probes and judges a check author composes (in the spirit of
Keras's own ``run_layer_test``): rebuilt from its config, and saved in a ``.keras`` model and reloaded.

Each lab decides how to make its layer and on which inputs to call it; the harness does the round trips the
same way for every layer and says what went wrong in the same words.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from autograder.model.checks import Evidence, Verdict, failed, passed
from autograder.toolkit.compare import compare, to_numpy


def rebuilt_from_config(layer: Any, prepare: Callable[[Any], Any] | None = None) -> tuple[Any, Any]:
    """``type(layer).from_config(layer.get_config())``, passed through ``prepare`` (to build it and set its
    weights like the original's), and the config itself."""
    config = layer.get_config()
    clone = type(layer).from_config(config)
    return (prepare(clone) if prepare is not None else clone), config


def config_observations(layer: Any, clone: Any, config: Any, x: Any, attributes: tuple[str, ...] = (), **call: Any):
    """What the config judge needs: the config's type, the clone's name and ``attributes``, both outputs on ``x``."""
    return {
        "config_is_dict": isinstance(config, dict),
        "name": clone.name,
        **{f"attribute_{name}": float(getattr(clone, name, np.nan)) for name in attributes},
        "out": clone(x, **call),
        "original": layer(x, **call),
    }


def config_round_trips(name: str, attributes: Mapping[str, float] | None = None) -> Callable[[Evidence], Verdict]:
    """A judge: the layer rebuilt from its config is a dict-configured layer called ``name``, with
    ``attributes`` (name -> value given to the original), computing what the original computes."""
    attributes = dict(attributes or {})

    def judge(evidence: Evidence) -> Verdict:
        observed = evidence.observed
        if not observed["config_is_dict"]:
            return failed("get_config() must return a dict: start from super().get_config()")
        if observed["name"] != name:
            return failed(
                f"the layer rebuilt with from_config(get_config()) is named {observed['name']!r}, not {name!r}: "
                "get_config must start from super().get_config()"
            )
        rebuilt = {key: observed[f"attribute_{key}"] for key in attributes}
        if not all(np.isclose(rebuilt[key], value) for key, value in attributes.items()):
            got = ", ".join(f"{key}={value:g}" for key, value in rebuilt.items())
            wanted = " and ".join(f"{value:g}" for value in attributes.values())
            kept_as = ", ".join(f"self.{key}" for key in attributes)
            return failed(
                f"from_config(get_config()) gives {got} instead of {wanted}: add them to get_config (and keep "
                f"them as {kept_as})"
            )
        outcome = compare(observed["out"], to_numpy(observed["original"]))
        if not outcome.ok:
            return failed(f"the rebuilt layer computes something else: {outcome.problem}")
        kept = ["the name", *attributes]
        listed = ", ".join(kept[:-1]) + " and " + kept[-1] if len(kept) > 1 else kept[0]
        return passed(f"get_config / from_config keep {listed}")

    return judge


def saved_and_reloaded(model: Any, custom_objects: Mapping[str, Any]) -> Any:
    """``model`` saved as ``.keras`` in a scratch folder and loaded back with the lab's ``custom_objects``."""
    import keras

    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "model.keras")
        model.save(path)
        return keras.saving.load_model(path, custom_objects=dict(custom_objects))


def reload_problem(evidence: Evidence, out: str = "out", reloaded: str = "reloaded") -> str:
    """Why the reloaded model's output (``observed[reloaded]``) differs from the saved one's (``observed[out]``);
    empty when it does not."""
    outcome = compare(evidence.observed[reloaded], to_numpy(evidence.observed[out]), hidden=evidence.hidden)
    return "" if outcome.ok else f"the reloaded model predicts differently from the saved one: {outcome.problem}"
