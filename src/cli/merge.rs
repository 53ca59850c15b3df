//! `tradesim merge DIR... -o OUT` (SPEC §8): reads the partial statistics every shard of a run
//! wrote (`DIR/<name>/partial.tsp`), checks that they are the whole of one run, each shard once,
//! merges each scenario's statistics (exactly, so in any order) and writes what the whole run
//! would have written on one machine: the CSV files, `run.json`, the charts and `report.html`,
//! byte for byte, from the run's provenance that the shards recorded.
//!
//! Every problem with the shards is bad input (exit 2) naming a file: one that is not whole
//! (truncated, corrupted, another format), one of another version, seed, run size, shard count
//! or scenario than the first file read, a shard given twice, or a shard missing. Files are read
//! one at a time and merged as they come, so memory is one file and the running totals.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use super::run::written;
use super::simulate::check_out_folder;
use super::{Failure, MergeArgs, print_out};
use crate::error::InputError;
use crate::export::partial::{self, FILE_NAME, Partial, PartialError};
use crate::export::provenance::Invocation;
use crate::export::terminal as report;
use crate::export::{self, RunResult};
use crate::scenario::Scenario;
use crate::stats::{Stats, Summary};

const VERSION: &str = env!("CARGO_PKG_VERSION");

pub(super) fn merge(args: &MergeArgs, stop: &AtomicBool) -> Result<(), Failure> {
    check_out_folder(&args.out)?;
    let mut shards = ShardSet::default();
    for path in partial_files(&args.dirs)? {
        shards.add(&path)?;
    }
    let (run, groups) = shards.complete(&args.dirs)?;
    let charts = run.charts && !args.no_charts;
    let summaries: Vec<Summary> = groups.iter().map(|g| Summary::new(&g.scenario, &g.stats)).collect();
    let results: Vec<RunResult> = groups
        .iter()
        .zip(&summaries)
        .map(|(group, summary)| RunResult { scenario: &group.scenario, summary, seed: run.seed })
        .collect();
    let files = export::run_files(&args.out, &results, &run.invocation, charts);
    written(export::write_files(&files, stop))?;
    if args.quiet { Ok(()) } else { print_out(&report::render(&results, run.seed, &args.out, charts)) }
}

/// What every shard of one run shares, as the first file read has it.
struct Run {
    file: String,
    seed: u64,
    runs: u64,
    shards: u64,
    scenario_count: u32,
    invocation: Invocation,
    /// Charts unless any shard's run had `--no-charts` (the same whatever the order).
    charts: bool,
}

/// One scenario of the run: its scenario (parsed from the text the shards recorded), the file
/// it was first read from, the shards read so far (K and file) and their merged statistics.
struct Group {
    file: String,
    scenario: Scenario,
    shards: BTreeMap<u64, String>,
    stats: Stats,
}

#[derive(Default)]
struct ShardSet {
    run: Option<Run>,
    /// By the scenario's index in the run.
    groups: BTreeMap<u32, Group>,
}

impl ShardSet {
    /// Reads one partial file, checks it against those read before, and merges it in.
    fn add(&mut self, path: &Path) -> Result<(), Failure> {
        let file = path.display().to_string();
        let refuse = |message: String| Failure::from(InputError::in_file(&file, None, message));
        let partial = read_partial(path).map_err(refuse)?;
        if partial.tool_version != VERSION {
            return Err(refuse(format!(
                "written by tradesim {}, but this is tradesim {VERSION}; merge with the version that ran the shards, \
                 or run them all again with this one",
                partial.tool_version
            )));
        }
        let run = self.run.get_or_insert_with(|| Run {
            file: file.clone(),
            seed: partial.seed,
            runs: partial.runs,
            shards: partial.shard.count,
            scenario_count: partial.scenario_count,
            invocation: partial.invocation.clone(),
            charts: true,
        });
        check_same_run(run, &partial).map_err(refuse)?;
        run.charts &= partial.charts;
        let paths = partial.shard.paths(partial.runs);
        if partial.stats.runs() != paths {
            return Err(refuse(format!(
                "corrupted: shard {} of a run of {} paths should hold {paths} paths, but holds {}",
                partial.shard,
                partial.runs,
                partial.stats.runs()
            )));
        }
        let of_the_run =
            format!("scenario {} of {} of the run", u64::from(partial.scenario_index) + 1, run.scenario_count);
        match self.groups.get_mut(&partial.scenario_index) {
            None => {
                let scenario = recorded_scenario(&partial).map_err(refuse)?;
                if let Some(other) = self.groups.values().find(|g| g.scenario.name() == scenario.name()) {
                    return Err(refuse(format!(
                        "a shard of another run: it holds scenario '{}' as {of_the_run}, but {} holds it in another \
                         place; merge only the shards of one run",
                        scenario.name(),
                        other.file
                    )));
                }
                let shards = BTreeMap::from([(partial.shard.index, file.clone())]);
                self.groups.insert(partial.scenario_index, Group { file, scenario, shards, stats: partial.stats });
            }
            Some(group) => {
                let (ours, theirs) = (describe(&partial), describe_scenario(&group.scenario));
                if ours != theirs || !partial.stats.is_of(&group.scenario) {
                    return Err(refuse(format!(
                        "a shard of another scenario: {ours} as {of_the_run}, but {} holds {theirs}; merge only the \
                         shards of one run",
                        group.file
                    )));
                }
                if let Some(first) = group.shards.insert(partial.shard.index, file.clone()) {
                    let also =
                        if first == file { "its folder is given twice".to_string() } else { format!("also {first}") };
                    return Err(refuse(format!(
                        "shard {} of scenario '{}' is given twice ({also}); give each shard's folder once",
                        partial.shard,
                        group.scenario.name()
                    )));
                }
                group.stats.merge(&partial.stats);
            }
        }
        Ok(())
    }

    /// The run and its scenarios in the run's order, once every shard of every scenario is
    /// there; otherwise the first one missing.
    fn complete(self, dirs: &[PathBuf]) -> Result<(Run, Vec<Group>), Failure> {
        let run = self.run.expect("partial_files finds at least one file");
        let (in_folders, not_held) = match dirs.len() {
            1 => ("in the folder given".to_string(), "the folder given does not hold it".to_string()),
            n => (format!("in any of the {n} folders given"), format!("none of the {n} folders given holds it")),
        };
        if let Some(missing) = (0..run.scenario_count).find(|i| !self.groups.contains_key(i)) {
            return Err(InputError::in_file(
                &run.file,
                None,
                format!(
                    "a shard of a run of {} scenarios, but no partial.tsp of scenario {} of them is {in_folders}; give \
                     every shard's --out folder",
                    run.scenario_count,
                    missing + 1
                ),
            )
            .into());
        }
        for group in self.groups.values() {
            if let Some(k) = (1..=run.shards).find(|k| !group.shards.contains_key(k)) {
                let found: Vec<u64> = group.shards.keys().copied().collect();
                return Err(InputError::in_file(
                    format!("{}/{FILE_NAME}", group.scenario.name()),
                    None,
                    format!(
                        "shard {k}/{} is missing: {not_held} (found shards {} of {}); give every shard's --out folder",
                        run.shards,
                        ranges(&found),
                        run.shards
                    ),
                )
                .into());
            }
        }
        Ok((run, self.groups.into_values().collect()))
    }
}

/// Whether `partial` is of the same run as the first file read: seed, runs, shard count, number
/// of scenarios, and the provenance they make.
fn check_same_run(run: &Run, partial: &Partial) -> Result<(), String> {
    let first = &run.file;
    let one_run = "merge only the shards of one run";
    if partial.seed != run.seed {
        return Err(format!(
            "a shard of a run with seed {}, but {first} is of seed {}; {one_run}",
            partial.seed, run.seed
        ));
    }
    if partial.runs != run.runs {
        return Err(format!(
            "a shard of a run of {} paths, but {first} is of a run of {} paths; {one_run}",
            partial.runs, run.runs
        ));
    }
    if partial.shard.count != run.shards {
        return Err(format!(
            "shard {} of {}, but {first} is one of {} shards; {one_run}",
            partial.shard.index, partial.shard.count, run.shards
        ));
    }
    if partial.scenario_count != run.scenario_count {
        return Err(format!(
            "a shard of a run of {} scenarios, but {first} is of a run of {}; {one_run}",
            partial.scenario_count, run.scenario_count
        ));
    }
    if partial.invocation != run.invocation {
        return Err(format!("a shard of another command than {first}'s; {one_run}"));
    }
    Ok(())
}

/// The scenario a shard recorded, parsed from its text as the run parsed it; it must be the one
/// the shard says (name and SHA-256) and fit its statistics.
fn recorded_scenario(partial: &Partial) -> Result<Scenario, String> {
    let scenario = Scenario::from_toml(&partial.scenario_text, &partial.scenario_origin, &partial.scenario_name)
        .map_err(|e| format!("corrupted: the scenario it records does not parse: {e}"))?;
    if describe_scenario(&scenario) != describe(partial) || !partial.stats.is_of(&scenario) {
        return Err(format!("corrupted: the scenario it records is not {}", describe(partial)));
    }
    Ok(scenario)
}

/// A scenario for a message: name, file and the start of its SHA-256.
fn describe(partial: &Partial) -> String {
    let sha = partial.scenario_sha256.get(..12).unwrap_or(&partial.scenario_sha256);
    format!("scenario '{}' ({}, SHA-256 {sha}…)", partial.scenario_name, partial.scenario_origin)
}

fn describe_scenario(scenario: &Scenario) -> String {
    let source = scenario.source();
    format!("scenario '{}' ({}, SHA-256 {}…)", scenario.name(), source.origin(), &source.sha256()[..12])
}

/// `1-3, 5, 7-8`.
fn ranges(sorted: &[u64]) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut i = 0;
    while i < sorted.len() {
        let mut j = i;
        while j + 1 < sorted.len() && sorted[j + 1] == sorted[j] + 1 {
            j += 1;
        }
        parts.push(if i == j { sorted[i].to_string() } else { format!("{}-{}", sorted[i], sorted[j]) });
        i = j + 1;
    }
    parts.join(", ")
}

/// Every `DIR/<name>/partial.tsp`, folder by folder in the order given, names in byte order.
fn partial_files(dirs: &[PathBuf]) -> Result<Vec<PathBuf>, Failure> {
    let mut files = Vec::new();
    for dir in dirs {
        let origin = dir.display().to_string();
        let refuse = |message: String| Failure::from(InputError::in_file(&origin, None, message));
        let give = "give the folders the shards wrote (each one's --out)";
        match std::fs::metadata(dir) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(refuse(format!("no such folder; {give}")));
            }
            Err(e) => return Err(refuse(format!("cannot read it: {e}"))),
            Ok(m) if !m.is_dir() => return Err(refuse(format!("not a folder; {give}"))),
            Ok(_) => {}
        }
        if dir.join(FILE_NAME).is_file() {
            return Err(refuse(format!(
                "a scenario's folder of a shard; give the shard's --out folder (the one above it): {give}"
            )));
        }
        let entries = std::fs::read_dir(dir).map_err(|e| refuse(format!("cannot read the folder: {e}")))?;
        let mut found: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|entry| entry.path().join(FILE_NAME))
            .filter(|path| path.is_file())
            .collect();
        if found.is_empty() {
            return Err(refuse(format!("holds no <name>/{FILE_NAME}: not a shard's output; {give}")));
        }
        found.sort();
        files.extend(found);
    }
    Ok(files)
}

/// Reads a partial file, refusing one whose size is not what its header announces before
/// reading the rest of it.
fn read_partial(path: &Path) -> Result<Partial, String> {
    let cannot = |e: std::io::Error| format!("cannot read it: {e}");
    let mut file = std::fs::File::open(path).map_err(cannot)?;
    let size = file.metadata().map_err(cannot)?.len();
    let mut header = Vec::new();
    (&mut file).take(partial::HEADER_BYTES as u64).read_to_end(&mut header).map_err(cannot)?;
    let want = partial::announced_length(&header).map_err(|e| e.to_string())?;
    if size != want {
        let error = if size < want {
            PartialError::Truncated { have: size, want }
        } else {
            PartialError::TooLong { have: size, want }
        };
        return Err(error.to_string());
    }
    let mut bytes = header;
    file.read_to_end(&mut bytes).map_err(cannot)?;
    partial::from_bytes(&bytes).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::ranges;

    #[test]
    fn shard_numbers_read_as_ranges() {
        assert_eq!(ranges(&[]), "");
        assert_eq!(ranges(&[1, 2, 3, 5, 7, 8]), "1-3, 5, 7-8");
        assert_eq!(ranges(&[4]), "4");
    }
}
