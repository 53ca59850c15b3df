//! Keeps the README true: its sample output is what `tradesim run` prints on the committed
//! scenarios, its sweep sample what the naive sweep prints, and its example error line is what
//! a broken file gets.

mod common;

use common::{repo_root, run_in, run_ok, scenario_with, shock, temp_dir, write_scenario};

const README: &str = include_str!("../README.md");

/// The text of the fenced block after `marker`.
fn block_after(marker: &str) -> String {
    let start = README.find(marker).unwrap_or_else(|| panic!("README has no {marker:?}"));
    let rest = &README[start..];
    let open = rest.find("```text\n").expect("a ```text block after the marker") + "```text\n".len();
    let close = rest[open..].find("```").expect("the block is closed");
    rest[open..open + close].to_string()
}

#[test]
fn sample_output_is_what_the_default_run_prints() {
    let out = temp_dir();
    let out_arg = out.path().display().to_string();
    let outcome = run_ok(&repo_root(), &["run", "--out", &out_arg]);
    let printed = outcome.stdout.replace(&out_arg, "results");
    let sample = block_after("<!-- sample-output");
    assert_eq!(printed, sample, "README's sample output differs from what `tradesim run` prints");
}

#[test]
fn example_error_is_what_a_bad_probability_gets() {
    let dir = temp_dir();
    // Lognormal growth (the default distribution) and a shock with an impossible probability.
    let text = scenario_with(
        "[growth]\nmean = 0.15\nsd = 0.15\n",
        &shock("sanctions", "kind = \"sanction\"\nprobability = 1.5"),
    );
    assert_eq!(text.lines().nth(13), Some("probability = 1.5"));
    write_scenario(dir.path(), "scenarios/x.toml", &text);
    let outcome = run_in(dir.path(), &["validate", "scenarios/x.toml"]);
    assert_eq!(outcome.code, Some(2));
    let readme_line = README.lines().find(|l| l.starts_with("error: scenarios/x.toml")).unwrap();
    assert_eq!(outcome.stderr.trim_end(), readme_line);
    assert!(!dir.path().join("results").exists());
}

#[test]
fn sweep_sample_is_what_the_naive_sweep_prints() {
    let out = temp_dir();
    let out_arg = out.path().display().to_string();
    let args = ["sweep", "scenarios/naive_constant_40.toml", "--vary", "growth.mean=0.2,0.3,0.4,0.5", "-o", &out_arg];
    let outcome = run_ok(&repo_root(), &args);
    let printed = outcome.stdout.replace(&out_arg, "results/sweep_naive_constant_40");
    assert_eq!(
        printed,
        block_after("<!-- sweep-output"),
        "README's sweep sample differs from what `tradesim sweep` prints"
    );
}
