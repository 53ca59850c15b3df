//! `report.html` (SPEC §7): one self-contained page with what a command produced: sentences
//! answering the question, tables, the charts inline, each scenario's description and resolved
//! parameters, and the provenance. Inline SVG and CSS only: no script, no font, no address of
//! any kind (the charts' `xmlns` is dropped, as HTML needs none), so the page opens offline and
//! asks nothing of the network.
//!
//! The page is a [`Report`] rendered through the askama template `templates/report.html`
//! (compiled into the binary and checked at build time; it escapes every text it is given). A
//! `run` builds its report with [`run_report`]; `sweep`, `compare` and `sensitivity` fill a
//! [`Report`] with their own sentences, tables and charts.

use askama::Template;

use super::charts::{self, format};
use super::csv::RunResult;
use crate::model::growth::Shape;
use crate::model::shock::Duration;
use crate::scenario::Scenario;
use crate::stats::Summary;

/// A page of results.
#[derive(Debug, Clone, PartialEq, Template)]
#[template(path = "report.html")]
pub struct Report {
    pub title: String,
    /// Sentences under the title.
    pub intro: Vec<String>,
    /// Tables and charts about the whole command (a run's summary table, a sweep's chart).
    pub tables: Vec<Table>,
    pub figures: Vec<Figure>,
    /// One per scenario (or per point of interest), listed in a table of contents when several.
    pub sections: Vec<Section>,
    pub provenance: Provenance,
}

/// A part of the page with its own heading.
#[derive(Debug, Clone, PartialEq)]
pub struct Section {
    /// The anchor of the section in the page (letters, digits, `-` and `_` are kept).
    pub id: String,
    pub heading: String,
    /// The answer, set apart at the top of the section.
    pub answer: Option<String>,
    pub description: Option<String>,
    pub figures: Vec<Figure>,
    pub tables: Vec<Table>,
}

/// A table: a caption, a header row and rows of cells as they are to be shown. Columns whose
/// cells all read as numbers are aligned right.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub caption: String,
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// A chart: its SVG text (as the chart functions return it) and a caption.
#[derive(Debug, Clone, PartialEq)]
pub struct Figure {
    pub caption: String,
    pub svg: String,
}

/// Where the results came from, as the lead's `run.json` records it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Provenance {
    /// `tradesim 0.1.0`.
    pub tool_version: String,
    /// The command and the options that can change a result (SPEC §7).
    pub command: String,
    /// Further facts, in order: seed, runs, scenario files and their SHA-256, ...
    pub fields: Vec<(String, String)>,
}

impl Report {
    /// The page's HTML.
    pub fn to_html(&self) -> String {
        self.render().expect("rendering a report into a String cannot fail")
    }
}

impl Section {
    /// The section's HTML id: `s-` and the characters of [`Section::id`] that are safe in an id
    /// and a fragment.
    pub fn anchor(&self) -> String {
        let kept: String = self.id.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_').collect();
        format!("s-{kept}")
    }
}

impl Table {
    pub fn new(caption: impl Into<String>, header: &[&str]) -> Self {
        Table { caption: caption.into(), header: header.iter().map(|h| h.to_string()).collect(), rows: Vec::new() }
    }

    /// For each column, whether it is aligned right: every non-empty cell reads as a number
    /// (`1,000`, `91.8%`, `-20%`, `>2050`).
    pub fn numeric_columns(&self) -> Vec<bool> {
        let columns = self.rows.iter().map(Vec::len).chain([self.header.len()]).max().unwrap_or(0);
        (0..columns).map(|c| self.numeric(c)).collect()
    }

    fn numeric(&self, column: usize) -> bool {
        let looks_numeric = |cell: &str| {
            let core = cell.trim().trim_start_matches(['>', '<', '+', '-']).trim_end_matches('%');
            !core.is_empty()
                && core.chars().all(|c| c.is_ascii_digit() || c == ',' || c == '.' || c == 'e')
                && core.starts_with(|c: char| c.is_ascii_digit())
        };
        let mut cells = self.rows.iter().filter_map(|r| r.get(column)).filter(|c| !c.trim().is_empty()).peekable();
        cells.peek().is_some() && cells.all(|c| looks_numeric(c))
    }
}

impl Figure {
    /// The SVG ready to inline in HTML: without the XML namespace declaration, which an HTML
    /// parser supplies itself, so the page names no address at all.
    pub fn inline_svg(&self) -> String {
        self.svg.replacen(" xmlns=\"http://www.w3.org/2000/svg\"", "", 1)
    }
}

/// A year, or `after <horizon>` when not reached by it.
fn year_or_after(year: Option<i32>, horizon: i32) -> String {
    year.map_or(format!("after {horizon}"), |y| y.to_string())
}

/// The answer to the scenario's question in one sentence: `P(reaching 1,000 USD million by
/// 2050) = 91.8%; median year 2030; 10–90%: 2026–2048`.
pub fn answer(scenario: &Scenario, summary: &Summary) -> String {
    let horizon = scenario.horizon_year();
    let range = match (summary.p10_year, summary.p90_year) {
        (None, _) => format!("after {horizon}"),
        (Some(a), Some(b)) if a == b => a.to_string(),
        (Some(a), Some(b)) => format!("{a}–{b}"),
        (Some(a), None) => format!("{a} to after {horizon}"),
    };
    format!(
        "P(reaching {} {} by {horizon}) = {}; median year {}; 10–90%: {range}",
        format::value(scenario.target_value()),
        scenario.unit(),
        format::percent(summary.prob_reached),
        year_or_after(summary.median_year, horizon),
    )
}

/// The summary table of a run: the figures of `summary.csv`, one row per scenario.
pub fn summary_table(results: &[RunResult]) -> Table {
    let mut table = Table::new(
        "Summary (summary.csv); >year: not reached by the horizon",
        &[
            "scenario",
            "runs",
            "seed",
            "base year",
            "base value",
            "target",
            "horizon",
            "P(reached)",
            "s.e. (pp)",
            "10% year",
            "median year",
            "90% year",
            "expected path year",
        ],
    );
    for r in results {
        let (s, f) = (r.scenario, r.summary);
        let year = |y: Option<i32>| y.map_or(format!(">{}", s.horizon_year()), |y| y.to_string());
        table.rows.push(vec![
            s.name().to_string(),
            format::grouped(f.runs as f64, 0),
            r.seed.to_string(),
            s.base_year().to_string(),
            format::value(s.base_value()),
            format::value(s.target_value()),
            s.horizon_year().to_string(),
            format::percent(f.prob_reached),
            format::grouped(f.prob_reached_se * 100.0, 2),
            year(f.p10_year),
            year(f.median_year),
            year(f.p90_year),
            year(f.expected_path_year),
        ]);
    }
    table
}

/// The scenario's trade and growth parameters as resolved (defaults filled in).
pub fn parameters_table(scenario: &Scenario) -> Table {
    let mut table = Table::new("Trade and growth, as resolved", &["parameter", "value"]);
    let unit = scenario.unit();
    let growth = scenario.growth();
    let mut row = |name: &str, value: String| table.rows.push(vec![name.to_string(), value]);
    row("base year", scenario.base_year().to_string());
    row("base value", format!("{} {unit}", format::value(scenario.base_value())));
    row("target", format!("{} {unit}", format::value(scenario.target_value())));
    row("horizon", scenario.horizon_year().to_string());
    row("growth distribution", growth.kind().as_str().to_string());
    match growth.shape() {
        Shape::Constant => {}
        Shape::Normal { sd } | Shape::Lognormal { sd } => row("sd of the yearly rate", format::share(sd)),
        Shape::Triangular { min, mode, max } | Shape::Pert { min, mode, max } => {
            row("min", format::rate(min));
            row("mode", format::rate(mode));
            row("max", format::rate(max));
        }
        Shape::Uniform { min, max } => {
            row("min", format::rate(min));
            row("max", format::rate(max));
        }
    }
    row("expected growth in the first year", format::rate(growth.first_year_mean()));
    if growth.long_run_mean() == growth.first_year_mean() {
        row("long-run mean", "as the first year (no fade)".to_string());
    } else {
        row("long-run mean", format::rate(growth.long_run_mean()));
        row("half-life of the fade", format!("{} years", format::value(growth.half_life())));
    }
    if matches!(growth.shape(), Shape::Normal { .. } | Shape::Lognormal { .. }) {
        row("persistence", format::value(growth.persistence()));
    }
    table
}

/// The scenario's shocks as resolved, one row each; `None` when it has none.
pub fn shocks_table(scenario: &Scenario) -> Option<Table> {
    if scenario.shocks().is_empty() {
        return None;
    }
    let mut table = Table::new(
        "Shocks, as resolved",
        &[
            "shock",
            "kind",
            "probability a year",
            "may start",
            "at most",
            "duration",
            "level change",
            "growth change",
            "recovery",
            "cap",
        ],
    );
    for shock in scenario.shocks() {
        let starts = if shock.first_year() == shock.last_year() {
            shock.first_year().to_string()
        } else {
            format!("{}–{}", shock.first_year(), shock.last_year())
        };
        let duration = match shock.duration() {
            Duration::Years(1) => "1 year".to_string(),
            Duration::Years(n) => format!("{n} years"),
            Duration::Between { min, max } => format!("{min}–{max} years"),
            Duration::Permanent => "permanent".to_string(),
        };
        let times = match shock.max_occurrences() {
            1 => "once".to_string(),
            n => format!("{n} times"),
        };
        table.rows.push(vec![
            shock.name().to_string(),
            shock.kind().as_str().to_string(),
            format::share(shock.probability()),
            starts,
            times,
            duration,
            format::rate(shock.level_change()),
            format!("{} a year", format::rate(shock.growth_change())),
            format::share(shock.recovery()),
            shock.cap_value().map_or("none".to_string(), |c| format!("{} {}", format::value(c), scenario.unit())),
        ]);
    }
    Some(table)
}

/// The report of a `run`: the answers, the summary table, and for each scenario its answer,
/// description, charts ([`charts::fan`], [`charts::first_passage`]) and parameters.
pub fn run_report(results: &[RunResult], provenance: Provenance) -> Report {
    let title = match results {
        [one] => format!("tradesim: {}", one.scenario.name()),
        _ => "tradesim: when will trade reach its target?".to_string(),
    };
    let intro = results.iter().map(|r| format!("{}: {}.", r.scenario.name(), answer(r.scenario, r.summary))).collect();
    let sections = results
        .iter()
        .map(|r| {
            let (s, f) = (r.scenario, r.summary);
            let mut tables = vec![parameters_table(s)];
            tables.extend(shocks_table(s));
            Section {
                id: s.name().to_string(),
                heading: s.name().to_string(),
                answer: Some(format!("{}.", answer(s, f))),
                description: s.description().map(str::to_string),
                figures: vec![
                    Figure {
                        caption: format!("{}: the level of trade by year ({}/fan.svg)", s.name(), s.name()),
                        svg: charts::fan(s, f),
                    },
                    Figure {
                        caption: format!(
                            "{}: when the target is first reached ({}/first_passage.svg)",
                            s.name(),
                            s.name()
                        ),
                        svg: charts::first_passage(s, f),
                    },
                ],
                tables,
            }
        })
        .collect();
    Report { title, intro, tables: vec![summary_table(results)], figures: Vec::new(), sections, provenance }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::simulate;

    fn scenario(extra: &str) -> Scenario {
        let text = format!(
            "name = \"s\"\ndescription = \"a <b>bold</b> & risky claim\"\n[trade]\nbase_year = 2022\nbase_value = 460.0\n\
             target_value = 1000.0\nhorizon_year = 2050\n[growth]\nmean = 0.15\nsd = 0.15\nlong_run_mean = 0.06\n\
             half_life = 3.0\n{extra}"
        );
        Scenario::from_toml(&text, "test", "s").unwrap()
    }

    fn summary(p10: Option<i32>, median: Option<i32>, p90: Option<i32>, prob: f64) -> Summary {
        Summary {
            runs: 10,
            prob_reached: prob,
            prob_reached_se: 0.01,
            p10_year: p10,
            median_year: median,
            p90_year: p90,
            expected_path_year: None,
            first_passage: Vec::new(),
            trajectory: Vec::new(),
            shocks: Vec::new(),
        }
    }

    #[test]
    fn answers_say_when_the_target_is_not_reached() {
        let s = scenario("");
        let answer = |p10, m, p90, p| answer(&s, &summary(p10, m, p90, p));
        assert_eq!(
            answer(Some(2026), Some(2030), Some(2048), 0.918),
            "P(reaching 1,000 USD million by 2050) = 91.8%; median year 2030; 10–90%: 2026–2048"
        );
        assert_eq!(
            answer(Some(2029), Some(2033), None, 0.889),
            "P(reaching 1,000 USD million by 2050) = 88.9%; median year 2033; 10–90%: 2029 to after 2050"
        );
        assert_eq!(
            answer(Some(2040), None, None, 0.2),
            "P(reaching 1,000 USD million by 2050) = 20.0%; median year after 2050; 10–90%: 2040 to after 2050"
        );
        assert_eq!(
            answer(None, None, None, 0.0),
            "P(reaching 1,000 USD million by 2050) = 0%; median year after 2050; 10–90%: after 2050"
        );
        assert_eq!(
            answer(Some(2025), Some(2025), Some(2025), 1.0),
            "P(reaching 1,000 USD million by 2050) = 100%; median year 2025; 10–90%: 2025"
        );
    }

    #[test]
    fn parameters_are_shown_as_resolved() {
        let s = scenario(
            "persistence = 0.3\n[[shocks]]\nname = \"wave\"\nkind = \"sanction\"\nyear = 2024\nduration = 2\n\
             level_change = -0.2\nrecovery = 0.5\n",
        );
        let growth = parameters_table(&s);
        let rows: Vec<(&str, &str)> = growth.rows.iter().map(|r| (r[0].as_str(), r[1].as_str())).collect();
        assert!(rows.contains(&("growth distribution", "lognormal")));
        assert!(rows.contains(&("expected growth in the first year", "+15%")));
        assert!(rows.contains(&("long-run mean", "+6%")));
        assert!(rows.contains(&("half-life of the fade", "3 years")));
        assert!(rows.contains(&("persistence", "0.3")));
        let shocks = shocks_table(&s).unwrap();
        // The `year` shorthand resolved: probability 1, first = last = 2024, defaults filled in.
        assert_eq!(
            shocks.rows[0],
            ["wave", "sanction", "100%", "2024", "once", "2 years", "-20%", "0% a year", "50%", "none"]
        );
        assert!(shocks_table(&scenario("")).is_none());
    }

    #[test]
    fn numbers_align_right() {
        let mut table = Table::new("t", &["name", "p", "year", "mixed"]);
        table.rows.push(vec!["a".into(), "91.8%".into(), ">2050".into(), "1,000".into()]);
        table.rows.push(vec!["b".into(), "-20%".into(), "2031".into(), "none".into()]);
        assert_eq!(table.numeric_columns(), [false, true, true, false]);
    }

    #[test]
    fn report_is_self_contained_and_escaped() {
        let s = scenario("");
        let summary = Summary::new(&s, &simulate(&s, 200, 1));
        let results = [RunResult { scenario: &s, summary: &summary, seed: 1 }];
        let provenance = Provenance {
            tool_version: "tradesim 0.1.0".into(),
            command: "tradesim run <x>".into(),
            fields: vec![("seed".into(), "1".into())],
        };
        let html = run_report(&results, provenance.clone()).to_html();
        assert_eq!(html, run_report(&results, provenance).to_html(), "same input, same bytes");
        for banned in ["http", "<script", "<link", "<img", "url(", "@import", "@font-face", "<iframe"] {
            assert!(!html.contains(banned), "{banned} in the report");
        }
        assert!(html.contains("a &#60;b&#62;bold&#60;/b&#62; &#38; risky claim"), "escaped");
        assert!(!html.contains("<b>bold</b>"));
        assert!(html.contains("tradesim run &#60;x&#62;"));
        assert_eq!(html.matches("<svg ").count(), 2, "the fan and the first-passage chart");
        assert!(html.contains("<caption>Summary (summary.csv)"));
        assert!(html.contains("@media print") && html.contains("size: A4"));
    }
}
