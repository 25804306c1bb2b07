//! One validated station of a scenario: private fields behind accessors, so that only the
//! parser builds one and every station a command sees has passed its checks.

use crate::model::levers::Values;
use crate::model::station::Names;
use crate::model::units::Seconds;

use std::collections::HashSet;
use std::path::PathBuf;

use toml::Spanned;

use crate::model::units::Resolution;

use super::fields::At;
use super::fields::{samples_path, service_of};
use super::{
    name_problem, printable_text, RawKind, RawRange, RawStation, ScenarioError,
    ServiceDistribution, StationKind,
};

/// One validated station.
#[derive(Debug, Clone, PartialEq)]
pub struct Station {
    /// Unique within the scenario; the prefix of its lever (`soda.units`).
    /// Shared with the engine's stations: a sweep builds them once per configuration.
    pub(super) name: std::sync::Arc<str>,
    /// Pool or batch: which lever it has (`units` or `batch`).
    pub(super) kind: StationKind,
    /// Mean service time of one request (pool) or one batch (batch).
    pub(super) service: Seconds,
    /// The service time in steps of the scenario's resolution.
    pub(super) service_steps: u64,
    /// Baseline units (pool) or portions per batch (batch).
    pub(super) baseline: u32,
    /// What one unit is called: "soda machine", "cook", "portion".
    pub(super) unit: String,
    /// The plural of `unit`.
    pub(super) units: String,
    /// What a batch station's device is called ("fryer"), for "7-portion fryer".
    pub(super) device: String,
    /// Cores per unit (pool) or per portion (batch): the cost of one lever step.
    pub(super) cpu_per_unit: f64,
    /// GiB per unit (pool) or per portion (batch).
    pub(super) ram_gib_per_unit: f64,
    /// Cores the station needs whatever its lever value.
    pub(super) cpu_fixed: f64,
    /// GiB the station needs whatever its lever value.
    pub(super) ram_gib_fixed: f64,
    /// The values a search tries; just the baseline when the file gives no range.
    pub(super) range: Values,
    /// How service times vary around `service`, their mean.
    pub(super) distribution: ServiceDistribution,
    /// A pool whose units follow a schedule or an autoscaler (`None`: fixed units).
    pub(super) scaling: Option<std::sync::Arc<crate::model::scaling::Scaling>>,
}

impl Station {
    /// Unique within the scenario; the prefix of its lever (`soda.units`).
    pub fn name(&self) -> &str {
        &self.name
    }
    /// Pool or batch: which lever it has (`units` or `batch`).
    pub fn kind(&self) -> StationKind {
        self.kind
    }
    /// Mean service time of one request (pool) or one batch (batch).
    pub fn service(&self) -> Seconds {
        self.service
    }
    /// The service time in steps of the scenario's resolution.
    pub fn service_steps(&self) -> u64 {
        self.service_steps
    }
    /// Baseline units (pool) or portions per batch (batch).
    pub fn baseline(&self) -> u32 {
        self.baseline
    }
    /// What one unit is called: "soda machine", "cook", "portion".
    pub fn unit(&self) -> &str {
        &self.unit
    }
    /// The plural of `unit`.
    pub fn units(&self) -> &str {
        &self.units
    }
    /// What a batch station's device is called ("fryer"), for "7-portion fryer".
    pub fn device(&self) -> &str {
        &self.device
    }
    /// Cores per unit (pool) or per portion (batch): the cost of one lever step.
    pub fn cpu_per_unit(&self) -> f64 {
        self.cpu_per_unit
    }
    /// GiB per unit (pool) or per portion (batch).
    pub fn ram_gib_per_unit(&self) -> f64 {
        self.ram_gib_per_unit
    }
    /// Cores the station needs whatever its lever value.
    pub fn cpu_fixed(&self) -> f64 {
        self.cpu_fixed
    }
    /// GiB the station needs whatever its lever value.
    pub fn ram_gib_fixed(&self) -> f64 {
        self.ram_gib_fixed
    }
    /// The values a search tries; just the baseline when the file gives no range.
    pub fn range(&self) -> &Values {
        &self.range
    }
    /// How its units change during a test (`None`: they never do).
    pub fn scaling(&self) -> Option<&crate::model::scaling::Scaling> {
        self.scaling.as_deref()
    }
    /// How service times vary around `service`, their mean.
    pub fn distribution(&self) -> &ServiceDistribution {
        &self.distribution
    }

    /// What this station's things are called, for reports.
    pub fn names(&self) -> Names<'_> {
        Names {
            unit: &self.unit,
            units: &self.units,
            device: &self.device,
        }
    }

    /// Requests per second this station sustains at lever `value`, one visit per request.
    pub fn capacity(&self, value: u32) -> f64 {
        self.kind.capacity(value, self.service.get())
    }

    /// `soda.units`, `fries.batch`: how the user names this station's lever.
    pub fn lever_name(&self) -> String {
        format!("{}.{}", self.name, self.kind.param())
    }

    /// The engine's view of this station at a given lever value.
    pub fn engine_station(&self, value: u32) -> crate::model::plan::Station {
        crate::model::plan::Station {
            name: self.name.clone(),
            service: self.service_steps,
            kind: self.kind.engine(value),
            scaling: self.scaling.clone(),
        }
    }
}

/// One `[[station]]`, checked against the names of the stations before it (`taken`), with the sample file
/// it reads, if any: one station's part of [`Scenario::parse`].
pub(super) fn station_of(
    spanned: &Spanned<RawStation>,
    taken: &HashSet<String>,
    resolution: Resolution,
    file: &str,
    at: &At<'_>,
) -> Result<(Station, Option<PathBuf>), ScenarioError> {
    let span = spanned.span();
    let s = spanned.get_ref();
    let name = s.name.get_ref().clone();
    if let Some(problem) = name_problem("station", &name) {
        return Err(at(Some(s.name.span()), problem));
    }
    if taken.contains(&name) {
        return Err(at(
            Some(s.name.span()),
            format!("station `{name}` is defined twice"),
        ));
    }
    let scaling = super::scaling::scaling_of(
        s.schedule.as_ref(),
        s.autoscale.as_ref(),
        s.kind,
        &name,
        resolution,
        at,
    )?;
    if let Some(scaling) = &scaling {
        let source = super::scaling::source_words(scaling);
        if s.units.is_some() {
            return Err(at(
                Some(span),
                format!("station `{name}` takes its units from {source}: drop `units`"),
            ));
        }
        if let Some(range) = &s.range {
            return Err(at(
                Some(range.span()),
                format!("station `{name}` takes its units from {source}: drop `range`"),
            ));
        }
    }
    let (kind, baseline) = match (s.kind, s.units, s.batch) {
        (RawKind::Pool, None, None) if scaling.is_some() => (
            StationKind::Pool,
            scaling.as_ref().map_or(1, |sc| sc.initial()),
        ),
        (RawKind::Pool, Some(u), None) => (StationKind::Pool, u.get()),
        (RawKind::Batch, None, Some(b)) => (StationKind::Batch, b.get()),
        (RawKind::Pool, _, Some(_)) => {
            return Err(at(
                Some(span),
                format!("station `{name}` is a pool: give `units`, not `batch`"),
            ))
        }
        (RawKind::Batch, Some(_), _) => {
            return Err(at(
                Some(span),
                format!("station `{name}` is a batch: give `batch`, not `units`"),
            ))
        }
        (RawKind::Pool, None, None) => {
            return Err(at(
                Some(span),
                format!("station `{name}`: missing field `units`"),
            ))
        }
        (RawKind::Batch, None, None) => {
            return Err(at(
                Some(span),
                format!("station `{name}`: missing field `batch`"),
            ))
        }
    };
    let (service, distribution, from_measure) =
        service_of(s, &name, file).map_err(|(sp, m)| at(sp.or(Some(span.clone())), m))?;
    // A fitted or measured mean lies anywhere: it takes the nearest step, while a
    // stated time must sit on the grid (a typo there would change the model).
    let service_steps = if from_measure {
        resolution.nearest_steps(service.get()).max(1)
    } else {
        resolution
            .exact_steps(service, &format!("station `{name}`: service time"))
            .map_err(|m| at(s.service.as_ref().map(|v| v.span()), m.to_string()))?
    };
    let range = match &s.range {
        None => Values::single(baseline),
        Some(r) => match r.get_ref() {
            RawRange::Text(t) => Values::parse(t),
            RawRange::List(l) => Values::from_numbers(l),
        }
        .map_err(|m| at(Some(r.span()), format!("station `{name}`: range: {m}")))?,
    };
    for (field, words) in [
        ("unit", &s.unit),
        ("units_name", &s.units_name),
        ("device", &s.device),
    ] {
        if let Some(words) = words {
            printable_text(&format!("station `{name}`: {field}"), words, at)?;
        }
    }
    let unit = s
        .unit
        .as_ref()
        .map(|u| u.get_ref().clone())
        .unwrap_or_else(|| kind.default_unit().to_string());
    let units = s
        .units_name
        .as_ref()
        .map(|u| u.get_ref().clone())
        .unwrap_or_else(|| format!("{unit}s"));
    let samples = s.samples.as_ref().map(|p| samples_path(file, p.get_ref()));
    let station = Station {
        device: s
            .device
            .as_ref()
            .map(|d| d.get_ref().clone())
            .unwrap_or_else(|| name.clone()),
        name: name.into(),
        kind,
        service,
        service_steps,
        baseline,
        unit,
        units,
        cpu_per_unit: s.cpu_per_unit.0,
        ram_gib_per_unit: s.ram_gib_per_unit.0,
        cpu_fixed: s.cpu_fixed.0,
        ram_gib_fixed: s.ram_gib_fixed.0,
        range,
        distribution,
        scaling: scaling.map(std::sync::Arc::new),
    };
    Ok((station, samples))
}
