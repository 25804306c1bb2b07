//! Objectives in words: `--slo "p99 < 300ms"`.
//!
//! People state a latency objective as a percentile under a bound; planner's test is "N % of
//! clients strictly under the timeout", which is the same statement: pN < T holds exactly when
//! at least N % of clients finish strictly under T (nearest rank). `max < T` is 100 %.
//! `mean < T` bounds another statistic, which no verdict here tests: it is refused by name
//! rather than approximated by a percentile.

use crate::model::duration;
use serde::Serialize;

use crate::model::units::Seconds;

/// Why a number is not a share of clients.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ShareError {
    /// NaN compares false with everything, so it is refused before any range check.
    #[error("must be a percentage, not NaN")]
    NaN,
    /// At or below 0 % (every configuration would pass) or above 100 %.
    #[error("must be a percentage above 0 and at most 100, got {}", crate::model::units::number(*.0))]
    OutOfRange(f64),
}

/// The share of clients that must be satisfied, in percent (0, 100].
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Serialize)]
#[serde(transparent)]
pub struct Share(f64);

impl Share {
    /// Every client satisfied: the seed's target.
    pub const ALL: Share = Share(100.0);

    /// `percent` must lie in (0, 100]; 0 would accept any configuration.
    pub fn new(percent: f64) -> Result<Share, ShareError> {
        if percent.is_nan() {
            Err(ShareError::NaN)
        } else if percent <= 0.0 || percent > 100.0 {
            Err(ShareError::OutOfRange(percent))
        } else {
            Ok(Share(percent))
        }
    }

    /// In (0, 100].
    pub fn percent(self) -> f64 {
        self.0
    }

    /// How many of `n` clients must be satisfied.
    pub fn required(self, n: usize) -> usize {
        // Exact for 100 %; a tiny slack so 95 % of 20 is 19, not 20 by rounding noise.
        ((self.0 / 100.0 * n as f64) - 1e-9).ceil().max(0.0) as usize
    }
}

/// What `--slo` sets: the timeout and the share of clients that must beat it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Slo {
    /// The bound: a client is satisfied when it finishes strictly under it.
    pub timeout: Seconds,
    /// The percentile, as the share of clients that must be satisfied (`max` is 100 %).
    pub share: Share,
}

/// Why a text is not an objective. Each variant holds the whole text as given, so the
/// message shows the user what they typed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SloError {
    /// Not of the form `pN < DURATION` or `max < DURATION` (including `<=`, which would not
    /// be the strict bound every verdict uses).
    #[error("`{0}` is not an objective: write pN < DURATION (p99 < 300ms, p99.9 < 1s) or max < DURATION")]
    Malformed(String),
    /// A percentile of 0 or below, or above 100: no share of clients it could stand for.
    #[error("`{text}`: the percentile must be above 0 and at most 100, got {value}")]
    Percentile {
        /// The objective as given.
        text: String,
        /// The percentile as written after `p`.
        value: String,
    },
    /// The bound is not a duration, or not a usable timeout (zero, negative, infinite).
    #[error("`{text}`: {reason}")]
    Bound {
        /// The objective as given.
        text: String,
        /// Why the bound was refused, from the duration or timeout check.
        reason: String,
    },
    /// A mean objective: no verdict tests a mean, and a percentile would only approximate it.
    #[error("`{0}`: a mean objective is not supported (verdicts count clients under a timeout); state a percentile instead, e.g. p50 < T or p99 < T")]
    Mean(String),
}

impl Slo {
    /// Reads `pN < DURATION` or `max < DURATION` (case and spaces free, any duration unit
    /// [`duration::parse`] takes).
    pub fn parse(text: &str) -> Result<Slo, SloError> {
        let (stat, bound) = text
            .split_once('<')
            .ok_or_else(|| SloError::Malformed(text.to_string()))?;
        let stat = stat.trim().to_ascii_lowercase();
        let bound = bound.trim();
        if bound.starts_with('=') {
            // `<=` would not be the strict bound every verdict uses.
            return Err(SloError::Malformed(text.to_string()));
        }
        let percent = match stat.as_str() {
            "max" => 100.0,
            "mean" | "avg" | "average" => return Err(SloError::Mean(text.to_string())),
            s => {
                let n = s
                    .strip_prefix('p')
                    .ok_or_else(|| SloError::Malformed(text.to_string()))?;
                let v: f64 = n
                    .parse()
                    .map_err(|_| SloError::Malformed(text.to_string()))?;
                if !(v > 0.0 && v <= 100.0) {
                    return Err(SloError::Percentile {
                        text: text.to_string(),
                        value: n.to_string(),
                    });
                }
                v
            }
        };
        let seconds = duration::parse(bound).map_err(|e| SloError::Bound {
            text: text.to_string(),
            reason: e.to_string(),
        })?;
        let timeout = Seconds::new(seconds).map_err(|m| SloError::Bound {
            text: text.to_string(),
            reason: format!("the bound {m}"),
        })?;
        let share = Share::new(percent).map_err(|_| SloError::Percentile {
            text: text.to_string(),
            value: percent.to_string(),
        })?;
        Ok(Slo { timeout, share })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_become_timeout_and_share() {
        let s = Slo::parse("p99 < 300ms").unwrap();
        assert_eq!((s.timeout.get(), s.share.percent()), (0.3, 99.0));
        let s = Slo::parse("P99.9<1s").unwrap();
        assert_eq!((s.timeout.get(), s.share.percent()), (1.0, 99.9));
        let s = Slo::parse("max < 5").unwrap();
        assert_eq!((s.timeout.get(), s.share.percent()), (5.0, 100.0));
        let s = Slo::parse("p95 < 250us").unwrap();
        assert!((s.timeout.get() - 250e-6).abs() < 1e-15);
    }

    #[test]
    fn nonsense_is_refused() {
        assert!(matches!(
            Slo::parse("p99 300ms"),
            Err(SloError::Malformed(_))
        ));
        assert!(matches!(
            Slo::parse("p99 <= 300ms"),
            Err(SloError::Malformed(_))
        ));
        assert!(matches!(
            Slo::parse("q99 < 1s"),
            Err(SloError::Malformed(_))
        ));
        assert!(matches!(
            Slo::parse("p0 < 1s"),
            Err(SloError::Percentile { .. })
        ));
        assert!(matches!(
            Slo::parse("p101 < 1s"),
            Err(SloError::Percentile { .. })
        ));
        assert!(matches!(
            Slo::parse("p99 < 0ms"),
            Err(SloError::Bound { .. })
        ));
        assert!(matches!(
            Slo::parse("p99 < 3 parsecs"),
            Err(SloError::Bound { .. })
        ));
        assert!(matches!(Slo::parse("mean < 1s"), Err(SloError::Mean(_))));
    }
}
