//! Exact, deterministic checks of the model of SPEC §2 and the statistics of SPEC §3.
//!
//! Every scenario here uses `constant` growth (or a zero-sd distribution) and shocks of
//! probability 1, so all paths are identical: the first-passage year is the same for every
//! path, `prob_reached_by` steps from 0 to 1, and the trajectory mean and every quantile equal
//! the one path's value (the quantile sketch is clamped to the per-year min/max, which coincide).
//!
//! The expected numbers are worked out by hand from SPEC §2 in the comments next to them, not
//! copied from program output. Values are compared with a relative tolerance of 1e-12, which
//! only allows for floating-point rounding order.

mod common;

use common::{DEFAULT_SEED, MINIMAL_GROWTH, shock, simulate_text, trade_scenario};
use tradesim::scenario::Scenario;
use tradesim::stats::Summary;

const RUNS: u64 = 1_000;

/// Simulates `runs` paths of `text` (any seed would do: every path is the same).
fn run(text: &str, runs: u64) -> (Scenario, Summary) {
    simulate_text(text, runs, DEFAULT_SEED)
}

fn close(what: &str, got: f64, want: f64) {
    let tolerance = 1e-12 * want.abs().max(f64::MIN_POSITIVE);
    assert!(
        (got - want).abs() <= tolerance,
        "{what}: got {got:?}, want {want:?} (relative difference {:e})",
        (got - want).abs() / want.abs()
    );
}

/// Checks the trajectory rows against the hand-computed path `V(base_year), V(base_year + 1),
/// ...` (every row from the base year to the horizon): the mean, all five quantiles, and
/// `prob_at_or_above_target` (1 or 0, since every path is the same).
fn check_path(scenario: &Scenario, summary: &Summary, path: &[f64]) {
    let rows = &summary.trajectory;
    assert_eq!(
        rows.len(),
        (scenario.horizon_year() - scenario.base_year() + 1) as usize,
        "one trajectory row per year from base_year to horizon_year"
    );
    assert_eq!(path.len(), rows.len(), "the hand-computed path must cover every year");
    for (row, (j, &want)) in rows.iter().zip(path.iter().enumerate()) {
        let year = scenario.base_year() + j as i32;
        assert_eq!(row.year, year);
        close(&format!("mean {year}"), row.mean, want);
        for (q, &got) in ["p05", "p25", "p50", "p75", "p95"].iter().zip(row.quantiles.iter()) {
            close(&format!("{q} {year}"), got, want);
        }
        let above = if want >= scenario.target_value() { 1.0 } else { 0.0 };
        assert_eq!(row.prob_at_or_above_target, above, "prob_at_or_above_target {year} (value {want})");
    }
}

/// Checks first_passage rows and the summary when every path first reaches the target in
/// `year` (or never, `None`).
fn check_first_passage(scenario: &Scenario, summary: &Summary, year: Option<i32>) {
    let rows = &summary.first_passage;
    assert_eq!(rows.len(), (scenario.horizon_year() - scenario.base_year() + 1) as usize);
    for (j, row) in rows.iter().enumerate() {
        let y = scenario.base_year() + j as i32;
        assert_eq!(row.year, y);
        let first = if Some(y) == year { 1.0 } else { 0.0 };
        let by = if year.is_some_and(|f| f <= y) { 1.0 } else { 0.0 };
        assert_eq!(row.prob_first, first, "prob_first {y}");
        assert_eq!(row.prob_reached_by, by, "prob_reached_by {y}");
        // sqrt(p (1 - p) / N) is exactly 0 for p = 0 or 1.
        assert_eq!(row.prob_reached_by_se, 0.0, "prob_reached_by_se {y}");
    }
    let reached = if year.is_some() { 1.0 } else { 0.0 };
    assert_eq!(summary.prob_reached, reached);
    assert_eq!(summary.prob_reached_se, 0.0);
    assert_eq!(summary.p10_year, year, "p10_year");
    assert_eq!(summary.median_year, year, "median_year");
    assert_eq!(summary.p90_year, year, "p90_year");
}

/// Checks the shock rows of one shock: `started` and `active` list the years with probability 1
/// (every other simulated year must be 0).
fn check_shock(summary: &Summary, scenario: &Scenario, name: &str, started: &[i32], active: &[i32]) {
    let rows: Vec<_> = summary.shocks.iter().filter(|r| r.shock == name).collect();
    assert_eq!(
        rows.len(),
        (scenario.horizon_year() - scenario.base_year()) as usize,
        "one row per simulated year for shock {name}"
    );
    for (i, row) in rows.iter().enumerate() {
        let y = scenario.base_year() + 1 + i as i32;
        assert_eq!(row.year, y);
        let s = if started.contains(&y) { 1.0 } else { 0.0 };
        let a = if active.contains(&y) { 1.0 } else { 0.0 };
        assert_eq!(row.prob_started, s, "{name}: prob_started {y}");
        assert_eq!(row.prob_active, a, "{name}: prob_active {y}");
    }
}

/// A constant 40% a year: the growth of MINIMAL_SCENARIO.
const CONSTANT_40: &str = MINIMAL_GROWTH;

/// a. 460 at a constant 40% towards 1000.
///
/// V(2022) = 460
/// V(2023) = 460 * 1.4        = 644
/// V(2024) = 644 * 1.4        = 901.6         (< 1000)
/// V(2025) = 901.6 * 1.4      = 1262.24       (>= 1000: first passage 2025)
/// V(2026) = 1262.24 * 1.4    = 1767.136
/// V(2027) = 1767.136 * 1.4   = 2473.9904
/// V(2028) = 2473.9904 * 1.4  = 3463.58656
/// V(2029) = 3463.58656 * 1.4 = 4849.021184
/// V(2030) = 4849.021184*1.4  = 6788.6296576
#[test]
fn a_constant_growth_reaches_the_target_in_2025() {
    let path = [460.0, 644.0, 901.6, 1262.24, 1767.136, 2473.9904, 3463.58656, 4849.021184, 6788.6296576];
    let text = trade_scenario(460.0, 1000.0, 2030, CONSTANT_40, "");
    // One path, fewer than a batch, and several batches (8,192 paths each) merged.
    for runs in [1, RUNS, 40_000] {
        let (scenario, summary) = run(&text, runs);
        check_first_passage(&scenario, &summary, Some(2025));
        check_path(&scenario, &summary, &path);
        assert_eq!(summary.expected_path_year, Some(2025));
        assert_eq!(scenario.expected_path_year(), Some(2025));
        assert!(summary.shocks.is_empty());
    }
}

/// b. A scheduled level shock without recovery moves the first passage by one year.
///
/// year = 2024 (probability 1), duration 1, level_change -0.30, recovery 0:
/// V(2023) = 460 * 1.4               = 644
/// V(2024) = 644 * 1.4 * (1 - 0.30)  = 901.6 * 0.7 = 631.12   (start year: level factor 0.7)
/// V(2025) = 631.12 * 1.4            = 883.568    (recovery 0: factor 1 + 0*(1/0.7 - 1) = 1)
/// V(2026) = 883.568 * 1.4           = 1236.9952  (first passage 2026, one year later than a.)
/// V(2027) = 1236.9952 * 1.4         = 1731.79328
///
/// With level_change = -0.20 the year would NOT move: 901.6*0.8 = 721.28, *1.4 = 1009.792 >= 1000
/// in 2025; we check that too.
#[test]
fn b_level_shock_without_recovery() {
    let with_cut = |lc: f64| {
        let cut = shock("cut", &format!("kind = \"sanction\"\nyear = 2024\nduration = 1\nlevel_change = {lc:?}"));
        trade_scenario(460.0, 1000.0, 2027, CONSTANT_40, &cut)
    };
    let (scenario, summary) = run(&with_cut(-0.30), RUNS);
    check_path(&scenario, &summary, &[460.0, 644.0, 631.12, 883.568, 1236.9952, 1731.79328]);
    check_first_passage(&scenario, &summary, Some(2026));
    // expected_path_year ignores shocks (SPEC §3).
    assert_eq!(summary.expected_path_year, Some(2025));
    check_shock(&summary, &scenario, "cut", &[2024], &[2024]);
    assert!(summary.shocks.iter().all(|r| r.kind == "sanction"));

    // V(2024) = 901.6 * 0.8 = 721.28; V(2025) = 721.28 * 1.4 = 1009.792; V(2026) = 1413.7088;
    // V(2027) = 1979.19232.
    let (scenario, summary) = run(&with_cut(-0.20), RUNS);
    check_path(&scenario, &summary, &[460.0, 644.0, 721.28, 1009.792, 1413.7088, 1979.19232]);
    check_first_passage(&scenario, &summary, Some(2025));
}

/// c. The same shock with recovery: the level change is undone (in share `recovery`) in the year
/// after the last active year (SPEC §2 step 6).
///
/// level_change -0.30, duration 2 (active 2024, 2025), recovery 1.0: the recovery factor is
/// 1 + 1.0 * (1/0.7 - 1) = 1/0.7, applied in 2026.
/// V(2023) = 644
/// V(2024) = 644 * 1.4 * 0.7      = 631.12
/// V(2025) = 631.12 * 1.4         = 883.568      (active, no level factor)
/// V(2026) = 883.568 * 1.4 / 0.7  = 883.568 * 2 = 1767.136  (= 460 * 1.4^4: fully undone)
/// V(2027) = 1767.136 * 1.4       = 2473.9904
/// first passage 2026 (883.568 < 1000 in 2025).
///
/// A deeper cut shows the recovery moving the year: level_change -0.50, duration 2:
/// V(2024) = 901.6 * 0.5 = 450.8; V(2025) = 450.8 * 1.4 = 631.12;
/// - recovery 1.0: factor 1 + (1/0.5 - 1) = 2: V(2026) = 631.12 * 1.4 * 2 = 1767.136 -> 2026;
///   V(2027) = 2473.9904.
/// - recovery 0.5: factor 1 + 0.5 * (2 - 1) = 1.5: V(2026) = 631.12 * 1.4 * 1.5 = 1325.352 -> 2026;
///   V(2027) = 1855.4928.
/// - recovery 0:   V(2026) = 883.568, V(2027) = 1236.9952 -> 2027.
#[test]
fn c_level_shock_with_recovery() {
    let with_cut = |lc: f64, recovery: f64| {
        let cut = shock("cut", &format!("year = 2024\nduration = 2\nlevel_change = {lc:?}\nrecovery = {recovery:?}"));
        trade_scenario(460.0, 1000.0, 2027, CONSTANT_40, &cut)
    };
    let (scenario, summary) = run(&with_cut(-0.30, 1.0), RUNS);
    check_path(&scenario, &summary, &[460.0, 644.0, 631.12, 883.568, 1767.136, 2473.9904]);
    check_first_passage(&scenario, &summary, Some(2026));
    check_shock(&summary, &scenario, "cut", &[2024], &[2024, 2025]);

    let cases: [(f64, [f64; 6], i32); 3] = [
        (1.0, [460.0, 644.0, 450.8, 631.12, 1767.136, 2473.9904], 2026),
        (0.5, [460.0, 644.0, 450.8, 631.12, 1325.352, 1855.4928], 2026),
        (0.0, [460.0, 644.0, 450.8, 631.12, 883.568, 1236.9952], 2027),
    ];
    for (recovery, path, year) in cases {
        let (scenario, summary) = run(&with_cut(-0.50, recovery), RUNS);
        check_path(&scenario, &summary, &path);
        check_first_passage(&scenario, &summary, Some(year));
    }
}

/// d. growth_change is added to the rate in every active year.
///
/// year = 2024, duration 2, growth_change -0.40: the effective rate is 0.40 - 0.40 = 0 in 2024
/// and 2025, 0.40 otherwise.
/// V(2023) = 644; V(2024) = 644; V(2025) = 644; V(2026) = 644 * 1.4 = 901.6;
/// V(2027) = 1262.24 (first passage 2027, two years later than a.); V(2028) = 1767.136.
#[test]
fn d_growth_change_while_active() {
    let slow = shock("slow", "kind = \"route\"\nyear = 2024\nduration = 2\ngrowth_change = -0.40");
    let text = trade_scenario(460.0, 1000.0, 2028, CONSTANT_40, &slow);
    let (scenario, summary) = run(&text, RUNS);
    check_path(&scenario, &summary, &[460.0, 644.0, 644.0, 644.0, 901.6, 1262.24, 1767.136]);
    check_first_passage(&scenario, &summary, Some(2027));
    check_shock(&summary, &scenario, "slow", &[2024], &[2024, 2025]);
    assert!(summary.shocks.iter().all(|r| r.kind == "route"));
}

/// e. A cap holds the value while active; growth resumes from the capped value.
///
/// cap_value 800, year = 2023, duration 4 (active 2023..2026):
/// V(2023) = min(460 * 1.4, 800)  = min(644, 800)    = 644
/// V(2024) = min(644 * 1.4, 800)  = min(901.6, 800)  = 800
/// V(2025) = min(800 * 1.4, 800)  = min(1120, 800)   = 800
/// V(2026) = min(1120, 800)                          = 800
/// V(2027) = 800 * 1.4                               = 1120  (first passage 2027)
/// V(2028) = 1120 * 1.4                              = 1568
///
/// Two caps: add cap_value 700 for year = 2025 only; the lower cap binds that year:
/// V(2025) = min(1120, 800, 700) = 700; V(2026) = min(700 * 1.4, 800) = min(980, 800) = 800;
/// V(2027) = 1120; V(2028) = 1568.
#[test]
fn e_cap_holds_the_value_until_the_shock_ends() {
    let cap = shock("cap", "year = 2023\nduration = 4\ncap_value = 800.0");
    let text = trade_scenario(460.0, 1000.0, 2028, CONSTANT_40, &cap);
    let (scenario, summary) = run(&text, RUNS);
    check_path(&scenario, &summary, &[460.0, 644.0, 800.0, 800.0, 800.0, 1120.0, 1568.0]);
    check_first_passage(&scenario, &summary, Some(2027));
    check_shock(&summary, &scenario, "cap", &[2023], &[2023, 2024, 2025, 2026]);

    let lower = shock("lower", "year = 2025\ncap_value = 700.0");
    let text = trade_scenario(460.0, 1000.0, 2028, CONSTANT_40, &(cap + &lower));
    let (scenario, summary) = run(&text, RUNS);
    check_path(&scenario, &summary, &[460.0, 644.0, 800.0, 700.0, 800.0, 1120.0, 1568.0]);
    check_first_passage(&scenario, &summary, Some(2027));
    check_shock(&summary, &scenario, "lower", &[2025], &[2025]);
}

/// f. base_value already at or above the target: first passage in the base year, even when the
/// value later falls below the target.
///
/// base 1200, target 1000, constant -10%:
/// V(2022) = 1200; V(2023) = 1080; V(2024) = 972 (< 1000: prob_at_or_above 0, but
/// prob_reached_by stays 1); V(2025) = 874.8.
/// Equality counts as reached (V >= target): base 1000, target 1000 -> first passage 2022.
#[test]
fn f_base_value_at_or_above_target() {
    let growth = "[growth]\ndistribution = \"constant\"\nmean = -0.10\n";
    let (scenario, summary) = run(&trade_scenario(1200.0, 1000.0, 2025, growth, ""), RUNS);
    check_first_passage(&scenario, &summary, Some(2022));
    check_path(&scenario, &summary, &[1200.0, 1080.0, 972.0, 874.8]);
    assert_eq!(summary.first_passage[0].prob_reached_by, 1.0);
    assert_eq!(summary.expected_path_year, Some(2022));

    let (scenario, summary) = run(&trade_scenario(1000.0, 1000.0, 2025, growth, ""), RUNS);
    check_first_passage(&scenario, &summary, Some(2022));
    check_path(&scenario, &summary, &[1000.0, 900.0, 810.0, 729.0]);
    assert_eq!(summary.expected_path_year, Some(2022));
}

/// g. Never reached by the horizon.
///
/// 460 at a constant 1% to 2030: V(2030) = 460 * 1.01^8 = 460 * 1.0828567056280801 = 498.11...
/// far below 1000. Path: 464.6, 469.246, 473.93846, 478.6778446, 483.464623046,
/// 488.29926927646, 493.1822619692246, 498.114084588916846.
#[test]
fn g_never_reached() {
    let growth = "[growth]\ndistribution = \"constant\"\nmean = 0.01\n";
    let (scenario, summary) = run(&trade_scenario(460.0, 1000.0, 2030, growth, ""), RUNS);
    check_first_passage(&scenario, &summary, None);
    assert_eq!(summary.prob_reached, 0.0);
    assert_eq!(summary.p10_year, None);
    assert_eq!(summary.median_year, None);
    assert_eq!(summary.p90_year, None);
    assert_eq!(summary.expected_path_year, None);
    check_path(
        &scenario,
        &summary,
        &[
            460.0,
            464.6,
            469.246,
            473.93846,
            478.6778446,
            483.464623046,
            488.29926927646,
            493.1822619692246,
            498.114_084_588_916_85, // 498.114084588916846 rounded to f64
        ],
    );
}

/// h. The fade: mean 0.40, long_run_mean 0, half_life 1: m(k) = 0.40 * 2^-(k-1), so the rates are
/// 0.4, 0.2, 0.1, 0.05, 0.025, 0.0125, 0.00625.
///
/// V(2023) = 460 * 1.4          = 644
/// V(2024) = 644 * 1.2          = 772.8
/// V(2025) = 772.8 * 1.1        = 850.08
/// V(2026) = 850.08 * 1.05      = 892.584
/// V(2027) = 892.584 * 1.025    = 914.8986      (target 900: first passage 2027)
/// V(2028) = 914.8986 * 1.0125  = 926.3348325
/// V(2029) = 926.3348325 * 1.00625 = 932.124425203125
///
/// The expected path is this same path (constant growth), so expected_path_year = 2027.
/// With target 1000 it is never reached: the product of (1 + 0.4 * 2^-j) converges to about
/// 2.04, and 460 * 2.04 < 1000.
#[test]
fn h_fade_halves_the_gap_every_half_life() {
    let growth = "[growth]\ndistribution = \"constant\"\nmean = 0.40\nlong_run_mean = 0.0\nhalf_life = 1.0\n";
    let (scenario, summary) = run(&trade_scenario(460.0, 900.0, 2029, growth, ""), RUNS);
    for (k, want) in [0.4, 0.2, 0.1, 0.05, 0.025, 0.0125, 0.00625].into_iter().enumerate() {
        close(&format!("m({})", k + 1), scenario.growth().expected_rate(k as u32 + 1), want);
    }
    check_path(&scenario, &summary, &[460.0, 644.0, 772.8, 850.08, 892.584, 914.8986, 926.3348325, 932.124425203125]);
    check_first_passage(&scenario, &summary, Some(2027));
    assert_eq!(summary.expected_path_year, Some(2027));

    let (scenario, summary) = run(&trade_scenario(460.0, 1000.0, 2060, growth, ""), RUNS);
    check_first_passage(&scenario, &summary, None);
    assert_eq!(summary.expected_path_year, None);
}

/// i. Occurrence rules (SPEC §2 step 1).
///
/// "again": probability 1, first_year 2023 (default), duration 1, max_occurrences 3,
///   level_change -0.50, recovery 1.0. It is never active at the start of a year after its
///   start year, so it starts in 2023, 2024 and 2025 (a new occurrence may start the year right
///   after the previous ended) and never again (3 occurrences). Recovery factor 1 + (1/0.5 - 1) = 2.
/// "forever": year = 2027, duration "permanent", growth_change -0.40: active 2027..2030.
/// "pair": probability 1, duration 2, max_occurrences 2, no effect: starts 2023 (active 2023,
///   2024), cannot start in 2024 (active), starts again 2025 (active 2025, 2026), then the count
///   is used up.
/// "window": probability 1, first_year 2023, last_year 2024, duration 1, max_occurrences 5, no
///   effect: starts 2023 and 2024 only (the window closes).
///
/// V(2023) = 460 * 1.4 * 0.5         = 322          (again #1 starts)
/// V(2024) = 322 * 1.4 * 2 * 0.5     = 450.8        (#1 recovers, #2 starts)
/// V(2025) = 450.8 * 1.4 * 2 * 0.5   = 631.12       (#2 recovers, #3 starts)
/// V(2026) = 631.12 * 1.4 * 2        = 1767.136     (#3 recovers; first passage 2026)
/// V(2027) = 1767.136 * (1 + 0.4 - 0.4) = 1767.136  (forever active: growth 0)
/// V(2028..2030) = 1767.136
#[test]
fn i_occurrences_restart_count_and_permanent() {
    let shocks = [
        shock("again", "probability = 1.0\nduration = 1\nmax_occurrences = 3\nlevel_change = -0.5\nrecovery = 1.0"),
        shock("forever", "year = 2027\nduration = \"permanent\"\ngrowth_change = -0.40"),
        shock("pair", "probability = 1.0\nduration = 2\nmax_occurrences = 2"),
        shock("window", "probability = 1.0\nfirst_year = 2023\nlast_year = 2024\nmax_occurrences = 5"),
    ]
    .concat();
    let text = trade_scenario(460.0, 1000.0, 2030, CONSTANT_40, &shocks);
    let (scenario, summary) = run(&text, RUNS);
    check_shock(&summary, &scenario, "again", &[2023, 2024, 2025], &[2023, 2024, 2025]);
    check_shock(&summary, &scenario, "forever", &[2027], &[2027, 2028, 2029, 2030]);
    check_shock(&summary, &scenario, "pair", &[2023, 2025], &[2023, 2024, 2025, 2026]);
    check_shock(&summary, &scenario, "window", &[2023, 2024], &[2023, 2024]);
    // Year-major, shocks in file order (SPEC §5).
    let order: Vec<(i32, &str)> = summary.shocks.iter().take(8).map(|r| (r.year, r.shock.as_str())).collect();
    assert_eq!(
        order,
        [
            (2023, "again"),
            (2023, "forever"),
            (2023, "pair"),
            (2023, "window"),
            (2024, "again"),
            (2024, "forever"),
            (2024, "pair"),
            (2024, "window"),
        ]
    );
    assert!(summary.shocks.iter().all(|r| r.kind == "other"));
    check_path(&scenario, &summary, &[460.0, 322.0, 450.8, 631.12, 1767.136, 1767.136, 1767.136, 1767.136, 1767.136]);
    check_first_passage(&scenario, &summary, Some(2026));
    assert_eq!(summary.expected_path_year, Some(2025));
}

/// j. The -0.99 floor of the effective growth rate (SPEC §2 step 5).
///
/// year = 2024, growth_change -5.0: g = max(0.40 - 5.0, -0.99) = -0.99, so the value is
/// multiplied by 0.01 in 2024.
/// V(2023) = 644; V(2024) = 644 * 0.01 = 6.44; then * 1.4 a year:
/// 9.016, 12.6224, 17.67136, 24.739904, 34.6358656, 48.49021184 (2030): never reached.
/// expected_path_year ignores shocks: 2025.
#[test]
fn j_growth_floor() {
    let collapse = shock("collapse", "year = 2024\ngrowth_change = -5.0");
    let text = trade_scenario(460.0, 1000.0, 2030, CONSTANT_40, &collapse);
    let (scenario, summary) = run(&text, RUNS);
    check_path(
        &scenario,
        &summary,
        &[460.0, 644.0, 6.44, 9.016, 12.6224, 17.67136, 24.739904, 34.6358656, 48.49021184],
    );
    check_first_passage(&scenario, &summary, None);
    assert_eq!(summary.expected_path_year, Some(2025));
}

/// k. Normal and lognormal with sd = 0 are deterministic and equal the constant path of a.:
/// normal r = m + 0 * z = 0.4; lognormal s^2 = ln(1 + 0) = 0, mu = ln(1.4), 1 + r = exp(ln 1.4).
/// (exp(ln 1.4) may differ from 1.4 in the last bit: well inside 1e-12 over 3 years.)
#[test]
fn k_zero_sd_distributions_are_deterministic() {
    for dist in ["normal", "lognormal"] {
        let growth = format!("[growth]\ndistribution = \"{dist}\"\nmean = 0.40\nsd = 0.0\n");
        let (scenario, summary) = run(&trade_scenario(460.0, 1000.0, 2025, &growth, ""), RUNS);
        check_path(&scenario, &summary, &[460.0, 644.0, 901.6, 1262.24]);
        check_first_passage(&scenario, &summary, Some(2025));
    }
}

/// SPEC §3: the mean is exact. Where every path has the same value, every year's mean is that
/// value to the last bit, equal to every quantile (which the sketch clamps to the year's
/// identical extremes), however many paths are summed and however the batches fall on
/// threads. (With float sums added batch by batch, 2024's mean was 901.6000000000305 while
/// every path had 901.5999999999999.)
#[test]
fn the_mean_of_identical_paths_is_their_value_to_the_last_bit() {
    for runs in [1, 3, 100_000, 2 * tradesim::engine::BATCH_PATHS + 1] {
        let (_, summary) = run(common::MINIMAL_SCENARIO, runs);
        for row in &summary.trajectory {
            assert!(
                row.quantiles.iter().all(|q| q.to_bits() == row.mean.to_bits()),
                "{runs} runs, {}: mean {:?}, quantiles {:?}",
                row.year,
                row.mean,
                row.quantiles
            );
        }
        assert_eq!(summary.trajectory[2].mean, 460.0 * 1.4 * 1.4);
    }
}
