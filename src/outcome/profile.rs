//! Where the time went in one load test of one configuration: how busy each station was,
//! how long clients queued there against how long they were served, and how latencies
//! spread in each request class. An HTML report shows it beside the verdicts, which say
//! whether a configuration passes but not why it is as fast or slow as it is.

use crate::outcome::windows::Windows;

/// One load test's profile (one replication), as a report shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    /// Which replication was profiled (0-based): with replications, the page says it is one
    /// of them.
    pub replication: u32,
    /// Seconds from the test's start to the last thing that happened in it.
    pub span_s: f64,
    /// Per station, in scenario order.
    pub stations: Vec<StationLoad>,
    /// The station busiest over the test (the first in scenario order on a tie); `None`
    /// when no station served anybody.
    pub busiest: Option<usize>,
    /// The station with the lowest capacity, which bounds the rate the configuration
    /// sustains for good (the first in scenario order on a tie).
    pub bottleneck: usize,
    /// Per request class, in file order (one curve without classes).
    pub classes: Vec<LatencyCurve>,
    /// Every client (a closed loop's requests) by due time, in windows: what "latency over
    /// the test" draws.
    pub windows: Windows,
}

/// How one station spent the test.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StationLoad {
    /// Visits served (a flow may visit a station twice, a branch never).
    pub visits: u64,
    /// The share of its capacity in use over the test, in percent: service time given
    /// (wasted service included) over units × the test's span. A batch station counts its
    /// lock, busy while a batch cooks.
    pub busy_percent: f64,
    /// Mean seconds a visit queued before service began (for a batch station: for the lock).
    pub mean_wait_s: f64,
    /// Mean seconds of service once it began (a batch station's: the batch cooked for it, or
    /// nothing when a portion was ready).
    pub mean_service_s: f64,
    /// The longest any visit queued there, in seconds.
    pub max_wait_s: f64,
    /// Clients per second it serves for good at this configuration.
    pub capacity_per_s: f64,
    /// The test's arrival rate as a share of that capacity, in percent; `None` without a
    /// rate (a closed loop, a replayed trace).
    pub offered_percent: Option<f64>,
}

/// One request class's latencies as a cumulative distribution: the share of its clients
/// served within each latency, with the objective it is judged by.
#[derive(Debug, Clone, PartialEq)]
pub struct LatencyCurve {
    /// Clients of the class counted (after the warm-up), served or not.
    pub clients: usize,
    /// Of them, those served.
    pub served: usize,
    /// The others, who gave up for good.
    pub given_up: usize,
    /// The class's timeout, in seconds.
    pub timeout_s: f64,
    /// The share that must be served under it, in percent.
    pub share_percent: f64,
    /// (latency in seconds, percent of the class's clients served within it), by latency:
    /// each distinct latency once, or at most [`CURVE_POINTS`] steps of equal width when
    /// there are more. Clients who gave up are in no point, so the curve ends below 100 %.
    pub points: Vec<(f64, f64)>,
}

/// The most steps a latency curve has: enough for a smooth line, few enough for any page.
pub const CURVE_POINTS: usize = 400;

impl LatencyCurve {
    /// The curve of `served` latencies (steps, any order) of a class of `clients` clients.
    pub fn of(
        mut served: Vec<u64>,
        clients: usize,
        seconds_per_step: f64,
        timeout_s: f64,
        share_percent: f64,
    ) -> LatencyCurve {
        served.sort_unstable();
        let n = served.len();
        let mut points: Vec<(u64, usize)> = Vec::new();
        for (i, &l) in served.iter().enumerate() {
            match points.last_mut() {
                Some(last) if last.0 == l => last.1 = i + 1,
                _ => points.push((l, i + 1)),
            }
        }
        if points.len() > CURVE_POINTS {
            // Equal-width steps: each keeps the last latency within it and its count.
            let (lo, hi) = (served[0], served[n - 1]);
            let width = (hi - lo).div_ceil(CURVE_POINTS as u64 - 1).max(1);
            let mut binned: Vec<(u64, usize)> = Vec::new();
            for (l, count) in points {
                let edge = lo + ((l - lo).div_ceil(width)) * width;
                match binned.last_mut() {
                    Some(last) if last.0 == edge => last.1 = count,
                    _ => binned.push((edge, count)),
                }
            }
            points = binned;
        }
        let percent = |k: usize| 100.0 * k as f64 / clients.max(1) as f64;
        LatencyCurve {
            clients,
            served: n,
            given_up: clients.saturating_sub(n),
            timeout_s,
            share_percent,
            points: points
                .into_iter()
                .map(|(l, k)| (l as f64 * seconds_per_step, percent(k)))
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_curve_counts_every_client_and_ends_below_100_when_some_gave_up() {
        let c = LatencyCurve::of(vec![3, 1, 3, 2], 5, 0.5, 2.0, 100.0);
        assert_eq!(
            c.points,
            vec![(0.5, 20.0), (1.0, 40.0), (1.5, 80.0)],
            "{c:?}"
        );
        assert_eq!((c.clients, c.served, c.given_up), (5, 4, 1));
    }

    #[test]
    fn a_curve_of_many_latencies_keeps_at_most_its_steps_and_its_last_count() {
        let served: Vec<u64> = (0..10_000).collect();
        let c = LatencyCurve::of(served, 10_000, 1.0, 1.0, 99.0);
        assert!(c.points.len() <= CURVE_POINTS, "{}", c.points.len());
        assert_eq!(c.points.last().unwrap().1, 100.0);
        assert!(c
            .points
            .windows(2)
            .all(|w| w[0].0 < w[1].0 && w[0].1 <= w[1].1));
    }
}
