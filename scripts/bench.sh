#!/usr/bin/env bash
# Times tradesim against the numpy peer (benches/numpy_peer.py, the same model in numpy): the same
# scenario (benches/bench_scenario.toml), runs, seed and machine, alternating the two REPEATS times so
# that drift in the machine's speed hits both alike. Prints the peak memory of a first, untimed
# run of each, each timed run's wall time, the medians, and the ratio numpy/tradesim. Then runs
# the criterion benchmarks (benches/engine.rs and benches/floor.rs, one `cargo bench` run, about
# a minute once built) and prints their medians and the engine/floor ratio: how many times the
# cost of drawing the random numbers alone the whole engine takes, per thread count.
#
#   scripts/bench.sh [RUNS=1000000] [REPEATS=5]
#
# Needs: cargo; python3 3.11 or newer with numpy (scripts/install_numpy.sh installs numpy); GNU time
# (/usr/bin/time, Debian package `time`) for peak memory, else the figures come from getrusage and
# include the Python process that starts the command. Nothing is installed: what is missing is
# named, with how to install it, and the script stops (exit 1) unless it can do without it.
# Environment: TRADESIM=PATH times that binary instead of building one; OTHER=PATH times another
# tradesim binary too (an older build, say), alternating with the two others, and prints its
# ratio as well, so that two builds are compared in the same run; SWEEP=0 skips the sweep timings (a sweep of K points against K single runs, and a
# 10 x 10 grid; SWEEP_REPEATS, default 3, times each); CRITERION=0 skips the criterion benchmarks;
# TRADESIM_BENCH_CLOCK=cpu has them time CPU time rather than wall time
# (steadier on a busy machine; see benches/common/mod.rs). Builds go where cargo puts them
# (CARGO_TARGET_DIR is honoured).
# Peak memory against the number of runs, and a 100M-run timing: scripts/memory.sh.
# Wall times are of the whole process, as a user sees them: start-up (Python and numpy import
# for the peer) and writing the CSV files included. tradesim uses all cores by default; the peer
# is single-threaded.
# Exit status: 0 when both were timed (and the criterion benchmarks ran); 1 when either could not
# be built or run (the peer's timings are still printed when only tradesim failed).
set -euo pipefail

usage() { echo "usage: scripts/bench.sh [RUNS=1000000] [REPEATS=5]" >&2; exit 2; }
die() { echo "error: $*" >&2; exit 1; }

[[ $# -le 2 ]] || usage
RUNS=${1:-1000000}
REPEATS=${2:-5}
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || usage
[[ $REPEATS =~ ^[1-9][0-9]*$ ]] || usage

ROOT=$(git -C "$(dirname "$0")" rev-parse --show-toplevel)
cd "$ROOT"
PEER=benches/numpy_peer.py
SCENARIO=benches/bench_scenario.toml

# What the script cannot do without, checked before a minute of building.
command -v cargo >/dev/null || die "cargo is missing: install a Rust toolchain (https://rustup.rs)"
command -v python3 >/dev/null || die "python3 is missing: install Python 3.11 or newer (Debian: apt-get install python3)"
python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' ||
    die "python3 is $(python3 --version 2>&1 | cut -d' ' -f2); the numpy peer needs 3.11 or newer (it reads TOML with tomllib)"
python3 -c 'import numpy' 2>/dev/null ||
    die "numpy is missing for $(command -v python3): install it with scripts/install_numpy.sh (or python3 -m pip install numpy)"
# The binary cargo builds, wherever CARGO_TARGET_DIR or a cargo config puts it.
TARGET_DIR=$(cargo metadata --format-version 1 --no-deps --offline 2>/dev/null |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])' 2>/dev/null) ||
    TARGET_DIR=$ROOT/target
OURS=$TARGET_DIR/release/tradesim
[[ -f $PEER ]] || die "numpy peer not found at $PEER"
[[ -f $SCENARIO ]] || die "$SCENARIO not found"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Small number formatting and arithmetic, in Python to avoid bc/awk differences.
py() { python3 -c "$@"; }
# 3 significant figures (0.152, 3.41, 22.4), whole numbers from 100 on.
fmt() { py 'import sys; x = float(sys.argv[1]); print(f"{x:.0f}" if abs(x) >= 100 else f"{x:#.3g}")' "$1"; }
median() { py 'import statistics, sys; print(statistics.median(float(v) for v in sys.argv[1:]))' "$@"; }
mb() { py 'import sys; print(f"{float(sys.argv[1]) / 1024:.1f}")' "$1"; }

echo "machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name:[[:space:]]*//p' | head -n 1)"
echo "scenario: $SCENARIO, runs $RUNS, seed 1, repeats $REPEATS"

# Peak memory: GNU time when present, else `measure` reads it from getrusage(RUSAGE_CHILDREN).
if [[ -x /usr/bin/time ]] && /usr/bin/time -f %M -o /dev/null true 2>/dev/null; then
    GNU_TIME=1
else
    GNU_TIME=0
    echo "warning: GNU time (/usr/bin/time) is missing: install it for exact peak-memory figures" \
        "(Debian: apt-get install time); meanwhile they come from getrusage and include the" \
        "Python process that starts each command (about 14 MB)" >&2
fi

# measure MODE LOG CMD...: runs CMD with its output in LOG; returns CMD's status.
# MODE wall sets WALL (s): from starting the child to reaping it, timed by the Python process that
# starts it, with nothing in between (timing with `date` before and after, around GNU time, added
# about 4 ms: 3% of a tradesim run, 0.1% of a numpy one).
# MODE rss sets RSS (KB): the child's peak memory, from GNU time wrapped around it where present
# (a fork of a 1 MB process), else from getrusage, which also counts the memory of the Python
# process the child was forked from (about 14 MB). Memory and time come from separate runs.
measure() {
    local mode=$1 log=$2; shift 2
    local rc=0 figure
    rm -f "$tmp/measure"
    python3 - "$tmp/measure" "$mode" "$GNU_TIME" "$@" >"$log" 2>&1 <<'PY' || rc=$?
import resource, subprocess, sys, time
out, mode, gnu_time, cmd = sys.argv[1], sys.argv[2], sys.argv[3] == "1", sys.argv[4:]
if mode == "rss" and gnu_time:
    cmd = ["/usr/bin/time", "-f", "%M", "-o", out + ".rss", *cmd]
t0 = time.perf_counter()
rc = subprocess.call(cmd)
wall = time.perf_counter() - t0
if mode == "wall":
    figure = wall
elif gnu_time:
    # The last word: GNU time writes a line about a failed command's status before it.
    figure = open(out + ".rss").read().split()[-1]
else:
    figure = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
with open(out, "w") as f:
    f.write(f"{figure}\n")
sys.exit(rc)
PY
    if [[ -s $tmp/measure ]]; then
        read -r figure <"$tmp/measure"
        if [[ $mode == wall ]]; then WALL=$figure; else RSS=$figure; fi
    elif [[ $rc == 0 ]]; then
        rc=1 # the measuring itself failed (the log says why)
    fi
    return "$rc"
}

ours_ok=1
ours_failure=""
if [[ -n ${TRADESIM:-} ]]; then
    OURS=$TRADESIM
    [[ -x $OURS ]] || { ours_ok=0; ours_failure="TRADESIM=$OURS is not an executable"; }
elif ! cargo build --release --locked; then
    ours_ok=0
    ours_failure="cargo build --release --locked failed (see above)"
elif [[ ! -x $OURS ]]; then
    ours_ok=0
    ours_failure="the build produced no $OURS"
fi
[[ $ours_ok == 1 ]] || echo "error: $ours_failure; timing the numpy peer only" >&2

echo "numpy $(python3 -c 'import numpy; print(numpy.__version__)'), $(python3 --version)"

ours_cmd=("$OURS" run "$SCENARIO" --runs "$RUNS" --seed 1 --out "$tmp/ours" --quiet)
peer_cmd=(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE
    python3 "$PEER" "$SCENARIO" --runs "$RUNS" --seed 1 --out "$tmp/peer")

# run_ours MODE WHICH: one run of tradesim (see `measure`); returns 1 when it failed (reported,
# and tradesim is not run again) or had failed before.
run_ours() {
    [[ $ours_ok == 1 ]] || return 1
    rm -rf "$tmp/ours"
    local rc=0
    measure "$1" "$tmp/ours.log" "${ours_cmd[@]}" || rc=$?
    [[ $rc != 0 ]] || return 0
    ours_ok=0
    ours_failure="$OURS run failed (exit status $rc) in $2"
    echo "error: $ours_failure; its output:" >&2
    tail -n 20 "$tmp/ours.log" | sed 's/^/  | /' >&2
    echo "continuing with the numpy peer only" >&2
    return 1
}

# run_peer MODE WHICH: one run of the peer; stops the script if it fails.
run_peer() {
    rm -rf "$tmp/peer"
    measure "$1" "$tmp/peer.log" "${peer_cmd[@]}" && return 0
    tail -n 20 "$tmp/peer.log" | sed 's/^/  | /' >&2
    die "the numpy peer failed in $2"
}

# A first, untimed run of each gives its peak memory (and warms the file cache for both).
ours_mb=n/a
if run_ours rss "the memory run"; then ours_mb="$(mb "$RSS") MB"; fi
run_peer rss "the memory run"
echo "peak memory (a first, untimed run of each): tradesim $ours_mb, numpy $(mb "$RSS") MB"

# OTHER: another build of tradesim, timed in the same alternation.
other_walls=()
if [[ -n ${OTHER:-} ]]; then
    [[ -x $OTHER ]] || die "OTHER=$OTHER is not an executable"
    other_cmd=("$OTHER" run "$SCENARIO" --runs "$RUNS" --seed 1 --out "$tmp/other" --quiet)
fi

ours_walls=() peer_walls=()
for ((i = 1; i <= REPEATS; i++)); do
    line="repeat $i/$REPEATS:"
    if run_ours wall "repeat $i"; then
        ours_walls+=("$WALL")
        line+=" tradesim $(fmt "$WALL") s,"
    fi
    if [[ -n ${OTHER:-} ]]; then
        rm -rf "$tmp/other"
        measure wall "$tmp/other.log" "${other_cmd[@]}" || die "OTHER failed in repeat $i"
        other_walls+=("$WALL")
        line+=" other $(fmt "$WALL") s,"
    fi
    run_peer wall "repeat $i"
    peer_walls+=("$WALL")
    line+=" numpy $(fmt "$WALL") s (it reports: $(tail -n 1 "$tmp/peer.log"))"
    echo "$line"
done

peer_med=$(median "${peer_walls[@]}")
if [[ $ours_ok == 1 ]]; then
    ours_med=$(median "${ours_walls[@]}")
    ratio=$(py 'import sys; print(float(sys.argv[2]) / float(sys.argv[1]))' "$ours_med" "$peer_med")
    echo "median wall: tradesim $(fmt "$ours_med") s, numpy $(fmt "$peer_med") s, ratio $(fmt "$ratio")x"
    if [[ -n ${OTHER:-} ]]; then
        other_med=$(median "${other_walls[@]}")
        other_ratio=$(py 'import sys; print(float(sys.argv[2]) / float(sys.argv[1]))' "$other_med" "$peer_med")
        change=$(py 'import sys; print(100 * (float(sys.argv[1]) / float(sys.argv[2]) - 1))' "$ratio" "$other_ratio")
        echo "median wall: other ($OTHER) $(fmt "$other_med") s, ratio $(fmt "$other_ratio")x;" \
            "tradesim's ratio differs from it by $(fmt "$change")%"
    fi
    # A speed figure means little if the answers differ: compare P(reached by the horizon).
    py '
import csv, math, sys
def reached(path):
    rows = list(csv.DictReader(open(path)))
    return float(rows[-1]["prob_reached_by"])
n = int(sys.argv[3])
try:
    a, b = reached(sys.argv[1]), reached(sys.argv[2])
except (OSError, KeyError, IndexError, ValueError) as e:
    print(f"warning: could not compare the answers: {e}", file=sys.stderr); sys.exit(0)
se = math.sqrt(max(a * (1 - a) + b * (1 - b), 1e-300) / n)
note = "" if abs(a - b) <= 4 * se else "  WARNING: they differ by more than 4 standard errors"
print(f"prob_reached: tradesim {a:.4f}, numpy {b:.4f} (difference {abs(a - b) / se:.1f} se){note}")
' "$tmp/ours/bench/first_passage.csv" "$tmp/peer/first_passage.csv" "$RUNS"
else
    echo "median wall: tradesim n/a, numpy $(fmt "$peer_med") s, ratio n/a"
    die "no tradesim timing: $ours_failure"
fi

# Sweeps (issue 19): a sweep of K points against K single runs of the same size (at most 1.1x),
# and a two-key grid of 10 x 10 points at 100,000 runs each (under 5 s), charts and report
# included, as a user runs them. Medians of SWEEP_REPEATS (default 3) wall times, about 15 s in
# all on 2 cores. SWEEP=0 skips it.
if [[ ${SWEEP:-1} != 0 ]]; then
    sweep_repeats=${SWEEP_REPEATS:-3}
    [[ $sweep_repeats =~ ^[1-9][0-9]*$ ]] || die "SWEEP_REPEATS must be a whole number >= 1"
    k_values=(0.10 0.15 0.20 0.30)
    k=${#k_values[@]}
    k_runs=1000000
    k_list=$(IFS=,; echo "${k_values[*]}")
    echo "sweeps ($SCENARIO, seed 1, medians of $sweep_repeats):"
    # time_median LABEL CMD...: prints nothing, sets MEDIAN to the median wall time of CMD.
    time_median() {
        local label=$1 walls=() i
        shift
        for ((i = 1; i <= sweep_repeats; i++)); do
            rm -rf "$tmp/sweep"
            measure wall "$tmp/sweep.log" "$@" || {
                tail -n 20 "$tmp/sweep.log" | sed 's/^/  | /' >&2
                die "$label failed"
            }
            walls+=("$WALL")
        done
        MEDIAN=$(median "${walls[@]}")
    }
    time_median "a single run" "$OURS" run "$SCENARIO" --runs "$k_runs" --seed 1 --out "$tmp/sweep" --quiet
    single=$MEDIAN
    time_median "a sweep of $k points" "$OURS" sweep "$SCENARIO" --vary "growth.mean=$k_list" \
        --runs "$k_runs" --seed 1 --out "$tmp/sweep" --quiet
    swept=$MEDIAN
    ratio=$(py 'import sys; print(float(sys.argv[1]) / (int(sys.argv[3]) * float(sys.argv[2])))' "$swept" "$single" "$k")
    echo "  sweep of $k points x $k_runs runs: $(fmt "$swept") s; $k single runs: $k x $(fmt "$single") s;" \
        "ratio $(fmt "$ratio")x (goal: at most 1.1x)"
    time_median "the 10 x 10 grid" "$OURS" sweep "$SCENARIO" --vary growth.mean=0.05:0.5:0.05 \
        --vary growth.sd=0.05:0.5:0.05 --runs 100000 --seed 1 --out "$tmp/sweep" --quiet
    echo "  grid of 10 x 10 points x 100000 runs (growth.mean x growth.sd): $(fmt "$MEDIAN") s (goal: under 5 s)"
fi

[[ ${CRITERION:-1} != 0 ]] || exit 0
# Criterion: engine and floor from one run, so that both see the same state of the machine.
# Results are read from criterion's estimates.json files newer than this run's start.
if [[ ${TRADESIM_BENCH_CLOCK:-} == cpu ]]; then clock=cpu; else clock=wall; fi
echo "criterion (benches/engine.rs, benches/floor.rs; 100000 runs; medians of $clock time):"
touch "$tmp/stamp"
if ! cargo bench --locked --bench engine --bench floor >"$tmp/criterion.log" 2>&1; then
    tail -n 30 "$tmp/criterion.log" | sed 's/^/  | /' >&2
    die "cargo bench --bench engine --bench floor failed"
fi
py '
import json, os, sys
root, stamp, suffix = sys.argv[1], os.path.getmtime(sys.argv[2]), sys.argv[3]
def median(bench):
    group, rest = bench.split("/", 1)
    bench = f"{group}{suffix}/{rest}"
    path = os.path.join(root, bench, "new", "estimates.json")
    if not os.path.exists(path) or os.path.getmtime(path) < stamp:
        sys.exit(f"error: no fresh criterion result for {bench} ({path})")
    seconds = json.load(open(path))["median"]["point_estimate"] / 1e9
    info = json.load(open(os.path.join(root, bench, "new", "benchmark.json")))
    elements = (info.get("throughput") or {}).get("Elements")
    return seconds, elements
def show(bench):
    s, n = median(bench)
    rate = f", {n / s / 1e6:.1f} M path-years/s" if n else ""
    print(f"  {bench}: {s * 1e3:.3g} ms{rate}")
    return s
show("summary/new")
for threads in (1, 2):
    engine = show(f"engine/simulate/{threads}")
    every = show(f"floor/every_year/{threads}")
    window = show(f"floor/in_window/{threads}")
    show(f"floor/growth_only/{threads}")
    print(f"  engine/floor at {threads} thread(s): {engine / every:.2f}x the every-year floor, "
          f"{engine / window:.2f}x the in-window floor")
' "$TARGET_DIR/criterion" "$tmp/stamp" "$([[ $clock == cpu ]] && echo _cpu || true)"
