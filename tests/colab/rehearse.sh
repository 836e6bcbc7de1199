#!/usr/bin/env bash
# Colab rehearsal: run the three released labs as a student would on Google Colab, with
# the reference answers filled in, on Colab's Python 3.13 runtime versions.
#
# What it proves (outside the default test suite; docs/design.md section 6):
#   - the student bundle made by `python -m autograder release` builds into an installable package;
#   - each lab's OWN install cell (`%pip install -q "dnn-week3-labs @ ..."`, run only when google.colab
#     is loaded) installs it into a Python 3.13 environment holding Colab's pins
#     (tensorflow 2.20.0, keras 3.13.2, numpy 2.1.3, ipython 7.34.0, ipykernel 6.17.1,
#     nbclient 0.10.4) WITHOUT changing any of them (pip freeze before/after, pip check);
#   - each lab runs top to bottom in an ipykernel 6.17 / IPython 7.34 kernel, with no error output;
#     every public test cell returns its full points, every hidden test cell says it runs when the
#     instructor grades, and the last cell reports "Every public check passes" and downloads
#     <lab>.ipynb through (a stand-in of) Colab's front end.
#
# How to run (from anywhere; it finds the repository from its own path):
#   bash tests/colab/rehearse.sh                  # full mode, as a student runs the labs
#   LAB_QUICK=1 bash tests/colab/rehearse.sh      # the labs' quick mode (fewer epochs)
# It downloads about 700 MB from PyPI (TensorFlow for Python 3.13 and friends) and takes some
# minutes (most of it the install and the full-mode labs on CPU).
#
# Environment (all optional):
#   PYTHON313       a Python 3.13 interpreter (default: pyenv's 3.13, else python3.13 on PATH)
#   REHEARSAL_DIR   the work folder (default: a new `mktemp -d`); it must be empty or absent
#   REHEARSAL_CELL_TIMEOUT  seconds a cell may run (default 600)
#   LAB_QUICK       passed through to the kernels (unset: full mode)
#
# It writes only into the work folder: the venv, the bundle (`release` writes only into its
# DEST), the wheel, the run folders, the executed notebooks and the logs. The repository is not
# modified. The development environment's `python` (which has this repository installed) makes
# the bundle and fills in the answers; the venv's python runs the kernels.
# Exit status: 0 when every check passes, 1 when a check fails, 2 when set-up fails.

set -euo pipefail

LABS=(hyperparameter_search batch_norm softmax_regression)
BUNDLE_REPO=colab-rehearsal/dnn-week3
BUNDLE_BRANCH=main
# Colab's versions (googlecolab/backend-info, Python 3.13 runtime): the ones that must not move.
PINS=(tensorflow==2.20.0 keras==3.13.2 numpy==2.1.3 ipython==7.34.0 ipykernel==6.17.1 nbclient==0.10.4)
# Also on Colab and used by the labs or the package: unpinned, resolved together with the pins.
EXTRAS=(matplotlib scipy nbformat)
CELL_TIMEOUT="${REHEARSAL_CELL_TIMEOUT:-600}"

die() { echo "rehearse.sh: $*" >&2; exit 2; }
step() { echo; echo "=== $* ==="; }

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
HELPER="$HERE/rehearse_labs.py"
STAND_IN="$HERE/stand_in"
[[ -f "$REPO/pyproject.toml" && -d "$REPO/autograder" ]] || die "cannot find the repository above $HERE"
[[ -f "$STAND_IN/google/colab/__init__.py" ]] || die "the google.colab stand-in is missing: $STAND_IN"

# --- interpreters -----------------------------------------------------------------------------
find_python313() {
    if [[ -n "${PYTHON313:-}" ]]; then
        [[ -x "$PYTHON313" ]] || die "PYTHON313=$PYTHON313 is not an executable"
        echo "$PYTHON313"; return
    fi
    if command -v pyenv >/dev/null 2>&1; then
        local prefix root candidate
        if prefix="$(pyenv prefix 3.13 2>/dev/null)" && [[ -x "$prefix/bin/python3.13" ]]; then
            echo "$prefix/bin/python3.13"; return
        fi
        if root="$(pyenv root 2>/dev/null)"; then
            for candidate in "$root"/versions/3.13*/bin/python3.13; do
                [[ -x "$candidate" ]] && { echo "$candidate"; return; }
            done
        fi
    fi
    if command -v python3.13 >/dev/null 2>&1 && python3.13 -c 'import sys; assert sys.version_info[:2] == (3, 13)' 2>/dev/null; then
        command -v python3.13; return
    fi
    die "no Python 3.13 found: set PYTHON313=/path/to/python3.13, install it with pyenv (pyenv install 3.13), or put python3.13 on PATH"
}
PY313="$(find_python313)"
"$PY313" -c 'import sys, venv, ssl; assert sys.version_info[:2] == (3, 13), sys.version' \
    || die "$PY313 is not a usable Python 3.13 (needs venv and ssl)"
DEV_PY="$(command -v python || true)"
[[ -n "$DEV_PY" ]] || die "no development 'python' on PATH (the one with this repository installed)"
(cd "$REPO" && "$DEV_PY" -c 'import autograder.integrations.release, autograder.engine.cells, nbformat') \
    || die "the development python ($DEV_PY) cannot import autograder: install the repository (pip install -e .)"

# --- work folder --------------------------------------------------------------------------------
if [[ -n "${REHEARSAL_DIR:-}" ]]; then
    mkdir -p "$REHEARSAL_DIR"
    [[ -z "$(ls -A "$REHEARSAL_DIR")" ]] || die "REHEARSAL_DIR=$REHEARSAL_DIR is not empty"
    WORK="$(cd "$REHEARSAL_DIR" && pwd -P)"
else
    WORK="$(cd "$(mktemp -d -t colab-rehearsal.XXXXXX)" && pwd -P)"
fi
case "$WORK/" in "$REPO"/*) die "the work folder $WORK must be outside the repository";; esac
VENV="$WORK/venv"
VPY="$VENV/bin/python"
STARTED=$SECONDS
echo "Colab rehearsal"
echo "  repository:       $REPO"
echo "  work folder:      $WORK"
echo "  Python 3.13:      $PY313 ($("$PY313" -c 'import sys; print(sys.version.split()[0])'))"
echo "  development python: $DEV_PY ($("$DEV_PY" -c 'import sys; print(sys.version.split()[0])'))"
echo "  mode:             $([[ "${LAB_QUICK:-}" == 1 ]] && echo "quick (LAB_QUICK=1)" || echo full)"
REPO_STATUS_BEFORE="$(git -C "$REPO" status --porcelain 2>/dev/null | grep -v '^?? tests/colab/rehearse' || true)"

# --- 1. the venv with Colab's pins ----------------------------------------------------------------
step "1. Python 3.13 venv with Colab's pinned versions"
"$PY313" -m venv "$VENV" || die "cannot create a venv with $PY313"
"$VPY" -m pip freeze --all > "$WORK/freeze-empty.txt"
echo "pip install ${PINS[*]} ${EXTRAS[*]}"
if ! "$VPY" -m pip install "${PINS[@]}" "${EXTRAS[@]}" > "$WORK/pip-install.log" 2>&1; then
    tail -n 40 "$WORK/pip-install.log" >&2
    echo "rehearse.sh: the pinned install failed; trying each pin alone to name the one that cannot be installed:" >&2
    for pin in "${PINS[@]}"; do
        "$VPY" -m pip download -q --no-deps --only-binary=:all: -d "$WORK/probe" "$pin" >/dev/null 2>&1 \
            && echo "  $pin: a wheel for this Python exists" >&2 \
            || echo "  $pin: NO installable wheel for Python 3.13 on this platform" >&2
    done
    exit 2
fi
grep -E '^Successfully installed' "$WORK/pip-install.log" | fold -s -w 110 || true
"$VPY" -m pip freeze > "$WORK/freeze-before.txt"
echo "pip freeze (before the lab installs the package): $(wc -l < "$WORK/freeze-before.txt") lines -> $WORK/freeze-before.txt"
for pin in "${PINS[@]}"; do
    grep -qixF "$pin" "$WORK/freeze-before.txt" || die "after the install, $pin is not what pip freeze shows: $(grep -i "^${pin%%==*}==" "$WORK/freeze-before.txt" || echo absent)"
done
if grep -qi '^autograder' "$WORK/freeze-before.txt"; then die "autograder is already in the fresh venv"; fi

# --- 2. the student bundle and its wheel ----------------------------------------------------------
step "2. Student bundle (python -m autograder release) and its wheel"
BUNDLE_SOURCE="$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo "?") + $(git -C "$REPO" status --porcelain 2>/dev/null | wc -l) uncommitted entries, at $(date -u +%H:%M:%SZ)"
echo "made from the working tree: $BUNDLE_SOURCE"
(cd "$REPO" && env -u AUTOGRADER_COURSE_ROOT "$DEV_PY" -m autograder release "$WORK/bundle" \
    --repo "$BUNDLE_REPO" --branch "$BUNDLE_BRANCH") || die "python -m autograder release failed"
"$VPY" -m pip wheel -q --no-deps "$WORK/bundle" -w "$WORK/wheels" > "$WORK/pip-wheel.log" 2>&1 \
    || { cat "$WORK/pip-wheel.log" >&2; die "cannot build a wheel of the bundle"; }
shopt -s nullglob
WHEELS=("$WORK"/wheels/dnn_week3_labs-*.whl)
shopt -u nullglob
[[ ${#WHEELS[@]} -eq 1 ]] || die "expected one autograder wheel in $WORK/wheels, found ${#WHEELS[@]}"
WHEEL="${WHEELS[0]}"
echo "wheel: $WHEEL"

# --- 3. the filled labs ---------------------------------------------------------------------------
step "3. Released labs with the reference answers, install cell pointed at the wheel"
(cd "$REPO" && "$DEV_PY" "$HELPER" prepare "$REPO" "$WORK/bundle" "$WHEEL" "$WORK/run" "${LABS[@]}") \
    || die "cannot prepare the filled labs"

# --- 4. kernels as on Colab -----------------------------------------------------------------------
# A private kernelspec "python3" (JUPYTER_PATH comes first) that names the venv's interpreter
# explicitly; a private IPYTHONDIR whose startup file imports google.colab, as Colab's runtime does.
mkdir -p "$WORK/jupyter/kernels/python3" "$WORK/ipython/profile_default/startup" \
         "$WORK/jupyter-runtime" "$WORK/jupyter-data" "$WORK/jupyter-config" "$WORK/mpl" "$WORK/executed"
cat > "$WORK/jupyter/kernels/python3/kernel.json" <<EOF
{"argv": ["$VPY", "-m", "ipykernel_launcher", "-f", "{connection_file}"],
 "display_name": "Python 3 (Colab rehearsal)", "language": "python"}
EOF
echo "import google.colab  # Colab imports it when the runtime starts" \
    > "$WORK/ipython/profile_default/startup/00-colab.py"

declare -A WALL RESULT
STATUS=0
for lab in "${LABS[@]}"; do
    step "4. $lab: run top to bottom in the venv's kernel"
    run_folder="$WORK/run/$lab"
    downloads="$WORK/downloads-$lab.txt"
    : > "$downloads"
    # Each Colab runtime starts without the package: remove the one an earlier lab installed, so
    # that this lab's own install cell must install it.
    "$VPY" -m pip uninstall -y -q autograder >/dev/null 2>&1 || true
    if (cd "$WORK" && "$VPY" -c 'import autograder' >/dev/null 2>&1); then die "autograder is importable in the venv before $lab runs"; fi
    lab_started=$SECONDS
    # The kernel inherits this environment; no AUTOGRADER_COURSE_ROOT, LAB_QUICK only if given.
    if ! (cd "$run_folder" && env -u AUTOGRADER_COURSE_ROOT \
            PYTHONPATH="$STAND_IN" IPYTHONDIR="$WORK/ipython" \
            JUPYTER_PATH="$WORK/jupyter" JUPYTER_DATA_DIR="$WORK/jupyter-data" \
            JUPYTER_CONFIG_DIR="$WORK/jupyter-config" JUPYTER_RUNTIME_DIR="$WORK/jupyter-runtime" \
            MPLCONFIGDIR="$WORK/mpl" \
            COLAB_STAND_IN_NOTEBOOK="$run_folder/$lab.ipynb" COLAB_STAND_IN_DOWNLOADS="$downloads" \
            "$VPY" "$HELPER" execute "$run_folder/$lab.ipynb" "$run_folder" "$WORK/executed/$lab.ipynb" \
            "$CELL_TIMEOUT"); then
        echo "FAIL $lab: the notebook did not run to the end (see above)"
        STATUS=1
    fi
    WALL[$lab]=$((SECONDS - lab_started))
    if ! "$VPY" -m pip show -q autograder >/dev/null 2>&1; then
        echo "FAIL $lab: after the run, autograder is not installed in the venv: the install cell did not install it"
        STATUS=1
    fi
    step "5. $lab: checks"
    if [[ -f "$WORK/executed/$lab.ipynb" ]]; then
        (cd "$WORK" && env -u AUTOGRADER_COURSE_ROOT "$DEV_PY" "$HELPER" check "$lab" \
            "$WORK/executed/$lab.ipynb" "$run_folder" "$downloads") | tee "$WORK/check-$lab.log" || STATUS=1
        RESULT[$lab]="$(grep '^RESULT ' "$WORK/check-$lab.log" | tail -n 1 | cut -d' ' -f2- || true)"
    else
        RESULT[$lab]='{"ok": false, "public": "-", "versions": {}, "failed": ["no executed notebook"]}'
        STATUS=1
    fi
done

# --- 5. the pins did not move ---------------------------------------------------------------------
step "5. pip freeze after the labs, pip check"
"$VPY" -m pip freeze > "$WORK/freeze-after.txt"
FREEZE_DIFF="$(diff "$WORK/freeze-before.txt" "$WORK/freeze-after.txt" || true)"
echo "${FREEZE_DIFF:-(no difference)}"
PIN_LINES=()
for pin in "${PINS[@]}"; do
    name="${pin%%==*}"
    now="$(grep -i "^${name}==" "$WORK/freeze-after.txt" || echo "$name absent")"
    if [[ "${now,,}" == "${pin,,}" ]]; then PIN_LINES+=("$now ok"); else PIN_LINES+=("$now FAIL (pin $pin)"); STATUS=1; fi
done
UNEXPECTED="$(printf '%s\n' "$FREEZE_DIFF" | grep -E '^[<>]' | grep -viE '^> autograder( @ |==)' || true)"
ADDED_AUTOGRADER="$(printf '%s\n' "$FREEZE_DIFF" | grep -iE '^> autograder( @ |==)' || true)"
if [[ -n "$UNEXPECTED" ]]; then echo "FAIL pip freeze changed beyond the autograder line:"; echo "$UNEXPECTED"; STATUS=1; fi
if [[ -z "$ADDED_AUTOGRADER" ]]; then echo "FAIL the labs' install cell did not add autograder to the venv"; STATUS=1; fi
if PIP_CHECK="$("$VPY" -m pip check 2>&1)"; then PIP_CHECK_OK=ok; else PIP_CHECK_OK=FAIL; STATUS=1; fi
echo "pip check: $PIP_CHECK"

REPO_STATUS_AFTER="$(git -C "$REPO" status --porcelain 2>/dev/null | grep -v '^?? tests/colab/rehearse' || true)"
REPO_NOTE="git status unchanged during the run"
if [[ "$REPO_STATUS_BEFORE" != "$REPO_STATUS_AFTER" ]]; then
    # Others may edit or commit in this checkout meanwhile: report it, do not fail (this script
    # writes only under $WORK).
    diff <(echo "$REPO_STATUS_BEFORE") <(echo "$REPO_STATUS_AFTER") > "$WORK/git-status.diff" || true
    REPO_NOTE="git status changed during the run ($(grep -c '^[<>]' "$WORK/git-status.diff") entries; others edit this checkout; this script writes only under the work folder): $WORK/git-status.diff"
fi

# --- 6. report ------------------------------------------------------------------------------------
FIRST_RESULT="${RESULT[${LABS[0]}]}"
echo
echo "==================== Colab rehearsal: final report ===================="
"$DEV_PY" - "$FIRST_RESULT" <<'EOF'
import json, sys
v = json.loads(sys.argv[1]).get("versions") or {}
if v:
    print(f"kernel: Python {v['python']} ({v['executable']})")
    print(f"        tensorflow {v['tensorflow']}, keras {v['keras']}, numpy {v['numpy']}, "
          f"IPython {v['IPython']}, ipykernel {v['ipykernel']}")
    print(f"        autograder {v['autograder']} from {v['autograder_file']}")
    print(f"        google.colab stand-in: {v['google.colab']}")
else:
    print("kernel: versions not reported (see the FAIL lines above)")
EOF
printf '%-24s %-7s %-8s %-14s %s\n' lab result public "hidden said" "wall time"
for lab in "${LABS[@]}"; do
    "$DEV_PY" - "$lab" "${RESULT[$lab]}" "${WALL[$lab]}" <<'EOF'
import json, sys
lab, r, wall = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3]
kernel = r.get("wall_s")
print(f"{lab:<24} {'PASS' if r.get('ok') else 'FAIL':<7} {r.get('public', '-'):<8} {r.get('hidden', '-'):<14} "
      f"{kernel if kernel is not None else '-'} s in nbclient ({wall} s the whole step)")
for failure in r.get("failed", []):
    print(f"    FAIL {failure}")
EOF
done
echo "bundle made from:      $BUNDLE_SOURCE"
echo "pins after the labs:   ${PIN_LINES[*]}"
echo "pip freeze diff (before the install cell -> after all labs):"
echo "${FREEZE_DIFF:-  (no difference)}" | sed 's/^/  /'
echo "pip check:             $PIP_CHECK_OK ($PIP_CHECK)"
echo "repository:            $REPO_NOTE"
echo "mode:                  $([[ "${LAB_QUICK:-}" == 1 ]] && echo "quick (LAB_QUICK=1)" || echo full)"
echo "total time:            $((SECONDS - STARTED)) s; work folder $WORK"
if [[ $STATUS -eq 0 ]]; then echo "RESULT: PASS"; else echo "RESULT: FAIL"; fi
exit $STATUS
