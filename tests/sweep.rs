//! `tradesim sweep` from the command line (SPEC §6.1, §7): the naive question answered in one
//! command; the files and their columns; every point is the run of its scenario written as a
//! file, on the same seed (common random numbers); the same bytes at any thread count; each
//! point to its own `--precision`; bad input of every kind is one line, exit 2, nothing
//! written; a progress bar at a terminal. (Common random numbers path by path are in
//! tests/properties.rs.)

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use common::*;

const SWEEP_COLUMNS: &str = "runs,prob_reached,prob_reached_se,p10_year,median_year,p90_year,expected_path_year";
const SWEEP_FILES: [&str; 6] =
    ["heatmap.svg", "report.html", "run.json", "sweep.csv", "sweep.svg", "sweep_first_passage.csv"];

/// A scenario with normal growth and two shocks, for sweeps of growth and shock keys.
fn normal_with_shocks() -> String {
    let growth = "[growth]\ndistribution = \"normal\"\nmean = 0.12\nsd = 0.15\nlong_run_mean = 0.05\nhalf_life = 4.0\n";
    let shocks = [
        shock(
            "EU sanctions",
            "kind = \"sanction\"\nprobability = 0.1\nfirst_year = 2024\nduration = 2\nlevel_change = -0.2",
        ),
        shock("ferry cap", "kind = \"route\"\nyear = 2026\nduration = 3\ncap_value = 800.0"),
    ]
    .concat();
    named("swept", &scenario_with(growth, &shocks))
}

fn paths(files: &[&str]) -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = files.iter().map(PathBuf::from).collect();
    paths.sort();
    paths
}

fn read_json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&fs::read_to_string(path).unwrap()).unwrap()
}

/// The rows of a CSV file as cells, without the header.
fn rows(path: &Path) -> Vec<Vec<String>> {
    csv_lines(path)[1..].iter().map(|l| cells(l)).collect()
}

// ---------------------------------------------------------------------------------------------
// The naive question (SPEC §6.1, issue 19)
// ---------------------------------------------------------------------------------------------

/// `tradesim sweep scenarios/naive_constant_40.toml --vary growth.mean=0.2,0.3,0.4,0.5`: median
/// years 2027, 2025, 2025, 2024, in a table on stdout and in
/// `results/sweep_naive_constant_40/sweep.csv`.
#[test]
fn the_naive_question_is_answered_in_one_command() {
    let dir = temp_dir();
    let library = fs::read_to_string(repo_root().join(LIBRARY).join("naive_constant_40.toml")).unwrap();
    write_scenario(dir.path(), "scenarios/naive_constant_40.toml", &library);
    let outcome =
        run_ok(dir.path(), &["sweep", "scenarios/naive_constant_40.toml", "--vary", "growth.mean=0.2,0.3,0.4,0.5"]);
    assert_eq!(outcome.stderr, "", "{outcome}");
    let table: Vec<&str> = outcome.stdout.lines().skip(2).take(5).collect();
    assert_eq!(
        table,
        [
            "growth.mean  P(reached)  median  10-90% years  expected path",
            "        0.2        100%    2027     2027-2027           2027",
            "        0.3        100%    2025     2025-2025           2025",
            "        0.4        100%    2025     2025-2025           2025",
            "        0.5        100%    2024     2024-2024           2024",
        ],
        "{outcome}"
    );
    assert!(outcome.stdout.starts_with("tradesim sweep: naive_constant_40, 4 points, 100000 runs each, seed 2022\n"));
    let out = dir.path().join("results/sweep_naive_constant_40");
    assert_eq!(
        files_in(&out),
        paths(&["report.html", "run.json", "sweep.csv", "sweep.svg", "sweep_first_passage.csv"])
    );
    let medians: Vec<String> = rows(&out.join("sweep.csv")).into_iter().map(|r| r[5].clone()).collect();
    assert_eq!(medians, ["2027", "2025", "2025", "2024"]);
}

// ---------------------------------------------------------------------------------------------
// Files (SPEC §6.1, §7)
// ---------------------------------------------------------------------------------------------

/// sweep.csv has a row per point, the first key varying slowest, the keys' columns named as
/// given; sweep_first_passage.csv a row per point and year; run.json records the sweep and
/// each point; the charts and the report are there unless --no-charts.
#[test]
fn the_files_have_the_contract_columns_and_rows() {
    let dir = temp_dir();
    write_scenario(dir.path(), "swept.toml", &normal_with_shocks());
    let varies = ["shocks.EU sanctions.probability=0,0.5", "growth.mean=0.1:0.3:0.1"];
    let args = ["sweep", "swept.toml", "--vary", varies[0], "--vary", varies[1], "-n", "3000", "-q"];
    let outcome = run_ok(dir.path(), &[&args[..], &["-o", "out"]].concat());
    assert_eq!((outcome.stdout.as_str(), outcome.stderr.as_str()), ("", ""));
    let out = dir.path().join("out");
    assert_eq!(files_in(&out), paths(&SWEEP_FILES));

    let sweep = csv_lines(&out.join("sweep.csv"));
    assert_eq!(sweep[0], format!("shocks.EU sanctions.probability,growth.mean,{SWEEP_COLUMNS}"));
    let points: Vec<(String, String)> =
        rows(&out.join("sweep.csv")).into_iter().map(|r| (r[0].clone(), r[1].clone())).collect();
    let expected: Vec<(String, String)> =
        [("0", "0.1"), ("0", "0.2"), ("0", "0.3"), ("0.5", "0.1"), ("0.5", "0.2"), ("0.5", "0.3")]
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect();
    assert_eq!(points, expected);
    for row in rows(&out.join("sweep.csv")) {
        assert_eq!(row[2], "3000");
        for cell in &row[3..5] {
            assert!(is_plain_decimal(cell), "{row:?}");
        }
        for cell in &row[5..] {
            assert!(cell.is_empty() || cell.parse::<i32>().is_ok(), "years are integers: {row:?}");
        }
    }
    // Raising the chance of sanctions never raises P(reached); raising growth never lowers it.
    let reached: Vec<f64> = rows(&out.join("sweep.csv")).iter().map(|r| r[3].parse().unwrap()).collect();
    assert!(reached[0] <= reached[1] && reached[1] <= reached[2] && reached[3] <= reached[4], "{reached:?}");
    assert!((0..3).all(|i| reached[i + 3] <= reached[i]), "{reached:?}");

    let first_passage = csv_lines(&out.join("sweep_first_passage.csv"));
    assert_eq!(first_passage[0], "shocks.EU sanctions.probability,growth.mean,year,prob_reached_by");
    assert_eq!(first_passage.len(), 1 + 6 * (2050 - 2022 + 1));
    let first = rows(&out.join("sweep_first_passage.csv"));
    assert_eq!(first[0][..3], ["0", "0.1", "2022"]);
    assert_eq!(first[29][..3], ["0", "0.2", "2022"]);
    assert_eq!(first.last().unwrap()[..3], ["0.5", "0.3", "2050"]);
    assert!(first.iter().all(|r| is_plain_decimal(&r[3])));

    let json = read_json(&out.join("run.json"));
    assert_eq!(json["command"], "sweep");
    assert_eq!(json["options"], serde_json::json!({ "runs": 3000, "seed": 2022, "vary": varies }));
    assert_eq!(json["scenario_files"][0]["path"], "swept.toml");
    assert_eq!(json["scenarios"][0]["name"], "swept");
    assert_eq!(json["points"].as_array().unwrap().len(), 6);
    assert_eq!(
        json["points"][5],
        serde_json::json!({ "values": { "shocks.EU sanctions.probability": 0.5, "growth.mean": 0.3 }, "runs": 3000 })
    );
    let report = fs::read_to_string(out.join("report.html")).unwrap();
    for needle in
        ["When does swept reach 1,000 USD million", "sweep.csv", "<svg", "The base scenario: swept", "Provenance"]
    {
        assert!(report.contains(needle), "the report lacks {needle:?}");
    }

    run_ok(dir.path(), &[&args[..], &["--no-charts", "-o", "bare"]].concat());
    assert_eq!(files_in(&dir.path().join("bare")), paths(&["run.json", "sweep.csv", "sweep_first_passage.csv"]));
    for file in ["sweep.csv", "sweep_first_passage.csv", "run.json"] {
        assert_eq!(fs::read(out.join(file)).unwrap(), fs::read(dir.path().join("bare").join(file)).unwrap(), "{file}");
    }
    // One key: no heat map.
    run_ok(dir.path(), &["sweep", "swept.toml", "--vary", varies[1], "-n", "100", "-o", "one", "-q"]);
    assert!(!dir.path().join("one/heatmap.svg").exists() && dir.path().join("one/sweep.svg").exists());
}

/// Every point is the run of its scenario as if the values were written in the file, with the
/// same seed: sweep.csv's figures are summary.csv's, sweep_first_passage.csv's are
/// first_passage.csv's.
#[test]
fn each_point_is_the_run_of_its_values_written_in_the_file() {
    let dir = temp_dir();
    let text = normal_with_shocks();
    write_scenario(dir.path(), "swept.toml", &text);
    let vary = ["--vary", "growth.sd=0.05,0.3", "--vary", "shocks.ferry cap.cap_value=700,5000"];
    run_ok(dir.path(), &[&["sweep", "swept.toml", "-n", "9000", "--seed", "5", "-o", "s", "-q"][..], &vary].concat());
    let sweep = rows(&dir.path().join("s/sweep.csv"));
    let first_passage = rows(&dir.path().join("s/sweep_first_passage.csv"));
    for (i, (sd, cap)) in
        [("0.05", "700.0"), ("0.05", "5000.0"), ("0.3", "700.0"), ("0.3", "5000.0")].into_iter().enumerate()
    {
        let written = set_keys(&edit(&text, "cap_value = 800.0", &format!("cap_value = {cap}")), &[("sd", sd)]);
        write_scenario(
            dir.path(),
            &format!("p{i}.toml"),
            &written.replacen("name = \"swept\"", &format!("name = \"p{i}\""), 1),
        );
        let out = format!("r{i}");
        run_ok(
            dir.path(),
            &["run", &format!("p{i}.toml"), "-n", "9000", "--seed", "5", "-o", &out, "-q", "--no-charts"],
        );
        let summary = &rows(&dir.path().join(&out).join(SUMMARY_FILE))[0];
        // summary.csv: scenario,runs,seed,base_year,base_value,target_value,horizon_year, then the figures.
        assert_eq!(sweep[i][2..], [&summary[1..2], &summary[7..]].concat()[..], "point {i}");
        let run_first_passage = rows(&dir.path().join(&out).join(format!("p{i}/first_passage.csv")));
        let point_rows: Vec<&Vec<String>> =
            first_passage.iter().filter(|r| r[0] == sweep[i][0] && r[1] == sweep[i][1]).collect();
        assert_eq!(point_rows.len(), run_first_passage.len());
        for (a, b) in point_rows.iter().zip(&run_first_passage) {
            assert_eq!((&a[2], &a[3]), (&b[0], &b[2]), "point {i}: year, prob_reached_by");
        }
    }
}

/// The same sweep gives the same bytes, charts and report included, at any thread count.
#[test]
fn sweeps_are_byte_identical_at_any_thread_count() {
    let dir = temp_dir();
    write_scenario(dir.path(), "stress.toml", &shock_scenario());
    let args =
        ["sweep", "stress.toml", "--vary", "growth.mean=0.05,0.2", "--vary", "growth.sd=0.1,0.3", "-n", "20000", "-q"];
    run_ok(dir.path(), &[&args[..], &["-j", "1", "-o", "one"]].concat());
    run_ok(dir.path(), &[&args[..], &["-j", "2", "-o", "two"]].concat());
    let files = files_in(&dir.path().join("one"));
    assert_eq!(files, paths(&SWEEP_FILES));
    for file in files {
        let (a, b) = (dir.path().join("one").join(&file), dir.path().join("two").join(&file));
        assert_eq!(fs::read(&a).unwrap(), fs::read(&b).unwrap(), "{} differs", file.display());
    }
}

/// With --precision each point runs to its own target: a point with no randomness needs one
/// batch, a random one more; each row is the plain run of that many paths.
#[test]
fn precision_runs_each_point_to_its_own_target() {
    let dir = temp_dir();
    write_scenario(
        dir.path(),
        "n.toml",
        &scenario_with("[growth]\ndistribution = \"normal\"\nmean = 0.1\nsd = 0.1\n", ""),
    );
    let outcome =
        run_ok(dir.path(), &["sweep", "n.toml", "--vary", "growth.sd=0,0.3", "--precision", "0.01", "-o", "p"]);
    let sweep = rows(&dir.path().join("p/sweep.csv"));
    let runs: Vec<u64> = sweep.iter().map(|r| r[1].parse().unwrap()).collect();
    assert_eq!(runs[0], BATCH_PATHS, "no randomness: one batch");
    assert!(runs[1] > BATCH_PATHS && runs[1].is_multiple_of(BATCH_PATHS), "{runs:?}");
    assert!(outcome.stdout.contains(&format!("{} to {} runs", runs[0], runs[1])), "{outcome}");
    assert!(outcome.stdout.lines().nth(2).unwrap().contains("runs"), "a runs column:\n{outcome}");
    let json = read_json(&dir.path().join("p/run.json"));
    assert_eq!(json["options"]["precision"], 0.01);
    assert_eq!(json["points"][1]["runs"], runs[1]);
    let plain = ["sweep", "n.toml", "--vary", "growth.sd=0.3", "-n", &runs[1].to_string(), "-o", "plain", "-q"];
    run_ok(dir.path(), &plain);
    assert_eq!(rows(&dir.path().join("plain/sweep.csv"))[0], sweep[1]);
    // A target that cannot be met within --max-runs is said, per point (exit 0).
    let capped = run_ok(
        dir.path(),
        &["sweep", "n.toml", "--vary", "growth.sd=0,0.3", "--precision", "0.001", "--max-runs", "9000", "-o", "c"],
    );
    let notes: Vec<&str> = capped.stderr.lines().collect();
    assert_eq!(notes.len(), 1, "{capped}");
    assert!(notes[0].starts_with("note: sweep growth.sd=0.3: --precision 0.001 not reached within --max-runs 9000"));
}

// ---------------------------------------------------------------------------------------------
// Bad input (SPEC §4, §6.1): one line, exit 2, nothing written
// ---------------------------------------------------------------------------------------------

#[test]
fn bad_input_is_one_line_exit_2_and_writes_nothing() {
    let dir = temp_dir();
    write_scenario(dir.path(), "swept.toml", &normal_with_shocks());
    write_scenario(dir.path(), "constant.toml", MINIMAL_SCENARIO);
    let inputs = files_in(dir.path());
    let cases: [(&[&str], &str); 16] = [
        (&["--vary", "growth.meen=0.1"], "'growth.meen' is not a key a sweep can set"),
        (&["--vary", "trade.base_year=2020"], "'trade.base_year' is not a key a sweep can set"),
        (
            &["--vary", "shocks.US sanctions.probability=0.1"],
            "sweep shocks.US sanctions.probability=0.1: swept.toml has no shock named 'US sanctions'",
        ),
        (&["--vary", "growth.sd=-0.1"], "error: sweep growth.sd=-0.1: growth.sd must be"),
        (&["--vary", "growth.sd=0.1,-0.1,-0.2"], "(1 other point breaks a rule too)"),
        (&["--vary", "shocks.EU sanctions.probability=0.5,1.5"], "sweep shocks.EU sanctions.probability=1.5: "),
        (&["--vary", "trade.horizon_year=2030,2300"], "sweep trade.horizon_year=2300: "),
        (&["--vary", "growth.mean=0.1:0.5"], "FROM:TO:STEP"),
        (&["--vary", "growth.mean=0.5:0.1:0.1"], "never gets there"),
        (&["--vary", "growth.mean="], "empty"),
        (&["--vary", "growth.mean=0.1,,0.2"], "empty value"),
        (&["--vary", "growth.mean=0.1", "--precision", "0.01"], "--precision"),
        (&[], "--vary"),
        (&["--vary", "growth.mean=0.1", "--vary", "growth.mean=0.2"], "--vary growth.mean is given twice"),
        (&["--vary", "growth.mean=0:1:0.001", "--vary", "growth.sd=0:1:0.01"], "more than 10000"),
        (&["--vary", "trade.horizon_year=2030.5"], "whole numbers"),
    ];
    for (extra, expected) in cases {
        let args = [&["sweep", "swept.toml", "-o", "out", "-n", "100"][..], extra].concat();
        let outcome = run_in(dir.path(), &args);
        let line = assert_one_error_line(&outcome, 2, &args.join(" "));
        assert!(line.contains(expected), "{args:?}: expected {expected:?} in\n{line}");
        assert_eq!(files_in(dir.path()), inputs, "{args:?} wrote files");
    }
    // A key that does not apply to the distribution, and a scenario file that is not there.
    for (args, expected) in [
        (
            &["sweep", "constant.toml", "--vary", "growth.sd=0.1", "-o", "out"][..],
            "sweep growth.sd=0.1: growth.sd does not apply",
        ),
        (&["sweep", "missing.toml", "--vary", "growth.mean=0.1", "-o", "out"], "missing.toml"),
    ] {
        let outcome = run_in(dir.path(), args);
        let line = assert_one_error_line(&outcome, 2, &args.join(" "));
        assert!(line.contains(expected), "{args:?}: expected {expected:?} in\n{line}");
        assert_eq!(files_in(dir.path()), inputs, "{args:?} wrote files");
    }
}

/// Each bad --vary option gets its own line (all are said at once).
#[test]
fn every_bad_vary_option_is_said() {
    let dir = temp_dir();
    write_scenario(dir.path(), "a.toml", MINIMAL_SCENARIO);
    let outcome = run_in(dir.path(), &["sweep", "a.toml", "--vary", "growth.x=1", "--vary", "growth.mean=", "-o", "o"]);
    assert_eq!(outcome.code, Some(2), "{outcome}");
    assert_eq!(outcome.stderr_lines().len(), 2, "{outcome}");
    assert!(!dir.path().join("o").exists());
}

// ---------------------------------------------------------------------------------------------
// Progress (SPEC §7)
// ---------------------------------------------------------------------------------------------

/// A sweep expected to take over a second shows one progress bar for all its points at a
/// terminal; piped, nothing on stderr.
#[test]
fn a_progress_bar_for_the_whole_sweep() {
    if !have_script() {
        eprintln!("skipped: the `script` command (util-linux) is not available to provide a terminal");
        return;
    }
    let dir = temp_dir();
    let scenario = write_scenario(dir.path(), "a.toml", MINIMAL_SCENARIO);
    let out = dir.path().join("out");
    // 3 points x 1,000,000 paths x 28 years on one thread: over a second by the progress
    // bar's estimate, on any machine.
    let args = [
        "sweep",
        scenario.to_str().unwrap(),
        "--vary",
        "growth.mean=0.1:0.3:0.1",
        "-n",
        "1000000",
        "-j",
        "1",
        "-o",
        out.to_str().unwrap(),
        "--no-charts",
    ];
    let terminal = capture(&mut under_terminal(&args));
    assert_eq!(terminal.code, Some(0), "{terminal}");
    assert!(terminal.stdout.contains("sweep a [") && terminal.stdout.contains('%'), "no bar:\n{terminal}");
    let piped = capture(tradesim().args(args));
    assert_eq!(piped.code, Some(0), "{piped}");
    assert_eq!(piped.stderr, "", "piped stderr gets no bar");
}
