//! One search's question as the library takes it: resolved once at the edge
//! (`cli::commands::study`) from the flags and the scenario, then handed whole to the walk,
//! its verification and every report of it. Nothing below the edge reads a flag.

use crate::model::scenario::{Prices, Scenario};
use crate::model::units::Seconds;

use super::{Space, Target};

/// What a search is asked: the model, the workload with its objectives, the space of levers
/// and the prices its configurations are ranked at.
#[derive(Debug, Clone)]
pub struct Study<'a> {
    /// The model: stations, flows, request classes, what each unit takes in CPU and RAM.
    pub model: &'a Scenario,
    /// The prices costs are computed at: the scenario's, or a flag's (`--cpu-price`).
    pub prices: Prices,
    /// The workload (arrivals, clients, their rules) and the objectives it is held to.
    pub target: Target,
    /// The levers' values searched (`--range`s applied).
    pub space: Space,
    /// `optimize --sustained`: the rate held for good, judged on the steady state, rather than
    /// the target's clients from an empty service.
    pub sustained: bool,
}

impl Study<'_> {
    /// The one timeout every client of the target is judged by, if there is one: `None` when
    /// request classes have timeouts of their own.
    pub fn common_timeout(&self) -> Option<Seconds> {
        crate::workload::common_timeout(self.model, &self.target.load)
    }
}
