//! What an `optimize` search found: the result its walk settles, a merge of shards rebuilds,
//! its verification completes and every report renders.

use crate::model::queueing::StationEstimate;
use crate::outcome::stats::Summary;
use crate::outcome::steady::SteadyRun;
use crate::outcome::verdict::{Call, ClassVerdict};

use super::Evaluated;

/// What `optimize` found: the canonical result of [`settle`](super::settle), the same whether one process
/// or many shards did the work.
#[derive(Debug, Clone, PartialEq)]
pub struct Optimization {
    /// Every configuration ranked up to the last runner-up, in rank order (the whole ranking
    /// when fewer than the answer and its runners-up pass): a prefix of the ranking. When a
    /// budget ran out ([`Optimization::unfinished`]), the prefix tested, then the
    /// configurations the climb tested beyond it.
    pub evaluated: Vec<Evaluated>,
    /// Index in `evaluated` of the cheapest candidate that meets the target.
    pub answer: Option<usize>,
    /// Indices in `evaluated` of the next cheapest that also meet it. Exact, because the
    /// tested candidates are a prefix of the ranking: no untested one is cheaper.
    pub runners_up: Vec<usize>,
    /// Indices in `evaluated` of configurations cheaper than the answer (or, with no answer,
    /// any) whose verdict was too close to call within `--max-replications`: the report
    /// names them beside the answer, since more replications might make one of them meet.
    pub undecided: Vec<usize>,
    /// The size of the whole space.
    pub total: usize,
    /// How the tested candidates were chosen, for the report to say.
    pub selection: Selection,
    /// Set when `--max-configs` or `--max-time` stopped the cheapest-first walk before it
    /// settled.
    pub unfinished: Option<Unfinished>,
    /// The answer's verification, and those of any configuration it rejected first, in the
    /// order run ([`super::verify()`]); empty when nothing is random.
    pub verified: Vec<Verification>,
    /// Set when a class's fastest path is at or over its objective: no configuration can
    /// meet the target, the first tested confirmed it, and the rest were skipped.
    pub out_of_reach: Option<OutOfReach>,
    /// For the answer and each runner-up (index in `evaluated`), queueing theory's estimate
    /// of every station at least 90 % busy with random service ([`super::verify()`]).
    pub estimates: Vec<(usize, Vec<StationEstimate>)>,
}

/// A class no configuration can satisfy: the skip rule of [`out_of_reach`](super::out_of_reach).
#[derive(Debug, Clone, PartialEq)]
pub struct OutOfReach {
    /// The class's name, empty without classes.
    pub class: String,
    /// The least latency any of its requests can have, in seconds.
    pub least_s: f64,
    /// Its objective, in seconds.
    pub timeout_s: f64,
    /// Configurations not load-tested because of it.
    pub skipped: usize,
}

/// Which candidates `optimize` reports as load-tested.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Selection {
    /// The cheapest, in rank order, up to the last runner-up: every one ranked before it was
    /// tested, and only the answer and the runners-up among them passed.
    CheapestFirst,
    /// All of them: fewer than the answer and its runners-up passed (maybe none), so the
    /// early stop never came.
    Everything,
}

/// The limit that stopped a walk.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Limit {
    /// `--max-configs N`.
    Configs(u64),
    /// `--max-time`, in seconds.
    Time(f64),
}

/// How a walk stopped by its budget ended.
#[derive(Debug, Clone, PartialEq)]
pub struct Unfinished {
    /// What stopped it.
    pub limit: Limit,
    /// Configurations the walk tested in rank order (a prefix of the ranking).
    pub walked: usize,
    /// When the answer came from the climb past the walk: how many configurations cheaper
    /// than it were never tested (`None` when the space is too large to count them). `Some(0)`
    /// when the walk itself found the answer (then only runners-up are missing).
    pub untested_cheaper: Option<u128>,
}

/// A configuration load-tested again before it is printed as the answer: on
/// [`VERIFY_LONGER`](super::VERIFY_LONGER) times the clients, the first run's count left out as a warm-up (or more,
/// where MSER-5 finds the steady state later), on a fresh seed.
#[derive(Debug, Clone, PartialEq)]
pub struct Verification {
    /// Index in [`Optimization::evaluated`] of the configuration verified.
    pub index: usize,
    /// The verification's clients, warm-up included.
    pub clients: u32,
    /// Clients left out of its figures.
    pub warmup: u32,
    /// Its seed, unrelated to the search's.
    pub seed: u64,
    /// Its figures, over its replications.
    pub summary: Summary,
    /// Per class, with classes.
    pub classes: Vec<ClassVerdict>,
    /// Whether it holds.
    pub call: Call,
    /// Judged on the steady state (`--sustained`): how long it ran, where MSER-5 cut.
    pub steady: Option<SteadyRun>,
}
