#!/usr/bin/env bash
# Checks that tradesim's memory does not grow with the number of runs, and times a very long run.
# On benches/bench_scenario.toml (seed 1, all cores, --quiet, CSV files written to a temporary
# folder), with the release binary:
#
# 1. peak resident memory at --runs 100000 and at --runs 5000000; passes when
#    peak(5M) <= 1.25 * peak(100k) + 16 MB (the engine keeps one batch per thread and the
#    statistics are sketches, so nothing should scale with the runs);
# 2. the wall time (and peak memory) of one --runs 100000000 (skip it with LONG=0).
# CPU time (user + system) is printed beside each wall time: on a busy machine, wall time well
# above CPU time / cores means tradesim was waiting for a core.
#
# Needs cargo and python3. Figures come from GNU time (/usr/bin/time, Debian package `time`) when
# present; without it, from getrusage in the Python process that starts tradesim, whose peak
# memory then includes that process's own (about 14 MB, printed as the floor): the check still
# runs, but cannot see growth below that floor. Nothing is installed.
#
#   scripts/memory.sh
#
# Exit status: 0 when the memory check passed; 1 when it failed or anything could not be built
# or run.
set -euo pipefail

[[ $# -eq 0 ]] || { echo "usage: scripts/memory.sh   (LONG=0 skips the 100M-run timing)" >&2; exit 2; }
die() { echo "error: $*" >&2; exit 1; }

command -v cargo >/dev/null || die "cargo is missing: install a Rust toolchain (https://rustup.rs)"
command -v python3 >/dev/null || die "python3 is missing: install it (Debian: apt-get install python3)"
ROOT=$(git -C "$(dirname "$0")" rev-parse --show-toplevel)
cd "$ROOT"
SCENARIO=benches/bench_scenario.toml
[[ -f $SCENARIO ]] || die "$SCENARIO not found"
# The binary cargo builds, wherever CARGO_TARGET_DIR or a cargo config puts it.
TARGET_DIR=$(cargo metadata --format-version 1 --no-deps --offline 2>/dev/null |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])' 2>/dev/null) ||
    TARGET_DIR=$ROOT/target
OURS=$TARGET_DIR/release/tradesim

if /usr/bin/time -f %M -o /dev/null true 2>/dev/null; then
    GNU_TIME=1
else
    GNU_TIME=0
    echo "warning: GNU time (/usr/bin/time) is missing: install it for exact peak-memory figures" \
        "(Debian: apt-get install time); meanwhile they come from getrusage and include the" \
        "Python process that starts tradesim" >&2
fi

cargo build --release --locked || die "cargo build --release --locked failed"
[[ -x $OURS ]] || die "the build produced no $OURS"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

py() { python3 -c "$@"; }
mb() { py 'import sys; print(f"{float(sys.argv[1]) / 1024:.1f}")' "$1"; }

# timed CMD...: runs CMD with its output in $tmp/log and writes "wall user system peak-KB" as the
# last line of $tmp/time; returns CMD's status.
timed() {
    if [[ $GNU_TIME == 1 ]]; then
        /usr/bin/time -f '%e %U %S %M' -o "$tmp/time" "$@" >"$tmp/log" 2>&1
    else
        python3 - "$tmp/time" "$@" >"$tmp/log" 2>&1 <<'PY'
import resource, subprocess, sys, time
out, cmd = sys.argv[1], sys.argv[2:]
t0 = time.perf_counter()
rc = subprocess.call(cmd)
wall = time.perf_counter() - t0
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
with open(out, "w") as f:
    f.write(f"{wall:.2f} {ru.ru_utime:.2f} {ru.ru_stime:.2f} {ru.ru_maxrss}\n")
sys.exit(rc)
PY
    fi
}

# measure RUNS: runs tradesim once; sets WALL (s), CPU (user + system, s) and RSS (KB).
measure() {
    local runs=$1 rc=0
    rm -rf "$tmp/out"
    timed "$OURS" run "$SCENARIO" --runs "$runs" --seed 1 --quiet -o "$tmp/out" || rc=$?
    if [[ $rc != 0 ]]; then
        tail -n 20 "$tmp/log" | sed 's/^/  | /' >&2
        die "$OURS run --runs $runs failed (exit status $rc)"
    fi
    local user sys
    read -r WALL user sys RSS < <(tail -n 1 "$tmp/time")
    CPU=$(py 'import sys; print(f"{float(sys.argv[1]) + float(sys.argv[2]):.2f}")' "$user" "$sys")
}

echo "machine: $(nproc) cores; scenario: $SCENARIO, seed 1"
if [[ $GNU_TIME == 0 ]]; then
    timed true || { cat "$tmp/log" >&2; die "could not time a command with python3"; }
    read -r _ _ _ floor < <(tail -n 1 "$tmp/time")
    echo "peak memory from getrusage: every figure is at least the launcher's $(mb "$floor") MB"
fi
measure 100000
small=$RSS
echo "runs 100000: peak $(mb "$small") MB, wall $WALL s (cpu $CPU s)"
measure 5000000
large=$RSS
echo "runs 5000000: peak $(mb "$large") MB, wall $WALL s (cpu $CPU s)"
limit=$(py 'import sys; print(int(1.25 * int(sys.argv[1]) + 16 * 1024))' "$small")
if ((large <= limit)); then
    verdict="PASS"
else
    verdict="FAIL"
fi
echo "memory check: peak(5M) $(mb "$large") MB <= 1.25 * peak(100k) + 16 MB = $(mb "$limit") MB: $verdict"

if [[ ${LONG:-1} != 0 ]]; then
    measure 100000000
    echo "runs 100000000: wall $WALL s (cpu $CPU s on $(nproc) cores), peak $(mb "$RSS") MB"
fi
[[ $verdict == PASS ]] || exit 1
