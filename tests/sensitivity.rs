//! `tradesim sensitivity` (SPEC §6.3, §7) through the binary: cases worked by hand on constant
//! growth (where every path is the expected path, so the median years are exact), clipping to
//! the valid range, the order of the rows, a median beyond the horizon, bad input (one line,
//! exit 2, nothing written), the files and their provenance, `--precision` per run, and the same
//! bytes at any thread count.

mod common;

use std::fs;
use std::path::Path;

use common::*;

const CSV: &str = "sensitivity.csv";
const HEADER: &str = "param,low_value,high_value,prob_reached_low,prob_reached_base,prob_reached_high,\
                      median_year_low,median_year_base,median_year_high";
const FILES: [&str; 4] = ["report.html", "run.json", CSV, "tornado.svg"];

/// Runs `tradesim sensitivity FILE ARGS` in `dir` on the scenario `text` (written to `file`),
/// into `dir/out`; returns the lines of `sensitivity.csv` and the outcome.
fn sensitivity(dir: &Path, file: &str, text: &str, args: &[&str]) -> (Vec<String>, Outcome) {
    write_scenario(dir, file, text);
    let mut all = vec!["sensitivity", file, "-o", "out"];
    all.extend(args);
    let outcome = run_ok(dir, &all);
    (csv_lines(&dir.join("out").join(CSV)), outcome)
}

/// 460 growing a constant 40% a year to 1000: V = 644, 901.6, 1262.24 (2025).
/// - trade.base_value 368 (x 0.8): 515.2, 721.28, 1009.79 -> 2025; 552 (x 1.2): 772.8, 1081.92 -> 2024.
/// - trade.target_value 800: 901.6 >= 800 -> 2024; 1200: 901.6 < 1200 <= 1262.24 -> 2025.
/// - growth.mean 0.32: 607.2, 801.50, 1057.99 -> 2025; 0.48: 680.8, 1007.58 -> 2024.
///
/// Every row swings the median by one year and P(reached) by nothing: a tie, kept in the order
/// of the parameters (trade, then growth).
#[test]
fn constant_growth_of_40_percent_worked_by_hand() {
    let dir = temp_dir();
    let (lines, outcome) = sensitivity(dir.path(), "naive.toml", MINIMAL_SCENARIO, &["-n", "1000"]);
    assert_eq!(
        lines,
        [
            HEADER,
            "trade.base_value,368,552,1,1,1,2025,2025,2024",
            "trade.target_value,800,1200,1,1,1,2024,2025,2025",
            "growth.mean,0.32,0.48,1,1,1,2025,2025,2024",
        ]
    );
    assert_eq!(files_in(&dir.path().join("out")), FILES.map(std::path::PathBuf::from));
    // The terminal table and the answer.
    assert!(
        outcome.stdout.contains("trade.base_value     368    460    552  2025  2025  2024  100%  100%  100%\n"),
        "{outcome}"
    );
    assert!(
        outcome
            .stdout
            .contains("trade.base_value moves the median year the most, by 1 year: 2025 at 368 and 2024 at 552"),
        "{outcome}"
    );
    // --params in the order given: the tie keeps that order.
    let (lines, _) = sensitivity(
        dir.path(),
        "naive.toml",
        MINIMAL_SCENARIO,
        &["-n", "1", "--params", "growth.mean, trade.target_value"],
    );
    assert_eq!(
        lines,
        [HEADER, "growth.mean,0.32,0.48,1,1,1,2025,2025,2024", "trade.target_value,800,1200,1,1,1,2024,2025,2025"]
    );
}

/// 460 growing a constant 10% a year to 1000 by 2032: first reached after k years, the least k
/// with 460 * 1.1^k >= 1000, k >= ln(1000/460) / ln(1.1) = 8.15: 2031.
/// - trade.target_value 800: k >= 5.81 -> 2028; 1200: k >= 10.06 -> 2033, after the horizon
///   (empty; counted as 2033): a swing of 5 years.
/// - trade.base_value 368: k >= 10.49 -> after; 552: k >= 6.23 -> 2029: 4 years.
/// - growth.mean 0.08: k >= 10.09 -> after; 0.12: k >= 6.85 -> 2029: 4 years.
///
/// So the target comes first; base_value and mean tie (4 years; P(reached) 0 to 1 both) and
/// keep their order.
#[test]
fn rows_are_ranked_by_the_median_year_counting_after_the_horizon_as_one_year_after() {
    let dir = temp_dir();
    let text = set_keys(MINIMAL_SCENARIO, &[("horizon_year", "2032"), ("mean", "0.1")]);
    let (lines, _) = sensitivity(dir.path(), "ten.toml", &text, &["-n", "100"]);
    assert_eq!(
        lines,
        [
            HEADER,
            "trade.target_value,800,1200,1,1,0,2028,2031,",
            "trade.base_value,368,552,0,1,1,,2031,2029",
            "growth.mean,0.08,0.12,0,1,1,,2031,2029",
        ]
    );
}

#[test]
fn swings_are_clipped_to_the_valid_range() {
    let dir = temp_dir();
    let shocks = shock("likely", "probability = 0.9\nlevel_change = -0.2\nrecovery = 0.9")
        + &shock("scheduled", "year = 2024\ncap_value = 700.0");
    let text = scenario_with("[growth]\nmean = 0.1\nsd = 0.1\npersistence = 0.9\n", &shocks);
    let params = "shocks.likely.probability,shocks.likely.recovery,shocks.scheduled.probability,growth.persistence,\
                  shocks.likely.level_change";
    let (lines, _) = sensitivity(dir.path(), "s.toml", &text, &["-n", "100", "--params", params]);
    let values: Vec<(String, String, String)> = lines[1..]
        .iter()
        .map(|l| {
            let c = cells(l);
            (c[0].clone(), c[1].clone(), c[2].clone())
        })
        .collect();
    let value = |param: &str| values.iter().find(|v| v.0 == param).map(|v| (v.1.as_str(), v.2.as_str())).unwrap();
    // Probabilities and recoveries at most 1.
    assert_eq!(value("shocks.likely.probability"), ("0.72", "1"));
    assert_eq!(value("shocks.likely.recovery"), ("0.72", "1"));
    // The `year` shorthand's probability 1 can only go down.
    assert_eq!(value("shocks.scheduled.probability"), ("0.8", "1"));
    // Persistence stays below 1: 0.9 * 1.2 = 1.08 stops halfway to 1.
    assert_eq!(value("growth.persistence"), ("0.72", "0.95"));
    // A negative value: low is the smaller size.
    assert_eq!(value("shocks.likely.level_change"), ("-0.16", "-0.24"));
    assert_eq!(values.len(), 5);
}

/// Bad input: one line, exit 2, nothing on stdout, nothing written.
#[test]
fn bad_input_is_one_line_and_writes_nothing() {
    let dir = temp_dir();
    let lognormal = scenario_with("[growth]\nmean = 0.15\nsd = 0.15\n", &shock("ban", "probability = 0.1"));
    write_scenario(dir.path(), "s.toml", &lognormal);
    let cases: [(&[&str], &str); 14] = [
        (&["--swing", "0"], "--swing"),
        (&["--swing", "1"], "--swing"),
        (&["--swing", "1.5"], "--swing"),
        (&["--swing", "-0.2"], "--swing"),
        (&["--swing", "x"], "--swing"),
        (&["--params", "growth.persistence"], "growth.persistence is 0 in s.toml"),
        (&["--params", "shocks.ban.level_change"], "shocks.ban.level_change is 0 in s.toml"),
        (&["--params", "growth.meen"], "s.toml has no parameter growth.meen"),
        (&["--params", "shocks.nope.probability"], "s.toml has no parameter shocks.nope.probability"),
        (&["--params", "growth.min"], "which takes no min"),
        (&["--params", "trade.horizon_year"], "a year is not swung"),
        (&["--params", "shocks.ban.max_occurrences"], "is a count, not swung"),
        (&["--params", "growth.mean,growth.mean"], "listed twice"),
        (&["--precision", "0.01", "--runs", "1000"], "--precision"),
    ];
    for (args, expected) in cases {
        let mut all = vec!["sensitivity", "s.toml", "-o", "out"];
        all.extend(args);
        let what = args.join(" ");
        let line = assert_one_error_line(&run_in(dir.path(), &all), 2, &what);
        assert!(line.contains(expected), "{what}: expected {expected:?} in\n{line}");
        assert!(!dir.path().join("out").exists(), "{what}: something was written");
    }
    // A scenario file that is not there, or not valid, names itself.
    let line = assert_one_error_line(&run_in(dir.path(), &["sensitivity", "missing.toml"]), 2, "missing");
    assert!(line.starts_with("error: missing.toml: "), "{line}");
    write_scenario(dir.path(), "bad.toml", &set_keys(MINIMAL_SCENARIO, &[("mean", "-2.0")]));
    let line = assert_one_error_line(&run_in(dir.path(), &["sensitivity", "bad.toml"]), 2, "bad");
    assert!(line.starts_with("error: bad.toml:"), "{line}");
    assert!(!dir.path().join("results").exists());
}

#[test]
fn the_files_record_what_produced_them() {
    let dir = temp_dir();
    let text = named("naive", MINIMAL_SCENARIO);
    write_scenario(dir.path(), "n.toml", &text);
    // The default folder is results/sensitivity_<name>/.
    let params = "growth.mean, trade.target_value";
    run_ok(dir.path(), &["sensitivity", "n.toml", "-n", "100", "--swing", "0.5", "--params", params, "-q"]);
    let out = dir.path().join("results/sensitivity_naive");
    assert_eq!(files_in(&out), FILES.map(std::path::PathBuf::from));
    let json: serde_json::Value = serde_json::from_str(&fs::read_to_string(out.join("run.json")).unwrap()).unwrap();
    assert_eq!(json["command"], "sensitivity");
    assert_eq!(
        json["options"],
        serde_json::json!({
            "runs": 100,
            "seed": 2022,
            "swing": 0.5,
            "params": ["growth.mean", "trade.target_value"]
        })
    );
    assert_eq!(json["scenario_files"][0]["path"], "n.toml");
    assert_eq!(json["scenarios"][0]["growth"]["mean"], 0.4);
    assert_eq!(json["parameters"][0]["low_value"], 0.2);
    assert_eq!(json["parameters"][0]["high_value"], 0.6);
    // The report: the question, the answer, the table, the chart, the scenario, the provenance.
    let html = fs::read_to_string(out.join("report.html")).unwrap();
    for needle in [
        "Which parameter of naive matters most",
        "growth.mean moves the median year the most, by 3 years: 2027 at 0.2 and 2024 at 0.6",
        "<caption>Sensitivity (sensitivity.csv)",
        "<svg ",
        "tradesim sensitivity n.toml --runs 100 --seed 2022 --swing 0.5 --params growth.mean --params trade.target_value",
        "Not swung",
    ] {
        assert!(html.contains(needle), "report.html lacks {needle:?}");
    }
    let svg = fs::read_to_string(out.join("tornado.svg")).unwrap();
    assert!(svg.contains("naive: median year with each parameter 50% lower or higher"), "{svg}");

    // --no-charts: the CSV and run.json only; -q: nothing on stdout.
    let outcome = run_ok(dir.path(), &["sensitivity", "n.toml", "-n", "100", "-o", "plain", "--no-charts", "-q"]);
    assert!(outcome.stdout.is_empty() && outcome.stderr.is_empty(), "{outcome}");
    assert_eq!(files_in(&dir.path().join("plain")), ["run.json", CSV].map(std::path::PathBuf::from));
}

/// With `--precision`, each run goes to the target on its own, and the base run is the one a
/// `run --precision` gives.
#[test]
fn precision_applies_to_each_run() {
    let dir = temp_dir();
    write_scenario(dir.path(), "stress.toml", &shock_scenario());
    let precision = ["--precision", "0.01"];
    run_ok(
        dir.path(),
        &[&["sensitivity", "stress.toml", "-o", "sens", "--params", "growth.sd,trade.target_value"][..], &precision]
            .concat(),
    );
    run_ok(dir.path(), &[&["run", "stress.toml", "-o", "run", "--no-charts"][..], &precision].concat());
    let summary = cells(&csv_lines(&dir.path().join("run/summary.csv"))[1]);
    let json: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(dir.path().join("sens/run.json")).unwrap()).unwrap();
    assert_eq!(json["runs"].as_u64().unwrap().to_string(), summary[1], "the base run's paths");
    let rows = csv_lines(&dir.path().join("sens").join(CSV));
    for row in &rows[1..] {
        let c = cells(row);
        assert_eq!((c[4].as_str(), c[7].as_str()), (summary[7].as_str(), summary[10].as_str()), "{row}");
    }
    // Each swung run stopped at a whole batch of its own.
    let runs: Vec<u64> = json["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| [p["low_runs"].as_u64().unwrap(), p["high_runs"].as_u64().unwrap()])
        .collect();
    assert_eq!(runs.len(), 4);
    assert!(runs.iter().all(|&n| n % BATCH_PATHS == 0 && n > 0), "{runs:?}");
}

#[test]
fn the_same_bytes_at_any_thread_count() {
    let dir = temp_dir();
    write_scenario(dir.path(), "stress.toml", &shock_scenario());
    let runs = RUNS_DETERMINISM.to_string();
    for threads in ["1", "2"] {
        run_ok(dir.path(), &["sensitivity", "stress.toml", "-n", &runs, "-j", threads, "-o", threads, "-q"]);
    }
    let files = files_in(&dir.path().join("1"));
    assert_eq!(files, FILES.map(std::path::PathBuf::from));
    for file in files {
        let read = |threads: &str| fs::read(dir.path().join(threads).join(&file)).unwrap();
        assert!(read("1") == read("2"), "{} differs between -j 1 and -j 2", file.display());
    }
}
