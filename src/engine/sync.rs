//! A single-threaded FIFO semaphore: the one primitive behind both kinds of station.
//!
//! Why not tokio's: every model future lives on one thread, so tokio's atomics and its
//! intrusive lists under a mutex are pure cost (the issue measured 3.5 M clients/s with them,
//! 5.9 M with single-threaded ones). It runs under any executor (wakers are all it uses), so
//! the real clock's tokio runtime runs the very same stations.
//!
//! FIFO by construction: a released unit goes straight to the longest waiter, and a newcomer
//! takes a free unit only when nobody waits. Cancel-safe: a waiter dropped before its turn
//! leaves the queue and never receives a unit; one dropped after a unit was handed to it but
//! before it saw it passes that unit on.
//!
//! Units may come and go while it runs (a pool whose units change, see `scale`): a unit
//! added goes to the longest waiter as a released one does; a unit retired leaves at once if
//! it is free, else when the request it holds gives it back, before any waiter gets it. No
//! waiter ever leaves the queue for it. Such a semaphore keeps a [`Meter`] of its units'
//! time; one whose units never change has none, and its two hot paths (a unit taken, a unit
//! given back) pay one test of an empty field each.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use super::meter::Meter;

/// Waiters hold tickets, numbered in arrival order; the queue holds the wakers of tickets
/// `head..`, a dropped waiter's entry emptied in place. A waiter whose ticket has left the
/// queue (is below `head`) while it still waits was handed a unit: the queue is popped only
/// to grant the front waiter or to skip a dropped one. So an entry is one `Option<Waker>`,
/// no node, no state.
struct Inner {
    free: u32,
    /// Busy units retired: each of the next units given back leaves instead of serving.
    leaving: u32,
    head: u64,
    queue: VecDeque<Option<Waker>>,
    /// Only a semaphore whose units change keeps their time.
    meter: Option<Box<Meter>>,
}

impl Inner {
    /// A unit given back: it leaves if one is owed, else goes to the longest waiter or
    /// joins the free ones.
    #[inline]
    fn release(&mut self) {
        if self.meter.is_some() {
            return self.release_metered();
        }
        self.hand_out();
    }

    /// A unit to serve: the longest waiter's, or free.
    #[inline]
    fn hand_out(&mut self) {
        while let Some(front) = self.queue.pop_front() {
            self.head += 1;
            if let Some(waiter) = front {
                waiter.wake();
                return;
            }
        }
        self.free += 1;
    }

    #[cold]
    fn release_metered(&mut self) {
        self.tick();
        if self.leaving > 0 {
            self.leaving -= 1;
            let meter = self.meter.as_mut().expect("metered");
            meter.active -= 1;
            meter.counted();
        } else {
            self.hand_out();
        }
    }

    /// A free unit taken.
    #[inline]
    fn take_free(&mut self) {
        if self.meter.is_some() {
            self.tick();
        }
        self.free -= 1;
    }

    /// Brings the meter's integrals to now, before a count changes.
    fn tick(&mut self) {
        if let Some(meter) = self.meter.as_mut() {
            meter.tick(self.free);
        }
    }
}

/// The waiters a queue has room for before it first grows.
const QUEUED_FIRST: usize = 8;

/// `units` identical units, handed out first come, first served.
pub struct Semaphore {
    inner: RefCell<Inner>,
}

impl Semaphore {
    pub fn new(units: u32) -> Semaphore {
        Semaphore {
            inner: RefCell::new(Inner {
                free: units,
                leaving: 0,
                head: 0,
                // Room for a few waiters at once: a sweep's 10-client test queues at two of
                // its three stations, and growing from empty cost more than the allocation.
                queue: VecDeque::with_capacity(QUEUED_FIRST),
                meter: None,
            }),
        }
    }

    /// `units` units that may come and go, their time kept by `meter`.
    pub(super) fn metered(units: u32, meter: Meter) -> Semaphore {
        let semaphore = Semaphore::new(units);
        semaphore.inner.borrow_mut().meter = Some(Box::new(meter));
        semaphore
    }

    /// `n` units ready now, each to the longest waiter or free. (A unit owed to a retirement
    /// is not cancelled by one added: it leaves when given back, as it was told to.)
    pub(super) fn add(&self, n: u32) {
        let mut inner = self.inner.borrow_mut();
        inner.tick();
        if let Some(meter) = inner.meter.as_mut() {
            meter.active += n;
            meter.counted();
        }
        for _ in 0..n {
            inner.hand_out();
        }
    }

    /// Retires `n` units that are not leaving yet: free ones at once, then busy ones as
    /// their requests give them back. Returns how many left at once.
    pub(super) fn retire(&self, n: u32) -> u32 {
        let mut inner = self.inner.borrow_mut();
        debug_assert!(n <= inner.meter.as_ref().map_or(0, |m| m.active) - inner.leaving);
        inner.tick();
        let idle = n.min(inner.free);
        inner.free -= idle;
        inner.leaving += n - idle;
        if let Some(meter) = inner.meter.as_mut() {
            meter.active -= idle;
            meter.counted();
        }
        idle
    }

    /// Units in the pool and not leaving: those a waiter may still get.
    pub(super) fn ready(&self) -> u32 {
        let inner = self.inner.borrow();
        inner.meter.as_ref().map_or(0, |m| m.active) - inner.leaving
    }

    /// Units created and starting: paid for, not ready yet.
    pub(super) fn set_starting(&self, starting: u32) {
        let mut inner = self.inner.borrow_mut();
        inner.tick();
        if let Some(meter) = inner.meter.as_mut() {
            meter.starting = starting;
            meter.counted();
        }
    }

    /// The meter brought to now: its integrals, and the fewest and most units paid for.
    pub(super) fn read_meter(&self) -> Option<(super::meter::Areas, u32, u32)> {
        let mut inner = self.inner.borrow_mut();
        inner.tick();
        inner.meter.as_ref().map(|m| (m.areas, m.fewest, m.most))
    }

    /// Waits for a unit, behind everyone already waiting.
    pub fn acquire(&self) -> Acquire<'_> {
        Acquire {
            semaphore: self,
            ticket: NOT_QUEUED,
        }
    }

    /// Gives back a unit whose permit was [`Permit::detach`]ed: work that outlives the
    /// client that asked for it (a service running to its end after the client gave up).
    pub fn release_detached(&self) {
        self.inner.borrow_mut().release();
    }

    #[cfg(test)]
    pub(super) fn free(&self) -> u32 {
        self.inner.borrow().free
    }
}

/// A unit held: given back (to the next waiter, if any) when dropped.
pub struct Permit<'a> {
    semaphore: &'a Semaphore,
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        self.semaphore.inner.borrow_mut().release();
    }
}

impl Permit<'_> {
    /// Keeps the unit held after the permit is gone, until [`Semaphore::release_detached`]:
    /// the holder's future may then be dropped without freeing the unit.
    pub fn detach(self) {
        std::mem::forget(self);
    }
}

const NOT_QUEUED: u64 = u64::MAX;

/// The future of [`Semaphore::acquire`].
pub struct Acquire<'a> {
    semaphore: &'a Semaphore,
    /// Our place in the queue once we had to wait, else `NOT_QUEUED`.
    ticket: u64,
}

impl<'a> Future for Acquire<'a> {
    type Output = Permit<'a>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Permit<'a>> {
        let semaphore = self.semaphore;
        let mut inner = semaphore.inner.borrow_mut();
        if self.ticket == NOT_QUEUED {
            // A unit is free only when nobody waits (`release` serves waiters first).
            if inner.free > 0 {
                inner.take_free();
                return Poll::Ready(Permit { semaphore });
            }
            let ticket = inner.head + inner.queue.len() as u64;
            inner.queue.push_back(Some(cx.waker().clone()));
            drop(inner);
            self.ticket = ticket;
            return Poll::Pending;
        }
        if self.ticket < inner.head {
            drop(inner);
            self.ticket = NOT_QUEUED;
            return Poll::Ready(Permit { semaphore });
        }
        let at = (self.ticket - inner.head) as usize;
        match &mut inner.queue[at] {
            Some(w) if w.will_wake(cx.waker()) => {}
            entry => *entry = Some(cx.waker().clone()),
        }
        Poll::Pending
    }
}

impl Drop for Acquire<'_> {
    fn drop(&mut self) {
        if self.ticket == NOT_QUEUED {
            return;
        }
        let mut inner = self.semaphore.inner.borrow_mut();
        if self.ticket < inner.head {
            // Handed a unit it never saw: pass it on.
            inner.release();
        } else {
            let at = (self.ticket - inner.head) as usize;
            inner.queue[at] = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::task::Waker;

    fn poll<F: Future + Unpin>(f: &mut F) -> Poll<F::Output> {
        Pin::new(f).poll(&mut Context::from_waker(Waker::noop()))
    }

    #[test]
    fn units_go_to_waiters_in_arrival_order_and_never_to_a_newcomer_first() {
        let s = Semaphore::new(1);
        let held = poll(&mut s.acquire());
        let Poll::Ready(held) = held else {
            panic!("a free unit")
        };
        let mut a = s.acquire();
        let mut b = s.acquire();
        assert!(poll(&mut a).is_pending());
        assert!(poll(&mut b).is_pending());
        drop(held);
        // Handed to `a`, even before `a` is polled again: a newcomer must wait.
        let mut late = s.acquire();
        assert!(poll(&mut late).is_pending());
        assert!(poll(&mut b).is_pending());
        let Poll::Ready(pa) = poll(&mut a) else {
            panic!("a is first")
        };
        drop(pa);
        let Poll::Ready(pb) = poll(&mut b) else {
            panic!("then b")
        };
        assert!(poll(&mut late).is_pending());
        drop(pb);
        assert!(poll(&mut late).is_ready());
    }

    #[test]
    fn a_waiter_dropped_before_its_turn_leaves_the_queue_and_gets_nothing() {
        let s = Semaphore::new(1);
        let Poll::Ready(held) = poll(&mut s.acquire()) else {
            panic!()
        };
        let mut a = s.acquire();
        let mut b = s.acquire();
        assert!(poll(&mut a).is_pending());
        assert!(poll(&mut b).is_pending());
        drop(a);
        drop(held);
        // The unit skipped the dropped waiter.
        let Poll::Ready(pb) = poll(&mut b) else {
            panic!("b is served")
        };
        assert_eq!(s.free(), 0);
        drop(pb);
        assert_eq!(s.free(), 1);
    }

    #[test]
    fn a_waiter_dropped_after_being_handed_a_unit_passes_it_on() {
        let s = Semaphore::new(2);
        let Poll::Ready(one) = poll(&mut s.acquire()) else {
            panic!()
        };
        let Poll::Ready(two) = poll(&mut s.acquire()) else {
            panic!()
        };
        let mut a = s.acquire();
        let mut b = s.acquire();
        assert!(poll(&mut a).is_pending());
        assert!(poll(&mut b).is_pending());
        drop(one);
        drop(a);
        let Poll::Ready(pb) = poll(&mut b) else {
            panic!("b got a's unit")
        };
        drop(two);
        assert_eq!(s.free(), 1);
        drop(pb);
        assert_eq!(s.free(), 2);
        // Every unit back, and a dropped acquire that never waited changes nothing.
        drop(s.acquire());
        assert_eq!(s.free(), 2);
    }

    #[test]
    fn units_retired_while_busy_leave_before_any_waiter_is_served_and_added_ones_serve_at_once() {
        use std::cell::Cell;
        use std::rc::Rc;
        let now = Rc::new(Cell::new(0u64));
        let clock = now.clone();
        let s = Semaphore::metered(2, Meter::new(2, Rc::new(move || clock.get())));
        let Poll::Ready(one) = poll(&mut s.acquire()) else {
            panic!()
        };
        let Poll::Ready(two) = poll(&mut s.acquire()) else {
            panic!()
        };
        let mut waiter = s.acquire();
        assert!(poll(&mut waiter).is_pending());
        now.set(4);
        // Both busy: the one retired leaves when given back, and the waiter keeps waiting.
        assert_eq!(s.retire(1), 0);
        assert_eq!(s.ready(), 1);
        now.set(10);
        drop(one);
        assert!(poll(&mut waiter).is_pending());
        drop(two);
        let Poll::Ready(three) = poll(&mut waiter) else {
            panic!("the waiter got the unit that stayed")
        };
        // A unit added goes to the next waiter at once.
        let mut late = s.acquire();
        assert!(poll(&mut late).is_pending());
        now.set(12);
        s.add(1);
        assert!(poll(&mut late).is_ready());
        now.set(20);
        drop(three);
        let (areas, fewest, most) = s.read_meter().unwrap();
        // Busy: 2 units over 0..10, 1 over 10..20 (`late`'s permit was dropped at once).
        // Ready: 2, then 1 from 10, 2 again from 12.
        assert_eq!(areas.busy, 2 * 10 + 2 + 8);
        assert_eq!(areas.ready, 2 * 10 + 2 + 2 * 8);
        assert_eq!((fewest, most), (1, 2));
    }
}
