//! One validated station of a scenario: private fields behind accessors, so that only the
//! parser builds one and every station a command sees has passed its checks.

use crate::engine;
use crate::levers::Values;
use crate::station::Names;
use crate::units::Seconds;

use super::{ServiceDistribution, StationKind};

/// One validated station.
#[derive(Debug, Clone, PartialEq)]
pub struct Station {
    /// Unique within the scenario; the prefix of its lever (`soda.units`).
    pub(super) name: String,
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
    pub fn engine_station(&self, value: u32) -> engine::Station {
        engine::Station {
            name: self.name.clone(),
            service: self.service_steps,
            kind: self.kind.engine(value),
        }
    }
}
