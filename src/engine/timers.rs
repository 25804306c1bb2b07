//! The executor's timers, earliest first: a binary min-heap, its push and pop always inlined.
//!
//! `BinaryHeap` (a max-heap, so `Timer` ordered in reverse) was not inlined in the run loop of
//! a sweep's assessment: a call per timer fired, 5 % of `sweep_config`'s time.

/// A timer: wake `wake` at `at`; `order` breaks ties at one instant in the order set.
///
/// Three words, moved at every step of the heap's sifts: whom it wakes is one of them, the
/// task that set it, or (with the executor's `WAKER` bit set) the place of one future of a
/// wide join, which polls only the futures woken: the executor reads it, the heap does not.
#[derive(Clone, Copy)]
pub(super) struct Timer {
    pub at: u64,
    pub order: u64,
    pub wake: u64,
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

/// The timers, earliest first: a binary min-heap by [`Timer::key`].
pub(super) struct Timers(Vec<Timer>);

impl Timers {
    pub const fn new() -> Timers {
        Timers(Vec::new())
    }

    #[inline(always)]
    pub fn push(&mut self, timer: Timer) {
        self.0.push(timer);
        let at = self.0.len() - 1;
        // SAFETY: `at` is the new last place, in the heap.
        unsafe { self.sift_up(at, timer) };
    }

    /// The earliest timer, taken out.
    #[inline(always)]
    pub fn pop(&mut self) -> Option<Timer> {
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
    pub fn next_at(&self) -> Option<u64> {
        self.0.first().map(|t| t.at)
    }

    pub fn clear(&mut self) {
        self.0.clear()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timers_come_out_earliest_first_then_in_the_order_set() {
        // A fixed pseudo-random walk of pushes and pops, against a sorted list.
        let (mut timers, mut sorted) = (Timers::new(), Vec::new());
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
}
