//! Durations as people write them: `0.25`, `"250us"`, `"5ms"`, `"1.5s"`, `"2m"`, `"1h"`.
//!
//! Service times of real backends are milliseconds and microseconds, load tests last minutes
//! and hours; writing `0.00025` or `3600` is where mistakes hide. Every duration in flags and
//! scenario files goes through [`parse`], which takes a bare number of seconds or a decimal
//! number with a unit, and names the value and the accepted units when it cannot.
//!
//! A small hand-written parser: the crates that parse durations (humantime and the like) take
//! whole numbers only ("1.5s" is refused) or bring calendar units a load test has no use for.

use serde::{Deserialize, Deserializer};

/// The units a duration may carry, with their length in seconds.
pub const UNITS: &[(&str, f64)] = &[
    ("ns", 1e-9),
    ("us", 1e-6),
    ("µs", 1e-6),
    ("ms", 1e-3),
    ("s", 1.0),
    ("m", 60.0),
    ("min", 60.0),
    ("h", 3600.0),
];

/// Why a text is not a duration.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DurationError {
    /// No number where one was expected (empty text, a word, a number with garbage); holds
    /// the text as given.
    #[error("`{0}` is not a duration: write seconds (0.25) or a number with a unit: ns, us, ms, s, m, h (250us, 1.5s, 2m)")]
    Malformed(String),
    /// A number followed by a unit outside [`UNITS`].
    #[error("`{text}` has an unknown unit `{unit}`: use ns, us (or µs), ms, s, m (or min) or h")]
    UnknownUnit {
        /// The whole text as given, so the user finds it among their flags.
        text: String,
        /// The part after the number, as written.
        unit: String,
    },
    /// `inf`, `NaN`, or a number too large for an f64 once in seconds; holds the text as given.
    #[error("`{0}` is not a finite duration")]
    NotFinite(String),
    /// Below zero; holds the text as given.
    #[error("`{0}` is negative: a duration is 0 or more")]
    Negative(String),
}

/// Parses a duration to seconds: a number (seconds) or a number followed by a unit, spaces
/// allowed between them. Negative, infinite and NaN durations are refused; zero is accepted
/// here and refused by the callers for which it means nothing.
pub fn parse(text: &str) -> Result<f64, DurationError> {
    let t = text.trim();
    let number = |n: &str| n.trim().parse::<f64>().ok();
    // Longest unit first, so that `2ms` is not read as `2m` followed by garbage.
    let mut units: Vec<&(&str, f64)> = UNITS.iter().collect();
    units.sort_by_key(|(name, _)| std::cmp::Reverse(name.len()));
    let found = number(t).map(|v| (v, 1.0)).or_else(|| {
        units
            .iter()
            .find_map(|&&(name, scale)| t.strip_suffix(name).and_then(number).map(|v| (v, scale)))
    });
    let Some((value, scale)) = found else {
        let unit_start = t
            .char_indices()
            .rev()
            .take_while(|(_, c)| c.is_alphabetic())
            .last()
            .map(|(i, _)| i)
            .unwrap_or(t.len());
        let (head, unit) = t.split_at(unit_start);
        return Err(if !unit.is_empty() && number(head).is_some() {
            DurationError::UnknownUnit {
                text: text.to_string(),
                unit: unit.to_string(),
            }
        } else {
            DurationError::Malformed(text.to_string())
        });
    };
    let seconds = value * scale;
    if !seconds.is_finite() {
        return Err(DurationError::NotFinite(text.to_string()));
    }
    if seconds < 0.0 {
        return Err(DurationError::Negative(text.to_string()));
    }
    Ok(seconds)
}

/// A duration read from a scenario file: a TOML number (seconds) or a string with a unit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Duration(pub f64);

/// A TOML value that holds a duration, as written: a number of seconds, or a string with a
/// unit. Every duration field of a scenario reads through it.
#[derive(Deserialize, Clone)]
#[serde(untagged)]
pub(crate) enum Written {
    Number(f64),
    Text(String),
}

impl Written {
    /// The seconds written: a number as it is (its reader checks its range and words the
    /// refusal for what it is), a text through [`parse`].
    pub(crate) fn seconds(self) -> Result<f64, DurationError> {
        match self {
            Written::Number(v) => Ok(v),
            Written::Text(t) => parse(&t),
        }
    }
}

impl<'de> Deserialize<'de> for Duration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let seconds = match Written::deserialize(d)? {
            Written::Number(v) => parse(&v.to_string()),
            Written::Text(t) => parse(&t),
        };
        seconds.map(Duration).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_form_reads_as_seconds() {
        let cases = [
            ("0.25", 0.25),
            ("5", 5.0),
            ("250us", 250e-6),
            ("250 µs", 250e-6),
            ("5ms", 0.005),
            ("1.5s", 1.5),
            ("2m", 120.0),
            ("2min", 120.0),
            ("1h", 3600.0),
            ("10ns", 1e-8),
            ("1e3ms", 1.0),
            ("1e-3", 0.001),
            (" 7 s ", 7.0),
            ("0", 0.0),
            (".5s", 0.5),
        ];
        for (text, want) in cases {
            let got = parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert!((got - want).abs() <= 1e-12 * want.max(1.0), "{text}: {got}");
        }
    }

    #[test]
    fn bad_durations_name_the_value_and_the_units() {
        let e = parse("5 weeks").unwrap_err();
        assert!(matches!(e, DurationError::UnknownUnit { ref unit, .. } if unit == "weeks"));
        assert!(e.to_string().contains("ns, us"), "{e}");
        for bad in ["", "ms", "fast", "1.2.3s", "--1s"] {
            assert!(
                matches!(parse(bad), Err(DurationError::Malformed(_))),
                "{bad}: {:?}",
                parse(bad)
            );
        }
        assert_eq!(parse("-1s"), Err(DurationError::Negative("-1s".into())));
        assert!(matches!(parse("NaN"), Err(DurationError::NotFinite(_))));
        assert!(matches!(parse("inf"), Err(DurationError::NotFinite(_))));
        assert!(matches!(parse("1e400"), Err(DurationError::NotFinite(_))));
        assert!(parse("2e").is_err());
    }

    #[test]
    fn scenario_values_take_numbers_and_strings() {
        #[derive(Deserialize)]
        struct T {
            a: Duration,
            b: Duration,
        }
        let t: T = toml::from_str("a = 0.5\nb = \"20ms\"\n").unwrap();
        assert_eq!((t.a.0, t.b.0), (0.5, 0.02));
        let e = toml::from_str::<T>("a = 1\nb = \"3 parsecs\"\n")
            .err()
            .unwrap();
        assert!(e.to_string().contains("unknown unit `parsecs`"), "{e}");
    }
}
