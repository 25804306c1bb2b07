//! Aligned text for people: what `planner` prints by default.

use super::{ExportError, Exporter, Report};

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
        Ok(text.into_bytes())
    }
}
