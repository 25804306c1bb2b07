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

use std::alloc::Layout;
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::ptr::NonNull;
use std::task::{Context, Poll, RawWaker, RawWakerVTable, Waker};

type Task = Pin<Box<dyn Future<Output = ()>>>;

/// One task's place. `generation` changes when the task ends, so that a stale waker (a timer
/// that outlived its sleep, say) cannot wake whichever task takes the slot next.
struct Slot {
    generation: u32,
    queued: bool,
    task: Option<Task>,
}

/// A timer: wake `wake` at `at`; `order` breaks ties at one instant in the order set.
///
/// Three words, moved at every step of the heap's sifts: whom it wakes is one of them, the
/// task that set it (packed as [`pack`] does), or with [`WAKER`] set the place in
/// `Core::wakers` of one future of a wide join, which polls only the futures woken
/// ([`timers_wake`]).
#[derive(Clone, Copy)]
struct Timer {
    at: u64,
    order: u64,
    wake: u64,
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

impl Timer {
    /// When it fires, then in the order set, as one number: the heap compares it at every
    /// step of its sifts, and one comparison of two words costs less than a tuple's. No two
    /// timers have the same key, so the order they fire in is the keys' whatever the heap.
    #[inline(always)]
    fn key(&self) -> u128 {
        u128::from(self.at) << 64 | u128::from(self.order)
    }
}

/// The timers, earliest first: a binary min-heap by [`Timer::key`], its two operations always
/// inlined. `BinaryHeap` (a max-heap, so `Timer` ordered in reverse) was not inlined in the
/// run loop of a sweep's assessment: a call per timer fired, 5 % of `sweep_config`'s time.
struct Timers(Vec<Timer>);

impl Timers {
    #[inline(always)]
    fn push(&mut self, timer: Timer) {
        self.0.push(timer);
        let at = self.0.len() - 1;
        // SAFETY: `at` is the new last place, in the heap.
        unsafe { self.sift_up(at, timer) };
    }

    /// The earliest timer, taken out.
    #[inline(always)]
    fn pop(&mut self) -> Option<Timer> {
        let last = self.0.pop()?;
        let Some(&first) = self.0.first() else {
            return Some(last);
        };
        // The root's place goes down to a leaf, the earlier child moving up at each level, and
        // the last timer sifts up from there: a timer set last is mostly among the latest, so
        // this costs one comparison a level where sifting it down costs two.
        let (heap, len) = (self.0.as_mut_ptr(), self.0.len());
        let mut at = 0;
        let mut child = 1;
        // SAFETY: every place read or written is below `len` (`child + 1 < len`, `at` a
        // child's former place).
        unsafe {
            while child + 1 < len {
                if (*heap.add(child + 1)).key() < (*heap.add(child)).key() {
                    child += 1;
                }
                *heap.add(at) = *heap.add(child);
                at = child;
                child = 2 * at + 1;
            }
            if child + 1 == len {
                *heap.add(at) = *heap.add(child);
                at = child;
            }
            self.sift_up(at, last);
        }
        Some(first)
    }

    /// Puts `timer` at place `at` or above it, where the timers above are earlier.
    ///
    /// # Safety
    /// `at` is in the heap.
    #[inline(always)]
    unsafe fn sift_up(&mut self, mut at: usize, timer: Timer) {
        let (heap, key) = (self.0.as_mut_ptr(), timer.key());
        while at > 0 {
            let parent = (at - 1) / 2;
            if (*heap.add(parent)).key() <= key {
                break;
            }
            *heap.add(at) = *heap.add(parent);
            at = parent;
        }
        *heap.add(at) = timer;
    }

    /// When the earliest timer fires.
    fn next_at(&self) -> Option<u64> {
        self.0.first().map(|t| t.at)
    }

    fn clear(&mut self) {
        self.0.clear()
    }
}

/// The boxes of tasks that ended, emptied and kept by their layout, so that the next task of
/// that layout is written into one instead of a new allocation: every client is a task of one
/// type, so a run of a million clients allocates as many boxes as it has clients in flight
/// at once, and a sweep's next run reuses the last one's. (A `malloc` and a `free` a client
/// were a tenth of a sweep's assessment.) Kept per thread with the executor; at most
/// [`SPARES_PER_LAYOUT`] boxes of a layout and [`SPARE_LAYOUTS`] layouts, the rest freed.
struct Spares(Vec<(Layout, Vec<NonNull<u8>>)>);

/// Boxes of one layout kept at most: more than a run has in flight in any sweep we measured,
/// few enough bytes (a client's future is under 200 bytes) to keep for a thread's life.
const SPARES_PER_LAYOUT: usize = 1024;

/// Layouts kept at most: a run spawns clients, its driver and a scaler, each of its own type.
const SPARE_LAYOUTS: usize = 8;

impl Spares {
    /// A box of `layout` that a task ended in, if one is kept.
    #[inline]
    fn take(&mut self, layout: Layout) -> Option<NonNull<u8>> {
        self.0
            .iter_mut()
            .find(|(l, _)| *l == layout)
            .and_then(|(_, boxes)| boxes.pop())
    }

    /// Keeps `block`, a box of `layout` whose task was dropped, or frees it.
    ///
    /// # Safety
    /// `block` was allocated by the global allocator with `layout`, holds nothing that needs
    /// dropping, and is not used after this call but through [`Spares::take`].
    unsafe fn keep(&mut self, layout: Layout, block: NonNull<u8>) {
        let kept = match self.0.iter().position(|(l, _)| *l == layout) {
            Some(i) => Some(i),
            None if self.0.len() < SPARE_LAYOUTS => {
                self.0.push((layout, Vec::new()));
                Some(self.0.len() - 1)
            }
            None => None,
        };
        match kept {
            Some(i) if self.0[i].1.len() < SPARES_PER_LAYOUT => self.0[i].1.push(block),
            _ => std::alloc::dealloc(block.as_ptr(), layout),
        }
    }
}

impl Drop for Spares {
    fn drop(&mut self) {
        for (layout, boxes) in self.0.drain(..) {
            for block in boxes {
                // SAFETY: each was allocated with `layout` and is used by nothing else.
                unsafe { std::alloc::dealloc(block.as_ptr(), layout) };
            }
        }
    }
}

/// Drops a task that ended, its box kept as a spare (boxes of zero bytes were never
/// allocated, and are not kept).
fn retire(core: &Core, task: Task) {
    // SAFETY: the future is dropped where it is and never moved; its box is then memory
    // of the future's layout, allocated by the global allocator, which `keep` may hand out
    // again for a task of that layout.
    unsafe {
        let raw: *mut dyn Future<Output = ()> = Box::into_raw(Pin::into_inner_unchecked(task));
        let layout = Layout::for_value(&*raw);
        // Outside any borrow of the spares: dropping a task may wake, or end, another.
        std::ptr::drop_in_place(raw);
        match NonNull::new(raw.cast::<u8>()) {
            Some(block) if layout.size() > 0 => core.spares.borrow_mut().keep(layout, block),
            _ => {}
        }
    }
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
    /// The boxes of tasks that ended, kept for the next tasks of their size.
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
            timers: RefCell::new(Timers(Vec::new())),
            running: Cell::new(false),
            current: Cell::new(0),
            branch: RefCell::new(None),
            in_branch: Cell::new(false),
            wakers: RefCell::new(Vec::new()),
            free_wakers: RefCell::new(Vec::new()),
            spares: RefCell::new(Spares(Vec::new())),
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

/// [`spawn`]s the task `make` makes, made in its box: a task made first and then boxed was
/// copied there whole (the client's future, 184 bytes, through `memcpy`).
#[inline]
pub fn spawn_made<F: Future<Output = ()> + 'static>(make: impl FnOnce() -> F) {
    let layout = Layout::new::<F>();
    let spare = if layout.size() > 0 {
        CORE.with(|core| core.spares.borrow_mut().take(layout))
    } else {
        None
    };
    let made: Box<F> = match spare {
        Some(block) => {
            // Freed if `make` panics, so that the spare is not lost.
            struct Free(NonNull<u8>, Layout);
            impl Drop for Free {
                fn drop(&mut self) {
                    // SAFETY: allocated with this layout, and holding no value yet.
                    unsafe { std::alloc::dealloc(self.0.as_ptr(), self.1) }
                }
            }
            let guard = Free(block, layout);
            let block = block.cast::<F>();
            // SAFETY: a spare of `F`'s layout, allocated by the global allocator and used
            // by nothing else (see `Spares`): a box of `F` once written.
            unsafe {
                block.as_ptr().write(make());
                std::mem::forget(guard);
                Box::from_raw(block.as_ptr())
            }
        }
        None => Box::write(Box::new_uninit(), make()),
    };
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
                    retire(core, task);
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
        // Dropped outside any borrow: dropping one may wake another.
        let left: Vec<Task> = core
            .slots
            .borrow_mut()
            .iter_mut()
            .filter_map(|s| s.task.take())
            .collect();
        drop(left);
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
    fn timers_come_out_earliest_first_then_in_the_order_set() {
        // A fixed pseudo-random walk of pushes and pops, against a sorted list.
        let (mut timers, mut sorted) = (Timers(Vec::new()), Vec::new());
        let mut x = 12345u64;
        for order in 0..5_000u64 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            if x >> 62 == 0 {
                let popped = timers.pop().map(|t| (t.at, t.order));
                assert_eq!(popped, (!sorted.is_empty()).then(|| sorted.remove(0)));
            } else {
                let at = (x >> 33) % 50;
                timers.push(Timer { at, order, wake: 0 });
                let place = sorted.partition_point(|&k| k <= (at, order));
                sorted.insert(place, (at, order));
            }
            assert_eq!(timers.next_at(), sorted.first().map(|k| k.0));
        }
        while let Some(t) = timers.pop() {
            assert_eq!((t.at, t.order), sorted.remove(0));
        }
        assert!(sorted.is_empty());
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
        /// Makes tasks of two sizes: each size reuses only boxes of its own.
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
        let layout = Layout::new::<F>();
        CORE.with(|core| {
            let spares = core.spares.borrow();
            spares
                .0
                .iter()
                .find(|(l, _)| *l == layout)
                .map_or(0, |(_, b)| b.len())
        })
    }

    #[test]
    fn no_more_boxes_than_the_cap_are_kept() {
        let at = Rc::new(RefCell::new(Vec::new()));
        let dropped = Rc::new(Cell::new(0));
        let tasks: Vec<Placed> = (0..SPARES_PER_LAYOUT as u64 + 10)
            .map(|i| Placed {
                at: at.clone(),
                dropped: dropped.clone(),
                wait: 1 + i % 3,
                _pad: [0; 4],
            })
            .collect();
        run(async move {
            for t in tasks {
                spawn(t);
            }
        });
        assert_eq!(dropped.get() as usize, SPARES_PER_LAYOUT + 10);
        assert_eq!(spares_of::<Placed>(), SPARES_PER_LAYOUT);
    }
}
