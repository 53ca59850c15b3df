//! `tradesim init [PATH]` (SPEC §6.5): writes a commented template scenario to start from.
//!
//! The template ([`TEMPLATE`], kept in `src/scenario/template.toml`) shows every key of SPEC §1:
//! the keys it uses are set, the others are commented out as `# key = value`, grouped so that
//! uncommenting one group (a bounded distribution, another form of `duration`, a `cap_value`,
//! a scheduled shock) still gives a valid scenario; the tests hold it to that. The file is
//! created with `create_new`, so an existing path is never overwritten, not even by a race.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::scenario::Scenario;

/// The template scenario `init` writes.
pub const TEMPLATE: &str = include_str!("template.toml");

/// Where `init` writes when no PATH is given (SPEC §6.5).
pub const DEFAULT_PATH: &str = "scenarios/my_scenario.toml";

/// Why `init` wrote nothing.
#[derive(Debug, thiserror::Error)]
pub enum InitError {
    /// PATH exists (a file, a folder or a link): bad input, exit 2.
    #[error("{}: already exists; init never overwrites a file: give another PATH, or move this one away", path.display())]
    Exists { path: PathBuf },
    /// PATH's file name cannot name a scenario, so the template there would fail `validate`:
    /// bad input, exit 2.
    #[error(
        "{}: the file name '{stem}' cannot name a scenario (it names the output folder): use 1 to 64 letters, \
         digits, '_' or '-' before .toml",
        path.display()
    )]
    BadName { path: PathBuf, stem: String },
    /// The folder or the file could not be created or written: exit 1.
    #[error("{}: cannot {action}: {source}", path.display())]
    Io {
        path: PathBuf,
        action: &'static str,
        #[source]
        source: std::io::Error,
    },
}

impl InitError {
    /// SPEC §4's exit status: 2 for bad input, 1 for an I/O failure.
    pub fn exit_code(&self) -> u8 {
        match self {
            InitError::Exists { .. } | InitError::BadName { .. } => 2,
            InitError::Io { .. } => 1,
        }
    }
}

/// Writes [`TEMPLATE`] to `path`, creating its folder when missing. Never overwrites: an
/// existing `path` is [`InitError::Exists`]. Leaves no partial file behind on a write error.
pub fn write_template(path: &Path) -> Result<(), InitError> {
    // The template is valid (tested) under any valid name, so a failure here can only be the
    // file's stem, which names the scenario when the file has no `name` key.
    let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    if Scenario::from_toml(TEMPLATE, &path.display().to_string(), &stem).is_err() {
        return Err(InitError::BadName { path: path.to_path_buf(), stem });
    }
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|source| InitError::Io {
            path: parent.to_path_buf(),
            action: "create the folder",
            source,
        })?;
    }
    let mut file = OpenOptions::new().write(true).create_new(true).open(path).map_err(|source| {
        if source.kind() == std::io::ErrorKind::AlreadyExists {
            InitError::Exists { path: path.to_path_buf() }
        } else {
            InitError::Io { path: path.to_path_buf(), action: "create the file", source }
        }
    })?;
    file.write_all(TEMPLATE.as_bytes()).and_then(|()| file.sync_all()).map_err(|source| {
        drop(file);
        // The file is ours (create_new made it), so removing it cannot lose anyone's data.
        let _ = std::fs::remove_file(path);
        InitError::Io { path: path.to_path_buf(), action: "write the file", source }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn validate(text: &str) -> Result<Scenario, String> {
        Scenario::from_toml(text, "my_scenario.toml", "my_scenario").map_err(|e| format!("{e}\n{text}"))
    }

    /// A commented-out key: `# ` then a key and `=`, or a table header.
    fn is_commented_key(line: &str) -> bool {
        let Some(rest) = line.strip_prefix("# ") else { return false };
        rest.starts_with("[[")
            || rest.split_once('=').is_some_and(|(key, _)| {
                let key = key.trim();
                !key.is_empty() && key.chars().all(|c| c.is_ascii_lowercase() || c == '_')
            })
    }

    /// The template with the commented-out key lines containing any of `uncomment` made active,
    /// the active keys in `drop` deleted, and `replace` applied. Also returns the lines made active.
    fn variant(uncomment: &[&str], drop: &[&str], replace: Option<(&str, &str)>) -> (String, Vec<&'static str>) {
        let mut text = String::new();
        let mut used = Vec::new();
        for line in TEMPLATE.lines() {
            if is_commented_key(line) && uncomment.iter().any(|u| line.contains(u)) {
                text += &line[2..];
                used.push(line);
            } else if !line.starts_with('#') && line.split_once('=').is_some_and(|(key, _)| drop.contains(&key.trim()))
            {
                continue;
            } else {
                text += line;
            }
            text.push('\n');
        }
        if let Some((from, to)) = replace {
            assert!(text.contains(from), "{from}");
            text = text.replace(from, to);
        }
        (text, used)
    }

    const BOUNDED: &[&str] = &["min  =", "mode =", "max  ="];
    const NOT_BOUNDED: &[&str] = &["mean", "sd", "persistence"];
    const LOGNORMAL: &str = "distribution  = \"lognormal\"";
    const SCHEDULED: &[&str] =
        &["[[shocks]]", "\"Caspian ferry outage\"", "\"route\"", "year         =", "duration     =", "level_change ="];

    #[test]
    fn template_passes_validation() {
        let s = validate(TEMPLATE).unwrap();
        assert_eq!((s.name(), s.base_year(), s.horizon_year(), s.shocks().len()), ("my_scenario", 2022, 2050, 1));
        assert_eq!(s.growth().first_year_mean(), 0.15);
    }

    #[test]
    fn every_commented_group_validates_when_uncommented() {
        // (group, the commented lines to make active, the active keys to delete, a replacement)
        type Group<'a> = (&'a str, Vec<&'a str>, &'a [&'a str], Option<(&'a str, &'a str)>);
        let groups: Vec<Group> = vec![
            ("name", vec!["name = \"my_scenario\""], &[], None),
            ("duration range", vec!["{ min = 1, max = 3 }"], &["duration"], None),
            ("permanent duration", vec!["\"permanent\""], &["duration"], None),
            ("cap_value", vec!["cap_value"], &[], None),
            ("scheduled shock", SCHEDULED.to_vec(), &[], None),
            ("triangular", BOUNDED.to_vec(), NOT_BOUNDED, Some((LOGNORMAL, "distribution = \"triangular\""))),
            ("pert", BOUNDED.to_vec(), NOT_BOUNDED, Some((LOGNORMAL, "distribution = \"pert\""))),
            ("uniform", vec!["min  =", "max  ="], NOT_BOUNDED, Some((LOGNORMAL, "distribution = \"uniform\""))),
            ("normal", vec![], &[], Some((LOGNORMAL, "distribution = \"normal\""))),
            ("constant", vec![], &["sd", "persistence"], Some((LOGNORMAL, "distribution = \"constant\""))),
            ("no fade", vec![], &["long_run_mean", "half_life"], None),
        ];
        let mut used = std::collections::BTreeSet::new();
        for (group, uncomment, drop, replace) in &groups {
            let (text, lines) = variant(uncomment, drop, *replace);
            assert_eq!(lines.len(), uncomment.len(), "{group}: each pattern uncomments one line: {lines:?}");
            if let Err(e) = validate(&text) {
                panic!("{group}: {e}");
            }
            used.extend(lines);
        }
        // Every commented-out key belongs to some group that was checked.
        let commented: std::collections::BTreeSet<&str> = TEMPLATE.lines().filter(|l| is_commented_key(l)).collect();
        assert_eq!(used, commented);
        assert_eq!(commented.len(), 13);

        // The compatible groups all at once.
        let mut all = vec!["name = \"my_scenario\"", "{ min = 1, max = 3 }", "cap_value"];
        all.extend(SCHEDULED);
        all.extend(BOUNDED);
        let (text, _) =
            variant(&all, &["duration", "mean", "sd", "persistence"], Some((LOGNORMAL, "distribution = \"pert\"")));
        let s = validate(&text).unwrap();
        assert_eq!(s.shocks().len(), 2);
    }

    #[test]
    fn template_shows_every_key_of_spec_section_1() {
        let keys = [
            "name",
            "description",
            "base_year",
            "base_value",
            "target_value",
            "horizon_year",
            "unit",
            "distribution",
            "mean",
            "sd",
            "min",
            "mode",
            "max",
            "long_run_mean",
            "half_life",
            "persistence",
            "kind",
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
        ];
        for key in keys {
            let shown = TEMPLATE.lines().any(|line| {
                let line = line.strip_prefix("# ").unwrap_or(line);
                line.split_once('=').is_some_and(|(k, _)| k.trim() == key)
            });
            assert!(shown, "{key} is not in the template");
        }
        for table in ["[trade]", "[growth]", "[[shocks]]"] {
            assert!(TEMPLATE.lines().any(|l| l == table), "{table}");
        }
    }

    #[test]
    fn prose_comments_are_not_taken_for_keys() {
        assert!(is_commented_key("# cap_value     = 900.0       # trade cannot"));
        assert!(is_commented_key("# [[shocks]]"));
        assert!(!is_commented_key("# A scheduled event: year = Y starts it in Y, with probability 1"));
        assert!(!is_commented_key("# or \"pert\" and give min <= mode <= max (min < max)"));
    }

    #[test]
    fn writes_the_template_and_creates_the_folder() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("scenarios/new/my_scenario.toml");
        write_template(&path).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), TEMPLATE);
        let s = Scenario::load(&path).unwrap();
        assert_eq!(s.name(), "my_scenario");
    }

    #[test]
    fn never_overwrites() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("mine.toml");
        std::fs::write(&path, "my own work").unwrap();
        let e = write_template(&path).unwrap_err();
        assert_eq!(
            e.to_string(),
            format!(
                "{}: already exists; init never overwrites a file: give another PATH, or move this one away",
                path.display()
            )
        );
        assert_eq!(e.exit_code(), 2);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "my own work");

        // A folder at PATH is not replaced either.
        let folder = dir.path().join("taken.toml");
        std::fs::create_dir(&folder).unwrap();
        assert!(matches!(write_template(&folder), Err(InitError::Exists { .. })));

        // A second init to the same new path finds the first one's file.
        let fresh = dir.path().join("fresh.toml");
        write_template(&fresh).unwrap();
        assert!(matches!(write_template(&fresh), Err(InitError::Exists { .. })));
    }

    #[test]
    fn a_file_name_that_cannot_name_a_scenario_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("my scenario.toml");
        let e = write_template(&path).unwrap_err();
        assert_eq!(
            e.to_string(),
            format!(
                "{}: the file name 'my scenario' cannot name a scenario (it names the output folder): use 1 to 64 \
                 letters, digits, '_' or '-' before .toml",
                path.display()
            )
        );
        assert_eq!(e.exit_code(), 2);
        assert!(!path.exists());
    }

    #[test]
    fn an_unusable_folder_is_an_io_error() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("plain_file");
        std::fs::write(&file, "").unwrap();
        let e = write_template(&file.join("x.toml")).unwrap_err();
        assert!(matches!(e, InitError::Io { action: "create the folder", .. }), "{e}");
        assert_eq!(e.exit_code(), 1);
    }
}
