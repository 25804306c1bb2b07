//! Per-class blocks of a report: each request class's clients, satisfied share, latency
//! percentiles and whether it met its own objective.

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::Serialize;

use crate::model::objective::Share;
use crate::model::scenario::Scenario;
use crate::model::units::{Resolution, TimeUnit};
use crate::outcome::stats::Summary;
use crate::outcome::verdict::{Call, ClassVerdict};
use crate::report::format::{duration_in, trim_float};
use crate::workload::LoadTest;

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

/// "search p99 < 250 ms, book p99 < 1000 ms": each class's objective as `--slo` writes it
/// (`max` for every client), in the report's unit.
pub fn objectives_short(
    scenario: &Scenario,
    load: &LoadTest,
    share: Share,
    unit: TimeUnit,
) -> String {
    crate::workload::objectives(scenario, load, share)
        .iter()
        .zip(scenario.requests())
        .map(|((timeout, share), r)| {
            format!(
                "{} {} < {}",
                r.name,
                percentile(*share),
                duration_in(timeout.get(), unit)
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// "p99" for 99 % of clients, "p99.9", "max" for every one.
fn percentile(share: Share) -> String {
    if share.percent() >= 100.0 {
        "max".into()
    } else {
        format!("p{}", trim_float(share.percent()))
    }
}

/// What clients are held to, for a heading or a picture's title: "timeout 5 s"; with request
/// classes, their own objectives ("objectives: search p99 < 250 ms, book p99 < 1000 ms"),
/// never the load's timeout that none of them is judged by.
pub fn limit_words(scenario: &Scenario, load: &LoadTest, share: Share, unit: TimeUnit) -> String {
    if scenario.requests().is_empty() {
        format!("timeout {}", duration_in(load.timeout.get(), unit))
    } else {
        format!(
            "objectives: {}",
            objectives_short(scenario, load, share, unit)
        )
    }
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
        let met = match c.call {
            Call::Meets => "yes",
            Call::Fails => "NO",
            Call::TooCloseToCall => "too close to call",
        };
        let row = match &c.summary {
            Some(s) => vec![
                c.name.clone(),
                s.clients.to_string(),
                satisfied_text(s),
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
    let over = classes
        .iter()
        .filter_map(|c| c.summary.as_ref()?.spread.as_ref())
        .map(|sp| sp.replications)
        .max();
    match over {
        Some(n) => format!(
            "per request class, over {n} replications (satisfied: mean [95% interval]):\n{}",
            table.render()
        ),
        None => format!("per request class:\n{}", table.render()),
    }
}

/// "100%" for one run; "99.2% [98.7, 99.6]" over replications, the mean and its interval.
fn satisfied_text(s: &Summary) -> String {
    match (&s.spread, s.satisfaction_interval()) {
        (Some(_), Some((low, high))) => format!(
            "{}% [{}, {}]",
            trim_float(round2(s.satisfaction)),
            trim_float(round2(low)),
            trim_float(round2(high))
        ),
        _ => format!(
            "{}%",
            crate::report::format::percent_words(s.satisfied, s.clients)
        ),
    }
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
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
    /// How the objective was decided (meets, fails, too_close_to_call) and the satisfied
    /// share's 95 % interval: only when the test is random, where a verdict is not exact.
    #[serde(skip_serializing_if = "Option::is_none")]
    verdict: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    satisfaction_low: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    satisfaction_high: Option<f64>,
}

/// The classes keyed by name, in file order; `random`: whether the test draws, so that
/// each carries how it was decided.
pub fn json(
    classes: &[ClassVerdict],
    res: Resolution,
    random: bool,
) -> IndexMap<String, JsonClass> {
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
                    verdict: random.then_some(c.call.key()),
                    satisfaction_low: s
                        .filter(|_| random)
                        .and_then(|s| s.satisfaction_interval())
                        .map(|(low, _)| low),
                    satisfaction_high: s
                        .filter(|_| random)
                        .and_then(|s| s.satisfaction_interval())
                        .map(|(_, high)| high),
                },
            )
        })
        .collect()
}
