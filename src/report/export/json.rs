//! One JSON document per command, built from serde types (`report::json` holds the shared
//! ones): seconds everywhere, levers in scenario order, every input that shaped the result.

use super::{ExportError, Exporter, Report};

/// Stateless, so [`super::Format::exporter`] can hand out a `&'static` one.
pub(super) struct Json;

impl Exporter for Json {
    fn export(&self, report: &Report<'_>) -> Result<Vec<u8>, ExportError> {
        let text = match report {
            Report::Run(r) => r.json(),
            Report::Optimize(o) => o.json(),
            Report::Unreachable(u) => u.json(),
            Report::Sweep(s) => s.json(),
            Report::Fit(f) => f.json(),
            Report::Compare(c) => c.json(),
            Report::BehaveOpen(b) => b.json(),
            Report::BehaveClosed(b) => b.json(),
        };
        Ok(text.into_bytes())
    }
}
