//! CSV rows shared by the search and compare reports: one row per load-tested
//! configuration, the lever columns first, in a fixed column order documented in docs/search.md ("planner sweep").

use serde::Serialize;

use crate::model::capacity::Capacity;
use crate::model::config::Config;
use crate::model::cost::{self, Cost};
use crate::model::objective::Share;
use crate::model::scenario::Scenario;
use crate::outcome::stats::Summary;
use crate::outcome::verdict::Call;
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
    /// The one timeout every client is judged by; empty when request classes have their
    /// own (each class's `timeout_<class>` column).
    timeout: Option<f64>,
    satisfied: usize,
    satisfaction: f64,
    p50_s: f64,
    p95_s: f64,
    p99_s: f64,
    max_s: f64,
    meets_target: bool,
    /// `verdict` (meets, fails, too_close_to_call), only for a random test: a deterministic
    /// one is decided exactly, and its CSV stays as it was.
    verdict: Vec<&'static str>,
    replications: usize,
    satisfaction_low: Option<f64>,
    satisfaction_high: Option<f64>,
    mean_s: f64,
    capacity: Vec<f64>,
    bottleneck: String,
    /// `satisfaction_<class>,satisfaction_low_<class>,satisfaction_high_<class>,p99_s_<class>,
    /// timeout_<class>,min_satisfaction_<class>` per class, only for a scenario with classes;
    /// a class with no client has empty cells but its satisfaction and its objective.
    classes: Vec<ClassColumns>,
}

/// One class's columns: satisfaction, its interval's low and high, p99 in seconds, then its
/// objective: its timeout in seconds and the share of its clients that must beat it.
type ClassColumns = (f64, Option<f64>, Option<f64>, Option<f64>, f64, f64);

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

/// The whole header: levers, the fixed columns (with `verdict` after `meets_target` when
/// `random`), each station's capacity, the bottleneck, then each request class's
/// satisfaction, its interval, p99 and objective (only for a scenario with classes).
pub(super) fn csv_header(scenario: &Scenario, random: bool) -> Vec<String> {
    let mut header: Vec<String> = scenario.stations().iter().map(|s| s.lever_name()).collect();
    for c in CSV_COLUMNS {
        header.push(c.to_string());
        if random && *c == "meets_target" {
            header.push("verdict".into());
        }
    }
    header.extend(
        scenario
            .stations()
            .iter()
            .map(|s| format!("capacity_{}", s.name())),
    );
    header.push("bottleneck".into());
    for r in scenario.requests() {
        header.extend(
            [
                "satisfaction",
                "satisfaction_low",
                "satisfaction_high",
                "p99_s",
                "timeout",
                "min_satisfaction",
            ]
            .map(|column| format!("{column}_{}", r.name)),
        );
    }
    header
}

impl Row {
    /// One configuration's row; `cost` and `s` must be `config`'s, tested under `load` with
    /// `share` of clients to satisfy; `call`, its verdict when the test is random (the
    /// `verdict` column).
    pub(super) fn new(
        scenario: &Scenario,
        config: &Config,
        cost: &Cost,
        s: &Summary,
        (load, share): (&LoadTest, Share),
        call: Option<Call>,
    ) -> Row {
        let objectives = crate::workload::objectives(scenario, load, share);
        let res = scenario.resolution();
        let cap = Capacity::of(scenario, config);
        let interval = s.satisfaction_interval();
        Row {
            levers: config.values().to_vec(),
            capacity: cap.per_station.iter().map(|&c| cost::tidy(c)).collect(),
            bottleneck: scenario.stations()[cap.bottleneck].name().to_string(),
            cpu_cores: cost::tidy(cost.cpu_cores),
            ram_gib: cost::tidy(cost.ram_gib),
            cost: cost::tidy(cost.price),
            clients: s.clients,
            rate: load.rate(),
            timeout: crate::workload::common_timeout(scenario, load).map(|t| t.get()),
            satisfied: s.satisfied,
            satisfaction: cost::tidy(s.satisfaction),
            p50_s: res.to_seconds(s.p50_steps),
            p95_s: res.to_seconds(s.p95_steps),
            p99_s: res.to_seconds(s.p99_steps),
            max_s: res.to_seconds(s.max_steps),
            meets_target: s.meets_target,
            verdict: call.map(Call::key).into_iter().collect(),
            replications: s.spread.as_ref().map_or(1, |sp| sp.replications),
            satisfaction_low: interval.map(|(low, _)| cost::tidy(low)),
            satisfaction_high: interval.map(|(_, high)| cost::tidy(high)),
            mean_s: cost::tidy(s.mean_steps * res.seconds()),
            classes: s
                .classes
                .iter()
                .zip(&objectives)
                .map(|(c, (timeout, share))| {
                    (
                        cost::tidy(c.satisfaction),
                        c.interval.map(|(low, _)| cost::tidy(low)),
                        c.interval.map(|(_, high)| cost::tidy(high)),
                        c.p99_steps.map(|p| res.to_seconds(p)),
                        timeout.get(),
                        share.percent(),
                    )
                })
                .collect(),
        }
    }
}
