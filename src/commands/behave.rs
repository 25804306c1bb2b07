//! `planner run` with clients that behave: patience, cancellation and retries (open loop),
//! or a closed loop of users who think between requests. Virtual time only.

mod flows;

use anyhow::{bail, Result};
use serde_json::json;

use super::Verdict;
use crate::cli::{CancelArg, ClockArg, RunArgs, ThinkArg};
use crate::config::Config;
use crate::engine::{self, Behaviour, ClosedLoop, ServiceDraw};
use crate::random;
use crate::report::run::trim_float;
use crate::report::Format;
use crate::scenario::Scenario;
use crate::stats::Interval;

/// Percentile `p` (0..=100) of sorted values, nearest rank.
fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil().max(1.0) as usize;
    sorted[rank.min(sorted.len()) - 1]
}

fn common_checks(args: &RunArgs) -> Result<()> {
    if args.clock != ClockArg::Virtual {
        bail!("clients that give up, retry or think run on the virtual clock only (drop --clock real)");
    }
    if args.output.csv.is_some() || args.output.plot.is_some() || args.trace {
        bail!("--csv, --plot and --trace are not drawn for clients that give up, retry or think yet; use the table or --format json");
    }
    if !matches!(args.output.format, Format::Table | Format::Json) {
        bail!("clients that give up, retry or think are reported as a table or --format json");
    }
    Ok(())
}

/// Service steps per visit: the scenario's, drawn from each station's stream when random.
fn service_draw(scenario: &Scenario, config: &Config, seed: u64, replication: u32) -> ServiceDraw {
    let stations = config.engine_stations(scenario);
    let fixed: Vec<u64> = stations.iter().map(|s| s.service).collect();
    let dists: Vec<_> = scenario
        .stations
        .iter()
        .map(|s| (s.distribution.clone(), s.service.get()))
        .collect();
    let mut rngs: Vec<_> = (0..dists.len())
        .map(|i| random::stream(seed, config, replication, 1 + i as u64))
        .collect();
    let res = scenario.resolution;
    Box::new(move |_client, station| {
        let s = station as usize;
        if dists[s].0.is_fixed() {
            return fixed[s];
        }
        let secs = random::sample(&dists[s].0, dists[s].1, &mut rngs[s]);
        res.nearest_steps(secs).max(1)
    })
}

pub(crate) fn run(scenario: &Scenario, args: RunArgs) -> Result<Verdict> {
    common_checks(&args)?;
    let b = &args.behave;
    let patience = b.patience.or(scenario.load.patience.map(|p| p.get()));
    let patience = patience.or(scenario
        .requests
        .iter()
        .find_map(|r| r.patience.map(|p| p.get())));
    if b.retries.is_some_and(|k| k > 0) && patience.is_none() {
        bail!("--retries needs --patience: only a client that gives up retries");
    }
    if b.cancel.is_some() && patience.is_none() {
        bail!("--cancel needs --patience: only a client that gives up cancels");
    }
    if b.users.is_none()
        && (b.think.is_some() || b.think_distribution.is_some() || b.duration.is_some())
    {
        bail!("--think, --think-distribution and --duration describe a closed loop: they need --users N");
    }
    match b.users {
        Some(users) => closed(scenario, &args, users),
        None => open(scenario, &args),
    }
}

fn open(scenario: &Scenario, args: &RunArgs) -> Result<Verdict> {
    let b = &args.behave;
    let config = Config::with_settings(scenario, &args.set)?;
    let load = super::run::load_of(scenario, args)?;
    let res = scenario.resolution;
    let steps = |s: f64| res.nearest_steps(s);
    // The command line over the scenario's `[load] patience`, `retries`, `backoff`.
    let patience = b.patience.or(scenario.load.patience.map(|p| p.get()));
    let backoff = b
        .backoff
        .or(scenario.load.backoff.map(|p| p.get()))
        .unwrap_or(1.0);
    let behaviour = Behaviour {
        patience: patience.map(|p| steps(p).max(1)),
        cancel_all: b.cancel == Some(CancelArg::All),
        retries: b.retries.or(scenario.load.retries).unwrap_or(0),
        backoff: steps(backoff),
        jitter: b.jitter.then_some(load.seed),
    };
    let due = load.due_times(res, &config, 0);
    let stations = config.engine_stations(scenario);
    let draw = service_draw(scenario, &config, load.seed, 0);
    let run = match load.classes(scenario, &config, 0, due.len()) {
        Some(classes) => flows::behave(scenario, &config, &load, &classes, &due, behaviour, b)?,
        None => engine::simulate_behaving(&stations, &due, Some(draw), behaviour)?,
    };
    let timeouts = flows::timeouts(scenario, &load);
    let timeout_of = |f: &engine::Fate| timeouts[f.class as usize];
    let by_class = run.by_class(&timeouts, load.warmup as usize);
    let fates = run.fates;
    let wasted: Vec<(String, f64)> = stations
        .iter()
        .zip(&run.wasted)
        .map(|(s, &w)| (s.name.clone(), w as f64 * res.seconds()))
        .collect();
    let counted = &fates[(load.warmup as usize).min(fates.len())..];
    let n = counted.len();
    let satisfied = counted
        .iter()
        .filter(|f| f.served.is_some_and(|s| s - f.due < timeout_of(f)))
        .count();
    let given_up = counted.iter().filter(|f| f.served.is_none()).count();
    let attempts: u64 = counted.iter().map(|f| f.attempts as u64).sum();
    let first = counted.iter().map(|f| f.due).min().unwrap_or(0);
    let last = counted.iter().map(|f| f.ended).max().unwrap_or(0);
    let span = (last - first) as f64 * res.seconds();
    let goodput = if span > 0.0 {
        satisfied as f64 / span
    } else {
        f64::NAN
    };
    let mut lat: Vec<f64> = counted
        .iter()
        .filter_map(|f| f.served.map(|s| (s - f.due) as f64 * res.seconds()))
        .collect();
    lat.sort_by(f64::total_cmp);
    let share = |k: usize| 100.0 * k as f64 / n.max(1) as f64;
    // When the run recovered: the due time after the last unsatisfied client (a retry storm
    // outlives the burst that started it).
    let ok = |f: &engine::Fate| f.served.is_some_and(|s| s - f.due < timeout_of(f));
    let settled = counted
        .iter()
        .rposition(|f| !ok(f))
        .map(|i| counted.get(i + 1).map(|f| f.due as f64 * res.seconds()));
    let amplification = attempts as f64 / n.max(1) as f64;
    if args.output.format == Format::Json {
        let v = json!({
            "clients": n,
            "satisfied": satisfied,
            "given_up": given_up,
            "given_up_share": given_up as f64 / n.max(1) as f64,
            "goodput": goodput,
            "attempts": attempts,
            "amplification": amplification,
            "latency_p50": percentile(&lat, 50.0),
            "latency_p99": percentile(&lat, 99.0),
            "wasted_seconds": wasted.iter().map(|(n, w)| (n.clone(), json!(w))).collect::<serde_json::Map<_, _>>(),
            "settled_at": settled.map(|s| s.unwrap_or(f64::NAN)),
            "patience": patience,
            "cancel": if behaviour.cancel_all { "all" } else { "none" },
            "retries": behaviour.retries,
            "classes": flows::figures(scenario, b, &by_class),
        });
        println!("{}", serde_json::to_string_pretty(&v)?);
    } else {
        let t = trim_float;
        println!(
            "{n} clients, timeout {} s{}{}",
            t(load.timeout.get()),
            patience
                .map(|p| format!(", patience {} s", t(p)))
                .unwrap_or_default(),
            if behaviour.retries > 0 {
                format!(
                    ", up to {} retries (backoff {} s{})",
                    behaviour.retries,
                    t(backoff),
                    if b.jitter { ", jitter" } else { "" }
                )
            } else {
                String::new()
            }
        );
        println!(
            "satisfied:     {satisfied} ({} %)",
            t((share(satisfied) * 10.0).round() / 10.0)
        );
        println!(
            "given up:      {given_up} ({} %){}",
            t((share(given_up) * 10.0).round() / 10.0),
            if behaviour.cancel_all {
                ", their units freed at once"
            } else {
                ", work in service wasted"
            }
        );
        println!(
            "goodput:       {} satisfied clients/s",
            t((goodput * 1000.0).round() / 1000.0)
        );
        println!(
            "attempts:      {attempts} ({} per client)",
            t((amplification * 100.0).round() / 100.0)
        );
        if wasted.iter().any(|(_, w)| *w > 0.0) {
            let list: Vec<String> = wasted
                .iter()
                .map(|(n, w)| format!("{n} {} s", t((w * 1000.0).round() / 1000.0)))
                .collect();
            println!(
                "wasted work:   {} (service for clients who gave up)",
                list.join(", ")
            );
        }
        match settled {
            None => println!("settled:       every client satisfied"),
            Some(None) => println!("settled:       never (the last client was not satisfied)"),
            Some(Some(at)) => println!(
                "settled:       every client due from {} s on satisfied",
                t((at * 1000.0).round() / 1000.0)
            ),
        }
        if !lat.is_empty() {
            println!(
                "latency:       p50 {} s, p99 {} s (served clients)",
                t((percentile(&lat, 50.0) * 1000.0).round() / 1000.0),
                t((percentile(&lat, 99.0) * 1000.0).round() / 1000.0)
            );
        }
        flows::print(scenario, b, &by_class);
    }
    Ok(Verdict::Met)
}

fn closed(scenario: &Scenario, args: &RunArgs, users: u32) -> Result<Verdict> {
    let b = &args.behave;
    if b.patience.is_some() || b.retries.is_some() {
        bail!("--patience and --retries apply to an open loop (--rate); a closed loop's users wait for their response");
    }
    if args.load.stages.len() + usize::from(args.load.replay.is_some()) > 0 {
        bail!("--users runs a closed loop: it takes no --stage or --replay");
    }
    if args.load.clients.is_some() {
        bail!("--users runs a closed loop: --duration, not --clients, decides how many requests are made");
    }
    let config = Config::with_settings(scenario, &args.set)?;
    let res = scenario.resolution;
    let think = b.think.unwrap_or(0.0);
    let exponential = b.think_distribution == Some(ThinkArg::Exponential);
    let duration = b.duration.unwrap_or(600.0);
    let seed = args.load.seed.unwrap_or(random::DEFAULT_SEED);
    let random = exponential || scenario.stations.iter().any(|s| !s.distribution.is_fixed());
    let random = random || scenario.requests.iter().any(|r| r.flow.is_random());
    let runs = if random {
        args.load.replications.unwrap_or(20)
    } else {
        1
    };
    let warmup = args.load.warmup as usize;
    let (mut xs, mut rs, mut waits) = (Vec::new(), Vec::new(), Vec::new());
    let mut all: Vec<f64> = Vec::new();
    let mut completed = 0usize;
    for r in 0..runs {
        let closed = ClosedLoop {
            users,
            think: res.nearest_steps(think),
            think_exponential: exponential,
            duration: res.nearest_steps(duration),
            seed: seed ^ (r as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15),
        };
        let draw = service_draw(scenario, &config, seed, r);
        let mut reqs = flows::closed(scenario, &config, closed, draw, seed, r)?;
        reqs.sort_by_key(|q| (q.start, q.user));
        let end = closed.duration;
        let done_in = reqs.iter().filter(|q| q.done <= end).count();
        xs.push(done_in as f64 / duration);
        let counted = &reqs[warmup.min(reqs.len())..];
        let resp: Vec<f64> = counted
            .iter()
            .map(|q| (q.done - q.start) as f64 * res.seconds())
            .collect();
        completed += resp.len();
        let mean = resp.iter().sum::<f64>() / resp.len().max(1) as f64;
        rs.push(mean);
        // Little's law on the users: the share waiting is X·R / N.
        waits.push(done_in as f64 / duration * mean / users as f64);
        all.extend(resp);
    }
    all.sort_by(f64::total_cmp);
    let x = Interval::of(&xs);
    let r = Interval::of(&rs);
    let w = Interval::of(&waits).mean.min(1.0);
    if args.output.format == Format::Json {
        let v = json!({
            "users": users,
            "think": think,
            "think_distribution": if exponential { "exponential" } else { "fixed" },
            "duration": duration,
            "replications": runs,
            "requests": completed,
            "throughput": x.mean,
            "throughput_interval": [x.low, x.high],
            "response_mean": r.mean,
            "response_mean_interval": [r.low, r.high],
            "response_p50": percentile(&all, 50.0),
            "response_p95": percentile(&all, 95.0),
            "response_p99": percentile(&all, 99.0),
            "waiting_share": w,
            "thinking_share": 1.0 - w,
        });
        println!("{}", serde_json::to_string_pretty(&v)?);
    } else {
        let t = |v: f64| trim_float((v * 1000.0).round() / 1000.0);
        println!(
            "{users} users, think {} s ({}), {} s, {runs} replication{}",
            t(think),
            if exponential { "exponential" } else { "fixed" },
            t(duration),
            if runs == 1 { "" } else { "s" }
        );
        let ci = |i: Interval| {
            if runs > 1 {
                format!(" (95 % CI {} – {})", t(i.low), t(i.high))
            } else {
                String::new()
            }
        };
        println!("requests:      {completed}");
        println!("throughput:    {} requests/s{}", t(x.mean), ci(x));
        println!("response time: mean {} s{}", t(r.mean), ci(r));
        println!(
            "               p50 {} s, p95 {} s, p99 {} s",
            t(percentile(&all, 50.0)),
            t(percentile(&all, 95.0)),
            t(percentile(&all, 99.0))
        );
        println!(
            "users:         {} % thinking, {} % waiting",
            trim_float((100.0 * (1.0 - w)).round()),
            trim_float((100.0 * w).round())
        );
    }
    Ok(Verdict::Met)
}
