//! A request's flow as async code: the per-client future walks its class's [`Plan`] —
//! a sequence awaits its steps in order, `all` joins its branches, `pick` walks the branch
//! drawn for the client in advance.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::run::{Live, Model, Runtime};
use crate::model::plan::{Classes, Node, Plan};
use crate::outcome::records::NOT_VISITED;
use crate::outcome::trace::EventKind;

impl<R: Runtime> Model<R> {
    /// One node of a client's flow: a sequence awaits its steps in order, `all` joins its
    /// branches (polled in branch order, so they reach their stations in that order), `pick`
    /// walks the client's drawn branch. Returns when it ended and the station that ended it
    /// (the lowest station index among visits ending then).
    pub(super) fn walk<'a>(&'a self, client: u32, plan: &'a Plan, node: u32) -> Branch<'a> {
        Box::pin(async move {
            match plan.node(node) {
                Node::Visit {
                    station,
                    slot,
                    steps,
                } => {
                    let steps = self.visit_steps(client, *station, *slot, *steps);
                    (self.flow_visit(client, *station, steps).await, *station)
                }
                Node::Seq(steps) => {
                    let mut last = (0, u16::MAX);
                    for &step in steps.iter() {
                        last = later(last, self.walk(client, plan, step).await);
                    }
                    last
                }
                Node::All(branches) => {
                    JoinLast::new(branches.iter().map(|&b| self.walk(client, plan, b))).await
                }
                Node::Pick { slot, branches } => {
                    let flows = self.flows.as_ref().expect("a flow runs with classes");
                    let row = client as usize * flows.pick_stride();
                    let chosen = flows.choices[row + *slot as usize] as usize;
                    self.walk(client, plan, branches[chosen].1).await
                }
            }
        })
    }

    /// The service steps of one visit: drawn, or the visit's own, or the station's.
    fn visit_steps(&self, client: u32, station: u16, slot: u32, own: Option<u64>) -> u64 {
        match &self.draws {
            Some(d) => {
                let width = self.flows.as_ref().map_or(0, Classes::visit_stride);
                d[client as usize * width + slot as usize]
            }
            None => own.unwrap_or(match self.stations[station as usize] {
                Live::Pool { steps, .. } | Live::Batch { steps, .. } => steps,
            }),
        }
    }

    /// [`Self::visit`] for a flow: the service steps given, and the station's row keeping
    /// the client's last visit (the one that ended last).
    async fn flow_visit(&self, client: u32, station: u16, steps: u64) -> u64 {
        let (start, done) = match &self.stations[station as usize] {
            Live::Pool { pool, .. } => {
                let _unit = pool.acquire().await;
                let start = self.rt.now();
                self.log(start, client, Some(station), EventKind::ServiceStarted);
                self.rt.sleep_until(start + steps).await;
                (start, self.rt.now())
            }
            Live::Batch { batch, .. } => {
                let lock = batch.lock().await;
                let start = self.rt.now();
                let mut done = start;
                if batch.is_empty(&lock) {
                    self.log(start, client, Some(station), EventKind::BatchStarted);
                    self.rt.sleep_until(start + steps).await;
                    batch.refill(&lock);
                    done = self.rt.now();
                    self.log(done, client, Some(station), EventKind::BatchReady);
                }
                batch.take(&lock);
                (start, done)
            }
        };
        if self.sink.is_none() {
            let slot = self.slot(client, station);
            let mut done_row = self.done.borrow_mut();
            if done_row[slot] == NOT_VISITED || done >= done_row[slot] {
                done_row[slot] = done;
                self.start.borrow_mut()[slot] = start;
            }
        }
        self.log(done, client, Some(station), EventKind::StationDone);
        done
    }
}

/// A node of a client's flow in progress: boxed, as a flow's shape is known only at run time.
pub(super) type Branch<'a> = Pin<Box<dyn Future<Output = (u64, u16)> + 'a>>;

/// Of two (end, station) results, the one that ended later; on a tie the lower station.
fn later(a: (u64, u16), b: (u64, u16)) -> (u64, u16) {
    if b.0 > a.0 || (b.0 == a.0 && b.1 < a.1) {
        b
    } else {
        a
    }
}

/// Branches of an `all` at once, each returning (end, station): done when every one is done,
/// with the [`later`] of their results. Boxed branches: a flow's shape is known only at run
/// time.
pub(super) struct JoinLast<'a> {
    branches: Vec<Option<Branch<'a>>>,
    last: (u64, u16),
}

impl<'a> JoinLast<'a> {
    pub(super) fn new(branches: impl Iterator<Item = Branch<'a>>) -> Self {
        JoinLast {
            branches: branches.map(Some).collect(),
            last: (0, u16::MAX),
        }
    }
}

impl Future for JoinLast<'_> {
    type Output = (u64, u16);

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<(u64, u16)> {
        let this = self.get_mut();
        let mut pending = false;
        for branch in this.branches.iter_mut() {
            if let Some(future) = branch {
                if let Poll::Ready(end) = future.as_mut().poll(cx) {
                    *branch = None;
                    this.last = later(this.last, end);
                } else {
                    pending = true;
                }
            }
        }
        if pending {
            Poll::Pending
        } else {
            Poll::Ready(this.last)
        }
    }
}
