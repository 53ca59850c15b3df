//! `tradesim calibrate` and `tradesim init` from the command line (SPEC §6.4, §6.5): what a
//! user types and sees. The estimators and the template are tested beside their code.

mod common;

use std::fs;

use common::*;

/// The shipped history fits a table that pastes into a scenario, with a warning that two rates
/// are few.
#[test]
fn calibrate_fits_the_shipped_history() {
    let history = repo_root().join("history/kz_az_turnover.csv");
    let outcome = run_ok(&repo_root(), &["calibrate", history.to_str().unwrap()]);
    // 2021-2023: 330 -> 461.9 -> 529.4, rates +39.97% and +14.61%.
    let (r1, r2) = ((461.9 - 330.0) / 330.0, (529.4 - 461.9) / 461.9);
    let mean = (r1 + r2) / 2.0;
    assert!(outcome.stdout.contains("distribution = \"lognormal\""), "{outcome}");
    let mean_line = outcome.stdout.lines().find(|l| l.starts_with("mean")).expect("a mean line");
    let fitted: f64 = mean_line.split('=').nth(1).unwrap().split('#').next().unwrap().trim().parse().unwrap();
    assert!((fitted - mean).abs() < 1e-15, "{fitted} vs {mean}");
    assert!(outcome.stderr.starts_with("warning: ") && outcome.stderr.contains("rough"), "{outcome}");
    // The table is a valid [growth] table.
    let table: String = outcome.stdout.lines().filter(|l| !l.starts_with('#')).collect::<Vec<_>>().join("\n");
    let text = edit(MINIMAL_SCENARIO, "[growth]\ndistribution = \"constant\"\nmean = 0.4\n", &table);
    let dir = temp_dir();
    write_scenario(dir.path(), "fitted.toml", &text);
    run_ok(dir.path(), &["validate", "fitted.toml"]);
    let normal = run_ok(&repo_root(), &["calibrate", history.to_str().unwrap(), "--distribution", "normal"]);
    assert!(normal.stdout.contains("distribution = \"normal\""), "{normal}");
}

/// A bad history is bad input: one line naming the file and line, exit 2.
#[test]
fn calibrate_refuses_a_bad_history_naming_the_line() {
    let dir = temp_dir();
    for (name, text, line) in [
        ("gap.csv", "year,value\n2020,100\n2022,120\n", 3),
        ("zero.csv", "year,value\n2020,100\n2021,0\n", 3),
        ("header.csv", "when,value\n2020,100\n2021,110\n", 1),
        ("short.csv", "year,value\n2020,100\n", 2),
        ("backwards.csv", "year,value\n2021,100\n2020,110\n", 3),
    ] {
        write_scenario(dir.path(), name, text);
        let outcome = run_in(dir.path(), &["calibrate", name]);
        let error = assert_one_error_line(&outcome, 2, name);
        assert!(error.starts_with(&format!("error: {name}:{line}")), "{name}: {error}");
    }
    let outcome = run_in(dir.path(), &["calibrate", "missing.csv"]);
    assert_one_error_line(&outcome, 2, "missing file");
    let outcome = run_in(dir.path(), &["calibrate", "gap.csv", "--distribution", "pert"]);
    assert_one_error_line(&outcome, 2, "--distribution pert");
}

/// `init` writes a template that validates and runs, by default at scenarios/my_scenario.toml,
/// and never overwrites a file.
#[test]
fn init_writes_a_template_once() {
    let dir = temp_dir();
    run_ok(dir.path(), &["init"]);
    let path = dir.path().join("scenarios/my_scenario.toml");
    let written = fs::read_to_string(&path).unwrap();
    run_ok(dir.path(), &["validate", "scenarios/my_scenario.toml"]);
    run_ok(dir.path(), &["run", "-q", "-n", "100", "-o", "out", "scenarios/my_scenario.toml"]);
    // Again: refused, naming the file, and the file is as it was.
    let outcome = run_in(dir.path(), &["init"]);
    let error = assert_one_error_line(&outcome, 2, "init over an existing file");
    assert!(error.contains("scenarios/my_scenario.toml") && error.contains("already exists"), "{error}");
    assert_eq!(fs::read_to_string(&path).unwrap(), written);
    // Another path, in a folder that does not exist yet.
    run_ok(dir.path(), &["init", "mine/trade.toml"]);
    run_ok(dir.path(), &["validate", "mine/trade.toml"]);
}
