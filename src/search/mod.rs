//! The space of configurations and how it is searched.
//!
//! The space is the Cartesian product of each lever's values. Candidates are ranked by cost,
//! then by how few levers they change from the baseline, then by lever values: that order
//! *is* the answer's tie-break, so the first candidate in it that meets the target is the
//! answer. `optimize` load-tests the ranking in parallel batches from the cheapest and stops
//! once the tested prefix holds the answer and its runners-up: every cheaper one has then
//! been tested and failed, so the answer is exact without testing the rest. `sweep` tests
//! everything.
//!
//! Every load test runs in its own virtual-time runtime (one per rayon worker, reused), and
//! results are collected in rank order: output is identical whatever the thread count.

pub mod compare;
pub mod memory;
pub mod over_time;
pub mod policy;
pub mod schedule;

use rayon::prelude::*;

use crate::engine::EngineError;
use crate::loadtest;
use crate::model::config::Config;
use crate::model::cost::{Cost, PriceKey};
use crate::model::levers::Values;
use crate::model::objective::Share;
use crate::model::scenario::{Prices, Scenario};
use crate::model::units::Rate;
use crate::outcome::stats::Summary;
use crate::outcome::verdict::{Assessment, ClassVerdict};
use crate::workload::clients::Clients;
use crate::workload::LoadTest;

/// The default ceiling on the number of configurations a search may have.
pub const DEFAULT_MAX_CONFIGS: u64 = 1_000_000;

/// Why a search cannot run.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum SearchError {
    /// More configurations than `--max-configs` allows: ranking them all would exhaust memory or
    /// time, so the user must narrow a range or raise the ceiling.
    #[error("the search space has {} configurations ({}), more than --max-configs {max}; narrow a --range or raise --max-configs", crate::model::levers::count_text(*.size), crate::model::levers::short_shape(.shape))]
    TooLarge {
        /// Configurations in the space, exact even beyond `u64`.
        size: u128,
        /// Each lever's values (`a.units 1..=4 × b.units 5,7`), cut short for the message.
        shape: String,
        /// The ceiling in force (`--max-configs`).
        max: u64,
    },
    /// Some configuration's price is not finite: no ranking by cost is possible.
    #[error("prices too large: the dearest configuration ({config}) would cost more than a 64-bit float holds; lower --cpu-price or --ram-price")]
    PriceOverflow {
        /// The dearest configuration, described for the user.
        config: String,
    },
    /// A load test the engine refuses (see [`EngineError`]).
    #[error(transparent)]
    Engine(#[from] EngineError),
}

/// The values every station's lever may take, in scenario order.
#[derive(Debug, Clone, PartialEq)]
pub struct Space {
    levers: Vec<Values>,
}

impl Space {
    /// The scenario's ranges with some replaced (`--range`).
    pub fn new(scenario: &Scenario, overrides: &[(usize, Values)]) -> Space {
        let mut levers: Vec<Values> = scenario
            .stations()
            .iter()
            .map(|s| s.range().clone())
            .collect();
        for (station, values) in overrides {
            levers[*station] = values.clone();
        }
        Space { levers }
    }

    /// One set of values per station, in scenario order.
    pub fn levers(&self) -> &[Values] {
        &self.levers
    }

    /// How many configurations the space holds (exact, even when huge).
    pub fn size(&self) -> u128 {
        self.levers
            .iter()
            .try_fold(1u128, |acc, v| acc.checked_mul(v.len() as u128))
            .unwrap_or(u128::MAX)
    }

    /// `soda.units 1..=4 × burger.units 3..=8 × fries.batch 5,7`.
    pub fn shape(&self, scenario: &Scenario) -> String {
        scenario
            .stations()
            .iter()
            .zip(&self.levers)
            .map(|(s, v)| format!("{} {v}", s.lever_name()))
            .collect::<Vec<_>>()
            .join(" × ")
    }

    /// Refuses a space larger than `max` before anything is allocated for it.
    pub fn check_size(&self, scenario: &Scenario, max: u64) -> Result<u64, SearchError> {
        let size = self.size();
        if size > max as u128 {
            return Err(SearchError::TooLarge {
                size,
                shape: self.shape(scenario),
                max,
            });
        }
        Ok(size as u64)
    }

    /// Each lever's largest value, in scenario order (values are kept sorted).
    pub fn maxima(&self) -> Vec<u32> {
        self.levers
            .iter()
            .map(|v| v.as_slice().last().copied().unwrap_or(1))
            .collect()
    }

    /// Refuses prices at which some configuration's price is not a finite number, so that
    /// every price the ranking compares is a real one. Prices grow with every lever, so
    /// checking the dearest configuration checks them all.
    pub fn check_prices(&self, scenario: &Scenario, prices: &Prices) -> Result<(), SearchError> {
        let dearest = Config::new(self.maxima());
        if Cost::of(scenario, &dearest, prices).price.is_finite() {
            Ok(())
        } else {
            Err(SearchError::PriceOverflow {
                config: dearest.describe(scenario),
            })
        }
    }

    /// The configuration at `index` of the odometer order (the last lever turning fastest).
    pub fn config_at(&self, mut index: u128) -> Config {
        let mut values = vec![0u32; self.levers.len()];
        for (slot, lever) in values.iter_mut().zip(&self.levers).rev() {
            let len = lever.len() as u128;
            *slot = lever.as_slice()[(index % len) as usize];
            index /= len;
        }
        Config::new(values)
    }
}

/// A configuration with its cost, ready to be ranked.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// One value per lever, in scenario order.
    pub config: Config,
    /// Its resources and price at the search's prices.
    pub cost: Cost,
    /// How many levers differ from the baseline.
    pub changed: usize,
}

/// Every configuration of the space, cheapest first (prices compared by [`PriceKey`]); ties
/// broken by fewest changed levers, then by lever values in scenario order.
pub fn rank(space: &Space, scenario: &Scenario, prices: &Prices) -> Vec<Candidate> {
    let baseline = Config::baseline(scenario);
    let size = u64::try_from(space.size()).expect("checked against --max-configs");
    // Each key is computed once, not once per comparison: rounding a price costs a format.
    let mut all: Vec<(PriceKey, Candidate)> = (0..size)
        .into_par_iter()
        .map(|i| space.config_at(i as u128))
        .map(|config| {
            let cost = Cost::of(scenario, &config, prices);
            let candidate = Candidate {
                cost,
                changed: config.changed_levers(&baseline),
                config,
            };
            (cost.key(), candidate)
        })
        .collect();
    all.par_sort_unstable_by(|(ka, a), (kb, b)| {
        (ka, a.changed, &a.config).cmp(&(kb, b.changed, &b.config))
    });
    all.into_par_iter().map(|(_, c)| c).collect()
}

/// What a configuration is tested against: a load test and the share of clients that must
/// be satisfied. `optimize`, `sweep` and `compare` (at each of its rates) all use it.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    /// Clients, arrivals and timeout, at the rate being tested.
    pub load: LoadTest,
    /// Percentage of clients that must beat the timeout.
    pub share: Share,
    /// Clients that think, give up or retry, judged by [`crate::loadtest::clients::assess`] instead of
    /// the plain test; `None`: every client waits for its order.
    pub clients: Option<Clients>,
}

impl Target {
    /// The same target with arrivals at another rate.
    pub fn at(&self, rate: Rate) -> Target {
        Target {
            load: self.load.at_rate(rate),
            share: self.share,
            clients: self.clients.clone(),
        }
    }
}

/// One candidate's load-test result.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluated {
    /// The configuration and what it costs.
    pub candidate: Candidate,
    /// Its load test's result, over every replication.
    pub summary: Summary,
    /// Per request class, its verdict against its own objective, in file order (empty
    /// without classes).
    pub classes: Vec<ClassVerdict>,
}

/// Load-tests one configuration (all its replications): every figure a report shows of it.
pub fn evaluate_one(
    scenario: &Scenario,
    target: &Target,
    config: &Config,
) -> Result<Assessment, EngineError> {
    loadtest::assess(
        scenario,
        config,
        &target.load,
        target.share,
        target.clients.as_ref(),
    )
}

/// Load-tests candidates in parallel; results come back in the candidates' order.
pub fn evaluate(
    scenario: &Scenario,
    target: &Target,
    candidates: &[Candidate],
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Vec<Evaluated>, SearchError> {
    candidates
        .par_iter()
        .map(|c| {
            let assessment = evaluate_one(scenario, target, &c.config)?;
            progress(1);
            Ok(Evaluated {
                candidate: c.clone(),
                summary: assessment.summary,
                classes: assessment.classes,
            })
        })
        .collect()
}

/// What `optimize` found: the canonical result of [`settle`], the same whether one process
/// or many shards did the work.
#[derive(Debug, Clone, PartialEq)]
pub struct Optimization {
    /// Every configuration ranked up to the last runner-up, in rank order (the whole ranking
    /// when fewer than the answer and its runners-up pass): a prefix of the ranking.
    pub evaluated: Vec<Evaluated>,
    /// Index in `evaluated` of the cheapest candidate that meets the target.
    pub answer: Option<usize>,
    /// Indices in `evaluated` of the next cheapest that also meet it. Exact, because the
    /// tested candidates are a prefix of the ranking: no untested one is cheaper.
    pub runners_up: Vec<usize>,
    /// The size of the whole space.
    pub total: usize,
    /// How the tested candidates were chosen, for the report to say.
    pub selection: Selection,
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
    Some(Optimization {
        evaluated: tested,
        answer: passing.first().copied(),
        runners_up: passing.iter().skip(1).copied().collect(),
        total,
        selection,
    })
}

/// Tests the ranking from the cheapest in parallel batches until the tested prefix holds
/// the answer and `runners_up` more passing candidates (or is the whole ranking), then
/// reports [`settle`]'s canonical prefix of it.
pub fn optimize(
    scenario: &Scenario,
    target: &Target,
    ranking: &[Candidate],
    runners_up: usize,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Optimization, SearchError> {
    let wanted = runners_up.saturating_add(1);
    let mut evaluated: Vec<Evaluated> = Vec::new();
    let mut batch = FIRST_BATCH;
    let mut passing = 0;
    while evaluated.len() < ranking.len() && passing < wanted {
        let end = (evaluated.len() + batch).min(ranking.len());
        let results = evaluate(scenario, target, &ranking[evaluated.len()..end], progress)?;
        passing += results.iter().filter(|e| e.summary.meets_target).count();
        evaluated.extend(results);
        batch = (batch * 2).min(MAX_BATCH);
    }
    Ok(settle(evaluated, runners_up, ranking.len()).expect("tested until settled"))
}

/// How many near misses a report lists when nothing meets the target.
pub const CLOSEST: usize = 5;

/// The `n` tested candidates that came closest to the target, as indices in `o.evaluated`:
/// the most satisfied first (with replications, by the mean satisfaction, which is what the
/// summary holds then), ties in rank order — the cheapest first. One function, so that the
/// table and the JSON list the same near misses in the same order.
pub fn closest(o: &Optimization, n: usize) -> Vec<usize> {
    let mut indices: Vec<usize> = (0..o.evaluated.len()).collect();
    // A stable sort: equal satisfactions keep the rank order of `evaluated`.
    indices.sort_by(|&a, &b| {
        let satisfaction = |i: usize| o.evaluated[i].summary.satisfaction;
        satisfaction(b).total_cmp(&satisfaction(a))
    });
    indices.truncate(n);
    indices
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn space_enumerates_the_product() {
        let s = Scenario::embedded();
        let space = Space::new(&s, &[]);
        assert_eq!(space.size(), 4 * 6 * 2);
        let all: Vec<Config> = (0..48).map(|i| space.config_at(i)).collect();
        assert_eq!(all.len(), 48);
        assert_eq!(all[0].values(), &[1, 3, 5]);
        assert_eq!(all[1].values(), &[1, 3, 7]);
        assert_eq!(all[47].values(), &[4, 8, 7]);
        // Each configuration once.
        let distinct: std::collections::HashSet<&Config> = all.iter().collect();
        assert_eq!(distinct.len(), 48);
    }

    #[test]
    fn huge_spaces_are_refused_with_their_size() {
        let s = Scenario::embedded();
        let big = Values::parse("1..=100000").unwrap();
        let space = Space::new(&s, &[(0, big.clone()), (1, big)]);
        let err = space.check_size(&s, DEFAULT_MAX_CONFIGS).unwrap_err();
        assert!(
            err.to_string().contains("20000000000 configurations"),
            "{err}"
        );
    }

    #[test]
    fn ranking_breaks_ties_by_changed_levers_then_values() {
        let s = Scenario::embedded();
        let r = rank(&Space::new(&s, &[]), &s, s.prices());
        assert_eq!(r[0].config.values(), &[1, 3, 5]);
        for w in r.windows(2) {
            assert!(w[0].cost.key() <= w[1].cost.key());
        }
    }
}
