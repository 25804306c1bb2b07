//! A request's flow as async code: the per-client future walks its class's [`Plan`] —
//! a sequence awaits its steps in order, `all` joins its branches, `pick` walks the branch
//! drawn for the client in advance.

use std::future::Future;
use std::pin::Pin;

use super::join::Join;
use super::plan::{Classes, Node, Plan};
use super::run::{Live, Model, Runtime};
use super::{EngineError, EventKind, NOT_VISITED};

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
                    let branches = branches.iter().map(|&b| self.walk(client, plan, b));
                    Join::new(branches, (0, u16::MAX), |last, _, end| later(last, end)).await
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

/// Classes that fit the load test: a class per client, a valid choice per pick, stations that
/// exist.
pub(super) fn check_classes(
    c: &Classes,
    stations: usize,
    clients: usize,
) -> Result<(), EngineError> {
    let bad = |why: &str| Err(EngineError::BadClasses(why.to_string()));
    if c.plans.is_empty() {
        return bad("no request class");
    }
    if c.class.len() != clients {
        return bad("not one class per client");
    }
    if c.choices.len() != clients * c.pick_stride() {
        return bad("not one choice per client and pick");
    }
    for plan in &c.plans {
        for n in &plan.nodes {
            if let Node::Visit { station, .. } = n {
                if *station as usize >= stations {
                    return bad("a visit to a station that does not exist");
                }
            }
        }
    }
    let stride = c.pick_stride();
    // Each class's picks once, not once per client: a flow may have thousands of nodes.
    let picks: Vec<Vec<Vec<f64>>> = c.plans.iter().map(Plan::picks).collect();
    for (client, &k) in c.class.iter().enumerate() {
        let Some(branches) = picks.get(k as usize) else {
            return bad("a client of a class that does not exist");
        };
        for (slot, branches) in branches.iter().enumerate() {
            if c.choices[client * stride + slot] as usize >= branches.len() {
                return bad("a pick choice beyond its branches");
            }
        }
    }
    Ok(())
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
