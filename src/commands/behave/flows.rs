//! Behaving clients over `[[request]]` classes: each class's patience and timeout, and its
//! own figures next to the run's.

use anyhow::{bail, Result};
use serde::Serialize;

use crate::cli::BehaveArgs;
use crate::config::Config;
use crate::engine::{self, Behaved, Behaviour, ClassTally, Classes};
use crate::load::{self, LoadTest};
use crate::random;
use crate::report::run::trim_float;
use crate::scenario::Scenario;
use crate::stats::Share;

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

/// Closed loops draw each request's class as it starts, which the engine does not do yet:
/// refused rather than run as the fan-out the scenario does not describe.
pub(super) fn refuse_closed(scenario: &Scenario) -> Result<()> {
    if !scenario.requests.is_empty() {
        bail!(
            "--users does not yet support request flows: scenario {} has [[request]] classes; use --rate with --patience",
            scenario.name
        );
    }
    Ok(())
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
