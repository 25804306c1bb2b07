//! The open-loop load test of the seed's `perf_test`: `clients` orders, client *i* due at
//! `(i − 1) × period` whatever happens to the others, each judged against the timeout; or,
//! beyond the seed, Poisson arrivals and random service times over several replications.

use std::sync::Arc;

use rand_distr::{Distribution, Exp1};
use rayon::prelude::*;

use crate::config::Config;
use std::cell::RefCell;
use std::rc::Rc;

use crate::engine::{self, Classes, Clock, EngineError, Outcome, Served};
use crate::random;
use crate::replay::Replayed;
use crate::request;
use crate::scenario::Scenario;
use crate::stages::Profile;
use crate::stats::{self, ClassFigures, Histogram, Share, Summary};
use crate::units::{Period, Rate, Resolution, Seconds, MAX_TIMER_STEPS};

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

pub use crate::scenario::ArrivalKind;

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
    /// How many independent runs, when the test is random.
    pub replications: u32,
    /// Whether the timeout came from the command line: it then overrides every class's.
    pub timeout_given: bool,
    /// Whether the share came from the command line (`--min-satisfaction`, `--slo`): it then
    /// overrides every class's.
    pub share_given: bool,
}

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
            timeout_given: false,
            share_given: false,
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
                    .map(|s| crate::stages::Stage {
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

    /// The engine's request classes for one replication, `None` without `[[request]]`.
    /// A trace with a `class` column gives each client its row's class; other fixed arrivals
    /// deal classes by smooth weighted round-robin (exact shares); Poisson arrivals draw each
    /// client's class from the seeded stream. Every pick of a client's
    /// flow is drawn in advance, so the draws do not depend on the order the run takes.
    pub fn classes(
        &self,
        scenario: &Scenario,
        config: &Config,
        replication: u32,
        clients: usize,
    ) -> Option<Classes> {
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
        let class = match &self.arrivals {
            // A trace's `class` column says each client's class.
            Arrivals::Replay(Replayed { class: Some(c), .. }) => c.to_vec(),
            _ if drawn => {
                let mut rng = random::stream(self.seed, config, replication, random::CLASS_LANE);
                (0..clients)
                    .map(|_| random::choose(&mut rng, &shares) as u32)
                    .collect()
            }
            _ => request::deal(&shares, clients),
        };
        let plans: Vec<engine::Plan> = scenario.requests().iter().map(|r| r.plan.clone()).collect();
        let mut classes = Classes {
            plans,
            class,
            choices: Vec::new(),
        };
        let stride = classes.pick_stride();
        let mut choices = vec![0u32; clients * stride];
        if stride > 0 {
            let picks: Vec<Vec<Vec<f64>>> = classes.plans.iter().map(|p| p.picks()).collect();
            let mut rng = random::stream(self.seed, config, replication, random::PICK_LANE);
            for (client, &k) in classes.class.iter().enumerate() {
                for (slot, p) in picks[k as usize].iter().enumerate() {
                    choices[client * stride + slot] = random::choose(&mut rng, p) as u32;
                }
            }
        }
        classes.choices = choices;
        Some(classes)
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
    /// step, so that off-grid periods (rate 3/s) do not drift. Poisson: from the stream of
    /// this configuration and replication.
    ///
    /// Stages and traces bring their own clients: Poisson stages a number that varies from
    /// one replication to the next, so the length of this list, not `clients`, is the count.
    pub fn due_times(&self, resolution: Resolution, config: &Config, replication: u32) -> Vec<u64> {
        match &self.arrivals {
            Arrivals::Fixed(period) => (0..self.clients as u64)
                .map(|i| resolution.nearest_steps(i as f64 * period.get()))
                .collect(),
            Arrivals::Poisson(rate) => {
                let mut rng = random::stream(self.seed, config, replication, 0);
                random::poisson_due(&mut rng, self.clients, rate.get(), resolution)
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
                let mut rng = random::stream(self.seed, config, replication, 0);
                profile
                    .poisson_due_times(|| Exp1.sample(&mut rng))
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

/// Refuses a load test the engine could not run (a gap between clients longer than the
/// timers can hold), before any work starts; in the simulator's words ([`EngineError::on`]
/// tells a real-clock run's).
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
            timer: crate::engine::Timer::Simulator,
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

/// One request class's verdict in a load test.
#[derive(Debug, Clone, PartialEq)]
pub struct ClassVerdict {
    /// The class's `[[request]]` name.
    pub name: String,
    /// The objective it was judged by: its timeout and required share.
    pub timeout: Seconds,
    /// The required share of satisfied clients, in percent.
    pub share: Share,
    /// `None` when the test gave this class no client (after warmup).
    pub summary: Option<Summary>,
}

impl ClassVerdict {
    /// A class with no client cannot miss its objective.
    pub fn meets(&self) -> bool {
        self.summary.as_ref().is_none_or(|s| s.meets_target)
    }
}

/// Each class's objective: its own timeout and min_satisfaction unless the command line
/// overrides them (`--timeout`, `--min-satisfaction` or `--slo` given).
pub fn objectives(scenario: &Scenario, load: &LoadTest, share: Share) -> Vec<(Seconds, Share)> {
    scenario
        .requests()
        .iter()
        .map(|r| {
            let timeout = if load.timeout_given {
                load.timeout
            } else {
                r.timeout.unwrap_or(load.timeout)
            };
            let share = match r.min_satisfaction {
                Some(m) if !load.share_given => Share::new(m).unwrap_or(share),
                _ => share,
            };
            (timeout, share)
        })
        .collect()
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
        summary.classes = class_figures(&classes);
    }
    summary
}

/// Each class's figures for the summary (100 % for a class with no client: nothing missed).
pub fn class_figures(classes: &[ClassVerdict]) -> Vec<ClassFigures> {
    classes
        .iter()
        .map(|c| ClassFigures::of(c.summary.as_ref()))
        .collect()
}

/// What a configuration's load test says, over every replication.
#[derive(Debug, Clone, PartialEq)]
pub struct Assessment {
    /// Every class's clients together; over several replications, each figure's mean across
    /// them, with its spread.
    pub summary: Summary,
    /// Per station, how many late clients (after warmup, over all replications) it was the
    /// last to serve.
    pub late_by_station: Vec<usize>,
    /// Per request class, in file order (empty without `[[request]]`).
    pub classes: Vec<ClassVerdict>,
}

impl Assessment {
    /// The station that most often made a client late (first in scenario order on ties).
    pub fn late_bottleneck(&self) -> Option<usize> {
        let most = self.late_by_station.iter().copied().max().unwrap_or(0);
        (most > 0).then(|| {
            self.late_by_station
                .iter()
                .position(|&n| n == most)
                .unwrap_or(0)
        })
    }
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
    summary.classes = class_figures(&classes);
    Ok(Assessment {
        summary,
        late_by_station,
        classes,
    })
}
