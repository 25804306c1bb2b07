//! A request flow compiled once per scenario into what each client's future walks.
//!
//! The flow text is parsed once ([`crate::model::flow`]); the engine then needs, per node, only
//! indices: which station a visit goes to, its service in steps, and which pre-drawn slot its
//! random service time and pick choice sit in. Slots are numbered once per plan (visits and
//! picks in tree order), so the draws for a client are a fixed-size row that does not depend
//! on the order in which the client's branches happen to run.

/// One request class's flow, flattened: nodes refer to each other by index.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub(crate) nodes: Vec<Node>,
    pub(crate) root: u32,
    /// Visit nodes, each with its slot in a client's row of service draws.
    pub(crate) visits: u32,
    /// Pick nodes, each with its slot in a client's row of branch choices.
    pub(crate) picks: u32,
    /// Whether the root is `all` of one visit to each station in order, the tutorial's order:
    /// the engine joins those visits flat.
    pub(crate) fan_out: bool,
}

/// A node of a [`Plan`].
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// One visit; `steps` is this visit's own service (None: the station's).
    Visit {
        /// Index into the engine's station slice.
        station: u16,
        /// This visit's column in a client's row of service draws.
        slot: u32,
        /// This visit's own service in steps (a `name(SECONDS)` visit); None: the station's.
        steps: Option<u64>,
    },
    /// Children run one after the other; the flow's `a -> b`.
    Seq(Box<[u32]>),
    /// Children run at once, done when the last is; the flow's `all(...)`.
    All(Box<[u32]>),
    /// One branch, the client's pre-drawn choice for `slot`.
    Pick {
        /// This pick's column in a client's row of choices.
        slot: u32,
        /// (probability, child node), in the flow's order; the choice indexes this list.
        branches: Box<[(f64, u32)]>,
    },
}

impl Plan {
    /// An empty plan, to be built bottom-up: each builder call adds a node and returns its
    /// index; [`Plan::finish`] names the root.
    pub fn builder() -> Plan {
        Plan {
            nodes: Vec::new(),
            root: 0,
            visits: 0,
            picks: 0,
            fan_out: false,
        }
    }

    fn push(&mut self, node: Node) -> u32 {
        self.nodes.push(node);
        (self.nodes.len() - 1) as u32
    }

    /// A visit to `station`; `steps`: its own service (None: the station's).
    pub fn visit(&mut self, station: u16, steps: Option<u64>) -> u32 {
        let slot = self.visits;
        self.visits += 1;
        self.push(Node::Visit {
            station,
            slot,
            steps,
        })
    }

    /// Steps (node indices) run in the given order.
    pub fn seq(&mut self, steps: Vec<u32>) -> u32 {
        self.push(Node::Seq(steps.into()))
    }

    /// Branches (node indices) run concurrently; the node ends with the last.
    pub fn all(&mut self, branches: Vec<u32>) -> u32 {
        self.push(Node::All(branches.into()))
    }

    /// One of `branches` (probability, node), drawn per client.
    pub fn pick(&mut self, branches: Vec<(f64, u32)>) -> u32 {
        let slot = self.picks;
        self.picks += 1;
        self.push(Node::Pick {
            slot,
            branches: branches.into(),
        })
    }

    /// The tutorial's order: every one of `stations` stations at once, `all(s0, s1, …)`, the
    /// one class of a scenario without `[[request]]`.
    pub fn fan_out(stations: usize) -> Plan {
        let mut plan = Plan::builder();
        let visits = (0..stations).map(|s| plan.visit(s as u16, None)).collect();
        let root = plan.all(visits);
        plan.finish(root)
    }

    /// Names the root, once every node is built; a plan without it walks node 0.
    pub fn finish(mut self, root: u32) -> Plan {
        self.root = root;
        self.fan_out = match &self.nodes[root as usize] {
            Node::All(children) => children.iter().enumerate().all(|(i, &c)| {
                matches!(self.nodes[c as usize], Node::Visit { station, .. } if station as usize == i)
            }),
            _ => false,
        };
        self
    }

    /// The least latency any request of this plan can have, in steps, when a visit to
    /// `station` with its own service `steps` (`None`: the station's) takes at least
    /// `least(station, steps)` even with no queue: a sequence adds its steps, `all` waits
    /// for its slowest branch, and `pick` may take its quickest branch that has a chance.
    pub fn least_steps(&self, least: &impl Fn(u16, Option<u64>) -> u64) -> u64 {
        self.least_from(self.root, least)
    }

    fn least_from(&self, node: u32, least: &impl Fn(u16, Option<u64>) -> u64) -> u64 {
        match &self.nodes[node as usize] {
            Node::Visit { station, steps, .. } => least(*station, *steps),
            Node::Seq(steps) => steps
                .iter()
                .map(|&n| self.least_from(n, least))
                .fold(0, u64::saturating_add),
            Node::All(branches) => branches
                .iter()
                .map(|&n| self.least_from(n, least))
                .max()
                .unwrap_or(0),
            Node::Pick { branches, .. } => branches
                .iter()
                .filter(|(p, _)| *p > 0.0)
                .map(|&(_, n)| self.least_from(n, least))
                .min()
                .unwrap_or(0),
        }
    }

    /// The visits of the tutorial's order, one to each station in station order, when this
    /// plan is that (see [`Plan::fan_out`]): the root's children, station `i`'s at `i`.
    pub fn fan_out_visits(&self) -> Option<&[u32]> {
        match &self.nodes[self.root as usize] {
            Node::All(children) if self.fan_out => Some(children),
            _ => None,
        }
    }

    /// Visit slots, each with its station and own service steps, in slot order.
    pub fn visits(&self) -> Vec<(usize, Option<u64>)> {
        let mut out = vec![(0, None); self.visits as usize];
        for n in &self.nodes {
            if let Node::Visit {
                station,
                slot,
                steps,
            } = n
            {
                out[*slot as usize] = (*station as usize, *steps);
            }
        }
        out
    }

    /// Pick slots, each with its branch probabilities, in slot order.
    pub fn picks(&self) -> Vec<Vec<f64>> {
        let mut out = vec![Vec::new(); self.picks as usize];
        for n in &self.nodes {
            if let Node::Pick { slot, branches } = n {
                out[*slot as usize] = branches.iter().map(|b| b.0).collect();
            }
        }
        out
    }

    /// Visit slots: the width of this class's row of service draws.
    pub fn visit_slots(&self) -> usize {
        self.visits as usize
    }

    /// Pick slots: the width of this class's row of branch choices.
    pub fn pick_slots(&self) -> usize {
        self.picks as usize
    }

    /// Panics on an index the builder did not return.
    pub fn node(&self, index: u32) -> &Node {
        &self.nodes[index as usize]
    }

    /// The node a client's walk starts from.
    pub fn root(&self) -> u32 {
        self.root
    }
}

/// Request classes as the engine runs them: one plan per class and, per client, its class
/// and its pre-drawn pick choices (`choices[client * pick_stride + slot]`, the branch index).
/// Service draws, when times vary, are per (client, visit slot): `client * visit_stride +
/// slot`.
#[derive(Debug, Clone, PartialEq)]
pub struct Classes {
    /// One plan per class, in the scenario's `[[request]]` order.
    pub plans: Vec<Plan>,
    /// Each client's class (index into `plans`), by client.
    pub class: Vec<u32>,
    /// Pre-drawn branch indices, `choices[client * pick_stride + slot]`.
    pub choices: Vec<u32>,
}

impl Classes {
    /// The widest class's visit slots: the row width of service draws.
    pub fn visit_stride(&self) -> usize {
        self.plans.iter().map(Plan::visit_slots).max().unwrap_or(0)
    }

    /// The widest class's pick slots: the row width of `choices`.
    pub fn pick_stride(&self) -> usize {
        self.plans.iter().map(Plan::pick_slots).max().unwrap_or(0)
    }
}

/// One station of the fan-out, as the engine runs it.
#[derive(Debug, Clone, PartialEq)]
pub struct Station {
    /// As the scenario names it; the engine knows a station only by its index in the slice.
    pub name: std::sync::Arc<str>,
    /// Service time of one request (pool) or one batch (batch), in steps.
    pub service: u64,
    /// Pool or batch, with the size a configuration chose for it (a pool whose units change:
    /// the units it starts with).
    pub kind: Kind,
    /// A pool whose units change during the test: how (None: they never do).
    pub scaling: Option<std::sync::Arc<crate::model::scaling::Scaling>>,
}

/// How a station serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `units` identical servers; a request waits FIFO for a free one and holds it.
    Pool {
        /// Identical servers; the seed's soda `Lock` is a pool of 1.
        units: u32,
    },
    /// A cache refilled `portions` at a time by whoever finds it empty, under one FIFO lock.
    Batch {
        /// Portions one batch makes; each client takes one.
        portions: u32,
    },
}

/// A configured service, as the engine simulates it: its stations, each sized by a
/// configuration, and one plan per request class (the fan-out when there are no classes).
#[derive(Debug, Clone, PartialEq)]
pub struct Service {
    /// In scenario order; a plan's visits name them by index.
    pub stations: Vec<Station>,
    /// One per request class, in the scenario's order; shared by every configuration.
    pub plans: std::sync::Arc<[Plan]>,
}
