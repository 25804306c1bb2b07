//! Load-testing a configuration with clients that behave, for the searches: a closed loop of
//! users who think between requests, or open-loop clients who give up and retry.
//!
//! The plain assessment ([`crate::loadtest::assess`]) lets a late client wait for ever, which is
//! wrong exactly when capacity is short: users slow down with the service, impatient clients
//! leave (and, retrying, come back). `optimize` and `sweep` judge a configuration by what
//! these clients see instead: the share of requests (closed loop) or clients (open loop)
//! served within the timeout. Every random draw is keyed by the seed, the configuration and
//! the replication, so a result does not depend on the thread count or the search order.

pub mod classes;
pub mod flows;

use crate::engine::{self, EngineError, ServiceDraw};
use crate::model::config::Config;
use crate::model::objective::Share;
use crate::model::scenario::Scenario;
use crate::model::units::Resolution;
use crate::outcome::stats::{self, Summary};
use crate::outcome::verdict::Assessment;
use crate::workload::clients::{Clients, Patience, Users};
use crate::workload::random;
use crate::workload::LoadTest;

/// Service steps per visit: the scenario's, drawn from each station's stream when random
/// (the streams the plain load test uses, keyed by configuration and replication).
pub fn service_draw(
    scenario: &Scenario,
    config: &Config,
    seed: u64,
    replication: u32,
) -> ServiceDraw {
    let stations = config.engine_stations(scenario);
    let fixed: Vec<u64> = stations.iter().map(|s| s.service).collect();
    let dists: Vec<_> = scenario
        .stations()
        .iter()
        .map(|s| (s.distribution().clone(), s.service().get()))
        .collect();
    let mut rngs: Vec<_> = (0..dists.len())
        .map(|i| random::stream(seed, config, replication, 1 + i as u64))
        .collect();
    let res = scenario.resolution();
    Box::new(move |_client, station| {
        let s = station as usize;
        if dists[s].0.is_fixed() {
            return fixed[s];
        }
        let secs = random::sample(&dists[s].0, dists[s].1, &mut rngs[s]);
        res.nearest_steps(secs).max(1)
    })
}

/// Load-tests `config` with behaving clients against `load`'s timeout, warm-up and seed
/// (its arrivals for [`Clients::Patient`]; a closed loop makes its own). The summary's
/// `satisfied` counts requests (closed) or clients (open) served strictly within the
/// timeout; its latency figures are those of the served ones; a closed loop's `throughput`
/// is the requests completed per second of `duration`. Over several replications the
/// target is met when the satisfaction's 95 % interval reaches the share, as in the plain
/// test. With request classes each client is judged by its class's objective
/// ([`classes::assess`], which also gives the per-class verdicts).
pub fn assess(
    scenario: &Scenario,
    config: &Config,
    load: &LoadTest,
    share: Share,
    clients: &Clients,
) -> Result<Assessment, EngineError> {
    if !scenario.requests().is_empty() {
        let judged = classes::assess(scenario, config, load, share, clients)?;
        return Ok(Assessment {
            summary: judged.summary,
            late_by_station: Vec::new(),
            classes: judged.classes,
        });
    }
    let runs = clients.runs(scenario, load);
    let one = |replication: u32| match clients {
        Clients::Closed(u) => closed_once(scenario, config, load, share, u, replication),
        Clients::Patient(p) => patient_once(scenario, config, load, share, p, replication),
    };
    let results: Vec<(Summary, Option<f64>)> = crate::loadtest::replicate(runs, one)?;
    let throughputs: Vec<f64> = results.iter().filter_map(|(_, x)| *x).collect();
    let summaries: Vec<Summary> = results.into_iter().map(|(s, _)| s).collect();
    let mut summary = Summary::combine(&summaries, scenario.resolution(), share);
    if !throughputs.is_empty() {
        summary.throughput = Some(throughputs.iter().sum::<f64>() / throughputs.len() as f64);
    }
    if unmeasured(clients, &summaries) {
        summary.meets_target = false;
    }
    Ok(Assessment {
        summary,
        late_by_station: Vec::new(),
        classes: Vec::new(),
    })
}

/// Whether a closed loop left some replication with no request past the warm-up: a
/// configuration too slow to get past it has not shown that it meets anything, so it fails
/// (an empty summary would otherwise pass, having missed nothing).
pub(crate) fn unmeasured(clients: &Clients, summaries: &[Summary]) -> bool {
    matches!(clients, Clients::Closed(_)) && summaries.iter().any(|s| s.clients == 0)
}

/// One replication of a closed loop: its summary and its throughput.
fn closed_once(
    scenario: &Scenario,
    config: &Config,
    load: &LoadTest,
    share: Share,
    users: &Users,
    replication: u32,
) -> Result<(Summary, Option<f64>), EngineError> {
    let closed = users.closed_loop(scenario.resolution(), load.seed, replication);
    let draw = service_draw(scenario, config, load.seed, replication);
    let mut requests =
        engine::simulate_closed(&config.engine_stations(scenario), closed, Some(draw))?;
    // In the order requests started, as `run --users` counts them (the warm-up first).
    requests.sort_by_key(|q| (q.start, q.user));
    let done_in = requests
        .iter()
        .filter(|q| q.done <= closed.duration)
        .count();
    let throughput = done_in as f64 / users.duration;
    let mut latencies: Vec<u64> = requests
        .iter()
        .skip(load.warmup as usize)
        .map(|q| q.done - q.start)
        .collect();
    let summary = Summary::of_latencies(&mut latencies, scenario.resolution(), load.timeout, share);
    Ok((summary, Some(throughput)))
}

/// One replication of open-loop clients who give up: a client is satisfied when one of its
/// attempts completed within the timeout of its first due time; one that gave up for good
/// is counted, unsatisfied, with no latency.
fn patient_once(
    scenario: &Scenario,
    config: &Config,
    load: &LoadTest,
    share: Share,
    patience: &Patience,
    replication: u32,
) -> Result<(Summary, Option<f64>), EngineError> {
    let res = scenario.resolution();
    let due = load.due_times(res, config, replication);
    let draw = service_draw(scenario, config, load.seed, replication);
    // Replication 0 jitters as `run` does; the others from streams of their own.
    let jitter_seed = load.seed ^ (replication as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    let run = engine::simulate_behaving(
        &config.engine_stations(scenario),
        &due,
        Some(draw),
        patience.behaviour(res, jitter_seed),
    )?;
    let counted = &run.fates[(load.warmup as usize).min(run.fates.len())..];
    let limit = Resolution::timeout_nanos(load.timeout);
    let mut latencies: Vec<u64> = counted
        .iter()
        .filter_map(|f| f.served.map(|s| s - f.due))
        .collect();
    let satisfied = latencies
        .iter()
        .filter(|&&l| stats::satisfied(l, res, limit))
        .count();
    let mut summary = Summary::of_latencies(&mut latencies, res, load.timeout, share);
    let n = counted.len();
    if n > 0 {
        summary.clients = n;
        summary.satisfied = satisfied;
        summary.satisfaction = 100.0 * satisfied as f64 / n as f64;
        summary.meets_target = satisfied >= share.required(n);
    }
    Ok((summary, None))
}
