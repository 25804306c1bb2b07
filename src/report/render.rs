//! The one seam between a command's result and what the user reads.
//!
//! Every command's result is a report that implements [`Render`]; every output it asked for
//! (`--format` on stdout, `--csv FILE`, `--plot FILE`, `--report FILE`) is that report in
//! one [`Format`]. A
//! report shows what its outcome holds and computes nothing. Adding a command is one report
//! type and its `impl Render`; a format it cannot show says so by default. Adding a format is
//! one [`Format`] variant and one method here, defaulting to "this report has none".

use std::borrow::Cow;

use clap::ValueEnum;

use super::html::Page;
use super::plot::PlotError;
use super::printable;

/// What a command's result looks like in each format. A format the report lacks keeps the
/// default: [`ExportError::Nothing`], which the command turns into one line to the user.
pub trait Render {
    /// Aligned text for people (every report has one).
    fn table(&self) -> String;

    /// One JSON document (every report has one).
    fn json(&self) -> String;

    /// The report's rows as CSV.
    fn csv(&self) -> Result<Vec<u8>, ExportError> {
        Err(ExportError::Nothing {
            format: "CSV",
            why: "this report has none",
        })
    }

    /// The report's picture as SVG.
    fn svg(&self) -> Result<String, ExportError> {
        Err(ExportError::Nothing {
            format: "plot",
            why: "this report has none",
        })
    }

    /// The whole study as one self-contained HTML page (see [`super::html`]); `page` says
    /// what only the output seam knows: the command line, the files written beside it.
    fn html(&self, page: &Page) -> Result<String, ExportError> {
        let _ = page;
        Err(ExportError::Nothing {
            format: "HTML report",
            why: "this report has none",
        })
    }
}

/// How a report is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Aligned text for people
    Table,
    /// One JSON document
    Json,
    /// The command's rows as CSV (the same as --csv -)
    Csv,
    /// The command's picture as SVG (the same as --plot -)
    Svg,
    /// The whole study as one HTML page: `--report FILE.html` only, not a `--format`
    #[value(skip)]
    Html,
}

/// Why a report could not be rendered.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// The csv crate's error (an I/O error into a Vec cannot happen; a bad record can).
    #[error("cannot format the CSV: {0}")]
    Csv(#[from] ::csv::Error),
    /// The data cannot be drawn (nothing to plot, a value that is not finite).
    #[error("cannot draw the plot: {0}")]
    Plot(#[from] PlotError),
    /// The report has nothing to show in this format (no configuration was load-tested).
    #[error("there is no {format} to write: {why}")]
    Nothing {
        /// The format asked for ("CSV", "plot").
        format: &'static str,
        /// Why the report is empty, worded for the user.
        why: &'static str,
    },
}

impl Format {
    /// Renders `report` in this format (`page`: what the HTML page says of the command): the
    /// bytes to write; on an error no output of the command is written.
    pub fn render(self, report: &dyn Render, page: &Page) -> Result<Vec<u8>, ExportError> {
        Ok(match self {
            Format::Table => {
                let text = report.table();
                // A name or a path from a file may hold an ESC: shown escaped, never acted on.
                match printable(&text) {
                    Cow::Borrowed(_) => text.into_bytes(),
                    Cow::Owned(shown) => shown.into_bytes(),
                }
            }
            Format::Json => report.json().into_bytes(),
            Format::Csv => report.csv()?,
            Format::Svg => report.svg()?.into_bytes(),
            Format::Html => report.html(page)?.into_bytes(),
        })
    }

    /// What an output in this format is called in messages: "the CSV", "the plot".
    pub fn what(self) -> &'static str {
        match self {
            Format::Table => "the table",
            Format::Json => "the JSON",
            Format::Csv => "the CSV",
            Format::Svg => "the plot",
            Format::Html => "the report",
        }
    }
}
