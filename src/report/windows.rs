//! `optimize --schedule-windows`: the schedule found window by window, each window's
//! units and clients, the schedule as `--schedule` flags, and the whole load verified.

use schemars::JsonSchema;
use serde::Serialize;

use super::table::{Align, Table};
use super::Render;
use crate::model::cost::HOURS_PER_MONTH;
use crate::model::scenario::Scenario;
use crate::report::schema::SchemaVersion;
use crate::search::schedule::WindowSearch;

/// What the window search found.
pub struct WindowsReport<'a> {
    /// Names the stations.
    pub scenario: &'a Scenario,
    /// The search.
    pub found: &'a WindowSearch,
    /// The load in words.
    pub load: String,
}

impl WindowsReport<'_> {
    /// `--schedule app=0s:1,3600s:2` for each scheduled pool whose units change.
    fn flags(&self) -> Vec<String> {
        self.found
            .schedules
            .iter()
            .map(|(i, e)| {
                let entries: Vec<String> = e.iter().map(|(s, u)| format!("{s}s:{u}")).collect();
                format!(
                    "--schedule {}={}",
                    self.scenario.stations()[*i].name(),
                    entries.join(",")
                )
            })
            .collect()
    }
}

impl Render for WindowsReport<'_> {
    fn table(&self) -> String {
        let f = self.found;
        let mut out = format!(
            "{}: a schedule in windows of {} s under {}\n\n",
            self.scenario.name(),
            f.window_s,
            self.load
        );
        let mut header: Vec<(String, Align)> = vec![("window (s)".into(), Align::Right)];
        for (i, _) in &f.schedules {
            header.push((self.scenario.stations()[*i].lever_name(), Align::Right));
        }
        header.push(("clients".into(), Align::Right));
        header.push(("tried".into(), Align::Right));
        header.push(("verdict".into(), Align::Left));
        let cols: Vec<(&str, Align)> = header.iter().map(|(h, a)| (h.as_str(), *a)).collect();
        let mut t = Table::new(&cols);
        for w in &f.windows {
            let mut row = vec![format!("{}", w.start_s)];
            for (i, _) in &f.schedules {
                row.push(w.config.values()[*i].to_string());
            }
            row.push(w.clients.to_string());
            row.push(w.tried.to_string());
            row.push(
                if w.meets {
                    "ok"
                } else {
                    "NO (the dearest kept)"
                }
                .into(),
            );
            t.row(row);
        }
        out.push_str(&t.render());
        out.push_str(&format!("\nschedule: {}\n", self.flags().join(" ")));
        let s = &f.verified.summary;
        out.push_str(&format!(
            "whole load verified over every replication: satisfied {:.2}%, p99 {} s: {}; cost {:.4} ({} prices over {} h a month)\n",
            s.satisfaction,
            self.scenario.resolution().format(s.p99_steps),
            if s.meets_target { "every objective met" } else { "NOT met" },
            f.cost,
            self.scenario.prices().currency,
            HOURS_PER_MONTH
        ));
        out
    }

    fn json(&self) -> String {
        let f = self.found;
        let doc = JsonWindows {
            schema_version: SchemaVersion,
            scenario: self.scenario.name(),
            window_s: f.window_s,
            windows: f
                .windows
                .iter()
                .map(|w| JsonWindow {
                    start_s: w.start_s,
                    units: f
                        .schedules
                        .iter()
                        .map(|(i, _)| {
                            (
                                self.scenario.stations()[*i].name().to_string(),
                                w.config.values()[*i],
                            )
                        })
                        .collect(),
                    clients: w.clients,
                    tried: w.tried,
                    meets: w.meets,
                })
                .collect(),
            schedules: f
                .schedules
                .iter()
                .map(|(i, e)| (self.scenario.stations()[*i].name().to_string(), e.clone()))
                .collect(),
            meets: f.verified.summary.meets_target,
            satisfaction: f.verified.summary.satisfaction,
            cost: f.cost,
            hours_per_month: HOURS_PER_MONTH,
        };
        serde_json::to_string_pretty(&doc).expect("plain data serialises") + "\n"
    }
}

#[derive(Serialize, JsonSchema)]
struct JsonWindows<'a> {
    /// The document's version (docs/json.md).
    schema_version: SchemaVersion,
    scenario: &'a str,
    window_s: f64,
    windows: Vec<JsonWindow>,
    /// Per pool, `[seconds, units]` at each change.
    schedules: indexmap::IndexMap<String, Vec<(f64, u32)>>,
    /// The whole load with the schedule, over every replication.
    meets: bool,
    satisfaction: f64,
    cost: f64,
    hours_per_month: f64,
}

#[derive(Serialize, JsonSchema)]
struct JsonWindow {
    start_s: f64,
    units: indexmap::IndexMap<String, u32>,
    clients: usize,
    tried: usize,
    meets: bool,
}

/// The schema of `optimize --schedule-windows DURATION --format json`.
pub(crate) fn schema() -> serde_json::Value {
    crate::report::schema::strict::<JsonWindows<'static>>("planner optimize --schedule-windows")
}
