"""The package's version and its distribution's name, in a module of their own: every layer may import it,
and it imports nothing."""

__version__ = "0.1.0"
# The distribution's name on PyPI and in `pip install`; the import package stays `autograder` (the course layout
# asks for it), but PyPI's "autograder" is an unrelated project.
DISTRIBUTION = "dnn-week3-labs"
WHEEL_PREFIX = DISTRIBUTION.replace("-", "_")  # a wheel's file name: dnn_week3_labs-0.1.0-py3-none-any.whl
