//! `compare` over time: the same load under a static plan sized for its peak, the best
//! schedule and the best autoscaler, side by side.
//!
//! Each autoscaled pool's static plan tries every units count from its autoscaler's min to
//! its max; the cheapest static configuration that meets every objective over the whole
//! load is "static for the peak". The best schedule is `--schedule-windows`' over the same
//! range; the best autoscaler is the policy search's answer. Each is then run once
//! (replication 1) to price it and find its worst minute; its verdicts are over every
//! replication.

use crate::engine::EngineError;
use crate::loadtest;
use crate::model::config::Config;
use crate::model::levers::Values;
use crate::model::scaling::Scaling;
use crate::model::scenario::{schedule_of, Scenario};
use crate::outcome::units::OverTime;
use crate::outcome::verdict::Assessment;
use crate::search::policy::{self, PolicyAxis};
use crate::search::{rank, schedule, Space, Target};
use crate::workload::Clock;

/// One of the three plans, load-tested.
#[derive(Debug, Clone)]
pub struct Contender {
    /// "static for the peak", "best schedule", "best autoscaler".
    pub name: &'static str,
    /// The plan in words (`app 6`, `app 1–7 in 13 steps`, `app min 1 max 20 target 0.8`).
    pub plan: String,
    /// Over every replication, per class.
    pub assessment: Assessment,
    /// Replication 1's units, cost and minutes.
    pub over_time: OverTime,
    /// Its cost as a percentage of the static plan's (`None` when no static plan met).
    pub of_static: Option<f64>,
}

/// The three plans; `None` in place of one that nothing tried could make meet its
/// objectives.
pub fn compare(
    scenario: &Scenario,
    axes: &[PolicyAxis],
    target: &Target,
    window_s: f64,
) -> Result<Vec<Option<Contender>>, EngineError> {
    // Static: every autoscaled pool fixed, over its autoscaler's range.
    let mut fixed = scenario.clone();
    for s in scenario.stations() {
        if let Some(Scaling::Autoscale(h)) = s.scaling() {
            let range = Values::parse(&format!("{}..={}", h.min, h.max))
                .map_err(|e| EngineError::BadScaling(e.to_string()))?;
            fixed = fixed
                .with_static_range(s.name(), range)
                .map_err(EngineError::BadScaling)?;
        }
    }
    let ranking = rank(&Space::new(&fixed, &[]), &fixed, fixed.prices());
    let mut contenders = Vec::new();
    let mut peak = None;
    for c in &ranking {
        let a = loadtest::assess(&fixed, &c.config, &target.load, target.share, None)?;
        if a.summary.meets_target {
            peak = Some(c.config.clone());
            break;
        }
    }
    contenders.push(match peak {
        Some(config) => {
            // Priced as a schedule of one entry, so that its unit-time is metered.
            let mut s = fixed.clone();
            let mut words = Vec::new();
            for (i, st) in fixed.stations().iter().enumerate() {
                if scenario.stations()[i].scaling().is_some() {
                    let u = config.values()[i];
                    let one = schedule_of(&[(0.0, i64::from(u))], fixed.resolution())
                        .map_err(EngineError::BadScaling)?;
                    s = s
                        .with_scaling(st.name(), one)
                        .map_err(EngineError::BadScaling)?;
                    words.push(format!("{} {u}", st.name()));
                }
            }
            Some(contender(
                &s,
                &config,
                target,
                "static for the peak",
                words.join(", "),
            )?)
        }
        None => None,
    });
    let windows = schedule::search(&fixed, target, &ranking, window_s, &|_| {})?;
    let mut s = fixed.clone();
    let mut words = Vec::new();
    for (i, entries) in &windows.schedules {
        let name = fixed.stations()[*i].name();
        let e: Vec<(f64, i64)> = entries.iter().map(|&(t, u)| (t, i64::from(u))).collect();
        let sc = schedule_of(&e, fixed.resolution()).map_err(EngineError::BadScaling)?;
        s = s.with_scaling(name, sc).map_err(EngineError::BadScaling)?;
        if scenario.stations()[*i].scaling().is_some() {
            let lo = entries.iter().map(|e| e.1).min().unwrap_or(0);
            let hi = entries.iter().map(|e| e.1).max().unwrap_or(0);
            words.push(format!("{name} {lo}–{hi} in {} steps", entries.len()));
        }
    }
    let last = windows.windows[windows.windows.len() - 1].config.clone();
    contenders.push(if windows.verified.summary.meets_target {
        Some(contender(
            &s,
            &last,
            target,
            "best schedule",
            words.join(", "),
        )?)
    } else {
        None
    });
    let found = policy::search(scenario, axes, target, &|_| {})?;
    contenders.push(match found.answer {
        Some(i) => {
            let t = &found.tried[i];
            let s = policy::with_policies(scenario, axes, &t.policies)?;
            let words = axes
                .iter()
                .zip(&t.policies)
                .map(|(a, p)| {
                    format!(
                        "{} min {} max {} target {}",
                        a.station, p.min, p.max, p.target
                    )
                })
                .collect::<Vec<_>>()
                .join(", ");
            let config = Config::baseline(&s);
            Some(contender(&s, &config, target, "best autoscaler", words)?)
        }
        None => None,
    });
    let costs: Vec<Option<f64>> = contenders
        .iter()
        .map(|c| c.as_ref().map(|c| c.over_time.cost))
        .collect();
    for (c, share) in contenders.iter_mut().zip(of_static(&costs)) {
        if let Some(c) = c {
            c.of_static = share;
        }
    }
    Ok(contenders)
}

/// Each plan's cost as a percentage of the first's, the static plan's: `None` for a plan
/// that did not meet, and for every plan when the static one did not.
fn of_static(costs: &[Option<f64>]) -> Vec<Option<f64>> {
    let base = costs.first().copied().flatten();
    costs.iter().map(|c| Some(100.0 * (*c)? / base?)).collect()
}

fn contender(
    scenario: &Scenario,
    config: &Config,
    target: &Target,
    name: &'static str,
    plan: String,
) -> Result<Contender, EngineError> {
    let assessment = loadtest::assess(scenario, config, &target.load, target.share, None)?;
    let outcome = loadtest::run(scenario, config, &target.load, 0, Clock::Virtual, false)?;
    let over_time = loadtest::over_time(scenario, config, &target.load, &outcome)
        .ok_or_else(|| EngineError::BadScaling("a plan whose units were not metered".into()))?;
    Ok(Contender {
        name,
        plan,
        assessment,
        over_time,
        // Known once every plan is priced.
        of_static: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_plan_costs_a_share_of_the_static_one() {
        assert_eq!(
            of_static(&[Some(8.0), Some(6.0), None]),
            vec![Some(100.0), Some(75.0), None]
        );
        // Without a static plan there is nothing to compare against.
        assert_eq!(of_static(&[None, Some(6.0), Some(2.0)]), vec![None; 3]);
        assert!(of_static(&[]).is_empty());
    }
}
