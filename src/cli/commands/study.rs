//! What a search or a comparison is asked, resolved once from the flags and the scenario:
//! the space, the prices, the target every configuration is held to, and the ranking. The
//! command that runs it and `merge`, which settles its shards, read it the same way.

use anyhow::{bail, Result};

use super::build_target;
use crate::cli::args::{CompareArgs, LoadArgs, RangeArg, SearchArgs};
use crate::model::capacity::{self, Capacity};
use crate::model::config::Config;
use crate::model::scenario::{Prices, Scenario};
use crate::model::units::{Period, Rate};
use crate::outcome::profile::Profile;
use crate::report::output::Inputs;
use crate::report::Format;
use crate::search::compare::Strategy;
use crate::search::memory;
use crate::search::{self, Candidate, Space, Study, Target};
use crate::workload::clients::Clients;
use crate::workload::Arrivals;

/// Everything a search needs, resolved against the scenario: the study the library takes,
/// and how this process walks it.
pub(crate) struct SearchPlan<'a> {
    /// What is asked: the model, the target, the space and the prices.
    pub(crate) study: Study<'a>,
    /// The part of `space` the search walks: all of it, or with `sustained` only what keeps
    /// up with the rate (`None`: nothing does).
    pub(crate) walk: Option<Space>,
    /// The walk ranked, cheapest first; empty for a `lazy` plan, whose search draws the
    /// ranking from a [`search::Frontier`] as it goes.
    pub(crate) ranking: Vec<Candidate>,
}

impl SearchPlan<'_> {
    /// Configurations the search may test: the walk's size.
    pub(crate) fn candidates(&self) -> usize {
        self.walk
            .as_ref()
            .map_or(0, |w| usize::try_from(w.size()).unwrap_or(usize::MAX))
    }
}

/// Resolves a search: the space with `--range`s, the prices, the target at the rate, the
/// clients, and the ranking (only what keeps up with the rate when `sustained`). A `lazy`
/// plan (a plain `optimize`) ranks nothing up front and takes a space of any size: its walk
/// holds only what it tests, at most `--max-configs`.
pub(crate) fn plan_search<'a>(
    scenario: &'a Scenario,
    args: &SearchArgs,
    sustained: bool,
    lazy: bool,
    inputs: &mut Inputs,
) -> Result<SearchPlan<'a>> {
    if args.load.replay.is_some() && args.target_rate.is_some() {
        bail!("--target-rate (--rate) cannot be used with --replay: the trace decides when each client comes (--replay-speed scales its times)");
    }
    let overrides = RangeArg::resolve_all(&args.ranges, scenario.stations())?;
    let space = Space::new(scenario, &overrides);
    if let Some(warning) = scenario.baseline_left_out(space.levers()) {
        eprintln!("warning: {warning}");
    }
    let configurations = if lazy {
        u64::try_from(space.size())
            .unwrap_or(u64::MAX)
            .min(args.max_configs)
    } else {
        space.check_size(scenario, args.max_configs)?
    };
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
    let client_args = super::clients::with_scenario_loop(scenario, &args.client_args, open);
    let rules = super::clients::of_flags(scenario, &client_args, &args.load)?;
    if rules.is_some() && sustained {
        bail!("--sustained holds a rate for ever with clients who wait; it does not combine with clients who think, give up or retry (--users, --patience, --retries, or the scenario's users or patience)");
    }
    // A closed loop with random think or service times uses the seed and the replications,
    // which the plain load test (fixed arrivals) would otherwise call unused.
    // Jittered retries draw too: the seed and the replications then matter.
    let jittered = matches!(&rules, Some(Clients::Patient(p)) if p.jitter);
    let closed_random =
        matches!(&rules, Some(Clients::Closed(u)) if u.is_random(scenario)) || jittered;
    let closed = matches!(&rules, Some(Clients::Closed(_)));
    let load_args = LoadArgs {
        seed: args.load.seed.filter(|_| !closed_random),
        replications: args.load.replications.filter(|_| !closed_random),
        // Checked below against the closed loop's or the jitter's own replications.
        max_replications: args.load.max_replications.filter(|_| !closed_random),
        // A closed loop's requests are counted once it has run, not from --clients.
        warmup: if closed { 0 } else { args.load.warmup },
        ..args.load.clone()
    };
    // A load test that cannot run fails here once, not once per configuration.
    let mut target = build_target(
        scenario,
        &load_args,
        args.min_satisfaction,
        rate,
        args.target_rate.map(|_| "--target-rate"),
        clients,
        inputs,
    )?;
    if let Some(Clients::Closed(users)) = &rules {
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
    // The closed loop's or the jitter's replications are the first batch.
    let random = jittered || target.load.replications > 1 || target.load.is_random(scenario);
    target.load.max_replications =
        super::max_replications(&args.load, target.load.replications, random)?;
    target.clients = rules;
    // "Holds the rate for good" is judged on the steady state, not on a run from empty.
    target.load.steady = sustained;
    // Random arrivals or service leave a station at exactly its capacity with a queue that
    // grows without bound; a deterministic one keeps up there.
    let walk = if sustained {
        space.sustaining(scenario, rate.get(), random)
    } else {
        Some(space.clone())
    };
    let ranking = match (&walk, lazy) {
        (Some(w), false) => search::rank(w, scenario, &prices),
        _ => Vec::new(),
    };
    let (weakest, tests) = match &walk {
        Some(w) if lazy => (
            Capacity::of(scenario, &Config::new(w.minima())).system(),
            u64::try_from(w.size())
                .unwrap_or(u64::MAX)
                .min(args.max_configs),
        ),
        _ => (
            memory::weakest(scenario, ranking.iter().map(|c| &c.config)),
            ranking.len() as u64,
        ),
    };
    memory::check_search(scenario, &target.load, weakest, tests)?;
    Ok(SearchPlan {
        study: Study {
            model: scenario,
            prices,
            target,
            space,
            sustained,
        },
        walk,
        ranking,
    })
}

/// The target every cell is held to, and the rate the `optimize` strategy is found at: one
/// reading of the flags for the comparison and for the merge of its shards. A file the load
/// reads joins `inputs`.
pub(crate) fn compare_target(
    scenario: &Scenario,
    args: &CompareArgs,
    inputs: &mut Inputs,
) -> Result<(Target, Rate)> {
    if args.load.replay.is_some() {
        bail!("compare load-tests each strategy at several rates, but --replay keeps the trace's own times, so every rate would replay the same load: compare strategies on a trace with `run --replay FILE --set …` each (--replay-speed scales its times)");
    }
    let target_rate = args.target_rate.unwrap_or(scenario.load_defaults().rate);
    let clients = args
        .load
        .clients
        .unwrap_or(scenario.load_defaults().clients);
    let target = build_target(
        scenario,
        &args.load,
        args.min_satisfaction,
        target_rate,
        args.target_rate.map(|_| "--target-rate"),
        clients,
        inputs,
    )?;
    Ok((target, target_rate))
}

/// The scenario's strategies, then the command line's: a same name replaces, a new one is
/// appended; a name given twice on the command line is an error.
pub(crate) fn strategies_of(scenario: &Scenario, args: &CompareArgs) -> Result<Vec<Strategy>> {
    let mut strategies: Vec<Strategy> = if args.only {
        Vec::new()
    } else {
        Strategy::of_scenario(scenario)?
    };
    let mut seen = std::collections::HashSet::new();
    for s in &args.strategies {
        if !seen.insert(s.name.clone()) {
            bail!("strategy `{}` is given twice", s.name);
        }
        let parsed = Strategy::parse(&s.name, &s.plan, scenario.stations())?;
        match strategies.iter_mut().find(|t| t.name == parsed.name) {
            Some(existing) => *existing = parsed,
            None => strategies.push(parsed),
        }
    }
    if strategies.is_empty() {
        bail!("no strategy to compare: give --strategy NAME=SETTINGS");
    }
    Ok(strategies)
}

/// Where the time goes in `config`'s load test, for the page only: one more load test of
/// it, when `--report` asks for a page and there is a configuration to show.
pub(crate) fn profile_for_page(
    scenario: &Scenario,
    target: &Target,
    config: Option<&Config>,
    outputs: &super::Requested,
) -> Result<Option<Profile>> {
    match config {
        Some(config) if outputs.wants_page() => {
            Ok(Some(search::profile(scenario, target, config)?))
        }
        _ => Ok(None),
    }
}
