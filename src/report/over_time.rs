//! `compare` over time: static for the peak, the best schedule and the best autoscaler,
//! side by side: their plans, costs (and each against the static one), per-class verdicts
//! and worst minute.

use schemars::JsonSchema;
use serde::Serialize;

use super::table::{Align, Table};
use super::Render;
use crate::model::cost::HOURS_PER_MONTH;
use crate::model::scenario::Scenario;
use crate::report::schema::SchemaVersion;
use crate::search::over_time::Contender;

/// The three plans, in order: static, schedule, autoscaler (`None`: nothing tried met).
pub struct OverTimeComparison<'a> {
    /// Names the scenario.
    pub scenario: &'a Scenario,
    /// The load in words.
    pub load: String,
    /// The objective in words.
    pub objective: String,
    /// The three plans.
    pub contenders: &'a [Option<Contender>],
}

const NAMES: [&str; 3] = ["static for the peak", "best schedule", "best autoscaler"];

fn verdicts(c: &Contender) -> String {
    if c.assessment.classes.is_empty() {
        return if c.assessment.summary.meets_target {
            "ok"
        } else {
            "NO"
        }
        .into();
    }
    c.assessment
        .classes
        .iter()
        .map(|k| format!("{} {}", k.name, if k.meets() { "ok" } else { "NO" }))
        .collect::<Vec<_>>()
        .join(", ")
}

impl Render for OverTimeComparison<'_> {
    fn table(&self) -> String {
        let mut out = format!(
            "{}: static for the peak, best schedule and best autoscaler under {}, {}\ncost over the run: unit-hours × price per unit-hour ({} prices over {} h a month), replication 1\n\n",
            self.scenario.name(),
            self.load,
            self.objective,
            self.scenario.prices().currency,
            HOURS_PER_MONTH
        );
        let mut t = Table::new(&[
            ("plan", Align::Left),
            ("units", Align::Left),
            ("cost", Align::Right),
            ("of static", Align::Right),
            ("verdicts", Align::Left),
            ("worst minute", Align::Left),
        ]);
        for (name, c) in NAMES.iter().zip(self.contenders) {
            match c {
                Some(c) => t.row(vec![
                    name.to_string(),
                    c.plan.clone(),
                    format!("{:.4}", c.over_time.cost),
                    c.of_static
                        .map(|share| format!("{share:.0}%"))
                        .unwrap_or_else(|| "-".into()),
                    verdicts(c),
                    c.over_time
                        .worst_minute()
                        .map(|m| {
                            format!("from {} s: p99 {:.3} s", m.start_s, m.p99_s.unwrap_or(0.0))
                        })
                        .unwrap_or_else(|| "-".into()),
                ]),
                None => t.row(vec![
                    name.to_string(),
                    "none tried meets".into(),
                    "-".into(),
                    "-".into(),
                    "NO".into(),
                    "-".into(),
                ]),
            }
        }
        out.push_str(&t.render());
        out
    }

    fn json(&self) -> String {
        let doc: Vec<JsonContender> = NAMES
            .iter()
            .zip(self.contenders)
            .map(|(name, c)| JsonContender {
                plan: name,
                units: c.as_ref().map(|c| c.plan.clone()),
                cost: c.as_ref().map(|c| c.over_time.cost),
                meets: c
                    .as_ref()
                    .is_some_and(|c| c.assessment.summary.meets_target),
                classes: c
                    .as_ref()
                    .map(|c| {
                        c.assessment
                            .classes
                            .iter()
                            .map(|k| (k.name.clone(), k.meets()))
                            .collect()
                    })
                    .unwrap_or_default(),
                worst_minute_start_s: c
                    .as_ref()
                    .and_then(|c| c.over_time.worst_minute())
                    .map(|m| m.start_s),
                worst_minute_p99_s: c
                    .as_ref()
                    .and_then(|c| c.over_time.worst_minute())
                    .and_then(|m| m.p99_s),
            })
            .collect();
        serde_json::to_string_pretty(&JsonComparison {
            schema_version: SchemaVersion,
            scenario: self.scenario.name(),
            hours_per_month: HOURS_PER_MONTH,
            plans: doc,
        })
        .expect("plain data serialises")
            + "\n"
    }
}

#[derive(Serialize, JsonSchema)]
struct JsonComparison<'a> {
    /// The document's version (docs/json.md).
    schema_version: SchemaVersion,
    scenario: &'a str,
    hours_per_month: f64,
    plans: Vec<JsonContender<'a>>,
}

#[derive(Serialize, JsonSchema)]
struct JsonContender<'a> {
    plan: &'a str,
    /// The plan in words; `null` when nothing tried met the objectives.
    units: Option<String>,
    cost: Option<f64>,
    meets: bool,
    #[serde(skip_serializing_if = "indexmap::IndexMap::is_empty")]
    classes: indexmap::IndexMap<String, bool>,
    worst_minute_start_s: Option<f64>,
    worst_minute_p99_s: Option<f64>,
}

/// The schema of `compare --format json` on a scenario whose pools autoscale.
pub(crate) fn schema() -> serde_json::Value {
    crate::report::schema::strict::<JsonComparison<'static>>("planner compare (over time)")
}
