//! The stations as async primitives: what a client's future awaits at each visit.
//!
//! A visit is a few lines of async code over these (see the model's `visit`): wait for a unit
//! or the lock, read the clock, sleep the service. Flows compose such visits. They are kept
//! flat (one async fn per visit, no nested wrapper futures) because a visit's future is alive
//! for every waiting client: its size is memory per client.

use std::cell::Cell;

use super::sync::{Acquire, Permit, Semaphore};

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

    /// A pool whose units change: `units` ready now, their time kept on `clock`.
    pub(super) fn metered(units: u32, clock: std::rc::Rc<dyn Fn() -> u64>) -> Pool {
        Pool {
            units: Semaphore::metered(units, super::meter::Meter::new(units, clock)),
        }
    }

    /// Gives back a unit whose permit was detached (a service outliving its client).
    pub fn release_detached(&self) {
        self.units.release_detached();
    }

    /// The semaphore itself, for the controller that adds and retires units.
    pub(super) fn units(&self) -> &Semaphore {
        &self.units
    }

    #[cfg(test)]
    pub(super) fn free(&self) -> u32 {
        self.units.free()
    }

    /// Waits FIFO for a free unit; the unit is given back when the permit is dropped.
    pub fn acquire(&self) -> Acquire<'_> {
        self.units.acquire()
    }
}

/// A shelf refilled `portions` at a time by whoever finds it empty, under one FIFO lock;
/// the batch cooks while the lock is held, so later clients queue behind it (the seed's
/// fryer).
pub struct Batch {
    lock: Semaphore,
    ready: Cell<u32>,
    portions: u32,
    /// A batch cooked under a detached lock: whether its cook came for its portion when it
    /// was ready (a cook that gave up never comes).
    cook_came: Cell<bool>,
}

impl Batch {
    pub fn new(portions: u32) -> Batch {
        Batch {
            lock: Semaphore::new(1),
            ready: Cell::new(0),
            portions,
            cook_came: Cell::new(false),
        }
    }

    /// Waits FIFO for the lock over the shelf.
    pub fn lock(&self) -> Acquire<'_> {
        self.lock.acquire()
    }

    /// Whether the holder of `_lock` must cook a batch before taking its portion.
    pub fn is_empty(&self, _lock: &Permit<'_>) -> bool {
        self.ready.get() == 0
    }

    /// A batch is ready: the shelf holds a full batch.
    pub fn refill(&self, _lock: &Permit<'_>) {
        self.ready.set(self.portions);
    }

    /// Takes one portion from a shelf that is not empty.
    pub fn take(&self, _lock: &Permit<'_>) {
        self.ready.set(self.ready.get() - 1);
    }

    /// Cooks under `lock` detached from its cook: the batch is the station's, finished by
    /// [`Batch::finish_detached`] whether the cook stays or not.
    pub fn detach_cook(&self, lock: Permit<'_>) {
        self.cook_came.set(false);
        lock.detach();
    }

    /// The cook of a detached batch is there when it is ready (it wakes before the task that
    /// finishes the batch, whose timer was set after its own).
    pub fn cook_came(&self) {
        self.cook_came.set(true);
    }

    /// Ends a batch cooked under a detached lock: the shelf is refilled, the cook takes its
    /// portion only if it came for it, and the lock goes to the next waiter. A batch always
    /// finishes, so that a client giving up never leaves the shelf half-cooked.
    pub fn finish_detached(&self) {
        self.ready
            .set(self.portions - u32::from(self.cook_came.get()));
        self.lock.release_detached();
    }

    /// Portions on the shelf (for tests).
    #[cfg(test)]
    pub(super) fn ready(&self) -> u32 {
        self.ready.get()
    }
}
