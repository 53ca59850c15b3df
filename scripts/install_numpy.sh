#!/usr/bin/env bash
# Installs numpy for the benchmark's peer (benches/numpy_peer.py, run by scripts/bench.sh) into
# the python3 on PATH, with pip, only when it is missing. Prints the version it finds or installs.
#
#   scripts/install_numpy.sh
#
# Exit status: 0 when numpy can be imported afterwards; 1 otherwise, saying what to do. On a
# Python whose pip refuses to install into it (a distribution's "externally managed" Python),
# install the distribution's package instead (Debian: apt-get install python3-numpy) or use a
# virtual environment.
set -euo pipefail

die() { echo "error: $*" >&2; exit 1; }

command -v python3 >/dev/null || die "python3 is missing: install Python 3.11 or newer (Debian: apt-get install python3)"
if ! python3 -c 'import numpy' >/dev/null 2>&1; then
    python3 -m pip --version >/dev/null 2>&1 ||
        die "pip is missing for $(command -v python3): install it (Debian: apt-get install python3-pip), or install numpy another way (Debian: apt-get install python3-numpy)"
    echo "installing numpy with pip for $(command -v python3)" >&2
    python3 -m pip install --quiet numpy ||
        die "pip could not install numpy (see above); on a distribution's Python, try its package (Debian: apt-get install python3-numpy) or a virtual environment"
fi
echo "numpy $(python3 -c 'import numpy; print(numpy.__version__)')"
