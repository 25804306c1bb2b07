//! Pools whose units change while the test runs: one controller task, on the run's own
//! clock, for every such pool.
//!
//! A unit added becomes ready after its start-up delay (a schedule's units are started ahead
//! and ready at their time); a unit removed finishes the request it holds, then leaves
//! (`sync`); a waiting request is never dropped. When units must go, those still starting
//! go first (the newest first, as Kubernetes deletes a not-ready pod before a ready one),
//! then idle units, then busy ones.
//!
//! On the real clock a timer fires late, never early: what fell due by the instant the
//! controller wakes is done then, each sync still on its grid.
//!
//! At an instant the controller acts after everything else due then (a service ending then
//! has given its unit back), as a patience does; for each pool, in station order: units due
//! ready become ready, a schedule's entry applies, then the sync (an autoscaler's decision,
//! or a scheduled pool's sample). It tells the observer each pool's units at the start, at
//! each sync and after each change, and at the end what each pool paid for. It stops when
//! the last client is done: a sync due at that very instant does not happen.

use std::collections::VecDeque;
use std::future::{poll_fn, Future};
use std::pin::pin;
use std::rc::Rc;
use std::sync::Arc;
use std::task::Poll;

use super::clock::Runtime;
use super::hpa::Autoscaler;
use super::live::{Live, Model};
use super::meter::Areas;
use super::observe::{Observe, UnitTime, Units};
use super::sync::Semaphore;
use crate::model::scaling::Scaling;
use crate::workload::draws::Draws;

/// One pool under the controller.
struct Scaled {
    station: u16,
    scaling: Arc<Scaling>,
    autoscaler: Option<Autoscaler>,
    /// The schedule's next entry.
    entry: usize,
    /// Units wanted: ready (not leaving) and starting.
    desired: u32,
    /// When each starting unit is ready, the oldest first.
    starting: VecDeque<u64>,
    /// The meter's integrals at the last sync.
    synced: Areas,
    next_sync: u64,
    /// The last row told: (desired, ready).
    told: (u32, u32),
}

impl Scaled {
    /// The next instant this pool has something to do.
    fn next(&self) -> u64 {
        let mut next = self.next_sync;
        if let Some(&at) = self.starting.front() {
            next = next.min(at);
        }
        if let Scaling::Schedule { steps, .. } = &*self.scaling {
            if let Some(&(at, _)) = steps.get(self.entry) {
                next = next.min(at);
            }
        }
        next
    }

    /// Steps from a unit's creation to its readiness.
    fn startup(&self) -> u64 {
        match &*self.scaling {
            Scaling::Schedule { .. } => 0,
            Scaling::Autoscale(hpa) => hpa.startup,
        }
    }

    /// Everything due at `now`; returns the rows to tell.
    fn act(&mut self, pool: &Semaphore, now: u64) -> Vec<Units> {
        let due = self.starting.iter().take_while(|&&at| at <= now).count();
        if due > 0 {
            self.starting.drain(..due);
            pool.set_starting(self.starting.len() as u32);
            pool.add(due as u32);
        }
        if let Scaling::Schedule { steps, .. } = &*self.scaling {
            if let Some(&(at, units)) = steps.get(self.entry) {
                if at <= now {
                    self.entry += 1;
                    self.apply(pool, now, units);
                }
            }
        }
        let (areas, ..) = pool.read_meter().expect("a scaled pool is metered");
        let busy_share = areas.busy_share_since(self.synced);
        let sync = self.next_sync <= now;
        let mut rows = Vec::new();
        if sync {
            // A change at the sync's instant (units ready, a schedule's entry) gets its own
            // row first: the row before a sync is the state the sync saw.
            if (self.desired, pool.ready()) != self.told {
                rows.push(self.row(now, pool, busy_share, false));
            }
            self.synced = areas;
            self.next_sync += self.scaling.period();
            if let Some(autoscaler) = &mut self.autoscaler {
                let desired = autoscaler.sync(now, self.desired, pool.ready(), busy_share);
                self.apply(pool, now, desired);
            }
            rows.push(self.row(now, pool, busy_share, true));
        } else if (self.desired, pool.ready()) != self.told {
            rows.push(self.row(now, pool, busy_share, false));
        }
        rows
    }

    /// The row of `now`, remembered as the last told.
    fn row(&mut self, now: u64, pool: &Semaphore, busy_share: f64, sync: bool) -> Units {
        self.told = (self.desired, pool.ready());
        Units {
            at: now,
            station: self.station,
            desired: self.told.0,
            ready: self.told.1,
            busy_share,
            sync,
        }
    }

    /// Makes `desired` the units wanted from `now`.
    fn apply(&mut self, pool: &Semaphore, now: u64, desired: u32) {
        let startup = self.startup();
        if desired > self.desired {
            let more = desired - self.desired;
            if startup == 0 {
                pool.add(more);
            } else {
                self.starting
                    .extend(std::iter::repeat_n(now + startup, more as usize));
            }
        } else if desired < self.desired {
            let fewer = self.desired - desired;
            let cancelled = fewer.min(self.starting.len() as u32);
            self.starting
                .truncate(self.starting.len() - cancelled as usize);
            if fewer > cancelled {
                pool.retire(fewer - cancelled);
            }
        }
        pool.set_starting(self.starting.len() as u32);
        self.desired = desired;
    }
}

impl<R: Runtime, D: Draws, O: Observe> Model<R, D, O> {
    /// Whether any pool's units change: then [`Model::control`] runs beside the clients.
    pub(super) fn scales(&self) -> bool {
        self.scaling.iter().any(Option::is_some)
    }

    /// The controller of every pool whose units change, until the last client is done.
    pub(super) async fn control(self: Rc<Self>) {
        let mut pools: Vec<Scaled> = self
            .scaling
            .iter()
            .enumerate()
            .filter_map(|(i, s)| {
                let scaling = s.as_ref()?.clone();
                let units = scaling.initial();
                Some(Scaled {
                    station: i as u16,
                    autoscaler: match &*scaling {
                        Scaling::Autoscale(hpa) => Some(Autoscaler::new(hpa.clone())),
                        Scaling::Schedule { .. } => None,
                    },
                    // The schedule's entry at 0 made the pool.
                    entry: 1,
                    desired: units,
                    starting: VecDeque::new(),
                    synced: Areas::default(),
                    next_sync: scaling.period(),
                    told: (units, units),
                    scaling,
                })
            })
            .collect();
        for p in &pools {
            self.tell(Units {
                at: self.rt.now(),
                station: p.station,
                desired: p.desired,
                ready: p.desired,
                busy_share: 0.0,
                sync: false,
            });
        }
        loop {
            let next = pools.iter().map(Scaled::next).min().unwrap_or(u64::MAX);
            if !self.until(next).await {
                break;
            }
            self.after_others().await;
            if self.remaining.get() == 0 {
                break;
            }
            // The real clock wakes a timer late, never early: what was due is done now.
            let now = self.rt.now().max(next);
            for p in &mut pools {
                for row in p.act(self.units_of(p.station), now) {
                    self.tell(row);
                }
            }
        }
        let end = self.rt.now();
        for p in &pools {
            let (areas, fewest, most) = self
                .units_of(p.station)
                .read_meter()
                .expect("a scaled pool is metered");
            self.observer.borrow_mut().unit_time(UnitTime {
                station: p.station,
                end,
                paid: areas.paid,
                busy: areas.busy,
                fewest,
                most,
            });
        }
        self.control_done.set(true);
        if let Some(driver) = self.finished.take() {
            driver.wake();
        }
    }

    fn tell(&self, row: Units) {
        if O::UNITS {
            self.observer.borrow_mut().units(row);
        }
    }

    fn units_of(&self, station: u16) -> &Semaphore {
        match &self.stations[station as usize] {
            Live::Pool { pool, .. } => pool.units(),
            Live::Batch { .. } => unreachable!("only a pool scales"),
        }
    }

    /// Sleeps until step `at`: true then, false as soon as every client is done.
    fn until(&self, at: u64) -> impl Future<Output = bool> + '_ {
        let mut sleep = Box::pin(self.rt.sleep_until(at));
        poll_fn(move |cx| {
            if self.remaining.get() == 0 {
                return Poll::Ready(false);
            }
            if sleep.as_mut().poll(cx).is_ready() {
                return Poll::Ready(true);
            }
            self.scaler.set(Some(cx.waker().clone()));
            Poll::Pending
        })
    }

    /// Waits until nothing else is due at this instant but clients waiting at their own
    /// deadline (who wait for everyone but each other and the controller).
    async fn after_others(&self) {
        let mut waiting = false;
        let mut step = pin!(poll_fn(|cx| {
            let queued_yielders = self.yielding.get() - usize::from(waiting);
            if self.rt.others_ready().saturating_sub(queued_yielders) > 0 {
                if !waiting {
                    waiting = true;
                    self.yielding.set(self.yielding.get() + 1);
                }
                cx.waker().wake_by_ref();
                return Poll::Pending;
            }
            if waiting {
                self.yielding.set(self.yielding.get() - 1);
            }
            Poll::Ready(())
        }));
        step.as_mut().await
    }
}
