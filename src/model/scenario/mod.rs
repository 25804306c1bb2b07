//! The scenario file: which stations a request fans out to, the default load test, what each
//! unit costs and which values each lever may take.
//!
//! The TOML text is parsed once into typed values (parse, don't validate): after
//! [`Scenario::parse`] every service time sits on the resolution's grid, every count is ≥ 1
//! and every name is unique, so no later code checks them again. Errors name the file, the
//! line and the field.

use std::num::NonZeroU32;
use std::path::Path;
use std::sync::Arc;

use indexmap::IndexMap;
use serde::Deserialize;
use toml::Spanned;

use crate::model::duration::Duration;
use crate::model::levers::Values;
use crate::model::stages::{Profile, Stage};
use crate::model::units::{Rate, Resolution, Seconds};

mod requests;

pub use requests::RequestClass;
use requests::{requests_of, RawRequest};

/// The fast-food restaurant of the tutorial, built into the binary so the tool works anywhere.
pub const DEFAULT_TEXT: &str = include_str!("../../../data/fastfood.toml");
/// The name under which the embedded scenario is reported.
pub const DEFAULT_NAME: &str = "data/fastfood.toml (embedded)";

/// The most clients one load test may have.
pub const MAX_CLIENTS: u32 = 10_000_000;

/// A scenario that failed to load, located as precisely as the TOML parser allows.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ScenarioError {
    /// The file could not be read at all (missing, unreadable, not UTF-8).
    #[error("cannot read scenario file {file}: {reason}")]
    Read {
        /// The path as the user gave it.
        file: String,
        /// The operating system's reason.
        reason: String,
    },
    /// The file was read but refused; the position points the user at the offending text.
    #[error("{file}:{line}:{column}: {message}")]
    Invalid {
        /// The path as the user gave it, or [`DEFAULT_NAME`] for the embedded scenario.
        file: String,
        /// 1-based.
        line: usize,
        /// 1-based, in characters.
        column: usize,
        /// What is wrong there, in the user's terms (the TOML parser's or ours).
        message: String,
    },
}

pub use crate::model::station::StationKind;

mod distribution;
pub use distribution::{ServiceDistribution, MAX_CV};
mod access;
mod fields;
mod names;
mod scaling;
pub use scaling::schedule_of;
mod station;

use fields::{line_column, load_shape, toml_message, At};
use names::printable_text;
pub use names::{name_problem, unprintable, MAX_NAME, MAX_STATIONS};
use station::station_of;
pub use station::Station;

/// Whether due times are drawn: `[load] arrivals` in a scenario file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ArrivalKind {
    /// Client *i* due at (i − 1) × period: the seed's metronome.
    Fixed,
    /// Exponential gaps drawn from the seeded stream.
    Poisson,
}

/// The load test a scenario runs when the command line does not say otherwise.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadDefaults {
    /// Clients per load test, when `--clients` does not say.
    pub clients: u32,
    /// A client is satisfied when its latency is strictly under this.
    pub timeout: Seconds,
    /// The share of clients that must beat `timeout` when `[load] slo` says so (`p99 < …`:
    /// 99 %); `None`: the command line's `--min-satisfaction` (100 % by default).
    pub share: Option<crate::model::objective::Share>,
    /// The rate of a constant load; with `stages`, their peak, for the commands that take
    /// one rate (a search's target, compare's guide).
    pub rate: Rate,
    /// `[load] stages`: the rate over time (from `rate`, the start rate), which then decides
    /// how many clients come.
    pub stages: Option<Arc<Profile>>,
    /// `[load] arrivals`, when the file says; the command line overrides it.
    pub arrivals: Option<ArrivalKind>,
    /// `[load] patience`: clients give up after this long (`run --patience`).
    pub patience: Option<Seconds>,
    /// `[load] retries` (at most 100) and `backoff`: fresh attempts after giving up.
    pub retries: Option<u32>,
    /// `[load] backoff`: the first retry's wait, doubled each time; `--backoff` overrides it.
    pub backoff: Option<Seconds>,
    /// `[load] users`, `think`, `think_distribution` and `duration`: a closed loop by default
    /// (`--users` and its flags override each part; a rate, period, stage, replay, client
    /// count or patience on the command line runs the open loop instead).
    pub closed: Option<ClosedDefaults>,
}

/// A scenario's closed loop: `users` repeat request → response → think.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ClosedDefaults {
    /// How many users loop.
    pub users: NonZeroU32,
    /// Mean think time in seconds, 0 or more (0 when the file does not say).
    pub think: f64,
    /// Whether think times are drawn from an exponential around `think`.
    pub think_exponential: bool,
    /// How long the loop runs: no request starts after it (600 s when the file does not say).
    pub duration: Option<Seconds>,
}

/// `[load] think_distribution`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
enum ThinkKind {
    Fixed,
    Exponential,
}

/// Prices per core and per GiB, and the unit they are in.
#[derive(Debug, Clone, PartialEq)]
pub struct Prices {
    /// Per core, in `currency` (the embedded scenario: $ per month).
    pub cpu: f64,
    /// Per GiB, in `currency`.
    pub ram: f64,
    /// Printed after every price, as the file writes it (`$/month`).
    pub currency: String,
}

/// A strategy as the scenario's `[strategies]` writes it: `compare` resolves it against the
/// stations (the scenario itself stays below configurations in the flow of data).
#[derive(Debug, Clone, PartialEq)]
pub struct StrategyText {
    /// As the file writes it, and as reports label the strategy (`+1 cook`).
    pub name: String,
    /// `soda.units=2,burger.units=4`, `optimize`, or empty for the baseline.
    pub plan: String,
    /// Where the plan is written, for messages: (line, column), 1-based.
    pub at: (usize, usize),
}

/// A validated scenario file: every station, the default load test, the prices and the
/// request classes, with every cross-reference checked.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    /// Where it came from, for messages.
    source: String,
    /// Short name for reports (`fastfood`).
    name: String,
    /// One line for humans, shown in reports.
    description: String,
    /// Model seconds per engine step; service times and timeouts must be whole steps of it.
    resolution: Resolution,
    /// In file order, which is the order of levers, of configuration values and of report
    /// columns.
    stations: Vec<Station>,
    /// The `[load]` table, before the command line overrides it.
    load: LoadDefaults,
    /// As the file gives them; `--cpu-price` and `--ram-price` override them per command.
    prices: Prices,
    /// The strategies `compare` shows by default, in file order.
    strategies: Vec<StrategyText>,
    /// Every file reading it read, with what each is: its own file (when loaded from one)
    /// and its empirical stations' samples. No output may replace any of them.
    files_read: Vec<(&'static str, std::path::PathBuf)>,
    /// The request classes, in file order; empty for the tutorial's single fan-out class.
    requests: Vec<RequestClass>,
    /// What the engine walks: each class's plan, or the fan-out over every station.
    plans: std::sync::Arc<[crate::model::plan::Plan]>,
    /// Each station's service distribution, shared by every replication's draws.
    distributions: std::sync::Arc<[ServiceDistribution]>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScenario {
    name: Spanned<String>,
    description: Option<Spanned<String>>,
    resolution: Option<Spanned<f64>>,
    #[serde(default)]
    load: RawLoad,
    #[serde(default)]
    cost: RawCost,
    #[serde(rename = "station")]
    stations: Spanned<Vec<Spanned<RawStation>>>,
    #[serde(default)]
    strategies: IndexMap<String, Spanned<String>>,
    #[serde(default, rename = "request")]
    requests: Vec<Spanned<RawRequest>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawLoad {
    clients: Option<Spanned<u32>>,
    timeout: Option<Seconds>,
    /// `"p99 < 300ms"`: the timeout and the share in words.
    slo: Option<Spanned<String>>,
    rate: Option<Spanned<f64>>,
    stages: Option<Spanned<Vec<Spanned<RawStage>>>>,
    arrivals: Option<ArrivalKind>,
    patience: Option<Seconds>,
    retries: Option<Spanned<u32>>,
    backoff: Option<Spanned<Seconds>>,
    users: Option<Spanned<u32>>,
    think: Option<Spanned<Duration>>,
    think_distribution: Option<Spanned<ThinkKind>>,
    duration: Option<Spanned<Seconds>>,
}

/// One `[load] stages` entry, k6's `{ duration = "10m", target = 800 }`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStage {
    duration: Duration,
    target: f64,
}

/// The tutorial's load test: 10 clients, 5 s, and the manager's 2 clients per second.
const DEFAULT_CLIENTS: u32 = 10;
const DEFAULT_TIMEOUT_S: f64 = 5.0;
const DEFAULT_RATE: f64 = 2.0;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCost {
    #[serde(default = "one")]
    cpu_price: NonNegative,
    #[serde(default = "one")]
    ram_price: NonNegative,
    #[serde(default = "default_currency")]
    currency: String,
}

/// Without a `[cost]` section a core and a GiB cost one unit each.
impl Default for RawCost {
    fn default() -> Self {
        RawCost {
            cpu_price: one(),
            ram_price: one(),
            currency: default_currency(),
        }
    }
}

fn one() -> NonNegative {
    NonNegative(1.0)
}

fn default_currency() -> String {
    "$".into()
}

#[derive(Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
enum RawKind {
    Pool,
    Batch,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStation {
    name: Spanned<String>,
    kind: RawKind,
    /// Seconds, a duration string, or `{ p50 = …, p99 = … }`: see [`service_of`].
    service: Option<Spanned<toml::Value>>,
    /// With `distribution = "empirical"`: a file of measured service times.
    samples: Option<Spanned<String>>,
    units: Option<NonZeroU32>,
    batch: Option<NonZeroU32>,
    unit: Option<Spanned<String>>,
    units_name: Option<Spanned<String>>,
    device: Option<Spanned<String>>,
    #[serde(default)]
    cpu_per_unit: NonNegative,
    #[serde(default)]
    ram_gib_per_unit: NonNegative,
    #[serde(default)]
    cpu_fixed: NonNegative,
    #[serde(default)]
    ram_gib_fixed: NonNegative,
    range: Option<Spanned<RawRange>>,
    #[serde(default)]
    distribution: Option<Spanned<RawDistribution>>,
    cv: Option<Spanned<f64>>,
    schedule: Option<Spanned<Vec<Spanned<scaling::RawEntry>>>>,
    autoscale: Option<Spanned<scaling::RawAutoscale>>,
}

/// A station's `range`: the text forms of [`Values::parse`] or a TOML array of whole numbers.
enum RawRange {
    Text(String),
    List(Vec<i64>),
}

impl<'de> Deserialize<'de> for RawRange {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = RawRange;

            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str(
                    "a range such as \"1..=4\", \"5,7\" or \"1..=4,6\", or an array such as [5, 7]",
                )
            }

            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<RawRange, E> {
                Ok(RawRange::Text(v.to_string()))
            }

            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<RawRange, E> {
                Ok(RawRange::List(vec![v]))
            }

            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<RawRange, A::Error> {
                let mut list = Vec::new();
                while let Some(v) = seq.next_element::<i64>()? {
                    list.push(v);
                }
                Ok(RawRange::List(list))
            }
        }
        d.deserialize_any(Visitor)
    }
}

#[derive(Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
enum RawDistribution {
    Fixed,
    Exponential,
    Uniform,
    Lognormal,
    Empirical,
}

/// A finite number ≥ 0 (a price, a cost per unit).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct NonNegative(f64);

impl<'de> Deserialize<'de> for NonNegative {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = f64::deserialize(d)?;
        if v.is_finite() && v >= 0.0 {
            Ok(NonNegative(v))
        } else {
            Err(serde::de::Error::custom(format!(
                "must be a finite number ≥ 0, got {}",
                crate::model::units::number(v)
            )))
        }
    }
}

impl Scenario {
    /// The embedded default scenario.
    pub fn embedded() -> Scenario {
        Scenario::parse(DEFAULT_TEXT, DEFAULT_NAME).expect("the embedded scenario is valid")
    }

    /// Reads and parses a scenario file.
    pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| ScenarioError::Read {
            file: file.clone(),
            reason: e.to_string(),
        })?;
        let mut scenario = Scenario::parse(&text, &file)?;
        scenario
            .files_read
            .insert(0, ("scenario file", path.to_path_buf()));
        Ok(scenario)
    }

    /// An error at a place of this scenario's file (`file:line:column: message`).
    pub fn error_at(&self, at: (usize, usize), message: String) -> ScenarioError {
        ScenarioError::Invalid {
            file: self.source.clone(),
            line: at.0,
            column: at.1,
            message,
        }
    }

    /// Parses scenario text; `file` names it in errors.
    pub fn parse(text: &str, file: &str) -> Result<Scenario, ScenarioError> {
        let at = |span: Option<std::ops::Range<usize>>, message: String| {
            let (line, column) = match span {
                Some(span) => line_column(text, span.start),
                None => (1, 1),
            };
            ScenarioError::Invalid {
                file: file.to_string(),
                line,
                column,
                message,
            }
        };
        let raw: RawScenario =
            toml::from_str(text).map_err(|e| at(e.span(), toml_message(&e, text)))?;

        let resolution = match &raw.resolution {
            None => Resolution::MILLISECOND,
            Some(r) => Resolution::from_seconds(*r.get_ref())
                .map_err(|m| at(Some(r.span()), format!("resolution {m}")))?,
        };
        if raw.stations.get_ref().is_empty() {
            return Err(at(
                Some(raw.stations.span()),
                "a scenario needs at least one [[station]]".into(),
            ));
        }
        if let Some(extra) = raw.stations.get_ref().get(MAX_STATIONS) {
            return Err(at(
                Some(extra.span()),
                format!(
                    "a scenario holds at most {MAX_STATIONS} stations; this one has {}",
                    raw.stations.get_ref().len()
                ),
            ));
        }
        let mut stations: Vec<Station> = Vec::new();
        let mut taken = std::collections::HashSet::new();
        let mut files_read = Vec::new();
        for spanned in raw.stations.get_ref() {
            let (station, samples) = station_of(spanned, &taken, resolution, file, &at)?;
            files_read.extend(samples.map(|s| ("samples file", s)));
            taken.insert(station.name().to_string());
            stations.push(station);
        }
        if let Some(problem) = name_problem("scenario", raw.name.get_ref()) {
            return Err(at(Some(raw.name.span()), problem));
        }
        if let Some(description) = &raw.description {
            printable_text("description", description, &at)?;
        }
        let load = load_of(&raw.load, &at)?;
        let requests = requests_of(&raw.requests, &stations, resolution, text, &at)?;
        // Retries shape what a client does after giving up: without any patience they would
        // silently do nothing, as `--retries` without `--patience` is refused.
        let patience = raw.load.patience.is_some() || requests.iter().any(|r| r.patience.is_some());
        let retry_key = [
            raw.load.retries.as_ref().map(|r| ("retries", r.span())),
            raw.load.backoff.as_ref().map(|b| ("backoff", b.span())),
        ];
        if let (false, Some((key, span))) = (patience, retry_key.into_iter().flatten().next()) {
            return Err(at(
                Some(span),
                format!("load.{key} shapes retries, but no client gives up: set load.patience (or a request's patience)"),
            ));
        }
        let strategies = raw
            .strategies
            .iter()
            .map(|(name, plan)| StrategyText {
                name: name.clone(),
                plan: plan.get_ref().clone(),
                at: line_column(text, plan.span().start),
            })
            .collect();
        let plans = if requests.is_empty() {
            vec![crate::model::plan::Plan::fan_out(stations.len())].into()
        } else {
            requests
                .iter()
                .map(|r: &RequestClass| r.plan.clone())
                .collect()
        };
        let distributions = stations.iter().map(|s| s.distribution().clone()).collect();
        Ok(Scenario {
            strategies,
            files_read,
            requests,
            plans,
            distributions,
            source: file.to_string(),
            name: raw.name.into_inner(),
            description: raw.description.map(Spanned::into_inner).unwrap_or_default(),
            resolution,
            stations,
            load,
            prices: Prices {
                cpu: raw.cost.cpu_price.0,
                ram: raw.cost.ram_price.0,
                currency: raw.cost.currency,
            },
        })
    }
}

/// The `[load]` table, checked: the default load test of [`Scenario::parse`].
fn load_of(load: &RawLoad, at: &At<'_>) -> Result<LoadDefaults, ScenarioError> {
    let clients = load
        .clients
        .as_ref()
        .map_or(DEFAULT_CLIENTS, |c| *c.get_ref());
    if clients == 0 || clients > MAX_CLIENTS {
        return Err(at(
            load.clients.as_ref().map(|c| c.span()),
            format!("load.clients must be between 1 and {MAX_CLIENTS}, got {clients}"),
        ));
    }
    let (rate, stages) = load_shape(load).map_err(|(span, m)| at(span, m))?;
    let slo = match &load.slo {
        None => None,
        Some(text) => {
            if load.timeout.is_some() {
                return Err(at(
                    Some(text.span()),
                    "load.slo and load.timeout both set the timeout: give one".into(),
                ));
            }
            Some(
                crate::model::objective::Slo::parse(text.get_ref())
                    .map_err(|e| at(Some(text.span()), format!("load.slo: {e}")))?,
            )
        }
    };
    Ok(LoadDefaults {
        clients,
        share: slo.map(|s| s.share),
        timeout: slo
            .map(|s| s.timeout)
            .or(load.timeout)
            .unwrap_or(Seconds::new(DEFAULT_TIMEOUT_S).expect("positive")),
        rate,
        stages,
        arrivals: load.arrivals,
        patience: load.patience,
        retries: match &load.retries {
            Some(r) if *r.get_ref() > 100 => {
                return Err(at(
                    Some(r.span()),
                    format!("load.retries must be at most 100, got {}", r.get_ref()),
                ))
            }
            r => r.as_ref().map(|r| *r.get_ref()),
        },
        backoff: load.backoff.as_ref().map(|b| *b.get_ref()),
        closed: closed_of(load, at)?,
    })
}

/// `[load] users` and the keys that only make sense with it.
fn closed_of(load: &RawLoad, at: &At<'_>) -> Result<Option<ClosedDefaults>, ScenarioError> {
    let Some(users) = &load.users else {
        let stray = [
            load.think.as_ref().map(|t| ("think", t.span())),
            load.think_distribution
                .as_ref()
                .map(|t| ("think_distribution", t.span())),
            load.duration.as_ref().map(|t| ("duration", t.span())),
        ];
        if let Some((key, span)) = stray.into_iter().flatten().next() {
            return Err(at(
                Some(span),
                format!("load.{key} describes a closed loop: it needs load.users"),
            ));
        }
        return Ok(None);
    };
    if let Some(stages) = &load.stages {
        return Err(at(
            Some(stages.span()),
            "load.stages describes arrivals at a rate, but load.users makes the default load a closed loop: give one".into(),
        ));
    }
    if load.arrivals.is_some() {
        return Err(at(
            Some(users.span()),
            "load.users makes the default load a closed loop, where requests follow responses and think times: drop load.arrivals".into(),
        ));
    }
    let Some(users) = NonZeroU32::new(*users.get_ref()) else {
        return Err(at(
            Some(users.span()),
            "load.users must be at least 1, got 0".into(),
        ));
    };
    Ok(Some(ClosedDefaults {
        users,
        think: load.think.as_ref().map_or(0.0, |t| t.get_ref().0),
        think_exponential: load
            .think_distribution
            .as_ref()
            .is_some_and(|k| *k.get_ref() == ThinkKind::Exponential),
        duration: load.duration.as_ref().map(|d| *d.get_ref()),
    }))
}

impl Scenario {
    /// One line when a search space (one [`Values`] per station) leaves out a baseline value.
    /// The baseline then stays the reference every cost delta is measured from, but it is
    /// never load-tested, so "nothing cheaper passes" silently skips it: say so rather than
    /// add a value the user did not ask for.
    pub fn baseline_left_out(&self, levers: &[Values]) -> Option<String> {
        let missing: Vec<String> = self
            .stations
            .iter()
            .zip(levers)
            .filter(|(s, v)| !v.as_slice().contains(&s.baseline()))
            .map(|(s, v)| format!("{}={} (range {v})", s.lever_name(), s.baseline()))
            .collect();
        if missing.is_empty() {
            return None;
        }
        let (them, range) = if missing.len() == 1 {
            ("its value", "range")
        } else {
            ("those values", "ranges")
        };
        Some(format!(
            "the search space leaves out the baseline's {}: the baseline is not load-tested, only used as the reference for costs; add {them} to the {range} to consider it",
            missing.join(" and ")
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_scenario_is_the_tutorials() {
        let s = Scenario::embedded();
        let names: Vec<&str> = s.stations.iter().map(|s| s.name()).collect();
        assert_eq!(names, ["soda", "burger", "fries"]);
        let steps: Vec<u64> = s.stations.iter().map(|s| s.service_steps()).collect();
        assert_eq!(steps, [1000, 3000, 4000]);
        let base: Vec<u32> = s.stations.iter().map(|s| s.baseline()).collect();
        assert_eq!(base, [1, 3, 5]);
        assert_eq!(s.load.clients, 10);
        assert_eq!(s.load.timeout.get(), 5.0);
    }

    #[test]
    fn errors_name_file_line_and_field() {
        let text = DEFAULT_TEXT.replace("units = 3", "units = 0");
        let err = Scenario::parse(&text, "x.toml").unwrap_err().to_string();
        assert!(err.starts_with("x.toml:"), "{err}");
        let line = text
            .lines()
            .position(|l| l.starts_with("units = 0"))
            .unwrap()
            + 1;
        assert!(err.contains(&format!(":{line}:")), "{err}");

        let text = DEFAULT_TEXT.replace("service = 3.0", "service = 3.0005");
        let err = Scenario::parse(&text, "x.toml").unwrap_err().to_string();
        assert!(err.contains("not a whole number of steps"), "{err}");
    }
}
