//! What a load test keeps of a run: the observers the engine tells.
//!
//! `planner run` keeps every client's visits ([`Rows`]), the story of clients who give up
//! ([`Teller`]) or a closed loop's requests ([`Requests`]); a search keeps nothing per client,
//! only what judging a configuration takes ([`Judge`]): histograms of latencies per class,
//! the clients who gave up, the late clients per station.

use std::sync::Arc;

use crate::engine::{AttemptEnd, Done, Observe, UnitTime, Units, Visit};
use crate::model::units::Resolution;
use crate::outcome::records::{Attempt, Fate, Outcome, Request, Story, NOT_VISITED};
use crate::outcome::stats::{self, Histogram};
use crate::outcome::trace::Event;

/// Every client's visits, as `planner run` lists them; with `TRACE`, every event too.
pub struct Rows<const TRACE: bool> {
    stations: usize,
    due: Vec<u64>,
    class: Option<Vec<u32>>,
    start: Vec<u64>,
    done: Vec<u64>,
    queued: Vec<(u16, u64)>,
    events: Vec<Event>,
    units: Vec<Units>,
    unit_time: Vec<UnitTime>,
}

impl<const TRACE: bool> Rows<TRACE> {
    /// Room for `due.len()` clients at `stations` stations; `class`: each client's request
    /// class, when the scenario has classes.
    pub fn new(stations: usize, due: Vec<u64>, class: Option<Vec<u32>>) -> Self {
        let clients = due.len();
        let cells = clients * stations;
        Rows {
            stations,
            due,
            class,
            start: vec![NOT_VISITED; cells],
            done: vec![NOT_VISITED; cells],
            queued: vec![(u16::MAX, 0); clients],
            events: Vec::new(),
            units: Vec::new(),
            unit_time: Vec::new(),
        }
    }

    /// What the run recorded; the events in time order (those at one instant in the order
    /// they happened).
    pub fn outcome(self) -> Outcome {
        let mut events = self.events;
        events.sort_by_key(|e| e.at);
        Outcome {
            stations: self.stations,
            due: self.due,
            start: self.start,
            done: self.done,
            class: self.class,
            queued: self.queued,
            trace: TRACE.then_some(events),
            units: self.units,
            unit_time: self.unit_time,
        }
    }
}

impl<const TRACE: bool> Observe for Rows<TRACE> {
    const VISITS: bool = true;
    const EVENTS: bool = TRACE;
    const UNITS: bool = true;

    /// A station a flow visits twice keeps the visit that ended last.
    fn visit(&mut self, v: Visit) {
        let slot = v.client as usize * self.stations + v.station as usize;
        if self.done[slot] == NOT_VISITED || v.done >= self.done[slot] {
            self.done[slot] = v.done;
            self.start[slot] = v.start;
        }
    }

    fn event(&mut self, e: Event) {
        self.events.push(e);
    }

    fn done(&mut self, d: Done) {
        self.queued[d.client as usize] = d.waited;
    }

    fn units(&mut self, row: Units) {
        self.units.push(row);
    }

    fn unit_time(&mut self, time: UnitTime) {
        self.unit_time.push(time);
    }
}

/// What became of open-loop clients who may give up and retry: each client's fate, every
/// attempt, the work wasted.
pub struct Teller {
    story: Story,
}

impl Teller {
    /// For clients first due at `due`, of classes `class` (all 0 when empty), at `stations`
    /// stations.
    pub fn new(due: &[u64], class: &[u32], stations: usize) -> Teller {
        Teller {
            story: Story {
                fates: due
                    .iter()
                    .enumerate()
                    .map(|(i, &d)| Fate {
                        due: d,
                        served: None,
                        attempts: 0,
                        ended: d,
                        class: class.get(i).copied().unwrap_or(0),
                    })
                    .collect(),
                wasted: vec![0; stations],
                attempts: Vec::new(),
            },
        }
    }

    /// The story told.
    pub fn story(self) -> Story {
        self.story
    }
}

impl Observe for Teller {
    const ATTEMPTS: bool = true;

    fn attempt(&mut self, a: AttemptEnd) {
        self.story.attempts.push(Attempt {
            client: a.client,
            start: a.start,
            end: a.end,
            served: a.served,
        });
    }

    fn done(&mut self, d: Done) {
        let f = &mut self.story.fates[d.client as usize];
        f.served = d.served.then_some(d.end);
        f.attempts = d.attempts;
        f.ended = d.end;
    }

    fn wasted(&mut self, station: u16, steps: u64) {
        self.story.wasted[station as usize] += steps;
    }
}

/// A closed loop's requests, in the order they completed.
#[derive(Default)]
pub struct Requests(pub Vec<Request>);

impl Observe for Requests {
    fn done(&mut self, d: Done) {
        self.0.push(Request {
            user: d.user,
            start: d.due,
            done: d.end,
            class: d.class,
        });
    }
}

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

/// One replication judged: every client counted into its class's tally as it ends, past the
/// warm-up; a closed loop's requests kept until the end, to be counted in the order they
/// started.
pub struct Judge {
    resolution: Resolution,
    warmup: u32,
    /// Per class, its timeout in nanoseconds (shared by every replication's judge).
    limits: Arc<[u128]>,
    /// Per class.
    pub classes: Vec<Tally>,
    /// Per station, the late clients who queued longest there.
    pub late: Vec<usize>,
    /// A closed loop's requests, and its length in steps and in seconds (as the user stated
    /// it: the throughput divides by it).
    closed: Option<(Vec<Sent>, u64, f64)>,
    /// A closed loop's requests completed per second of its duration.
    pub throughput: Option<f64>,
}

impl Judge {
    /// Clients from `warmup` on, judged by their class's timeout (`limits`, nanoseconds);
    /// `closed`: the duration (steps, seconds) of a closed loop, whose requests count in
    /// start order.
    pub fn new(
        resolution: Resolution,
        warmup: u32,
        limits: Arc<[u128]>,
        stations: usize,
        closed: Option<(u64, f64)>,
    ) -> Judge {
        Judge {
            resolution,
            warmup,
            classes: vec![Tally::default(); limits.len()],
            limits,
            late: vec![0; stations],
            closed: closed.map(|(steps, seconds)| (Vec::new(), steps, seconds)),
            throughput: None,
        }
    }

    fn count(&mut self, class: u32, latency: Option<u64>, waited: u16) {
        let k = (class as usize).min(self.classes.len() - 1);
        let tally = &mut self.classes[k];
        tally.clients += 1;
        match latency {
            Some(l) => {
                tally.served.add(l);
                if stats::satisfied(l, self.resolution, self.limits[k]) {
                    tally.satisfied += 1;
                } else if let Some(n) = self.late.get_mut(waited as usize) {
                    *n += 1;
                }
            }
            None => tally.given_up += 1,
        }
    }

    /// Counts a closed loop's requests, in the order they started (the warm-up first), once
    /// the run is over; its throughput counts those completed within its duration.
    pub fn finish(mut self) -> Judge {
        if let Some((mut requests, duration, seconds)) = self.closed.take() {
            requests.sort_by_key(|&(start, user, ..)| (start, user));
            let done_in = requests.iter().filter(|r| r.3 <= duration).count();
            self.throughput = Some(done_in as f64 / seconds);
            for &(start, _, class, end) in requests.iter().skip(self.warmup as usize) {
                self.count(class, Some(end - start), u16::MAX);
            }
        }
        self
    }
}

impl Observe for Judge {
    fn done(&mut self, d: Done) {
        if let Some((requests, ..)) = &mut self.closed {
            requests.push((d.due, d.user, d.class, d.end));
            return;
        }
        if d.client < self.warmup {
            return;
        }
        self.count(d.class, d.served.then(|| d.end - d.due), d.waited.0);
    }
}

/// What the scaled pools of one replication paid for, and nothing else: what a search of
/// autoscaling policies costs a policy by.
#[derive(Default)]
pub struct Spend(pub Vec<UnitTime>);

impl Observe for Spend {
    fn unit_time(&mut self, time: UnitTime) {
        self.0.push(time);
    }
}
