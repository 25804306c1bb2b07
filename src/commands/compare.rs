//! `planner compare`: named strategies side by side across arrival rates.

use anyhow::{bail, Result};

use super::{build_load, open_outputs};
use crate::app::EXIT_OK;
use crate::cli::{CompareArgs, Format};
use crate::compare::{self, Contender, Shape};
use crate::load;
use crate::progress::Progress;
use crate::report::compare::CompareContext;
use crate::report::output::write_stdout;
use crate::scenario::{Plan, Scenario, Strategy};
use crate::search::{self, Space, Target};

pub fn compare(scenario: &Scenario, args: CompareArgs, quiet: bool) -> Result<u8> {
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
    let outputs = open_outputs(scenario, &args.csv, &args.plot, args.format)?;
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
    let on_stdout = outputs.stdout_taken();
    outputs.commit(
        || ctx.csv(),
        || {
            ctx.plot_svg(Some(target_rate.get()))
                .map(String::into_bytes)
        },
    )?;
    if !on_stdout {
        let text = match args.format {
            Format::Table => ctx.table(),
            Format::Json => ctx.json(),
        };
        write_stdout(text.as_bytes())?;
    }
    Ok(EXIT_OK)
}
