//! Checks every chart over the shapes of input that break naive plotting code: all paths
//! reaching in the base year, none reaching, a one-year horizon, a single run, values near the
//! top of the float range, and the edge cases of the analyst commands' inputs. Each chart must
//! give the same bytes twice, parse as XML, carry its title, axis titles, legend entries and
//! (where a level is plotted) the target line, and have only finite coordinates.

use super::*;
use crate::engine::simulate;
use crate::scenario::Scenario;
use crate::stats::Summary;

fn scenario(trade: &str, growth: &str) -> Scenario {
    let text = format!("name = \"edge\"\n[trade]\n{trade}\n[growth]\n{growth}\n");
    Scenario::from_toml(&text, "test", "edge").expect("a valid test scenario")
}

const TRADE: &str = "base_year = 2022\nbase_value = 460.0\ntarget_value = 1000.0\nhorizon_year = 2050";
const LOGNORMAL: &str = "distribution = \"lognormal\"\nmean = 0.15\nsd = 0.15";

fn run(s: &Scenario, runs: u64) -> Summary {
    Summary::new(s, &simulate(s, runs, 11))
}

/// The attributes that hold coordinates or lengths.
const GEOMETRY: [&str; 11] = ["x", "y", "x1", "y1", "x2", "y2", "width", "height", "points", "d", "transform"];

/// Parses `svg`, checks it as the module promises, and returns all its text.
fn check(svg: &str, expected: &[&str]) -> String {
    let doc = roxmltree::Document::parse(svg).unwrap_or_else(|e| panic!("not XML: {e}\n{svg}"));
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "svg");
    for node in doc.descendants().filter(|n| n.is_element()) {
        for attribute in node.attributes() {
            if GEOMETRY.contains(&attribute.name()) {
                let v = attribute.value().to_ascii_lowercase();
                assert!(!v.contains("nan") && !v.contains("inf"), "{}={v}", attribute.name());
            }
        }
    }
    let text: Vec<&str> = doc.descendants().filter(|n| n.is_text()).filter_map(|n| n.text()).collect();
    let text = text.join("\n");
    for e in expected {
        assert!(text.contains(e), "{e:?} missing from the chart's text:\n{text}");
    }
    text
}

/// Whether the chart draws the target line (its colour and dash).
fn has_target_line(svg: &str) -> bool {
    let doc = roxmltree::Document::parse(svg).unwrap();
    doc.descendants().any(|n| {
        n.has_tag_name("line")
            && n.attribute("stroke") == Some(style::TARGET.color)
            && n.attribute("stroke-dasharray") == style::TARGET.dash.pattern()
    })
}

fn has_horizon_line(svg: &str) -> bool {
    let doc = roxmltree::Document::parse(svg).unwrap();
    doc.descendants().any(|n| {
        n.has_tag_name("line")
            && n.attribute("stroke-dasharray") == style::HORIZON.dash.pattern()
            && n.attribute("stroke") == Some(style::HORIZON.color)
    })
}

fn check_run_charts(s: &Scenario, summary: &Summary) {
    let fan_svg = fan(s, summary);
    assert_eq!(fan_svg, fan(s, summary), "same input, same bytes");
    let target = format!("target {}", format::value(s.target_value()));
    check(&fan_svg, &["edge: trade by year", "year", s.unit(), "5–95% of paths", "25–75%", "median", "mean", &target]);
    assert!(has_target_line(&fan_svg), "the fan draws the target");
    assert!(has_horizon_line(&fan_svg), "the fan marks the horizon");
    let passage = first_passage(s, summary);
    assert_eq!(passage, first_passage(s, summary));
    check(&passage, &["edge: when is", "year", "reached by the year (%)", "first reached (%)", "95% confidence band"]);
    assert!(has_horizon_line(&passage));
}

#[test]
fn run_charts_of_an_ordinary_scenario() {
    let s = scenario(TRADE, LOGNORMAL);
    check_run_charts(&s, &run(&s, 2_000));
    assert!(fan(&s, &run(&s, 2_000)).contains("log scale"), "a wide fan is drawn on a log axis");
}

#[test]
fn run_charts_when_every_path_reaches_in_the_base_year() {
    let s = scenario("base_year = 2022\nbase_value = 2000.0\ntarget_value = 1000.0\nhorizon_year = 2050", LOGNORMAL);
    let summary = run(&s, 500);
    assert_eq!(summary.first_passage[0].prob_first, 1.0);
    check_run_charts(&s, &summary);
}

#[test]
fn run_charts_when_no_path_reaches() {
    let s = scenario(TRADE, "distribution = \"constant\"\nmean = 0.0");
    let summary = run(&s, 100);
    assert_eq!(summary.prob_reached, 0.0);
    check_run_charts(&s, &summary);
    check(&first_passage(&s, &summary), &["no path reaches 1,000 USD million by 2050"]);
    assert!(!fan(&s, &summary).contains("log scale"), "a flat fan keeps a linear axis");
}

#[test]
fn run_charts_of_a_one_year_horizon_and_a_single_run() {
    let s = scenario("base_year = 2022\nbase_value = 460.0\ntarget_value = 1000.0\nhorizon_year = 2023", LOGNORMAL);
    check_run_charts(&s, &run(&s, 1));
    check_run_charts(&s, &run(&s, 300));
}

#[test]
fn run_charts_of_huge_values() {
    let s = scenario(
        "base_year = 2022\nbase_value = 1e199\ntarget_value = 1e200\nhorizon_year = 2222\nunit = \"units\"",
        "distribution = \"normal\"\nmean = 1e6\nsd = 1e6",
    );
    let summary = run(&s, 200);
    check_run_charts(&s, &summary);
    // And a hand-made summary whose figures are not even finite.
    let mut wild = summary.clone();
    wild.trajectory[3].mean = f64::INFINITY;
    wild.trajectory[4].quantiles = [f64::NAN, 0.0, f64::INFINITY, 1e308, f64::MAX];
    wild.first_passage[2].prob_reached_by_se = f64::NAN;
    check_run_charts(&s, &wild);
}

fn sweep_input(keys: &[&str], points: Vec<SweepPoint>) -> Sweep {
    Sweep {
        scenario: "naive_constant_40".to_string(),
        keys: keys.iter().map(|k| k.to_string()).collect(),
        base_year: 2022,
        horizon_year: 2050,
        runs: 10_000,
        runs_most: 10_000,
        points,
    }
}

fn point(values: &[f64], years: [Option<i32>; 3]) -> SweepPoint {
    SweepPoint {
        values: values.to_vec(),
        prob_reached: 0.5,
        p10_year: years[0],
        median_year: years[1],
        p90_year: years[2],
    }
}

fn two_key_sweep() -> Sweep {
    let mut points = Vec::new();
    for (i, mean) in [0.02, 0.1, 0.2, 0.3].into_iter().enumerate() {
        for (j, sd) in [0.1, 0.2].into_iter().enumerate() {
            let m = 2040 - 5 * i as i32 + j as i32;
            let years = if i == 0 { [Some(2044 + j as i32), None, None] } else { [Some(m - 3), Some(m), Some(m + 4)] };
            points.push(point(&[mean, sd], years));
        }
    }
    sweep_input(&["growth.mean", "growth.sd"], points)
}

#[test]
fn sweep_and_heatmap_charts() {
    let two = two_key_sweep();
    let svg = sweep(&two);
    assert_eq!(svg, sweep(&two));
    check(
        &svg,
        &[
            "naive_constant_40",
            "growth.mean",
            "first-passage year",
            "growth.sd = 0.1",
            "growth.sd = 0.2",
            "10–90% of paths",
            "after 2050",
            "median after 2050",
        ],
    );
    assert!(has_horizon_line(&svg));
    let heat = heatmap(&two);
    assert_eq!(heat, heatmap(&two));
    let text =
        check(&heat, &["naive_constant_40", "growth.mean", "growth.sd", ">2050", "2035", "not reached by the horizon"]);
    // Every cell labelled: eight cells, two of them not reached.
    assert_eq!(text.matches(">2050").count(), 2 + 1, "two cells and the legend");

    let one = sweep_input(&["growth.mean"], vec![point(&[0.4], [Some(2025), Some(2025), Some(2025)])]);
    let text = check(&sweep(&one), &["median year", "growth.mean", "0.4"]);
    assert!(!text.lines().any(|l| l == "10–90% of paths"), "no range to explain in the legend: {text}");
    check(&heatmap(&one), &["a heat map needs a sweep of two keys"]);
    let none = sweep_input(&["growth.mean", "growth.sd"], vec![point(&[0.0, 0.1], [None, None, None])]);
    check(&sweep(&none), &["after 2050"]);
    check(&heatmap(&none), &[">2050"]);
    check(&sweep(&sweep_input(&["growth.mean"], vec![])), &["no points"]);
    let many = sweep_input(
        &["growth.mean"],
        (0..40).map(|i| point(&[0.01 * f64::from(i)], [Some(2030), Some(2035), Some(2040)])).collect(),
    );
    check(&sweep(&many), &["growth.mean"]);
}

/// A grid of many lines keeps six, spread over the second key's values, without the 10–90%
/// bars that would hide each other; a third key is named in the heat map; points run to a
/// precision target say the range of their runs.
#[test]
fn crowded_sweeps_stay_readable() {
    let mut points = Vec::new();
    for mean in 1..=10 {
        for sd in 1..=10 {
            for persistence in [0.0, 0.5] {
                let y = 2040 - mean + sd / 3;
                points.push(point(
                    &[f64::from(mean) / 20.0, f64::from(sd) / 20.0, persistence],
                    [Some(y - 2), Some(y), None],
                ));
            }
        }
    }
    let mut grid = sweep_input(&["growth.mean", "growth.sd", "growth.persistence"], points);
    grid.runs_most = 65_536;
    let text = check(&sweep(&grid), &["growth.sd, growth.persistence (6 of 20)", "10,000–65,536 runs per point"]);
    assert!(!text.lines().any(|l| l == "10–90% of paths"), "no range bars, so no legend entry for them");
    // The first and the last of the second and third keys' combinations are among the lines.
    assert!(text.contains("growth.sd = 0.05, growth.persistence = 0"), "{text}");
    assert!(text.contains("growth.sd = 0.5, growth.persistence = 0.5"), "{text}");
    check(&heatmap(&grid), &["at growth.persistence = 0", "10,000–65,536 paths per cell"]);
    // Three lines or fewer keep their ranges.
    check(&sweep(&two_key_sweep()), &["10–90% of paths", "10,000 runs per point"]);
}

#[test]
fn lines_are_spread_over_the_values() {
    assert_eq!(super::sweep::spread(4, 6), [0, 1, 2, 3]);
    assert_eq!(super::sweep::spread(10, 6), [0, 2, 4, 5, 7, 9]);
    assert_eq!(super::sweep::spread(7, 6), [0, 1, 2, 4, 5, 6]);
    assert_eq!(super::sweep::spread(0, 6), Vec::<usize>::new());
}

fn compare_input(others: usize) -> Compare {
    let curve = |name: &str, shift: f64| Curve {
        scenario: name.to_string(),
        prob_reached_by: (0..=28).map(|k| (f64::from(k) / 10.0 - shift).clamp(0.0, 1.0)).collect(),
    };
    Compare {
        base_year: 2022,
        horizon_year: 2050,
        runs: 10_000,
        baseline: curve("central", 0.0),
        others: (0..others)
            .map(|i| CompareOther {
                curve: curve(&format!("other_{i}"), 0.1 * (i + 1) as f64),
                delays: vec![(-1, 0.05), (0, 0.6), (1, 0.2), (3, 0.05)],
                baseline_only: 0.07,
                other_only: 0.01,
                neither: 0.02,
            })
            .collect(),
    }
}

#[test]
fn compare_chart() {
    let c = compare_input(2);
    let svg = compare(&c);
    assert_eq!(svg, compare(&c));
    check(
        &svg,
        &[
            "central vs other_0, other_1",
            "central (baseline)",
            "other_1",
            "delay (years)",
            "baseline only",
            "other only",
            "neither",
            "paths (%)",
            "year",
        ],
    );
    assert!(has_horizon_line(&svg));
    check(&compare(&compare_input(0)), &["nothing to compare"]);
    // A baseline named so is not called "baseline (baseline)".
    let named = Compare { baseline: Curve { scenario: "baseline".into(), ..c.baseline.clone() }, ..c };
    assert!(!compare(&named).contains("baseline (baseline)"));
}

fn tornado_input() -> Tornado {
    let param = |name: &str, low: Option<i32>, high: Option<i32>| TornadoParam {
        param: name.to_string(),
        low_value: 0.12,
        high_value: 0.18,
        median_year_low: low,
        median_year_high: high,
    };
    Tornado {
        scenario: "baseline".to_string(),
        base_year: 2022,
        horizon_year: 2050,
        runs: 10_000,
        swing: 0.2,
        median_year_base: Some(2030),
        params: vec![
            param("growth.sd", Some(2029), Some(2031)),
            param("growth.mean", Some(2033), Some(2028)),
            param("growth.persistence", Some(2030), Some(2030)),
            param("growth.long_run_mean", None, Some(2027)),
        ],
    }
}

#[test]
fn tornado_chart() {
    let t = tornado_input();
    let svg = tornado(&t);
    assert_eq!(svg, tornado(&t));
    let text = check(
        &svg,
        &[
            "baseline: median year",
            "median first-passage year",
            "parameter -20%",
            "parameter +20%",
            "base case: 2030",
            "after 2050",
            ">2050",
        ],
    );
    // Largest swing first: long_run_mean (not reached counts as 2051), then mean, sd, persistence.
    let order: Vec<usize> = ["growth.long_run_mean", "growth.mean", "growth.sd", "growth.persistence"]
        .iter()
        .map(|p| text.find(&format!("\n{p}\n")).unwrap_or_else(|| panic!("{p} missing")))
        .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{order:?}");
    assert!(has_horizon_line(&svg));
    let empty = Tornado { params: vec![], median_year_base: None, ..t };
    check(&tornado(&empty), &["no parameter was varied", "base case: >2050"]);
}

/// A run of eight scenarios draws sixteen charts: each must take well under a millisecond or so.
#[test]
fn charts_are_fast() {
    let s = scenario(TRADE, LOGNORMAL);
    let summary = run(&s, 1_000);
    let start = std::time::Instant::now();
    for _ in 0..50 {
        std::hint::black_box(fan(&s, &summary));
        std::hint::black_box(first_passage(&s, &summary));
    }
    let per_chart = start.elapsed() / 100;
    eprintln!("{per_chart:?} per chart");
    assert!(per_chart < std::time::Duration::from_millis(5), "{per_chart:?} per chart");
}
