//! The boxes of tasks that ended, kept for the next tasks of their layout.
//!
//! Every client is a task of one type, and each was a `malloc` and a `free`: with the box of
//! an ended task kept, a run allocates as many boxes as it has clients in flight at once, and
//! a sweep's next run reuses the last one's. (Allocations were a tenth of the instructions of
//! a sweep's assessment; its clients' boxes, 10 of its 28.) Kept per thread, with the
//! executor.

use std::alloc::Layout;
use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::ptr::NonNull;

/// Emptied boxes by layout: at most [`SPARES_PER_LAYOUT`] boxes of a layout and
/// [`SPARE_LAYOUTS`] layouts, the rest freed.
pub(super) struct Spares(Vec<(Layout, Vec<NonNull<u8>>)>);

/// Boxes of one layout kept at most: more than a run has in flight in any sweep we measured,
/// few enough bytes (a client's future is under 200 bytes) to keep for a thread's life.
pub(super) const SPARES_PER_LAYOUT: usize = 1024;

/// Layouts kept at most: a run spawns clients, its driver and a scaler, each of its own type.
const SPARE_LAYOUTS: usize = 8;

impl Spares {
    pub const fn new() -> Spares {
        Spares(Vec::new())
    }

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

    /// The boxes kept for `layout`.
    #[cfg(test)]
    pub fn kept(&self, layout: Layout) -> usize {
        self.0
            .iter()
            .find(|(l, _)| *l == layout)
            .map_or(0, |(_, b)| b.len())
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

/// The future `make` makes, in a spare box of its layout if one is kept, else a new one;
/// made in its box either way (a future made and then boxed is copied there whole).
#[inline]
pub(super) fn boxed<F>(spares: &RefCell<Spares>, make: impl FnOnce() -> F) -> Box<F> {
    let layout = Layout::new::<F>();
    // Outside the borrow: `make` may spawn.
    let spare = if layout.size() > 0 {
        spares.borrow_mut().take(layout)
    } else {
        None
    };
    let Some(block) = spare else {
        return Box::write(Box::new_uninit(), make());
    };
    /// Frees the spare if `make` panics, so that it is not lost.
    struct Free(NonNull<u8>, Layout);
    impl Drop for Free {
        fn drop(&mut self) {
            // SAFETY: allocated with this layout, and holding no value yet.
            unsafe { std::alloc::dealloc(self.0.as_ptr(), self.1) }
        }
    }
    let guard = Free(block, layout);
    let block = block.cast::<F>();
    // SAFETY: a spare of `F`'s layout, allocated by the global allocator and used by nothing
    // else (see `Spares::keep`): a box of `F` once written.
    unsafe {
        block.as_ptr().write(make());
        std::mem::forget(guard);
        Box::from_raw(block.as_ptr())
    }
}

/// Drops a task that ended, its box kept as a spare (a box of zero bytes was never
/// allocated, and is not kept).
pub(super) fn retire(spares: &RefCell<Spares>, task: Pin<Box<dyn Future<Output = ()>>>) {
    // SAFETY: the future is dropped where it is and never moved; its box is then memory of
    // the future's layout, allocated by the global allocator, which `keep` may hand out again
    // for a task of that layout.
    unsafe {
        let raw: *mut dyn Future<Output = ()> = Box::into_raw(Pin::into_inner_unchecked(task));
        let layout = Layout::for_value(&*raw);
        // Outside any borrow of the spares: dropping a task may wake, or end, another.
        std::ptr::drop_in_place(raw);
        match NonNull::new(raw.cast::<u8>()) {
            Some(block) if layout.size() > 0 => spares.borrow_mut().keep(layout, block),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::task::{Context, Poll};

    /// A task of 40 bytes.
    struct Pad(#[allow(dead_code)] [u64; 5]);

    impl Future for Pad {
        type Output = ();
        fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<()> {
            Poll::Ready(())
        }
    }

    fn task(spares: &RefCell<Spares>) -> Pin<Box<dyn Future<Output = ()>>> {
        Box::into_pin(boxed(spares, || Pad([1; 5])))
    }

    #[test]
    fn a_retired_box_is_the_next_box_of_its_layout() {
        let spares = RefCell::new(Spares::new());
        let first = task(&spares);
        let at = &*first as *const dyn Future<Output = ()> as *const u8;
        retire(&spares, first);
        assert_eq!(spares.borrow().kept(Layout::new::<Pad>()), 1);
        let second = task(&spares);
        assert_eq!(&*second as *const dyn Future<Output = ()> as *const u8, at);
        assert_eq!(spares.borrow().kept(Layout::new::<Pad>()), 0);
        retire(&spares, second);
    }

    #[test]
    fn no_more_boxes_than_the_caps_are_kept() {
        let spares = RefCell::new(Spares::new());
        let tasks: Vec<_> = (0..SPARES_PER_LAYOUT + 10).map(|_| task(&spares)).collect();
        for t in tasks {
            retire(&spares, t);
        }
        assert_eq!(
            spares.borrow().kept(Layout::new::<Pad>()),
            SPARES_PER_LAYOUT
        );
        // Layouts past the eighth are freed, not kept.
        let block = |size| {
            let layout = Layout::from_size_align(size, 8).unwrap();
            // SAFETY: a fresh allocation of that layout, holding nothing.
            unsafe {
                let p = NonNull::new(std::alloc::alloc(layout)).unwrap();
                spares.borrow_mut().keep(layout, p);
            }
            spares.borrow().kept(layout)
        };
        let kept: Vec<usize> = (1..=SPARE_LAYOUTS).map(|k| block(k * 64)).collect();
        assert_eq!(
            kept,
            [1, 1, 1, 1, 1, 1, 1, 0],
            "Pad's layout is the first of eight"
        );
    }
}
