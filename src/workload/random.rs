//! Common random numbers: every draw of a client comes from a stream keyed by the seed, the
//! replication, the client and which of its draws it is; never by the configuration being
//! tested, nor by the order in which events happen to run.
//!
//! So two configurations are load-tested on the same clients: the same arrival times, the
//! same classes and `pick` branches, the same service time at each of a client's visits, the
//! same retry waits. Their difference is their capacity, not their luck (a search compares
//! configurations on these common random numbers), and a result depends on the seed alone,
//! not on the thread count or on what else was evaluated.
//!
//! The streams are Philox 4×32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2,
//! 3", SC'11), a counter-based generator: a draw is a pure function of a 128-bit counter
//! (the client, the draw's kind and slot, and a position within it) under a 64-bit key (the
//! seed and the replication), so any draw can be made in any order, on any thread, without
//! a stream to carry along. It passes BigCrush, and its known-answer vectors are tested below.

use std::cell::RefCell;
use std::sync::Arc;

use rand::{Rng, RngCore};
use rand_distr::{Distribution, Exp, Exp1, LogNormal, Uniform};

use crate::model::request::Dealer;
use crate::model::scenario::{Scenario, ServiceDistribution};
use crate::model::units::{Resolution, MAX_TIMER_STEPS};
use crate::workload::draws::Draws;

/// The seed used when the user gives none.
pub const DEFAULT_SEED: u64 = 1;

/// What a draw is for: one client's draws of one kind are numbered by a slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Lane {
    /// The gap before client `i`'s arrival (Poisson), or its unit-rate gap (Poisson stages).
    Arrival = 0,
    /// A client's request class, when classes are drawn.
    Class = 1,
    /// The branch a client takes at a `pick` (slot: the pick's slot in its class's plan).
    Pick = 2,
    /// A visit's service time (slot: the visit's slot in its class's plan).
    Service = 3,
    /// The wait before a retry (slot: the attempt given up).
    Jitter = 4,
    /// A user's think time (the client is the user's request).
    Think = 5,
}

/// SplitMix64's finaliser: spreads every input bit over the output.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Philox 4×32 with 10 rounds: four 32-bit words out of a 128-bit counter under a 64-bit key.
fn philox(mut ctr: [u32; 4], mut key: [u32; 2]) -> [u32; 4] {
    const M0: u64 = 0xD251_1F53;
    const M1: u64 = 0xCD9E_8D57;
    const W0: u32 = 0x9E37_79B9;
    const W1: u32 = 0xBB67_AE85;
    for round in 0..10 {
        if round > 0 {
            key[0] = key[0].wrapping_add(W0);
            key[1] = key[1].wrapping_add(W1);
        }
        let p0 = M0 * u64::from(ctr[0]);
        let p1 = M1 * u64::from(ctr[2]);
        ctr = [
            (p1 >> 32) as u32 ^ ctr[1] ^ key[0],
            p1 as u32,
            (p0 >> 32) as u32 ^ ctr[3] ^ key[1],
            p0 as u32,
        ];
    }
    ctr
}

/// The streams of one replication: its key, from the seed and the replication.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Streams {
    key: [u32; 2],
}

impl Streams {
    /// Replication `replication` (from 0) of seed `seed`.
    pub fn new(seed: u64, replication: u32) -> Streams {
        let k = mix(mix(seed) ^ u64::from(replication));
        Streams {
            key: [k as u32, (k >> 32) as u32],
        }
    }

    /// The stream of client `client`'s draw (`lane`, `slot`).
    pub fn of(&self, client: u64, lane: Lane, slot: u32) -> Stream {
        Stream {
            key: self.key,
            ctr: [
                0,
                (lane as u32) << 24 | (slot & 0x00FF_FFFF),
                client as u32,
                (client >> 32) as u32,
            ],
            buf: [0; 4],
            used: 4,
        }
    }
}

/// One draw's numbers: as many as a sampler asks for, each block of four words the next
/// counter value within the draw.
#[derive(Debug, Clone)]
pub struct Stream {
    key: [u32; 2],
    ctr: [u32; 4],
    buf: [u32; 4],
    used: usize,
}

impl RngCore for Stream {
    fn next_u32(&mut self) -> u32 {
        if self.used == 4 {
            self.buf = philox(self.ctr, self.key);
            self.ctr[0] = self.ctr[0].wrapping_add(1);
            self.used = 0;
        }
        self.used += 1;
        self.buf[self.used - 1]
    }

    fn next_u64(&mut self) -> u64 {
        u64::from(self.next_u32()) | u64::from(self.next_u32()) << 32
    }

    fn fill_bytes(&mut self, dest: &mut [u8]) {
        for chunk in dest.chunks_mut(4) {
            let word = self.next_u32().to_le_bytes();
            chunk.copy_from_slice(&word[..chunk.len()]);
        }
    }
}

/// An index drawn with these probabilities (which sum to 1; the last takes any rounding).
pub fn choose(rng: &mut impl Rng, probabilities: impl IntoIterator<Item = f64>) -> usize {
    let u: f64 = rng.random();
    let mut acc = 0.0;
    let mut last = 0;
    for (i, p) in probabilities.into_iter().enumerate() {
        acc += p;
        if u < acc {
            return i;
        }
        last = i;
    }
    last
}

/// One service time in seconds around `mean`.
pub(crate) fn sample(d: &ServiceDistribution, mean: f64, rng: &mut impl Rng) -> f64 {
    match *d {
        ServiceDistribution::Fixed => mean,
        ServiceDistribution::Exponential => Exp::new(1.0 / mean).expect("mean > 0").sample(rng),
        ServiceDistribution::Uniform { cv } => {
            let half = mean * cv * 3f64.sqrt();
            if half == 0.0 {
                mean
            } else {
                Uniform::new_inclusive(mean - half, mean + half)
                    .expect("valid bounds")
                    .sample(rng)
            }
        }
        ServiceDistribution::Lognormal { cv } => {
            let sigma2 = (1.0 + cv * cv).ln();
            let mu = mean.ln() - sigma2 / 2.0;
            LogNormal::new(mu, sigma2.sqrt())
                .expect("finite parameters")
                .sample(rng)
        }
        ServiceDistribution::Empirical(ref samples) => {
            samples[Uniform::new(0, samples.len())
                .expect("samples are not empty")
                .sample(rng)]
        }
    }
}

/// Due times of a Poisson process of `rate` clients/s, the first client at 0: the gap before
/// client `i` is its own draw.
pub fn poisson_due(streams: &Streams, clients: u32, rate: f64, res: Resolution) -> Vec<u64> {
    let gap = Exp::new(rate).expect("rate is positive and finite");
    let mut t = 0.0f64;
    (0..clients)
        .map(|i| {
            if i > 0 {
                t += gap.sample(&mut streams.of(u64::from(i), Lane::Arrival, 0));
            }
            res.nearest_steps(t)
        })
        .collect()
}

/// Client `i`'s unit-rate exponential gap, which Poisson stages turn into time.
pub fn unit_gap(streams: &Streams, client: u64) -> f64 {
    Exp1.sample(&mut streams.of(client, Lane::Arrival, 0))
}

/// A class drawn by share for client `client` (Poisson arrivals).
pub fn class_of(streams: &Streams, client: u64, shares: &[f64]) -> u32 {
    choose(
        &mut streams.of(client, Lane::Class, 0),
        shares.iter().copied(),
    ) as u32
}

/// The draws of one replication, every one keyed by its client: the engine's [`Draws`].
pub struct Common {
    streams: Streams,
    /// Per station, its distribution (shared by every configuration and replication).
    distributions: Arc<[ServiceDistribution]>,
    resolution: Resolution,
    /// A closed loop's classes: each user's n-th request takes the n-th class of an exact deal
    /// by share (kept as far as it was dealt).
    deal: Option<RefCell<(Dealer, Vec<u32>)>>,
}

impl Common {
    /// Replication `replication` of seed `seed` on `scenario`'s stations and classes.
    pub fn new(scenario: &Scenario, seed: u64, replication: u32) -> Common {
        let shares: Vec<f64> = scenario.requests().iter().map(|r| r.share).collect();
        Common {
            streams: Streams::new(seed, replication),
            distributions: scenario.distributions().clone(),
            resolution: scenario.resolution(),
            deal: (!shares.is_empty()).then(|| RefCell::new((Dealer::new(&shares), Vec::new()))),
        }
    }

    /// The replication's streams, for the draws the load makes before the run (arrivals).
    pub fn streams(&self) -> &Streams {
        &self.streams
    }

    /// A service drawn from its station's distribution, around `steps`. (Out of line, so that
    /// a fixed service, which most stations have, costs the visit one test.)
    #[inline(never)]
    fn drawn_service(&self, key: u64, slot: u32, station: u16, steps: u64) -> u64 {
        let d = &self.distributions[station as usize];
        let mean = steps as f64 * self.resolution.seconds();
        let secs = sample(d, mean, &mut self.streams.of(key, Lane::Service, slot));
        self.resolution
            .nearest_steps(secs)
            .clamp(1, MAX_TIMER_STEPS)
    }
}

impl Draws for Common {
    #[inline]
    fn service(&self, key: u64, _class: u32, slot: u32, station: u16, steps: u64) -> u64 {
        if self.distributions[station as usize].is_fixed() {
            return steps;
        }
        self.drawn_service(key, slot, station, steps)
    }

    fn choice(&self, key: u64, _class: u32, slot: u32, branches: &[(f64, u32)]) -> u32 {
        choose(
            &mut self.streams.of(key, Lane::Pick, slot),
            branches.iter().map(|b| b.0),
        ) as u32
    }

    fn class(&self, key: u64) -> u32 {
        let Some(deal) = &self.deal else { return 0 };
        let n = (key & 0xFFFF_FFFF) as usize;
        let mut deal = deal.borrow_mut();
        let (dealer, dealt) = &mut *deal;
        while dealt.len() <= n {
            dealt.push(dealer.next_class());
        }
        dealt[n]
    }

    fn jitter(&self, key: u64, attempt: u32, wait: u64) -> u64 {
        self.streams
            .of(key, Lane::Jitter, attempt)
            .random_range(0..=wait)
    }

    fn think(&self, user: u32, n: u32, mean: u64, exponential: bool) -> u64 {
        if !(exponential && mean > 0) {
            return mean;
        }
        let key = u64::from(user) << 32 | u64::from(n);
        let exp = Exp::new(1.0 / mean as f64).expect("think > 0");
        exp.sample(&mut self.streams.of(key, Lane::Think, 0))
            .round() as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn philox_gives_the_known_answers() {
        // Random123's known-answer vectors for Philox 4×32-10.
        assert_eq!(
            philox([0; 4], [0; 2]),
            [0x6627_e8d5, 0xe169_c58d, 0xbc57_ac4c, 0x9b00_dbd8]
        );
        assert_eq!(
            philox([u32::MAX; 4], [u32::MAX; 2]),
            [0x408f_276d, 0x41c8_3b0e, 0xa20b_c7c6, 0x6d54_51fd]
        );
        assert_eq!(
            philox(
                [0x243f_6a88, 0x85a3_08d3, 0x1319_8a2e, 0x0370_7344],
                [0xa409_3822, 0x299f_31d0]
            ),
            [0xd16c_fe09, 0x94fd_cceb, 0x5001_e420, 0x2412_6ea1]
        );
    }

    #[test]
    fn a_draw_depends_on_its_key_alone() {
        let s = Streams::new(1, 0);
        let x = |s: &Streams, c, lane, slot| s.of(c, lane, slot).next_u64();
        assert_eq!(x(&s, 7, Lane::Service, 2), x(&s, 7, Lane::Service, 2));
        assert_ne!(x(&s, 7, Lane::Service, 2), x(&s, 8, Lane::Service, 2));
        assert_ne!(x(&s, 7, Lane::Service, 2), x(&s, 7, Lane::Service, 3));
        assert_ne!(x(&s, 7, Lane::Service, 2), x(&s, 7, Lane::Pick, 2));
        assert_ne!(
            x(&s, 7, Lane::Service, 2),
            x(&Streams::new(2, 0), 7, Lane::Service, 2)
        );
        assert_ne!(
            x(&s, 7, Lane::Service, 2),
            x(&Streams::new(1, 1), 7, Lane::Service, 2)
        );
        // Clients past 2^32 are clients of their own.
        assert_ne!(x(&s, 7, Lane::Think, 0), x(&s, 7 | 1 << 32, Lane::Think, 0));
    }

    #[test]
    fn draws_are_uniform_enough() {
        // A chi-square test of 16 bins over the first word of 160,000 keyed streams, and
        // the mean of a uniform: a gross defect in the generator or the keying shows here.
        let s = Streams::new(42, 3);
        let n = 160_000u64;
        let mut bins = [0u64; 16];
        let mut sum = 0.0;
        for c in 0..n {
            let mut st = s.of(c, Lane::Service, (c % 5) as u32);
            bins[(st.next_u32() >> 28) as usize] += 1;
            sum += st.random::<f64>();
        }
        let expected = n as f64 / 16.0;
        let chi2: f64 = bins
            .iter()
            .map(|&b| (b as f64 - expected).powi(2) / expected)
            .sum();
        // 15 degrees of freedom: 37.7 is its 99.9th percentile.
        assert!(chi2 < 37.7, "chi-square {chi2}: {bins:?}");
        assert!(
            (sum / n as f64 - 0.5).abs() < 0.003,
            "mean {}",
            sum / n as f64
        );
    }

    #[test]
    fn service_draws_have_the_stated_mean() {
        let s = Streams::new(7, 0);
        for d in [
            ServiceDistribution::Exponential,
            ServiceDistribution::Uniform { cv: 0.5 },
            ServiceDistribution::Lognormal { cv: 0.8 },
        ] {
            let n = 200_000;
            let mean = (0..n)
                .map(|c| sample(&d, 2.0, &mut s.of(c, Lane::Service, 0)))
                .sum::<f64>()
                / n as f64;
            assert!((mean - 2.0).abs() < 0.03, "{d:?}: {mean}");
        }
    }
}
