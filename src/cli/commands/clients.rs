//! The flags of client rules (`--users`, `--think`, `--patience`, `--retries`…), read
//! once for `run` and for the searches, so that a combination `run` refuses is refused by
//! `optimize` and `sweep` with the same words.

use anyhow::{bail, Result};

use crate::cli::args::{CancelArg, ClientArgs, LoadArgs, ThinkArg};
use crate::model::scenario::Scenario;
use crate::workload::clients::{Clients, Patience, Users};

/// The closed loop's default length, when `--duration` is not given.
pub(crate) const DEFAULT_DURATION: f64 = 600.0;

/// The flags with the scenario's `[load] users` loop filled in where the command line is
/// silent. The scenario's closed loop is the default load; a flag that asks for an open loop
/// (`open`: a rate, a period, stages, a replay, a client count or a patience) runs that
/// instead, and `--users`, `--think`, `--think-distribution` or `--duration` override their
/// part of the scenario's loop.
pub(crate) fn with_scenario_loop(scenario: &Scenario, b: &ClientArgs, open: bool) -> ClientArgs {
    let mut b = b.clone();
    let Some(closed) = scenario.load_defaults().closed else {
        return b;
    };
    if b.users.is_none() && (open || b.patience.is_some() || b.retries.is_some()) {
        return b;
    }
    b.users = b.users.or(Some(closed.users.get()));
    b.think = b.think.or(Some(closed.think));
    if closed.think_exponential {
        b.think_distribution = b.think_distribution.or(Some(ThinkArg::Exponential));
    }
    b.duration = b.duration.or(closed.duration.map(|d| d.get()));
    b
}

/// Whether the load flags ask for an open loop: arrivals at a rate rather than users.
pub(crate) fn open_loop_asked(load: &LoadArgs) -> bool {
    load.clients.is_some() || !load.stages.is_empty() || load.replay.is_some()
}

/// Refuses flags that contradict each other or that the scenario cannot honour.
pub(crate) fn check(scenario: &Scenario, b: &ClientArgs, load: &LoadArgs) -> Result<()> {
    // A class's own `[[request]] patience` is a patience too: its clients give up.
    let patience = any_patience(scenario, b.patience);
    if b.retries.is_some() && !patience {
        bail!("--retries needs --patience: only a client that gives up retries");
    }
    if b.cancel.is_some() && !patience {
        bail!("--cancel needs --patience: only a client that gives up cancels");
    }
    // Explicit `--retries 0` keeps a script's --backoff harmless; no retries at all makes
    // --backoff or --jitter a silent no-op, which is refused.
    let retries_given = b.retries.is_some() || scenario.load_defaults().retries.is_some();
    if (b.jitter || b.backoff.is_some()) && !(patience && retries_given) {
        bail!("--backoff and --jitter shape retries: they need --patience and --retries");
    }
    if b.users.is_none()
        && (b.think.is_some() || b.think_distribution.is_some() || b.duration.is_some())
    {
        bail!("--think, --think-distribution and --duration describe a closed loop: they need --users N");
    }
    if b.users.is_some() {
        if b.patience.is_some() || b.retries.is_some() {
            bail!("--patience and --retries apply to an open loop (--rate); a closed loop's users wait for their response");
        }
        if load.stages.len() + usize::from(load.replay.is_some()) > 0 {
            bail!("--users runs a closed loop: it takes no --stage or --replay");
        }
        if load.clients.is_some() {
            bail!("--users runs a closed loop: --duration, not --clients, decides how many requests are made");
        }
        if load.arrivals.is_some() {
            bail!("--users runs a closed loop: requests follow responses and think times, not --arrivals");
        }
        if any_patience(scenario, None) {
            eprintln!("note: a closed loop's users wait for their response: the scenario's patience applies to open-loop runs only");
        }
    }
    Ok(())
}

/// The checked flags as the library's clients; `None` when every client simply waits (no
/// flag, and no `[load] patience` in the scenario).
pub(crate) fn of_flags(
    scenario: &Scenario,
    b: &ClientArgs,
    load: &LoadArgs,
) -> Result<Option<Clients>> {
    // A class's own `[[request]] patience` makes its clients give up, as in `run`.
    if !b.active() && !any_patience(scenario, None) {
        return Ok(None);
    }
    check(scenario, b, load)?;
    if let Some(users) = b.users {
        return Ok(Some(Clients::Closed(users_of(scenario, users, b, load))));
    }
    // The command line over the scenario's `[load] patience`, `retries`, `backoff` (and,
    // but for `--patience`, under each class's own patience).
    let patience = b
        .patience
        .or(scenario.load_defaults().patience.map(|p| p.get()));
    if !any_patience(scenario, patience) {
        bail!("--backoff and --jitter shape retries: they need --patience and --retries");
    }
    Ok(Some(Clients::Patient(patience_of(scenario, b))))
}

/// The closed loop of `users` the flags describe, with the replications it runs (one when
/// nothing is random). One reading for `run` and the searches.
pub(crate) fn users_of(scenario: &Scenario, users: u32, b: &ClientArgs, load: &LoadArgs) -> Users {
    let mut closed = Users {
        users,
        think: b.think.unwrap_or(0.0),
        exponential: b.think_distribution == Some(ThinkArg::Exponential),
        duration: b.duration.unwrap_or(DEFAULT_DURATION),
        replications: load.replications.unwrap_or(super::DEFAULT_REPLICATIONS),
    };
    closed.replications = closed.runs(scenario);
    closed
}

/// What clients who give up do: the command line over the scenario's `[load] patience`,
/// `retries` and `backoff` (and, but for `--patience`, under each class's own patience).
/// One reading for `run` and the searches.
pub(crate) fn patience_of(scenario: &Scenario, b: &ClientArgs) -> Patience {
    let load = scenario.load_defaults();
    Patience {
        patience: b.patience.or(load.patience.map(|p| p.get())),
        classes: class_patience(scenario, b.patience),
        cancel_all: b.cancel == Some(CancelArg::All),
        retries: b.retries.or(load.retries).unwrap_or(0),
        backoff: b.backoff.or(load.backoff.map(|p| p.get())).unwrap_or(1.0),
        jitter: b.jitter,
    }
}

/// Each class's patience in seconds: `flag` (`--patience`, one knob to try a value across the
/// board) for every class, else the class's own, else `[load] patience`; `None`: never gives
/// up. Empty without classes.
pub(crate) fn class_patience(scenario: &Scenario, flag: Option<f64>) -> Vec<Option<f64>> {
    let load = scenario.load_defaults().patience.map(|p| p.get());
    scenario
        .requests()
        .iter()
        .map(|r| flag.or(r.patience.map(|p| p.get())).or(load))
        .collect()
}

/// Whether any client gives up: the flag, `[load] patience` or some class's own patience.
pub(crate) fn any_patience(scenario: &Scenario, flag: Option<f64>) -> bool {
    flag.is_some()
        || scenario.load_defaults().patience.is_some()
        || scenario.requests().iter().any(|r| r.patience.is_some())
}
