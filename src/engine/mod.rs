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

mod clients;
mod exec;
mod run;
mod station;
mod sync;
mod walk;

pub use run::{
    simulate, simulate_classes, simulate_classes_each, simulate_drawn, simulate_each, Served,
};

pub use clients::{
    simulate_behaving, simulate_behaving_classes, simulate_closed, simulate_closed_classes, Drawn,
    RequestDraw, ServiceDraw,
};

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
    /// Two consecutive due times are further apart than [`crate::model::units::MAX_TIMER_STEPS`], the
    /// longest wait tokio's timer can hold (checked whatever the clock, so both accept the same
    /// tests).
    #[error("the gap of {gap} steps before client {client} is longer than tokio's timer can wait")]
    GapTooLong {
        /// 1-based, as the user counts clients.
        client: usize,
        /// In steps.
        gap: u64,
    },
    /// The load test's period (or, for Poisson, 40 mean gaps) exceeds the longest timer wait at
    /// the scenario's resolution: the user must shorten the period or coarsen the resolution.
    #[error("clients {seconds} s apart are further apart than tokio's timer can wait at this resolution (at most {max_seconds} s)")]
    PeriodTooLong {
        /// The longest gap the load test would ask for, in model seconds.
        seconds: f64,
        /// The longest the timer can wait at this resolution, in model seconds.
        max_seconds: f64,
    },
    /// `Clock::Real`'s speed was zero, negative, NaN or infinite.
    #[error("speed must be a positive finite number, got {0}")]
    BadSpeed(f64),
    /// `Clock::Real` would sleep for less than a nanosecond per step, which tokio cannot time:
    /// the user must lower the speed.
    #[error("at speed {speed}, one step of {step} s lasts less than a nanosecond of real time")]
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
    #[error("a drawn service time of {0} steps is longer than tokio's timer can wait")]
    ServiceTooLong(u64),
    /// The request classes do not match the stations or clients (says which way): a caller's bug.
    #[error("request classes do not fit the load test: {0}")]
    BadClasses(String),
    /// Tokio could not build its runtime for a real-clock run (the OS refused a resource).
    #[error("could not start the tokio runtime: {0}")]
    Runtime(String),
}
