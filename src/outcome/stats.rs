//! From per-client latencies to a verdict: satisfied count, percentiles, headroom.
//!
//! Latencies are whole steps; a client is satisfied when its latency is *strictly* below the
//! timeout (the seed's "inférieur à 5 secondes"), decided on exact nanoseconds.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Serialize;

use crate::model::objective::Share;
use crate::model::percentile;
use crate::model::scenario::Scenario;
use crate::model::units::{Resolution, Seconds};
use crate::outcome::records::Outcome;
use crate::workload::LoadTest;

/// The summary of one load test (or of several replications: see `spread`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    /// Clients counted (after the warmup).
    pub clients: usize,
    /// Clients whose latency is strictly under the timeout.
    pub satisfied: usize,
    /// Satisfied share in percent.
    pub satisfaction: f64,
    /// Median latency in steps, by nearest rank: the smallest latency that at least half the
    /// clients do not exceed, so it is a latency some client really had.
    pub p50_steps: u64,
    /// 95th percentile latency in steps, by nearest rank as `p50_steps`.
    pub p95_steps: u64,
    /// 99th percentile latency in steps, by nearest rank as `p50_steps`.
    pub p99_steps: u64,
    /// The slowest client's latency, in steps.
    pub max_steps: u64,
    /// Mean latency, in steps.
    pub mean_steps: f64,
    /// Whether enough clients were satisfied for the share asked for (an empty test meets it).
    pub meets_target: bool,
    /// Over several replications: means with 95 % confidence intervals. The fields above
    /// then hold the means (rounded to whole clients and steps), and `meets_target` holds
    /// when the satisfaction interval's lower bound reaches the required share.
    pub spread: Option<Spread>,
    /// Each request class's satisfied share, its interval and p99, in file order; empty
    /// without classes.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub classes: Vec<ClassFigures>,
    /// Requests completed per second, for a closed loop, whose load is not given but follows
    /// the service: the other half of its answer. `None` for arrivals at a given rate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub throughput: Option<f64>,
}

/// A request class's part of a [`Summary`]: what the sweep CSV shows of each class.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ClassFigures {
    /// Satisfied share in percent (its mean over replications); 100 for a class that got no
    /// client: it missed nothing.
    pub satisfaction: f64,
    /// The share's 95 % interval ([`Summary::satisfaction_interval`]); `None` without clients.
    pub interval: Option<(f64, f64)>,
    /// 99th percentile latency in steps (its mean over replications); `None` without clients.
    pub p99_steps: Option<u64>,
}

impl ClassFigures {
    /// A class's figures from its summary (`None`: the test gave it no client).
    pub fn of(summary: Option<&Summary>) -> ClassFigures {
        match summary.filter(|s| s.clients > 0) {
            Some(s) => ClassFigures {
                satisfaction: s.satisfaction,
                interval: s.satisfaction_interval(),
                p99_steps: Some(s.p99_steps),
            },
            None => ClassFigures {
                satisfaction: 100.0,
                interval: None,
                p99_steps: None,
            },
        }
    }
}

/// The 97.5 % quantile of the standard normal distribution.
const Z975: f64 = 1.959_964;

/// The Wilson score interval of `satisfied` of `n` clients at 95 %, in percent: unlike the
/// normal approximation it stays inside [0, 100] and is not a point at 0 % or 100 %.
pub fn wilson(satisfied: usize, n: usize) -> (f64, f64) {
    let n = n as f64;
    let p = satisfied as f64 / n;
    let z2 = Z975 * Z975;
    let centre = (p + z2 / (2.0 * n)) / (1.0 + z2 / n);
    let half = Z975 / (1.0 + z2 / n) * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    // At 0 or n satisfied the bound is exactly 0 or 100; rounding could miss it.
    let low = if satisfied == 0 {
        0.0
    } else {
        100.0 * (centre - half)
    };
    let high = if satisfied as f64 == n {
        100.0
    } else {
        100.0 * (centre + half)
    };
    (low.max(0.0), high.min(100.0))
}

/// A mean with its 95 % confidence interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, JsonSchema)]
pub struct Interval {
    /// In the unit of the values it was computed from.
    pub mean: f64,
    /// Mean minus the half-width; may fall below any value for few, spread-out runs.
    pub low: f64,
    /// Mean plus the half-width.
    pub high: f64,
}

impl Interval {
    /// Student's t interval of the mean of `values` (a point for a single value).
    pub fn of(values: &[f64]) -> Interval {
        let n = values.len() as f64;
        let mean = values.iter().sum::<f64>() / n;
        if values.len() < 2 {
            return Interval {
                mean,
                low: mean,
                high: mean,
            };
        }
        let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
        let half = t975(values.len() - 1) * (var / n).sqrt();
        Interval {
            mean,
            low: mean - half,
            high: mean + half,
        }
    }

    /// The ± a report prints after the mean.
    pub fn half_width(&self) -> f64 {
        (self.high - self.low) / 2.0
    }
}

/// Replication statistics: satisfaction in percent, latencies in seconds.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct Spread {
    /// Runs combined; at least 2 (one run has no spread).
    pub replications: usize,
    /// Satisfied share in percent.
    pub satisfaction: Interval,
    /// The runs' mean latencies, in seconds.
    pub mean_s: Interval,
    /// The runs' median latencies, in seconds.
    pub p50_s: Interval,
    /// The runs' 95th percentile latencies, in seconds.
    pub p95_s: Interval,
    /// The runs' 99th percentile latencies, in seconds.
    pub p99_s: Interval,
    /// The runs' slowest latencies, in seconds.
    pub max_s: Interval,
}

/// The 97.5 % quantile of Student's t with `df` degrees of freedom.
pub fn t975(df: usize) -> f64 {
    const TABLE: [f64; 30] = [
        12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160,
        2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056,
        2.052, 2.048, 2.045, 2.042,
    ];
    match df {
        0 => f64::INFINITY,
        1..=30 => TABLE[df - 1],
        _ => {
            // Cornish–Fisher expansion around the normal quantile: within 1e-4 beyond 30.
            let z: f64 = 1.959_964;
            let d = df as f64;
            z + (z.powi(3) + z) / (4.0 * d)
                + (5.0 * z.powi(5) + 16.0 * z.powi(3) + 3.0 * z) / (96.0 * d * d)
        }
    }
}

impl Summary {
    /// The 95 % interval of the satisfied share, in percent, inside [0, 100]: over
    /// replications Student's t interval of their shares, clamped (it can reach past 100
    /// when the shares are near it); for one run of `n` clients Wilson's score interval.
    /// `None` without clients.
    pub fn satisfaction_interval(&self) -> Option<(f64, f64)> {
        match &self.spread {
            Some(sp) => Some((
                sp.satisfaction.low.clamp(0.0, 100.0),
                sp.satisfaction.high.clamp(0.0, 100.0),
            )),
            None if self.clients == 0 => None,
            None => Some(wilson(self.satisfied, self.clients)),
        }
    }

    /// Summarises an outcome against a timeout and a required share, leaving out the first
    /// `warmup` clients (fewer than the outcome's clients).
    pub fn of(
        outcome: &Outcome,
        resolution: Resolution,
        timeout: Seconds,
        share: Share,
        warmup: u32,
    ) -> Summary {
        let mut latencies: Vec<u64> = (warmup as usize..outcome.clients())
            .map(|c| outcome.latency(c))
            .collect();
        Summary::of_latencies(&mut latencies, resolution, timeout, share)
    }

    /// Combines replications: one replication is returned as it is.
    pub fn combine(runs: &[Summary], resolution: Resolution, share: Share) -> Summary {
        if runs.len() == 1 {
            return runs[0].clone();
        }
        let secs = |f: fn(&Summary) -> f64| -> Interval {
            Interval::of(
                &runs
                    .iter()
                    .map(|s| f(s) * resolution.seconds())
                    .collect::<Vec<_>>(),
            )
        };
        let satisfaction = Interval::of(&runs.iter().map(|s| s.satisfaction).collect::<Vec<_>>());
        let spread = Spread {
            replications: runs.len(),
            satisfaction,
            mean_s: secs(|s| s.mean_steps),
            p50_s: secs(|s| s.p50_steps as f64),
            p95_s: secs(|s| s.p95_steps as f64),
            p99_s: secs(|s| s.p99_steps as f64),
            max_s: secs(|s| s.max_steps as f64),
        };
        let n = runs.len() as f64;
        let mean_of = |f: fn(&Summary) -> f64| runs.iter().map(f).sum::<f64>() / n;
        // Poisson stages bring a different number of clients to each replication.
        let clients = mean_of(|s| s.clients as f64).round() as usize;
        Summary {
            clients,
            satisfied: mean_of(|s| s.satisfied as f64).round() as usize,
            satisfaction: satisfaction.mean,
            p50_steps: mean_of(|s| s.p50_steps as f64).round() as u64,
            p95_steps: mean_of(|s| s.p95_steps as f64).round() as u64,
            p99_steps: mean_of(|s| s.p99_steps as f64).round() as u64,
            max_steps: mean_of(|s| s.max_steps as f64).round() as u64,
            mean_steps: mean_of(|s| s.mean_steps),
            // The lower bound must reach the share; a hair of slack for 100 % exactly.
            meets_target: satisfaction.low >= share.percent() - 1e-9,
            spread: Some(spread),
            classes: Vec::new(),
            throughput: None,
        }
    }

    /// Summarises latencies (in steps; reordered in place).
    pub fn of_latencies(
        latencies: &mut [u64],
        resolution: Resolution,
        timeout: Seconds,
        share: Share,
    ) -> Summary {
        let n = latencies.len();
        if n == 0 {
            return Summary::empty();
        }
        let limit = Resolution::timeout_nanos(timeout);
        let satisfied = latencies
            .iter()
            .filter(|&&l| satisfied(l, resolution, limit))
            .count();
        latencies.sort_unstable();
        let pct = |p: f64| percentile::of(latencies, p).expect("at least one latency");
        let mean = latencies.iter().map(|&l| l as f64).sum::<f64>() / n as f64;
        Summary::of_counts(n, satisfied, pct, latencies[n - 1], mean, share)
    }
}

/// Latencies counted by value. Latencies are whole steps and a load test has few distinct
/// ones, so this is small and exact: the same percentiles, mean and maximum as the sorted
/// list, without keeping a number per client.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Histogram {
    /// (latency, clients) by latency: a sorted vector while distinct latencies are few (a
    /// 10-client test of a sweep allocates once), a tree beyond.
    counts: Vec<(u64, u64)>,
    many: BTreeMap<u64, u64>,
    clients: u64,
    sum: u128,
}

impl Histogram {
    /// Counts one client; `latency_steps` is its latency in steps.
    pub fn add(&mut self, latency_steps: u64) {
        self.add_many(latency_steps, 1);
    }

    /// Counts every client of `other` too.
    pub fn merge(&mut self, other: &Histogram) {
        for (latency, clients) in other.counts() {
            self.add_many(latency, clients);
        }
    }

    /// Counts `clients` clients of latency `latency_steps`.
    fn add_many(&mut self, latency_steps: u64, clients: u64) {
        const FEW: usize = 32;
        if !self.many.is_empty() {
            *self.many.entry(latency_steps).or_insert(0) += clients;
        } else {
            match self
                .counts
                .binary_search_by_key(&latency_steps, |&(l, _)| l)
            {
                Ok(i) => self.counts[i].1 += clients,
                Err(_) if self.counts.len() == FEW => {
                    self.many.extend(self.counts.drain(..));
                    self.many.insert(latency_steps, clients);
                }
                Err(i) => {
                    if self.counts.capacity() == 0 {
                        // Made with room for a sweep's few latencies: an empty vector grows
                        // through code that a sweep's assessment runs for nothing else.
                        self.counts = Vec::with_capacity(8);
                    }
                    self.counts.insert(i, (latency_steps, clients))
                }
            }
        }
        self.clients += clients;
        self.sum += u128::from(latency_steps) * u128::from(clients);
    }

    /// Clients added so far.
    pub fn clients(&self) -> u64 {
        self.clients
    }

    /// The nearest-rank `p` % percentile of the latencies counted ([`percentile`]), in
    /// steps: the first latency whose running count reaches the rank, the same latency the
    /// sorted list would give. `None` before any client.
    pub fn percentile(&self, p: f64) -> Option<u64> {
        if self.clients == 0 {
            return None;
        }
        let rank = percentile::rank(self.clients as usize, p) as u64;
        let mut seen = 0;
        self.counts().find_map(|(l, c)| {
            seen += c;
            (seen >= rank).then_some(l)
        })
    }

    /// (latency, clients), by latency. An enum rather than a boxed iterator: a summary reads
    /// its histogram five times, and a sweep's 10-client assessment paid an allocation each.
    fn counts(&self) -> Counts<'_> {
        if self.many.is_empty() {
            Counts::Few(self.counts.iter())
        } else {
            Counts::Many(self.many.iter())
        }
    }
}

/// [`Histogram::counts`]: from whichever of its two stores holds them.
enum Counts<'a> {
    Few(std::slice::Iter<'a, (u64, u64)>),
    Many(std::collections::btree_map::Iter<'a, u64, u64>),
}

impl Iterator for Counts<'_> {
    type Item = (u64, u64);

    fn next(&mut self) -> Option<(u64, u64)> {
        match self {
            Counts::Few(few) => few.next().copied(),
            Counts::Many(many) => many.next().map(|(&l, &c)| (l, c)),
        }
    }

    fn last(self) -> Option<(u64, u64)> {
        match self {
            Counts::Few(few) => few.last().copied(),
            Counts::Many(many) => many.last().map(|(&l, &c)| (l, c)),
        }
    }
}

impl Summary {
    /// The summary of no client: a replication of Poisson stages may bring none, or none
    /// past the warm-up. Nothing was late, so nothing fails.
    pub fn empty() -> Summary {
        Summary {
            clients: 0,
            satisfied: 0,
            satisfaction: 100.0,
            p50_steps: 0,
            p95_steps: 0,
            p99_steps: 0,
            max_steps: 0,
            mean_steps: 0.0,
            meets_target: true,
            spread: None,
            classes: Vec::new(),
            throughput: None,
        }
    }

    /// The summary of `n` clients (at least one), whatever held their latencies: `pct`
    /// gives the nearest-rank percentile, in steps.
    fn of_counts(
        n: usize,
        satisfied: usize,
        pct: impl Fn(f64) -> u64,
        max_steps: u64,
        mean_steps: f64,
        share: Share,
    ) -> Summary {
        Summary {
            clients: n,
            satisfied,
            satisfaction: 100.0 * satisfied as f64 / n as f64,
            p50_steps: pct(50.0),
            p95_steps: pct(95.0),
            p99_steps: pct(99.0),
            max_steps,
            mean_steps,
            meets_target: satisfied >= share.required(n),
            spread: None,
            classes: Vec::new(),
            throughput: None,
        }
    }

    /// [`Summary::of_latencies`] from a histogram: the same summary.
    pub fn of_histogram(
        histogram: &Histogram,
        resolution: Resolution,
        timeout: Seconds,
        share: Share,
    ) -> Summary {
        let n = histogram.clients as usize;
        if n == 0 {
            return Summary::empty();
        }
        let limit = Resolution::timeout_nanos(timeout);
        let satisfied = histogram
            .counts()
            .filter(|&(l, _)| satisfied(l, resolution, limit))
            .map(|(_, c)| c as usize)
            .sum();
        let pct = |p: f64| histogram.percentile(p).expect("at least one client");
        let max = histogram.counts().last().expect("at least one latency").0;
        let mean = histogram.sum as f64 / n as f64;
        Summary::of_counts(n, satisfied, pct, max, mean, share)
    }
}

/// Strictly below the timeout, in exact nanoseconds.
pub fn satisfied(latency_steps: u64, resolution: Resolution, timeout_nanos: u128) -> bool {
    (latency_steps as u128) * (resolution.nanos() as u128) < timeout_nanos
}

/// Whether a run's client was served in time: strictly under its class's timeout (`--timeout`
/// when given, else the class's own), as every verdict of the run counts it.
pub fn in_time(outcome: &Outcome, client: usize, scenario: &Scenario, load: &LoadTest) -> bool {
    let timeout = match &outcome.class {
        Some(class) => crate::workload::timeout_of(scenario, load, class[client] as usize),
        None => load.timeout,
    };
    let limit = Resolution::timeout_nanos(timeout);
    satisfied(outcome.latency(client), scenario.resolution(), limit)
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
    fn the_satisfaction_interval_stays_inside_0_and_100() {
        // Wilson's, for 5 of 10: 23.66 % to 76.34 %.
        let (low, high) = wilson(5, 10);
        assert!(
            (low - 23.66).abs() < 0.01 && (high - 76.34).abs() < 0.01,
            "{low} {high}"
        );
        // All or none satisfied: an interval, not a point, and never past the ends.
        let (low, high) = wilson(10, 10);
        assert!((low - 72.25).abs() < 0.01 && high == 100.0, "{low} {high}");
        assert_eq!(wilson(0, 10).0, 0.0);
        // Student's t over replications near 100 %: clamped.
        let runs: Vec<Summary> = [98.0, 100.0, 100.0]
            .iter()
            .map(|&p| Summary {
                satisfaction: p,
                clients: 100,
                satisfied: p as usize,
                ..Summary::empty()
            })
            .collect();
        let s = Summary::combine(&runs, Resolution::MILLISECOND, Share::ALL);
        let spread = s.spread.as_ref().unwrap();
        assert!(spread.satisfaction.high > 100.0);
        let (low, high) = s.satisfaction_interval().unwrap();
        assert_eq!(high, 100.0);
        assert_eq!(low, spread.satisfaction.low);
    }

    #[test]
    fn percentiles_are_nearest_rank() {
        let ms = Resolution::MILLISECOND;
        let t = Seconds::new(5.0).unwrap();
        let mut l = [4000, 4000, 4000, 6000, 6000, 8000, 9000, 9000, 9000, 12000];
        let s = Summary::of_latencies(&mut l, ms, t, Share::ALL);
        assert_eq!(
            (s.p50_steps, s.p95_steps, s.p99_steps, s.max_steps),
            (6000, 12000, 12000, 12000)
        );
        assert_eq!(s.satisfied, 3);
        assert!((headroom(&s, ms, t) + 7.0).abs() < 1e-12);
    }

    #[test]
    fn a_histogram_summarises_as_the_sorted_latencies_do() {
        let ms = Resolution::MILLISECOND;
        let t = Seconds::new(5.0).unwrap();
        let spread: Vec<u64> = (0..500).map(|i| (i * 7919) % 1000).collect();
        let cases: [&[u64]; 5] = [
            &spread,
            &[4000, 4000, 4000, 6000, 6000, 8000, 9000, 9000, 9000, 12000],
            &[4999, 5000, 5001],
            &[7],
            &[
                3000, 3500, 3000, 4000, 3000, 3000, 4500, 3000, 3000, 3000, 3000, 5000, 0,
            ],
        ];
        for latencies in cases {
            for share in [Share::ALL, Share::new(50.0).unwrap()] {
                let mut h = Histogram::default();
                latencies.iter().for_each(|&l| h.add(l));
                let want = Summary::of_latencies(&mut latencies.to_vec(), ms, t, share);
                assert_eq!(
                    Summary::of_histogram(&h, ms, t, share),
                    want,
                    "{latencies:?}"
                );
            }
        }
    }

    #[test]
    fn a_histograms_percentiles_are_the_one_nearest_rank_on_random_latencies() {
        // A small xorshift: varied lengths, few and many distinct latencies (the vector and
        // the tree of the histogram), the same every run.
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..200 {
            let n = (next() % 400 + 1) as usize;
            let distinct = next() % 100 + 1;
            let latencies: Vec<u64> = (0..n).map(|_| 1000 + next() % distinct * 7).collect();
            let mut h = Histogram::default();
            latencies.iter().for_each(|&l| h.add(l));
            let mut sorted = latencies.clone();
            sorted.sort_unstable();
            for p in (0..=1000).map(|t| f64::from(t) / 10.0) {
                assert_eq!(h.percentile(p), percentile::of(&sorted, p), "p{p} of {n}");
            }
        }
        assert_eq!(Histogram::default().percentile(50.0), None);
    }

    #[test]
    fn intervals_use_students_t() {
        let i = Interval::of(&[1.0, 2.0, 3.0]);
        assert_eq!(i.mean, 2.0);
        // sd 1, n 3: half-width t(2) / √3.
        assert!((i.half_width() - 4.303 / 3f64.sqrt()).abs() < 1e-9);
        assert!((t975(1000) - 1.962).abs() < 1e-3);
        assert!((t975(31) - 2.0395).abs() < 1e-3);
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
