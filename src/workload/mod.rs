//! The load a study applies: when clients arrive (a rate, stages, a replayed trace), the rules
//! they follow, and the random streams every draw comes from.

pub mod clients;
pub mod draws;
pub mod random;
pub mod replay;
pub mod stages;

use std::sync::Arc;

use crate::model::objective::Share;
use crate::model::request;
use crate::model::scenario::Scenario;
use crate::model::units::{Period, Rate, Resolution, Seconds};
use clients::{ClientRules, ClosedLoop};
use random::Streams;
use replay::Replayed;
use stages::Profile;

/// Who comes, and when, in one replication, as the engine runs it: times in steps.
#[derive(Debug, Clone, PartialEq)]
pub enum Population {
    /// An open loop: client `i` is first due at `due[i]` (non-decreasing), whatever happens
    /// to the others, and is of request class `class[i]` (every client class 0 when empty).
    Open {
        /// Each client's first due time.
        due: Vec<u64>,
        /// Each client's request class, or nothing for one class.
        class: Vec<u32>,
    },
    /// Users who each repeat request, response, think.
    Closed(ClosedLoop),
}

/// One replication's load, as the engine runs it: who comes, the rules they follow, on which
/// clock.
#[derive(Debug, Clone, PartialEq)]
pub struct Workload {
    /// Who comes, and when.
    pub population: Population,
    /// What a client does when its request is slow.
    pub rules: ClientRules,
    /// Virtual time, or tokio's real clock.
    pub clock: Clock,
}

/// Which clock drives the simulation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Clock {
    /// The engine's own virtual-time executor: deterministic and instant.
    Virtual,
    /// Tokio's real clock, every model duration divided by `speed`.
    Real {
        /// How many times faster than the model's clock (1: real time); positive and finite.
        speed: f64,
        /// Model seconds in one step (the scenario's resolution), to turn steps into sleeps.
        step_seconds: f64,
    },
}

/// When clients arrive.
#[derive(Debug, Clone, PartialEq)]
pub enum Arrivals {
    /// Every `period` seconds (0: all at once), the seed's metronome.
    Fixed(Period),
    /// A Poisson process: independent exponential gaps of mean 1/rate.
    Poisson(Rate),
    /// k6's `ramping-arrival-rate`: the rate moves linearly stage by stage. Fixed: client *i*
    /// is due when the expected count Λ(t) reaches i − 1; Poisson: the non-homogeneous
    /// process, a time change of a unit-rate one. The stages decide how many clients come.
    Stages {
        /// The rate at time 0 and the stages, each ramping linearly to its target rate.
        profile: Arc<Profile>,
        /// Whether due times are drawn (the non-homogeneous process) or placed at Λ(t) = i − 1.
        poisson: bool,
    },
    /// A recorded trace: each client's due time and, when the trace names them, class.
    Replay(Replayed),
}

impl Arrivals {
    /// "fixed" or "poisson": whether the due times are drawn.
    pub fn kind(&self) -> &'static str {
        match self {
            Arrivals::Fixed(_) | Arrivals::Stages { poisson: false, .. } => "fixed",
            Arrivals::Poisson(_) | Arrivals::Stages { poisson: true, .. } => "poisson",
            Arrivals::Replay(_) => "replay",
        }
    }

    /// How many clients a staged or replayed load brings (the expected count, rounded up,
    /// for Poisson stages); `None` when `--clients` decides.
    pub fn own_clients(&self) -> Option<u64> {
        match self {
            Arrivals::Fixed(_) | Arrivals::Poisson(_) => None,
            Arrivals::Stages { profile, .. } => Some(profile.fixed_clients()),
            Arrivals::Replay(r) => Some(r.due.len() as u64),
        }
    }

    /// Seconds from the first due time to the end of the load (the stages' total, the
    /// trace's last row); `None` for a rate, which lasts as long as `--clients` makes it.
    pub fn span(&self) -> Option<f64> {
        match self {
            Arrivals::Fixed(_) | Arrivals::Poisson(_) => None,
            Arrivals::Stages { profile, .. } => Some(profile.duration()),
            Arrivals::Replay(r) => Some(r.due.last().copied().unwrap_or(0.0)),
        }
    }
}

pub use crate::model::scenario::ArrivalKind;

/// The most replications one load test may ask for.
pub const MAX_REPLICATIONS: u32 = 100_000;

/// One load test: how many clients, when they come, the latency they accept, and how it is
/// sampled when something in it is random.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadTest {
    /// Clients in the test, warmup included; a staged or replayed load sets it to its own
    /// count.
    pub clients: u32,
    /// When each client is due.
    pub arrivals: Arrivals,
    /// A client is satisfied when its latency is strictly under this.
    pub timeout: Seconds,
    /// The first `warmup` clients are simulated but left out of the statistics.
    pub warmup: u32,
    /// Keys every random stream, with the configuration and the replication, so one seed
    /// gives the same draws for any thread count or search order.
    pub seed: u64,
    /// How many independent runs, when the test is random: also the batch a verdict too
    /// close to call grows by.
    pub replications: u32,
    /// The most replications a verdict too close to call may take, in batches of
    /// `replications` (at least `replications`).
    pub max_replications: u32,
    /// Whether the timeout came from the command line: it then overrides every class's.
    pub timeout_given: bool,
    /// Whether the share came from the command line (`--min-satisfaction`, `--slo`): it then
    /// overrides every class's.
    pub share_given: bool,
    /// Only the clients due strictly before this many seconds come (`None`: all of them):
    /// the prefix of a load that a schedule's window is searched on.
    pub until_s: Option<f64>,
    /// Whether judging sums where the late clients queued, to name the station they waited
    /// most at (compare's column, run's line, the climb of an unfinished search). It follows
    /// every visit, which doubles a sweep's time: a test that names no station leaves it off.
    /// It changes no verdict and no figure.
    pub late_waits: bool,
    /// Judge a random test on its steady state (`optimize --sustained`: the rate held for
    /// good): each run's warm-up is found by MSER-5 and left out (at least `warmup`), and a
    /// run that has not settled by its end is run again up to [`STEADY_LONGEST`] times
    /// longer.
    pub steady: bool,
    /// Stop each run of a search's first batch once its configuration is sure to fail
    /// (`SureFailure`, in the outcome's verdicts): the call is the same, the figures then
    /// cover only the clients that had ended, so only a search that shows no failing
    /// configuration's figures asks for it.
    pub stop_early: bool,
}

/// How many times its clients a steady-state test may grow to, doubling, before a run that
/// never settles is left too close to call.
pub const STEADY_LONGEST: u32 = 8;

impl LoadTest {
    /// The seed's kind of test: no warmup, one run.
    pub fn new(clients: u32, arrivals: Arrivals, timeout: Seconds) -> LoadTest {
        LoadTest {
            clients,
            arrivals,
            timeout,
            warmup: 0,
            seed: random::DEFAULT_SEED,
            replications: 1,
            max_replications: 1,
            timeout_given: false,
            share_given: false,
            until_s: None,
            late_waits: false,
            steady: false,
            stop_early: false,
        }
    }

    /// The arrival rate in clients/s, `None` for a burst. Stages: their peak, the rate the
    /// stations must keep up with; a replay: its mean rate over the trace.
    pub fn rate(&self) -> Option<f64> {
        match &self.arrivals {
            Arrivals::Fixed(p) => p.rate(),
            Arrivals::Poisson(r) => Some(r.get()),
            Arrivals::Stages { profile, .. } => Some(peak(profile)),
            Arrivals::Replay(Replayed { due, .. }) => {
                let span = due.last().copied().unwrap_or(0.0);
                (span > 0.0).then(|| (due.len() - 1) as f64 / span)
            }
        }
    }

    /// The same test at another rate, with the same kind of arrivals. Stages are scaled so
    /// that their peak is `rate`; a trace is replayed faster or slower to a mean of `rate`.
    pub fn at_rate(&self, rate: Rate) -> LoadTest {
        let arrivals = match &self.arrivals {
            Arrivals::Fixed(_) => Arrivals::Fixed(rate.period()),
            Arrivals::Poisson(_) => Arrivals::Poisson(rate),
            Arrivals::Stages { profile, poisson } => {
                let k = rate.get() / peak(profile);
                let stages = profile
                    .stages()
                    .iter()
                    .map(|s| crate::workload::stages::Stage {
                        target: s.target * k,
                        ..*s
                    })
                    .collect();
                match Profile::new(profile.start() * k, stages) {
                    Ok(p) => Arrivals::Stages {
                        profile: Arc::new(p),
                        poisson: *poisson,
                    },
                    Err(_) => self.arrivals.clone(),
                }
            }
            Arrivals::Replay(r) => match self.rate() {
                Some(mean) => {
                    let k = mean / rate.get();
                    Arrivals::Replay(Replayed {
                        due: r.due.iter().map(|t| t * k).collect(),
                        class: r.class.clone(),
                    })
                }
                None => self.arrivals.clone(),
            },
        };
        let clients = arrivals
            .own_clients()
            .map_or(self.clients, |n| n.min(u32::MAX as u64) as u32);
        LoadTest {
            arrivals,
            clients,
            ..self.clone()
        }
    }

    /// Whether anything in this test on this scenario is drawn at random.
    pub fn is_random(&self, scenario: &Scenario) -> bool {
        self.arrivals.kind() == "poisson"
            || scenario.draws_service()
            || scenario.requests().iter().any(|r| r.flow.is_random())
    }

    /// Each client's request class in one replication, `None` without `[[request]]`. A
    /// trace with a `class` column gives each client its row's class; other fixed arrivals
    /// deal classes by smooth weighted round-robin (exact shares); Poisson arrivals draw each
    /// client's class from its own stream (the same whatever the configuration).
    pub fn classes(
        &self,
        scenario: &Scenario,
        replication: u32,
        clients: usize,
    ) -> Option<Vec<u32>> {
        if scenario.requests().is_empty() {
            return None;
        }
        let shares: Vec<f64> = scenario.requests().iter().map(|r| r.share).collect();
        // Random arrivals draw each client's class; a schedule deals them exactly.
        let drawn = match &self.arrivals {
            Arrivals::Poisson(_) => true,
            Arrivals::Stages { poisson, .. } => *poisson,
            Arrivals::Fixed(_) | Arrivals::Replay(_) => false,
        };
        Some(match &self.arrivals {
            // A trace's `class` column says each client's class.
            Arrivals::Replay(Replayed { class: Some(c), .. }) => c.to_vec(),
            _ if drawn => {
                let streams = Streams::new(self.seed, replication);
                (0..clients as u64)
                    .map(|c| random::class_of(&streams, c, &shares))
                    .collect()
            }
            _ => request::deal(&shares, clients),
        })
    }

    /// How many runs the test takes: one when nothing is random (they would all agree).
    pub fn runs(&self, scenario: &Scenario) -> u32 {
        if self.is_random(scenario) {
            self.replications
        } else {
            1
        }
    }

    /// Each client's due time in steps. Fixed: `(i − 1) × period` rounded to the nearest
    /// step, so that off-grid periods (rate 3/s) do not drift. Poisson: each gap the client's
    /// own draw in this replication, the same whatever the configuration.
    ///
    /// Stages and traces bring their own clients: Poisson stages a number that varies from
    /// one replication to the next, so the length of this list, not `clients`, is the count.
    pub fn due_times(&self, resolution: Resolution, replication: u32) -> Vec<u64> {
        let mut due = self.all_due_times(resolution, replication);
        if let Some(until) = self.until_s {
            let limit = resolution.nearest_steps(until);
            due.truncate(due.partition_point(|&t| t < limit));
        }
        due
    }

    fn all_due_times(&self, resolution: Resolution, replication: u32) -> Vec<u64> {
        match &self.arrivals {
            Arrivals::Fixed(period) => (0..self.clients as u64)
                .map(|i| resolution.nearest_steps(i as f64 * period.get()))
                .collect(),
            Arrivals::Poisson(rate) => {
                let streams = Streams::new(self.seed, replication);
                random::poisson_due(&streams, self.clients, rate.get(), resolution)
            }
            Arrivals::Stages {
                profile,
                poisson: false,
            } => profile
                .fixed_due_times()
                .into_iter()
                .map(|t| resolution.nearest_steps(t))
                .collect(),
            Arrivals::Stages {
                profile,
                poisson: true,
            } => {
                let streams = Streams::new(self.seed, replication);
                let mut client = 0u64;
                profile
                    .poisson_due_times(|| {
                        client += 1;
                        random::unit_gap(&streams, client)
                    })
                    .into_iter()
                    .map(|t| resolution.nearest_steps(t))
                    .collect()
            }
            Arrivals::Replay(r) => r.due.iter().map(|&t| resolution.nearest_steps(t)).collect(),
        }
    }
}

/// The highest rate a profile reaches: at a stage's start or end, as rates move linearly.
fn peak(profile: &Profile) -> f64 {
    profile
        .stages()
        .iter()
        .map(|s| s.target)
        .fold(profile.start(), f64::max)
}

/// Each class's objective: its own timeout and min_satisfaction unless the command line
/// overrides them (`--timeout`, `--min-satisfaction` or `--slo` given).
pub fn objectives(scenario: &Scenario, load: &LoadTest, share: Share) -> Vec<(Seconds, Share)> {
    scenario
        .requests()
        .iter()
        .enumerate()
        .map(|(k, r)| {
            let share = match r.min_satisfaction {
                Some(m) if !load.share_given => Share::new(m).unwrap_or(share),
                _ => share,
            };
            (timeout_of(scenario, load, k), share)
        })
        .collect()
}

/// One objective per plan the clients walk: each class's ([`objectives`]), or without
/// classes the load's timeout and `share`, which the fan-out's clients are judged by.
pub fn plan_objectives(
    scenario: &Scenario,
    load: &LoadTest,
    share: Share,
) -> Vec<(Seconds, Share)> {
    if scenario.requests().is_empty() {
        vec![(load.timeout, share)]
    } else {
        objectives(scenario, load, share)
    }
}

/// The timeout a client of request class `class` is judged by: its class's own, unless the
/// command line gives one for every client (`--timeout`, `--slo`); the load's without
/// classes, or for a class that states none.
pub fn timeout_of(scenario: &Scenario, load: &LoadTest, class: usize) -> Seconds {
    match scenario.requests().get(class) {
        Some(r) if !load.timeout_given => r.timeout.unwrap_or(load.timeout),
        _ => load.timeout,
    }
}

/// The one timeout every client is judged by, `None` when request classes are judged by
/// different ones: then no single timeout, nor a headroom against it, speaks for everyone,
/// and a report names each class's objective instead of the load's unused default.
pub fn common_timeout(scenario: &Scenario, load: &LoadTest) -> Option<Seconds> {
    let first = timeout_of(scenario, load, 0);
    (0..scenario.requests().len())
        .all(|k| timeout_of(scenario, load, k) == first)
        .then_some(first)
}

/// The shortest timeout any client is judged by: what `--unit auto` reads, so that the
/// tightest objective in play reads in its own unit (a 250 ms objective in ms, whatever the
/// load's default).
pub fn shortest_timeout(scenario: &Scenario, load: &LoadTest) -> Seconds {
    (0..scenario.requests().len())
        .map(|k| timeout_of(scenario, load, k))
        .min_by(|a, b| a.get().total_cmp(&b.get()))
        .unwrap_or(load.timeout)
}

/// Per station, the timeout its queue breaks first, with the class it belongs to: the
/// shortest among the classes whose flows visit the station (the first in file order on a
/// tie). Without classes, or at a station no class visits, the load's, of no class.
pub fn station_timeouts(scenario: &Scenario, load: &LoadTest) -> Vec<(Seconds, Option<usize>)> {
    let mut out = vec![(load.timeout, None); scenario.stations().len()];
    let mut visited = vec![false; out.len()];
    for (k, r) in scenario.requests().iter().enumerate() {
        let timeout = timeout_of(scenario, load, k);
        for (station, _) in r.plan.visits() {
            let Some(slot) = out.get_mut(station) else {
                continue;
            };
            if !visited[station] || timeout.get() < slot.0.get() {
                *slot = (timeout, Some(k));
                visited[station] = true;
            }
        }
    }
    out
}
