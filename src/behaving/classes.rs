//! Behaving clients over `[[request]]` classes, judged as the plain search judges them
//! ([`crate::load::assess`]): each client (open loop) or request (closed loop) by its own
//! class's timeout and required share, and a configuration meets the target only when every
//! class meets its own. One timeout for all would call a checkout served in 0.8 s late
//! because browsing must answer in 0.3 s, or the reverse.
//!
//! A client that gave up for good is counted in its class, never satisfied, with no latency:
//! it got nothing, and leaving it out would flatter exactly the configurations that drive
//! clients away.

use super::{flows, Clients, Patience, Users};
use crate::config::Config;
use crate::engine::EngineError;
use crate::load::{self, ClassVerdict, LoadTest};
use crate::scenario::Scenario;
use crate::stats::{self, Share, Summary};
use crate::units::{Resolution, Seconds};

/// A configuration's behaving load test with request classes: every class together, and
/// each class against its own objective.
#[derive(Debug, Clone, PartialEq)]
pub struct Judged {
    /// All clients together, each satisfied by its class's timeout; `meets_target` when
    /// every class meets its objective; over several replications, each figure's mean.
    pub summary: Summary,
    /// Per request class, in file order.
    pub classes: Vec<ClassVerdict>,
}

/// One replication: all clients, per class (`None`: the class had none), and a closed
/// loop's throughput.
type Replication = (Summary, Vec<Option<Summary>>, Option<f64>);

/// [`super::assess`] for a scenario with request classes.
pub fn assess(
    scenario: &Scenario,
    config: &Config,
    load: &LoadTest,
    share: Share,
    clients: &Clients,
) -> Result<Judged, EngineError> {
    let objectives = load::objectives(scenario, load, share);
    let runs = clients.runs(scenario, load);
    let one = |r: u32| match clients {
        Clients::Closed(u) => closed_once(scenario, config, load, share, &objectives, u, r),
        Clients::Patient(p) => patient_once(scenario, config, load, share, &objectives, p, r),
    };
    let results: Vec<Replication> = load::replicate(runs, one)?;
    let res = scenario.resolution();
    let classes: Vec<ClassVerdict> = scenario
        .requests()
        .iter()
        .zip(&objectives)
        .enumerate()
        .map(|(k, (r, &(timeout, share)))| {
            let runs: Vec<Summary> = results.iter().filter_map(|t| t.1[k].clone()).collect();
            ClassVerdict {
                name: r.name.clone(),
                timeout,
                share,
                summary: (!runs.is_empty()).then(|| Summary::combine(&runs, res, share)),
            }
        })
        .collect();
    let throughputs: Vec<f64> = results.iter().filter_map(|t| t.2).collect();
    let all: Vec<Summary> = results.into_iter().map(|t| t.0).collect();
    let mut summary = Summary::combine(&all, res, share);
    if !throughputs.is_empty() {
        summary.throughput = Some(throughputs.iter().sum::<f64>() / throughputs.len() as f64);
    }
    summary.meets_target =
        classes.iter().all(ClassVerdict::meets) && !super::unmeasured(clients, &all);
    summary.classes = crate::load::class_figures(&classes);
    Ok(Judged { summary, classes })
}

/// Judges one replication's clients, `(class, latency)` with `None` for one that gave up:
/// all of them against the load test's timeout for the percentiles, each satisfied by its
/// class's objective.
fn judge(
    counted: impl Iterator<Item = (u32, Option<u64>)>,
    objectives: &[(Seconds, Share)],
    res: Resolution,
    load: &LoadTest,
    share: Share,
) -> (Summary, Vec<Option<Summary>>) {
    let k = objectives.len();
    let mut served: Vec<Vec<u64>> = vec![Vec::new(); k];
    let mut counts = vec![0usize; k];
    for (class, latency) in counted {
        let c = (class as usize).min(k - 1);
        counts[c] += 1;
        served[c].extend(latency);
    }
    let mut all_latencies: Vec<u64> = served.iter().flatten().copied().collect();
    let per_class: Vec<Option<Summary>> = served
        .into_iter()
        .zip(&counts)
        .zip(objectives)
        .map(|((mut latencies, &n), &(timeout, share))| {
            (n > 0).then(|| {
                let limit = Resolution::timeout_nanos(timeout);
                let satisfied = latencies
                    .iter()
                    .filter(|&&l| stats::satisfied(l, res, limit))
                    .count();
                let mut s = Summary::of_latencies(&mut latencies, res, timeout, share);
                with_given_up(&mut s, n, satisfied, share);
                s
            })
        })
        .collect();
    let mut all = Summary::of_latencies(&mut all_latencies, res, load.timeout, share);
    let n: usize = counts.iter().sum();
    if n > 0 {
        let satisfied = per_class.iter().flatten().map(|s| s.satisfied).sum();
        with_given_up(&mut all, n, satisfied, share);
    }
    (all, per_class)
}

/// Counts `n` clients, `satisfied` of them, in a summary made of the served ones' latencies.
fn with_given_up(s: &mut Summary, n: usize, satisfied: usize, share: Share) {
    s.clients = n;
    s.satisfied = satisfied;
    s.satisfaction = 100.0 * satisfied as f64 / n as f64;
    s.meets_target = satisfied >= share.required(n);
}

/// One replication of open-loop clients over their classes' flows, each with its class's
/// patience; as `run` simulates them (replication 0 is `run`'s own).
fn patient_once(
    scenario: &Scenario,
    config: &Config,
    load: &LoadTest,
    share: Share,
    objectives: &[(Seconds, Share)],
    patience: &Patience,
    replication: u32,
) -> Result<Replication, EngineError> {
    let res = scenario.resolution();
    let due = load.due_times(res, config, replication);
    if due.is_empty() {
        // Poisson stages may bring no client in a replication: nothing to judge.
        return Ok((Summary::empty(), vec![None; objectives.len()], None));
    }
    let classes = load.classes(scenario, config, replication, due.len());
    let flag = patience.patience.filter(|_| patience.overrides_classes);
    let class_patience = flows::class_patience(scenario, flag);
    let jitter_seed = load.seed ^ (replication as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    let run = flows::open(
        scenario,
        config,
        load,
        classes.as_ref(),
        &due,
        patience.behaviour(res, jitter_seed),
        &class_patience,
        replication,
    )?;
    let counted = run
        .fates
        .iter()
        .skip(load.warmup as usize)
        .map(|f| (f.class, f.served.map(|s| s - f.due)));
    let (all, per_class) = judge(counted, objectives, res, load, share);
    Ok((all, per_class, None))
}

/// One replication of a closed loop over the classes' flows: each request judged by its
/// class; the throughput counts requests completed within `duration`.
fn closed_once(
    scenario: &Scenario,
    config: &Config,
    load: &LoadTest,
    share: Share,
    objectives: &[(Seconds, Share)],
    users: &Users,
    replication: u32,
) -> Result<Replication, EngineError> {
    let closed = users.closed_loop(scenario.resolution(), load.seed, replication);
    let mut requests = flows::closed(scenario, config, closed, load.seed, replication)?;
    // In the order requests started, as `run --users` counts them (the warm-up first).
    requests.sort_by_key(|q| (q.start, q.user));
    let done_in = requests
        .iter()
        .filter(|q| q.done <= closed.duration)
        .count();
    let throughput = done_in as f64 / users.duration;
    let counted = requests
        .iter()
        .skip(load.warmup as usize)
        .map(|q| (q.class, Some(q.done - q.start)));
    let (all, per_class) = judge(counted, objectives, scenario.resolution(), load, share);
    Ok((all, per_class, Some(throughput)))
}
