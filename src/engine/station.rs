//! The stations as async primitives: what a client's future awaits at each visit.
//!
//! A flow composes visits (`pool.visit(..).await` then another, or several joined); each
//! returns when that visit started and ended, so the caller records what it needs.

use std::cell::Cell;

use super::run::Runtime;
use super::sync::Semaphore;
use super::EventKind;

/// `units` identical servers; a request waits FIFO for a free one and holds it.
pub struct Pool {
    units: Semaphore,
}

impl Pool {
    pub fn new(units: u32) -> Pool {
        Pool {
            units: Semaphore::new(units),
        }
    }

    /// One request served for `service` steps: `(start, done)`. `started` is told the start
    /// as it happens (for a trace in the order things happened).
    pub async fn visit<R: Runtime>(
        &self,
        rt: &R,
        service: u64,
        started: impl FnOnce(u64),
    ) -> (u64, u64) {
        let _unit = self.units.acquire().await;
        let start = rt.now();
        started(start);
        rt.sleep_until(start + service).await;
        (start, rt.now())
    }
}

/// A shelf refilled `portions` at a time by whoever finds it empty, under one FIFO lock;
/// the batch cooks while the lock is held, so later clients queue behind it (the seed's
/// fryer).
pub struct Batch {
    lock: Semaphore,
    ready: Cell<u32>,
    portions: u32,
}

impl Batch {
    pub fn new(portions: u32) -> Batch {
        Batch {
            lock: Semaphore::new(1),
            ready: Cell::new(0),
            portions,
        }
    }

    /// Takes one portion, cooking a batch of `batch` steps first if the shelf is empty:
    /// `(start, done)`, start being when the lock was taken. `cooking` is told
    /// [`EventKind::BatchStarted`] and [`EventKind::BatchReady`] as they happen.
    pub async fn take<R: Runtime>(
        &self,
        rt: &R,
        batch: u64,
        mut cooking: impl FnMut(u64, EventKind),
    ) -> (u64, u64) {
        let _lock = self.lock.acquire().await;
        let start = rt.now();
        let mut done = start;
        if self.ready.get() == 0 {
            cooking(start, EventKind::BatchStarted);
            rt.sleep_until(start + batch).await;
            self.ready.set(self.portions);
            done = rt.now();
            cooking(done, EventKind::BatchReady);
        }
        self.ready.set(self.ready.get() - 1);
        (start, done)
    }
}
