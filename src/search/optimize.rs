//! `optimize`'s walk: the ranking tested cheapest first in parallel batches until the tested
//! prefix settles the answer and its runners-up, within a budget of configurations and time;
//! and [`settle`], the one definition of its result that a single run and a merge of shards
//! both compute.

use rayon::prelude::*;

use crate::model::config::Config;
use crate::model::cost::Cost;
use crate::model::scenario::{Prices, Scenario};
use crate::outcome::verdict::Call;

use super::found::{Limit, Optimization, OutOfReach, Selection, Unfinished};
use super::{evaluate_one, Candidate, Evaluated, SearchError, Space, Study, Target};

/// The first class (in file order) whose least possible latency is at or over its objective
/// ([`Scenario::least_latency_steps`]), with its index: none of its clients is satisfied in
/// any configuration, since no lever changes a service time.
///
/// Proof that one test then decides every configuration: its clients are the same in every
/// configuration (common random numbers deal classes by client), each with no satisfied
/// client, so every configuration's replications give that class the same figures, the
/// same verdict and, when that verdict is "fails", fail as a whole. The first configuration
/// is tested to see that verdict (a class that a short test deals no client, or an
/// objective of 0 %, is not failed by it); only then are the others skipped.
pub fn out_of_reach(scenario: &Scenario, target: &Target) -> Option<(usize, OutOfReach)> {
    let least = scenario.least_latency_steps();
    let res = scenario.resolution();
    let objectives: Vec<crate::model::units::Seconds> =
        crate::workload::plan_objectives(scenario, &target.load, target.share)
            .into_iter()
            .map(|(timeout, _)| timeout)
            .collect();
    least
        .iter()
        .zip(&objectives)
        .enumerate()
        .find(|(_, (&steps, &timeout))| {
            !crate::outcome::stats::satisfied(
                steps,
                res,
                crate::model::units::Resolution::timeout_nanos(timeout),
            )
        })
        .map(|(k, (&steps, &timeout))| {
            (
                k,
                OutOfReach {
                    class: scenario
                        .requests()
                        .get(k)
                        .map_or(String::new(), |r| r.name.clone()),
                    least_s: res.to_seconds(steps),
                    timeout_s: timeout.get(),
                    skipped: 0,
                },
            )
        })
}

/// The result when the first configuration of the walk (`total` of them) fails class `k`,
/// which [`out_of_reach`] found no configuration can satisfy: that one tested, every other
/// skipped. `Err(first)` when it does not fail that class, and the walk goes on. The single
/// run and the merge of shards settle it so, alike.
pub fn out_of_reach_settled(
    k: usize,
    mut why: OutOfReach,
    first: Evaluated,
    total: usize,
) -> Result<Optimization, Box<Evaluated>> {
    let failed = match first.classes.get(k) {
        Some(class) => class.call == Call::Fails,
        None => first.call == Call::Fails,
    };
    if !failed {
        return Err(Box::new(first));
    }
    why.skipped = total - 1;
    Ok(Optimization {
        evaluated: vec![first],
        answer: None,
        runners_up: Vec::new(),
        undecided: Vec::new(),
        total,
        selection: Selection::CheapestFirst,
        unfinished: None,
        verified: Vec::new(),
        out_of_reach: Some(why),
        estimates: Vec::new(),
    })
}

/// What stops a cheapest-first walk before it settles.
#[derive(Debug, Clone, Copy, Default)]
pub struct Budget {
    /// The most configurations the walk load-tests (`--max-configs` for `optimize`).
    pub configs: Option<u64>,
    /// When the walk stops (`--max-time`), with the limit as given, in seconds.
    pub deadline: Option<(std::time::Instant, f64)>,
    /// Skip the whole walk once one test proves no configuration can meet the target
    /// ([`OutOfReach`]); off where every configuration must be reported (a shard's part of
    /// a partition, `--plot-all`).
    pub skip_out_of_reach: bool,
    /// Stop a configuration's runs once it is sure to fail ([`LoadTest::stop_early`]): for a
    /// walk whose outputs show no failing configuration's figures but the closest misses,
    /// which are completed before the result is handed back.
    ///
    /// [`LoadTest::stop_early`]: crate::workload::LoadTest::stop_early
    pub stop_early: bool,
}

/// The first batch's size; batches double up to [`MAX_BATCH`]. Fixed, not tied to the thread
/// count; the report holds [`settle`]'s prefix anyway, whatever the batches tested.
const FIRST_BATCH: usize = 8;
const MAX_BATCH: usize = 4096;

/// The one definition of an optimize result, which the single run and the merge of shards
/// both compute. With `R = runners_up` and `g_0 < g_1 < … < g_R` the ranks of the `1 + R`
/// cheapest passing configurations, the result is every configuration of rank ≤ `g_R` with
/// its summary, the answer `g_0` and the runners-up `g_1..g_R`; when fewer than `1 + R` pass
/// (none, maybe), it is the whole ranking with what passed.
///
/// `tested` must be a prefix of the ranking (ranks `0..tested.len()`), in rank order, of a
/// ranking of `total`. Returns `None` when that prefix does not settle the result yet: it
/// holds fewer than `1 + R` passes and is not the whole ranking, so a configuration not yet
/// tested could still be a runner-up. Anything `tested` holds beyond `g_R` is dropped, so
/// the result does not depend on how much more a batch (or a shard) happened to test.
pub fn settle(mut tested: Vec<Evaluated>, runners_up: usize, total: usize) -> Option<Optimization> {
    let wanted = runners_up.saturating_add(1);
    let passing: Vec<usize> = tested
        .iter()
        .enumerate()
        .filter(|(_, e)| e.summary.meets_target)
        .map(|(i, _)| i)
        .take(wanted)
        .collect();
    let selection = if passing.len() == wanted {
        tested.truncate(passing[passing.len() - 1] + 1);
        Selection::CheapestFirst
    } else if tested.len() == total {
        Selection::Everything
    } else {
        return None;
    };
    let answer = passing.first().copied();
    Some(Optimization {
        undecided: undecided(&tested, answer),
        evaluated: tested,
        answer,
        runners_up: passing.iter().skip(1).copied().collect(),
        total,
        selection,
        unfinished: None,
        verified: Vec::new(),
        out_of_reach: None,
        estimates: Vec::new(),
    })
}

/// The configurations ranked before `answer` (all, without one) left too close to call.
fn undecided(tested: &[Evaluated], answer: Option<usize>) -> Vec<usize> {
    let before = answer.unwrap_or(tested.len());
    (0..before)
        .filter(|&i| tested[i].call == Call::TooCloseToCall)
        .collect()
}

/// What watches a search as each configuration is load-tested, from any rayon thread.
pub trait Watch: Sync {
    /// One more configuration load-tested.
    fn tested(&self, e: &Evaluated);
}

impl<F: Fn(u64) + Sync> Watch for F {
    fn tested(&self, _: &Evaluated) {
        self(1)
    }
}

/// Tests `candidates` (a ranking, or a shard's part of one, cheapest first, `total` of them)
/// in parallel batches until the tested prefix holds the answer and `runners_up` more
/// passing candidates (or is the whole ranking), then reports [`settle`]'s canonical prefix
/// of it. The candidates are drawn as they are needed, so a lazy [`Frontier`](super::Frontier) over millions
/// of configurations costs what is tested, not the space.
///
/// When `budget` runs out first, the walk stops at the end of what it tested in rank order
/// and, with `climb` (the walked space, at the study's prices) and no passing configuration yet,
/// climbs from the space's cheapest configuration, raising the lever of the station late
/// clients waited on longest, until one meets: an answer, but not proven cheapest, and the
/// result says so ([`Unfinished`]).
#[allow(clippy::too_many_arguments)]
pub fn optimize(
    study: &Study,
    candidates: impl IntoIterator<Item = Candidate>,
    total: usize,
    runners_up: usize,
    budget: Budget,
    climb: Option<&Space>,
    progress: &dyn Watch,
) -> Result<Optimization, SearchError> {
    let (scenario, target) = (study.model, &study.target);
    let climb = climb.map(|space| (space, &study.prices));
    let mut stopping = None;
    let full = target;
    let target = match budget.stop_early {
        true => &*stopping.insert(Target {
            load: crate::workload::LoadTest {
                stop_early: true,
                ..target.load.clone()
            },
            ..target.clone()
        }),
        false => target,
    };
    let mut result = walk(
        scenario, target, candidates, total, runners_up, budget, climb, progress,
    )?;
    if result.answer.is_none() {
        complete(scenario, full, &mut result.evaluated)?;
    }
    Ok(result)
}

/// Load-tests again, to their end, the configurations whose runs were cut short: nothing
/// met, and a report lists the closest misses by their figures.
fn complete(
    scenario: &Scenario,
    target: &Target,
    evaluated: &mut [Evaluated],
) -> Result<(), SearchError> {
    let short: Vec<usize> = (0..evaluated.len())
        .filter(|&i| evaluated[i].cut_short)
        .collect();
    let whole: Vec<Candidate> = short
        .iter()
        .map(|&i| evaluated[i].candidate.clone())
        .collect();
    let done = evaluate_until(scenario, target, &whole, None, &|_| ())?;
    for (i, e) in short.into_iter().zip(done.into_iter().flatten()) {
        evaluated[i] = e;
    }
    Ok(())
}

/// [`optimize`]'s walk, its target as the budget has it.
#[allow(clippy::too_many_arguments)]
fn walk(
    scenario: &Scenario,
    target: &Target,
    candidates: impl IntoIterator<Item = Candidate>,
    total: usize,
    runners_up: usize,
    budget: Budget,
    climb: Option<(&Space, &Prices)>,
    progress: &dyn Watch,
) -> Result<Optimization, SearchError> {
    let mut candidates = candidates.into_iter();
    let wanted = runners_up.saturating_add(1);
    let mut evaluated: Vec<Evaluated> = Vec::new();
    let mut batch = FIRST_BATCH;
    let mut passing = 0;
    let mut stopped = None;
    if let Some((k, why)) = budget
        .skip_out_of_reach
        .then(|| out_of_reach(scenario, target))
        .flatten()
    {
        let first: Vec<Candidate> = candidates.by_ref().take(1).collect();
        let results = evaluate_until(scenario, target, &first, None, progress)?;
        let e = match results.into_iter().flatten().next() {
            Some(first) => match out_of_reach_settled(k, why, first, total) {
                Ok(settled) => return Ok(settled),
                Err(first) => Some(*first),
            },
            None => None,
        };
        passing += e.iter().filter(|e| e.summary.meets_target).count();
        evaluated.extend(e);
    }
    while evaluated.len() < total && passing < wanted {
        let mut size = batch.min(total - evaluated.len());
        if let Some(most) = budget.configs {
            let left = (most as usize).saturating_sub(evaluated.len());
            if left == 0 {
                stopped = Some(Limit::Configs(most));
                break;
            }
            size = size.min(left);
        }
        if let Some((deadline, secs)) = budget.deadline {
            if std::time::Instant::now() >= deadline {
                stopped = Some(Limit::Time(secs));
                break;
            }
        }
        let next: Vec<Candidate> = candidates.by_ref().take(size).collect();
        if next.is_empty() {
            break;
        }
        let deadline = budget.deadline.map(|(d, _)| d);
        let results = evaluate_until(scenario, target, &next, deadline, progress)?;
        let done = results.iter().take_while(|r| r.is_some()).count();
        let results: Vec<Evaluated> = results.into_iter().map_while(|r| r).collect();
        passing += results.iter().filter(|e| e.summary.meets_target).count();
        evaluated.extend(results);
        if done < next.len() {
            stopped = budget.deadline.map(|(_, secs)| Limit::Time(secs));
            break;
        }
        batch = (batch * 2).min(MAX_BATCH);
    }
    match stopped {
        None => Ok(settle(evaluated, runners_up, total).expect("tested until settled")),
        Some(limit) => unfinished(scenario, target, evaluated, total, limit, climb, progress),
    }
}

/// Load-tests candidates in parallel, in the candidates' order; those not started by
/// `deadline` are `None`.
pub(super) fn evaluate_until(
    scenario: &Scenario,
    target: &Target,
    candidates: &[Candidate],
    deadline: Option<std::time::Instant>,
    progress: &dyn Watch,
) -> Result<Vec<Option<Evaluated>>, SearchError> {
    candidates
        .par_iter()
        .map(|c| {
            if deadline.is_some_and(|d| std::time::Instant::now() >= d) {
                return Ok(None);
            }
            let assessment = evaluate_one(scenario, target, &c.config)?;
            let e = Evaluated {
                candidate: c.clone(),
                summary: assessment.summary,
                classes: assessment.classes,
                call: assessment.call,
                cut_short: assessment.cut_short,
            };
            progress.tested(&e);
            Ok(Some(e))
        })
        .collect()
}

#[allow(clippy::too_many_arguments)]
/// The result of a walk its budget stopped: the answer it found, if any (proven cheapest:
/// everything ranked before it was tested), else the climb's.
fn unfinished(
    scenario: &Scenario,
    target: &Target,
    mut evaluated: Vec<Evaluated>,
    total: usize,
    limit: Limit,
    climb: Option<(&Space, &Prices)>,
    progress: &dyn Watch,
) -> Result<Optimization, SearchError> {
    let walked = evaluated.len();
    let passing: Vec<usize> = (0..walked)
        .filter(|&i| evaluated[i].summary.meets_target)
        .collect();
    let (answer, runners_up, untested_cheaper) = match (passing.split_first(), climb) {
        (Some((&first, rest)), _) => (Some(first), rest.to_vec(), Some(0)),
        (None, Some((space, prices))) => {
            let found = climb_to_target(scenario, target, space, prices, &mut evaluated, progress)?;
            let untested = found.map(|i| {
                let key = evaluated[i].candidate.cost.key();
                let walked_cheaper = evaluated[..walked]
                    .iter()
                    .filter(|e| e.candidate.cost.key() < key)
                    .count() as u128;
                cheaper_than(space, scenario, prices, key).map(|n| n - walked_cheaper)
            });
            (found, Vec::new(), untested.flatten())
        }
        (None, None) => (None, Vec::new(), None),
    };
    Ok(Optimization {
        undecided: undecided(&evaluated[..walked], answer.filter(|&a| a < walked)),
        total,
        evaluated,
        answer,
        runners_up,
        selection: Selection::CheapestFirst,
        unfinished: Some(Unfinished {
            limit,
            walked,
            untested_cheaper,
        }),
        verified: Vec::new(),
        out_of_reach: None,
        estimates: Vec::new(),
    })
}

/// The most configurations [`cheaper_than`] counts one by one.
const MOST_COUNTED: u128 = 50_000_000;

/// How many configurations of `space` cost less than `key`; `None` beyond [`MOST_COUNTED`].
fn cheaper_than(
    space: &Space,
    scenario: &Scenario,
    prices: &Prices,
    key: crate::model::cost::PriceKey,
) -> Option<u128> {
    let size = space.size();
    if size > MOST_COUNTED {
        return None;
    }
    // Rounding to the key moves a price by at most 5e-12 of itself: a price further than
    // 1e-10 of the key from it is on the same side as its key, and only near-ties are
    // rounded (formatting a price is most of the count's time).
    let (low, high) = (
        key.value() - key.value().abs() * 1e-10,
        key.value() + key.value().abs() * 1e-10,
    );
    let n = (0..size as u64)
        .into_par_iter()
        .filter(|&i| {
            let cost = Cost::of(scenario, &space.config_at(i as u128), prices);
            cost.price < low || (cost.price <= high && cost.key() < key)
        })
        .count();
    Some(n as u128)
}

/// From the space's cheapest configuration, raises one lever at a time, the station where
/// late clients waited longest (else the one with the least capacity), until a
/// configuration meets the target or no lever can rise. Each configuration tested is added
/// to `evaluated` (reused when the walk tested it); returns the index of the one that met.
fn climb_to_target(
    scenario: &Scenario,
    target: &Target,
    space: &Space,
    prices: &Prices,
    evaluated: &mut Vec<Evaluated>,
    progress: &dyn Watch,
) -> Result<Option<usize>, SearchError> {
    let baseline = Config::baseline(scenario);
    let levers = space.levers();
    let mut at: Vec<usize> = vec![0; levers.len()];
    // Each step raises the station where the late clients waited most.
    let mut target = target.clone();
    target.load.late_waits = true;
    let target = &target;
    loop {
        let config = Config::new(
            at.iter()
                .zip(levers)
                .map(|(&i, v)| v.as_slice()[i])
                .collect(),
        );
        let assessment = evaluate_one(scenario, target, &config)?;
        let index = match evaluated.iter().position(|e| e.candidate.config == config) {
            Some(i) => i,
            None => {
                evaluated.push(Evaluated {
                    candidate: Candidate {
                        cost: Cost::of(scenario, &config, prices),
                        changed: config.changed_levers(&baseline),
                        config: config.clone(),
                    },
                    summary: assessment.summary.clone(),
                    classes: assessment.classes.clone(),
                    call: assessment.call,
                    cut_short: assessment.cut_short,
                });
                evaluated.len() - 1
            }
        };
        progress.tested(&evaluated[index]);
        if assessment.summary.meets_target {
            return Ok(Some(index));
        }
        let can_rise = |s: usize| at[s] + 1 < levers[s].len();
        let capacity = crate::model::capacity::Capacity::of(scenario, &config);
        let late = assessment
            .late_waits
            .iter()
            .enumerate()
            .filter(|&(s, &n)| n > 0 && can_rise(s))
            .max_by_key(|&(s, &n)| (n, std::cmp::Reverse(s)))
            .map(|(s, _)| s);
        let weakest = (0..levers.len())
            .filter(|&s| can_rise(s))
            .min_by(|&a, &b| capacity.per_station[a].total_cmp(&capacity.per_station[b]));
        match late.or(weakest) {
            Some(s) => at[s] += 1,
            None => return Ok(None),
        }
    }
}
