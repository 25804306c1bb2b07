//! Text from files and the command line, made safe for a terminal.
//!
//! A scenario, a trace, a shard or a file name can hold control characters: an ESC would let a
//! file set the terminal's title or clear its screen when `planner` prints a message or a
//! table naming it. Everything meant for people (the table format, traces, notes, the error
//! line) passes through [`printable`], which shows such a character as Rust writes it,
//! `\u{1b}`. JSON and CSV are data for programs: each format escapes or quotes what it must
//! (JSON writes `\u001b`), and their bytes are the data's.

use std::borrow::Cow;
use std::fmt::Write;

/// `text` with every control character but the newline (which ends a table's lines), and
/// every bidirectional override (which reorders what a terminal shows), written `\u{…}`.
pub fn printable(text: &str) -> Cow<'_, str> {
    if !text.chars().any(hidden) {
        return Cow::Borrowed(text);
    }
    let mut shown = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if hidden(c) {
            let _ = write!(shown, "\\u{{{:x}}}", c as u32);
        } else {
            shown.push(c);
        }
    }
    Cow::Owned(shown)
}

/// A character a terminal would act on or reorder rather than show, but the newline.
fn hidden(c: char) -> bool {
    c != '\n' && crate::model::scenario::unprintable(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_written_as_escapes() {
        assert_eq!(
            printable("x\u{1b}]0;PWNED\u{7}\u{1b}[2J"),
            "x\\u{1b}]0;PWNED\\u{7}\\u{1b}[2J"
        );
        assert_eq!(
            printable("a\tb\rc\u{9b}d\u{202e}e"),
            "a\\u{9}b\\u{d}c\\u{9b}d\\u{202e}e"
        );
    }

    #[test]
    fn ordinary_text_and_newlines_are_left_alone() {
        let text = "soda 2 (100% busy) · 1 µs × 3 → café\nnext line\n";
        assert!(matches!(printable(text), Cow::Borrowed(t) if t == text));
        // Escaping twice changes nothing more: a table that holds an escaped trace is safe.
        let once = printable("\u{1b}[2J").into_owned();
        assert_eq!(printable(&once), once);
    }
}
