//! What the engine tells whoever watches a run: the caller decides what is kept.
//!
//! A search keeps nothing per client (it counts each client into a histogram as it ends);
//! `planner run` keeps every visit to show its table; `--trace` keeps every event. So the
//! engine keeps nothing itself: it tells an [`Observe`]r, and the observer's associated
//! constants say which kinds of report it wants, so that a run that wants none pays nothing
//! for them.

use crate::outcome::trace::Event;
pub use crate::outcome::units::{UnitTime, Units};

/// Told about a run as it happens. Every method defaults to ignoring what it is told.
pub trait Observe: 'static {
    /// Whether [`Observe::visit`] is wanted.
    const VISITS: bool = false;
    /// Whether [`Observe::event`] is wanted.
    const EVENTS: bool = false;
    /// Whether [`Observe::attempt`] is wanted.
    const ATTEMPTS: bool = false;
    /// Whether [`Observe::units`] is wanted.
    const UNITS: bool = false;
    /// Whether [`Observe::stopped`] may ever say yes: asked between instants only then.
    const STOPS: bool = false;

    /// A client reached a station and joined its queue, at `at` (steps); told when
    /// [`Observe::VISITS`] is wanted, before the visit that follows. The visit's own
    /// record says when service began: told here rather than carried in the visit, so that a
    /// waiting client's future holds no more than it did.
    fn arrive(&mut self, _client: u32, _station: u16, _at: u64) {}

    /// A visit ended for a client: when the station started on it and when it was done.
    fn visit(&mut self, _visit: Visit) {}

    /// One step of the story `--trace` tells, in the order it happened.
    fn event(&mut self, _event: Event) {}

    /// An attempt ended: completed, or given up at its deadline.
    fn attempt(&mut self, _attempt: AttemptEnd) {}

    /// A client (an open loop's) or a request (a closed loop's) ended: served, or given up
    /// for good.
    fn done(&mut self, _done: Done) {}

    /// Service a station gave to an attempt that was then given up.
    fn wasted(&mut self, _station: u16, _steps: u64) {}

    /// A pool whose units change, at the start, at each sync and after each change of its
    /// desired or ready units.
    fn units(&mut self, _units: Units) {}

    /// At the end of a run, each pool whose units changed: the unit-time it paid for.
    fn unit_time(&mut self, _time: UnitTime) {}

    /// Whether the run may end now, its clients unfinished: the watcher has seen enough (a
    /// search's judge, once the configuration can no longer pass). Asked in virtual time
    /// only, each time the clock is about to move, when [`Observe::STOPS`] says it may.
    fn stopped(&self) -> bool {
        false
    }
}

/// A boxed observer is told what it is told: a big one (a search's judge) is boxed so that
/// the run moves a pointer where it moved the observer (the engine's model is built, put in
/// its `Rc` and taken apart again, each a copy).
impl<O: Observe> Observe for Box<O> {
    const VISITS: bool = O::VISITS;
    const EVENTS: bool = O::EVENTS;
    const ATTEMPTS: bool = O::ATTEMPTS;
    const UNITS: bool = O::UNITS;
    const STOPS: bool = O::STOPS;

    #[inline]
    fn arrive(&mut self, client: u32, station: u16, at: u64) {
        (**self).arrive(client, station, at)
    }

    #[inline]
    fn visit(&mut self, visit: Visit) {
        (**self).visit(visit)
    }

    #[inline]
    fn event(&mut self, event: Event) {
        (**self).event(event)
    }

    #[inline]
    fn attempt(&mut self, attempt: AttemptEnd) {
        (**self).attempt(attempt)
    }

    #[inline]
    fn done(&mut self, done: Done) {
        (**self).done(done)
    }

    #[inline]
    fn wasted(&mut self, station: u16, steps: u64) {
        (**self).wasted(station, steps)
    }

    #[inline]
    fn units(&mut self, units: Units) {
        (**self).units(units)
    }

    #[inline]
    fn unit_time(&mut self, time: UnitTime) {
        (**self).unit_time(time)
    }

    #[inline]
    fn stopped(&self) -> bool {
        (**self).stopped()
    }
}

/// One visit of one client to one station. Times in steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Visit {
    /// The open loop's client index, or the closed loop's request number.
    pub client: u32,
    /// Index in the service's stations.
    pub station: u16,
    /// When the station started on the client (a batch station: when the client got its
    /// lock).
    pub start: u64,
    /// When the station was done with it.
    pub done: u64,
}

/// One attempt of a client. Times in steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttemptEnd {
    /// The open loop's client index.
    pub client: u32,
    /// When it began: the client's due time, or the end of a backoff.
    pub start: u64,
    /// When it completed or was given up.
    pub end: u64,
    /// Whether it completed.
    pub served: bool,
}

/// How a client's (or a closed-loop request's) story ended. Times in steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Done {
    /// The open loop's client index (in due order), or the closed loop's request number (in
    /// the order requests started).
    pub client: u32,
    /// The closed loop's user who made the request (0 in an open loop).
    pub user: u32,
    /// Its request class (0 with one class).
    pub class: u32,
    /// Its first due time, or when the closed-loop request was sent: latency counts from here.
    pub due: u64,
    /// When it was served, or gave up for good.
    pub end: u64,
    /// Whether an attempt completed (else the client gave up for good).
    pub served: bool,
    /// Attempts made, retries included.
    pub attempts: u32,
    /// The station where the served attempt queued longest before service, and how long
    /// (steps); `(u16::MAX, 0)` when it never queued or was not served.
    pub waited: (u16, u64),
}
