//! Behaving clients over `[[request]]` classes, one engine entry for `run` and the searches:
//! which patience each class has, which timeout judges it, and the simulations that walk the
//! classes' flows (the tutorial's fan-out when the scenario has no classes).

use crate::engine::{self, Drawn, EngineError};
use crate::model::config::Config;
use crate::model::objective::Share;
use crate::model::plan::{Classes, Plan};
use crate::model::request::Dealer;
use crate::model::scenario::Scenario;
use crate::model::units::MAX_TIMER_STEPS;
use crate::outcome::records::{Behaved, Request};
use crate::workload::clients::{Behaviour, ClosedLoop};
use crate::workload::random;
use crate::workload::LoadTest;

/// Each class's patience in seconds: `flag` (`--patience`, one knob to try a value across the
/// board) for every class, else the class's own, else `[load] patience`; `None`: never gives
/// up. Empty without classes.
pub fn class_patience(scenario: &Scenario, flag: Option<f64>) -> Vec<Option<f64>> {
    let load = scenario.load_defaults().patience.map(|p| p.get());
    scenario
        .requests()
        .iter()
        .map(|r| flag.or(r.patience.map(|p| p.get())).or(load))
        .collect()
}

/// Whether any client gives up: the flag, `[load] patience` or some class's own patience.
pub fn any_patience(scenario: &Scenario, flag: Option<f64>) -> bool {
    flag.is_some()
        || scenario.load_defaults().patience.is_some()
        || scenario.requests().iter().any(|r| r.patience.is_some())
}

/// Each class's timeout in seconds (the command line's `--timeout` over the class's own), by
/// class index; without classes, the load test's alone (every client is class 0).
pub fn class_timeouts(scenario: &Scenario, load: &LoadTest) -> Vec<f64> {
    if scenario.requests().is_empty() {
        return vec![load.timeout.get()];
    }
    crate::workload::objectives(scenario, load, Share::ALL)
        .into_iter()
        .map(|(t, _)| t.get())
        .collect()
}

/// The open loop of one replication: every client walks its class's flow (`classes`, as
/// [`LoadTest::classes`] deals them) with the service draws a plain run makes, and gives up
/// after its class's patience (`patience`, from [`class_patience`]); without classes, the
/// fan-out with `behaviour.patience`.
#[allow(clippy::too_many_arguments)]
pub fn open(
    scenario: &Scenario,
    config: &Config,
    load: &LoadTest,
    classes: Option<&Classes>,
    due: &[u64],
    behaviour: Behaviour,
    patience: &[Option<f64>],
    replication: u32,
) -> Result<Behaved, EngineError> {
    let stations = config.engine_stations(scenario);
    let Some(classes) = classes else {
        let draw = super::service_draw(scenario, config, load.seed, replication);
        return engine::simulate_behaving(&stations, due, Some(draw), behaviour);
    };
    let res = scenario.resolution();
    let patience: Vec<Option<u64>> = patience
        .iter()
        .map(|p| p.map(|p| res.nearest_steps(p).max(1)))
        .collect();
    let draws = random::flow_draws(scenario, classes, load.seed, config, replication);
    engine::simulate_behaving_classes(
        &stations,
        classes,
        due,
        draws.as_deref(),
        behaviour,
        &patience,
    )
}

/// One replication of a closed loop: over the classes' flows when the scenario has
/// `[[request]]`s, else the fan-out. Each request gets the next class of the exact deal (as
/// fixed arrivals do), then its picks and random service times from the seeded streams, as
/// it starts.
pub fn closed(
    scenario: &Scenario,
    config: &Config,
    closed: ClosedLoop,
    seed: u64,
    replication: u32,
) -> Result<Vec<Request>, EngineError> {
    let stations = config.engine_stations(scenario);
    if scenario.requests().is_empty() {
        let draw = super::service_draw(scenario, config, seed, replication);
        return engine::simulate_closed(&stations, closed, Some(draw));
    }
    let requests = scenario.requests();
    let plans: Vec<Plan> = requests.iter().map(|r| r.plan.clone()).collect();
    let shares: Vec<f64> = requests.iter().map(|r| r.share).collect();
    let mut dealer = Dealer::new(&shares);
    let picks: Vec<Vec<Vec<f64>>> = plans.iter().map(Plan::picks).collect();
    let visits: Vec<Vec<(usize, Option<u64>)>> = plans.iter().map(Plan::visits).collect();
    let mut pick_rng = random::stream(seed, config, replication, random::PICK_LANE);
    let mut rngs: Vec<_> = (0..stations.len())
        .map(|i| random::stream(seed, config, replication, 1 + i as u64))
        .collect();
    let fixed: Vec<u64> = stations.iter().map(|s| s.service).collect();
    let dists: Vec<_> = scenario
        .stations()
        .iter()
        .map(|s| s.distribution().clone())
        .collect();
    let res = scenario.resolution();
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
    engine::simulate_closed_classes(&stations, &plans, closed, source)
}
