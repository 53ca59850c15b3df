//! Keeps the README true: its sample output is what `tradesim run` prints on the committed
//! scenarios, and its example error line is what a broken file gets.

use std::path::Path;
use std::process::Command;

const README: &str = include_str!("../README.md");

fn tradesim() -> Command {
    Command::new(env!("CARGO_BIN_EXE_tradesim"))
}

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
    let out = tempfile::tempdir().unwrap();
    let output =
        tradesim().current_dir(env!("CARGO_MANIFEST_DIR")).args(["run", "--out"]).arg(out.path()).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let printed = String::from_utf8(output.stdout).unwrap().replace(&out.path().display().to_string(), "results");
    let sample = block_after("<!-- sample-output");
    assert_eq!(printed, sample, "README's sample output differs from what `tradesim run` prints");
}

#[test]
fn example_error_is_what_a_bad_probability_gets() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("scenarios")).unwrap();
    let text = "[trade]\nbase_year = 2022\nbase_value = 460.0\ntarget_value = 1000.0\nhorizon_year = 2050\n\n\
                [growth]\nmean = 0.15\nsd = 0.15\n\n[[shocks]]\nname = \"sanctions\"\nkind = \"sanction\"\n\
                probability = 1.5\n";
    assert_eq!(text.lines().nth(13), Some("probability = 1.5"));
    std::fs::write(dir.path().join("scenarios/x.toml"), text).unwrap();
    let output = tradesim().current_dir(dir.path()).args(["validate", "scenarios/x.toml"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    let readme_line = README.lines().find(|l| l.starts_with("error: scenarios/x.toml")).unwrap();
    assert_eq!(stderr.trim_end(), readme_line);
    assert!(!Path::new(&dir.path().join("results")).exists());
}
