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
pub mod found;
pub mod frontier;
pub mod memory;
pub mod optimize;
pub mod over_time;
pub mod pareto;
pub mod policy;
pub mod schedule;
pub mod study;
pub mod verify;

pub use found::{Limit, Optimization, OutOfReach, Selection, Unfinished, Verification};
pub use frontier::Frontier;
pub use optimize::{optimize, out_of_reach, out_of_reach_settled, settle, Budget, Watch};
pub use study::Study;
pub use verify::{verify, VERIFY_LONGER};

use crate::engine::EngineError;
use crate::loadtest;
use crate::model::config::Config;
use crate::model::cost::Cost;
use crate::model::levers::Values;
use crate::model::objective::Share;
use crate::model::scenario::{Prices, Scenario};
use crate::model::units::Rate;
use crate::outcome::profile::Profile;
use crate::outcome::stats::Summary;
use crate::outcome::verdict::{Assessment, Call, ClassVerdict};
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

    /// The part of the space where every station keeps up with `rate` for good, or `None`
    /// when some station cannot at any of its values. `strict`: with random arrivals or
    /// service, a station exactly at its capacity (ρ = 1) does not keep up either (its queue
    /// is null-recurrent and grows without bound).
    ///
    /// Why this skips only what cannot win a sustained objective: a station's capacity
    /// depends on its own lever alone (`StationKind::capacity(value, demand)`), so "every
    /// station keeps up" is a conjunction of one condition per lever, and the configurations
    /// that meet it are exactly the product of each lever's values that meet its own. A
    /// configuration outside it has a station with arrival rate λ·v ≥ μ, where by the
    /// operational utilisation law the station would have to be busy more than 100 % of the
    /// time to keep up: its queue, and so its clients' latency, grows without bound, and no
    /// latency objective holds for good. The rank order restricted to this sub-space is the
    /// full ranking with those configurations removed, since rank keys do not depend on the
    /// space.
    pub fn sustaining(&self, scenario: &Scenario, rate: f64, strict: bool) -> Option<Space> {
        let levers = self
            .levers
            .iter()
            .zip(scenario.stations())
            .zip(scenario.demand())
            .map(|((values, station), demand)| {
                values.retain(|v| {
                    let capacity = station.kind().capacity(v, demand);
                    if strict {
                        capacity > rate * (1.0 + 1e-12)
                    } else {
                        capacity >= rate * (1.0 - 1e-12)
                    }
                })
            })
            .collect::<Option<Vec<Values>>>()?;
        Some(Space { levers })
    }

    /// Each lever's smallest value, in scenario order: the cheapest, weakest configuration.
    pub fn minima(&self) -> Vec<u32> {
        self.levers
            .iter()
            .map(|v| v.as_slice().first().copied().unwrap_or(1))
            .collect()
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

/// Every configuration of the space, cheapest first (prices compared by
/// [`crate::model::cost::PriceKey`]); ties broken by fewest changed levers, then by lever
/// values in scenario order: the [`Frontier`] walked to its end.
pub fn rank(space: &Space, scenario: &Scenario, prices: &Prices) -> Vec<Candidate> {
    Frontier::new(space, scenario, prices).collect()
}

/// What a configuration is tested against: a load test and the share of clients that must
/// be satisfied. `optimize`, `sweep` and `compare` (at each of its rates) all use it.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    /// Clients, arrivals and timeout, at the rate being tested.
    pub load: LoadTest,
    /// Percentage of clients that must beat the timeout.
    pub share: Share,
    /// Clients that think, give up or retry, judged by the same [`crate::loadtest::assess`] by their
    /// rules; `None`: every client waits for its order.
    pub clients: Option<Clients>,
}

impl Target {
    /// Whether anything in the test is drawn at random: only then can a verdict be too
    /// close to call, and do reports say how each was decided.
    pub fn is_random(&self, scenario: &Scenario) -> bool {
        match &self.clients {
            Some(c) => c.is_random(scenario, &self.load),
            None => self.load.is_random(scenario),
        }
    }

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
    /// Whether it meets the target, and how sure that is.
    pub call: Call,
    /// Its runs stopped once it was sure to fail (a walk with [`Budget::stop_early`]): the
    /// call stands, the figures cover only the clients that had ended, and a report that
    /// shows them has them completed first ([`optimize()`]).
    pub cut_short: bool,
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

/// Where the time goes for `config` under the target's load: its first replication
/// profiled, one more load test (what a report shows beside the verdict).
pub fn profile(
    scenario: &Scenario,
    target: &Target,
    config: &Config,
) -> Result<Profile, EngineError> {
    loadtest::profile(
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
    Ok(
        optimize::evaluate_until(scenario, target, candidates, None, &progress)?
            .into_iter()
            .flatten()
            .collect(),
    )
}

/// How many near misses a report lists when nothing meets the target.
pub const CLOSEST: usize = 5;

/// The `n` tested candidates that came closest to the target without meeting it, as
/// indices in `o.evaluated`: the most satisfied first (with replications, by the mean
/// satisfaction, which is what the summary holds then), ties in rank order — the cheapest
/// first. One function, so that the table, the JSON and the page list the same near misses
/// in the same order (with an answer, the page lists the cheaper ones that failed).
pub fn closest(o: &Optimization, n: usize) -> Vec<usize> {
    closest_in(&o.evaluated, n)
}

/// [`closest`] among any tested candidates in rank order (a sweep's): indices in `tested`.
pub fn closest_in(tested: &[Evaluated], n: usize) -> Vec<usize> {
    let mut indices: Vec<usize> = (0..tested.len())
        .filter(|&i| !tested[i].summary.meets_target)
        .collect();
    // A stable sort: equal satisfactions keep the rank order of `tested`.
    indices.sort_by(|&a, &b| {
        let satisfaction = |i: usize| tested[i].summary.satisfaction;
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
    fn the_sustaining_space_is_the_ranking_of_what_keeps_up() {
        let s = Scenario::embedded();
        let prices = s.prices().clone();
        let space = Space::new(
            &s,
            &[
                (0, Values::parse("1..=5").unwrap()),
                (1, Values::parse("2..=9").unwrap()),
                (2, Values::parse("3..=9").unwrap()),
            ],
        );
        for rate in [0.5, 1.0, 1.25, 1.5, 2.0, 2.5, 4.0] {
            for strict in [false, true] {
                let kept: Vec<Candidate> = rank(&space, &s, &prices)
                    .into_iter()
                    .filter(|c| {
                        let cap = crate::model::capacity::Capacity::of(&s, &c.config);
                        cap.sustains(rate) && !(strict && cap.per_station.contains(&rate))
                    })
                    .collect();
                match space.sustaining(&s, rate, strict) {
                    Some(sub) => assert_eq!(rank(&sub, &s, &prices), kept, "rate {rate}"),
                    None => assert!(kept.is_empty(), "rate {rate}"),
                }
            }
        }
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

    /// Every configuration priced and sorted at once: the order the frontier must walk.
    fn sorted(space: &Space, scenario: &Scenario, prices: &Prices) -> Vec<Candidate> {
        let baseline = Config::baseline(scenario);
        let mut all: Vec<Candidate> = (0..space.size())
            .map(|i| space.config_at(i))
            .map(|config| Candidate {
                cost: Cost::of(scenario, &config, prices),
                changed: config.changed_levers(&baseline),
                config,
            })
            .collect();
        all.sort_by(|a, b| {
            (a.cost.key(), a.changed, &a.config).cmp(&(b.cost.key(), b.changed, &b.config))
        });
        all
    }

    #[test]
    fn the_frontier_walks_the_sorted_ranking_at_any_prices() {
        let s = Scenario::parse(include_str!("../../data/api.toml"), "api.toml").unwrap();
        let mut rng = 0x2545_f491_4f6c_dd1du64;
        let mut next = move |n: u64| {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            rng % n
        };
        for case in 0..40 {
            let overrides: Vec<(usize, Values)> = (0..s.stations().len())
                .map(|i| {
                    let low = 1 + next(3) as u32;
                    let len = 1 + next(4) as u32;
                    let text = format!("{low}..={}", low + len - 1);
                    (i, Values::parse(&text).unwrap())
                })
                .collect();
            let space = Space::new(&s, &overrides);
            // Zero, equal and unequal prices: ties of every size.
            let prices = Prices {
                cpu: [0.0, 1.0, 20.0, 0.1][next(4) as usize],
                ram: [0.0, 1.0, 3.0, 0.2][next(4) as usize],
                currency: "$".into(),
            };
            let walked: Vec<Candidate> = Frontier::new(&space, &s, &prices).collect();
            assert_eq!(walked, sorted(&space, &s, &prices), "case {case}");
        }
    }

    #[test]
    fn the_frontier_holds_what_was_drawn_not_the_space() {
        let s = Scenario::embedded();
        let big = Values::parse("1..=1000").unwrap();
        let space = Space::new(&s, &[(0, big.clone()), (1, big.clone()), (2, big)]);
        let mut frontier = Frontier::new(&space, &s, s.prices());
        let first: Vec<Candidate> = frontier.by_ref().take(100).collect();
        assert_eq!(first[0].config.values(), &[1, 1, 1]);
        assert!(first.windows(2).all(|w| w[0].cost.key() <= w[1].cost.key()));
        assert_eq!(frontier.left(), 1_000_000_000 - 100);
        // A billion configurations; the heap holds a few hundred.
        assert!(frontier.waiting() < 100 * 3 + 3, "{}", frontier.waiting());
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
