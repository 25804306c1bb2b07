//! Judging a configuration: its replications run, batch by batch, until every objective's
//! call is decided; a search's first batch stops each run once the configuration is sure to
//! fail.

use super::judge::{Judge, Tally};
use super::{class_figures, replicate, simulate_with};
use crate::engine::EngineError;
use crate::model::config::Config;
use crate::model::objective::Share;
use crate::model::scenario::{Scenario, MAX_CLIENTS};
use crate::model::units::Resolution;
use crate::outcome::stats::Summary;
use crate::outcome::steady::SteadyRun;
use crate::outcome::verdict::{Assessment, Call, ClassVerdict, SureFailure};
use crate::workload::clients::Clients;
use crate::workload::{plan_objectives, Clock, LoadTest, STEADY_LONGEST};

/// Load-tests a configuration in virtual time, its replications in parallel: clients who
/// wait (no `clients`) or follow the rules `clients` states, each judged by its class's
/// objective. The configuration meets the target when every class meets its own.
///
/// A deterministic test runs once and is decided exactly. A random one runs `replications`
/// at a time: while some objective is [`Call::TooCloseToCall`], another batch joins (the
/// replications numbered on, so every configuration sees the same clients in each), up to
/// `max_replications`; a configuration that clearly fails stops after its first batch. A
/// closed loop that leaves some replication with no request past the warm-up has shown
/// nothing, and fails.
///
/// With [`LoadTest::late_waits`], the judging also sums where the late clients queued
/// ([`Assessment::late_waits`]), which follows every visit.
pub fn assess(
    scenario: &Scenario,
    config: &Config,
    load: &LoadTest,
    share: Share,
    clients: Option<&Clients>,
) -> Result<Assessment, EngineError> {
    if load.late_waits {
        assess_judged::<true>(scenario, config, load, share, clients)
    } else {
        assess_judged::<false>(scenario, config, load, share, clients)
    }
}

/// [`assess`], its judges following queues or not.
fn assess_judged<const WAITS: bool>(
    scenario: &Scenario,
    config: &Config,
    load: &LoadTest,
    share: Share,
    clients: Option<&Clients>,
) -> Result<Assessment, EngineError> {
    let res = scenario.resolution();
    let objectives = plan_objectives(scenario, load, share);
    let limits: std::sync::Arc<[u128]> = objectives
        .iter()
        .map(|(t, _)| Resolution::timeout_nanos(*t))
        .collect();
    let closed = match clients {
        Some(Clients::Closed(u)) => {
            let c = u.closed_loop(res);
            Some((c.duration, u.duration))
        }
        _ => None,
    };
    let (batch, random) = match clients {
        Some(c) => (c.runs(scenario, load), c.is_random(scenario, load)),
        None => (load.runs(scenario), load.is_random(scenario)),
    };
    let most = load.max_replications.max(batch);
    let stations = scenario.stations().len();
    let steady = load.steady && random && closed.is_none();
    // A search's first batch may stop each run once its configuration is sure to fail.
    let stopping: Option<Vec<SureFailure>> =
        (load.stop_early && !WAITS && !steady && closed.is_none()).then(|| {
            objectives
                .iter()
                .map(|&(_, share)| SureFailure::new(share, batch as usize, random))
                .collect()
        });
    // `stop`: the rules a run may stop by, and the one class it watches (`None`: any).
    let one = |load: &LoadTest, replication: u32, stop: Option<(&[SureFailure], Option<usize>)>| {
        let room = load.clients as usize;
        let judge = Judge::<WAITS>::new(
            res,
            load.warmup,
            limits.clone(),
            stations,
            room,
            closed,
            steady,
        );
        simulate_with(
            scenario,
            config,
            load,
            clients,
            replication,
            Clock::Virtual,
            // Boxed: a run moves its observer several times (see `Observe for Box`).
            |open| {
                Box::new(match (stop, open) {
                    (Some((rules, only)), Some((due, class))) => {
                        let expected = class_counts(class, load.warmup, rules.len(), due.len());
                        let late = rules
                            .iter()
                            .zip(&expected)
                            .enumerate()
                            .map(|(k, (r, &n))| {
                                r.late_to_stop(n).filter(|_| only.is_none_or(|o| o == k))
                            })
                            .collect();
                        judge.stopping(expected, late)
                    }
                    _ => judge,
                })
            },
        )
        .map(|judge| judge.finish())
    };
    let runs = |load: &LoadTest, replications: std::ops::Range<u32>| {
        replicate(replications, |replication| one(load, replication, None))
    };
    let mut load = std::borrow::Cow::Borrowed(load);
    let mut judged = match &stopping {
        Some(rules) => replicate(0..batch, |r| one(&load, r, Some((rules, None))))?,
        None => runs(&load, 0..batch)?,
    };
    if let Some(rules) = &stopping {
        if judged.iter().any(Judge::cut_short) {
            // Runs `which` again, watching class `only` (`Some`) or to their end (`None`).
            let rerun = |judged: &mut Vec<Judge<WAITS>>, which: Vec<u32>, only: Option<usize>| {
                let stop = only.map(|k| (&rules[..], Some(k)));
                let again = replicate(0..which.len() as u32, |i| {
                    one(&load, which[i as usize], stop)
                })?;
                for (r, j) in which.into_iter().zip(again) {
                    judged[r as usize] = j;
                }
                Ok::<_, EngineError>(())
            };
            // Each run stopped on the first class it was sure to fail; the proof needs one
            // class that every run fails. The runs stopped on another class than the one
            // most runs fail go on, watching that class alone.
            let mut sure = sure_to_fail(&judged, rules, random);
            if let Some(k) =
                (0..rules.len()).max_by_key(|&k| (sure[k].1.len(), std::cmp::Reverse(k)))
            {
                let others: Vec<u32> = (0..batch).filter(|r| !sure[k].1.contains(r)).collect();
                if others.iter().all(|&r| judged[r as usize].cut_short()) {
                    rerun(&mut judged, others, Some(k))?;
                    sure = sure_to_fail(&judged, rules, random);
                }
            }
            if sure
                .iter()
                .any(|(runs, failing)| *runs > 0 && failing.len() == *runs)
            {
                let mut assessment =
                    judge(scenario, &load, share, &objectives, &judged, random, closed);
                assessment.call = Call::Fails;
                assessment.summary.meets_target = false;
                assessment.cut_short = judged.iter().any(Judge::cut_short);
                return Ok(assessment);
            }
            // Not sure after all (a run went well): the stopped runs go to their end.
            let stopped = (0..batch)
                .filter(|&r| judged[r as usize].cut_short())
                .collect();
            rerun(&mut judged, stopped, None)?;
        }
    }
    if steady {
        // A run whose warm-up MSER-5 finds in its second half has not settled: run every
        // replication again, twice as long (common random numbers: the same clients first).
        let longest = load.clients.saturating_mul(STEADY_LONGEST).min(MAX_CLIENTS);
        while judged.iter().any(|j| j.cut.is_some_and(|c| !c.settled)) && load.clients < longest {
            load.to_mut().clients = load.clients.saturating_mul(2).min(longest);
            judged = runs(&load, 0..batch)?;
        }
    }
    loop {
        let mut assessment = judge(scenario, &load, share, &objectives, &judged, random, closed);
        if steady {
            let run = steady_run(&load, &judged, res);
            if !run.settled && assessment.call == Call::Meets {
                // Held while it ran, but never settled: not shown to hold for good.
                assessment.call = Call::TooCloseToCall;
                assessment.summary.meets_target = false;
            }
            assessment.steady = Some(run);
        }
        let done = judged.len() as u32;
        if assessment.call != Call::TooCloseToCall || done >= most {
            return Ok(assessment);
        }
        judged.extend(runs(&load, done..done + batch.min(most - done))?);
    }
}

/// Per class, the clients of one run past the warm-up (`class`: each client's, empty with
/// one class).
fn class_counts(class: &[u32], warmup: u32, classes: usize, clients: usize) -> Vec<usize> {
    let mut counts = vec![0; classes];
    if class.is_empty() {
        counts[0] = clients.saturating_sub(warmup as usize);
    } else {
        for &k in class.iter().skip(warmup as usize) {
            counts[(k as usize).min(classes - 1)] += 1;
        }
    }
    counts
}

/// Per objective, the runs that have clients of its class, and those of them sure to fail
/// it whatever their unfinished clients would have done ([`SureFailure`], as one of that
/// many replications): when that is every such run, the objective fails.
fn sure_to_fail<const WAITS: bool>(
    judged: &[Judge<WAITS>],
    rules: &[SureFailure],
    random: bool,
) -> Vec<(usize, Vec<u32>)> {
    let at_most: Vec<Vec<(usize, usize)>> = judged.iter().map(|j| j.at_most_satisfied()).collect();
    (0..rules.len())
        .map(|k| {
            let runs = at_most.iter().filter(|r| r[k].0 > 0).count();
            let rule = SureFailure::new(rules[k].share(), runs, random);
            let failing = (0..judged.len() as u32)
                .filter(|&r| {
                    let (n, s) = at_most[r as usize][k];
                    n > 0 && rule.fails(s, n)
                })
                .collect();
            (runs, failing)
        })
        .collect()
}

/// How a steady-state test's replications ran.
fn steady_run<const WAITS: bool>(
    load: &LoadTest,
    judged: &[Judge<WAITS>],
    res: Resolution,
) -> SteadyRun {
    let cuts = judged.iter().filter_map(|j| j.cut);
    SteadyRun {
        clients: load.clients,
        warmup: cuts
            .clone()
            .map(|c| (c.warmup as u32).max(load.warmup))
            .max()
            .unwrap_or(load.warmup),
        settled: cuts.clone().all(|c| c.settled),
        seconds: judged
            .iter()
            .map(|j| res.to_seconds(j.last_end))
            .fold(0.0, f64::max),
    }
}

/// The verdict of a configuration's replications so far: per class and over every client.
fn judge<const WAITS: bool>(
    scenario: &Scenario,
    load: &LoadTest,
    share: Share,
    objectives: &[(crate::model::units::Seconds, Share)],
    judged: &[Judge<WAITS>],
    random: bool,
    closed: Option<(u64, f64)>,
) -> Assessment {
    let res = scenario.resolution();
    let stations = scenario.stations().len();
    // Summed over the judges that followed queues (a judge that did not kept none).
    let late_waits: Vec<u128> = (0..stations)
        .map(|s| {
            judged
                .iter()
                .filter_map(|j| j.late_waits.per_station.get(s))
                .sum()
        })
        .collect();
    let classes: Vec<ClassVerdict> = scenario
        .requests()
        .iter()
        .zip(objectives)
        .enumerate()
        .map(|(k, (r, &(timeout, share)))| {
            let runs: Vec<Summary> = judged
                .iter()
                .filter(|j| j.classes[k].clients > 0)
                .map(|j| summary_of(&j.classes[k], res, timeout, share))
                .collect();
            let summary = (!runs.is_empty()).then(|| {
                let mut s = Summary::combine(&runs, res, share);
                s.meets_target = Call::of(&s, share, random) == Call::Meets;
                s
            });
            let call = summary
                .as_ref()
                .map_or(Call::Meets, |s| Call::of(s, share, random));
            ClassVerdict {
                name: r.name.clone(),
                timeout,
                share,
                summary,
                call,
            }
        })
        .collect();
    // Every class's clients together, each satisfied by its own class's timeout.
    let all: Vec<Summary> = judged
        .iter()
        .map(|j| match &j.classes[..] {
            [one] => summary_of(one, res, load.timeout, share),
            classes => {
                let mut together = Tally::default();
                for t in classes {
                    together.served.merge(&t.served);
                    together.clients += t.clients;
                    together.satisfied += t.satisfied;
                    together.given_up += t.given_up;
                }
                summary_of(&together, res, load.timeout, share)
            }
        })
        .collect();
    let mut summary = Summary::combine(&all, res, share);
    let throughputs: Vec<f64> = judged.iter().filter_map(|j| j.throughput).collect();
    if !throughputs.is_empty() {
        summary.throughput = Some(throughputs.iter().sum::<f64>() / throughputs.len() as f64);
    }
    let mut call = if classes.is_empty() {
        Call::of(&summary, share, random)
    } else {
        summary.classes = class_figures(&classes);
        Call::all(classes.iter().map(|c| c.call))
    };
    // A closed loop too slow to get past its warm-up has not shown that it meets anything.
    if closed.is_some() && all.iter().any(|s| s.clients == 0) {
        call = Call::Fails;
    }
    summary.meets_target = call == Call::Meets;
    Assessment {
        summary,
        late_waits,
        classes,
        call,
        replications: judged.len() as u32,
        steady: None,
        cut_short: false,
    }
}

/// One replication's summary of a tally: the served clients' latencies, and every client
/// counted (one that gave up is never satisfied).
fn summary_of(
    t: &Tally,
    res: Resolution,
    timeout: crate::model::units::Seconds,
    share: Share,
) -> Summary {
    let mut s = Summary::of_histogram(&t.served, res, timeout, share);
    if t.clients > 0 {
        s.clients = t.clients;
        s.satisfied = t.satisfied;
        s.satisfaction = 100.0 * t.satisfied as f64 / t.clients as f64;
        s.meets_target = t.satisfied >= share.required(t.clients);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::units::{Period, Seconds};
    use crate::workload::Arrivals;

    /// Two classes over two random pools: one class visits both, the other only the first.
    const TWO_POOLS: &str = r#"name = "two"
resolution = 0.0001
[[station]]
name = "a"
kind = "pool"
service = 0.01
distribution = "exponential"
units = 1
[[station]]
name = "b"
kind = "pool"
service = 0.03
distribution = "lognormal"
cv = 1.5
units = 1
[[request]]
name = "x"
share = 0.7
flow = "a -> b"
timeout = 0.3
min_satisfaction = 95
[[request]]
name = "y"
share = 0.3
flow = "a"
timeout = 0.08
min_satisfaction = 90
"#;

    #[test]
    fn stopping_a_run_once_it_is_sure_to_fail_never_changes_its_call() {
        use crate::model::units::Rate;
        let random = Scenario::parse(TWO_POOLS, "two.toml").unwrap();
        let exact = TWO_POOLS
            .replace("distribution = \"exponential\"\n", "")
            .replace("distribution = \"lognormal\"\ncv = 1.5\n", "");
        let exact = Scenario::parse(&exact, "exact.toml").unwrap();
        let poisson = |r: f64| Arrivals::Poisson(Rate::new(r).unwrap());
        let fixed = |r: f64| Arrivals::Fixed(Period::new(1.0 / r).unwrap());
        let (mut stopped, mut calls) = (0, std::collections::BTreeMap::new());
        for (scenario, arrivals, replications) in [
            (&random, poisson(60.0), 1),
            (&random, poisson(60.0), 4),
            (&random, poisson(90.0), 20),
            (&random, poisson(120.0), 10),
            (&random, poisson(75.0), 5),
            (&random, poisson(100.0), 3),
            (&random, fixed(70.0), 5),
            (&exact, fixed(70.0), 1),
            (&exact, fixed(110.0), 1),
        ] {
            for (a, b) in [(1, 1), (1, 2), (1, 3), (2, 2), (2, 3), (2, 4), (3, 6)] {
                let mut load = LoadTest::new(300, arrivals.clone(), Seconds::new(0.1).unwrap());
                load.warmup = 10;
                load.replications = replications;
                load.max_replications = replications * 3;
                let config = Config::new(vec![a, b]);
                let whole = assess(scenario, &config, &load, Share::ALL, None).unwrap();
                load.stop_early = true;
                let early = assess(scenario, &config, &load, Share::ALL, None).unwrap();
                assert_eq!(early.call, whole.call, "{a} {b} {replications}");
                assert!(!whole.cut_short);
                if early.cut_short {
                    stopped += 1;
                    assert_eq!(early.call, Call::Fails);
                    assert!(early.summary.clients < whole.summary.clients);
                } else {
                    assert_eq!(early.summary, whole.summary, "{a} {b} {replications}");
                    assert_eq!(early.replications, whole.replications);
                }
                *calls.entry(format!("{:?}", whole.call)).or_insert(0) += 1;
            }
        }
        // The cases reach every kind of call, and some runs were stopped.
        assert!(stopped >= 8, "{stopped} stopped; {calls:?}");
        assert!(calls.len() == 3, "{calls:?}");
    }
}
