"""Unit tests of the "implemented from scratch" check (``autograder.toolkit.from_scratch``) and of
finding an answer's code in notebook cells (``autograder.toolkit.source_code``)."""

from __future__ import annotations

import pytest

from autograder.labs.softmax_regression.answers import ANSWERS
from autograder.model.checks import Evidence
from autograder.toolkit.from_scratch import delegations, from_scratch_judge, has_stub, import_aliases, references
from autograder.toolkit.source_code import answer_source, definition, loaded_names

SOFTMAX_FORBIDDEN = next(spec for spec in ANSWERS if spec.grade_id == "softmax").forbidden
LAYER_FORBIDDEN = next(spec for spec in ANSWERS if spec.grade_id == "softmax_layer").forbidden

STABLE_SOFTMAX = """\
def softmax(z):
    e = ops.exp(z - ops.max(z, axis=-1, keepdims=True))
    return e / ops.sum(e, axis=-1, keepdims=True)
"""


def evidence(source: str | None, imports: str = "") -> Evidence:
    """Evidence for a judge that reads only the source."""
    return Evidence(inputs={}, observed={}, expected=None, source=source, hidden=False, imports=imports)


# ---------------------------------------------------------------- import_aliases


def test_import_aliases_of_each_import_form():
    """Does every import form map its local name to the full module path?"""
    aliases = import_aliases(
        [
            "from keras import ops\nimport tensorflow as tf",
            "from keras.ops import softmax as sm\nimport keras.layers\nimport numpy as np, scipy.special",
        ]
    )
    assert aliases == {
        "ops": "keras.ops",
        "tf": "tensorflow",
        "sm": "keras.ops.softmax",
        "keras": "keras",
        "np": "numpy",
        "scipy": "scipy",
    }


def test_import_aliases_later_import_wins_and_bad_cells_are_skipped():
    """Does a later import of the same name win, and a cell that does not parse get skipped?"""
    aliases = import_aliases(["import numpy as np", "def broken(:", "import jax.numpy as np"])
    assert aliases == {"np": "jax.numpy"}


def test_import_aliases_ignore_relative_imports():
    """Is a relative import left out (it names no importable module)?"""
    assert import_aliases(["from . import ops\nfrom .x import y"]) == {}


# ---------------------------------------------------------------- delegations through aliases


def test_ops_softmax_resolves_through_from_import():
    """Does `from keras import ops` make `ops.softmax` resolve to keras.ops.softmax?"""
    source = "def softmax(z):\n    return ops.softmax(z)\n"
    assert delegations(source, SOFTMAX_FORBIDDEN, ["from keras import ops"]) == [("keras.ops.softmax", 2)]


def test_tf_nn_softmax_resolves_through_import_as():
    """Does `import tensorflow as tf` make `tf.nn.softmax` resolve to tensorflow.nn.softmax?"""
    source = "def softmax(z):\n    y = z\n    return tf.nn.softmax(y)\n"
    assert delegations(source, SOFTMAX_FORBIDDEN, ["import tensorflow as tf"]) == [("tensorflow.nn.softmax", 3)]


def test_tf_keras_normalises_to_keras():
    """Does `tf.keras.activations.softmax` count as keras.activations.softmax?"""
    source = "def softmax(z):\n    return tf.keras.activations.softmax(z)\n"
    found = [name for name, _ in references(source, import_aliases(["import tensorflow as tf"]))]
    assert "keras.activations.softmax" in found
    assert "tensorflow.keras.activations.softmax" not in found
    assert delegations(source, SOFTMAX_FORBIDDEN, ["import tensorflow as tf"]) == [("keras.activations.softmax", 2)]


def test_renamed_from_import_is_resolved():
    """Does `from keras.ops import softmax as sm` make a call of `sm` a keras.ops.softmax?"""
    source = "def softmax(z):\n    return sm(z)\n"
    assert delegations(source, SOFTMAX_FORBIDDEN, ["from keras.ops import softmax as sm"]) == [("keras.ops.softmax", 2)]


def test_import_inside_the_answer_is_resolved():
    """Is an import written inside the answer itself used to resolve its names?"""
    source = "def softmax(z):\n    import tensorflow as T\n    return T.nn.softmax(z)\n"
    assert delegations(source, SOFTMAX_FORBIDDEN) == [("tensorflow.nn.softmax", 3)]


def test_getattr_with_constant_name_counts_as_attribute():
    """Does `getattr(ops, "softmax")` count as a use of keras.ops.softmax?"""
    source = 'def softmax(z):\n    f = getattr(ops, "softmax")\n    return f(z)\n'
    assert delegations(source, SOFTMAX_FORBIDDEN, ["from keras import ops"]) == [("keras.ops.softmax", 2)]


def test_each_forbidden_name_is_reported_once_at_first_use():
    """Is a forbidden name used twice reported once, at its first line?"""
    source = "def softmax(z):\n    a = ops.softmax(z)\n    return ops.softmax(a)\n"
    assert delegations(source, SOFTMAX_FORBIDDEN, ["from keras import ops"]) == [("keras.ops.softmax", 2)]


def test_own_def_shadows_an_imported_name():
    """Does a student's own `def softmax` shadow an imported `softmax` (no false positive)?"""
    source = STABLE_SOFTMAX + "\n\nclass Softmax:\n    def call(self, x):\n        return softmax(x)\n"
    context = ["from keras import ops\nfrom keras.ops import softmax"]
    assert delegations(source, LAYER_FORBIDDEN, context) == []


def test_own_def_does_not_hide_a_real_delegation():
    """Is a delegation inside the student's own `softmax` still found?"""
    source = "def softmax(z):\n    return keras.ops.softmax(z)\n"
    assert delegations(source, SOFTMAX_FORBIDDEN, ["import keras"]) == [("keras.ops.softmax", 2)]


def test_own_assignment_shadows_an_imported_name():
    """Does a student's own `softmax = lambda ...` shadow an imported `softmax` as a def does?"""
    cells = [
        "from keras import ops\nfrom keras.ops import softmax",
        "softmax = lambda z: ops.exp(z - ops.logsumexp(z, axis=-1, keepdims=True))",
        "class Softmax:\n    def call(self, x):\n        return softmax(x)\n",
    ]
    source = answer_source(["Softmax"], cells)
    assert "softmax = lambda" in source
    assert delegations(source, LAYER_FORBIDDEN, cells[:1]) == []


def test_logsumexp_is_not_a_softmax():
    """Is keras.ops.logsumexp allowed by the softmax answers' forbidden patterns?"""
    source = "def softmax(z):\n    return ops.exp(z - ops.logsumexp(z, axis=-1, keepdims=True))\n"
    for forbidden in (SOFTMAX_FORBIDDEN, LAYER_FORBIDDEN):
        assert delegations(source, forbidden, ["from keras import ops"]) == []
        assert delegations("y = keras.ops.logsumexp(z)\n", forbidden, ["import keras"]) == []


def test_softmax_patterns_catch_nested_and_class_forms():
    """Do the softmax patterns catch keras.ops.nn.softmax, keras.layers.Softmax and scipy's softmax?"""
    source = "a = keras.ops.nn.softmax(z)\nb = keras.layers.Softmax()(z)\nc = special.softmax(z)\n"
    hits = delegations(source, LAYER_FORBIDDEN, ["import keras\nfrom scipy import special"])
    assert sorted(hits, key=lambda hit: hit[1]) == [
        ("keras.ops.nn.softmax", 1),
        ("keras.layers.Softmax", 2),
        ("scipy.special.softmax", 3),
    ]


# ---------------------------------------------------------------- has_stub


@pytest.mark.parametrize(
    "source",
    [
        "def f(x):\n    raise NotImplementedError()\n",
        "def f(x):\n    raise NotImplementedError\n",
        'def f(x):\n    raise NotImplementedError("write me")\n',
        "class A:\n    def call(self, x):\n        raise NotImplementedError\n",
    ],
    ids=["call", "bare", "message", "method"],
)
def test_has_stub_true_for_raise_not_implemented(source):
    """Is an answer that still raises NotImplementedError recognised as a stub?"""
    assert has_stub(source)


@pytest.mark.parametrize(
    "source",
    [
        STABLE_SOFTMAX,
        "def f(x):\n    raise ValueError()\n",
        "def f(x):\n    return NotImplementedError\n",
        "def f(x):\n    return NotImplemented\n",
        "def f(x):\n    try:\n        pass\n    except Exception:\n        raise\n",
    ],
    ids=["answer", "other_error", "returned_not_raised", "not_implemented_constant", "bare_reraise"],
)
def test_has_stub_false_otherwise(source):
    """Is an answer that does not raise NotImplementedError not a stub?"""
    assert not has_stub(source)


# ---------------------------------------------------------------- from_scratch_judge


def test_judge_fails_a_stub_as_not_implemented():
    """Does the judge fail a stub with "not implemented yet"?"""
    judge = from_scratch_judge("softmax", SOFTMAX_FORBIDDEN)
    verdict = judge(evidence("def softmax(z):\n    raise NotImplementedError()\n"))
    assert not verdict.passed
    assert "softmax is not implemented yet" in verdict.message


def test_judge_fails_code_that_does_not_parse():
    """Does the judge fail code with a syntax error with "does not parse" and the line?"""
    judge = from_scratch_judge("softmax", SOFTMAX_FORBIDDEN)
    verdict = judge(evidence("def softmax(z):\n    return (z\n\nx = 1\n"))
    assert not verdict.passed
    assert "the code of softmax does not parse" in verdict.message
    assert "(line " in verdict.message


def test_judge_names_the_forbidden_name_and_line():
    """Does the judge fail a delegation naming the forbidden call and its line?"""
    judge = from_scratch_judge("softmax", SOFTMAX_FORBIDDEN)
    verdict = judge(evidence("def softmax(z):\n    z = z - 0\n    return ops.softmax(z)\n", "from keras import ops"))
    assert not verdict.passed
    assert "keras.ops.softmax (line 3)" in verdict.message
    assert "implement this yourself" in verdict.message


def test_judge_passes_an_answer_from_scratch():
    """Does the judge pass an answer that uses only allowed operations?"""
    verdict = from_scratch_judge("softmax", SOFTMAX_FORBIDDEN)(evidence(STABLE_SOFTMAX, "from keras import ops"))
    assert verdict.passed
    assert verdict.message == "uses no built-in it is compared with"


def test_judge_fails_when_the_code_is_missing():
    """Does the judge fail, saying so, when the answer's code was not found?"""
    verdict = from_scratch_judge("softmax", SOFTMAX_FORBIDDEN)(evidence(None))
    assert not verdict.passed
    assert "was not found" in verdict.message


# ---------------------------------------------------------------- definition


def test_definition_latest_def_wins_across_cells():
    """Does definition return the latest `def` across several cells?"""
    cells = ["def f(x):\n    return 1\n", "y = 0\n", "def f(x):\n    return 2\n\ndef g():\n    pass\n"]
    assert definition("f", cells) == "def f(x):\n    return 2"


def test_definition_latest_class_wins_across_cells():
    """Does definition return the latest `class` across several cells?"""
    cells = ["class Softmax:\n    v = 1\n", "class Softmax:\n    v = 2\n", "z = 3\n"]
    assert definition("Softmax", cells) == "class Softmax:\n    v = 2"


def test_definition_latest_assignment_wins_over_earlier_def():
    """Does a later assignment (plain or annotated) replace an earlier def?"""
    cells = ["def f(x):\n    return 1\n", "f = lambda x: 2\n"]
    assert definition("f", cells) == "f = lambda x: 2"
    assert definition("n", ["n = 1", "n: int = 2"]) == "n: int = 2"


def test_definition_latest_within_one_cell_and_skips_bad_cells():
    """Does the last definition in a cell win, and a cell that does not parse get skipped?"""
    cells = ["def f():\n    return 1\n\ndef f():\n    return 2\n", "def f(:\n"]
    assert definition("f", cells) == "def f():\n    return 2"


def test_definition_of_undefined_name_is_none():
    """Is definition None for a name no cell defines at top level?"""
    assert definition("f", ["def g():\n    def f():\n        pass\n", "print(f)"]) is None


def test_loaded_names_are_the_names_read():
    """Does loaded_names list the names read, not those only assigned?"""
    assert loaded_names("y = f(x) + np.pi") == {"f", "x", "np"}
    assert loaded_names("def broken(:") == set()


# ---------------------------------------------------------------- answer_source


def test_answer_source_follows_helpers_transitively():
    """Is a helper's tf.nn.softmax found through the answer that calls it, across cells?"""
    cells = [
        "import tensorflow as tf\n",
        "def inner(z):\n    return tf.nn.softmax(z)\n",
        "def helper(z):\n    return inner(z)\n",
        "def softmax(z):\n    return helper(z)\n",
    ]
    source = answer_source(["softmax"], cells)
    assert source.startswith("def softmax(z):")
    assert "def helper(z):" in source
    assert "def inner(z):" in source
    assert delegations(source, SOFTMAX_FORBIDDEN, cells) == [("tensorflow.nn.softmax", 8)]


def test_answer_source_includes_each_definition_once():
    """Are mutually recursive helpers included once each?"""
    cells = ["def f(n):\n    return g(n - 1) if n else 0\n\ndef g(n):\n    return f(n)\n"]
    source = answer_source(["f"], cells)
    assert source.count("def f(") == 1
    assert source.count("def g(") == 1


def test_answer_source_is_none_for_an_undefined_name():
    """Is answer_source None when the answer is undefined, even if other names are?"""
    assert answer_source(["softmax"], ["def helper(z):\n    return z\n"]) is None
    assert answer_source(["softmax"], []) is None
