//! What the user gave, quoted back in a one-line message: a long text cut around the place
//! that matters, a long name or list of names cut after a few (numbers: [`crate::model::units::number`]).
//!
//! A message quotes the input so that the user can find it, not to reproduce it: a flow of a
//! megabyte quoted whole makes a page, not a line.

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
