//! Pieces that several JSON documents share, so that they read the same everywhere.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::config::Config;
use crate::scenario::Scenario;
use crate::stats::{self, Summary};
use crate::units::{Resolution, Seconds};

/// A configuration as `{"soda.units": 2, "burger.units": 5, "fries.batch": 7}`.
pub fn levers(scenario: &Scenario, config: &Config) -> BTreeMap<String, u32> {
    scenario
        .stations
        .iter()
        .zip(config.values())
        .map(|(s, &v)| (s.lever_name(), v))
        .collect()
}

/// One load test's verdict and latencies, in seconds.
#[derive(Serialize)]
pub struct JsonSummary {
    satisfied: usize,
    clients: usize,
    satisfaction: f64,
    p50_s: f64,
    p95_s: f64,
    max_s: f64,
    headroom_s: f64,
}

impl JsonSummary {
    pub fn new(summary: &Summary, resolution: Resolution, timeout: Seconds) -> JsonSummary {
        JsonSummary {
            satisfied: summary.satisfied,
            clients: summary.clients,
            satisfaction: summary.satisfaction,
            p50_s: resolution.to_seconds(summary.p50_steps),
            p95_s: resolution.to_seconds(summary.p95_steps),
            max_s: resolution.to_seconds(summary.max_steps),
            headroom_s: stats::headroom(summary, resolution, timeout),
        }
    }
}
