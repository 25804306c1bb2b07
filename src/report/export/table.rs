//! Aligned text for people: what `planner` prints by default, with no raw control character
//! (see [`crate::report::printable`]).

use std::borrow::Cow;

use super::{ExportError, Exporter, Report};
use crate::report::printable;

/// Stateless, so [`super::Format::exporter`] can hand out a `&'static` one.
pub(super) struct Table;

impl Exporter for Table {
    fn export(&self, report: &Report<'_>) -> Result<Vec<u8>, ExportError> {
        let text = match report {
            Report::Run(r) => r.table(),
            Report::Optimize(o) => o.table(),
            Report::Unreachable(u) => u.table(),
            Report::Sweep(s) => s.table(),
            Report::Fit(f) => f.table(),
            Report::Compare(c) => c.table(),
            Report::BehaveOpen(b) => b.table(),
            Report::BehaveClosed(b) => b.table(),
        };
        // A name or a path from a file may hold an ESC: shown escaped, never acted on.
        Ok(match printable(&text) {
            Cow::Borrowed(_) => text.into_bytes(),
            Cow::Owned(shown) => shown.into_bytes(),
        })
    }
}
