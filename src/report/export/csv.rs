//! The command's rows as CSV: one per client (`run`), per configuration tested (`optimize`,
//! `sweep`), per strategy × rate (`compare`).

use super::{ExportError, Exporter, Report};

/// Stateless, so [`super::Format::exporter`] can hand out a `&'static` one.
pub(super) struct Csv;

impl Exporter for Csv {
    fn export(&self, report: &Report<'_>) -> Result<Vec<u8>, ExportError> {
        Ok(match report {
            Report::Run(r) => r.csv()?,
            Report::Optimize(o) => o.csv()?,
            Report::Unreachable(u) => u.csv()?,
            Report::Sweep(s) => s.csv()?,
            Report::Fit(f) => f.csv()?,
            Report::Compare(c) => c.csv()?,
            Report::BehaveOpen(b) => b.csv()?,
            Report::BehaveClosed(b) => b.csv()?,
        })
    }
}
