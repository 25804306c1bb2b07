//! What one simulation recorded, client by client: when each station served each client, what
//! became of clients who give up and retry, a closed loop's requests.

use crate::outcome::trace::Event;
use crate::outcome::units::{UnitTime, Units};

/// A station's start and done times for a client that never visited it (flows only).
pub const NOT_VISITED: u64 = u64::MAX;

/// What one load test recorded. Times are steps since the load test started (time 0).
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// Stations per client: the row width of `start` and `done`.
    pub stations: usize,
    /// Due time of each client.
    pub due: Vec<u64>,
    /// `start[client * stations + station]`: when that station began serving the client
    /// (for a batch station, when the client got the lock).
    pub start: Vec<u64>,
    /// `done[client * stations + station]`: when that station finished with the client (its
    /// last visit, with flows; [`NOT_VISITED`] when it never went there).
    pub done: Vec<u64>,
    /// Each client's request class, when the scenario has classes.
    pub class: Option<Vec<u32>>,
    /// Each client's longest queue before a visit: the station where it waited (meaningful
    /// when `queued_steps` is not 0; [`Outcome::queued_longest`] reads both).
    pub queued_at: Vec<u16>,
    /// The steps of that wait; 0 when the client never queued. Two columns rather than one
    /// of pairs: 10 bytes a client, where a pair pads to 16, and both start as zeroed memory.
    pub queued_steps: Vec<u64>,
    /// The event log in time order, when asked for.
    pub trace: Option<Vec<Event>>,
    /// The units of each pool whose units change, as the controller told them (empty when
    /// none does).
    pub units: Vec<Units>,
    /// What each such pool paid for over the run.
    pub unit_time: Vec<UnitTime>,
    /// Per station, how long the late clients queued there, every visit summed, in steps,
    /// when the run was judged for it (`None`: it was not).
    pub late_waits: Option<Vec<u128>>,
}

impl Outcome {
    /// Clients in the load test; client indices are 0-based, in due-time order.
    pub fn clients(&self) -> usize {
        self.due.len()
    }

    /// When the client's whole order was served: its last station's done time.
    pub fn served(&self, client: usize) -> u64 {
        self.done_of(client)
            .iter()
            .copied()
            .filter(|&d| d != NOT_VISITED)
            .max()
            .unwrap_or(self.due[client])
    }

    /// Served time minus due time, in steps.
    pub fn latency(&self, client: usize) -> u64 {
        self.served(client) - self.due[client]
    }

    /// The client's row of `done`, one entry per station in scenario order.
    pub fn done_of(&self, client: usize) -> &[u64] {
        &self.done[client * self.stations..(client + 1) * self.stations]
    }

    /// The client's row of `start`, one entry per station in scenario order.
    pub fn start_of(&self, client: usize) -> &[u64] {
        &self.start[client * self.stations..(client + 1) * self.stations]
    }

    /// Where the client queued longest, and how long (steps); `None` when it never queued.
    pub fn queued_longest(&self, client: usize) -> Option<(u16, u64)> {
        let steps = self.queued_steps.get(client).copied().filter(|&s| s > 0)?;
        Some((self.queued_at[client], steps))
    }

    /// The station that finished last for this client (the first such in scenario order).
    pub fn bottleneck(&self, client: usize) -> usize {
        let done = self.done_of(client);
        let last = self.served(client);
        done.iter().position(|&d| d == last).unwrap_or(0)
    }
}

/// What became of one client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fate {
    /// Its first due time: latency counts from here, whatever the retries.
    pub due: u64,
    /// When an attempt completed, or `None` when the client gave up for good.
    pub served: Option<u64>,
    /// Attempts made (1 without retries).
    pub attempts: u32,
    /// When it was served or gave up for good.
    pub ended: u64,
    /// Its request class (index into the scenario's `[[request]]`s); 0 without classes.
    pub class: u32,
}

/// One attempt of an open-loop client, for the reports that draw the offered load over time
/// and trace who gave up and retried when.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attempt {
    /// 0-based client who made it.
    pub client: u32,
    /// When it began (its due time, or the end of a backoff), in steps.
    pub start: u64,
    /// When it completed or was given up, in steps.
    pub end: u64,
    /// Whether it completed (else it was given up at `end`).
    pub served: bool,
}

/// One closed-loop request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Request {
    /// 0-based user who made it.
    pub user: u32,
    /// When the user sent it, in steps: its latency counts from here.
    pub start: u64,
    /// When its whole order was served, in steps.
    pub done: u64,
    /// Its request class (index into the scenario's `[[request]]`s), drawn as it started, so
    /// that a search can judge it by its class's objective; 0 without classes.
    pub class: u32,
}

/// What an open-loop run of clients who may give up recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Story {
    /// Each client's fate, in client order.
    pub fates: Vec<Fate>,
    /// Per station, the service steps spent on attempts that were given up.
    pub wasted: Vec<u64>,
    /// Every attempt, in the order they ended.
    pub attempts: Vec<Attempt>,
}

/// One request class's figures in a run with client rules.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct ClassTally {
    /// Clients of the class counted (after the warm-up).
    pub clients: usize,
    /// Served within the class's timeout of their first due time.
    pub satisfied: usize,
    /// Served, but not within the class's timeout.
    pub late: usize,
    /// Gave up for good.
    pub given_up: usize,
    /// Attempts made, retries included.
    pub attempts: u64,
    /// `satisfied` as a share of `clients`, in percent (0 without clients).
    pub satisfied_percent: f64,
    /// `late` as a share of `clients`, in percent.
    pub late_percent: f64,
    /// `given_up` as a share of `clients`, in percent.
    pub given_up_percent: f64,
}

/// `k` of `n` in percent; 0 of none is 0.
pub fn percent(k: usize, n: usize) -> f64 {
    100.0 * k as f64 / n.max(1) as f64
}

impl Story {
    /// Per class (`timeouts[k]`: class `k`'s timeout in steps), the clients from `warmup` on.
    pub fn by_class(&self, timeouts: &[u64], warmup: usize) -> Vec<ClassTally> {
        let mut out = vec![ClassTally::default(); timeouts.len()];
        for f in self.fates.iter().skip(warmup) {
            let Some(t) = out.get_mut(f.class as usize) else {
                continue;
            };
            t.clients += 1;
            t.attempts += u64::from(f.attempts);
            match f.served {
                Some(s) if s - f.due < timeouts[f.class as usize] => t.satisfied += 1,
                Some(_) => t.late += 1,
                None => t.given_up += 1,
            }
        }
        for t in &mut out {
            t.satisfied_percent = percent(t.satisfied, t.clients);
            t.late_percent = percent(t.late, t.clients);
            t.given_up_percent = percent(t.given_up, t.clients);
        }
        out
    }
}
