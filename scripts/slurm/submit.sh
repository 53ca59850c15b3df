#!/usr/bin/env bash
# Submits a sharded tradesim run to Slurm (SPEC §8): a job array of SHARDS tasks
# (tradesim.sbatch), task K simulating the K-th of SHARDS slices into OUT/shards/K, and the
# merge (merge.sbatch), which runs once every task has succeeded and writes into OUT exactly
# what `tradesim run SCENARIO -n RUNS --seed SEED -o OUT` on one machine would. Prints the two
# job ids, "ARRAY_JOB_ID MERGE_JOB_ID", on one line on stdout (what to watch goes to stderr).
#
#   scripts/slurm/submit.sh SCENARIO RUNS SHARDS OUT
#
# Run it from the folder the paths are relative to: the jobs run there, and SCENARIO is
# recorded in run.json as given, so give it as you would to a one-machine run.
# Environment:
#   SEED           the run's seed (default 2022, tradesim's own default).
#   TRADESIM       the tradesim binary (default: target/release/tradesim of this repository,
#                  or under CARGO_TARGET_DIR); every node must see it, and OUT.
#   CPUS_PER_TASK  CPUs per shard (sbatch --cpus-per-task; default: Slurm's, one).
#   SBATCH_*       sbatch's own input variables (SBATCH_PARTITION, SBATCH_TIMELIMIT,
#                  SBATCH_ACCOUNT, ...) apply to both jobs.
# Logs: OUT/shards/log/shard-ARRAYID_K.out and merge-MERGEID.out.
# Exit status: 0 submitted; 2 bad arguments or scenario; 1 sbatch failed (an array already
# submitted is then cancelled).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)

usage() {
    echo "usage: scripts/slurm/submit.sh SCENARIO RUNS SHARDS OUT" >&2
    exit 2
}
die() {
    echo "error: submit.sh: $1" >&2
    exit "${2:-2}"
}

[[ $# -eq 4 ]] || usage
scenario=$1 runs=$2 shards=$3 out=$4
seed=${SEED:-2022}
[[ -f $scenario ]] || die "$scenario: no such file"
[[ $runs =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a whole number >= 1, not '$runs'"
[[ $shards =~ ^[1-9][0-9]*$ ]] || die "SHARDS must be a whole number >= 1, not '$shards'"
[[ $seed =~ ^[0-9]+$ ]] || die "SEED must be an unsigned whole number, not '$seed'"
[[ -n $out ]] || die "OUT is empty"
# sbatch reads % in --output as a pattern (%A, %a, %j).
[[ $out != *%* ]] || die "OUT must not contain '%': '$out'"

tradesim=${TRADESIM:-${CARGO_TARGET_DIR:-$repo/target}/release/tradesim}
[[ -x $tradesim ]] || die "no tradesim binary at '$tradesim': build it (cargo build --release --locked) or set TRADESIM"
# The jobs see the same files but not necessarily this folder's idea of a relative path.
tradesim=$(cd "$(dirname "$tradesim")" && pwd)/$(basename "$tradesim")
export TRADESIM=$tradesim

# A bad scenario fails here, once, rather than in every task. Its report goes to stderr: stdout
# is for the job ids.
"$tradesim" validate "$scenario" >&2 || die "$scenario does not validate; nothing submitted"

mkdir -p -- "$out/shards/log"
cpus=()
if [[ -n ${CPUS_PER_TASK:-} ]]; then
    [[ $CPUS_PER_TASK =~ ^[1-9][0-9]*$ ]] || die "CPUS_PER_TASK must be a whole number >= 1, not '$CPUS_PER_TASK'"
    cpus=(--cpus-per-task "$CPUS_PER_TASK")
fi

# --parsable prints "ID" or "ID;CLUSTER".
array_id=$(sbatch --parsable --array="1-$shards" "${cpus[@]}" \
    --output="$out/shards/log/shard-%A_%a.out" \
    "$here/tradesim.sbatch" "$out" "$runs" "$seed" "$shards" "$scenario") ||
    die "sbatch of the shard array failed" 1
array_id=${array_id%%;*}
# --kill-on-invalid-dep: if a shard fails, the merge is cancelled rather than left pending
# forever on clusters that do not set DependencyParameters=kill_invalid_depend.
if ! merge_id=$(sbatch --parsable --dependency="afterok:$array_id" --kill-on-invalid-dep=yes \
    --output="$out/shards/log/merge-%j.out" \
    "$here/merge.sbatch" "$out" "$shards"); then
    scancel "$array_id" || true
    die "sbatch of the merge failed; cancelled the shard array $array_id" 1
fi
merge_id=${merge_id%%;*}

echo "submitted: $shards shards as array job $array_id, the merge as job $merge_id (after every shard succeeds)" >&2
echo "watch: squeue -j $array_id,$merge_id; outcome: scontrol -o show job $merge_id; logs: $out/shards/log/" >&2
echo "$array_id $merge_id"
