//! What the user gave, quoted back in a one-line message: a number in a short form, a long
//! text cut around the place that matters, a long list of names cut after a few.
//!
//! A message quotes the input so that the user can find it, not to reproduce it: `--rate
//! 1e-300` printed with `{}` is 300 digits, and a flow of a megabyte quoted whole makes a
//! page, not a line.

use std::fmt;

/// `v` in a short form: plainly from 0.00001 to below 10^9, in scientific notation beyond
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
