//! Load-testing a configuration with clients that behave, for the searches: a closed loop of
//! users who think between requests, or open-loop clients who give up and retry.
//!
//! The plain assessment ([`crate::load::assess`]) lets a late client wait for ever, which is
//! wrong exactly when capacity is short: users slow down with the service, impatient clients
//! leave (and, retrying, come back). `optimize` and `sweep` judge a configuration by what
//! these clients see instead: the share of requests (closed loop) or clients (open loop)
//! served within the timeout. Every random draw is keyed by the seed, the configuration and
//! the replication, so a result does not depend on the thread count or the search order.

pub mod classes;
pub mod flows;

use serde::Serialize;

use crate::config::Config;
use crate::engine::{self, Behaviour, ClosedLoop, EngineError, ServiceDraw};
use crate::load::LoadTest;
use crate::random;
use crate::scenario::Scenario;
use crate::stats::{self, Share, Summary};
use crate::units::Resolution;

/// How the clients of a search behave.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Clients {
    /// A closed loop of users: the load follows the service's speed.
    Closed(Users),
    /// Open-loop arrivals whose clients give up, and maybe retry.
    Patient(Patience),
}

/// A closed loop: users who repeat request → response → think. Times in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Users {
    /// The population.
    pub users: u32,
    /// Mean think time between a response and the user's next request.
    pub think: f64,
    /// Think times exponential around `think` (else fixed).
    pub exponential: bool,
    /// No request starts after this long.
    pub duration: f64,
    /// Replications when something is random (exponential think or service times).
    pub replications: u32,
}

/// Open-loop clients that give up after `patience` and retry. Times in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Patience {
    /// A client not served this long after its attempt began gives it up; `None` when only
    /// request classes have a patience of their own.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub patience: Option<f64>,
    /// The patience came from `--patience`, which overrides every class's own (as `run`
    /// does); else a class's own patience wins over `patience`.
    #[serde(skip)]
    pub overrides_classes: bool,
    /// Giving up frees the units serving the client at once.
    pub cancel_all: bool,
    /// Fresh attempts after giving up, at most.
    pub retries: u32,
    /// Wait before the first retry; each next one waits twice as long.
    pub backoff: f64,
    /// Each wait is a uniform draw in [0, its backoff].
    pub jitter: bool,
}

impl Clients {
    /// Whether anything is drawn at random, so that the seed matters: the load's own draws,
    /// a closed loop's think or service times, or retries' jitter.
    pub fn is_random(&self, scenario: &Scenario, load: &LoadTest) -> bool {
        match self {
            Clients::Closed(u) => u.is_random(scenario),
            Clients::Patient(p) => p.jitter || load.is_random(scenario),
        }
    }

    /// How many replications an assessment takes: one when nothing is random.
    pub fn runs(&self, scenario: &Scenario, load: &LoadTest) -> u32 {
        match self {
            Clients::Closed(u) => u.runs(scenario),
            Clients::Patient(_) if self.is_random(scenario, load) => load.replications,
            Clients::Patient(_) => 1,
        }
    }

    /// The objective in words, for a report's first line: "5 users thinking 2 s (fixed) for
    /// 600 s, 95% of responses under 5 s". `goals`: the request classes' objectives in words,
    /// which replace the single timeout (each class is judged by its own).
    pub fn describe(&self, load: &LoadTest, share: Share, goals: Option<&str>) -> String {
        let pct = share.percent();
        let under = format!("under {} s", load.timeout.get());
        match self {
            Clients::Closed(u) => {
                let who = if pct >= 100.0 {
                    "every response".to_string()
                } else {
                    format!("{pct}% of responses")
                };
                let think = if u.exponential {
                    "exponential"
                } else {
                    "fixed"
                };
                let goal = goals.map_or(format!("{who} {under}"), str::to_string);
                format!(
                    "{} user{} thinking {} s ({think}) for {} s, {goal}",
                    u.users,
                    if u.users == 1 { "" } else { "s" },
                    u.think,
                    u.duration
                )
            }
            Clients::Patient(p) => {
                let arrivals = match load.rate() {
                    Some(r) => format!("at {r} clients/s"),
                    None => "all at once".into(),
                };
                let retries = match p.retries {
                    0 => String::new(),
                    k => format!(
                        ", retrying up to {k} {} (backoff {} s{})",
                        if k == 1 { "time" } else { "times" },
                        p.backoff,
                        if p.jitter { ", jitter" } else { "" }
                    ),
                };
                let cancel = if p.cancel_all { ", cancelling" } else { "" };
                let who = if pct >= 100.0 {
                    "every client".to_string()
                } else {
                    format!("{pct}% of clients")
                };
                let after = match p.patience {
                    Some(t) => format!("after {t} s"),
                    None => "after their class's patience".into(),
                };
                let goal = goals.map_or(format!("{who} served {under}"), str::to_string);
                format!(
                    "{} clients {arrivals} giving up {after}{retries}{cancel}, {goal}",
                    load.clients
                )
            }
        }
    }
}

impl Users {
    /// Whether think or service times are drawn: only then do the seed and the replications
    /// matter.
    pub fn is_random(&self, scenario: &Scenario) -> bool {
        self.exponential || flows::draws_anything(scenario)
    }

    /// How many replications a test takes: one when nothing is random (they would agree).
    pub fn runs(&self, scenario: &Scenario) -> u32 {
        if self.is_random(scenario) {
            self.replications
        } else {
            1
        }
    }

    /// The engine's closed loop of one replication. The think-time stream depends on the
    /// seed and the replication only, so every configuration meets the same users.
    pub fn closed_loop(&self, resolution: Resolution, seed: u64, replication: u32) -> ClosedLoop {
        ClosedLoop {
            users: self.users,
            think: resolution.nearest_steps(self.think),
            think_exponential: self.exponential,
            duration: resolution.nearest_steps(self.duration),
            seed: seed ^ (replication as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15),
        }
    }
}

impl Patience {
    /// The engine's behaviour, in steps; jitter draws from `seed`'s stream.
    pub fn behaviour(&self, resolution: Resolution, seed: u64) -> Behaviour {
        Behaviour {
            patience: self.patience.map(|p| resolution.nearest_steps(p).max(1)),
            cancel_all: self.cancel_all,
            retries: self.retries,
            backoff: resolution.nearest_steps(self.backoff),
            jitter: self.jitter.then_some(seed),
        }
    }
}

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
) -> Result<Summary, EngineError> {
    if !scenario.requests().is_empty() {
        return Ok(classes::assess(scenario, config, load, share, clients)?.summary);
    }
    let runs = clients.runs(scenario, load);
    let one = |replication: u32| match clients {
        Clients::Closed(u) => closed_once(scenario, config, load, share, u, replication),
        Clients::Patient(p) => patient_once(scenario, config, load, share, p, replication),
    };
    let results: Vec<(Summary, Option<f64>)> = crate::load::replicate(runs, one)?;
    let throughputs: Vec<f64> = results.iter().filter_map(|(_, x)| *x).collect();
    let summaries: Vec<Summary> = results.into_iter().map(|(s, _)| s).collect();
    let mut summary = Summary::combine(&summaries, scenario.resolution(), share);
    if !throughputs.is_empty() {
        summary.throughput = Some(throughputs.iter().sum::<f64>() / throughputs.len() as f64);
    }
    if unmeasured(clients, &summaries) {
        summary.meets_target = false;
    }
    Ok(summary)
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
