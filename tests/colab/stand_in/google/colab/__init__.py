"""A stand-in for Colab's ``google.colab`` (tests and tests/colab/rehearse.sh only).

Colab imports ``google.colab`` when a runtime starts, so a lab's set-up cells see it in
``sys.modules``. This stand-in answers the two requests the labs make of Colab's front end,
from files named by environment variables, so a rehearsal can check what was asked:

- ``_message.blocking_request("get_ipynb")`` returns the notebook at $COLAB_STAND_IN_NOTEBOOK;
- ``files.download(path)`` appends the absolute path to $COLAB_STAND_IN_DOWNLOADS.

``google`` stays a namespace package (no ``google/__init__.py``), so ``google.protobuf``
and the other real ``google.*`` packages still import.
"""

from . import _message, files  # noqa: F401
