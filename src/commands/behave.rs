//! `planner run` with clients that behave: patience, cancellation and retries (open loop),
//! or a closed loop of users who think between requests. Virtual time only.

use std::io::Write;

use anyhow::{bail, Context, Result};

use super::{open_outputs, Verdict};
use crate::behaving::flows;
use crate::cli::{ClockArg, RunArgs};
use crate::config::Config;
use crate::random;
use crate::report::behave::{ClosedReport, ClosedRun, OpenClass, OpenReport, OpenRun};
use crate::report::output::Inputs;
use crate::report::Report;
use crate::scenario::Scenario;

fn common_checks(args: &RunArgs) -> Result<()> {
    if args.clock != ClockArg::Virtual {
        bail!("clients that give up, retry or think run on the virtual clock only (drop --clock real)");
    }
    if args.plot_kind.is_some() {
        bail!("--plot-kind chooses between run's pictures; clients that give up, retry or think have one picture (--plot FILE.svg)");
    }
    Ok(())
}

pub(crate) fn run(scenario: &Scenario, args: RunArgs, inputs: &mut Inputs) -> Result<Verdict> {
    common_checks(&args)?;
    super::clients::check(scenario, &args.behave, &args.load)?;
    let b = &args.behave;
    match b.users {
        Some(users) => closed(scenario, &args, users, inputs),
        None => open(scenario, &args, inputs),
    }
}

fn open(scenario: &Scenario, args: &RunArgs, inputs: &mut Inputs) -> Result<Verdict> {
    let b = &args.behave;
    // The report tells the clients one by one, from one replication; averaging several is
    // what the searches do (`sweep --range` on one configuration's values).
    if args.load.replications.is_some_and(|r| r > 1) {
        bail!("--replications: a run of clients who give up or retry reports one replication, client by client; optimize and sweep average replications");
    }
    let config = Config::with_settings(scenario, &args.set)?;
    // Jittered retries use the seed even when the load draws nothing: read the load without
    // it (so that it is not called unused), then put it back.
    let load = if b.jitter {
        let mut unseeded = args.clone();
        unseeded.load.seed = None;
        let mut load = super::run::load_of(scenario, &unseeded, inputs)?;
        load.seed = args.load.seed.unwrap_or(load.seed);
        load
    } else {
        super::run::load_of(scenario, args, inputs)?
    };
    let res = scenario.resolution();
    let patient = super::clients::patience_of(scenario, b);
    let (patience, backoff) = (patient.patience, patient.backoff);
    let behaviour = patient.behaviour(res, load.seed);
    let outputs = open_outputs(inputs, &args.output)?;
    let due = load.due_times(res, &config, 0);
    // Over `[[request]]` classes each client walks its class's flow with its class's patience.
    let classes = load.classes(scenario, &config, 0, due.len());
    let class_patience = flows::class_patience(scenario, b.patience);
    let behaved = flows::open(
        scenario,
        &config,
        &load,
        classes.as_ref(),
        &due,
        behaviour,
        &class_patience,
        0,
    )?;
    let open_classes = scenario
        .requests()
        .iter()
        .zip(flows::class_timeouts(scenario, &load))
        .zip(class_patience)
        .map(|((r, timeout_s), patience_s)| OpenClass {
            name: r.name.clone(),
            timeout_s,
            patience_s,
        })
        .collect();
    let report = OpenReport::new(OpenRun {
        scenario,
        behaved: &behaved,
        timeout_s: load.timeout.get(),
        patience_s: patience,
        retries: behaviour.retries,
        backoff_s: backoff,
        jitter: b.jitter,
        cancel_all: behaviour.cancel_all,
        warmup: load.warmup,
        classes: open_classes,
    });
    if args.trace {
        // The trace is the run's story, not its result: stderr, whatever stdout carries.
        std::io::stderr()
            .lock()
            .write_all(crate::report::printable(&report.trace()).as_bytes())
            .context("cannot write the trace to stderr")?;
    }
    outputs.emit(&Report::BehaveOpen(report))?;
    Ok(Verdict::Met)
}

fn closed(scenario: &Scenario, args: &RunArgs, users: u32, inputs: &mut Inputs) -> Result<Verdict> {
    let b = &args.behave;
    if args.trace {
        bail!("--trace follows clients who give up and retry; a closed loop's requests are in --csv FILE");
    }
    let config = Config::with_settings(scenario, &args.set)?;
    let res = scenario.resolution();
    let loop_ = super::clients::users_of(scenario, users, b, &args.load);
    let (think, exponential, duration) = (loop_.think, loop_.exponential, loop_.duration);
    let seed = args.load.seed.unwrap_or(random::DEFAULT_SEED);
    let runs = loop_.replications;
    let outputs = open_outputs(inputs, &args.output)?;
    let mut replications = Vec::with_capacity(runs as usize);
    for r in 0..runs {
        let closed = loop_.closed_loop(res, seed, r);
        let mut reqs = flows::closed(scenario, &config, closed, seed, r)?;
        reqs.sort_by_key(|q| (q.start, q.user));
        replications.push(reqs);
    }
    // A closed loop's request count is known only once it has run.
    let fewest = replications.iter().map(Vec::len).min().unwrap_or(0);
    if args.load.warmup as usize >= fewest {
        bail!(
            "--warmup {} leaves no request to measure: the loop made {fewest} requests{}",
            args.load.warmup,
            if replications.len() > 1 {
                " in its shortest replication"
            } else {
                ""
            }
        );
    }
    let report = ClosedReport::new(ClosedRun {
        name: scenario.name(),
        resolution: res,
        users,
        think_s: think,
        exponential,
        duration_s: duration,
        warmup: args.load.warmup,
        replications,
    });
    outputs.emit(&Report::BehaveClosed(report))?;
    Ok(Verdict::Met)
}
