//! The service as data: its stations and their kinds, the request flows compiled into plans,
//! the levers and configurations, what each costs and how much it can carry, the objectives,
//! and the scenario file that states them. Nothing here runs or decides anything.

pub mod capacity;
pub mod config;
pub mod cost;
pub mod duration;
pub mod fit;
pub mod flow;
pub mod levers;
pub mod objective;
pub mod percentile;
pub mod plan;
pub mod queueing;
pub mod quote;
pub mod request;
pub mod scaling;
pub mod scenario;
pub mod stages;
pub mod station;
pub mod units;
