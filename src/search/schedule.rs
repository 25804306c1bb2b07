//! `optimize --schedule-windows DURATION`: the cheapest schedule, window by window, over a
//! staged or replayed load.
//!
//! The load is cut into windows of the given length. For each window in turn, the
//! configurations of the space are tried cheapest first (a window's cost is the
//! configuration's price over the window, so the static ranking is the window's): each is
//! load-tested on the load's prefix up to the window's end, the earlier windows at the
//! units already chosen and this window at the candidate's, and judged on the clients due
//! in the window only (the earlier ones are its warm-up). So the queue a window leaves is
//! carried into the next, exactly: the prefix is the same simulation, its clients the same
//! draws. The first candidate whose window's clients meet every objective is the window's.
//! Windows are judged on replication 1; the whole day, with the schedule found, is then
//! verified once over every replication.

use crate::engine::EngineError;
use crate::loadtest::{self, observe::Spend};
use crate::model::config::Config;
use crate::model::scaling::Scaling;
use crate::model::scenario::{schedule_of, Scenario};
use crate::model::station::StationKind;
use crate::outcome::verdict::Assessment;
use crate::search::{Candidate, Target};

/// One window's choice.
#[derive(Debug, Clone)]
pub struct WindowChoice {
    /// When the window starts, in seconds.
    pub start_s: f64,
    /// The configuration chosen for it (every lever's value).
    pub config: Config,
    /// Clients due in the window (replication 1).
    pub clients: usize,
    /// How many configurations were load-tested for it.
    pub tried: usize,
    /// Whether the chosen configuration met the objectives in the window (false only when
    /// even the dearest did not: it is then kept).
    pub meets: bool,
}

/// What the window search found.
#[derive(Debug, Clone)]
pub struct WindowSearch {
    /// The windows' length, in seconds.
    pub window_s: f64,
    /// Window by window.
    pub windows: Vec<WindowChoice>,
    /// Per scheduled pool (index in the scenario), its schedule: `(seconds, units)`, a
    /// change at a window's start only where the units change.
    pub schedules: Vec<(usize, Vec<(f64, u32)>)>,
    /// The whole load with the schedule found, over every replication.
    pub verified: Assessment,
    /// Every station's cost over the run, the mean over the replications.
    pub cost: f64,
}

/// Why a space cannot be scheduled window by window.
pub fn refusal(scenario: &Scenario, ranking: &[Candidate]) -> Option<String> {
    let first = ranking.first()?;
    for (i, s) in scenario.stations().iter().enumerate() {
        let varies = ranking
            .iter()
            .any(|c| c.config.values()[i] != first.config.values()[i]);
        if varies && s.kind() == StationKind::Batch {
            return Some(format!(
                "station `{}` is a batch station: its portions cannot change over time; give it one value (--range {})",
                s.name(),
                s.lever_name()
            ));
        }
        if s.scaling().is_some() {
            return Some(format!(
                "station `{}` already has a schedule or an autoscaler: drop it to schedule its units window by window",
                s.name()
            ));
        }
    }
    None
}

/// Searches the schedule window by window (see the module's note); `progress` is told of
/// each configuration load-tested.
pub fn search(
    scenario: &Scenario,
    target: &Target,
    ranking: &[Candidate],
    window_s: f64,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<WindowSearch, EngineError> {
    let res = scenario.resolution();
    let span = target.load.arrivals.span().unwrap_or(0.0);
    let count = ((span / window_s).ceil() as usize).max(1);
    let due = target.load.due_times(res, 0);
    let pools: Vec<usize> = (0..scenario.stations().len())
        .filter(|&i| scenario.stations()[i].kind() == StationKind::Pool)
        .collect();
    let mut windows: Vec<WindowChoice> = Vec::with_capacity(count);
    for k in 0..count {
        let start_s = k as f64 * window_s;
        let end_s = start_s + window_s;
        let before = due.partition_point(|&t| t < res.nearest_steps(start_s));
        let within = due.partition_point(|&t| t < res.nearest_steps(end_s)) - before;
        let mut load = target.load.clone();
        load.until_s = Some(end_s);
        load.replications = 1;
        load.warmup = load.warmup.max(before as u32);
        let mut chosen = None;
        let mut tried = 0;
        if within > 0 {
            for c in ranking {
                tried += 1;
                let s = scheduled(scenario, &pools, &windows, Some((start_s, &c.config)))?;
                // A scheduled pool's units are its schedule's; the others' the candidate's.
                let verdict = loadtest::assess(&s, &c.config, &load, target.share, None)?;
                progress(1);
                if verdict.summary.meets_target {
                    chosen = Some((c.config.clone(), true));
                    break;
                }
            }
        }
        let (config, meets) = chosen.unwrap_or_else(|| match ranking.last() {
            // Nobody due: the cheapest; nothing met: the dearest, which the verification
            // will judge.
            Some(last) if within > 0 => (last.config.clone(), false),
            _ => (ranking[0].config.clone(), true),
        });
        windows.push(WindowChoice {
            start_s,
            config,
            clients: within,
            tried,
            meets,
        });
    }
    let whole = scheduled(scenario, &pools, &windows, None)?;
    let config = windows[windows.len() - 1].config.clone();
    let verified = loadtest::assess(&whole, &config, &target.load, target.share, None)?;
    // Costed on the replications asked for, as a policy is.
    let spends = loadtest::replicate(0..target.load.runs(&whole), |r| {
        loadtest::simulate(
            &whole,
            &config,
            &target.load,
            None,
            r,
            crate::workload::Clock::Virtual,
            Spend::default(),
        )
    })?;
    let cost = spends
        .iter()
        .map(|s| {
            let end = s.0.first().map_or(0, |t| t.end);
            let (stations, _) = loadtest::unit_costs(&whole, &config, &s.0, end);
            stations.iter().map(|s| s.cost).sum::<f64>()
        })
        .sum::<f64>()
        / spends.len().max(1) as f64;
    Ok(WindowSearch {
        window_s,
        schedules: pools
            .iter()
            .map(|&i| (i, entries(&windows, i, None)))
            .collect(),
        windows,
        verified,
        cost,
    })
}

/// A pool's schedule from the windows chosen, and `next`'s candidate from its start.
fn entries(windows: &[WindowChoice], i: usize, next: Option<(f64, &Config)>) -> Vec<(f64, u32)> {
    let mut out: Vec<(f64, u32)> = Vec::new();
    let all = windows
        .iter()
        .map(|w| (w.start_s, w.config.values()[i]))
        .chain(next.map(|(s, c)| (s, c.values()[i])));
    for (s, u) in all {
        if out.last().is_none_or(|&(_, last)| last != u) {
            out.push((s, u));
        }
    }
    out
}

/// The scenario with every pool on its schedule.
fn scheduled(
    scenario: &Scenario,
    pools: &[usize],
    windows: &[WindowChoice],
    next: Option<(f64, &Config)>,
) -> Result<Scenario, EngineError> {
    let mut out = scenario.clone();
    for &i in pools {
        let e: Vec<(f64, i64)> = entries(windows, i, next)
            .into_iter()
            .map(|(s, u)| (s, i64::from(u)))
            .collect();
        let schedule: Scaling =
            schedule_of(&e, scenario.resolution()).map_err(EngineError::BadScaling)?;
        out = out
            .with_scaling(scenario.stations()[i].name(), schedule)
            .map_err(EngineError::BadScaling)?;
    }
    Ok(out)
}
