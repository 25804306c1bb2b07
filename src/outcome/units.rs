//! A run over time: each pool's units as they changed, what each station's units cost, and
//! the figures per minute that the picture of the day draws.
//!
//! The engine tells [`Units`] rows and each scaled pool's [`UnitTime`]; the load test turns
//! them into [`StationUnits`] (min, mean and max units, unit-hours and their cost), so that a
//! report shows them without computing anything.

use schemars::JsonSchema;
use serde::Serialize;

/// A pool whose units change, at one instant. Times in steps.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Units {
    /// When.
    pub at: u64,
    /// Index in the service's stations.
    pub station: u16,
    /// The units wanted: the schedule's, or the autoscaler's last decision.
    pub desired: u32,
    /// Units ready to serve and not leaving.
    pub ready: u32,
    /// The share of the ready unit-time that was busy since the last sync (at a sync: over
    /// the whole sync period, the autoscaler's metric).
    pub busy_share: f64,
    /// Whether this is a sync (a scheduled pool: a sample at the same period).
    pub sync: bool,
}

/// What a pool whose units changed paid for over a run. Times in steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnitTime {
    /// Index in the service's stations.
    pub station: u16,
    /// When the run ended (its last client done).
    pub end: u64,
    /// Unit-steps paid for: units starting, ready or leaving, from step 0 to `end`.
    pub paid: u128,
    /// Unit-steps of units serving a request.
    pub busy: u128,
    /// The fewest and the most units paid for at once.
    pub fewest: u32,
    /// See `fewest`.
    pub most: u32,
}

/// One station's units over a run: what the table and the JSON show.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct StationUnits {
    /// As the scenario names it.
    pub station: String,
    /// `schedule`, `autoscale` or `fixed`.
    pub source: &'static str,
    /// The fewest units paid for at once.
    pub min: u32,
    /// Unit-hours over the run's hours.
    pub mean: f64,
    /// The most units paid for at once.
    pub max: u32,
    /// Unit-time paid for (starting, ready or leaving), in hours.
    pub unit_hours: f64,
    /// `unit_hours` × the unit's price per hour (its monthly price over
    /// [`crate::model::cost::HOURS_PER_MONTH`]), plus the station's fixed part over the run.
    pub cost: f64,
}

/// Everything a run over time adds to its report.
#[derive(Debug, Clone, PartialEq)]
pub struct OverTime {
    /// Every pool's rows, in time order (station order at one instant).
    pub rows: Vec<Units>,
    /// Per station, in scenario order.
    pub stations: Vec<StationUnits>,
    /// The run's length: from 0 to its last client done, in hours.
    pub hours: f64,
    /// Every station's cost over the run.
    pub cost: f64,
    /// The clients by the minute they were due in, from minute 0 to the last client's.
    pub minutes: Vec<Minute>,
}

impl OverTime {
    /// The minute whose clients had the highest p99 (the first on a tie); `None` when no
    /// client was due in any.
    pub fn worst_minute(&self) -> Option<&Minute> {
        self.minutes.iter().filter(|m| m.p99_s.is_some()).fold(
            None,
            |w: Option<&Minute>, m| match w {
                Some(w) if w.p99_s >= m.p99_s => Some(w),
                _ => Some(m),
            },
        )
    }
}

/// The clients due in one minute of a run over time.
#[derive(Debug, Clone, PartialEq)]
pub struct Minute {
    /// When the minute starts, in seconds.
    pub start_s: f64,
    /// Clients due in it.
    pub arrivals: usize,
    /// Their nearest-rank p99 latency, in seconds (`None`: nobody was due).
    pub p99_s: Option<f64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_worst_minute_is_the_first_of_the_highest_p99() {
        let minute = |start_s: f64, p99_s: Option<f64>| Minute {
            start_s,
            arrivals: usize::from(p99_s.is_some()),
            p99_s,
        };
        let mut over = OverTime {
            rows: Vec::new(),
            stations: Vec::new(),
            hours: 0.05,
            cost: 0.0,
            minutes: vec![
                minute(0.0, Some(1.0)),
                minute(60.0, Some(3.0)),
                minute(120.0, None),
                minute(180.0, Some(3.0)),
            ],
        };
        assert_eq!(over.worst_minute().map(|m| m.start_s), Some(60.0));
        over.minutes.retain(|m| m.p99_s.is_none());
        assert_eq!(over.worst_minute(), None);
    }
}
