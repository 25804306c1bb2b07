//! The scenario file's fields that take more than a type to read: the load's shape, a
//! station's service time in its three forms (seconds, percentiles, samples) and its
//! distribution, and how a TOML error is located and worded.

use std::sync::Arc;

use super::*;

/// `[load] rate` and `stages`: a constant rate (> 0), or stages from a start rate (≥ 0, 0
/// by default as in k6) that decide the number of clients, so `clients` is refused with them.
pub(super) fn load_shape(load: &RawLoad) -> Result<(Rate, Option<Arc<Profile>>), Located> {
    let rate_span = load.rate.as_ref().map(|r| r.span());
    let Some(raw_stages) = &load.stages else {
        let rate = match &load.rate {
            None => Rate::new(DEFAULT_RATE).expect("positive"),
            Some(r) => {
                Rate::new(*r.get_ref()).map_err(|m| (rate_span, format!("load.rate {m}")))?
            }
        };
        return Ok((rate, None));
    };
    if let Some(c) = &load.clients {
        return Err((
            Some(c.span()),
            "load.clients cannot be used with load.stages: the stages decide how many clients come"
                .into(),
        ));
    }
    let mut stages = Vec::new();
    for (i, st) in raw_stages.get_ref().iter().enumerate() {
        let r = st.get_ref();
        let stage = Stage::new(r.duration.0, r.target).map_err(|_| {
            let what = if r.duration.0 > 0.0 {
                format!(
                    "its target must be a rate ≥ 0 (clients/s), got {}",
                    crate::model::units::number(r.target)
                )
            } else {
                "its duration must be more than 0".to_string()
            };
            (Some(st.span()), format!("load.stages[{i}]: {what}"))
        })?;
        stages.push(stage);
    }
    if stages.is_empty() {
        return Err((
            Some(raw_stages.span()),
            "load.stages is empty: give at least one { duration = \"…\", target = … }".into(),
        ));
    }
    let start = load.rate.as_ref().map_or(0.0, |r| *r.get_ref());
    let profile = Profile::new(start, stages).map_err(|e| {
        let span = match e {
            crate::model::stages::StageError::BadStart(_) => rate_span.clone(),
            _ => Some(raw_stages.span()),
        };
        (span, format!("load.stages: {e}"))
    })?;
    let peak = profile
        .stages()
        .iter()
        .map(|s| s.target)
        .fold(profile.start(), f64::max);
    let rate = Rate::new(peak).map_err(|m| {
        (
            Some(raw_stages.span()),
            format!("load.stages: peak rate {m}"),
        )
    })?;
    Ok((rate, Some(Arc::new(profile))))
}

type Located = (Option<std::ops::Range<usize>>, String);

/// How a reader reports a problem at a place in the file: the span (when known) and the
/// message become a located [`ScenarioError`].
pub(super) type At<'a> = dyn Fn(Option<std::ops::Range<usize>>, String) -> ScenarioError + 'a;

/// A `samples` path, relative to the scenario file's directory.
pub(super) fn samples_path(scenario_file: &str, samples: &str) -> std::path::PathBuf {
    Path::new(scenario_file)
        .parent()
        .unwrap_or(Path::new(""))
        .join(samples)
}

/// A station's mean service time and distribution, and whether the mean was measured or
/// fitted (then not expected on the resolution's grid). The forms: `service = 0.02` or
/// `"20ms"` with an optional `distribution`; `service = { p50 = "20ms", p99 = "200ms" }`, the
/// log-normal through both; `distribution = "empirical"` with `samples = "FILE"` (one column
/// of seconds, relative to the scenario file), whose mean is the service time.
pub(super) fn service_of(
    s: &RawStation,
    name: &str,
    file: &str,
) -> Result<(Seconds, ServiceDistribution, bool), Located> {
    let kind = s.distribution.as_ref().map(|d| *d.get_ref());
    let dist_span = s.distribution.as_ref().map(|d| d.span());
    if kind == Some(RawDistribution::Empirical) {
        if let Some(v) = &s.service {
            return Err((Some(v.span()), format!("station `{name}`: an empirical distribution takes its mean from `samples`: remove `service`")));
        }
        if let Some(cv) = &s.cv {
            return Err((
                Some(cv.span()),
                format!("station `{name}`: an empirical distribution takes no `cv`"),
            ));
        }
        let Some(path) = &s.samples else {
            return Err((dist_span, format!("station `{name}`: an empirical distribution needs `samples`, a file of measured service times")));
        };
        let full = samples_path(file, path.get_ref());
        let text = std::fs::read_to_string(&full).map_err(|e| {
            (
                Some(path.span()),
                format!(
                    "station `{name}`: cannot read samples {}: {e}",
                    full.display()
                ),
            )
        })?;
        let samples = crate::model::fit::Samples::parse(&text).map_err(|e| {
            (
                Some(path.span()),
                format!("station `{name}`: samples {}: {e}", full.display()),
            )
        })?;
        let mean = Seconds::new(samples.mean()).map_err(|m| {
            (
                Some(path.span()),
                format!("station `{name}`: the samples' mean {m}"),
            )
        })?;
        return Ok((
            mean,
            ServiceDistribution::Empirical(samples.sorted().into()),
            true,
        ));
    }
    if let Some(p) = &s.samples {
        return Err((
            Some(p.span()),
            format!("station `{name}`: `samples` goes with distribution = \"empirical\""),
        ));
    }
    let Some(value) = &s.service else {
        return Err((None, format!("station `{name}`: missing field `service`")));
    };
    let vspan = Some(value.span());
    let seconds = |v: &toml::Value, what: &str| -> Result<f64, Located> {
        let secs = match v {
            toml::Value::Float(f) => *f,
            toml::Value::Integer(i) => *i as f64,
            toml::Value::String(t) => crate::model::duration::parse(t)
                .map_err(|e| (vspan.clone(), format!("station `{name}`: {what}: {e}")))?,
            other => {
                return Err((vspan.clone(), format!(
                    "station `{name}`: {what} must be seconds (0.02), a duration (\"20ms\") or percentiles ({{ p50 = \"20ms\", p99 = \"200ms\" }}), got {}",
                    other.type_str()
                )))
            }
        };
        Seconds::new(secs)
            .map(|s| s.get())
            .map_err(|m| (vspan.clone(), format!("station `{name}`: {what} {m}")))
    };
    if let toml::Value::Table(t) = value.get_ref() {
        if let Some(k) = t.keys().find(|k| *k != "p50" && *k != "p99") {
            return Err((
                vspan,
                format!("station `{name}`: service percentiles are p50 and p99, got `{k}`"),
            ));
        }
        let (Some(p50), Some(p99)) = (t.get("p50"), t.get("p99")) else {
            return Err((
                vspan,
                format!("station `{name}`: service percentiles need both p50 and p99"),
            ));
        };
        let (p50, p99) = (seconds(p50, "p50")?, seconds(p99, "p99")?);
        if !matches!(kind, None | Some(RawDistribution::Lognormal)) {
            return Err((dist_span, format!("station `{name}`: a service given by percentiles is log-normal: remove `distribution` or make it \"lognormal\"")));
        }
        if let Some(cv) = &s.cv {
            return Err((
                Some(cv.span()),
                format!("station `{name}`: the percentiles decide the cv: remove `cv`"),
            ));
        }
        let (mean, cv) = crate::model::fit::lognormal_through(p50, p99)
            .map_err(|e| (vspan.clone(), format!("station `{name}`: {e}")))?;
        let mean = Seconds::new(mean).map_err(|m| {
            (
                vspan.clone(),
                format!("station `{name}`: the fitted mean {m}"),
            )
        })?;
        return Ok((mean, ServiceDistribution::Lognormal { cv }, true));
    }
    let service = Seconds::new(seconds(value.get_ref(), "service time")?).expect("checked");
    Ok((service, distribution_of(s, name)?, false))
}

/// The station's service distribution, checked: `cv` where one is needed, in range.
fn distribution_of(
    s: &RawStation,
    name: &str,
) -> Result<ServiceDistribution, (Option<std::ops::Range<usize>>, String)> {
    let kind = s.distribution.as_ref().map(|d| *d.get_ref());
    let span = s.distribution.as_ref().map(|d| d.span());
    let cv = match &s.cv {
        None => None,
        Some(cv) => {
            let v = *cv.get_ref();
            if !(v.is_finite() && v >= 0.0) {
                return Err((
                    Some(cv.span()),
                    format!(
                        "station `{name}`: cv must be a finite number ≥ 0, got {}",
                        crate::model::units::number(v)
                    ),
                ));
            }
            if v > MAX_CV {
                return Err((
                    Some(cv.span()),
                    format!(
                        "station `{name}`: cv must be at most {MAX_CV}, got {}",
                        crate::model::units::number(v)
                    ),
                ));
            }
            Some((v, cv.span()))
        }
    };
    let need_cv = |what: &str| {
        cv.clone().map(|(v, _)| v).ok_or_else(|| {
            (
                span.clone(),
                format!("station `{name}`: {what} distribution needs `cv`, its coefficient of variation"),
            )
        })
    };
    let no_cv = |what: &str| match &cv {
        Some((_, sp)) => Err((
            Some(sp.clone()),
            format!("station `{name}`: {what} distribution takes no `cv`"),
        )),
        None => Ok(()),
    };
    match kind {
        None | Some(RawDistribution::Fixed) => {
            no_cv("a fixed")?;
            Ok(ServiceDistribution::Fixed)
        }
        Some(RawDistribution::Exponential) => {
            no_cv("an exponential (cv 1)")?;
            Ok(ServiceDistribution::Exponential)
        }
        Some(RawDistribution::Uniform) => {
            let cv = need_cv("a uniform")?;
            if cv > 1.0 / 3f64.sqrt() {
                return Err((
                    s.cv.as_ref().map(|c| c.span()),
                    format!("station `{name}`: a uniform distribution's cv is at most 0.577 (1/√3), got {}", crate::model::units::number(cv)),
                ));
            }
            Ok(ServiceDistribution::Uniform { cv })
        }
        Some(RawDistribution::Lognormal) => Ok(ServiceDistribution::Lognormal {
            cv: need_cv("a lognormal")?,
        }),
        Some(RawDistribution::Empirical) => unreachable!("handled by service_of"),
    }
}

/// The TOML parser's message on one line. Some syntax errors come without one (a control
/// character in a comment): then say what stands at the error's position.
pub(super) fn toml_message(e: &toml::de::Error, text: &str) -> String {
    let message = e.message().trim().replace('\n', " ");
    if !message.is_empty() {
        return message;
    }
    let found = e
        .span()
        .and_then(|span| text.get(span.start..))
        .and_then(|rest| rest.chars().next());
    match found {
        Some(c) if c.is_control() => format!(
            "control character U+{:04X} is not valid TOML, not even in a comment or a string (only tab is allowed)",
            c as u32
        ),
        Some(c) => format!("invalid TOML at `{c}`"),
        None => "invalid TOML: the file ends too early".into(),
    }
}

/// 1-based line and column (in characters) of a byte offset.
pub(super) fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}
