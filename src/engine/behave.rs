//! Clients that behave: patience (a client gives up and its future is dropped), retries with
//! backoff, and a closed loop of users who think between requests. Virtual time only.
//!
//! Giving up is dropping the client's future at its deadline: a select between the order and
//! a sleep on the executor, the deadline taking its turn after everything else due at its
//! instant (so an order done at its deadline is done, whatever the order timers were set in). What that drop does is the stations' business, and it is why
//! every primitive is cancel-safe ([`super::sync`]): a visit still queued leaves the FIFO and
//! never receives a unit. A visit in service is detached from the client before its service
//! sleep (the unit released by a task of its own at the end: the work is wasted, not undone),
//! unless `cancel_all`, when the unit goes with the dropped future at once. A batch being
//! cooked is always detached: it finishes, and its portions stay on the shelf.

use std::cell::{Cell, RefCell};
use std::future::{poll_fn, Future};
use std::pin::{pin, Pin};
use std::rc::Rc;
use std::task::Poll;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Exp};

mod flow;

pub use flow::{
    simulate_behaving_classes, simulate_closed_classes, ClassTally, Drawn, RequestDraw,
};

use super::exec;
use super::join::Join;
use super::station::{Batch, Pool};
use super::{EngineError, Kind, Station};

/// How open-loop clients behave when their order is slow. Times in steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Behaviour {
    /// A client whose attempt has not completed this long after it began gives it up.
    pub patience: Option<u64>,
    /// Giving up also frees the units serving the client at once (else their work runs on).
    pub cancel_all: bool,
    /// Fresh attempts after giving up, at most.
    pub retries: u32,
    /// Wait before the k-th retry: `backoff · 2^(k-1)`.
    pub backoff: u64,
    /// Draw each wait uniformly in [0, that] from this seed's stream.
    pub jitter: Option<u64>,
}

/// What became of one client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fate {
    /// Its first due time: latency counts from here, whatever the retries.
    pub due: u64,
    /// When an attempt completed, or `None` when the client gave up for good.
    pub served: Option<u64>,
    /// Attempts made (1 without retries).
    pub attempts: u32,
    /// When it was served or gave up for good.
    pub ended: u64,
    /// Its request class (index into the scenario's `[[request]]`s); 0 without classes.
    pub class: u32,
}

/// One attempt of an open-loop client, for the reports that draw the offered load over time
/// and trace who gave up and retried when.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attempt {
    /// 0-based client who made it.
    pub client: u32,
    /// When it began (its due time, or the end of a backoff), in steps.
    pub start: u64,
    /// When it completed or was given up, in steps.
    pub end: u64,
    /// Whether it completed (else it was given up at `end`).
    pub served: bool,
}

/// One closed-loop request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Request {
    /// 0-based user who made it.
    pub user: u32,
    /// When the user sent it, in steps: its latency counts from here.
    pub start: u64,
    /// When its whole order was served, in steps.
    pub done: u64,
    /// Its request class (index into the scenario's `[[request]]`s), drawn as it started, so
    /// that a search can judge it by its class's objective; 0 without classes.
    pub class: u32,
}

/// A closed loop: `users` users each repeat request → response → think, from time 0; a
/// request that would start after `duration` is not made. With request classes, each
/// request walks a flow of its own class ([`simulate_closed_classes`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ClosedLoop {
    /// The population: at most this many requests are in the system at once.
    pub users: u32,
    /// Mean think time in steps.
    pub think: u64,
    /// Think times exponential around `think` (else fixed).
    pub think_exponential: bool,
    /// Steps after which no user starts a new request (those in flight finish).
    pub duration: u64,
    /// Keys the think-time stream, so a run is the same for any thread count.
    pub seed: u64,
}

/// Service steps of one visit of (client, station), asked when an attempt starts (so draws
/// follow the executor's deterministic order). In a closed loop the client is the request's
/// number, in the order requests start.
pub type ServiceDraw = Box<dyn FnMut(u32, u16) -> u64>;

enum Live {
    Pool(Pool),
    Batch(Batch),
}

/// The pool services one attempt started: (station, start, end). Should the attempt be
/// given up, they are the work it wasted.
type Started = Rc<RefCell<Vec<(u16, u64, u64)>>>;

struct Shared {
    stations: Vec<Live>,
    /// Service steps spent per station on attempts that were given up.
    wasted: Vec<Cell<u64>>,
    fixed: Vec<u64>,
    draw: Option<RefCell<ServiceDraw>>,
    cancel_all: bool,
    /// Request classes: each attempt walks its client's flow instead of the fan-out.
    flows: Option<flow::Flows>,
    /// Clients waiting at their deadline for the rest of its instant (see [`before`]).
    yielding: Cell<usize>,
}

/// One attempt in progress, done at the step it returns: boxed, as a fan-out and a flow
/// are different futures.
type Order = Pin<Box<dyn Future<Output = u64>>>;

/// Where the cook of a detached batch stands: still waiting for it, done, or gone.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Cook {
    Waiting,
    Done,
    Gone,
}

/// Marks the cook gone if its visit is dropped before the batch is ready.
struct CookGuard(Rc<Cell<Cook>>);

impl Drop for CookGuard {
    fn drop(&mut self) {
        if self.0.get() == Cook::Waiting {
            self.0.set(Cook::Gone);
        }
    }
}

impl Shared {
    fn new(stations: &[Station], draw: Option<ServiceDraw>, cancel_all: bool) -> Rc<Shared> {
        Rc::new(Shared {
            stations: stations
                .iter()
                .map(|s| match s.kind {
                    Kind::Pool { units } => Live::Pool(Pool::new(units)),
                    Kind::Batch { portions } => Live::Batch(Batch::new(portions)),
                })
                .collect(),
            fixed: stations.iter().map(|s| s.service).collect(),
            wasted: stations.iter().map(|_| Cell::new(0)).collect(),
            draw: draw.map(RefCell::new),
            cancel_all,
            flows: None,
            yielding: Cell::new(0),
        })
    }

    fn service(&self, client: u32, station: u16) -> u64 {
        match &self.draw {
            Some(d) => d.borrow_mut()(client, station),
            None => self.fixed[station as usize],
        }
    }

    /// One visit; returns when it is done for the client.
    async fn visit(self: Rc<Self>, station: u16, service: u64, started: Started) -> u64 {
        match &self.stations[station as usize] {
            Live::Pool(pool) => {
                let unit = pool.acquire().await;
                let now = exec::now();
                let end = now + service;
                started.borrow_mut().push((station, now, end));
                if self.cancel_all {
                    exec::sleep_until(end).await;
                    drop(unit);
                } else {
                    unit.detach();
                    let me = self.clone();
                    exec::spawn(async move {
                        exec::sleep_until(end).await;
                        if let Live::Pool(pool) = &me.stations[station as usize] {
                            pool.release_detached();
                        }
                    });
                    exec::sleep_until(end).await;
                }
                end
            }
            Live::Batch(batch) => {
                let lock = batch.lock().await;
                let start = exec::now();
                if !batch.is_empty(&lock) {
                    batch.take(&lock);
                    return start;
                }
                let ready = start + service;
                let cook = Rc::new(Cell::new(Cook::Waiting));
                let guard = CookGuard(cook.clone());
                lock.detach();
                let me = self.clone();
                exec::spawn(async move {
                    exec::sleep_until(ready).await;
                    if let Live::Batch(batch) = &me.stations[station as usize] {
                        batch.finish_detached(cook.get() != Cook::Gone);
                    }
                });
                exec::sleep_until(ready).await;
                guard.0.set(Cook::Done);
                ready
            }
        }
    }

    /// One attempt of a client's order: its class's flow, or every station at once (done
    /// when all are).
    fn order(self: &Rc<Self>, client: u32, started: &Started) -> Order {
        if self.flows.is_some() {
            return self.walk_flow(client, started);
        }
        let visits: Vec<_> = (0..self.stations.len() as u16)
            .map(|s| {
                let service = self.service(client, s);
                self.clone().visit(s, service, started.clone())
            })
            .collect();
        Box::pin(async move { Join::new(visits.into_iter(), 0, |m, _, d| m.max(d)).await })
    }
}

/// `order`, unless `deadline` comes first: then `None`, the order dropped. An order done at
/// its deadline is done: the deadline waits for everything else due at its instant (a unit
/// handed over, a batch ready, by tasks whose timers may have been set after its own), so
/// that the outcome does not hang on the order timers were set in. `yielding` counts the
/// clients waiting so at their own deadline, who wait for everyone but each other.
async fn before<F: Future<Output = u64>>(
    order: F,
    deadline: Option<u64>,
    yielding: &Cell<usize>,
) -> Option<u64> {
    let Some(deadline) = deadline else {
        return Some(order.await);
    };
    let mut order = pin!(order);
    let mut sleep = pin!(exec::sleep_until(deadline));
    let mut waiting = false;
    poll_fn(|cx| {
        if let Poll::Ready(done) = order.as_mut().poll(cx) {
            if waiting {
                yielding.set(yielding.get() - 1);
            }
            return Poll::Ready(Some(done));
        }
        if sleep.as_mut().poll(cx).is_pending() {
            return Poll::Pending;
        }
        let queued_yielders = yielding.get() - usize::from(waiting);
        if exec::ready_count().saturating_sub(queued_yielders) > 0 {
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

fn check(stations: &[Station]) -> Result<(), EngineError> {
    if stations.is_empty() {
        return Err(EngineError::NoStations);
    }
    Ok(())
}

/// What an open-loop run of behaving clients recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Behaved {
    /// Each client's fate, in client order.
    pub fates: Vec<Fate>,
    /// Per station, the service steps spent on attempts that were given up.
    pub wasted: Vec<u64>,
    /// Every attempt, in the order they ended.
    pub attempts: Vec<Attempt>,
}

/// An open-loop load test whose clients give up and retry as `behaviour` says: client `i` is
/// first due at `due[i]` (non-decreasing).
pub fn simulate_behaving(
    stations: &[Station],
    due: &[u64],
    draw: Option<ServiceDraw>,
    behaviour: Behaviour,
) -> Result<Behaved, EngineError> {
    check(stations)?;
    check_due(due)?;
    let shared = Shared::new(stations, draw, behaviour.cancel_all);
    let clients = vec![(0, behaviour.patience); due.len()];
    Ok(open_loop(shared, due, behaviour, clients))
}

/// Due times a load test can run: some, in order.
fn check_due(due: &[u64]) -> Result<(), EngineError> {
    if due.is_empty() {
        return Err(EngineError::NoClients);
    }
    if let Some(i) = due.windows(2).position(|w| w[1] < w[0]) {
        return Err(EngineError::UnsortedArrivals(i + 1));
    }
    Ok(())
}

/// Runs the open loop: client `i`, of class and patience `clients[i]`, first due at `due[i]`.
/// The patience is per client, as request classes each have their own.
fn open_loop(
    shared: Rc<Shared>,
    due: &[u64],
    behaviour: Behaviour,
    clients: Vec<(u32, Option<u64>)>,
) -> Behaved {
    let fates: Rc<RefCell<Vec<Fate>>> = Rc::new(RefCell::new(
        due.iter()
            .zip(&clients)
            .map(|(&d, &(class, _))| Fate {
                due: d,
                served: None,
                attempts: 0,
                ended: d,
                class,
            })
            .collect(),
    ));
    let jitter = Rc::new(RefCell::new(
        behaviour
            .jitter
            .map(|seed| ChaCha8Rng::seed_from_u64(seed ^ 0x6a69_7474_6572)),
    ));
    let log: Rc<RefCell<Vec<Attempt>>> = Rc::default();
    let log_out = log.clone();
    let due = due.to_vec();
    let out = fates.clone();
    let totals = shared.clone();
    exec::run(async move {
        for (client, &first) in due.iter().enumerate() {
            exec::sleep_until(first).await;
            let shared = shared.clone();
            let fates = fates.clone();
            let jitter = jitter.clone();
            let log = log.clone();
            let patience = clients[client].1;
            exec::spawn(async move {
                let mut start = first;
                let mut attempts = 0u32;
                loop {
                    attempts += 1;
                    let deadline = patience.map(|p| start + p);
                    let started: Started = Rc::default();
                    let order = shared.order(client as u32, &started);
                    let done = before(order, deadline, &shared.yielding).await;
                    log.borrow_mut().push(Attempt {
                        client: client as u32,
                        start,
                        end: exec::now(),
                        served: done.is_some(),
                    });
                    if done.is_none() {
                        // Given up at its deadline, now: the work it started was for nothing
                        // (cut short there when the units were freed).
                        let now = exec::now();
                        for &(s, from, to) in started.borrow().iter() {
                            let to = if behaviour.cancel_all {
                                to.min(now)
                            } else {
                                to
                            };
                            let w = &shared.wasted[s as usize];
                            w.set(w.get() + to.saturating_sub(from));
                        }
                    }
                    if done.is_some() || attempts > behaviour.retries {
                        let mut f = fates.borrow_mut();
                        f[client].served = done;
                        f[client].attempts = attempts;
                        f[client].ended = exec::now();
                        return;
                    }
                    let wait = behaviour
                        .backoff
                        .saturating_mul(1u64 << (attempts - 1).min(62));
                    let wait = match jitter.borrow_mut().as_mut() {
                        Some(rng) => rng.random_range(0..=wait),
                        None => wait,
                    };
                    start = exec::now() + wait;
                    exec::sleep_until(start).await;
                }
            });
        }
    });
    let fates = out.take();
    let wasted = totals.wasted.iter().map(Cell::get).collect();
    let attempts = log_out.take();
    Behaved {
        fates,
        wasted,
        attempts,
    }
}

/// A closed loop of users (see [`ClosedLoop`]); returns every request made, in the order
/// they completed.
pub fn simulate_closed(
    stations: &[Station],
    closed: ClosedLoop,
    draw: Option<ServiceDraw>,
) -> Result<Vec<Request>, EngineError> {
    check(stations)?;
    if closed.users == 0 {
        return Err(EngineError::NoClients);
    }
    Ok(closed_loop(Shared::new(stations, draw, false), closed))
}

/// Runs the closed loop; each request draws its class and flow as it starts (with classes).
fn closed_loop(shared: Rc<Shared>, closed: ClosedLoop) -> Vec<Request> {
    let requests = Rc::new(RefCell::new(Vec::new()));
    let think = Rc::new(RefCell::new(ChaCha8Rng::seed_from_u64(
        closed.seed ^ 0x0074_6869_6e6b,
    )));
    let out = requests.clone();
    let made = Rc::new(Cell::new(0u32));
    exec::run(async move {
        for user in 0..closed.users {
            let shared = shared.clone();
            let requests = requests.clone();
            let think = think.clone();
            let made = made.clone();
            exec::spawn(async move {
                loop {
                    let start = exec::now();
                    if start > closed.duration {
                        return;
                    }
                    let number = made.get();
                    made.set(number + 1);
                    shared.admit(number);
                    let class = shared.class_of(number);
                    let done = shared.order(number, &Rc::default()).await;
                    requests.borrow_mut().push(Request {
                        user,
                        start,
                        done,
                        class,
                    });
                    let pause = if closed.think_exponential && closed.think > 0 {
                        let exp = Exp::new(1.0 / closed.think as f64).expect("think > 0");
                        exp.sample(&mut *think.borrow_mut()).round() as u64
                    } else {
                        closed.think
                    };
                    exec::sleep_until(exec::now() + pause).await;
                }
            });
        }
    });
    out.take()
}

#[cfg(test)]
mod tests;
