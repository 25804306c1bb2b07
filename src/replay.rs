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
}

/// A trace read and ready to replay.
#[derive(Debug, Clone, PartialEq)]
pub struct Trace {
    /// In due order (stable: rows at the same time keep their file order).
    pub arrivals: Vec<Arrival>,
    /// Whether the file's rows were out of time order and had to be sorted.
    pub was_unsorted: bool,
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
    #[error("--replay-speed must be a positive finite factor, got {0}")]
    BadSpeed(f64),
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
    let time_at = column("time")
        .ok_or_else(|| ReplayError::NoTimeColumn(header.iter().collect::<Vec<_>>().join(", ")))?;
    let class_at = column("class");
    let mut rows: Vec<(f64, Option<String>)> = Vec::new();
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
        rows.push((value, class));
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
            .map(|(t, class)| Arrival {
                due: (t - first) / speed,
                class,
            })
            .collect(),
        was_unsorted,
    })
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
}
