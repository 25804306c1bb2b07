//! The clients: one future per client of an open loop, one per user of a closed loop, and the
//! drivers that start them.
//!
//! A client makes attempts. An attempt is its class's plan walked once; a client with a
//! patience gives it up at its deadline, which is dropping the attempt's future: a select
//! between the attempt and a sleep, the deadline taking its turn after everything else due at
//! its instant (so that an attempt done at its deadline is done, whatever the order timers
//! were set in). What that drop does is the stations' business, and it is why every primitive
//! is cancel-safe ([`super::sync`]): a visit still queued leaves its FIFO and never receives
//! a unit; one in service runs on, detached (see [`super::live`]), unless `cancel_all`. A
//! client that gave up tries again after a backoff, up to its retries.

use std::cell::Cell;
use std::future::{poll_fn, Future};
use std::pin::pin;
use std::rc::Rc;
use std::task::Poll;

use super::clock::Runtime;
use super::live::{site, Model};
use super::observe::{AttemptEnd, Done, Observe};
use super::walk::{Ended, Reached};
use crate::outcome::trace::EventKind;
use crate::workload::clients::ClosedLoop;
use crate::workload::draws::Draws;

impl<R: Runtime, D: Draws, O: Observe> Model<R, D, O> {
    /// Open-loop client `client`, due now: attempts until one completes or its retries run
    /// out. A client that waits for ever makes one attempt, awaited here; one with a patience
    /// is boxed apart, so that the plain client's future, which lives for every client in
    /// flight, stays small. (A plain fn returning an async block: an `async fn` keeps its
    /// arguments twice.)
    #[allow(clippy::manual_async_fn)] // on purpose: see above
    pub(super) fn client(self: Rc<Self>, client: u32) -> impl Future<Output = ()> {
        async move {
            self.log(self.rt.now(), client, None, EventKind::Ordered);
            // The class is looked up again rather than kept across an await.
            let patience = self.rules.patience_of(self.class_of(client));
            let (served, ended, attempts) = match patience {
                None => {
                    let class = self.class_of(client);
                    let reached = self
                        .attempt::<{ site::ALONE }>(client, u64::from(client), class)
                        .await;
                    (
                        true,
                        reached.since(self.due[client as usize], self.rt.now()),
                        1,
                    )
                }
                Some(patience) => {
                    let class = self.class_of(client);
                    Box::pin(self.patient(client, class, patience)).await
                }
            };
            self.log(self.rt.now(), client, None, EventKind::Served);
            self.observer.borrow_mut().done(Done {
                client,
                user: 0,
                class: self.class_of(client),
                due: self.due[client as usize],
                end: if served { ended.at } else { self.rt.now() },
                served,
                attempts,
                waited: ended.waited,
            });
            self.finish_one();
        }
    }

    /// An open-loop client's class (0 with one class).
    fn class_of(&self, client: u32) -> u32 {
        self.class.get(client as usize).copied().unwrap_or(0)
    }

    /// A client with a patience: each attempt given up at its deadline, retried after a
    /// backoff until its retries run out. Returns whether it was served, how its last attempt
    /// ended, and its attempts.
    async fn patient(
        self: &Rc<Self>,
        client: u32,
        class: u32,
        patience: u64,
    ) -> (bool, Ended, u32) {
        let key = u64::from(client);
        let mut start = self.due[client as usize];
        let mut attempts = 0u32;
        loop {
            attempts += 1;
            let attempt = self.attempt::<{ site::RACED }>(client, key, class);
            let reached = before(attempt, start + patience, &self.yielding, &self.rt).await;
            let started = self.in_service.borrow_mut().remove(&client);
            if reached.is_none() {
                self.waste(started.unwrap_or_default());
            }
            if O::ATTEMPTS {
                self.observer.borrow_mut().attempt(AttemptEnd {
                    client,
                    start,
                    end: self.rt.now(),
                    served: reached.is_some(),
                });
            }
            if let Some(reached) = reached {
                return (true, reached.since(start, self.rt.now()), attempts);
            }
            if attempts > self.rules.retries {
                return (false, Ended::NOTHING, attempts);
            }
            let wait = self
                .rules
                .backoff
                .saturating_mul(1u64 << (attempts - 1).min(62));
            let wait = if self.rules.jitter {
                self.draws.jitter(key, attempts, wait)
            } else {
                wait
            };
            start = self.rt.now() + wait;
            self.rt.sleep_until(start).await;
        }
    }

    /// The work an attempt given up now had started: each service, to its end (or to now,
    /// when giving up frees the units at once).
    fn waste(&self, started: Vec<(u16, u64, u64)>) {
        let now = self.rt.now();
        for (station, from, to) in started {
            let to = if self.rules.cancel_all {
                to.min(now)
            } else {
                to
            };
            self.observer
                .borrow_mut()
                .wasted(station, to.saturating_sub(from));
        }
    }

    /// One user of a closed loop: request, response, think, until the loop's duration is
    /// over. Its requests are numbered across users in the order they start; each one's
    /// draws are keyed by the user and its own count of requests.
    #[allow(clippy::manual_async_fn)] // as `client`
    pub(super) fn user(
        self: Rc<Self>,
        user: u32,
        closed: ClosedLoop,
        made: Rc<Cell<u32>>,
    ) -> impl Future<Output = ()> {
        async move {
            let mut n = 0u32;
            loop {
                let start = self.rt.now();
                if start > closed.duration {
                    break;
                }
                let number = made.get();
                made.set(number + 1);
                // Its draws are the user's n-th request's, whatever the order others run in.
                let key = u64::from(user) << 32 | u64::from(n);
                n += 1;
                let class = self.draws.class(key);
                let ended = self
                    .attempt::<{ site::RACED }>(number, key, class)
                    .await
                    .since(start, self.rt.now());
                self.observer.borrow_mut().done(Done {
                    client: number,
                    user,
                    class,
                    due: start,
                    end: ended.at,
                    served: true,
                    attempts: 1,
                    waited: ended.waited,
                });
                let pause = self
                    .draws
                    .think(user, n, closed.think, closed.think_exponential);
                self.rt.sleep_until(self.rt.now() + pause).await;
            }
            self.finish_one();
        }
    }

    /// One client (or user) fewer; the last one wakes the driver.
    fn finish_one(&self) {
        let left = self.remaining.get() - 1;
        self.remaining.set(left);
        if left == 0 {
            if let Some(driver) = self.finished.take() {
                driver.wake();
            }
            if let Some(controller) = self.scaler.take() {
                controller.wake();
            }
        }
    }

    /// Waits until every client (or user) is done, and the controller of units that change
    /// has told its last.
    async fn all_done(&self) {
        poll_fn(|cx| {
            if self.remaining.get() == 0 {
                Poll::Ready(())
            } else {
                self.finished.set(Some(cx.waker().clone()));
                Poll::Pending
            }
        })
        .await;
        if self.scales() {
            poll_fn(|cx| {
                if self.control_done.get() {
                    Poll::Ready(())
                } else {
                    self.finished.set(Some(cx.waker().clone()));
                    Poll::Pending
                }
            })
            .await
        }
    }
}

/// The open-loop driver: starts each client's future when it is due (clients due at one
/// instant start in index order), then waits for the last one.
pub(super) async fn open_loop<R: Runtime, D: Draws, O: Observe>(model: Rc<Model<R, D, O>>) {
    for client in 0..model.due.len() {
        model.rt.sleep_until(model.due[client]).await;
        model.rt.spawn(|| model.clone().client(client as u32));
    }
    model.all_done().await
}

/// The closed-loop driver: every user starts at time 0, in order.
pub(super) async fn closed_loop<R: Runtime, D: Draws, O: Observe>(
    model: Rc<Model<R, D, O>>,
    closed: ClosedLoop,
) {
    let made = Rc::new(Cell::new(0u32));
    for user in 0..closed.users {
        model
            .rt
            .spawn(|| model.clone().user(user, closed, made.clone()));
    }
    model.all_done().await
}

/// `attempt`, unless `deadline` comes first: then `None`, the attempt dropped. An attempt
/// done at its deadline is done: the deadline waits for everything else due at its instant
/// (a unit handed over, a batch ready, by tasks whose timers may have been set after its
/// own), so that the outcome does not hang on the order timers were set in. `yielding`
/// counts the clients waiting so at their own deadline, who wait for everyone but each other.
async fn before<F: Future<Output = Reached>, R: Runtime>(
    attempt: F,
    deadline: u64,
    yielding: &Cell<usize>,
    rt: &R,
) -> Option<Reached> {
    let mut attempt = pin!(attempt);
    let mut sleep = pin!(rt.sleep_until(deadline));
    let mut waiting = false;
    poll_fn(|cx| {
        if let Poll::Ready(done) = attempt.as_mut().poll(cx) {
            if waiting {
                yielding.set(yielding.get() - 1);
            }
            return Poll::Ready(Some(done));
        }
        if sleep.as_mut().poll(cx).is_pending() {
            return Poll::Pending;
        }
        let queued_yielders = yielding.get() - usize::from(waiting);
        if rt.others_ready().saturating_sub(queued_yielders) > 0 {
            if !waiting {
                waiting = true;
                yielding.set(yielding.get() + 1);
            }
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        if waiting {
            yielding.set(yielding.get() - 1);
        }
        Poll::Ready(None)
    })
    .await
}
