//! `planner fit FILE`: measured service times summarised and turned into scenario lines.

use anyhow::{Context, Result};

use crate::app::EXIT_OK;
use crate::cli::{FitArgs, Format};
use crate::fit::{self, Samples};
use crate::report::fit::FitReport;
use crate::report::output::write_stdout;
use crate::scenario::Scenario;

pub fn fit(scenario: &Scenario, args: FitArgs) -> Result<u8> {
    let file = args.file.display().to_string();
    let text =
        std::fs::read_to_string(&args.file).with_context(|| format!("cannot read {file}"))?;
    let samples = Samples::parse(&text).with_context(|| format!("samples {file}"))?;
    let candidates = fit::candidates(&samples);
    let report = FitReport {
        file: &file,
        samples: &samples,
        candidates: &candidates,
        resolution: scenario.resolution,
    };
    let out = match args.format {
        Format::Table => report.table(),
        Format::Json => report.json(),
    };
    write_stdout(out.as_bytes())?;
    Ok(EXIT_OK)
}
