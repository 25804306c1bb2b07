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

use std::cell::RefCell;
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Waiting,
    Granted,
    /// Dropped while waiting; removed when it reaches the front.
    Gone,
}

struct Node {
    state: State,
    waker: Option<Waker>,
}

struct Inner {
    free: u32,
    /// Waiters in arrival order, as indexes into `nodes`.
    queue: VecDeque<u32>,
    nodes: Vec<Node>,
    vacant: Vec<u32>,
}

impl Inner {
    fn release(&mut self) {
        while let Some(front) = self.queue.pop_front() {
            let node = &mut self.nodes[front as usize];
            match node.state {
                State::Waiting => {
                    node.state = State::Granted;
                    if let Some(w) = node.waker.take() {
                        w.wake();
                    }
                    return;
                }
                State::Gone => self.vacant.push(front),
                State::Granted => unreachable!("a granted waiter has left the queue"),
            }
        }
        self.free += 1;
    }
}

/// `units` identical units, handed out first come, first served.
pub struct Semaphore {
    inner: RefCell<Inner>,
}

impl Semaphore {
    pub fn new(units: u32) -> Semaphore {
        Semaphore {
            inner: RefCell::new(Inner {
                free: units,
                queue: VecDeque::new(),
                nodes: Vec::new(),
                vacant: Vec::new(),
            }),
        }
    }

    /// Waits for a unit, behind everyone already waiting.
    pub fn acquire(&self) -> Acquire<'_> {
        Acquire {
            semaphore: self,
            node: None,
        }
    }

    #[cfg(test)]
    fn free(&self) -> u32 {
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

/// The future of [`Semaphore::acquire`].
pub struct Acquire<'a> {
    semaphore: &'a Semaphore,
    /// Our place in the queue, once we had to wait.
    node: Option<u32>,
}

impl<'a> Future for Acquire<'a> {
    type Output = Permit<'a>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Permit<'a>> {
        let semaphore = self.semaphore;
        let mut inner = semaphore.inner.borrow_mut();
        match self.node {
            None => {
                // A unit is free only when nobody waits (`release` serves waiters first).
                if inner.free > 0 {
                    inner.free -= 1;
                    return Poll::Ready(Permit { semaphore });
                }
                let node = Node {
                    state: State::Waiting,
                    waker: Some(cx.waker().clone()),
                };
                let index = match inner.vacant.pop() {
                    Some(i) => {
                        inner.nodes[i as usize] = node;
                        i
                    }
                    None => {
                        inner.nodes.push(node);
                        (inner.nodes.len() - 1) as u32
                    }
                };
                inner.queue.push_back(index);
                drop(inner);
                self.node = Some(index);
                Poll::Pending
            }
            Some(index) => {
                let node = &mut inner.nodes[index as usize];
                if node.state == State::Granted {
                    inner.vacant.push(index);
                    drop(inner);
                    self.node = None;
                    return Poll::Ready(Permit { semaphore });
                }
                match &node.waker {
                    Some(w) if w.will_wake(cx.waker()) => {}
                    _ => node.waker = Some(cx.waker().clone()),
                }
                Poll::Pending
            }
        }
    }
}

impl Drop for Acquire<'_> {
    fn drop(&mut self) {
        let Some(index) = self.node else { return };
        let mut inner = self.semaphore.inner.borrow_mut();
        let node = &mut inner.nodes[index as usize];
        node.waker = None;
        match node.state {
            State::Waiting => node.state = State::Gone,
            State::Granted => {
                inner.vacant.push(index);
                inner.release();
            }
            State::Gone => {}
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
}
