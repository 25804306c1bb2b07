//! The async model: stations as async primitives, one future per client, one entry point.
//!
//! This is the seed's restaurant written as real async Rust. A pool station is a FIFO
//! semaphore held for the service time; a batch station is a FIFO lock over a counter of ready
//! portions, the batch cooked while the lock is held. Each client is one spawned future that
//! walks its class's plan (the tutorial's order visits every station at once, a join of one
//! visit per station), gives up at its patience and retries, or, in a closed loop, is a user
//! who thinks between requests.
//!
//! [`simulate`] is the one way in. The model is generic over a small runtime (now, sleep,
//! spawn). In virtual time it runs on the engine's own executor (the private `exec` module):
//! one step is one unit of its clock, which jumps to the next timer whenever every task waits,
//! so a 10-client test takes microseconds and its times are exact. With the real clock the
//! same code runs on tokio, sleeping for real, `speed` times faster.
//!
//! The engine knows nothing of costs, searches or output formats: it takes a configured
//! service, a workload and a source of draws in steps, and tells an [`Observe`]r what happens.

mod clients;
mod clock;
mod exec;
mod hpa;
mod join;
mod live;
mod meter;
mod observe;
mod scale;
mod spares;
mod station;
mod sync;
mod timers;
mod walk;

use std::rc::Rc;

pub use observe::{AttemptEnd, Done, Observe, UnitTime, Units, Visit};

use clock::{run_real, Runtime, Virtual};
use live::Model;

use crate::model::plan::{Node, Service};
use crate::model::units::MAX_TIMER_STEPS;
use crate::workload::clients::{ClientRules, ClosedLoop};
use crate::workload::draws::Draws;
use crate::workload::{Clock, Population, Workload};

/// Runs one load test of `service` under `workload`, every draw from `draws`, telling
/// `observer` what happens; returns the observer once every client is done, or (in virtual
/// time) once the observer says it has seen enough ([`Observe::stopped`]).
pub fn simulate<D: Draws, O: Observe>(
    service: &Service,
    workload: Workload,
    draws: D,
    observer: O,
) -> Result<O, EngineError> {
    validate(service, &workload)?;
    let Workload {
        population,
        rules,
        clock,
    } = workload;
    // A service outlives a client that may leave; a closed loop's too (see `live`).
    let detached = rules.gives_up() || matches!(population, Population::Closed(_));
    let (clients, arrivals, closed) = match population {
        Population::Open { due, class } => (due.len(), (due, class), None),
        Population::Closed(c) => (c.users as usize, Default::default(), Some(c)),
    };
    let parts = (draws, observer, rules, detached, clients, arrivals);
    match clock {
        Clock::Virtual => {
            let model = build(Virtual, service, parts);
            let stop = || O::STOPS && model.observer.borrow().stopped();
            exec::run_until(drive(model.clone(), closed), stop);
            Ok(observer_of(model))
        }
        Clock::Real {
            speed,
            step_seconds,
        } => {
            let mut out = None;
            run_real(speed, step_seconds, |rt| {
                let model = build(rt, service, parts);
                out = Some(model.clone());
                drive(model, closed)
            })?;
            Ok(observer_of(out.expect("the run built its model")))
        }
    }
}

/// What [`simulate`] hands the model: draws, observer, client rules, whether services are
/// detached, clients, and an open loop's due times and classes.
type Parts<D, O> = (D, O, ClientRules, bool, usize, (Vec<u64>, Vec<u32>));

/// The model of one run on clock `rt`.
fn build<R: Runtime, D: Draws, O: Observe>(
    rt: R,
    service: &Service,
    (draws, observer, rules, detached, clients, arrivals): Parts<D, O>,
) -> Rc<Model<R, D, O>> {
    Rc::new(Model::new(
        rt,
        &service.stations,
        service.plans.clone(),
        draws,
        observer,
        rules,
        detached,
        clients,
        arrivals,
    ))
}

/// Starts the clients (an open loop's, or the users of `closed`) and waits for the last one.
async fn drive<R: Runtime, D: Draws, O: Observe>(
    model: Rc<Model<R, D, O>>,
    closed: Option<ClosedLoop>,
) {
    if model.scales() {
        model.rt.spawn(|| model.clone().control());
    }
    match closed {
        None => clients::open_loop(model).await,
        Some(closed) => clients::closed_loop(model, closed).await,
    }
}

/// The observer back from a model whose run is over (every task, and its handle on the
/// model, gone).
fn observer_of<R, D, O>(model: Rc<Model<R, D, O>>) -> O {
    match Rc::try_unwrap(model) {
        Ok(model) => model.observer.into_inner(),
        Err(_) => unreachable!("a task outlived its run"),
    }
}

/// Refuses a run that cannot be simulated: nothing to visit or no one to serve, arrivals out
/// of order or further apart than a timer can wait, plans or classes that do not fit.
fn validate(service: &Service, workload: &Workload) -> Result<(), EngineError> {
    let bad = |why: &str| Err(EngineError::BadClasses(why.to_string()));
    if service.stations.is_empty() {
        return Err(EngineError::NoStations);
    }
    if service.plans.is_empty() {
        return Err(EngineError::NoPlans);
    }
    for plan in service.plans.iter() {
        for n in &plan.nodes {
            if let Node::Visit { station, .. } = n {
                if *station as usize >= service.stations.len() {
                    return bad("a visit to a station that does not exist");
                }
            }
        }
    }
    for s in &service.stations {
        if let Some(scaling) = &s.scaling {
            if matches!(s.kind, crate::model::plan::Kind::Batch { .. }) {
                return Err(EngineError::BadScaling(format!(
                    "batch station `{}` cannot change its units",
                    s.name
                )));
            }
            if let Some(why) = scaling.problem() {
                return Err(EngineError::BadScaling(format!(
                    "station `{}`: {why}",
                    s.name
                )));
            }
        }
    }
    let patience = &workload.rules.patience;
    if !patience.is_empty() && patience.len() != service.plans.len() {
        return bad("not one patience per class");
    }
    match &workload.population {
        Population::Open { due, class } => {
            if due.is_empty() {
                return Err(EngineError::NoClients);
            }
            if !class.is_empty() && class.len() != due.len() {
                return bad("not one class per client");
            }
            if class.iter().any(|&k| k as usize >= service.plans.len()) {
                return bad("a client of a class that does not exist");
            }
            let mut previous = 0;
            for (client, &d) in due.iter().enumerate() {
                if d < previous {
                    return Err(EngineError::UnsortedArrivals(client));
                }
                if d - previous > MAX_TIMER_STEPS {
                    return Err(EngineError::GapTooLong {
                        client: client + 1,
                        gap: d - previous,
                        timer: Timer::of(workload.clock),
                    });
                }
                previous = d;
            }
        }
        Population::Closed(closed) => {
            if closed.users == 0 {
                return Err(EngineError::NoClients);
            }
        }
    }
    Ok(())
}

/// Whose timer bounds a wait, for messages. The bound is the same on both clocks (tokio's
/// wheel's span, so that both accept the same tests), but only `--clock real` runs on tokio.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Timer {
    /// The virtual-time executor's.
    Simulator,
    /// Tokio's, behind `--clock real`.
    Tokio,
}

impl Timer {
    /// The timer `clock` runs on.
    pub fn of(clock: Clock) -> Timer {
        match clock {
            Clock::Virtual => Timer::Simulator,
            Clock::Real { .. } => Timer::Tokio,
        }
    }
}

impl std::fmt::Display for Timer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Timer::Simulator => "the simulator's timer",
            Timer::Tokio => "tokio's timer",
        })
    }
}

impl EngineError {
    /// The same error, its timer the one `clock` runs on: a check made before the clock was
    /// known speaks of the simulator's.
    pub fn on(self, clock: Clock) -> EngineError {
        let timer = Timer::of(clock);
        match self {
            EngineError::GapTooLong { client, gap, .. } => {
                EngineError::GapTooLong { client, gap, timer }
            }
            EngineError::PeriodTooLong {
                seconds,
                max_seconds,
                ..
            } => EngineError::PeriodTooLong {
                seconds,
                max_seconds,
                timer,
            },
            other => other,
        }
    }
}

/// Why a simulation could not run.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum EngineError {
    /// Nothing to measure: a load test needs at least one client.
    #[error("the load test has no clients")]
    NoClients,
    /// Nothing to visit: the engine needs at least one station.
    #[error("the system has no stations")]
    NoStations,
    /// Due times must not decrease; holds the 0-based index of the first client due before the
    /// one before it.
    #[error("due times must not decrease (client {0})")]
    UnsortedArrivals(usize),
    /// Two consecutive due times are further apart than
    /// [`crate::model::units::MAX_TIMER_STEPS`], the longest wait the timers can hold (checked
    /// whatever the clock, so both accept the same tests).
    #[error("the gap of {gap} steps before client {client} is longer than {timer} can hold")]
    GapTooLong {
        /// 1-based, as the user counts clients.
        client: usize,
        /// In steps.
        gap: u64,
        /// The clock's timer, for the message.
        timer: Timer,
    },
    /// The load test's period (or, for Poisson, 40 mean gaps) exceeds the longest timer wait at
    /// the scenario's resolution: the user must shorten the period or coarsen the resolution.
    #[error("clients {} s apart are further apart than {timer} can hold at this resolution (at most {} s)", crate::model::units::number(*.seconds), crate::model::units::number(*.max_seconds))]
    PeriodTooLong {
        /// The longest gap the load test would ask for, in model seconds.
        seconds: f64,
        /// The longest the timer can wait at this resolution, in model seconds.
        max_seconds: f64,
        /// The clock's timer, for the message.
        timer: Timer,
    },
    /// `Clock::Real`'s speed was zero, negative, NaN or infinite.
    #[error("speed must be a positive finite number, got {}", crate::model::units::number(*.0))]
    BadSpeed(f64),
    /// `Clock::Real` would sleep for less than a nanosecond per step, which tokio cannot time:
    /// the user must lower the speed.
    #[error("at speed {}, one step of {} s lasts less than a nanosecond of real time", crate::model::units::number(*.speed), crate::model::units::number(*.step))]
    TooFast {
        /// The speed asked for, too high for this resolution.
        speed: f64,
        /// Model seconds per step (the scenario's resolution).
        step: f64,
    },
    /// `Clock::Real` at so low a speed that one step lasts longer than a timer can count.
    #[error("at speed {}, one step of {} s lasts longer than tokio's timer can hold", crate::model::units::number(*.speed), crate::model::units::number(*.step))]
    TooSlow {
        /// The speed asked for, too low for this resolution.
        speed: f64,
        /// Model seconds per step (the scenario's resolution).
        step: f64,
    },
    /// The request classes do not match the stations or clients (says which way): a caller's bug.
    #[error("request classes do not fit the load test: {0}")]
    BadClasses(String),
    /// The service has no plan to walk: a caller's bug.
    #[error("the service has no request plan")]
    NoPlans,
    /// A station's units cannot change as asked (a batch station, a schedule out of order,
    /// an autoscaler whose bounds cross): the scenario's parser refuses these, so a caller's
    /// bug.
    #[error("units over time: {0}")]
    BadScaling(String),
    /// Tokio could not build its runtime for a real-clock run (the OS refused a resource).
    #[error("could not start the tokio runtime: {0}")]
    Runtime(String),
}

#[cfg(test)]
mod tests;
