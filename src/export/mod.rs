//! Output files (SPEC §5). [`csv`] turns results into bytes; this module owns the file system:
//! it creates the folders and writes each file atomically (a temporary file in the same folder,
//! flushed, then renamed into place), so a file appears whole or not at all.

pub mod charts;
pub mod csv;
pub mod html;
pub mod terminal;

use std::fs;
use std::io::Write;
use std::path::Path;

use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::{Context, Result};

use crate::engine::Interrupted;

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

/// Writes every file of a run into `out`: one folder per scenario, then `summary.csv`.
/// Stops before the next file once `stop` is set (an [`Interrupted`] error). The files are written at the same time, one thread each, since most of
/// the time goes into waiting for the disk to confirm each one.
pub fn write_run(out: &Path, results: &[RunResult], stop: &AtomicBool) -> Result<()> {
    create_dir(out)?;
    let mut files = Vec::new();
    for result in results {
        let dir = out.join(result.scenario.name());
        create_dir(&dir)?;
        files.push((dir.join("first_passage.csv"), csv::first_passage(result.summary)));
        files.push((dir.join("trajectory.csv"), csv::trajectory(result.summary)));
        files.push((dir.join("shocks.csv"), csv::shocks(result.summary)));
    }
    files.push((out.join("summary.csv"), csv::summary(results)));
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
