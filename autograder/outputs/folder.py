"""The output folder of a graded class: atomic writes, and the ledger of what this grader wrote there, so
that a resumed run trusts only its own results."""

from __future__ import annotations

import hashlib
import json
import os
import threading
from pathlib import Path

from autograder.model.checks import Lab
from autograder.model.results import LabResult

LEDGER = ".autograder-ledger"  # the results this grader wrote in an output folder, by file name and hash


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` through a ``.partial`` file: a reader never sees half a file.

    A lone surrogate (a student's message can carry one) is written as "?" rather than failing.
    """
    partial = path.with_name(path.name + ".partial")
    partial.write_bytes(text.encode("utf-8", "replace"))
    os.replace(partial, path)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class Ledger:
    """The results this grader wrote into an output folder: file name -> SHA-256 of the JSON.

    A resumed run counts a student as graded only when their JSON is one the grader wrote (its hash
    is in the ledger): a file that appeared or changed otherwise is graded again.
    """

    def __init__(self, out: Path):
        self.path = out / LEDGER
        self.lock = threading.Lock()
        try:
            data = json.loads(self.path.read_text())
            self.hashes = {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}
        except (OSError, ValueError):
            self.hashes = {}

    def write(self, path: Path, text: str) -> None:
        """Write a result and record it (the result first: a crash between leaves it untrusted)."""
        write_atomically(path, text)
        with self.lock:
            self.hashes[path.name] = _digest(text)
            write_atomically(self.path, json.dumps(self.hashes, indent=1, sort_keys=True))

    def trusts(self, path: Path, text: str) -> bool:
        return self.hashes.get(path.name) == _digest(text)


def load_results(out: Path, lab: Lab, ledger: Ledger | None = None) -> tuple[dict[str, LabResult], list[str]]:
    """The results of ``lab`` already in ``out`` that this grader wrote, by student id, and the files it
    ignored (unreadable, not written by the grader, or of another schema)."""
    ledger = ledger or Ledger(out)
    found, ignored = {}, []
    for path in sorted(out.glob("*.json")):
        try:
            text = path.read_text(encoding="utf-8")
            if not ledger.trusts(path, text):
                ignored.append(path.name)
                continue
            result = LabResult.from_dict(json.loads(text))
        except (OSError, ValueError):  # ResultFormatError is a ValueError
            ignored.append(path.name)
            continue
        if result.lab == lab.name and path.stem == result.student_id:
            found[result.student_id] = result
    return found, ignored


def result_json(result: LabResult) -> str:
    """The text of a result's JSON file (docs/design.md section 5)."""
    return json.dumps(result.to_dict(), indent=2, allow_nan=False, default=str)


def result_path(out: Path, student_id: str) -> Path:
    return out / f"{student_id}.json"


def feedback_path(out: Path, student_id: str) -> Path:
    return out / "feedback" / f"{student_id}.html"
