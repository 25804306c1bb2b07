//! The async model: stations as async primitives, one future per client order, one load test.
//!
//! This is the seed's restaurant written as real async Rust. A pool station is a FIFO
//! semaphore held for the service time; a batch station is a FIFO lock over a counter of ready
//! portions, the batch cooked while the lock is held. Each client order is one spawned future
//! that visits every station concurrently (a join of one visit per station).
//!
//! The model is generic over a small runtime (now, sleep, spawn). In virtual time it runs on
//! the engine's own executor (the private `exec` module): one step is one unit of its clock,
//! which jumps to the next timer whenever every task waits, so a 10-client test takes
//! microseconds and its times are exact. With the real clock the same code runs on tokio, sleeping for real, `speed`
//! times faster.
//!
//! The engine knows nothing of costs, searches or output formats: it takes stations and due
//! times in steps and returns, per client and station, when service started and ended.

mod behave;
mod exec;
mod join;
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
pub use behave::Attempt;
pub use behave::{
    simulate_behaving, simulate_behaving_classes, simulate_closed, simulate_closed_classes,
    Behaved, Behaviour, ClassTally, ClosedLoop, Drawn, Fate, Request, RequestDraw, ServiceDraw,
};
pub use trace::{Event, EventKind};

/// One station of the fan-out, as the engine runs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Station {
    /// As the scenario names it; the engine knows a station only by its index in the slice.
    pub name: String,
    /// Service time of one request (pool) or one batch (batch), in steps.
    pub service: u64,
    /// Pool or batch, with the size a configuration chose for it.
    pub kind: Kind,
}

/// How a station serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `units` identical servers; a request waits FIFO for a free one and holds it.
    Pool {
        /// Identical servers; the seed's soda `Lock` is a pool of 1.
        units: u32,
    },
    /// A cache refilled `portions` at a time by whoever finds it empty, under one FIFO lock.
    Batch {
        /// Portions one batch makes; each client takes one.
        portions: u32,
    },
}

/// Which clock drives the simulation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Clock {
    /// The engine's own virtual-time executor: deterministic and instant.
    Virtual,
    /// Tokio's real clock, every model duration divided by `speed`.
    Real {
        /// How many times faster than the model's clock (1: real time); positive and finite.
        speed: f64,
        /// Model seconds in one step (the scenario's resolution), to turn steps into sleeps.
        step_seconds: f64,
    },
}

/// Whose timer bounds a wait, for messages. The bound is the same on both clocks (tokio's
/// wheel's span, so that both accept the same tests), but only `--clock real` runs on tokio.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Timer {
    /// The virtual-time executor's.
    Simulator,
    /// Tokio's, behind `--clock real`.
    Tokio,
}

impl Timer {
    /// The timer `clock` runs on.
    pub fn of(clock: Clock) -> Timer {
        match clock {
            Clock::Virtual => Timer::Simulator,
            Clock::Real { .. } => Timer::Tokio,
        }
    }
}

impl std::fmt::Display for Timer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Timer::Simulator => "the simulator's timer",
            Timer::Tokio => "tokio's timer",
        })
    }
}

impl EngineError {
    /// The same error, its timer the one `clock` runs on: a check made before the clock was
    /// known speaks of the simulator's.
    pub fn on(self, clock: Clock) -> EngineError {
        let timer = Timer::of(clock);
        match self {
            EngineError::GapTooLong { client, gap, .. } => {
                EngineError::GapTooLong { client, gap, timer }
            }
            EngineError::PeriodTooLong {
                seconds,
                max_seconds,
                ..
            } => EngineError::PeriodTooLong {
                seconds,
                max_seconds,
                timer,
            },
            EngineError::ServiceTooLong { steps, .. } => {
                EngineError::ServiceTooLong { steps, timer }
            }
            other => other,
        }
    }
}

/// What one load test recorded. Times are steps since the load test started (time 0).
#[derive(Debug, Clone, PartialEq, Eq)]
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
    /// The event log in time order, when asked for.
    pub trace: Option<Vec<Event>>,
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
    /// Nothing to measure: a load test needs at least one client.
    #[error("the load test has no clients")]
    NoClients,
    /// Nothing to visit: the engine needs at least one station.
    #[error("the system has no stations")]
    NoStations,
    /// Due times must not decrease; holds the 0-based index of the first client due before the
    /// one before it.
    #[error("due times must not decrease (client {0})")]
    UnsortedArrivals(usize),
    /// Two consecutive due times are further apart than [`crate::units::MAX_TIMER_STEPS`], the
    /// longest wait the timers can hold (checked whatever the clock, so both accept the same
    /// tests).
    #[error("the gap of {gap} steps before client {client} is longer than {timer} can hold")]
    GapTooLong {
        /// 1-based, as the user counts clients.
        client: usize,
        /// In steps.
        gap: u64,
        /// The clock's timer, for the message.
        timer: Timer,
    },
    /// The load test's period (or, for Poisson, 40 mean gaps) exceeds the longest timer wait at
    /// the scenario's resolution: the user must shorten the period or coarsen the resolution.
    #[error("clients {} s apart are further apart than {timer} can hold at this resolution (at most {} s)", crate::units::number(*.seconds), crate::units::number(*.max_seconds))]
    PeriodTooLong {
        /// The longest gap the load test would ask for, in model seconds.
        seconds: f64,
        /// The longest the timer can wait at this resolution, in model seconds.
        max_seconds: f64,
        /// The clock's timer, for the message.
        timer: Timer,
    },
    /// `Clock::Real`'s speed was zero, negative, NaN or infinite.
    #[error("speed must be a positive finite number, got {}", crate::units::number(*.0))]
    BadSpeed(f64),
    /// `Clock::Real` would sleep for less than a nanosecond per step, which tokio cannot time:
    /// the user must lower the speed.
    #[error("at speed {}, one step of {} s lasts less than a nanosecond of real time", crate::units::number(*.speed), crate::units::number(*.step))]
    TooFast {
        /// The speed asked for, too high for this resolution.
        speed: f64,
        /// Model seconds per step (the scenario's resolution).
        step: f64,
    },
    /// The row of drawn service times does not hold one per (client, visit slot): a caller's bug,
    /// not the user's.
    #[error("{got} drawn service times for {expected} (client, station) pairs")]
    DrawCount {
        /// Clients times the row width (stations, or the widest class's visit slots).
        expected: usize,
        /// Draws actually handed over.
        got: usize,
    },
    /// A drawn service time exceeds the longest timer wait (a heavy-tailed draw at a fine
    /// resolution).
    #[error("a drawn service time of {steps} steps is longer than {timer} can hold")]
    ServiceTooLong {
        /// The draw, in steps.
        steps: u64,
        /// The clock's timer, for the message.
        timer: Timer,
    },
    /// `Clock::Real` at so low a speed that one step lasts longer than a timer can count.
    #[error("at speed {}, one step of {} s lasts longer than tokio's timer can hold", crate::units::number(*.speed), crate::units::number(*.step))]
    TooSlow {
        /// The speed asked for, too low for this resolution.
        speed: f64,
        /// Model seconds per step (the scenario's resolution).
        step: f64,
    },
    /// The request classes do not match the stations or clients (says which way): a caller's bug.
    #[error("request classes do not fit the load test: {0}")]
    BadClasses(String),
    /// Tokio could not build its runtime for a real-clock run (the OS refused a resource).
    #[error("could not start the tokio runtime: {0}")]
    Runtime(String),
}
