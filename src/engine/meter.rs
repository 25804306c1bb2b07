//! The unit-time of a pool whose units change: busy, ready and paid-for unit-steps, each the
//! integral of a count over the run, exact in steps.
//!
//! An autoscaler reads the busy share of a pool over its last sync period, and a run over
//! time is priced by the unit-hour, so such a pool keeps these integrals as it goes: they
//! change only when a count changes (a unit taken or given back, a unit added, starting or
//! leaving), and the semaphore calls [`Meter::tick`] just before each such change. A pool
//! whose units never change has no meter and pays nothing for it.

use std::rc::Rc;

/// A pool's counts, and their integrals up to `at`.
pub(super) struct Meter {
    /// The run's clock, in steps.
    clock: Rc<dyn Fn() -> u64>,
    at: u64,
    /// Units in the pool: ready to serve or serving, those leaving after their request
    /// included.
    pub(super) active: u32,
    /// Units created and not ready yet (paid for, serving nobody).
    pub(super) starting: u32,
    /// Integrals up to `at`, in unit-steps.
    pub(super) areas: Areas,
    /// The fewest and most units paid for at once (`active + starting`).
    pub(super) fewest: u32,
    pub(super) most: u32,
}

/// Unit-steps since the run began.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Areas {
    /// Of units serving a request.
    pub busy: u128,
    /// Of units in the pool (`active`).
    pub ready: u128,
    /// Of units paid for: in the pool or starting.
    pub paid: u128,
}

impl Areas {
    /// The busy share of the ready unit-time between `earlier` and these (0 when no unit
    /// was ready, which a pool that always keeps one never sees).
    pub fn busy_share_since(self, earlier: Areas) -> f64 {
        let ready = self.ready - earlier.ready;
        if ready == 0 {
            0.0
        } else {
            (self.busy - earlier.busy) as f64 / ready as f64
        }
    }
}

impl Meter {
    /// A pool of `units` ready from step 0. (Not the clock's now: the model is built before
    /// its run starts, while the executor's clock still shows the last run's end.)
    pub(super) fn new(units: u32, clock: Rc<dyn Fn() -> u64>) -> Meter {
        Meter {
            at: 0,
            clock,
            active: units,
            starting: 0,
            areas: Areas::default(),
            fewest: units,
            most: units,
        }
    }

    /// Brings the integrals to now, `free` of the active units idle since the last tick.
    pub(super) fn tick(&mut self, free: u32) {
        let now = (self.clock)();
        // The real clock rounds to the nearest step: it never goes back, but be safe.
        let dt = u128::from(now.saturating_sub(self.at));
        self.areas.busy += u128::from(self.active - free) * dt;
        self.areas.ready += u128::from(self.active) * dt;
        self.areas.paid += u128::from(self.active + self.starting) * dt;
        self.at = self.at.max(now);
    }

    /// Notes the units paid for after a change of `active` or `starting`.
    pub(super) fn counted(&mut self) {
        let paid = self.active + self.starting;
        self.fewest = self.fewest.min(paid);
        self.most = self.most.max(paid);
    }
}
