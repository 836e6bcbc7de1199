"""The red team: one class of hostile students (and honest classmates), graded by ``python -m autograder
grade`` as root, as an ordinary user, and as root in a container (no CAP_SYS_ADMIN: the Landlock
sandbox), each against a copy of the course.

Every attack of ``red_team_attacks`` runs in one batch per identity, with the honest students last.
The tests check effects, never mechanisms: what reached a student's result or feedback (the canaries
planted in the solutions, the course's .git, a classmate's notebook, the grader's environment and
home, the output folder), what changed outside the output folder, which processes are left, how much
of each resource an attack got, the grader's exit, and the honest students' scores, which must equal
in-process grading.

Both batches (and their resumed runs) start when the session collects this module, in the background,
so that they overlap the in-process tests.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import pytest
import red_team_attacks
import unprivileged
from helpers import REPO, reference_sources, started_early

from autograder.engine.cells import read_notebook, with_answers
from autograder.engine.course import release_path
from autograder.engine.grade_cells import grade_sources
from autograder.integrations.demo import demo_class
from autograder.labs import get_lab

pytestmark = pytest.mark.slow

LAB = "hyperparameter_search"
IDENTITIES = ("root", "unprivileged", "container")
SECRET = "SECRET-"
CANARIES = {
    "solutions": "SECRET-SOLUTIONS-CANARY",
    "classmate": "SECRET-CLASSMATE-CANARY",
    "environment": "SECRET-ENVIRONMENT-CANARY",
    "home": "SECRET-HOME-CANARY",
    "output": "SECRET-OUTPUT-CANARY",
}
HONEST = ("z_reference", "z_linear_scale", "z_classmate")
KERAS_JSON = '{"floatx": "float32", "epsilon": 1e-07, "backend": "tensorflow", "image_data_format": "channels_last"}'
RUN_SECONDS = 600
LIMITS = {"PROCESSES": 256, "TMP_MB": 256, "SHM_MB": 64, "SCRATCH_MB": 256, "MEMORY_GB": 0}


@dataclass
class Batch:
    """One identity's class, graded once and then resumed, and everything the tests look at."""

    identity: str
    base: Path
    token: str
    returncode: int | None = None
    stderr: str = ""
    results: dict[str, dict] = field(default_factory=dict)
    rows: dict[str, list[str]] = field(default_factory=dict)
    outputs: str = ""  # every file the grader wrote, as text
    changed: list[str] = field(default_factory=list)  # files of the course, the class and the home that changed
    left_behind: list[str] = field(default_factory=list)  # marker files outside the output folder
    processes: str = ""
    shm_canary_kept: bool = False
    resumed_returncode: int | None = None
    resumed_rows: dict[str, list[str]] = field(default_factory=dict)
    resumed_stderr: str = ""
    failure: str = ""  # the set-up itself failed

    @property
    def course(self) -> Path:
        return self.base / "course"

    @property
    def out(self) -> Path:
        return self.base / "out"

    def findings(self, student: str) -> str:
        """What an attack reported (its answer's error message)."""
        for cell in self.results.get(student, {}).get("cells", []):
            for check in cell["checks"]:
                match = re.search(r"FINDINGS (.*)", check["message"])
                if match:
                    return match.group(1)
        return ""


def _digests(*folders: Path) -> dict[str, str]:
    """SHA-256 of every file below ``folders`` (but caches: the grader's own matplotlib writes one in its home)."""
    found = {}
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts and ".cache" not in path.parts:
                found[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def _markers(token: str) -> list[Path]:
    import numpy

    site = Path(numpy.__file__).parents[1]
    return [
        site / f"autograder-redteam-{token}.txt",
        Path(os.__file__).parent / f"autograder-redteam-{token}.txt",
        Path(f"/tmp/autograder-redteam-{token}"),
        Path(f"/dev/shm/autograder-redteam-{token}"),
        Path(f"/tmp/autograder-redteam-fill-{token}"),
        Path(f"/dev/shm/autograder-redteam-fill-{token}"),
    ]


def _write_course(batch: Batch) -> None:
    course = batch.course
    for name in ("autograder", "solutions", "labs"):
        shutil.copytree(REPO / name, course / name, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    shutil.copy(REPO / "nbgrader_config.py", course)
    (course / "solutions" / "_grading" / "secret-canary.txt").write_text(CANARIES["solutions"] + "\n")
    git = ["git", "-c", "user.email=red@team", "-c", "user.name=red team", "-c", "init.defaultBranch=main"]
    subprocess.run([*git, "init", "-q"], cwd=course, check=True)
    subprocess.run([*git, "add", "-A"], cwd=course, check=True)
    subprocess.run([*git, "commit", "-qm", "the course"], cwd=course, check=True)


def _write_class(batch: Batch) -> Path:
    folder = batch.base / "class"
    folder.mkdir()
    released = read_notebook(release_path(REPO, LAB))
    reference = reference_sources(LAB)
    students = {
        "z_reference": reference,
        "z_linear_scale": {**reference, **demo_class(REPO, LAB)["linear_scale"]},
        "z_classmate": {**reference, "sample_beta": f"# {CANARIES['classmate']}\n" + reference["sample_beta"]},
    }
    shm = f"autograder-redteam-canary-{batch.token}"
    for student, attack in red_team_attacks.ATTACKS.items():
        students[student] = {**reference, "sample_log_uniform": red_team_attacks.answer_cell(attack, batch.token, shm)}
    if batch.identity != "container":  # the watch is the worker's own code, the same in every sandbox
        for student, code in red_team_attacks.EVASIONS.items():
            students[student] = {**reference, "sample_log_uniform": code}
    for student, sources in students.items():
        nbformat.write(with_answers(released, sources), folder / f"{student}.ipynb")
    return folder


def _grade(batch: Batch, folder: Path, env: dict[str, str]) -> tuple[int | None, str]:
    argv = [sys.executable, "-m", "autograder", "grade", LAB, str(folder), "--out", str(batch.out)]
    argv += ["--jobs", "1", "--timeout", "60"]
    command = argv if batch.identity == "root" else unprivileged.command(argv, env, batch.identity)
    try:
        done = subprocess.run(command, cwd=batch.course, env=env, capture_output=True, text=True, timeout=RUN_SECONDS)
    except subprocess.TimeoutExpired as expired:
        return None, f"the grader did not finish in {RUN_SECONDS} s: {expired.stderr!r}"[-3000:]
    return done.returncode, done.stderr[-3000:]


def _rows(out: Path) -> dict[str, list[str]]:
    path = out / "grades.csv"
    if not path.is_file():
        return {}
    return {line.split(",")[0]: line.split(",") for line in path.read_text().strip().splitlines()[1:]}


def _collect(batch: Batch) -> None:
    for path in batch.out.glob("*.json"):
        with contextlib.suppress(ValueError, OSError):
            batch.results[path.stem] = json.loads(path.read_text())
    batch.rows = _rows(batch.out)
    texts = []
    for path in batch.out.rglob("*"):
        if path.is_file() and path.name != "instructor-notes.txt":
            texts.append(path.read_text(errors="replace"))
    batch.outputs = "\n".join(texts)


def run_batch(identity: str) -> Batch:
    base = Path(tempfile.mkdtemp(prefix="autograder-redteam-", dir="/tmp"))
    batch = Batch(identity, base, f"{os.getpid()}{len(identity)}{int(time.time()) % 100000}")
    try:
        _run(batch)
    except Exception as error:  # reported by every test of this identity
        batch.failure = f"{type(error).__name__}: {error}"
    return batch


def _run(batch: Batch) -> None:
    batch.base.chmod(0o755)
    _write_course(batch)
    folder = _write_class(batch)
    home = batch.base / "home"
    (home / ".ssh").mkdir(parents=True)
    (home / ".ssh" / "id_rsa").write_text(CANARIES["home"] + "\n")
    (home / ".keras").mkdir()
    (home / ".keras" / "keras.json").write_text(KERAS_JSON)
    batch.out.mkdir()
    (batch.out / "instructor-notes.txt").write_text(CANARIES["output"] + "\n")
    shm = Path(f"/dev/shm/autograder-redteam-canary-{batch.token}")
    shm.write_text("the grader's shared memory\n")
    if batch.identity == "unprivileged":
        for path in [batch.out, home, shm, *batch.out.rglob("*"), *home.rglob("*")]:
            os.chown(path, unprivileged.UID, unprivileged.GID)
    subprocess.run(["chmod", "-R", "a+rX", str(batch.course), str(folder)], check=True)
    before = _digests(batch.course, folder, home)
    env = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "LAB_QUICK": "1",
        "TF_CPP_MIN_LOG_LEVEL": "3",
        "AUTOGRADER_RED_TEAM_SECRET": CANARIES["environment"],
    }
    try:
        batch.returncode, batch.stderr = _grade(batch, folder, env)
        _collect(batch)
        time.sleep(1)  # a process that escaped would still be starting
        batch.processes = subprocess.run(["pgrep", "-af", batch.token], capture_output=True, text=True).stdout
        batch.shm_canary_kept = shm.is_file()
        batch.left_behind = [str(p) for p in _markers(batch.token) if p.exists()]
        after = _digests(batch.course, folder, home)
        batch.changed = sorted(p for p in before.keys() | after.keys() if before.get(p) != after.get(p))
        if batch.identity != "root":
            return  # the ledger is the grader's own code, the same for every identity: a resumed run as root shows it
        # Someone else's file in the output folder: a resumed run must grade that student again.
        target = batch.out / "z_linear_scale.json"
        forged = json.loads(target.read_text()) if target.is_file() else {"student_id": "z_linear_scale"}
        forged.update(lab=LAB, score=27.0, errors=["FORGED-BY-THE-TEST"])
        target.write_text(json.dumps(forged))
        batch.resumed_returncode, batch.resumed_stderr = _grade(batch, folder, env)
        batch.resumed_rows = _rows(batch.out)
    finally:
        subprocess.run(["pkill", "-9", "-f", batch.token], capture_output=True)
        for path in [shm, *_markers(batch.token)]:
            with contextlib.suppress(OSError):
                path.unlink()


class Batches:
    """Both identities' batches, run one after the other in a background thread."""

    def __init__(self) -> None:
        self.done: dict[str, Batch] = {}
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._run, name="red-team", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            for identity in IDENTITIES:
                if identity == "root" or unprivileged.available() is None:
                    self.done[identity] = run_batch(identity)
        finally:
            self.ready.set()

    def get(self, identity: str) -> Batch:
        self.ready.wait()
        return self.done[identity]

    def close(self) -> None:
        self.thread.join(timeout=5)
        for batch in self.done.values():
            shutil.rmtree(batch.base, ignore_errors=True)


def start_early() -> Batches:
    return Batches()


@pytest.fixture(scope="module", params=IDENTITIES)
def batch(request) -> Batch:
    if request.param != "root" and unprivileged.available():
        pytest.skip(unprivileged.available())
    found = started_early(__name__, start_early).get(request.param)
    assert not found.failure, f"the red team's set-up failed: {found.failure}"
    return found


@pytest.fixture(scope="module")
def in_process() -> dict[str, dict[str, float]]:
    """The honest students' points per test cell, graded in this process."""
    reference = reference_sources(LAB)
    sources = {
        "z_reference": reference,
        "z_linear_scale": {**reference, **demo_class(REPO, LAB)["linear_scale"]},
        "z_classmate": reference,
    }
    lab = get_lab(LAB)
    return {
        student: {c.grade_id: c.points for c in grade_sources(student, lab, code, REPO).cells}
        for student, code in sources.items()
    }


def _points(result: dict) -> dict[str, float]:
    return {cell["grade_id"]: cell["points"] for cell in result.get("cells", [])}


def test_the_grader_finishes_and_records_everyone(batch):
    """Does the grader exit 0, with one result and one grades.csv row per student, attackers included?"""
    assert batch.returncode == 0, f"exit {batch.returncode}: {batch.stderr}"
    students = {p.stem for p in (batch.base / "class").glob("*.ipynb")}
    assert set(batch.results) == students
    assert set(batch.rows) == students


def test_honest_students_keep_their_scores(batch, in_process):
    """Do the honest classmates, graded after every attack, get exactly their in-process points?"""
    for student in HONEST:
        assert _points(batch.results[student]) == in_process[student], (student, batch.results[student]["errors"])


def test_privileges_reveal_no_secret(batch):
    """Class 1: with unmounting, unsharing, setns and other processes' /proc tried, does the attack find
    no secret (solutions, .git, the classmate, the grader's environment and home, the output folder)?"""
    findings = batch.findings("a_privileges")
    assert findings, "the attack reported nothing: it did not run"
    assert SECRET not in findings, findings


def test_no_secret_reaches_any_result_or_feedback(batch):
    """Classes 1 and 4: is no canary in any JSON, feedback page or grades.csv the grader wrote?"""
    leaked = sorted(set(re.findall(r"SECRET-[A-Z-]+", batch.outputs)))
    assert leaked == [], leaked


def test_channels_reach_nothing_privileged(batch):
    """Class 2: after writing to every inherited descriptor and connecting to every unix socket the
    kernel lists, is the grader's shared-memory file still there and everyone after it graded?"""
    assert batch.shm_canary_kept
    assert "connected to" not in batch.findings("a_channels"), batch.findings("a_channels")
    graded_after = [s for s in batch.results if s > "a_channels"]
    assert all(batch.results[s]["status"] == "graded" for s in graded_after)


def test_forged_results_and_reports_change_nothing(batch, in_process):
    """Class 3: a pid file, a FIFO, malformed results and frames, a forged isolation report and forged
    JSONs in the output folder: does nothing forged reach the results, the forger earn nothing for its
    sampler, and the honest keep their points?"""
    assert "FORGED" not in batch.outputs.replace("FORGED-BY-THE-TEST", "")
    cells = {cell["grade_id"]: cell for cell in batch.results["a_forges_results"]["cells"]}
    earned = [c["name"] for c in cells["test_sample_log_uniform"]["checks"] if c["passed"]]
    assert earned in ([], ["implemented from scratch"]), earned  # a source check: it does not call the sampler
    assert cells["hidden_sample_log_uniform"]["points"] == 0
    assert _points(batch.results["z_reference"]) == in_process["z_reference"]


def test_a_resumed_run_trusts_only_what_the_grader_wrote(batch, in_process):
    """Class 3: after the test forges z_linear_scale's JSON (full marks), does a resumed run grade that
    student again, and keep every other row as the first run wrote it?"""
    if batch.identity != "root":
        pytest.skip("shown as root: the ledger does not depend on the sandbox (and no worker reaches --out)")
    assert batch.resumed_returncode == 0, batch.resumed_stderr
    real = sum(in_process["z_linear_scale"].values())
    assert float(batch.resumed_rows.get("z_linear_scale", [0, 0, -1])[2]) == real
    assert {s: r for s, r in batch.resumed_rows.items() if s != "z_linear_scale"} == {
        s: r for s, r in batch.rows.items() if s != "z_linear_scale"
    }


def test_nothing_outside_the_output_folder_changes(batch):
    """Class 4: are the course copy (package source, solutions, .git), the class's notebooks and the
    grader's home (~/.keras/keras.json) unchanged, and no file left in site-packages, the standard
    library, /tmp or /dev/shm?"""
    assert batch.changed == []
    assert batch.left_behind == []
    assert (batch.base / "home" / ".keras" / "keras.json").read_text() == KERAS_JSON


def test_resources_are_capped_and_no_process_is_left(batch):
    """Class 4: after trying to raise its limits, does the attack get at most the capped processes,
    /tmp, /dev/shm, working folder and memory, and is none of its processes left?"""
    findings = batch.findings("a_resources")
    got = dict(re.findall(r"([A-Z_]+)=(\d+)", findings))
    assert set(got) == set(LIMITS), findings
    over = {name: int(value) for name, value in got.items() if int(value) > LIMITS[name]}
    assert over == {}, findings
    assert batch.processes == ""


@pytest.mark.parametrize("student", sorted(red_team_attacks.EVASIONS))
def test_dynamic_lookups_of_a_forbidden_builtin_are_caught(batch, student):
    """Class 5: does a sampler that reaches scipy.stats.loguniform by a computed name fail
    "implemented from scratch", with a message naming the built-in?"""
    if batch.identity == "container":
        pytest.skip("shown as root and as an ordinary user: the watch does not depend on the sandbox")
    cell = next(c for c in batch.results[student]["cells"] if c["grade_id"] == "test_sample_log_uniform")
    check = next(c for c in cell["checks"] if c["name"] == "implemented from scratch")
    assert not check["passed"] and check["points"] == 0, check["message"]
    assert "loguniform" in check["message"]


def test_the_isolation_report_is_measured_and_complete(batch):
    """Does every graded result say, facility by facility, that its isolation was enforced?"""
    wanted = {"identity", "capabilities", "no_new_privs", "seccomp", "files", "processes", "network", "memory"}
    for student, result in batch.results.items():
        isolation = result["environment"]["isolation"]
        assert wanted <= set(isolation), (student, isolation)
        assert all(text.startswith("enforced") for text in isolation.values()), (student, isolation)
    isolation = batch.results["z_reference"]["environment"]["isolation"]
    assert ("user namespace" in isolation["identity"]) == (batch.identity == "unprivileged"), isolation
    assert ("Landlock" in isolation["files"]) == (batch.identity == "container"), isolation
