//! Regression tests from fuzzing (fuzz/fuzz_targets/parse.rs, scripts/fuzz.sh) and hand-made
//! hostile inputs, checking the fuzz target's properties on each:
//!
//! - `Scenario::from_toml` never panics, and every error is one line naming the file (and,
//!   where the input is about one key, that key);
//! - a valid scenario simulates without a panic, and every figure of its `Summary` is finite:
//!   probabilities in [0, 1], value quantiles non-negative and ordered p05 <= ... <= p95;
//! - `Vary::parse` (a sweep's `--vary KEY=VALUES`) never panics and its error is one line naming
//!   the option; a point set by `scenario_with` is a valid scenario or one line naming the point,
//!   and a scenario set to its own value is the same scenario.
//!
//! The `fuzz_crash_*` tests are inputs the fuzzer found, minimised, with the cause in a comment.

mod common;

use common::{edit, named, scenario, scenario_with, set_keys, shock, summarize};
use tradesim::analysis::vary::{Key, Vary, scenario_with as point};
use tradesim::scenario::Scenario;
use tradesim::stats::Summary;

const ORIGIN: &str = "fuzz.toml";
const RUNS: u64 = 64;
const SEED: u64 = 1;

/// MINIMAL_SCENARIO at a constant 5% a year, the growth these regressions were written with,
/// for shocks to be appended to.
fn minimal() -> String {
    set_keys(common::MINIMAL_SCENARIO, &[("mean", "0.05")])
}

/// [`minimal`] with `shocks` appended.
fn with_shocks(shocks: &str) -> String {
    minimal() + shocks
}

fn parse(text: &str) -> Result<Scenario, String> {
    Scenario::from_toml(text, ORIGIN, "fuzz").map_err(|e| e.to_string())
}

/// The input must be refused with one line naming the file and containing `needle` (the key).
fn refused(text: &str, needle: &str) -> String {
    let message = match parse(text) {
        Ok(s) => panic!("accepted, want an error about {needle}: {s:?}"),
        Err(message) => message,
    };
    assert!(!message.contains(['\n', '\r']), "error is not one line: {message:?}");
    assert!(message.starts_with(ORIGIN), "error does not name the file: {message:?}");
    assert!(message.contains(needle), "error does not name {needle:?}: {message:?}");
    message
}

fn accepted(text: &str) -> Scenario {
    scenario(text, ORIGIN)
}

fn probability(what: &str, p: f64) {
    assert!((0.0..=1.0).contains(&p), "{what} = {p} is not a probability");
}

/// Simulates `RUNS` paths and checks every figure as the fuzz target does.
fn run(scenario: &Scenario) -> Summary {
    let s = summarize(scenario, RUNS, SEED);
    assert_eq!(s.runs, RUNS);
    probability("prob_reached", s.prob_reached);
    probability("prob_reached_se", s.prob_reached_se);
    let years: Vec<i32> = [s.p10_year, s.median_year, s.p90_year].into_iter().flatten().collect();
    assert!(years.windows(2).all(|w| w[0] <= w[1]), "year quantiles out of order: {years:?}");
    assert_eq!(s.first_passage.len(), scenario.years() as usize + 1);
    for row in &s.first_passage {
        probability("prob_first", row.prob_first);
        probability("prob_reached_by", row.prob_reached_by);
        probability("prob_reached_by_se", row.prob_reached_by_se);
    }
    assert_eq!(s.trajectory.len(), scenario.years() as usize + 1);
    for row in &s.trajectory {
        assert!(row.mean.is_finite() && row.mean >= 0.0, "year {}: mean {}", row.year, row.mean);
        let q = row.quantiles;
        assert!(q.iter().all(|v| v.is_finite() && *v >= 0.0), "year {}: quantiles {q:?}", row.year);
        assert!(q.windows(2).all(|w| w[0] <= w[1]), "year {}: quantiles out of order {q:?}", row.year);
        probability("prob_at_or_above_target", row.prob_at_or_above_target);
    }
    assert_eq!(s.shocks.len(), scenario.years() as usize * scenario.shocks().len());
    for row in &s.shocks {
        probability("prob_started", row.prob_started);
        probability("prob_active", row.prob_active);
    }
    s
}

fn with_trade(base_year: &str, horizon_year: &str) -> String {
    set_keys(&minimal(), &[("base_year", base_year), ("horizon_year", horizon_year)])
}

/// MINIMAL_SCENARIO with the `[growth]` keys replaced by `growth`.
fn with_growth(growth: &str) -> String {
    scenario_with(&format!("[growth]\n{growth}"), "")
}

// ---------------------------------------------------------------------------------------------
// Hand-made hostile inputs.

#[test]
fn empty_file_is_a_one_line_error_naming_trade() {
    refused("", "trade");
    refused("\n\n   \n", "trade");
}

#[test]
fn byte_order_mark_alone_is_a_one_line_error() {
    // A BOM and nothing else: as empty as the empty file.
    let _ = parse("\u{feff}").map(|s| panic!("accepted a file with only a BOM: {s:?}"));
    refused("\u{feff}", "trade");
}

#[test]
fn byte_order_mark_before_a_valid_file_parses_as_without_it() {
    // Editors on Windows save UTF-8 with a BOM; it is not part of the TOML.
    let baseline = include_str!("../scenarios/baseline.toml");
    assert_eq!(accepted(&format!("\u{feff}{baseline}")), accepted(baseline));
}

#[test]
fn deeply_nested_arrays_and_inline_tables_do_not_overflow_the_stack() {
    // Unknown key at the top level: whatever the parser makes of the nesting, the answer is
    // a one-line error, never a stack overflow (which would abort the whole process).
    for depth in [100, 1_000, 10_000] {
        let arrays = format!("x = {}{}\n{}", "[".repeat(depth), "]".repeat(depth), minimal());
        let message = parse(&arrays).expect_err("x is not a key of a scenario");
        assert!(!message.contains('\n'), "{message:?}");
        let tables = format!("x = {}1{}\n{}", "{ a = ".repeat(depth), " }".repeat(depth), minimal());
        let message = parse(&tables).expect_err("x is not a key of a scenario");
        assert!(!message.contains('\n'), "{message:?}");
    }
}

#[test]
fn deeply_nested_dotted_keys_and_headers_are_one_line_errors() {
    for depth in [100, 1_000, 10_000] {
        let dotted = format!("{}a = 1\n{}", "a.".repeat(depth), minimal());
        let message = parse(&dotted).expect_err("a is not a key of a scenario");
        assert!(!message.contains('\n'), "{message:?}");
        let header = format!("{}[growth.{}x]\ny = 1\n", minimal(), "a.".repeat(depth));
        let message = parse(&header).expect_err("growth.a is not a key");
        assert!(!message.contains('\n'), "{message:?}");
    }
}

#[test]
fn unterminated_strings_and_brackets_are_one_line_errors() {
    for text in ["name = \"abc", "name = \"\"\"abc\n\nxyz", "[trade", "[[shocks]\n", "x = [1, 2", "= 1", "\u{0}"] {
        let message = parse(text).expect_err(text);
        assert!(!message.contains(['\n', '\r']), "{text:?}: {message:?}");
        assert!(message.starts_with(ORIGIN), "{text:?}: {message:?}");
    }
}

#[test]
fn huge_integers_for_years_name_the_key() {
    refused(&with_trade(&i64::MAX.to_string(), "2050"), "trade.base_year");
    refused(&with_trade(&i64::MIN.to_string(), "2050"), "trade.base_year");
    refused(&with_trade("2022", &i64::MAX.to_string()), "trade.horizon_year");
    refused(&with_trade("2022", &i64::MIN.to_string()), "trade.horizon_year");
    // The extremes of the base year that are allowed still leave room for 200 years.
    run(&accepted(&with_trade("1000000", "1000200")));
    run(&accepted(&with_trade("-1000000", "-999800")));
    refused(&with_trade("1000001", "1000002"), "trade.base_year");
}

#[test]
fn integers_beyond_i64_are_one_line_errors() {
    refused(&with_trade("9223372036854775808", "2050"), ORIGIN);
    refused(&with_trade("2022", "-9223372036854775809"), ORIGIN);
    refused(&with_trade("2022", "99999999999999999999999999999999999999"), ORIGIN);
}

#[test]
fn duration_of_u32_max_years_runs() {
    let shock_text =
        shock("long", "probability = 1\nduration = { min = 4294967295, max = 4294967295 }\ngrowth_change = -0.01");
    let s = run(&accepted(&with_shocks(&shock_text)));
    // Starts in the first simulated year and stays active to the horizon.
    assert!(s.shocks.iter().all(|r| r.prob_active == 1.0), "{:?}", &s.shocks[..3]);
    let single = shock("long", "probability = 0.5\nduration = 4294967295\nmax_occurrences = 9");
    run(&accepted(&with_shocks(&single)));
    let widest = shock("w", "probability = 0.5\nduration = { min = 1, max = 4294967295 }");
    run(&accepted(&with_shocks(&widest)));
}

#[test]
fn duration_beyond_u32_names_the_key() {
    let with_duration = |d: &str| with_shocks(&shock("d", &format!("probability = 1\nduration = {d}")));
    refused(&with_duration("4294967296"), "shocks[0].duration");
    refused(&with_duration(&i64::MAX.to_string()), "shocks[0].duration");
    refused(&with_duration(&i64::MIN.to_string()), "shocks[0].duration");
    refused(&with_duration("{ min = 1, max = 4294967296 }"), "shocks[0].duration.max");
    refused(&with_duration("{ min = -1, max = 2 }"), "shocks[0].duration.min");
    refused(&with_duration("{ min = 2 }"), "shocks[0].duration.max");
    refused(&with_duration("{ min = 1, max = 2, max2 = 3 }"), "shocks[0].duration");
    refused(&with_duration("{ min = { min = 1 }, max = 2 }"), "shocks[0].duration.min");
    refused(&with_duration("[1, 2]"), "shocks[0].duration");
    refused(&with_duration("1979-05-27T07:32:00Z"), "shocks[0].duration");
}

#[test]
fn two_hundred_years_with_huge_max_occurrences_runs() {
    let text = set_keys(&minimal(), &[("horizon_year", "2222")])
        + &shock(
            "often",
            "probability = 0.5\nmax_occurrences = 9223372036854775807\nduration = { min = 1, max = 3 }\n\
             level_change = -0.5\nrecovery = 1.0\ngrowth_change = 0.3\ncap_value = 1e200",
        );
    let scenario = accepted(&text);
    assert_eq!(scenario.years(), 200);
    run(&scenario);
}

#[test]
fn certain_yearly_shock_with_max_occurrences_i64_max_starts_every_year() {
    let text = with_shocks(&shock(
        "every year",
        &format!("probability = 1\nduration = 1\nmax_occurrences = {}\nlevel_change = -0.5\nrecovery = 1.0", i64::MAX),
    ));
    let s = run(&accepted(&text));
    assert!(s.shocks.iter().all(|r| r.prob_started == 1.0 && r.prob_active == 1.0), "{:?}", &s.shocks[..3]);
}

#[test]
fn unicode_names() {
    // Shock names are free text; the scenario name names a folder and must be ASCII.
    let s = run(&accepted(&with_shocks(&shock("Санкции ЕС 🚢 \u{202e}ltr", "probability = 0.3"))));
    assert_eq!(s.shocks[0].shock, "Санкции ЕС 🚢 \u{202e}ltr");
    refused(&named("тест", &minimal()), "name");
    refused(&named("a/b", &minimal()), "name");
    refused(&named(&"x".repeat(65), &minimal()), "name");
    // A multibyte character just before the error: the column counts characters.
    let message = refused(&format!("é = 1\n{}", minimal()), "é");
    assert!(message.starts_with("fuzz.toml:1:1:"), "{message}");
    let message = refused(&set_keys(&minimal(), &[("mean", "\"ééé\"")]), "fuzz.toml:");
    assert!(!message.contains('\n'), "{message:?}");
    // Neither the default name (file stem) nor the scenario name may be unicode.
    let e = Scenario::from_toml(&minimal(), ORIGIN, "données").unwrap_err().to_string();
    assert!(e.starts_with(ORIGIN) && !e.contains('\n'), "{e:?}");
}

#[test]
fn names_with_line_breaks_give_one_line_errors() {
    // A shock name is itself refused when it is not one line (it is a cell of shocks.csv).
    for name in ["a\\nb\\r\\nc\\u2028d", "a\\u2028b", "a\\u2029b"] {
        let message = refused(&with_shocks(&shock(name, "probability = 0.3")), "shocks[0].name must be one line");
        assert!(!message.contains(['\n', '\r', '\u{2028}', '\u{2029}']), "{message:?}");
    }
    let message = refused(&named("bad\\nname", &minimal()), "name");
    assert!(!message.contains(['\n', '\r']), "{message:?}");
    let message = refused(&edit(&minimal(), "\"constant\"", "\"con\\nstant\""), "growth.distribution");
    assert!(!message.contains(['\n', '\r']), "{message:?}");
}

#[test]
fn many_shocks_run() {
    let shocks: String = (0..200)
        .map(|i| shock(&format!("s{i}"), &format!("probability = 0.{i:03}\nduration = {{ min = 1, max = 5 }}")))
        .collect();
    run(&accepted(&with_shocks(&shocks)));
}

/// Either a one-line error naming the file, or a scenario whose run keeps every figure finite.
fn refused_or_runs(text: &str) {
    match parse(text) {
        Err(message) => {
            assert!(!message.contains(['\n', '\r']), "error is not one line: {message:?}");
            assert!(message.starts_with(ORIGIN), "error does not name the file: {message:?}");
        }
        Ok(scenario) => {
            run(&scenario);
        }
    }
}

#[test]
fn extreme_growth_keeps_every_figure_finite() {
    // Rates beyond 1e6 in size are refused; at the limit and beyond it, nothing may panic.
    for big in ["1e6", "1.7e308"] {
        let neg = format!("-{big}");
        for growth in [
            format!("distribution = \"normal\"\nmean = 0.0\nsd = {big}\n"),
            format!("distribution = \"normal\"\nmean = {big}\nsd = {big}\npersistence = 0.999999\n"),
            format!("distribution = \"lognormal\"\nmean = {big}\nsd = {big}\n"),
            "distribution = \"lognormal\"\nmean = -0.9999999999999999\nsd = 1e-308\n".to_string(),
            format!(
                "distribution = \"lognormal\"\nmean = {big}\nsd = 0.0\nlong_run_mean = -0.9999999999999999\nhalf_life = 1e-308\n"
            ),
            format!(
                "distribution = \"constant\"\nmean = {big}\nlong_run_mean = -0.9999999999999999\nhalf_life = 1e308\n"
            ),
            format!("distribution = \"triangular\"\nmin = {neg}\nmode = {big}\nmax = {big}\n"),
            format!("distribution = \"triangular\"\nmin = {neg}\nmode = 0.0\nmax = {big}\n"),
            format!("distribution = \"pert\"\nmin = {neg}\nmode = 0.0\nmax = {big}\n"),
            format!("distribution = \"pert\"\nmin = {neg}\nmode = {big}\nmax = {big}\n"),
            format!("distribution = \"uniform\"\nmin = {neg}\nmax = {big}\n"),
            "distribution = \"pert\"\nmin = 0.0\nmode = 0.0\nmax = 5e-324\n".to_string(),
            "distribution = \"uniform\"\nmin = 0.0\nmax = 5e-324\n".to_string(),
        ] {
            for base_value in ["460.0", "1e-200", "1e200"] {
                let text = set_keys(&with_growth(&growth), &[("base_value", base_value), ("horizon_year", "2222")]);
                refused_or_runs(&text);
            }
        }
    }
}

#[test]
fn extreme_shocks_keep_every_figure_finite() {
    for big in ["1e6", "1.7e308"] {
        let mut shocks = String::new();
        for i in 0..30 {
            let level_change = if i % 2 == 0 { big } else { "-0.9999999999999999" };
            let growth_change = if i % 3 == 0 { big.to_string() } else { format!("-{big}") };
            let cap_value = if i % 5 == 0 { "5e-324" } else { "1.7e308" };
            shocks += &shock(
                &format!("s{i}"),
                &format!(
                    "year = 2030\nduration = {}\nlevel_change = {level_change}\ngrowth_change = {growth_change}\n\
                     recovery = 1.0\ncap_value = {cap_value}",
                    1 + i,
                ),
            );
        }
        for base_value in ["460.0", "1e-200", "1e200"] {
            refused_or_runs(&(set_keys(&minimal(), &[("base_value", base_value)]) + &shocks));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Found while writing the inputs above (not a panic: a wrong figure).

/// The value-quantile sketch (src/sketch.rs) keeps a window of `MAX_PAGES` = 48 octaves that
/// starts at the first value it is given, i.e. the value of the first path of a batch. When
/// that path is an outlier more than 2^48-fold below the rest (here: wiped out by a
/// `level_change = -0.9999999999999999`), every other value is counted "above the window", and
/// every quantile of that year comes out as the year's maximum. SPEC §3 allows a relative error
/// of 0.1%.
///
/// Here every path is `V = 460 * 1.05^8` in 2030, except a few wiped out (about 1e-16 V) and a
/// few doubled (2V). With at most 2 of 64 paths in each tail, p05 ..= p95 are all exactly V;
/// the seeds where the first path is wiped out report 2V for all of them.
#[test]
fn quantiles_stay_accurate_when_the_first_path_is_an_outlier() {
    let shocks = shock("wipe-out", "year = 2030\nprobability = 0.03\nlevel_change = -0.9999999999999999")
        + &shock("boom", "year = 2030\nprobability = 0.03\nlevel_change = 1.0");
    let scenario = accepted(&(set_keys(&minimal(), &[("horizon_year", "2032")]) + &shocks));
    let v = 460.0 * 1.05f64.powi(8);
    let mut checked = 0;
    let mut wrong = Vec::new();
    for seed in 0..400 {
        let s = summarize(&scenario, RUNS, seed);
        let row = s.trajectory.iter().find(|r| r.year == 2030).expect("a row for 2030");
        let started = |name: &str| {
            let r = s.shocks.iter().find(|r| r.year == 2030 && r.shock == name).expect("a shocks row");
            (r.prob_started * RUNS as f64).round() as u64
        };
        if started("wipe-out") > 2 || started("boom") > 2 {
            continue;
        }
        checked += 1;
        if row.quantiles.iter().any(|q| (q / v - 1.0).abs() > 1e-3) {
            wrong.push(format!("seed {seed}: {:?}", row.quantiles));
        }
    }
    assert!(checked >= 100, "only {checked} seeds with both tails of at most 2 paths");
    assert!(wrong.is_empty(), "p05..p95 should all be {v} (within 0.1%), got:\n{}", wrong.join("\n"));
}

// ---------------------------------------------------------------------------------------------
// Sweeps (SPEC §6.1): hostile `--vary` options and points.

/// Hostile `--vary` texts: each is refused with one line naming the option, or read.
#[test]
fn vary_options_never_panic_and_say_what_is_wrong_in_one_line() {
    let digits = "999999999999999999999999999999";
    let tiny = "0.00000000000000000000000000001";
    let texts = [
        String::new(),
        "=".into(),
        "growth.mean".into(),
        "growth.mean=".into(),
        "=0.1".into(),
        "shocks.=1".into(),
        "shocks..x=1".into(),
        "shocks.a.b.c.probability=0.5".into(),
        "shocks.\n.probability=0.5".into(),
        "growth.mean=1e308,".into(),
        "growth.mean=nan".into(),
        "growth.mean=-inf".into(),
        "growth.mean=1e309".into(),
        "growth.mean=0:1e30:1".into(),
        "growth.mean=:".into(),
        "growth.mean=1:2:3:4".into(),
        "growth.mean= , ".into(),
        "growth.mean=\u{663}".into(),
        "growth.mean=0x10".into(),
        "growth.mean=.:.:.".into(),
        "growth.mean=-:-:-".into(),
        "growth.mean=+-1:2:1".into(),
        "growth.mean=1:2:-0".into(),
        "trade.horizon_year=1e20".into(),
        "trade.horizon_year=-9223372036854775808".into(),
        "shocks.x.duration=1:100001:1".into(),
        format!("growth.mean={tiny}:{digits}:1"),
        format!("growth.mean={digits}:0:-1"),
        format!("growth.mean=-{digits}:{digits}:{tiny}"),
        format!("growth.mean=0:{digits}{digits}:1"),
        format!("growth.mean={}", "1,".repeat(100_000) + "1"),
    ];
    for text in &texts {
        match Vary::parse(text) {
            Ok(vary) => assert!(!vary.values.is_empty() && vary.values.iter().all(|v| v.is_finite()), "{text:?}"),
            Err(e) => {
                let message = e.to_string();
                assert!(!message.contains(['\n', '\r']), "not one line: {message:?}");
                assert!(message.starts_with("--vary "), "does not name the option: {message:?}");
            }
        }
    }
}

/// A scenario with a shock whose name has dots, quotes and spaces, and every field set.
fn sweepable() -> String {
    let shocks = shock(
        "EU. \\\"x\\\" sanctions",
        "kind = \"sanction\"\nprobability = 0.2\nfirst_year = 2024\nlast_year = 2030\nmax_occurrences = 2\n\
         duration = { min = 1, max = 3 }\nlevel_change = -0.2\ngrowth_change = -0.02\nrecovery = 0.5\ncap_value = 900.0",
    );
    let growth = "[growth]\ndistribution = \"normal\"\nmean = 0.1\nsd = 0.1\nlong_run_mean = 0.05\nhalf_life = 3.0\npersistence = 0.2\n";
    named("sweepable", &format!("description = \"a \\\"quoted\\\" line\"\n{}", scenario_with(growth, &shocks)))
}

/// Every key a sweep can set, at values across the float range: each point is a valid scenario
/// (which simulates) or one line naming the point; never a panic.
#[test]
fn hostile_points_are_scenarios_or_one_line_errors() {
    let text = sweepable();
    let base = accepted(&text);
    let name = base.shocks()[0].name().to_string();
    let mut keys: Vec<Key> = ["base_value", "target_value", "horizon_year"].map(Key::Trade).to_vec();
    keys.extend(["mean", "sd", "min", "mode", "max", "long_run_mean", "half_life", "persistence"].map(Key::Growth));
    for field in [
        "probability",
        "first_year",
        "last_year",
        "year",
        "max_occurrences",
        "duration",
        "level_change",
        "growth_change",
        "recovery",
        "cap_value",
    ] {
        keys.push(Key::Shock { name: name.clone(), field });
    }
    keys.push(Key::Shock { name: "not there".into(), field: "probability" });
    let values: [f64; 13] =
        [-1e308, -2050.0, -1.0, -0.99, -0.0, 0.0, 1e-300, 0.5, 1.0, 2.0, 2030.0, 9_007_199_254_740_992.0, 1e308];
    let (mut valid, mut refused) = (0, 0);
    for key in &keys {
        for &value in &values {
            let value = if key.is_integer() { value.trunc() } else { value };
            match point(&text, ORIGIN, "fuzz", &[(key, value)]) {
                Ok(s) => {
                    valid += 1;
                    if s.years() <= 40 {
                        run(&s);
                    }
                }
                Err(e) => {
                    refused += 1;
                    let message = e.to_string();
                    assert!(!message.contains(['\n', '\r']), "not one line: {message:?}");
                    assert!(message.starts_with(&format!("sweep {key}=")), "does not name the point: {message:?}");
                }
            }
        }
    }
    assert!(valid > 50 && refused > 50, "{valid} valid, {refused} refused");
    // The shock is found by its name, dots and quotes and all.
    let probability = Key::Shock { name, field: "probability" };
    assert_eq!(point(&text, ORIGIN, "fuzz", &[(&probability, 0.5)]).unwrap().shocks()[0].probability(), 0.5);
}

/// A scenario set to its own value is the same scenario: the file survives the round trip through
/// TOML (descriptions, units, every shock field, durations as tables, a BOM, dotted and inline
/// tables).
#[test]
fn a_point_at_the_files_own_values_is_the_file() {
    let mut texts: Vec<String> = std::fs::read_dir(common::repo_root().join(common::LIBRARY))
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .collect();
    texts.push(sweepable());
    texts.push(common::shock_scenario());
    texts.push(format!("\u{feff}{}", minimal()));
    texts.push(
        "trade.base_year = 2022\ntrade.base_value = 460\ntrade.target_value = 1e3\ntrade.horizon_year = 2050\n\
         growth = { distribution = \"constant\", mean = 0.4 }\nshocks = [{ name = \"a\", probability = 0.5 }]\n"
            .to_string(),
    );
    for text in &texts {
        let s = accepted(text);
        let target = Key::Trade("target_value");
        let same =
            point(text, ORIGIN, "fuzz", &[(&target, s.target_value())]).unwrap_or_else(|e| panic!("{e}\n{text}"));
        assert_eq!(same, s, "{text}");
        let mean = Key::Growth("long_run_mean");
        let same =
            point(text, ORIGIN, "fuzz", &[(&mean, s.growth().long_run_mean())]).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(same, s, "{text}");
    }
}
