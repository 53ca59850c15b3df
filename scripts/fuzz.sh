#!/usr/bin/env bash
# Fuzzes the scenario parser and the engine behind it (fuzz/fuzz_targets/parse.rs).
#
#   scripts/fuzz.sh [SECONDS=300] [extra libFuzzer flags...]
#
# Installs cargo-fuzz if it is missing, then runs the `parse` target at the lowest CPU priority
# for SECONDS, starting from the committed seeds (fuzz/seeds/parse) and the working corpus
# (fuzz/corpus/parse, not committed). Crashes land in fuzz/artifacts/parse/; minimise one with
#   RUSTC_BOOTSTRAP=1 cargo fuzz tmin -s none parse fuzz/artifacts/parse/crash-...
# and turn it into a test in tests/fuzz_regressions.rs.
#
# Only a stable toolchain is needed: RUSTC_BOOTSTRAP=1 lets cargo-fuzz pass its nightly flags.
# The sanitizer is off (-s none), for a faster search; debug assertions (and overflow checks) stay
# on. Most of the code under test is safe Rust, whose bounds checks catch a bad index, but the
# engine's SIMD kernels (the simulation's walk and figures, the normals, exp) are `unsafe` AVX2
# code whose unaligned loads and stores through raw pointers are not bounds-checked. To look for
# memory errors there as well, run the target under AddressSanitizer by hand (not yet done on
# this project; expect it to run several times slower), e.g.
#   RUSTC_BOOTSTRAP=1 cargo fuzz run -s address parse fuzz/corpus/parse fuzz/seeds/parse -- -max_total_time=600
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-300}
shift || true
case $seconds in
    '' | *[!0-9]*) echo "usage: $0 [SECONDS] [libFuzzer flags...]" >&2; exit 2 ;;
esac

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "==> installing cargo-fuzz"
    cargo install --locked cargo-fuzz
fi

export RUSTC_BOOTSTRAP=1
corpus=fuzz/corpus/parse
mkdir -p "$corpus" fuzz/artifacts/parse
log=fuzz/artifacts/parse/last-run.log

echo "==> building the fuzz target"
cargo fuzz build -s none --debug-assertions parse

echo "==> fuzzing for ${seconds}s (log: $log)"
status=0
nice -n 19 cargo fuzz run -s none --debug-assertions parse "$corpus" fuzz/seeds/parse -- \
    -max_total_time="$seconds" -dict=fuzz/parse.dict -max_len=4096 -timeout=10 \
    -rss_limit_mb=2048 -print_final_stats=1 "$@" 2>&1 | tee "$log" || status=$?

echo
echo "==> summary"
# libFuzzer's final stats: stat::number_of_executed_units, stat::average_exec_per_sec, ...
grep -E '^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)' "$log" || true
grep -E '^Done [0-9]+ runs in [0-9]+ second' "$log" || true
echo "corpus: $(find "$corpus" -type f | wc -l) files in $corpus"
crashes=$(find fuzz/artifacts/parse -type f \( -name 'crash-*' -o -name 'oom-*' -o -name 'timeout-*' -o -name 'leak-*' \) | wc -l)
echo "artifacts (crash/oom/timeout): $crashes in fuzz/artifacts/parse"
exit "$status"
