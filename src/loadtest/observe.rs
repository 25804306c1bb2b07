//! What a load test keeps of a run: the observers the engine tells.
//!
//! `planner run` keeps every client's visits ([`Rows`]), the story of clients who give up
//! ([`Teller`]) or a closed loop's requests ([`Requests`]); a search keeps nothing per client,
//! only what judging a configuration takes ([`Judge`](super::judge::Judge)): histograms of latencies per class,
//! the clients who gave up, and when asked where the late clients queued ([`LateWaits`]). A
//! report that shows where the time goes profiles one configuration ([`Profiler`]): each
//! station's queue, service and busy time, every client's latency.

use std::collections::HashMap;
use std::sync::Arc;

use crate::engine::{AttemptEnd, Done, Observe, UnitTime, Units, Visit};
use crate::model::objective::Share;
use crate::model::units::{Resolution, Seconds};
use crate::outcome::profile::{LatencyCurve, Profile, StationLoad};
use crate::outcome::records::{Attempt, Fate, Outcome, Request, Story, NOT_VISITED};
use crate::outcome::stats;
use crate::outcome::trace::Event;
use crate::outcome::windows::{ClientLatency, Windows};

/// Every client's visits, as `planner run` lists them; with `TRACE`, every event too; when
/// asked ([`Rows::judging`]), where the late clients queued.
pub struct Rows<const TRACE: bool> {
    stations: usize,
    due: Vec<u64>,
    class: Option<Vec<u32>>,
    start: Vec<u64>,
    done: Vec<u64>,
    queued_at: Vec<u16>,
    queued_steps: Vec<u64>,
    events: Vec<Event>,
    units: Vec<Units>,
    unit_time: Vec<UnitTime>,
    /// The late clients' queueing per station, and who is late: with [`Rows::judging`].
    late: Option<(LateWaits, Lateness)>,
}

/// Who is late, as [`Judge`](super::judge::Judge) decides it: past the warm-up, served, and not strictly under
/// its class's timeout.
pub struct Lateness {
    /// The model's step.
    pub resolution: Resolution,
    /// The first clients, not judged.
    pub warmup: u32,
    /// Per class, its timeout in nanoseconds.
    pub limits: Arc<[u128]>,
}

impl Lateness {
    /// Whether a client of `class` who ended as `d` tells is late.
    pub(super) fn late(&self, class: u32, d: &Done) -> bool {
        let k = (class as usize).min(self.limits.len().saturating_sub(1));
        d.client >= self.warmup
            && d.served
            && !stats::satisfied(
                d.end - d.due,
                self.resolution,
                self.limits.get(k).copied().unwrap_or(u128::MAX),
            )
    }
}

/// How long each client queued at each station, and, summed over the clients judged late,
/// per station: the cause of their lateness that a report names, rather than the end of
/// their flow. It follows every visit (the engine's `arrive` and `visit`): a test that names
/// no station does not ask for it.
///
/// A client's queueing at a station is the sum of its visits' starts there minus the sum of
/// their arrivals, kept as one wrapping number per client and station: once every visit has
/// begun (the client is served), it is the steps it queued there, whichever visit began
/// first. So nothing pairs an arrival with its visit, and a client costs 8 bytes a station.
#[derive(Debug, Clone, Default)]
pub struct LateWaits {
    stations: usize,
    /// `row[client * stations + station]`: starts minus arrivals there, wrapping.
    row: Vec<u64>,
    /// Per station, the steps the late clients queued there, every visit summed.
    pub per_station: Vec<u128>,
}

impl LateWaits {
    /// Nothing queued yet, at `stations` stations, with room for `clients` clients (more
    /// are made room for as they come).
    pub fn new(stations: usize, clients: usize) -> LateWaits {
        LateWaits {
            stations,
            row: vec![0; clients * stations],
            per_station: vec![0; stations],
        }
    }

    fn cell(&mut self, client: u32, station: u16) -> Option<&mut u64> {
        let at = client as usize * self.stations + station as usize;
        if at >= self.row.len() && (station as usize) < self.stations {
            let room = (client as usize + 1).next_power_of_two() * self.stations;
            self.row.resize(room, 0);
        }
        self.row.get_mut(at)
    }

    pub(super) fn arrive(&mut self, client: u32, station: u16, at: u64) {
        if let Some(c) = self.cell(client, station) {
            *c = c.wrapping_sub(at);
        }
    }

    pub(super) fn visit(&mut self, v: &Visit) {
        if let Some(c) = self.cell(v.client, v.station) {
            *c = c.wrapping_add(v.start);
        }
    }

    fn row_of(&mut self, client: u32) -> &mut [u64] {
        let from = (client as usize * self.stations).min(self.row.len());
        let to = (from + self.stations).min(self.row.len());
        &mut self.row[from..to]
    }

    /// An attempt given up takes its queues with it: a client is judged by the attempt
    /// that served it, as its latency is.
    pub(super) fn given_up(&mut self, client: u32) {
        self.row_of(client).fill(0);
    }

    /// The client ended; its queueing counts when it was `late`.
    pub(super) fn ended(&mut self, client: u32, late: bool) {
        if !late {
            return;
        }
        let from = (client as usize * self.stations).min(self.row.len());
        for (total, &queued) in self.per_station.iter_mut().zip(&self.row[from..]) {
            *total += u128::from(queued);
        }
    }
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
            queued_at: vec![0; clients],
            queued_steps: vec![0; clients],
            events: Vec::new(),
            units: Vec::new(),
            unit_time: Vec::new(),
            late: None,
        }
    }

    /// The same rows, also summing where the clients `lateness` judges late queued
    /// ([`Outcome::late_waits`]).
    pub fn judging(self, lateness: Lateness) -> Self {
        Rows {
            late: Some((LateWaits::new(self.stations, self.due.len()), lateness)),
            ..self
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
            queued_at: self.queued_at,
            queued_steps: self.queued_steps,
            trace: TRACE.then_some(events),
            units: self.units,
            unit_time: self.unit_time,
            late_waits: self.late.map(|(waits, _)| waits.per_station),
        }
    }
}

impl<const TRACE: bool> Observe for Rows<TRACE> {
    const VISITS: bool = true;
    const EVENTS: bool = TRACE;
    const UNITS: bool = true;

    fn arrive(&mut self, client: u32, station: u16, at: u64) {
        if let Some((waits, _)) = &mut self.late {
            waits.arrive(client, station, at);
        }
    }

    /// A station a flow visits twice keeps the visit that ended last.
    #[inline]
    fn visit(&mut self, v: Visit) {
        if let Some((waits, _)) = &mut self.late {
            waits.visit(&v);
        }
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
        let (at, steps) = d.waited;
        self.queued_at[d.client as usize] = at;
        self.queued_steps[d.client as usize] = steps;
        if let Some((waits, lateness)) = &mut self.late {
            waits.ended(d.client, lateness.late(d.class, &d));
        }
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

/// What the scaled pools of one replication paid for, and nothing else: what a search of
/// autoscaling policies costs a policy by.
#[derive(Default)]
pub struct Spend(pub Vec<UnitTime>);

impl Observe for Spend {
    fn unit_time(&mut self, time: UnitTime) {
        self.0.push(time);
    }
}

/// One client's (or closed-loop request's) end, as the profiler keeps it: (client, user,
/// class, due, end, served).
type Ended = (u32, u32, u32, u64, u64, bool);

/// What the profiler follows of one client's attempt in progress.
#[derive(Default)]
struct InAttempt {
    queued: Vec<(u16, u64)>,
    served: Vec<(u16, u64)>,
}

/// Where the time goes in one run: every visit's queue and service, each station's busy
/// time, every client's latency by class. One replication of one configuration, profiled
/// when a report asks for it; a search's judging keeps none of this.
pub struct Profiler {
    resolution: Resolution,
    warmup: u32,
    /// Per class: (timeout in nanoseconds, timeout in seconds, required share in percent).
    objectives: Vec<(u128, f64, f64)>,
    /// Per station, the units that serve at once (a batch station: its one lock), and
    /// whether it is a pool (whose services an attempt given up wastes).
    units: Vec<(u32, bool)>,
    /// Per client in an attempt: the stations it queues at and since when (a visit's end
    /// takes its entry), and the pool services it was given (station, steps).
    attempts: HashMap<u32, InAttempt>,
    visits: Vec<u64>,
    /// Per station, in steps: service given (wasted service included), queueing, service
    /// of the visits that ended, the longest queue.
    busy: Vec<u64>,
    waited: Vec<u128>,
    serving: Vec<u128>,
    longest: Vec<u64>,
    /// The last instant anything happened.
    end: u64,
    /// A closed loop counts its requests in the order they started (as [`Judge`](super::judge::Judge) does).
    closed: bool,
    ended: Vec<Ended>,
}

impl Profiler {
    /// For clients from `warmup` on judged by their class's `objectives`, at stations
    /// serving `units` at once (and whether each is a pool); `closed`: a closed loop's
    /// requests.
    pub fn new(
        resolution: Resolution,
        warmup: u32,
        objectives: &[(Seconds, Share)],
        units: Vec<(u32, bool)>,
        closed: bool,
    ) -> Profiler {
        let stations = units.len();
        Profiler {
            resolution,
            warmup,
            objectives: objectives
                .iter()
                .map(|&(t, share)| (Resolution::timeout_nanos(t), t.get(), share.percent()))
                .collect(),
            units,
            attempts: HashMap::new(),
            visits: vec![0; stations],
            busy: vec![0; stations],
            waited: vec![0; stations],
            serving: vec![0; stations],
            longest: vec![0; stations],
            end: 0,
            closed,
            ended: Vec::new(),
        }
    }

    /// The profile of replication `replication`, which this profiler watched: the
    /// stations' capacities are the caller's to add ([`Profile::bottleneck`],
    /// [`StationLoad::capacity_per_s`]).
    pub fn finish(mut self, replication: u32) -> Profile {
        let secs = self.resolution.seconds();
        let span = self.end;
        let stations: Vec<StationLoad> = (0..self.units.len())
            .map(|s| {
                let n = self.visits[s].max(1) as f64;
                let room = span as f64 * f64::from(self.units[s].0.max(1));
                StationLoad {
                    visits: self.visits[s],
                    busy_percent: if room > 0.0 {
                        100.0 * self.busy[s] as f64 / room
                    } else {
                        0.0
                    },
                    mean_wait_s: self.waited[s] as f64 / n * secs,
                    mean_service_s: self.serving[s] as f64 / n * secs,
                    max_wait_s: self.longest[s] as f64 * secs,
                    capacity_per_s: f64::INFINITY,
                    offered_percent: None,
                }
            })
            .collect();
        let busiest = stations
            .iter()
            .enumerate()
            .filter(|(_, s)| s.visits > 0)
            .fold(None, |best: Option<(usize, f64)>, (i, s)| match best {
                Some((_, b)) if b >= s.busy_percent => best,
                _ => Some((i, s.busy_percent)),
            })
            .map(|(i, _)| i);
        if self.closed {
            self.ended.sort_by_key(|&(_, user, _, due, ..)| (due, user));
        } else {
            self.ended.sort_by_key(|&(client, ..)| client);
        }
        let classes = self.objectives.len().max(1);
        let mut served: Vec<Vec<u64>> = vec![Vec::new(); classes];
        let mut counted = vec![0usize; classes];
        let mut clients = Vec::with_capacity(self.ended.len());
        for (i, &(client, _, class, due, end, ok)) in self.ended.iter().enumerate() {
            let k = (class as usize).min(classes - 1);
            let judged = if self.closed { i } else { client as usize } >= self.warmup as usize;
            let latency = end - due;
            let limit = self.objectives.get(k).map_or(u128::MAX, |o| o.0);
            let in_time = ok && stats::satisfied(latency, self.resolution, limit);
            if judged {
                counted[k] += 1;
                if ok {
                    served[k].push(latency);
                }
            }
            clients.push(ClientLatency {
                due_s: due as f64 * secs,
                latency_s: latency as f64 * secs,
                late: judged && !in_time,
            });
        }
        let curves = served
            .into_iter()
            .zip(counted)
            .enumerate()
            .map(|(k, (latencies, n))| {
                let (_, timeout_s, share) = self.objectives.get(k).copied().unwrap_or_default();
                LatencyCurve::of(latencies, n, secs, timeout_s, share)
            })
            .collect();
        Profile {
            replication,
            span_s: span as f64 * secs,
            stations,
            busiest,
            bottleneck: 0,
            classes: curves,
            windows: Windows::of(&clients),
        }
    }
}

impl Observe for Profiler {
    const VISITS: bool = true;
    const ATTEMPTS: bool = true;

    fn arrive(&mut self, client: u32, station: u16, at: u64) {
        let attempt = self.attempts.entry(client).or_default();
        attempt.queued.push((station, at));
    }

    fn visit(&mut self, v: Visit) {
        let s = v.station as usize;
        let service = v.done - v.start;
        let attempt = self.attempts.entry(v.client).or_default();
        let arrived = attempt
            .queued
            .iter()
            .position(|&(st, _)| st == v.station)
            .map(|i| attempt.queued.remove(i).1);
        if self.units[s].1 {
            attempt.served.push((v.station, service));
        }
        let wait = arrived.map_or(0, |a| v.start.saturating_sub(a));
        self.visits[s] += 1;
        self.waited[s] += u128::from(wait);
        self.serving[s] += u128::from(service);
        self.busy[s] += service;
        self.longest[s] = self.longest[s].max(wait);
        self.end = self.end.max(v.done);
    }

    fn attempt(&mut self, a: AttemptEnd) {
        let attempt = self.attempts.remove(&a.client).unwrap_or_default();
        if !a.served {
            // The engine tells every pool service of an attempt given up as wasted, those
            // that ended too: those are counted once, as the waste.
            for (station, steps) in attempt.served {
                self.busy[station as usize] = self.busy[station as usize].saturating_sub(steps);
            }
        }
        self.end = self.end.max(a.end);
    }

    fn done(&mut self, d: Done) {
        self.attempts.remove(&d.client);
        self.end = self.end.max(d.end);
        self.ended
            .push((d.client, d.user, d.class, d.due, d.end, d.served));
    }

    fn wasted(&mut self, station: u16, steps: u64) {
        self.busy[station as usize] += steps;
    }
}
