//! The async model: stations as async primitives, one future per client order, one load test.
//!
//! This is the seed's restaurant written as real async Rust. A pool station is a FIFO
//! semaphore held for the service time; a batch station is a FIFO lock over a counter of ready
//! portions, the batch cooked while the lock is held. Each client order is one spawned future
//! that visits every station concurrently (a join of one visit per station).
//!
//! The model is generic over a small runtime (now, sleep, spawn). In virtual time it runs on
//! the engine's own executor ([`exec`]): one step is one unit of its clock, which jumps to the
//! next timer whenever every task waits, so a 10-client test takes microseconds and its times
//! are exact. With the real clock the same code runs on tokio, sleeping for real, `speed`
//! times faster.
//!
//! The engine knows nothing of costs, searches or output formats: it takes stations and due
//! times in steps and returns, per client and station, when service started and ended.

mod behave;
mod exec;
mod plan;
mod run;
mod station;
mod sync;
mod trace;
mod walk;

pub use plan::{Classes, Node, Plan};
pub use run::{
    simulate, simulate_classes, simulate_classes_each, simulate_drawn, simulate_each, Served,
};

/// A station's start and done times for a client that never visited it (flows only).
pub const NOT_VISITED: u64 = u64::MAX;
pub use behave::{
    simulate_behaving, simulate_closed, Behaved, Behaviour, ClosedLoop, Fate, Request, ServiceDraw,
};
pub use trace::{Event, EventKind};

/// One station of the fan-out, as the engine runs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Station {
    pub name: String,
    /// Service time of one request (pool) or one batch (batch), in steps.
    pub service: u64,
    pub kind: Kind,
}

/// How a station serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `units` identical servers; a request waits FIFO for a free one and holds it.
    Pool { units: u32 },
    /// A cache refilled `portions` at a time by whoever finds it empty, under one FIFO lock.
    Batch { portions: u32 },
}

/// Which clock drives the simulation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Clock {
    /// The engine's own virtual-time executor: deterministic and instant.
    Virtual,
    /// Tokio's real clock, every model duration divided by `speed`.
    Real { speed: f64, step_seconds: f64 },
}

/// What one load test recorded. Times are steps since the load test started (time 0).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
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
    /// The event log in time order, when asked for.
    pub trace: Option<Vec<Event>>,
}

impl Outcome {
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

    pub fn done_of(&self, client: usize) -> &[u64] {
        &self.done[client * self.stations..(client + 1) * self.stations]
    }

    pub fn start_of(&self, client: usize) -> &[u64] {
        &self.start[client * self.stations..(client + 1) * self.stations]
    }

    /// The station that finished last for this client (the first such in scenario order).
    pub fn bottleneck(&self, client: usize) -> usize {
        let done = self.done_of(client);
        let last = self.served(client);
        done.iter().position(|&d| d == last).unwrap_or(0)
    }
}

/// Why a simulation could not run.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum EngineError {
    #[error("the load test has no clients")]
    NoClients,
    #[error("the system has no stations")]
    NoStations,
    #[error("due times must not decrease (client {0})")]
    UnsortedArrivals(usize),
    #[error("the gap of {gap} steps before client {client} is longer than tokio's timer can wait")]
    GapTooLong { client: usize, gap: u64 },
    #[error("clients {seconds} s apart are further apart than tokio's timer can wait at this resolution (at most {max_seconds} s)")]
    PeriodTooLong { seconds: f64, max_seconds: f64 },
    #[error("speed must be a positive finite number, got {0}")]
    BadSpeed(f64),
    #[error("at speed {speed}, one step of {step} s lasts less than a nanosecond of real time")]
    TooFast { speed: f64, step: f64 },
    #[error("{got} drawn service times for {expected} (client, station) pairs")]
    DrawCount { expected: usize, got: usize },
    #[error("a drawn service time of {0} steps is longer than tokio's timer can wait")]
    ServiceTooLong(u64),
    #[error("request classes do not fit the load test: {0}")]
    BadClasses(String),
    #[error("could not start the tokio runtime: {0}")]
    Runtime(String),
}
