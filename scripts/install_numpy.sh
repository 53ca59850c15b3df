#!/usr/bin/env bash
# Installs numpy for the benchmark peer (shared/bench/numpy_peer.py), only when it is missing.
set -euo pipefail
if ! python3 -c 'import numpy' >/dev/null 2>&1; then
    python3 -m pip install --quiet numpy
fi
