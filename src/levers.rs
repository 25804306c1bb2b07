//! Lever values: what a station's parameter may take in a search, as a list or a range.
//!
//! One syntax serves the scenario file (`range = "1..=4"`) and the command line
//! (`--range burger.units=3..=12`, `--range fries.batch=5,7,10`).

use std::fmt;

/// The largest count of values one lever may list: beyond it a typo (`1..=1000000000`) would
/// allocate before the space-size check could refuse it.
pub const MAX_LEVER_VALUES: u64 = 1_000_000;

/// Sorted, distinct, positive values of one lever.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Values(Vec<u32>);

impl Values {
    pub fn single(v: u32) -> Self {
        Values(vec![v])
    }

    pub fn as_slice(&self) -> &[u32] {
        &self.0
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Parses `A..=B`, `A..B`, `A` or a list `A,B,C` of whole numbers ≥ 1.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let number = |s: &str| -> Result<u32, String> {
            let s = s.trim();
            let v: u64 = s
                .parse()
                .map_err(|_| format!("`{s}` is not a whole number"))?;
            if v == 0 {
                return Err("values must be at least 1".into());
            }
            u32::try_from(v).map_err(|_| format!("`{s}` is too large"))
        };
        let mut values: Vec<u32> = if let Some((a, b)) = text.split_once("..") {
            let (inclusive, b) = match b.strip_prefix('=') {
                Some(b) => (true, b),
                None => (false, b),
            };
            let (a, b) = (number(a)?, number(b)?);
            let end = if inclusive { b as u64 } else { b as u64 - 1 };
            if end < a as u64 {
                return Err(format!("the range `{text}` is empty"));
            }
            if end - a as u64 + 1 > MAX_LEVER_VALUES {
                return Err(format!(
                    "the range `{text}` has {} values, more than {MAX_LEVER_VALUES}",
                    end - a as u64 + 1
                ));
            }
            (a..=end as u32).collect()
        } else {
            if text.is_empty() {
                return Err("no values given".into());
            }
            text.split(',').map(number).collect::<Result<_, _>>()?
        };
        values.sort_unstable();
        values.dedup();
        Ok(Values(values))
    }
}

impl fmt::Display for Values {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let v = &self.0;
        let contiguous = v.len() > 2 && v.windows(2).all(|w| w[1] == w[0] + 1);
        if contiguous {
            write!(f, "{}..={}", v[0], v[v.len() - 1])
        } else {
            let parts: Vec<String> = v.iter().map(|x| x.to_string()).collect();
            write!(f, "{}", parts.join(","))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_ranges_and_lists() {
        assert_eq!(Values::parse("1..=4").unwrap().as_slice(), &[1, 2, 3, 4]);
        assert_eq!(Values::parse("3..5").unwrap().as_slice(), &[3, 4]);
        assert_eq!(Values::parse("7, 5,7").unwrap().as_slice(), &[5, 7]);
        assert_eq!(Values::parse("8").unwrap().as_slice(), &[8]);
        assert_eq!(Values::parse("1..=4").unwrap().to_string(), "1..=4");
        assert_eq!(Values::parse("5,7").unwrap().to_string(), "5,7");
    }

    #[test]
    fn refuses_bad_values() {
        for bad in [
            "",
            "0..=3",
            "4..=2",
            "3..3",
            "a,b",
            "1..=99999999999",
            "-1",
            "1..=2000000",
        ] {
            assert!(Values::parse(bad).is_err(), "{bad}");
        }
    }
}
