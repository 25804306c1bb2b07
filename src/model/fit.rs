//! Measured service times: a sample file read, summarised, and matched to the distributions a
//! scenario can state, each with its Kolmogorov–Smirnov distance to the samples.
//!
//! Users know their backends from measurements ("the DB answers in 20 ms at p50 and 200 ms at
//! p99"), not from a mean and a coefficient of variation. This module turns either form —
//! a file of samples, or two percentiles — into the scenario's terms, and says how well each
//! candidate fits so the user can choose knowingly.

use std::fmt;

use crate::model::percentile;
use crate::model::units::Resolution;

/// The standard normal's 99th percentile: a log-normal through p50 and p99 has
/// σ = (ln p99 − ln p50) / Z99.
pub const Z99: f64 = 2.326_347_874_040_840_8;

/// Why a sample file or a percentile pair cannot be used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FitError {
    #[error("line {line}: `{text}` is not a number of seconds")]
    /// A line past the header that does not read as a number.
    NotANumber {
        /// The file's line, 1-based.
        line: usize,
        /// The line as read, trimmed of spaces and a trailing comma.
        text: String,
    },
    #[error("line {line}: {} is not a service time (must be finite and ≥ 0)", crate::model::units::number(*.value))]
    /// A number that cannot be a service time: below 0, infinite or NaN.
    Negative {
        /// The file's line, 1-based.
        line: usize,
        /// The number read.
        value: f64,
    },
    /// Only blank lines, or a header alone: nothing to summarise.
    #[error("the file holds no sample")]
    Empty,
    /// A mean of 0 would make the CV a division by zero and every model degenerate.
    #[error("every sample is 0: there is no service time to fit")]
    AllZero,
    #[error("p99 ({} s) must be greater than p50 ({} s)", crate::model::units::number(*.p99), crate::model::units::number(*.p50))]
    /// p99 ≤ p50 or not finite: no log-normal passes through them (σ would be ≤ 0).
    PercentilesOutOfOrder {
        /// The median given, in seconds.
        p50: f64,
        /// The 99th percentile given, in seconds.
        p99: f64,
    },
    /// Holds the median given: its logarithm is needed, so it must be > 0 and finite.
    #[error("p50 must be a positive number of seconds, got {}", crate::model::units::number(*.0))]
    BadMedian(f64),
}

/// Service-time samples in seconds, sorted.
#[derive(Debug, Clone, PartialEq)]
pub struct Samples {
    sorted: Vec<f64>,
}

impl Samples {
    /// Reads one column of seconds: blank lines are skipped, and so is a first line that is
    /// not a number (a header). Any other line that is not a number ≥ 0 is refused with its
    /// line number (1-based).
    pub fn parse(text: &str) -> Result<Samples, FitError> {
        let mut values = Vec::new();
        for (i, raw) in text.lines().enumerate() {
            let line = raw.trim().trim_end_matches(',').trim();
            if line.is_empty() {
                continue;
            }
            match line.parse::<f64>() {
                Ok(v) if v.is_finite() && v >= 0.0 => values.push(v),
                Ok(v) => {
                    return Err(FitError::Negative {
                        line: i + 1,
                        value: v,
                    })
                }
                Err(_) if values.is_empty() && i == first_content_line(text) => continue,
                Err(_) => {
                    return Err(FitError::NotANumber {
                        line: i + 1,
                        text: line.to_string(),
                    })
                }
            }
        }
        Samples::new(values)
    }

    /// Samples from values already read.
    pub fn new(mut values: Vec<f64>) -> Result<Samples, FitError> {
        if values.is_empty() {
            return Err(FitError::Empty);
        }
        if values.iter().all(|&v| v == 0.0) {
            return Err(FitError::AllZero);
        }
        values.sort_by(f64::total_cmp);
        Ok(Samples { sorted: values })
    }

    /// How many samples were read (never 0: [`Samples::new`] refuses an empty file).
    pub fn len(&self) -> usize {
        self.sorted.len()
    }

    /// Always false for built samples; here because `len` is.
    pub fn is_empty(&self) -> bool {
        self.sorted.is_empty()
    }

    /// The samples, smallest first.
    pub fn sorted(&self) -> &[f64] {
        &self.sorted
    }

    /// In seconds; > 0, since an all-zero file is refused.
    pub fn mean(&self) -> f64 {
        self.sorted.iter().sum::<f64>() / self.sorted.len() as f64
    }

    /// Coefficient of variation: population standard deviation over the mean.
    pub fn cv(&self) -> f64 {
        let mean = self.mean();
        let var = self
            .sorted
            .iter()
            .map(|v| (v - mean) * (v - mean))
            .sum::<f64>()
            / self.sorted.len() as f64;
        var.sqrt() / mean
    }

    /// The samples' `p` % percentile, by the nearest rank every latency percentile of
    /// planner's reports uses ([`crate::model::percentile`]).
    pub fn percentile(&self, p: f64) -> f64 {
        percentile::of(&self.sorted, p).expect("a sample file is never empty")
    }

    /// What `fit` summarises the samples by.
    pub fn figures(&self) -> Figures {
        Figures {
            count: self.len(),
            mean: self.mean(),
            cv: self.cv(),
            p50: self.percentile(50.0),
            p95: self.percentile(95.0),
            p99: self.percentile(99.0),
        }
    }

    /// The Kolmogorov–Smirnov distance sup |F_n − F| between the samples and a model.
    pub fn ks_distance(&self, model: &Model) -> f64 {
        let n = self.sorted.len() as f64;
        let mut worst: f64 = 0.0;
        let mut i = 0;
        while i < self.sorted.len() {
            let v = self.sorted[i];
            let mut j = i;
            while j < self.sorted.len() && self.sorted[j] == v {
                j += 1;
            }
            // F_n just below v and at v.
            let (below, at) = (i as f64 / n, j as f64 / n);
            let (f_below, f_at) = model.cdf_around(v);
            worst = worst.max((below - f_below).abs()).max((at - f_at).abs());
            i = j;
        }
        worst
    }
}

/// A sample file's summary, in seconds: computed once here so that every format of the
/// report shows the same figures.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Figures {
    /// How many samples were read.
    pub count: usize,
    /// Their mean.
    pub mean: f64,
    /// Their coefficient of variation (population standard deviation over the mean).
    pub cv: f64,
    /// Nearest-rank median.
    pub p50: f64,
    /// Nearest-rank 95th percentile.
    pub p95: f64,
    /// Nearest-rank 99th percentile.
    pub p99: f64,
}

fn first_content_line(text: &str) -> usize {
    text.lines().position(|l| !l.trim().is_empty()).unwrap_or(0)
}

/// A service-time distribution a scenario can state.
#[derive(Debug, Clone, PartialEq)]
pub enum Model {
    /// Every service takes exactly the mean.
    Fixed {
        /// Seconds.
        mean: f64,
    },
    /// Memoryless service times (CV 1), the M/M/c textbook case.
    Exponential {
        /// Seconds.
        mean: f64,
    },
    /// Log-normal with this mean and coefficient of variation (the scenario's parameters).
    Lognormal {
        /// Seconds.
        mean: f64,
        /// Standard deviation over the mean; > 0.
        cv: f64,
    },
    /// The log-normal through the samples' median and 99th percentile, which a scenario
    /// states as `service = { p50 = …, p99 = … }` at any resolution.
    Percentiles {
        /// Seconds, > 0.
        p50: f64,
        /// Seconds, > `p50`.
        p99: f64,
    },
    /// The samples themselves, drawn uniformly.
    Empirical,
}

impl Model {
    /// (F(v−), F(v)): the model's CDF just below and at `v` (they differ only at an atom).
    fn cdf_around(&self, v: f64) -> (f64, f64) {
        match *self {
            Model::Fixed { mean } => {
                if v < mean {
                    (0.0, 0.0)
                } else if v == mean {
                    (0.0, 1.0)
                } else {
                    (1.0, 1.0)
                }
            }
            Model::Exponential { mean } => {
                let f = 1.0 - (-v / mean).exp();
                (f, f)
            }
            Model::Lognormal { mean, cv } => {
                let f = lognormal_cdf(mean, cv, v);
                (f, f)
            }
            Model::Percentiles { p50, p99 } => {
                let (mean, cv) = lognormal_through(p50, p99).expect("a candidate's p50 < p99");
                let f = lognormal_cdf(mean, cv, v);
                (f, f)
            }
            // The empirical distribution is F_n itself: it costs nothing to check, D = 0.
            Model::Empirical => (f64::NAN, f64::NAN),
        }
    }
}

/// P(X ≤ v) for a log-normal X of this mean and coefficient of variation.
fn lognormal_cdf(mean: f64, cv: f64, v: f64) -> f64 {
    if v <= 0.0 {
        return 0.0;
    }
    let (mu, sigma) = lognormal_parameters(mean, cv);
    normal_cdf((v.ln() - mu) / sigma)
}

/// (μ, σ) of ln X for a log-normal X with this mean and coefficient of variation.
pub fn lognormal_parameters(mean: f64, cv: f64) -> (f64, f64) {
    let sigma2 = (1.0 + cv * cv).ln();
    (mean.ln() - sigma2 / 2.0, sigma2.sqrt())
}

/// The log-normal through a median and a 99th percentile: μ = ln p50,
/// σ = (ln p99 − ln p50) / Z99; returned as the scenario's (mean, cv): mean = e^(μ + σ²/2),
/// cv = √(e^σ² − 1).
pub fn lognormal_through(p50: f64, p99: f64) -> Result<(f64, f64), FitError> {
    if !(p50.is_finite() && p50 > 0.0) {
        return Err(FitError::BadMedian(p50));
    }
    if !(p99.is_finite() && p99 > p50) {
        return Err(FitError::PercentilesOutOfOrder { p50, p99 });
    }
    let mu = p50.ln();
    let sigma = (p99.ln() - mu) / Z99;
    let mean = (mu + sigma * sigma / 2.0).exp();
    let cv = ((sigma * sigma).exp() - 1.0).sqrt();
    Ok((mean, cv))
}

/// Φ, the standard normal CDF.
pub fn normal_cdf(z: f64) -> f64 {
    0.5 * erfc(-z / std::f64::consts::SQRT_2)
}

/// The complementary error function, to about 1.2e-7 everywhere (Numerical Recipes'
/// Chebyshev fit): ample for a goodness-of-fit figure shown to three decimals.
fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let r = t
        * (-z * z - 1.265_512_23
            + t * (1.000_023_68
                + t * (0.374_091_96
                    + t * (0.096_784_18
                        + t * (-0.186_288_06
                            + t * (0.278_868_07
                                + t * (-1.135_203_98
                                    + t * (1.488_515_87
                                        + t * (-0.822_152_23 + t * 0.170_872_77)))))))))
            .exp();
    if x >= 0.0 {
        r
    } else {
        2.0 - r
    }
}

/// One candidate distribution and how far it is from the samples.
#[derive(Debug, Clone, PartialEq)]
pub struct Fitted {
    /// The distribution, with parameters matched to the samples' mean and CV.
    pub model: Model,
    /// Kolmogorov–Smirnov distance (0: the samples themselves).
    pub ks: f64,
}

/// Every distribution a scenario can state, fitted to the samples by their mean and CV.
pub fn candidates(samples: &Samples) -> Vec<Fitted> {
    let (mean, cv) = (samples.mean(), samples.cv());
    let mut models = vec![Model::Fixed { mean }, Model::Exponential { mean }];
    if cv > 0.0 {
        models.push(Model::Lognormal { mean, cv });
    }
    let (p50, p99) = (samples.percentile(50.0), samples.percentile(99.0));
    if lognormal_through(p50, p99).is_ok() {
        models.push(Model::Percentiles { p50, p99 });
    }
    models.push(Model::Empirical);
    models
        .into_iter()
        .map(|model| Fitted {
            ks: if model == Model::Empirical {
                0.0
            } else {
                samples.ks_distance(&model)
            },
            model,
        })
        .collect()
}

/// A sample file fitted: what `planner fit` shows.
#[derive(Debug, Clone, PartialEq)]
pub struct Fit {
    /// The samples' summary.
    pub figures: Figures,
    /// Every distribution a scenario can state, in [`candidates`]' order.
    pub candidates: Vec<Fitted>,
    /// The resolution, in seconds, that the candidates' stated means need when the
    /// scenario's cannot hold them (see [`finer_resolution`]).
    pub finer_resolution: Option<f64>,
}

/// The samples summarised and fitted, for a scenario of this resolution.
pub fn fit(samples: &Samples, resolution: Resolution) -> Fit {
    let candidates = candidates(samples);
    Fit {
        figures: samples.figures(),
        finer_resolution: finer_resolution(&candidates, resolution),
        candidates,
    }
}

/// The value a scenario line states for `v` seconds: 4 significant digits, and whole
/// nanoseconds, the finest step a scenario's resolution has. 0.005822 stays 0.005822
/// (rounding it to a millisecond would make it 3 % slower).
pub fn stated(v: f64) -> f64 {
    if v <= 0.0 || !v.is_finite() {
        return v;
    }
    let step = 10f64.powi(v.log10().floor() as i32 - 3).max(1e-9);
    let steps = (v / step).round();
    // Through the decimal text: 5822 × 1e-6 is 0.005822000000000001 in binary.
    format!("{steps}e{}", step.log10().round())
        .parse()
        .unwrap_or(steps * step)
}

/// The resolution the candidates' stated means ([`stated`]) need when `resolution` cannot
/// hold them: the coarsest power of ten (at most 1 s) on whose grid they all sit, since a
/// stated mean must sit on the scenario's grid. Percentiles fit any resolution.
pub fn finer_resolution(candidates: &[Fitted], resolution: Resolution) -> Option<f64> {
    let means: Vec<f64> = candidates
        .iter()
        .filter_map(|c| match c.model {
            Model::Fixed { mean } | Model::Exponential { mean } => Some(mean),
            Model::Lognormal { mean, .. } => Some(mean),
            Model::Percentiles { .. } | Model::Empirical => None,
        })
        .map(stated)
        .collect();
    // A whole number of steps, at least one (as the scenario's parser asks).
    let on = |step_nanos: u64, v: f64| {
        let steps = v * 1e9 / step_nanos as f64;
        let whole = steps.round();
        whole >= 1.0 && (steps - whole).abs() <= 1e-6 * whole
    };
    let fits = |nanos: u64| means.iter().all(|&m| on(nanos, m));
    if fits(resolution.nanos()) {
        return None;
    }
    let nanos = (0..=9)
        .rev()
        .map(|e| 10u64.pow(e))
        .find(|&n| fits(n))
        .unwrap_or(1);
    Some(nanos as f64 / 1e9)
}

impl fmt::Display for Model {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Model::Fixed { .. } => f.write_str("fixed"),
            Model::Exponential { .. } => f.write_str("exponential"),
            Model::Lognormal { .. } => f.write_str("lognormal"),
            Model::Percentiles { .. } => f.write_str("lognormal through p50 and p99"),
            Model::Empirical => f.write_str("empirical"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_column_with_or_without_a_header() {
        let s = Samples::parse("seconds\n0.02\n\n0.01\n0.03\n").unwrap();
        assert_eq!(s.sorted(), &[0.01, 0.02, 0.03]);
        assert!((s.mean() - 0.02).abs() < 1e-15);
        let s = Samples::parse("0.5\n1.5\n").unwrap();
        assert_eq!(s.len(), 2);
    }

    #[test]
    fn figures_summarise_the_samples_once() {
        // 1, 2, 3, 4 and 10: mean 4, population variance (9 + 4 + 1 + 0 + 36) / 5 = 10.
        let f = Samples::new(vec![10.0, 1.0, 3.0, 2.0, 4.0])
            .unwrap()
            .figures();
        assert_eq!(f.count, 5);
        assert_eq!(f.mean, 4.0);
        assert!((f.cv - 10f64.sqrt() / 4.0).abs() < 1e-15, "{}", f.cv);
        // Nearest rank: p50 is the 3rd of 5, p95 and p99 the 5th.
        assert_eq!((f.p50, f.p95, f.p99), (3.0, 10.0, 10.0));
    }

    #[test]
    fn a_stated_mean_keeps_four_significant_digits_down_to_the_nanosecond() {
        assert_eq!(stated(0.005822), 0.005822);
        assert_eq!(stated(0.0058224), 0.005822);
        assert_eq!(stated(1234.56), 1235.0);
        assert_eq!(stated(1.2345e-7), 1.23e-7);
    }

    #[test]
    fn the_finer_resolution_is_the_coarsest_that_holds_every_stated_mean() {
        let ms = Resolution::from_seconds(0.001).unwrap();
        let fitted = |means: &[f64]| -> Vec<Fitted> {
            means
                .iter()
                .map(|&mean| Fitted {
                    model: Model::Fixed { mean },
                    ks: 0.0,
                })
                .collect()
        };
        // 0.25 s and 2 s sit on the millisecond grid: nothing finer needed.
        assert_eq!(finer_resolution(&fitted(&[0.25, 2.0]), ms), None);
        // 0.005822 s needs microseconds; 0.0123 s alone would take 0.1 ms.
        assert_eq!(
            finer_resolution(&fitted(&[0.25, 0.005822]), ms),
            Some(0.000001)
        );
        assert_eq!(finer_resolution(&fitted(&[0.0123]), ms), Some(0.0001));
        // Percentiles and the samples themselves state no mean.
        let free = [
            Fitted {
                model: Model::Percentiles {
                    p50: 0.0012345,
                    p99: 0.01,
                },
                ks: 0.1,
            },
            Fitted {
                model: Model::Empirical,
                ks: 0.0,
            },
        ];
        assert_eq!(finer_resolution(&free, ms), None);
        // And `fit` carries it with the figures and the candidates.
        let s = Samples::new(vec![0.005, 0.006, 0.006466]).unwrap();
        let f = fit(&s, ms);
        assert_eq!(f.figures, s.figures());
        assert_eq!(f.candidates, candidates(&s));
        assert_eq!(f.finer_resolution, Some(0.000001));
    }

    #[test]
    fn bad_files_name_the_line() {
        assert_eq!(
            Samples::parse("0.1\nfast\n"),
            Err(FitError::NotANumber {
                line: 2,
                text: "fast".into()
            })
        );
        assert_eq!(
            Samples::parse("s\n0.1\n-0.2\n"),
            Err(FitError::Negative {
                line: 3,
                value: -0.2
            })
        );
        assert_eq!(Samples::parse(""), Err(FitError::Empty));
        assert_eq!(Samples::parse("seconds\n"), Err(FitError::Empty));
        assert_eq!(Samples::parse("0\n0\n"), Err(FitError::AllZero));
        assert!(matches!(
            Samples::parse("1\nNaN\n"),
            Err(FitError::Negative { line: 2, .. })
        ));
    }

    #[test]
    fn percentiles_are_nearest_rank() {
        let s = Samples::new((1..=100).map(f64::from).collect()).unwrap();
        assert_eq!(s.percentile(50.0), 50.0);
        assert_eq!(s.percentile(95.0), 95.0);
        assert_eq!(s.percentile(99.0), 99.0);
        assert_eq!(s.percentile(100.0), 100.0);
    }

    #[test]
    fn the_lognormal_through_two_percentiles_hits_both() {
        let (mean, cv) = lognormal_through(0.020, 0.200).unwrap();
        let (mu, sigma) = lognormal_parameters(mean, cv);
        assert!((mu.exp() - 0.020).abs() < 1e-12);
        assert!(((mu + Z99 * sigma).exp() - 0.200).abs() < 1e-12);
        // Through Φ too: the CDF is 0.5 at p50 and 0.99 at p99.
        let cdf = |v: f64| normal_cdf((f64::ln(v) - mu) / sigma);
        assert!((cdf(0.020) - 0.5).abs() < 1e-7);
        assert!((cdf(0.200) - 0.99).abs() < 1e-6);
        assert!(lognormal_through(0.2, 0.2).is_err());
        assert!(lognormal_through(0.2, 0.1).is_err());
        assert!(lognormal_through(0.0, 0.1).is_err());
    }

    #[test]
    fn normal_cdf_matches_known_values() {
        for (z, p) in [
            (0.0, 0.5),
            (1.0, 0.841_344_746),
            (-1.96, 0.024_997_895),
            (Z99, 0.99),
            (-4.0, 3.167_124e-5),
        ] {
            assert!((normal_cdf(z) - p).abs() < 2e-7, "Φ({z})");
        }
    }

    #[test]
    fn ks_distance_is_exact_on_small_cases() {
        let s = Samples::new(vec![1.0, 1.0, 2.0, 4.0]).unwrap();
        // Fixed at the mean 2: F_n(2−) = 0.5, 1 − F_n(2) = 0.25.
        assert!((s.ks_distance(&Model::Fixed { mean: 2.0 }) - 0.5).abs() < 1e-15);
        // A fixed sample set is fitted perfectly by `fixed`.
        let flat = Samples::new(vec![3.0; 5]).unwrap();
        assert_eq!(flat.ks_distance(&Model::Fixed { mean: 3.0 }), 0.0);
        // Exponential of mean 1 against one sample at ln 2 (F = 0.5): D = 0.5.
        let one = Samples::new(vec![std::f64::consts::LN_2]).unwrap();
        let d = one.ks_distance(&Model::Exponential { mean: 1.0 });
        assert!((d - 0.5).abs() < 1e-12, "{d}");
    }

    #[test]
    fn exponential_samples_fit_the_exponential_best() {
        // Quantiles of an exponential of mean 0.1: a perfect-looking sample.
        let n = 1000;
        let values: Vec<f64> = (0..n)
            .map(|i| -0.1 * (1.0 - (i as f64 + 0.5) / n as f64).ln())
            .collect();
        let s = Samples::new(values).unwrap();
        assert!((s.cv() - 1.0).abs() < 0.05, "{}", s.cv());
        let fits = candidates(&s);
        let ks = |name: &str| {
            fits.iter()
                .find(|f| f.model.to_string() == name)
                .unwrap()
                .ks
        };
        assert!(ks("exponential") < 0.01, "{}", ks("exponential"));
        assert!(ks("exponential") < ks("lognormal"));
        assert!(ks("lognormal") < ks("fixed"));
        // Through the samples' p50 and p99, but log-normal: between the two.
        let through = ks("lognormal through p50 and p99");
        assert!(
            ks("exponential") < through && through < ks("fixed"),
            "{through}"
        );
        assert_eq!(ks("empirical"), 0.0);
    }
}
