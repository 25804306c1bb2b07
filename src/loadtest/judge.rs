//! The judge of a search's load test: what one replication leaves of its clients, counted
//! per class as they end, and when a run has shown enough to stop.

use std::sync::Arc;

use super::observe::{LateWaits, Lateness};
use crate::engine::{AttemptEnd, Done, Observe, Visit};
use crate::model::units::Resolution;
use crate::outcome::stats::{self, Histogram};
use crate::outcome::steady::{self, Cut};

/// What judging one replication takes, per request class (one class without them).
#[derive(Debug, Clone, Default)]
pub struct Tally {
    /// The served clients' latencies, in steps.
    pub served: Histogram,
    /// Clients counted: served, late or gone.
    pub clients: usize,
    /// Served strictly within their class's timeout.
    pub satisfied: usize,
    /// Gave up for good.
    pub given_up: usize,
}

/// A closed-loop request: (start, user, class, end).
type Sent = (u64, u32, u32, u64);

/// An open-loop client kept until the run ends, to be judged past the steady state's
/// warm-up: (client, class, latency when served).
type Kept = (u32, u32, Option<u64>);

/// One replication judged: every client counted into its class's tally as it ends, past the
/// warm-up; a closed loop's requests kept until the end, to be counted in the order they
/// started.
///
/// With `WAITS`, it also sums per station how long the late clients queued there
/// ([`LateWaits`]): a sweep, which names no station, leaves it off.
pub struct Judge<const WAITS: bool = false> {
    lateness: Lateness,
    /// Per class.
    pub classes: Vec<Tally>,
    /// Where the late clients queued (empty without `WAITS`; all zero for a closed loop,
    /// whose requests are not followed).
    pub late_waits: LateWaits,
    /// A closed loop's requests, and its length in steps and in seconds (as the user stated
    /// it: the throughput divides by it).
    closed: Option<(Vec<Sent>, u64, f64)>,
    /// A closed loop's requests completed per second of its duration.
    pub throughput: Option<f64>,
    /// Judged on the steady state: every client kept until the end, then MSER-5 cuts the
    /// warm-up ([`Judge::finish`]).
    kept: Option<Vec<Kept>>,
    /// With a steady state to find, where MSER-5 cut this run.
    pub cut: Option<Cut>,
    /// When the last client ended, in steps: how long the run simulated.
    pub last_end: u64,
    /// When to stop the run ([`Judge::stopping`]).
    stop: Option<Stop>,
}

/// When a judge stops its run: per class, the clients it will count and the late count at
/// which the replication is sure to fail (`None`: never).
struct Stop {
    expected: Vec<usize>,
    late: Vec<Option<usize>>,
}

impl<const WAITS: bool> Judge<WAITS> {
    /// Clients from `warmup` on, judged by their class's timeout (`limits`, nanoseconds);
    /// `closed`: the duration (steps, seconds) of a closed loop, whose requests count in
    /// start order. With `WAITS`, room for `clients` clients' queueing; `steady`: judge an
    /// open loop on its steady state, past the warm-up MSER-5 finds (and at least `warmup`).
    pub fn new(
        resolution: Resolution,
        warmup: u32,
        limits: Arc<[u128]>,
        stations: usize,
        clients: usize,
        closed: Option<(u64, f64)>,
        steady: bool,
    ) -> Self {
        Judge {
            classes: vec![Tally::default(); limits.len()],
            lateness: Lateness {
                resolution,
                warmup,
                limits,
            },
            // Not following queues (a sweep), it keeps nothing: not even a zero per station.
            late_waits: if WAITS {
                LateWaits::new(stations, if closed.is_none() { clients } else { 0 })
            } else {
                LateWaits::default()
            },
            closed: closed.map(|(steps, seconds)| (Vec::new(), steps, seconds)),
            throughput: None,
            kept: (steady && closed.is_none()).then(Vec::new),
            cut: None,
            last_end: 0,
            stop: None,
        }
    }

    /// Stops the run once some class has `late[k]` late clients (served late or gone) of
    /// the `expected[k]` it will count: the replication is then sure to fail
    /// ([`crate::outcome::verdict::SureFailure`]), and a search need not see the rest. A run
    /// judged on its steady state, a closed loop's, or one following where late clients
    /// queue, is never stopped: what it keeps needs every client.
    pub fn stopping(mut self, expected: Vec<usize>, late: Vec<Option<usize>>) -> Self {
        if self.kept.is_none() && self.closed.is_none() && !WAITS {
            self.stop = Some(Stop { expected, late });
        }
        self
    }

    /// Whether the run was stopped before every client it counts had ended: its figures
    /// then cover only those that had.
    pub fn cut_short(&self) -> bool {
        self.stop.as_ref().is_some_and(|s| {
            self.classes
                .iter()
                .zip(&s.expected)
                .any(|(t, &n)| t.clients < n)
        })
    }

    /// Per class, the clients it counts and the most of them that can be satisfied: a
    /// stopped run's late clients can only be joined by more.
    pub fn at_most_satisfied(&self) -> Vec<(usize, usize)> {
        match &self.stop {
            Some(s) => self
                .classes
                .iter()
                .zip(&s.expected)
                .map(|(t, &n)| (n, n - (t.clients - t.satisfied)))
                .collect(),
            None => self
                .classes
                .iter()
                .map(|t| (t.clients, t.satisfied))
                .collect(),
        }
    }

    fn count(&mut self, class: u32, latency: Option<u64>) {
        let k = (class as usize).min(self.classes.len() - 1);
        let tally = &mut self.classes[k];
        tally.clients += 1;
        match latency {
            Some(l) => {
                tally.served.add(l);
                if stats::satisfied(l, self.lateness.resolution, self.lateness.limits[k]) {
                    tally.satisfied += 1;
                }
            }
            None => tally.given_up += 1,
        }
    }

    /// Counts a closed loop's requests, in the order they started (the warm-up first), once
    /// the run is over; its throughput counts those completed within its duration. On the
    /// steady state, counts the clients past the warm-up MSER-5 finds in their latencies in
    /// arrival order, each as a fraction of its class's timeout so that classes with other
    /// objectives weigh alike (a client who gave up counts as twice its timeout).
    pub fn finish(mut self) -> Self {
        if let Some(mut kept) = self.kept.take() {
            kept.sort_unstable_by_key(|k| k.0);
            let nanos = self.lateness.resolution.nanos() as f64;
            let limits = self.lateness.limits.clone();
            let series: Vec<f64> = kept
                .iter()
                .map(|&(_, class, latency)| {
                    let limit = limits[(class as usize).min(limits.len() - 1)] as f64;
                    latency.map_or(2.0, |l| l as f64 * nanos / limit)
                })
                .collect();
            let cut = steady::mser5(&series);
            self.cut = Some(cut);
            let from = cut.warmup.max(self.lateness.warmup as usize);
            for &(_, class, latency) in kept.iter().skip(from) {
                self.count(class, latency);
            }
        }
        if let Some((mut requests, duration, seconds)) = self.closed.take() {
            requests.sort_by_key(|&(start, user, ..)| (start, user));
            let done_in = requests.iter().filter(|r| r.3 <= duration).count();
            self.throughput = Some(done_in as f64 / seconds);
            for &(start, _, class, end) in requests.iter().skip(self.lateness.warmup as usize) {
                self.count(class, Some(end - start));
            }
        }
        self
    }
}

impl<const WAITS: bool> Observe for Judge<WAITS> {
    const VISITS: bool = WAITS;
    const ATTEMPTS: bool = WAITS;
    const STOPS: bool = !WAITS;

    fn stopped(&self) -> bool {
        self.stop.as_ref().is_some_and(|s| {
            self.classes
                .iter()
                .zip(&s.late)
                .any(|(t, late)| late.is_some_and(|l| t.clients - t.satisfied >= l))
        })
    }

    fn arrive(&mut self, client: u32, station: u16, at: u64) {
        if self.closed.is_none() {
            self.late_waits.arrive(client, station, at);
        }
    }

    fn visit(&mut self, v: Visit) {
        if self.closed.is_none() {
            self.late_waits.visit(&v);
        }
    }

    fn attempt(&mut self, a: AttemptEnd) {
        if !a.served {
            self.late_waits.given_up(a.client);
        }
    }

    fn done(&mut self, d: Done) {
        self.last_end = self.last_end.max(d.end);
        if let Some((requests, ..)) = &mut self.closed {
            requests.push((d.due, d.user, d.class, d.end));
            return;
        }
        if WAITS {
            self.late_waits
                .ended(d.client, self.lateness.late(d.class, &d));
        }
        if let Some(kept) = &mut self.kept {
            kept.push((d.client, d.class, d.served.then(|| d.end - d.due)));
            return;
        }
        if d.client < self.lateness.warmup {
            return;
        }
        self.count(d.class, d.served.then(|| d.end - d.due));
    }
}
