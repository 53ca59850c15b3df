//! `run.json` (SPEC §7): what produced a folder of results, so that it can be produced again.
//! The tool and its version; the command and those of its options that can change a result
//! (never `--out`, `--threads`, `--quiet`, `--yes` or `--shard`); the runs used; each scenario
//! file's path as given and the SHA-256 of its bytes; and each scenario as resolved, every
//! default filled in. No timestamp and no thread count: the same command gives the same bytes.

use serde_json::{Map, Value, json};

use crate::model::growth::Shape;
use crate::model::shock::Duration;
use crate::scenario::Scenario;

/// The command and its options that can change a result, in the order given.
#[derive(Debug, Clone, PartialEq)]
pub struct Invocation {
    /// `run`, `sweep`, `compare` or `sensitivity`.
    pub command: String,
    /// `(option, value)`: `runs` or `precision` and `max_runs`, `seed`, `vary`, `params`,
    /// `swing`.
    pub options: Vec<(String, Value)>,
}

impl Invocation {
    pub fn new(command: &str) -> Self {
        Invocation { command: command.to_string(), options: Vec::new() }
    }

    /// Adds an option.
    pub fn with(mut self, option: &str, value: impl Into<Value>) -> Self {
        self.options.push((option.to_string(), value.into()));
        self
    }

    /// The command line these stand for, as a person would type it (for the report).
    pub fn command_line(&self, scenarios: &[&Scenario]) -> String {
        let mut words = vec!["tradesim".to_string(), self.command.clone()];
        words.extend(scenarios.iter().map(|s| shell_word(s.source().origin())));
        for (option, value) in &self.options {
            let flag = format!("--{}", option.replace('_', "-"));
            match value {
                Value::Array(values) => {
                    for v in values {
                        words.extend([flag.clone(), shell_word(&plain(v))]);
                    }
                }
                v => words.extend([flag, shell_word(&plain(v))]),
            }
        }
        words.join(" ")
    }

    fn options_json(&self) -> Value {
        Value::Object(self.options.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
    }
}

/// A JSON value as a command-line word: strings without their quotes.
fn plain(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        v => v.to_string(),
    }
}

/// A word quoted for a POSIX shell when it needs it.
fn shell_word(word: &str) -> String {
    let safe = |c: char| c.is_ascii_alphanumeric() || "_-./=:,+".contains(c);
    if !word.is_empty() && word.chars().all(safe) {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}

/// `run.json` beside one scenario's files: the run of `scenario` with `runs` paths.
pub fn scenario_run(invocation: &Invocation, runs: u64, scenario: &Scenario) -> Vec<u8> {
    let mut document = head(invocation);
    document.insert("runs".into(), json!(runs));
    document.insert("scenario_file".into(), file(scenario));
    document.insert("scenario".into(), resolved(scenario));
    to_bytes(document)
}

/// `run.json` of a sweep, comparison or sensitivity analysis: its scenarios (files and as
/// resolved) and what else it used (`details`: the runs of each point, for example).
pub fn analysis(invocation: &Invocation, scenarios: &[&Scenario], details: Vec<(String, Value)>) -> Vec<u8> {
    let mut document = head(invocation);
    document.insert("scenario_files".into(), Value::Array(scenarios.iter().map(|s| file(s)).collect()));
    document.insert("scenarios".into(), Value::Array(scenarios.iter().map(|s| resolved(s)).collect()));
    document.extend(details);
    to_bytes(document)
}

fn head(invocation: &Invocation) -> Map<String, Value> {
    let mut document = Map::new();
    document.insert("tool".into(), json!({ "name": "tradesim", "version": env!("CARGO_PKG_VERSION") }));
    document.insert("command".into(), json!(invocation.command));
    document.insert("options".into(), invocation.options_json());
    document
}

fn to_bytes(document: Map<String, Value>) -> Vec<u8> {
    let mut bytes = serde_json::to_vec_pretty(&Value::Object(document)).expect("JSON of plain values");
    bytes.push(b'\n');
    bytes
}

/// A scenario file: its path as given and the SHA-256 of its bytes.
fn file(scenario: &Scenario) -> Value {
    let source = scenario.source();
    json!({ "path": source.origin(), "sha256": source.sha256() })
}

/// A scenario as resolved: every key of SPEC §1 that applies, with its default filled in.
pub fn resolved(scenario: &Scenario) -> Value {
    let growth = scenario.growth();
    let mut growth_json = Map::new();
    growth_json.insert("distribution".into(), json!(growth.kind().as_str()));
    match growth.shape() {
        Shape::Constant => {
            growth_json.insert("mean".into(), json!(growth.first_year_mean()));
        }
        Shape::Normal { sd } | Shape::Lognormal { sd } => {
            growth_json.insert("mean".into(), json!(growth.first_year_mean()));
            growth_json.insert("sd".into(), json!(sd));
        }
        Shape::Triangular { min, mode, max } | Shape::Pert { min, mode, max } => {
            growth_json.extend([("min".into(), json!(min)), ("mode".into(), json!(mode)), ("max".into(), json!(max))]);
        }
        Shape::Uniform { min, max } => {
            growth_json.extend([("min".into(), json!(min)), ("max".into(), json!(max))]);
        }
    }
    growth_json.insert("long_run_mean".into(), json!(growth.long_run_mean()));
    growth_json.insert("half_life".into(), json!(growth.half_life()));
    if matches!(growth.shape(), Shape::Normal { .. } | Shape::Lognormal { .. }) {
        growth_json.insert("persistence".into(), json!(growth.persistence()));
    }
    let shocks: Vec<Value> = scenario
        .shocks()
        .iter()
        .map(|s| {
            let duration = match s.duration() {
                Duration::Years(d) => json!(d),
                Duration::Between { min, max } => json!({ "min": min, "max": max }),
                Duration::Permanent => json!("permanent"),
            };
            json!({
                "name": s.name(),
                "kind": s.kind().as_str(),
                "probability": s.probability(),
                "first_year": s.first_year(),
                "last_year": s.last_year(),
                "max_occurrences": s.max_occurrences(),
                "duration": duration,
                "level_change": s.level_change(),
                "growth_change": s.growth_change(),
                "recovery": s.recovery(),
                "cap_value": s.cap_value(),
            })
        })
        .collect();
    json!({
        "name": scenario.name(),
        "description": scenario.description(),
        "trade": {
            "base_year": scenario.base_year(),
            "base_value": scenario.base_value(),
            "target_value": scenario.target_value(),
            "horizon_year": scenario.horizon_year(),
            "unit": scenario.unit(),
        },
        "growth": growth_json,
        "shocks": shocks,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::testing::{MINIMAL, scenario};

    #[test]
    fn a_run_records_what_produced_it_and_nothing_else() {
        let s = Scenario::from_toml(MINIMAL, "scenarios/naive.toml", "naive").unwrap();
        let invocation = Invocation::new("run").with("runs", 1000).with("seed", 7);
        let bytes = scenario_run(&invocation, 1000, &s);
        let text = String::from_utf8(bytes.clone()).unwrap();
        let json: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(json["command"], "run");
        assert_eq!(json["options"], json!({ "runs": 1000, "seed": 7 }));
        assert_eq!(json["scenario_file"]["path"], "scenarios/naive.toml");
        assert_eq!(json["scenario_file"]["sha256"].as_str().unwrap().len(), 64);
        assert_eq!(
            json["scenario"]["growth"],
            json!({ "distribution": "constant", "mean": 0.4, "long_run_mean": 0.4, "half_life": 1.0 })
        );
        assert_eq!(json["scenario"]["trade"]["unit"], "USD million");
        // The same inputs, the same bytes; no time, no thread count.
        assert_eq!(bytes, scenario_run(&invocation, 1000, &s));
        assert!(!text.contains("thread") && !text.contains("time"), "{text}");
    }

    #[test]
    fn shocks_are_resolved_with_their_defaults() {
        let s = scenario("[growth]\nmean = 0.1\nsd = 0.1\n[[shocks]]\nname = \"s\"\nyear = 2030\n");
        let shock = &resolved(&s)["shocks"][0];
        assert_eq!(shock["kind"], "other");
        assert_eq!(shock["probability"], 1.0);
        assert_eq!((shock["first_year"].clone(), shock["last_year"].clone()), (json!(2030), json!(2030)));
        assert_eq!(shock["duration"], 1);
        assert_eq!(shock["cap_value"], Value::Null);
        assert_eq!(resolved(&s)["growth"]["persistence"], 0.0);
    }

    #[test]
    fn the_command_line_reads_as_typed() {
        let s = Scenario::from_toml(MINIMAL, "my scenarios/a.toml", "a").unwrap();
        let invocation = Invocation::new("sweep")
            .with("vary", json!(["growth.mean=0.2,0.3", "shocks.EU ban.probability=0:1:0.5"]))
            .with("seed", 2022);
        assert_eq!(
            invocation.command_line(&[&s]),
            "tradesim sweep 'my scenarios/a.toml' --vary growth.mean=0.2,0.3 --vary 'shocks.EU ban.probability=0:1:0.5' --seed 2022"
        );
    }

    #[test]
    fn the_file_digest_is_sha256() {
        let s = Scenario::from_toml(MINIMAL, "x.toml", "x").unwrap();
        use sha2::Digest;
        let expected: String = sha2::Sha256::digest(MINIMAL.as_bytes()).iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(s.source().sha256(), expected);
        // The known digest of "abc" pins the algorithm.
        let abc: String = sha2::Sha256::digest(b"abc").iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(abc, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }
}
