//! CSV rows shared by the search and compare reports: one row per load-tested
//! configuration, the lever columns first, in a fixed column order documented in README.

use serde::Serialize;

use crate::model::capacity::Capacity;
use crate::model::config::Config;
use crate::model::cost::{self, Cost};
use crate::model::scenario::Scenario;
use crate::outcome::stats::Summary;
use crate::workload::LoadTest;

/// One row of the cost-vs-satisfaction CSV. The csv crate flattens the vectors into one
/// column per lever and one per station.
#[derive(Serialize)]
pub(super) struct Row {
    levers: Vec<u32>,
    cpu_cores: f64,
    ram_gib: f64,
    cost: f64,
    clients: usize,
    rate: Option<f64>,
    timeout: f64,
    satisfied: usize,
    satisfaction: f64,
    p50_s: f64,
    p95_s: f64,
    p99_s: f64,
    max_s: f64,
    meets_target: bool,
    replications: usize,
    satisfaction_low: f64,
    satisfaction_high: f64,
    mean_s: f64,
    capacity: Vec<f64>,
    bottleneck: String,
    /// `satisfaction_<class>` columns, only for a scenario with classes.
    class_satisfaction: Vec<f64>,
}

/// The fixed columns that follow the lever columns (then `capacity_<station>…,bottleneck`).
pub const CSV_COLUMNS: &[&str] = &[
    "cpu_cores",
    "ram_gib",
    "cost",
    "clients",
    "rate",
    "timeout",
    "satisfied",
    "satisfaction",
    "p50_s",
    "p95_s",
    "p99_s",
    "max_s",
    "meets_target",
    "replications",
    "satisfaction_low",
    "satisfaction_high",
    "mean_s",
];

/// The whole header: levers, the fixed columns, each station's capacity, the bottleneck,
/// then each request class's satisfaction (only for a scenario with classes).
pub(super) fn csv_header(scenario: &Scenario) -> Vec<String> {
    let mut header: Vec<String> = scenario.stations().iter().map(|s| s.lever_name()).collect();
    header.extend(CSV_COLUMNS.iter().map(|c| c.to_string()));
    header.extend(
        scenario
            .stations()
            .iter()
            .map(|s| format!("capacity_{}", s.name())),
    );
    header.push("bottleneck".into());
    header.extend(
        scenario
            .requests()
            .iter()
            .map(|r| format!("satisfaction_{}", r.name)),
    );
    header
}

impl Row {
    /// One configuration's row; `cost` and `s` must be `config`'s, tested under `load`.
    pub(super) fn new(
        scenario: &Scenario,
        config: &Config,
        cost: &Cost,
        s: &Summary,
        load: &LoadTest,
    ) -> Row {
        let res = scenario.resolution();
        let cap = Capacity::of(scenario, config);
        Row {
            levers: config.values().to_vec(),
            capacity: cap.per_station.iter().map(|&c| cost::tidy(c)).collect(),
            bottleneck: scenario.stations()[cap.bottleneck].name().to_string(),
            cpu_cores: cost::tidy(cost.cpu_cores),
            ram_gib: cost::tidy(cost.ram_gib),
            cost: cost::tidy(cost.price),
            clients: s.clients,
            rate: load.rate(),
            timeout: load.timeout.get(),
            satisfied: s.satisfied,
            satisfaction: cost::tidy(s.satisfaction),
            p50_s: res.to_seconds(s.p50_steps),
            p95_s: res.to_seconds(s.p95_steps),
            p99_s: res.to_seconds(s.p99_steps),
            max_s: res.to_seconds(s.max_steps),
            meets_target: s.meets_target,
            replications: s.spread.as_ref().map_or(1, |sp| sp.replications),
            satisfaction_low: cost::tidy(
                s.spread
                    .as_ref()
                    .map_or(s.satisfaction, |sp| sp.satisfaction.low),
            ),
            satisfaction_high: cost::tidy(
                s.spread
                    .as_ref()
                    .map_or(s.satisfaction, |sp| sp.satisfaction.high),
            ),
            mean_s: cost::tidy(s.mean_steps * res.seconds()),
            class_satisfaction: s
                .class_satisfaction
                .iter()
                .map(|&c| cost::tidy(c))
                .collect(),
        }
    }
}
