//! One machine's share of a search, so that a study too big for one machine runs as the tasks
//! of a batch scheduler already there (a Slurm array, a Kubernetes Indexed Job, GNU parallel)
//! and merges into exactly the single-machine result.
//!
//! Shard K of N takes every N-th configuration of the cost ranking from the K-th: interleaved,
//! so that every shard gets cheap and dear configurations alike (contiguous blocks would give
//! the last shard all the big, slow ones, and leave an `optimize` shard of dear ones testing
//! its whole block for nothing). Because the ranking is a total order computed the same on
//! every machine, a shard is named by two numbers and never needs to be told a list.
//!
//! Every shard output carries a [`ShardMeta`]: what the merge must compare to refuse a shard
//! of another study (scenario text, seed, space, ranking rule, load test, version) and to
//! refuse an incomplete set (K/N, how many configurations its part holds, how many it tested),
//! and a [`digest::Digest`] of its content, so that a file changed since is refused by name.

pub mod digest;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use self::digest::Digest;
use crate::model::scenario::{Prices, Scenario};
use crate::outcome::stats::{ClassFigures, Interval, Spread, Summary};
use crate::report::schema::{self, SchemaVersion};
use crate::search::compare::Cell;
use crate::search::{Space, Target};

/// Shard K of N (K from 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Shard {
    index: u32,
    count: u32,
}

/// `--shard`: a fixed `K/N`, or `auto` (from the scheduler's variables, read when the command
/// runs, not when it is parsed, so that a recorded command line parses anywhere).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShardArg {
    /// `--shard K/N`, as typed.
    Fixed(Shard),
    /// `--shard auto`: K/N from [`Shard::from_env`] when the command runs.
    Auto,
}

/// Why a shard cannot be named. The `auto` variants each tell the user which scheduler
/// variable to set or fix, since the command line itself was fine.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ShardError {
    /// `--shard` is neither `K/N` with 1 ≤ K ≤ N nor `auto`.
    #[error("--shard {text}: expected K/N with 1 ≤ K ≤ N (shard 3 of 8: 3/8), or auto")]
    Syntax {
        /// The argument as given.
        text: String,
    },
    /// `auto` outside a Slurm array or Kubernetes Indexed Job: nothing says which shard this is.
    #[error("--shard auto: no scheduler variables; set SLURM_ARRAY_TASK_ID and SLURM_ARRAY_TASK_COUNT (a Slurm array), or JOB_COMPLETION_INDEX and PLANNER_SHARDS (a Kubernetes Indexed Job)")]
    NoScheduler,
    /// A scheduler variable holds something other than a whole number.
    #[error("--shard auto: {var}={value} is not a whole number")]
    NotANumber {
        /// The variable's name.
        var: &'static str,
        /// Its value, untrimmed, as the environment holds it.
        value: String,
    },
    /// A Kubernetes pod knows its index but not the Job's completions, which must be passed.
    #[error("--shard auto: JOB_COMPLETION_INDEX is set but PLANNER_SHARDS is not: set it to the Job's completions (the number of shards)")]
    NoCount,
    /// The variables name a shard that does not exist (K outside 1..=N, or N below 1).
    #[error("--shard auto: {what} gives shard {index} of {count}, outside 1..={count}")]
    OutOfRange {
        /// The variable the index came from.
        what: &'static str,
        /// K as computed from it (from 1), before any range check.
        index: i64,
        /// N as the variables give it.
        count: i64,
    },
}

impl Shard {
    /// The whole search as one shard.
    pub const WHOLE: Shard = Shard { index: 1, count: 1 };

    /// Shard `index` of `count` (index from 1), or `None` unless 1 ≤ index ≤ count.
    pub fn new(index: u32, count: u32) -> Option<Shard> {
        (count >= 1 && (1..=count).contains(&index)).then_some(Shard { index, count })
    }

    /// K, from 1.
    pub fn index(self) -> u32 {
        self.index
    }

    /// N.
    pub fn count(self) -> u32 {
        self.count
    }

    /// Whether the configuration at `rank` of the ranking is this shard's.
    pub fn owns(self, rank: usize) -> bool {
        rank % self.count as usize == (self.index - 1) as usize
    }

    /// The ranks of this shard's part of a ranking of `len`, cheapest first.
    pub fn ranks(self, len: usize) -> impl ExactSizeIterator<Item = usize> {
        ((self.index - 1) as usize..len).step_by(self.count as usize)
    }

    /// The rank in the whole ranking of the `i`-th configuration of this shard's part.
    pub fn rank(self, i: usize) -> usize {
        (self.index - 1) as usize + i * self.count as usize
    }

    /// How many configurations this shard's part of a ranking of `len` holds.
    pub fn part_len(self, len: usize) -> usize {
        self.ranks(len).len()
    }

    /// Reads K/N from a scheduler's variables (`get` is the environment): a Slurm array's
    /// task id, counted from the array's first id so that `--array=0-15` and `--array=1-16`
    /// both mean shards 1..=16, or a Kubernetes Indexed Job's index (from 0) with
    /// `PLANNER_SHARDS`, since a pod is not told its Job's completions.
    pub fn from_env(get: impl Fn(&str) -> Option<String>) -> Result<Shard, ShardError> {
        let number = |var: &'static str| -> Result<Option<i64>, ShardError> {
            match get(var) {
                None => Ok(None),
                Some(value) => value
                    .trim()
                    .parse::<i64>()
                    .map(Some)
                    .map_err(|_| ShardError::NotANumber { var, value }),
            }
        };
        let (what, index, count) = if let Some(id) = number("SLURM_ARRAY_TASK_ID")? {
            let count = number("SLURM_ARRAY_TASK_COUNT")?.ok_or(ShardError::NoScheduler)?;
            let min = number("SLURM_ARRAY_TASK_MIN")?.unwrap_or(0);
            ("SLURM_ARRAY_TASK_ID", id - min + 1, count)
        } else if let Some(id) = number("JOB_COMPLETION_INDEX")? {
            let count = number("PLANNER_SHARDS")?.ok_or(ShardError::NoCount)?;
            ("JOB_COMPLETION_INDEX", id + 1, count)
        } else {
            return Err(ShardError::NoScheduler);
        };
        let fits = |v: i64| u32::try_from(v).ok();
        fits(index)
            .zip(fits(count))
            .and_then(|(k, n)| Shard::new(k, n))
            .ok_or(ShardError::OutOfRange { what, index, count })
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl std::str::FromStr for Shard {
    type Err = ShardError;

    fn from_str(text: &str) -> Result<Shard, ShardError> {
        let syntax = || ShardError::Syntax {
            text: text.to_string(),
        };
        let (k, n) = text.trim().split_once('/').ok_or_else(syntax)?;
        let k: u32 = k.trim().parse().map_err(|_| syntax())?;
        let n: u32 = n.trim().parse().map_err(|_| syntax())?;
        Shard::new(k, n).ok_or_else(syntax)
    }
}

impl ShardArg {
    /// `K/N` or `auto`.
    pub fn parse(text: &str) -> Result<ShardArg, ShardError> {
        if text.trim().eq_ignore_ascii_case("auto") {
            Ok(ShardArg::Auto)
        } else {
            text.parse().map(ShardArg::Fixed)
        }
    }

    /// The shard, reading the process environment for `auto`.
    pub fn resolve(self) -> Result<Shard, ShardError> {
        match self {
            ShardArg::Fixed(s) => Ok(s),
            ShardArg::Auto => Shard::from_env(|v| std::env::var(v).ok()),
        }
    }
}

/// What every shard output says about itself: enough for the merge to refuse a foreign,
/// duplicated or missing shard, or an unfinished one, and to name it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ShardMeta {
    /// The planner version that made it: results of two versions may differ.
    pub planner: String,
    /// `sweep`, `optimize` or `compare`.
    pub command: String,
    /// `K/N`.
    pub shard: String,
    /// The scenario's name, for messages.
    pub scenario: String,
    /// A hash of the scenario text: the same name may hold other stations.
    pub scenario_hash: String,
    /// The load test's seed: another seed draws other service times, so other results.
    pub seed: u64,
    /// The space's shape, `soda.units 1..=4 × …`; for `compare`, its strategies and rates.
    pub space: String,
    /// The order the configurations are dealt in: the rule and the prices it ranks by.
    pub ranking: String,
    /// A hash of the load test, the required share and the search's options: anything that
    /// changes a result or the ranking and is not named above.
    pub target: String,
    /// The size of the whole ranking (configurations that keep up, with `--sustained`); for
    /// `compare`, the number of (strategy, rate) cells.
    pub configurations: usize,
    /// How many of them are this shard's.
    pub part: usize,
    /// How many of its part it load-tested (all, for a finished sweep shard).
    pub tested: usize,
    /// The rank of its cheapest passing configuration.
    pub first_pass: Option<usize>,
    /// `optimize --show R`: a shard stops at its `1 + R`-th pass, so shards of another R
    /// tested other prefixes and do not merge into one result. Absent for a sweep.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runners_up: Option<usize>,
}

impl ShardMeta {
    /// The shard this output is, as `K/N`.
    pub fn shard(&self) -> Option<Shard> {
        self.shard.parse().ok()
    }

    /// The first field in which `other` is not of the same study, as (what, this, other).
    pub fn differs(&self, other: &ShardMeta) -> Option<(&'static str, String, String)> {
        let show = |m: &ShardMeta| m.runners_up.map_or("none".into(), |r| r.to_string());
        let fields: [(&'static str, String, String); 9] = [
            ("version", self.planner.clone(), other.planner.clone()),
            ("command", self.command.clone(), other.command.clone()),
            (
                "scenario",
                format!("{} (text {})", self.scenario, self.scenario_hash),
                format!("{} (text {})", other.scenario, other.scenario_hash),
            ),
            ("seed", self.seed.to_string(), other.seed.to_string()),
            ("space", self.space.clone(), other.space.clone()),
            ("ranking", self.ranking.clone(), other.ranking.clone()),
            (
                "load test or target",
                self.target.clone(),
                other.target.clone(),
            ),
            ("runners-up count (--show)", show(self), show(other)),
            (
                "shard count",
                self.shard.split('/').nth(1).unwrap_or("").to_string(),
                other.shard.split('/').nth(1).unwrap_or("").to_string(),
            ),
        ];
        fields.into_iter().find(|(_, a, b)| a != b)
    }
}

impl ShardMeta {
    /// The metadata of shard `shard` of a search of `command` over `space`, ranked by
    /// `prices`, testing against `target`; `configurations` is the ranking's size (after
    /// `--sustained` kept those that keep up). What was tested is filled in by the caller.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        command: &str,
        scenario: &Scenario,
        scenario_text: &str,
        space: &Space,
        prices: &Prices,
        target: &Target,
        sustained: bool,
        configurations: usize,
        shard: Shard,
    ) -> ShardMeta {
        ShardMeta {
            planner: env!("CARGO_PKG_VERSION").to_string(),
            command: command.to_string(),
            shard: shard.to_string(),
            scenario: scenario.name().to_string(),
            scenario_hash: fingerprint(scenario_text),
            seed: target.load.seed,
            space: space.shape(scenario),
            ranking: format!(
                "cost at {:?} {cur} per core and {:?} {cur} per GiB, then fewest changed levers, then lever values",
                prices.cpu,
                prices.ram,
                cur = prices.currency
            ),
            // Debug prints every field and every float exactly: a field added to the load
            // test later is part of the identity without anyone remembering to add it here.
            target: fingerprint(&format!(
                "{:?} {:?} sustained={sustained}",
                target.load, target.share
            )),
            configurations,
            part: shard.part_len(configurations),
            tested: 0,
            first_pass: None,
            runners_up: None,
        }
    }
}

/// `N` shards as a count to merge: "merge it", "merge both", "merge all 3".
pub fn all_of(count: u32) -> String {
    match count {
        1 => "it".into(),
        2 => "both".into(),
        n => format!("all {n}"),
    }
}

/// A 64-bit FNV-1a hash, as 16 hex digits: which scenario text or load test a shard is of,
/// where the merge compares two hashes it computed itself; what a shard holds is sealed by a
/// real digest instead ([`digest`]).
pub fn fingerprint(text: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.as_bytes() {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{h:016x}")
}

/// A [`Summary`] as a shard document stores it: floats as their bits, since a JSON reader
/// may round a decimal by one unit in the last place, and the merge must be exact.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct StoredSummary {
    /// [`Summary::clients`]: clients counted, after the warmup.
    pub clients: usize,
    /// [`Summary::satisfied`]: clients served within the timeout.
    pub satisfied: usize,
    /// [`Summary::satisfaction`] (percent), as `f64` bits.
    pub satisfaction: u64,
    /// [`Summary::p50_steps`]: median latency in steps of the scenario's resolution.
    pub p50_steps: u64,
    /// [`Summary::p95_steps`], in steps.
    pub p95_steps: u64,
    /// [`Summary::p99_steps`], in steps.
    pub p99_steps: u64,
    /// [`Summary::max_steps`], in steps.
    pub max_steps: u64,
    /// [`Summary::mean_steps`] (steps), as `f64` bits.
    pub mean_steps: u64,
    /// [`Summary::meets_target`]: whether this configuration passed.
    pub meets_target: bool,
    /// [`Summary::spread`]: present only when the load test ran several replications.
    pub spread: Option<StoredSpread>,
    /// Each request class's figures; empty without classes.
    #[serde(default)]
    pub classes: Vec<StoredClass>,
}

/// A [`ClassFigures`] with its numbers as bits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct StoredClass {
    /// [`ClassFigures::satisfaction`] (percent), as `f64` bits.
    pub satisfaction: u64,
    /// [`ClassFigures::interval`], as `f64` bits.
    pub interval: Option<[u64; 2]>,
    /// [`ClassFigures::p99_steps`].
    pub p99_steps: Option<u64>,
}

impl From<&ClassFigures> for StoredClass {
    fn from(c: &ClassFigures) -> StoredClass {
        StoredClass {
            satisfaction: c.satisfaction.to_bits(),
            interval: c.interval.map(|(l, h)| [l.to_bits(), h.to_bits()]),
            p99_steps: c.p99_steps,
        }
    }
}

impl From<&StoredClass> for ClassFigures {
    fn from(c: &StoredClass) -> ClassFigures {
        ClassFigures {
            satisfaction: f64::from_bits(c.satisfaction),
            interval: c
                .interval
                .map(|[l, h]| (f64::from_bits(l), f64::from_bits(h))),
            p99_steps: c.p99_steps,
        }
    }
}

/// A [`Spread`] with its intervals as `[mean, low, high]` bits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct StoredSpread {
    /// How many replications the intervals are over.
    pub replications: usize,
    /// [`Spread`]'s intervals in this order: satisfaction, mean, p50, p95, p99, max.
    pub intervals: [[u64; 3]; 6],
}

fn store(i: &Interval) -> [u64; 3] {
    [i.mean.to_bits(), i.low.to_bits(), i.high.to_bits()]
}

fn load(b: &[u64; 3]) -> Interval {
    Interval {
        mean: f64::from_bits(b[0]),
        low: f64::from_bits(b[1]),
        high: f64::from_bits(b[2]),
    }
}

impl From<&Summary> for StoredSummary {
    fn from(s: &Summary) -> StoredSummary {
        StoredSummary {
            clients: s.clients,
            satisfied: s.satisfied,
            satisfaction: s.satisfaction.to_bits(),
            p50_steps: s.p50_steps,
            p95_steps: s.p95_steps,
            p99_steps: s.p99_steps,
            max_steps: s.max_steps,
            mean_steps: s.mean_steps.to_bits(),
            meets_target: s.meets_target,
            classes: s.classes.iter().map(StoredClass::from).collect(),
            spread: s.spread.as_ref().map(|sp| StoredSpread {
                replications: sp.replications,
                intervals: [
                    store(&sp.satisfaction),
                    store(&sp.mean_s),
                    store(&sp.p50_s),
                    store(&sp.p95_s),
                    store(&sp.p99_s),
                    store(&sp.max_s),
                ],
            }),
        }
    }
}

impl From<&StoredSummary> for Summary {
    fn from(s: &StoredSummary) -> Summary {
        Summary {
            clients: s.clients,
            satisfied: s.satisfied,
            satisfaction: f64::from_bits(s.satisfaction),
            p50_steps: s.p50_steps,
            p95_steps: s.p95_steps,
            p99_steps: s.p99_steps,
            max_steps: s.max_steps,
            mean_steps: f64::from_bits(s.mean_steps),
            meets_target: s.meets_target,
            classes: s.classes.iter().map(ClassFigures::from).collect(),
            // Shards are refused for clients with rules, the only ones with a throughput.
            throughput: None,
            spread: s.spread.as_ref().map(|sp| Spread {
                replications: sp.replications,
                satisfaction: load(&sp.intervals[0]),
                mean_s: load(&sp.intervals[1]),
                p50_s: load(&sp.intervals[2]),
                p95_s: load(&sp.intervals[3]),
                p99_s: load(&sp.intervals[4]),
                max_s: load(&sp.intervals[5]),
            }),
        }
    }
}

/// One load-tested configuration of a shard: its rank in the whole ranking and its result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Tested {
    /// Its place in the whole cost ranking (from 0, cheapest first), not in the shard's part.
    pub rank: usize,
    /// Its result, bit-exact.
    pub summary: StoredSummary,
}

/// What `optimize --shard K/N --format json` prints: the metadata, and what the merge needs
/// to rebuild the single run's report without testing anything again — the scenario text
/// and the command line (to rank the space again, which is cheap and exact), and every
/// result by rank.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ShardDoc {
    /// The document's version (docs/json.md); a shard of another version is not merged.
    pub schema_version: SchemaVersion,
    /// The metadata; its key is the name the merge recognises a shard document by.
    pub planner_shard: ShardMeta,
    /// Where the scenario came from, for messages.
    pub scenario_source: String,
    /// The scenario file's whole text, so the merge needs no file that might have changed.
    pub scenario_text: String,
    /// The shard's command line, after the program name.
    pub args: Vec<String>,
    /// What it load-tested, in rank order: its part from the cheapest up to its `1 + R`-th
    /// pass (`R` = [`ShardMeta::runners_up`]), or all of it when fewer pass.
    pub tested: Vec<Tested>,
    /// The digest of everything above, field by field; empty in a document of no planner.
    #[serde(default)]
    pub digest: Digest,
}

/// One (strategy, rate) cell of a compare shard: its place and its result, bit-exact.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct StoredCell {
    /// Its index in the comparison, strategy by strategy, rate by rate within one (from 0).
    pub cell: usize,
    /// [`Cell::summary`], bit-exact.
    pub summary: StoredSummary,
    /// [`Cell::late_bottleneck`]: the index of the station where the late clients waited
    /// longest, queueing, all of them together (`null` when none queued).
    pub late_bottleneck: Option<usize>,
}

impl StoredCell {
    /// The cell as the comparison holds it.
    pub fn cell(&self) -> Cell {
        Cell {
            summary: Summary::from(&self.summary),
            late_bottleneck: self.late_bottleneck,
        }
    }
}

/// What `compare --shard K/N --format json` prints: like [`ShardDoc`], with each strategy's
/// configuration as resolved (an `optimize` strategy's as found, so that the merge does not
/// search again) and the shard's cells.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CompareShardDoc {
    /// The document's version (docs/json.md); a shard of another version is not merged.
    pub schema_version: SchemaVersion,
    /// The metadata; `space` names the strategies and rates, `configurations` the cells.
    pub planner_shard: ShardMeta,
    /// Where the scenario came from, for messages.
    pub scenario_source: String,
    /// The scenario file's whole text, so the merge needs no file that might have changed.
    pub scenario_text: String,
    /// The shard's command line, after the program name.
    pub args: Vec<String>,
    /// Each strategy kept, in order: its name and lever values.
    pub contenders: Vec<(String, Vec<u32>)>,
    /// Every cell of its part, in order.
    pub cells: Vec<StoredCell>,
    /// The digest of everything above, field by field; empty in a document of no planner.
    #[serde(default)]
    pub digest: Digest,
}

/// The first line of a sweep shard's CSV, after [`CSV_MARK`]: its metadata and, as in a
/// [`ShardDoc`], the scenario text and command line, from which the merge ranks the space
/// again to check every row against it; then the digest of the whole file, rows included,
/// which the shard recomputes each time it rewrites the file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SweepHead {
    /// The document's version (docs/json.md); a shard of another version is not merged.
    pub schema_version: SchemaVersion,
    /// The metadata, its fields next on the line.
    #[serde(flatten)]
    pub meta: ShardMeta,
    /// Where the scenario came from, for messages.
    pub scenario_source: String,
    /// The scenario file's whole text, so the merge needs no file that might have changed.
    pub scenario_text: String,
    /// The shard's command line, after the program name (its last run's, when resumed).
    pub args: Vec<String>,
    /// The digest of the line's other fields, the CSV header (`header[]`) and every column of
    /// the rows (`rows[].COLUMN`); empty in a file of no planner.
    #[serde(default)]
    pub digest: Digest,
}

/// The first line of a sweep shard's CSV: `#` then this, then its [`SweepHead`] as one JSON
/// line. The merge strips it, so that the merged CSV is the single run's byte for byte.
pub const CSV_MARK: &str = "# planner-shard ";

/// The schema of `optimize --shard K/N --format json`.
pub fn optimize_schema() -> serde_json::Value {
    schema::strict::<ShardDoc>("planner optimize --shard")
}

/// The schema of `compare --shard K/N --format json`.
pub fn compare_schema() -> serde_json::Value {
    schema::strict::<CompareShardDoc>("planner compare --shard")
}

/// The schema of the JSON on a sweep shard's first line, after [`CSV_MARK`].
pub fn sweep_head_schema() -> serde_json::Value {
    schema::strict::<SweepHead>("planner sweep --shard, first line")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            vars.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn parts_interleave_and_cover_the_ranking_once() {
        for n in 1..=7u32 {
            let mut seen = vec![0; 23];
            for k in 1..=n {
                let s = Shard::new(k, n).unwrap();
                let ranks: Vec<usize> = s.ranks(23).collect();
                assert_eq!(ranks.len(), s.part_len(23));
                for r in ranks {
                    assert!(s.owns(r));
                    seen[r] += 1;
                }
            }
            assert!(seen.iter().all(|&c| c == 1), "n={n}: {seen:?}");
        }
        let third: Vec<usize> = Shard::new(2, 3).unwrap().ranks(10).collect();
        assert_eq!(third, [1, 4, 7]);
    }

    #[test]
    fn k_over_n_parses_and_refuses_nonsense() {
        assert_eq!("3/8".parse::<Shard>(), Ok(Shard::new(3, 8).unwrap()));
        for bad in ["0/8", "9/8", "3", "3/0", "a/b", "-1/2", ""] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
        assert_eq!(ShardArg::parse("auto"), Ok(ShardArg::Auto));
    }

    #[test]
    fn auto_reads_slurm_and_kubernetes() {
        let slurm = [
            ("SLURM_ARRAY_TASK_ID", "0"),
            ("SLURM_ARRAY_TASK_COUNT", "16"),
        ];
        assert_eq!(Shard::from_env(env(&slurm)).unwrap().to_string(), "1/16");
        let from_one = [
            ("SLURM_ARRAY_TASK_ID", "16"),
            ("SLURM_ARRAY_TASK_COUNT", "16"),
            ("SLURM_ARRAY_TASK_MIN", "1"),
        ];
        assert_eq!(
            Shard::from_env(env(&from_one)).unwrap().to_string(),
            "16/16"
        );
        let k8s = [("JOB_COMPLETION_INDEX", "4"), ("PLANNER_SHARDS", "7")];
        assert_eq!(Shard::from_env(env(&k8s)).unwrap().to_string(), "5/7");
        assert_eq!(
            Shard::from_env(env(&[("JOB_COMPLETION_INDEX", "4")])),
            Err(ShardError::NoCount)
        );
        assert_eq!(Shard::from_env(env(&[])), Err(ShardError::NoScheduler));
        let past = [("JOB_COMPLETION_INDEX", "7"), ("PLANNER_SHARDS", "7")];
        assert!(matches!(
            Shard::from_env(env(&past)),
            Err(ShardError::OutOfRange { .. })
        ));
    }

    #[test]
    fn summaries_survive_the_document_exactly() {
        let s = Summary {
            clients: 10,
            satisfied: 7,
            satisfaction: 0.1 + 0.2,
            p50_steps: 3,
            p95_steps: 9,
            p99_steps: 10,
            max_steps: 11,
            mean_steps: 1.0 / 3.0,
            meets_target: false,
            classes: vec![
                ClassFigures {
                    satisfaction: 0.1 + 0.2,
                    interval: Some((0.0, 1.0 / 3.0)),
                    p99_steps: Some(7),
                },
                ClassFigures::of(None),
            ],
            throughput: None,
            spread: Some(Spread {
                replications: 3,
                satisfaction: Interval::of(&[0.1, 0.7, 0.3]),
                mean_s: Interval::of(&[1.0, 2.0]),
                p50_s: Interval::of(&[1.5]),
                p95_s: Interval::of(&[2.5, 2.6]),
                p99_s: Interval::of(&[2.7, 2.8]),
                max_s: Interval::of(&[3.0, 3.1]),
            }),
        };
        let text = serde_json::to_string(&StoredSummary::from(&s)).unwrap();
        let back: StoredSummary = serde_json::from_str(&text).unwrap();
        assert_eq!(Summary::from(&back), s);
    }
}
