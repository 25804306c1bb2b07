//! The command line's part of units over time: `--schedule` applied to the scenario, the
//! flags that cannot mean anything for a pool whose units change, and `optimize` over
//! autoscaling policies.

use anyhow::{bail, Result};

use super::Verdict;
use crate::cli::args::{
    CompareArgs, OptimizeArgs, PolicyArg, PolicyValues, ReportArgs, ScheduleArg, UnitArg,
};
use crate::cli::progress::Progress;
use crate::model::config::Setting;
use crate::model::scaling::{Scaling, MAX_UNITS};
use crate::model::scenario::{schedule_of, Scenario};
use crate::model::units::number;
use crate::report::output::Inputs;
use crate::report::policy::PolicyReport;
use crate::search::policy::PolicyAxis;
use crate::search::Target;

/// The scenario with each `--schedule` applied (`None`: none given).
pub(crate) fn with_schedules(
    scenario: &Scenario,
    schedules: &[ScheduleArg],
) -> Result<Option<Scenario>> {
    if schedules.is_empty() {
        return Ok(None);
    }
    let mut out = scenario.clone();
    for (i, s) in schedules.iter().enumerate() {
        if schedules[..i].iter().any(|o| o.station == s.station) {
            bail!(
                "--schedule: station `{}` is given twice: give one schedule per station",
                s.station
            );
        }
        let scaling = schedule_of(&s.entries, scenario.resolution())
            .map_err(|m| anyhow::anyhow!("--schedule {}: {m}", s.station))?;
        out = out
            .with_scaling(&s.station, scaling)
            .map_err(|m| anyhow::anyhow!("--schedule: {m}"))?;
    }
    Ok(Some(out))
}

/// Refuses `--set` on a pool whose units follow a schedule or an autoscaler: its units are
/// theirs.
pub(crate) fn check_settings(scenario: &Scenario, settings: &[Setting]) -> Result<()> {
    for s in settings {
        if let Some(st) = scenario
            .stations()
            .iter()
            .find(|st| st.name() == s.station && st.scaling().is_some())
        {
            bail!(
                "--set {}.{}: station `{}` takes its units from its schedule or autoscaler; change those instead",
                s.station,
                s.param,
                st.name()
            );
        }
    }
    Ok(())
}

/// `optimize` on a scenario whose pools autoscale: every combination of their policies'
/// `--policy` values (by default each pool's own min and max, targets 0.5 to 0.9)
/// load-tested over the whole load, the cheapest that meets every objective the answer.
pub(crate) fn optimize_policies(
    scenario: &Scenario,
    args: &OptimizeArgs,
    quiet: bool,
    inputs: &mut Inputs,
) -> Result<Verdict> {
    if args.shard.is_some() || args.sustained || args.plot_all {
        bail!("optimize over autoscaling policies runs in one process, on the load as given: drop --shard, --sustained and --plot-all");
    }
    no_page(&args.search.report, "optimize over autoscaling policies")?;
    if !args.search.ranges.is_empty() {
        bail!("--range: optimize over autoscaling policies keeps the other stations at their units; search a pool's policy with --policy STATION.min|max|target=VALUES");
    }
    let axes = axes_of(scenario, &args.policies)?;
    let count = crate::search::policy::combinations(&axes).len() as u64;
    if count == 0 {
        bail!("--policy: every max tried is below every min tried: no policy to test");
    }
    if count > args.search.max_configs {
        bail!(
            "{count} policy combinations exceed --max-configs {}: try fewer --policy values",
            args.search.max_configs
        );
    }
    let plan = super::study::plan_search(scenario, &args.search, false, false, inputs)?;
    if plan.study.target.clients.is_some() {
        bail!("optimize over autoscaling policies load-tests clients who wait: drop the client rules (patience, retries, users)");
    }
    let outputs = super::open_outputs(inputs, &args.search.output, None)?;
    let bar = Progress::new(count, "load-testing policies", quiet);
    let found =
        crate::search::policy::search(scenario, &axes, &plan.study.target, &|n| bar.inc(n))?;
    bar.finish();
    let load = &plan.study.target.load;
    let report = PolicyReport {
        scenario,
        search: &found,
        objective: objective_words(scenario, &plan.study.target, args.search.unit),
        load: crate::report::format::describe_load(load),
    };
    outputs.emit(&report)?;
    Ok(if found.answer.is_some() {
        Verdict::Met
    } else {
        Verdict::Unmet
    })
}

/// The targets a policy tries when `--policy` names none.
const DEFAULT_TARGETS: [f64; 5] = [0.5, 0.6, 0.7, 0.8, 0.9];

/// Each autoscaled pool's axis: its own min and max, the default targets, replaced by
/// the `--policy` values given for it.
fn axes_of(scenario: &Scenario, policies: &[PolicyArg]) -> Result<Vec<PolicyAxis>> {
    let mut axes: Vec<PolicyAxis> = scenario
        .stations()
        .iter()
        .filter_map(|s| match s.scaling() {
            Some(Scaling::Autoscale(hpa)) => Some(PolicyAxis {
                station: s.name().to_string(),
                mins: vec![hpa.min],
                maxs: vec![hpa.max],
                targets: DEFAULT_TARGETS.to_vec(),
            }),
            _ => None,
        })
        .collect();
    for p in policies {
        let Some(axis) = axes.iter_mut().find(|a| a.station == p.station) else {
            bail!(
                "--policy {}: no pool `{}` has an autoscaler in this scenario",
                p.station,
                p.station
            );
        };
        match &p.values {
            PolicyValues::Min(v) => axis.mins = v.clone(),
            PolicyValues::Max(v) => axis.maxs = v.clone(),
            PolicyValues::Target(v) => axis.targets = v.clone(),
        }
        if axis.mins.iter().chain(&axis.maxs).any(|&v| v > MAX_UNITS) {
            bail!("--policy {}: units must be at most {MAX_UNITS}", p.station);
        }
    }
    Ok(axes)
}

/// Whether some pool of the scenario autoscales: then `optimize` searches policies.
pub(crate) fn autoscales(scenario: &Scenario) -> bool {
    scenario
        .stations()
        .iter()
        .any(|s| matches!(s.scaling(), Some(Scaling::Autoscale(_))))
}

/// `optimize --schedule-windows DURATION`: the pools' cheapest schedule, window by window.
pub(crate) fn optimize_windows(
    scenario: &Scenario,
    args: &OptimizeArgs,
    window_s: f64,
    quiet: bool,
    inputs: &mut Inputs,
) -> Result<Verdict> {
    if args.shard.is_some() || args.sustained || args.plot_all || !args.policies.is_empty() {
        bail!("--schedule-windows searches one process's schedule: drop --shard, --sustained, --plot-all and --policy");
    }
    no_page(&args.search.report, "--schedule-windows")?;
    let plan = super::study::plan_search(scenario, &args.search, false, false, inputs)?;
    if plan.study.target.clients.is_some() {
        bail!("--schedule-windows load-tests clients who wait: drop the client rules (patience, retries, users)");
    }
    let Some(span) = plan.study.target.load.arrivals.span() else {
        bail!("--schedule-windows cuts a staged or replayed load into windows: give --stage or --replay (or the scenario's stages{})", replaced_words(scenario));
    };
    let windows = (span / window_s).ceil();
    if windows > MAX_WINDOWS as f64 {
        bail!(
            "--schedule-windows {}: the load's {} s make {} windows, more than {MAX_WINDOWS}: give longer windows",
            number(window_s),
            number(span),
            number(windows)
        );
    }
    if let Some(why) = crate::search::schedule::refusal(scenario, &plan.ranking) {
        bail!("--schedule-windows: {why}");
    }
    let outputs = super::open_outputs(inputs, &args.search.output, None)?;
    let bar = Progress::spinner("load-testing windows", quiet);
    let found = crate::search::schedule::search(
        scenario,
        &plan.study.target,
        &plan.ranking,
        window_s,
        &|_| {},
    )?;
    bar.finish();
    let met = found.verified.summary.meets_target;
    outputs.emit(&crate::report::windows::WindowsReport {
        scenario,
        found: &found,
        load: crate::report::format::describe_load(&plan.study.target.load),
    })?;
    Ok(if met { Verdict::Met } else { Verdict::Unmet })
}

/// Why the scenario's stages are not the load when it has some: a rate or a client count
/// on the command line replaced them.
fn replaced_words(scenario: &Scenario) -> &'static str {
    if scenario.load_defaults().stages.is_some() {
        ", which --target-rate and --clients replace by a constant rate"
    } else {
        ""
    }
}

/// Refuses `--report` where the search over time has no page: it is written nowhere else,
/// and a flag that does nothing would look as if it had.
fn no_page(report: &ReportArgs, what: &str) -> Result<()> {
    if report.report.is_some() {
        bail!("--report: {what} has no HTML page yet: read its table, or its --format json");
    }
    Ok(())
}

/// The most windows a schedule is searched in.
const MAX_WINDOWS: usize = 1000;

/// "99% of latencies under 0.4 s", or each class's objective.
fn objective_words(scenario: &Scenario, target: &Target, unit: UnitArg) -> String {
    let load = &target.load;
    if scenario.requests().is_empty() {
        format!(
            "{}% of latencies under {} s",
            number(target.share.percent()),
            number(load.timeout.get())
        )
    } else {
        crate::report::classes::objectives_text(
            scenario,
            load,
            target.share,
            unit.resolve(scenario, load),
        )
    }
}

/// `compare` on a scenario whose pools autoscale: static for the peak, the best schedule
/// (`--schedule-windows`, by default a 24th of the load) and the best autoscaler, side by
/// side.
pub(crate) fn compare_over_time(
    scenario: &Scenario,
    args: &CompareArgs,
    quiet: bool,
    inputs: &mut Inputs,
) -> Result<Verdict> {
    if !args.strategies.is_empty() || args.only || args.rates.is_some() || args.shard.is_some() {
        bail!("compare over time sets static for the peak, the best schedule and the best autoscaler side by side on the scenario's load: drop --strategy, --only, --rates and --shard");
    }
    no_page(&args.report, "compare over time")?;
    let rate = args.target_rate.unwrap_or(scenario.load_defaults().rate);
    let clients = args
        .load
        .clients
        .unwrap_or(scenario.load_defaults().clients);
    let target = super::build_target(
        scenario,
        &args.load,
        args.min_satisfaction,
        rate,
        args.target_rate.map(|_| "--target-rate"),
        clients,
        inputs,
    )?;
    let Some(span) = target.load.arrivals.span() else {
        bail!("compare over time needs a staged or replayed load (--stage, --replay or the scenario's stages{})", replaced_words(scenario));
    };
    let window = args.schedule_windows.unwrap_or(span / 24.0).max(1.0);
    if span / window > MAX_WINDOWS as f64 {
        bail!(
            "--schedule-windows {}: more than {MAX_WINDOWS} windows: give longer windows",
            number(window)
        );
    }
    let axes = axes_of(scenario, &[])?;
    let outputs = super::open_outputs(inputs, &args.output, None)?;
    let bar = Progress::spinner("load-testing static, schedule and autoscaler", quiet);
    let contenders = crate::search::over_time::compare(scenario, &axes, &target, window)?;
    bar.finish();
    outputs.emit(&crate::report::over_time::OverTimeComparison {
        scenario,
        load: crate::report::format::describe_load(&target.load),
        objective: objective_words(scenario, &target, args.unit),
        contenders: &contenders,
    })?;
    Ok(Verdict::Met)
}

/// Refuses a search that prices configurations as fixed for the month on a scenario whose
/// pools follow a schedule: their cost is their unit-hours, which only a run knows.
pub(crate) fn refuse_static_pricing(scenario: &Scenario, command: &str) -> Result<()> {
    if let Some(s) = scenario.stations().iter().find(|s| s.scaling().is_some()) {
        bail!(
            "station `{}` follows a schedule, and {command} prices each configuration as fixed for the month: price the schedule with `run` (units over the run and their cost), or give a pool an autoscaler to search its policy",
            s.name()
        );
    }
    Ok(())
}
