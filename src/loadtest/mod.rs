//! The load test: one configuration under one load, simulated replication by replication,
//! its clients judged.
//!
//! This is the one place where a study's load becomes the engine's input ([`simulate`]):
//! the due times of a rate, stages or a trace, the classes dealt, the rules clients follow, and
//! where draws come from. Every command's simulation goes through it, told to the observer
//! it needs ([`observe`]). [`assess`] judges a configuration over its replications: every
//! client by its class's objective, clients who gave up counted, never satisfied.

mod assess;
pub mod judge;
pub mod observe;

pub use assess::assess;

use rayon::prelude::*;

use crate::engine::UnitTime;
use crate::engine::{self, EngineError, Observe, Timer};
use crate::model::capacity::Capacity;
use crate::model::config::Config;
use crate::model::cost::UnitPrice;
use crate::model::objective::Share;
use crate::model::plan::Kind;
use crate::model::scaling::Scaling;
use crate::model::scenario::Scenario;
use crate::model::units::{Resolution, MAX_TIMER_STEPS};
use crate::outcome::profile::Profile;
use crate::outcome::records::Outcome;
use crate::outcome::stats::{ClassFigures, Summary};
use crate::outcome::units::{Minute, OverTime, StationUnits};
use crate::outcome::verdict::{Call, ClassVerdict};
use crate::workload::clients::{ClientRules, Clients};
use crate::workload::random::Common;
use crate::workload::{
    objectives, plan_objectives, Arrivals, Clock, LoadTest, Population, Workload,
};
use observe::Profiler;

/// Refuses a load test the engine could not run (a gap between clients longer than tokio's
/// timer can wait), before any work starts.
pub fn check(scenario: &Scenario, load: &LoadTest) -> Result<(), EngineError> {
    let steps = match &load.arrivals {
        Arrivals::Fixed(period) => period.get() / scenario.resolution().seconds(),
        // Poisson gaps are unbounded but a gap of 40 means has odds below e^-40.
        Arrivals::Poisson(rate) => 40.0 / rate.get() / scenario.resolution().seconds(),
        // No gap is longer than the whole load.
        other => other.span().unwrap_or(0.0) / scenario.resolution().seconds(),
    };
    if load.clients > 1 && steps > MAX_TIMER_STEPS as f64 {
        return Err(EngineError::PeriodTooLong {
            seconds: steps * scenario.resolution().seconds(),
            max_seconds: MAX_TIMER_STEPS as f64 * scenario.resolution().seconds(),
            timer: Timer::Simulator,
        });
    }
    Ok(())
}

/// Simulates replication `replication` of `load` on `config`, with clients who wait (no
/// `clients`) or follow the rules `clients` states, telling `observer`; returns it. A replication
/// whose load brings nobody (Poisson stages can) is not simulated: the observer comes back
/// untold.
#[allow(clippy::too_many_arguments)]
pub fn simulate<O: Observe>(
    scenario: &Scenario,
    config: &Config,
    load: &LoadTest,
    clients: Option<&Clients>,
    replication: u32,
    clock: Clock,
    observer: O,
) -> Result<O, EngineError> {
    simulate_with(scenario, config, load, clients, replication, clock, |_| {
        observer
    })
}

/// [`simulate`], its observer made once the replication's clients are known (`None`: a
/// closed loop's users): a judge that may stop the run counts each class's clients first.
#[allow(clippy::too_many_arguments)]
fn simulate_with<O: Observe>(
    scenario: &Scenario,
    config: &Config,
    load: &LoadTest,
    clients: Option<&Clients>,
    replication: u32,
    clock: Clock,
    observer: impl FnOnce(Option<(&[u64], &[u32])>) -> O,
) -> Result<O, EngineError> {
    let res = scenario.resolution();
    let (population, rules) = match clients {
        Some(Clients::Closed(users)) => (
            Population::Closed(users.closed_loop(res)),
            ClientRules::default(),
        ),
        _ => {
            let due = load.due_times(res, replication);
            if due.is_empty() {
                return Ok(observer(Some((&[], &[]))));
            }
            let class = load
                .classes(scenario, replication, due.len())
                .unwrap_or_default();
            let rules = match clients {
                Some(Clients::Patient(p)) => p.rules(res, scenario.requests().len()),
                _ => ClientRules::default(),
            };
            (Population::Open { due, class }, rules)
        }
    };
    let observer = observer(match &population {
        Population::Open { due, class } => Some((due, class)),
        Population::Closed(_) => None,
    });
    let workload = Workload {
        population,
        rules,
        clock,
    };
    let service = config.service(scenario);
    let draws = Common::new(scenario, load.seed, replication);
    engine::simulate(&service, workload, draws, observer)
}

/// Runs one replication of the load test of one configuration, every client's visits kept
/// (and, with `trace`, every event; with [`LoadTest::late_waits`], where the late clients
/// queued): what `planner run` shows.
pub fn run(
    scenario: &Scenario,
    config: &Config,
    load: &LoadTest,
    replication: u32,
    clock: Clock,
    trace: bool,
) -> Result<Outcome, EngineError> {
    let stations = scenario.stations().len();
    // With `late_waits`, the rows also sum where the late clients queued.
    let lateness = load.late_waits.then(|| observe::Lateness {
        resolution: scenario.resolution(),
        warmup: load.warmup,
        limits: (0..scenario.requests().len().max(1))
            .map(|k| Resolution::timeout_nanos(crate::workload::timeout_of(scenario, load, k)))
            .collect(),
    });
    let classes = !scenario.requests().is_empty();
    if trace {
        let make = |open: Option<(&[u64], &[u32])>| rows::<true>(stations, open, classes, lateness);
        Ok(simulate_with(scenario, config, load, None, replication, clock, make)?.outcome())
    } else {
        let make =
            |open: Option<(&[u64], &[u32])>| rows::<false>(stations, open, classes, lateness);
        Ok(simulate_with(scenario, config, load, None, replication, clock, make)?.outcome())
    }
}

/// The rows of a run of `stations` stations, made from the clients the run drew (`open`: due
/// times and classes), not from a second draw of them; `classes`: whether the scenario has
/// request classes (else the rows keep none).
fn rows<const TRACE: bool>(
    stations: usize,
    open: Option<(&[u64], &[u32])>,
    classes: bool,
    lateness: Option<observe::Lateness>,
) -> observe::Rows<TRACE> {
    let (due, class) = open.expect("`run` runs an open loop");
    let rows = observe::Rows::<TRACE>::new(stations, due.to_vec(), classes.then(|| class.to_vec()));
    match lateness {
        Some(l) => rows.judging(l),
        None => rows,
    }
}

/// Where the time goes in the first replication of `load` on `config`, with clients who
/// wait (no `clients`) or follow the rules `clients` states: each station's queue, service
/// and busy share, every client's latency, each class's latencies against its objective.
/// One more load test, for a report that shows why a configuration is as fast as it is.
pub fn profile(
    scenario: &Scenario,
    config: &Config,
    load: &LoadTest,
    share: Share,
    clients: Option<&Clients>,
) -> Result<Profile, EngineError> {
    let objectives = plan_objectives(scenario, load, share);
    let units = config
        .engine_stations(scenario)
        .iter()
        .map(|s| match s.kind {
            Kind::Pool { units } => (units, true),
            Kind::Batch { .. } => (1, false),
        })
        .collect();
    let closed = matches!(clients, Some(Clients::Closed(_)));
    let rate = if closed { None } else { load.rate() };
    let profiler = Profiler::new(
        scenario.resolution(),
        load.warmup,
        &objectives,
        units,
        closed,
    );
    let replication = 0;
    let watched = simulate(
        scenario,
        config,
        load,
        clients,
        replication,
        Clock::Virtual,
        profiler,
    )?;
    let mut profile = watched.finish(replication);
    let capacity = Capacity::of(scenario, config);
    profile.bottleneck = capacity.bottleneck;
    for (station, cap) in profile.stations.iter_mut().zip(&capacity.per_station) {
        station.capacity_per_s = *cap;
        station.offered_percent = rate.map(|r| 100.0 * r / cap);
    }
    Ok(profile)
}

/// Per class, the clients of one run (after warmup) judged by their class's objective.
pub fn judge_classes(
    scenario: &Scenario,
    outcome: &Outcome,
    load: &LoadTest,
    share: Share,
) -> Vec<ClassVerdict> {
    let Some(class) = &outcome.class else {
        return Vec::new();
    };
    objectives(scenario, load, share)
        .into_iter()
        .zip(scenario.requests())
        .enumerate()
        .map(|(k, ((timeout, share), r))| {
            let mut latencies: Vec<u64> = (load.warmup as usize..outcome.clients())
                .filter(|&c| class[c] as usize == k)
                .map(|c| outcome.latency(c))
                .collect();
            let summary = (!latencies.is_empty()).then(|| {
                Summary::of_latencies(&mut latencies, scenario.resolution(), timeout, share)
            });
            ClassVerdict {
                name: r.name.clone(),
                timeout,
                share,
                // One run is what it is: its count decides, whatever drew it.
                call: summary
                    .as_ref()
                    .map_or(Call::Meets, |s| Call::of(s, share, false)),
                summary,
            }
        })
        .collect()
}

/// The summary of one run. With classes each client is satisfied by its class's timeout,
/// and the run meets the target when every class meets its own objective.
pub fn summarize(scenario: &Scenario, outcome: &Outcome, load: &LoadTest, share: Share) -> Summary {
    let mut summary = Summary::of(
        outcome,
        scenario.resolution(),
        load.timeout,
        share,
        load.warmup,
    );
    let classes = judge_classes(scenario, outcome, load, share);
    if !classes.is_empty() {
        let satisfied: usize = classes
            .iter()
            .filter_map(|c| c.summary.as_ref())
            .map(|s| s.satisfied)
            .sum();
        summary.satisfied = satisfied;
        summary.satisfaction = 100.0 * satisfied as f64 / summary.clients as f64;
        summary.meets_target = classes.iter().all(ClassVerdict::meets);
        summary.classes = class_figures(&classes);
    }
    summary
}

/// Each class's part of the summary, in file order: what the sweep CSV shows of each.
pub(super) fn class_figures(classes: &[ClassVerdict]) -> Vec<ClassFigures> {
    classes
        .iter()
        .map(|c| ClassFigures::of(c.summary.as_ref()))
        .collect()
}

/// Runs the replications `runs`, in parallel under rayon when there are several; results in
/// replication order, so they do not depend on the thread count. Every assessment (plain,
/// per class, clients with rules) replicates through it.
pub fn replicate<T: Send>(
    runs: std::ops::Range<u32>,
    one: impl Fn(u32) -> Result<T, EngineError> + Sync + Send,
) -> Result<Vec<T>, EngineError> {
    if runs.len() == 1 {
        Ok(vec![one(runs.start)?])
    } else {
        runs.into_par_iter().map(one).collect()
    }
}

/// What a run over time paid for, per station: the scaled pools' unit-time as the engine
/// metered it, the others' fixed units over the same run (from 0 to the last client done).
/// `None` when no station's units changed, so that every other run's report stays as it was.
pub fn over_time(
    scenario: &Scenario,
    config: &Config,
    load: &LoadTest,
    outcome: &Outcome,
) -> Option<OverTime> {
    let end = outcome.unit_time.first()?.end;
    let res = scenario.resolution();
    // Clients by the minute they were due in: how many, and their p99.
    let minute = res.nearest_steps(60.0).max(1);
    let count = (outcome.due.last().map_or(0, |&d| d / minute) + 1) as usize;
    let mut latencies = vec![Vec::new(); count];
    for c in 0..outcome.clients() {
        latencies[(outcome.due[c] / minute) as usize].push(outcome.latency(c));
    }
    let minutes = latencies
        .into_iter()
        .enumerate()
        .map(|(i, mut l)| Minute {
            start_s: 60.0 * i as f64,
            arrivals: l.len(),
            p99_s: (!l.is_empty()).then(|| {
                let s = Summary::of_latencies(&mut l, res, load.timeout, Share::ALL);
                res.to_seconds(s.p99_steps)
            }),
        })
        .collect();
    let (stations, hours) = unit_costs(scenario, config, &outcome.unit_time, end);
    Some(OverTime {
        rows: outcome.units.clone(),
        cost: stations.iter().map(|s| s.cost).sum(),
        stations,
        hours,
        minutes,
    })
}

/// Per station, what its units cost over a run that ended at step `end`: a scaled pool's
/// from its metered `unit_time`, any other's fixed units over the run. With the run's
/// length in hours.
pub fn unit_costs(
    scenario: &Scenario,
    config: &Config,
    unit_time: &[UnitTime],
    end: u64,
) -> (Vec<StationUnits>, f64) {
    let res = scenario.resolution();
    let hours = res.to_seconds(end) / 3600.0;
    let stations: Vec<StationUnits> = scenario
        .stations()
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let price = UnitPrice::of(s, scenario.prices());
            let metered = unit_time.iter().find(|t| t.station as usize == i);
            let (source, min, max, paid) = match (metered, s.scaling()) {
                (Some(t), Some(scaling)) => (
                    match scaling {
                        Scaling::Schedule { .. } => "schedule",
                        Scaling::Autoscale(_) => "autoscale",
                    },
                    t.fewest,
                    t.most,
                    t.paid as f64,
                ),
                _ => {
                    let units = config.values()[i];
                    ("fixed", units, units, f64::from(units) * end as f64)
                }
            };
            let unit_hours = res.to_seconds(1) * paid / 3600.0;
            StationUnits {
                station: s.name().to_string(),
                source,
                min,
                mean: if end == 0 {
                    f64::from(min)
                } else {
                    paid / end as f64
                },
                max,
                unit_hours,
                cost: price.cost(unit_hours, hours),
            }
        })
        .collect();
    (stations, hours)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::units::{Period, Seconds};

    #[test]
    fn a_profile_says_where_a_queue_of_one_server_spends_its_time() {
        // One server of 1 s, a client every 0.5 s: client i (from 0) waits 0.5 i s.
        let s = Scenario::parse(
            "name = \"one\"\n[[station]]\nname = \"a\"\nkind = \"pool\"\nservice = 1\nunits = 1\n",
            "one.toml",
        )
        .unwrap();
        let load = LoadTest::new(
            10,
            Arrivals::Fixed(Period::new(0.5).unwrap()),
            Seconds::new(3.0).unwrap(),
        );
        let p = profile(&s, &Config::baseline(&s), &load, Share::ALL, None).unwrap();
        let a = p.stations[0];
        assert_eq!(a.visits, 10);
        assert!((a.mean_wait_s - 2.25).abs() < 1e-9, "{a:?}");
        assert!((a.max_wait_s - 4.5).abs() < 1e-9, "{a:?}");
        assert!((a.mean_service_s - 1.0).abs() < 1e-9, "{a:?}");
        assert_eq!((a.capacity_per_s, a.offered_percent), (1.0, Some(200.0)));
        // Busy from 0 to 10 s of a 10 s test.
        assert!((p.span_s - 10.0).abs() < 1e-9 && (a.busy_percent - 100.0).abs() < 1e-9);
        assert_eq!((p.busiest, p.bottleneck), (Some(0), 0));
        // Latencies 1, 1.5, … 5.5 s: 4 of 10 under the 3 s timeout, all late from the 5th.
        let curve = &p.classes[0];
        assert_eq!((curve.clients, curve.served), (10, 10));
        assert_eq!(curve.points.first(), Some(&(1.0, 10.0)));
        assert_eq!((p.windows.clients, p.windows.late), (10, 6));
    }
}
