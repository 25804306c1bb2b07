//! One load test: the model as async Rust, generic over the clock that drives it.

use std::cell::{Cell, RefCell};
use std::future::{poll_fn, Future};
use std::rc::Rc;
use std::task::{Poll, Waker};
use std::time::Duration;

use futures_util::future::Either;
use tokio::runtime::Builder;
use tokio::task::LocalSet;

use super::exec;
use super::join::Join;
use super::plan::Classes;
use super::station::{Batch, Pool};
use super::walk::check_classes;
use super::{Clock, EngineError, Event, EventKind, Kind, Outcome, Station, Timer, NOT_VISITED};
use crate::units::MAX_TIMER_STEPS;

/// What the model needs from a clock: the time, a sleep, a spawn — all in model steps. The
/// virtual executor is one; tokio's real clock (`--clock real`) is the other. The model code
/// is the same on both.
pub trait Runtime: 'static {
    type Sleep: Future<Output = ()>;
    /// Steps since the load test started.
    fn now(&self) -> u64;
    /// Ready once the clock reaches step `at` (at once if it already has).
    fn sleep_until(&self, at: u64) -> Self::Sleep;
    fn spawn(&self, task: impl Future<Output = ()> + 'static);
}

/// The virtual executor of this thread ([`exec`]): exact and instant.
pub struct Virtual;

impl Runtime for Virtual {
    type Sleep = exec::Sleep;

    #[inline]
    fn now(&self) -> u64 {
        exec::now()
    }

    #[inline]
    fn sleep_until(&self, at: u64) -> exec::Sleep {
        exec::sleep_until(at)
    }

    fn spawn(&self, task: impl Future<Output = ()> + 'static) {
        exec::spawn(task)
    }
}

/// Tokio's real clock, one step lasting `tick`; tasks are spawned on a `LocalSet`.
pub struct Real {
    origin: tokio::time::Instant,
    tick_nanos: u128,
}

impl Runtime for Real {
    type Sleep = tokio::time::Sleep;

    /// Rounded to the nearest step: the real clock jitters.
    fn now(&self) -> u64 {
        let since = tokio::time::Instant::now().duration_since(self.origin);
        ((since.as_nanos() + self.tick_nanos / 2) / self.tick_nanos) as u64
    }

    fn sleep_until(&self, at: u64) -> tokio::time::Sleep {
        tokio::time::sleep_until(self.origin + steps_to_duration(at, self.tick_nanos))
    }

    fn spawn(&self, task: impl Future<Output = ()> + 'static) {
        tokio::task::spawn_local(task);
    }
}

/// Runs one open-loop load test: client `i` is due at `due[i]` steps (non-decreasing) and
/// orders from every station at once. Returns when every client is served.
pub fn simulate(
    stations: &[Station],
    due: &[u64],
    clock: Clock,
    trace: bool,
) -> Result<Outcome, EngineError> {
    simulate_drawn(stations, due, None, clock, trace)
}

/// [`simulate`] with service times drawn in advance: `draws[client * stations + station]` is
/// the steps that station takes for that client (for a batch station, the batch that client
/// starts, if it starts one). Drawn before the run, they do not depend on the order in which
/// tasks happen to run.
pub fn simulate_drawn(
    stations: &[Station],
    due: &[u64],
    draws: Option<&[u64]>,
    clock: Clock,
    trace: bool,
) -> Result<Outcome, EngineError> {
    simulate_with(stations, None, due, draws, clock, trace)
}

/// Runs one load test of request classes: client `i` is of class `classes.class[i]` and walks
/// that class's flow. `draws`, when service times vary, are per (client, visit slot).
pub fn simulate_classes(
    stations: &[Station],
    classes: &Classes,
    due: &[u64],
    draws: Option<&[u64]>,
    clock: Clock,
    trace: bool,
) -> Result<Outcome, EngineError> {
    simulate_with(stations, Some(classes), due, draws, clock, trace)
}

fn simulate_with(
    stations: &[Station],
    classes: Option<&Classes>,
    due: &[u64],
    draws: Option<&[u64]>,
    clock: Clock,
    trace: bool,
) -> Result<Outcome, EngineError> {
    validate(stations, classes, due, draws, Timer::of(clock))?;
    let flows = classes.cloned();
    match clock {
        Clock::Virtual => {
            let model = Rc::new(Model::new(
                Virtual, stations, flows, due, draws, trace, None,
            ));
            exec::run(drive(model.clone()));
            Ok(model.outcome())
        }
        Clock::Real {
            speed,
            step_seconds,
        } => {
            if !(speed.is_finite() && speed > 0.0) {
                return Err(EngineError::BadSpeed(speed));
            }
            let tick = Duration::try_from_secs_f64(step_seconds / speed).map_err(|_| {
                EngineError::TooSlow {
                    speed,
                    step: step_seconds,
                }
            })?;
            if tick.is_zero() {
                return Err(EngineError::TooFast {
                    speed,
                    step: step_seconds,
                });
            }
            let rt = Builder::new_current_thread()
                .enable_time()
                .build()
                .map_err(|e| EngineError::Runtime(e.to_string()))?;
            let local = LocalSet::new();
            let model = local.block_on(&rt, async {
                let real = Real {
                    origin: tokio::time::Instant::now(),
                    tick_nanos: tick.as_nanos(),
                };
                let model = Rc::new(Model::new(real, stations, flows, due, draws, trace, None));
                drive(model.clone()).await;
                model
            });
            Ok(model.outcome())
        }
    }
}

/// One client's result as [`simulate_each`] reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Served {
    /// 0-based, in due-time order.
    pub client: u32,
    /// In steps, as the caller gave it.
    pub due: u64,
    /// When its last station finished.
    pub served: u64,
    /// That station (the first such in scenario order).
    pub bottleneck: u16,
    /// Its request class (0 without classes).
    pub class: u32,
}

/// [`simulate_drawn`] in virtual time, telling `each` about every client as it is served
/// instead of keeping rows: a finished client costs nothing, so a long load test that only
/// needs statistics holds in memory only the clients still in flight.
pub fn simulate_each(
    stations: &[Station],
    due: &[u64],
    draws: Option<&[u64]>,
    each: impl FnMut(Served) + 'static,
) -> Result<(), EngineError> {
    simulate_each_with(stations, None, due, draws, each)
}

/// [`simulate_classes`] in virtual time, telling `each` about every client as it is served.
pub fn simulate_classes_each(
    stations: &[Station],
    classes: &Classes,
    due: &[u64],
    draws: Option<&[u64]>,
    each: impl FnMut(Served) + 'static,
) -> Result<(), EngineError> {
    simulate_each_with(stations, Some(classes), due, draws, each)
}

fn simulate_each_with(
    stations: &[Station],
    classes: Option<&Classes>,
    due: &[u64],
    draws: Option<&[u64]>,
    each: impl FnMut(Served) + 'static,
) -> Result<(), EngineError> {
    validate(stations, classes, due, draws, Timer::Simulator)?;
    let sink: Sink = RefCell::new(Box::new(each));
    let flows = classes.cloned();
    let model = Rc::new(Model::new(
        Virtual,
        stations,
        flows,
        due,
        draws,
        false,
        Some(sink),
    ));
    exec::run(drive(model));
    Ok(())
}

fn validate(
    stations: &[Station],
    classes: Option<&Classes>,
    due: &[u64],
    draws: Option<&[u64]>,
    timer: Timer,
) -> Result<(), EngineError> {
    let width = classes.map_or(stations.len(), Classes::visit_stride);
    if let Some(c) = classes {
        check_classes(c, stations.len(), due.len())?;
    }
    if let Some(d) = draws {
        if d.len() != due.len() * width {
            return Err(EngineError::DrawCount {
                expected: due.len() * width,
                got: d.len(),
            });
        }
        if let Some(&long) = d.iter().find(|&&x| x > MAX_TIMER_STEPS) {
            return Err(EngineError::ServiceTooLong { steps: long, timer });
        }
    }
    if stations.is_empty() {
        return Err(EngineError::NoStations);
    }
    if due.is_empty() {
        return Err(EngineError::NoClients);
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
                timer,
            });
        }
        previous = d;
    }
    Ok(())
}

/// A station's live state inside one run.
pub(super) enum Live {
    Pool { pool: Pool, steps: u64 },
    Batch { batch: Batch, steps: u64 },
}

/// What every client's future shares: the stations and where results go. Results are
/// written by client index, so that no task handle has to be kept.
pub(super) struct Model<R> {
    pub(super) rt: R,
    pub(super) stations: Vec<Live>,
    /// Drawn service steps per (client, station), when service times vary.
    pub(super) draws: Option<Box<[u64]>>,
    due: RefCell<Vec<u64>>,
    /// Written in place and moved out into the [`Outcome`]: no copy of a per-client array.
    pub(super) start: RefCell<Vec<u64>>,
    pub(super) done: RefCell<Vec<u64>>,
    remaining: Cell<usize>,
    /// The driver, waiting for the last client.
    finished: Cell<Option<Waker>>,
    pub(super) trace: Option<RefCell<Vec<Event>>>,
    /// Told about each client as it is served, instead of rows kept (`start`/`done` empty).
    pub(super) sink: Option<Sink>,
    /// Request classes; `None` runs the tutorial's fan-out on its own fast path.
    pub(super) flows: Option<Classes>,
}

type Sink = RefCell<Box<dyn FnMut(Served)>>;

impl<R: Runtime> Model<R> {
    fn new(
        rt: R,
        stations: &[Station],
        flows: Option<Classes>,
        due: &[u64],
        draws: Option<&[u64]>,
        trace: bool,
        sink: Option<Sink>,
    ) -> Model<R> {
        let cells = if sink.is_some() {
            0
        } else {
            due.len() * stations.len()
        };
        // With flows a station a client never visits keeps this mark.
        let unset = if flows.is_some() { NOT_VISITED } else { 0 };
        Model {
            rt,
            stations: stations
                .iter()
                .map(|s| match s.kind {
                    Kind::Pool { units } => Live::Pool {
                        pool: Pool::new(units),
                        steps: s.service,
                    },
                    Kind::Batch { portions } => Live::Batch {
                        batch: Batch::new(portions),
                        steps: s.service,
                    },
                })
                .collect(),
            draws: draws.map(Box::from),
            due: RefCell::new(due.to_vec()),
            start: RefCell::new(vec![unset; cells]),
            done: RefCell::new(vec![unset; cells]),
            remaining: Cell::new(due.len()),
            finished: Cell::new(None),
            trace: trace.then(|| RefCell::new(Vec::new())),
            sink,
            flows,
        }
    }

    #[inline]
    pub(super) fn log(&self, at: u64, client: u32, station: Option<u16>, kind: EventKind) {
        if let Some(trace) = &self.trace {
            trace.borrow_mut().push(Event {
                at,
                client,
                station,
                kind,
            });
        }
    }

    pub(super) fn slot(&self, client: u32, station: u16) -> usize {
        client as usize * self.stations.len() + station as usize
    }

    /// The service steps this client gets here: drawn, or the station's fixed ones.
    fn service(&self, client: u32, station: u16) -> u64 {
        match &self.draws {
            Some(d) => d[self.slot(client, station)],
            None => match self.stations[station as usize] {
                Live::Pool { steps, .. } | Live::Batch { steps, .. } => steps,
            },
        }
    }

    /// One client at one station: wait FIFO, get served, record when; returns when done.
    ///
    /// This future is alive for every waiting client, so its size is memory per client: one
    /// small future per kind of station (an enum of the two, not one future holding both
    /// kinds' state), client and station as narrow integers, and whatever can be derived
    /// after an await (the station, the slot, the service time) derived then, not kept.
    fn visit(
        &self,
        client: u32,
        station: u16,
    ) -> Either<impl Future<Output = u64> + '_, impl Future<Output = u64> + '_> {
        match self.stations[station as usize] {
            Live::Pool { .. } => Either::Left(self.visit_pool(client, station)),
            Live::Batch { .. } => Either::Right(self.visit_batch(client, station)),
        }
    }

    // (No named reference to the station lives across an await: the future would keep it.
    // Plain fns returning async blocks: an `async fn` keeps its arguments twice.)
    #[allow(clippy::manual_async_fn)] // on purpose: see above
    fn visit_pool(&self, client: u32, station: u16) -> impl Future<Output = u64> + '_ {
        async move {
            let _unit = self.pool(station).acquire().await;
            let start = self.rt.now();
            self.log(start, client, Some(station), EventKind::ServiceStarted);
            self.rt
                .sleep_until(start + self.service(client, station))
                .await;
            self.record(client, station, start, self.rt.now())
        }
    }

    #[allow(clippy::manual_async_fn)] // on purpose, as `visit_pool`
    fn visit_batch(&self, client: u32, station: u16) -> impl Future<Output = u64> + '_ {
        async move {
            let lock = self.batch(station).lock().await;
            let start = self.rt.now();
            let done = if self.batch(station).is_empty(&lock) {
                // The seed cooks while holding the lock: later clients queue behind it.
                self.log(start, client, Some(station), EventKind::BatchStarted);
                self.rt
                    .sleep_until(start + self.service(client, station))
                    .await;
                self.batch(station).refill(&lock);
                let ready = self.rt.now();
                self.log(ready, client, Some(station), EventKind::BatchReady);
                ready
            } else {
                start
            };
            self.batch(station).take(&lock);
            drop(lock);
            self.record(client, station, start, done)
        }
    }

    fn pool(&self, station: u16) -> &Pool {
        match &self.stations[station as usize] {
            Live::Pool { pool, .. } => pool,
            Live::Batch { .. } => unreachable!("a pool station"),
        }
    }

    fn batch(&self, station: u16) -> &Batch {
        match &self.stations[station as usize] {
            Live::Batch { batch, .. } => batch,
            Live::Pool { .. } => unreachable!("a batch station"),
        }
    }

    /// Keeps the row (or not, when each client is told as served) and logs the end.
    fn record(&self, client: u32, station: u16, start: u64, done: u64) -> u64 {
        if self.sink.is_none() {
            let slot = self.slot(client, station);
            self.start.borrow_mut()[slot] = start;
            self.done.borrow_mut()[slot] = done;
        }
        self.log(done, client, Some(station), EventKind::StationDone);
        done
    }

    /// One client's order: every station at once, served when all are done.
    ///
    /// (A plain fn returning an async block: an `async fn` keeps its arguments twice.)
    #[allow(clippy::manual_async_fn)] // on purpose: see above
    fn order(self: Rc<Self>, client: u32) -> impl Future<Output = ()> {
        async move {
            if self.trace.is_some() {
                self.log(self.rt.now(), client, None, EventKind::Ordered);
            }
            let (served, bottleneck) = match &self.flows {
                None => {
                    let visits = (0..self.stations.len() as u16).map(|s| self.visit(client, s));
                    Join::new(visits, (0, 0), last_visit).await
                }
                Some(flows) => {
                    let plan = &flows.plans[flows.class[client as usize] as usize];
                    self.walk(client, plan, plan.root).await
                }
            };
            if self.trace.is_some() {
                self.log(self.rt.now(), client, None, EventKind::Served);
            }
            if let Some(sink) = &self.sink {
                let due = self.due.borrow()[client as usize];
                sink.borrow_mut()(Served {
                    client,
                    due,
                    served,
                    bottleneck,
                    class: self.flows.as_ref().map_or(0, |f| f.class[client as usize]),
                });
            }
            let left = self.remaining.get() - 1;
            self.remaining.set(left);
            if left == 0 {
                if let Some(driver) = self.finished.take() {
                    driver.wake();
                }
            }
        }
    }

    fn outcome(&self) -> Outcome {
        let trace = self.trace.as_ref().map(|t| {
            let mut events = t.take();
            // Stable: events at one instant keep the order in which they happened.
            events.sort_by_key(|e| e.at);
            events
        });
        Outcome {
            stations: self.stations.len(),
            due: self.due.take(),
            start: self.start.take(),
            done: self.done.take(),
            class: self.flows.as_ref().map(|f| f.class.clone()),
            trace,
        }
    }
}

/// The open-loop driver: starts each client's future when it is due (clients due at one
/// instant start in index order), then waits for the last one.
async fn drive<R: Runtime>(model: Rc<Model<R>>) {
    let clients = model.due.borrow().len();
    for client in 0..clients {
        let d = model.due.borrow()[client];
        model.rt.sleep_until(d).await;
        model.rt.spawn(model.clone().order(client as u32));
    }
    poll_fn(|cx| {
        if model.remaining.get() == 0 {
            Poll::Ready(())
        } else {
            model.finished.set(Some(cx.waker().clone()));
            Poll::Pending
        }
    })
    .await
}

/// Of the visits done so far (the last done time, the first visit in order that ended
/// then), and visit `i` done at `done`: a [`Join`] of one visit per station folds with it.
fn last_visit(last: (u64, u16), i: usize, done: u64) -> (u64, u16) {
    let i = i as u16;
    if done > last.0 || (done == last.0 && i < last.1) {
        (done, i)
    } else {
        last
    }
}

fn steps_to_duration(steps: u64, tick_nanos: u128) -> Duration {
    let nanos = steps as u128 * tick_nanos;
    match u64::try_from(nanos) {
        Ok(nanos) => Duration::from_nanos(nanos),
        Err(_) => Duration::new(
            (nanos / 1_000_000_000) as u64,
            (nanos % 1_000_000_000) as u32,
        ),
    }
}
