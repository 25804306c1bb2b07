//! What a load test's figures must satisfy, so that the merge takes nothing in a shard on
//! trust that it can check: a shard is a file, and a file can be edited, cut or corrupted.
//!
//! The verdict is re-derived from the figures and the target by the rules the load test
//! itself applies ([`Summary::of_latencies`], [`Summary::combine`], per request class
//! `load::assess_classes`); what cannot hold (more satisfied clients than clients, a median
//! above the maximum, a number that is not finite) is refused. What no rule can re-derive —
//! a latency, a client count — is the digest's to guard ([`crate::scaleout::shard::digest`]).

use super::{damaged, MergeError};
use crate::model::objective::Share;
use crate::model::scenario::Scenario;
use crate::model::units::Resolution;
use crate::outcome::stats::{Interval, Summary};
use crate::outcome::verdict::Call;
use crate::scaleout::shard::{CompareShardDoc, ShardDoc};
use crate::search::Target;

/// The verdict a request class's satisfaction gives is decided only this far (in percent)
/// from its share: the summary keeps the class's percentage, not its clients, and the
/// single run decides on whole clients.
const CLASS_SLACK: f64 = 1e-6;

/// How a shard stores its figures: exactly (a document stores each float's bits), or as a
/// sweep CSV writes them, rounded to 1e-9 ([`crate::model::cost::tidy`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stored {
    /// Every float bit for bit.
    Exact,
    /// Floats rounded to 1e-9 as the CSV prints them.
    Printed,
}

impl Stored {
    fn round(self, v: f64) -> f64 {
        match self {
            Stored::Exact => v,
            Stored::Printed => crate::model::cost::tidy(v),
        }
    }
}

/// What a configuration's figures are judged by: the rules of one load test and target.
#[derive(Debug, Clone, PartialEq)]
pub struct Rules {
    share: Share,
    /// Each request class's share, in file order; empty without classes.
    class_shares: Vec<Share>,
    /// Each request class's name, for messages.
    class_names: Vec<String>,
    /// How many replications the load test runs at first (1: no spread), and the batch
    /// an undecided verdict grows by.
    runs: u32,
    /// The most replications an undecided verdict may take.
    most: u32,
    /// Whether anything in the test is drawn: a single run is then decided by its interval.
    random: bool,
    resolution: Resolution,
}

impl Rules {
    /// The rules of `target`'s load test on `scenario`.
    pub fn of(scenario: &Scenario, target: &Target) -> Rules {
        Rules {
            share: target.share,
            class_shares: crate::workload::objectives(scenario, &target.load, target.share)
                .into_iter()
                .map(|(_, share)| share)
                .collect(),
            class_names: scenario.requests().iter().map(|r| r.name.clone()).collect(),
            runs: target.load.runs(scenario),
            most: target.load.max_replications.max(target.load.runs(scenario)),
            random: target.load.is_random(scenario),
            resolution: scenario.resolution(),
        }
    }

    /// How many replications a summary of this test holds at first: the load test's runs,
    /// or 1.
    pub fn replications(&self) -> usize {
        self.runs as usize
    }

    /// The call a checked summary stands for (a shard keeps the figures, not the call):
    /// met when its verdict is; otherwise failed, unless the test is random and no interval
    /// lies wholly below its share, which is too close to call.
    pub fn call(&self, s: &Summary) -> Call {
        if s.meets_target {
            return Call::Meets;
        }
        if !self.random {
            return Call::Fails;
        }
        let below = |interval: Option<(f64, f64)>, share: Share| {
            interval.is_some_and(|(_, high)| high < share.percent() - 1e-9)
        };
        let fails = if self.class_shares.is_empty() {
            below(s.satisfaction_interval(), self.share)
        } else {
            s.classes
                .iter()
                .zip(&self.class_shares)
                .any(|(c, &share)| below(c.interval, share))
        };
        if fails {
            Call::Fails
        } else {
            Call::TooCloseToCall
        }
    }

    /// Whether a summary over `n` replications is one this test can produce: its first
    /// batch, and batches of as many more up to its most.
    fn possible_replications(&self, n: usize) -> bool {
        let (runs, most) = (self.runs as usize, self.most as usize);
        n == runs || (n > runs && n <= most && (n.is_multiple_of(runs) || n == most))
    }

    fn class_field(&self, names: &Names, i: usize) -> String {
        (names.class)(i, self.class_names.get(i).map_or("?", String::as_str))
    }

    /// The verdict the figures give, or `None` where they cannot decide it: with request
    /// classes near a class's share, or over replications (whose per-class interval the
    /// summary does not keep), and for printed figures within their rounding of the bar.
    pub fn verdict(&self, s: &Summary, stored: Stored) -> Option<bool> {
        if self.class_shares.is_empty() {
            return match &s.spread {
                None if self.random && s.clients > 0 => {
                    let low = crate::outcome::stats::wilson(s.satisfied, s.clients).0;
                    Some(low >= self.share.percent() - 1e-9)
                }
                None => Some(s.satisfied >= self.share.required(s.clients)),
                Some(sp) => {
                    // `Summary::combine`'s rule, with its hair of slack for 100 % exactly.
                    let bar = self.share.percent() - 1e-9;
                    let low = sp.satisfaction.low;
                    let near = stored == Stored::Printed && (low - bar).abs() <= 2e-9;
                    (!near).then_some(low >= bar)
                }
            };
        }
        // A random test's class meets its share when the lower bound of its interval does.
        if self.random {
            let mut all = Some(true);
            for (c, share) in s.classes.iter().zip(&self.class_shares) {
                let Some((low, _)) = c.interval else { continue };
                let bar = share.percent() - 1e-9;
                if (low - bar).abs() <= CLASS_SLACK {
                    all = None;
                } else if low < bar {
                    return Some(false);
                }
            }
            return all;
        }
        // A class meets its share when its satisfied clients reach it, by whole clients in
        // one run.
        let pairs = || {
            s.classes
                .iter()
                .map(|c| c.satisfaction)
                .zip(&self.class_shares)
        };
        if pairs().any(|(c, share)| c < share.percent() - CLASS_SLACK) {
            Some(false)
        } else if s.spread.is_none() && pairs().all(|(c, share)| c >= share.percent() + CLASS_SLACK)
        {
            Some(true)
        } else {
            None
        }
    }

    /// Why `s` cannot be what a load test under these rules summarised, naming the field
    /// (as `names` calls it) that does not hold; `Ok` when nothing contradicts it.
    pub fn check(&self, s: &Summary, stored: Stored, names: &Names) -> Result<(), String> {
        let mut floats: Vec<(String, f64)> = vec![
            (names.satisfaction.into(), s.satisfaction),
            (names.mean.into(), s.mean_steps),
        ];
        floats.extend(
            s.classes
                .iter()
                .enumerate()
                .map(|(i, c)| (self.class_field(names, i), c.satisfaction)),
        );
        let intervals: Vec<(&str, &Interval)> = s.spread.as_ref().map_or(Vec::new(), |sp| {
            vec![
                ("satisfaction", &sp.satisfaction),
                ("mean", &sp.mean_s),
                ("p50", &sp.p50_s),
                ("p95", &sp.p95_s),
                ("p99", &sp.p99_s),
                ("max", &sp.max_s),
            ]
        });
        for (what, i) in &intervals {
            for (end, v) in [("mean", i.mean), ("low", i.low), ("high", i.high)] {
                floats.push((format!("the {what} interval's {end}"), v));
            }
        }
        if let Some((name, v)) = floats.iter().find(|(_, v)| !v.is_finite()) {
            return Err(format!("{name} is {v}, not a finite number"));
        }
        if let Some((what, i)) = intervals
            .iter()
            .find(|(_, i)| !(i.low <= i.mean && i.mean <= i.high))
        {
            return Err(format!(
                "the {what} interval [{}, {}] does not hold its mean {}",
                i.low, i.high, i.mean
            ));
        }
        if s.satisfied > s.clients {
            return Err(format!(
                "{} is {}, more than its {} clients",
                names.satisfied, s.satisfied, s.clients
            ));
        }
        let percent = |v: f64| (0.0..=100.0).contains(&v);
        if !percent(s.satisfaction) {
            return Err(format!(
                "{} is {}, not a percentage",
                names.satisfaction, s.satisfaction
            ));
        }
        if let Some((i, v)) = s
            .classes
            .iter()
            .map(|c| c.satisfaction)
            .enumerate()
            .find(|&(_, v)| !percent(v))
        {
            return Err(format!(
                "{} is {v}, not a percentage",
                self.class_field(names, i)
            ));
        }
        if s.classes.len() != self.class_shares.len() {
            return Err(format!(
                "it has {} class satisfactions for the scenario's {} request classes",
                s.classes.len(),
                self.class_shares.len()
            ));
        }
        let secs = |steps: u64| self.resolution.to_seconds(steps);
        let order = [
            (names.p50, s.p50_steps),
            (names.p95, s.p95_steps),
            (names.p99, s.p99_steps),
            (names.max, s.max_steps),
        ];
        if let Some(w) = order.windows(2).find(|w| w[0].1 > w[1].1) {
            return Err(format!(
                "{} {} s is above {} {} s",
                w[0].0,
                secs(w[0].1),
                w[1].0,
                secs(w[1].1)
            ));
        }
        // A mean is at most the largest value; over replications, the mean of the maxima
        // is rounded to a whole step, so half a step more.
        let ceiling = s.max_steps as f64 * (1.0 + 1e-9) + 0.5;
        if s.mean_steps < 0.0 || s.mean_steps > ceiling {
            return Err(format!(
                "{} {} s is not between 0 and {} {} s",
                names.mean,
                s.mean_steps * self.resolution.seconds(),
                names.max,
                secs(s.max_steps)
            ));
        }
        let replications = s.spread.as_ref().map_or(1, |sp| sp.replications);
        if !self.possible_replications(replications) {
            let runs = if self.most > self.runs {
                format!(
                    "{} at first, then as many more at a time up to {}",
                    self.runs, self.most
                )
            } else {
                self.runs.to_string()
            };
            return Err(format!(
                "{} is {replications}, where its load test runs {runs}",
                names.replications,
            ));
        }
        match &s.spread {
            None => {
                let share = if s.clients == 0 {
                    100.0
                } else {
                    100.0 * s.satisfied as f64 / s.clients as f64
                };
                if stored.round(share).to_bits() != s.satisfaction.to_bits() {
                    return Err(format!(
                        "{} is {}, where {} of {} clients give {}",
                        names.satisfaction,
                        s.satisfaction,
                        s.satisfied,
                        s.clients,
                        stored.round(share)
                    ));
                }
                if s.clients == 0 && (s.max_steps != 0 || s.mean_steps != 0.0) {
                    return Err(format!("it has latencies but no client ({})", names.max));
                }
            }
            Some(sp) => {
                if stored.round(sp.satisfaction.mean).to_bits() != s.satisfaction.to_bits() {
                    return Err(format!(
                        "{} is {}, not its interval's mean {}",
                        names.satisfaction, s.satisfaction, sp.satisfaction.mean
                    ));
                }
            }
        }
        match self.verdict(s, stored) {
            Some(v) if v != s.meets_target => Err(format!(
                "{} is {}, but its figures and the target give {v}",
                names.meets_target, s.meets_target
            )),
            _ => Ok(()),
        }
    }
}

/// Checks the figures of every configuration an optimize shard tested against `rules`;
/// `describe` names the configuration of a rank (`None` past the ranking, which the set
/// check refuses on its own).
pub fn check_tested(
    file: &str,
    doc: &ShardDoc,
    rules: &Rules,
    describe: impl Fn(usize) -> Option<String>,
) -> Result<(), MergeError> {
    for t in &doc.tested {
        let s = Summary::from(&t.summary);
        rules
            .check(&s, Stored::Exact, &Names::DOCUMENT)
            .map_err(|why| {
                let config = describe(t.rank).map_or(String::new(), |c| format!(" ({c})"));
                damaged(file, format!("tested rank {}{config}: {why}", t.rank))
            })?;
    }
    Ok(())
}

/// Checks every cell of a compare shard: its figures against the rules of its rate
/// (`rules`, one per rate, in order), and that the station it names as the late clients'
/// bottleneck is one of the scenario's `stations`, and named only when some client was late
/// (in one run).
/// `describe` names a cell (`None` past the comparison, which the set check refuses).
pub fn check_cells(
    file: &str,
    doc: &CompareShardDoc,
    rules: &[Rules],
    stations: usize,
    describe: impl Fn(usize) -> Option<String>,
) -> Result<(), MergeError> {
    for c in &doc.cells {
        let at = |why: String| {
            let what = describe(c.cell).map_or(String::new(), |d| format!(" ({d})"));
            damaged(file, format!("cell {}{what}: {why}", c.cell))
        };
        let s = Summary::from(&c.summary);
        if let Some(b) = c.late_bottleneck.filter(|&b| b >= stations) {
            return Err(at(format!(
                "late_bottleneck is {b}, not a station (the scenario's are 0..={})",
                stations.saturating_sub(1)
            )));
        }
        // A late client late by its service alone (or gone) queued nowhere: a cell with late
        // clients may name no station, but one with none cannot name one.
        if s.spread.is_none() && c.late_bottleneck.is_some() && s.satisfied >= s.clients {
            return Err(at(format!(
                "late_bottleneck is {:?} with {} of {} clients satisfied",
                c.late_bottleneck, s.satisfied, s.clients
            )));
        }
        let Some(rules) = rules.get(c.cell % rules.len().max(1)) else {
            continue;
        };
        rules
            .check(&s, Stored::Exact, &Names::DOCUMENT)
            .map_err(at)?;
    }
    Ok(())
}

/// What a shard kind calls each field of a summary, so that a refusal names the field the
/// user sees in the file.
#[derive(Debug, Clone, Copy)]
pub struct Names {
    /// Satisfied clients.
    pub satisfied: &'static str,
    /// Satisfied share in percent.
    pub satisfaction: &'static str,
    /// Request class `i`'s satisfaction, the class's name given.
    pub class: fn(usize, &str) -> String,
    /// The median latency.
    pub p50: &'static str,
    /// The 95th percentile.
    pub p95: &'static str,
    /// The 99th percentile.
    pub p99: &'static str,
    /// The largest latency.
    pub max: &'static str,
    /// The mean latency.
    pub mean: &'static str,
    /// The verdict.
    pub meets_target: &'static str,
    /// How many replications.
    pub replications: &'static str,
}

impl Names {
    /// A shard document's [`crate::scaleout::shard::StoredSummary`] fields.
    pub const DOCUMENT: Names = Names {
        satisfied: "satisfied",
        satisfaction: "satisfaction",
        class: |i, _| format!("class_satisfaction[{i}]"),
        p50: "p50_steps",
        p95: "p95_steps",
        p99: "p99_steps",
        max: "max_steps",
        mean: "mean_steps",
        meets_target: "meets_target",
        replications: "spread.replications",
    };

    /// A sweep CSV's columns.
    pub const CSV: Names = Names {
        satisfied: "satisfied",
        satisfaction: "satisfaction",
        class: |_, name| format!("satisfaction_{name}"),
        p50: "p50_s",
        p95: "p95_s",
        p99: "p99_s",
        max: "max_s",
        mean: "mean_s",
        meets_target: "meets_target",
        replications: "replications",
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::stats::{Interval, Spread};

    fn rules(share: f64, classes: &[f64], runs: u32) -> Rules {
        Rules {
            share: Share::new(share).unwrap(),
            class_shares: classes.iter().map(|&c| Share::new(c).unwrap()).collect(),
            class_names: classes.iter().map(|_| "c".into()).collect(),
            runs,
            most: runs,
            random: runs > 1,
            resolution: Resolution::MILLISECOND,
        }
    }

    fn one_run(clients: usize, satisfied: usize) -> Summary {
        let mut latencies: Vec<u64> = (0..clients)
            .map(|i| if i < satisfied { 1000 } else { 9000 })
            .collect();
        let timeout = crate::model::units::Seconds::new(5.0).unwrap();
        Summary::of_latencies(&mut latencies, Resolution::MILLISECOND, timeout, Share::ALL)
    }

    #[test]
    fn the_verdict_of_one_run_is_its_satisfied_clients_against_the_share() {
        let all = rules(100.0, &[], 1);
        let s = one_run(10, 9);
        assert_eq!(all.verdict(&s, Stored::Exact), Some(false));
        assert_eq!(rules(90.0, &[], 1).verdict(&s, Stored::Exact), Some(true));
        assert!(all.check(&s, Stored::Exact, &Names::DOCUMENT).is_ok());
        let mut lied = s.clone();
        lied.meets_target = true;
        let why = all
            .check(&lied, Stored::Exact, &Names::DOCUMENT)
            .unwrap_err();
        assert!(why.contains("meets_target is true"), "{why}");
        let mut more = s.clone();
        more.satisfied = 11;
        assert!(all.check(&more, Stored::Exact, &Names::DOCUMENT).is_err());
        let mut other = s;
        other.satisfaction = 80.0;
        let why = all
            .check(&other, Stored::Exact, &Names::DOCUMENT)
            .unwrap_err();
        assert!(why.contains("9 of 10 clients give 90"), "{why}");
    }

    #[test]
    fn replications_are_judged_by_the_lower_bound_printed_ones_near_it_undecided() {
        let r = rules(95.0, &[], 3);
        let mut s = one_run(10, 10);
        let interval = |low: f64| Interval {
            mean: 100.0,
            low,
            high: 100.0 + (100.0 - low),
        };
        let spread = |low: f64| Spread {
            replications: 3,
            satisfaction: interval(low),
            mean_s: interval(1.0),
            p50_s: interval(1.0),
            p95_s: interval(1.0),
            p99_s: interval(1.0),
            max_s: interval(1.0),
        };
        s.spread = Some(spread(94.0));
        assert_eq!(r.verdict(&s, Stored::Exact), Some(false));
        s.spread = Some(spread(95.0));
        assert_eq!(r.verdict(&s, Stored::Exact), Some(true));
        // Printed to 1e-9, a bound this close to the share could have been either side.
        s.spread = Some(spread(95.0 - 1.5e-9));
        assert_eq!(r.verdict(&s, Stored::Printed), None);
        s.spread = None;
        let why = r.check(&s, Stored::Exact, &Names::DOCUMENT).unwrap_err();
        assert!(why.contains("where its load test runs 3"), "{why}");
    }

    #[test]
    fn request_classes_decide_what_their_satisfactions_can() {
        let classes = |shares: [f64; 2]| {
            shares
                .map(|satisfaction| crate::outcome::stats::ClassFigures {
                    satisfaction,
                    interval: None,
                    p99_steps: None,
                })
                .to_vec()
        };
        let r = rules(100.0, &[90.0, 50.0], 1);
        let mut s = one_run(10, 10);
        s.classes = classes([95.0, 60.0]);
        assert_eq!(r.verdict(&s, Stored::Exact), Some(true));
        s.classes = classes([95.0, 40.0]);
        assert_eq!(r.verdict(&s, Stored::Exact), Some(false));
        let mut replicated = rules(100.0, &[90.0, 50.0], 3);
        s.classes = classes([95.0, 60.0]);
        s.spread = Some(Spread {
            replications: 3,
            satisfaction: Interval {
                mean: 100.0,
                low: 100.0,
                high: 100.0,
            },
            mean_s: Interval::of(&[1.0]),
            p50_s: Interval::of(&[1.0]),
            p95_s: Interval::of(&[1.0]),
            p99_s: Interval::of(&[1.0]),
            max_s: Interval::of(&[1.0]),
        });
        // A random test's classes are decided by their intervals' lower bounds.
        s.classes[0].interval = Some((85.0, 99.0));
        s.classes[1].interval = Some((55.0, 65.0));
        assert_eq!(replicated.verdict(&s, Stored::Exact), Some(false));
        s.meets_target = false;
        assert_eq!(replicated.call(&s), Call::TooCloseToCall);
        s.classes[0].interval = Some((92.0, 98.0));
        assert_eq!(replicated.verdict(&s, Stored::Exact), Some(true));
        s.classes[0].interval = Some((80.0, 89.0));
        assert_eq!(replicated.call(&s), Call::Fails);
        replicated.class_shares.pop();
        let why = replicated
            .check(&s, Stored::Exact, &Names::CSV)
            .unwrap_err();
        assert!(
            why.contains("2 class satisfactions for the scenario's 1"),
            "{why}"
        );
    }

    #[test]
    fn numbers_that_are_not_finite_are_named() {
        let r = rules(100.0, &[], 1);
        let mut s = one_run(10, 10);
        s.mean_steps = f64::NAN;
        let why = r.check(&s, Stored::Exact, &Names::CSV).unwrap_err();
        assert_eq!(why, "mean_s is NaN, not a finite number");
    }
}
