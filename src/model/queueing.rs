//! What queueing theory expects of a busy station, to hold beside what a simulation saw.
//!
//! A short load test from an empty queue can pass a station that is 96 % busy, because its
//! queue never had the time to build. The wait such a station settles at is known in closed
//! form for the M/M/c queue (Erlang C), and approximated for general arrivals and service by
//! Allen and Cunneen's correction of it, which for one server is Kingman's formula:
//!
//! `Wq ≈ C(c, a) / (cμ − λ) × (ca² + cs²) / 2`
//!
//! with `a = λ/μ` the offered load, `C` Erlang's probability of waiting, and `ca²`, `cs²` the
//! squared coefficients of variation of the arrivals and of the service. Given that a request
//! waits, its wait is taken as exponential with mean `Wq / C` (exact for M/M/c), so
//! `P(W > t) ≈ C · exp(−t·C/Wq)`. Within a network the arrivals at a station are not the
//! outside ones; the estimate uses the outside arrivals' variability and says that it is
//! an estimate.

use crate::model::config::Config;
use crate::model::scenario::{Scenario, ServiceDistribution};
use crate::model::station::StationKind;

/// From this share of its capacity on, a station with random service carries an estimate.
pub const BUSY: f64 = 0.9;

/// Erlang C: the probability that a request to `c` servers offered `a = λ/μ` erlangs waits
/// (1 when `a ≥ c`: the queue never empties). Computed through Erlang B's recurrence, which
/// stays finite where `a^c / c!` would not.
pub fn erlang_c(c: u32, a: f64) -> f64 {
    if a <= 0.0 {
        return 0.0;
    }
    if a >= c as f64 {
        return 1.0;
    }
    let mut b = 1.0;
    for k in 1..=c {
        b = a * b / (k as f64 + a * b);
    }
    let c = c as f64;
    c * b / (c - a * (1.0 - b))
}

/// The squared coefficient of variation of a service distribution.
pub fn scv(d: &ServiceDistribution) -> f64 {
    match d {
        ServiceDistribution::Fixed => 0.0,
        ServiceDistribution::Exponential => 1.0,
        ServiceDistribution::Uniform { cv } | ServiceDistribution::Lognormal { cv } => cv * cv,
        ServiceDistribution::Empirical(samples) => {
            let n = samples.len() as f64;
            let mean = samples.iter().sum::<f64>() / n;
            let var = samples.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / n;
            if mean > 0.0 {
                var / (mean * mean)
            } else {
                0.0
            }
        }
    }
}

/// The estimated wait of one station: its mean, and the wait a share of requests stays under.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Wait {
    /// Probability that a request waits at all.
    pub waits: f64,
    /// Mean wait in the queue, in seconds.
    pub mean_s: f64,
}

impl Wait {
    /// A pool of `servers` with `rate` requests per second, each taking `service` seconds on
    /// average with squared coefficient of variation `cs2`, arrivals with `ca2`. `None` when
    /// the pool cannot keep up (its queue has no steady state).
    pub fn of_pool(servers: u32, rate: f64, service: f64, ca2: f64, cs2: f64) -> Option<Wait> {
        let a = rate * service;
        if servers == 0 || a >= servers as f64 || service <= 0.0 {
            return None;
        }
        let waits = erlang_c(servers, a);
        let mm = waits / (servers as f64 / service - rate);
        Some(Wait {
            waits,
            mean_s: mm * (ca2 + cs2) / 2.0,
        })
    }

    /// The wait that all but `late` of the requests stay under (`late` in (0, 1)): 0 when
    /// fewer than that wait at all.
    pub fn under(&self, late: f64) -> f64 {
        if self.waits <= late || self.mean_s <= 0.0 {
            0.0
        } else {
            self.mean_s / self.waits * (self.waits / late).ln()
        }
    }
}

/// Which formula an estimate comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// Poisson arrivals and exponential service: the M/M/c queue, exact.
    ErlangC,
    /// One server, other variability: Kingman's approximation.
    Kingman,
    /// Several servers, other variability: Allen and Cunneen's approximation.
    AllenCunneen,
}

impl Method {
    /// The formula's name, as a report cites it.
    pub fn words(self) -> &'static str {
        match self {
            Method::ErlangC => "Erlang C",
            Method::Kingman => "Kingman",
            Method::AllenCunneen => "Allen-Cunneen",
        }
    }

    fn of(servers: u32, ca2: f64, cs2: f64) -> Method {
        if ca2 == 1.0 && cs2 == 1.0 {
            Method::ErlangC
        } else if servers == 1 {
            Method::Kingman
        } else {
            Method::AllenCunneen
        }
    }
}

/// An objective to hold a station's estimated wait against: a request class's (or the one
/// target's).
#[derive(Debug, Clone)]
pub struct ClassObjective {
    /// The class's name, empty without classes.
    pub name: String,
    /// Its expected visits to each station, in scenario order.
    pub visits: Vec<f64>,
    /// Its latency objective, in seconds.
    pub timeout_s: f64,
    /// The share of its requests that must stay under the objective, in (0, 1].
    pub share: f64,
}

/// One busy station's estimate, and what it says of an objective.
#[derive(Debug, Clone, PartialEq)]
pub struct StationEstimate {
    /// Index of the station.
    pub station: usize,
    /// Its utilisation at the rate, in (0, 1).
    pub busy: f64,
    /// Its estimated wait.
    pub wait: Wait,
    /// The formula it comes from.
    pub method: Method,
    /// The class held against it (the one whose objective its wait comes closest to
    /// breaking), its name empty without classes.
    pub class: String,
    /// That class's required share, in (0, 1].
    pub share: f64,
    /// The wait that class's required share stays under at this station, in seconds.
    pub wait_at_share_s: f64,
    /// That class's objective, in seconds.
    pub timeout_s: f64,
    /// Whether the wait at this station alone keeps more of the class's requests over its
    /// objective than it allows: a pass in simulation is then contradicted by theory.
    pub contradicts: bool,
}

/// Estimates for every pool with random service that is at least [`BUSY`] at `rate`
/// (clients per second, arrivals with squared coefficient of variation `ca2`).
pub fn busy_stations(
    scenario: &Scenario,
    config: &Config,
    rate: f64,
    ca2: f64,
    classes: &[ClassObjective],
) -> Vec<StationEstimate> {
    let visits = scenario.visits();
    let demand = scenario.demand();
    scenario
        .stations()
        .iter()
        .enumerate()
        .filter_map(|(i, s)| {
            if s.kind() != StationKind::Pool || s.distribution().is_fixed() || visits[i] <= 0.0 {
                return None;
            }
            let servers = config.values()[i];
            let busy = rate * demand[i] / servers as f64;
            if busy < BUSY - 1e-9 {
                return None;
            }
            let service = demand[i] / visits[i];
            let cs2 = scv(s.distribution());
            let wait = Wait::of_pool(servers, rate * visits[i], service, ca2, cs2)?;
            let method = Method::of(servers, ca2, cs2);
            // The class whose allowance the station's wait eats most: the ratio of its wait
            // at the class's share to the class's objective, highest first.
            classes
                .iter()
                .filter(|c| c.visits[i] > 0.0)
                .map(|c| {
                    // A class visiting less than once a request is late by this station
                    // only that often.
                    let late = ((1.0 - c.share) / c.visits[i].min(1.0)).max(1e-12);
                    let at = wait.under(late);
                    (at / c.timeout_s, c, at)
                })
                .max_by(|a, b| a.0.total_cmp(&b.0))
                .map(|(ratio, c, at)| StationEstimate {
                    station: i,
                    busy,
                    wait,
                    method,
                    class: c.name.clone(),
                    share: c.share,
                    wait_at_share_s: at,
                    timeout_s: c.timeout_s,
                    contradicts: ratio >= 1.0,
                })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn erlang_c_matches_the_tables() {
        // One server: the probability of waiting is the utilisation.
        assert!((erlang_c(1, 0.9) - 0.9).abs() < 1e-12);
        // Two servers at a = 1: C = 1/3 (a²/2 / (1 − a/2)) / (1 + a + …) worked by hand.
        assert!((erlang_c(2, 1.0) - 1.0 / 3.0).abs() < 1e-12);
        // A textbook value: c = 10, a = 8 erlangs gives C ≈ 0.4092.
        assert!((erlang_c(10, 8.0) - 0.4092).abs() < 5e-4);
        assert_eq!(erlang_c(3, 3.0), 1.0);
        assert_eq!(erlang_c(3, 0.0), 0.0);
        // Large pools stay finite.
        let big = erlang_c(2000, 1900.0);
        assert!(big.is_finite() && (0.0..1.0).contains(&big));
    }

    #[test]
    fn mm1_and_md1_waits_are_the_textbook_ones() {
        // M/M/1 at ρ = 0.9, E[S] = 1: Wq = ρ/(μ − λ) = 9 s.
        let mm1 = Wait::of_pool(1, 0.9, 1.0, 1.0, 1.0).unwrap();
        assert!((mm1.mean_s - 9.0).abs() < 1e-9);
        // M/D/1: half of M/M/1 (Pollaczek–Khinchine).
        let md1 = Wait::of_pool(1, 0.9, 1.0, 1.0, 0.0).unwrap();
        assert!((md1.mean_s - 4.5).abs() < 1e-9);
        // M/M/1's wait: P(W > t) = ρ e^{−(μ−λ)t}, so 99 % wait under ln(90)/0.1 s.
        assert!((mm1.under(0.01) - (90.0_f64).ln() / 0.1).abs() < 1e-9);
        // Fewer wait at all than the share allows late: nobody's wait counts.
        assert_eq!(
            Wait::of_pool(4, 0.5, 1.0, 1.0, 1.0).unwrap().under(0.2),
            0.0
        );
        assert!(Wait::of_pool(1, 1.0, 1.0, 1.0, 1.0).is_none());
    }

    #[test]
    fn mmc_mean_wait_is_erlang_c_over_the_spare_capacity() {
        // c = 3, λ = 2.7, μ = 1: Wq = C(3, 2.7) / (3 − 2.7).
        let w = Wait::of_pool(3, 2.7, 1.0, 1.0, 1.0).unwrap();
        assert!((w.mean_s - erlang_c(3, 2.7) / 0.3).abs() < 1e-12);
    }
}
