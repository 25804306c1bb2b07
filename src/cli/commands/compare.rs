//! `planner compare`: named strategies side by side across arrival rates.

use anyhow::{bail, Result};

use super::study::{compare_target, strategies_of};
use super::{open_outputs, Verdict};
use crate::cli::args::CompareArgs;
use crate::cli::progress::Progress;
use crate::loadtest;
use crate::model::config::Config;
use crate::model::scenario::{Prices, Scenario};
use crate::model::units::Rate;
use crate::report;
use crate::report::compare::CompareContext;
use crate::report::output::{write_stdout, Inputs};
use crate::report::Format;
use crate::search::compare::{self, Contender, Plan, Rates, Strategy, CHEAPEST_PLAN};
use crate::search::memory;
use crate::search::Target;
use crate::search::{self, Space};
use crate::workload::LoadTest;

pub(crate) fn compare(
    scenario: &Scenario,
    args: CompareArgs,
    quiet: bool,
    inputs: &mut Inputs,
) -> Result<Verdict> {
    if super::over_time::autoscales(scenario) {
        return super::over_time::compare_over_time(scenario, &args, quiet, inputs);
    }
    super::over_time::refuse_static_pricing(scenario, "compare")?;
    if args.schedule_windows.is_some() {
        bail!("--schedule-windows: compare over time sets a static plan, a schedule and an autoscaler side by side, and no pool of this scenario autoscales");
    }
    let shard = args.shard.map(|s| s.resolve()).transpose()?;
    let out = &args.output;
    let files = out.csv.is_some() || out.plot.is_some() || args.report.report.is_some();
    if shard.is_some() && (out.format != Format::Json || files) {
        bail!("--shard: a compare shard prints its cells with --format json (no --csv, --plot or --report), for `planner merge`; render the merge instead");
    }
    let strategies = strategies_of(scenario, &args)?;
    // Compare's cells are load tests of clients who wait at each rate: a scenario's users or
    // patience are not applied there, and it says so rather than let the cells look as if.
    if super::clients::any_patience(scenario, None) || scenario.load_defaults().closed.is_some() {
        eprintln!("note: compare load-tests clients who wait at each rate: the scenario's users and patience are not applied (optimize and sweep apply them)");
    }
    let prices = scenario.prices().clone();
    let (target, target_rate) = compare_target(scenario, &args, inputs)?;
    let outputs = open_outputs(inputs, &args.output, Some(&args.report))?;
    let rates = args.rates.unwrap_or_else(|| Rates::around(target_rate));
    let contenders = contenders_of(scenario, &strategies, &target, target_rate, &prices)?;
    let fastest = *rates.as_slice().last().expect("at least one rate");
    let weakest = memory::weakest(scenario, contenders.iter().map(|c| &c.config));
    let total = (contenders.len() * rates.as_slice().len()) as u64;
    // Each cell sums where its late clients queued (what the table names).
    let cells = LoadTest {
        late_waits: true,
        ..target.at(fastest).load
    };
    memory::check_search(scenario, &cells, weakest, total)?;
    if let Some(shard) = shard {
        let doc =
            super::merge::compare_shard(scenario, &target, &contenders, &rates, shard, inputs)?;
        write_stdout(&doc).map_err(super::Failure::Stdout)?;
        return Ok(Verdict::Met);
    }
    let bar = Progress::new(total, "load-testing", quiet);
    let comparison = compare::compare(scenario, contenders, rates, &target, &|n| bar.inc(n))?;
    bar.finish();
    outputs.emit(&CompareContext {
        scenario,
        prices: &prices,
        target: &target,
        comparison: &comparison,
        target_rate: Some(target_rate.get()),
        unit: args.unit.resolve(scenario, &target.load),
    })?;
    Ok(Verdict::Met)
}

/// Each strategy's configuration: its own, or the cheapest that meets the target at the
/// target rate (`optimize`). A strategy whose cheapest does not exist is left out, with a
/// note, unless nothing is left to compare.
fn contenders_of(
    scenario: &Scenario,
    strategies: &[Strategy],
    target: &Target,
    target_rate: Rate,
    prices: &Prices,
) -> Result<Vec<Contender>> {
    let mut contenders = Vec::new();
    // Said only if something is left to compare; otherwise the refusal says it.
    let mut left_out: Vec<String> = Vec::new();
    for s in strategies {
        let config = match &s.plan {
            Plan::Fixed(config) => config.clone(),
            Plan::Cheapest => match cheapest(scenario, &s.name, target, target_rate, prices)? {
                Some(config) => config,
                None => {
                    left_out.push(s.name.clone());
                    continue;
                }
            },
        };
        contenders.push(Contender::new(&s.name, config, scenario, prices));
    }
    if !left_out.is_empty() {
        let why = format!(
            "no configuration in the scenario's space meets {} clients/s",
            report::format::trim_float(target_rate.get())
        );
        let names = left_out
            .iter()
            .map(|n| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(", ");
        let (noun, verb) = if left_out.len() == 1 {
            ("strategy", "is")
        } else {
            ("strategies", "are")
        };
        if contenders.is_empty() {
            bail!("no strategy left to compare: {noun} {names} (`{CHEAPEST_PLAN}`) {verb} left out because {why}");
        }
        eprintln!("note: {noun} {names} left out: {why}");
    }
    Ok(contenders)
}

/// The `optimize` strategy's configuration: the search `optimize` runs, at the target rate.
fn cheapest(
    scenario: &Scenario,
    name: &str,
    target: &Target,
    target_rate: Rate,
    prices: &Prices,
) -> Result<Option<Config>> {
    let space = Space::new(scenario, &[]);
    if let Some(warning) = scenario.baseline_left_out(space.levers()) {
        eprintln!("warning: strategy `{name}`: {warning}");
    }
    let configurations = space.check_size(scenario, search::DEFAULT_MAX_CONFIGS)?;
    memory::check_configurations(scenario, configurations, memory::SearchOutputs::default())?;
    let ranking = search::rank(&space, scenario, prices);
    let at = target.at(target_rate);
    loadtest::check(scenario, &at.load)?;
    let weakest = memory::weakest(scenario, ranking.iter().map(|c| &c.config));
    memory::check_search(scenario, &at.load, weakest, ranking.len() as u64)?;
    let study = search::Study {
        model: scenario,
        prices: prices.clone(),
        target: at,
        space,
        sustained: false,
    };
    let found = search::optimize(
        &study,
        ranking.iter().cloned(),
        ranking.len(),
        0,
        search::Budget::default(),
        None,
        &|_| {},
    )?;
    Ok(found
        .answer
        .map(|i| found.evaluated[i].candidate.config.clone()))
}
