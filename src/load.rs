//! The open-loop load test of the seed's `perf_test`: `clients` orders, client *i* due at
//! `(i − 1) × period` whatever happens to the others, each judged against the timeout.

use crate::config::Config;
use crate::engine::{self, Clock, EngineError, Outcome};
use crate::scenario::Scenario;
use crate::units::{Period, Resolution, Seconds, MAX_TIMER_STEPS};

/// When clients arrive.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Arrivals {
    /// Every `period` seconds (0: all at once), the seed's metronome.
    Fixed(Period),
}

/// One load test: how many clients, when they come, and the latency they accept.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadTest {
    pub clients: u32,
    pub arrivals: Arrivals,
    pub timeout: Seconds,
}

impl LoadTest {
    /// Each client's due time in steps: `(i − 1) × period` rounded to the nearest step, so
    /// that off-grid periods (rate 3/s) do not drift.
    pub fn due_times(&self, resolution: Resolution) -> Vec<u64> {
        match self.arrivals {
            Arrivals::Fixed(period) => (0..self.clients as u64)
                .map(|i| resolution.nearest_steps(i as f64 * period.get()))
                .collect(),
        }
    }

    /// The arrival rate in clients/s, `None` for a burst.
    pub fn rate(&self) -> Option<f64> {
        match self.arrivals {
            Arrivals::Fixed(p) => p.rate(),
        }
    }
}

/// Refuses a load test the engine could not run (a gap between clients longer than tokio's
/// timer can wait), before any work starts.
pub fn check(scenario: &Scenario, load: &LoadTest) -> Result<(), EngineError> {
    let Arrivals::Fixed(period) = load.arrivals;
    let steps = period.get() / scenario.resolution.seconds();
    if load.clients > 1 && steps > MAX_TIMER_STEPS as f64 {
        return Err(EngineError::GapTooLong {
            client: 2,
            gap: steps as u64,
        });
    }
    Ok(())
}

/// Runs the load test of one configuration.
pub fn run(
    scenario: &Scenario,
    config: &Config,
    load: &LoadTest,
    clock: Clock,
    trace: bool,
) -> Result<Outcome, EngineError> {
    let due = load.due_times(scenario.resolution);
    engine::simulate(&config.engine_stations(scenario), &due, clock, trace)
}
