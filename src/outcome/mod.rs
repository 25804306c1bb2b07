//! What a simulation, a load test or a search found, as plain values: per-client records,
//! summaries with their intervals, verdicts. Reports read these and compute nothing.

pub mod clients;
pub mod profile;
pub mod records;
pub mod stats;
pub mod steady;
pub mod trace;
pub mod units;
pub mod verdict;
pub mod windows;
