//! `planner optimize` and `planner sweep`: the search space, load-tested.

use anyhow::{bail, Result};

use super::study::{plan_search, profile_for_page, SearchPlan};
use super::{open_outputs, Verdict};
use crate::cli::args::{OptimizeArgs, SweepArgs};
use crate::cli::progress::{Progress, WalkMeter};
use crate::model::capacity;
use crate::model::scenario::Scenario;
use crate::report::output::{write_stdout, Inputs};
use crate::report::search::{OptimizeReport, SearchContext, SweepReport, Unreachable};
use crate::report::Format;
use crate::search::pareto::Figures;
use crate::search::{self, Candidate, Frontier};

/// A shard's document stores plain summaries, which `merge` would judge as such: clients
/// with rules are searched in one process, not sharded.
fn refuse_sharding_client_rules(plan: &SearchPlan, sharded: bool) -> Result<()> {
    if sharded && plan.study.target.clients.is_some() {
        bail!("--shard splits a search of clients who wait; with clients who think, give up or retry (--users, --patience, --retries, or the scenario's users or patience), search in one process");
    }
    Ok(())
}

pub(crate) fn optimize(
    scenario: &Scenario,
    args: OptimizeArgs,
    quiet: bool,
    inputs: &mut Inputs,
) -> Result<Verdict> {
    let scheduled = super::over_time::with_schedules(scenario, &args.schedules)?;
    let scenario = scheduled.as_ref().unwrap_or(scenario);
    if let Some(window) = args.schedule_windows {
        return super::over_time::optimize_windows(scenario, &args, window, quiet, inputs);
    }
    if super::over_time::autoscales(scenario) {
        return super::over_time::optimize_policies(scenario, &args, quiet, inputs);
    }
    if !args.policies.is_empty() {
        bail!("--policy searches an autoscaler's policy, and no pool of this scenario has one: give a pool `autoscale = {{ min = 1, max = 10 }}`");
    }
    super::over_time::refuse_static_pricing(scenario, "optimize")?;
    let pictured = args.search.output.plot.is_some() || args.search.report.report.is_some();
    if args.plot_all && !pictured {
        bail!("--plot-all load-tests the whole space for the plot: it needs --plot FILE.svg or --report FILE.html");
    }
    let shard = args.shard.map(|s| s.resolve()).transpose()?;
    if shard.is_some() && args.plot_all {
        bail!("--plot-all with --shard: a shard tests only its part; plot the merge instead");
    }
    let out = &args.search.output;
    let files = out.csv.is_some() || out.plot.is_some() || args.search.report.report.is_some();
    if shard.is_some() && (out.format != Format::Json || files) {
        bail!("--shard: an optimize shard prints its part with --format json (no --csv, --plot or --report), for `planner merge`; a part has no answer of its own: render the merge instead");
    }
    // A plain optimize walks the ranking lazily; a shard needs its part of the ranking, and
    // --plot-all the whole of it.
    let lazy = shard.is_none() && !args.plot_all;
    let plan = plan_search(scenario, &args.search, args.sustained, lazy, inputs)?;
    refuse_sharding_client_rules(&plan, shard.is_some())?;
    if args.sustained {
        let rate = plan.study.target.load.rate().unwrap_or(f64::INFINITY);
        let missing = capacity::unreachable(scenario, &plan.study.space.maxima(), rate);
        if !missing.is_empty() {
            let outputs = open_outputs(inputs, &args.search.output, Some(&args.search.report))?;
            outputs.emit(&Unreachable {
                study: &plan.study,
                rate,
                missing,
                random: plan.study.target.is_random(scenario),
            })?;
            return Ok(Verdict::Unmet);
        }
    }
    if args.max_time.is_some() && !lazy {
        bail!("--max-time stops a plain optimize's walk; a --shard or --plot-all tests its whole part");
    }
    let outputs = open_outputs(inputs, &args.search.output, Some(&args.search.report))?;
    let skipped = plan.study.space.size() - plan.walk.as_ref().map_or(0, |w| w.size());
    let meter = WalkMeter::new(
        skipped,
        quiet,
        Box::new(move |e| {
            format!(
                "{} at {}",
                e.candidate.config.describe(scenario),
                crate::report::format::trim_float(crate::model::cost::tidy(e.candidate.cost.price))
            )
        }),
    );
    let budget = search::Budget {
        configs: lazy.then_some(args.search.max_configs),
        skip_out_of_reach: lazy,
        // A failing configuration's figures are shown only in files (the CSV, the plot, the
        // page's cheaper misses), or as a closest miss, which the search completes.
        stop_early: lazy && !files,
        // The walk stops at 85 % of the limit, leaving the rest to the climb and the
        // verification that follow it.
        deadline: args.max_time.map(|secs| {
            (
                std::time::Instant::now() + std::time::Duration::from_secs_f64(0.85 * secs),
                secs,
            )
        }),
    };
    let result = match (shard, &plan.walk) {
        (Some(s), _) => {
            let part: Vec<Candidate> = s
                .ranks(plan.ranking.len())
                .map(|r| plan.ranking[r].clone())
                .collect();
            let n = part.len();
            search::optimize(
                &plan.study,
                part,
                n,
                args.show,
                search::Budget::default(),
                None,
                &meter,
            )?
        }
        (None, Some(walk)) if lazy => search::optimize(
            &plan.study,
            Frontier::new(walk, scenario, &plan.study.prices),
            plan.candidates(),
            args.show,
            budget,
            Some(walk),
            &meter,
        )?,
        (None, _) => {
            let n = plan.ranking.len();
            search::optimize(
                &plan.study,
                plan.ranking.iter().cloned(),
                n,
                args.show,
                budget,
                None,
                &meter,
            )?
        }
    };
    meter.finish();
    // A shard's part is verified by the merge, on the whole result.
    let result = match shard {
        None => search::verify(&plan.study, result)?,
        Some(_) => result,
    };
    let doc = match shard {
        Some(s) => Some(super::merge::shard_doc(
            scenario,
            &plan,
            args.sustained,
            s,
            args.show,
            &result,
            inputs,
        )?),
        None => None,
    };
    // The picture shows what was tested; with --plot-all, test what the early stop skipped too,
    // for the picture only.
    let everything = match pictured {
        true if args.plot_all => {
            let rest = &plan.ranking[result.evaluated.len()..];
            let bar = Progress::new(rest.len() as u64, "load-testing for the plot", quiet);
            let mut all = result.evaluated.clone();
            all.extend(search::evaluate(
                scenario,
                &plan.study.target,
                rest,
                &|n| bar.inc(n),
            )?);
            bar.finish();
            Some(all)
        }
        _ => None,
    };
    let ctx = SearchContext {
        study: &plan.study,
        unit: args.search.unit.resolve(scenario, &plan.study.target.load),
    };
    let found = result.answer.is_some();
    if let Some(doc) = doc {
        // A shard prints its document, which `planner merge` reads, and nothing else.
        write_stdout(&doc).map_err(super::Failure::Stdout)?;
        return Ok(Verdict::Met);
    }
    let answer = result.answer.map(|i| &result.evaluated[i].candidate.config);
    let profile = profile_for_page(scenario, &plan.study.target, answer, &outputs)?;
    let plotted = everything.as_deref().unwrap_or(&result.evaluated);
    outputs.emit(&OptimizeReport {
        profile: profile.as_ref(),
        ctx,
        plotted,
        pictured: &Figures::of(plotted),
        result: &result,
        plot_all: everything.is_some(),
    })?;
    Ok(if found { Verdict::Met } else { Verdict::Unmet })
}

pub(crate) fn sweep(
    scenario: &Scenario,
    args: SweepArgs,
    quiet: bool,
    inputs: &mut Inputs,
) -> Result<Verdict> {
    super::over_time::refuse_static_pricing(scenario, "sweep")?;
    let shard = args.shard.map(|s| s.resolve()).transpose()?;
    if args.resume && shard.is_none() {
        bail!("--resume continues a sweep shard's --csv FILE: it needs --shard K/N (1/1 for the whole sweep)");
    }
    let plan = plan_search(scenario, &args.search, false, false, inputs)?;
    refuse_sharding_client_rules(&plan, shard.is_some())?;
    if let Some(shard) = shard {
        return super::merge::sweep_shard(scenario, &args, &plan, shard, quiet, inputs);
    }
    let outputs = open_outputs(inputs, &args.search.output, Some(&args.search.report))?;
    let bar = Progress::new(plan.ranking.len() as u64, "load-testing", quiet);
    let all = search::evaluate(scenario, &plan.study.target, &plan.ranking, &|n| bar.inc(n))?;
    bar.finish();
    let ctx = SearchContext {
        study: &plan.study,
        unit: args.search.unit.resolve(scenario, &plan.study.target.load),
    };
    // With the table in a file (not on stdout), stdout says what the file holds instead.
    let csv_file = args.search.output.csv.as_deref().filter(|f| *f != "-");
    let figures = Figures::of(&all);
    let cheapest = figures.cheapest.map(|c| &all[c].candidate.config);
    let profile = profile_for_page(scenario, &plan.study.target, cheapest, &outputs)?;
    outputs.emit(&SweepReport {
        profile: profile.as_ref(),
        ctx,
        all: &all,
        figures: &figures,
        show: args.show,
        csv_file,
    })?;
    Ok(Verdict::Met)
}
