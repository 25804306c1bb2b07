//! Lever values: what a station's parameter may take in a search, as a list or a range.
//!
//! One syntax serves the scenario file (`range = "1..=4"`, or a TOML array `[5, 7]`) and the
//! command line (`--range burger.units=3..=12`, `--range fries.batch=5,7,10`); lists and ranges
//! mix (`1..=4,6`).

use std::fmt;

/// The largest count of values one lever may list: beyond it a typo (`1..=1000000000`) would
/// allocate before the space-size check could refuse it.
pub const MAX_LEVER_VALUES: u64 = 1_000_000;

/// Sorted, distinct, positive values of one lever.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Values(Vec<u32>);

impl Values {
    /// A lever held at one value, as a station's baseline is when no range is given.
    pub fn single(v: u32) -> Self {
        Values(vec![v])
    }

    /// The values in increasing order, each at most once.
    pub fn as_slice(&self) -> &[u32] {
        &self.0
    }

    /// How many configurations this lever contributes to the search space (a factor of its size).
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// The values `keep` accepts, in order; `None` when it accepts none.
    pub fn retain(&self, keep: impl Fn(u32) -> bool) -> Option<Values> {
        let kept: Vec<u32> = self.0.iter().copied().filter(|&v| keep(v)).collect();
        (!kept.is_empty()).then_some(Values(kept))
    }

    /// False for any parsed value (`parse` refuses an empty list); here because `len` is.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Parses a comma-separated list whose items are whole numbers ≥ 1 or ranges `A..=B`
    /// (inclusive) and `A..B` (exclusive): `1..=4`, `5,7`, `1..=4,6,10..=12`.
    pub fn parse(text: &str) -> Result<Self, ValuesError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(ValuesError::Empty);
        }
        let mut values: Vec<u32> = Vec::new();
        for item in text.split(',') {
            let item = item.trim();
            if item.is_empty() {
                return Err(ValuesError::EmptyItem(text.to_string()));
            }
            let (a, end) = match item.split_once("..") {
                Some((a, b)) => {
                    let (inclusive, b) = match b.strip_prefix('=') {
                        Some(b) => (true, b),
                        None => (false, b),
                    };
                    let (a, b) = (number(a)?, number(b)?);
                    let end = if inclusive { b as u64 } else { b as u64 - 1 };
                    if end < a as u64 {
                        return Err(ValuesError::EmptyRange(item.to_string()));
                    }
                    (a, end as u32)
                }
                None => {
                    let v = number(item)?;
                    (v, v)
                }
            };
            // Counted before anything is allocated, so `1..=4000000000` costs nothing.
            let count = values.len() as u64 + (end - a) as u64 + 1;
            if count > MAX_LEVER_VALUES {
                return Err(ValuesError::TooMany {
                    text: text.to_string(),
                    count,
                });
            }
            values.extend(a..=end);
        }
        Ok(Values::from_sorted(values))
    }

    /// A TOML array such as `[1, 2, 3]`, under the same rules as the text forms.
    pub fn from_numbers(numbers: &[i64]) -> Result<Self, ValuesError> {
        if numbers.is_empty() {
            return Err(ValuesError::Empty);
        }
        if numbers.len() as u64 > MAX_LEVER_VALUES {
            return Err(ValuesError::TooMany {
                text: format!("{} values", numbers.len()),
                count: numbers.len() as u64,
            });
        }
        let values = numbers
            .iter()
            .map(|&v| {
                if v < 1 {
                    Err(ValuesError::Zero(v.to_string()))
                } else {
                    u32::try_from(v).map_err(|_| ValuesError::TooLarge(v.to_string()))
                }
            })
            .collect::<Result<Vec<u32>, ValuesError>>()?;
        Ok(Values::from_sorted(values))
    }

    fn from_sorted(mut values: Vec<u32>) -> Self {
        values.sort_unstable();
        values.dedup();
        Values(values)
    }
}

/// Beyond this a space's size is given as "more than 10^30": the exact 30-odd digits of a
/// product of huge ranges say nothing more, and it saturates at `u128::MAX` anyway.
const EXACT_COUNT_LIMIT: u128 = 1_000_000_000_000_000_000_000_000_000_000;

/// A count of configurations for messages: exact up to 10^30, then "more than 10^30".
pub fn count_text(n: u128) -> String {
    if n > EXACT_COUNT_LIMIT {
        "more than 10^30".into()
    } else {
        n.to_string()
    }
}

/// The longest space shape a message quotes in full: a thousand levers would make one error
/// line tens of kilobytes long.
const SHAPE_LIMIT: usize = 160;

/// A space's shape (`a.units 1..=4 × b.units 5,7 × …`) cut after whole levers to stay short.
pub fn short_shape(shape: &str) -> String {
    if shape.chars().count() <= SHAPE_LIMIT {
        return shape.to_string();
    }
    let levers: Vec<&str> = shape.split(" × ").collect();
    let mut kept = String::new();
    let mut shown = 0;
    for lever in &levers {
        let next = if kept.is_empty() {
            lever.to_string()
        } else {
            format!("{kept} × {lever}")
        };
        if next.chars().count() > SHAPE_LIMIT && shown > 0 {
            break;
        }
        kept = next;
        shown += 1;
    }
    if kept.chars().count() > SHAPE_LIMIT {
        // One lever listing thousands of scattered values.
        kept = kept.chars().take(SHAPE_LIMIT).collect::<String>() + "…";
    }
    if shown == levers.len() {
        kept
    } else {
        format!("{kept} × … ({} levers in all)", levers.len())
    }
}

/// Why a text or an array is not a list of lever values. Every message about a malformed
/// list ends with the accepted forms.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ValuesError {
    /// Blank text or an empty array: a lever must take at least one value.
    #[error("no values given; write values as 1..=4, 3..8, 5,7 or a mix such as 1..=4,6")]
    Empty,
    #[error("`{0}` has an empty item between commas; write values as 1..=4, 3..8, 5,7 or a mix such as 1..=4,6")]
    /// `1,,3` or a trailing comma; holds the whole list.
    EmptyItem(String),
    /// A range whose end comes before its start (`5..=3`, `4..4`); holds the range.
    #[error("the range `{0}` is empty")]
    EmptyRange(String),
    #[error("`{text}` has {count} values or more, more than {MAX_LEVER_VALUES}")]
    /// Past [`MAX_LEVER_VALUES`]: refused before anything is allocated.
    TooMany {
        /// The whole list as given (for an array, "N values").
        text: String,
        /// The values counted when the limit was crossed, a lower bound of the list's size.
        count: u64,
    },
    #[error(
        "`{0}` is not a whole number; write values as 1..=4, 3..8, 5,7 or a mix such as 1..=4,6"
    )]
    /// An item or range bound that is not a whole number (`2.5`, `x`, `-1`); holds it.
    NotWhole(String),
    /// 0, or a negative number from a TOML array: a station needs one unit or portion.
    #[error("values must be at least 1, got {0}")]
    Zero(String),
    /// Beyond `u32`, the type every lever value is kept in.
    #[error("`{0}` is too large (at most 4294967295)")]
    TooLarge(String),
}

/// One whole number ≥ 1 of a list or range.
fn number(s: &str) -> Result<u32, ValuesError> {
    let s = s.trim();
    let v: u64 = s
        .parse()
        .map_err(|_| ValuesError::NotWhole(s.to_string()))?;
    if v == 0 {
        return Err(ValuesError::Zero(s.to_string()));
    }
    u32::try_from(v).map_err(|_| ValuesError::TooLarge(s.to_string()))
}

/// Runs of three or more consecutive values as `A..=B`, the rest listed: `1..=4,6`.
impl fmt::Display for Values {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let v = &self.0;
        let mut parts: Vec<String> = Vec::new();
        let mut i = 0;
        while i < v.len() {
            let mut j = i;
            while j + 1 < v.len() && v[j + 1] == v[j] + 1 {
                j += 1;
            }
            if j - i >= 2 {
                parts.push(format!("{}..={}", v[i], v[j]));
            } else {
                parts.extend(v[i..=j].iter().map(|x| x.to_string()));
            }
            i = j + 1;
        }
        write!(f, "{}", parts.join(","))
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
    fn huge_counts_and_shapes_stay_short() {
        assert_eq!(count_text(1_000_000_000), "1000000000");
        assert_eq!(count_text(u128::MAX), "more than 10^30");
        let shape = vec!["station.units 1..=1000"; 1000].join(" × ");
        let short = short_shape(&shape);
        assert!(short.len() < 250, "{short}");
        assert!(short.ends_with("(1000 levers in all)"), "{short}");
        assert_eq!(short_shape("a.units 1,2"), "a.units 1,2");
        let scattered = format!("a.units {}", vec!["7"; 5000].join(","));
        assert!(short_shape(&scattered).chars().count() <= SHAPE_LIMIT + 1);
    }

    #[test]
    fn mixes_lists_and_ranges() {
        let v = Values::parse("1..=4,6").unwrap();
        assert_eq!(v.as_slice(), &[1, 2, 3, 4, 6]);
        assert_eq!(v.to_string(), "1..=4,6");
        assert_eq!(
            Values::parse("10..=12, 2..4, 3").unwrap().as_slice(),
            &[2, 3, 10, 11, 12]
        );
        assert_eq!(Values::parse("3,4").unwrap().to_string(), "3,4");
        assert_eq!(
            Values::from_numbers(&[3, 1, 2]).unwrap().as_slice(),
            &[1, 2, 3]
        );
        assert!(Values::from_numbers(&[0]).is_err());
        assert!(Values::from_numbers(&[-2]).is_err());
        assert!(Values::from_numbers(&[1 << 40]).is_err());
        assert!(Values::from_numbers(&[]).is_err());
        assert!(Values::parse("1..=600000,1..=600000").is_err());
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
