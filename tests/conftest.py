"""Fixtures and hooks of the test suite: one TensorFlow import per process, the labs' quick mode, and slow
work started early. Shared helpers are in ``helpers.py``, imported by name."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

os.environ.setdefault("LAB_QUICK", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import pytest
from helpers import EARLY, REPO


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


# ---------------------------------------------------------------- slow work started early
# A test module may define ``start_early()``: it starts the slow, independent work the module needs
# (a JAX subprocess, kernels running the student bundle) and returns a handle with ``close()``. It
# runs as soon as the session knows the module is selected, so that the work overlaps the in-process
# tests, which keep only one of the two cores busy; the module's tests run last.
def _early_module(item: pytest.Item) -> Any:
    module = getattr(item, "module", None)
    return module if hasattr(module, "start_early") else None


# The layers' tests run in the package's order, lowest first (a failure low down explains those above it),
# then the project-wide tests; the modules that started slow work early run last of all.
LAYER_ORDER = ("model", "toolkit", "labs", "engine", "isolation", "outputs", "grader", "student", "integrations")


def _layer_rank(item: pytest.Item) -> int:
    folder = Path(str(item.path)).parent.name
    return LAYER_ORDER.index(folder) if folder in LAYER_ORDER else len(LAYER_ORDER)


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    # stable: the order within each group stays
    items.sort(key=lambda item: (_early_module(item) is not None, _layer_rank(item)))


def pytest_collection_finish(session: pytest.Session) -> None:
    if session.config.option.collectonly:
        return
    for item in session.items:
        module = _early_module(item)
        if module is not None and module.__name__ not in EARLY:
            EARLY[module.__name__] = module.start_early()


def pytest_sessionfinish(session: pytest.Session) -> None:
    for handle in EARLY.values():
        handle.close()  # a run cut short (-x, Ctrl-C) leaves nothing running
    EARLY.clear()
