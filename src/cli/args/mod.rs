//! The command line: clap definitions and the value parsers that turn flags into typed values.
//!
//! Stage one ("low" arguments) is what clap parses here; stage two, in `crate::cli::commands`, resolves
//! them against the scenario into the typed requests the library runs.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::model::config::{resolve_lever, split_lever, ConfigError, Setting};
use crate::model::levers::Values;
use crate::model::objective::Share;
use crate::model::objective::Slo;
use crate::model::scenario::{Station, MAX_CLIENTS};
use crate::model::units::{Period, Rate, Seconds, TimeUnit};
pub use crate::report::Format;
use crate::scaleout::shard::ShardArg;
use crate::search::compare::Rates;
use crate::search::DEFAULT_MAX_CONFIGS;
use crate::workload::stages::Stage;
use crate::workload::MAX_REPLICATIONS;

mod clients;
mod over_time;
mod parse;
mod reference;
pub use clients::{CancelArg, ClientArgs, ThinkArg};
use over_time::parse_policy;
pub use over_time::{OverTimeArgs, PolicyArg, PolicyValues, ScheduleArg};
use parse::{duration, number};
pub use parse::{
    parse_max_configs, parse_max_time, parse_period, parse_price, parse_rate, parse_rates,
    parse_seconds, parse_seed, parse_share, parse_slo, parse_speed, parse_stage, parse_start_rate,
};
pub use reference::{CompletionsArgs, SchemaArgs};

#[derive(Debug, Parser)]
#[command(
    name = "planner",
    version,
    about = "Finds the cheapest configuration of a service that meets its latency objectives",
    long_about = "Finds the cheapest configuration of a service that meets its latency objectives.\n\n\
        A service is a set of stations (pools of servers, batch caches) that requests of several \
        classes reach through their flows: in sequence, at once, or one branch of several. \
        planner load-tests its configurations in virtual time (exact and instant, on its own \
        executor) under an open load (a rate, ramping stages, a replayed trace) or a closed one \
        (users who think), with clients who give up and retry, and reports the cheapest that \
        meets every class's latency objective.\n\n\
        The default scenario is the fast-food restaurant of a French asyncio tutorial (\"Example 4: \
        the fast-food server\"): a soda machine, a kitchen of 3 cooks and a 5-portion fryer.",
    after_help = "Examples:\n  planner run --period 0.5\n  planner run --set soda.units=2 --set burger.units=5 --rate 2 --csv clients.csv\n  planner optimize --target-rate 2 --timeout 5\n  planner optimize --sustained --range fries.batch=5,7,8,10\n  planner sweep --csv table.csv --plot sweep.svg\n  planner compare --rates 0.5..=3:0.25 --plot compare.svg\n  planner --scenario data/api.toml optimize"
)]
pub struct Cli {
    /// Scenario file (TOML); default: the embedded fast-food scenario (data/fastfood.toml)
    #[arg(long, global = true, value_name = "FILE")]
    pub scenario: Option<PathBuf>,

    /// No progress bars
    #[arg(long, short, global = true)]
    pub quiet: bool,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Load-test one configuration and show each client's latency
    Run(RunArgs),
    /// Find the cheapest configuration that meets a target rate and timeout
    Optimize(OptimizeArgs),
    /// Load-test every configuration of the space (the cost-vs-satisfaction table)
    Sweep(SweepArgs),
    /// Compare upgrade strategies side by side across arrival rates
    Compare(CompareArgs),
    /// Summarise measured service times and print the scenario lines that reproduce them
    Fit(FitArgs),
    /// Combine the outputs of sweep, optimize or compare --shard K/N into the single run's result
    Merge(MergeArgs),
    /// Print planner's man page (roff) on stdout: planner man > planner.1
    Man,
    /// Print the completion script of a shell on stdout
    Completions(CompletionsArgs),
    /// Print the JSON Schema of a document planner prints, or list the documents
    Schema(SchemaArgs),
}

#[derive(Debug, Args)]
pub struct FitArgs {
    /// One column of service times in seconds (a header line is skipped)
    #[arg(value_name = "FILE")]
    pub file: PathBuf,

    #[command(flatten)]
    pub output: OutputArgs,
}

/// `NAME=soda.units=2,burger.units=5` or `NAME=optimize`, as typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StrategyArg {
    pub name: String,
    pub plan: String,
}

impl std::str::FromStr for StrategyArg {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let (name, plan) = text
            .split_once('=')
            .ok_or_else(|| format!("expected NAME=STATION.PARAM=VALUE,…, got `{text}`"))?;
        if name.trim().is_empty() {
            return Err(format!("`{text}`: a strategy needs a name"));
        }
        Ok(StrategyArg {
            name: name.trim().to_string(),
            plan: plan.to_string(),
        })
    }
}

#[derive(Debug, Args)]
pub struct CompareArgs {
    /// Add a strategy, or replace the scenario's one of that name: NAME=soda.units=2,burger.units=5 (NAME=optimize: the cheapest that meets the target) (repeatable)
    #[arg(long = "strategy", value_name = "NAME=SETTINGS")]
    pub strategies: Vec<StrategyArg>,

    /// Compare only the --strategy ones, not the scenario's
    #[arg(long)]
    pub only: bool,

    /// Arrival rates to test: START..=END:STEP, or a list 1,1.5,2 [default: 11 rates from 25 % to 150 % of --target-rate, to 2 significant digits]
    #[arg(long, value_name = "RATES", value_parser = parse_rates)]
    pub rates: Option<Rates>,

    /// The rate the `cheapest` strategy is optimized for, drawn as a guide [default: from the scenario]
    #[arg(long, value_name = "R", allow_hyphen_values = true, value_parser = parse_rate)]
    pub target_rate: Option<Rate>,

    #[command(flatten)]
    pub load: LoadArgs,

    /// Percentage of clients that must be satisfied; given, it overrides every request class's
    /// own [default: 100, or the scenario's]
    #[arg(long, value_name = "PCT", allow_hyphen_values = true, value_parser = parse_share)]
    pub min_satisfaction: Option<Share>,

    /// The unit the table shows latencies in (auto: ms when the timeout is under 1 s, µs under 1 ms); CSV and JSON stay in seconds
    #[arg(long, value_enum, default_value_t = UnitArg::Auto)]
    pub unit: UnitArg,

    #[command(flatten)]
    pub output: OutputArgs,

    #[command(flatten)]
    pub report: ReportArgs,

    /// Load-test only shard K of N of the (strategy, rate) cells (every N-th from the K-th) and print them with --format json for `planner merge`; auto: from SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX (see docs/scale-out.md)
    #[arg(long, value_name = "K/N|auto", value_parser = parse_shard)]
    pub shard: Option<ShardArg>,

    /// With an autoscaled pool: the windows the best schedule is found in [default: a 24th of the load]
    #[arg(long, value_name = "DURATION", value_parser = parse_window)]
    pub schedule_windows: Option<f64>,
}

/// A lever's values given on the command line: `STATION.PARAM=VALUES`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RangeArg {
    pub station: String,
    pub param: String,
    pub values: Values,
    pub text: String,
}

impl std::str::FromStr for RangeArg {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let (lever, values) = text
            .split_once('=')
            .ok_or_else(|| format!("expected STATION.PARAM=VALUES, got `{text}`"))?;
        let (station, param) = split_lever(lever)
            .ok_or_else(|| format!("expected STATION.PARAM=VALUES, got `{text}`"))?;
        let values = Values::parse(values).map_err(|e| format!("`{text}`: {e}"))?;
        Ok(RangeArg {
            station,
            param,
            values,
            text: text.to_string(),
        })
    }
}

impl LoadArgs {
    /// The share of clients that must be satisfied: `--slo`'s when given, which then refuses
    /// a `--min-satisfaction` that says otherwise; else the scenario's `[load] slo` unless
    /// `--min-satisfaction` or `--timeout` says otherwise (a new timeout, a new objective).
    pub fn share(
        &self,
        min_satisfaction: Option<Share>,
        scenario: Option<Share>,
    ) -> Result<Share, String> {
        match (self.slo, min_satisfaction) {
            (None, Some(m)) => Ok(m),
            // A scenario's objective holds unless the command line states another timeout.
            (None, None) if self.timeout.is_none() => Ok(scenario.unwrap_or(Share::ALL)),
            (None, None) => Ok(Share::ALL),
            (Some(slo), None) => Ok(slo.share),
            (Some(slo), Some(m)) if m == slo.share => Ok(slo.share),
            (Some(slo), Some(m)) => Err(format!(
                "--slo asks {} % of clients under {} s, but --min-satisfaction says {} %: give one",
                crate::model::units::number(slo.share.percent()),
                crate::model::units::number(slo.timeout.get()),
                crate::model::units::number(m.percent())
            )),
        }
    }
}

impl RangeArg {
    /// Each `--range` as (station index, values), in the order given; a lever given twice is
    /// refused rather than silently taking the last.
    pub fn resolve_all(
        ranges: &[RangeArg],
        stations: &[Station],
    ) -> Result<Vec<(usize, Values)>, ConfigError> {
        let mut resolved: Vec<(usize, Values)> = Vec::new();
        for (i, r) in ranges.iter().enumerate() {
            let station = resolve_lever(stations, &r.station, &r.param, &r.text)?;
            if let Some(j) = resolved.iter().position(|(s, _)| *s == station) {
                return Err(ConfigError::Repeated {
                    lever: stations[station].lever_name(),
                    first: ranges[j].text.clone(),
                    second: ranges[i].text.clone(),
                });
            }
            resolved.push((station, r.values.clone()));
        }
        Ok(resolved)
    }
}

/// What a search tests every configuration against, and how it weighs them.
#[derive(Debug, Args, Clone)]
pub struct SearchArgs {
    /// Arrival rate to hold, in clients per second [default: from the scenario]
    #[arg(long, visible_alias = "rate", value_name = "R", allow_hyphen_values = true, value_parser = parse_rate, conflicts_with = "users")]
    pub target_rate: Option<Rate>,

    #[command(flatten)]
    pub load: LoadArgs,

    // Users who think, clients who give up and retry: the same flags as `run`'s.
    #[command(flatten)]
    pub client_args: ClientArgs,

    /// Percentage of clients (with --users: of requests) whose response comes under --timeout for a configuration to pass; given, it overrides every request class's
    /// own [default: 100, or the scenario's]
    #[arg(long, value_name = "PCT", allow_hyphen_values = true, value_parser = parse_share)]
    pub min_satisfaction: Option<Share>,

    /// Values a lever tries, replacing the scenario's: soda.units=1..=6, fries.batch=5,7,10 (repeatable)
    #[arg(long = "range", value_name = "STATION.PARAM=VALUES")]
    pub ranges: Vec<RangeArg>,

    /// Refuse a space with more configurations than this (sweep, shards); optimize walks any space, cheapest first, and load-tests at most this many
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_CONFIGS, allow_negative_numbers = true, value_parser = parse_max_configs)]
    pub max_configs: u64,

    /// Price of one CPU core [default: from the scenario]
    #[arg(long, value_name = "PRICE", allow_hyphen_values = true, value_parser = parse_price)]
    pub cpu_price: Option<f64>,

    /// Price of one GiB of RAM [default: from the scenario]
    #[arg(long, value_name = "PRICE", allow_hyphen_values = true, value_parser = parse_price)]
    pub ram_price: Option<f64>,

    /// The unit the table shows latencies in (auto: ms when the timeout is under 1 s, µs under 1 ms); CSV and JSON stay in seconds
    #[arg(long, value_enum, default_value_t = UnitArg::Auto)]
    pub unit: UnitArg,

    #[command(flatten)]
    pub output: OutputArgs,

    #[command(flatten)]
    pub report: ReportArgs,
}

#[derive(Debug, Args)]
pub struct OptimizeArgs {
    #[command(flatten)]
    pub search: SearchArgs,

    /// How many of the next cheapest passing configurations to show
    #[arg(
        long,
        value_name = "N",
        default_value_t = 4,
        allow_negative_numbers = true
    )]
    pub show: usize,

    /// Only accept configurations whose every station keeps up with the rate for ever, tested
    /// long enough to show it (--clients defaults to a long test chosen from the capacities)
    #[arg(long)]
    pub sustained: bool,

    /// Stop the cheapest-first walk after this long (90s, 10m, 1h) and answer with the cheapest configuration found to meet, labelled "not proven cheapest" when cheaper ones were left untested; the walk's result then depends on the machine's speed
    #[arg(long, value_name = "DURATION", value_parser = parse_max_time)]
    pub max_time: Option<f64>,

    /// With --plot: also load-test the configurations the early stop skipped, so the plot
    /// shows the whole space (slower; the answer is the same)
    #[arg(long)]
    pub plot_all: bool,

    /// Test only shard K of N of the cost ranking (every N-th from the K-th), stopping at its (1 + --show)-th pass; auto: from SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX (see docs/scale-out.md)
    #[arg(long, value_name = "K/N|auto", value_parser = parse_shard)]
    pub shard: Option<ShardArg>,

    /// Values an autoscaled pool's policy tries: app.min=1..=2, app.max=6,8,10, app.target=0.5,0.6,0.7 [default: the scenario's min and max, targets 0.5 to 0.9] (repeatable)
    #[arg(long = "policy", value_name = "STATION.min|max|target=VALUES", value_parser = parse_policy)]
    pub policies: Vec<PolicyArg>,

    /// Find the cheapest schedule of the pools window by window over a staged or replayed load, the queue a window leaves carried into the next; then verify the whole load once (see docs/autoscaling.md)
    #[arg(long, value_name = "DURATION", value_parser = parse_window)]
    pub schedule_windows: Option<f64>,

    /// A pool's units over time during every load test of the search (with an autoscaled pool's --policy): app=0s:2,6h:5 (repeatable, one station each)
    #[arg(long = "schedule", value_name = "STATION=TIME:UNITS,...", value_parser = over_time::parse_schedule)]
    pub schedules: Vec<ScheduleArg>,
}

/// `--schedule-windows`: a duration above 0.
pub fn parse_window(text: &str) -> Result<f64, String> {
    let s = duration(text)?;
    if s > 0.0 && s.is_finite() {
        Ok(s)
    } else {
        Err(format!("a window lasts more than 0 s, got {}", text.trim()))
    }
}

#[derive(Debug, Args)]
pub struct SweepArgs {
    #[command(flatten)]
    pub search: SearchArgs,

    /// How many of the cheapest rows to print in the table
    #[arg(
        long,
        value_name = "N",
        default_value_t = 20,
        allow_negative_numbers = true
    )]
    pub show: usize,

    /// Test only shard K of N of the cost ranking (every N-th from the K-th) and write its rows to --csv FILE for `planner merge`; auto: from SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX (see docs/scale-out.md)
    #[arg(long, value_name = "K/N|auto", value_parser = parse_shard)]
    pub shard: Option<ShardArg>,

    /// With --shard: keep the rows already in --csv FILE (a killed shard's) and test only the rest
    #[arg(long)]
    pub resume: bool,
}

/// `planner merge`: shard outputs in, one result out.
#[derive(Debug, Args)]
pub struct MergeArgs {
    /// Every shard's output: sweep --shard CSV files, or optimize or compare --shard --format json documents
    #[arg(value_name = "FILES", required = true)]
    pub files: Vec<PathBuf>,

    /// The unit the merged table shows latencies in, as the shards' command took it (auto: ms when the timeout is under 1 s, µs under 1 ms)
    #[arg(long, value_enum, default_value_t = UnitArg::Auto)]
    pub unit: UnitArg,

    #[command(flatten)]
    pub output: OutputArgs,

    #[command(flatten)]
    pub report: ReportArgs,
}

pub fn parse_shard(text: &str) -> Result<ShardArg, String> {
    // clap names the flag and the value; say only what is accepted.
    ShardArg::parse(text)
        .map_err(|_| "expected K/N with 1 ≤ K ≤ N (3/8: shard 3 of 8), or auto".to_string())
}

/// The load test's shape, shared by every command.
#[derive(Debug, Args, Clone)]
pub struct LoadArgs {
    /// Number of clients [default: from the scenario]
    #[arg(long, value_name = "N", allow_negative_numbers = true, value_parser = clap::value_parser!(u32).range(1..=MAX_CLIENTS as i64))]
    pub clients: Option<u32>,

    /// Latency every client must stay strictly under, in seconds or with a unit (300ms) [default: from the scenario]
    #[arg(long, value_name = "SECONDS", allow_hyphen_values = true, value_parser = parse_seconds)]
    pub timeout: Option<Seconds>,

    /// The objective in words: "p99 < 300ms" is --timeout 300ms --min-satisfaction 99 (also p95, p99.9, max)
    #[arg(long, value_name = "\"pN < DURATION\"", conflicts_with = "timeout", value_parser = parse_slo)]
    pub slo: Option<Slo>,

    /// How clients arrive: on a fixed period (the tutorial's), or as a Poisson process [default: the scenario's `[load] arrivals`, else fixed]
    #[arg(long, value_enum)]
    pub arrivals: Option<ArrivalsArg>,

    /// A stage of the arrival rate, as k6's ramping-arrival-rate: the rate moves linearly from the previous target (the first from --rate, else 0) to TARGET clients/s over DURATION (10s:2, 5m:800); the stages decide how many clients come (repeatable)
    #[arg(long = "stage", value_name = "DURATION:TARGET", allow_hyphen_values = true, value_parser = parse_stage, conflicts_with_all = ["clients", "replay"])]
    pub stages: Vec<Stage>,

    /// Replay a trace: a CSV with a `time` column (seconds, or RFC 3339 timestamps; due times count from the first row) and an optional `class` column; one client per row
    #[arg(long, value_name = "FILE.csv", conflicts_with = "clients")]
    pub replay: Option<PathBuf>,

    /// With --replay: replay X times faster (2 doubles the traffic)
    #[arg(long, value_name = "X", requires = "replay", allow_hyphen_values = true, value_parser = parse_speed)]
    pub replay_speed: Option<f64>,

    /// Seed of every random draw (Poisson arrivals, random service times) [default: 1]
    #[arg(long, value_name = "S", allow_negative_numbers = true, value_parser = parse_seed)]
    pub seed: Option<u64>,

    /// Independent runs of a random load test; results are means with 95 % intervals [default: 20 when something is random]
    #[arg(long, value_name = "R", allow_negative_numbers = true, value_parser = clap::value_parser!(u32).range(1..=MAX_REPLICATIONS as i64))]
    pub replications: Option<u32>,

    /// The most replications a verdict too close to call may take: more are added, --replications at a time, until the 95 % interval decides it [default: 5 × --replications]
    #[arg(long, value_name = "R", allow_negative_numbers = true, value_parser = clap::value_parser!(u32).range(1..=MAX_REPLICATIONS as i64))]
    pub max_replications: Option<u32>,

    /// Leave the first K clients out of the statistics (they still load the stations)
    #[arg(
        long,
        value_name = "K",
        default_value_t = 0,
        allow_negative_numbers = true
    )]
    pub warmup: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ArrivalsArg {
    /// Client i due at (i − 1) × period
    Fixed,
    /// Exponential gaps of mean 1/rate
    Poisson,
}

#[derive(Debug, Args, Clone)]
pub struct RunArgs {
    /// Override one station's size, e.g. soda.units=2 or fries.batch=7 (repeatable)
    #[arg(long = "set", value_name = "STATION.PARAM=VALUE")]
    pub set: Vec<Setting>,

    #[command(flatten)]
    pub load: LoadArgs,

    /// Arrival rate in clients per second; with --stage, the start rate (may be 0) [default: from the scenario]
    #[arg(long, value_name = "R", allow_hyphen_values = true, value_parser = parse_start_rate, conflicts_with_all = ["period", "users"])]
    pub rate: Option<f64>,

    /// Seconds between two clients; 0 sends them all at once
    #[arg(long, value_name = "SECONDS", allow_hyphen_values = true, value_parser = parse_period, conflicts_with_all = ["stages", "replay", "users"])]
    pub period: Option<Period>,

    #[command(flatten)]
    pub output: OutputArgs,

    #[command(flatten)]
    pub report: ReportArgs,

    /// Print the event log (orders, services, batches) in time order: above the table on stdout, or on stderr when stdout carries JSON, CSV or SVG
    #[arg(long)]
    pub trace: bool,

    /// Which picture --plot draws [default: timeline up to 60 clients, dashboard above]
    #[arg(long, value_enum, value_name = "KIND")]
    pub plot_kind: Option<PlotKind>,

    /// Virtual time (exact, instant) or the real clock
    #[arg(long, value_enum, default_value_t = ClockArg::Virtual)]
    pub clock: ClockArg,

    /// The unit the table shows latencies in (auto: ms when the timeout is under 1 s, µs under 1 ms); CSV and JSON stay in seconds
    #[arg(long, value_enum, default_value_t = UnitArg::Auto)]
    pub unit: UnitArg,

    /// With --clock real: run X times faster than model time (latencies stay in model seconds)
    #[arg(long, value_name = "X", allow_hyphen_values = true, value_parser = parse_speed)]
    pub speed: Option<f64>,

    #[command(flatten)]
    pub client_args: ClientArgs,

    #[command(flatten)]
    pub over_time: OverTimeArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PlotKind {
    /// A row per client, a bar per station from order to done, waiting and serving shaded
    Timeline,
    /// Arrivals per second and latency p50/p99 over time, per time window; any number of clients
    Dashboard,
}

/// Where a command's result goes: stdout in one format, and files. Every command takes these,
/// and writes all of them together at the end, or none.
#[derive(Debug, Args, Clone)]
pub struct OutputArgs {
    /// Format of the result on stdout; `--csv -` or `--plot -` take stdout instead (then only
    /// table is accepted here)
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,

    /// Write the result's rows as CSV to FILE (`-` for stdout): one per client (run), per
    /// configuration tested (optimize, sweep), per strategy × rate (compare)
    #[arg(long, value_name = "FILE")]
    pub csv: Option<String>,

    /// Draw the result as SVG to FILE (`-` for stdout): the clients' timeline (run), cost
    /// against satisfaction with the Pareto frontier (optimize, sweep), satisfaction against
    /// rate per strategy (compare)
    #[arg(long, value_name = "FILE.svg")]
    pub plot: Option<String>,
}

/// `--report FILE.html`: the whole study as one page, for the commands that study a
/// configuration or a space (not `fit`).
#[derive(Debug, Args, Clone, Default)]
pub struct ReportArgs {
    /// Write the whole study as one self-contained HTML page to FILE (`-` for stdout): the
    /// question, the answer and its verdicts, where the time goes, the space, how to reproduce
    /// it; it opens offline in any browser
    #[arg(long, value_name = "FILE.html")]
    pub report: Option<String>,

    /// The command line as typed, which the page shows: set at the edge, not a flag.
    #[arg(skip)]
    pub command_line: Vec<String>,
}

impl Command {
    /// Hands the command line as typed to the command whose page may show it.
    pub fn set_command_line(&mut self, line: Vec<String>) {
        let report = match self {
            Command::Run(a) => &mut a.report,
            Command::Optimize(a) => &mut a.search.report,
            Command::Sweep(a) => &mut a.search.report,
            Command::Compare(a) => &mut a.report,
            Command::Merge(a) => &mut a.report,
            Command::Fit(_) | Command::Man | Command::Completions(_) | Command::Schema(_) => return,
        };
        report.command_line = line;
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum UnitArg {
    Auto,
    S,
    Ms,
    Us,
}

impl UnitArg {
    /// The unit itself; `auto` reads the shortest timeout in play (with request classes,
    /// their own objectives', never the load's unused default), the same rule for every
    /// command.
    pub fn resolve(
        self,
        scenario: &crate::model::scenario::Scenario,
        load: &crate::workload::LoadTest,
    ) -> TimeUnit {
        match self {
            UnitArg::Auto => TimeUnit::auto(crate::workload::shortest_timeout(scenario, load)),
            UnitArg::S => TimeUnit::S,
            UnitArg::Ms => TimeUnit::Ms,
            UnitArg::Us => TimeUnit::Us,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ClockArg {
    /// The engine's own virtual clock: deterministic and instant
    Virtual,
    /// Tokio's real clock (see --speed)
    Real,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workload::random::DEFAULT_SEED;
    use clap::CommandFactory;

    #[test]
    fn verify_cli() {
        Cli::command().debug_assert();
    }

    #[test]
    fn value_parsers_refuse_nonsense() {
        for bad in ["0", "-1", "NaN", "nan", "inf", "abc", ""] {
            assert!(parse_rate(bad).is_err(), "{bad}");
            assert!(parse_seconds(bad).is_err(), "{bad}");
        }
        assert!(parse_period("0").is_ok());
        assert!(parse_period("-0.5").is_err());
        assert!(parse_speed("0").is_err());
        assert_eq!(parse_seed("18446744073709551615"), Ok(u64::MAX));
        assert!(parse_seed("-1").unwrap_err().contains("from 0 to"));
        assert!(parse_max_configs("0").unwrap_err().contains("at least 1"));
    }

    #[test]
    fn seed_help_states_the_default_seed() {
        let help = Cli::command()
            .find_subcommand_mut("run")
            .unwrap()
            .render_help()
            .to_string();
        assert!(
            help.contains(&format!("[default: {DEFAULT_SEED}]")),
            "{help}"
        );
    }
}
