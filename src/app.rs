//! The edge: parse the command line, resolve it against the scenario, run, print, and map
//! every failure to one line on stderr and an exit code that means something.

use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use clap::Parser;

use crate::cli::{Cli, ClockArg, Command, Format, RunArgs};
use crate::config::Config;
use crate::engine::Clock;
use crate::load::{self, Arrivals, LoadTest};
use crate::report::output::{write_stdout, Destination, Pending};
use crate::report::run::RunReport;
use crate::scenario::Scenario;
use crate::stats::{Share, Summary};

/// Exit code: the target is met (or the command only reports).
pub const EXIT_OK: u8 = 0;
/// Exit code: no configuration meets the target.
pub const EXIT_UNMET: u8 = 1;
/// Exit code: bad usage or input.
pub const EXIT_INPUT: u8 = 2;

/// Runs the `planner` command line and returns its exit code.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            use clap::error::ErrorKind;
            if matches!(
                e.kind(),
                ErrorKind::DisplayHelp
                    | ErrorKind::DisplayVersion
                    | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
            ) {
                let _ = e.print();
                return ExitCode::from(
                    if e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
                        EXIT_INPUT
                    } else {
                        EXIT_OK
                    },
                );
            }
            // One line: clap's first line names the flag and the problem.
            let text = e.render().to_string();
            let first = text
                .lines()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("error: bad usage");
            eprintln!("{}", first.trim_end());
            return ExitCode::from(EXIT_INPUT);
        }
    };
    match dispatch(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("error: {}", one_line(&e));
            ExitCode::from(EXIT_INPUT)
        }
    }
}

/// `{:#}` of an error chain, folded onto one line.
fn one_line(e: &anyhow::Error) -> String {
    format!("{e:#}").replace('\n', " ")
}

fn dispatch(cli: Cli) -> Result<u8> {
    let scenario = match &cli.scenario {
        Some(path) => Scenario::load(path)?,
        None => Scenario::embedded(),
    };
    match cli.command {
        Command::Run(args) => run(&scenario, args),
    }
}

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

fn run(scenario: &Scenario, args: RunArgs) -> Result<u8> {
    let config = Config::with_settings(scenario, &args.set)?;
    let arrivals = match (args.rate, args.period) {
        (_, Some(p)) => Arrivals::Fixed(p),
        (Some(r), None) => Arrivals::Fixed(r.period()),
        (None, None) => Arrivals::Fixed(scenario.load.rate.period()),
    };
    let load = LoadTest {
        clients: args.load.clients.unwrap_or(scenario.load.clients),
        arrivals,
        timeout: args.load.timeout.unwrap_or(scenario.load.timeout),
    };
    let clock = clock_of(args.clock, args.speed, scenario)?;
    let csv_dest = args.csv.as_deref().map(Destination::parse);
    let csv_out = csv_dest
        .as_ref()
        .map(|d| Pending::open("the CSV", d))
        .transpose()?;

    let outcome = load::run(scenario, &config, &load, clock, args.trace)?;
    let summary = Summary::of(&outcome, scenario.resolution, load.timeout, Share::ALL);
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
    };
    if let Some(out) = csv_out {
        out.commit(&report.csv().context("cannot format the CSV")?)?;
    }
    let csv_on_stdout = csv_dest.as_ref().is_some_and(Destination::is_stdout);
    if !csv_on_stdout {
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
