//! How capacity and shortfalls read in every report.

use schemars::JsonSchema;
use serde::Serialize;

use crate::model::capacity::{Capacity, Shortfall};
use crate::model::config::Config;
use crate::model::scenario::Scenario;
use crate::model::units::{Seconds, TimeUnit};
use crate::report::format::{duration_in, trim_float};
use crate::workload::LoadTest;

/// "capacity (clients/s): soda 2 (100% busy) · burger 1.667 (120% busy) …; bottleneck fries".
pub fn line(scenario: &Scenario, cap: &Capacity, rate: Option<f64>) -> String {
    let parts: Vec<String> = scenario
        .stations()
        .iter()
        .zip(&cap.per_station)
        .map(|(s, &c)| match rate {
            Some(r) => format!(
                "{} {} ({}% busy)",
                s.name(),
                round3(c),
                trim_float((100.0 * r / c * 10.0).round() / 10.0)
            ),
            None => format!("{} {}", s.name(), round3(c)),
        })
        .collect();
    format!(
        "capacity (clients/s): {}; bottleneck {}",
        parts.join(" · "),
        scenario.stations()[cap.bottleneck].name()
    )
}

fn round3(v: f64) -> String {
    trim_float((v * 1000.0).round() / 1000.0)
}

/// "client" after a count of exactly 1, "clients" after any other (0.25 clients).
fn clients(count: &str) -> &'static str {
    if count == "1" {
        "client"
    } else {
        "clients"
    }
}

/// The plain-words warning for one station that cannot keep up, whose queue breaks
/// `timeout`: the load's ("the 5 s timeout"), or with request classes the shortest objective
/// of the classes that visit it, named in the report's `unit` ("search's 250 ms objective").
pub fn warning(
    scenario: &Scenario,
    s: &Shortfall,
    rate: f64,
    timeout: (Seconds, Option<usize>),
    unit: TimeUnit,
) -> String {
    let growth = round3(s.growth);
    let head = format!(
        "warning: {} keeps up with only {} clients/s, below the {} clients/s tested: its queue grows by {growth} {} every second",
        scenario.stations()[s.station].name(),
        round3(s.capacity),
        trim_float(rate),
        clients(&growth),
    );
    let limit = match timeout {
        (t, Some(class)) => format!(
            "{}'s {} objective",
            scenario.requests()[class].name,
            duration_in(t.get(), unit)
        ),
        (t, None) => format!("the {} s timeout", trim_float(t.get())),
    };
    if s.breach_after >= crate::model::capacity::NEVER {
        format!("{head}, though {limit} is only breached after more than 10^15 clients")
    } else {
        format!(
            "{head}, and {limit} is breached after roughly {} {} (about {} s); a longer test fails",
            s.breach_after,
            clients(&s.breach_after.to_string()),
            trim_float((s.breach_after_s * 10.0).round() / 10.0),
        )
    }
}

/// The capacity line and, when `load`'s rate is above some station's capacity, the warnings,
/// each against the timeout that station's queue breaks first
/// ([`crate::workload::station_timeouts`]).
pub fn block(scenario: &Scenario, config: &Config, load: &LoadTest, unit: TimeUnit) -> String {
    let cap = Capacity::of(scenario, config);
    let rate = load.rate();
    let mut out = line(scenario, &cap, rate) + "\n";
    if let Some(r) = rate {
        let timeouts = crate::workload::station_timeouts(scenario, load);
        let limits: Vec<Seconds> = timeouts.iter().map(|t| t.0).collect();
        for s in cap.shortfalls(scenario, r, &limits) {
            out.push_str(&warning(scenario, &s, r, timeouts[s.station], unit));
            out.push('\n');
        }
    }
    out
}

/// Capacity as JSON documents show it.
#[derive(Serialize, JsonSchema)]
pub struct JsonCapacity {
    /// Clients per second each station sustains, by station name, in scenario order.
    pub per_station: indexmap::IndexMap<String, f64>,
    /// The station with the lowest capacity (the first in scenario order on ties).
    pub bottleneck: String,
    /// Whether every station keeps up with the tested rate.
    pub sustainable: Option<bool>,
    /// The stations below the tested rate, in scenario order; empty without a rate.
    pub shortfalls: Vec<JsonShortfall>,
}

/// A station whose queue grows without bound at the tested rate, as JSON shows it.
#[derive(Serialize, JsonSchema)]
pub struct JsonShortfall {
    /// The station's name.
    pub station: String,
    /// Clients per second it sustains.
    pub capacity: f64,
    /// Clients its queue gains each second: the rate minus its capacity.
    pub queue_growth_per_s: f64,
    /// Roughly the first client whose latency reaches the timeout: the load's, or with
    /// request classes the shortest of those of the classes that visit the station
    /// ([`crate::model::capacity::NEVER`] when that is beyond any test).
    pub timeout_breached_after_clients: u64,
}

/// `config`'s capacity at `rate` (`None` for a burst, which has no rate to sustain), each
/// shortfall against the timeout its station's queue breaks first under `load`: names
/// instead of indices, so the document reads without the scenario.
pub fn json(
    scenario: &Scenario,
    config: &Config,
    rate: Option<f64>,
    load: &LoadTest,
) -> JsonCapacity {
    let timeouts: Vec<Seconds> = crate::workload::station_timeouts(scenario, load)
        .into_iter()
        .map(|t| t.0)
        .collect();
    let cap = Capacity::of(scenario, config);
    let name = |i: usize| scenario.stations()[i].name().to_string();
    JsonCapacity {
        per_station: cap
            .per_station
            .iter()
            .enumerate()
            .map(|(i, &c)| (name(i), c))
            .collect(),
        bottleneck: name(cap.bottleneck),
        sustainable: rate.map(|r| cap.sustains(r)),
        shortfalls: rate
            .map(|r| cap.shortfalls(scenario, r, &timeouts))
            .unwrap_or_default()
            .into_iter()
            .map(|s| JsonShortfall {
                station: name(s.station),
                capacity: s.capacity,
                queue_growth_per_s: s.growth,
                timeout_breached_after_clients: s.breach_after,
            })
            .collect(),
    }
}
