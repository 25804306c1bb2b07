//! `planner fit`'s report: what a sample file says, and the scenario lines of each candidate
//! distribution with its Kolmogorov–Smirnov distance, so the user picks one knowingly.

use serde::Serialize;

use crate::model::fit::{Fitted, Model, Samples};
use crate::model::units::Resolution;
use crate::report::format::trim_float;

/// Everything `fit` shows.
pub struct FitReport<'a> {
    /// The file as the user named it (the empirical line refers to it).
    pub file: &'a str,
    /// The samples, in seconds, for the summary line.
    pub samples: &'a Samples,
    /// The fitted distributions, shown in this order (as [`crate::model::fit::candidates`] returns
    /// them: fixed, exponential, lognormal when the samples vary, empirical).
    pub candidates: &'a [Fitted],
    /// The scenario's: a stated service time must sit on its grid.
    pub resolution: Resolution,
}

#[derive(Serialize)]
struct JsonFit<'a> {
    file: &'a str,
    samples: usize,
    mean_s: f64,
    cv: f64,
    p50_s: f64,
    p95_s: f64,
    p99_s: f64,
    candidates: Vec<JsonCandidate>,
}

#[derive(Serialize)]
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

/// One candidate as a CSV row.
#[derive(Serialize)]
struct CsvCandidate<'a> {
    model: String,
    ks_distance: f64,
    scenario_lines: &'a str,
}

impl FitReport<'_> {
    /// One row per candidate distribution: its name, KS distance and scenario lines (joined
    /// with `; `).
    pub fn csv(&self) -> Result<Vec<u8>, csv::Error> {
        let mut w = csv::Writer::from_writer(Vec::new());
        for c in self.candidates {
            let lines = self.scenario_lines(&c.model).join("; ");
            w.serialize(CsvCandidate {
                model: c.model.to_string(),
                ks_distance: c.ks,
                scenario_lines: &lines,
            })?;
        }
        w.into_inner().map_err(|e| e.into_error().into())
    }

    /// The lines of a `[[station]]` that state this model. A mean is rounded to the
    /// resolution's grid (at least one step), where a scenario's service times must sit.
    pub fn scenario_lines(&self, model: &Model) -> Vec<String> {
        let mean = |m: f64| {
            self.resolution
                .format(self.resolution.nearest_steps(m).max(1))
        };
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
            Model::Empirical => vec![
                "distribution = \"empirical\"".into(),
                format!("samples = {}", toml_string(self.file)),
            ],
        }
    }

    /// The report for people: the samples' summary, then each candidate's scenario lines,
    /// ready to paste into a `[[station]]`.
    pub fn table(&self) -> String {
        let s = self.samples;
        let mut out = format!(
            "{}: {} samples, mean {}, cv {}, p50 {}, p95 {}, p99 {}\n\n",
            self.file,
            s.len(),
            secs(s.mean()),
            trim_float((s.cv() * 1e4).round() / 1e4),
            secs(s.percentile(50.0)),
            secs(s.percentile(95.0)),
            secs(s.percentile(99.0)),
        );
        out.push_str(
            "scenario lines for a [[station]], each with its Kolmogorov–Smirnov distance to the samples (0: identical; lower fits better):\n",
        );
        for c in self.candidates {
            out.push_str(&format!("\n# {} (KS distance {:.3})\n", c.model, c.ks));
            for line in self.scenario_lines(&c.model) {
                out.push_str(&line);
                out.push('\n');
            }
        }
        out.push_str(&format!(
            "\n(means rounded to the {} s resolution; the samples path is relative to the scenario file)\n",
            trim_float(self.resolution.seconds())
        ));
        out
    }

    /// The report for programs: the same figures unrounded, in seconds, with each candidate's
    /// scenario lines.
    pub fn json(&self) -> String {
        let s = self.samples;
        let doc = JsonFit {
            file: self.file,
            samples: s.len(),
            mean_s: s.mean(),
            cv: s.cv(),
            p50_s: s.percentile(50.0),
            p95_s: s.percentile(95.0),
            p99_s: s.percentile(99.0),
            candidates: self
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
}

/// A TOML basic string: quotes and backslashes escaped.
fn toml_string(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}
