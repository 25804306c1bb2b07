//! How a station's service times vary: its own file so that `scenario.rs`, which parses and
//! checks the whole file, stays short enough to read.

use std::sync::Arc;

/// The largest coefficient of variation a scenario may state: far beyond any real service,
/// and small enough that the log-normal's parameters stay finite.
pub const MAX_CV: f64 = 100.0;

/// The distribution of a station's service times, all with mean `service`.
#[derive(Debug, Clone, PartialEq)]
pub enum ServiceDistribution {
    /// Always exactly `service` (the tutorial's).
    Fixed,
    /// Memoryless: coefficient of variation 1.
    Exponential,
    /// Uniform around the mean with this coefficient of variation (at most 1/√3, so that no
    /// time is negative).
    Uniform {
        /// Standard deviation over mean, in [0, 1/√3].
        cv: f64,
    },
    /// Log-normal with this coefficient of variation.
    Lognormal {
        /// Standard deviation over mean, ≥ 0.
        cv: f64,
    },
    /// Measured service times in seconds (sorted), each drawn with equal probability, as
    /// Ciw's `Empirical`; `service` is their mean.
    Empirical(Arc<[f64]>),
}

impl ServiceDistribution {
    /// When every station's is fixed, nothing is drawn: the run is the tutorial's exact one.
    pub fn is_fixed(&self) -> bool {
        matches!(self, ServiceDistribution::Fixed)
    }
}
