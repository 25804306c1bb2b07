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
    /// Its runs were stopped once it was sure to fail ([`SureFailure`]): the call is the
    /// whole runs' own, but the figures cover only the clients that had ended.
    pub cut_short: bool,
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

/// When a configuration is sure to fail an objective before its runs end: what lets a
/// search stop a run once enough of its clients are late.
///
/// The verdict [`Call::of`] gives a replicated test is decided on the satisfied shares
/// `x_1..x_n` of its `n` replications (percent): it fails when the upper bound of their
/// 95 % t-interval, `U(x) = mean(x) + t(n−1)·sd(x)/√n`, is below the objective. A run
/// stopped early knows its share only to lie in a box: at least what its satisfied clients
/// already make, at most what its late clients leave. `U` is convex (a mean plus a
/// multiple of a seminorm), so its largest value over a box is at a corner; over the box
/// `[0, θ]^n` the corners have `j` shares at `θ` and the rest at 0, where by symmetry
/// `U = θ·g_j` with `g_j = j/n + t(n−1)·√(j(n−j)/(n²(n−1)))`. So when every replication's
/// share is at most `θ = objective / max_j g_j` (a hair less), the test fails whatever its
/// unfinished clients would have done: the verdict the whole runs would give.
///
/// A test of one run is decided on that run's count (exactly when nothing is random, by
/// Wilson's interval otherwise), and both only grow with the satisfied count: it fails for
/// sure once the satisfied clients it could still reach fail.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SureFailure {
    share: Share,
    random: bool,
    /// With several replications, the largest share (percent) each may have.
    bound: Option<f64>,
}

impl SureFailure {
    /// The rule for an objective of `share` over `replications` runs (`random`: whether
    /// anything is drawn; a deterministic test has one run).
    pub fn new(share: Share, replications: usize, random: bool) -> SureFailure {
        let n = replications;
        let bound = (random && n >= 2).then(|| {
            let t = crate::outcome::stats::t975(n - 1);
            let nf = n as f64;
            let g = (0..=n)
                .map(|j| {
                    let j = j as f64;
                    j / nf + t * (j * (nf - j) / (nf * nf * (nf - 1.0))).sqrt()
                })
                .fold(0.0, f64::max);
            // The verdict's own slack is 1e-9; a margin far above float noise on top.
            (share.percent() - 1e-6) / g
        });
        SureFailure {
            share,
            random,
            bound,
        }
    }

    /// The share the objective requires.
    pub fn share(&self) -> Share {
        self.share
    }

    /// Whether a replication of `clients` clients (past the warm-up) of which at most
    /// `satisfied` can be satisfied is sure to fail, as one of this rule's replications.
    pub fn fails(&self, satisfied: usize, clients: usize) -> bool {
        if clients == 0 {
            return false;
        }
        match self.bound {
            Some(bound) => 100.0 * satisfied as f64 / clients as f64 <= bound,
            None if !self.random => Call::exact(satisfied, clients, self.share) == Call::Fails,
            None => {
                let (_, high) = crate::outcome::stats::wilson(satisfied, clients);
                high < self.share.percent() - 1e-9
            }
        }
    }

    /// The fewest late clients (of `clients`) that make a replication sure to fail; `None`
    /// when even all of them late would not.
    pub fn late_to_stop(&self, clients: usize) -> Option<usize> {
        // `fails` only grows with the late count: the first late count that fails.
        let fails_with = |late: usize| self.fails(clients - late, clients);
        if !fails_with(clients) {
            return None;
        }
        let (mut lo, mut hi) = (0, clients);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if fails_with(mid) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        Some(lo)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::stats::{wilson, Interval};

    /// A tiny deterministic generator: the test needs spread, not quality.
    fn lcg(state: &mut u64) -> f64 {
        *state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (*state >> 11) as f64 / (1u64 << 53) as f64
    }

    #[test]
    fn shares_under_the_bound_fail_whatever_they_are_and_the_bound_is_tight() {
        let mut state = 7;
        for &(percent, n) in &[
            (99.0, 2),
            (99.0, 5),
            (99.0, 20),
            (95.0, 10),
            (99.9, 37),
            (50.0, 3),
        ] {
            let share = Share::new(percent).unwrap();
            let rule = SureFailure::new(share, n, true);
            let bound = rule.bound.expect("several replications");
            // Every corner of [0, bound]^n, and random points inside, fail by the interval.
            let corners =
                (0..=n).map(|j| (0..n).map(|i| if i < j { bound } else { 0.0 }).collect());
            let inside = (0..300).map(|_| (0..n).map(|_| bound * lcg(&mut state)).collect());
            for shares in corners.chain(inside).collect::<Vec<Vec<f64>>>() {
                let high = Interval::of(&shares).high.clamp(0.0, 100.0);
                assert!(high < percent - 1e-9, "{shares:?}: {high} ≥ {percent}");
            }
            // A hair above the bound, some corner no longer fails: no slack is wasted.
            let above = bound * (1.0 + 1e-4);
            let worst = (0..=n)
                .map(|j| {
                    let shares: Vec<f64> =
                        (0..n).map(|i| if i < j { above } else { 0.0 }).collect();
                    Interval::of(&shares).high
                })
                .fold(0.0, f64::max);
            assert!(worst >= percent - 1e-9, "{percent}/{n}: {worst}");
        }
    }

    #[test]
    fn the_late_count_that_stops_is_the_first_that_fails() {
        let share = Share::new(99.0).unwrap();
        for (n, random) in [(1, false), (1, true), (20, true)] {
            let rule = SureFailure::new(share, n, random);
            for clients in [1, 7, 100, 3600, 4001] {
                let Some(late) = rule.late_to_stop(clients) else {
                    // Only a test so small that even no satisfied client could pass it.
                    assert!(!rule.fails(0, clients));
                    continue;
                };
                assert!(rule.fails(clients - late, clients), "{n} {clients}");
                assert!(
                    late == 0 || !rule.fails(clients - late + 1, clients),
                    "{n} {clients}"
                );
            }
        }
        // One exact run: more late clients than the 1 % allowed of 100.
        assert_eq!(SureFailure::new(share, 1, false).late_to_stop(100), Some(2));
        // One random run: Wilson's upper bound must fall below 99 %.
        let late = SureFailure::new(share, 1, true).late_to_stop(3600).unwrap();
        assert!(wilson(3600 - late, 3600).1 < 99.0 && wilson(3601 - late, 3600).1 >= 99.0);
    }
}
