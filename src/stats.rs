//! From per-client latencies to a verdict: satisfied count, percentiles, headroom.
//!
//! Latencies are whole steps; a client is satisfied when its latency is *strictly* below the
//! timeout (the seed's "inférieur à 5 secondes"), decided on exact nanoseconds.

use serde::Serialize;

use crate::engine::Outcome;
use crate::units::{Resolution, Seconds};

/// The share of clients that must be satisfied, in percent (0, 100].
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Serialize)]
#[serde(transparent)]
pub struct Share(f64);

impl Share {
    pub const ALL: Share = Share(100.0);

    pub fn new(percent: f64) -> Result<Share, String> {
        if percent.is_nan() {
            Err("must be a percentage, not NaN".into())
        } else if percent <= 0.0 || percent > 100.0 {
            Err(format!(
                "must be a percentage above 0 and at most 100, got {percent}"
            ))
        } else {
            Ok(Share(percent))
        }
    }

    pub fn percent(self) -> f64 {
        self.0
    }

    /// How many of `n` clients must be satisfied.
    pub fn required(self, n: usize) -> usize {
        // Exact for 100 %; a tiny slack so 95 % of 20 is 19, not 20 by rounding noise.
        ((self.0 / 100.0 * n as f64) - 1e-9).ceil().max(0.0) as usize
    }
}

/// The summary of one load test.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    pub clients: usize,
    pub satisfied: usize,
    /// Satisfied share in percent.
    pub satisfaction: f64,
    pub p50_steps: u64,
    pub p95_steps: u64,
    pub max_steps: u64,
    pub meets_target: bool,
}

impl Summary {
    /// Summarises an outcome against a timeout and a required share.
    pub fn of(
        outcome: &Outcome,
        resolution: Resolution,
        timeout: Seconds,
        share: Share,
    ) -> Summary {
        let mut latencies: Vec<u64> = (0..outcome.clients()).map(|c| outcome.latency(c)).collect();
        Summary::of_latencies(&mut latencies, resolution, timeout, share)
    }

    /// Summarises latencies (in steps; reordered in place).
    pub fn of_latencies(
        latencies: &mut [u64],
        resolution: Resolution,
        timeout: Seconds,
        share: Share,
    ) -> Summary {
        let n = latencies.len();
        let limit = Resolution::timeout_nanos(timeout);
        let satisfied = latencies
            .iter()
            .filter(|&&l| satisfied(l, resolution, limit))
            .count();
        latencies.sort_unstable();
        let pct = |p: f64| {
            // Nearest rank: the smallest latency that at least p % of clients do not exceed.
            let rank = ((p / 100.0) * n as f64).ceil().max(1.0) as usize;
            latencies[rank.min(n) - 1]
        };
        Summary {
            clients: n,
            satisfied,
            satisfaction: 100.0 * satisfied as f64 / n as f64,
            p50_steps: pct(50.0),
            p95_steps: pct(95.0),
            max_steps: latencies[n - 1],
            meets_target: satisfied >= share.required(n),
        }
    }
}

/// Strictly below the timeout, in exact nanoseconds.
pub fn satisfied(latency_steps: u64, resolution: Resolution, timeout_nanos: u128) -> bool {
    (latency_steps as u128) * (resolution.nanos() as u128) < timeout_nanos
}

/// Timeout minus the worst latency, in seconds (negative when some client was late).
pub fn headroom(summary: &Summary, resolution: Resolution, timeout: Seconds) -> f64 {
    let limit = Resolution::timeout_nanos(timeout) as f64;
    let worst = summary.max_steps as f64 * resolution.nanos() as f64;
    (limit - worst) / 1e9
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strict_less_than_the_timeout() {
        let ms = Resolution::MILLISECOND;
        let t = Seconds::new(5.0).unwrap();
        let s = Summary::of_latencies(&mut [4999, 5000, 5001], ms, t, Share::ALL);
        assert_eq!(s.satisfied, 1);
        assert!(!s.meets_target);
    }

    #[test]
    fn percentiles_are_nearest_rank() {
        let ms = Resolution::MILLISECOND;
        let t = Seconds::new(5.0).unwrap();
        let mut l = [4000, 4000, 4000, 6000, 6000, 8000, 9000, 9000, 9000, 12000];
        let s = Summary::of_latencies(&mut l, ms, t, Share::ALL);
        assert_eq!(
            (s.p50_steps, s.p95_steps, s.max_steps),
            (6000, 12000, 12000)
        );
        assert_eq!(s.satisfied, 3);
        assert!((headroom(&s, ms, t) + 7.0).abs() < 1e-12);
    }

    #[test]
    fn required_share() {
        assert_eq!(Share::ALL.required(10), 10);
        assert_eq!(Share::new(50.0).unwrap().required(10), 5);
        assert_eq!(Share::new(95.0).unwrap().required(20), 19);
        assert!(Share::new(0.0).is_err());
        assert!(Share::new(101.0).is_err());
    }
}
