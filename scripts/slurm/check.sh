#!/usr/bin/env bash
# The Slurm round trip on this machine (SPEC §8): submits a 4-shard run of
# benches/bench_scenario.toml and its merge through scripts/slurm/submit.sh, waits for them,
# checks that every job ended COMPLETED, runs the same scenario, runs and seed on one machine,
# and compares the two output folders file by file, byte for byte. The last line it prints is
#     slurm: 4 shards merged, N files byte-identical to one machine
# or, exiting 1,
#     slurm check failed: STEP: REASON
#
#   scripts/slurm/check.sh        (as root, unless a cluster is already running)
#
# The cluster: if `scontrol ping` (with the caller's Slurm configuration) finds a slurmctld that
# is up, the check uses that cluster and starts nothing. Otherwise, as root, it installs
# Debian's slurmctld, slurmd, slurm-client and munge if they are missing, then starts a
# one-node cluster with its own slurm.conf in a scratch folder: munged (unless one already
# answers), slurmctld and slurmd, as children of this script. It stops exactly those, by PID,
# on every way out (SIGTERM; SIGKILL only if one has not gone after 10 s, which fails the
# check), and never touches daemons it did not start: if a slurmctld or slurmd is running but
# does not answer, it refuses to start a second one beside it. On failure it first cancels the
# jobs it submitted, on whichever cluster.
#
# Environment:
#   TRADESIM             the tradesim binary (default: target/release/tradesim of this
#                        repository, or under CARGO_TARGET_DIR, built or brought up to date
#                        first with `cargo build --release --locked`).
#   SLURM_CHECK_RUNS     runs (default 200000); SLURM_CHECK_SEED: seed (default 2022).
#   SLURM_CHECK_SHARDS   shards (default 4); with SLURM_CHECK_RUNS=1000000000 and
#                        SLURM_CHECK_TIMEOUT=1800, the measurement of docs/SCALING.md.
#   SLURM_CHECK_TIMEOUT  seconds to wait for the jobs (default 120).
#   SLURM_CHECK_DIR      where the scratch folder goes (default: TMPDIR, else /tmp); on an
#                        existing multi-node cluster, a folder every node sees.
#   SLURM_CHECK_KEEP=1   keeps the scratch folder (outputs, logs, slurm.conf) and says where.
# The scratch folder is removed on every way out otherwise; the installed packages, the munge
# key and /run/munge stay.
set -euo pipefail

cd "$(dirname "$0")/../.."
repo=$PWD
here=$repo/scripts/slurm

readonly SCENARIO=benches/bench_scenario.toml
SHARDS=${SLURM_CHECK_SHARDS:-4}
readonly PACKAGES=(slurmctld slurmd slurm-client munge)
runs=${SLURM_CHECK_RUNS:-200000}
seed=${SLURM_CHECK_SEED:-2022}
wait_seconds=${SLURM_CHECK_TIMEOUT:-120}

step="arguments"
result=""          # the line printed last
scratch=""
started_pids=()    # daemons this script started, in the order started
started_names=()
job_ids=()         # jobs this script submitted

log() { echo "slurm check: $*" >&2; }
fail() {
    result="slurm check failed: $step: $*"
    exit 1
}
# alive PID: the process exists and is not a zombie (a zombie is dead but not yet reaped).
alive() {
    local state
    state=$(awk '$1 == "State:" { print $2 }' "/proc/$1/status" 2>/dev/null) || return 1
    [[ -n $state && $state != Z ]]
}
# live_pids NAME: PIDs of live processes whose command name is NAME.
live_pids() {
    local status pid
    for status in /proc/[0-9]*/status; do
        pid=${status#/proc/}
        pid=${pid%/status}
        if awk -v name="$1" '$1 == "Name:" && $2 == name { found = 1 } $1 == "State:" && $2 != "Z" { live = 1 }
            END { exit !(found && live) }' "$status" 2>/dev/null; then
            echo "$pid"
        fi
    done
}
show_log() { # FILE [LINES]: the end of a log, on stderr, for a failure's reader
    if [[ -s $1 ]]; then
        echo "--- last lines of $1:" >&2
        tail -n "${2:-15}" "$1" >&2
        echo "---" >&2
    fi
}
# start_daemon NAME LOG COMMAND...: starts a daemon in the foreground mode as a child of this
# script and records its PID.
start_daemon() {
    local name=$1 logfile=$2
    shift 2
    "$@" >"$logfile" 2>&1 </dev/null &
    started_pids+=("$!")
    started_names+=("$name")
    log "started $name (PID $!)"
}
# wait_until SECONDS PID COMMAND...: polls COMMAND every 0.2 s until it succeeds; fails if PID
# (a daemon just started; 0 for none) dies or SECONDS pass.
wait_until() {
    local seconds=$1 pid=$2 deadline
    shift 2
    deadline=$((SECONDS + seconds))
    until "$@" >/dev/null 2>&1; do
        if [[ $pid != 0 ]] && ! alive "$pid"; then return 2; fi
        ((SECONDS < deadline)) || return 1
        sleep 0.2
    done
}
stop_daemons() { # in the reverse order of starting; returns 1 if one needed SIGKILL
    local i pid name n killed=0
    for ((i = ${#started_pids[@]} - 1; i >= 0; i--)); do
        pid=${started_pids[i]} name=${started_names[i]}
        if alive "$pid"; then
            kill -TERM "$pid" 2>/dev/null || true
            for ((n = 0; n < 100; n++)); do
                alive "$pid" || break
                sleep 0.1
            done
            if alive "$pid"; then
                log "$name (PID $pid) still running 10 s after SIGTERM; sending SIGKILL"
                kill -KILL "$pid" 2>/dev/null || true
                killed=1
            fi
        fi
        wait "$pid" 2>/dev/null || true # reap it: it is our child
        log "stopped $name (PID $pid)"
    done
    started_pids=()
    started_names=()
    return "$killed"
}
# job_lines ID: `scontrol -o show job ID`, one line per job (per array task).
job_lines() { scontrol -o show job "$1" 2>/dev/null; }
field() { # field NAME LINE: the value of NAME=VALUE in a one-line job record
    local rest=" $2"
    rest=${rest#* "$1"=}
    [[ $rest != " $2" ]] || return 0
    echo "${rest%% *}"
}
is_final() {
    case $1 in
    COMPLETED | FAILED | CANCELLED | TIMEOUT | NODE_FAIL | OUT_OF_MEMORY | PREEMPTED | BOOT_FAIL | DEADLINE) return 0 ;;
    *) return 1 ;;
    esac
}
jobs_final() { # every job in job_ids, and every array task, is in a final state
    local id line
    for id in "${job_ids[@]}"; do
        job_lines "$id" >"$scratch/jobs.txt" || return 1
        [[ -s $scratch/jobs.txt ]] || return 1
        while IFS= read -r line; do
            is_final "$(field JobState "$line")" || return 1
        done <"$scratch/jobs.txt"
    done
}

cleanup() {
    local status=$?
    trap - EXIT INT TERM
    set +e
    if [[ $status -ne 0 && -z $result ]]; then
        result="slurm check failed: $step: a command failed (exit status $status)"
    fi
    if [[ $status -ne 0 && ${#job_ids[@]} -gt 0 ]] && timeout 10 scontrol ping 2>/dev/null | grep -q ' is UP'; then
        # Jobs still queued or running must not outlive the cluster, nor stay in someone's queue.
        scancel "${job_ids[@]}" 2>/dev/null
        wait_until 15 0 jobs_final || log "jobs ${job_ids[*]} did not all end within 15 s of scancel"
    fi
    if [[ ${#started_pids[@]} -gt 0 ]] && ! stop_daemons; then
        [[ $status -ne 0 ]] || result="slurm check failed: stop daemons: a daemon needed SIGKILL"
        status=1
    fi
    if [[ -n $scratch ]]; then
        if [[ ${SLURM_CHECK_KEEP:-0} == 1 ]]; then
            log "kept the scratch folder $scratch"
        else
            rm -rf -- "$scratch"
        fi
    fi
    echo "$result"
    exit "$status"
}
trap cleanup EXIT
trap 'result="slurm check failed: $step: interrupted"; exit 130' INT
trap 'result="slurm check failed: $step: terminated"; exit 143' TERM

[[ $runs =~ ^[1-9][0-9]*$ ]] || fail "SLURM_CHECK_RUNS must be a whole number >= 1, not '$runs'"
[[ $seed =~ ^[0-9]+$ ]] || fail "SLURM_CHECK_SEED must be an unsigned whole number, not '$seed'"
[[ $SHARDS =~ ^[1-9][0-9]*$ ]] || fail "SLURM_CHECK_SHARDS must be a whole number >= 1, not '$SHARDS'"
[[ $wait_seconds =~ ^[1-9][0-9]*$ ]] || fail "SLURM_CHECK_TIMEOUT must be a whole number >= 1, not '$wait_seconds'"

step="build"
if [[ -z ${TRADESIM:-} ]]; then
    TRADESIM=${CARGO_TARGET_DIR:-$repo/target}/release/tradesim
    # Built when missing, and rebuilt when stale (cargo does nothing if it is up to date), so
    # that the check never tests an old binary; without cargo, the binary must be there.
    if command -v cargo >/dev/null; then
        cargo build --release --locked --quiet || fail "cargo build --release --locked failed"
    fi
fi
[[ -x $TRADESIM ]] || fail "no tradesim binary at '$TRADESIM'"
TRADESIM=$(cd "$(dirname "$TRADESIM")" && pwd)/$(basename "$TRADESIM")
export TRADESIM

scratch=$(mktemp -d "${SLURM_CHECK_DIR:-${TMPDIR:-/tmp}}/tradesim-slurm-check.XXXXXX")

step="cluster"
existing=0
if command -v scontrol >/dev/null && command -v sbatch >/dev/null &&
    timeout 10 scontrol ping 2>/dev/null | grep -q ' is UP'; then
    existing=1
    log "using the running cluster: $(scontrol ping 2>/dev/null | head -n 1)"
fi

if [[ $existing == 0 ]]; then
    [[ $(id -u) == 0 ]] || fail "no Slurm cluster answers, and starting one needs root"

    step="install"
    missing=()
    for package in "${PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' ||
            missing+=("$package")
    done
    if [[ ${#missing[@]} -gt 0 ]]; then
        log "installing ${missing[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq >"$scratch/apt.log" 2>&1 || {
            show_log "$scratch/apt.log"
            fail "apt-get update failed"
        }
        apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}" >>"$scratch/apt.log" 2>&1 || {
            show_log "$scratch/apt.log"
            fail "apt-get install ${PACKAGES[*]} failed"
        }
    fi

    step="munge"
    if munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
        log "munged already answers; using it"
    else
        pids=$(live_pids munged | paste -sd ' ')
        [[ -z $pids ]] || fail "munged is running (PID $pids) but does not answer; not starting a second one"
        if [[ ! -s /etc/munge/munge.key ]]; then
            mungekey --create --keyfile /etc/munge/munge.key || fail "mungekey --create failed"
        fi
        chown munge:munge /etc/munge/munge.key || fail "chown of /etc/munge/munge.key failed"
        chmod 600 /etc/munge/munge.key || fail "chmod of /etc/munge/munge.key failed"
        install -d -o munge -g munge -m 0700 /etc/munge /var/lib/munge /var/log/munge ||
            fail "could not make munge's folders"
        install -d -o munge -g munge -m 0755 /run/munge || fail "could not make /run/munge"
        # -F: in the foreground, so that its PID is the one we started and it stays our child.
        start_daemon munged "$scratch/munged.log" \
            setpriv --reuid=munge --regid=munge --init-groups /usr/sbin/munged -F
        wait_until 10 "${started_pids[-1]}" bash -c 'munge -n | unmunge' || {
            show_log "$scratch/munged.log"
            show_log /var/log/munge/munged.log
            fail "munged exited or did not answer within 10 s"
        }
    fi

    step="slurmctld"
    for daemon in slurmctld slurmd; do
        pids=$(live_pids "$daemon" | paste -sd ' ')
        [[ -z $pids ]] || fail "$daemon is running (PID $pids) but no slurmctld answers; not starting a second cluster beside it"
    done
    host=$(hostname -s)
    cpus=$(nproc)
    # With SlurmdParameters=config_overrides the node may claim more CPUs than it has, so that
    # all shards run in one wave.
    ((cpus >= SHARDS)) || cpus=$SHARDS
    mkdir -p "$scratch/state" "$scratch/spool"
    cat >"$scratch/slurm.conf" <<CONF
# A one-node cluster for scripts/slurm/check.sh, without cgroups or systemd.
ClusterName=tradesimcheck
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SwitchType=switch/none
MailProg=/bin/true
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
SchedulerParameters=batch_sched_delay=0
DependencyParameters=kill_invalid_depend
SlurmdParameters=config_overrides
StateSaveLocation=$scratch/state
SlurmdSpoolDir=$scratch/spool
SlurmctldPidFile=$scratch/slurmctld.pid
SlurmdPidFile=$scratch/slurmd.pid
SlurmctldLogFile=$scratch/slurmctld.log
SlurmdLogFile=$scratch/slurmd.log
NodeName=$host CPUs=$cpus RealMemory=1000 State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
    export SLURM_CONF=$scratch/slurm.conf
    start_daemon slurmctld "$scratch/slurmctld.out" slurmctld -D -i -f "$SLURM_CONF"
    ctld_up() { scontrol ping | grep -q ' is UP'; }
    wait_until 20 "${started_pids[-1]}" ctld_up || {
        show_log "$scratch/slurmctld.out"
        show_log "$scratch/slurmctld.log"
        fail "slurmctld exited or did not answer within 20 s"
    }

    step="slurmd"
    start_daemon slurmd "$scratch/slurmd.out" slurmd -D -f "$SLURM_CONF"
    node_idle() { [[ $(sinfo -h -N -n "$host" -o %T) == idle ]]; }
    wait_until 20 "${started_pids[-1]}" node_idle || {
        show_log "$scratch/slurmd.out"
        show_log "$scratch/slurmd.log"
        fail "slurmd exited or node $host not idle within 20 s (sinfo says '$(sinfo -h -N -n "$host" -o %T 2>&1)')"
    }
    log "node $host idle with $cpus CPUs"
fi

step="submit"
merged=$scratch/merged
ids=$(SEED=$seed "$here/submit.sh" "$SCENARIO" "$runs" "$SHARDS" "$merged") ||
    fail "submit.sh exited with status $?"
read -r array_id merge_id <<<"$ids"
[[ $array_id =~ ^[0-9]+$ && $merge_id =~ ^[0-9]+$ ]] || fail "submit.sh printed '$ids', not two job ids"
job_ids=("$array_id" "$merge_id")

step="wait"
started_wait=$SECONDS
wait_until "$wait_seconds" 0 jobs_final || {
    { job_lines "$array_id"; job_lines "$merge_id"; } | while IFS= read -r line; do
        task=$(field ArrayTaskId "$line")
        echo "job $(field JobId "$line")${task:+ (array task $task)}:" \
            "$(field JobState "$line"), reason $(field Reason "$line")" >&2
    done
    fail "the jobs had not all ended after $wait_seconds s"
}
log "jobs $array_id (array) and $merge_id (merge) ended after $((SECONDS - started_wait)) s"

step="job states"
# One line per array task, sorted by task, so that the first failure named is the lowest shard.
job_lines "$array_id" | while IFS= read -r line; do
    echo "$(field ArrayTaskId "$line") $(field JobState "$line") $(field ExitCode "$line") $(field StdOut "$line")"
done | sort -n >"$scratch/array.txt"
[[ $(cut -d ' ' -f 1 "$scratch/array.txt" | paste -sd ' ') == "$(seq -s ' ' 1 "$SHARDS")" ]] ||
    fail "array $array_id has tasks '$(cut -d ' ' -f 1 "$scratch/array.txt" | paste -sd ' ')', not 1..$SHARDS"
failed=$(awk '$2 != "COMPLETED" { print $1 }' "$scratch/array.txt" | paste -sd ' ')
if [[ -n $failed ]]; then
    read -r task state code stdout < <(awk '$2 != "COMPLETED"' "$scratch/array.txt" | head -n 1)
    show_log "$stdout"
    fail "shard $task (job ${array_id}_$task) ended $state, exit code $code (shards not COMPLETED: $failed)"
fi
line=$(job_lines "$merge_id")
state=$(field JobState "$line")
if [[ $state != COMPLETED ]]; then
    show_log "$(field StdOut "$line")"
    fail "the merge (job $merge_id) ended $state, exit code $(field ExitCode "$line"), reason $(field Reason "$line")"
fi
for ((k = 1; k <= SHARDS; k++)); do
    compgen -G "$merged/shards/$k/*/partial.tsp" >/dev/null || fail "shard $k wrote no partial.tsp under $merged/shards/$k"
done

step="one machine"
single=$scratch/single
started_single=$SECONDS
# -y: a large SLURM_CHECK_RUNS must not stop to ask when stdin is a terminal.
"$TRADESIM" run "$SCENARIO" -n "$runs" --seed "$seed" -q -y -o "$single" ||
    fail "tradesim run $SCENARIO -n $runs --seed $seed exited with status $?"
log "the one-machine run took $((SECONDS - started_single)) s"

step="compare"
# The merged folder's files are the merge's output plus the shards' folder, which is not.
(cd "$merged" && find . -path ./shards -prune -o -type f -print | sort) >"$scratch/merged.files"
(cd "$single" && find . -type f -print | sort) >"$scratch/single.files"
[[ -s $scratch/single.files ]] || fail "the one-machine run wrote no files"
if ! diff "$scratch/single.files" "$scratch/merged.files" >"$scratch/files.diff"; then
    show_log "$scratch/files.diff" 40
    fail "the merged folder and the one-machine folder hold different files (< one machine, > merged)"
fi
files=0
while IFS= read -r file; do
    file=${file#./}
    cmp -s "$single/$file" "$merged/$file" || fail "$file differs: $(cmp "$single/$file" "$merged/$file" 2>&1)"
    files=$((files + 1))
done <"$scratch/single.files"

step="stop daemons"
result="slurm: $SHARDS shards merged, $files files byte-identical to one machine"
