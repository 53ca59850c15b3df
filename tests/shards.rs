//! Shards and merge (SPEC §8), through the binary: `run --shard K/M` writes only partial
//! statistics, `merge` of all of them in any order writes the one-machine run's folder byte for
//! byte (CSV files, charts, report, run.json), every bad set of shards is refused with one line
//! naming a file, and the merge's memory does not grow with the number of shards.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::*;
use tradesim::export::partial::{self, FILE_NAME};

/// Runs shards `1..=m` of `scenarios` with `runs` paths (and `extra` options) in `dir`, into
/// `into/M/K`, and returns the shard folders (relative to `dir`) in shard order.
fn run_shards(dir: &Path, into: &str, scenarios: &[&str], runs: u64, m: u64, extra: &[&str]) -> Vec<String> {
    let runs = runs.to_string();
    (1..=m)
        .map(|k| {
            let out = format!("{into}/{m}/{k}");
            let shard = format!("{k}/{m}");
            let mut args = vec!["run", "-q", "-n", &runs, "--seed", "7", "--shard", &shard, "-o", &out];
            args.extend(extra);
            args.extend(scenarios);
            run_ok(dir, &args);
            out
        })
        .collect()
}

/// Merges `shards` (in the order given) into `out` and returns the outcome.
fn merge(dir: &Path, shards: &[String], out: &str, extra: &[&str]) -> Outcome {
    let mut args = vec!["merge"];
    args.extend(shards.iter().map(String::as_str));
    args.extend(["-o", out]);
    args.extend(extra);
    run_in(dir, &args)
}

/// Asserts two output folders hold the same files with the same bytes.
fn assert_same_files(expected: &Path, actual: &Path, what: &str) {
    let (want, got) = (files_in(expected), files_in(actual));
    assert!(!want.is_empty(), "{what}: {} holds no file", expected.display());
    assert_eq!(want, got, "{what}: the file lists differ");
    let differing: Vec<&PathBuf> =
        want.iter().filter(|f| fs::read(expected.join(f)).unwrap() != fs::read(actual.join(f)).unwrap()).collect();
    assert!(differing.is_empty(), "{what}: these files differ: {differing:?}");
}

/// A fixed permutation of `items` that depends on `salt` (a small linear congruential
/// generator's Fisher-Yates): shuffled, but the same every time.
fn shuffled<T: Clone>(items: &[T], salt: u64) -> Vec<T> {
    let mut items = items.to_vec();
    let mut state = salt.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    for i in (1..items.len()).rev() {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        items.swap(i, (state >> 33) as usize % (i + 1));
    }
    items
}

/// Two scenario sets: one plain scenario; and a scenario with every kind of shock beside a
/// library scenario named by a path outside the folder (as given, it goes into run.json).
fn scenario_sets(dir: &Path) -> Vec<Vec<String>> {
    write_scenario(dir, "minimal.toml", MINIMAL_SCENARIO);
    write_scenario(dir, "in/stress.toml", &shock_scenario());
    let library = repo_root().join(LIBRARY).join("combined_stress.toml").display().to_string();
    vec![vec!["minimal.toml".to_string()], vec!["in/stress.toml".to_string(), library]]
}

// The runs span several batches and end in a partial one, so that 7 shards are more than its
// batches.
const RUNS: u64 = RUNS_DETERMINISM;
const _: () = assert!(RUNS > BATCH_PATHS && !RUNS.is_multiple_of(BATCH_PATHS) && RUNS.div_ceil(BATCH_PATHS) < 7);

#[test]
fn shards_merged_in_any_order_give_the_one_machine_files_byte_for_byte() {
    let dir = temp_dir();
    for (set, scenarios) in scenario_sets(dir.path()).iter().enumerate() {
        let scenarios: Vec<&str> = scenarios.iter().map(String::as_str).collect();
        let single = format!("single{set}");
        let runs = RUNS.to_string();
        let mut args = vec!["run", "-q", "-n", &runs, "--seed", "7", "-o", &single];
        args.extend(&scenarios);
        run_ok(dir.path(), &args);
        let single = dir.path().join(single);
        for m in [1, 2, 3, 7] {
            let shards = run_shards(dir.path(), &format!("set{set}"), &scenarios, RUNS, m, &[]);
            // A shard writes its partial statistics and nothing else: one file per scenario folder.
            let expected: Vec<PathBuf> = files_in(&single)
                .iter()
                .filter(|f| f.ends_with("run.json"))
                .map(|f| f.with_file_name(FILE_NAME))
                .collect();
            assert_eq!(files_in(&dir.path().join(&shards[0])), expected, "set {set}, M = {m}");
            for salt in 0..2 {
                let out = format!("merged{set}_{m}_{salt}");
                let outcome = merge(dir.path(), &shuffled(&shards, salt + m), &out, &["-q"]);
                assert_eq!(outcome.code, Some(0), "{outcome}");
                assert!(outcome.stdout.is_empty() && outcome.stderr.is_empty(), "{outcome}");
                assert_same_files(&single, &dir.path().join(&out), &format!("set {set}, M = {m}, order {salt}"));
            }
        }
    }
}

#[test]
fn more_shards_than_batches_leave_some_empty_and_merge_all_the_same() {
    let dir = temp_dir();
    write_scenario(dir.path(), "minimal.toml", MINIMAL_SCENARIO);
    // 2 batches in 5 shards: shards 1, 2 and 4 have none (slice K is floor((K-1) 2/5) .. floor(K 2/5)).
    let runs = (BATCH_PATHS + 1).to_string();
    let outcome = run_ok(dir.path(), &["run", "-n", &runs, "--shard", "4/5", "-o", "s4", "minimal.toml"]);
    assert_eq!(
        outcome.stderr.trim(),
        format!(
            "note: shard 4/5 has no paths to simulate (a run of {runs} paths is 2 batches of {BATCH_PATHS}); it writes \
             empty partial statistics, which the merge needs all the same"
        )
    );
    assert_eq!(outcome.stdout, "shard 4/5 of minimal: 0 paths -> s4/minimal/partial.tsp\n");
    let shards = run_shards(dir.path(), "shards", &["minimal.toml"], BATCH_PATHS + 1, 5, &[]);
    run_ok(dir.path(), &["run", "-q", "-n", &runs, "--seed", "7", "-o", "single", "minimal.toml"]);
    assert_eq!(merge(dir.path(), &shuffled(&shards, 3), "merged", &["-q"]).code, Some(0));
    assert_same_files(&dir.path().join("single"), &dir.path().join("merged"), "5 shards of 2 batches");
}

#[test]
fn no_charts_comes_from_the_shards_or_the_merge() {
    let dir = temp_dir();
    write_scenario(dir.path(), "minimal.toml", MINIMAL_SCENARIO);
    run_ok(dir.path(), &["run", "-q", "-n", "20000", "--seed", "7", "--no-charts", "-o", "single", "minimal.toml"]);
    let single = dir.path().join("single");
    assert_eq!(files_in(&single), run_files_without_charts(&["minimal"]));
    let without = run_shards(dir.path(), "shards", &["minimal.toml"], 20_000, 2, &["--no-charts"]);
    assert_eq!(merge(dir.path(), &without, "a", &["-q"]).code, Some(0));
    assert_same_files(&single, &dir.path().join("a"), "shards run with --no-charts");
    let mut with = run_shards(dir.path(), "shards", &["minimal.toml"], 20_000, 3, &[]);
    assert_eq!(merge(dir.path(), &with, "b", &["-q", "--no-charts"]).code, Some(0));
    // Same statistics either way; the runs differ only in how they were cut.
    assert_eq!(files_in(&dir.path().join("b")), run_files_without_charts(&["minimal"]));
    // One shard run with --no-charts is enough to leave them out.
    run_ok(
        dir.path(),
        &["run", "-q", "-n", "20000", "--seed", "7", "--shard", "2/3", "--no-charts", "-o", "c2", "minimal.toml"],
    );
    with[1] = "c2".into();
    assert_eq!(merge(dir.path(), &with, "c", &["-q"]).code, Some(0));
    assert_same_files(&dir.path().join("b"), &dir.path().join("c"), "one shard with --no-charts");
}

#[test]
fn shard_options_are_checked() {
    let dir = temp_dir();
    write_scenario(dir.path(), "minimal.toml", MINIMAL_SCENARIO);
    for bad in
        ["0/4", "5/4", "1/0", "x", "1/", "/4", "1/4/2", "-1/4", "+1/4", " 1/4", "1.0/4", "1/99999999999999999999"]
    {
        let outcome = run_in(dir.path(), &["run", "--shard", bad, "-o", "out", "minimal.toml"]);
        let line = assert_one_error_line(&outcome, 2, bad);
        assert!(line.contains("--shard") && line.contains("1 <= K <= M"), "{bad}: {line}");
    }
    let outcome = run_in(dir.path(), &["run", "--shard", "1/4", "--precision", "0.01", "-o", "out", "minimal.toml"]);
    let line = assert_one_error_line(&outcome, 2, "--shard with --precision");
    assert!(line.contains("--shard") && line.contains("--precision"), "{line}");
    assert!(files_in(&dir.path().join("out")).is_empty());
    let outcome = run_in(dir.path(), &["merge", "-o", "out"]);
    assert_one_error_line(&outcome, 2, "merge without folders");
}

/// A set of shards of one run to spoil, in a fresh folder: 3 shards of two scenarios.
struct Spoil {
    dir: tempfile::TempDir,
    shards: Vec<String>,
}

impl Spoil {
    fn new() -> Self {
        let dir = temp_dir();
        write_scenario(dir.path(), "minimal.toml", MINIMAL_SCENARIO);
        write_scenario(dir.path(), "stress.toml", &shock_scenario());
        let shards = run_shards(dir.path(), "shards", &["minimal.toml", "stress.toml"], 3 * BATCH_PATHS, 3, &[]);
        Spoil { dir, shards }
    }

    fn path(&self, relative: &str) -> PathBuf {
        self.dir.path().join(relative)
    }

    /// Merging `shards` fails with exit 2 and one line naming `file`, which contains `why`;
    /// nothing is written.
    fn refused(&self, shards: &[String], file: &str, why: &str) {
        let out = format!("out-{}", file.replace('/', "_"));
        let outcome = merge(self.dir.path(), shards, &out, &[]);
        let line = assert_one_error_line(&outcome, 2, why);
        assert!(line.starts_with(&format!("error: {file}: ")), "{why}: {line} should name {file}");
        assert!(line.contains(why), "{why}: {line}");
        assert!(!self.path(&out).exists(), "{why}: the merge wrote {out}");
    }

    /// Rewrites one partial file through the library: `edit` changes what it holds.
    fn rewrite(&self, file: &str, edit: impl FnOnce(&mut partial::Partial)) {
        let path = self.path(file);
        let mut p = partial::from_bytes(&fs::read(&path).unwrap()).unwrap();
        edit(&mut p);
        fs::write(&path, partial::to_bytes(&p)).unwrap();
    }
}

#[test]
fn damaged_files_are_refused_naming_them() {
    let s = Spoil::new();
    let file = "shards/3/2/stress/partial.tsp";
    let whole = fs::read(s.path(file)).unwrap();
    let n = whole.len();
    fs::write(s.path(file), &whole[..n - 1000]).unwrap();
    s.refused(&s.shards, file, &format!("truncated: {} bytes where its header announces {n}", n - 1000));
    fs::write(s.path(file), &whole[..10]).unwrap();
    s.refused(&s.shards, file, "not a tradesim partial-statistics file");
    fs::write(s.path(file), [whole.as_slice(), b"x"].concat()).unwrap();
    s.refused(&s.shards, file, "damaged or appended to");
    for at in [100, n / 2, n - 1] {
        let mut corrupted = whole.clone();
        corrupted[at] ^= 1;
        fs::write(s.path(file), &corrupted).unwrap();
        s.refused(&s.shards, file, "corrupted: its checksum does not match");
    }
    fs::write(s.path(file), &whole).unwrap();
    assert_eq!(merge(s.dir.path(), &s.shards, "fine", &["-q"]).code, Some(0), "restored");
}

#[test]
fn shards_of_another_run_are_refused_naming_them() {
    let s = Spoil::new();
    let (first, file) = ("shards/3/1/minimal/partial.tsp", "shards/3/2/minimal/partial.tsp");
    let whole = fs::read(s.path(file)).unwrap();
    let restore = || fs::write(s.path(file), &whole).unwrap();

    s.rewrite(file, |p| p.tool_version = "0.0.1".into());
    s.refused(&s.shards, file, "written by tradesim 0.0.1, but this is tradesim");
    restore();

    // Another seed, runs or shard count: run for real, into the middle shard's folder.
    let runs = (3 * BATCH_PATHS).to_string();
    let shard = |extra: &[&str]| {
        let mut args = vec!["run", "-q", "-o", "shards/3/2", "minimal.toml", "stress.toml"];
        args.extend(extra);
        run_ok(s.dir.path(), &args);
    };
    shard(&["-n", &runs, "--seed", "8", "--shard", "2/3"]);
    s.refused(&s.shards, file, &format!("a shard of a run with seed 8, but {first} is of seed 7"));
    shard(&["-n", "30000", "--seed", "7", "--shard", "2/3"]);
    s.refused(&s.shards, file, &format!("a shard of a run of 30000 paths, but {first} is of a run of {runs} paths"));
    shard(&["-n", &runs, "--seed", "7", "--shard", "2/4"]);
    s.refused(&s.shards, file, &format!("shard 2 of 4, but {first} is one of 3 shards"));
    restore();

    // Another scenario under the same name, or another scenario in its place.
    write_scenario(s.dir.path(), "other/minimal.toml", &edit(MINIMAL_SCENARIO, "0.4", "0.3"));
    let args = ["run", "-q", "-n", &runs, "--seed", "7", "--shard", "2/3", "-o", "shards/3/2"];
    run_ok(s.dir.path(), &[&args[..], &["other/minimal.toml", "stress.toml"]].concat());
    s.refused(&s.shards, file, "a shard of another scenario: scenario 'minimal' (other/minimal.toml, SHA-256");
    write_scenario(s.dir.path(), "other/second.toml", MINIMAL_SCENARIO);
    fs::remove_dir_all(s.path("shards/3/2")).unwrap();
    run_ok(s.dir.path(), &[&args[..], &["other/second.toml", "stress.toml"]].concat());
    s.refused(&s.shards, "shards/3/2/second/partial.tsp", "a shard of another scenario: scenario 'second'");
    // A run of one scenario among shards of two.
    fs::remove_dir_all(s.path("shards/3/2")).unwrap();
    run_ok(s.dir.path(), &[&args[..], &["minimal.toml"]].concat());
    s.refused(&s.shards, file, &format!("a shard of a run of 1 scenarios, but {first} is of a run of 2"));
}

#[test]
fn missing_and_repeated_shards_are_refused_naming_them() {
    let s = Spoil::new();
    let [one, two, three] = [0, 1, 2].map(|i| s.shards[i].clone());
    s.refused(
        &[three.clone(), one.clone()],
        "minimal/partial.tsp",
        "shard 2/3 is missing: none of the 2 folders given holds it (found shards 1, 3 of 3)",
    );
    s.refused(
        std::slice::from_ref(&two),
        "minimal/partial.tsp",
        "shard 1/3 is missing: the folder given does not hold it",
    );
    s.refused(
        &[one.clone(), two.clone(), three.clone(), two.clone()],
        "shards/3/2/minimal/partial.tsp",
        "shard 2/3 of scenario 'minimal' is given twice (its folder is given twice)",
    );
    // The same shard run twice, into two folders.
    let runs = (3 * BATCH_PATHS).to_string();
    let args =
        ["run", "-q", "-n", &runs, "--seed", "7", "--shard", "3/3", "-o", "again", "minimal.toml", "stress.toml"];
    run_ok(s.dir.path(), &args);
    s.refused(
        &[one.clone(), three.clone(), "again".into(), two.clone()],
        "again/minimal/partial.tsp",
        "shard 3/3 of scenario 'minimal' is given twice (also shards/3/3/minimal/partial.tsp)",
    );
    // A scenario missing from every shard.
    for dir in [&one, &two, &three] {
        fs::remove_dir_all(s.path(dir).join("stress")).unwrap();
    }
    s.refused(
        &[one.clone(), two.clone(), three.clone()],
        "shards/3/1/minimal/partial.tsp",
        "a shard of a run of 2 scenarios, but no partial.tsp of scenario 2 of them is in any of the 3 folders given",
    );
    // Folders that are not a shard's output.
    s.refused(&[one.clone(), "nowhere".into()], "nowhere", "no such folder");
    fs::create_dir(s.path("empty")).unwrap();
    s.refused(&["empty".into()], "empty", "holds no <name>/partial.tsp");
    s.refused(&[format!("{one}/minimal")], &format!("{one}/minimal"), "a scenario's folder of a shard");
    s.refused(&["minimal.toml".into()], "minimal.toml", "not a folder");
}

/// The peak resident memory (KiB) and wall time of a run of the binary with `args` in `dir`,
/// from the kernel's accounting of exactly that child (`wait4`).
fn measured(dir: &Path, args: &[&str]) -> (i64, Duration) {
    use std::process::Stdio;
    let started = Instant::now();
    #[allow(clippy::zombie_processes, reason = "reaped by wait4 below, which std cannot do")]
    let child = tradesim().current_dir(dir).args(args).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
    let (mut status, mut usage) = (0, unsafe { std::mem::zeroed::<libc::rusage>() });
    // SAFETY: waits for our own child, which std has not reaped, into valid locals.
    let pid = unsafe { libc::wait4(child.id() as libc::pid_t, &mut status, 0, &mut usage) };
    assert_eq!(pid, child.id() as libc::pid_t, "wait4 failed");
    assert!(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0, "tradesim {} failed", args.join(" "));
    (usage.ru_maxrss, started.elapsed())
}

/// The merge reads one file at a time: its memory does not grow with the number of shards
/// (64 shards' files, several MiB, cost less than a fraction of them beyond 2 shards), and its
/// time is a small multiple of the files' reading.
#[test]
fn the_merge_memory_does_not_grow_with_the_shards() {
    let dir = temp_dir();
    let bench = repo_root().join("benches/bench_scenario.toml").display().to_string();
    // Every one of 64 shards gets a batch, so each file holds a year's full sketches.
    let runs = 64 * BATCH_PATHS;
    let many = run_shards(dir.path(), "shards", &[&bench], runs, 64, &[]);
    let few = run_shards(dir.path(), "shards", &[&bench], runs, 2, &[]);
    let bytes: u64 =
        many.iter().map(|d| fs::metadata(dir.path().join(d).join("bench").join(FILE_NAME)).unwrap().len()).sum();
    let args = |shards: &[String], out: &'static str| {
        let mut args: Vec<String> = vec!["merge".into(), "-q".into(), "-o".into(), out.into()];
        args.extend(shards.iter().cloned());
        args
    };
    let (many_args, few_args) = (args(&many, "many"), args(&few, "few"));
    let (few_kib, _) = measured(dir.path(), &few_args.iter().map(String::as_str).collect::<Vec<_>>());
    let (many_kib, many_time) = measured(dir.path(), &many_args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_same_files(&dir.path().join("few"), &dir.path().join("many"), "64 vs 2 shards");
    let files_kib = (bytes / 1024) as i64;
    assert!(
        many_kib - few_kib < files_kib / 4,
        "the merge of 64 shards took {many_kib} KiB, of 2 shards {few_kib} KiB: it holds the files ({files_kib} KiB)"
    );
    assert!(many_time < Duration::from_secs(60), "the merge of 64 shards took {many_time:?}");
    println!("merge of 64 shards ({files_kib} KiB of files): {many_time:?}, {many_kib} KiB peak; of 2: {few_kib} KiB");
}

/// `TRADESIM_SLURM_CHECK=1` runs `scripts/slurm/check.sh` (a real one-node Slurm cluster: it
/// installs Debian's packages and starts daemons as root); `cargo test` alone never does.
#[test]
fn slurm_round_trip_when_asked() {
    if std::env::var("TRADESIM_SLURM_CHECK").as_deref() != Ok("1") {
        println!(
            "skipped: the Slurm round trip installs packages and starts daemons; run it with \
             TRADESIM_SLURM_CHECK=1 cargo test --test shards slurm (as root), or scripts/slurm/check.sh"
        );
        return;
    }
    // The binary under test, unless TRADESIM names another.
    let tradesim = std::env::var("TRADESIM").unwrap_or_else(|_| bin().to_string());
    let output = std::process::Command::new(repo_root().join("scripts/slurm/check.sh"))
        .env("TRADESIM", tradesim)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let last = stdout.lines().last().unwrap_or_default();
    assert!(
        output.status.success()
            && last.starts_with("slurm: 4 shards merged, ")
            && last.ends_with(" files byte-identical to one machine"),
        "scripts/slurm/check.sh failed:\n{stdout}\n{stderr}"
    );
}
