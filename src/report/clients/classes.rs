//! An open-loop run's figures per `[[request]]` class: a table line and a JSON entry each,
//! as classes differ in patience and timeout and a run's totals hide which one suffers.

use schemars::JsonSchema;
use serde::Serialize;

use crate::outcome::records::ClassTally;
use crate::report::format::trim_float;

/// One request class as the run treats it.
#[derive(Debug, Clone, PartialEq)]
pub struct OpenClass {
    /// The class's name, as `[[request]]` gives it.
    pub name: String,
    /// Its clients are satisfied when served within this many seconds.
    pub timeout_s: f64,
    /// Seconds its attempts wait before being given up; `None`: they wait for ever.
    pub patience_s: Option<f64>,
}

/// One class's figures in the JSON document; fields in alphabetical order, as the run's.
#[derive(Serialize, JsonSchema)]
pub(super) struct ClassFigures {
    attempts: u64,
    clients: usize,
    given_up: usize,
    name: String,
    /// Seconds; `None`: never gives up.
    patience: Option<f64>,
    satisfied: usize,
}

/// The classes' figures, in file order (none without classes).
pub(super) fn figures(classes: &[OpenClass], tallies: &[ClassTally]) -> Vec<ClassFigures> {
    classes
        .iter()
        .zip(tallies)
        .map(|(c, t)| ClassFigures {
            attempts: t.attempts,
            clients: t.clients,
            given_up: t.given_up,
            name: c.name.clone(),
            patience: c.patience_s,
            satisfied: t.satisfied,
        })
        .collect()
}

/// One table line per class (nothing without classes).
pub(super) fn lines(figures: &[ClassFigures]) -> String {
    let mut out = String::new();
    for f in figures {
        let share =
            |k: usize| trim_float((1000.0 * k as f64 / f.clients.max(1) as f64).round() / 10.0);
        out += &format!(
            "  {}: {} clients, satisfied {} ({} %), given up {} ({} %), {} attempts{}\n",
            f.name,
            f.clients,
            f.satisfied,
            share(f.satisfied),
            f.given_up,
            share(f.given_up),
            f.attempts,
            f.patience
                .map(|p| format!(", patience {} s", trim_float(p)))
                .unwrap_or_default()
        );
    }
    out
}

/// The classes' figures as a table, for the page (nothing without classes).
pub(super) fn table(figures: &[ClassFigures]) -> crate::report::table::Table {
    use crate::report::table::{Align, Table};
    let mut t = Table::new(&[
        ("request class", Align::Left),
        ("clients", Align::Right),
        ("served in time", Align::Right),
        ("given up", Align::Right),
        ("attempts", Align::Right),
        ("patience (s)", Align::Right),
    ]);
    for f in figures {
        let share =
            |k: usize| trim_float((1000.0 * k as f64 / f.clients.max(1) as f64).round() / 10.0);
        t.row(vec![
            f.name.clone(),
            f.clients.to_string(),
            format!("{} ({} %)", f.satisfied, share(f.satisfied)),
            format!("{} ({} %)", f.given_up, share(f.given_up)),
            f.attempts.to_string(),
            f.patience.map_or("-".into(), trim_float),
        ]);
    }
    t
}
