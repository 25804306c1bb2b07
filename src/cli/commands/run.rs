//! `planner run`: one configuration, one load test, every client shown; or clients that give up,
//! retry or think (patience, retries, a closed loop), told client by client. Virtual time only
//! for the latter.

use std::io::Write;

use anyhow::{bail, Context, Result};

use super::{build_load_shaped, open_outputs, Requested, Verdict};
use crate::cli::args::{ClockArg, PlotKind, RunArgs};
use crate::cli::progress::Progress;
use crate::engine::EngineError;
use crate::loadtest;
use crate::loadtest::observe::{Requests, Teller};
use crate::model::config::Config;
use crate::model::objective::Share;
use crate::model::scenario::Scenario;
use crate::model::units::{number, Period, Rate};
use crate::outcome::clients::{ClosedFigures, OpenFigures};
use crate::outcome::profile::Profile;
use crate::outcome::windows::Windows;
use crate::report::clients::{ClosedReport, ClosedRun, OpenClass, OpenReport, OpenRun};
use crate::report::output::Inputs;
use crate::report::run::{RunReport, TIMELINE_MAX_AUTO};
use crate::report::Format;
use crate::search::memory::{self, RunOutputs};
use crate::workload::clients::Clients;
use crate::workload::draws::Draws;
use crate::workload::random;
use crate::workload::Clock;
use crate::workload::{Arrivals, LoadTest};

fn clock_of(clock: ClockArg, speed: Option<f64>, scenario: &Scenario) -> Result<Clock> {
    match (clock, speed) {
        (ClockArg::Virtual, Some(_)) => bail!("--speed only applies with --clock real"),
        (ClockArg::Virtual, None) => Ok(Clock::Virtual),
        (ClockArg::Real, speed) => Ok(Clock::Real {
            speed: speed.unwrap_or(1.0),
            step_seconds: scenario.resolution().seconds(),
        }),
    }
}

/// Tokio's real timers tick in milliseconds: a deadline between two ticks waits for the next.
const REAL_TICK_S: f64 = 1e-3;

/// Refuses `--clock real` when tokio's real timers would round the test's durations, which
/// would silently change its results. Every duration of the test (service times, due times,
/// drawn times) is a multiple of its quantum, the greatest common divisor of them all in
/// steps; a step lasts `resolution / speed` real seconds, and one quantum must last a tick.
fn check_real_clock(
    scenario: &Scenario,
    config: &Config,
    load: &LoadTest,
    clock: Clock,
) -> Result<()> {
    let Clock::Real {
        speed,
        step_seconds,
    } = clock
    else {
        return Ok(());
    };
    fn gcd(a: u64, b: u64) -> u64 {
        if b == 0 {
            a
        } else {
            gcd(b, a % b)
        }
    }
    // The drawn times too: each client's, at every visit of its class's plan (the draws the
    // run will make, as they are keyed by client).
    let due = load.due_times(scenario.resolution(), 0);
    let class = load.classes(scenario, 0, due.len()).unwrap_or_default();
    let stations = config.engine_stations(scenario);
    let draws = random::Common::new(scenario, load.seed, 0);
    let drawn = (0..due.len()).flat_map(|c| {
        let k = class.get(c).copied().unwrap_or(0);
        let plan = &scenario.plans()[k as usize];
        plan.visits()
            .into_iter()
            .enumerate()
            .map(|(slot, (s, own))| {
                let nominal = own.unwrap_or(stations[s].service);
                draws.service(c as u64, k, slot as u32, s as u16, nominal)
            })
            .collect::<Vec<_>>()
    });
    let quantum = stations
        .iter()
        .map(|s| s.service)
        .chain(due.iter().copied())
        .chain(drawn)
        .fold(0, gcd)
        .max(1);
    let model = quantum as f64 * step_seconds;
    let real = model / speed;
    if real >= REAL_TICK_S * (1.0 - 1e-9) {
        return Ok(());
    }
    let most = number(speed * real / REAL_TICK_S);
    bail!(
        "--clock real cannot honour this test: its times are multiples of {}, which at --speed {} last {} of real time, but tokio's timers tick in milliseconds; use the virtual clock, or --speed {most} or lower",
        duration_text(model),
        number(speed),
        duration_text(real),
    )
}

/// "1 µs", "0.5 ms", "2 s": a short duration in the unit that reads best.
fn duration_text(seconds: f64) -> String {
    if seconds >= 1.0 {
        format!("{} s", number(seconds))
    } else if seconds >= 1e-3 {
        format!("{} ms", number(seconds * 1e3))
    } else if seconds >= 1e-6 {
        format!("{} µs", number(seconds * 1e6))
    } else {
        format!("{} ns", number(seconds * 1e9))
    }
}

/// The load test `run`'s flags describe: `--period`, or `--rate` (0 only as the start rate of
/// `--stage`s), `--clients`, and the rest of the load flags. `run` with or without client rules
/// (patience, retries, closed loops) read them the same way. A file it reads joins `inputs`.
pub(super) fn load_of(
    scenario: &Scenario,
    args: &RunArgs,
    inputs: &mut Inputs,
) -> Result<LoadTest> {
    if args.load.replay.is_some() && args.rate.is_some() {
        bail!("--rate cannot be used with --replay: the trace decides when each client comes (--replay-speed scales its times)");
    }
    let period = match (args.rate, args.period) {
        (_, Some(p)) => p,
        (Some(r), None) if r > 0.0 => Rate::new(r).map_err(anyhow::Error::msg)?.period(),
        (Some(_), None) if args.load.stages.is_empty() => bail!(
            "invalid value '0' for '--rate <R>': must be a positive number, greater than 0 clients per second (0 is only a start rate, with --stage)"
        ),
        (_, None) => scenario.load_defaults().rate.period(),
    };
    let clients = args
        .load
        .clients
        .unwrap_or(scenario.load_defaults().clients);
    let rate_flag = match (args.period, args.rate) {
        (Some(_), _) => Some("--period"),
        (None, Some(_)) => Some("--rate"),
        (None, None) => None,
    };
    build_load_shaped(
        scenario, &args.load, period, rate_flag, clients, args.rate, inputs,
    )
}

pub(crate) fn run(
    scenario: &Scenario,
    mut args: RunArgs,
    quiet: bool,
    inputs: &mut Inputs,
) -> Result<Verdict> {
    if args.load.max_replications.is_some() {
        bail!("--max-replications: run reports the replications asked for (--replications); optimize, sweep and compare add replications until each verdict is decided");
    }
    let scheduled = super::over_time::with_schedules(scenario, &args.over_time.schedules)?;
    let scenario = scheduled.as_ref().unwrap_or(scenario);
    super::over_time::check_settings(scenario, &args.set)?;
    let open =
        args.rate.is_some() || args.period.is_some() || super::clients::open_loop_asked(&args.load);
    args.client_args = super::clients::with_scenario_loop(scenario, &args.client_args, open);
    // A patience anywhere (the flag, `[load]` or a class's own) makes clients that give up.
    if args.client_args.active() || super::clients::any_patience(scenario, None) {
        if scenario.scales() || args.over_time.units_csv.is_some() {
            bail!("units that change over time are load-tested with clients who wait: drop the client rules (patience, retries, users), or the station's schedule or autoscaler");
        }
        return run_clients(scenario, args, inputs);
    }
    if args.over_time.units_csv.is_some() && !scenario.scales() {
        bail!("--units-csv records units that change over time, and no station's do: give a pool a `schedule` or an `autoscale` in the scenario, or --schedule STATION=TIME:UNITS,...");
    }
    let config = Config::with_settings(scenario, &args.set)?;
    let clock = clock_of(args.clock, args.speed, scenario)?;
    // The load's checks speak of the simulator's timer; with --clock real, of tokio's.
    let mut load =
        load_of(scenario, &args, inputs).map_err(|e| match e.downcast::<EngineError>() {
            Ok(engine) => engine.on(clock).into(),
            Err(other) => other,
        })?;
    // A run reports the replications asked for, decided or not.
    load.max_replications = load.replications;
    // And where its late clients waited most.
    load.late_waits = true;
    loadtest::check(scenario, &load).map_err(|e| e.on(clock))?;
    if load.runs(scenario) > 1 && clock != Clock::Virtual {
        bail!("--replications above 1 needs the virtual clock");
    }
    check_real_clock(scenario, &config, &load, clock)?;
    if args.plot_kind.is_some() && args.output.plot.is_none() {
        bail!("--plot-kind chooses the picture of --plot FILE.svg, which is missing");
    }
    memory::check_run(
        scenario,
        &config,
        &load,
        RunOutputs {
            json: args.output.format == Format::Json,
            trace: args.trace,
        },
    )?;
    let mut outputs = open_outputs(inputs, &args.output, Some(&args.report))?;
    if let Some(text) = &args.over_time.units_csv {
        outputs.open_units_csv(text)?;
    }

    // Small tests take microseconds; a long one gets a spinner on a terminal.
    let spinner = if load.clients as u64 * load.runs(scenario) as u64 >= 100_000 {
        Progress::spinner(&format!("simulating {} clients", load.clients), quiet)
    } else {
        Progress::spinner("", true)
    };
    // Where the late clients waited most: over the replications when there are several,
    // else in the one run as it ran.
    let replicated = load.runs(scenario) > 1;
    let listed = LoadTest {
        late_waits: !replicated,
        ..load.clone()
    };
    let outcome = loadtest::run(scenario, &config, &listed, 0, clock, args.trace)?;
    let share = objective_share(scenario, &args)?;
    let summary = loadtest::summarize(scenario, &outcome, &load, share);
    // Further replications, for the means and intervals (virtual time only).
    let combined = if replicated {
        Some(loadtest::assess(scenario, &config, &load, share, None)?)
    } else {
        None
    };
    let late_waits = match &combined {
        Some(a) => Some(&a.late_waits),
        None => outcome.late_waits.as_ref(),
    };
    let waited_most =
        late_waits.and_then(|w| crate::outcome::verdict::most_waited(w).map(|s| (s, w[s])));
    // Over replications, each class's figures and verdict are the replications' together.
    let classes = match &combined {
        Some(a) => a.classes.clone(),
        None => loadtest::judge_classes(scenario, &outcome, &load, share),
    };
    let profile = page_profile(&outputs, scenario, &config, &load, share, None)?;
    spinner.finish();
    // The trace reads like the tutorial's prints, above the table; ahead of JSON, CSV or SVG
    // on stdout it would break them for whatever reads them, so it goes to stderr then.
    let trace_above_table = args.trace && outputs.stdout_format() == Some(Format::Table);
    let over_time = loadtest::over_time(scenario, &config, &load, &outcome);
    let dashboard = match args.plot_kind {
        Some(kind) => kind == PlotKind::Dashboard,
        // A ramp or a replay is about the rate over time, whatever its size.
        None => {
            outcome.clients() > TIMELINE_MAX_AUTO
                || matches!(load.arrivals, Arrivals::Stages { .. } | Arrivals::Replay(_))
        }
    };
    let windows = (outputs.wants_page() || (dashboard && outputs.wants_picture()))
        .then(|| Windows::of_run(&outcome, scenario, &load));
    let report = RunReport {
        scenario,
        config: &config,
        load: &load,
        clock,
        outcome: &outcome,
        summary: &summary,
        combined: combined.as_ref().map(|a| &a.summary),
        trace: trace_above_table,
        dashboard,
        windows: windows.as_ref(),
        unit: args.unit.resolve(scenario, &load),
        classes: &classes,
        waited_most,
        share,
        profile: profile.as_ref(),
        over_time: over_time.as_ref(),
    };
    if args.trace && !trace_above_table {
        std::io::stderr()
            .lock()
            .write_all(crate::report::printable(&report.trace()).as_bytes())
            .context("cannot write the trace to stderr")?;
    }
    match &over_time {
        Some(over) if outputs.wants_units_csv() => outputs.emit_with_units(
            &report,
            &crate::report::units::UnitsCsv {
                stations: scenario.stations().iter().map(|s| s.name()).collect(),
                resolution: scenario.resolution(),
                over,
            },
        )?,
        _ => outputs.emit(&report)?,
    }
    Ok(Verdict::Met)
}

/// The share of clients the run's objective asks, one rule for every kind of run:
/// `--slo "p99 < T"` asks 99 % of them under T, else the scenario's objective holds unless
/// `--timeout` states another (see [`crate::cli::args::LoadArgs::share`]).
fn objective_share(scenario: &Scenario, args: &RunArgs) -> Result<Share> {
    args.load
        .share(None, scenario.load_defaults().share)
        .map_err(anyhow::Error::msg)
}

/// Where the time goes, for the page only: the first replication again, profiled. It is one
/// more load test, so it runs only when a page is asked for.
fn page_profile(
    outputs: &Requested,
    scenario: &Scenario,
    config: &Config,
    load: &LoadTest,
    share: Share,
    clients: Option<&Clients>,
) -> Result<Option<Profile>> {
    if !outputs.wants_page() {
        return Ok(None);
    }
    Ok(Some(loadtest::profile(
        scenario, config, load, share, clients,
    )?))
}

fn common_checks(args: &RunArgs) -> Result<()> {
    if args.clock != ClockArg::Virtual {
        bail!("clients that give up, retry or think run on the virtual clock only (drop --clock real)");
    }
    if args.plot_kind.is_some() {
        bail!("--plot-kind chooses between run's pictures; clients that give up, retry or think have one picture (--plot FILE.svg)");
    }
    Ok(())
}

/// `run` with client rules: patience, cancellation and retries (open loop), or a closed
/// loop of users who think between requests. Virtual time only.
fn run_clients(scenario: &Scenario, args: RunArgs, inputs: &mut Inputs) -> Result<Verdict> {
    common_checks(&args)?;
    super::clients::check(scenario, &args.client_args, &args.load)?;
    let b = &args.client_args;
    match b.users {
        Some(users) => closed_loop(scenario, &args, users, inputs),
        None => open_loop(scenario, &args, inputs),
    }
}

fn open_loop(scenario: &Scenario, args: &RunArgs, inputs: &mut Inputs) -> Result<Verdict> {
    let b = &args.client_args;
    // The report tells the clients one by one, from one replication; averaging several is
    // what the searches do (`sweep --range` on one configuration's values).
    if args.load.replications.is_some_and(|r| r > 1) {
        bail!("--replications: a run of clients who give up or retry reports one replication, client by client; optimize and sweep average replications");
    }
    let config = Config::with_settings(scenario, &args.set)?;
    // Jittered retries use the seed even when the load draws nothing: read the load without
    // it (so that it is not called unused), then put it back.
    let load = if b.jitter {
        let mut unseeded = args.clone();
        unseeded.load.seed = None;
        let mut load = load_of(scenario, &unseeded, inputs)?;
        load.seed = args.load.seed.unwrap_or(load.seed);
        load
    } else {
        load_of(scenario, args, inputs)?
    };
    let res = scenario.resolution();
    let patient = super::clients::patience_of(scenario, b);
    let (patience, backoff) = (patient.patience, patient.backoff);
    let rules = patient.rules(res, scenario.requests().len());
    let outputs = open_outputs(inputs, &args.output, Some(&args.report))?;
    let due = load.due_times(res, 0);
    // Over `[[request]]` classes each client walks its class's flow with its class's patience.
    let class = load.classes(scenario, 0, due.len()).unwrap_or_default();
    let teller = Teller::new(&due, &class, scenario.stations().len());
    let clients = Clients::Patient(patient.clone());
    let story = loadtest::simulate(
        scenario,
        &config,
        &load,
        Some(&clients),
        0,
        Clock::Virtual,
        teller,
    )?
    .story();
    // Each class judged by its own objective, as every run judges classes; the page's
    // curves draw the same objectives.
    let objective = objective_share(scenario, args)?;
    let profile = page_profile(
        &outputs,
        scenario,
        &config,
        &load,
        objective,
        Some(&clients),
    )?;
    let open_classes: Vec<OpenClass> = scenario
        .requests()
        .iter()
        .zip(crate::workload::objectives(scenario, &load, objective))
        .zip(patient.classes.iter().copied())
        .map(|((r, (timeout, share)), patience_s)| OpenClass {
            name: r.name.clone(),
            timeout_s: timeout.get(),
            share,
            patience_s,
        })
        .collect();
    // Each client judged by its class's timeout (the load's for the fan-out), each class by
    // its share: the run's figures, once.
    let timeouts: Vec<u64> = if open_classes.is_empty() {
        vec![res.nearest_steps(load.timeout.get())]
    } else {
        open_classes
            .iter()
            .map(|c| res.nearest_steps(c.timeout_s))
            .collect()
    };
    let shares: Vec<Share> = open_classes.iter().map(|c| c.share).collect();
    let figures = OpenFigures::of(&story, &timeouts, &shares, load.warmup, res);
    let report = OpenReport::new(OpenRun {
        scenario,
        story: &story,
        timeout_s: load.timeout.get(),
        patience_s: patience,
        retries: rules.retries,
        backoff_s: backoff,
        jitter: b.jitter,
        cancel_all: rules.cancel_all,
        warmup: load.warmup,
        classes: open_classes,
        config: &config,
        load: &load,
        profile: profile.as_ref(),
        figures,
    });
    if args.trace {
        // The trace is the run's story, not its result: stderr, whatever stdout carries.
        std::io::stderr()
            .lock()
            .write_all(crate::report::printable(&report.trace()).as_bytes())
            .context("cannot write the trace to stderr")?;
    }
    outputs.emit(&report)?;
    Ok(Verdict::Met)
}

fn closed_loop(
    scenario: &Scenario,
    args: &RunArgs,
    users: u32,
    inputs: &mut Inputs,
) -> Result<Verdict> {
    let b = &args.client_args;
    if args.trace {
        bail!("--trace follows clients who give up and retry; a closed loop's requests are in --csv FILE");
    }
    let config = Config::with_settings(scenario, &args.set)?;
    let res = scenario.resolution();
    let loop_ = super::clients::users_of(scenario, users, b, &args.load);
    let (think, exponential, duration) = (loop_.think, loop_.exponential, loop_.duration);
    let runs = loop_.replications;
    let outputs = open_outputs(inputs, &args.output, Some(&args.report))?;
    // A closed loop brings its own requests: the load test only keys its draws.
    let mut load = LoadTest::new(
        users,
        Arrivals::Fixed(Period::new(0.0).map_err(anyhow::Error::msg)?),
        scenario.load_defaults().timeout,
    );
    load.seed = args.load.seed.unwrap_or(random::DEFAULT_SEED);
    let clients = Clients::Closed(loop_);
    let mut replications = Vec::with_capacity(runs as usize);
    for r in 0..runs {
        let requests = loadtest::simulate(
            scenario,
            &config,
            &load,
            Some(&clients),
            r,
            Clock::Virtual,
            Requests::default(),
        )?;
        let mut reqs = requests.0;
        reqs.sort_by_key(|q| (q.start, q.user));
        replications.push(reqs);
    }
    // A closed loop's request count is known only once it has run.
    let fewest = replications.iter().map(Vec::len).min().unwrap_or(0);
    if args.load.warmup as usize >= fewest {
        bail!(
            "--warmup {} leaves no request to measure: the loop made {fewest} requests{}",
            args.load.warmup,
            if replications.len() > 1 {
                " in its shortest replication"
            } else {
                ""
            }
        );
    }
    // Each class's requests judged by its own objective over every replication, as a
    // search judges a closed loop: the one assessment, on the same draws (seed, replication).
    let share = objective_share(scenario, args)?;
    let mut judged = LoadTest {
        timeout: args
            .load
            .slo
            .map(|s| s.timeout)
            .or(args.load.timeout)
            .unwrap_or(load.timeout),
        timeout_given: args.load.timeout.is_some() || args.load.slo.is_some(),
        share_given: args.load.slo.is_some(),
        warmup: args.load.warmup,
        ..load.clone()
    };
    judged.replications = runs;
    judged.max_replications = runs;
    let classes = if scenario.requests().is_empty() {
        Vec::new()
    } else {
        loadtest::assess(scenario, &config, &judged, share, Some(&clients))?.classes
    };
    // Where the time goes, judged as the requests are: the page's curves and late counts
    // use the same timeouts and objectives.
    let profile = page_profile(&outputs, scenario, &config, &judged, share, Some(&clients))?;
    let figures = ClosedFigures::of(&replications, args.load.warmup, users, duration, res);
    let report = ClosedReport::new(ClosedRun {
        classes: &classes,
        random: clients.is_random(scenario, &judged),
        unit: args.unit.resolve(scenario, &judged),
        scenario,
        config: &config,
        seed: load.seed,
        profile: profile.as_ref(),
        name: scenario.name(),
        resolution: res,
        users,
        think_s: think,
        exponential,
        duration_s: duration,
        warmup: args.load.warmup,
        replications,
        figures,
    });
    outputs.emit(&report)?;
    Ok(Verdict::Met)
}
