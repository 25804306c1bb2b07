//! The command line's part of units over time: `--schedule` applied to the scenario, and
//! the flags that cannot mean anything for a pool whose units change.

use anyhow::{bail, Result};

use crate::cli::args::ScheduleArg;
use crate::model::config::Setting;
use crate::model::scenario::{schedule_of, Scenario};

/// The scenario with each `--schedule` applied (`None`: none given).
pub(crate) fn with_schedules(
    scenario: &Scenario,
    schedules: &[ScheduleArg],
) -> Result<Option<Scenario>> {
    if schedules.is_empty() {
        return Ok(None);
    }
    let mut out = scenario.clone();
    for (i, s) in schedules.iter().enumerate() {
        if schedules[..i].iter().any(|o| o.station == s.station) {
            bail!(
                "--schedule: station `{}` is given twice: give one schedule per station",
                s.station
            );
        }
        let scaling = schedule_of(&s.entries, scenario.resolution())
            .map_err(|m| anyhow::anyhow!("--schedule {}: {m}", s.station))?;
        out = out
            .with_scaling(&s.station, scaling)
            .map_err(|m| anyhow::anyhow!("--schedule: {m}"))?;
    }
    Ok(Some(out))
}

/// Refuses `--set` on a pool whose units follow a schedule or an autoscaler: its units are
/// theirs.
pub(crate) fn check_settings(scenario: &Scenario, settings: &[Setting]) -> Result<()> {
    for s in settings {
        if let Some(st) = scenario
            .stations()
            .iter()
            .find(|st| st.name() == s.station && st.scaling().is_some())
        {
            bail!(
                "--set {}.{}: station `{}` takes its units from its schedule or autoscaler; change those instead",
                s.station,
                s.param,
                st.name()
            );
        }
    }
    Ok(())
}
