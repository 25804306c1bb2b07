//! The engine's one entry point, called the way the oracles and the memory test need it:
//! a fan-out or request classes over stations, due times, service draws handed in, and
//! either every visit kept (as `planner run` keeps them) or each client told as it ends.

use std::sync::Arc;

use planner::engine::{simulate, Done, EngineError, Observe};
use planner::loadtest::observe::Rows;
use planner::model::plan::{Classes, Plan, Service, Station};
use planner::outcome::records::Outcome;
use planner::workload::clients::ClientRules;
use planner::workload::draws::Given;
use planner::workload::{Clock, Population, Workload};

/// The service and the open-loop workload of `stations` under `classes` (the fan-out without).
fn parts(stations: &[Station], classes: Option<&Classes>, due: &[u64]) -> (Service, Workload) {
    let plans: Arc<[Plan]> = match classes {
        Some(c) => c.plans.clone().into(),
        None => vec![Plan::fan_out(stations.len())].into(),
    };
    let service = Service {
        stations: stations.to_vec(),
        plans,
    };
    let workload = Workload {
        population: Population::Open {
            due: due.to_vec(),
            class: classes.map(|c| c.class.clone()).unwrap_or_default(),
        },
        rules: ClientRules::default(),
        clock: Clock::Virtual,
    };
    (service, workload)
}

/// The draws handed in: services per (client, visit slot) — the station's index for the
/// fan-out — and the classes' pick choices.
fn given(stations: &[Station], classes: Option<&Classes>, draws: Option<&[u64]>) -> Given {
    let width = classes.map_or(stations.len(), Classes::visit_stride);
    Given {
        services: draws.map(|d| (d.to_vec(), width)),
        choices: classes.map(|c| (c.choices.clone(), c.pick_stride())),
    }
}

/// Every client's visits (and, with `trace`, every event) of one open-loop run.
pub fn rows(
    stations: &[Station],
    classes: Option<&Classes>,
    due: &[u64],
    draws: Option<&[u64]>,
    trace: bool,
) -> Result<Outcome, EngineError> {
    let (service, workload) = parts(stations, classes, due);
    let draws = given(stations, classes, draws);
    let class = classes.map(|c| c.class.clone());
    if trace {
        let rows = Rows::<true>::new(stations.len(), due.to_vec(), class);
        Ok(simulate(&service, workload, draws, rows)?.outcome())
    } else {
        let rows = Rows::<false>::new(stations.len(), due.to_vec(), class);
        Ok(simulate(&service, workload, draws, rows)?.outcome())
    }
}

/// Tells `each` about every client as it ends, keeping nothing else.
pub fn each(
    stations: &[Station],
    classes: Option<&Classes>,
    due: &[u64],
    draws: Option<&[u64]>,
    each: impl FnMut(Done) + 'static,
) -> Result<(), EngineError> {
    struct Each<F>(F);
    impl<F: FnMut(Done) + 'static> Observe for Each<F> {
        fn done(&mut self, d: Done) {
            (self.0)(d)
        }
    }
    let (service, workload) = parts(stations, classes, due);
    simulate(
        &service,
        workload,
        given(stations, classes, draws),
        Each(each),
    )
    .map(|_| ())
}
