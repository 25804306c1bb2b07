//! Quantities with their unit in their type.
//!
//! Model time is kept as whole *steps* of the scenario's resolution (an integer), so that
//! every latency is exact and every verdict (`latency < timeout`) is decided without floating
//! point noise. Floating-point seconds only appear where a human typed them or reads them.

use std::fmt;
use std::num::NonZeroU64;

use serde::{Deserialize, Deserializer, Serialize};

/// `v` in a short form, for messages (`--rate 1e-300` printed with `{}` is 300 digits): plainly from 0.00001 to below 10^9, in scientific notation beyond
/// (`1e-300`, `1.5e12`); with its shortest digits that read back as `v` when there are at most
/// 15 of them (what a person types: `100.0000000001` must not become `100`, or "at most 100,
/// got 100" contradicts itself), else to 6 significant digits (a computed number's binary
/// noise: `1 / 1e-300` is `1e300`, not `9.999999999999999e299`).
pub fn number(v: f64) -> Number {
    Number(v)
}

/// A number as [`number`] writes it; a `Display`, so that error attributes can use it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Number(pub f64);

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let v = self.0;
        if v == 0.0 {
            // `-0` as `0`.
            return f.write_str("0");
        }
        if !v.is_finite() {
            return write!(f, "{v}");
        }
        let shortest = format!("{v:e}");
        let digits = shortest
            .split('e')
            .next()
            .expect("a mantissa")
            .chars()
            .filter(char::is_ascii_digit)
            .count();
        let v = if digits <= 15 {
            v
        } else {
            format!("{v:.5e}").parse().expect("`{:e}` reads back")
        };
        if (1e-5..1e9).contains(&v.abs()) {
            write!(f, "{v}")
        } else {
            write!(f, "{v:e}")
        }
    }
}

/// Why a number is not the quantity it should be. The message reads after the name of the
/// flag or field that held it: "--rate: must be greater than 0 clients per second, got -1".
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum QuantityError {
    #[error("must be a number of {unit}, not NaN")]
    /// NaN, which no comparison would catch later.
    NaN {
        /// The quantity's unit in words ("seconds", "clients per second").
        unit: &'static str,
    },
    #[error("must be a finite number of {unit}")]
    /// `inf`, which no count of steps can hold.
    Infinite {
        /// The quantity's unit in words.
        unit: &'static str,
    },
    #[error("must be a positive number, greater than 0 {unit}, got {}", number(*.value))]
    /// 0 or below, or `-inf`, where only a positive quantity means anything.
    NotPositive {
        /// The quantity's unit in words.
        unit: &'static str,
        /// The number given.
        value: f64,
    },
    #[error("must be 0 (all at once) or more seconds, got {}", number(*.value))]
    /// A period below 0 (0 itself is a burst, and allowed).
    NegativePeriod {
        /// The number given, in seconds.
        value: f64,
    },
    #[error("must be at most 1 second, got {}", number(*.value))]
    /// A resolution above 1 s: service times and timeouts would round to whole seconds or
    /// coarser.
    ResolutionTooCoarse {
        /// The number given, in seconds.
        value: f64,
    },
    #[error("must be a whole number of nanoseconds, got {} s", number(*.value))]
    /// A resolution finer than 1 ns or between two nanoseconds: steps are whole nanoseconds.
    NotWholeNanoseconds {
        /// The number given, in seconds.
        value: f64,
    },
    #[error("{what} of {} s is not a whole number of steps of the resolution ({} s); state a finer `resolution`", number(*.seconds), number(*.step))]
    /// A duration that is not a whole number (≥ 1) of steps, so it cannot be kept exact.
    OffTheGrid {
        /// What the duration is, for the message ("station `soda`: service time").
        what: String,
        /// The duration, in seconds.
        seconds: f64,
        /// The resolution, in seconds.
        step: f64,
    },
    #[error("{what} of {} s is {} steps of {} s, longer than the simulator's timer can hold ({MAX_TIMER_STEPS} steps); state a coarser `resolution`", number(*.seconds), number(*.steps), number(*.step))]
    /// A duration longer than [`MAX_TIMER_STEPS`] steps: tokio would clamp the wait and
    /// silently shorten it.
    TooManySteps {
        /// What the duration is, for the message.
        what: String,
        /// The duration, in seconds.
        seconds: f64,
        /// The duration, in steps.
        steps: f64,
        /// The resolution, in seconds.
        step: f64,
    },
}

/// A finite number above 0, in `unit`. The sign is checked first: `-inf` is a negative
/// number before it is an infinite one.
fn positive(value: f64, unit: &'static str) -> Result<f64, QuantityError> {
    if value.is_nan() {
        Err(QuantityError::NaN { unit })
    } else if value <= 0.0 {
        Err(QuantityError::NotPositive { unit, value })
    } else if !value.is_finite() {
        Err(QuantityError::Infinite { unit })
    } else {
        Ok(value)
    }
}

/// A duration in seconds that is finite and strictly positive (a service time, a timeout).
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Serialize)]
#[serde(transparent)]
pub struct Seconds(f64);

impl Seconds {
    /// Accepts only finite values > 0.
    pub fn new(value: f64) -> Result<Self, QuantityError> {
        positive(value, "seconds").map(Self)
    }

    /// The value in seconds, for arithmetic and display; the invariant no longer travels with it.
    pub fn get(self) -> f64 {
        self.0
    }
}

/// A TOML number of seconds or a string with a unit (`"250us"`), as [`crate::model::duration`] reads.
impl<'de> Deserialize<'de> for Seconds {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = crate::model::duration::Written::deserialize(d)?
            .seconds()
            .map_err(serde::de::Error::custom)?;
        Seconds::new(v).map_err(serde::de::Error::custom)
    }
}

impl fmt::Display for Seconds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} s", self.0)
    }
}

/// An arrival rate in clients per second: finite and strictly positive.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Serialize)]
#[serde(transparent)]
pub struct Rate(f64);

impl Rate {
    /// Accepts only finite values > 0.
    pub fn new(value: f64) -> Result<Self, QuantityError> {
        positive(value, "clients per second").map(Self)
    }

    /// The value in clients per second.
    pub fn get(self) -> f64 {
        self.0
    }

    /// The spacing between two clients' due times.
    pub fn period(self) -> Period {
        Period(1.0 / self.0)
    }
}

impl<'de> Deserialize<'de> for Rate {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = f64::deserialize(d)?;
        Rate::new(v).map_err(serde::de::Error::custom)
    }
}

/// The spacing between consecutive clients in seconds; 0 means every client at once.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Serialize)]
#[serde(transparent)]
pub struct Period(f64);

impl Period {
    /// Accepts 0 (a burst: every client at once) and any finite positive spacing.
    pub fn new(value: f64) -> Result<Self, QuantityError> {
        // The sign first: `-inf` is a negative number before it is an infinite one.
        if value.is_nan() {
            Err(QuantityError::NaN { unit: "seconds" })
        } else if value < 0.0 {
            Err(QuantityError::NegativePeriod { value })
        } else if !value.is_finite() {
            Err(QuantityError::Infinite { unit: "seconds" })
        } else {
            Ok(Self(value))
        }
    }

    /// The spacing in seconds.
    pub fn get(self) -> f64 {
        self.0
    }

    /// The rate this period stands for, or `None` for a burst (period 0).
    pub fn rate(self) -> Option<f64> {
        (self.0 > 0.0).then(|| 1.0 / self.0)
    }
}

/// The finest time the model distinguishes, in nanoseconds.
///
/// Tokio's timers tick in milliseconds, so the engine maps one step of the resolution onto
/// one tokio millisecond in virtual time: a scenario of microsecond services stays exact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(into = "f64")]
pub struct Resolution(NonZeroU64);

impl From<Resolution> for f64 {
    fn from(r: Resolution) -> f64 {
        r.seconds()
    }
}

/// The longest single wait, in steps, that the engine hands to tokio's timer: the span of its
/// timer wheel (2^36 ms). Longer sleeps would be clamped by tokio and silently wrong.
pub const MAX_TIMER_STEPS: u64 = (1 << 36) - 1;

impl Resolution {
    /// The default when a scenario states no `resolution`: model time in whole milliseconds.
    pub const MILLISECOND: Resolution = Resolution(NonZeroU64::new(1_000_000).unwrap());

    /// A resolution given in seconds: it must be a whole number of nanoseconds, at most 1 s.
    pub fn from_seconds(value: f64) -> Result<Self, QuantityError> {
        positive(value, "seconds")?;
        if value > 1.0 {
            return Err(QuantityError::ResolutionTooCoarse { value });
        }
        let ns = value * 1e9;
        let whole = ns.round();
        if whole < 1.0 || (ns - whole).abs() > 1e-6 * whole.max(1.0) {
            return Err(QuantityError::NotWholeNanoseconds { value });
        }
        Ok(Resolution(
            NonZeroU64::new(whole as u64).expect("checked >= 1"),
        ))
    }

    /// One step in nanoseconds, exact (the integer every model time is counted in).
    pub fn nanos(self) -> u64 {
        self.0.get()
    }

    /// One step in seconds, for converting a human's seconds into steps and back.
    pub fn seconds(self) -> f64 {
        self.0.get() as f64 / 1e9
    }

    /// A duration that must be a whole number of steps (a service time).
    pub fn exact_steps(self, secs: Seconds, what: &str) -> Result<u64, QuantityError> {
        let steps = secs.get() / self.seconds();
        let whole = steps.round();
        if (steps - whole).abs() > 1e-6 * whole.max(1.0) || whole < 1.0 {
            return Err(QuantityError::OffTheGrid {
                what: what.to_string(),
                seconds: secs.get(),
                step: self.seconds(),
            });
        }
        if whole > MAX_TIMER_STEPS as f64 {
            return Err(QuantityError::TooManySteps {
                what: what.to_string(),
                seconds: secs.get(),
                steps: whole,
                step: self.seconds(),
            });
        }
        Ok(whole as u64)
    }

    /// A point in time, rounded to the nearest step (due times off the grid).
    pub fn nearest_steps(self, secs: f64) -> u64 {
        let steps = secs / self.seconds();
        // A hair of slack so that 2.5 computed as 2.4999999 still rounds like 2.5.
        (steps + 1e-9 * steps.abs().max(1.0)).round() as u64
    }

    /// The timeout as nanoseconds: verdicts compare exact integers.
    pub fn timeout_nanos(secs: Seconds) -> u128 {
        (secs.get() * 1e9).round() as u128
    }

    /// Model seconds of a number of steps, for humans and CSV.
    pub fn to_seconds(self, steps: u64) -> f64 {
        (steps as u128 * self.0.get() as u128) as f64 / 1e9
    }

    /// How many decimals a time needs to be shown exactly: at least milliseconds.
    pub fn decimals(self) -> usize {
        let mut ns = self.0.get();
        let mut digits = 9usize;
        while digits > 3 && ns.is_multiple_of(10) {
            ns /= 10;
            digits -= 1;
        }
        digits
    }

    /// Appends [`Resolution::format`]'s text to `out` without allocating: a million CSV cells
    /// must not cost a million strings. Integer arithmetic in u64 while it fits (584 years of
    /// nanoseconds), u128 beyond.
    pub fn push_seconds(self, steps: u64, out: &mut Vec<u8>) {
        let d = self.decimals();
        let (whole, frac) = match steps.checked_mul(self.0.get()) {
            Some(ns) => ((ns / 1_000_000_000) as u128, (ns % 1_000_000_000) as u128),
            None => {
                let ns = steps as u128 * self.0.get() as u128;
                (ns / 1_000_000_000, ns % 1_000_000_000)
            }
        };
        let frac = frac / 10u128.pow(9 - d as u32);
        let mut buffer = itoa::Buffer::new();
        out.extend_from_slice(buffer.format(whole).as_bytes());
        out.push(b'.');
        let digits = buffer.format(frac).as_bytes();
        out.extend(std::iter::repeat_n(b'0', d.saturating_sub(digits.len())));
        out.extend_from_slice(digits);
    }

    /// Exact decimal text of a number of steps in seconds, with [`Resolution::decimals`] digits.
    pub fn format(self, steps: u64) -> String {
        let ns = steps as u128 * self.0.get() as u128;
        let d = self.decimals();
        let whole = ns / 1_000_000_000;
        let frac = ns % 1_000_000_000;
        let frac = frac / 10u128.pow(9 - d as u32);
        format!("{whole}.{frac:0d$}")
    }
}

/// The unit latencies are shown in (`--unit`); CSV and JSON stay in seconds, for programs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeUnit {
    /// Seconds.
    S,
    /// Milliseconds.
    Ms,
    /// Microseconds.
    Us,
}

impl TimeUnit {
    /// The unit that reads best against a timeout: ms under 1 s, µs under 1 ms.
    pub fn auto(timeout: Seconds) -> TimeUnit {
        if timeout.get() < 1e-3 {
            TimeUnit::Us
        } else if timeout.get() < 1.0 {
            TimeUnit::Ms
        } else {
            TimeUnit::S
        }
    }

    /// The unit's symbol after a number (`µs` with the micro sign, not `us`).
    pub fn symbol(self) -> &'static str {
        match self {
            TimeUnit::S => "s",
            TimeUnit::Ms => "ms",
            TimeUnit::Us => "µs",
        }
    }

    /// Nanoseconds in one of this unit.
    fn nanos(self) -> u128 {
        match self {
            TimeUnit::S => 1_000_000_000,
            TimeUnit::Ms => 1_000_000,
            TimeUnit::Us => 1_000,
        }
    }

    /// How many decimals every time of a report in this unit shows: as many as the
    /// resolution needs, so that every figure is exact and they all line up.
    pub fn decimals(self, res: Resolution) -> usize {
        let shift = 9 - self.nanos().ilog10() as usize;
        (res.decimals()).saturating_sub(shift)
    }

    /// Exact decimal text of a number of steps in this unit (no symbol).
    pub fn format(self, res: Resolution, steps: u64) -> String {
        let ns = steps as u128 * res.nanos() as u128;
        let d = self.decimals(res);
        let whole = ns / self.nanos();
        if d == 0 {
            return whole.to_string();
        }
        let digits = self.nanos().ilog10();
        let frac = (ns % self.nanos()) / 10u128.pow(digits - d as u32);
        format!("{whole}.{frac:0d$}")
    }

    /// Seconds (a mean, an interval bound) in this unit with these decimals.
    pub fn format_seconds(self, seconds: f64, decimals: usize) -> String {
        format!("{:.decimals$}", seconds * 1e9 / self.nanos() as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_short_whatever_their_size_and_read_back_as_given() {
        // As a person types them: shown so that they read back as the same number.
        let typed = [
            (1e-300, "1e-300"),
            (1e300, "1e300"),
            (-2.5e-9, "-2.5e-9"),
            (68719476.735, "68719476.735"),
            (1.5e12, "1.5e12"),
            (0.1234567891234, "0.1234567891234"),
            (0.00001, "0.00001"),
            (0.000001, "1e-6"),
            (100.0000000001, "100.0000000001"),
            (2.0, "2"),
            (0.5, "0.5"),
        ];
        for (v, want) in typed {
            assert_eq!(number(v).to_string(), want, "{v:e}");
            assert_eq!(want.parse::<f64>().unwrap(), v, "{want} reads back");
        }
        // Computed, with binary noise in the last digits: 6 significant digits.
        for (v, want) in [
            (1.0 / 1e-300, "1e300"),
            (0.1 + 0.2, "0.3"),
            (1.0 / 3.0, "0.333333"),
        ] {
            assert_eq!(number(v).to_string(), want, "{v:e}");
        }
        for (v, want) in [
            (0.0, "0"),
            (-0.0, "0"),
            (f64::NAN, "NaN"),
            (f64::INFINITY, "inf"),
            (f64::NEG_INFINITY, "-inf"),
        ] {
            assert_eq!(number(v).to_string(), want);
        }
    }

    #[test]
    fn time_units_show_exact_figures_with_one_number_of_decimals() {
        let ms = Resolution::MILLISECOND;
        assert_eq!(TimeUnit::S.format(ms, 4500), "4.500");
        assert_eq!(TimeUnit::Ms.format(ms, 4500), "4500");
        assert_eq!(TimeUnit::Us.format(ms, 3), "3000");
        let r = Resolution::from_seconds(0.0001).unwrap();
        assert_eq!(TimeUnit::Ms.format(r, 234), "23.4");
        assert_eq!(TimeUnit::Ms.decimals(r), 1);
        let us = Resolution::from_seconds(1e-6).unwrap();
        assert_eq!(TimeUnit::Ms.format(us, 2500), "2.500");
        assert_eq!(TimeUnit::Us.format(us, 2500), "2500");
        let t = |v| TimeUnit::auto(Seconds::new(v).unwrap());
        assert_eq!(
            (t(5.0), t(0.3), t(0.0005)),
            (TimeUnit::S, TimeUnit::Ms, TimeUnit::Us)
        );
        assert_eq!(TimeUnit::Ms.format_seconds(0.0234567, 1), "23.5");
    }

    #[test]
    fn rejects_non_positive_and_nan() {
        assert!(Seconds::new(0.0).is_err());
        assert!(Seconds::new(-1.0).is_err());
        assert!(Seconds::new(f64::NAN).is_err());
        assert!(Seconds::new(f64::INFINITY).is_err());
        assert!(Rate::new(0.0).is_err());
        assert!(Period::new(-0.5).is_err());
        assert!(Period::new(0.0).is_ok());
    }

    #[test]
    fn formats_exactly() {
        let ms = Resolution::MILLISECOND;
        assert_eq!(ms.format(4000), "4.000");
        assert_eq!(ms.format(3500), "3.500");
        let us = Resolution::from_seconds(1e-6).unwrap();
        assert_eq!(us.decimals(), 6);
        assert_eq!(us.format(2500), "0.002500");
    }

    #[test]
    fn service_times_must_sit_on_the_grid() {
        let ms = Resolution::MILLISECOND;
        assert_eq!(
            ms.exact_steps(Seconds::new(4.0).unwrap(), "x").unwrap(),
            4000
        );
        assert!(ms.exact_steps(Seconds::new(0.0025).unwrap(), "x").is_err());
        let us = Resolution::from_seconds(0.000001).unwrap();
        assert_eq!(
            us.exact_steps(Seconds::new(0.0025).unwrap(), "x").unwrap(),
            2500
        );
        assert!(us.exact_steps(Seconds::new(1e6).unwrap(), "x").is_err());
    }

    #[test]
    fn due_times_round_to_nearest_step() {
        let ms = Resolution::MILLISECOND;
        assert_eq!(ms.nearest_steps(1.0 / 3.0), 333);
        assert_eq!(ms.nearest_steps(3.0 * (1.0 / 3.0)), 1000);
        assert_eq!(ms.nearest_steps(2.0 / 3.0), 667);
    }
}
