//! `planner run`: one configuration, one load test, every client shown.

use anyhow::{bail, Result};

use super::{build_load, commit, open_csv, open_plot};
use crate::app::EXIT_OK;
use crate::cli::{ClockArg, Format, RunArgs};
use crate::config::Config;
use crate::engine::Clock;
use crate::load;
use crate::memory::{self, RunOutputs};
use crate::progress::Progress;
use crate::report::output::write_stdout;
use crate::report::run::RunReport;
use crate::scenario::Scenario;
use crate::stats::{Share, Summary};

fn clock_of(clock: ClockArg, speed: Option<f64>, scenario: &Scenario) -> Result<Clock> {
    match (clock, speed) {
        (ClockArg::Virtual, Some(_)) => bail!("--speed only applies with --clock real"),
        (ClockArg::Virtual, None) => Ok(Clock::Virtual),
        (ClockArg::Real, speed) => Ok(Clock::Real {
            speed: speed.unwrap_or(1.0),
            step_seconds: scenario.resolution.seconds(),
        }),
    }
}

pub fn run(scenario: &Scenario, args: RunArgs, quiet: bool) -> Result<u8> {
    let config = Config::with_settings(scenario, &args.set)?;
    let period = match (args.rate, args.period) {
        (_, Some(p)) => p,
        (Some(r), None) => r.period(),
        (None, None) => scenario.load.rate.period(),
    };
    let clients = args.load.clients.unwrap_or(scenario.load.clients);
    let load = build_load(scenario, &args.load, period, clients)?;
    let clock = clock_of(args.clock, args.speed, scenario)?;
    load::check(scenario, &load)?;
    let outputs = RunOutputs {
        json: args.format == Format::Json,
        trace: args.trace,
    };
    memory::check_run(scenario, &config, &load, outputs)?;
    let csv = open_csv(&args.csv)?;
    let plot = open_plot(&args.plot)?;

    // Small tests take microseconds; a long one gets a spinner on a terminal.
    let spinner = if load.clients as u64 * load.runs(scenario) as u64 >= 100_000 {
        Progress::spinner(&format!("simulating {} clients", load.clients), quiet)
    } else {
        Progress::spinner("", true)
    };
    let outcome = load::run(scenario, &config, &load, 0, clock, args.trace)?;
    let summary = Summary::of(
        &outcome,
        scenario.resolution,
        load.timeout,
        Share::ALL,
        load.warmup,
    );
    // Further replications, for the means and intervals (virtual time only).
    let combined = if load.runs(scenario) > 1 {
        if clock != Clock::Virtual {
            bail!("--replications above 1 needs the virtual clock");
        }
        Some(load::assess(scenario, &config, &load, Share::ALL)?.summary)
    } else {
        None
    };
    spinner.finish();
    let clock_name = match clock {
        Clock::Virtual => "virtual".to_string(),
        Clock::Real { speed, .. } => format!("real (speed ×{speed})"),
    };
    let report = RunReport {
        scenario,
        config: &config,
        load: &load,
        clock: clock_name,
        outcome: &outcome,
        summary: &summary,
        combined: combined.as_ref(),
    };
    let plotted = commit(plot, || report.timeline_svg().map(String::into_bytes))?;
    if !commit(csv, || report.csv())? && !plotted {
        let mut text = String::new();
        if args.trace {
            text.push_str(&report.trace());
            text.push('\n');
        }
        text.push_str(&match args.format {
            Format::Table => report.table(),
            Format::Json => report.json(),
        });
        write_stdout(text.as_bytes())?;
    }
    Ok(EXIT_OK)
}
