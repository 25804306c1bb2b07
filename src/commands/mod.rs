//! One module per command: each turns its parsed arguments into typed requests, runs them
//! through the library and hands the results to [`crate::report`]. What they share — output
//! files opened before any work, the load test the flags describe — lives here.

pub mod compare;
pub mod run;
pub mod search;

use anyhow::{bail, Context, Result};

use crate::cli::{ArrivalsArg, LoadArgs};
use crate::load::{self, Arrivals, LoadTest};
use crate::report::output::{Destination, Pending};
use crate::scenario::Scenario;
use crate::units::{Period, Rate};

/// An output the user asked for, opened before any work so an unwritable path fails at once.
pub(crate) struct Requested {
    what: &'static str,
    pending: Pending,
    on_stdout: bool,
}

pub(crate) fn open_output(what: &'static str, path: &Option<String>) -> Result<Option<Requested>> {
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

pub(crate) fn open_csv(path: &Option<String>) -> Result<Option<Requested>> {
    open_output("the CSV", path)
}

pub(crate) fn open_plot(path: &Option<String>) -> Result<Option<Requested>> {
    open_output("the plot", path)
}

/// Writes a requested output, if any; says whether it took stdout.
pub(crate) fn commit<E>(
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
pub(crate) fn build_load(
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
    if let Some(seed) = args.seed {
        load.seed = seed;
    }
    let random = load.is_random(scenario);
    if !random {
        note_unused_randomness(scenario, args);
    }
    load.replications = args
        .replications
        .unwrap_or(if random { DEFAULT_REPLICATIONS } else { 1 });
    load::check(scenario, &load)?;
    Ok(load)
}

/// Replications of a random load test when the user does not say.
const DEFAULT_REPLICATIONS: u32 = 20;

/// Scripts pass --seed and --replications uniformly, so a deterministic test takes them, but
/// says on stderr that they change nothing rather than let them look like they did.
fn note_unused_randomness(scenario: &Scenario, args: &LoadArgs) {
    let given: Vec<&str> = [
        args.seed.map(|_| "--seed"),
        args.replications.map(|_| "--replications"),
    ]
    .into_iter()
    .flatten()
    .collect();
    if !given.is_empty() {
        let verb = if given.len() == 1 {
            "changes"
        } else {
            "change"
        };
        eprintln!(
            "note: {}'s load test has nothing random (fixed arrivals, fixed service times): {} {verb} nothing",
            scenario.name,
            given.join(" and ")
        );
    }
}
