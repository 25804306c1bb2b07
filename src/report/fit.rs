//! `planner fit`'s report: what a sample file says, and the scenario lines of each candidate
//! distribution with its Kolmogorov–Smirnov distance, so the user picks one knowingly.

use crate::report::schema::{self, SchemaVersion};
use crate::report::{ExportError, Render};
use schemars::JsonSchema;
use serde::Serialize;

use crate::model::fit::{stated, Fit, Model};
use crate::model::units::Resolution;
use crate::report::format::trim_float;

/// Everything `fit` shows.
pub struct FitReport<'a> {
    /// The file as the user named it (the empirical line refers to it).
    pub file: &'a str,
    /// The samples' figures, the fitted distributions (shown in
    /// [`crate::model::fit::candidates`]' order: fixed, exponential, lognormal when the
    /// samples vary, empirical) and the resolution their means need.
    pub fit: &'a Fit,
    /// The scenario's: a stated service time must sit on its grid.
    pub resolution: Resolution,
}

#[derive(Serialize, JsonSchema)]
struct JsonFit<'a> {
    /// The document's version (docs/json.md).
    schema_version: SchemaVersion,
    file: &'a str,
    samples: usize,
    mean_s: f64,
    cv: f64,
    p50_s: f64,
    p95_s: f64,
    p99_s: f64,
    /// The resolution the scenario lines' means need: the scenario's when it holds them.
    resolution_s: f64,
    candidates: Vec<JsonCandidate>,
}

#[derive(Serialize, JsonSchema)]
struct JsonCandidate {
    model: String,
    ks_distance: f64,
    scenario_lines: Vec<String>,
}

/// A duration in seconds to four significant digits: the summary is read, not pasted.
fn secs(v: f64) -> String {
    if v == 0.0 {
        return "0 s".into();
    }
    let digits = (3 - v.abs().log10().floor() as i32).max(0) as usize;
    format!(
        "{} s",
        trim_float(format!("{v:.digits$}").parse().unwrap_or(v))
    )
}

/// A duration for a scenario's string form, 4 significant digits in the unit that reads
/// best: "22.3ms", "1.5s", "850us".
fn duration_string(v: f64) -> String {
    let v = stated(v);
    let (scaled, unit) = if v >= 1.0 {
        (v, "s")
    } else if v >= 1e-3 {
        (v * 1e3, "ms")
    } else if v >= 1e-6 {
        (v * 1e6, "us")
    } else {
        (v * 1e9, "ns")
    };
    // The scaling's binary noise is far below the 4 digits kept.
    format!("\"{}{unit}\"", trim_float(stated(scaled)))
}

/// One candidate as a CSV row.
#[derive(Serialize)]
struct CsvCandidate<'a> {
    model: String,
    ks_distance: f64,
    scenario_lines: &'a str,
}

impl FitReport<'_> {
    /// The lines of a `[[station]]` that state this model. A mean is shown to 4 significant
    /// digits, which the scenario's resolution may not hold (see [`Fit::finer_resolution`]);
    /// percentiles fit any resolution.
    pub fn scenario_lines(&self, model: &Model) -> Vec<String> {
        let mean = |m: f64| trim_float_any(stated(m));
        match *model {
            Model::Fixed { mean: m } => vec![format!("service = {}", mean(m))],
            Model::Exponential { mean: m } => vec![
                format!("service = {}", mean(m)),
                "distribution = \"exponential\"".into(),
            ],
            Model::Lognormal { mean: m, cv } => vec![
                format!("service = {}", mean(m)),
                "distribution = \"lognormal\"".into(),
                format!("cv = {}", trim_float((cv * 1e4).round() / 1e4)),
            ],
            Model::Percentiles { p50, p99 } => vec![format!(
                "service = {{ p50 = {}, p99 = {} }}",
                duration_string(p50),
                duration_string(p99)
            )],
            Model::Empirical => vec![
                "distribution = \"empirical\"".into(),
                format!("samples = {}", toml_string(self.file)),
            ],
        }
    }
}

impl Render for FitReport<'_> {
    /// One row per candidate distribution: its name, KS distance and scenario lines (joined
    /// with `; `).
    fn csv(&self) -> Result<Vec<u8>, ExportError> {
        let mut w = csv::Writer::from_writer(Vec::new());
        for c in &self.fit.candidates {
            let lines = self.scenario_lines(&c.model).join("; ");
            w.serialize(CsvCandidate {
                model: c.model.to_string(),
                ks_distance: c.ks,
                scenario_lines: &lines,
            })?;
        }
        w.into_inner()
            .map_err(|e| ExportError::Csv(e.into_error().into()))
    }

    /// The report for people: the samples' summary, then each candidate's scenario lines,
    /// ready to paste into a `[[station]]`.
    fn table(&self) -> String {
        let s = &self.fit.figures;
        let mut out = format!(
            "{}: {} samples, mean {}, cv {}, p50 {}, p95 {}, p99 {}\n\n",
            self.file,
            s.count,
            secs(s.mean),
            trim_float((s.cv * 1e4).round() / 1e4),
            secs(s.p50),
            secs(s.p95),
            secs(s.p99),
        );
        out.push_str(
            "scenario lines for a [[station]], each with its Kolmogorov–Smirnov distance to the samples (0: identical; lower fits better):\n",
        );
        for c in &self.fit.candidates {
            out.push_str(&format!("\n# {} (KS distance {:.3})\n", c.model, c.ks));
            for line in self.scenario_lines(&c.model) {
                out.push_str(&line);
                out.push('\n');
            }
        }
        let percentiles = self
            .fit
            .candidates
            .iter()
            .any(|c| matches!(c.model, Model::Percentiles { .. }));
        let grid = match self.fit.finer_resolution {
            None => String::new(),
            Some(finer) => format!(
                "; a stated mean sits on the scenario's grid, and {} s cannot hold these: set `resolution = {}` (or finer) at the top of the scenario{}",
                trim_float(self.resolution.seconds()),
                trim_float_any(finer),
                if percentiles {
                    ", or take the p50/p99 line, which fits any resolution"
                } else {
                    ""
                },
            ),
        };
        out.push_str(&format!(
            "\n(means to 4 significant digits{grid}; the samples path is relative to the scenario file)\n"
        ));
        out
    }

    /// The report for programs: the same figures unrounded, in seconds, with each candidate's
    /// scenario lines.
    fn json(&self) -> String {
        let s = &self.fit.figures;
        let doc = JsonFit {
            schema_version: SchemaVersion,
            file: self.file,
            samples: s.count,
            mean_s: s.mean,
            cv: s.cv,
            p50_s: s.p50,
            p95_s: s.p95,
            p99_s: s.p99,
            resolution_s: self
                .fit
                .finer_resolution
                .unwrap_or(self.resolution.seconds()),
            candidates: self
                .fit
                .candidates
                .iter()
                .map(|c| JsonCandidate {
                    model: c.model.to_string(),
                    ks_distance: c.ks,
                    scenario_lines: self.scenario_lines(&c.model),
                })
                .collect(),
        };
        let mut text = serde_json::to_string_pretty(&doc).expect("plain data serialises");
        text.push('\n');
        text
    }

    fn svg(&self) -> Result<String, ExportError> {
        Err(ExportError::Nothing {
            format: "plot",
            why: "fit draws no picture",
        })
    }
}

/// Seconds as a scenario reads them, down to the nanosecond (`trim_float` stops at 6
/// decimals, and 0.0000001234 is a service time some measure).
fn trim_float_any(v: f64) -> String {
    let text = format!("{v:.9}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// A TOML basic string: quotes and backslashes escaped.
fn toml_string(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// The schema of `fit FILE --format json`.
pub(crate) fn schema() -> serde_json::Value {
    schema::strict::<JsonFit<'static>>("planner fit")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_in_the_unit_that_reads_best() {
        assert_eq!(duration_string(0.0223), "\"22.3ms\"");
        assert_eq!(duration_string(1.5), "\"1.5s\"");
        assert_eq!(duration_string(0.00085), "\"850us\"");
        assert_eq!(duration_string(1.2345e-7), "\"123ns\"");
    }
}
