//! Behaving clients over `[[request]]` classes: each class's patience and timeout, and its
//! own figures next to the run's.

use anyhow::Result;
use serde::Serialize;

use crate::cli::BehaveArgs;
use crate::config::Config;
use crate::engine::{
    self, Behaved, Behaviour, ClassTally, Classes, ClosedLoop, Drawn, Plan, Request, ServiceDraw,
};
use crate::load::{self, LoadTest};
use crate::random;
use crate::report::run::trim_float;
use crate::request::Dealer;
use crate::scenario::Scenario;
use crate::stats::Share;
use crate::units::MAX_TIMER_STEPS;

/// Each class's patience: `--patience` for every class (one knob to try a value across the
/// board), else the class's own, else `[load] patience`; `None`: never gives up.
fn patience(scenario: &Scenario, b: &BehaveArgs) -> Vec<Option<f64>> {
    let load = scenario.load.patience.map(|p| p.get());
    scenario
        .requests
        .iter()
        .map(|r| b.patience.or(r.patience.map(|p| p.get())).or(load))
        .collect()
}

/// The open loop of a scenario with classes: every client walks its class's flow, the
/// service draws made as a plain run makes them (replication 0).
pub(super) fn behave(
    scenario: &Scenario,
    config: &Config,
    load: &LoadTest,
    classes: &Classes,
    due: &[u64],
    behaviour: Behaviour,
    b: &BehaveArgs,
) -> Result<Behaved> {
    let res = scenario.resolution;
    let patience: Vec<Option<u64>> = patience(scenario, b)
        .into_iter()
        .map(|p| p.map(|p| res.nearest_steps(p).max(1)))
        .collect();
    let draws = random::flow_draws(scenario, classes, load.seed, config, 0);
    let stations = config.engine_stations(scenario);
    Ok(engine::simulate_behaving_classes(
        &stations,
        classes,
        due,
        draws.as_deref(),
        behaviour,
        &patience,
    )?)
}

/// Each class's timeout in steps (the command line's `--timeout` over the class's own), by
/// class index; without classes, the load test's alone (every client is class 0).
pub(super) fn timeouts(scenario: &Scenario, load: &LoadTest) -> Vec<u64> {
    let steps = |s: f64| scenario.resolution.nearest_steps(s);
    if scenario.requests.is_empty() {
        return vec![steps(load.timeout.get())];
    }
    load::objectives(scenario, load, Share::ALL)
        .into_iter()
        .map(|(t, _)| steps(t.get()))
        .collect()
}

/// One replication of a closed loop: over the classes' flows when the scenario has
/// `[[request]]`s, else the fan-out with `draw`. Each request gets the next class of the
/// exact deal (as fixed arrivals do), then its picks and random service times from the
/// seeded streams, as it starts.
pub(super) fn closed(
    scenario: &Scenario,
    config: &Config,
    closed: ClosedLoop,
    draw: ServiceDraw,
    seed: u64,
    replication: u32,
) -> Result<Vec<Request>> {
    let stations = config.engine_stations(scenario);
    if scenario.requests.is_empty() {
        return Ok(engine::simulate_closed(&stations, closed, Some(draw))?);
    }
    let plans: Vec<Plan> = scenario.requests.iter().map(|r| r.plan.clone()).collect();
    let shares: Vec<f64> = scenario.requests.iter().map(|r| r.share).collect();
    let mut dealer = Dealer::new(&shares);
    let picks: Vec<Vec<Vec<f64>>> = plans.iter().map(Plan::picks).collect();
    let visits: Vec<Vec<(usize, Option<u64>)>> = plans.iter().map(Plan::visits).collect();
    let mut pick_rng = random::stream(seed, config, replication, random::PICK_LANE);
    let mut rngs: Vec<_> = (0..stations.len())
        .map(|i| random::stream(seed, config, replication, 1 + i as u64))
        .collect();
    let fixed: Vec<u64> = stations.iter().map(|s| s.service).collect();
    let dists: Vec<_> = scenario
        .stations
        .iter()
        .map(|s| s.distribution.clone())
        .collect();
    let res = scenario.resolution;
    let source = Box::new(move |_request| {
        let class = dealer.next_class();
        let k = class as usize;
        let choices = picks[k]
            .iter()
            .map(|p| random::choose(&mut pick_rng, p) as u32)
            .collect();
        let service = visits[k]
            .iter()
            .map(|&(s, own)| {
                let steps = own.unwrap_or(fixed[s]);
                if dists[s].is_fixed() {
                    steps
                } else {
                    let mean = steps as f64 * res.seconds();
                    let secs = random::sample(&dists[s], mean, &mut rngs[s]);
                    res.nearest_steps(secs).clamp(1, MAX_TIMER_STEPS)
                }
            })
            .collect();
        Drawn {
            class,
            choices,
            service,
        }
    });
    Ok(engine::simulate_closed_classes(
        &stations, &plans, closed, source,
    )?)
}

/// One class's figures in the JSON report.
#[derive(Serialize)]
pub(super) struct ClassFigures {
    name: String,
    clients: usize,
    satisfied: usize,
    given_up: usize,
    attempts: u64,
    /// Seconds; `None`: never gives up.
    patience: Option<f64>,
}

/// The classes' figures, in file order (none without classes).
pub(super) fn figures(
    scenario: &Scenario,
    b: &BehaveArgs,
    tallies: &[ClassTally],
) -> Vec<ClassFigures> {
    scenario
        .requests
        .iter()
        .zip(tallies)
        .zip(patience(scenario, b))
        .map(|((r, t), patience)| ClassFigures {
            name: r.name.clone(),
            clients: t.clients,
            satisfied: t.satisfied,
            given_up: t.given_up,
            attempts: t.attempts,
            patience,
        })
        .collect()
}

/// One table line per class (none without classes).
pub(super) fn print(scenario: &Scenario, b: &BehaveArgs, tallies: &[ClassTally]) {
    for f in figures(scenario, b, tallies) {
        let share =
            |k: usize| trim_float((1000.0 * k as f64 / f.clients.max(1) as f64).round() / 10.0);
        println!(
            "  {}: {} clients, satisfied {} ({} %), given up {} ({} %), {} attempts{}",
            f.name,
            f.clients,
            f.satisfied,
            share(f.satisfied),
            f.given_up,
            share(f.given_up),
            f.attempts,
            f.patience
                .map(|p| format!(", patience {} s", trim_float(p)))
                .unwrap_or_default()
        );
    }
}
