//! A pool's units over time as the scenario file writes them: `schedule` and `autoscale`,
//! read into [`Scaling`], every time in steps, every refusal at its place in the file.

use serde::Deserialize;
use toml::Spanned;

use super::fields::At;
use super::{RawKind, ScenarioError};
use crate::model::duration::Written;
use crate::model::scaling::{
    schedule_steps, Hpa, Policy, PolicyKind, Rules, Scaling, Select, DEFAULT_SYNC_S, MAX_UNITS,
};
use crate::model::units::{number, Resolution, Seconds};

/// One `schedule` entry: `{ at = "6h", units = 5 }`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawEntry {
    at: Spanned<Written>,
    units: Spanned<i64>,
}

/// `autoscale = { min = 1, max = 10, target_utilisation = 0.6, startup = "30s", … }`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawAutoscale {
    min: Option<Spanned<i64>>,
    max: Option<Spanned<i64>>,
    #[serde(alias = "target_utilization")]
    target_utilisation: Option<Spanned<f64>>,
    startup: Option<Spanned<Written>>,
    tolerance: Option<Spanned<f64>>,
    sync_period: Option<Spanned<Written>>,
    scale_up: Option<Spanned<RawRules>>,
    scale_down: Option<Spanned<RawRules>>,
}

/// `scale_up` or `scale_down`: Kubernetes' `behavior.scaleUp` / `scaleDown`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRules {
    #[serde(alias = "stabilization_window")]
    stabilisation_window: Option<Spanned<Written>>,
    select_policy: Option<RawSelect>,
    policies: Option<Spanned<Vec<Spanned<RawPolicy>>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPolicy {
    #[serde(rename = "type")]
    kind: RawPolicyKind,
    value: Spanned<i64>,
    period: Spanned<Written>,
}

#[derive(Deserialize, Clone, Copy)]
enum RawPolicyKind {
    #[serde(alias = "Pods", alias = "units")]
    #[serde(rename = "pods")]
    Pods,
    #[serde(alias = "Percent")]
    #[serde(rename = "percent")]
    Percent,
}

#[derive(Deserialize, Clone, Copy)]
enum RawSelect {
    #[serde(rename = "max", alias = "Max")]
    Max,
    #[serde(rename = "min", alias = "Min")]
    Min,
    #[serde(rename = "disabled", alias = "Disabled")]
    Disabled,
}

/// The station's `schedule` or `autoscale`, checked (`None` when it has neither); `kind`:
/// only a pool's units change.
pub(super) fn scaling_of(
    schedule: Option<&Spanned<Vec<Spanned<RawEntry>>>>,
    autoscale: Option<&Spanned<RawAutoscale>>,
    kind: RawKind,
    name: &str,
    resolution: Resolution,
    at: &At<'_>,
) -> Result<Option<Scaling>, ScenarioError> {
    let given = match (schedule, autoscale) {
        (None, None) => return Ok(None),
        (Some(_), Some(a)) => {
            return Err(at(
                Some(a.span()),
                format!("station `{name}` has both a schedule and an autoscaler: give one"),
            ))
        }
        (Some(s), None) => ("a schedule", s.span()),
        (None, Some(a)) => ("an autoscaler", a.span()),
    };
    if kind == RawKind::Batch {
        return Err(at(
            Some(given.1),
            format!("station `{name}` is a batch station: its portions cannot follow {}; only a pool's units change over time", given.0),
        ));
    }
    if let Some(schedule) = schedule {
        let entries: Vec<(f64, i64)> = schedule
            .get_ref()
            .iter()
            .map(|e| {
                let e = e.get_ref();
                (
                    e.at.get_ref().clone().seconds().unwrap_or(f64::NAN),
                    *e.units.get_ref(),
                )
            })
            .collect();
        // A time that is not a duration is worded by the duration parser.
        for e in schedule.get_ref() {
            if let Err(m) = e.get_ref().at.get_ref().clone().seconds() {
                return Err(at(
                    Some(e.get_ref().at.span()),
                    format!("station `{name}`: schedule: {m}"),
                ));
            }
        }
        let steps = schedule_steps(&entries, resolution).map_err(|(i, m)| {
            let span = match i {
                Some(i) => Some(schedule.get_ref()[i].span()),
                None => Some(schedule.span()),
            };
            at(span, format!("station `{name}`: schedule: {m}"))
        })?;
        let sample = seconds_steps(DEFAULT_SYNC_S, resolution);
        return Ok(Some(Scaling::Schedule { steps, sample }));
    }
    let a = autoscale.expect("one of the two").get_ref();
    let field = |key: &str| format!("station `{name}`: autoscale.{key}");
    let count = |v: &Option<Spanned<i64>>, key: &str, default: Option<i64>| {
        let (value, span) = match (v, default) {
            (Some(v), _) => (*v.get_ref(), Some(v.span())),
            (None, Some(d)) => (d, None),
            (None, None) => {
                return Err(at(
                    Some(autoscale.expect("given").span()),
                    format!(
                        "{}: missing (the most units the autoscaler may run)",
                        field(key)
                    ),
                ))
            }
        };
        if !(1..=i64::from(MAX_UNITS)).contains(&value) {
            return Err(at(
                span,
                format!(
                    "{} must be between 1 and {MAX_UNITS}, got {value}",
                    field(key)
                ),
            ));
        }
        Ok(value as u32)
    };
    let min = count(&a.min, "min", Some(1))?;
    let max = count(&a.max, "max", None)?;
    if max < min {
        return Err(at(
            a.max.as_ref().map(|m| m.span()),
            format!("{}: max {max} is below min {min}", field("max")),
        ));
    }
    let target = match &a.target_utilisation {
        None => DEFAULT_TARGET,
        Some(t) => {
            let v = *t.get_ref();
            if !(v > 0.0 && v <= 1.0) {
                return Err(at(
                    Some(t.span()),
                    format!(
                        "{} is the busy share each unit is kept at, in (0, 1] (0.6 for 60 %), got {}",
                        field("target_utilisation"),
                        number(v)
                    ),
                ));
            }
            v
        }
    };
    let tolerance = match &a.tolerance {
        None => 0.1,
        Some(t) => {
            let v = *t.get_ref();
            if !(0.0..1.0).contains(&v) {
                return Err(at(
                    Some(t.span()),
                    format!(
                        "{} must be at least 0 and below 1, got {}",
                        field("tolerance"),
                        number(v)
                    ),
                ));
            }
            v
        }
    };
    let time = |v: &Option<Spanned<Written>>, key: &str, default: f64, zero: bool| {
        duration_steps(v.as_ref(), &field(key), default, zero, resolution, at)
    };
    let sync = time(&a.sync_period, "sync_period", DEFAULT_SYNC_S, false)?;
    let startup = time(&a.startup, "startup", 0.0, true)?;
    let steps_15s = seconds_steps(15.0, resolution);
    let up = rules_of(
        a.scale_up.as_ref(),
        Rules::default_up(steps_15s),
        &field("scale_up"),
        resolution,
        at,
    )?;
    let down = rules_of(
        a.scale_down.as_ref(),
        Rules::default_down(steps_15s),
        &field("scale_down"),
        resolution,
        at,
    )?;
    Ok(Some(Scaling::Autoscale(Hpa {
        min,
        max,
        target,
        tolerance,
        sync,
        startup,
        up,
        down,
    })))
}

/// Kubernetes' default metric when none is given: 80 % of the requested CPU.
const DEFAULT_TARGET: f64 = 0.8;

/// Seconds that are a whole number of steps (a default: 15 s is on every grid).
fn seconds_steps(seconds: f64, resolution: Resolution) -> u64 {
    resolution.nearest_steps(seconds).max(1)
}

/// A duration field in steps: on the grid, above 0 unless `zero` allows it.
fn duration_steps(
    value: Option<&Spanned<Written>>,
    what: &str,
    default: f64,
    zero: bool,
    resolution: Resolution,
    at: &At<'_>,
) -> Result<u64, ScenarioError> {
    let Some(value) = value else {
        return Ok(if default == 0.0 {
            0
        } else {
            seconds_steps(default, resolution)
        });
    };
    let span = Some(value.span());
    let seconds = value
        .get_ref()
        .clone()
        .seconds()
        .map_err(|m| at(span.clone(), format!("{what}: {m}")))?;
    if seconds == 0.0 && zero {
        return Ok(0);
    }
    let positive = Seconds::new(seconds).map_err(|_| {
        at(
            span.clone(),
            format!("{what} must be more than 0, got {}", number(seconds)),
        )
    })?;
    resolution
        .exact_steps(positive, what)
        .map_err(|m| at(span, m.to_string()))
}

fn rules_of(
    raw: Option<&Spanned<RawRules>>,
    default: Rules,
    what: &str,
    resolution: Resolution,
    at: &At<'_>,
) -> Result<Rules, ScenarioError> {
    let Some(raw) = raw else {
        return Ok(default);
    };
    let r = raw.get_ref();
    let window = match &r.stabilisation_window {
        None => default.window,
        Some(w) => duration_steps(
            Some(w),
            &format!("{what}.stabilisation_window"),
            0.0,
            true,
            resolution,
            at,
        )?,
    };
    let select = match r.select_policy {
        None => default.select,
        Some(RawSelect::Max) => Select::Max,
        Some(RawSelect::Min) => Select::Min,
        Some(RawSelect::Disabled) => Select::Disabled,
    };
    let policies = match &r.policies {
        None => default.policies,
        Some(list) => {
            if list.get_ref().is_empty() && select != Select::Disabled {
                return Err(at(
                    Some(list.span()),
                    format!("{what}.policies is empty: give at least one {{ type = \"pods\" or \"percent\", value = …, period = \"15s\" }}, or select_policy = \"disabled\""),
                ));
            }
            let mut out = Vec::new();
            for (i, p) in list.get_ref().iter().enumerate() {
                let p = p.get_ref();
                let value = *p.value.get_ref();
                if !(1..=i64::from(MAX_UNITS)).contains(&value) {
                    return Err(at(
                        Some(p.value.span()),
                        format!(
                            "{what}.policies[{i}].value must be between 1 and {MAX_UNITS}, got {value}"
                        ),
                    ));
                }
                let period = duration_steps(
                    Some(&p.period),
                    &format!("{what}.policies[{i}].period"),
                    0.0,
                    false,
                    resolution,
                    at,
                )?;
                out.push(Policy {
                    kind: match p.kind {
                        RawPolicyKind::Pods => PolicyKind::Pods,
                        RawPolicyKind::Percent => PolicyKind::Percent,
                    },
                    value: value as u32,
                    period,
                });
            }
            out
        }
    };
    Ok(Rules {
        window,
        select,
        policies,
    })
}

/// Where a station's units come from, for the refusal of a `units` or `range` beside them.
pub(super) fn source_words(scaling: &Scaling) -> &'static str {
    match scaling {
        Scaling::Schedule { .. } => "its schedule (the first entry's units from 0 s)",
        Scaling::Autoscale(_) => "its autoscaler (autoscale.min from 0 s)",
    }
}

impl super::Scenario {
    /// This scenario with station `name`'s units following `scaling` from the command line
    /// (`--schedule`): its units, range and any schedule or autoscaler of its own replaced.
    /// Refused for a station that does not exist or is a batch station.
    pub fn with_scaling(&self, name: &str, scaling: Scaling) -> Result<super::Scenario, String> {
        let mut scenario = self.clone();
        let Some(station) = scenario.stations.iter_mut().find(|s| &*s.name == name) else {
            let known: Vec<&str> = self.stations.iter().map(|s| &*s.name).collect();
            return Err(format!(
                "no station `{name}` (the scenario has {})",
                known.join(", ")
            ));
        };
        if station.kind == super::StationKind::Batch {
            return Err(format!(
                "station `{name}` is a batch station: only a pool's units change over time"
            ));
        }
        if let Some(why) = scaling.problem() {
            return Err(format!("station `{name}`: {why}"));
        }
        station.baseline = scaling.initial();
        station.range = crate::model::levers::Values::single(station.baseline);
        station.scaling = Some(std::sync::Arc::new(scaling));
        Ok(scenario)
    }

    /// This scenario with station `name`'s units fixed for a whole test, tried over
    /// `range` by a search (its schedule or autoscaler dropped): the static plan an
    /// autoscaler is compared with. Refused for a station that does not exist.
    pub fn with_static_range(
        &self,
        name: &str,
        range: crate::model::levers::Values,
    ) -> Result<super::Scenario, String> {
        let mut scenario = self.clone();
        let Some(station) = scenario.stations.iter_mut().find(|s| &*s.name == name) else {
            return Err(format!("no station `{name}`"));
        };
        station.baseline = range.as_slice().first().copied().unwrap_or(1);
        station.range = range;
        station.scaling = None;
        Ok(scenario)
    }

    /// Whether some station's units change during a test.
    pub fn scales(&self) -> bool {
        self.stations.iter().any(|s| s.scaling.is_some())
    }
}

/// A schedule from the command line: `(seconds, units)` entries, checked as a scenario's
/// are, sampled at the default sync period.
pub fn schedule_of(entries: &[(f64, i64)], resolution: Resolution) -> Result<Scaling, String> {
    let steps = schedule_steps(entries, resolution).map_err(|(i, m)| match i {
        Some(i) => format!("entry {}: {m}", i + 1),
        None => m,
    })?;
    Ok(Scaling::Schedule {
        steps,
        sample: seconds_steps(DEFAULT_SYNC_S, resolution),
    })
}
