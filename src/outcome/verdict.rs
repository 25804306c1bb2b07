//! Verdicts: what a load test concluded for a configuration, over all its clients and per
//! request class.

use crate::model::objective::Share;
use crate::model::units::Seconds;
use crate::outcome::stats::Summary;

/// One request class's verdict in a load test.
#[derive(Debug, Clone, PartialEq)]
pub struct ClassVerdict {
    /// The class's `[[request]]` name.
    pub name: String,
    /// The objective it was judged by: its timeout and required share.
    pub timeout: Seconds,
    /// The required share of satisfied clients, in percent.
    pub share: Share,
    /// `None` when the test gave this class no client (after warmup).
    pub summary: Option<Summary>,
}

impl ClassVerdict {
    /// A class with no client cannot miss its objective.
    pub fn meets(&self) -> bool {
        self.summary.as_ref().is_none_or(|s| s.meets_target)
    }
}

/// What a configuration's load test says, over every replication.
#[derive(Debug, Clone, PartialEq)]
pub struct Assessment {
    /// Every class's clients together; over several replications, each figure's mean across
    /// them, with its spread.
    pub summary: Summary,
    /// Per station, how many late clients (after warmup, over all replications) it was the
    /// last to serve.
    pub late_by_station: Vec<usize>,
    /// Per request class, in file order (empty without `[[request]]`).
    pub classes: Vec<ClassVerdict>,
}

impl Assessment {
    /// The station that most often made a client late (first in scenario order on ties).
    pub fn late_bottleneck(&self) -> Option<usize> {
        let most = self.late_by_station.iter().copied().max().unwrap_or(0);
        (most > 0).then(|| {
            self.late_by_station
                .iter()
                .position(|&n| n == most)
                .unwrap_or(0)
        })
    }
}
