//! Command-line tests of `tradesim` against SPEC §1, §4 and §5: bad input of every class is one
//! `error:` line with exit status 2 and nothing written; `validate` accepts the library; runs are
//! deterministic whatever the thread count; the CSV files have the contract's shape; `run`
//! without files uses ./scenarios or the built-in baseline; the committed results reproduce;
//! I/O failures exit 1 and leave no temporary files; `--quiet` is quiet.

mod common;

use std::fs;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use common::*;
use proptest::prelude::*;

// ---------------------------------------------------------------------------------------------
// Checking one bad-input error
// ---------------------------------------------------------------------------------------------

/// Where an error line must point.
#[derive(Debug, Clone)]
enum Pos {
    /// `FILE:LINE:COL: ...`, with LINE one of these.
    Lines(Vec<usize>),
    /// `FILE: ...` or `FILE:LINE:COL: ...` (e.g. a missing key has no place of its own).
    Optional,
    /// `FILE: ...` (errors about the file as a whole).
    NoPosition,
}

fn at(line: usize) -> Pos {
    Pos::Lines(vec![line])
}

/// Asserts that a run failed on bad input as SPEC §4 says: exit status 2, nothing on stdout,
/// exactly one stderr line starting with `error: `, and no panic or backtrace. Returns the line.
fn assert_one_input_error(outcome: &Outcome, what: &str) -> String {
    let line = assert_one_error_line(outcome, 2, &format!("{what} (bad input)"));
    assert!(outcome.stdout.is_empty(), "{what}: expected nothing on stdout\n{outcome}");
    line
}

/// Splits `error: FILE:LINE:COL: message` / `error: FILE: message` for a known FILE into the
/// position (if any) and the message; panics when the line does not name `file`.
fn split_error<'a>(line: &'a str, file: &str, what: &str) -> (Option<(usize, usize)>, &'a str) {
    let rest = line
        .strip_prefix("error: ")
        .and_then(|l| l.strip_prefix(file))
        .and_then(|l| l.strip_prefix(':'))
        .unwrap_or_else(|| panic!("{what}: the error does not start with 'error: {file}:'\n{line}"));
    let mut parts = rest.splitn(3, ':');
    let (a, b, c) = (parts.next(), parts.next(), parts.next());
    if let (Some(l), Some(col), Some(message)) = (a, b, c)
        && let (Ok(l), Ok(col)) = (l.parse::<usize>(), col.parse::<usize>())
    {
        let message = message
            .strip_prefix(' ')
            .unwrap_or_else(|| panic!("{what}: expected a space after FILE:LINE:COL:\n{line}"));
        return (Some((l, col)), message);
    }
    let message = rest
        .strip_prefix(' ')
        .unwrap_or_else(|| panic!("{what}: expected 'FILE: message' or 'FILE:LINE:COL: message'\n{line}"));
    (None, message)
}

/// Asserts a one-line error about `file`, at `pos`, whose message names every one of `keys`.
fn assert_file_error(outcome: &Outcome, file: &str, pos: &Pos, keys: &[&str], what: &str) {
    let line = assert_one_input_error(outcome, what);
    let (position, message) = split_error(&line, file, what);
    match (pos, position) {
        (Pos::Lines(lines), Some((l, c))) => {
            assert!(lines.contains(&l) && c >= 1, "{what}: expected the error at line {lines:?}, got {l}:{c}\n{line}")
        }
        (Pos::Lines(lines), None) => {
            panic!("{what}: expected FILE:LINE:COL with line {lines:?}, got no position\n{line}")
        }
        (Pos::Optional, _) => {}
        (Pos::NoPosition, Some(p)) => {
            panic!("{what}: expected no position, got {p:?}\n{line}")
        }
        (Pos::NoPosition, None) => {}
    }
    for key in keys {
        assert!(message.contains(key), "{what}: the message does not name {key:?}\n{line}");
    }
}

/// Writes `text` as `case.toml` in a fresh folder, then checks that both `run` and `validate`
/// refuse it with one error line at `pos` naming `keys`, and that `run` wrote nothing.
fn assert_scenario_rejected(what: &str, text: &str, pos: &Pos, keys: &[&str]) {
    let dir = temp_dir();
    write_scenario(dir.path(), "case.toml", text);
    let runs = RUNS.to_string();
    let outcome = run_in(dir.path(), &["run", "-q", "-n", &runs, "-o", "out", "case.toml"]);
    assert_file_error(&outcome, "case.toml", pos, keys, &format!("{what} (run)"));
    assert_nothing_written(dir.path(), &[PathBuf::from("case.toml")], what);
    let outcome = run_in(dir.path(), &["validate", "case.toml"]);
    assert_file_error(&outcome, "case.toml", pos, keys, &format!("{what} (validate)"));
}

/// The folder holds exactly `inputs` (no `out/`, no stray files).
fn assert_nothing_written(dir: &Path, inputs: &[PathBuf], what: &str) {
    assert!(!dir.join("out").exists(), "{what}: the out folder was created although the input is bad");
    assert_eq!(files_in(dir), inputs, "{what}: files were written although the input is bad");
}

/// Runs every case, then fails listing all the cases that failed (not just the first).
fn check_all(cases: Vec<(String, Box<dyn FnOnce()>)>) {
    let total = cases.len();
    let failed: Vec<String> = cases
        .into_iter()
        .filter_map(|(name, case)| catch_unwind(AssertUnwindSafe(case)).is_err().then_some(name))
        .collect();
    assert!(failed.is_empty(), "{} of {total} cases failed (messages above): {failed:#?}", failed.len());
}

/// One table case: a scenario text that must be refused at `pos`, naming `keys`.
fn case(what: &str, text: String, pos: Pos, keys: &[&str]) -> (String, Box<dyn FnOnce()>) {
    let name = what.to_string();
    let keys: Vec<String> = keys.iter().map(|k| k.to_string()).collect();
    (
        name.clone(),
        Box::new(move || {
            let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
            assert_scenario_rejected(&name, &text, &pos, &keys)
        }),
    )
}

/// MINIMAL_SCENARIO with `[growth]` replaced by `growth` (a whole table).
fn with_growth(growth: &str) -> String {
    scenario_with(growth, "")
}

/// MINIMAL_SCENARIO with one shock named "s" whose other keys are `body`.
fn with_shock(body: &str) -> String {
    scenario_with(MINIMAL_GROWTH, &shock("s", body))
}

const LOGNORMAL: &str = "[growth]\ndistribution = \"lognormal\"\nmean = 0.15\nsd = 0.1\n";

// ---------------------------------------------------------------------------------------------
// a. Bad input, one class per test
// ---------------------------------------------------------------------------------------------

#[test]
fn toml_syntax_errors_give_file_line_and_column() {
    let m = MINIMAL_SCENARIO;
    check_all(vec![
        case("unclosed table header", edit(m, "[growth]", "[growth"), at(line_of(m, "[growth]")), &[]),
        case(
            "trailing garbage after a value",
            edit(m, "base_value = 460.0", "base_value = 460.0 ="),
            at(key_line(m, "base_value")),
            &[],
        ),
        case("missing value", edit(m, "mean = 0.4", "mean ="), at(key_line(m, "mean")), &[]),
        case("unquoted string", edit(m, "\"constant\"", "constant"), at(key_line(m, "distribution")), &[]),
    ]);
}

#[test]
fn duplicate_toml_key_is_reported_naming_the_key() {
    let text = edit(MINIMAL_SCENARIO, "mean = 0.4", "mean = 0.4\nmean = 0.5");
    assert_scenario_rejected("mean given twice", &text, &at(key_line(MINIMAL_SCENARIO, "mean") + 1), &["mean"]);
}

#[test]
fn unknown_keys_are_errors_naming_the_key_and_position() {
    let m = MINIMAL_SCENARIO;
    let shock = with_shock("probability = 0.5\nprobabilty = 0.5");
    check_all(vec![
        case(
            "growth.probabilty",
            edit(m, "mean = 0.4", "mean = 0.4\nprobabilty = 0.5"),
            at(key_line(m, "mean") + 1),
            &["probabilty"],
        ),
        case("trade.target", edit(m, "target_value", "target"), at(key_line(m, "target_value")), &["target"]),
        case("top-level key", format!("nmae = \"x\"\n{m}"), at(1), &["nmae"]),
        case("shocks[0].probabilty", shock.clone(), at(key_line(&shock, "probabilty")), &["probabilty"]),
        case("unknown table", format!("{m}\n[shock]\nname = \"x\"\n"), Pos::Optional, &["shock"]),
    ]);
}

#[test]
fn wrong_value_types_are_errors_naming_the_key_and_position() {
    let m = MINIMAL_SCENARIO;
    let string_probability = with_shock("probability = \"high\"");
    let float_year = with_shock("year = 2024.0");
    let float_occurrences = with_shock("probability = 0.5\nmax_occurrences = 1.5");
    check_all(vec![
        case(
            "string for base_value",
            edit(m, "base_value = 460.0", "base_value = \"460\""),
            at(key_line(m, "base_value")),
            &["base_value"],
        ),
        case(
            "float for horizon_year",
            edit(m, "horizon_year = 2050", "horizon_year = 2050.5"),
            at(key_line(m, "horizon_year")),
            &["horizon_year"],
        ),
        case(
            "number for distribution",
            edit(m, "distribution = \"constant\"", "distribution = 3"),
            at(key_line(m, "distribution")),
            &["distribution"],
        ),
        case(
            "string for probability",
            string_probability.clone(),
            at(key_line(&string_probability, "probability")),
            &["probability"],
        ),
        case("float for year", float_year.clone(), at(key_line(&float_year, "year")), &["year"]),
        case(
            "float for max_occurrences",
            float_occurrences.clone(),
            at(key_line(&float_occurrences, "max_occurrences")),
            &["max_occurrences"],
        ),
    ]);
}

#[test]
fn missing_required_keys_are_named() {
    let m = MINIMAL_SCENARIO;
    check_all(vec![
        case("trade.base_value", edit(m, "base_value = 460.0\n", ""), Pos::Optional, &["base_value"]),
        case("trade.horizon_year", edit(m, "horizon_year = 2050\n", ""), Pos::Optional, &["horizon_year"]),
        case(
            "growth.sd for lognormal",
            with_growth("[growth]\ndistribution = \"lognormal\"\nmean = 0.15\n"),
            Pos::Optional,
            &["sd"],
        ),
        case(
            "growth.mean for normal",
            with_growth("[growth]\ndistribution = \"normal\"\nsd = 0.1\n"),
            Pos::Optional,
            &["mean"],
        ),
        case(
            "growth.mode for pert",
            with_growth("[growth]\ndistribution = \"pert\"\nmin = 0.0\nmax = 0.4\n"),
            Pos::Optional,
            &["mode"],
        ),
        case("[trade] table", LOGNORMAL.to_string(), Pos::Optional, &["trade"]),
        case("shock name", format!("{m}\n[[shocks]]\nprobability = 0.5\n"), Pos::Optional, &["name"]),
        case("shock probability without year", with_shock("first_year = 2024"), Pos::Optional, &["probability"]),
        case(
            "duration range without max",
            with_shock("probability = 0.5\nduration = { min = 2 }"),
            Pos::Optional,
            &["max"],
        ),
    ]);
}

#[test]
fn nan_and_infinity_are_refused() {
    let m = MINIMAL_SCENARIO;
    let line = |text: &str, key: &str| at(key_line(text, key));
    let lognormal = with_growth(LOGNORMAL);
    let mut cases = vec![
        case("mean = nan", edit(m, "mean = 0.4", "mean = nan"), line(m, "mean"), &["mean"]),
        case("mean = inf", edit(m, "mean = 0.4", "mean = inf"), line(m, "mean"), &["mean"]),
        case(
            "base_value = -inf",
            edit(m, "base_value = 460.0", "base_value = -inf"),
            line(m, "base_value"),
            &["base_value"],
        ),
        case(
            "base_value = nan",
            edit(m, "base_value = 460.0", "base_value = nan"),
            line(m, "base_value"),
            &["base_value"],
        ),
        case(
            "target_value = +inf",
            edit(m, "target_value = 1000.0", "target_value = +inf"),
            line(m, "target_value"),
            &["target_value"],
        ),
        case("sd = inf", edit(&lognormal, "sd = 0.1", "sd = inf"), line(&lognormal, "sd"), &["sd"]),
    ];
    for key in ["probability", "level_change", "growth_change", "recovery", "cap_value"] {
        for value in ["nan", "inf", "-inf"] {
            let body = if key == "probability" {
                format!("probability = {value}")
            } else {
                format!("probability = 0.5\n{key} = {value}")
            };
            let text = with_shock(&body);
            let pos = at(line_of(&text, &format!("{key} = {value}")));
            cases.push(case(&format!("shock {key} = {value}"), text, pos, &[key]));
        }
    }
    check_all(cases);
}

#[test]
fn every_range_of_spec_section_1_is_enforced() {
    let m = MINIMAL_SCENARIO;
    let lognormal = with_growth(LOGNORMAL);
    let faded = |extra: &str| edit(m, "mean = 0.4", &format!("mean = 0.4\n{extra}"));
    let three_point = |dist: &str, min: f64, mode: f64, max: f64| {
        with_growth(&format!("[growth]\ndistribution = \"{dist}\"\nmin = {min:?}\nmode = {mode:?}\nmax = {max:?}\n"))
    };
    let uniform = |min: f64, max: f64| {
        with_growth(&format!("[growth]\ndistribution = \"uniform\"\nmin = {min:?}\nmax = {max:?}\n"))
    };
    // (what, text, the key whose line the error must be on (or None), keys to name)
    let mut table: Vec<(&str, String, Option<&str>, &[&str])> = vec![
        ("base_value = 0", edit(m, "base_value = 460.0", "base_value = 0.0"), Some("base_value"), &["base_value"]),
        ("base_value < 0", edit(m, "base_value = 460.0", "base_value = -5.0"), Some("base_value"), &["base_value"]),
        (
            "target_value = 0",
            edit(m, "target_value = 1000.0", "target_value = 0.0"),
            Some("target_value"),
            &["target_value"],
        ),
        (
            "target_value < 0",
            edit(m, "target_value = 1000.0", "target_value = -1000.0"),
            Some("target_value"),
            &["target_value"],
        ),
        (
            "horizon_year = base_year",
            edit(m, "horizon_year = 2050", "horizon_year = 2022"),
            Some("horizon_year"),
            &["horizon_year"],
        ),
        (
            "horizon_year < base_year",
            edit(m, "horizon_year = 2050", "horizon_year = 2000"),
            Some("horizon_year"),
            &["horizon_year"],
        ),
        (
            "horizon_year = base_year + 201",
            edit(m, "horizon_year = 2050", "horizon_year = 2223"),
            Some("horizon_year"),
            &["horizon_year"],
        ),
        ("mean = -1", edit(m, "mean = 0.4", "mean = -1.0"), Some("mean"), &["mean"]),
        ("mean < -1", edit(m, "mean = 0.4", "mean = -1.5"), Some("mean"), &["mean"]),
        ("sd < 0", edit(&lognormal, "sd = 0.1", "sd = -0.1"), Some("sd"), &["sd"]),
        (
            "persistence = 1.0",
            edit(&lognormal, "sd = 0.1", "sd = 0.1\npersistence = 1.0"),
            Some("persistence"),
            &["persistence"],
        ),
        (
            "persistence < 0",
            edit(&lognormal, "sd = 0.1", "sd = 0.1\npersistence = -0.1"),
            Some("persistence"),
            &["persistence"],
        ),
        ("half_life = 0", faded("long_run_mean = 0.06\nhalf_life = 0.0"), Some("half_life"), &["half_life"]),
        ("half_life < 0", faded("long_run_mean = 0.06\nhalf_life = -3.0"), Some("half_life"), &["half_life"]),
        ("half_life missing when long_run_mean differs", faded("long_run_mean = 0.06"), None, &["half_life"]),
        (
            // Only lognormal growth needs every expected rate above -1 (it takes ln(1 + m)).
            "lognormal long_run_mean <= -1",
            edit(&lognormal, "sd = 0.1", "sd = 0.1\nlong_run_mean = -1.0\nhalf_life = 3.0"),
            Some("long_run_mean"),
            &["long_run_mean"],
        ),
        ("triangular min > mode", three_point("triangular", 0.3, 0.2, 0.5), None, &["mode"]),
        ("triangular mode > max", three_point("triangular", 0.1, 0.6, 0.5), None, &["mode"]),
        ("pert min = max", three_point("pert", 0.3, 0.3, 0.3), None, &["max"]),
        ("uniform min = max", uniform(0.5, 0.5), None, &["max"]),
        ("uniform min > max", uniform(0.6, 0.5), None, &["max"]),
        (
            "unknown distribution",
            edit(m, "\"constant\"", "\"gamma\""),
            Some("distribution"),
            &["distribution", "gamma"],
        ),
    ];
    let shock_cases: [(&str, &str, &str, &[&str]); 14] = [
        ("probability = 1.5", "probability = 1.5", "probability", &["probability"]),
        ("probability < 0", "probability = -0.1", "probability", &["probability"]),
        ("level_change = -1", "probability = 0.5\nlevel_change = -1.0", "level_change", &["level_change"]),
        ("recovery = 1.5", "probability = 0.5\nrecovery = 1.5", "recovery", &["recovery"]),
        ("recovery < 0", "probability = 0.5\nrecovery = -0.5", "recovery", &["recovery"]),
        ("cap_value = 0", "probability = 0.5\ncap_value = 0.0", "cap_value", &["cap_value"]),
        ("max_occurrences = 0", "probability = 0.5\nmax_occurrences = 0", "max_occurrences", &["max_occurrences"]),
        ("duration = 0", "probability = 0.5\nduration = 0", "duration", &["duration"]),
        (
            "duration = { min = 3, max = 1 }",
            "probability = 0.5\nduration = { min = 3, max = 1 }",
            "duration",
            &["duration"],
        ),
        (
            "duration = { min = 0, max = 2 }",
            "probability = 0.5\nduration = { min = 0, max = 2 }",
            "duration",
            &["duration"],
        ),
        ("duration = \"forever\"", "probability = 0.5\nduration = \"forever\"", "duration", &["duration", "forever"]),
        ("duration = 1.5", "probability = 0.5\nduration = 1.5", "duration", &["duration"]),
        (
            "first_year > last_year",
            "probability = 0.5\nfirst_year = 2030\nlast_year = 2025",
            "_year",
            &["first_year", "last_year"],
        ),
        ("unknown kind", "kind = \"war\"\nyear = 2024", "kind", &["kind", "war"]),
    ];
    let mut cases: Vec<(String, Box<dyn FnOnce()>)> = Vec::new();
    for (what, text, key, keys) in table.drain(..) {
        let pos = match key {
            Some(key) => at(key_line(&text, key)),
            None => Pos::Optional,
        };
        cases.push(case(what, text, pos, keys));
    }
    for (what, body, key, keys) in shock_cases {
        let text = with_shock(body);
        let pos = if key == "_year" {
            Pos::Lines(vec![key_line(&text, "first_year"), key_line(&text, "last_year")])
        } else {
            at(key_line(&text, key))
        };
        cases.push(case(&format!("shock {what}"), text, pos, keys));
    }
    check_all(cases);
}

#[test]
fn growth_keys_of_another_distribution_are_refused() {
    let three = "min = 0.1\nmode = 0.2\nmax = 0.5\n";
    let growth = |dist: &str, params: &str, extra: &str| {
        with_growth(&format!("[growth]\ndistribution = \"{dist}\"\n{params}{extra}\n"))
    };
    let table = [
        ("sd with triangular", growth("triangular", three, "sd = 0.1"), "sd"),
        ("persistence with uniform", growth("uniform", "min = 0.1\nmax = 0.5\n", "persistence = 0.3"), "persistence"),
        ("mean with pert", growth("pert", three, "mean = 0.2"), "mean"),
        ("sd with constant", growth("constant", "mean = 0.4\n", "sd = 0.1"), "sd"),
        ("mode with lognormal", growth("lognormal", "mean = 0.1\nsd = 0.1\n", "mode = 0.1"), "mode"),
    ];
    check_all(
        table
            .into_iter()
            .map(|(what, text, key)| {
                let pos = at(key_line(&text, key));
                case(what, text, pos, &[key])
            })
            .collect(),
    );
}

#[test]
fn duplicate_shock_names_are_refused() {
    let text = scenario_with(MINIMAL_GROWTH, &(shock("a", "probability = 0.5") + &shock("a", "probability = 0.2")));
    let second = text.rfind("name = \"a\"").unwrap();
    let line = text[..second].matches('\n').count() + 1;
    assert_scenario_rejected("duplicate shock name", &text, &at(line), &["duplicate", "'a'"]);
}

/// SPEC §1 sets no range for a shock's window: years outside the simulation never come, so a
/// window reaching past them (or lying wholly outside) is valid and is cut to the simulated years.
#[test]
fn shock_windows_beyond_the_simulated_years_are_valid() {
    for body in
        ["probability = 0.5\nlast_year = 2060", "probability = 0.5\nfirst_year = 2000", "year = 2051", "year = 2020"]
    {
        let dir = temp_dir();
        write_scenario(dir.path(), "case.toml", &with_shock(body));
        let outcome = run_in(dir.path(), &["validate", "case.toml"]);
        assert_eq!(outcome.code, Some(0), "{body}: {}", outcome.stderr);
    }
}

#[test]
fn year_with_first_or_last_year_is_refused() {
    check_all(vec![
        {
            let text = with_shock("year = 2024\nfirst_year = 2024");
            let pos = Pos::Lines(vec![key_line(&text, "year"), key_line(&text, "first_year")]);
            case("year with first_year", text, pos, &["year", "first_year"])
        },
        {
            let text = with_shock("year = 2024\nlast_year = 2030");
            let pos = Pos::Lines(vec![key_line(&text, "year"), key_line(&text, "last_year")]);
            case("year with last_year", text, pos, &["year", "last_year"])
        },
    ]);
}

#[test]
fn unsafe_scenario_names_are_refused() {
    let long = "a".repeat(65);
    let names = ["../x", "a b", "x/y", long.as_str(), ""];
    let mut cases: Vec<(String, Box<dyn FnOnce()>)> = names
        .iter()
        .map(|name| {
            let text = named(name, MINIMAL_SCENARIO);
            case(&format!("name = {name:?}"), text, at(1), &["name"])
        })
        .collect();
    // A file stem that cannot name a folder, with no `name` key to replace it.
    cases.push((
        "file stem with a space".to_string(),
        Box::new(|| {
            let dir = temp_dir();
            let path = write_scenario(dir.path(), "my case.toml", MINIMAL_SCENARIO);
            let outcome = run_in(dir.path(), &["run", "-q", "-o", "out", "my case.toml"]);
            assert_file_error(&outcome, "my case.toml", &Pos::Optional, &["name"], "stem");
            assert_nothing_written(dir.path(), &[PathBuf::from(path.file_name().unwrap())], "stem");
        }),
    ));
    check_all(cases);

    // The limit itself is allowed: 64 characters.
    let dir = temp_dir();
    let name = "a".repeat(64);
    write_scenario(dir.path(), "ok.toml", &named(&name, MINIMAL_SCENARIO));
    run_ok(dir.path(), &["validate", "ok.toml"]);
}

#[test]
fn two_files_with_the_same_scenario_name_are_refused() {
    let dir = temp_dir();
    write_scenario(dir.path(), "one.toml", &named("same", MINIMAL_SCENARIO));
    write_scenario(dir.path(), "two.toml", &named("same", MINIMAL_SCENARIO));
    let runs = RUNS.to_string();
    let outcome = run_in(dir.path(), &["run", "-q", "-n", &runs, "-o", "out", "one.toml", "two.toml"]);
    assert_file_error(&outcome, "two.toml", &Pos::Optional, &["same"], "same name");
    assert_nothing_written(dir.path(), &[PathBuf::from("one.toml"), PathBuf::from("two.toml")], "same name");
    // A file stem equal to another file's `name` clashes too; validate says the first is ok.
    write_scenario(dir.path(), "same.toml", MINIMAL_SCENARIO);
    let outcome = run_in(dir.path(), &["validate", "one.toml", "same.toml"]);
    assert_eq!(outcome.stdout, "ok: same (0 shocks, 2022-2050)\n", "{outcome}");
    let line = assert_one_error_line(&outcome, 2, "stem clash");
    assert!(line.starts_with("error: same.toml: ") && line.contains("'same'"), "{line}");
}

#[test]
fn a_missing_file_is_reported() {
    let dir = temp_dir();
    let runs = RUNS.to_string();
    let commands: [&[&str]; 2] =
        [&["run", "-q", "-n", &runs, "-o", "out", "nowhere.toml"], &["validate", "nowhere.toml"]];
    for args in commands {
        let what = args.join(" ");
        let outcome = run_in(dir.path(), args);
        assert_file_error(&outcome, "nowhere.toml", &Pos::NoPosition, &[], &what);
        assert_nothing_written(dir.path(), &[], &what);
    }
}

#[test]
fn an_unreadable_file_is_reported() {
    // Tests run as root, where `chmod 000` does not stop reading: a directory named like a
    // scenario file cannot be read as one, and neither can a file that is not UTF-8.
    let dir = temp_dir();
    fs::create_dir(dir.path().join("folder.toml")).unwrap();
    fs::write(dir.path().join("binary.toml"), b"\xff\xfe[trade]\n\x00\x01").unwrap();
    for file in ["folder.toml", "binary.toml"] {
        let outcome = run_in(dir.path(), &["run", "-q", "-o", "out", file]);
        assert_file_error(&outcome, file, &Pos::Optional, &[], file);
        assert!(!dir.path().join("out").exists(), "{file}: out was created");
        let outcome = run_in(dir.path(), &["validate", file]);
        assert_file_error(&outcome, file, &Pos::Optional, &[], file);
    }
}

#[test]
fn bad_command_line_values_are_refused() {
    // (arguments before the scenario file, what the one error line must name)
    let table: [(&[&str], &str); 9] = [
        (&["--runs", "0"], "--runs"),
        (&["-n", "0"], "--runs"),
        (&["--runs", "abc"], "--runs"),
        (&["--runs", "1.5"], "--runs"),
        (&["--threads", "0"], "--threads"),
        (&["-j", "zero"], "--threads"),
        (&["--seed", "-1"], "--seed"),
        (&["--seed", "18446744073709551616"], "--seed"),
        (&["--bogus"], "--bogus"),
    ];
    let cases = table
        .into_iter()
        .map(|(args, names)| {
            let what = args.join(" ");
            let case: Box<dyn FnOnce()> = Box::new(move || {
                let what = args.join(" ");
                let dir = temp_dir();
                write_scenario(dir.path(), "ok.toml", MINIMAL_SCENARIO);
                let mut all = vec!["run", "-q", "-o", "out"];
                all.extend_from_slice(args);
                all.push("ok.toml");
                let outcome = run_in(dir.path(), &all);
                let line = assert_one_input_error(&outcome, &what);
                assert!(line.contains(names), "{what}: the error does not name {names}\n{line}");
                assert_nothing_written(dir.path(), &[PathBuf::from("ok.toml")], &what);
            });
            (what, case)
        })
        .collect();
    check_all(cases);
}

#[test]
fn missing_command_line_arguments_are_reported_on_one_line() {
    let dir = temp_dir();
    check_all(vec![
        (
            "validate without files".to_string(),
            Box::new({
                let cwd = dir.path().to_path_buf();
                move || {
                    let outcome = run_in(&cwd, &["validate"]);
                    let line = assert_one_input_error(&outcome, "validate");
                    assert!(
                        line.to_lowercase().contains("scenario"),
                        "the error does not say which argument is missing\n{line}"
                    );
                }
            }),
        ),
        (
            "no subcommand".to_string(),
            Box::new({
                let cwd = dir.path().to_path_buf();
                move || {
                    let outcome = run_in(&cwd, &[]);
                    let line = assert_one_input_error(&outcome, "no subcommand");
                    assert!(
                        line.contains("subcommand") || (line.contains("run") && line.contains("validate")),
                        "the error does not say a subcommand is needed\n{line}"
                    );
                }
            }),
        ),
        (
            "unknown subcommand".to_string(),
            Box::new({
                let cwd = dir.path().to_path_buf();
                move || {
                    let outcome = run_in(&cwd, &["simulate"]);
                    let line = assert_one_input_error(&outcome, "unknown subcommand");
                    assert!(line.contains("simulate"), "{line}");
                }
            }),
        ),
    ]);
    assert!(files_in(dir.path()).is_empty());
}

#[test]
fn one_invalid_file_among_two_writes_nothing() {
    let dir = temp_dir();
    write_scenario(dir.path(), "good.toml", MINIMAL_SCENARIO);
    let bad = edit(MINIMAL_SCENARIO, "mean = 0.4", "mean = 0.4\nprobabilty = 0.5");
    write_scenario(dir.path(), "bad.toml", &bad);
    let runs = RUNS.to_string();
    for order in [["good.toml", "bad.toml"], ["bad.toml", "good.toml"]] {
        let mut args = vec!["run", "-n", &runs, "-o", "out"];
        args.extend(order);
        let outcome = run_in(dir.path(), &args);
        let what = format!("run {}", order.join(" "));
        assert_file_error(&outcome, "bad.toml", &at(key_line(&bad, "probabilty")), &["probabilty"], &what);
        assert_nothing_written(dir.path(), &[PathBuf::from("bad.toml"), PathBuf::from("good.toml")], &what);
    }
}

#[test]
fn each_bad_file_gets_its_own_error_line() {
    let dir = temp_dir();
    let bad1 = edit(MINIMAL_SCENARIO, "base_value = 460.0", "base_value = -1.0");
    let bad2 = edit(MINIMAL_SCENARIO, "mean = 0.4", "mean = 0.4\nsd = 0.1");
    write_scenario(dir.path(), "bad1.toml", &bad1);
    write_scenario(dir.path(), "bad2.toml", &bad2);
    let outcome = run_in(dir.path(), &["run", "-o", "out", "bad1.toml", "bad2.toml"]);
    assert_eq!(outcome.code, Some(2), "{outcome}");
    assert_no_panic(&outcome, "two bad files");
    let lines = outcome.stderr_lines();
    assert_eq!(lines.len(), 2, "one line per bad file expected\n{outcome}");
    assert!(lines[0].starts_with("error: bad1.toml:3:"), "{outcome}");
    assert!(lines[0].contains("base_value"), "{outcome}");
    assert!(lines[1].starts_with("error: bad2.toml:10:"), "{outcome}");
    assert!(lines[1].contains("sd"), "{outcome}");
    assert!(!dir.path().join("out").exists());
}

#[test]
fn an_empty_scenarios_folder_is_bad_input() {
    let dir = temp_dir();
    fs::create_dir(dir.path().join(LIBRARY)).unwrap();
    fs::write(dir.path().join(LIBRARY).join("notes.txt"), "not a scenario").unwrap();
    let outcome = run_in(dir.path(), &["run", "-q", "-o", "out"]);
    assert_file_error(&outcome, LIBRARY, &Pos::Optional, &[], "empty library");
    assert!(!dir.path().join("out").exists());
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 48,
        // Fixed, so every run checks the same cases; PROPTEST_RNG_SEED=<number> asks for others.
        rng_seed: proptest_rng_seed(),
        ..ProptestConfig::default()
    })]

    /// Any value in any key of a valid file is either accepted or refused with one error line
    /// naming the file; never a panic.
    #[test]
    fn any_value_in_any_key_is_accepted_or_one_error(
        line in 0usize..40,
        value in prop_oneof![
            Just("nan".to_string()),
            Just("-inf".to_string()),
            Just("\"\"".to_string()),
            Just("[]".to_string()),
            Just("{}".to_string()),
            Just("true".to_string()),
            Just("9223372036854775807".to_string()),
            Just("-9223372036854775808".to_string()),
            Just("1e308".to_string()),
            any::<f64>().prop_filter("finite", |v| v.is_finite()).prop_map(|v| format!("{v:?}")),
            any::<i32>().prop_map(|v| v.to_string()),
            (-3.0f64..3.0).prop_map(|v| format!("{v:?}")),
        ],
    ) {
        let scenario = shock_scenario();
        let lines: Vec<&str> = scenario.lines().collect();
        let assignments: Vec<usize> = (0..lines.len()).filter(|&i| lines[i].contains(" = ")).collect();
        let target = assignments[line % assignments.len()];
        let key = lines[target].split(" = ").next().unwrap();
        let mut edited: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
        edited[target] = format!("{key} = {value}");
        let text = edited.join("\n") + "\n";
        let dir = temp_dir();
        write_scenario(dir.path(), "case.toml", &text);
        let outcome = run_in(dir.path(), &["validate", "case.toml"]);
        assert_no_panic(&outcome, &text);
        match outcome.code {
            Some(0) => prop_assert!(outcome.stderr.is_empty(), "{}", outcome),
            Some(2) => {
                let line = assert_one_input_error(&outcome, &text);
                prop_assert!(line.starts_with("error: case.toml:"), "{}", outcome);
            }
            _ => prop_assert!(false, "unexpected exit status for\n{}\n{}", text, outcome),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// b. The scenario library validates
// ---------------------------------------------------------------------------------------------

#[test]
fn validate_accepts_every_library_scenario() {
    let library = repo_root().join(LIBRARY);
    let mut files: Vec<PathBuf> = fs::read_dir(&library)
        .expect("scenarios/ exists in the repository")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no scenario in {}", library.display());
    let mut args = vec!["validate".to_string()];
    args.extend(files.iter().map(|f| f.display().to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let outcome = run_ok(&repo_root(), &args);
    assert!(outcome.stderr.is_empty(), "{outcome}");
    assert_eq!(outcome.stdout.lines().count(), files.len(), "one line per scenario expected\n{outcome}");
    // Each file also validates on its own.
    for file in &files {
        run_ok(&repo_root(), &["validate", &file.display().to_string()]);
    }
}

// ---------------------------------------------------------------------------------------------
// c. Determinism
// ---------------------------------------------------------------------------------------------

/// Asserts that two output folders hold the same files with the same bytes, naming every
/// file that differs.
fn assert_same_files(expected: &Path, actual: &Path, what: &str) {
    let (want, got) = (files_in(expected), files_in(actual));
    assert!(!want.is_empty(), "{what}: {} holds no file", expected.display());
    assert_eq!(want, got, "{what}: the file lists of {} and {} differ", expected.display(), actual.display());
    let differing: Vec<&PathBuf> =
        want.iter().filter(|f| fs::read(expected.join(f)).unwrap() != fs::read(actual.join(f)).unwrap()).collect();
    assert!(
        differing.is_empty(),
        "{what}: these files differ between {} and {}: {differing:?}",
        expected.display(),
        actual.display()
    );
}

// The determinism runs span several batches and end in a partial one.
const _: () = assert!(
    !RUNS_DETERMINISM.is_multiple_of(BATCH_PATHS) && RUNS_DETERMINISM > BATCH_PATHS,
    "the run size must end in a partial batch"
);

#[test]
fn results_do_not_depend_on_the_thread_count_and_do_depend_on_the_seed() {
    let dir = temp_dir();
    write_scenario(dir.path(), "stress.toml", &shock_scenario());
    let library = repo_root().join(LIBRARY).join("combined_stress.toml");
    let library = library.display().to_string();
    let runs = RUNS_DETERMINISM.to_string();
    let run = |threads: &str, seed: u64, out: &str| {
        let seed = seed.to_string();
        run_ok(
            dir.path(),
            &["run", "-q", "-n", &runs, "--seed", &seed, "-j", threads, "-o", out, "stress.toml", &library],
        );
        dir.path().join(out)
    };
    let one = run("1", SEED, "j1");
    for threads in ["2", "3"] {
        let other = run(threads, SEED, &format!("j{threads}"));
        assert_same_files(&one, &other, &format!("-j 1 vs -j {threads}"));
    }

    let reseeded = run("2", SEED + 1, "reseeded");
    assert_eq!(files_in(&one), files_in(&reseeded));
    for scenario in ["stress", "combined_stress"] {
        for file in SCENARIO_FILES {
            let path = Path::new(scenario).join(file);
            assert_ne!(
                fs::read(one.join(&path)).unwrap(),
                fs::read(reseeded.join(&path)).unwrap(),
                "{} is the same for seeds {SEED} and {}",
                path.display(),
                SEED + 1
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// d. CSV shape
// ---------------------------------------------------------------------------------------------

/// A numeric cell: empty, or a plain decimal (digits, at most one '.', an optional leading '-').
fn assert_plain_number(cell: &str, context: &str) {
    if cell.is_empty() {
        return;
    }
    assert!(is_plain_decimal(cell), "{context}: {cell:?} is not a plain decimal number");
}

fn assert_year_rows(lines: &[String], header: &str, years: (i32, i32), file: &str) {
    assert_eq!(lines[0], header, "{file}: header");
    let rows = &lines[1..];
    assert_eq!(rows.len(), (years.1 - years.0 + 1) as usize, "{file}: one row per year {}..={}", years.0, years.1);
    let columns = header.split(',').count();
    for (row, year) in rows.iter().zip(years.0..=years.1) {
        let cells = cells(row);
        assert_eq!(cells.len(), columns, "{file}: row {row:?}");
        assert_eq!(cells[0], year.to_string(), "{file}: years in order");
        for cell in &cells {
            assert_plain_number(cell, &format!("{file} row {row:?}"));
        }
    }
}

#[test]
fn csv_files_have_the_contract_headers_rows_and_plain_numbers() {
    let dir = temp_dir();
    write_scenario(dir.path(), "stress.toml", &shock_scenario());
    write_scenario(dir.path(), "minimal.toml", MINIMAL_SCENARIO);
    // Tiny and huge values, which naive formatting would write with an exponent.
    let extreme = set_keys(
        &scenario_with("[growth]\ndistribution = \"normal\"\nmean = 0.3\nsd = 0.05\n", ""),
        &[
            ("base_year", "2000"),
            ("base_value", "0.00012"),
            ("target_value", "123456789012345.0"),
            ("horizon_year", "2030"),
        ],
    );
    write_scenario(dir.path(), "extreme.toml", &extreme);
    let runs = RUNS.to_string();
    let seed = SEED.to_string();
    run_ok(
        dir.path(),
        &["run", "-q", "-n", &runs, "--seed", &seed, "-o", "out", "stress.toml", "minimal.toml", "extreme.toml"],
    );
    let out = dir.path().join("out");
    let scenarios = [
        ("stress", SHOCK_SCENARIO_YEARS, &SHOCK_SCENARIO_SHOCKS[..]),
        ("minimal", (2022, 2050), &[][..]),
        ("extreme", (2000, 2030), &[][..]),
    ];
    assert_eq!(files_in(&out), run_files(&scenarios.map(|(name, _, _)| name)));

    let summary = csv_lines(&out.join(SUMMARY_FILE));
    assert_eq!(summary[0], SUMMARY_HEADER);
    assert_eq!(summary.len(), 1 + scenarios.len(), "one summary row per scenario");
    for (line, (name, years, _)) in summary[1..].iter().zip(scenarios) {
        let cells = cells(line);
        assert_eq!(cells.len(), SUMMARY_HEADER.split(',').count(), "{line}");
        assert_eq!(cells[0], name, "summary rows in the order given");
        assert_eq!(cells[1], runs);
        assert_eq!(cells[2], seed);
        assert_eq!(cells[3], years.0.to_string());
        assert_eq!(cells[6], years.1.to_string());
        for cell in &cells[1..] {
            assert_plain_number(cell, &format!("summary.csv row {line:?}"));
        }
    }
    let extreme_row = cells(&summary[3]);
    assert_eq!((extreme_row[4].as_str(), extreme_row[5].as_str()), ("0.00012", "123456789012345"));

    for (name, years, shocks) in scenarios {
        let dir = out.join(name);
        assert_year_rows(
            &csv_lines(&dir.join("first_passage.csv")),
            FIRST_PASSAGE_HEADER,
            years,
            &format!("{name}/first_passage.csv"),
        );
        assert_year_rows(
            &csv_lines(&dir.join("trajectory.csv")),
            TRAJECTORY_HEADER,
            years,
            &format!("{name}/trajectory.csv"),
        );
        let lines = csv_lines(&dir.join("shocks.csv"));
        let file = format!("{name}/shocks.csv");
        assert_eq!(lines[0], SHOCKS_HEADER, "{file}: header");
        let rows = &lines[1..];
        let simulated = (years.1 - years.0) as usize;
        assert_eq!(rows.len(), simulated * shocks.len(), "{file}: simulated years x shocks rows");
        // Year-major, shocks in file order.
        let mut expected = Vec::new();
        for year in years.0 + 1..=years.1 {
            for (shock, kind) in shocks {
                expected.push((year.to_string(), shock.to_string(), kind.to_string()));
            }
        }
        for (row, (year, shock, kind)) in rows.iter().zip(&expected) {
            let cells = cells(row);
            assert_eq!(cells.len(), 5, "{file}: row {row:?}");
            assert_eq!((&cells[0], &cells[1], &cells[2]), (year, shock, kind), "{file}");
            for cell in [&cells[0], &cells[3], &cells[4]] {
                assert_plain_number(cell, &format!("{file} row {row:?}"));
            }
        }
    }
    // No exponent, NaN or infinity anywhere in a CSV file, not even in a label.
    for file in files_in(&out).into_iter().filter(|f| f.extension().is_some_and(|e| e == "csv")) {
        let text = fs::read_to_string(out.join(&file)).unwrap();
        for line in text.lines().skip(1) {
            for bad in ["NaN", "nan", "inf", "e-", "e+"] {
                assert!(!line.contains(bad), "{}: {bad:?} in {line:?}", file.display());
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// e. `run` without files
// ---------------------------------------------------------------------------------------------

#[test]
fn run_without_files_takes_every_toml_in_scenarios_in_file_name_order() {
    let dir = temp_dir();
    // File-name order differs from scenario-name order.
    write_scenario(dir.path(), "scenarios/1_first.toml", &named("zulu", MINIMAL_SCENARIO));
    write_scenario(
        dir.path(),
        "scenarios/2_second.toml",
        &edit(&shock_scenario(), "name = \"stress\"", "name = \"alpha\""),
    );
    write_scenario(dir.path(), "scenarios/README.txt", "not a scenario");
    let runs = RUNS.to_string();
    // Default out folder: ./results
    run_ok(dir.path(), &["run", "-q", "-n", &runs]);
    let summary = csv_lines(&dir.path().join("results/summary.csv"));
    let names: Vec<String> = summary[1..].iter().map(|l| cells(l)[0].clone()).collect();
    assert_eq!(names, ["zulu", "alpha"]);
    for name in ["zulu", "alpha"] {
        for file in SCENARIO_FILES {
            assert!(dir.path().join("results").join(name).join(file).is_file());
        }
    }
}

#[test]
fn run_without_files_and_without_scenarios_folder_runs_the_builtin_baseline() {
    let dir = temp_dir();
    let runs = RUNS.to_string();
    run_ok(dir.path(), &["run", "-q", "-n", &runs, "-o", "out"]);
    let out = dir.path().join("out");
    let summary = csv_lines(&out.join(SUMMARY_FILE));
    assert_eq!(summary.len(), 2, "one scenario expected: {summary:?}");
    let row = cells(&summary[1]);
    assert_eq!(row[0], "baseline");
    assert_eq!(row[2], DEFAULT_SEED.to_string(), "the default seed");
    assert_eq!(files_in(&out), run_files(&["baseline"]));
}

// ---------------------------------------------------------------------------------------------
// f. The committed results reproduce
// ---------------------------------------------------------------------------------------------

#[test]
fn committed_results_reproduce_byte_for_byte() {
    let root = repo_root();
    let committed = root.join(COMMITTED_RESULTS);
    let committed_files = files_in(&committed);
    assert!(
        !committed_files.is_empty(),
        "{} is missing or empty: generate it with `cargo run --release -- run` and commit it",
        committed.display()
    );
    let out = temp_dir();
    let out_arg = out.path().display().to_string();
    // The default command (default runs and seed, ./scenarios), only elsewhere and quiet.
    run_ok(&root, &["run", "--out", &out_arg, "--quiet"]);
    let produced = files_in(out.path());
    let missing: Vec<_> = committed_files.iter().filter(|f| !produced.contains(f)).collect();
    let extra: Vec<_> = produced.iter().filter(|f| !committed_files.contains(f)).collect();
    let differing: Vec<String> = committed_files
        .iter()
        .filter(|f| produced.contains(f))
        .filter_map(|f| {
            let want = fs::read(committed.join(f)).unwrap();
            let got = fs::read(out.path().join(f)).unwrap();
            (want != got).then(|| {
                let want = String::from_utf8_lossy(&want);
                let got = String::from_utf8_lossy(&got);
                let first = want
                    .lines()
                    .zip(got.lines())
                    .position(|(a, b)| a != b)
                    .map_or_else(|| "line count".to_string(), |i| format!("line {}", i + 1));
                format!("{}/{} (first difference: {first})", COMMITTED_RESULTS, f.display())
            })
        })
        .collect();
    assert!(
        missing.is_empty() && extra.is_empty() && differing.is_empty(),
        "`tradesim run` no longer reproduces the committed {COMMITTED_RESULTS}/ \
         (rerun `cargo run --release -- run` and commit if the change is intended):\n\
         differing: {differing:#?}\nnot produced any more: {missing:?}\nnew, not committed: {extra:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// g. I/O failures
// ---------------------------------------------------------------------------------------------

/// Every leftover temporary file (`.*.tmp`) under `dir`.
fn temporaries(dir: &Path) -> Vec<PathBuf> {
    files_in(dir)
        .into_iter()
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy();
            name.starts_with('.') && name.ends_with(".tmp")
        })
        .collect()
}

/// Asserts exit status 1 with one `error:` line naming `path`, and no panic.
fn assert_io_error(outcome: &Outcome, path: &str, what: &str) {
    let line = assert_one_error_line(outcome, 1, &format!("{what} (I/O failure)"));
    assert!(line.contains(path), "{what}: the error does not name {path}\n{outcome}");
}

#[test]
fn out_pointing_at_a_regular_file_fails_with_status_1() {
    let dir = temp_dir();
    write_scenario(dir.path(), "ok.toml", MINIMAL_SCENARIO);
    fs::write(dir.path().join("taken"), "precious").unwrap();
    let runs = RUNS.to_string();
    for out in ["taken", "taken/sub"] {
        let outcome = run_in(dir.path(), &["run", "-n", &runs, "-o", out, "ok.toml"]);
        assert_io_error(&outcome, out, &format!("--out {out}"));
        assert!(outcome.stdout.is_empty(), "{outcome}");
        assert_eq!(fs::read_to_string(dir.path().join("taken")).unwrap(), "precious");
        assert_eq!(temporaries(dir.path()), Vec::<PathBuf>::new());
        assert_eq!(files_in(dir.path()), [PathBuf::from("ok.toml"), PathBuf::from("taken")]);
    }
}

#[test]
fn a_failed_write_leaves_no_temporary_file() {
    let dir = temp_dir();
    write_scenario(dir.path(), "ok.toml", MINIMAL_SCENARIO);
    // A folder where a CSV file must go: the temporary file is written, the rename fails.
    fs::create_dir_all(dir.path().join("out/ok/trajectory.csv")).unwrap();
    let runs = RUNS.to_string();
    let outcome = run_in(dir.path(), &["run", "-q", "-n", &runs, "-o", "out", "ok.toml"]);
    assert_io_error(&outcome, "trajectory.csv", "trajectory.csv is a folder");
    assert_eq!(temporaries(dir.path()), Vec::<PathBuf>::new());
}

// ---------------------------------------------------------------------------------------------
// h. --quiet
// ---------------------------------------------------------------------------------------------

#[test]
fn quiet_prints_nothing_and_the_table_lists_every_scenario_otherwise() {
    let dir = temp_dir();
    write_scenario(dir.path(), "first_case.toml", MINIMAL_SCENARIO);
    write_scenario(dir.path(), "stress.toml", &shock_scenario());
    let runs = RUNS.to_string();
    let args = |quiet: bool, out: &'static str| {
        let mut v = vec!["run", "-n", runs.as_str(), "-o", out, "first_case.toml", "stress.toml"];
        if quiet {
            v.insert(1, "--quiet");
        }
        v
    };
    let quiet = run_ok(dir.path(), &args(true, "quiet"));
    assert!(quiet.stdout.is_empty(), "--quiet printed on stdout\n{quiet}");
    assert!(quiet.stderr.is_empty(), "--quiet printed on stderr\n{quiet}");
    let short = run_ok(dir.path(), &["run", "-q", "-n", &runs, "-o", "short", "stress.toml"]);
    assert!(short.stdout.is_empty(), "-q printed on stdout\n{short}");

    let loud = run_ok(dir.path(), &args(false, "loud"));
    for name in ["first_case", "stress"] {
        assert!(
            loud.stdout.lines().any(|l| l.split_whitespace().next() == Some(name)),
            "the table does not list {name}\n{loud}"
        );
    }
    assert_same_files(&dir.path().join("quiet"), &dir.path().join("loud"), "--quiet changes no file");
}

#[test]
fn help_and_version_exit_0() {
    let dir = temp_dir();
    let help = run_ok(dir.path(), &["run", "--help"]);
    for option in ["--runs", "--seed", "--out", "--threads", "--quiet"] {
        assert!(help.stdout.contains(option), "run --help lacks {option}\n{help}");
    }
    run_ok(dir.path(), &["--version"]);
    assert!(files_in(dir.path()).is_empty());
}

// ---------------------------------------------------------------------------------------------
// i. What a newcomer and a hostile tester found (issue 18)
// ---------------------------------------------------------------------------------------------

/// Longest a small run may take, even on a busy machine: it takes milliseconds.
const SMALL_RUN_LIMIT: std::time::Duration = std::time::Duration::from_secs(20);

/// `-j` beyond what can help (the cores, the batches of the run) is capped, with one note on
/// stderr (none with --quiet), and never hangs: the run of one batch finishes at once.
#[test]
fn a_huge_thread_count_is_capped_with_one_note() {
    let dir = temp_dir();
    write_scenario(dir.path(), "small.toml", MINIMAL_SCENARIO);
    // 10 paths: one batch, so one thread can help, whatever the cores.
    for threads in ["3000", "100000", "18446744073709551615"] {
        let what = format!("-j {threads}");
        let mut cmd = tradesim();
        cmd.current_dir(dir.path()).args(["run", "-n", "10", "-o", "out", "-j", threads, "small.toml"]);
        let outcome = capture_within(&mut cmd, SMALL_RUN_LIMIT).unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_eq!(outcome.code, Some(0), "{what}\n{outcome}");
        assert_eq!(
            outcome.stderr_lines(),
            [format!("note: -j {threads} capped at 1 thread (a run of 10 paths is 1 batch)")],
            "{what}\n{outcome}"
        );
        let mut cmd = tradesim();
        cmd.current_dir(dir.path()).args(["run", "-q", "-n", "10", "-o", "out", "-j", threads, "small.toml"]);
        let outcome = capture_within(&mut cmd, SMALL_RUN_LIMIT).unwrap_or_else(|e| panic!("{what} -q: {e}"));
        assert_eq!(outcome.code, Some(0), "{what} -q\n{outcome}");
        assert!(outcome.stderr.is_empty(), "{what} -q printed on stderr\n{outcome}");
    }
    // Beyond the cores: as many threads as there are cores, said once.
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let runs = (BATCH_PATHS * (cores as u64 + 1)).to_string();
    let mut cmd = tradesim();
    cmd.current_dir(dir.path()).args(["run", "-n", &runs, "-o", "out", "-j", "100000", "small.toml"]);
    let outcome = capture_within(&mut cmd, SMALL_RUN_LIMIT).unwrap();
    assert_eq!(outcome.code, Some(0), "{outcome}");
    let plural = if cores == 1 { "" } else { "s" };
    assert_eq!(
        outcome.stderr_lines(),
        [format!("note: -j 100000 capped at {cores} thread{plural} ({cores} core{plural})")],
        "{outcome}"
    );
}

/// A file without `[growth]` (or `[trade]`) names the missing table, about the whole file.
#[test]
fn a_missing_table_is_named_as_a_table() {
    let trade_only = named("x", &edit(MINIMAL_SCENARIO, MINIMAL_GROWTH, ""));
    let growth_only =
        edit(&trade_only, &MINIMAL_SCENARIO[..MINIMAL_SCENARIO.find("\n[growth]").unwrap()], "") + MINIMAL_GROWTH;
    for (text, table) in [(trade_only, "[growth]"), (growth_only, "[trade]"), (String::new(), "[trade]")] {
        let dir = temp_dir();
        write_scenario(dir.path(), "case.toml", &text);
        let outcome = run_in(dir.path(), &["validate", "case.toml"]);
        let line = assert_one_input_error(&outcome, table);
        assert_eq!(
            line,
            format!("error: case.toml: the table {table} is missing; add it (see docs/SCENARIO_FILE.md)"),
            "{text}"
        );
    }
}

/// A key missing from a table is named with its table, like every other key
/// (`trade.target_value`, `shocks[1].name`), at the table's header.
#[test]
fn a_missing_key_is_named_with_its_table() {
    let m = MINIMAL_SCENARIO;
    let no_name = scenario_with(MINIMAL_GROWTH, &(shock("a", "probability = 0.5") + "\n[[shocks]]\nyear = 2030\n"));
    let second_shock = no_name.rfind("[[shocks]]").unwrap();
    let second_shock = no_name[..second_shock].matches('\n').count() + 1;
    check_all(vec![
        case(
            "target_value",
            edit(m, "target_value = 1000.0\n", ""),
            at(line_of(m, "[trade]")),
            &["trade.target_value is required"],
        ),
        case(
            "base_year",
            edit(m, "base_year = 2022\n", ""),
            at(line_of(m, "[trade]")),
            &["trade.base_year is required"],
        ),
        case("shock name", no_name, at(second_shock), &["shocks[1].name is required"]),
    ]);
}

/// `cap_value` has the range of the other values (SPEC §2 step 7 holds levels at or above
/// 1e-250, so a smaller cap could not be applied).
#[test]
fn cap_value_has_the_range_of_the_other_values() {
    let mut cases = Vec::new();
    for (value, got) in [("1e-300", "1e-300"), ("1e300", "1e300"), ("2e-201", "2e-201")] {
        let text = with_shock(&format!("probability = 0.5\ncap_value = {value}"));
        let pos = at(key_line(&text, "cap_value"));
        let rule = format!(
            "shocks[0].cap_value must be within [1e-200, 1e200] (change the unit to bring it into range), got {got}"
        );
        cases.push(case(&format!("cap_value = {value}"), text, pos, &[rule.as_str()]));
    }
    check_all(cases);
    for value in ["1e-200", "1e200"] {
        let dir = temp_dir();
        write_scenario(dir.path(), "ok.toml", &with_shock(&format!("probability = 0.5\ncap_value = {value}")));
        run_ok(dir.path(), &["validate", "ok.toml"]);
    }
}

/// A UTF-8 byte-order mark is not part of the TOML: columns are counted without it, and it
/// never shows in a message.
#[test]
fn a_byte_order_mark_is_stripped_before_parsing() {
    let dir = temp_dir();
    write_scenario(dir.path(), "bom.toml", &format!("\u{feff}name = 5\n{MINIMAL_SCENARIO}"));
    let outcome = run_in(dir.path(), &["validate", "bom.toml"]);
    let line = assert_one_input_error(&outcome, "BOM");
    assert_eq!(line, "error: bom.toml:1:8: name: invalid type: integer '5', expected a string");
    write_scenario(dir.path(), "good.toml", &format!("\u{feff}{MINIMAL_SCENARIO}"));
    run_ok(dir.path(), &["validate", "good.toml"]);
}

/// A shock name is a cell of shocks.csv: never empty (SPEC §5 keeps empty cells for undefined
/// figures), never more than one line.
#[test]
fn shock_names_must_be_one_line_of_text() {
    let cases = ["", "   ", "a\\nb", "a\\rb", "tab\\there", "bell\\u0007", "del\\u007f"]
        .into_iter()
        .map(|name| {
            let text = scenario_with(MINIMAL_GROWTH, &shock(name, "probability = 0.5"));
            let pos = at(line_of(&text, "name = "));
            case(&format!("shock name {name:?}"), text, pos, &["shocks[0].name must be", "one line"])
        })
        .collect();
    check_all(cases);
    // Any other text is a name: spaces, punctuation, any script.
    let dir = temp_dir();
    let text = scenario_with(MINIMAL_GROWTH, &shock("Санкции ЕС, 2024 (\\\"soft\\\")", "probability = 0.5"));
    write_scenario(dir.path(), "ok.toml", &text);
    run_ok(dir.path(), &["validate", "ok.toml"]);
}

/// A shock whose window lies wholly outside the simulated years can never start: a warning
/// naming it and its window, from validate and run (not with --quiet), never a failure.
#[test]
fn shocks_that_can_never_start_are_warned_about() {
    let dir = temp_dir();
    let shocks = [
        shock("late", "year = 2204"),
        shock("early", "probability = 0.5\nfirst_year = 1990\nlast_year = 2000"),
        shock("after", "probability = 0.5\nfirst_year = 2060"),
        shock("before", "probability = 0.5\nlast_year = 2010"),
        shock("fine", "probability = 0.5\nfirst_year = 2000\nlast_year = 2023"),
    ]
    .concat();
    write_scenario(dir.path(), "x.toml", &scenario_with(MINIMAL_GROWTH, &shocks));
    let expected = [
        "warning: x.toml: shocks[0] 'late' can never start: its window 2204-2204 lies outside the simulated years 2023-2050",
        "warning: x.toml: shocks[1] 'early' can never start: its window 1990-2000 lies outside the simulated years 2023-2050",
        "warning: x.toml: shocks[2] 'after' can never start: its window (from 2060) lies outside the simulated years 2023-2050",
        "warning: x.toml: shocks[3] 'before' can never start: its window (up to 2010) lies outside the simulated years 2023-2050",
    ];
    let validate = run_ok(dir.path(), &["validate", "x.toml"]);
    assert_eq!(validate.stderr_lines(), expected, "{validate}");
    assert_eq!(validate.stdout, "ok: x (5 shocks, 2022-2050)\n");
    let run = run_ok(dir.path(), &["run", "-n", "100", "-o", "out", "x.toml"]);
    assert_eq!(run.stderr_lines(), expected, "{run}");
    let quiet = run_ok(dir.path(), &["run", "-q", "-n", "100", "-o", "out", "x.toml"]);
    assert!(quiet.stderr.is_empty(), "{quiet}");
}

/// Messages that say what to do, for mistakes a newcomer makes.
#[test]
fn messages_say_what_to_do() {
    let m = MINIMAL_SCENARIO;
    let single = format!("{m}\n[shocks]\nname = \"a\"\nprobability = 0.5\n");
    check_all(vec![
        case(
            "[shocks] with single brackets",
            single.clone(),
            at(line_of(&single, "[shocks]")),
            &["write [[shocks]] (an array of tables), one per shock"],
        ),
        case("non-ASCII name", named("Қазақстан", m), at(1), &["ASCII letters, digits, '_' and '-'"]),
        case("missing target_value", edit(m, "target_value = 1000.0\n", ""), Pos::Optional, &["trade.target_value"]),
    ]);

    let dir = temp_dir();
    write_scenario(dir.path(), "a.toml", m);
    for args in [&["validate", "a.toml", "a.toml"][..], &["run", "-q", "-n", "10", "-o", "out", "a.toml", "./a.toml"]] {
        let outcome = run_in(dir.path(), args);
        let line = assert_one_error_line(&outcome, 2, "the same file twice");
        assert!(line.contains("given twice"), "{line}");
        assert!(!dir.path().join("out").exists());
    }

    for (args, what) in [
        (&["-n", "-1"][..], "--runs"),
        (&["--runs", "0"], "--runs"),
        (&["-j", "-1"], "--threads"),
        (&["-j", "0"], "--threads"),
    ] {
        let mut all = vec!["run", "-q", "-o", "out"];
        all.extend_from_slice(args);
        all.push("a.toml");
        let outcome = run_in(dir.path(), &all);
        let line = assert_one_input_error(&outcome, &args.join(" "));
        assert!(line.contains(what) && line.contains("a whole number >= 1"), "{line}");
    }

    fs::write(dir.path().join("taken"), "precious").unwrap();
    for out in ["taken", "taken/sub"] {
        let outcome = run_in(dir.path(), &["run", "-q", "-n", "10", "-o", out, "a.toml"]);
        let line = assert_one_error_line(&outcome, 1, out);
        assert!(line.contains("taken is a file, not a folder"), "{line}");
    }
}

/// Hidden files in ./scenarios (editor and system files) are not scenarios.
#[test]
fn hidden_files_in_scenarios_are_not_run() {
    let dir = temp_dir();
    write_scenario(dir.path(), "scenarios/visible.toml", MINIMAL_SCENARIO);
    write_scenario(dir.path(), "scenarios/.hidden.toml", MINIMAL_SCENARIO);
    run_ok(dir.path(), &["run", "-q", "-n", "10", "-o", "out"]);
    assert_eq!(files_in(&dir.path().join("out")), run_files(&["visible"]));
}

/// The paths printed after a run are clean, whatever the spelling of --out.
#[test]
fn out_with_a_trailing_slash_prints_clean_paths() {
    let dir = temp_dir();
    write_scenario(dir.path(), "a.toml", MINIMAL_SCENARIO);
    let outcome = run_ok(dir.path(), &["run", "-n", "10", "-o", "out/", "a.toml"]);
    let results = outcome.stdout.lines().find(|l| l.starts_with("Results: ")).expect("a Results line");
    assert_eq!(results, "Results: out/summary.csv, out/report.html and out/<scenario> (CSV files, charts, run.json)");
}

/// A scenario file is a few kilobytes: one over 4 MiB is refused without reading it all.
#[test]
fn an_oversized_scenario_file_is_refused() {
    let dir = temp_dir();
    let padding = "# padding\n".repeat(500_000);
    write_scenario(dir.path(), "big.toml", &format!("{padding}{MINIMAL_SCENARIO}"));
    let expected = "the file is larger than 4 MiB, too large for a scenario file (a few kilobytes)";
    let outcome = run_in(dir.path(), &["validate", "big.toml"]);
    let line = assert_one_input_error(&outcome, "5 MB");
    assert_eq!(line, format!("error: big.toml: {expected}"));
    if Path::new("/dev/zero").exists() {
        let outcome = capture_within(tradesim().args(["validate", "/dev/zero"]), SMALL_RUN_LIMIT).unwrap();
        let line = assert_one_input_error(&outcome, "/dev/zero");
        assert_eq!(line, format!("error: /dev/zero: {expected}"));
    }
}

/// Without ./scenarios, run says that it runs the built-in baseline (not with --quiet).
#[test]
fn run_without_scenarios_folder_says_it_runs_the_builtin_baseline() {
    let dir = temp_dir();
    let outcome = run_ok(dir.path(), &["run", "-n", "10", "-o", "out"]);
    assert_eq!(
        outcome.stderr_lines(),
        ["note: there is no ./scenarios folder here; running the built-in baseline scenario"],
        "{outcome}"
    );
    let quiet = run_ok(dir.path(), &["run", "-q", "-n", "10", "-o", "out"]);
    assert!(quiet.stderr.is_empty(), "{quiet}");
}

/// validate reports on every file: `ok:` on stdout for each good one, an error line on stderr
/// for each bad one, and exit status 2 if any is bad. Shocks are counted in good English.
#[test]
fn validate_reports_every_file_good_or_bad() {
    let dir = temp_dir();
    write_scenario(dir.path(), "good.toml", MINIMAL_SCENARIO);
    write_scenario(dir.path(), "one.toml", &scenario_with(MINIMAL_GROWTH, &shock("a", "year = 2030")));
    write_scenario(dir.path(), "bad.toml", &edit(MINIMAL_SCENARIO, "mean = 0.4", "mean = -2.0"));
    let outcome = run_in(dir.path(), &["validate", "good.toml", "bad.toml", "one.toml"]);
    assert_eq!(outcome.code, Some(2), "{outcome}");
    assert_eq!(outcome.stdout, "ok: good (0 shocks, 2022-2050)\nok: one (1 shock, 2022-2050)\n");
    let lines = outcome.stderr_lines();
    assert_eq!(lines.len(), 1, "{outcome}");
    assert!(lines[0].starts_with("error: bad.toml:"), "{outcome}");
}

/// The terminal table says what unit the target is in: in the header when every scenario
/// shares one, in a column of its own when they differ.
#[test]
fn the_summary_table_shows_the_unit() {
    let dir = temp_dir();
    write_scenario(dir.path(), "a.toml", MINIMAL_SCENARIO);
    let euro = MINIMAL_SCENARIO.replace("horizon_year = 2050\n", "horizon_year = 2050\nunit = \"EUR billion\"\n");
    write_scenario(dir.path(), "b.toml", &euro);
    let header = |outcome: &Outcome| outcome.stdout.lines().find(|l| l.starts_with("scenario")).unwrap().to_string();
    let one = run_ok(dir.path(), &["run", "-n", "10", "-o", "out", "a.toml"]);
    let one_header = header(&one);
    assert!(one_header.contains("  target (USD million)  horizon"), "{one}");
    let two = run_ok(dir.path(), &["run", "-n", "10", "-o", "out", "a.toml", "b.toml"]);
    let two_header = header(&two);
    let words: Vec<&str> = two_header.split_whitespace().collect();
    assert_eq!(words[..4], ["scenario", "target", "unit", "horizon"], "{two}");
    let row = |name: &str| two.stdout.lines().find(|l| l.starts_with(name)).unwrap().to_string();
    assert!(row("a ").contains("1000  USD million"), "{two}");
    assert!(row("b ").contains("1000  EUR billion"), "{two}");
    // A unit is one line of text, like a shock name: it is printed in the table.
    write_scenario(
        dir.path(),
        "c.toml",
        &MINIMAL_SCENARIO.replace("horizon_year = 2050\n", "horizon_year = 2050\nunit = \"a\\nb\"\n"),
    );
    let outcome = run_in(dir.path(), &["validate", "c.toml"]);
    let line = assert_one_input_error(&outcome, "unit with a newline");
    assert!(line.contains("trade.unit must be"), "{line}");
}

// ---------------------------------------------------------------------------------------------
// g. Precision, charts, provenance (SPEC §7)
// ---------------------------------------------------------------------------------------------

/// `--precision P` stops at the first whole batch where every year's 95% half-width is within
/// P, and its files are byte for byte those of a plain run of that many paths (but for the
/// record of how the run was asked for: run.json and the report's provenance).
#[test]
fn a_run_to_a_precision_target_is_a_plain_run_of_the_paths_it_took() {
    let dir = temp_dir();
    write_scenario(dir.path(), "stress.toml", &shock_scenario());
    run_ok(dir.path(), &["run", "-q", "stress.toml", "--precision", "0.006", "-o", "precise"]);
    let summary = csv_lines(&dir.path().join("precise").join(SUMMARY_FILE));
    let runs: u64 = cells(&summary[1])[1].parse().unwrap();
    assert_eq!(runs % BATCH_PATHS, 0, "whole batches: {runs}");
    // The widest half-width is within the target, and one batch fewer would not do.
    let widest =
        |lines: &[String]| lines[1..].iter().map(|l| 1.96 * cells(l)[3].parse::<f64>().unwrap()).fold(0.0, f64::max);
    let precise = csv_lines(&dir.path().join("precise/stress/first_passage.csv"));
    assert!(widest(&precise) <= 0.006, "{}", widest(&precise));
    let fewer = (runs - BATCH_PATHS).to_string();
    run_ok(dir.path(), &["run", "-q", "stress.toml", "-n", &fewer, "-o", "fewer", "--no-charts"]);
    assert!(widest(&csv_lines(&dir.path().join("fewer/stress/first_passage.csv"))) > 0.006);
    run_ok(dir.path(), &["run", "-q", "stress.toml", "-n", &runs.to_string(), "-o", "plain"]);
    for file in files_in(&dir.path().join("plain")) {
        let (a, b) = (dir.path().join("plain").join(&file), dir.path().join("precise").join(&file));
        if file.ends_with(PROVENANCE_FILE) || file.ends_with(REPORT_FILE) {
            continue;
        }
        assert_eq!(fs::read(&a).unwrap(), fs::read(&b).unwrap(), "{} differs", file.display());
    }
    let json: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(dir.path().join("precise/stress/run.json")).unwrap()).unwrap();
    assert_eq!(json["options"], serde_json::json!({ "precision": 0.006, "max_runs": 100_000_000, "seed": 2022 }));
    assert_eq!(json["runs"], runs);
}

/// `--max-runs` bounds a precision target that cannot be met, and says so (exit 0).
#[test]
fn max_runs_bounds_a_precision_target() {
    let dir = temp_dir();
    write_scenario(dir.path(), "stress.toml", &shock_scenario());
    let outcome =
        run_ok(dir.path(), &["run", "stress.toml", "--precision", "0.0001", "--max-runs", "20000", "-o", "o"]);
    assert!(outcome.stderr.contains("--precision 0.0001 not reached within --max-runs 20000"), "{outcome}");
    let summary = csv_lines(&dir.path().join("o").join(SUMMARY_FILE));
    assert_eq!(cells(&summary[1])[1], "20000");
}

/// `--precision` with `--runs`, or out of (0, 0.5), is bad input: one line, exit 2, nothing written.
#[test]
fn bad_precision_options_are_refused() {
    let dir = temp_dir();
    write_scenario(dir.path(), "a.toml", MINIMAL_SCENARIO);
    for args in [
        &["run", "a.toml", "--precision", "0.01", "-n", "1000", "-o", "o"][..],
        &["run", "a.toml", "--precision", "0.5", "-o", "o"],
        &["run", "a.toml", "--precision", "0", "-o", "o"],
        &["run", "a.toml", "--precision", "x", "-o", "o"],
        &["run", "a.toml", "--precision", "0.01", "--max-runs", "0", "-o", "o"],
    ] {
        let outcome = run_in(dir.path(), args);
        assert_one_error_line(&outcome, 2, &args.join(" "));
        assert!(!dir.path().join("o").exists(), "{args:?} wrote files");
    }
}

/// `--no-charts` writes the CSV files and run.json only; by default every scenario folder has
/// its charts and the run its report, and run.json records what produced the files.
#[test]
fn charts_report_and_provenance_are_written_unless_no_charts() {
    let dir = temp_dir();
    write_scenario(dir.path(), "a.toml", MINIMAL_SCENARIO);
    run_ok(dir.path(), &["run", "-q", "a.toml", "-n", "100", "-o", "bare", "--no-charts"]);
    assert_eq!(files_in(&dir.path().join("bare")), run_files_without_charts(&["a"]));
    run_ok(dir.path(), &["run", "-q", "a.toml", "-n", "100", "-o", "full", "-j", "1"]);
    assert_eq!(files_in(&dir.path().join("full")), run_files(&["a"]));
    let json: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(dir.path().join("full/a/run.json")).unwrap()).unwrap();
    assert_eq!(json["command"], "run");
    assert_eq!(json["options"], serde_json::json!({ "runs": 100, "seed": 2022 }));
    assert_eq!(json["scenario_file"]["path"], "a.toml");
    assert_eq!(json["scenario"]["growth"]["distribution"], "constant");
    // The same command at another thread count gives the same bytes, charts and report too.
    run_ok(dir.path(), &["run", "-q", "a.toml", "-n", "100", "-o", "again", "-j", "2"]);
    for file in files_in(&dir.path().join("full")) {
        let (a, b) = (dir.path().join("full").join(&file), dir.path().join("again").join(&file));
        assert_eq!(fs::read(&a).unwrap(), fs::read(&b).unwrap(), "{} differs", file.display());
    }
}
