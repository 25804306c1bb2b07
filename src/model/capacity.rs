//! Sustained capacity, by exact arithmetic: how many clients per second each station can
//! serve for ever, and what happens to a queue when the arrival rate is above that.
//!
//! A short load test can pass while a queue grows without bound: with the seed's levers the
//! 7-portion fryer makes 7 portions per 4 s = 1.75 clients/s, below a 2/s target. The
//! planner must say so, and `optimize --sustained` plans for it.

use serde::Serialize;

use crate::model::config::Config;
use crate::model::scenario::Scenario;
use crate::model::units::Seconds;

/// Each station's sustained capacity in clients per second, in scenario order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Capacity {
    /// Clients per second each station can serve for ever at this configuration, in scenario order.
    pub per_station: Vec<f64>,
    /// The station with the lowest capacity (first in scenario order on ties).
    pub bottleneck: usize,
}

/// `breach_after` for a queue that grows too slowly to matter in any test that fits in memory.
pub const NEVER: u64 = 1_000_000_000_000_000;

/// A station whose capacity is below the arrival rate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Shortfall {
    /// Index of the station in `Scenario::stations`.
    pub station: usize,
    /// Its sustained capacity, in clients per second.
    pub capacity: f64,
    /// How many clients per second its queue grows by.
    pub growth: f64,
    /// Roughly the first client whose latency reaches the timeout.
    pub breach_after: u64,
    /// When that client is due, in seconds after the first: `(breach_after − 1) / rate`.
    pub breach_after_s: f64,
}

impl Capacity {
    /// Each station's capacity at `config`, whose values follow the scenario's station order.
    pub fn of(scenario: &Scenario, config: &Config) -> Capacity {
        let per_station: Vec<f64> = scenario
            .demand()
            .iter()
            .zip(config.values())
            .zip(scenario.stations())
            .map(|((&d, &v), s)| s.kind().capacity(v, d))
            .collect();
        let min = per_station.iter().copied().fold(f64::INFINITY, f64::min);
        let bottleneck = per_station.iter().position(|&c| c == min).unwrap_or(0);
        Capacity {
            per_station,
            bottleneck,
        }
    }

    /// The sustained capacity of the whole system: its bottleneck's.
    pub fn system(&self) -> f64 {
        self.per_station[self.bottleneck]
    }

    /// Does every station keep up with `rate`?
    pub fn sustains(&self, rate: f64) -> bool {
        self.per_station.iter().all(|&c| c >= rate * (1.0 - 1e-12))
    }

    /// The stations that cannot keep up with `rate`, and when their queue breaks its
    /// timeout: `timeouts[i]` is station `i`'s (with request classes, the shortest of the
    /// classes that visit it).
    ///
    /// Client *n* arrives at `(n − 1)/λ` but leaves the station no earlier than `(n − 1)/μ`
    /// plus one service, so its wait grows by `1/μ − 1/λ` per client: the timeout is reached
    /// near `n = (timeout − service) / (1/μ − 1/λ) + 1`.
    pub fn shortfalls(
        &self,
        scenario: &Scenario,
        rate: f64,
        timeouts: &[Seconds],
    ) -> Vec<Shortfall> {
        self.per_station
            .iter()
            .enumerate()
            .filter(|(_, &c)| c < rate * (1.0 - 1e-12))
            .map(|(i, &c)| {
                let per_client = 1.0 / c - 1.0 / rate;
                let slack = timeouts[i].get() - scenario.stations()[i].service().get();
                let breach_after = if slack <= 0.0 {
                    1
                } else {
                    let n = slack / per_client;
                    if n.is_finite() && n < NEVER as f64 {
                        ((n - 1e-9 * n).ceil() as u64).saturating_add(1)
                    } else {
                        NEVER
                    }
                };
                Shortfall {
                    station: i,
                    capacity: c,
                    growth: rate - c,
                    breach_after,
                    breach_after_s: (breach_after - 1) as f64 / rate,
                }
            })
            .collect()
    }
}

/// A test long enough to show a sustained rate: at least 100 clients, and at least 25 of the
/// longest service's cycles at that rate, so a slowly growing queue has time to break.
pub fn sustained_clients(scenario: &Scenario, rate: f64, at_least: u32) -> u32 {
    let longest = scenario
        .stations()
        .iter()
        .map(|s| s.service().get())
        .fold(0.0, f64::max);
    let cycles = (25.0 * rate * longest).ceil();
    (cycles.min(crate::model::scenario::MAX_CLIENTS as f64) as u32)
        .max(100)
        .max(at_least)
}

/// The smallest lever value at which a station keeps up with `rate`: `⌈rate × D⌉`, D its
/// demand per request (the service time, for the tutorial's fan-out).
pub fn needed_value(scenario: &Scenario, station: usize, rate: f64) -> u64 {
    let exact = rate * scenario.demand()[station];
    // 2/s × 4 s is 8 portions, not 9 by float noise.
    (exact - 1e-9 * exact.max(1.0)).ceil().max(1.0) as u64
}

/// "fries.batch ≥ 8": what each station needs to sustain `rate`, where `max` cannot reach it.
pub fn unreachable(scenario: &Scenario, maxima: &[u32], rate: f64) -> Vec<String> {
    let demand = scenario.demand();
    scenario
        .stations()
        .iter()
        .enumerate()
        .filter_map(|(i, s)| {
            let need = needed_value(scenario, i, rate);
            let visits = scenario.visits()[i];
            (need > maxima[i] as u64).then(|| {
                let why =
                    s.kind()
                        .need_words(need, s.service().get(), demand[i], visits, &s.names());
                format!(
                    "{} ≥ {need} ({why}; the range stops at {})",
                    s.lever_name(),
                    maxima[i]
                )
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_capacities() {
        let s = Scenario::embedded();
        let c = Capacity::of(&s, &Config::baseline(&s));
        // Soda 1 per s per machine, kitchen 1 per 3 s per cook, fryer 5 per 4 s.
        assert_eq!(c.per_station, vec![1.0, 1.0, 1.25]);
        assert_eq!(c.bottleneck, 0);
        let answer = Capacity::of(&s, &Config::new(vec![2, 5, 7]));
        assert_eq!(answer.per_station[2], 1.75);
        assert!((answer.per_station[1] - 5.0 / 3.0).abs() < 1e-12);
        assert!(!answer.sustains(2.0));
        let short = answer.shortfalls(&s, 2.0, &[Seconds::new(5.0).unwrap(); 3]);
        let stations: Vec<usize> = short.iter().map(|s| s.station).collect();
        assert_eq!(stations, vec![1, 2]);
        // The fryer's queue: 1/1.75 − 1/2 = 1/14 s more per client; (5 − 4) × 14 + 1 = 15,
        // and `planner run` shows client 15 at exactly 5 s.
        assert_eq!(short[1].breach_after, 15);
        // Client 15 is due 14 clients after the first, at 2 clients/s.
        assert_eq!(short[1].breach_after_s, 7.0);
        assert_eq!(needed_value(&s, 2, 2.0), 8);
        assert_eq!(needed_value(&s, 1, 2.0), 6);
    }
}
