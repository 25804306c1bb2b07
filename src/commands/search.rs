//! `planner optimize` and `planner sweep`: the search space, load-tested.

use anyhow::{bail, Result};

use super::{build_target, open_outputs, Verdict};
use crate::behaving::Clients;
use crate::capacity::{self, Capacity};
use crate::cli::{LoadArgs, OptimizeArgs, RangeArg, SearchArgs, SweepArgs};
use crate::load::Arrivals;
use crate::memory;
use crate::progress::Progress;
use crate::report::search::{OptimizeReport, SearchContext, SweepReport, Unreachable};
use crate::report::{Format, Report};
use crate::scenario::{Prices, Scenario};
use crate::search::{self, Candidate, Space, Target};
use crate::units::Period;

/// Everything a search needs, resolved against the scenario.
pub(crate) struct SearchPlan {
    pub(crate) prices: Prices,
    pub(crate) target: Target,
    pub(crate) space: Space,
    pub(crate) ranking: Vec<Candidate>,
}

pub(crate) fn plan_search(
    scenario: &Scenario,
    args: &SearchArgs,
    sustained: bool,
) -> Result<SearchPlan> {
    if args.load.replay.is_some() && args.target_rate.is_some() {
        bail!("--target-rate (--rate) cannot be used with --replay: the trace decides when each client comes (--replay-speed scales its times)");
    }
    let overrides = RangeArg::resolve_all(&args.ranges, scenario.stations())?;
    let space = Space::new(scenario, &overrides);
    if let Some(warning) = scenario.baseline_left_out(space.levers()) {
        eprintln!("warning: {warning}");
    }
    let configurations = space.check_size(scenario, args.max_configs)?;
    let prices = Prices {
        cpu: args.cpu_price.unwrap_or(scenario.prices().cpu),
        ram: args.ram_price.unwrap_or(scenario.prices().ram),
        currency: scenario.prices().currency.clone(),
    };
    space.check_prices(scenario, &prices)?;
    // Before ranking: the ranking itself holds every configuration.
    let output = &args.output;
    memory::check_configurations(
        scenario,
        configurations,
        memory::SearchOutputs {
            csv: output.csv.is_some(),
            json: output.format == Format::Json,
            plot: output.plot.is_some(),
        },
    )?;
    let rate = args.target_rate.unwrap_or(scenario.load_defaults().rate);
    let clients = match (args.load.clients, sustained) {
        (Some(n), _) => n,
        (None, false) => scenario.load_defaults().clients,
        (None, true) => {
            capacity::sustained_clients(scenario, rate.get(), scenario.load_defaults().clients)
        }
    };
    let open = args.target_rate.is_some() || super::clients::open_loop_asked(&args.load);
    let behave = super::clients::with_scenario_loop(scenario, &args.behave, open);
    let behaving = super::clients::of_flags(scenario, &behave, &args.load)?;
    if behaving.is_some() && sustained {
        bail!("--sustained holds a rate for ever with clients who wait; it does not combine with clients who think, give up or retry (--users, --patience, --retries, or the scenario's users or patience)");
    }
    // A closed loop with random think or service times uses the seed and the replications,
    // which the plain load test (fixed arrivals) would otherwise call unused.
    // Jittered retries draw too: the seed and the replications then matter.
    let jittered = matches!(behaving, Some(Clients::Patient(p)) if p.jitter);
    let closed_random =
        matches!(behaving, Some(Clients::Closed(u)) if u.is_random(scenario)) || jittered;
    let closed = matches!(behaving, Some(Clients::Closed(_)));
    let load_args = LoadArgs {
        seed: args.load.seed.filter(|_| !closed_random),
        replications: args.load.replications.filter(|_| !closed_random),
        // A closed loop's requests are counted once it has run, not from --clients.
        warmup: if closed { 0 } else { args.load.warmup },
        ..args.load.clone()
    };
    // A load test that cannot run fails here once, not once per configuration.
    let mut target = build_target(scenario, &load_args, args.min_satisfaction, rate, clients)?;
    target.behaving = behaving;
    if let Some(Clients::Closed(users)) = behaving {
        // A closed loop has no arrival rate, its load follows the service: no rate to check
        // capacities against. Its population is what the report counts as its clients.
        target.load.arrivals = Arrivals::Fixed(Period::new(0.0).map_err(anyhow::Error::msg)?);
        target.load.clients = users.users;
        target.load.replications = users.replications;
        target.load.warmup = args.load.warmup;
        if let Some(seed) = args.load.seed {
            target.load.seed = seed;
        }
    }
    if jittered {
        if let Some(seed) = args.load.seed {
            target.load.seed = seed;
        }
        target.load.replications = args
            .load
            .replications
            .unwrap_or(super::DEFAULT_REPLICATIONS);
    }
    let mut ranking = search::rank(&space, scenario, &prices);
    if sustained {
        ranking.retain(|c| Capacity::of(scenario, &c.config).sustains(rate.get()));
    }
    let weakest = memory::weakest(scenario, ranking.iter().map(|c| &c.config));
    memory::check_search(scenario, &target.load, weakest, ranking.len() as u64)?;
    Ok(SearchPlan {
        prices,
        target,
        space,
        ranking,
    })
}

/// A shard's document stores plain summaries, which `merge` would judge as such: clients
/// that behave are searched in one process, not sharded.
fn refuse_shard_behaving(plan: &SearchPlan, sharded: bool) -> Result<()> {
    if sharded && plan.target.behaving.is_some() {
        bail!("--shard splits a search of clients who wait; with clients who think, give up or retry (--users, --patience, --retries, or the scenario's users or patience), search in one process");
    }
    Ok(())
}

pub(crate) fn optimize(scenario: &Scenario, args: OptimizeArgs, quiet: bool) -> Result<Verdict> {
    if args.plot_all && args.search.output.plot.is_none() {
        bail!("--plot-all load-tests the whole space for the plot: it needs --plot FILE.svg");
    }
    let shard = args.shard.map(|s| s.resolve()).transpose()?;
    if shard.is_some() && args.plot_all {
        bail!("--plot-all with --shard: a shard tests only its part; plot the merge instead");
    }
    let plan = plan_search(scenario, &args.search, args.sustained)?;
    refuse_shard_behaving(&plan, shard.is_some())?;
    if args.sustained {
        let rate = plan.target.load.rate().unwrap_or(f64::INFINITY);
        let missing = capacity::unreachable(scenario, &plan.space.maxima(), rate);
        if !missing.is_empty() {
            let outputs = open_outputs(scenario, &args.search.output)?;
            outputs.emit(&Report::Unreachable(Unreachable {
                scenario,
                rate,
                missing,
            }))?;
            return Ok(Verdict::Unmet);
        }
    }
    let outputs = open_outputs(scenario, &args.search.output)?;
    let part: Vec<Candidate>;
    let ranking = match shard {
        Some(s) => {
            part = s
                .ranks(plan.ranking.len())
                .map(|r| plan.ranking[r].clone())
                .collect();
            &part
        }
        None => &plan.ranking,
    };
    let bar = Progress::new(ranking.len() as u64, "load-testing", quiet);
    let result = search::optimize(scenario, &plan.target, ranking, args.show, &|n| bar.inc(n))?;
    bar.finish();
    let doc = match shard {
        Some(s) => Some(super::merge::shard_doc(
            scenario,
            &plan,
            args.sustained,
            s,
            args.show,
            &result,
        )?),
        None => None,
    };
    // The picture shows what was tested; with --plot-all, test what the early stop skipped too,
    // for the picture only.
    let everything = match &args.search.output.plot {
        Some(_) if args.plot_all => {
            let rest = &plan.ranking[result.evaluated.len()..];
            let bar = Progress::new(rest.len() as u64, "load-testing for the plot", quiet);
            let mut all = result.evaluated.clone();
            all.extend(search::evaluate(scenario, &plan.target, rest, &|n| {
                bar.inc(n)
            })?);
            bar.finish();
            Some(all)
        }
        _ => None,
    };
    let ctx = SearchContext {
        scenario,
        prices: &plan.prices,
        target: &plan.target,
        space: &plan.space,
        sustained: args.sustained,
        unit: args.search.unit.resolve(plan.target.load.timeout),
    };
    let found = result.answer.is_some();
    // A shard's `--format json` is its shard document, which `planner merge` reads.
    let stdout = doc.filter(|_| outputs.stdout_format() == Some(Format::Json));
    outputs.emit_with(
        &Report::Optimize(OptimizeReport {
            ctx,
            plotted: everything.as_deref().unwrap_or(&result.evaluated),
            result: &result,
            plot_all: everything.is_some(),
        }),
        stdout,
    )?;
    Ok(if found { Verdict::Met } else { Verdict::Unmet })
}

pub(crate) fn sweep(scenario: &Scenario, args: SweepArgs, quiet: bool) -> Result<Verdict> {
    let shard = args.shard.map(|s| s.resolve()).transpose()?;
    if args.resume && shard.is_none() {
        bail!("--resume continues a sweep shard's --csv FILE: it needs --shard K/N (1/1 for the whole sweep)");
    }
    let plan = plan_search(scenario, &args.search, false)?;
    refuse_shard_behaving(&plan, shard.is_some())?;
    if let Some(shard) = shard {
        return super::merge::sweep_shard(scenario, &args, &plan, shard, quiet);
    }
    let outputs = open_outputs(scenario, &args.search.output)?;
    let bar = Progress::new(plan.ranking.len() as u64, "load-testing", quiet);
    let all = search::evaluate(scenario, &plan.target, &plan.ranking, &|n| bar.inc(n))?;
    bar.finish();
    let ctx = SearchContext {
        scenario,
        prices: &plan.prices,
        target: &plan.target,
        space: &plan.space,
        sustained: false,
        unit: args.search.unit.resolve(plan.target.load.timeout),
    };
    // With the table in a file (not on stdout), stdout says what the file holds instead.
    let csv_file = args.search.output.csv.as_deref().filter(|f| *f != "-");
    outputs.emit(&Report::Sweep(SweepReport {
        ctx,
        all: &all,
        show: args.show,
        csv_file,
    }))?;
    Ok(Verdict::Met)
}
