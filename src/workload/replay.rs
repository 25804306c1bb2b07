//! Trace replay: the arrivals of a real day, read from a CSV file.
//!
//! Users have access logs. A replay file has a `time` column — seconds (any origin) or RFC 3339
//! timestamps (`2026-11-27T09:00:00.250Z`) — and optionally a `class` column naming each
//! request's class. Due times count from the earliest row; `speed` replays the trace that many
//! times faster (2 doubles the traffic). Rows out of order are sorted (the caller says so), and
//! a row that is not a time is refused with its line number.
//!
//! RFC 3339 is read with the `time` crate: offsets, leap-second rules and fractional seconds
//! are easy to get subtly wrong by hand.

use std::sync::Arc;

use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// One replayed request: its due time in seconds since the first, and its class, if given.
#[derive(Debug, Clone, PartialEq)]
pub struct Arrival {
    /// Seconds after the earliest row, already divided by the replay speed.
    pub due: f64,
    /// The row's `class` cell as written (not yet matched against the scenario's classes);
    /// `None` when the file has no `class` column.
    pub class: Option<String>,
    /// The row's line in the file, so that a class the scenario does not know names it.
    pub line: u64,
}

/// A trace read and ready to replay.
#[derive(Debug, Clone, PartialEq)]
pub struct Trace {
    /// In due order (stable: rows at the same time keep their file order).
    pub arrivals: Vec<Arrival>,
    /// Whether the file's rows were out of time order and had to be sorted.
    pub was_unsorted: bool,
}

/// A trace as a load test replays it, at whatever speed it was scaled to.
#[derive(Debug, Clone, PartialEq)]
pub struct Replayed {
    /// Each client's due time in seconds, sorted, the first at 0.
    pub due: Arc<[f64]>,
    /// Each client's request class, an index into the scenario's `[[request]]`, from the
    /// trace's `class` column; `None` without one, and the classes are dealt by their shares.
    pub class: Option<Arc<[u32]>>,
}

/// Why a trace cannot be replayed. Lines are the file's, 1-based, header included.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ReplayError {
    /// The CSV reader's own complaint (a row with more or fewer fields than the header).
    #[error("cannot read the trace: {0}")]
    Csv(String),
    /// Holds the header's columns, comma-separated, so the user sees what was read instead.
    #[error("the trace has no `time` column (its columns: {0})")]
    NoTimeColumn(String),
    /// Two columns of a name the replay reads (`time`, `class`; case does not matter):
    /// whichever it took, the other would be silently ignored.
    #[error("the trace has {count} `{name}` columns (columns {columns}); keep one")]
    DuplicateColumn {
        /// The name as the replay reads it.
        name: &'static str,
        /// How many columns bear it.
        count: usize,
        /// Their 1-based positions, comma-separated.
        columns: String,
    },
    #[error("line {line}: `{text}` is neither seconds nor an RFC 3339 timestamp")]
    /// A `time` cell that parses as neither form (or as a non-finite number).
    NotATime {
        /// The row's line in the file.
        line: u64,
        /// The cell as read, trimmed.
        text: String,
    },
    #[error("line {line}: mixes seconds and timestamps; use one form throughout")]
    /// A row in the other form than the first row's: their origins could not be related.
    MixedForms {
        /// The first row in the other form.
        line: u64,
    },
    #[error("line {line}: the class is empty")]
    /// A blank `class` cell: with a `class` column every row must name one.
    EmptyClass {
        /// The row with the blank cell.
        line: u64,
    },
    /// A header and nothing under it: there is no load to replay.
    #[error("the trace has no row")]
    Empty,
    /// Holds the factor given; checked here because a due time is divided by it.
    #[error("--replay-speed must be a positive finite factor, got {}", crate::model::units::number(*.0))]
    BadSpeed(f64),
    /// A `class` cell naming none of the scenario's `[[request]]` classes.
    #[error("line {line}: no request class `{class}` in the scenario (its classes: {known})")]
    UnknownClass {
        /// The row naming it.
        line: u64,
        /// The cell as read.
        class: String,
        /// The scenario's class names, comma-separated.
        known: String,
    },
    /// A `class` column on a scenario without `[[request]]`: there is nothing to map it to,
    /// and replaying it as if the classes did not matter would mislead.
    #[error("its `class` column names request classes (line {line}: `{class}`), but the scenario defines none; drop the column to replay every row as its one request")]
    NoClasses {
        /// The first row naming a class.
        line: u64,
        /// The class it names.
        class: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Form {
    Seconds,
    Timestamp,
}

/// Reads a replay CSV and returns its arrivals, `speed` times faster.
pub fn parse(text: &str, speed: f64) -> Result<Trace, ReplayError> {
    if !(speed.is_finite() && speed > 0.0) {
        return Err(ReplayError::BadSpeed(speed));
    }
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let header = reader
        .headers()
        .map_err(|e| ReplayError::Csv(e.to_string()))?
        .clone();
    let column = |name: &str| header.iter().position(|h| h.eq_ignore_ascii_case(name));
    for name in ["time", "class"] {
        let at: Vec<String> = header
            .iter()
            .enumerate()
            .filter(|(_, h)| h.eq_ignore_ascii_case(name))
            .map(|(i, _)| (i + 1).to_string())
            .collect();
        if at.len() > 1 {
            return Err(ReplayError::DuplicateColumn {
                name,
                count: at.len(),
                columns: at.join(", "),
            });
        }
    }
    let time_at = column("time")
        .ok_or_else(|| ReplayError::NoTimeColumn(header.iter().collect::<Vec<_>>().join(", ")))?;
    let class_at = column("class");
    let mut rows: Vec<(f64, Option<String>, u64)> = Vec::new();
    let mut form = None;
    // Timestamps are seconds since the first row's, taken in whole nanoseconds: as f64
    // seconds since 1970 they would keep only about a microsecond.
    let mut origin: Option<i128> = None;
    for record in reader.records() {
        let record = record.map_err(|e| ReplayError::Csv(e.to_string()))?;
        let line = record.position().map(|p| p.line()).unwrap_or(0);
        let text = record.get(time_at).unwrap_or("");
        let (value, this) = read_time(text, &mut origin).ok_or_else(|| ReplayError::NotATime {
            line,
            text: text.to_string(),
        })?;
        if *form.get_or_insert(this) != this {
            return Err(ReplayError::MixedForms { line });
        }
        let class = match class_at.map(|c| record.get(c).unwrap_or("")) {
            None => None,
            Some("") => return Err(ReplayError::EmptyClass { line }),
            Some(c) => Some(c.to_string()),
        };
        rows.push((value, class, line));
    }
    if rows.is_empty() {
        return Err(ReplayError::Empty);
    }
    let was_unsorted = rows.windows(2).any(|w| w[1].0 < w[0].0);
    if was_unsorted {
        rows.sort_by(|a, b| a.0.total_cmp(&b.0));
    }
    let first = rows[0].0;
    Ok(Trace {
        arrivals: rows
            .into_iter()
            .map(|(t, class, line)| Arrival {
                due: (t - first) / speed,
                class,
                line,
            })
            .collect(),
        was_unsorted,
    })
}

impl Trace {
    /// Each row's class as an index into `names` (the scenario's `[[request]]` names, in file
    /// order), or `None` when the file has no `class` column. Names match exactly, as the
    /// scenario spells them: a trace is data a script wrote, and a near miss is a typo.
    pub fn class_indices(&self, names: &[&str]) -> Result<Option<Vec<u32>>, ReplayError> {
        let mut indices = Vec::with_capacity(self.arrivals.len());
        for a in &self.arrivals {
            let Some(class) = &a.class else {
                return Ok(None);
            };
            if names.is_empty() {
                return Err(ReplayError::NoClasses {
                    line: a.line,
                    class: class.clone(),
                });
            }
            match names.iter().position(|n| n == class) {
                Some(k) => indices.push(k as u32),
                None => {
                    return Err(ReplayError::UnknownClass {
                        line: a.line,
                        class: class.clone(),
                        known: names.join(", "),
                    })
                }
            }
        }
        Ok(Some(indices))
    }
}

/// Seconds as a finite number, or an RFC 3339 timestamp as seconds since `origin` (the first
/// timestamp read, set by it).
fn read_time(text: &str, origin: &mut Option<i128>) -> Option<(f64, Form)> {
    if let Ok(v) = text.parse::<f64>() {
        return v.is_finite().then_some((v, Form::Seconds));
    }
    let nanos = OffsetDateTime::parse(text, &Rfc3339)
        .ok()?
        .unix_timestamp_nanos();
    let since = nanos - *origin.get_or_insert(nanos);
    Some((since as f64 / 1e9, Form::Timestamp))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dues(t: &Trace) -> Vec<f64> {
        t.arrivals.iter().map(|a| a.due).collect()
    }

    #[test]
    fn seconds_count_from_the_first_row() {
        let t = parse("time\n100.5\n101\n101\n103.5\n", 1.0).unwrap();
        assert_eq!(dues(&t), vec![0.0, 0.5, 0.5, 3.0]);
        assert!(!t.was_unsorted);
        assert!(t.arrivals.iter().all(|a| a.class.is_none()));
    }

    #[test]
    fn speed_two_doubles_the_traffic() {
        let t = parse("time\n0\n1\n3\n", 2.0).unwrap();
        assert_eq!(dues(&t), vec![0.0, 0.5, 1.5]);
    }

    #[test]
    fn timestamps_with_offsets_and_fractions() {
        let text = "class,time\nbrowse,2026-11-27T09:00:00Z\ncheckout,2026-11-27T10:00:00.250+01:00\nbrowse,2026-11-27T09:00:01.5Z\n";
        let t = parse(text, 1.0).unwrap();
        // 10:00:00.250+01:00 is 09:00:00.250Z: the rows are in order.
        assert_eq!(dues(&t), vec![0.0, 0.25, 1.5]);
        assert!(!t.was_unsorted);
        let classes: Vec<&str> = t
            .arrivals
            .iter()
            .map(|a| a.class.as_deref().unwrap())
            .collect();
        assert_eq!(classes, vec!["browse", "checkout", "browse"]);
    }

    #[test]
    fn unsorted_rows_are_sorted_stably() {
        let t = parse("time,class\n5,a\n1,b\n5,c\n0,d\n", 1.0).unwrap();
        assert!(t.was_unsorted);
        let order: Vec<&str> = t
            .arrivals
            .iter()
            .map(|a| a.class.as_deref().unwrap())
            .collect();
        assert_eq!(order, vec!["d", "b", "a", "c"]);
    }

    #[test]
    fn classes_map_to_the_scenario_by_name() {
        let t = parse("time,class\n2,checkout\n0,browse\n1,browse\n", 1.0).unwrap();
        let names = ["browse", "checkout"];
        assert_eq!(t.class_indices(&names), Ok(Some(vec![0, 0, 1])));
        let none = parse("time\n0\n", 1.0).unwrap();
        assert_eq!(none.class_indices(&names), Ok(None));
        assert_eq!(none.class_indices(&[]), Ok(None));
        let typo = parse("time,class\n0,browse\n1,Checkout\n", 1.0).unwrap();
        assert_eq!(
            typo.class_indices(&names),
            Err(ReplayError::UnknownClass {
                line: 3,
                class: "Checkout".into(),
                known: "browse, checkout".into()
            })
        );
        assert_eq!(
            t.class_indices(&[]),
            Err(ReplayError::NoClasses {
                line: 3,
                class: "browse".into()
            })
        );
    }

    #[test]
    fn bad_traces_are_refused_with_their_line() {
        assert!(matches!(
            parse("when\n1\n", 1.0),
            Err(ReplayError::NoTimeColumn(c)) if c == "when"
        ));
        assert_eq!(
            parse("time\n1\nsoon\n", 1.0),
            Err(ReplayError::NotATime {
                line: 3,
                text: "soon".into()
            })
        );
        assert_eq!(
            parse("time\n1\n2026-11-27T09:00:00Z\n", 1.0),
            Err(ReplayError::MixedForms { line: 3 })
        );
        assert_eq!(parse("time\n", 1.0), Err(ReplayError::Empty));
        assert_eq!(
            parse("time,class\n1,\n", 1.0),
            Err(ReplayError::EmptyClass { line: 2 })
        );
        assert!(matches!(
            parse("time\nNaN\n", 1.0),
            Err(ReplayError::NotATime { .. })
        ));
        assert_eq!(parse("time\n1\n", 0.0), Err(ReplayError::BadSpeed(0.0)));
    }

    #[test]
    fn a_column_the_replay_reads_must_be_there_once() {
        assert_eq!(
            parse("time,status,TIME\n1,ok,5\n", 1.0),
            Err(ReplayError::DuplicateColumn {
                name: "time",
                count: 2,
                columns: "1, 3".into()
            })
        );
        assert!(matches!(
            parse("class,time,class\na,1,b\n", 1.0),
            Err(ReplayError::DuplicateColumn { name: "class", .. })
        ));
        // Columns it does not read may repeat: a log's export has what it has.
        assert!(parse("time,id,id\n1,a,b\n", 1.0).is_ok());
    }
}
