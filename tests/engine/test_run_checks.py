"""Unit tests of ``autograder.engine.run_checks`` (running one check on a student's answers) and of the
check model in ``autograder.model.checks``."""

from __future__ import annotations

import os
import random
import subprocess
import sys
from collections.abc import Iterator

import keras
import numpy as np
import pytest

from autograder.engine.cells import run_cells
from autograder.engine.run_checks import check_seed, run_cell, run_check
from autograder.engine.student_answers import Answers
from autograder.model.checks import BUILTIN, REFERENCE, AnswerSpec, Check, Evidence, Lab, Mistake, failed, passed
from autograder.model.errors import ContractError
from autograder.model.results import CheckResult
from autograder.toolkit.judges import all_of, close, diagnose, with_hint
from autograder.toolkit.probes import calls

LAB = Lab(
    name="demo",
    answers=(AnswerSpec("one_hot", ("one_hot",)), AnswerSpec("softmax_layer", ("Softmax",))),
    public_checks={},
    builtins=dict,
)


def exp_inputs(rng: np.random.Generator) -> dict[str, np.ndarray]:
    return {"x": rng.normal(size=(2, 3)).astype(np.float32)}


EXP_CHECK = Check(
    "matches np.exp",
    "one_hot",
    close(what="np.exp"),
    make_inputs=exp_inputs,
    probe=calls("one_hot", "x"),
    oracle=BUILTIN,
)
ORACLES = {BUILTIN: {"one_hot": np.exp}}


def student(code: str, *, in_kernel: bool = True) -> Answers:
    """The answers of a student whose one_hot cell holds ``code``, run the way a notebook is graded."""
    namespace = {"np": np, "keras": keras}
    errors = run_cells({"one_hot": code}, namespace)
    return Answers(namespace, [code], in_kernel=in_kernel, errors=errors)


def run(answers: Answers, check: Check = EXP_CHECK, oracles=ORACLES) -> CheckResult:
    return run_check(check, ("one_hot",), answers, oracles, seed=7)


@pytest.fixture
def keras_globals() -> Iterator[None]:
    """Put Keras's floatx and dtype policy back as they were (unset) after a test that sets them."""
    floatx = keras.config.floatx()
    try:
        yield
    finally:
        keras.config.set_floatx(floatx)
        keras.backend.clear_session()  # also unsets the global dtype policy


# ---------------------------------------------------------------- student errors become messages


def test_right_answer_passes_with_full_points():
    """Does a right answer pass with the check's points?"""
    result = run(student("def one_hot(x):\n    return np.exp(x)\n"))
    assert result == CheckResult("matches np.exp", True, 1.0, 1.0, "matches np.exp (max abs error 0)")


@pytest.mark.parametrize("stub", ["raise NotImplementedError()", "raise NotImplementedError"])
def test_stub_is_not_implemented_yet(stub):
    """Does a stub's NotImplementedError become "not implemented yet", with no points?"""
    result = run(student(f"def one_hot(x):\n    # YOUR CODE HERE\n    {stub}\n"))
    assert not result.passed
    assert result.points == 0.0
    assert result.max_points == 1.0
    assert result.message == "one_hot is not implemented yet: replace `raise NotImplementedError()` with your code"


def test_not_implemented_error_from_a_library_is_not_a_stub():
    """Is a NotImplementedError raised inside Keras reported as an error of the student's line, not a stub?"""
    result = run(student("def one_hot(x):\n    return keras.losses.Loss().call(x, x)\n"))
    assert not result.passed
    assert "not implemented yet" not in result.message
    assert "your code raised NotImplementedError" in result.message
    assert "`return keras.losses.Loss().call(x, x)`" in result.message


def test_missing_name_in_kernel_says_run_the_cell():
    """Does a missing answer in a kernel tell the student to run the cell that defines it?"""
    result = run(student("x = 1\n", in_kernel=True))
    assert not result.passed
    assert result.message.startswith("`one_hot` is not defined")
    assert "run the cell" in result.message


def test_missing_name_in_batch_says_in_the_notebook():
    """Does a missing answer in batch grading say it is not defined in the notebook?"""
    result = run(student("x = 1\n", in_kernel=False))
    assert not result.passed
    assert result.message == "`one_hot` is not defined in the notebook"
    assert "run the cell" not in result.message


def test_missing_name_after_a_failed_cell_gives_the_cell_error():
    """Does a name missing because its cell failed say why the cell failed?"""
    result = run(student("def one_hot(x:\n    return x\n", in_kernel=False))
    assert not result.passed
    assert "`one_hot` is not defined because the cell of one_hot failed: SyntaxError" in result.message


def test_student_exception_quotes_the_students_line():
    """Does a student's exception name its type and message and quote the student's line?"""
    code = "def one_hot(x):\n    y = x + 1\n    raise ValueError('labels must be integers')\n"
    result = run(student(code))
    assert not result.passed
    assert result.message == (
        "your code raised ValueError: labels must be integers "
        "(in one_hot, line 3: `raise ValueError('labels must be integers')`)"
    )


def test_error_inside_numpy_quotes_the_students_calling_line():
    """Does an error raised inside NumPy quote the student's line that called it, not NumPy's?"""
    result = run(student("def one_hot(x):\n    return np.reshape(x, (7,))\n"))
    assert not result.passed
    assert "your code raised ValueError" in result.message
    assert "(in one_hot, line 2: `return np.reshape(x, (7,))`)" in result.message


def test_symbolic_tensor_error_appends_keras_ops_advice():
    """Does an error about symbolic tensors append the advice to use keras.ops?"""
    code = "def one_hot(x):\n    raise TypeError('Cannot convert a symbolic KerasTensor to a NumPy array')\n"
    result = run(student(code))
    assert not result.passed
    assert "symbolic tensors" in result.message
    assert "keras.ops" in result.message
    assert "instead of np.*" in result.message


def test_ordinary_error_gets_no_keras_ops_advice():
    """Is the keras.ops advice left out of an ordinary error?"""
    result = run(student("def one_hot(x):\n    return x / 'two'\n"))
    assert not result.passed
    assert "your code raised TypeError" in result.message
    assert "keras.ops" not in result.message


def test_system_exit_in_student_code_is_a_failed_check():
    """Does a student's sys.exit become a failed check rather than ending the grader?"""
    result = run(student("def one_hot(x):\n    raise SystemExit(3)\n"))
    assert not result.passed
    assert "your code raised SystemExit" in result.message


def test_stderr_noise_is_reported_with_a_failure(capfd):
    """Is what the student's code wrote to stderr reported with a failed check and kept off the real stderr?"""
    code = "import sys\ndef one_hot(x):\n    print('debugging', file=sys.stderr)\n    return np.exp(x) + 1\n"
    result = run(student(code))
    assert not result.passed
    assert result.message.endswith("[while the check ran, this was written to stderr or warned: debugging]")
    assert capfd.readouterr().err == ""


def test_stderr_noise_is_left_out_of_a_pass(capfd):
    """Is a passing check's message free of what the student's code wrote to stderr?"""
    code = "import sys\ndef one_hot(x):\n    print('debugging', file=sys.stderr)\n    return np.exp(x)\n"
    result = run(student(code))
    assert result.passed
    assert "debugging" not in result.message
    assert capfd.readouterr().err == ""


def test_contract_error_message_is_passed_on_as_it_is():
    """Is a ContractError raised by a probe given to the student word for word?"""

    def probe(answers, inputs):
        raise ContractError("Softmax must return a tensor, not a list")

    check = Check("contract", "one_hot", close(what="np.exp"), make_inputs=exp_inputs, probe=probe, oracle=BUILTIN)
    result = run(student("def one_hot(x):\n    return x\n"), check)
    assert not result.passed
    assert result.message == "Softmax must return a tensor, not a list"


def test_keras_wrapped_error_quotes_the_inner_message():
    """Does an error Keras re-raised from a layer's call report the original message, not Keras's preface?"""
    code = (
        "def one_hot(x):\n"
        "    raise ValueError('Exception encountered when calling Softmax.call().\\n\\n"
        "\\x1b[1maxis -2 is out of bounds\\x1b[0m\\n\\nArguments received: x')\n"
    )
    result = run(student(code))
    assert not result.passed
    assert result.message.startswith("your code raised ValueError: axis -2 is out of bounds (in one_hot, line 2")


# ---------------------------------------------------------------- seeds and global state


def test_check_seed_is_stable_and_differs_between_checks():
    """Is a check's seed the same for the same inputs and different for another check, cell, lab or base?"""
    seed = check_seed(20261126, "softmax_regression", "test_softmax", "rows sum to 1")
    assert seed == check_seed(20261126, "softmax_regression", "test_softmax", "rows sum to 1")
    others = {
        check_seed(20261126, "softmax_regression", "test_softmax", "stable for large logits"),
        check_seed(20261126, "softmax_regression", "hidden_softmax", "rows sum to 1"),
        check_seed(20261126, "batch_norm", "test_softmax", "rows sum to 1"),
        check_seed(1, "softmax_regression", "test_softmax", "rows sum to 1"),
    }
    assert seed not in others
    assert len(others) == 4
    assert 0 <= seed < 2**32


def test_check_seed_is_the_same_in_another_process():
    """Is a check's seed the same in a process whose str hashes are salted differently?"""
    code = "from autograder.engine.run_checks import check_seed; print(check_seed(5, 'lab', 'cell', 'check'))"
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert int(out.stdout.strip()) == check_seed(5, "lab", "cell", "check")


def test_global_state_restored_after_check_that_changed_it(keras_globals):
    """Are the dtype policy, floatx, NumPy's and Python's RNG states restored after a check changed them?"""
    keras.config.set_floatx("float64")
    keras.config.set_dtype_policy("float64")
    np.random.seed(11)
    random.seed(12)
    numpy_state, python_state = np.random.get_state(), random.getstate()
    seen = {}

    def probe(answers, inputs):
        seen["floatx"], seen["policy"] = keras.config.floatx(), keras.config.dtype_policy().name
        return {"out": answers.one_hot(inputs["x"])}

    code = """\
import random
def one_hot(x):
    keras.config.set_floatx("float16")
    keras.config.set_dtype_policy("mixed_float16")
    np.random.seed(0)
    random.seed(0)
    np.random.rand(3)
    return np.exp(x)
"""
    check = Check("restores", "one_hot", close(what="np.exp"), make_inputs=exp_inputs, probe=probe, oracle=BUILTIN)
    assert run(student(code), check).passed
    assert seen == {"floatx": "float32", "policy": "float32"}  # the check itself ran in float32
    assert keras.config.floatx() == "float64"
    assert keras.config.dtype_policy().name == "float64"
    after = np.random.get_state()
    assert after[0] == numpy_state[0]
    np.testing.assert_array_equal(after[1], numpy_state[1])
    assert after[2:] == numpy_state[2:]
    assert random.getstate() == python_state


def test_global_state_restored_after_student_error(keras_globals):
    """Is floatx restored also when the student's code raises after changing it?"""
    keras.config.set_floatx("float64")
    code = "def one_hot(x):\n    keras.config.set_floatx('float16')\n    raise ValueError('oops')\n"
    assert not run(student(code)).passed
    assert keras.config.floatx() == "float64"


def test_unset_dtype_policy_stays_unset_after_a_check(keras_globals):
    """Does a later set_floatx still apply to new layers after a check ran with the policy unset?"""
    keras.backend.clear_session()  # the policy is unset, as in a fresh kernel
    assert run(student("def one_hot(x):\n    return np.exp(x)\n")).passed
    keras.config.set_floatx("float64")
    layer = keras.layers.Dense(2)
    layer.build((None, 3))
    dtype = layer.kernel.dtype  # not the variable itself: its repr would warn in NumPy 2
    assert dtype == "float64"


def test_same_check_draws_same_inputs():
    """Do two runs of a check with one seed see the same inputs?"""
    seen = []

    def probe(answers, inputs):
        seen.append(inputs["x"])
        return {"out": answers.one_hot(inputs["x"])}

    check = Check("same", "one_hot", close(what="np.exp"), make_inputs=exp_inputs, probe=probe, oracle=BUILTIN)
    answers = student("def one_hot(x):\n    return np.exp(x)\n")
    run(answers, check)
    run(answers, check)
    assert len(seen) == 4  # answer and oracle, twice
    for x in seen[1:]:
        np.testing.assert_array_equal(x, seen[0])


# ---------------------------------------------------------------- run_cell


def test_failing_oracle_is_reported_as_checker_failure():
    """Does a failing oracle (our bug) become a "checker itself failed" result, and the next check still run?"""

    def broken_oracle(x):
        raise ZeroDivisionError("reference divided by zero")

    second = Check(
        "second", "one_hot", close(what="np.exp"), make_inputs=exp_inputs, probe=calls("one_hot", "x"), oracle=REFERENCE
    )
    oracles = {BUILTIN: {"one_hot": broken_oracle}, REFERENCE: {"one_hot": np.exp}}
    answers = student("def one_hot(x):\n    return np.exp(x)\n")
    cell = run_cell(LAB, "test_one_hot", [EXP_CHECK, second], answers, oracles, base_seed=3)
    first, after = cell.checks
    assert not first.passed
    assert first.points == 0.0
    assert first.message == (
        "the checker itself failed (ZeroDivisionError: reference divided by zero); please tell your instructor"
    )
    assert after.passed
    assert cell.points == 1.0
    assert cell.max_points == 2.0


def test_missing_oracle_name_is_a_checker_failure():
    """Is an oracle that lacks the answer's name reported as the checker failing, not as the student's fault?"""
    answers = student("def one_hot(x):\n    return np.exp(x)\n")
    cell = run_cell(LAB, "test_one_hot", [EXP_CHECK], answers, {BUILTIN: {}}, base_seed=3)
    assert "the checker itself failed" in cell.checks[0].message


def test_check_without_probe_judges_the_source():
    """Does a check without a probe get the answer's source and the notebook's imports?"""
    seen = []

    def judge(evidence: Evidence):
        seen.append(evidence)
        return passed("looked")

    answers = Answers({}, ["from keras import ops", "def one_hot(x):\n    return ops.exp(x)\n"])
    result = run_check(Check("source", "one_hot", judge), ("one_hot",), answers, {}, seed=1)
    assert result.passed
    assert seen[0].source == "def one_hot(x):\n    return ops.exp(x)"
    assert seen[0].imports == "from keras import ops"
    assert seen[0].observed == {}
    assert seen[0].expected is None


# ---------------------------------------------------------------- the check model


def test_check_rejects_unknown_oracle():
    """Does a Check with an unknown oracle raise ValueError?"""
    with pytest.raises(ValueError, match="oracle must be None"):
        Check("c", "one_hot", close(what="x"), probe=calls("one_hot", "x"), oracle="keras")


def test_check_rejects_oracle_without_probe():
    """Does a Check with an oracle but no probe raise ValueError?"""
    with pytest.raises(ValueError, match="has an oracle but no probe"):
        Check("c", "one_hot", close(what="x"), oracle=BUILTIN)


def doubled(inputs):
    return 2 * inputs["x"]


DOUBLED = Mistake("the values are doubled: did you add the input to itself?", doubled)


def mistake_evidence(out: np.ndarray) -> Evidence:
    x = np.array([1.0, 2.0, 3.0])
    return Evidence({"x": x}, {"out": out}, {"out": x}, None, hidden=False)


def test_close_names_the_mistake_in_a_failed_verdict():
    """Does close name a recognised mistake's hint after the numbers in a failed verdict?"""
    verdict = close(what="the identity", mistakes=[DOUBLED])(mistake_evidence(np.array([2.0, 4.0, 6.0])))
    assert not verdict.passed
    assert verdict.message.startswith("differs from the identity: worst element")
    assert verdict.message.endswith("Likely mistake: the values are doubled: did you add the input to itself?")


def test_close_leaves_the_hint_out_of_a_passing_verdict():
    """Is the mistake's hint absent from a passing verdict?"""
    verdict = close(what="the identity", mistakes=[DOUBLED])(mistake_evidence(np.array([1.0, 2.0, 3.0])))
    assert verdict.passed
    assert "Likely mistake" not in verdict.message
    assert "doubled" not in verdict.message


def test_close_gives_no_hint_for_an_unrecognised_mistake():
    """Does a wrong output that matches no known mistake fail with numbers only?"""
    verdict = close(what="the identity", mistakes=[DOUBLED])(mistake_evidence(np.array([1.0, 2.0, 9.0])))
    assert not verdict.passed
    assert "Likely mistake" not in verdict.message


def test_close_with_expect_function_and_without_oracle():
    """Does close use `expect` when given, and raise when it has neither oracle nor expect?"""
    evidence = Evidence({"x": np.ones(2)}, {"out": np.full(2, 2.0)}, None, None, hidden=False)
    assert close(what="2x", expect=doubled)(evidence).passed
    with pytest.raises(ValueError, match="needs an oracle"):
        close(what="x")(evidence)


def test_diagnose_skips_a_mistake_whose_prediction_fails():
    """Is a mistake whose prediction raises skipped in favour of the next one?"""

    def cannot(inputs):
        raise ValueError("not for these inputs")

    evidence = mistake_evidence(np.array([2.0, 4.0, 6.0]))
    assert diagnose(evidence, [Mistake("never", cannot), DOUBLED]) == DOUBLED.hint


def test_with_hint_only_adds_a_non_empty_hint():
    """Does with_hint add "Likely mistake" only when there is a hint?"""
    assert with_hint("wrong", "") == "wrong"
    assert with_hint("wrong", "sign flipped") == "wrong. Likely mistake: sign flipped"


def test_all_of_reports_the_first_failure():
    """Does all_of pass when all pass, and report only the first failure otherwise?"""
    evidence = mistake_evidence(np.ones(3))
    ok = all_of(lambda e: passed("a"), lambda e: passed(""), lambda e: passed("b"))(evidence)
    assert ok == passed("a; b")
    bad = all_of(lambda e: passed("a"), lambda e: failed("first"), lambda e: failed("second"))(evidence)
    assert bad == failed("first")


def test_lab_test_cells_order():
    """Are a lab's test cells test_X then hidden_X for each answer, in notebook order?"""
    assert LAB.test_cells == ["test_one_hot", "hidden_one_hot", "test_softmax_layer", "hidden_softmax_layer"]


def test_lab_answer_lookup():
    """Does Lab.answer find a spec by grade_id and raise KeyError for an unknown one?"""
    assert LAB.answer("softmax_layer").defines == ("Softmax",)
    with pytest.raises(KeyError, match="no answer 'softmax'"):
        LAB.answer("softmax")
