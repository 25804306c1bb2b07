//! The space's configurations in rank order, one at a time, without holding the space.
//!
//! A search of millions of configurations that stops after testing a few hundred should not
//! rank millions first. The price of a configuration never falls when one lever rises (each
//! station costs `fixed + per_unit × value`, `per_unit ≥ 0`, and a sum or a rounding of
//! such terms keeps their order), so the space is a lattice whose cheapest point is every
//! lever at its lowest value, and a best-first walk from there yields configurations by
//! non-decreasing price, as Dijkstra's algorithm does.
//!
//! Each configuration is reached once, from one parent: the configuration with its last
//! raised lever lowered by one value. A node therefore raises only its own last raised
//! lever or a later one. The heap holds the frontier: at most (configurations yielded ×
//! levers) nodes, so memory follows what was tested, not the size of the space.
//!
//! The rank's tie-break (fewest changed levers, then lever values) is not monotone along the
//! lattice, so ties are settled in groups: every configuration of the cheapest price key is
//! drawn from the heap (its equally priced descendants included, since a child is never
//! cheaper than its parent), sorted by the tie-break, and yielded. [`super::rank`] is this
//! walk collected, so the lazy and the full ranking are one order.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

use crate::model::config::Config;
use crate::model::cost::{Cost, PriceKey};
use crate::model::scenario::{Prices, Scenario};

use super::{Candidate, Space};

/// A configuration waiting in the frontier: its price key, its value indices, and the first
/// lever its children may raise.
#[derive(Debug, PartialEq, Eq)]
struct Node {
    key: PriceKey,
    indices: Vec<u32>,
    first: usize,
}

impl Ord for Node {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        // Within a key the group is sorted before it is yielded: the indices only make the
        // heap's order total.
        (self.key, &self.indices).cmp(&(other.key, &other.indices))
    }
}

impl PartialOrd for Node {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// An iterator over a space's candidates, cheapest first, in [`super::rank`]'s order.
pub struct Frontier<'a> {
    scenario: &'a Scenario,
    prices: &'a Prices,
    space: &'a Space,
    baseline: Config,
    heap: BinaryHeap<Reverse<Node>>,
    /// The current price group, sorted, ready to be yielded.
    ready: VecDeque<Candidate>,
    /// Configurations not yet yielded.
    left: u128,
}

impl<'a> Frontier<'a> {
    /// The walk of `space` at `prices`, from its cheapest configuration.
    pub fn new(space: &'a Space, scenario: &'a Scenario, prices: &'a Prices) -> Frontier<'a> {
        let mut frontier = Frontier {
            scenario,
            prices,
            space,
            baseline: Config::baseline(scenario),
            heap: BinaryHeap::new(),
            ready: VecDeque::new(),
            left: space.size(),
        };
        if frontier.left > 0 {
            let root = vec![0; space.levers().len()];
            frontier.push(root, 0);
        }
        frontier
    }

    fn config_of(&self, indices: &[u32]) -> Config {
        Config::new(
            indices
                .iter()
                .zip(self.space.levers())
                .map(|(&i, values)| values.as_slice()[i as usize])
                .collect(),
        )
    }

    fn push(&mut self, indices: Vec<u32>, first: usize) {
        let config = self.config_of(&indices);
        let key = Cost::of(self.scenario, &config, self.prices).key();
        self.heap.push(Reverse(Node {
            key,
            indices,
            first,
        }));
    }

    /// Draws the whole cheapest price group from the heap, its children pushed as it goes.
    fn next_group(&mut self) {
        let Some(Reverse(top)) = self.heap.peek() else {
            return;
        };
        let key = top.key;
        let mut group = Vec::new();
        while self.heap.peek().is_some_and(|Reverse(n)| n.key == key) {
            let Reverse(node) = self.heap.pop().expect("peeked");
            let levers = self.space.levers();
            for lever in node.first..levers.len() {
                if (node.indices[lever] as usize) + 1 < levers[lever].len() {
                    let mut child = node.indices.clone();
                    child[lever] += 1;
                    self.push(child, lever);
                }
            }
            let config = self.config_of(&node.indices);
            let cost = Cost::of(self.scenario, &config, self.prices);
            group.push(Candidate {
                cost,
                changed: config.changed_levers(&self.baseline),
                config,
            });
        }
        group.sort_unstable_by(|a, b| (a.changed, &a.config).cmp(&(b.changed, &b.config)));
        self.ready.extend(group);
    }

    /// Configurations not yet yielded.
    pub fn left(&self) -> u128 {
        self.left
    }

    /// Configurations waiting in the frontier: what the walk holds in memory.
    pub fn waiting(&self) -> usize {
        self.heap.len() + self.ready.len()
    }
}

impl Iterator for Frontier<'_> {
    type Item = Candidate;

    fn next(&mut self) -> Option<Candidate> {
        if self.ready.is_empty() {
            self.next_group();
        }
        let next = self.ready.pop_front()?;
        self.left -= 1;
        Some(next)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = usize::try_from(self.left).unwrap_or(usize::MAX);
        (left, usize::try_from(self.left).ok())
    }
}
