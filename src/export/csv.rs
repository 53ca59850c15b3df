//! The four CSV files of SPEC §5 as bytes: pure functions from results to text, with the
//! columns in the contract's order. Numbers are written with Rust's shortest round-trip
//! decimal form (never exponent notation); an undefined figure is an empty cell.

use crate::scenario::Scenario;
use crate::stats::Summary;

/// One scenario's results, as `summary.csv` needs them.
pub struct RunResult<'a> {
    pub scenario: &'a Scenario,
    pub summary: &'a Summary,
    pub seed: u64,
}

fn number(x: f64) -> String {
    debug_assert!(x.is_finite(), "non-finite figure {x}");
    if x == 0.0 { "0".to_string() } else { x.to_string() }
}

fn year(y: Option<i32>) -> String {
    y.map(|y| y.to_string()).unwrap_or_default()
}

fn to_bytes(header: &[&str], rows: impl Iterator<Item = Vec<String>>) -> Vec<u8> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(header).expect("writing to memory cannot fail");
    for row in rows {
        writer.write_record(&row).expect("writing to memory cannot fail");
    }
    writer.into_inner().expect("writing to memory cannot fail")
}

pub const SUMMARY_COLUMNS: [&str; 13] = [
    "scenario",
    "runs",
    "seed",
    "base_year",
    "base_value",
    "target_value",
    "horizon_year",
    "prob_reached",
    "prob_reached_se",
    "p10_year",
    "median_year",
    "p90_year",
    "expected_path_year",
];

/// `summary.csv`: a row per scenario, in the order given.
pub fn summary(results: &[RunResult]) -> Vec<u8> {
    to_bytes(
        &SUMMARY_COLUMNS,
        results.iter().map(|r| {
            let (s, f) = (r.scenario, r.summary);
            vec![
                s.name().to_string(),
                f.runs.to_string(),
                r.seed.to_string(),
                s.base_year().to_string(),
                number(s.base_value()),
                number(s.target_value()),
                s.horizon_year().to_string(),
            ]
            .into_iter()
            .chain(headline(f))
            .collect()
        }),
    )
}

/// The headline figures of a scenario (or a point of a sweep), as `summary.csv` and
/// `sweep.csv` end: `prob_reached,prob_reached_se,p10_year,median_year,p90_year,expected_path_year`.
fn headline(f: &Summary) -> [String; 6] {
    [
        number(f.prob_reached),
        number(f.prob_reached_se),
        year(f.p10_year),
        year(f.median_year),
        year(f.p90_year),
        year(f.expected_path_year),
    ]
}

/// `<name>/first_passage.csv`: a row per year, base year to horizon.
pub fn first_passage(summary: &Summary) -> Vec<u8> {
    to_bytes(
        &["year", "prob_first", "prob_reached_by", "prob_reached_by_se"],
        summary.first_passage.iter().map(|r| {
            vec![r.year.to_string(), number(r.prob_first), number(r.prob_reached_by), number(r.prob_reached_by_se)]
        }),
    )
}

/// `<name>/trajectory.csv`: a row per year, base year to horizon.
pub fn trajectory(summary: &Summary) -> Vec<u8> {
    to_bytes(
        &["year", "mean", "p05", "p25", "p50", "p75", "p95", "prob_at_or_above_target"],
        summary.trajectory.iter().map(|r| {
            let mut row = vec![r.year.to_string(), number(r.mean)];
            row.extend(r.quantiles.iter().map(|&q| number(q)));
            row.push(number(r.prob_at_or_above_target));
            row
        }),
    )
}

/// `<name>/shocks.csv`: a row per simulated year and shock, year-major, shocks in file order.
pub fn shocks(summary: &Summary) -> Vec<u8> {
    to_bytes(
        &["year", "shock", "kind", "prob_started", "prob_active"],
        summary.shocks.iter().map(|r| {
            vec![r.year.to_string(), r.shock.clone(), r.kind.to_string(), number(r.prob_started), number(r.prob_active)]
        }),
    )
}

/// The columns of `comparison.csv` (SPEC §6.2).
pub const COMPARISON_COLUMNS: [&str; 10] = [
    "scenario",
    "baseline",
    "prob_reached",
    "prob_reached_diff",
    "median_year",
    "median_year_diff",
    "mean_delay_years",
    "prob_delayed",
    "prob_same",
    "prob_advanced",
];

/// `comparison.csv` of `tradesim compare` (SPEC §6.2): a row per other scenario, in the order
/// given; the differences are the other scenario's figure minus the baseline's.
pub fn comparison(rows: &[crate::analysis::compare::Versus]) -> Vec<u8> {
    to_bytes(
        &COMPARISON_COLUMNS,
        rows.iter().map(|v| {
            vec![
                v.scenario.clone(),
                v.baseline.clone(),
                number(v.prob_reached),
                number(v.prob_reached_diff),
                year(v.median_year),
                year(v.median_year_diff),
                v.mean_delay_years.map(number).unwrap_or_default(),
                number(v.prob_delayed),
                number(v.prob_same),
                number(v.prob_advanced),
            ]
        }),
    )
}

/// `delay.csv` of `tradesim compare` (SPEC §6.2): per other scenario, the share of paths with
/// each delay `o - b` among those reaching in both (ascending, only the delays some path has),
/// then the rows `baseline_only`, `other_only` and `neither`; each scenario's shares add up to 1.
pub fn delay(rows: &[crate::analysis::compare::Versus]) -> Vec<u8> {
    to_bytes(
        &["scenario", "delay", "prob"],
        rows.iter().flat_map(|v| {
            let delays = v.delays.iter().map(|(d, p)| (d.to_string(), *p));
            let outcomes = [
                ("baseline_only".to_string(), v.prob_baseline_only),
                ("other_only".to_string(), v.prob_other_only),
                ("neither".to_string(), v.prob_neither),
            ];
            delays.chain(outcomes).map(|(delay, p)| vec![v.scenario.clone(), delay, number(p)])
        }),
    )
}

pub const SENSITIVITY_COLUMNS: [&str; 9] = [
    "param",
    "low_value",
    "high_value",
    "prob_reached_low",
    "prob_reached_base",
    "prob_reached_high",
    "median_year_low",
    "median_year_base",
    "median_year_high",
];

/// `sensitivity.csv` (SPEC §6.3): a row per parameter swung, in the order given (ranked by
/// effect), with the values actually used; a median beyond the horizon is an empty cell.
pub fn sensitivity(effects: &[crate::analysis::sensitivity::Effect]) -> Vec<u8> {
    to_bytes(
        &SENSITIVITY_COLUMNS,
        effects.iter().map(|e| {
            vec![
                e.swing.key.to_string(),
                number(e.swing.low),
                number(e.swing.high),
                number(e.low.prob_reached),
                number(e.base.prob_reached),
                number(e.high.prob_reached),
                year(e.low.median_year),
                year(e.base.median_year),
                year(e.high.median_year),
            ]
        }),
    )
}

/// One point of a sweep, as `sweep.csv` and `sweep_first_passage.csv` need it.
pub struct SweepRow<'a> {
    /// The value of each `--vary` key, in the order given.
    pub values: &'a [f64],
    pub summary: &'a Summary,
}

/// The columns of `sweep.csv` after the keys' (SPEC §6.1).
pub const SWEEP_COLUMNS: [&str; 7] =
    ["runs", "prob_reached", "prob_reached_se", "p10_year", "median_year", "p90_year", "expected_path_year"];

/// The keys' columns, then `rest`.
fn header<'a>(keys: &'a [String], rest: &[&'a str]) -> Vec<&'a str> {
    keys.iter().map(String::as_str).chain(rest.iter().copied()).collect()
}

/// `sweep.csv`: a row per point, in the grid's order: the value of each key (`keys`, named as
/// given), then the point's headline figures.
pub fn sweep(keys: &[String], rows: &[SweepRow]) -> Vec<u8> {
    to_bytes(
        &header(keys, &SWEEP_COLUMNS),
        rows.iter().map(|r| {
            let f = r.summary;
            let mut row: Vec<String> = r.values.iter().map(|&v| number(v)).collect();
            row.push(f.runs.to_string());
            row.extend(headline(f));
            row
        }),
    )
}

/// `sweep_first_passage.csv`: a row per point and year (base year to the point's horizon),
/// point-major: the value of each key, then `year,prob_reached_by`.
pub fn sweep_first_passage(keys: &[String], rows: &[SweepRow]) -> Vec<u8> {
    to_bytes(
        &header(keys, &["year", "prob_reached_by"]),
        rows.iter().flat_map(|r| {
            r.summary.first_passage.iter().map(|f| {
                let mut row: Vec<String> = r.values.iter().map(|&v| number(v)).collect();
                row.extend([f.year.to_string(), number(f.prob_reached_by)]);
                row
            })
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_plain_decimals() {
        assert_eq!(number(1e21), "1000000000000000000000");
        assert_eq!(number(2.5e-7), "0.00000025");
        assert_eq!(number(-0.0), "0");
        assert_eq!(number(0.1 + 0.2), "0.30000000000000004");
    }

    #[test]
    fn cells_with_commas_are_quoted() {
        let bytes = to_bytes(&["a", "b"], std::iter::once(vec!["x, y".to_string(), "1".to_string()]));
        assert_eq!(String::from_utf8(bytes).unwrap(), "a,b\n\"x, y\",1\n");
    }

    #[test]
    fn sweep_rows_put_the_keys_first() {
        let scenario = Scenario::from_toml(
            "[trade]\nbase_year = 2022\nbase_value = 460.0\ntarget_value = 1000.0\nhorizon_year = 2024\n\
             [growth]\ndistribution = \"constant\"\nmean = 0.2\n",
            "x.toml",
            "x",
        )
        .unwrap();
        let summary = Summary::new(&scenario, &crate::engine::simulate(&scenario, 10, 1));
        let keys = ["shocks.a, b.probability".to_string(), "trade.horizon_year".to_string()];
        let rows = [SweepRow { values: &[0.25, 2024.0], summary: &summary }];
        let text = |bytes: Vec<u8>| String::from_utf8(bytes).unwrap();
        assert_eq!(
            text(sweep(&keys, &rows)),
            "\"shocks.a, b.probability\",trade.horizon_year,runs,prob_reached,prob_reached_se,p10_year,median_year,\
             p90_year,expected_path_year\n0.25,2024,10,0,0,,,,\n"
        );
        assert_eq!(
            text(sweep_first_passage(&keys, &rows)),
            "\"shocks.a, b.probability\",trade.horizon_year,year,prob_reached_by\n\
             0.25,2024,2022,0\n0.25,2024,2023,0\n0.25,2024,2024,0\n"
        );
    }
}
