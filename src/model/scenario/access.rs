//! Read access to a parsed [`Scenario`]: its fields are private, so that a scenario can only
//! come from [`Scenario::parse`] and stays as validated.

use crate::model::units::Resolution;

use super::{LoadDefaults, Prices, RequestClass, Scenario, Station, StrategyText};

impl Scenario {
    /// Where it came from, for messages.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Short name for reports (`fastfood`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// One line for humans, shown in reports.
    pub fn description(&self) -> &str {
        &self.description
    }

    /// Model seconds per engine step; service times and timeouts must be whole steps of it.
    pub fn resolution(&self) -> Resolution {
        self.resolution
    }

    /// In file order, which is the order of levers, of configuration values and of report columns.
    pub fn stations(&self) -> &[Station] {
        &self.stations
    }

    /// The `[load]` table, before the command line overrides it.
    pub fn load_defaults(&self) -> &LoadDefaults {
        &self.load
    }

    /// As the file gives them; `--cpu-price` and `--ram-price` override them per command.
    pub fn prices(&self) -> &Prices {
        &self.prices
    }

    /// The strategies `compare` shows by default, in file order.
    pub fn strategies(&self) -> &[StrategyText] {
        &self.strategies
    }

    /// Every file reading it read, with what each is ("scenario file", "samples file"): the
    /// parser's own account, so that a new kind of file it reads is protected from the
    /// outputs like the others.
    pub fn files_read(&self) -> impl Iterator<Item = (&'static str, &std::path::Path)> {
        self.files_read
            .iter()
            .map(|(what, path)| (*what, path.as_path()))
    }

    /// The request classes, in file order; empty for the tutorial's single fan-out class.
    pub fn requests(&self) -> &[RequestClass] {
        &self.requests
    }

    /// What the engine walks: one plan per request class, or the tutorial's fan-out (every
    /// station at once) as the one class of a scenario without `[[request]]`.
    pub fn plans(&self) -> &std::sync::Arc<[crate::model::plan::Plan]> {
        &self.plans
    }

    /// Each station's service distribution, in station order.
    pub fn distributions(&self) -> &std::sync::Arc<[super::ServiceDistribution]> {
        &self.distributions
    }

    /// Whether any station draws its service times (a distribution other than fixed): then a
    /// load test needs a seed and replications, and draws are made per client.
    pub fn draws_service(&self) -> bool {
        self.stations.iter().any(|s| !s.distribution().is_fixed())
    }
}
