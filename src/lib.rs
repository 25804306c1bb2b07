//! `planner`: finds the cheapest configuration of a fan-out service that holds a load under
//! a latency target, by load-testing every candidate in virtual time.
//!
//! Data flows one way: the scenario file becomes typed stations; a configuration (one value
//! per lever) becomes engine stations; the engine runs a load test on tokio; stats turn
//! latencies into verdicts; reports show them. `app` is the edge that wires it to the shell.

pub(crate) mod app;
pub mod capacity;
pub(crate) mod cli;
pub(crate) mod commands;
pub mod compare;
pub mod config;
pub mod cost;
pub mod duration;
pub mod engine;
pub mod fit;
pub mod flow;
pub mod levers;
pub mod load;
pub mod memory;
pub mod merge;
pub(crate) mod progress;
pub mod random;
pub mod replay;
pub mod report;
pub mod request;
pub mod scenario;
pub mod search;
pub mod shard;
pub mod slo;
pub mod stages;
pub mod station;
pub mod stats;
pub mod units;

/// Runs the `planner` command line (arguments from the environment) and returns its exit
/// code: the whole program, which `main.rs` only calls.
pub fn run() -> std::process::ExitCode {
    app::main()
}
