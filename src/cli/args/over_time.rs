//! The flags of units over time: `--schedule`, `--units-csv`, `optimize --policy` and
//! `--schedule-windows`, read here and resolved against the scenario in
//! `commands::over_time`.

use clap::Args;

use super::{duration, number};

/// Units that change while the test runs: schedules from the command line, and the units'
/// record.
#[derive(Debug, Args, Clone, Default)]
pub struct OverTimeArgs {
    /// A pool's units over time, replacing its units, range, schedule or autoscaler: from each TIME on, UNITS units (the first at 0s): app=0s:2,6h:5 (repeatable, one station each)
    #[arg(long = "schedule", value_name = "STATION=TIME:UNITS,...", value_parser = parse_schedule)]
    pub schedules: Vec<ScheduleArg>,

    /// Write the units of every pool whose units change as CSV to FILE (`-` for stdout): time_s,station,desired,ready,busy_share, one row at each sync and each change
    #[arg(long, value_name = "FILE")]
    pub units_csv: Option<String>,
}

/// `--schedule STATION=TIME:UNITS,...`, as written: the times in seconds, the units as
/// given (checked against the scenario's resolution and bounds once it is read).
#[derive(Debug, Clone, PartialEq)]
pub struct ScheduleArg {
    /// The pool's name.
    pub station: String,
    /// `(seconds, units)`, in the order written.
    pub entries: Vec<(f64, i64)>,
}

/// Reads `app=0s:2,6h:5`.
pub fn parse_schedule(text: &str) -> Result<ScheduleArg, String> {
    let Some((station, list)) = text.split_once('=') else {
        return Err(format!(
            "`{text}` is not STATION=TIME:UNITS,... (app=0s:2,6h:5)"
        ));
    };
    let station = station.trim();
    if station.is_empty() {
        return Err(format!("`{text}` names no station (app=0s:2,6h:5)"));
    }
    let entries = list
        .split(',')
        .map(|entry| {
            let (time, units) = entry
                .split_once(':')
                .ok_or_else(|| format!("`{}` is not TIME:UNITS (6h:5)", entry.trim()))?;
            let seconds = duration(time)?;
            let units: i64 = units
                .trim()
                .parse()
                .map_err(|_| format!("`{}` is not a whole number of units", units.trim()))?;
            Ok((seconds, units))
        })
        .collect::<Result<Vec<_>, String>>()?;
    Ok(ScheduleArg {
        station: station.to_string(),
        entries,
    })
}

/// `--policy STATION.KEY=VALUES`: what one autoscaler's parameter tries.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyArg {
    /// The pool's name.
    pub station: String,
    /// What is tried.
    pub values: PolicyValues,
}

/// The values of one `--policy`.
#[derive(Debug, Clone, PartialEq)]
pub enum PolicyValues {
    /// `min=1..=3`.
    Min(Vec<u32>),
    /// `max=6,8,10`.
    Max(Vec<u32>),
    /// `target=0.5,0.6`.
    Target(Vec<f64>),
}

/// Reads `app.min=1..=3`, `app.max=6,8`, `app.target=0.5,0.6,0.7`.
pub fn parse_policy(text: &str) -> Result<PolicyArg, String> {
    let form =
        "STATION.min=VALUES, STATION.max=VALUES or STATION.target=SHARES (app.target=0.5,0.6)";
    let (lever, values) = text
        .split_once('=')
        .ok_or_else(|| format!("`{text}` is not {form}"))?;
    let (station, key) = lever
        .rsplit_once('.')
        .ok_or_else(|| format!("`{text}` is not {form}"))?;
    let whole = |v: &str| {
        crate::model::levers::Values::parse(v)
            .map(|v| v.as_slice().to_vec())
            .map_err(|e| e.to_string())
    };
    let values = match key.trim() {
        "min" => PolicyValues::Min(whole(values)?),
        "max" => PolicyValues::Max(whole(values)?),
        "target" | "target_utilisation" | "target_utilization" => PolicyValues::Target(
            values
                .split(',')
                .map(|v| {
                    let t = number(v.trim())?;
                    if t > 0.0 && t <= 1.0 {
                        Ok(t)
                    } else {
                        Err(format!(
                            "a target utilisation is a busy share in (0, 1], got {}",
                            v.trim()
                        ))
                    }
                })
                .collect::<Result<Vec<f64>, String>>()?,
        ),
        other => return Err(format!("`{other}` is not min, max or target: {form}")),
    };
    Ok(PolicyArg {
        station: station.trim().to_string(),
        values,
    })
}
