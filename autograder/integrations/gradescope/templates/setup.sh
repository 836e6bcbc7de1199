#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder's image.
# Written by `python -m autograder gradescope` (autograder @@VERSION@@).
# Pick an Ubuntu 22.04 or later base image (Python >= 3.10) and at least 4 GB of memory.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
VENV="${AUTOGRADER_VENV:-@@VENV@@}"

# A virtual environment: newer Ubuntu images refuse pip installs into the system Python.
if ! python3 -c "import ensurepip" >/dev/null 2>&1; then
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3 python3-venv python3-pip
fi
python3 -m venv "$VENV"
"$VENV/bin/python" -m pip install --no-cache-dir --upgrade pip
"$VENV/bin/python" -m pip install --no-cache-dir -r requirements.txt
TF_CPP_MIN_LOG_LEVEL=3 "$VENV/bin/python" -c \
    "import autograder, keras; print('autograder', autograder.__version__, 'with Keras', keras.__version__)"
