//! The virtual-time executor: a ready queue, a timer heap, a clock that jumps.
//!
//! Why our own: tokio's paused clock is a test utility. It parks the runtime twice per
//! instant and reads the real clock for its metrics, and that floor alone cost more than the
//! whole model (issue 2: 0.87 M clients/s). Here the clock is a number of steps that moves
//! only when nothing is ready, so an instant costs a heap pop.
//!
//! Same-instant order, the rule every run follows whatever the thread count:
//! - timers that fire at the same instant wake their tasks in the order the timers were set;
//! - a task woken (or spawned) by another runs after every task already queued, in wake order;
//! - the clock moves to the next timer only once no task is ready.
//!
//! One executor per thread (a `thread_local`), reused from run to run so that its queues keep
//! their capacity; rayon workers each get their own, and nothing is shared between threads.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, RawWaker, RawWakerVTable, Waker};

use super::spares::{self, Spares};
use super::timers::{Timer, Timers};

type Task = Pin<Box<dyn Future<Output = ()>>>;

/// One task's place. `generation` changes when the task ends, so that a stale waker (a timer
/// that outlived its sleep, say) cannot wake whichever task takes the slot next.
struct Slot {
    generation: u32,
    queued: bool,
    task: Option<Task>,
}

/// A timer's `wake` with this bit is a place in `Core::wakers`, not a task's key: a key never
/// has it, since generations count within 31 bits ([`GENERATIONS`]).
const WAKER: u64 = 1 << 63;

/// Generations wrap within 31 bits, which leaves a key's top bit to [`WAKER`].
const GENERATIONS: u32 = (1 << 31) - 1;

/// The next generation of a slot whose task ended.
fn next_generation(generation: u32) -> u32 {
    generation.wrapping_add(1) & GENERATIONS
}

struct Core {
    now: Cell<u64>,
    next_order: Cell<u64>,
    slots: RefCell<Vec<Slot>>,
    vacant: RefCell<Vec<u32>>,
    ready: RefCell<VecDeque<u32>>,
    timers: RefCell<Timers>,
    running: Cell<bool>,
    /// The key of the task being polled: a sleep's timer wakes the task that made it.
    current: Cell<usize>,
    /// Set while a wide join polls one of its futures: a sleep's timer wakes that future.
    branch: RefCell<Option<Waker>>,
    /// Whether `branch` is set: read by every sleep, which borrows `branch` only then.
    in_branch: Cell<bool>,
    /// The wakers of timers set inside a wide join, each until its timer fires.
    wakers: RefCell<Vec<Option<Waker>>>,
    /// Places in `wakers` free again.
    free_wakers: RefCell<Vec<u32>>,
    /// The boxes of tasks that ended, kept for the next tasks of their layout.
    spares: RefCell<Spares>,
}

impl Core {
    const fn new() -> Core {
        Core {
            now: Cell::new(0),
            next_order: Cell::new(0),
            slots: RefCell::new(Vec::new()),
            vacant: RefCell::new(Vec::new()),
            ready: RefCell::new(VecDeque::new()),
            timers: RefCell::new(Timers::new()),
            running: Cell::new(false),
            current: Cell::new(0),
            branch: RefCell::new(None),
            in_branch: Cell::new(false),
            wakers: RefCell::new(Vec::new()),
            free_wakers: RefCell::new(Vec::new()),
            spares: RefCell::new(Spares::new()),
        }
    }

    /// Wakes whom a timer's `wake` names: a task, or a wide join's future.
    #[inline]
    fn fire(&self, wake: u64) {
        if wake & WAKER == 0 {
            self.wake(wake as usize)
        } else {
            self.fire_waker(wake)
        }
    }

    /// Wakes the wide join's future a timer's `wake` names.
    #[inline(never)]
    fn fire_waker(&self, wake: u64) {
        let place = (wake & !WAKER) as usize;
        let waker = self.wakers.borrow_mut()[place].take();
        self.free_wakers.borrow_mut().push(place as u32);
        // Outside the borrow: waking touches only the slots and the ready queue.
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    /// A timer's `wake` for `waker`, kept until the timer fires.
    fn keep_waker(&self, waker: Waker) -> u64 {
        let mut wakers = self.wakers.borrow_mut();
        let place = match self.free_wakers.borrow_mut().pop() {
            Some(place) => {
                wakers[place as usize] = Some(waker);
                place as usize
            }
            None => {
                wakers.push(Some(waker));
                wakers.len() - 1
            }
        };
        WAKER | place as u64
    }

    #[inline]
    fn wake(&self, key: usize) {
        let (index, generation) = unpack(key);
        let mut slots = self.slots.borrow_mut();
        if let Some(slot) = slots.get_mut(index as usize) {
            if slot.generation == generation && !slot.queued {
                slot.queued = true;
                self.ready.borrow_mut().push_back(index);
            }
        }
    }
}

thread_local! {
    static CORE: Core = const { Core::new() };
}

// A waker is the task's slot and generation packed in the data pointer: no allocation, no
// reference count. On a 32-bit target the generation is cut off, which only allows spurious
// wakes (harmless to a future). Woken from another thread it would wake that thread's
// executor instead: memory-safe, and nothing in the engine sends a waker across threads.
fn pack(index: u32, generation: u32) -> usize {
    ((u64::from(generation) << 32) | u64::from(index)) as usize
}

fn unpack(key: usize) -> (u32, u32) {
    let key = key as u64;
    (key as u32, (key >> 32) as u32)
}

static VTABLE: RawWakerVTable = RawWakerVTable::new(clone_raw, wake_raw, wake_raw, drop_raw);

unsafe fn clone_raw(data: *const ()) -> RawWaker {
    RawWaker::new(data, &VTABLE)
}

unsafe fn wake_raw(data: *const ()) {
    // `try_with`: a waker dropped during thread teardown has nothing left to wake.
    let _ = CORE.try_with(|core| core.wake(data as usize));
}

unsafe fn drop_raw(_: *const ()) {}

fn waker(index: u32, generation: u32) -> Waker {
    // SAFETY: the vtable's functions ignore the data but as an integer key, never
    // dereference it, and are sound to call from any thread (see `pack`).
    unsafe { Waker::from_raw(RawWaker::new(pack(index, generation) as *const (), &VTABLE)) }
}

/// The current virtual time, in steps since the run started.
pub fn now() -> u64 {
    CORE.with(|core| core.now.get())
}

/// Starts a task: it is first polled after every task already ready.
pub fn spawn(task: impl Future<Output = ()> + 'static) {
    spawn_made(|| task)
}

/// [`spawn`]s the task `make` makes, made in its box (a spare one, if a task of its type
/// ended: see `spares`): a task made first and then boxed was copied there whole (the
/// client's future, 184 bytes, through `memcpy`).
#[inline]
pub fn spawn_made<F: Future<Output = ()> + 'static>(make: impl FnOnce() -> F) {
    // Apart from the `CORE.with` below: one `with` for both inlined differently and put
    // `sweep_config`'s hot code back over the instruction cache (31.6 to 32.1 KiB).
    let made = CORE.with(|core| spares::boxed(&core.spares, make));
    let task: Task = Box::into_pin(made);
    CORE.with(|core| {
        let index = match core.vacant.borrow_mut().pop() {
            Some(index) => {
                let slot = &mut core.slots.borrow_mut()[index as usize];
                slot.queued = true;
                slot.task = Some(task);
                index
            }
            None => {
                let mut slots = core.slots.borrow_mut();
                slots.push(Slot {
                    generation: 0,
                    queued: true,
                    task: Some(task),
                });
                (slots.len() - 1) as u32
            }
        };
        core.ready.borrow_mut().push_back(index);
    })
}

/// Tasks ready to run at this instant, the one being polled left out (a stale entry may
/// count once more): a task that must act after everything else due at its instant (a
/// client's patience running out) yields while others are ready.
pub fn ready_count() -> usize {
    CORE.with(|core| core.ready.borrow().len())
}

/// Runs `poll` (a wide join polling one of its futures) with the timers it sets waking
/// `waker` instead of the task: the join then polls that future alone when one fires.
pub fn timers_wake<T>(waker: &Waker, poll: impl FnOnce() -> T) -> T {
    /// Puts the outer future's waker back (a join inside a join), even after a panic.
    struct Restore(Option<Waker>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let outer = self.0.take();
            let _ = CORE.try_with(|core| {
                core.in_branch.set(outer.is_some());
                core.branch.replace(outer)
            });
        }
    }
    let outer = CORE.with(|core| {
        core.in_branch.set(true);
        core.branch.replace(Some(waker.clone()))
    });
    let _restore = Restore(outer);
    poll()
}

/// A future that is ready once the virtual clock reaches `at`.
///
/// Its timer is set when it is made, for the task that makes it (or, inside a wide join, for
/// the join's future being polled: [`timers_wake`]): a sleep is one word (it is part of every
/// waiting client's future) and its poll is one comparison. So a sleep must be awaited by the
/// task that made it, as every model future is; made and dropped unawaited, it only wakes
/// that task once for nothing.
pub struct Sleep {
    at: u64,
}

/// Sleeps until step `at`; at or before now it is ready at once, without yielding.
pub fn sleep_until(at: u64) -> Sleep {
    CORE.with(|core| {
        if at > core.now.get() {
            let order = core.next_order.get();
            core.next_order.set(order + 1);
            let wake = if core.in_branch.get() {
                let waker = core.branch.borrow().clone().expect("a branch's waker");
                core.keep_waker(waker)
            } else {
                core.current.get() as u64
            };
            core.timers.borrow_mut().push(Timer { at, order, wake });
        }
    });
    Sleep { at }
}

impl Future for Sleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<()> {
        if CORE.with(|core| core.now.get()) >= self.at {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}

/// Runs `main` and every task it spawns on this thread's executor, from virtual time 0,
/// until no task is ready and no timer is left. Tasks still waiting then (nothing can ever
/// wake them) are dropped.
#[cfg(test)]
pub fn run(main: impl Future<Output = ()> + 'static) {
    run_until(main, || false)
}

/// [`run`], ended early when `stop` says so: asked each time the clock is about to jump,
/// so every event of the instant it answers at has happened. Every task left is then
/// dropped, as at the end of [`run`].
pub fn run_until(main: impl Future<Output = ()> + 'static, stop: impl Fn() -> bool) {
    CORE.with(|core| {
        assert!(!core.running.get(), "the virtual executor does not nest");
        core.running.set(true);
        let _cleanup = Cleanup(core);
        core.now.set(0);
        core.next_order.set(0);
        spawn(main);
        loop {
            loop {
                let Some(index) = core.ready.borrow_mut().pop_front() else {
                    break;
                };
                let (task, generation) = {
                    let mut slots = core.slots.borrow_mut();
                    let slot = &mut slots[index as usize];
                    slot.queued = false;
                    (slot.task.take(), slot.generation)
                };
                // A task that woke itself in the poll it finished in (a flow's branch handing
                // a unit to a sibling) left this stale entry: its slot is freed only now, so
                // a task spawned meanwhile cannot take the slot and run in the stale place.
                let Some(mut task) = task else {
                    core.vacant.borrow_mut().push(index);
                    continue;
                };
                let waker = waker(index, generation);
                core.current.set(pack(index, generation));
                let mut cx = Context::from_waker(&waker);
                if task.as_mut().poll(&mut cx).is_ready() {
                    let stale = {
                        let mut slots = core.slots.borrow_mut();
                        let slot = &mut slots[index as usize];
                        slot.generation = next_generation(slot.generation);
                        slot.queued
                    };
                    if !stale {
                        core.vacant.borrow_mut().push(index);
                    }
                    spares::retire(&core.spares, task);
                } else {
                    core.slots.borrow_mut()[index as usize].task = Some(task);
                }
            }
            // Nothing ready: the clock jumps to the next timer, and every timer of that
            // instant wakes its task, in the order they were set.
            // (Waking touches only the slots and the ready queue, never the timers.)
            if stop() {
                break;
            }
            let mut timers = core.timers.borrow_mut();
            let Some(first) = timers.pop() else { break };
            core.now.set(first.at);
            let at = first.at;
            core.fire(first.wake);
            while timers.next_at() == Some(at) {
                core.fire(timers.pop().expect("peeked").wake);
            }
        }
    })
}

/// Leaves the executor clean for the next run, however this one ended (a panicking task
/// included): tasks that can never finish are dropped, timers and queues emptied.
struct Cleanup<'a>(&'a Core);

impl Drop for Cleanup<'_> {
    fn drop(&mut self) {
        let core = self.0;
        let tasks = core.slots.borrow().len();
        for at in 0..tasks {
            // Dropped outside the borrow: dropping a task may wake another (a task never
            // spawns as it drops, so the slots stay as many).
            let task = core.slots.borrow_mut()[at].task.take();
            drop(task);
        }
        core.ready.borrow_mut().clear();
        core.timers.borrow_mut().clear();
        core.wakers.borrow_mut().clear();
        core.in_branch.set(false);
        core.branch.replace(None);
        core.free_wakers.borrow_mut().clear();
        let mut slots = core.slots.borrow_mut();
        let mut vacant = core.vacant.borrow_mut();
        vacant.clear();
        for (i, slot) in slots.iter_mut().enumerate().rev() {
            slot.generation = next_generation(slot.generation);
            slot.queued = false;
            vacant.push(i as u32);
        }
        core.running.set(false);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::rc::Rc;

    fn record(log: &Rc<RefCell<Vec<(u64, &'static str)>>>, what: &'static str) {
        log.borrow_mut().push((now(), what));
    }

    #[test]
    fn a_tasks_key_never_has_the_waker_bit() {
        assert_eq!(next_generation(GENERATIONS - 1), GENERATIONS);
        assert_eq!(next_generation(GENERATIONS), 0);
        assert_eq!(pack(u32::MAX, GENERATIONS) as u64 & WAKER, 0);
    }

    #[test]
    fn the_clock_jumps_to_each_timer_and_same_instant_timers_fire_in_the_order_set() {
        let log = Rc::new(RefCell::new(Vec::new()));
        let l = log.clone();
        run(async move {
            for (at, name) in [(5, "a"), (3, "b"), (5, "c"), (3, "d")] {
                let l = l.clone();
                spawn(async move {
                    sleep_until(at).await;
                    record(&l, name);
                });
            }
        });
        assert_eq!(*log.borrow(), [(3, "b"), (3, "d"), (5, "a"), (5, "c")]);
    }

    #[test]
    fn a_task_woken_by_another_runs_after_it_in_wake_order() {
        let log = Rc::new(RefCell::new(Vec::new()));
        let l = log.clone();
        run(async move {
            let l2 = l.clone();
            spawn(async move {
                sleep_until(2).await;
                record(&l2, "timer");
                let l3 = l2.clone();
                spawn(async move { record(&l3, "spawned first") });
                let l4 = l2.clone();
                spawn(async move { record(&l4, "spawned second") });
                record(&l2, "timer again");
            });
            spawn({
                let l = l.clone();
                async move {
                    sleep_until(2).await;
                    record(&l, "second timer");
                }
            });
        });
        assert_eq!(
            *log.borrow(),
            [
                (2, "timer"),
                (2, "timer again"),
                (2, "second timer"),
                (2, "spawned first"),
                (2, "spawned second"),
            ]
        );
    }

    #[test]
    fn a_sleep_in_the_past_is_ready_without_yielding_and_runs_restart_at_zero() {
        for _ in 0..2 {
            let log = Rc::new(RefCell::new(Vec::new()));
            let l = log.clone();
            run(async move {
                sleep_until(0).await;
                record(&l, "at once");
                sleep_until(7).await;
                sleep_until(4).await;
                record(&l, "after");
            });
            assert_eq!(*log.borrow(), [(0, "at once"), (7, "after")]);
        }
    }

    #[test]
    fn a_run_that_panics_leaves_the_executor_usable() {
        let panicked = std::panic::catch_unwind(|| {
            run(async {
                spawn(async {
                    sleep_until(9).await;
                });
                sleep_until(3).await;
                panic!("a bug in a model");
            })
        });
        assert!(panicked.is_err());
        let log = Rc::new(RefCell::new(Vec::new()));
        let l = log.clone();
        run(async move {
            sleep_until(2).await;
            record(&l, "next run");
        });
        // The dead run's timer at 9 is gone: the clock stopped at 2.
        assert_eq!(*log.borrow(), [(2, "next run")]);
        assert_eq!(now(), 2);
    }

    #[test]
    fn a_task_that_can_never_finish_is_dropped_at_the_end_of_the_run() {
        struct Flag(Rc<Cell<bool>>);
        impl Drop for Flag {
            fn drop(&mut self) {
                self.0.set(true);
            }
        }
        let dropped = Rc::new(Cell::new(false));
        let flag = Flag(dropped.clone());
        run(async move {
            let _flag = flag;
            std::future::pending::<()>().await;
        });
        assert!(dropped.get());
        // The executor is usable again.
        let log = Rc::new(RefCell::new(Vec::new()));
        let l = log.clone();
        run(async move {
            sleep_until(1).await;
            record(&l, "next run");
        });
        assert_eq!(*log.borrow(), [(1, "next run")]);
    }
    #[test]
    fn a_run_told_to_stop_ends_before_the_clock_moves_and_drops_its_tasks() {
        struct Flag(Rc<Cell<bool>>);
        impl Drop for Flag {
            fn drop(&mut self) {
                self.0.set(true);
            }
        }
        let log = Rc::new(RefCell::new(Vec::new()));
        let dropped = Rc::new(Cell::new(false));
        let (l, flag) = (log.clone(), Flag(dropped.clone()));
        let seen = log.clone();
        run_until(
            async move {
                let _flag = flag;
                for t in 1..10 {
                    sleep_until(t).await;
                    record(&l, "tick");
                }
            },
            // Stop once three ticks happened: the third instant's events all ran.
            move || seen.borrow().len() >= 3,
        );
        assert_eq!(*log.borrow(), [(1, "tick"), (2, "tick"), (3, "tick")]);
        assert!(dropped.get(), "the stopped task is dropped");
        // The executor is usable again, from 0.
        let l = log.clone();
        run(async move {
            sleep_until(1).await;
            record(&l, "next run");
        });
        assert_eq!(log.borrow().last(), Some(&(1, "next run")));
    }

    /// A task that records where its box is and when it is dropped.
    struct Placed {
        at: Rc<RefCell<Vec<usize>>>,
        dropped: Rc<Cell<u32>>,
        wait: u64,
        /// Room, so that no other task of the test has its layout.
        _pad: [u64; 4],
    }

    impl Future for Placed {
        type Output = ();
        fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
            if now() >= self.wait {
                self.at.borrow_mut().push(&*self as *const Placed as usize);
                return Poll::Ready(());
            }
            let mut sleep = std::pin::pin!(sleep_until(self.wait));
            let _ = sleep.as_mut().poll(cx);
            Poll::Pending
        }
    }

    impl Drop for Placed {
        fn drop(&mut self) {
            self.dropped.set(self.dropped.get() + 1);
        }
    }

    struct Nothing;

    impl Future for Nothing {
        type Output = ();
        fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<()> {
            Poll::Ready(())
        }
    }

    #[test]
    fn a_task_that_ended_leaves_its_box_to_the_next_task_of_its_type() {
        let at = Rc::new(RefCell::new(Vec::new()));
        let dropped = Rc::new(Cell::new(0));
        let placed = |wait| Placed {
            at: at.clone(),
            dropped: dropped.clone(),
            wait,
            _pad: [0; 4],
        };
        // Three tasks in flight at once, then three more after they ended.
        let (first, second) = (
            [placed(1), placed(2), placed(3)],
            [placed(5), placed(6), placed(7)],
        );
        run(async move {
            for p in first {
                spawn(p);
            }
            sleep_until(4).await;
            for p in second {
                spawn(p);
            }
            // A task of no bytes has no box to keep.
            spawn(Nothing);
        });
        assert_eq!(dropped.get(), 6, "every task is dropped once");
        assert_eq!(
            spares_of::<Placed>(),
            3,
            "three in flight at most, three kept"
        );
        let places = at.borrow().clone();
        assert_eq!(places.len(), 6);
        let (before, after) = places.split_at(3);
        let mut before = before.to_vec();
        let mut after = after.to_vec();
        before.sort();
        after.sort();
        assert_eq!(
            before, after,
            "the later tasks took the earlier tasks' boxes"
        );
        // A later run takes them too; a task of another type does not.
        let other = Rc::new(Cell::new(0usize));
        let (o, p) = (other.clone(), placed(1));
        run(async move {
            let big = [7u64; 64];
            spawn(async move {
                o.set(&big as *const [u64; 64] as usize);
            });
            spawn(p);
        });
        let last = *at.borrow().last().unwrap();
        assert!(
            after.contains(&last),
            "the next run reuses a box of its type"
        );
        assert!(!after.contains(&other.get()));
        assert_eq!(dropped.get(), 7);
        assert_eq!(spares_of::<Placed>(), 3);
    }

    /// The boxes kept for tasks of `F`'s layout.
    fn spares_of<F>() -> usize {
        CORE.with(|core| core.spares.borrow().kept(std::alloc::Layout::new::<F>()))
    }
}
