"""Reading notebooks: cells by nbgrader grade_id, answer code, and running
answer cells into a namespace.

A submitted notebook is data from outside: every way it can be malformed
becomes a :class:`NotebookError` with a sentence a person can act on.
"""

from __future__ import annotations

import json
import linecache
import re
import tokenize
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

_MAGIC = re.compile(r"^(\s*)([%!].*)$")


class NotebookError(ValueError):
    """A notebook that cannot be read or lacks what grading needs."""


def read_notebook(path: Path | str) -> Any:
    """Read a notebook file as nbformat v4, or raise NotebookError saying why not."""
    import nbformat

    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise NotebookError(f"cannot read {path.name}: {error.strerror}") from None
    if not raw.strip():
        raise NotebookError(f"{path.name} is empty")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise NotebookError(
            f"{path.name} is not UTF-8 text (byte {error.start}): is it really a .ipynb file?"
        ) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise NotebookError(f"{path.name} is not valid JSON (line {error.lineno}): {error.msg}") from None
    except RecursionError:
        raise NotebookError(f"{path.name} is JSON nested too deeply to be a notebook") from None
    if not isinstance(data, dict) or ("cells" not in data and "worksheets" not in data):
        raise NotebookError(f"{path.name} is JSON but not a Jupyter notebook (no cells)")
    if not isinstance(data.get("nbformat"), int):
        # Without it nbformat guesses version 2 and "upgrades" the cells to empty ones.
        raise NotebookError(f"{path.name} has no nbformat version number: is it a damaged .ipynb file?")
    try:
        with warnings.catch_warnings():  # duplicate cell ids and the like: reported as answers, not as warnings
            warnings.simplefilter("ignore")
            return nbformat.reads(text, as_version=4)
    except Exception as error:
        raise NotebookError(f"{path.name} is not a valid notebook: {error}") from None


def grade_id(cell: Mapping[str, Any]) -> str | None:
    """The cell's nbgrader grade_id; None when it has none (or metadata of the wrong shape)."""
    metadata = cell.get("metadata")
    nbgrader = metadata.get("nbgrader") if isinstance(metadata, Mapping) else None
    value = nbgrader.get("grade_id") if isinstance(nbgrader, Mapping) else None
    return value if isinstance(value, str) else None


def cell_source(notebook: Any, cell_id: str) -> str:
    """The source of the cell whose nbgrader grade_id is ``cell_id``."""
    matches = [cell for cell in notebook.cells if grade_id(cell) == cell_id]
    if not matches:
        raise NotebookError(f"no cell with grade_id {cell_id!r}")
    if len(matches) > 1:
        raise NotebookError(f"{len(matches)} cells have grade_id {cell_id!r}")
    return matches[0].source


def answer_sources(notebook: Any, grade_ids: list[str]) -> dict[str, str]:
    """The code of each answer cell present, by grade_id."""
    found = {}
    for gid in grade_ids:
        try:
            found[gid] = cell_source(notebook, gid)
        except NotebookError:
            continue
    return found


def comment_out_magics(source: str) -> tuple[str, list[str]]:
    """Comment out IPython magics and shell escapes (``%pip``, ``!ls``, ``%%time``).

    Only a line that starts a statement counts: ``% (3, 4)`` continuing an
    expression, or a line inside a triple-quoted string, is code.
    Returns the code and the lines that were commented out, to report them.

    One pass of Python's tokenizer, fed line by line: when it asks for line k,
    a statement starts there if line k-1 gave a NEWLINE or NL token outside
    brackets (inside a string or after a backslash it gives none), and a magic
    there is handed to it already commented out. (Tokenizing the text before
    each magic line again took minutes on a hostile cell.)
    """
    lines = source.splitlines()
    out: list[str] = []
    removed: list[str] = []
    depth = 0
    ended: set[int] = set()  # rows that gave a NEWLINE or NL token outside brackets

    def feed() -> str:
        row = len(out)
        if row == len(lines):
            return ""
        line = lines[row]
        match = _MAGIC.match(line)
        if match and (row == 0 or row in ended):
            removed.append(match.group(2))
            line = f"{match.group(1)}# {match.group(2)}"
        out.append(line)
        return line + "\n"

    try:
        for token in tokenize.generate_tokens(feed):
            if token.type == tokenize.OP and token.string in "([{":
                depth += 1
            elif token.type == tokenize.OP and token.string in ")]}":
                depth -= 1  # below 0 (a stray bracket) the statement counts as open, as the tokenizer sees it
            elif token.type in (tokenize.NEWLINE, tokenize.NL) and depth == 0:
                ended.add(token.start[0])  # 1-based: the row of the next line, 0-based
    except (tokenize.TokenError, IndentationError, SyntaxError):
        pass  # an error stops the tokenizer: the lines it did not ask for are read below
    for line in lines[len(out) :]:
        match = _MAGIC.match(line)
        if match:
            removed.append(match.group(2))
            line = f"{match.group(1)}# {match.group(2)}"
        out.append(line)
    return "\n".join(out), removed


NOT_ANSWERED = "not answered yet"


def run_cells(sources: Mapping[str, str], namespace: dict[str, Any], origin: str = "") -> dict[str, str]:
    """Execute each answer's code in ``namespace``; returns why each failed.

    One answer's syntax error or crash leaves the others runnable, so they can
    still be graded. Each cell's code is registered with ``linecache`` under
    ``<grade_id>`` (``<origin:grade_id>`` for other code, such as the reference
    solution's) so that tracebacks can quote the student's line, and only theirs.
    """
    errors = {}
    for gid, source in sources.items():
        filename = f"<{origin}:{gid}>" if origin else f"<{gid}>"
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
        try:
            exec(compile(source, filename, "exec"), namespace)
        except SyntaxError as error:
            errors[gid] = f"SyntaxError: {error.msg} (line {error.lineno})"
        except NotImplementedError as error:
            # A cell that raises at its top level with no message is an unanswered question's stub.
            errors[gid] = NOT_ANSWERED if not str(error) else f"NotImplementedError: {error}"
        except (Exception, SystemExit, KeyboardInterrupt) as error:
            errors[gid] = f"{type(error).__name__}: {error}"
    return errors


def with_answers(notebook: Any, sources: Mapping[str, str]) -> Any:
    """A copy of ``notebook`` with the cells of the given grade_ids holding the given code.

    This is how a submission is made from a released lab: the student's code
    goes into the answer cells, everything else stays as released.
    """
    import copy

    filled = copy.deepcopy(notebook)
    for cell in filled.cells:
        gid = grade_id(cell)
        if gid in sources:
            cell.source = sources[gid]
    return filled
