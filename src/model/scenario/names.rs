//! What a scenario may name things, and the free text it may hold: names reach `--set`, CSV
//! columns and table heads; text reaches terminals, so neither may carry a character a
//! terminal acts on.

use toml::Spanned;

use super::fields::At;
use super::ScenarioError;

/// Would a terminal act on `c` (a control character: ESC starts a command that can set its
/// title or clear its screen) or reorder the text around it (a bidirectional override),
/// rather than show it?
pub fn unprintable(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Free text of a scenario (its description, unit words, strategy names) reaches tables,
/// plots and CSV cells as it is written: a character a terminal would act on is refused
/// where it is written, naming its code point rather than printing it.
pub(super) fn printable_text(
    field: &str,
    text: &Spanned<String>,
    at: &At<'_>,
) -> Result<(), ScenarioError> {
    match text.get_ref().chars().find(|&c| unprintable(c)) {
        Some(c) => Err(at(
            Some(text.span()),
            format!(
                "{field} holds the character U+{:04X}, which a terminal acts on rather than shows: write plain text",
                c as u32
            ),
        )),
        None => Ok(()),
    }
}

/// The longest name of a scenario, station or request class: names head table columns and
/// CSV columns, and a name of thousands of characters is a mistake, not a name.
pub const MAX_NAME: usize = 100;

/// The most stations a scenario may hold: far more than any service calls, and the engine
/// numbers stations in 16 bits.
pub const MAX_STATIONS: usize = 10_000;

/// Why `name` cannot name a `what` (`station`, `request`…), or `None` when it can: usable in
/// `--set NAME.PARAM=…` and as a CSV column prefix, at most [`MAX_NAME`] characters.
pub fn name_problem(what: &str, name: &str) -> Option<String> {
    let length = name.chars().count();
    if length > MAX_NAME {
        return Some(format!(
            "{what} name `{}` is {length} characters long; at most {MAX_NAME}",
            crate::model::quote::start(name)
        ));
    }
    let valid = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    (!valid).then(|| format!("{what} name `{name}` must be letters, digits, `_` or `-`"))
}
