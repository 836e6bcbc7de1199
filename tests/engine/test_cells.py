"""Unit tests of ``autograder.engine.cells`` (reading submitted notebooks, running answer cells)
and of ``autograder.outputs.report`` (what a test cell prints, the class table)."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from autograder.engine.cells import (
    NotebookError,
    answer_sources,
    cell_source,
    comment_out_magics,
    read_notebook,
    run_cells,
    with_answers,
)
from autograder.model.results import CellResult, CheckResult, LabResult
from autograder.outputs.report import cell_report, class_table


def graded_cell(grade_id: str, source: str, cell_type: str = "code") -> nbformat.NotebookNode:
    """A cell with nbgrader metadata, as nbgrader writes it."""
    make = nbformat.v4.new_code_cell if cell_type == "code" else nbformat.v4.new_markdown_cell
    return make(source, metadata={"nbgrader": {"grade_id": grade_id, "solution": True, "grade": False}})


def lab_notebook() -> nbformat.NotebookNode:
    return nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_markdown_cell("# A lab"),
            graded_cell("one_hot", "def one_hot(y, c):\n    raise NotImplementedError()\n"),
            graded_cell("test_one_hot", "check('one_hot')"),
            nbformat.v4.new_code_cell("print('scratch')"),
            graded_cell("softmax", "def softmax(z):\n    raise NotImplementedError()\n"),
        ]
    )


# ---------------------------------------------------------------- read_notebook


def test_read_notebook_reads_a_v4_notebook(tmp_path):
    """Does a well-formed notebook read back as nbformat v4 with its cells?"""
    path = tmp_path / "lab.ipynb"
    nbformat.write(lab_notebook(), path)
    notebook = read_notebook(path)
    assert notebook.nbformat == 4
    assert cell_source(notebook, "one_hot").startswith("def one_hot(y, c):")


def test_missing_file(tmp_path):
    """Does a missing file raise NotebookError naming the file and the reason?"""
    with pytest.raises(NotebookError, match=r"cannot read absent\.ipynb: No such file or directory"):
        read_notebook(tmp_path / "absent.ipynb")


def test_directory_instead_of_file(tmp_path):
    """Does a folder given as the notebook raise NotebookError rather than an OSError?"""
    folder = tmp_path / "lab.ipynb"
    folder.mkdir()
    with pytest.raises(NotebookError, match=r"cannot read lab\.ipynb"):
        read_notebook(folder)


@pytest.mark.parametrize("content", [b"", b"  \n\t\n"], ids=["empty", "whitespace"])
def test_empty_file(tmp_path, content):
    """Does an empty (or blank) file raise NotebookError saying it is empty?"""
    path = tmp_path / "lab.ipynb"
    path.write_bytes(content)
    with pytest.raises(NotebookError, match=r"^lab\.ipynb is empty$"):
        read_notebook(path)


def test_non_utf8_bytes(tmp_path):
    """Do non-UTF-8 bytes raise NotebookError with the byte offset?"""
    path = tmp_path / "lab.ipynb"
    path.write_bytes(b'{"cells": ["caf\xe9"]}')
    with pytest.raises(NotebookError, match=r"lab\.ipynb is not UTF-8 text \(byte 15\)"):
        read_notebook(path)


def test_invalid_json_names_the_line(tmp_path):
    """Does invalid JSON raise NotebookError naming the line of the error?"""
    path = tmp_path / "lab.ipynb"
    path.write_text('{\n  "cells": [\n    ,\n  ]\n}\n')
    with pytest.raises(NotebookError, match=r"lab\.ipynb is not valid JSON \(line 3\)"):
        read_notebook(path)


@pytest.mark.parametrize("content", ["[1, 2]", '{"name": "lab"}', '"cells"'], ids=["list", "dict", "string"])
def test_json_that_is_not_a_notebook(tmp_path, content):
    """Does JSON without cells or worksheets raise NotebookError saying it is not a notebook?"""
    path = tmp_path / "lab.ipynb"
    path.write_text(content)
    with pytest.raises(NotebookError, match=r"lab\.ipynb is JSON but not a Jupyter notebook"):
        read_notebook(path)


def test_notebook_with_malformed_cells(tmp_path):
    """Does a notebook whose cells are not a list raise NotebookError rather than crash?"""
    path = tmp_path / "lab.ipynb"
    path.write_text(json.dumps({"cells": "none", "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    with pytest.raises(NotebookError, match=r"lab\.ipynb is not a valid notebook"):
        read_notebook(path)


def test_notebook_without_nbformat_key_is_not_silently_emptied(tmp_path):
    """Does a notebook lacking its nbformat version raise NotebookError instead of losing its code?"""
    data = nbformat.v4.new_notebook(cells=[graded_cell("one_hot", "def one_hot(y, c):\n    return y\n")])
    data = json.loads(nbformat.writes(data))
    del data["nbformat"], data["nbformat_minor"]
    path = tmp_path / "lab.ipynb"
    path.write_text(json.dumps(data))
    try:
        notebook = read_notebook(path)
    except NotebookError as error:  # refusing the file is a fix
        assert "lab.ipynb" in str(error)
    else:  # so is reading it as the v4 notebook it is
        assert cell_source(notebook, "one_hot") == "def one_hot(y, c):\n    return y\n"


def test_v3_notebook_is_upgraded_to_v4(tmp_path):
    """Is an nbformat v3 notebook (cells in worksheets) upgraded to v4 with its code and markdown?"""
    v3 = {
        "nbformat": 3,
        "nbformat_minor": 0,
        "metadata": {"name": "old lab"},
        "worksheets": [
            {
                "metadata": {},
                "cells": [
                    {"cell_type": "markdown", "metadata": {}, "source": "# Old lab"},
                    {
                        "cell_type": "code",
                        "collapsed": False,
                        "input": "x = 1\ny = x + 1",
                        "language": "python",
                        "metadata": {"nbgrader": {"grade_id": "answer"}},
                        "outputs": [],
                    },
                ],
            }
        ],
    }
    path = tmp_path / "old.ipynb"
    path.write_text(json.dumps(v3))
    notebook = read_notebook(path)
    assert notebook.nbformat == 4
    assert [cell.cell_type for cell in notebook.cells] == ["markdown", "code"]
    assert notebook.cells[0].source == "# Old lab"
    assert cell_source(notebook, "answer") == "x = 1\ny = x + 1"


# ---------------------------------------------------------------- cells by grade_id


def test_cell_source_missing_grade_id():
    """Does cell_source raise NotebookError naming a grade_id no cell has?"""
    with pytest.raises(NotebookError, match="no cell with grade_id 'softmax_layer'"):
        cell_source(lab_notebook(), "softmax_layer")


def test_cell_source_duplicated_grade_id():
    """Does cell_source raise NotebookError when two cells share a grade_id?"""
    notebook = lab_notebook()
    notebook.cells.append(graded_cell("softmax", "def softmax(z):\n    return z\n"))
    with pytest.raises(NotebookError, match="2 cells have grade_id 'softmax'"):
        cell_source(notebook, "softmax")


def test_answer_sources_skips_absent_cells():
    """Does answer_sources return the cells present and skip the absent ones?"""
    found = answer_sources(lab_notebook(), ["softmax", "softmax_layer", "one_hot"])
    assert list(found) == ["softmax", "one_hot"]
    assert found["softmax"].startswith("def softmax(z):")


# ---------------------------------------------------------------- magics


def test_comment_out_magics_keeps_code_and_indentation():
    """Are %pip, !ls and an indented %%time commented out in place, with the removed lines returned?"""
    source = "%pip install x\nimport os\n!ls -l\n    %%time\nx = 5 % 2\ny = x != 1"
    code, removed = comment_out_magics(source)
    assert code == "# %pip install x\nimport os\n# !ls -l\n    # %%time\nx = 5 % 2\ny = x != 1"
    assert removed == ["%pip install x", "!ls -l", "%%time"]
    compile(code, "<cell>", "exec")


def test_comment_out_magics_without_magics_is_unchanged():
    """Is code without magics returned unchanged, with nothing removed?"""
    source = "def f(x):\n    return x % 3\n"
    assert comment_out_magics(source) == (source.rstrip("\n"), [])


def test_comment_out_magics_leaves_modulo_continuation_alone():
    """Is a continuation line that starts with the % operator left as Python code?"""
    source = 'message = ("%d of %d"\n           % (3, 4))\n'
    code, removed = comment_out_magics(source)
    assert removed == []
    compile(code, "<cell>", "exec")


def _quadratic_reference(source: str) -> tuple[str, list[str]]:
    """The earlier algorithm, as an oracle: tokenize everything before each magic line again."""
    import io
    import re
    import tokenize

    def statement_open(code: str) -> bool:
        try:
            for _ in tokenize.generate_tokens(io.StringIO(code + "\n").readline):
                pass
        except tokenize.TokenError:
            return True
        except (IndentationError, SyntaxError):
            return False
        return False

    out, removed = [], []
    for line in source.splitlines():
        match = re.match(r"^(\s*)([%!].*)$", line)
        if match and not statement_open("\n".join(out)):
            removed.append(match.group(2))
            out.append(f"{match.group(1)}# {match.group(2)}")
        else:
            out.append(line)
    return "\n".join(out), removed


def test_comment_out_magics_agrees_with_tokenizing_each_prefix():
    """On 3000 cells built from brackets, strings, continuations, comments and magics, does the one-pass
    algorithm comment out exactly what tokenizing the text before each magic line again would?"""
    import random

    pieces = [
        "%pip install x",
        "!ls",
        "    %%time",
        "x = (1,",
        "% (3, 4))",
        's = """doc',
        '%not a magic"""',
        '"""',
        "y = 1 + \\",
        "% 2",
        "# a comment",
        "",
        "def f():",
        "    return 1",
        "z = [",
        "]",
        "%x",
        "  !echo",
        "t = , ",
        "if x:",
        "pass",
        "a = {",
        "}",
    ]
    generator = random.Random(20261130)
    for _ in range(3000):  # (the one-pass algorithm replaced this one, which took 17 s on 2000 lines in a bracket)
        source = "\n".join(generator.choice(pieces) for _ in range(generator.randint(1, 12)))
        assert comment_out_magics(source) == _quadratic_reference(source), source


# ---------------------------------------------------------------- run_cells and with_answers


def test_run_cells_runs_independent_cells_into_namespace():
    """Does run_cells run each cell into the namespace, later cells seeing earlier names?"""
    namespace: dict = {}
    errors = run_cells({"a": "x = 2", "b": "def double(v):\n    return 2 * v\n", "c": "y = double(x)"}, namespace)
    assert errors == {}
    assert namespace["x"] == 2
    assert namespace["y"] == 4


def test_run_cells_records_syntax_error_and_goes_on():
    """Is a SyntaxError in one cell recorded with its line while the other cells still run?"""
    namespace: dict = {}
    errors = run_cells({"a": "x = 1", "bad": "y = 1\ndef f(:\n    pass\n", "c": "z = x + 1"}, namespace)
    assert list(errors) == ["bad"]
    assert errors["bad"].startswith("SyntaxError: ")
    assert errors["bad"].endswith("(line 2)")
    assert namespace["z"] == 2
    assert "y" not in namespace


def test_run_cells_records_a_crash_and_goes_on():
    """Is an exception, or even a SystemExit, in one cell recorded while the others still run?"""
    namespace: dict = {}
    errors = run_cells({"crash": "1 / 0", "exit": "raise SystemExit(2)", "fine": "ok = True"}, namespace)
    assert errors == {"crash": "ZeroDivisionError: division by zero", "exit": "SystemExit: 2"}
    assert namespace["ok"] is True


def test_with_answers_replaces_only_given_cells_and_copies():
    """Does with_answers fill only the named cells and leave its input notebook as it was?"""
    original = lab_notebook()
    before = nbformat.writes(original)
    filled = with_answers(original, {"softmax": "def softmax(z):\n    return z\n", "absent": "x = 1"})
    assert nbformat.writes(original) == before
    assert filled is not original
    assert cell_source(filled, "softmax") == "def softmax(z):\n    return z\n"
    changed = [n for n, (old, new) in enumerate(zip(original.cells, filled.cells, strict=True)) if old != new]
    assert changed == [4]  # the softmax cell only; "absent" names no cell and adds none


# ---------------------------------------------------------------- report

LONG = "differs from keras.ops.softmax: " + "the values are far off in every row " * 6


def a_cell() -> CellResult:
    return CellResult(
        "test_softmax",
        (
            CheckResult("rows sum to 1", True, 2.0, 2.0, "each row sums to 1"),
            CheckResult("matches keras.ops.softmax", False, 0.0, 1.5, LONG),
        ),
    )


def test_cell_report_lists_pass_and_fail_lines():
    """Does the cell report give the points and a PASS or FAIL line per check?"""
    lines = cell_report(a_cell()).splitlines()
    assert lines[0] == "test_softmax: 2 / 3.5 points"
    assert lines[1] == "  PASS  rows sum to 1 (2/2)"
    assert lines[2] == "  FAIL  matches keras.ops.softmax (0/1.5)"
    assert "each row sums to 1" not in cell_report(a_cell())


def test_cell_report_wraps_failure_messages():
    """Is a long failure message wrapped to the width, indented, with no word lost?"""
    report = cell_report(a_cell(), width=60)
    message_lines = report.splitlines()[3:]
    assert len(message_lines) > 1
    for line in message_lines:
        assert line.startswith("        ")
        assert len(line) <= 60
    assert " ".join(line.strip() for line in message_lines) == " ".join(LONG.split())


def lab_result(student_id: str, *checks: CheckResult, errors: tuple[str, ...] = ()) -> LabResult:
    cells = (CellResult("test_softmax", checks),) if checks else ()
    return LabResult(student_id, "softmax_regression", cells, errors)


def test_class_table_prefers_the_likely_mistake():
    """Does the class table show the "Likely mistake:" part of a message rather than the numbers before it?"""
    message = "differs from keras.ops.softmax: worst element at [0, 1]. Likely mistake: exp(1000) overflows to inf"
    table = class_table([lab_result("ada", CheckResult("stable", False, 0.0, 1.0, message))])
    row = table.splitlines()[2]
    assert row.startswith("ada")
    assert row.endswith("test_softmax: exp(1000) overflows to inf")
    assert "worst element" not in table


def test_class_table_rows_for_pass_plain_failure_and_error():
    """Does the table show "-" for a full score, the whole message without a diagnosis, and why a lab errored?"""
    table = class_table(
        [
            lab_result("full", CheckResult("stable", True, 1.0, 1.0, "ok")),
            lab_result("plain", CheckResult("stable", False, 0.0, 1.0, "got shape (3,)")),
            lab_result("broken", errors=("notebook.ipynb is empty",)),
        ]
    ).splitlines()
    assert table[0].split() == ["student", "lab", "score", "first", "failing", "check"]
    assert set(table[1]) == {"-", " "}
    assert table[2].split()[:3] == ["full", "softmax_regression", "1/1"]
    assert table[2].endswith("  -")
    assert table[3].endswith("test_softmax / stable: got shape (3,)")
    assert table[4].split()[2] == "0/0"
    assert table[4].endswith("notebook.ipynb is empty")


def test_class_table_cuts_long_messages():
    """Is a long first-failure message cut to the width with an ellipsis?"""
    table = class_table([lab_result("ada", CheckResult("stable", False, 0.0, 1.0, LONG))], message_width=50)
    row = table.splitlines()[2]
    assert row.endswith("...")
    assert len(row.split("  ")[-1]) == 50


def test_written_notebook_round_trips_through_read(tmp_path: Path):
    """Does a notebook made by with_answers and written out read back with the student's code?"""
    path = tmp_path / "submitted.ipynb"
    nbformat.write(with_answers(lab_notebook(), {"one_hot": "def one_hot(y, c):\n    return y\n"}), path)
    assert cell_source(read_notebook(path), "one_hot") == "def one_hot(y, c):\n    return y\n"
