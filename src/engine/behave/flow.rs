//! Behaving clients over request classes: each attempt walks its client's flow (a sequence
//! awaits its steps, `all` joins its branches, `pick` walks the branch drawn in advance), with
//! the same cancel-safe visits as the fan-out. Giving up drops the whole flow at once: the
//! visits still queued leave their queues, those in service run on (or are freed with
//! `cancel_all`), and a retry walks the whole flow again from its root.
//!
//! A retry resends the same request: the same class, the same picks and the same drawn
//! service times. The draws are made once per client before the run (as a plain run draws
//! them), so a behaving run that never gives up serves exactly what the plain run serves.

use std::rc::Rc;

use futures_util::future::join_all;

use super::{check, check_due, open_loop, Attempt, Behaved, Behaviour, Shared, Started};
use crate::engine::plan::{Classes, Node};
use crate::engine::walk::check_classes;
use crate::engine::{EngineError, Station};

/// The classes a behaving run walks, and their pre-drawn service times, if any, per (client,
/// visit slot).
pub(super) struct Flows {
    classes: Classes,
    draws: Option<Vec<u64>>,
}

impl Shared {
    /// One attempt of the client's flow, from its root.
    pub(super) fn walk_flow(self: &Rc<Self>, client: u32, started: &Started) -> Attempt {
        let flows = self.flows.as_ref().expect("a flow attempt has flows");
        let class = flows.classes.class[client as usize];
        let root = flows.classes.plans[class as usize].root();
        self.walk_node(client, class, root, started.clone())
    }

    /// One node of a client's flow: done at the step its last visit is done.
    fn walk_node(self: &Rc<Self>, client: u32, class: u32, node: u32, started: Started) -> Attempt {
        let me = self.clone();
        Box::pin(async move {
            let flows = me.flows.as_ref().expect("a flow attempt has flows");
            let plan = &flows.classes.plans[class as usize];
            match plan.node(node) {
                Node::Visit {
                    station,
                    slot,
                    steps,
                } => {
                    let service = match &flows.draws {
                        Some(d) => {
                            d[client as usize * flows.classes.visit_stride() + *slot as usize]
                        }
                        None => steps.unwrap_or(me.fixed[*station as usize]),
                    };
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
                    join_all(all).await.into_iter().max().unwrap_or(0)
                }
                Node::Pick { slot, branches } => {
                    let row = client as usize * flows.classes.pick_stride();
                    let chosen = flows.classes.choices[row + *slot as usize] as usize;
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
        classes: classes.clone(),
        draws: draws.map(<[u64]>::to_vec),
    });
    let clients = classes
        .class
        .iter()
        .map(|&k| (k, patience[k as usize]))
        .collect();
    Ok(open_loop(shared, due, behaviour, clients))
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
