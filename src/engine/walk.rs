//! One attempt of a client's request: its class's plan walked as async code. A sequence
//! awaits its steps in order, `all` joins its branches (polled in branch order, so that they
//! reach their stations in that order), `pick` walks the branch drawn for the client.
//!
//! The tutorial's fan-out, `all` of one visit per station, is the same walk; it is joined
//! flat, its visits kept in the join, since it is what sweeps of millions of configurations
//! run. A flow boxes only the nodes that hold nodes: its visits are awaited in place.

use std::future::Future;
use std::mem::MaybeUninit;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use super::clock::Runtime;
use super::join::Join;
use super::live::{site, Model, FLAT_MOST};
use super::observe::Observe;
use crate::model::plan::{Node, Plan};
use crate::workload::draws::Draws;

/// How an attempt (or a node of it) ended: when, and the station where it queued longest
/// with how long (the lowest station on a tie; `(u16::MAX, 0)` when it never queued).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Ended {
    pub(super) at: u64,
    pub(super) waited: (u16, u64),
}

impl Ended {
    pub(super) const NOTHING: Ended = Ended {
        at: 0,
        waited: (u16::MAX, 0),
    };

    /// One visit's end, after queueing `wait` steps.
    fn visit(station: u16, done: u64, wait: u64) -> Ended {
        Ended {
            at: done,
            waited: if wait > 0 {
                (station, wait)
            } else {
                (u16::MAX, 0)
            },
        }
    }

    /// Of two parts of one attempt: the later end, the longer queue (on a tie the lower
    /// station).
    fn and(self, other: Ended) -> Ended {
        let (s, w) = self.waited;
        let (os, ow) = other.waited;
        let waited = if ow > w || (ow == w && ow > 0 && os < s) {
            other.waited
        } else {
            self.waited
        };
        Ended {
            at: self.at.max(other.at),
            waited,
        }
    }
}

impl<R: Runtime, D: Draws, O: Observe> Model<R, D, O> {
    /// One attempt of client `client` (draws keyed by `key`) of class `class`, starting now,
    /// awaited at `SITE` (see [`site`]).
    pub(super) fn attempt<'a, const SITE: u8>(
        self: &'a Rc<Self>,
        client: u32,
        key: u64,
        class: u32,
    ) -> Attempt<impl Future<Output = (u64, u64)> + 'a, Branch<'a>> {
        let plan = &self.plans[class as usize];
        match plan.fan_out_visits() {
            Some(visits) if visits.len() <= FLAT_MOST => {
                Attempt::Flat(Flat::new(visits.iter().enumerate().map(
                    move |(station, &v)| {
                        let station = station as u16;
                        let Node::Visit { slot, steps, .. } = *plan.node(v) else {
                            unreachable!("a fan-out's children are visits")
                        };
                        // Drawn as the attempt starts, in station order.
                        let steps = self.steps(key, class, slot, station, steps);
                        self.visit::<SITE>(client, station, steps)
                    },
                )))
            }
            _ => Attempt::Tree(self.walk(client, key, class, plan, plan.root())),
        }
    }

    /// One node of a client's flow, boxed: a flow's shape is known only at run time.
    fn walk<'a>(
        self: &'a Rc<Self>,
        client: u32,
        key: u64,
        class: u32,
        plan: &'a Plan,
        node: u32,
    ) -> Branch<'a> {
        Box::pin(async move {
            match plan.node(node) {
                Node::Visit { .. } => self.step(client, key, class, plan, node).await,
                Node::Seq(steps) => {
                    let mut last = Ended::NOTHING;
                    for &step in steps.iter() {
                        last = last.and(self.step(client, key, class, plan, step).await);
                    }
                    last
                }
                Node::All(branches) => {
                    Join::new(
                        branches
                            .iter()
                            .map(|&b| self.step(client, key, class, plan, b)),
                        Ended::NOTHING,
                        |last: Ended, _, end| last.and(end),
                    )
                    .await
                }
                Node::Pick { slot, branches } => {
                    let chosen = self.draws.choice(key, class, *slot, branches) as usize;
                    let next = branches[chosen.min(branches.len() - 1)].1;
                    self.step(client, key, class, plan, next).await
                }
            }
        })
    }

    /// One step of a flow, to be awaited now: a visit in place, any other node walked
    /// (boxed). A visit is most of a flow's nodes, and a box each was a third of a flow's
    /// allocations. Always inlined: made out of line, the step was built on its own stack
    /// and copied out (a `memcpy` call per step, 4 % of the web shop's time in a profile);
    /// inlined, it is made where its walk keeps it.
    #[inline(always)]
    fn step<'a>(
        self: &'a Rc<Self>,
        client: u32,
        key: u64,
        class: u32,
        plan: &'a Plan,
        node: u32,
    ) -> Step<impl Future<Output = (u64, u64)> + 'a, Branch<'a>> {
        match *plan.node(node) {
            Node::Visit {
                station,
                slot,
                steps,
            } => {
                let arrived = self.rt.now();
                let steps = self.steps(key, class, slot, station, steps);
                Step::Visit {
                    visit: self.visit::<{ site::FLOW }>(client, station, steps),
                    arrived,
                    station,
                }
            }
            _ => Step::Node(self.walk(client, key, class, plan, node)),
        }
    }
}

/// A step of a flow in progress: a visit (which began at `arrived`), or a node walked.
pub(super) enum Step<V, B> {
    Visit {
        visit: V,
        arrived: u64,
        station: u16,
    },
    Node(B),
}

impl<V, B> Future for Step<V, B>
where
    V: Future<Output = (u64, u64)>,
    B: Future<Output = Ended> + Unpin,
{
    type Output = Ended;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Ended> {
        // SAFETY: a structural projection: the visit is never moved out of the step.
        match unsafe { self.get_unchecked_mut() } {
            Step::Visit {
                visit,
                arrived,
                station,
            } => unsafe { Pin::new_unchecked(visit) }
                .poll(cx)
                .map(|(start, done)| Ended::visit(*station, done, start - *arrived)),
            Step::Node(walk) => Pin::new(walk).poll(cx),
        }
    }
}

/// An attempt in progress: the fan-out's join, or a flow's walk.
pub(super) enum Attempt<F, B> {
    Flat(Flat<F>),
    Tree(B),
}

/// How an attempt ended, before its caller says when it began and what time it is.
pub(super) enum Reached {
    /// The fan-out's join, done now: the latest any visit started, with its station (every
    /// visit began at once, so that is the longest queue).
    Flat { latest_start: (u16, u64) },
    /// A flow's walk, every queue measured from where it began.
    Tree(Ended),
}

impl Reached {
    /// How the attempt that began at `began` ended, `now` being when it did.
    pub(super) fn since(self, began: u64, now: u64) -> Ended {
        match self {
            Reached::Flat {
                latest_start: (station, start),
            } => Ended::visit(station, now, start.saturating_sub(began)),
            Reached::Tree(ended) => ended,
        }
    }
}

impl<F: Future<Output = (u64, u64)>, B: Future<Output = Ended> + Unpin> Future for Attempt<F, B> {
    type Output = Reached;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Reached> {
        // SAFETY: a structural projection: neither kind is ever moved out of the attempt.
        match unsafe { self.get_unchecked_mut() } {
            Attempt::Flat(join) => unsafe { Pin::new_unchecked(join) }
                .poll(cx)
                .map(|latest_start| Reached::Flat { latest_start }),
            Attempt::Tree(walk) => Pin::new(walk).poll(cx).map(Reached::Tree),
        }
    }
}

/// A node of a client's flow in progress.
pub(super) type Branch<'a> = Pin<Box<dyn Future<Output = Ended> + 'a>>;

/// Visits at once, each returning (start, done): done when every one is done, with the
/// first visit that started latest. (`futures_util`'s `join_all` keeps every output and,
/// past 30 futures, a bigger structure in every order.) Its fields are memory per client in
/// flight: which visits are pending is a bit each (so at most [`FLAT_MOST`] visits), the
/// latest start is kept rather than a wait (the time the visits began is the caller's to
/// know), and the end is the time the join is done.
///
/// Up to [`INLINE`] visits are kept in the join itself, so in the client's task: one
/// allocation a client rather than two, which was a twentieth of the tutorial's fan-out's
/// instructions. (The room is the tutorial's three visits: more would cost every client in flight
/// more memory than its box did; a wider fan-out boxes its visits in that room.)
pub(super) struct Flat<F> {
    visits: Visits<F>,
    latest: u64,
    pending: u32,
    latest_of: u16,
    /// How many visits.
    len: u8,
}

/// The most visits a fan-out keeps in its join; a wider one boxes them.
const INLINE: usize = 3;

enum Visits<F> {
    /// The first `len` are visits.
    Inline([MaybeUninit<F>; INLINE]),
    Boxed(Box<[F]>),
}

impl<F: Future<Output = (u64, u64)>> Flat<F> {
    fn new(visits: impl ExactSizeIterator<Item = F>) -> Flat<F> {
        let len = visits.len();
        debug_assert!(len <= FLAT_MOST);
        let visits = if len <= INLINE {
            let mut inline = [const { MaybeUninit::uninit() }; INLINE];
            for (slot, visit) in inline.iter_mut().zip(visits) {
                slot.write(visit);
            }
            Visits::Inline(inline)
        } else {
            Visits::Boxed(visits.collect())
        };
        Flat {
            pending: match len {
                FLAT_MOST => u32::MAX,
                n => (1 << n) - 1,
            },
            visits,
            latest: 0,
            latest_of: u16::MAX,
            len: len as u8,
        }
    }
}

impl<F> Drop for Flat<F> {
    fn drop(&mut self) {
        if let Visits::Inline(inline) = &mut self.visits {
            for visit in &mut inline[..self.len as usize] {
                // SAFETY: the first `len` were written when the join was made, and dropped
                // only here, in place.
                unsafe { visit.assume_init_drop() };
            }
        }
    }
}

impl<F: Future<Output = (u64, u64)>> Future for Flat<F> {
    type Output = (u16, u64);

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // SAFETY: the visits stay where they were put (in the join, pinned with it, or in
        // their box): each is polled in place, never moved out; a visit done is never polled
        // again (its bit is cleared).
        let this = unsafe { self.get_unchecked_mut() };
        let visits: *mut F = match &mut this.visits {
            Visits::Inline(inline) => inline.as_mut_ptr().cast(),
            Visits::Boxed(boxed) => boxed.as_mut_ptr(),
        };
        // The pending visits, lowest first: a visit done is passed over at no cost.
        let mut todo = this.pending;
        while todo != 0 {
            let i = todo.trailing_zeros();
            todo &= todo - 1;
            // (`pending` has no bit at or past the number of visits.)
            let visit = unsafe { Pin::new_unchecked(&mut *visits.add(i as usize)) };
            if let Poll::Ready((start, _)) = visit.poll(cx) {
                this.pending &= !(1 << i);
                let i = i as u16;
                if start > this.latest || (start == this.latest && i < this.latest_of) {
                    (this.latest, this.latest_of) = (start, i);
                }
            }
        }
        if this.pending == 0 {
            Poll::Ready((this.latest_of, this.latest))
        } else {
            Poll::Pending
        }
    }
}
