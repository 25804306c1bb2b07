//! Randomness that depends only on the seed.
//!
//! Every (configuration, replication) pair draws from its own ChaCha8 stream whose key is
//! derived from the seed, the configuration and the replication number, so a result does
//! not depend on which thread ran it, in which order, or on what else was evaluated. Within
//! a pair, arrivals and each station have a stream of their own: changing one station's
//! distribution leaves the arrivals and the other stations' draws as they were.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Exp, LogNormal, Uniform};

use std::cell::RefCell;

use crate::model::config::Config;
use crate::model::plan::Classes;
use crate::model::scenario::{Scenario, ServiceDistribution};
use crate::model::units::{Resolution, MAX_TIMER_STEPS};
use crate::workload::draws::Draws;

/// The seed used when the user gives none.
pub const DEFAULT_SEED: u64 = 1;

/// SplitMix64's finaliser: spreads every input bit over the output.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The stream of one (configuration, replication) pair, for one lane (0: arrivals, 1 + s:
/// station s).
pub fn stream(seed: u64, config: &Config, replication: u32, lane: u64) -> ChaCha8Rng {
    let mut key = mix(seed);
    for &v in config.values() {
        key = mix(key ^ v as u64);
    }
    key = mix(key ^ replication as u64);
    let mut rng = ChaCha8Rng::seed_from_u64(key);
    rng.set_stream(lane);
    rng
}

/// The lane of the classes of Poisson arrivals (beyond any station's lane).
pub const CLASS_LANE: u64 = 1 << 32;
/// The lane of the picks of every client's flow.
pub const PICK_LANE: u64 = (1 << 32) + 1;

/// An index drawn with these probabilities (which sum to 1; the last takes any rounding).
pub fn choose(rng: &mut ChaCha8Rng, probabilities: &[f64]) -> usize {
    use rand::Rng;
    let u: f64 = rng.random();
    let mut acc = 0.0;
    for (i, p) in probabilities.iter().enumerate() {
        acc += p;
        if u < acc {
            return i;
        }
    }
    probabilities.len() - 1
}

/// Service steps per (client, visit slot of its class's flow), or `None` when every station
/// is fixed. A visit with its own service time draws around that mean. Each station draws
/// from its own stream, clients in order and a client's visits in slot order.
pub fn flow_draws(
    scenario: &Scenario,
    classes: &Classes,
    seed: u64,
    config: &Config,
    replication: u32,
) -> Option<Vec<u64>> {
    if !scenario.draws_service() {
        return None;
    }
    let width = classes.visit_stride();
    let visits: Vec<Vec<(usize, Option<u64>)>> = classes.plans.iter().map(|p| p.visits()).collect();
    let res = scenario.resolution();
    let mut out = vec![0u64; classes.class.len() * width];
    for (i, s) in scenario.stations().iter().enumerate() {
        let mut rng = stream(seed, config, replication, 1 + i as u64);
        for (c, &k) in classes.class.iter().enumerate() {
            for (slot, &(station, own)) in visits[k as usize].iter().enumerate() {
                if station != i {
                    continue;
                }
                let steps = own.unwrap_or(s.service_steps());
                out[c * width + slot] = if s.distribution().is_fixed() {
                    steps
                } else {
                    let mean = steps as f64 * res.seconds();
                    res.nearest_steps(sample(s.distribution(), mean, &mut rng))
                        .min(MAX_TIMER_STEPS)
                };
            }
        }
    }
    Some(out)
}

/// Due times of a Poisson process of `rate` clients/s, the first client at 0.
pub fn poisson_due(rng: &mut ChaCha8Rng, clients: u32, rate: f64, res: Resolution) -> Vec<u64> {
    let gap = Exp::new(rate).expect("rate is positive and finite");
    let mut t = 0.0f64;
    (0..clients)
        .map(|i| {
            if i > 0 {
                t += gap.sample(rng);
            }
            res.nearest_steps(t)
        })
        .collect()
}

/// One service time in seconds.
pub(crate) fn sample(d: &ServiceDistribution, mean: f64, rng: &mut ChaCha8Rng) -> f64 {
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

/// Service steps per (client, station), or `None` when every station is fixed.
pub fn draws(
    scenario: &Scenario,
    clients: u32,
    seed: u64,
    config: &Config,
    replication: u32,
) -> Option<Vec<u64>> {
    if !scenario.draws_service() {
        return None;
    }
    let width = scenario.stations().len();
    let mut out = vec![0u64; clients as usize * width];
    for (i, s) in scenario.stations().iter().enumerate() {
        let mut rng = stream(seed, config, replication, 1 + i as u64);
        for c in 0..clients as usize {
            let secs = sample(s.distribution(), s.service().get(), &mut rng);
            out[c * width + i] = scenario
                .resolution()
                .nearest_steps(secs)
                .min(MAX_TIMER_STEPS);
        }
    }
    Some(out)
}

/// Draws as they were made before every draw was keyed by its client: services and picks
/// drawn per client before the run (`rows`, `choices`), or from per-station streams in the
/// order the engine asks (`streams`: a fan-out of clients who may give up, a closed loop),
/// a closed loop's classes dealt and its requests' rows drawn as they start (`closed`), retry
/// waits and think times from streams of their own in the order asked.
pub struct Legacy {
    /// Service steps per (client, visit slot), `client * width + slot`.
    pub rows: Option<(Vec<u64>, usize)>,
    /// Branch per (client, pick slot), `client * width + slot`.
    pub choices: Option<(Vec<u32>, usize)>,
    /// Per station: its distribution, its mean in seconds, its fixed steps and its stream.
    pub streams: Option<RefCell<Vec<StationStream>>>,
    /// A closed loop over request classes: its requests' rows, drawn as they start.
    pub closed: Option<Box<RefCell<ClosedRows>>>,
    /// Retry waits, in the order retries are made (boxed, as the rest: a source is part of
    /// every run, most of which draw neither).
    pub jitter: RefCell<Option<Box<ChaCha8Rng>>>,
    /// Think times, in the order users think.
    pub think: RefCell<Option<Box<ChaCha8Rng>>>,
    /// Steps of the model, to turn drawn seconds into steps.
    pub resolution: Resolution,
}

/// One station's stream of service times.
pub struct StationStream {
    /// Its distribution.
    pub distribution: ServiceDistribution,
    /// Its mean service, in seconds.
    pub mean: f64,
    /// Its fixed steps (a fixed distribution).
    pub fixed: u64,
    /// Where its draws come from.
    pub rng: ChaCha8Rng,
}

/// A closed loop's requests over classes: each gets the next class of the deal, then its
/// picks and service times, as it starts.
pub struct ClosedRows {
    /// Deals classes by share.
    pub dealer: crate::model::request::Dealer,
    /// Per class, each pick slot's probabilities.
    pub picks: Vec<Vec<Vec<f64>>>,
    /// Per class, each visit slot's station and own steps.
    pub visits: Vec<Vec<(usize, Option<u64>)>>,
    /// The picks' stream.
    pub pick_rng: ChaCha8Rng,
    /// Each request's (class, choices, services), by request number.
    pub rows: Vec<(u32, Vec<u32>, Vec<u64>)>,
}

impl Legacy {
    /// A source with nothing drawn in advance.
    pub fn new(resolution: Resolution) -> Legacy {
        Legacy {
            rows: None,
            choices: None,
            streams: None,
            closed: None,
            jitter: RefCell::new(None),
            think: RefCell::new(None),
            resolution,
        }
    }
}

impl Draws for Legacy {
    fn service(&self, key: u64, class: u32, slot: u32, station: u16, steps: u64) -> u64 {
        if let Some(closed) = &self.closed {
            return closed.borrow().rows[key as usize].2[slot as usize];
        }
        if let Some((rows, width)) = &self.rows {
            return rows[key as usize * width + slot as usize];
        }
        let _ = class;
        if let Some(streams) = &self.streams {
            let mut streams = streams.borrow_mut();
            let s = &mut streams[station as usize];
            if s.distribution.is_fixed() {
                return s.fixed;
            }
            let secs = sample(&s.distribution, s.mean, &mut s.rng);
            return self.resolution.nearest_steps(secs).max(1);
        }
        steps
    }

    fn choice(&self, key: u64, _class: u32, slot: u32, _probabilities: &[(f64, u32)]) -> u32 {
        if let Some(closed) = &self.closed {
            return closed.borrow().rows[key as usize].1[slot as usize];
        }
        match &self.choices {
            Some((choices, width)) => choices[key as usize * width + slot as usize],
            None => 0,
        }
    }

    fn class(&self, key: u64) -> u32 {
        let Some(closed) = &self.closed else { return 0 };
        let mut c = closed.borrow_mut();
        debug_assert_eq!(c.rows.len(), key as usize);
        let class = c.dealer.next_class();
        let k = class as usize;
        let picks = c.picks[k].clone();
        let choices: Vec<u32> = picks
            .iter()
            .map(|p| choose(&mut c.pick_rng, p) as u32)
            .collect();
        let visits = c.visits[k].clone();
        let services: Vec<u64> = match &self.streams {
            Some(streams) => {
                let mut streams = streams.borrow_mut();
                visits
                    .iter()
                    .map(|&(s, own)| {
                        let st = &mut streams[s];
                        let steps = own.unwrap_or(st.fixed);
                        if st.distribution.is_fixed() {
                            steps
                        } else {
                            let mean = steps as f64 * self.resolution.seconds();
                            let secs = sample(&st.distribution, mean, &mut st.rng);
                            self.resolution
                                .nearest_steps(secs)
                                .clamp(1, MAX_TIMER_STEPS)
                        }
                    })
                    .collect()
            }
            None => Vec::new(),
        };
        c.rows.push((class, choices, services));
        class
    }

    fn jitter(&self, _key: u64, _attempt: u32, wait: u64) -> u64 {
        use rand::Rng;
        match self.jitter.borrow_mut().as_mut() {
            Some(rng) => rng.random_range(0..=wait),
            None => wait,
        }
    }

    fn think(&self, _user: u32, _n: u32, mean: u64, exponential: bool) -> u64 {
        if !(exponential && mean > 0) {
            return mean;
        }
        let exp = Exp::new(1.0 / mean as f64).expect("think > 0");
        let mut rng = self.think.borrow_mut();
        let rng = rng
            .as_mut()
            .expect("a think stream for exponential think times");
        exp.sample(rng).round() as u64
    }
}

/// Per-station streams of one (configuration, replication), in station order.
pub fn station_streams(
    scenario: &Scenario,
    config: &Config,
    seed: u64,
    replication: u32,
) -> Vec<StationStream> {
    let stations = config.engine_stations(scenario);
    scenario
        .stations()
        .iter()
        .zip(&stations)
        .enumerate()
        .map(|(i, (s, e))| StationStream {
            distribution: s.distribution().clone(),
            mean: s.service().get(),
            fixed: e.service,
            rng: stream(seed, config, replication, 1 + i as u64),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    /// A uniform draw in [0, 1), to tell streams apart.
    fn unit(rng: &mut ChaCha8Rng) -> f64 {
        rng.random::<f64>()
    }

    #[test]
    fn streams_depend_on_seed_config_and_replication_only() {
        let a = Config::new(vec![1, 3, 5]);
        let b = Config::new(vec![1, 3, 7]);
        let x = |seed, c: &Config, r, lane| unit(&mut stream(seed, c, r, lane));
        assert_eq!(x(1, &a, 0, 0), x(1, &a, 0, 0));
        assert_ne!(x(1, &a, 0, 0), x(2, &a, 0, 0));
        assert_ne!(x(1, &a, 0, 0), x(1, &b, 0, 0));
        assert_ne!(x(1, &a, 0, 0), x(1, &a, 1, 0));
        assert_ne!(x(1, &a, 0, 0), x(1, &a, 0, 1));
    }

    #[test]
    fn service_draws_have_the_stated_mean() {
        let mut rng = stream(7, &Config::new(vec![1]), 0, 1);
        for d in [
            ServiceDistribution::Exponential,
            ServiceDistribution::Uniform { cv: 0.5 },
            ServiceDistribution::Lognormal { cv: 0.8 },
        ] {
            let n = 200_000;
            let mean = (0..n).map(|_| sample(&d, 2.0, &mut rng)).sum::<f64>() / n as f64;
            assert!((mean - 2.0).abs() < 0.03, "{d:?}: {mean}");
        }
    }
}
