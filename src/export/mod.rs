//! Output files (SPEC §5, §7). [`csv`], [`charts`], [`html`] and [`provenance`] turn results
//! into bytes (pure functions), and [`terminal`] into the summary a person reads; this module
//! owns the file system: it creates the folders and writes each file atomically (a temporary
//! file in the same folder, flushed, then renamed into place), so a file appears whole or not
//! at all.

pub mod charts;
pub mod csv;
pub mod html;
pub mod partial;
pub mod provenance;
pub mod terminal;

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::{Context, Result};

use crate::engine::Interrupted;
use crate::scenario::Scenario;

use self::provenance::Invocation;

pub use self::csv::RunResult;

/// Writes `bytes` to `path` atomically: readers see the old file, or the whole new one.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let file_name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let temp = dir.join(format!(".{file_name}.{}.tmp", std::process::id()));
    let written = (|| -> std::io::Result<()> {
        let mut file = fs::File::create(&temp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        fs::rename(&temp, path)
    })();
    if let Err(e) = written {
        let _ = fs::remove_file(&temp);
        return Err(e).with_context(|| format!("cannot write {}", path.display()));
    }
    Ok(())
}

fn create_dir(dir: &Path) -> Result<()> {
    fs::create_dir_all(dir).with_context(|| format!("cannot create the folder {}", dir.display()))
}

/// The files of a run (SPEC §5, §7), as bytes: per scenario its CSV files, `run.json` and, with
/// `charts`, `fan.svg` and `first_passage.svg`; then `summary.csv` and, with `charts`,
/// `report.html`. Pure: nothing is written.
pub fn run_files(out: &Path, results: &[RunResult], invocation: &Invocation, charts: bool) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files = Vec::new();
    for result in results {
        let dir = out.join(result.scenario.name());
        files.push((dir.join("first_passage.csv"), csv::first_passage(result.summary)));
        files.push((dir.join("trajectory.csv"), csv::trajectory(result.summary)));
        files.push((dir.join("shocks.csv"), csv::shocks(result.summary)));
        files.push((dir.join("run.json"), provenance::scenario_run(invocation, result.summary.runs, result.scenario)));
        if charts {
            files.push((dir.join("fan.svg"), self::charts::fan(result.scenario, result.summary).into_bytes()));
            let first_passage = self::charts::first_passage(result.scenario, result.summary);
            files.push((dir.join("first_passage.svg"), first_passage.into_bytes()));
        }
    }
    files.push((out.join("summary.csv"), csv::summary(results)));
    if charts {
        let scenarios: Vec<&Scenario> = results.iter().map(|r| r.scenario).collect();
        let report = html::run_report(results, report_provenance(invocation, &scenarios));
        files.push((out.join("report.html"), report.to_html().into_bytes()));
    }
    files
}

/// The provenance block of a report: the command as typed, and each scenario file with its
/// SHA-256.
pub fn report_provenance(invocation: &Invocation, scenarios: &[&Scenario]) -> html::Provenance {
    let mut fields: Vec<(String, String)> =
        invocation.options.iter().map(|(option, value)| (option.replace('_', " "), plain(value))).collect();
    for scenario in scenarios {
        let source = scenario.source();
        fields.push((format!("scenario file {}", source.origin()), format!("SHA-256 {}", source.sha256())));
    }
    html::Provenance {
        tool_version: format!("tradesim {}", env!("CARGO_PKG_VERSION")),
        command: invocation.command_line(scenarios),
        fields,
    }
}

/// A JSON value as text: strings without quotes, lists joined with "; ".
fn plain(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Array(values) => values.iter().map(plain).collect::<Vec<_>>().join("; "),
        v => v.to_string(),
    }
}

/// Writes `files`, creating their folders, each atomically. Stops before the next file once
/// `stop` is set (an [`Interrupted`] error). The files are written at the same time, one thread
/// each, since most of the time goes into waiting for the disk to confirm each one.
pub fn write_files(files: &[(PathBuf, Vec<u8>)], stop: &AtomicBool) -> Result<()> {
    let mut folders: Vec<&Path> = files.iter().filter_map(|(path, _)| path.parent()).collect();
    folders.dedup();
    for folder in folders.into_iter().filter(|f| !f.as_os_str().is_empty()) {
        create_dir(folder)?;
    }
    let outcomes: Vec<Result<()>> = std::thread::scope(|scope| {
        let writers: Vec<_> = files
            .iter()
            .map(|(path, bytes)| {
                scope.spawn(move || {
                    if stop.load(Ordering::Relaxed) {
                        return Err(anyhow::Error::new(Interrupted));
                    }
                    write_atomic(path, bytes)
                })
            })
            .collect();
        writers.into_iter().map(|writer| writer.join().expect("a file writer does not panic")).collect()
    });
    outcomes.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_replaces_whole_and_leaves_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.csv");
        write_atomic(&path, b"old\n").unwrap();
        write_atomic(&path, b"new\n").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"new\n");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn failed_write_names_the_path() {
        let err = write_atomic(Path::new("/nonexistent-dir/x.csv"), b"x").unwrap_err();
        assert!(format!("{err:#}").starts_with("cannot write /nonexistent-dir/x.csv"), "{err:#}");
    }
}
