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

use crate::model::config::Config;
use crate::model::plan::Classes;
use crate::model::scenario::{Scenario, ServiceDistribution};
use crate::model::units::{Resolution, MAX_TIMER_STEPS};

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
