//! The open-loop load test of the seed's `perf_test`: `clients` orders, client *i* due at
//! `(i − 1) × period` whatever happens to the others, each judged against the timeout; or,
//! beyond the seed, Poisson arrivals and random service times over several replications.

pub mod clients;
pub mod memory;

use std::cell::RefCell;
use std::rc::Rc;

use rayon::prelude::*;

use crate::engine::{self, EngineError, Served};
use crate::model::config::Config;
use crate::model::objective::Share;
use crate::model::scenario::Scenario;
use crate::model::units::{Resolution, MAX_TIMER_STEPS};
use crate::outcome::records::Outcome;
use crate::outcome::stats::{self, Histogram, Summary};
use crate::outcome::verdict::{Assessment, ClassVerdict};
use crate::workload::{objectives, random, Arrivals, Clock, LoadTest};

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
        });
    }
    Ok(())
}

/// Runs one replication of the load test of one configuration.
pub fn run(
    scenario: &Scenario,
    config: &Config,
    load: &LoadTest,
    replication: u32,
    clock: Clock,
    trace: bool,
) -> Result<Outcome, EngineError> {
    let due = load.due_times(scenario.resolution(), config, replication);
    if let Some(classes) = load.classes(scenario, config, replication, due.len()) {
        let draws = random::flow_draws(scenario, &classes, load.seed, config, replication);
        return engine::simulate_classes(
            &config.engine_stations(scenario),
            &classes,
            &due,
            draws.as_deref(),
            clock,
            trace,
        );
    }
    let draws = random::draws(scenario, due.len() as u32, load.seed, config, replication);
    engine::simulate_drawn(
        &config.engine_stations(scenario),
        &due,
        draws.as_deref(),
        clock,
        trace,
    )
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
            ClassVerdict {
                name: r.name.clone(),
                timeout,
                share,
                summary: (!latencies.is_empty()).then(|| {
                    Summary::of_latencies(&mut latencies, scenario.resolution(), timeout, share)
                }),
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
        summary.class_satisfaction = class_satisfaction(&classes);
    }
    summary
}

/// Each class's satisfied share in percent (100 for a class with no client: nothing missed).
fn class_satisfaction(classes: &[ClassVerdict]) -> Vec<f64> {
    classes
        .iter()
        .map(|c| c.summary.as_ref().map_or(100.0, |s| s.satisfaction))
        .collect()
}

/// Load-tests a configuration in virtual time, its replications in parallel.
pub fn assess(
    scenario: &Scenario,
    config: &Config,
    load: &LoadTest,
    share: Share,
) -> Result<Assessment, EngineError> {
    // Each client is counted as it is served (a histogram of latencies, late clients per
    // bottleneck): no per-client row is kept, so memory follows the clients in flight.
    if !scenario.requests().is_empty() {
        return assess_classes(scenario, config, load, share);
    }
    let one = |replication: u32| -> Result<(Summary, Vec<usize>), EngineError> {
        let due = load.due_times(scenario.resolution(), config, replication);
        let tally = Rc::new(RefCell::new((
            Histogram::default(),
            vec![0usize; scenario.stations().len()],
        )));
        let (resolution, warmup) = (scenario.resolution(), load.warmup);
        // Poisson stages may bring no client in a replication: nothing to simulate, and its
        // empty histogram summarises as such.
        if due.is_empty() {
            return Ok((Summary::empty(), tally.take().1));
        }
        let draws = random::draws(scenario, due.len() as u32, load.seed, config, replication);
        let counted = tally.clone();
        let limit = Resolution::timeout_nanos(load.timeout);
        engine::simulate_each(
            &config.engine_stations(scenario),
            &due,
            draws.as_deref(),
            move |s: Served| {
                if s.client < warmup {
                    return;
                }
                let latency = s.served - s.due;
                let mut tally = counted.borrow_mut();
                tally.0.add(latency);
                if !stats::satisfied(latency, resolution, limit) {
                    tally.1[s.bottleneck as usize] += 1;
                }
            },
        )?;
        let (histogram, late) = std::mem::take(&mut *tally.borrow_mut());
        let summary = Summary::of_histogram(&histogram, resolution, load.timeout, share);
        Ok((summary, late))
    };
    let results = replicate(load.runs(scenario), one)?;
    let late_by_station = total_late(results.iter().map(|(_, late)| late.as_slice()));
    let summaries: Vec<Summary> = results.into_iter().map(|(s, _)| s).collect();
    Ok(Assessment {
        summary: Summary::combine(&summaries, scenario.resolution(), share),
        late_by_station,
        classes: Vec::new(),
    })
}

/// Runs replications 0..runs, in parallel under rayon when there are several; results in
/// replication order, so they do not depend on the thread count. Every assessment (plain,
/// per class, behaving clients) replicates through it.
pub fn replicate<T: Send>(
    runs: u32,
    one: impl Fn(u32) -> Result<T, EngineError> + Sync + Send,
) -> Result<Vec<T>, EngineError> {
    if runs == 1 {
        Ok(vec![one(0)?])
    } else {
        (0..runs).into_par_iter().map(one).collect()
    }
}

/// The late clients per station, summed over replications.
fn total_late<'a>(mut lates: impl Iterator<Item = &'a [usize]>) -> Vec<usize> {
    let mut total = lates.next().map(<[usize]>::to_vec).unwrap_or_default();
    for late in lates {
        for (t, n) in total.iter_mut().zip(late) {
            *t += n;
        }
    }
    total
}

/// What one replication of a test with classes counted: all clients, then per class, then
/// the late clients per station.
type ClassTally = (Histogram, Vec<Histogram>, Vec<usize>);

/// [`assess`] for a scenario with request classes: each client is judged by its class's
/// objective, and the configuration meets the target when every class meets its own.
fn assess_classes(
    scenario: &Scenario,
    config: &Config,
    load: &LoadTest,
    share: Share,
) -> Result<Assessment, EngineError> {
    let objectives = objectives(scenario, load, share);
    let k = objectives.len();
    let limits: Vec<u128> = objectives
        .iter()
        .map(|(t, _)| Resolution::timeout_nanos(*t))
        .collect();
    let resolution = scenario.resolution();
    let one = |replication: u32| -> Result<ClassTally, EngineError> {
        let due = load.due_times(resolution, config, replication);
        if due.is_empty() {
            // No client in this replication (Poisson stages): empty tallies.
            return Ok((
                Histogram::default(),
                vec![Histogram::default(); k],
                vec![0usize; scenario.stations().len()],
            ));
        }
        let classes = load
            .classes(scenario, config, replication, due.len())
            .expect("a scenario with requests has classes");
        let draws = random::flow_draws(scenario, &classes, load.seed, config, replication);
        let tally = Rc::new(RefCell::new((
            Histogram::default(),
            vec![Histogram::default(); k],
            vec![0usize; scenario.stations().len()],
        )));
        let counted = tally.clone();
        let warmup = load.warmup;
        let limits = limits.clone();
        engine::simulate_classes_each(
            &config.engine_stations(scenario),
            &classes,
            &due,
            draws.as_deref(),
            move |s: Served| {
                if s.client < warmup {
                    return;
                }
                let latency = s.served - s.due;
                let mut tally = counted.borrow_mut();
                tally.0.add(latency);
                tally.1[s.class as usize].add(latency);
                if !stats::satisfied(latency, resolution, limits[s.class as usize]) {
                    tally.2[s.bottleneck as usize] += 1;
                }
            },
        )?;
        let out = std::mem::take(&mut *tally.borrow_mut());
        Ok(out)
    };
    let results = replicate(load.runs(scenario), one)?;
    let late_by_station = total_late(results.iter().map(|(_, _, late)| late.as_slice()));
    let classes: Vec<ClassVerdict> = scenario
        .requests()
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let (timeout, share) = objectives[i];
            let runs: Vec<Summary> = results
                .iter()
                .filter(|t| t.1[i].clients() > 0)
                .map(|t| Summary::of_histogram(&t.1[i], resolution, timeout, share))
                .collect();
            ClassVerdict {
                name: r.name.clone(),
                timeout,
                share,
                summary: (!runs.is_empty()).then(|| Summary::combine(&runs, resolution, share)),
            }
        })
        .collect();
    // All clients together, each satisfied by its own class's timeout.
    let summaries: Vec<Summary> = results
        .iter()
        .map(|t| {
            let mut all = Summary::of_histogram(&t.0, resolution, load.timeout, share);
            let satisfied: usize =
                t.1.iter()
                    .zip(&objectives)
                    .filter(|(h, _)| h.clients() > 0)
                    .map(|(h, (timeout, s))| {
                        Summary::of_histogram(h, resolution, *timeout, *s).satisfied
                    })
                    .sum();
            if all.clients > 0 {
                all.satisfied = satisfied;
                all.satisfaction = 100.0 * satisfied as f64 / all.clients as f64;
            }
            all
        })
        .collect();
    let mut summary = Summary::combine(&summaries, resolution, share);
    summary.meets_target = classes.iter().all(ClassVerdict::meets);
    summary.class_satisfaction = class_satisfaction(&classes);
    Ok(Assessment {
        summary,
        late_by_station,
        classes,
    })
}
