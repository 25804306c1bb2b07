//! Running one load test on a tokio runtime.

use std::cell::RefCell;
use std::future::{poll_fn, Future};
use std::pin::pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex as StdMutex};
use std::task::Poll;
use std::time::Duration;

use futures_util::future::join_all;
use tokio::runtime::{Builder, Runtime};
use tokio::sync::{Mutex, Notify, Semaphore};
use tokio::task::unconstrained;
use tokio::time::{sleep_until, Instant};

use super::{Clock, EngineError, Event, EventKind, Kind, Outcome, Station};
use crate::units::MAX_TIMER_STEPS;

thread_local! {
    /// One paused-clock runtime per thread, reused: building a runtime costs more than a
    /// small load test. Its clock only moves forward, and every run measures from its own start.
    static VIRTUAL: RefCell<Option<Runtime>> = const { RefCell::new(None) };
}

/// Runs one open-loop load test: client `i` is due at `due[i]` steps (non-decreasing) and
/// orders from every station at once. Returns when every client is served.
pub fn simulate(
    stations: &[Station],
    due: &[u64],
    clock: Clock,
    trace: bool,
) -> Result<Outcome, EngineError> {
    simulate_drawn(stations, due, None, clock, trace)
}

/// [`simulate`] with service times drawn in advance: `draws[client * stations + station]` is
/// the steps that station takes for that client (for a batch station, the batch that client
/// starts, if it starts one). Drawn before the run, they do not depend on the order in which
/// tasks happen to run.
pub fn simulate_drawn(
    stations: &[Station],
    due: &[u64],
    draws: Option<&[u64]>,
    clock: Clock,
    trace: bool,
) -> Result<Outcome, EngineError> {
    if let Some(d) = draws {
        if d.len() != due.len() * stations.len() {
            return Err(EngineError::DrawCount {
                expected: due.len() * stations.len(),
                got: d.len(),
            });
        }
        if let Some(&long) = d.iter().find(|&&x| x > MAX_TIMER_STEPS) {
            return Err(EngineError::ServiceTooLong(long));
        }
    }
    if stations.is_empty() {
        return Err(EngineError::NoStations);
    }
    if due.is_empty() {
        return Err(EngineError::NoClients);
    }
    let mut previous = 0;
    for (client, &d) in due.iter().enumerate() {
        if d < previous {
            return Err(EngineError::UnsortedArrivals(client));
        }
        if d - previous > MAX_TIMER_STEPS {
            return Err(EngineError::GapTooLong {
                client: client + 1,
                gap: d - previous,
            });
        }
        previous = d;
    }
    match clock {
        Clock::Virtual => VIRTUAL.with(|cell| {
            let mut slot = cell.borrow_mut();
            if slot.is_none() {
                let rt = Builder::new_current_thread()
                    .enable_time()
                    .start_paused(true)
                    .build()
                    .map_err(|e| EngineError::Runtime(e.to_string()))?;
                *slot = Some(rt);
            }
            let rt = slot.as_ref().expect("just built");
            // Every duration of this test is a multiple of `quantum` steps; one tokio
            // millisecond stands for one quantum, so timers stay close together in tokio's
            // wheel (the seed's 500 ms grid becomes 1 ms) and nothing is rounded.
            let quantum = stations
                .iter()
                .map(|s| s.service)
                .chain(due.iter().copied())
                .chain(draws.unwrap_or(&[]).iter().copied())
                .fold(0, gcd)
                .max(1);
            Ok(rt.block_on(drive(
                stations,
                due,
                draws,
                Duration::from_millis(1),
                trace,
                Some(quantum),
            )))
        }),
        Clock::Real {
            speed,
            step_seconds,
        } => {
            if !(speed.is_finite() && speed > 0.0) {
                return Err(EngineError::BadSpeed(speed));
            }
            let tick = Duration::from_secs_f64(step_seconds / speed);
            if tick.is_zero() {
                return Err(EngineError::TooFast {
                    speed,
                    step: step_seconds,
                });
            }
            let rt = Builder::new_current_thread()
                .enable_time()
                .build()
                .map_err(|e| EngineError::Runtime(e.to_string()))?;
            Ok(rt.block_on(drive(stations, due, draws, tick, trace, None)))
        }
    }
}

/// A station's live state inside one run.
enum Live {
    Pool {
        units: Semaphore,
        /// Service time in steps.
        steps: u64,
        /// When the last unit was released (steps).
        released: AtomicU64,
    },
    Batch {
        ready: Mutex<u32>,
        portions: u32,
        /// Batch time in steps.
        steps: u64,
        /// When the lock was last released (steps).
        released: AtomicU64,
    },
}

/// What every client task shares. Results go to atomics indexed by client, so that no task
/// handle has to be kept (a kept `JoinHandle` holds its finished task's memory).
struct Shared {
    origin: Instant,
    tick_nanos: u128,
    /// With the paused clock: how many steps one tokio millisecond stands for. Nothing moves
    /// between timers, so a sleep of `steps` that started at step `s` ends at exactly
    /// `s + steps`. `None` with the real clock.
    quantum: Option<u64>,
    stations: Vec<Live>,
    /// Drawn service steps per (client, station), when service times vary.
    draws: Option<Box<[u64]>>,
    start: Box<[AtomicU64]>,
    done: Box<[AtomicU64]>,
    remaining: AtomicUsize,
    finished: Notify,
    trace: Option<StdMutex<Vec<Event>>>,
}

impl Shared {
    /// The model time of `at` in steps (rounded, for the real clock's jitter).
    fn steps_at(&self, at: Instant) -> u64 {
        let since = at.duration_since(self.origin);
        match self.quantum {
            // Whole milliseconds, without 128-bit division.
            Some(q) => {
                (since.as_secs() * 1000 + (u64::from(since.subsec_nanos()) + 500_000) / 1_000_000)
                    * q
            }
            None => ((since.as_nanos() + self.tick_nanos / 2) / self.tick_nanos) as u64,
        }
    }

    /// The current model time in steps.
    fn now(&self) -> u64 {
        self.steps_at(Instant::now())
    }

    #[inline]
    fn log(&self, at: u64, client: usize, station: Option<usize>, kind: EventKind) {
        if let Some(trace) = &self.trace {
            trace.lock().expect("trace lock").push(Event {
                at,
                client: client as u32,
                station: station.map(|s| s as u16),
                kind,
            });
        }
    }

    /// The service steps this client gets here: drawn, or the station's fixed ones.
    fn service(&self, slot: usize, fixed: u64) -> u64 {
        match &self.draws {
            None => fixed,
            Some(d) => d[slot],
        }
    }

    /// The instant of a model time, for the timers.
    fn instant(&self, steps: u64) -> Instant {
        match self.quantum {
            Some(q) => self.origin + Duration::from_millis(steps / q),
            None => self.origin + steps_to_duration(steps, self.tick_nanos),
        }
    }

    /// When a client that got a unit or the lock started: under the paused clock without
    /// reading it. A client served at once started when it arrived (it is first polled at its
    /// due instant); one that waited got what a finishing client released, at that client's
    /// (derived) done time, before the clock could move on.
    fn started(&self, waited: bool, due: u64, released: &AtomicU64) -> u64 {
        match (self.quantum, waited) {
            (Some(_), false) => due,
            (Some(_), true) => released.load(Ordering::Relaxed),
            (None, _) => self.now(),
        }
    }

    /// One client at one station: wait FIFO, get served, record when.
    async fn visit(&self, client: usize, due: u64, station: usize) {
        let slot = client * self.stations.len() + station;
        // With the paused clock the end of service is known when it starts; the real clock
        // reads it after the fact.
        let finished = match &self.stations[station] {
            Live::Pool {
                units,
                steps,
                released,
            } => {
                // `try_acquire` only succeeds when nobody waits: tokio hands released
                // permits to waiters first, so this keeps the queue FIFO.
                let (unit, waited) = match units.try_acquire() {
                    Ok(unit) => (unit, false),
                    Err(_) => (units.acquire().await.expect("never closed"), true),
                };
                let steps = self.service(slot, *steps);
                let started = self.started(waited, due, released);
                self.start[slot].store(started, Ordering::Relaxed);
                self.log(started, client, Some(station), EventKind::ServiceStarted);
                sleep_quietly(self.instant(started + steps)).await;
                let finished = if self.quantum.is_some() {
                    started + steps
                } else {
                    self.now()
                };
                released.store(finished, Ordering::Relaxed);
                drop(unit);
                finished
            }
            Live::Batch {
                ready,
                portions,
                steps,
                released,
            } => {
                let (mut ready, waited) = match ready.try_lock() {
                    Ok(guard) => (guard, false),
                    Err(_) => (ready.lock().await, true),
                };
                let started = self.started(waited, due, released);
                self.start[slot].store(started, Ordering::Relaxed);
                let mut finished = started;
                if *ready == 0 {
                    // The seed cooks while holding the lock: later clients queue behind it.
                    self.log(started, client, Some(station), EventKind::BatchStarted);
                    let steps = self.service(slot, *steps);
                    sleep_quietly(self.instant(started + steps)).await;
                    *ready = *portions;
                    finished = if self.quantum.is_some() {
                        started + steps
                    } else {
                        self.now()
                    };
                    self.log(finished, client, Some(station), EventKind::BatchReady);
                }
                *ready -= 1;
                released.store(finished, Ordering::Relaxed);
                drop(ready);
                finished
            }
        };
        self.done[slot].store(finished, Ordering::Relaxed);
        self.log(finished, client, Some(station), EventKind::StationDone);
    }

    async fn order(self: Arc<Self>, client: usize, due: u64) {
        if self.trace.is_some() {
            self.log(self.now(), client, None, EventKind::Ordered);
        }
        join_all((0..self.stations.len()).map(|s| self.visit(client, due, s))).await;
        if self.trace.is_some() {
            self.log(self.now(), client, None, EventKind::Served);
        }
        if self.remaining.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.finished.notify_one();
        }
    }
}

fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

fn steps_to_duration(steps: u64, tick_nanos: u128) -> Duration {
    let nanos = steps as u128 * tick_nanos;
    match u64::try_from(nanos) {
        Ok(nanos) => Duration::from_nanos(nanos),
        Err(_) => Duration::new(
            (nanos / 1_000_000_000) as u64,
            (nanos % 1_000_000_000) as u32,
        ),
    }
}

/// The open-loop driver: spawns each client's task when it is due, then waits for all.
async fn drive(
    stations: &[Station],
    due: &[u64],
    draws: Option<&[u64]>,
    tick: Duration,
    trace: bool,
    quantum: Option<u64>,
) -> Outcome {
    let tick_nanos = tick.as_nanos();
    let n = due.len();
    let width = stations.len();
    let live = stations
        .iter()
        .map(|s| match s.kind {
            Kind::Pool { units } => Live::Pool {
                units: Semaphore::new(units as usize),
                steps: s.service,
                released: AtomicU64::new(0),
            },
            Kind::Batch { portions } => Live::Batch {
                ready: Mutex::new(0),
                portions,
                steps: s.service,
                released: AtomicU64::new(0),
            },
        })
        .collect();
    let zeros = |len: usize| (0..len).map(|_| AtomicU64::new(0)).collect::<Box<[_]>>();
    let shared = Arc::new(Shared {
        origin: Instant::now(),
        tick_nanos,
        quantum,
        stations: live,
        draws: draws.map(Box::from),
        start: zeros(n * width),
        done: zeros(n * width),
        remaining: AtomicUsize::new(n),
        finished: Notify::new(),
        trace: trace.then(|| StdMutex::new(Vec::new())),
    });
    let origin = shared.origin;
    // The driver is unconstrained so that tokio's cooperative budget never makes it yield
    // in the middle of a burst; clients spawned at one instant start in index order.
    unconstrained(async {
        // One timer, reset for each gap, instead of a new one per client.
        let mut timer = pin!(sleep_until(origin));
        // With the paused clock, time stands still between timers: when the driver's timer
        // fires, the clock is exactly at its deadline, and no `Instant::now()` is needed.
        let mut now = 0;
        for (client, &d) in due.iter().enumerate() {
            let at = shared.instant(d);
            let later = match quantum {
                Some(_) => d > now,
                None => at > Instant::now(),
            };
            if later {
                timer.as_mut().reset(at);
                timer.as_mut().await;
                now = d;
            }
            tokio::spawn(unconstrained(shared.clone().order(client, d)));
        }
        shared.finished.notified().await;
    })
    .await;
    let load = |v: &[AtomicU64]| v.iter().map(|a| a.load(Ordering::Relaxed)).collect();
    let trace = shared.trace.as_ref().map(|t| {
        let mut events = std::mem::take(&mut *t.lock().expect("trace lock"));
        // Stable: events at one instant keep the order in which they happened.
        events.sort_by_key(|e| e.at);
        events
    });
    Outcome {
        stations: width,
        due: due.to_vec(),
        start: load(&shared.start),
        done: load(&shared.done),
        trace,
    }
}

/// `sleep_until`, polled again only once it may have fired.
///
/// Why: tokio re-registers a sleep's waker on every poll (an atomic swap and a waker clone),
/// and a client's task is woken once by each of its stations, so with plain sleeps every wake
/// re-registered the timers of the stations still serving it: about two needless
/// registrations per client, 6–8 % of a load test's time (`cargo bench --bench engine`).
///
/// Skipping the poll is sound: tokio already holds a waker that wakes this same task (the
/// check is `Waker::will_wake`'s, on the data and vtable addresses), and it calls it when the
/// timer fires, which is also when `is_elapsed` turns true. Polled from another task, the sleep
/// is polled as usual.
pub async fn sleep_quietly(at: Instant) {
    let mut sleep = pin!(sleep_until(at));
    let mut registered: Option<(usize, usize)> = None;
    poll_fn(|cx| {
        let waker = (
            cx.waker().data() as usize,
            cx.waker().vtable() as *const _ as usize,
        );
        if registered == Some(waker) && !sleep.is_elapsed() {
            return Poll::Pending;
        }
        let poll = sleep.as_mut().poll(cx);
        registered = Some(waker);
        poll
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::task::{Context, Waker};

    fn paused() -> Runtime {
        Builder::new_current_thread()
            .enable_time()
            .start_paused(true)
            .build()
            .unwrap()
    }

    #[test]
    fn quiet_sleeps_joined_in_one_task_each_end_on_time() {
        paused().block_on(async {
            let origin = Instant::now();
            let ends = join_all([3u64, 1, 2].map(|ms| async move {
                sleep_quietly(origin + Duration::from_millis(ms)).await;
                Instant::now().duration_since(origin)
            }));
            let ends = tokio::time::timeout(Duration::from_millis(10), ends)
                .await
                .expect("every sleep ends");
            assert_eq!(ends, [3, 1, 2].map(Duration::from_millis));
        });
    }

    #[test]
    fn a_quiet_sleep_first_polled_elsewhere_wakes_the_task_that_awaits_it() {
        paused().block_on(async {
            let origin = Instant::now();
            let mut sleep = Box::pin(sleep_quietly(origin + Duration::from_millis(2)));
            let mut elsewhere = Context::from_waker(Waker::noop());
            assert!(sleep.as_mut().poll(&mut elsewhere).is_pending());
            tokio::time::timeout(Duration::from_millis(10), sleep)
                .await
                .expect("the sleep wakes its new task");
            assert_eq!(
                Instant::now().duration_since(origin),
                Duration::from_millis(2)
            );
        });
    }
}
