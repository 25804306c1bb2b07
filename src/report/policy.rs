//! `optimize` over autoscaling policies: every combination tried, cheapest first, with its
//! integrated cost, its unit-hours, its satisfied share, its p99 and per-class verdicts;
//! the answer on its own line.

use schemars::JsonSchema;
use serde::Serialize;

use super::table::{Align, Table};
use super::{ExportError, Render};
use crate::model::cost::HOURS_PER_MONTH;
use crate::model::scenario::Scenario;
use crate::report::schema::SchemaVersion;
use crate::search::policy::{PolicySearch, PolicyTried};

/// The table shows this many combinations, cheapest first; `--csv` lists them all.
const TABLE_ROWS: usize = 20;

/// What `optimize` found among the policies.
pub struct PolicyReport<'a> {
    /// Names the scenario.
    pub scenario: &'a Scenario,
    /// Every combination tried.
    pub search: &'a PolicySearch,
    /// The objective in words ("p99 < 400 ms"), for the heading.
    pub objective: String,
    /// The load in words, for the heading.
    pub load: String,
}

impl PolicyReport<'_> {
    /// `tried` in the search's cost order, each with its index.
    fn by_cost(&self) -> impl Iterator<Item = (usize, &PolicyTried)> {
        let tried = &self.search.tried;
        self.search.by_cost.iter().map(move |&i| (i, &tried[i]))
    }

    fn policy_words(&self, t: &PolicyTried) -> String {
        self.search
            .axes
            .iter()
            .zip(&t.policies)
            .map(|(a, p)| {
                format!(
                    "{} min {} max {} target {}",
                    a.station, p.min, p.max, p.target
                )
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn verdicts(&self, t: &PolicyTried) -> String {
        if t.assessment.classes.is_empty() {
            return if t.meets() { "ok".into() } else { "NO".into() };
        }
        t.assessment
            .classes
            .iter()
            .map(|c| format!("{} {}", c.name, if c.meets() { "ok" } else { "NO" }))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl Render for PolicyReport<'_> {
    fn table(&self) -> String {
        let res = self.scenario.resolution();
        let currency = &self.scenario.prices().currency;
        let mut out = format!(
            "{}: autoscaling policies under {}, {}\n{} combinations load-tested; cost = unit-hours × price per unit-hour ({currency} prices over {} h a month)\n\n",
            self.scenario.name(),
            self.load,
            self.objective,
            self.search.tried.len(),
            HOURS_PER_MONTH
        );
        let mut t = Table::new(&[
            ("policy", Align::Left),
            ("unit-hours", Align::Right),
            ("cost", Align::Right),
            ("satisfied", Align::Right),
            ("p99 (s)", Align::Right),
            ("verdict", Align::Left),
        ]);
        for (_, tried) in self.by_cost().take(TABLE_ROWS) {
            let s = &tried.assessment.summary;
            t.row(vec![
                self.policy_words(tried),
                format!("{:.3}", tried.unit_hours),
                format!("{:.4}", tried.cost),
                format!("{:.2}%", s.satisfaction),
                res.format(s.p99_steps),
                self.verdicts(tried),
            ]);
        }
        out.push_str(&t.render());
        if self.search.tried.len() > TABLE_ROWS {
            out.push_str(&format!(
                "… {} more (--csv FILE lists them all)\n",
                self.search.tried.len() - TABLE_ROWS
            ));
        }
        match self.search.answer {
            Some(i) => {
                let a = &self.search.tried[i];
                out.push_str(&format!(
                    "\nanswer: {}: cost {:.4} ({:.3} unit-hours), every objective met\n",
                    self.policy_words(a),
                    a.cost,
                    a.unit_hours
                ));
            }
            None => out.push_str(
                "\nno policy tried meets every objective: try a higher max or a lower target\n",
            ),
        }
        out
    }

    fn json(&self) -> String {
        let res = self.scenario.resolution();
        let row = |i: usize, t: &PolicyTried| JsonPolicy {
            index: i,
            policies: self
                .search
                .axes
                .iter()
                .zip(&t.policies)
                .map(|(a, p)| JsonStationPolicy {
                    station: &a.station,
                    min: p.min,
                    max: p.max,
                    target_utilisation: p.target,
                })
                .collect(),
            unit_hours: t.unit_hours,
            cost: t.cost,
            satisfaction: t.assessment.summary.satisfaction,
            p99_s: res.to_seconds(t.assessment.summary.p99_steps),
            meets: t.meets(),
            classes: t
                .assessment
                .classes
                .iter()
                .map(|c| (c.name.clone(), c.meets()))
                .collect(),
        };
        let doc = JsonPolicySearch {
            schema_version: SchemaVersion,
            scenario: self.scenario.name(),
            hours_per_month: HOURS_PER_MONTH,
            answer: self.search.answer.map(|i| row(i, &self.search.tried[i])),
            tried: self.by_cost().map(|(i, t)| row(i, t)).collect(),
        };
        serde_json::to_string_pretty(&doc).expect("plain data serialises") + "\n"
    }

    fn csv(&self) -> Result<Vec<u8>, ExportError> {
        let res = self.scenario.resolution();
        let mut w = csv::Writer::from_writer(Vec::new());
        let mut header = Vec::new();
        for a in &self.search.axes {
            header.push(format!("{}.min", a.station));
            header.push(format!("{}.max", a.station));
            header.push(format!("{}.target", a.station));
        }
        header.extend(["unit_hours", "cost", "satisfaction", "p99_s", "meets"].map(String::from));
        w.write_record(&header)?;
        for (_, t) in self.by_cost() {
            let mut row = Vec::new();
            for p in &t.policies {
                row.push(p.min.to_string());
                row.push(p.max.to_string());
                row.push(p.target.to_string());
            }
            row.push(t.unit_hours.to_string());
            row.push(t.cost.to_string());
            row.push(t.assessment.summary.satisfaction.to_string());
            row.push(res.to_seconds(t.assessment.summary.p99_steps).to_string());
            row.push(t.meets().to_string());
            w.write_record(&row)?;
        }
        w.into_inner()
            .map_err(|e| ExportError::Csv(::csv::Error::from(e.into_error())))
    }
}

#[derive(Serialize, JsonSchema)]
struct JsonPolicySearch<'a> {
    /// The document's version (docs/json.md).
    schema_version: SchemaVersion,
    scenario: &'a str,
    hours_per_month: f64,
    /// The cheapest policy that meets every objective (`null`: none did).
    answer: Option<JsonPolicy<'a>>,
    /// Every combination, cheapest first.
    tried: Vec<JsonPolicy<'a>>,
}

#[derive(Serialize, JsonSchema)]
struct JsonPolicy<'a> {
    /// Its place in the grid.
    index: usize,
    policies: Vec<JsonStationPolicy<'a>>,
    unit_hours: f64,
    cost: f64,
    satisfaction: f64,
    p99_s: f64,
    meets: bool,
    /// Per request class, whether it meets its objective (empty without classes).
    #[serde(skip_serializing_if = "indexmap::IndexMap::is_empty")]
    classes: indexmap::IndexMap<String, bool>,
}

#[derive(Serialize, JsonSchema)]
struct JsonStationPolicy<'a> {
    station: &'a str,
    min: u32,
    max: u32,
    target_utilisation: f64,
}

/// The schema of `optimize --format json` on a scenario whose pools autoscale.
pub(crate) fn policy_schema() -> serde_json::Value {
    crate::report::schema::strict::<JsonPolicySearch<'static>>(
        "planner optimize (autoscaling policies)",
    )
}
