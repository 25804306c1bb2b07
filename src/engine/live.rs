//! The one live state of a run, and the one visit per kind of station.
//!
//! A pool visit waits FIFO for a unit, holds it for the service time and gives it back; a
//! batch visit waits FIFO for the lock, cooks a batch under it when the shelf is empty (the
//! seed's fryer), and takes a portion. When a client may leave mid-service (a patience) the
//! work it started is the station's, not the client's: the unit (or the batch being cooked)
//! is detached from the client's future and given back by a task of its own at the end of the
//! service, so that dropping the client's future wastes the work instead of undoing it. A
//! closed loop runs its services detached too: that was the order of releases at an instant
//! when closed loops came, and its results keep it. Otherwise the client holds what it uses.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::future::Future;
use std::rc::Rc;
use std::sync::Arc;
use std::task::Waker;

use super::clock::Runtime;
use super::observe::{Observe, Visit};
use super::station::{Batch, Pool};
use super::sync::{Acquire, Permit};
use crate::model::plan::{Kind, Plan, Station};
use crate::model::scaling::Scaling;
use crate::outcome::trace::{Event, EventKind};
use crate::workload::clients::ClientRules;
use crate::workload::draws::Draws;

/// A station's live state inside one run.
pub(super) enum Live {
    Pool { pool: Pool, steps: u64 },
    Batch { batch: Batch, steps: u64 },
}

impl Live {
    /// The station's own service steps (a visit may state its own).
    pub(super) fn steps(&self) -> u64 {
        match self {
            Live::Pool { steps, .. } | Live::Batch { steps, .. } => *steps,
        }
    }
}

/// The most stations a fan-out joins flat (a bit each marks its pending visits); a wider one
/// is walked as any flow is.
pub(super) const FLAT_MOST: usize = 32;

/// Where an attempt's visits are awaited. The visit is one piece of code, compiled once for
/// each site, so that each copy has one caller and the compiler inlines it there: a call per
/// poll of a visit (about three polls a visit) cost the tutorial's fan-out 4 % of its
/// instructions, and a flow 2 %.
pub(super) mod site {
    /// The fan-out of a client that waits for ever, awaited alone: what sweeps of millions
    /// of configurations run.
    pub const ALONE: u8 = 0;
    /// The fan-out of a client raced against its patience, or of a closed loop's user.
    pub const RACED: u8 = 1;
    /// A visit of a flow's walk.
    pub const FLOW: u8 = 2;
}

/// A pool service an attempt started: (station, start, end).
pub(super) type Service = (u16, u64, u64);

/// Everything the clients' futures share: the stations, the plans, where draws come from and
/// where what happens is told.
pub(super) struct Model<R, D, O> {
    pub(super) rt: R,
    pub(super) stations: Vec<Live>,
    pub(super) plans: Arc<[Plan]>,
    pub(super) draws: D,
    pub(super) observer: RefCell<O>,
    pub(super) rules: ClientRules,
    /// Services outlive the client they are for (see the module's doc).
    pub(super) detached: bool,
    /// An open loop's first due times and classes (empty: every client of class 0), read
    /// by each client's future rather than kept in it: that future's size is memory per
    /// client in flight.
    pub(super) due: Vec<u64>,
    pub(super) class: Vec<u32>,
    /// When clients may give up: per client in an attempt, the pool services that attempt
    /// started (station, start, end), which giving it up wastes.
    pub(super) in_service: RefCell<HashMap<u32, Vec<Service>>>,
    /// Clients waiting at their deadline for the rest of its instant.
    pub(super) yielding: Cell<usize>,
    /// Clients (or users) still running; the driver waits for none.
    pub(super) remaining: Cell<usize>,
    /// The driver, waiting for the last client (then for the controller).
    pub(super) finished: Cell<Option<Waker>>,
    /// Per station, how its units change (`None`: they never do; see `scale`); empty when
    /// no station's do, as in every run of a sweep, which then allocates nothing for it.
    pub(super) scaling: Vec<Option<Arc<Scaling>>>,
    /// The controller of those units, waiting for its next instant or the last client.
    pub(super) scaler: Cell<Option<Waker>>,
    /// Whether the controller has told its last.
    pub(super) control_done: Cell<bool>,
}

impl<R: Runtime, D: Draws, O: Observe> Model<R, D, O> {
    #[allow(clippy::too_many_arguments)]
    pub(super) fn new(
        rt: R,
        stations: &[Station],
        plans: Arc<[Plan]>,
        draws: D,
        observer: O,
        rules: ClientRules,
        detached: bool,
        clients: usize,
        (due, class): (Vec<u64>, Vec<u32>),
    ) -> Model<R, D, O> {
        Model {
            rt: rt.clone(),
            stations: stations
                .iter()
                .map(|s| match (s.kind, &s.scaling) {
                    (Kind::Pool { units }, None) => Live::Pool {
                        pool: Pool::new(units),
                        steps: s.service,
                    },
                    (Kind::Pool { .. }, Some(scaling)) => {
                        let rt = rt.clone();
                        Live::Pool {
                            pool: Pool::metered(scaling.initial(), Rc::new(move || rt.now())),
                            steps: s.service,
                        }
                    }
                    // (`validate` refused a batch station that scales.)
                    (Kind::Batch { portions }, _) => Live::Batch {
                        batch: Batch::new(portions),
                        steps: s.service,
                    },
                })
                .collect(),
            scaling: if stations.iter().any(|s| s.scaling.is_some()) {
                stations.iter().map(|s| s.scaling.clone()).collect()
            } else {
                Vec::new()
            },
            scaler: Cell::new(None),
            control_done: Cell::new(false),
            plans,
            draws,
            observer: RefCell::new(observer),
            rules,
            detached,
            due,
            class,
            in_service: RefCell::default(),
            yielding: Cell::new(0),
            remaining: Cell::new(clients),
            finished: Cell::new(None),
        }
    }

    #[inline]
    pub(super) fn log(&self, at: u64, client: u32, station: Option<u16>, kind: EventKind) {
        if O::EVENTS {
            self.observer.borrow_mut().event(Event {
                at,
                client,
                station,
                kind,
            });
        }
    }

    /// The service steps of one visit: drawn around its own steps or the station's.
    #[inline]
    pub(super) fn steps(
        &self,
        key: u64,
        class: u32,
        slot: u32,
        station: u16,
        own: Option<u64>,
    ) -> u64 {
        let nominal = own.unwrap_or_else(|| self.stations[station as usize].steps());
        self.draws.service(key, class, slot, station, nominal)
    }

    /// One client at one station: wait FIFO, get served, tell when. Returns when the
    /// station started on it and when it was done.
    ///
    /// Both kinds of station are one visit: wait FIFO for what the station hands out (a pool's
    /// unit, a batch station's lock), then sleep the service (a pool's) or the batch being
    /// cooked (a batch station's, when its shelf is empty), then give back. What differs
    /// between the kinds is said where it differs, after each await; the awaits are shared, so
    /// that the future's states share their room: it is alive for every waiting client, and
    /// its size is memory per client. What lives across an await is kept to the unit or lock,
    /// the start and the sleep (the end is the start plus the steps, kept anyway). (No named
    /// reference to the station lives across an await: the future would keep it. A plain fn
    /// returning an async block: an `async fn` keeps its arguments twice.)
    #[allow(clippy::manual_async_fn)] // on purpose: see above
    pub(super) fn visit<'a, const SITE: u8>(
        self: &'a Rc<Self>,
        client: u32,
        station: u16,
        steps: u64,
    ) -> impl Future<Output = (u64, u64)> + 'a {
        async move {
            if O::VISITS {
                let now = self.rt.now();
                self.observer.borrow_mut().arrive(client, station, now);
            }
            let (held, start) = {
                let permit = self.queue(station).await;
                let start = self.rt.now();
                match self.stations[station as usize] {
                    Live::Pool { .. } => {
                        self.serving(client, station, start, steps);
                        // Detached, the station's work is given back by a task of its own
                        // at the end, so that a client leaving now wastes it rather than
                        // undoes it.
                        if self.detached && !self.rules.cancel_all {
                            self.release_at(permit, station, start + steps);
                            (None, start)
                        } else {
                            (Some(permit), start)
                        }
                    }
                    Live::Batch { ref batch, .. } => {
                        if !batch.is_empty(&permit) {
                            batch.take(&permit);
                            drop(permit);
                            return (start, self.record(client, station, start, start));
                        }
                        // The seed cooks while holding the lock: later clients queue
                        // behind it.
                        self.log(start, client, Some(station), EventKind::BatchStarted);
                        if self.detached {
                            // A batch always finishes: its cook may leave, the shelf is
                            // refilled anyway, by a task of the station's own.
                            self.cook_detached(permit, station, start + steps);
                            (None, start)
                        } else {
                            (Some(permit), start)
                        }
                    }
                }
            };
            self.rt.sleep_until(start + steps).await;
            let done = match (&self.stations[station as usize], held) {
                (Live::Pool { .. }, Some(unit)) => {
                    let done = self.record(client, station, start, self.rt.now());
                    drop(unit);
                    return (start, done);
                }
                (Live::Pool { .. }, None) => {
                    return (start, self.record(client, station, start, start + steps))
                }
                (Live::Batch { batch, .. }, Some(lock)) => {
                    batch.refill(&lock);
                    let ready = self.rt.now();
                    self.log(ready, client, Some(station), EventKind::BatchReady);
                    batch.take(&lock);
                    drop(lock);
                    ready
                }
                (Live::Batch { batch, .. }, None) => {
                    batch.cook_came();
                    self.log(start + steps, client, Some(station), EventKind::BatchReady);
                    start + steps
                }
            };
            (start, self.record(client, station, start, done))
        }
    }

    /// Waits FIFO for what `station` hands out: a pool's unit, a batch station's lock.
    fn queue(&self, station: u16) -> Acquire<'_> {
        match &self.stations[station as usize] {
            Live::Pool { pool, .. } => pool.acquire(),
            Live::Batch { batch, .. } => batch.lock(),
        }
    }

    /// Hands the batch being cooked under `lock` to a task of the station's own, which
    /// refills the shelf at `ready` and passes the lock on.
    fn cook_detached(self: &Rc<Self>, lock: Permit<'_>, station: u16, ready: u64) {
        self.batch(station).detach_cook(lock);
        let me = self.clone();
        self.rt.spawn(move || async move {
            me.rt.sleep_until(ready).await;
            me.batch(station).finish_detached();
        });
    }

    /// A pool service starts: the story is told, and when the client may give up, the service
    /// is noted as its attempt's, which giving it up wastes.
    fn serving(&self, client: u32, station: u16, start: u64, steps: u64) {
        self.log(start, client, Some(station), EventKind::ServiceStarted);
        if self.detached {
            self.note_service(client, (station, start, start + steps));
        }
    }

    /// Notes a service as its client's attempt's (out of line: the visit that calls it is
    /// inlined where it is awaited).
    #[inline(never)]
    fn note_service(&self, client: u32, service: Service) {
        self.in_service
            .borrow_mut()
            .entry(client)
            .or_default()
            .push(service);
    }

    /// Keeps `unit` held until `end` by a task of the station's own.
    fn release_at(self: &Rc<Self>, unit: Permit<'_>, station: u16, end: u64) {
        unit.detach();
        let me = self.clone();
        self.rt.spawn(move || async move {
            me.rt.sleep_until(end).await;
            me.pool(station).release_detached();
        });
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

    /// Tells the observer (when it asks) and logs the end; returns `done`.
    fn record(&self, client: u32, station: u16, start: u64, done: u64) -> u64 {
        if O::VISITS {
            self.observer.borrow_mut().visit(Visit {
                client,
                station,
                start,
                done,
            });
        }
        self.log(done, client, Some(station), EventKind::StationDone);
        done
    }
}
