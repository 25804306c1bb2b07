//! Verdicts: what a load test concluded for a configuration, over all its clients and per
//! request class.

use serde::Serialize;

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
    /// Whether the class meets its objective, and how sure that is.
    pub call: Call,
}

impl ClassVerdict {
    /// Whether the class meets its objective (a class with no client cannot miss it).
    pub fn meets(&self) -> bool {
        self.call == Call::Meets
    }
}

/// What a configuration's load test says, over every replication.
#[derive(Debug, Clone, PartialEq)]
pub struct Assessment {
    /// Every class's clients together; over several replications, each figure's mean across
    /// them, with its spread.
    pub summary: Summary,
    /// Per station, how long late clients (served late, after warmup, over all
    /// replications) queued there before being served, every visit summed, in steps; all
    /// zero when the judging did not follow queues.
    pub late_waits: Vec<u128>,
    /// Per request class, in file order (empty without `[[request]]`).
    pub classes: Vec<ClassVerdict>,
    /// Whether the configuration meets every objective, and how sure that is.
    pub call: Call,
    /// The replications it took to decide (1 for a deterministic test).
    pub replications: u32,
    /// Judged on the steady state: how long its runs were and where their warm-ups ended.
    pub steady: Option<crate::outcome::steady::SteadyRun>,
}

impl Assessment {
    /// The station where the late clients waited longest, queueing (not being served), all
    /// of them together: the cause of their lateness rather than the end of their flow. The
    /// first in scenario order on ties; `None` when no late client queued anywhere.
    pub fn late_bottleneck(&self) -> Option<usize> {
        most_waited(&self.late_waits)
    }
}

/// The station of `late_waits` (per station, the late clients' queueing) where the late
/// clients waited longest, the first in scenario order on ties; `None` when they queued
/// nowhere.
pub fn most_waited(late_waits: &[u128]) -> Option<usize> {
    let most = late_waits.iter().copied().max().unwrap_or(0);
    (most > 0).then(|| late_waits.iter().position(|&n| n == most).unwrap_or(0))
}

/// What a load test concluded about an objective, and how sure it is.
///
/// A deterministic model is decided exactly: its one run is the whole truth. A model with
/// randomness is decided at 95 % confidence on the satisfied share: it **meets** the
/// objective when the share's interval lies at or above it, **fails** when the interval lies
/// below it, and is **too close to call** otherwise — more replications may decide it, or
/// the budget runs out first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Call {
    /// The objective holds (exactly, or at 95 % confidence).
    Meets,
    /// The objective does not hold (exactly, or at 95 % confidence).
    Fails,
    /// The interval straddles the objective: neither proven.
    TooCloseToCall,
}

impl Call {
    /// How a report words it.
    pub fn words(self) -> &'static str {
        match self {
            Call::Meets => "meets",
            Call::Fails => "fails",
            Call::TooCloseToCall => "too close to call",
        }
    }

    /// Its name in CSV and JSON, as serde writes it.
    pub fn key(self) -> &'static str {
        match self {
            Call::Meets => "meets",
            Call::Fails => "fails",
            Call::TooCloseToCall => "too_close_to_call",
        }
    }

    /// Decides `summary` against the required `share`. `random`: whether anything in the
    /// load test is drawn; if not, the run is exact and only its count decides.
    pub fn of(summary: &Summary, share: Share, random: bool) -> Call {
        if !random || summary.clients == 0 {
            return Call::exact(summary.satisfied, summary.clients, share);
        }
        let (low, high) = summary.satisfaction_interval().unwrap_or((100.0, 100.0));
        // A hair of slack for 100 % exactly, as the interval's bounds are sums of floats.
        let bar = share.percent();
        if low >= bar - 1e-9 {
            Call::Meets
        } else if high < bar - 1e-9 {
            Call::Fails
        } else {
            Call::TooCloseToCall
        }
    }

    /// One run's count decides: `satisfied` of `clients` against the required `share` (no
    /// client cannot miss it).
    pub fn exact(satisfied: usize, clients: usize, share: Share) -> Call {
        if clients == 0 || satisfied >= share.required(clients) {
            Call::Meets
        } else {
            Call::Fails
        }
    }

    /// Several objectives at once (every class's): met when all are, failed when one is.
    pub fn all(calls: impl IntoIterator<Item = Call>) -> Call {
        let mut all = Call::Meets;
        for call in calls {
            match call {
                Call::Fails => return Call::Fails,
                Call::TooCloseToCall => all = Call::TooCloseToCall,
                Call::Meets => {}
            }
        }
        all
    }
}
