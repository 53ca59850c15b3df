#!/usr/bin/env bash
# Checks that tradesim's memory does not grow with the number of runs, and times a very long run.
# On benches/bench_scenario.toml (seed 1, all cores, --quiet, CSV files written to a temporary
# folder), with the release binary:
#
# 1. peak resident memory (GNU time's %M) at --runs 100000 and at --runs 5000000; passes when
#    peak(5M) <= 1.25 * peak(100k) + 16 MB (the engine keeps one batch per thread and the
#    statistics are sketches, so nothing should scale with the runs);
# 2. the wall time (and peak memory) of one --runs 100000000 (skip it with LONG=0).
# CPU time (user + system) is printed beside each wall time: on a busy machine, wall time well
# above CPU time / cores means tradesim was waiting for a core.
#
#   scripts/memory.sh
#
# Exit status: 0 when the memory check passed; 1 when it failed or anything could not be built
# or run.
set -euo pipefail

[[ $# -eq 0 ]] || { echo "usage: scripts/memory.sh   (LONG=0 skips the 100M-run timing)" >&2; exit 2; }
die() { echo "error: $*" >&2; exit 1; }

ROOT=$(git -C "$(dirname "$0")" rev-parse --show-toplevel)
cd "$ROOT"
SCENARIO=benches/bench_scenario.toml
[[ -f $SCENARIO ]] || die "$SCENARIO not found"
# The binary cargo builds, wherever CARGO_TARGET_DIR or a cargo config puts it.
TARGET_DIR=$(cargo metadata --format-version 1 --no-deps --offline 2>/dev/null |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])' 2>/dev/null) ||
    TARGET_DIR=$ROOT/target
OURS=$TARGET_DIR/release/tradesim

if [[ ! -x /usr/bin/time ]] && command -v apt-get >/dev/null && [[ $(id -u) -eq 0 ]]; then
    echo "installing Debian package 'time' for peak-memory figures" >&2
    { apt-get install -y -qq time || { apt-get update -qq && apt-get install -y -qq time; }; } \
        >/dev/null 2>&1 || true
fi
/usr/bin/time -f %M -o /dev/null true 2>/dev/null || die "GNU time (/usr/bin/time) is needed"

cargo build --release --locked || die "cargo build --release --locked failed"
[[ -x $OURS ]] || die "the build produced no $OURS"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

py() { python3 -c "$@"; }
mb() { py 'import sys; print(f"{float(sys.argv[1]) / 1024:.1f}")' "$1"; }

# measure RUNS: runs tradesim once; sets WALL (s), CPU (user + system, s) and RSS (KB).
measure() {
    local runs=$1 rc=0
    rm -rf "$tmp/out"
    /usr/bin/time -f '%e %U %S %M' -o "$tmp/time" \
        "$OURS" run "$SCENARIO" --runs "$runs" --seed 1 --quiet -o "$tmp/out" >"$tmp/log" 2>&1 || rc=$?
    if [[ $rc != 0 ]]; then
        tail -n 20 "$tmp/log" | sed 's/^/  | /' >&2
        die "$OURS run --runs $runs failed (exit status $rc)"
    fi
    local user sys
    read -r WALL user sys RSS < <(tail -n 1 "$tmp/time")
    CPU=$(py 'import sys; print(f"{float(sys.argv[1]) + float(sys.argv[2]):.2f}")' "$user" "$sys")
}

echo "machine: $(nproc) cores; scenario: $SCENARIO, seed 1"
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
