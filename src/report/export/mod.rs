//! The one seam between a command's result and what the user reads.
//!
//! Every command builds one [`Report`]; every output it asked for (`--format` on stdout,
//! `--csv FILE`, `--plot FILE`) is the same report through one [`Exporter`], one file per
//! format, as hyperfine's `export/` does. Adding a format is one file here and one
//! [`Format`] variant; adding a command is one `Report` variant, and the compiler then
//! points at every exporter that must say how to show it.

mod csv;
mod json;
mod svg;
mod table;

use clap::ValueEnum;

use super::clients::{ClosedReport, OpenReport};
use super::compare::CompareContext;
use super::fit::FitReport;
use super::plot::PlotError;
use super::run::RunReport;
use super::search::{OptimizeReport, SweepReport, Unreachable};

/// Every command's result, ready to be shown in any format.
pub enum Report<'a> {
    /// `planner run`: one configuration, every client.
    Run(RunReport<'a>),
    /// `planner optimize`: the cheapest configuration that meets the target.
    Optimize(OptimizeReport<'a>),
    /// `optimize --sustained` when no lever range can keep up with the rate.
    Unreachable(Unreachable<'a>),
    /// `planner sweep`: every configuration.
    Sweep(SweepReport<'a>),
    /// `planner compare`: strategies across rates.
    Compare(CompareContext<'a>),
    /// `planner fit`: a sample file and the distributions that could state it.
    Fit(FitReport<'a>),
    /// `planner run --patience/--retries`: clients that give up and retry.
    BehaveOpen(OpenReport<'a>),
    /// `planner run --users`: a closed loop of users who think.
    BehaveClosed(ClosedReport<'a>),
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
}

/// Renders any report in one format.
pub trait Exporter {
    /// The bytes to write; on an error no output of the command is written.
    fn export(&self, report: &Report<'_>) -> Result<Vec<u8>, ExportError>;
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
    /// The exporter that writes this format.
    pub fn exporter(self) -> &'static dyn Exporter {
        match self {
            Format::Table => &table::Table,
            Format::Json => &json::Json,
            Format::Csv => &csv::Csv,
            Format::Svg => &svg::Svg,
        }
    }

    /// Renders `report` in this format.
    pub fn export(self, report: &Report<'_>) -> Result<Vec<u8>, ExportError> {
        self.exporter().export(report)
    }

    /// What an output in this format is called in messages: "the CSV", "the plot".
    pub fn what(self) -> &'static str {
        match self {
            Format::Table => "the table",
            Format::Json => "the JSON",
            Format::Csv => "the CSV",
            Format::Svg => "the plot",
        }
    }
}
