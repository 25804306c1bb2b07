//! Behaving clients over request classes: each attempt walks its client's flow (a sequence
//! awaits its steps, `all` joins its branches, `pick` walks the branch drawn in advance), with
//! the same cancel-safe visits as the fan-out. Giving up drops the whole flow at once: the
//! visits still queued leave their queues, those in service run on (or are freed with
//! `cancel_all`), and a retry walks the whole flow again from its root.
//!
//! A retry resends the same request: the same class, the same picks and the same drawn
//! service times. The draws are made once per client before the run (as a plain run draws
//! them), so a behaving run that never gives up serves exactly what the plain run serves.

use std::cell::RefCell;
use std::rc::Rc;

use super::{
    check, check_due, closed_loop, open_loop, Behaved, Behaviour, ClosedLoop, Order, Request,
    Shared, Started,
};
use crate::engine::join::Join;
use crate::engine::plan::{Classes, Node, Plan};
use crate::engine::walk::check_classes;
use crate::engine::{EngineError, Station};

/// The classes a behaving run walks, and per client (or closed-loop request) its class, its
/// pick choices and, when times vary, its service steps per visit slot.
pub(super) struct Flows {
    plans: Vec<Plan>,
    pick_stride: usize,
    visit_stride: usize,
    rows: RefCell<Rows>,
    /// A closed loop's: draws each request's row as it starts.
    source: Option<RefCell<RequestDraw>>,
}

/// Rows of [`Flows`], grown as a closed loop's requests start; borrowed only to copy a value
/// out, never across an await.
struct Rows {
    class: Vec<u32>,
    choices: Vec<u32>,
    draws: Option<Vec<u64>>,
}

/// One closed-loop request's class, its pick choices (a branch index per pick slot of its
/// class's plan) and its service steps (one per visit slot of its class's plan).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Drawn {
    /// Index into the plans.
    pub class: u32,
    /// Per pick slot, the branch taken.
    pub choices: Vec<u32>,
    /// Per visit slot, the service in steps.
    pub service: Vec<u64>,
}

/// Draws closed-loop request `n`'s [`Drawn`] as it starts (`n` counts requests in the order
/// they start, which the executor makes the same on every run).
pub type RequestDraw = Box<dyn FnMut(u32) -> Drawn>;

impl Shared {
    /// A closed-loop request starts: its row is drawn (nothing to do without a source).
    pub(super) fn admit(&self, number: u32) {
        let Some(flows) = &self.flows else { return };
        let Some(source) = &flows.source else { return };
        let drawn = source.borrow_mut()(number);
        let mut rows = flows.rows.borrow_mut();
        debug_assert_eq!(rows.class.len(), number as usize);
        rows.class.push(drawn.class);
        let mut choices = drawn.choices;
        choices.resize(flows.pick_stride, 0);
        rows.choices.extend(choices);
        let mut service = drawn.service;
        service.resize(flows.visit_stride, 0);
        rows.draws.get_or_insert_with(Vec::new).extend(service);
    }

    /// The class a closed-loop request was admitted with (0 without classes).
    pub(super) fn class_of(&self, number: u32) -> u32 {
        self.flows.as_ref().map_or(0, |flows| {
            flows
                .rows
                .borrow()
                .class
                .get(number as usize)
                .copied()
                .unwrap_or(0)
        })
    }

    /// One attempt of the client's flow, from its root.
    pub(super) fn walk_flow(self: &Rc<Self>, client: u32, started: &Started) -> Order {
        let flows = self.flows.as_ref().expect("a flow attempt has flows");
        let class = flows.rows.borrow().class[client as usize];
        let root = flows.plans[class as usize].root();
        self.walk_node(client, class, root, started.clone())
    }

    /// One node of a client's flow: done at the step its last visit is done.
    fn walk_node(self: &Rc<Self>, client: u32, class: u32, node: u32, started: Started) -> Order {
        let me = self.clone();
        Box::pin(async move {
            let flows = me.flows.as_ref().expect("a flow attempt has flows");
            let plan = &flows.plans[class as usize];
            match plan.node(node) {
                Node::Visit {
                    station,
                    slot,
                    steps,
                } => {
                    let drawn = flows
                        .rows
                        .borrow()
                        .draws
                        .as_ref()
                        .map(|d| d[client as usize * flows.visit_stride + *slot as usize]);
                    let service =
                        drawn.unwrap_or_else(|| steps.unwrap_or(me.fixed[*station as usize]));
                    me.clone().visit(*station, service, started).await
                }
                Node::Seq(steps) => {
                    let mut last = 0;
                    for &step in steps.iter() {
                        last = last.max(me.walk_node(client, class, step, started.clone()).await);
                    }
                    last
                }
                Node::All(branches) => {
                    let all = branches
                        .iter()
                        .map(|&b| me.walk_node(client, class, b, started.clone()));
                    Join::new(all, 0, |m, _, d| m.max(d)).await
                }
                Node::Pick { slot, branches } => {
                    let row = client as usize * flows.pick_stride;
                    let chosen = flows.rows.borrow().choices[row + *slot as usize] as usize;
                    me.walk_node(client, class, branches[chosen].1, started)
                        .await
                }
            }
        })
    }
}

/// [`super::simulate_behaving`] for a scenario of request classes: client `i`, first due at
/// `due[i]`, walks its class's flow, with `draws` (per client and visit slot, as
/// [`crate::engine::simulate_classes`] takes them) when service times vary. `patience[k]` is
/// class `k`'s patience, which replaces `behaviour.patience`: the caller decides which of the
/// command line, the class and the load test speaks.
pub fn simulate_behaving_classes(
    stations: &[Station],
    classes: &Classes,
    due: &[u64],
    draws: Option<&[u64]>,
    behaviour: Behaviour,
    patience: &[Option<u64>],
) -> Result<Behaved, EngineError> {
    check(stations)?;
    check_due(due)?;
    check_classes(classes, stations.len(), due.len())?;
    if patience.len() != classes.plans.len() {
        return Err(EngineError::BadClasses(
            "not one patience per class".to_string(),
        ));
    }
    if let Some(d) = draws {
        let expected = due.len() * classes.visit_stride();
        if d.len() != expected {
            return Err(EngineError::DrawCount {
                expected,
                got: d.len(),
            });
        }
    }
    let mut shared = Shared::new(stations, None, behaviour.cancel_all);
    Rc::get_mut(&mut shared).expect("not shared yet").flows = Some(Flows {
        plans: classes.plans.clone(),
        pick_stride: classes.pick_stride(),
        visit_stride: classes.visit_stride(),
        rows: RefCell::new(Rows {
            class: classes.class.clone(),
            choices: classes.choices.clone(),
            draws: draws.map(<[u64]>::to_vec),
        }),
        source: None,
    });
    let clients = classes
        .class
        .iter()
        .map(|&k| (k, patience[k as usize]))
        .collect();
    Ok(open_loop(shared, due, behaviour, clients))
}

/// [`super::simulate_closed`] for a scenario of request classes: each request walks the
/// flow of the class `draw` gives it as it starts, with the picks and service times drawn
/// with it (a request starting after `closed.duration` is not made, so the count is not
/// known in advance).
pub fn simulate_closed_classes(
    stations: &[Station],
    plans: &[Plan],
    closed: ClosedLoop,
    draw: RequestDraw,
) -> Result<Vec<Request>, EngineError> {
    check(stations)?;
    if closed.users == 0 {
        return Err(EngineError::NoClients);
    }
    let classes = Classes {
        plans: plans.to_vec(),
        class: Vec::new(),
        choices: Vec::new(),
    };
    check_classes(&classes, stations.len(), 0)?;
    let mut shared = Shared::new(stations, None, false);
    Rc::get_mut(&mut shared).expect("not shared yet").flows = Some(Flows {
        pick_stride: classes.pick_stride(),
        visit_stride: classes.visit_stride(),
        plans: classes.plans,
        rows: RefCell::new(Rows {
            class: Vec::new(),
            choices: Vec::new(),
            draws: None,
        }),
        source: Some(RefCell::new(draw)),
    });
    Ok(closed_loop(shared, closed))
}

/// One request class's figures in a behaving run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ClassTally {
    /// Clients of the class counted (after the warm-up).
    pub clients: usize,
    /// Served within the class's timeout of their first due time.
    pub satisfied: usize,
    /// Gave up for good.
    pub given_up: usize,
    /// Attempts made, retries included.
    pub attempts: u64,
}

impl Behaved {
    /// Per class (`timeouts[k]`: class `k`'s timeout in steps), the clients from `warmup` on.
    pub fn by_class(&self, timeouts: &[u64], warmup: usize) -> Vec<ClassTally> {
        let mut out = vec![ClassTally::default(); timeouts.len()];
        for f in self.fates.iter().skip(warmup) {
            let Some(t) = out.get_mut(f.class as usize) else {
                continue;
            };
            t.clients += 1;
            t.attempts += u64::from(f.attempts);
            match f.served {
                Some(s) if s - f.due < timeouts[f.class as usize] => t.satisfied += 1,
                Some(_) => {}
                None => t.given_up += 1,
            }
        }
        out
    }
}

#[cfg(test)]
mod tests;
