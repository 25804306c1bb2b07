#![warn(missing_docs)]
//! `planner`: finds the cheapest configuration of a service that holds a load under a
//! latency target, by load-testing every candidate in virtual time.
//!
//! Data flows one way: the scenario file becomes typed stations ([`scenario`], [`station`]);
//! a configuration (one value per lever, [`config`]) becomes engine stations; [`load`] turns
//! the load test into due times and drawn service times, and the [`engine`] runs it as real
//! async Rust on its own virtual-time executor; [`stats`] turns latencies into verdicts;
//! [`cost`] and [`capacity`] weigh configurations, [`search`] and [`compare`] choose among
//! them; [`report`] shows the result in every format. The command line is a thin edge over
//! this library, reached through [`run`].
//!
//! Load-testing one configuration of the tutorial's restaurant, 10 clients every 0.5 s: one
//! soda machine more, two cooks more and the 7-portion fryer serve them all within 5 s.
//!
//! ```
//! use planner::config::Config;
//! use planner::load::{self, Arrivals, LoadTest};
//! use planner::scenario::Scenario;
//! use planner::stats::Share;
//! use planner::units::{Period, Seconds};
//!
//! let scenario = Scenario::embedded();
//! let config = Config::new(vec![2, 5, 7]); // soda.units, burger.units, fries.batch
//! let test = LoadTest::new(
//!     10,
//!     Arrivals::Fixed(Period::new(0.5).unwrap()),
//!     Seconds::new(5.0).unwrap(),
//! );
//! let summary = load::assess(&scenario, &config, &test, Share::ALL).unwrap().summary;
//! assert_eq!(summary.satisfied, 10);
//! assert!(summary.meets_target);
//! // The baseline serves only half of them in time.
//! let baseline = Config::baseline(&scenario);
//! let summary = load::assess(&scenario, &baseline, &test, Share::ALL).unwrap().summary;
//! assert_eq!(summary.satisfied, 5);
//! ```

pub(crate) mod app;
pub mod behaving;
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
pub mod quote;
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
