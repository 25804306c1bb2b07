//! Load stages as arrivals: with fixed arrivals client i (1-based) is due when the expected
//! number of arrivals Λ reaches i − 1, and a non-homogeneous Poisson process is a unit-rate
//! one seen through Λ⁻¹ (a time change). The rate over time itself, Λ and its inverse are
//! the model's ([`crate::model::stages`]), since a scenario states them.

pub use crate::model::stages::{Profile, Stage, StageError};

impl Profile {
    /// Fixed arrivals: client i (1-based) is due when Λ reaches i − 1, in seconds.
    pub fn fixed_due_times(&self) -> Vec<f64> {
        (0..self.fixed_clients())
            .map(|k| self.time_of(k as f64))
            .collect()
    }

    /// Poisson arrivals: the unit-rate process's arrival epochs (cumulative sums of Exp(1)
    /// gaps from `unit_gaps`) mapped through Λ⁻¹, until Λ(end).
    pub fn poisson_due_times(&self, mut unit_gaps: impl FnMut() -> f64) -> Vec<f64> {
        let total = self.expected_total();
        let mut out = Vec::new();
        let mut s = unit_gaps();
        while s < total {
            out.push(self.time_of(s));
            s += unit_gaps();
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stage(d: f64, t: f64) -> Stage {
        Stage::new(d, t).unwrap()
    }

    #[test]
    fn a_constant_rate_gives_exactly_rate_times_duration_clients() {
        let p = Profile::new(2.0, vec![stage(10.0, 2.0)]).unwrap();
        let due = p.fixed_due_times();
        assert_eq!(due.len(), 20);
        for (i, t) in due.iter().enumerate() {
            assert!((t - i as f64 * 0.5).abs() < 1e-12, "{i}: {t}");
        }
    }

    #[test]
    fn a_ramp_follows_the_formula() {
        // 0 → 2 clients/s over 10 s: Λ(t) = t²/10, so client i is due at √(10 (i − 1)).
        let p = Profile::new(0.0, vec![stage(10.0, 2.0)]).unwrap();
        assert_eq!(p.expected_total(), 10.0);
        let due = p.fixed_due_times();
        assert_eq!(due.len(), 10);
        for (i, t) in due.iter().enumerate() {
            let want = (10.0 * i as f64).sqrt();
            assert!((t - want).abs() < 1e-9, "client {}: {t} vs {want}", i + 1);
        }
        // Then a plateau: 10 more seconds at 2/s bring 20 more clients, 0.5 s apart.
        let p = Profile::new(0.0, vec![stage(10.0, 2.0), stage(10.0, 2.0)]).unwrap();
        let due = p.fixed_due_times();
        assert_eq!(due.len(), 30);
        for (k, t) in due[10..].iter().enumerate() {
            assert!((t - (10.0 + 0.5 * k as f64)).abs() < 1e-9, "{t}");
        }
    }

    #[test]
    fn poisson_stages_count_within_their_interval() {
        use rand::SeedableRng;
        use rand_distr::{Distribution, Exp1};
        let p = Profile::new(0.0, vec![stage(60.0, 10.0), stage(60.0, 10.0)]).unwrap();
        let lambda = p.expected_total();
        let mut total = 0usize;
        let seeds = 200;
        for seed in 0..seeds {
            let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
            let due = p.poisson_due_times(|| Exp1.sample(&mut rng));
            assert!(due.windows(2).all(|w| w[0] <= w[1]));
            assert!(due.iter().all(|&t| (0.0..=p.duration()).contains(&t)));
            total += due.len();
        }
        // The mean count over 200 runs is within 4 standard errors of Λ (√(Λ/200)).
        let mean = total as f64 / seeds as f64;
        assert!(
            (mean - lambda).abs() < 4.0 * (lambda / seeds as f64).sqrt(),
            "{mean} vs {lambda}"
        );
    }
}
