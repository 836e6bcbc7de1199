"""The name pytest loads the grading plugin by: ``python -m pytest -p autograder.pytest_plugin``.

The plugin lives in :mod:`autograder.integrations.pytest_plugin`; this module is the stable name that
command lines, CI configurations and the docs use, and pytest registers the hooks it finds here.
"""

from autograder.integrations.pytest_plugin import *  # noqa: F403  (pytest finds the hooks by name)
