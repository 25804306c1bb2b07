//! Per-class blocks of a report: each request class's clients, satisfied share, latency
//! percentiles and whether it met its own objective.

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::Serialize;

use crate::model::objective::Share;
use crate::model::scenario::Scenario;
use crate::model::units::{Resolution, Seconds, TimeUnit};
use crate::outcome::verdict::ClassVerdict;
use crate::report::format::{duration_in, trim_float};
use crate::workload::LoadTest;

/// The timeout a client of `class` is judged by: its class's, unless `--timeout` overrides.
pub fn timeout_of(scenario: &Scenario, load: &LoadTest, class: u32) -> Seconds {
    match scenario.requests().get(class as usize) {
        Some(r) if !load.timeout_given => r.timeout.unwrap_or(load.timeout),
        _ => load.timeout,
    }
}

/// "browse: 99% under 300 ms, checkout: every latency under 1000 ms": each class's objective,
/// in the report's unit.
pub fn objectives_text(
    scenario: &Scenario,
    load: &LoadTest,
    share: Share,
    unit: TimeUnit,
) -> String {
    crate::workload::objectives(scenario, load, share)
        .iter()
        .zip(scenario.requests())
        .map(|((timeout, share), r)| {
            let who = if share.percent() >= 100.0 {
                "every latency".to_string()
            } else {
                format!("{}% of latencies", trim_float(share.percent()))
            };
            format!(
                "{}: {who} under {}",
                r.name,
                duration_in(timeout.get(), unit)
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The table's per-class block ("" without classes), latencies in the report's unit.
pub fn block(classes: &[ClassVerdict], res: Resolution, unit: TimeUnit) -> String {
    if classes.is_empty() {
        return String::new();
    }
    let col = |p: &str| format!("{p} ({})", unit.symbol());
    let (p50, p95, p99, max) = (col("p50"), col("p95"), col("p99"), col("max"));
    let mut table = super::table::Table::new(&[
        ("class", super::table::Align::Left),
        ("clients", super::table::Align::Right),
        ("satisfied", super::table::Align::Right),
        (p50.as_str(), super::table::Align::Right),
        (p95.as_str(), super::table::Align::Right),
        (p99.as_str(), super::table::Align::Right),
        (max.as_str(), super::table::Align::Right),
        ("objective", super::table::Align::Left),
        ("met", super::table::Align::Left),
    ]);
    for c in classes {
        let objective = format!(
            "{}% under {}",
            trim_float(c.share.percent()),
            duration_in(c.timeout.get(), unit)
        );
        let met = if c.meets() { "yes" } else { "NO" };
        let row = match &c.summary {
            Some(s) => vec![
                c.name.clone(),
                s.clients.to_string(),
                format!(
                    "{}%",
                    crate::report::format::percent_words(s.satisfied, s.clients)
                ),
                unit.format(res, s.p50_steps),
                unit.format(res, s.p95_steps),
                unit.format(res, s.p99_steps),
                unit.format(res, s.max_steps),
                objective,
                met.into(),
            ],
            None => vec![
                c.name.clone(),
                "0".into(),
                "-".into(),
                "-".into(),
                "-".into(),
                "-".into(),
                "-".into(),
                objective,
                met.into(),
            ],
        };
        table.row(row);
    }
    format!("per request class:\n{}", table.render())
}

/// One class in JSON.
#[derive(Serialize, JsonSchema)]
pub struct JsonClass {
    clients: usize,
    satisfied: usize,
    satisfaction: Option<f64>,
    mean_s: Option<f64>,
    p50_s: Option<f64>,
    p95_s: Option<f64>,
    p99_s: Option<f64>,
    max_s: Option<f64>,
    timeout_s: f64,
    min_satisfaction: f64,
    meets_objective: bool,
}

/// The classes keyed by name, in file order.
pub fn json(classes: &[ClassVerdict], res: Resolution) -> IndexMap<String, JsonClass> {
    classes
        .iter()
        .map(|c| {
            let s = c.summary.as_ref();
            (
                c.name.clone(),
                JsonClass {
                    clients: s.map_or(0, |s| s.clients),
                    satisfied: s.map_or(0, |s| s.satisfied),
                    satisfaction: s.map(|s| s.satisfaction),
                    mean_s: s.map(|s| s.mean_steps * res.seconds()),
                    p50_s: s.map(|s| res.to_seconds(s.p50_steps)),
                    p95_s: s.map(|s| res.to_seconds(s.p95_steps)),
                    p99_s: s.map(|s| res.to_seconds(s.p99_steps)),
                    max_s: s.map(|s| res.to_seconds(s.max_steps)),
                    timeout_s: c.timeout.get(),
                    min_satisfaction: c.share.percent(),
                    meets_objective: c.meets(),
                },
            )
        })
        .collect()
}
