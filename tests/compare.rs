//! `tradesim compare BASELINE OTHER...` against SPEC §6.2 and §7: cases worked by hand (a
//! scheduled shock that delays, advances or stops every path by a known number of years), common
//! random numbers path by path (a copy, a shock of probability 0), shares that add up to 1 and
//! agree with each other and with `run`, the same bytes at any thread count, `--precision` as
//! the most runs any scenario needs, the files written (or not, with `--no-charts`), bad input
//! as one line with nothing written, memory that does not grow with `--runs`, and the progress
//! bar.

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use common::*;

const COMPARISON_HEADER: &str = "scenario,baseline,prob_reached,prob_reached_diff,median_year,median_year_diff,\
                                 mean_delay_years,prob_delayed,prob_same,prob_advanced";
const DELAY_HEADER: &str = "scenario,delay,prob";
/// The files of a comparison, sorted as [`files_in`] lists them.
const COMPARE_FILES: [&str; 5] = ["compare.svg", "comparison.csv", "delay.csv", "report.html", "run.json"];
const COMPARE_FILES_WITHOUT_CHARTS: [&str; 3] = ["comparison.csv", "delay.csv", "run.json"];

/// Rounding of a sum of a few shares, each a count divided by the runs.
const SUM_TOLERANCE: f64 = 1e-12;

/// Writes each `(file name, text)` into `dir`; their paths, in order.
fn write_all(dir: &Path, scenarios: &[(&str, &str)]) -> Vec<String> {
    scenarios.iter().map(|(file, text)| write_scenario(dir, file, text).to_str().unwrap().to_string()).collect()
}

/// Runs `tradesim compare FILES... -o OUT ARGS...` and asserts success.
fn compare_ok(files: &[String], out: &Path, args: &[&str]) -> Outcome {
    let mut all = vec!["compare"];
    all.extend(files.iter().map(String::as_str));
    all.extend(["-o", out.to_str().unwrap()]);
    all.extend(args);
    run_ok(out.parent().unwrap(), &all)
}

/// The data rows of a CSV file, split into cells.
fn rows(path: &Path, header: &str) -> Vec<Vec<String>> {
    let lines = csv_lines(path);
    assert_eq!(lines[0], header, "{}", path.display());
    lines[1..].iter().map(|l| cells(l)).collect()
}

fn number(cell: &str) -> f64 {
    assert!(is_plain_decimal(cell), "not a plain decimal: {cell:?}");
    cell.parse().unwrap()
}

/// 460 growing by a constant 40% a year: first at or above 1000 in 2025.
fn constant() -> String {
    MINIMAL_SCENARIO.to_string()
}

/// [`constant`] with one scheduled shock.
fn constant_with(name: &str, keys: &str) -> String {
    scenario_with(MINIMAL_GROWTH, &shock(name, keys))
}

#[test]
fn scheduled_shocks_delay_stop_or_advance_every_path_by_what_the_arithmetic_says() {
    let dir = temp_dir();
    let files = write_all(
        dir.path(),
        &[
            ("base.toml", &constant()),
            // 2024: 644 * 1.4 * 0.5 = 450.8, then 631.1, 883.6, 1237.0: reached in 2027, two years late.
            ("halved.toml", &constant_with("halving", "year = 2024\nlevel_change = -0.5")),
            // Growth 40% - 40% = 0 from 2023 on: 460 for ever, never reached.
            ("stalled.toml", &constant_with("stall", "year = 2023\nduration = \"permanent\"\ngrowth_change = -0.4")),
            // 2023: 460 * 1.4 * 2 = 1288: reached in 2023, two years early.
            ("doubled.toml", &constant_with("doubling", "year = 2023\nlevel_change = 1.0")),
        ],
    );
    let out = dir.path().join("out");
    compare_ok(&files, &out, &["-n", "1000", "-q"]);
    assert_eq!(
        csv_lines(&out.join("comparison.csv")),
        [
            COMPARISON_HEADER,
            "halved,base,1,0,2027,2,2,1,0,0",
            "stalled,base,0,-1,,,,1,0,0",
            "doubled,base,1,0,2023,-2,-2,0,0,1",
        ]
    );
    assert_eq!(
        csv_lines(&out.join("delay.csv")),
        [
            DELAY_HEADER,
            "halved,2,1",
            "halved,baseline_only,0",
            "halved,other_only,0",
            "halved,neither,0",
            "stalled,baseline_only,1",
            "stalled,other_only,0",
            "stalled,neither,0",
            "doubled,-2,1",
            "doubled,baseline_only,0",
            "doubled,other_only,0",
            "doubled,neither,0",
        ]
    );
    // The baseline the other way round: the stalled scenario as baseline, every path reaches
    // only in the other.
    let out = dir.path().join("reverse");
    compare_ok(&[files[2].clone(), files[0].clone()], &out, &["-n", "1000", "-q"]);
    assert_eq!(csv_lines(&out.join("comparison.csv"))[1], "base,stalled,1,1,2025,,,0,0,1");
}

/// SPEC §6: a copy under another name, or the scenario with a shock of probability 0 added,
/// gives every path the same first-passage year.
#[test]
fn a_copy_and_a_shock_that_never_starts_change_no_path() {
    let dir = temp_dir();
    let stress = shock_scenario();
    let copy = edit(&stress, "name = \"stress\"", "name = \"copy\"");
    let never = edit(&stress, "name = \"stress\"", "name = \"never\"")
        + &shock("never", "probability = 0.0\nlevel_change = -0.5");
    let files = write_all(dir.path(), &[("stress.toml", &stress), ("copy.toml", &copy), ("never.toml", &never)]);
    let out = dir.path().join("out");
    compare_ok(&files, &out, &["-n", &RUNS.to_string(), "-q"]);
    for row in rows(&out.join("comparison.csv"), COMPARISON_HEADER) {
        assert_eq!(row[1], "stress");
        assert_eq!(row[3], "0", "prob_reached_diff of {}", row[0]);
        assert_eq!(row[5], "0", "median_year_diff of {}", row[0]);
        assert_eq!(row[6], "0", "mean_delay_years of {}", row[0]);
        assert_eq!(row[7..], ["0", "1", "0"], "delayed, same, advanced of {}", row[0]);
    }
    let delays = rows(&out.join("delay.csv"), DELAY_HEADER);
    for name in ["copy", "never"] {
        let mine: Vec<&Vec<String>> = delays.iter().filter(|r| r[0] == name).collect();
        let outcomes: Vec<&str> = mine.iter().map(|r| r[1].as_str()).collect();
        assert_eq!(outcomes, ["0", "baseline_only", "other_only", "neither"], "{name}");
        assert_eq!((mine[1][2].as_str(), mine[2][2].as_str()), ("0", "0"), "{name}");
        // The scenario leaves some paths short of the target: they are "neither".
        assert!(number(&mine[3][2]) > 0.0, "{name}: {mine:?}");
        assert!((number(&mine[0][2]) + number(&mine[3][2]) - 1.0).abs() < SUM_TOLERANCE);
    }
}

/// The library's baseline against its sanctions scenario: the shares of every kind add up to 1,
/// agree with each other, and the figures of each scenario are those of `tradesim run` with the
/// same runs and seed (the comparison simulates the same paths).
#[test]
fn shares_add_up_and_agree_with_each_other_and_with_run() {
    let dir = temp_dir();
    let library = repo_root().join(LIBRARY);
    let names = ["baseline", "secondary_sanctions", "combined_stress"];
    let files: Vec<String> =
        names.iter().map(|n| library.join(format!("{n}.toml")).to_str().unwrap().to_string()).collect();
    let out = dir.path().join("out");
    let runs = RUNS.to_string();
    compare_ok(&files, &out, &["-n", &runs, "--seed", &SEED.to_string(), "-q"]);
    let comparison = rows(&out.join("comparison.csv"), COMPARISON_HEADER);
    let delays = rows(&out.join("delay.csv"), DELAY_HEADER);
    assert_eq!(comparison.iter().map(|r| r[0].as_str()).collect::<Vec<_>>(), &names[1..], "in the order given");

    let run_out = dir.path().join("run");
    let mut args = vec!["run"];
    args.extend(files.iter().map(String::as_str));
    args.extend(["-n", &runs, "--seed", "7", "-o", run_out.to_str().unwrap(), "-q", "--no-charts"]);
    assert_eq!(SEED, 7);
    run_ok(dir.path(), &args);
    let summary = rows(&run_out.join("summary.csv"), SUMMARY_HEADER);
    let (prob_reached, median_year) = (7, 10);

    for (row, ran) in comparison.iter().zip(&summary[1..]) {
        let name = row[0].as_str();
        assert_eq!(row[1], "baseline");
        assert_eq!((&row[2], &row[4]), (&ran[prob_reached], &ran[median_year]), "{name}: as `run` has them");
        let p: Vec<f64> = row[7..].iter().map(|c| number(c)).collect();
        assert!((p.iter().sum::<f64>() - 1.0).abs() < SUM_TOLERANCE, "{name}: delayed + same + advanced = {p:?}");

        let mine: Vec<(&str, f64)> =
            delays.iter().filter(|r| r[0] == name).map(|r| (r[1].as_str(), number(&r[2]))).collect();
        let total: f64 = mine.iter().map(|(_, p)| p).sum();
        assert!((total - 1.0).abs() < SUM_TOLERANCE, "{name}: delay.csv adds up to {total}");
        let outcome = |what: &str| mine.iter().find(|(d, _)| *d == what).unwrap().1;
        let by_delay: Vec<(i64, f64)> =
            mine.iter().filter_map(|(d, p)| d.parse::<i64>().ok().map(|d| (d, *p))).collect();
        assert!(by_delay.windows(2).all(|w| w[0].0 < w[1].0), "{name}: delays ascending");
        assert!(by_delay.iter().all(|(_, p)| *p > 0.0), "{name}: only delays that some path has");
        let sum = |keep: fn(i64) -> bool| by_delay.iter().filter(|(d, _)| keep(*d)).map(|(_, p)| p).sum::<f64>();
        let close = |a: f64, b: f64, what: &str| assert!((a - b).abs() < SUM_TOLERANCE, "{name}: {what}: {a} vs {b}");
        close(p[0], sum(|d| d > 0) + outcome("baseline_only"), "delayed");
        close(p[1], sum(|d| d == 0) + outcome("neither"), "same");
        close(p[2], sum(|d| d < 0) + outcome("other_only"), "advanced");
        close(number(&row[3]), outcome("other_only") - outcome("baseline_only"), "prob_reached_diff");
        close(number(&row[3]), number(&row[2]) - number(&summary[0][prob_reached]), "prob_reached_diff vs run");
        let both = sum(|_| true);
        let mean = by_delay.iter().map(|(d, p)| *d as f64 * p).sum::<f64>() / both;
        assert!((number(&row[6]) - mean).abs() < 1e-9, "{name}: mean delay {} vs {mean}", row[6]);
        let median_diff = row[4].parse::<i32>().unwrap() - summary[0][median_year].parse::<i32>().unwrap();
        assert_eq!(row[5], median_diff.to_string());
        // These scenarios only ever lower trade (level falls, growth cuts, caps), path by path
        // on the same draws: no path reaches the target earlier.
        assert_eq!(row[9], "0", "{name}: prob_advanced");
        assert!(p[0] > 0.0, "{name}: some paths are delayed");
    }
}

#[test]
fn the_same_bytes_at_any_thread_count() {
    let dir = temp_dir();
    let stress = shock_scenario();
    let calmer = set_keys(&edit(&stress, "name = \"stress\"", "name = \"calmer\""), &[("probability", "0.05")]);
    let files = write_all(dir.path(), &[("stress.toml", &stress), ("calmer.toml", &calmer)]);
    let runs = RUNS_DETERMINISM.to_string();
    let outputs: Vec<PathBuf> = ["1", "2"]
        .iter()
        .map(|j| {
            let out = dir.path().join(format!("j{j}"));
            compare_ok(&files, &out, &["-n", &runs, "-j", j, "-q"]);
            out
        })
        .collect();
    let listed = files_in(&outputs[0]);
    assert_eq!(listed, COMPARE_FILES.map(PathBuf::from));
    assert_eq!(listed, files_in(&outputs[1]));
    for file in listed {
        assert_eq!(fs::read(outputs[0].join(&file)).unwrap(), fs::read(outputs[1].join(&file)).unwrap(), "{file:?}");
    }
}

/// `--precision`: every scenario gets the most runs any of them needs on its own (SPEC §7), and
/// the files are those of a plain comparison with that many runs.
#[test]
fn precision_runs_every_scenario_with_the_most_any_needs() {
    let dir = temp_dir();
    // Constant growth is certain: one batch meets any target. The stress scenario needs more.
    // (Its horizon is 2045: the constant scenario is given the same years.)
    let certain = set_keys(&constant(), &[("horizon_year", "2045")]);
    let files = write_all(dir.path(), &[("base.toml", &certain), ("stress.toml", &shock_scenario())]);
    let precision = "0.01";
    let needed = |file: &str, name: &str| -> u64 {
        let out = dir.path().join(format!("run_{name}"));
        run_ok(dir.path(), &["run", file, "--precision", precision, "-o", out.to_str().unwrap(), "-q", "--no-charts"]);
        rows(&out.join("summary.csv"), SUMMARY_HEADER)[0][1].parse().unwrap()
    };
    let (base, stress) = (needed(&files[0], "base"), needed(&files[1], "stress"));
    assert_eq!(base, BATCH_PATHS, "a certain scenario needs one batch");
    assert!(stress > base, "the stress scenario needs more: {stress}");
    let pair = files;
    let precise = dir.path().join("precise");
    compare_ok(&pair, &precise, &["--precision", precision, "-q"]);
    let json: serde_json::Value = serde_json::from_slice(&fs::read(precise.join("run.json")).unwrap()).unwrap();
    assert_eq!(json["runs"], stress.max(base));
    assert_eq!(json["options"]["precision"], 0.01);
    let plain = dir.path().join("plain");
    compare_ok(&pair, &plain, &["-n", &stress.to_string(), "-q"]);
    for file in ["comparison.csv", "delay.csv", "compare.svg"] {
        assert_eq!(fs::read(precise.join(file)).unwrap(), fs::read(plain.join(file)).unwrap(), "{file}");
    }
}

#[test]
fn the_files_of_a_comparison_in_the_default_folder_and_without_charts() {
    let dir = temp_dir();
    write_all(
        dir.path(),
        &[
            ("scenarios/base.toml", &constant()),
            ("scenarios/halved.toml", &constant_with("h", "year = 2024\nlevel_change = -0.5")),
        ],
    );
    let outcome = run_ok(dir.path(), &["compare", "scenarios/base.toml", "scenarios/halved.toml", "-n", "1000"]);
    let out = dir.path().join("results").join("compare_base");
    assert_eq!(files_in(&out), COMPARE_FILES.map(PathBuf::from));
    assert_eq!(files_in(&dir.path().join("results")).len(), COMPARE_FILES.len(), "nothing else written");
    // The terminal: a row for the baseline and one per other scenario, and where the files are.
    let lines: Vec<&str> = outcome.stdout.lines().collect();
    let row = |name: &str| lines.iter().find(|l| l.starts_with(&format!("{name} "))).copied();
    let halved: Vec<&str> = row("halved").expect("a row for halved").split_whitespace().collect();
    assert_eq!(halved, ["halved", "100%", "0.0", "2027", "+2", "+2.00", "100%", "0%", "0%"]);
    assert!(row("base (baseline)").is_some_and(|r| r.contains("100%") && r.contains("2025")), "{}", outcome.stdout);
    assert!(outcome.stdout.contains(&format!("Results in {}", Path::new("results").join("compare_base").display())));

    let json: serde_json::Value = serde_json::from_slice(&fs::read(out.join("run.json")).unwrap()).unwrap();
    assert_eq!(json["command"], "compare");
    assert_eq!(json["options"], serde_json::json!({ "runs": 1000, "seed": 2022 }));
    assert_eq!((json["runs"].clone(), json["baseline"].clone()), (serde_json::json!(1000), serde_json::json!("base")));
    let paths: Vec<&str> =
        json["scenario_files"].as_array().unwrap().iter().map(|f| f["path"].as_str().unwrap()).collect();
    assert_eq!(paths, ["scenarios/base.toml", "scenarios/halved.toml"], "as given, never made absolute");

    let report = fs::read_to_string(out.join("report.html")).unwrap();
    assert!(
        report.contains(
            "halved against base: delays the target on 100% of paths and never advances it; 2.00 years later"
        )
    );
    assert_eq!(report.matches("<svg ").count(), 1, "the comparison chart");
    assert!(!report.contains("http"), "self-contained");

    let bare = dir.path().join("bare");
    let quiet = run_ok(
        dir.path(),
        &["compare", "scenarios/base.toml", "scenarios/halved.toml", "-n", "1000", "--no-charts", "-q", "-o", "bare"],
    );
    assert_eq!((quiet.stdout.as_str(), quiet.stderr.as_str()), ("", ""), "--quiet");
    assert_eq!(files_in(&bare), COMPARE_FILES_WITHOUT_CHARTS.map(PathBuf::from));
}

/// Bad input (SPEC §4, §6.2): one line naming the problem, exit 2, nothing on stdout, nothing
/// written.
#[test]
fn bad_input_is_one_line_and_nothing_written() {
    let dir = temp_dir();
    let later = set_keys(&constant(), &[("horizon_year", "2040")]);
    let earlier = set_keys(&constant(), &[("base_year", "2021")]);
    let files =
        write_all(dir.path(), &[("base.toml", &constant()), ("later.toml", &later), ("earlier.toml", &earlier)]);
    let out = dir.path().join("out");
    let o = out.to_str().unwrap();
    let (base, later, earlier) = (files[0].as_str(), files[1].as_str(), files[2].as_str());
    let missing = dir.path().join("missing.toml");
    let missing = missing.to_str().unwrap();
    let cases: Vec<(&str, Vec<&str>, String)> = vec![
        (
            "another horizon",
            vec![base, later],
            format!("error: {later}: horizon_year 2040 differs from the baseline's 2050 ({base})"),
        ),
        (
            "another base year",
            vec![base, earlier],
            format!("error: {earlier}: base_year 2021 differs from the baseline's 2022 ({base})"),
        ),
        ("a missing file", vec![base, missing], format!("error: {missing}: ")),
        ("only one scenario", vec![base], "error: the following required arguments were not provided".into()),
        ("--precision with --runs", vec![base, base, "--precision", "0.01", "-n", "1000"], "error: ".into()),
    ];
    for (what, args, start) in cases {
        let mut all = vec!["compare"];
        all.extend(args);
        all.extend(["-o", o]);
        let outcome = run_in(dir.path(), &all);
        let line = assert_one_error_line(&outcome, 2, what);
        assert!(line.starts_with(&start), "{what}: {line}");
        assert!(outcome.stdout.is_empty(), "{what}: {outcome}");
        assert!(!out.exists(), "{what}: something was written");
    }
}

/// Memory does not grow with `--runs`: the comparison keeps counts, never the paths. Storing
/// each path's first-passage year (8 bytes as `Option<u32>`) for the two scenarios would add
/// 2 x 1,900,000 x 8 bytes = 30 MB between the two runs; allow a sixth of that for what the
/// allocator and the thread pool do not give back the same way twice.
#[test]
fn memory_does_not_grow_with_runs() {
    let time = Path::new("/usr/bin/time");
    if !time.exists() {
        eprintln!("skipped: /usr/bin/time (GNU time) is not available to measure the peak memory");
        return;
    }
    let dir = temp_dir();
    let library = repo_root().join(LIBRARY);
    let files = ["baseline.toml", "secondary_sanctions.toml"].map(|f| library.join(f).to_str().unwrap().to_string());
    let peak_kib = |runs: u64| -> u64 {
        let out = dir.path().join(format!("out{runs}"));
        let report = dir.path().join(format!("time{runs}"));
        let status = std::process::Command::new(time)
            .args(["-f", "%M", "-o", report.to_str().unwrap(), bin(), "compare", &files[0], &files[1]])
            .args(["-n", &runs.to_string(), "-j", "2", "-q", "--no-charts", "-o", out.to_str().unwrap()])
            .status()
            .unwrap();
        assert!(status.success());
        let text = fs::read_to_string(&report).unwrap();
        text.trim().lines().last().unwrap().parse().unwrap()
    };
    let (small, large) = (peak_kib(100_000), peak_kib(2_000_000));
    eprintln!("peak memory: {small} KiB at 100,000 runs, {large} KiB at 2,000,000 runs");
    let allowed_kib = 2 * 1_900_000 * 8 / 1024 / 6;
    assert!(large <= small + allowed_kib, "peak memory grew from {small} KiB to {large} KiB");
}

/// A comparison expected to take over a second shows a bar at a terminal; piped, nothing.
#[test]
fn a_progress_bar_at_a_terminal_and_none_when_piped() {
    if !have_script() {
        eprintln!("skipped: the `script` command (util-linux) is not available to provide a terminal");
        return;
    }
    let dir = temp_dir();
    let library = repo_root().join(LIBRARY);
    let files = ["baseline.toml", "secondary_sanctions.toml"].map(|f| library.join(f).to_str().unwrap().to_string());
    let out = dir.path().join("out");
    let args =
        ["compare", &files[0], &files[1], "-n", "5000000", "-j", "2", "-o", out.to_str().unwrap(), "--no-charts"];
    let terminal = capture(&mut under_terminal(&args));
    assert_eq!(terminal.code, Some(0), "{terminal}");
    assert!(terminal.stdout.contains("compare [") && terminal.stdout.contains('%'), "no bar:\n{terminal}");
    let piped = capture(tradesim().args(args));
    assert_eq!(piped.code, Some(0), "{piped}");
    assert_eq!(piped.stderr, "", "piped stderr gets no bar");
}
