//! The edge: parse the command line, resolve it against the scenario, run, print, and map
//! every failure to one line on stderr and an exit code that means something.

use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use clap::Parser;

use crate::capacity::{self, Capacity};
use crate::cli::{
    ArrivalsArg, Cli, ClockArg, Command, CompareArgs, Format, LoadArgs, OptimizeArgs, RunArgs,
    SearchArgs, SweepArgs,
};
use crate::compare::{self, Contender, Shape};
use crate::config::{resolve_lever, Config};
use crate::engine::Clock;
use crate::load::{self, Arrivals, LoadTest};
use crate::progress::Progress;
use crate::report;
use crate::report::compare::CompareContext;
use crate::report::output::{write_stdout, Destination, Pending};
use crate::report::run::RunReport;
use crate::report::search::SearchContext;
use crate::scenario::Prices;
use crate::scenario::Scenario;
use crate::scenario::{Plan, Strategy};
use crate::search::{self, Candidate, Space, Target};
use crate::stats::{Share, Summary};
use crate::units::{Period, Rate};

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
        Command::Run(args) => run(&scenario, args, cli.quiet),
        Command::Optimize(args) => optimize(&scenario, args, cli.quiet),
        Command::Sweep(args) => sweep(&scenario, args, cli.quiet),
        Command::Compare(args) => compare(&scenario, args, cli.quiet),
    }
}

fn compare(scenario: &Scenario, args: CompareArgs, quiet: bool) -> Result<u8> {
    // The scenario's strategies, then the command line's: a same name replaces, a new one
    // is appended; a name given twice on the command line is an error.
    let mut strategies: Vec<Strategy> = if args.only {
        Vec::new()
    } else {
        scenario.strategies.clone()
    };
    let mut seen = std::collections::HashSet::new();
    for s in &args.strategies {
        if !seen.insert(s.name.clone()) {
            bail!("strategy `{}` is given twice", s.name);
        }
        let parsed =
            Strategy::parse(&s.name, &s.plan, &scenario.stations).map_err(anyhow::Error::msg)?;
        match strategies.iter_mut().find(|t| t.name == parsed.name) {
            Some(existing) => *existing = parsed,
            None => strategies.push(parsed),
        }
    }
    if strategies.is_empty() {
        bail!("no strategy to compare: give --strategy NAME=SETTINGS");
    }
    let prices = scenario.prices.clone();
    let target_rate = args.target_rate.unwrap_or(scenario.load.rate);
    let clients = args.load.clients.unwrap_or(scenario.load.clients);
    let shape = Shape {
        load: build_load(scenario, &args.load, target_rate.period(), clients)?,
        share: args.min_satisfaction,
    };
    let csv = open_csv(&args.csv)?;
    let plot = open_plot(&args.plot)?;
    let mut contenders = Vec::new();
    for s in &strategies {
        let config = match &s.plan {
            Plan::Fixed(config) => config.clone(),
            Plan::Cheapest => {
                let space = Space::new(scenario, &[]);
                space.check_size(scenario, search::DEFAULT_MAX_CONFIGS)?;
                let ranking = search::rank(&space, scenario, &prices);
                let target = Target {
                    load: shape.at(target_rate),
                    share: shape.share,
                };
                load::check(scenario, &target.load)?;
                let found = search::optimize(scenario, &target, &ranking, 0, &|_| {})?;
                match found.answer {
                    Some(i) => found.evaluated[i].candidate.config.clone(),
                    None => {
                        eprintln!(
                            "note: strategy `{}` left out: no configuration in the scenario's space meets {} clients/s",
                            s.name,
                            target_rate.get()
                        );
                        continue;
                    }
                }
            }
        };
        contenders.push(Contender::new(&s.name, config, scenario, &prices));
    }
    let total = (contenders.len() * args.rates.as_slice().len()) as u64;
    let bar = Progress::new(total, "load-testing", quiet);
    let comparison = compare::compare(scenario, contenders, args.rates, &shape, &|n| bar.inc(n))?;
    bar.finish();
    let ctx = CompareContext {
        scenario,
        prices: &prices,
        shape: &shape,
        comparison: &comparison,
    };
    let plotted = commit(plot, || {
        ctx.plot_svg(Some(target_rate.get()))
            .map(String::into_bytes)
    })?;
    if !commit(csv, || ctx.csv())? && !plotted {
        let text = match args.format {
            Format::Table => ctx.table(),
            Format::Json => ctx.json(),
        };
        write_stdout(text.as_bytes())?;
    }
    Ok(EXIT_OK)
}

/// Everything a search needs, resolved against the scenario.
struct SearchPlan {
    prices: Prices,
    target: Target,
    space: Space,
    ranking: Vec<Candidate>,
}

fn plan_search(scenario: &Scenario, args: &SearchArgs, sustained: bool) -> Result<SearchPlan> {
    let mut overrides = Vec::new();
    for r in &args.ranges {
        let station = resolve_lever(&scenario.stations, &r.station, &r.param, &r.text)?;
        overrides.push((station, r.values.clone()));
    }
    let space = Space::new(scenario, &overrides);
    space.check_size(scenario, args.max_configs)?;
    let prices = Prices {
        cpu: args.cpu_price.unwrap_or(scenario.prices.cpu),
        ram: args.ram_price.unwrap_or(scenario.prices.ram),
        currency: scenario.prices.currency.clone(),
    };
    let rate = args.target_rate.unwrap_or(scenario.load.rate);
    let clients = match (args.load.clients, sustained) {
        (Some(n), _) => n,
        (None, false) => scenario.load.clients,
        (None, true) => capacity::sustained_clients(scenario, rate.get(), scenario.load.clients),
    };
    // A load test that cannot run fails here once, not once per configuration.
    let target = Target {
        load: build_load(scenario, &args.load, rate.period(), clients)?,
        share: args.min_satisfaction,
    };
    let mut ranking = search::rank(&space, scenario, &prices);
    if sustained {
        ranking.retain(|c| Capacity::of(scenario, &c.config).sustains(rate.get()));
    }
    Ok(SearchPlan {
        prices,
        target,
        space,
        ranking,
    })
}

fn optimize(scenario: &Scenario, args: OptimizeArgs, quiet: bool) -> Result<u8> {
    let plan = plan_search(scenario, &args.search, args.sustained)?;
    if args.sustained {
        let rate = plan.target.load.rate().unwrap_or(f64::INFINITY);
        let maxima: Vec<u32> = plan
            .space
            .levers()
            .iter()
            .map(|v| v.as_slice().last().copied().unwrap_or(1))
            .collect();
        let missing = capacity::unreachable(scenario, &maxima, rate);
        if !missing.is_empty() {
            let text = match args.search.format {
                Format::Table => format!(
                    "{}: no configuration in the space sustains {} clients/s; it would take {}\n",
                    scenario.name,
                    report::run::trim_float(rate),
                    missing.join(", and ")
                ),
                Format::Json => {
                    serde_json::to_string_pretty(&serde_json::json!({
                        "scenario": scenario.name,
                        "sustained": true,
                        "found": false,
                        "rate": rate,
                        "unreachable": missing,
                    }))
                    .expect("plain data")
                        + "\n"
                }
            };
            write_stdout(text.as_bytes())?;
            return Ok(EXIT_UNMET);
        }
    }
    let csv = open_csv(&args.search.csv)?;
    let plot = open_plot(&args.search.plot)?;
    let bar = Progress::new(plan.ranking.len() as u64, "load-testing", quiet);
    let result = search::optimize(scenario, &plan.target, &plan.ranking, args.show, &|n| {
        bar.inc(n)
    })?;
    bar.finish();
    // The picture shows every configuration: test the ones the early stop skipped, for it only.
    let everything = match &plot {
        None => None,
        Some(_) => {
            let rest = &plan.ranking[result.evaluated.len()..];
            let bar = Progress::new(rest.len() as u64, "load-testing for the plot", quiet);
            let mut all = result.evaluated.clone();
            all.extend(search::evaluate(scenario, &plan.target, rest, &|n| {
                bar.inc(n)
            })?);
            bar.finish();
            Some(all)
        }
    };
    let ctx = SearchContext {
        scenario,
        prices: &plan.prices,
        target: &plan.target,
        space: &plan.space,
        sustained: args.sustained,
    };
    let answer = result.answer.map(|i| &result.evaluated[i].candidate.config);
    let plotted = commit(plot, || {
        let all = everything.as_deref().unwrap_or(&result.evaluated);
        ctx.pareto_svg(all, answer).map(String::into_bytes)
    })?;
    let on_stdout = commit(csv, || ctx.csv(&result.evaluated))? || plotted;
    if !on_stdout {
        let text = match args.search.format {
            Format::Table => ctx.optimize_text(&result),
            Format::Json => ctx.optimize_json(&result),
        };
        write_stdout(text.as_bytes())?;
    }
    Ok(if result.answer.is_some() {
        EXIT_OK
    } else {
        EXIT_UNMET
    })
}

fn sweep(scenario: &Scenario, args: SweepArgs, quiet: bool) -> Result<u8> {
    let plan = plan_search(scenario, &args.search, false)?;
    let csv = open_csv(&args.search.csv)?;
    let plot = open_plot(&args.search.plot)?;
    let bar = Progress::new(plan.ranking.len() as u64, "load-testing", quiet);
    let all = search::evaluate(scenario, &plan.target, &plan.ranking, &|n| bar.inc(n))?;
    bar.finish();
    let ctx = SearchContext {
        scenario,
        prices: &plan.prices,
        target: &plan.target,
        space: &plan.space,
        sustained: false,
    };
    let cheapest = all
        .iter()
        .find(|e| e.summary.meets_target)
        .map(|e| &e.candidate.config);
    let plotted = commit(plot, || {
        ctx.pareto_svg(&all, cheapest).map(String::into_bytes)
    })?;
    let on_stdout = commit(csv, || ctx.csv(&all))? || plotted;
    if !on_stdout {
        let text = match args.search.format {
            Format::Table => ctx.sweep_text(&all, args.show),
            Format::Json => ctx.sweep_json(&all),
        };
        write_stdout(text.as_bytes())?;
    }
    Ok(EXIT_OK)
}

/// An output the user asked for, opened before any work so an unwritable path fails at once.
struct Requested {
    what: &'static str,
    pending: Pending,
    on_stdout: bool,
}

fn open_output(what: &'static str, path: &Option<String>) -> Result<Option<Requested>> {
    path.as_deref()
        .map(|text| {
            let dest = Destination::parse(text);
            Ok(Requested {
                what,
                pending: Pending::open(what, &dest)?,
                on_stdout: dest.is_stdout(),
            })
        })
        .transpose()
}

fn open_csv(path: &Option<String>) -> Result<Option<Requested>> {
    open_output("the CSV", path)
}

fn open_plot(path: &Option<String>) -> Result<Option<Requested>> {
    open_output("the plot", path)
}

/// Writes a requested output, if any; says whether it took stdout.
fn commit<E>(
    output: Option<Requested>,
    content: impl FnOnce() -> Result<Vec<u8>, E>,
) -> Result<bool>
where
    E: std::error::Error + Send + Sync + 'static,
{
    match output {
        None => Ok(false),
        Some(out) => {
            let bytes = content().with_context(|| format!("cannot draw or format {}", out.what))?;
            out.pending.commit(&bytes)?;
            Ok(out.on_stdout)
        }
    }
}

/// The load test the flags describe, at a given period (the rate of Poisson arrivals).
fn build_load(
    scenario: &Scenario,
    args: &LoadArgs,
    period: Period,
    clients: u32,
) -> Result<LoadTest> {
    let arrivals = match args.arrivals {
        ArrivalsArg::Fixed => Arrivals::Fixed(period),
        ArrivalsArg::Poisson => match period.rate() {
            Some(rate) => Arrivals::Poisson(Rate::new(rate).map_err(anyhow::Error::msg)?),
            None => bail!("Poisson arrivals need a rate: --period 0 sends everyone at once"),
        },
    };
    if args.warmup >= clients {
        bail!(
            "--warmup {} leaves no client to measure: the test has {clients} clients",
            args.warmup
        );
    }
    let mut load = LoadTest::new(
        clients,
        arrivals,
        args.timeout.unwrap_or(scenario.load.timeout),
    );
    load.warmup = args.warmup;
    load.seed = args.seed;
    let random = load.is_random(scenario);
    load.replications = args
        .replications
        .unwrap_or(if random { DEFAULT_REPLICATIONS } else { 1 });
    load::check(scenario, &load)?;
    Ok(load)
}

/// Replications of a random load test when the user does not say.
const DEFAULT_REPLICATIONS: u32 = 20;

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

fn run(scenario: &Scenario, args: RunArgs, quiet: bool) -> Result<u8> {
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
