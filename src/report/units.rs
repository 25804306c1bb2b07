//! A run over time, as the reports show it: the units CSV (`--units-csv FILE`: one row at
//! each sync and each change), each station's units and what they cost (a block of run's
//! table and a field of its JSON), and the picture of the day.

use schemars::JsonSchema;
use serde::Serialize;

use super::plot::{UnitSeries, UnitsPlot};
use super::table::{Align, Table};
use super::{ExportError, Render};
use crate::model::cost::HOURS_PER_MONTH;
use crate::model::units::Resolution;
use crate::outcome::units::{OverTime, StationUnits};

/// The units CSV of a run over time: `time_s,station,desired,ready,busy_share`, a row at
/// each sync and each change, in time order (station order at one instant; at a sync
/// whose instant also changed the units, the change first). `busy_share` is the busy share
/// of the pool's unit-time since its last sync, printed so that it reads back to the same
/// number.
pub struct UnitsCsv<'a> {
    /// Names the stations.
    pub stations: Vec<&'a str>,
    /// Steps to seconds.
    pub resolution: Resolution,
    /// The run's units.
    pub over: &'a OverTime,
}

impl Render for UnitsCsv<'_> {
    fn table(&self) -> String {
        String::from_utf8_lossy(&self.csv().unwrap_or_default()).into_owned()
    }

    fn json(&self) -> String {
        self.table()
    }

    fn csv(&self) -> Result<Vec<u8>, ExportError> {
        let mut out = b"time_s,station,desired,ready,busy_share\n".to_vec();
        let mut number = itoa::Buffer::new();
        for r in &self.over.rows {
            self.resolution.push_seconds(r.at, &mut out);
            out.push(b',');
            out.extend_from_slice(self.stations[r.station as usize].as_bytes());
            out.push(b',');
            out.extend_from_slice(number.format(r.desired).as_bytes());
            out.push(b',');
            out.extend_from_slice(number.format(r.ready).as_bytes());
            out.push(b',');
            out.extend_from_slice(format!("{}", r.busy_share).as_bytes());
            out.push(b'\n');
        }
        Ok(out)
    }
}

/// The table's block: per station its units (min, mean, max), unit-hours and cost, then
/// the total and the pricing rule.
pub fn block(over: &OverTime, currency: &str) -> String {
    let mut t = Table::new(&[
        ("station", Align::Left),
        ("units from", Align::Left),
        ("min", Align::Right),
        ("mean", Align::Right),
        ("max", Align::Right),
        ("unit-hours", Align::Right),
        ("cost", Align::Right),
    ]);
    for s in &over.stations {
        t.row(vec![
            s.station.clone(),
            s.source.into(),
            s.min.to_string(),
            format!("{:.2}", s.mean),
            s.max.to_string(),
            format!("{:.3}", s.unit_hours),
            format!("{:.4}", s.cost),
        ]);
    }
    format!(
        "\nunits over the run ({:.3} h):\n{}total cost {:.4} ({currency} prices over {} h a month, for the unit-hours paid: starting, ready or leaving)\n",
        over.hours,
        t.render(),
        over.cost,
        HOURS_PER_MONTH
    )
}

/// The JSON's `units` field.
#[derive(Serialize, JsonSchema)]
pub struct JsonUnits<'a> {
    /// The run's length, in hours.
    pub hours: f64,
    /// Hours in the month the prices are for.
    pub hours_per_month: f64,
    /// Every station's cost over the run.
    pub cost: f64,
    /// Per station.
    pub stations: &'a [StationUnits],
}

impl<'a> JsonUnits<'a> {
    /// The field of `over`.
    pub fn new(over: &'a OverTime) -> JsonUnits<'a> {
        JsonUnits {
            hours: over.hours,
            hours_per_month: HOURS_PER_MONTH,
            cost: over.cost,
            stations: &over.stations,
        }
    }
}

/// The picture of a run over time: its load, each scaled station's units and the p99, per
/// minute, on one time axis.
pub fn plot(
    title: String,
    timeout_s: f64,
    stations: &[&str],
    resolution: Resolution,
    over: &OverTime,
) -> UnitsPlot {
    let scaled: Vec<u16> = {
        let mut s: Vec<u16> = over.rows.iter().map(|r| r.station).collect();
        s.sort_unstable();
        s.dedup();
        s
    };
    UnitsPlot {
        title,
        timeout_s,
        end_s: over.hours * 3600.0,
        minutes: over
            .minutes
            .iter()
            .map(|m| (m.start_s, m.arrivals, m.p99_s))
            .collect(),
        stations: scaled
            .into_iter()
            .map(|i| UnitSeries {
                name: stations[i as usize].to_string(),
                points: over
                    .rows
                    .iter()
                    .filter(|r| r.station == i)
                    .map(|r| (resolution.to_seconds(r.at), r.desired, r.ready))
                    .collect(),
            })
            .collect(),
    }
}
