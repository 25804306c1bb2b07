//! Where every random choice of a simulation comes from, as the engine asks for it.
//!
//! The engine asks for a draw at the moment it needs one (a visit's service time when the
//! visit starts, a `pick`'s branch when the walk reaches it), naming whose draw it is: the
//! client (`key`) and which of its draws (the visit or pick slot of its class's plan, the
//! retry, the closed-loop request). What the answer depends on is the source's business; a
//! source that answers from the key alone makes every configuration see the same clients.

/// The draws of one replication. Called with `&self` from inside the simulation; a source
/// that keeps state does so behind a `RefCell`.
pub trait Draws: 'static {
    /// The service steps of client `key`'s visit `slot` (of its class's plan), to `station`,
    /// whose nominal service is `steps` (the visit's own, else the station's).
    fn service(&self, key: u64, class: u32, slot: u32, station: u16, steps: u64) -> u64;

    /// The branch client `key` takes at pick `slot` of its class's plan, among `branches`:
    /// (probability, node), the probabilities summing to 1; the answer indexes them.
    fn choice(&self, key: u64, class: u32, slot: u32, branches: &[(f64, u32)]) -> u32;

    /// The class of closed-loop request `key` (the engine's open-loop clients come with
    /// theirs).
    fn class(&self, key: u64) -> u32;

    /// The wait before a retry whose backoff is `wait` steps, when retries are jittered:
    /// `attempt` is the attempt that was given up (1 for the first).
    fn jitter(&self, key: u64, attempt: u32, wait: u64) -> u64;

    /// The think time of `user` before its `n`-th request (from 1), around `mean` steps.
    fn think(&self, user: u32, n: u32, mean: u64, exponential: bool) -> u64;
}

/// Nothing random: every visit takes its nominal time, a user thinks its mean. A model with
/// a `pick`, jittered retries or several closed-loop classes draws, and has no business here.
#[derive(Debug, Clone, Copy, Default)]
pub struct Fixed;

impl Draws for Fixed {
    #[inline]
    fn service(&self, _: u64, _: u32, _: u32, _: u16, steps: u64) -> u64 {
        steps
    }

    fn choice(&self, _: u64, _: u32, _: u32, _: &[(f64, u32)]) -> u32 {
        0
    }

    fn class(&self, _: u64) -> u32 {
        0
    }

    fn jitter(&self, _: u64, _: u32, wait: u64) -> u64 {
        wait
    }

    fn think(&self, _: u32, _: u32, mean: u64, _: bool) -> u64 {
        mean
    }
}

/// Draws handed in, row by row: each client's service steps per visit slot and branch per
/// pick slot (an oracle's, a test's). A row missing means the nominal times, branch 0.
#[derive(Debug, Clone, Default)]
pub struct Given {
    /// Service steps, `client * width + slot`, with the width.
    pub services: Option<(Vec<u64>, usize)>,
    /// Branches, `client * width + slot`, with the width.
    pub choices: Option<(Vec<u32>, usize)>,
}

impl Draws for Given {
    fn service(&self, key: u64, _: u32, slot: u32, _: u16, steps: u64) -> u64 {
        match &self.services {
            Some((rows, width)) => rows[key as usize * width + slot as usize],
            None => steps,
        }
    }

    fn choice(&self, key: u64, _: u32, slot: u32, _: &[(f64, u32)]) -> u32 {
        match &self.choices {
            Some((rows, width)) => rows[key as usize * width + slot as usize],
            None => 0,
        }
    }

    fn class(&self, _: u64) -> u32 {
        0
    }

    fn jitter(&self, _: u64, _: u32, wait: u64) -> u64 {
        wait
    }

    fn think(&self, _: u32, _: u32, mean: u64, _: bool) -> u64 {
        mean
    }
}
