//! `planner run`: one configuration, one load test, every client shown.

use std::io::Write;

use anyhow::{bail, Context, Result};

use super::{build_load_shaped, open_outputs, Verdict};
use crate::cli::{ClockArg, PlotKind, RunArgs};
use crate::config::Config;
use crate::engine::{Clock, EngineError};
use crate::load::{self, Arrivals, LoadTest};
use crate::memory::{self, RunOutputs};
use crate::progress::Progress;
use crate::random;
use crate::report::run::{RunReport, TIMELINE_MAX_AUTO};
use crate::report::{Format, Report};
use crate::scenario::Scenario;
use crate::units::number;
use crate::units::Rate;

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
    let draws = random::draws(scenario, load.clients, load.seed, config, 0);
    let quantum = config
        .engine_stations(scenario)
        .iter()
        .map(|s| s.service)
        .chain(load.due_times(scenario.resolution(), config, 0))
        .chain(draws.into_iter().flatten())
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
/// `--stage`s), `--clients`, and the rest of the load flags. `run` and its behaving variants
/// (patience, retries, closed loops) read them the same way.
pub(super) fn load_of(scenario: &Scenario, args: &RunArgs) -> Result<LoadTest> {
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
    build_load_shaped(
        scenario,
        &args.load,
        period,
        clients,
        args.rate,
        args.rate.is_some() || args.period.is_some(),
    )
}

pub(crate) fn run(scenario: &Scenario, mut args: RunArgs, quiet: bool) -> Result<Verdict> {
    let open =
        args.rate.is_some() || args.period.is_some() || super::clients::open_loop_asked(&args.load);
    args.behave = super::clients::with_scenario_loop(scenario, &args.behave, open);
    // A patience anywhere (the flag, `[load]` or a class's own) makes clients that give up.
    if args.behave.active() || crate::behaving::flows::any_patience(scenario, None) {
        return super::behave::run(scenario, args);
    }
    let config = Config::with_settings(scenario, &args.set)?;
    let clock = clock_of(args.clock, args.speed, scenario)?;
    // The load's checks speak of the simulator's timer; with --clock real, of tokio's.
    let load = load_of(scenario, &args).map_err(|e| match e.downcast::<EngineError>() {
        Ok(engine) => engine.on(clock).into(),
        Err(other) => other,
    })?;
    load::check(scenario, &load).map_err(|e| e.on(clock))?;
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
    let outputs = open_outputs(scenario, &args.output)?;

    // Small tests take microseconds; a long one gets a spinner on a terminal.
    let spinner = if load.clients as u64 * load.runs(scenario) as u64 >= 100_000 {
        Progress::spinner(&format!("simulating {} clients", load.clients), quiet)
    } else {
        Progress::spinner("", true)
    };
    let outcome = load::run(scenario, &config, &load, 0, clock, args.trace)?;
    // `--slo "p99 < T"` asks 99 % of clients under T; otherwise every one.
    let share = args
        .load
        .share(None, scenario.load_defaults().share)
        .map_err(anyhow::Error::msg)?;
    let summary = load::summarize(scenario, &outcome, &load, share);
    // Further replications, for the means and intervals (virtual time only).
    let combined = if load.runs(scenario) > 1 {
        Some(load::assess(scenario, &config, &load, share)?.summary)
    } else {
        None
    };
    spinner.finish();
    // The trace reads like the tutorial's prints, above the table; ahead of JSON, CSV or SVG
    // on stdout it would break them for whatever reads them, so it goes to stderr then.
    let trace_above_table = args.trace && outputs.stdout_format() == Some(Format::Table);
    let report = RunReport {
        scenario,
        config: &config,
        load: &load,
        clock,
        outcome: &outcome,
        summary: &summary,
        combined: combined.as_ref(),
        trace: trace_above_table,
        dashboard: match args.plot_kind {
            Some(kind) => kind == PlotKind::Dashboard,
            // A ramp or a replay is about the rate over time, whatever its size.
            None => {
                outcome.clients() > TIMELINE_MAX_AUTO
                    || matches!(load.arrivals, Arrivals::Stages { .. } | Arrivals::Replay(_))
            }
        },
        unit: args.unit.resolve(load.timeout),
        share,
    };
    if args.trace && !trace_above_table {
        std::io::stderr()
            .lock()
            .write_all(report.trace().as_bytes())
            .context("cannot write the trace to stderr")?;
    }
    outputs.emit(&Report::Run(report))?;
    Ok(Verdict::Met)
}
