//! The command's picture: the load test's timeline (`run`), cost against satisfaction
//! (`optimize`, `sweep`), satisfaction against rate (`compare`).

use super::{ExportError, Exporter, Report};

/// Stateless, so [`super::Format::exporter`] can hand out a `&'static` one.
pub(super) struct Svg;

impl Exporter for Svg {
    fn export(&self, report: &Report<'_>) -> Result<Vec<u8>, ExportError> {
        let text = match report {
            Report::Run(r) => r.svg()?,
            Report::Optimize(o) => o.svg()?,
            Report::Unreachable(_) => {
                return Err(ExportError::Nothing {
                    format: "plot",
                    why: "no configuration in the space keeps up, so none was load-tested",
                })
            }
            Report::Fit(_) => {
                return Err(ExportError::Nothing {
                    format: "plot",
                    why: "fit draws no picture",
                })
            }
            Report::Sweep(s) => s.svg()?,
            Report::Compare(c) => c.svg()?,
            Report::BehaveOpen(b) => b.svg()?,
            Report::BehaveClosed(b) => b.svg()?,
        };
        Ok(text.into_bytes())
    }
}
