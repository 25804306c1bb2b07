#![warn(missing_docs)]
//! `planner`: finds the cheapest configuration of a service that holds a load under a
//! latency target, by load-testing every candidate in virtual time.
//!
//! Data flows one way, down layers that are folders: the [`model`] (the scenario file read
//! into stations, request flows compiled to plans, levers, costs, capacities, objectives);
//! the [`workload`] (arrivals, stages, replayed traces, client rules, random streams);
//! the [`engine`], which runs one load test as real async Rust on its own virtual-time
//! executor; the [`loadtest`], which replicates it and judges the clients; the [`search`],
//! which ranks configurations by cost and finds the cheapest that meets the target; the
//! [`scaleout`] of a study over machines; and the [`report`], which shows the [`outcome`]
//! values it is handed in every format. The command line is a thin edge over this library,
//! reached through [`run`].
//!
//! Load-testing one configuration of the tutorial's restaurant, 10 clients every 0.5 s: one
//! soda machine more, two cooks more and the 7-portion fryer serve them all within 5 s.
//!
//! ```
//! use planner::model::config::Config;
//! use planner::loadtest;
//! use planner::model::objective::Share;
//! use planner::model::scenario::Scenario;
//! use planner::model::units::{Period, Seconds};
//! use planner::workload::{Arrivals, LoadTest};
//!
//! let scenario = Scenario::embedded();
//! let config = Config::new(vec![2, 5, 7]); // soda.units, burger.units, fries.batch
//! let test = LoadTest::new(
//!     10,
//!     Arrivals::Fixed(Period::new(0.5).unwrap()),
//!     Seconds::new(5.0).unwrap(),
//! );
//! let summary = loadtest::assess(&scenario, &config, &test, Share::ALL, None).unwrap().summary;
//! assert_eq!(summary.satisfied, 10);
//! assert!(summary.meets_target);
//! // The baseline serves only half of them in time.
//! let baseline = Config::baseline(&scenario);
//! let summary = loadtest::assess(&scenario, &baseline, &test, Share::ALL, None).unwrap().summary;
//! assert_eq!(summary.satisfied, 5);
//! ```

pub(crate) mod cli;
pub mod engine;
pub mod loadtest;
pub mod model;
pub mod outcome;
pub mod report;
pub mod scaleout;
pub mod search;
pub mod workload;

/// Runs the `planner` command line (arguments from the environment) and returns its exit
/// code: the whole program, which `main.rs` only calls.
pub fn run() -> std::process::ExitCode {
    cli::app::main()
}
