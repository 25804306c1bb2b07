//! `optimize` over autoscaling policies: for each pool under an autoscaler, the minimum,
//! maximum and target utilisation to try; every combination load-tested over the whole
//! load, judged by every class's objective, and costed by what its units paid for (the
//! integrated cost: unit-hours × the unit's price per hour, a month's price over 730 h).
//!
//! A policy's cost is known only once it has run (how long its units were up depends on
//! the load), so there is no cost ranking to stop early on: every combination is tested,
//! in parallel under rayon, results in grid order whatever the thread count. The answer is
//! the cheapest that meets every objective (the first in grid order on a tie).

use rayon::prelude::*;

use crate::engine::EngineError;
use crate::loadtest::{self, observe::Spend};
use crate::model::config::Config;
use crate::model::scaling::Scaling;
use crate::model::scenario::Scenario;
use crate::outcome::verdict::Assessment;
use crate::search::Target;

/// The values one autoscaled pool's policy tries.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyAxis {
    /// The pool's name.
    pub station: String,
    /// `minReplicas` to try.
    pub mins: Vec<u32>,
    /// `maxReplicas` to try.
    pub maxs: Vec<u32>,
    /// Target utilisations to try, each in (0, 1].
    pub targets: Vec<f64>,
}

/// One pool's policy.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Policy {
    /// `minReplicas`.
    pub min: u32,
    /// `maxReplicas`.
    pub max: u32,
    /// The target utilisation.
    pub target: f64,
}

/// One combination of policies, load-tested.
#[derive(Debug, Clone)]
pub struct PolicyTried {
    /// Per axis, in the axes' order.
    pub policies: Vec<Policy>,
    /// Every station's cost over the run, the mean over the replications.
    pub cost: f64,
    /// The autoscaled pools' unit-hours, the mean over the replications.
    pub unit_hours: f64,
    /// The verdict over the replications, per class.
    pub assessment: Assessment,
}

impl PolicyTried {
    /// Whether every class meets its objective.
    pub fn meets(&self) -> bool {
        self.assessment.summary.meets_target
    }
}

/// Every combination tried, and the answer.
#[derive(Debug, Clone)]
pub struct PolicySearch {
    /// The axes, as searched.
    pub axes: Vec<PolicyAxis>,
    /// In grid order (the first axis's min varies slowest).
    pub tried: Vec<PolicyTried>,
    /// The cheapest that meets every objective, an index into `tried`.
    pub answer: Option<usize>,
    /// Indices into `tried`, cheapest first (grid order on a tie): the order the reports
    /// list them in.
    pub by_cost: Vec<usize>,
}

/// Every combination of the axes' values, skipping a max below its min.
pub fn combinations(axes: &[PolicyAxis]) -> Vec<Vec<Policy>> {
    let mut out: Vec<Vec<Policy>> = vec![Vec::new()];
    for axis in axes {
        let mut next = Vec::new();
        for prefix in &out {
            for &min in &axis.mins {
                for &max in axis.maxs.iter().filter(|&&m| m >= min) {
                    for &target in &axis.targets {
                        let mut p = prefix.clone();
                        p.push(Policy { min, max, target });
                        next.push(p);
                    }
                }
            }
        }
        out = next;
    }
    out
}

/// The scenario with each axis's pool under `policies` (its other HPA settings kept).
pub fn with_policies(
    scenario: &Scenario,
    axes: &[PolicyAxis],
    policies: &[Policy],
) -> Result<Scenario, EngineError> {
    let mut out = scenario.clone();
    for (axis, p) in axes.iter().zip(policies) {
        let station = out
            .stations()
            .iter()
            .find(|s| s.name() == axis.station)
            .ok_or_else(|| EngineError::BadScaling(format!("no station `{}`", axis.station)))?;
        let Some(Scaling::Autoscale(hpa)) = station.scaling() else {
            return Err(EngineError::BadScaling(format!(
                "station `{}` has no autoscaler",
                axis.station
            )));
        };
        let mut hpa = hpa.clone();
        hpa.min = p.min;
        hpa.max = p.max;
        hpa.target = p.target;
        out = out
            .with_scaling(&axis.station, Scaling::Autoscale(hpa))
            .map_err(EngineError::BadScaling)?;
    }
    Ok(out)
}

/// Load-tests every combination of `axes` against `target` (clients who wait), the other
/// stations at their baseline; `progress` is told of each combination done.
pub fn search(
    scenario: &Scenario,
    axes: &[PolicyAxis],
    target: &Target,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<PolicySearch, EngineError> {
    let grid = combinations(axes);
    let tried = grid
        .into_par_iter()
        .map(|policies| {
            let s = with_policies(scenario, axes, &policies)?;
            let tried = one(&s, axes, policies, target)?;
            progress(1);
            Ok(tried)
        })
        .collect::<Result<Vec<_>, EngineError>>()?;
    let costs: Vec<f64> = tried.iter().map(|t| t.cost).collect();
    let by_cost = cheapest_first(&costs);
    let answer = by_cost.iter().copied().find(|&i| tried[i].meets());
    Ok(PolicySearch {
        axes: axes.to_vec(),
        tried,
        answer,
        by_cost,
    })
}

/// Indices of `costs`, cheapest first, the first index first on a tie.
fn cheapest_first(costs: &[f64]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..costs.len()).collect();
    order.sort_by(|&a, &b| costs[a].total_cmp(&costs[b]).then(a.cmp(&b)));
    order
}

/// One combination: its verdict (the one `assess`) and its cost over the replications
/// asked for.
fn one(
    scenario: &Scenario,
    axes: &[PolicyAxis],
    policies: Vec<Policy>,
    target: &Target,
) -> Result<PolicyTried, EngineError> {
    let config = Config::baseline(scenario);
    let assessment = loadtest::assess(scenario, &config, &target.load, target.share, None)?;
    // Costed on the replications asked for (`--replications`); a verdict too close to call
    // may take more, which decide it but do not change the price a run of it shows.
    let spends = loadtest::replicate(0..target.load.runs(scenario), |r| {
        loadtest::simulate(
            scenario,
            &config,
            &target.load,
            None,
            r,
            crate::workload::Clock::Virtual,
            Spend::default(),
        )
    })?;
    let (mut cost, mut unit_hours) = (0.0, 0.0);
    for spend in &spends {
        let end = spend.0.first().map_or(0, |t| t.end);
        let (stations, _) = loadtest::unit_costs(scenario, &config, &spend.0, end);
        cost += stations.iter().map(|s| s.cost).sum::<f64>();
        unit_hours += stations
            .iter()
            .filter(|s| axes.iter().any(|a| a.station == s.station))
            .map(|s| s.unit_hours)
            .sum::<f64>();
    }
    let n = spends.len().max(1) as f64;
    Ok(PolicyTried {
        policies,
        cost: cost / n,
        unit_hours: unit_hours / n,
        assessment,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn combinations_are_listed_cheapest_first_in_grid_order_on_a_tie() {
        assert_eq!(cheapest_first(&[3.0, 1.5, 2.0, 1.5]), vec![1, 3, 2, 0]);
        assert!(cheapest_first(&[]).is_empty());
    }

    #[test]
    fn combinations_skip_a_max_below_its_min() {
        let axes = vec![PolicyAxis {
            station: "app".into(),
            mins: vec![1, 3],
            maxs: vec![2, 4],
            targets: vec![0.5, 0.7],
        }];
        let c = combinations(&axes);
        // min 1: max 2 and 4; min 3: max 4 only; each with two targets.
        assert_eq!(c.len(), 6);
        assert!(c.iter().all(|p| p[0].max >= p[0].min));
        assert_eq!(
            c[0][0],
            Policy {
                min: 1,
                max: 2,
                target: 0.5
            }
        );
    }
}
