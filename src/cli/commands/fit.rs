//! `planner fit FILE`: measured service times summarised and turned into scenario lines.

use anyhow::{Context, Result};

use super::{open_outputs, Verdict};
use crate::cli::args::FitArgs;
use crate::model::fit::{self, Samples};
use crate::model::scenario::Scenario;
use crate::report::fit::FitReport;
use crate::report::output::Inputs;

/// `planner fit FILE`: always [`Verdict::Met`], since a fit has no target to miss; an
/// unreadable or invalid sample file is an input error. The samples are read before the
/// outputs are opened, so that no output may replace them.
pub(crate) fn fit(scenario: &Scenario, args: FitArgs, inputs: &mut Inputs) -> Result<Verdict> {
    let file = args.file.display().to_string();
    let text = inputs
        .read_to_string("samples file", &args.file)
        .with_context(|| format!("cannot read {file}"))?;
    let outputs = open_outputs(inputs, &args.output, None)?;
    let samples = Samples::parse(&text).with_context(|| format!("samples {file}"))?;
    let fit = fit::fit(&samples, scenario.resolution());
    let report = FitReport {
        file: &file,
        fit: &fit,
        resolution: scenario.resolution(),
    };
    outputs.emit(&report)?;
    Ok(Verdict::Met)
}
