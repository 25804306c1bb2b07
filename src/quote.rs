//! What the user gave, quoted back in a one-line message: a number in a short form, a long
//! text cut around the place that matters, a long list of names cut after a few.
//!
//! A message quotes the input so that the user can find it, not to reproduce it: `--rate
//! 1e-300` printed with `{}` is 300 digits, and a flow of a megabyte quoted whole makes a
//! page, not a line.

use std::fmt;

/// `v` in at most 6 significant digits: plainly from 0.0001 to 999,999, in scientific
/// notation beyond (`1e-300`, `6.87195e7`); trailing zeros dropped.
pub fn number(v: f64) -> Number {
    Number(v)
}

/// A number as [`number`] writes it; a `Display`, so that error attributes can use it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Number(pub f64);

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let v = self.0;
        if !v.is_finite() || v == 0.0 {
            // `NaN`, `inf`, `-inf`, `0` (and `-0` as `0`).
            return write!(f, "{}", if v == 0.0 { 0.0 } else { v });
        }
        let magnitude = v.abs().log10().floor();
        if (-4.0..6.0).contains(&magnitude) {
            let decimals = (5.0 - magnitude) as usize;
            let text = format!("{v:.decimals$}");
            let text = if text.contains('.') {
                text.trim_end_matches('0').trim_end_matches('.')
            } else {
                &text
            };
            f.write_str(text)
        } else {
            let text = format!("{v:.5e}");
            let (mantissa, exponent) = text.split_once('e').expect("`{:e}` writes an exponent");
            let mantissa = mantissa.trim_end_matches('0').trim_end_matches('.');
            write!(f, "{mantissa}e{exponent}")
        }
    }
}

/// `text` for a message about its `column` (1-based, in characters): whole when short, else
/// the 60 characters around the column, cut with `…`.
pub fn excerpt(text: &str, column: usize) -> String {
    const AROUND: usize = 30;
    let length = text.chars().count();
    if length <= 2 * AROUND {
        return text.to_string();
    }
    let start = column.saturating_sub(1 + AROUND).min(length - 2 * AROUND);
    let shown: String = text.chars().skip(start).take(2 * AROUND).collect();
    let before = if start > 0 { "…" } else { "" };
    let after = if start + 2 * AROUND < length {
        "…"
    } else {
        ""
    };
    format!("{before}{shown}{after}")
}

/// The start of a long `text` (a name of thousands of characters), cut with `…`.
pub fn start(text: &str) -> String {
    const SHOWN: usize = 20;
    if text.chars().count() <= SHOWN {
        return text.to_string();
    }
    text.chars().take(SHOWN).collect::<String>() + "…"
}

/// Names for a message, `a, b, c`: all of them, or the first ten and how many there are.
pub fn names<'a>(names: impl ExactSizeIterator<Item = &'a str>) -> String {
    const SHOWN: usize = 10;
    let count = names.len();
    let shown: Vec<&str> = names.take(SHOWN).collect();
    if count <= SHOWN {
        shown.join(", ")
    } else {
        format!("{}… ({count} in all)", shown.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_short_whatever_their_size() {
        let cases = [
            (1e-300, "1e-300"),
            (1e300, "1e300"),
            (-2.5e-9, "-2.5e-9"),
            (68719476.735, "6.87195e7"),
            (0.1234567891234, "0.123457"),
            (0.00012345678, "0.000123457"),
            (123456.7, "123457"),
            (999999.4, "999999"),
            (2.0, "2"),
            (0.5, "0.5"),
            (100.0000000001, "100"),
            (0.0, "0"),
            (-0.0, "0"),
            (f64::NAN, "NaN"),
            (f64::INFINITY, "inf"),
            (f64::NEG_INFINITY, "-inf"),
        ];
        for (v, want) in cases {
            assert_eq!(number(v).to_string(), want, "{v:e}");
        }
    }

    #[test]
    fn a_long_text_is_quoted_around_the_column() {
        assert_eq!(excerpt("auth -> db", 9), "auth -> db");
        let long = format!("{}nope{}", "a, ".repeat(100), ", b".repeat(100));
        let quoted = excerpt(&long, 301);
        assert!(quoted.starts_with('…') && quoted.ends_with('…'), "{quoted}");
        assert!(quoted.contains("nope"), "{quoted}");
        assert_eq!(quoted.chars().count(), 62);
        assert!(excerpt(&long, 1).starts_with("a, a"));
        assert!(excerpt(&long, long.len()).ends_with(", b"));
    }

    #[test]
    fn long_names_and_lists_are_cut() {
        assert_eq!(start("soda"), "soda");
        assert_eq!(start(&"a".repeat(65_600)), format!("{}…", "a".repeat(20)));
        assert_eq!(names(["a", "b"].into_iter()), "a, b");
        let many: Vec<String> = (0..5000).map(|i| format!("s{i}")).collect();
        assert_eq!(
            names(many.iter().map(String::as_str)),
            "s0, s1, s2, s3, s4, s5, s6, s7, s8, s9… (5000 in all)"
        );
    }
}
