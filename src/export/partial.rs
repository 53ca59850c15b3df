//! The partial-statistics file a shard writes, `<name>/partial.tsp` (SPEC §8): one scenario's
//! statistics over the shard's slice of the run's batches, with everything `merge` needs to
//! check the set of shards and to write the whole run's files, `run.json` and `report.html`
//! included (the run's invocation and the scenario file's path and text), and a checksum.
//!
//! The layout (integers little-endian; a string is a `u64` length and UTF-8 bytes):
//!
//! | bytes | field |
//! | --- | --- |
//! | 16 | [`MAGIC`], `TRADESIM PARTIAL` |
//! | 4 | [`FORMAT`], the layout's version (`u32`) |
//! | 8 | `B`, the body's length (`u64`) |
//! | `B` | the body, below |
//! | 32 | SHA-256 of everything before it |
//!
//! The body: the tool's version (string); the seed and the run's paths (`u64`, `u64`); the shard
//! `K` and the shard count `M` (`u64`, `u64`); the scenario's index in the run and the run's
//! number of scenarios (`u32`, `u32`); whether the run writes charts (`u8`, 1 or 0); the
//! invocation as JSON (string: `{"command": ..., "options": [[name, value], ...]}`); the
//! scenario's name, its file's path as given, the SHA-256 of its text (hexadecimal) and the text
//! (four strings); then the statistics ([`Stats::to_bytes`], as a `u64` length and the bytes).
//!
//! A reader checks the magic, then the length (a truncated file is named as such), then the
//! checksum (any changed byte), and only then the format and the fields, so that a damaged file
//! is refused, never half read, and nothing in it can make the merge panic.

use std::ops::Range;

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::engine;
use crate::stats::Stats;
use crate::stats::partial::{Decoder, Encoder, Malformed};

use super::provenance::Invocation;

/// The file each shard writes per scenario, in the scenario's folder.
pub const FILE_NAME: &str = "partial.tsp";

/// The first bytes of every partial file.
pub const MAGIC: &[u8; 16] = b"TRADESIM PARTIAL";

/// The version of the layout this tradesim writes and reads.
pub const FORMAT: u32 = 1;

/// The magic, the format and the body's length: what [`announced_length`] reads.
pub const HEADER_BYTES: usize = MAGIC.len() + 4 + 8;
const HEADER: usize = HEADER_BYTES;
const CHECKSUM: usize = 32;

/// Shard `index` of `count` (1 <= index <= count): the `index`-th of `count` contiguous,
/// near-equal slices of a run's batches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Shard {
    pub index: u64,
    pub count: u64,
}

impl Shard {
    /// `K/M`, or `None` unless 1 <= K <= M.
    pub fn new(index: u64, count: u64) -> Option<Self> {
        (1 <= index && index <= count).then_some(Shard { index, count })
    }

    /// The batches of a run of `runs` paths this shard simulates: with `B` batches,
    /// `floor((K - 1) B / M) .. floor(K B / M)`. Shards 1..M cover `0..B` once, in order; their
    /// sizes differ by at most one batch; with more shards than batches, some are empty.
    pub fn batches(&self, runs: u64) -> Range<u64> {
        let batches = u128::from(engine::batch_count(runs));
        let at = |k: u64| (u128::from(k) * batches / u128::from(self.count)) as u64;
        at(self.index - 1)..at(self.index)
    }

    /// The paths of those batches (the last batch of a run may be a partial one).
    pub fn paths(&self, runs: u64) -> u64 {
        let batches = self.batches(runs);
        let path = |batch: u64| batch.saturating_mul(engine::BATCH_PATHS).min(runs);
        path(batches.end) - path(batches.start)
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// Everything a partial file holds.
#[derive(Debug, Clone, PartialEq)]
pub struct Partial {
    /// The version of tradesim that wrote it.
    pub tool_version: String,
    pub seed: u64,
    /// The whole run's paths (the shard's are `stats.runs()`).
    pub runs: u64,
    pub shard: Shard,
    /// The scenario's place in the run (0-based) and the run's number of scenarios.
    pub scenario_index: u32,
    pub scenario_count: u32,
    /// Whether the run writes charts and `report.html` (no `--no-charts`).
    pub charts: bool,
    /// The run's command and options, as its `run.json` records them.
    pub invocation: Invocation,
    pub scenario_name: String,
    /// The scenario file's path as given, the SHA-256 of its text, and the text.
    pub scenario_origin: String,
    pub scenario_sha256: String,
    pub scenario_text: String,
    pub stats: Stats,
}

/// Why bytes are not a partial file this tradesim can read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PartialError {
    #[error("not a tradesim partial-statistics file (it does not start with {:?})", String::from_utf8_lossy(MAGIC))]
    NotPartial,
    #[error("truncated: {have} bytes where its header announces {want}; copy or run the shard again")]
    Truncated { have: u64, want: u64 },
    #[error("{have} bytes where its header announces {want}: damaged or appended to; copy or run the shard again")]
    TooLong { have: u64, want: u64 },
    #[error("corrupted: its checksum does not match its contents; copy or run the shard again")]
    Corrupted,
    #[error(
        "written in partial-statistics format {0}, but this tradesim {version} reads format {FORMAT}; merge with the tradesim that ran the shards",
        version = env!("CARGO_PKG_VERSION")
    )]
    Format(u32),
    #[error("corrupted: {0}")]
    Malformed(#[from] Malformed),
}

/// The file's bytes.
pub fn to_bytes(partial: &Partial) -> Vec<u8> {
    let mut body = Encoder::new();
    body.str(&partial.tool_version);
    body.u64(partial.seed);
    body.u64(partial.runs);
    body.u64(partial.shard.index);
    body.u64(partial.shard.count);
    body.u32(partial.scenario_index);
    body.u32(partial.scenario_count);
    body.u8(u8::from(partial.charts));
    body.str(&invocation_json(&partial.invocation));
    body.str(&partial.scenario_name);
    body.str(&partial.scenario_origin);
    body.str(&partial.scenario_sha256);
    body.str(&partial.scenario_text);
    body.block(&partial.stats.to_bytes());
    let body = body.into_bytes();

    let mut file = Encoder::new();
    file.raw(MAGIC);
    file.u32(FORMAT);
    file.u64(body.len() as u64);
    file.raw(&body);
    let mut bytes = file.into_bytes();
    let checksum = Sha256::digest(&bytes);
    bytes.extend_from_slice(&checksum);
    bytes
}

/// The body's length a file's first bytes announce, once they are known to be a partial file's
/// header: for telling a truncated file from another before reading it all.
pub fn announced_length(header: &[u8]) -> Result<u64, PartialError> {
    if header.len() < MAGIC.len() || &header[..MAGIC.len()] != MAGIC {
        return Err(PartialError::NotPartial);
    }
    let Some(length) = header.get(MAGIC.len() + 4..HEADER) else {
        return Err(PartialError::Truncated { have: header.len() as u64, want: HEADER as u64 });
    };
    let body = u64::from_le_bytes(length.try_into().expect("8 bytes"));
    Ok(body.saturating_add((HEADER + CHECKSUM) as u64))
}

/// Reads a partial file's bytes.
pub fn from_bytes(bytes: &[u8]) -> Result<Partial, PartialError> {
    let want = announced_length(bytes)?;
    let have = bytes.len() as u64;
    if have < want {
        return Err(PartialError::Truncated { have, want });
    }
    if have > want {
        return Err(PartialError::TooLong { have, want });
    }
    let (contents, checksum) = bytes.split_at(bytes.len() - CHECKSUM);
    if Sha256::digest(contents).as_slice() != checksum {
        return Err(PartialError::Corrupted);
    }
    let format = u32::from_le_bytes(contents[MAGIC.len()..MAGIC.len() + 4].try_into().expect("4 bytes"));
    if format != FORMAT {
        return Err(PartialError::Format(format));
    }
    let mut d = Decoder::new(&contents[HEADER..]);
    let tool_version = d.str("the tool version")?;
    let seed = d.u64("the seed")?;
    let runs = d.u64("the runs")?;
    if runs == 0 {
        return Err(Malformed("a run of 0 paths".into()).into());
    }
    let (index, count) = (d.u64("the shard")?, d.u64("the shard count")?);
    let shard = Shard::new(index, count).ok_or_else(|| Malformed(format!("shard {index}/{count}")))?;
    let scenario_index = d.u32("the scenario's index")?;
    let scenario_count = d.u32("the number of scenarios")?;
    if scenario_index >= scenario_count {
        return Err(Malformed(format!("scenario {} of {scenario_count}", u64::from(scenario_index) + 1)).into());
    }
    let charts = match d.u8("the charts flag")? {
        0 => false,
        1 => true,
        other => return Err(Malformed(format!("a charts flag of {other}")).into()),
    };
    let invocation = invocation_from_json(&d.str("the invocation")?)?;
    let scenario_name = d.str("the scenario's name")?;
    let scenario_origin = d.str("the scenario file's path")?;
    let scenario_sha256 = d.str("the scenario's SHA-256")?;
    let scenario_text = d.str("the scenario's text")?;
    let stats = Stats::from_bytes(d.block("the statistics")?)?;
    d.finish("the file")?;
    Ok(Partial {
        tool_version,
        seed,
        runs,
        shard,
        scenario_index,
        scenario_count,
        charts,
        invocation,
        scenario_name,
        scenario_origin,
        scenario_sha256,
        scenario_text,
        stats,
    })
}

/// `{"command": "run", "options": [["runs", 1000], ["seed", 7]]}`: the options as pairs, so that
/// their order survives.
fn invocation_json(invocation: &Invocation) -> String {
    let options: Vec<Value> =
        invocation.options.iter().map(|(name, value)| Value::Array(vec![name.clone().into(), value.clone()])).collect();
    serde_json::json!({ "command": invocation.command, "options": options }).to_string()
}

fn invocation_from_json(text: &str) -> Result<Invocation, Malformed> {
    let bad = || Malformed("the invocation is not what tradesim writes".into());
    let json: Value = serde_json::from_str(text).map_err(|_| bad())?;
    let command = json.get("command").and_then(Value::as_str).ok_or_else(bad)?;
    let mut invocation = Invocation::new(command);
    for pair in json.get("options").and_then(Value::as_array).ok_or_else(bad)? {
        match pair.as_array().map(Vec::as_slice) {
            Some([Value::String(name), value]) => invocation = invocation.with(name, value.clone()),
            _ => return Err(bad()),
        }
    }
    Ok(invocation)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::testing::scenario;

    fn partial() -> Partial {
        let s = scenario("[growth]\nmean = 0.2\nsd = 0.1\n[[shocks]]\nname = \"s\"\nyear = 2030\n");
        let shard = Shard::new(2, 3).unwrap();
        let runs = 5 * engine::BATCH_PATHS + 17;
        let stop = std::sync::atomic::AtomicBool::new(false);
        let stats =
            engine::simulate_batches(&s, runs, 9, shard.batches(runs), &stop, &engine::Options::default()).unwrap();
        Partial {
            tool_version: env!("CARGO_PKG_VERSION").into(),
            seed: 9,
            runs,
            shard,
            scenario_index: 1,
            scenario_count: 2,
            charts: true,
            invocation: Invocation::new("run").with("runs", runs).with("seed", 9),
            scenario_name: s.name().into(),
            scenario_origin: s.source().origin().into(),
            scenario_sha256: s.source().sha256().into(),
            scenario_text: s.source().text().into(),
            stats,
        }
    }

    #[test]
    fn shards_cut_the_batches_into_contiguous_near_equal_slices() {
        for (batches, count) in [(1, 1), (7, 3), (10, 4), (3, 7), (1000, 64), (5, 5)] {
            let runs = batches * engine::BATCH_PATHS;
            let slices: Vec<Range<u64>> = (1..=count).map(|k| Shard::new(k, count).unwrap().batches(runs)).collect();
            assert_eq!(slices[0].start, 0);
            assert_eq!(slices.last().unwrap().end, batches);
            assert!(slices.windows(2).all(|w| w[0].end == w[1].start), "{slices:?}");
            let sizes: Vec<u64> = slices.iter().map(|s| s.end - s.start).collect();
            assert!(sizes.iter().max().unwrap() - sizes.iter().min().unwrap() <= 1, "{sizes:?}");
        }
        // The example of SPEC §8's formula: 10 batches in 4 shards are 2, 3, 2, 3.
        let slices: Vec<_> = (1..=4).map(|k| Shard::new(k, 4).unwrap().batches(10 * engine::BATCH_PATHS)).collect();
        assert_eq!(slices, [0..2, 2..5, 5..7, 7..10]);
        // Paths: the last batch is a partial one; more shards than batches leave some empty.
        let runs = 2 * engine::BATCH_PATHS + 5;
        let paths: Vec<u64> = (1..=4).map(|k| Shard::new(k, 4).unwrap().paths(runs)).collect();
        assert_eq!(paths, [0, engine::BATCH_PATHS, engine::BATCH_PATHS, 5]);
        assert_eq!(paths.iter().sum::<u64>(), runs);
        // No overflow for the largest counts.
        assert_eq!(Shard::new(u64::MAX, u64::MAX).unwrap().batches(u64::MAX).end, engine::batch_count(u64::MAX));
        assert_eq!(Shard::new(0, 4), None);
        assert_eq!(Shard::new(5, 4), None);
    }

    #[test]
    fn a_partial_reads_back_as_written() {
        let p = partial();
        let bytes = to_bytes(&p);
        assert_eq!(&bytes[..16], b"TRADESIM PARTIAL");
        assert_eq!(from_bytes(&bytes).unwrap(), p);
    }

    #[test]
    fn truncated_extended_and_corrupted_files_are_refused() {
        let bytes = to_bytes(&partial());
        let n = bytes.len() as u64;
        for cut in [0, 5, 16, 20, 27, 28, 100, bytes.len() - 1] {
            let e = from_bytes(&bytes[..cut]).unwrap_err();
            let expected = match cut {
                0..16 => PartialError::NotPartial,
                16..28 => PartialError::Truncated { have: cut as u64, want: 28 },
                _ => PartialError::Truncated { have: cut as u64, want: n },
            };
            assert_eq!(e, expected, "cut at {cut}");
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert_eq!(from_bytes(&longer).unwrap_err(), PartialError::TooLong { have: n + 1, want: n });
        // Every single flipped bit past the magic and length is caught by the checksum.
        for i in (28..bytes.len()).step_by(97).chain([bytes.len() - 1]) {
            let mut bad = bytes.clone();
            bad[i] ^= 0x10;
            assert_eq!(from_bytes(&bad).unwrap_err(), PartialError::Corrupted, "byte {i}");
        }
        let mut other = bytes.clone();
        other[0] = b'X';
        assert_eq!(from_bytes(&other).unwrap_err(), PartialError::NotPartial);
    }

    /// `bytes` with a new checksum: what a file damaged before its checksum was taken looks like.
    fn resealed(mut bytes: Vec<u8>) -> Vec<u8> {
        let end = bytes.len() - CHECKSUM;
        let checksum = Sha256::digest(&bytes[..end]);
        bytes[end..].copy_from_slice(&checksum);
        bytes
    }

    /// Whatever a file with a valid checksum holds, reading it and then merging and summarising
    /// what was accepted never panics (the checksum guards against damage, not against files
    /// made to pass it).
    #[test]
    fn files_that_pass_the_checksum_never_make_a_panic() {
        let original = partial();
        let scenario = crate::scenario::Scenario::from_toml(
            &original.scenario_text,
            &original.scenario_origin,
            &original.scenario_name,
        )
        .unwrap();
        let bytes = to_bytes(&original);
        let mut accepted = 0;
        for (i, flip) in
            (HEADER..bytes.len() - CHECKSUM).step_by(61).zip([0x01u8, 0x80, 0xFF, 0x10].into_iter().cycle())
        {
            let mut bad = bytes.clone();
            bad[i] ^= flip;
            if let Ok(p) = from_bytes(&resealed(bad)) {
                accepted += 1;
                if p.stats.is_of(&scenario) && p.stats.runs() > 0 {
                    let mut total = original.stats.clone();
                    total.merge(&p.stats);
                    crate::stats::Summary::new(&scenario, &total);
                }
            }
        }
        // Most changes land in sketch counts or sums, which stay possible figures.
        assert!(accepted > 0);
    }

    #[test]
    fn another_format_is_named() {
        let mut bytes = to_bytes(&partial());
        bytes[16..20].copy_from_slice(&2u32.to_le_bytes());
        let e = from_bytes(&resealed(bytes)).unwrap_err();
        assert_eq!(e, PartialError::Format(2));
        assert!(e.to_string().starts_with("written in partial-statistics format 2, but this tradesim"), "{e}");
    }
}
