//! An open-loop run's figures per `[[request]]` class: a table line and a JSON entry each,
//! as classes differ in patience and timeout and a run's totals hide which one suffers.

use schemars::JsonSchema;
use serde::Serialize;

use crate::model::objective::Share;
use crate::outcome::records::ClassTally;
use crate::report::format::trim_float;

/// One request class as the run treats it.
#[derive(Debug, Clone, PartialEq)]
pub struct OpenClass {
    /// The class's name, as `[[request]]` gives it.
    pub name: String,
    /// Its clients are satisfied when served within this many seconds.
    pub timeout_s: f64,
    /// The share of its clients that must be satisfied: with `timeout_s`, its objective.
    pub share: Share,
    /// Seconds its attempts wait before being given up; `None`: they wait for ever.
    pub patience_s: Option<f64>,
}

/// One class's figures in the JSON document; fields in alphabetical order, as the run's.
#[derive(Serialize, JsonSchema)]
pub(super) struct ClassFigures {
    attempts: u64,
    clients: usize,
    given_up: usize,
    /// Served, but after the class's timeout: with `satisfied` and `given_up`, every client.
    late: usize,
    /// Whether `min_satisfaction` percent of its clients were satisfied in this run.
    meets_objective: bool,
    min_satisfaction: f64,
    name: String,
    /// Seconds; `None`: never gives up.
    patience: Option<f64>,
    satisfied: usize,
    /// Seconds.
    timeout: f64,
    /// `satisfied`, `late` and `given_up` as shares of `clients`, in percent: the table's.
    #[serde(skip)]
    percents: [f64; 3],
}

/// The classes' figures, in file order (none without classes): each class's tally and
/// whether it met its objective, beside what the class is.
pub(super) fn figures(
    classes: &[OpenClass],
    tallies: &[ClassTally],
    meets: &[bool],
) -> Vec<ClassFigures> {
    classes
        .iter()
        .zip(tallies)
        .zip(meets)
        .map(|((c, t), &meets)| ClassFigures {
            attempts: t.attempts,
            clients: t.clients,
            given_up: t.given_up,
            late: t.late,
            meets_objective: meets,
            min_satisfaction: c.share.percent(),
            name: c.name.clone(),
            patience: c.patience_s,
            satisfied: t.satisfied,
            timeout: c.timeout_s,
            percents: [t.satisfied_percent, t.late_percent, t.given_up_percent],
        })
        .collect()
}

/// "1628 (81.4 %)": a count and its share of the class's clients, in percent.
fn counted(k: usize, percent: f64) -> String {
    let share = trim_float((percent * 10.0).round() / 10.0);
    format!("{k} ({share} %)")
}

/// The classes' figures as a table: every client of a class is satisfied, late or given up,
/// and the class met its objective or not. The run's table and its page show the same one.
pub(super) fn table(figures: &[ClassFigures]) -> crate::report::table::Table {
    use crate::report::table::{Align, Table};
    let mut t = Table::new(&[
        ("class", Align::Left),
        ("clients", Align::Right),
        ("satisfied", Align::Right),
        ("late", Align::Right),
        ("given up", Align::Right),
        ("attempts", Align::Right),
        ("patience (s)", Align::Right),
        ("objective", Align::Left),
        ("met", Align::Left),
    ]);
    for f in figures {
        t.row(vec![
            f.name.clone(),
            f.clients.to_string(),
            counted(f.satisfied, f.percents[0]),
            counted(f.late, f.percents[1]),
            counted(f.given_up, f.percents[2]),
            f.attempts.to_string(),
            f.patience.map_or("-".into(), trim_float),
            format!(
                "{}% under {} s",
                trim_float(f.min_satisfaction),
                trim_float(f.timeout)
            ),
            if f.meets_objective { "yes" } else { "NO" }.into(),
        ]);
    }
    t
}

/// The table's per-class block (nothing without classes).
pub(super) fn lines(figures: &[ClassFigures]) -> String {
    if figures.is_empty() {
        return String::new();
    }
    format!("per request class:\n{}", table(figures).render())
}
