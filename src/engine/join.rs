//! Futures at once, done when every one is done: the one join behind a client's visits to
//! every station, a flow's `all(...)`, and both for clients that give up.
//!
//! A join is polled whenever any of its futures is woken. Polling every pending future then
//! costs the join's width per wake, and a join of `n` futures that end one by one is woken
//! about `n` times: `n²` in all (a flow of 30,000 branches took 18 s, one of 100,000 never
//! ended). So a wide join gives each future its own waker and polls only those woken since
//! it last looked. A narrow one polls them all, which costs less than the wakers (as
//! `futures`' `join_all` does below 30).
//!
//! Either way the futures are polled in index order, and each at most once per poll of the
//! join, as polling them all does: a future woken during the poll at an index already passed
//! waits for the join's next poll (its waker has woken the join's task again). Polling a
//! future that was not woken does nothing, so both ways make the same model, to the step and
//! in the same order. The virtual executor's timers wake the task that set them, not a
//! waker: a wide join tells it which future is polling ([`exec::timers_wake`]), so that a
//! timer wakes that future.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, Wake, Waker};

use super::exec;

/// Joins wider than this give each future its own waker.
const NARROW: usize = 32;

/// Every future of `futures` at once; its output folds theirs with `fold(acc, index, output)`
/// as each ends, from `start`. Part of every waiting client's future, so kept small: 40
/// bytes with a function as `fold`.
pub(super) struct Join<F: Future, A, G> {
    futures: Pin<Box<[Option<F>]>>,
    acc: A,
    fold: G,
    /// `Some` for a wide join: which futures were woken, and how many are left.
    wakes: Option<Box<Wakes>>,
}

impl<F, A, G> Join<F, A, G>
where
    F: Future,
    G: FnMut(A, usize, F::Output) -> A,
{
    pub(super) fn new(futures: impl Iterator<Item = F>, start: A, fold: G) -> Self {
        let futures: Box<[Option<F>]> = futures.map(Some).collect();
        let width = futures.len();
        Join {
            wakes: (width > NARROW).then(|| Box::new(Wakes::new(width))),
            futures: Box::into_pin(futures),
            acc: start,
            fold,
        }
    }
}

impl<F, A, G> Future for Join<F, A, G>
where
    F: Future,
    G: FnMut(A, usize, F::Output) -> A + Unpin,
    A: Copy + Unpin,
{
    type Output = A;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<A> {
        // (`Join` itself is `Unpin`: its futures are pinned in their box.)
        let this = self.get_mut();
        let done = match this.wakes.take() {
            None => {
                let mut running = false;
                for i in 0..this.futures.len() {
                    running |= this.step(i, cx).is_pending();
                }
                !running
            }
            Some(mut wakes) => {
                let done = wakes.each_woken(cx, |i, cx| this.step(i, cx));
                this.wakes = Some(wakes);
                done
            }
        };
        if done {
            Poll::Ready(this.acc)
        } else {
            Poll::Pending
        }
    }
}

impl<F, A, G> Join<F, A, G>
where
    F: Future,
    G: FnMut(A, usize, F::Output) -> A,
    A: Copy,
{
    /// Polls future `i` if it is still running: `Ready(true)` if it has just ended,
    /// `Ready(false)` if it had before. (Inlined: it is the join's inner loop.)
    #[inline(always)]
    fn step(&mut self, i: usize, cx: &mut Context<'_>) -> Poll<bool> {
        // SAFETY: the futures stay where their box put them: each is polled in place and,
        // once done, dropped in place (`set(None)`); none is ever moved out.
        let futures = unsafe { self.futures.as_mut().get_unchecked_mut() };
        let mut slot = unsafe { Pin::new_unchecked(&mut futures[i]) };
        let Some(future) = slot.as_mut().as_pin_mut() else {
            return Poll::Ready(false);
        };
        let Poll::Ready(output) = future.poll(cx) else {
            return Poll::Pending;
        };
        slot.set(None);
        self.acc = (self.fold)(self.acc, i, output);
        Poll::Ready(true)
    }
}

/// A wide join's record of which futures were woken, and a waker per future that records it.
struct Wakes {
    shared: Arc<Shared>,
    wakers: Box<[Waker]>,
    /// Futures still running.
    left: usize,
}

struct Shared {
    state: Mutex<State>,
}

struct State {
    /// The join's own waker, as of its last poll: every future's wake is passed on to it.
    parent: Option<Waker>,
    /// Woken futures not polled since, smallest index first; `queued` keeps each once.
    woken: BinaryHeap<Reverse<u32>>,
    queued: Vec<bool>,
}

/// One future's waker: notes the future as woken, then wakes the join.
struct FutureWaker {
    shared: Arc<Shared>,
    index: u32,
}

impl Wake for FutureWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        let parent = {
            let mut state = self.shared.lock();
            let i = self.index as usize;
            if !state.queued[i] {
                state.queued[i] = true;
                state.woken.push(Reverse(self.index));
            }
            state.parent.clone()
        };
        if let Some(parent) = parent {
            parent.wake();
        }
    }
}

impl Shared {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic while the lock was held left a consistent heap: nothing to recover.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Wakes {
    /// Every future counts as woken before the first poll.
    fn new(n: usize) -> Wakes {
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                parent: None,
                woken: (0..n as u32).map(Reverse).collect(),
                queued: vec![true; n],
            }),
        });
        let wakers = (0..n as u32)
            .map(|index| {
                Waker::from(Arc::new(FutureWaker {
                    shared: shared.clone(),
                    index,
                }))
            })
            .collect();
        Wakes {
            shared,
            wakers,
            left: n,
        }
    }

    /// Calls `step(i, its context)` for each future woken since the last call, in index
    /// order; one woken meanwhile at an index already passed waits for the next call.
    /// `step` says whether the future has just ended (`Ready(true)`); true once none is
    /// left.
    fn each_woken(
        &mut self,
        cx: &Context<'_>,
        mut step: impl FnMut(usize, &mut Context<'_>) -> Poll<bool>,
    ) -> bool {
        {
            let mut state = self.shared.lock();
            if !state
                .parent
                .as_ref()
                .is_some_and(|p| p.will_wake(cx.waker()))
            {
                state.parent = Some(cx.waker().clone());
            }
        }
        let mut passed: Option<u32> = None;
        loop {
            let next = {
                let mut state = self.shared.lock();
                match state.woken.peek() {
                    Some(&Reverse(i)) if passed.is_none_or(|p| i > p) => {
                        state.woken.pop();
                        state.queued[i as usize] = false;
                        Some(i)
                    }
                    _ => None,
                }
            };
            let Some(i) = next else { break };
            passed = Some(i);
            let waker = &self.wakers[i as usize];
            let polled =
                exec::timers_wake(waker, || step(i as usize, &mut Context::from_waker(waker)));
            if polled == Poll::Ready(true) {
                self.left -= 1;
            }
        }
        self.left == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;
    use std::rc::Rc;

    /// A future that sleeps until `at` on the virtual clock, counting its polls.
    fn counted(at: u64, polls: Rc<Cell<u64>>) -> impl Future<Output = u64> {
        let mut sleep = None;
        std::future::poll_fn(move |_| {
            polls.set(polls.get() + 1);
            let s = sleep.get_or_insert_with(|| Box::pin(exec::sleep_until(at)));
            s.as_mut()
                .poll(&mut Context::from_waker(Waker::noop()))
                .map(|()| at)
        })
    }

    fn run_join(width: u64) -> (u64, u64) {
        let polls = Rc::new(Cell::new(0));
        let result = Rc::new(Cell::new(0));
        let (p, r) = (polls.clone(), result.clone());
        exec::run(async move {
            // Each future ends at its own instant, the last first: a wake per future.
            let join = Join::new(
                (0..width).map(|i| counted(width - i, p.clone())),
                0,
                |m, _, d| std::cmp::max(m, d),
            );
            r.set(join.await);
        });
        (polls.get(), result.get())
    }

    #[test]
    fn a_wide_join_polls_each_future_about_once_per_wake() {
        // Both wider than `NARROW`.
        for width in [100, 20_000] {
            let (polls, last) = run_join(width);
            assert_eq!(last, width);
            // Each future is polled when the join starts and when its timer fires.
            assert_eq!(polls, 2 * width, "{width} futures");
        }
    }

    #[test]
    fn a_narrow_join_polls_every_future_at_every_wake() {
        let (polls, last) = run_join(10);
        assert_eq!(last, 10);
        // Started together, then 10 wakes polling the 10, 9, … 1 futures left.
        assert_eq!(polls, 10 + (1..=10).sum::<u64>());
    }
}
