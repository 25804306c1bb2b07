//! Pieces that several JSON documents share, so that they read the same everywhere: one
//! shape for a configuration, for a load test and for prices, every time in seconds.

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::Serialize;

use crate::model::config::Config;
use crate::model::objective::Share;
use crate::model::scenario::{Prices, Scenario};
use crate::model::units::{Resolution, Seconds};
use crate::outcome::stats::{self, Summary};
use crate::workload::clients::Clients;
use crate::workload::{Arrivals, LoadTest};

/// A configuration as `{"soda.units": 2, "burger.units": 5, "fries.batch": 7}`, in scenario
/// order: the order of the scenario file, of every table and of the CSV columns, so that a
/// reader sees the same configuration in the same order everywhere.
pub fn levers(scenario: &Scenario, config: &Config) -> IndexMap<String, u32> {
    scenario
        .stations()
        .iter()
        .zip(config.values())
        .map(|(s, &v)| (s.lever_name(), v))
        .collect()
}

/// Every input of a load test that shapes its result, so that a document can be reproduced
/// from itself alone.
#[derive(Serialize, JsonSchema)]
pub struct JsonLoad {
    clients: u32,
    /// `fixed` (client i due at (i − 1) × period) or `poisson`.
    arrivals: &'static str,
    #[serde(flatten)]
    schedule: JsonSchedule,
    timeout_s: f64,
    /// The first `warmup` clients load the stations but are left out of the statistics.
    warmup: u32,
    /// `null` when nothing is drawn at random: the seed then changes nothing.
    seed: Option<u64>,
    /// How many runs the statistics cover (1 when nothing is random: they would all agree).
    replications: u32,
}

#[derive(Serialize, JsonSchema)]
struct JsonSchedule {
    /// Clients per second; `null` for a burst (everyone at once).
    rate: Option<f64>,
    /// Seconds between two clients (the mean gap with Poisson arrivals); 0 for a burst.
    period_s: f64,
}

impl JsonLoad {
    /// The same load, its seed shown and its replications counted: something the load
    /// itself does not draw is drawn (think times, retry jitter).
    pub fn drawn(self, seed: u64, replications: u32) -> JsonLoad {
        JsonLoad {
            seed: Some(seed),
            replications,
            ..self
        }
    }

    /// The scenario decides whether anything is random, hence whether the seed is shown.
    pub fn new(scenario: &Scenario, load: &LoadTest) -> JsonLoad {
        let (arrivals, schedule) = match &load.arrivals {
            Arrivals::Fixed(p) => (
                "fixed",
                JsonSchedule {
                    rate: p.rate(),
                    period_s: p.get(),
                },
            ),
            Arrivals::Poisson(r) => (
                "poisson",
                JsonSchedule {
                    rate: Some(r.get()),
                    period_s: r.period().get(),
                },
            ),
            // Stages: their peak rate; a replay: its mean rate.
            other => (
                other.kind(),
                JsonSchedule {
                    rate: load.rate(),
                    period_s: load.rate().map_or(0.0, |r| 1.0 / r),
                },
            ),
        };
        let random = load.is_random(scenario);
        JsonLoad {
            clients: load.clients,
            arrivals,
            schedule,
            timeout_s: load.timeout.get(),
            warmup: load.warmup,
            seed: random.then_some(load.seed),
            replications: load.runs(scenario),
        }
    }
}

/// A load test with the share of clients that must be served in time: what a search or a
/// comparison holds every configuration to.
#[derive(Serialize, JsonSchema)]
pub struct JsonTarget {
    #[serde(flatten)]
    load: JsonLoad,
    /// Percent of clients (after the warm-up) that must be satisfied.
    min_satisfaction: f64,
    /// The rules clients follow when they think, give up or retry; absent when they all
    /// wait.
    #[serde(skip_serializing_if = "Option::is_none")]
    client_rules: Option<Clients>,
}

impl JsonTarget {
    /// `share` is shown in percent, as the command line takes it.
    pub fn new(load: JsonLoad, share: Share) -> JsonTarget {
        JsonTarget {
            load,
            min_satisfaction: share.percent(),
            client_rules: None,
        }
    }

    /// The same target judged with clients that think, give up or retry.
    pub fn with_clients(self, client_rules: Option<Clients>) -> JsonTarget {
        JsonTarget {
            client_rules,
            ..self
        }
    }
}

/// The prices every cost in a document was computed with.
#[derive(Serialize, JsonSchema)]
pub struct JsonPrices {
    cpu_per_core: f64,
    ram_per_gib: f64,
    currency: String,
}

impl JsonPrices {
    /// The prices actually used, which a flag may have changed from the scenario's.
    pub fn new(prices: &Prices) -> JsonPrices {
        JsonPrices {
            cpu_per_core: prices.cpu,
            ram_per_gib: prices.ram,
            currency: prices.currency.clone(),
        }
    }
}

/// One load test's verdict and latencies, in seconds.
#[derive(Serialize, JsonSchema)]
pub struct JsonSummary {
    satisfied: usize,
    clients: usize,
    satisfaction: f64,
    p50_s: f64,
    p95_s: f64,
    p99_s: f64,
    max_s: f64,
    /// The timeout minus the worst latency; `null` when request classes are judged by timeouts
    /// of their own, since no one timeout then speaks for every client.
    headroom_s: Option<f64>,
    /// A closed loop's requests completed per second.
    #[serde(skip_serializing_if = "Option::is_none")]
    throughput: Option<f64>,
}

impl JsonSummary {
    /// Latencies are counted in steps; `resolution` turns them into seconds and `timeout`, the
    /// one timeout every client is judged by ([`crate::workload::common_timeout`]), gives the
    /// headroom (timeout minus the worst latency).
    pub fn new(summary: &Summary, resolution: Resolution, timeout: Option<Seconds>) -> JsonSummary {
        JsonSummary {
            satisfied: summary.satisfied,
            clients: summary.clients,
            satisfaction: summary.satisfaction,
            p50_s: resolution.to_seconds(summary.p50_steps),
            p95_s: resolution.to_seconds(summary.p95_steps),
            p99_s: resolution.to_seconds(summary.p99_steps),
            max_s: resolution.to_seconds(summary.max_steps),
            headroom_s: timeout.map(|t| stats::headroom(summary, resolution, t)),
            throughput: summary.throughput,
        }
    }
}

/// A summary over several replications: the means (in the fields a single run has) and
/// their 95 % intervals.
#[derive(Serialize, JsonSchema)]
pub struct JsonReplicated {
    #[serde(flatten)]
    summary: JsonSummary,
    spread: Option<stats::Spread>,
}

impl JsonReplicated {
    /// As [`JsonSummary::new`]; `spread` is `null` for a single run.
    pub fn new(
        summary: &Summary,
        resolution: Resolution,
        timeout: Option<Seconds>,
    ) -> JsonReplicated {
        JsonReplicated {
            summary: JsonSummary::new(summary, resolution, timeout),
            spread: summary.spread.clone(),
        }
    }
}
