"""Unit tests of ``autograder.model.results``: a result crosses every boundary as a typed object, and its JSON
(docs/design.md section 5) reads back into the same object or is refused with a reason."""

from __future__ import annotations

import json

import pytest

from autograder.model.results import SCHEMA_VERSION, CellResult, CheckResult, LabResult, ResultFormatError

RESULT = LabResult(
    "ada",
    "batch_norm",
    (
        CellResult("test_batch_norm_forward", (CheckResult("shape", True, 2.0, 2.0, "ok"),)),
        CellResult("hidden_batch_norm_forward", (CheckResult("epsilon", False, 0.0, 3.0, "epsilon outside"),)),
    ),
    ("batch_norm_layer: found by the names it defines",),
    {"grader": "autograder 0.1.0", "seconds": 1.5},
)


def test_json_round_trip_gives_the_same_result():
    """Does ``from_dict(json(to_dict()))`` give back an equal LabResult, with its schema version written?"""
    data = json.loads(json.dumps(RESULT.to_dict()))
    assert data["schema_version"] == SCHEMA_VERSION
    assert (data["score"], data["max_score"], data["status"]) == (2.0, 5.0, "graded")
    assert LabResult.from_dict(data) == RESULT


def test_a_result_of_before_the_schema_version_still_reads():
    """A JSON written before results carried ``schema_version`` is version 1: does it still load?"""
    data = RESULT.to_dict()
    del data["schema_version"]
    assert LabResult.from_dict(data) == RESULT


@pytest.mark.parametrize(
    ("change", "phrase"),
    [
        (lambda d: d.update(schema_version=99), "schema version 99"),
        (lambda d: d.update(cells="all"), "'cells' is missing or not list"),
        (lambda d: d["cells"][0]["checks"][0].update(points="2"), "'points' is missing or not int or float"),
        (lambda d: d["cells"][0]["checks"][0].update(passed=1), "'passed' is missing or not bool"),
        (lambda d: d["cells"][1]["checks"][0].update(points=True), "'points' is missing or not int or float"),
        (lambda d: d.pop("student_id"), "'student_id' is missing"),
        (lambda d: d["cells"].append([]), "a cell is not an object"),
    ],
)
def test_a_damaged_result_is_refused_with_what_is_wrong(change, phrase):
    """Is a malformed or foreign JSON refused (ResultFormatError, a ValueError) saying what is wrong, never
    loaded half-way?"""
    data = RESULT.to_dict()
    change(data)
    with pytest.raises(ResultFormatError, match=phrase.replace("(", r"\(")):
        LabResult.from_dict(data)
    assert issubclass(ResultFormatError, ValueError)
