//! Load stages: an arrival rate that ramps, as k6's `ramping-arrival-rate` describes it.
//!
//! "Traffic ramps from 200 to 800 req/s over the morning" is a rate that moves linearly from
//! one stage's target to the next. A scenario's `[load] stages` and `--stage` state it; the
//! load test needs the expected number of arrivals by time t, Λ(t) = ∫₀ᵗ rate, and its
//! inverse, which are exact here: Λ is piecewise quadratic and inverted in closed form. The
//! clients' due times that follow from Λ are the workload's (`workload::stages`).

use std::fmt;

use crate::model::duration;

/// One stage: the rate moves linearly to `target` over `duration` seconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stage {
    /// Seconds, finite and > 0: a zero-length stage would be a jump, which a ramp cannot be.
    pub duration: f64,
    /// Clients per second reached at the stage's end, finite and ≥ 0 (0 ramps down to idle).
    pub target: f64,
}

/// Why a stage or a profile is refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum StageError {
    /// No `:` in the text; holds the text as given.
    #[error("`{0}` is not a stage: write DURATION:TARGET, e.g. 10s:2 or 5m:800")]
    Malformed(String),
    #[error("stage `{text}`: {reason}")]
    /// The part before the `:` is not a duration.
    Duration {
        /// The whole stage as given.
        text: String,
        /// The duration parser's message, which names the accepted units.
        reason: String,
    },
    #[error("stage `{text}`: the duration must be more than 0")]
    /// A duration of 0 (or not finite) seconds.
    ZeroDuration {
        /// The stage as given, or the bare duration when built by [`Stage::new`].
        text: String,
    },
    #[error("stage `{text}`: the target rate must be a finite number ≥ 0")]
    /// A target rate that is not a number, is negative, or is not finite.
    BadTarget {
        /// The stage as given, or the bare target when built by [`Stage::new`].
        text: String,
    },
    /// Holds the start rate given.
    #[error("the start rate must be a finite number ≥ 0, got {}", crate::model::units::number(*.0))]
    BadStart(f64),
    /// Every rate is 0 (or there is no stage): the load test would have no client to judge.
    #[error("the stages bring no client: the rate is 0 throughout")]
    NoArrivals,
}

impl Stage {
    /// `DURATION:TARGET`, e.g. `10s:2`, `5m:800`, `30:1.5`.
    pub fn parse(text: &str) -> Result<Stage, StageError> {
        let (d, t) = text
            .rsplit_once(':')
            .ok_or_else(|| StageError::Malformed(text.to_string()))?;
        let duration = duration::parse(d).map_err(|e| StageError::Duration {
            text: text.to_string(),
            reason: e.to_string(),
        })?;
        let target: f64 = t.trim().parse().map_err(|_| StageError::BadTarget {
            text: text.to_string(),
        })?;
        Stage::new(duration, target).map_err(|e| match e {
            StageError::ZeroDuration { .. } => StageError::ZeroDuration {
                text: text.to_string(),
            },
            _ => StageError::BadTarget {
                text: text.to_string(),
            },
        })
    }

    /// A stage from numbers already read (a scenario file's), checked as [`Stage::parse`] does.
    pub fn new(duration: f64, target: f64) -> Result<Stage, StageError> {
        if !(duration.is_finite() && duration > 0.0) {
            return Err(StageError::ZeroDuration {
                text: format!("{duration}"),
            });
        }
        if !(target.is_finite() && target >= 0.0) {
            return Err(StageError::BadTarget {
                text: format!("{target}"),
            });
        }
        Ok(Stage { duration, target })
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}s:{}", self.duration, self.target)
    }
}

/// A rate over time: `start`, then each stage in turn. Its arrivals stop at the last stage's
/// end.
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    start: f64,
    stages: Vec<Stage>,
    /// Λ at the start of each stage, and at the end (one more entry than stages).
    cumulative: Vec<f64>,
}

impl Profile {
    /// `start` is the rate in clients per second at time 0, where the first stage ramps from.
    pub fn new(start: f64, stages: Vec<Stage>) -> Result<Profile, StageError> {
        if !(start.is_finite() && start >= 0.0) {
            return Err(StageError::BadStart(start));
        }
        let mut cumulative = vec![0.0];
        let mut from = start;
        for s in &stages {
            let last = *cumulative.last().expect("non-empty");
            cumulative.push(last + (from + s.target) / 2.0 * s.duration);
            from = s.target;
        }
        let profile = Profile {
            start,
            stages,
            cumulative,
        };
        if profile.expected_total() <= 0.0 {
            return Err(StageError::NoArrivals);
        }
        Ok(profile)
    }

    /// The stages in the order they run.
    pub fn stages(&self) -> &[Stage] {
        &self.stages
    }

    /// The rate at time 0, in clients per second.
    pub fn start(&self) -> f64 {
        self.start
    }

    /// When the last stage ends, in seconds.
    pub fn duration(&self) -> f64 {
        self.stages.iter().map(|s| s.duration).sum()
    }

    /// Λ at the end: the expected number of arrivals.
    pub fn expected_total(&self) -> f64 {
        *self.cumulative.last().expect("non-empty")
    }

    /// The number of fixed arrivals: clients 1..=n with n − 1 < Λ(end).
    pub fn fixed_clients(&self) -> u64 {
        self.expected_total().ceil() as u64
    }

    /// The rate at time `t` (0 after the end).
    pub fn rate_at(&self, t: f64) -> f64 {
        let mut t0 = 0.0;
        let mut from = self.start;
        for s in &self.stages {
            if t < t0 + s.duration {
                return from + (s.target - from) * (t - t0) / s.duration;
            }
            t0 += s.duration;
            from = s.target;
        }
        0.0
    }

    /// Λ(t): the expected number of arrivals by time `t`.
    pub fn expected_by(&self, t: f64) -> f64 {
        let mut t0 = 0.0;
        let mut from = self.start;
        for (i, s) in self.stages.iter().enumerate() {
            if t < t0 + s.duration {
                let tau = (t - t0).max(0.0);
                let slope = (s.target - from) / s.duration;
                return self.cumulative[i] + from * tau + slope * tau * tau / 2.0;
            }
            t0 += s.duration;
            from = s.target;
        }
        self.expected_total()
    }

    /// Λ⁻¹(x): the first time by which `x` arrivals are expected, for 0 ≤ x ≤ Λ(end).
    pub fn time_of(&self, x: f64) -> f64 {
        let mut t0 = 0.0;
        let mut from = self.start;
        for (i, s) in self.stages.iter().enumerate() {
            if x <= self.cumulative[i + 1] {
                let c = (x - self.cumulative[i]).max(0.0);
                let a = (s.target - from) / (2.0 * s.duration);
                let b = from;
                // a τ² + b τ = c, in the form that stays accurate when a is tiny.
                let disc = (b * b + 4.0 * a * c).max(0.0);
                let tau = if c == 0.0 {
                    0.0
                } else {
                    2.0 * c / (b + disc.sqrt())
                };
                return t0 + tau.min(s.duration);
            }
            t0 += s.duration;
            from = s.target;
        }
        t0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stage(d: f64, t: f64) -> Stage {
        Stage::new(d, t).unwrap()
    }

    #[test]
    fn a_ramp_down_and_a_pause_are_inverted_exactly() {
        let p = Profile::new(4.0, vec![stage(5.0, 0.0), stage(3.0, 0.0), stage(2.0, 3.0)]).unwrap();
        for k in 0..p.fixed_clients() {
            let t = p.time_of(k as f64);
            assert!((p.expected_by(t) - k as f64).abs() < 1e-9, "{k}: Λ({t})");
            assert!(
                t <= 5.0 || t >= 8.0,
                "client {} due in the pause at {t}",
                k + 1
            );
        }
        assert_eq!(p.fixed_clients(), 13);
        // Client 11 is due when Λ reaches 10: at the end of the ramp down, not after the pause.
        assert!((p.time_of(10.0) - 5.0).abs() < 1e-12);
    }

    #[test]
    fn stages_parse_and_refuse() {
        assert_eq!(Stage::parse("10s:2").unwrap(), stage(10.0, 2.0));
        assert_eq!(Stage::parse("5m:800").unwrap(), stage(300.0, 800.0));
        assert_eq!(Stage::parse("30:1.5").unwrap(), stage(30.0, 1.5));
        assert!(matches!(Stage::parse("10s"), Err(StageError::Malformed(_))));
        assert!(matches!(
            Stage::parse("0s:2"),
            Err(StageError::ZeroDuration { .. })
        ));
        assert!(matches!(
            Stage::parse("-1s:2"),
            Err(StageError::Duration { .. })
        ));
        assert!(matches!(
            Stage::parse("10s:-2"),
            Err(StageError::BadTarget { .. })
        ));
        assert!(matches!(
            Stage::parse("10s:x"),
            Err(StageError::BadTarget { .. })
        ));
        assert!(matches!(
            Stage::parse("10q:2"),
            Err(StageError::Duration { .. })
        ));
        assert_eq!(
            Profile::new(0.0, vec![stage(10.0, 0.0)]),
            Err(StageError::NoArrivals)
        );
    }
}
