"""Unit tests of ``autograder.outputs``: the writers that a graded class goes through, and their registry."""

from __future__ import annotations

import csv
import json

import pytest

from autograder.labs import get_lab
from autograder.model.results import CellResult, CheckResult, LabResult
from autograder.outputs.folder import Ledger, load_results
from autograder.outputs.writers import DEFAULT, WRITERS, Writer, register, writers

LAB = get_lab("hyperparameter_search")


def _result(student: str, points: float) -> LabResult:
    checks = (CheckResult("bounds", points > 0, points, 2.0, "ok" if points else "out of bounds"),)
    return LabResult(student, LAB.name, (CellResult("test_sample_log_uniform", checks),), (), {"grader": "test"})


def test_default_writers_write_each_students_files_and_the_class_table(tmp_path):
    """Do the default formats write <id>.json (trusted by the ledger), feedback/<id>.html and grades.csv?"""
    outputs = writers(DEFAULT, tmp_path, LAB)
    results = {}
    for student, points in (("ada", 2.0), ("bob", 0.0)):
        result = _result(student, points)
        for output in outputs:
            output.write(result)
        results[student] = result
        for output in outputs:
            output.finish(results)
    loaded, ignored = load_results(tmp_path, LAB)
    assert loaded == results and ignored == []
    assert "out of bounds" in (tmp_path / "feedback" / "bob.html").read_text()
    rows = list(csv.DictReader((tmp_path / "grades.csv").open()))
    assert [(r["student_id"], r["score"], r["test_sample_log_uniform"]) for r in rows] == [
        ("ada", "2.0", "2.0"),
        ("bob", "0.0", "0.0"),
    ]


def test_a_result_the_grader_did_not_write_is_not_trusted(tmp_path):
    """Is a JSON edited after the grader wrote it, or of another schema, ignored by a resumed run?"""
    (output,) = writers(["json"], tmp_path, LAB)
    output.write(_result("ada", 2.0))
    output.write(_result("bob", 2.0))
    edited = json.loads((tmp_path / "ada.json").read_text())
    edited["cells"][0]["checks"][0]["points"] = 99.0
    (tmp_path / "ada.json").write_text(json.dumps(edited))
    text = json.dumps({**_result("eve", 2.0).to_dict(), "schema_version": 99})
    Ledger(tmp_path).write(tmp_path / "eve.json", text)  # in the ledger, but of a schema this version cannot read
    loaded, ignored = load_results(tmp_path, LAB)
    assert list(loaded) == ["bob"]
    assert sorted(ignored) == ["ada.json", "eve.json"]


def test_a_new_format_is_one_class_and_a_registration(tmp_path):
    """Does a Writer subclass with @register become a format ``writers`` builds, with no other change?"""

    @register
    class Scores(Writer):
        name = "scores_test"

        def finish(self, results):
            (self.out / "scores.txt").write_text(" ".join(f"{k}={v.score:g}" for k, v in sorted(results.items())))

    try:
        (output,) = writers(["scores_test"], tmp_path, LAB)
        output.finish({"ada": _result("ada", 2.0)})
        assert (tmp_path / "scores.txt").read_text() == "ada=2"
    finally:
        del WRITERS["scores_test"]


def test_an_unknown_format_is_refused_with_the_known_ones(tmp_path):
    with pytest.raises(ValueError, match=r"unknown output format.*known are feedback, grades_csv, json"):
        writers(["pdf"], tmp_path, LAB)
