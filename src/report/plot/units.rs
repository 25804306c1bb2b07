//! A run over time in one picture: the load per minute above, each scaled station's units
//! in the middle, the p99 per minute below, on one time axis (model seconds), so that a
//! platform team sees the autoscaler lag the load and what that lag does to the tail.

use plotters::prelude::*;

use super::dashboard::sig;
use super::frame::{
    bold_style, chart_builder, draw_mesh, legend_height, page, palette, LegendRow, Mesh, Swatch,
    LABEL_SIZE, LATE, LATE_ROW, TEXT,
};
use super::{draw_err, finite, PlotError};

/// One scaled station's units.
#[derive(Debug, Clone, PartialEq)]
pub struct UnitSeries {
    /// Its name.
    pub name: String,
    /// `(time_s, desired, ready)` at each row of the units CSV, in time order.
    pub points: Vec<(f64, u32, u32)>,
}

/// Input of [`units_svg`].
#[derive(Debug, Clone, PartialEq)]
pub struct UnitsPlot {
    /// Title drawn above the panels.
    pub title: String,
    /// Latency timeout in seconds: a guide on the p99 panel.
    pub timeout_s: f64,
    /// When the run ended (the units' lines run to it), in seconds.
    pub end_s: f64,
    /// Per minute from 0: `(start_s, clients due, their p99 in seconds)`.
    pub minutes: Vec<(f64, usize, Option<f64>)>,
    /// Each scaled station.
    pub stations: Vec<UnitSeries>,
}

const ARRIVALS: RGBColor = RGBColor(0x8f, 0xb3, 0xd9);
const P99: RGBColor = RGBColor(0xff, 0x7f, 0x0e);
const HEIGHT: i32 = 820;
const PANEL: i32 = 250;
const PLOT_W: i32 = 760;

/// Three panels on one time axis: arrivals per second in each minute (bars); each station's
/// ready units (a solid step line) and desired units (dashed); the p99 latency of the
/// clients due in each minute, with the timeout as a red guide. Every minute also gets an
/// invisible column with `data-start-s`, `data-arrivals` and `data-p99-s`, so that a
/// program can read the figures back (no tooltip: a day has 1440 minutes).
pub fn units_svg(input: &UnitsPlot) -> Result<String, PlotError> {
    let timeout = finite(|| "timeout".into(), input.timeout_s)?;
    if input.minutes.is_empty() || input.stations.is_empty() {
        return Err(PlotError::Empty("no minute or no scaled station"));
    }
    let end = finite(|| "end".into(), input.end_s)?;
    let last_minute = input.minutes.last().map_or(0.0, |m| m.0 + 60.0);
    let x1 = end.max(last_minute).max(60.0);
    let x0 = 0.0;
    let rate_hi = input
        .minutes
        .iter()
        .map(|m| m.1 as f64 / 60.0)
        .fold(0.0, f64::max);
    let rate_hi = if rate_hi > 0.0 { rate_hi * 1.12 } else { 1.0 };
    let units_hi = input
        .stations
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.1.max(p.2)))
        .max()
        .unwrap_or(1) as f64
        * 1.15
        + 0.5;
    let lat_hi = input
        .minutes
        .iter()
        .filter_map(|m| m.2)
        .fold(timeout, f64::max)
        * 1.1;
    for (i, m) in input.minutes.iter().enumerate() {
        if let Some(p) = m.2 {
            finite(|| format!("minute {} p99", i + 1), p)?;
        }
    }

    let mut rows = vec![
        LegendRow::heading("load, per 1 min"),
        LegendRow::new(Swatch::Block(ARRIVALS), "clients/s"),
        LegendRow::heading("units"),
    ];
    for (i, s) in input.stations.iter().enumerate() {
        rows.push(LegendRow::new(
            Swatch::solid(palette(i)),
            format!("{} ready", s.name),
        ));
        rows.push(LegendRow::new(
            Swatch::dashed(palette(i)),
            format!("{} desired", s.name),
        ));
    }
    rows.push(LegendRow::heading("latency, by due minute"));
    rows.push(LegendRow::new(Swatch::solid(P99), "p99"));
    rows.push(LegendRow::new(
        Swatch::dashed(LATE),
        format!("timeout {} s", sig(timeout)),
    ));
    let height = HEIGHT.max(legend_height(&rows) + 80);
    let mut columns = Vec::new();
    let mut svg = page(&input.title, PLOT_W, height, &rows, 36, |left| {
        let panel_title = bold_style(LABEL_SIZE + 2.0, TEXT);
        let (top, rest) = left.split_vertically(PANEL);
        let (middle, bottom) = rest.split_vertically(PANEL);
        let top = top.titled("Load", panel_title.clone()).map_err(draw_err)?;
        let middle = middle
            .titled("Units per station", panel_title.clone())
            .map_err(draw_err)?;
        let bottom = bottom
            .titled("p99 latency per minute", panel_title)
            .map_err(draw_err)?;
        let mesh = |y_desc, x_desc| Mesh {
            x_desc,
            y_desc,
            x_labels: 12,
            y_labels: 5,
            y_grid: true,
        };

        let mut load = chart_builder(&top, 6)
            .x_label_area_size(28)
            .build_cartesian_2d(x0..x1, 0.0..rate_hi)
            .map_err(draw_err)?;
        draw_mesh(&mut load, &mesh("clients/s", ""))?;
        load.draw_series(input.minutes.iter().filter(|m| m.1 > 0).map(|m| {
            Rectangle::new(
                [(m.0 + 3.0, m.1 as f64 / 60.0), (m.0 + 57.0, 0.0)],
                ARRIVALS.filled(),
            )
        }))
        .map_err(draw_err)?;

        let mut units = chart_builder(&middle, 6)
            .x_label_area_size(28)
            .build_cartesian_2d(x0..x1, 0.0..units_hi)
            .map_err(draw_err)?;
        draw_mesh(&mut units, &mesh("units", ""))?;
        for (i, s) in input.stations.iter().enumerate() {
            let steps = |pick: fn(&(f64, u32, u32)) -> u32| {
                let mut line = Vec::with_capacity(s.points.len() * 2 + 1);
                for (k, p) in s.points.iter().enumerate() {
                    if k > 0 {
                        line.push((p.0, f64::from(pick(&s.points[k - 1]))));
                    }
                    line.push((p.0, f64::from(pick(p))));
                }
                if let Some(p) = s.points.last() {
                    line.push((x1.min(end.max(p.0)), f64::from(pick(p))));
                }
                line
            };
            units
                .draw_series(LineSeries::new(steps(|p| p.2), palette(i).stroke_width(2)))
                .map_err(draw_err)?;
            units
                .draw_series(DashedLineSeries::new(
                    steps(|p| p.1),
                    6,
                    4,
                    palette(i).stroke_width(1),
                ))
                .map_err(draw_err)?;
        }

        let mut latency = chart_builder(&bottom, 6)
            .build_cartesian_2d(x0..x1, 0.0..lat_hi)
            .map_err(draw_err)?;
        latency
            .draw_series([Rectangle::new(
                [(x0, lat_hi), (x1, timeout.min(lat_hi))],
                LATE_ROW.filled(),
            )])
            .map_err(draw_err)?;
        draw_mesh(&mut latency, &mesh("p99 (s)", "time (s)"))?;
        latency
            .draw_series(DashedLineSeries::new(
                vec![(x0, timeout), (x1, timeout)],
                7,
                5,
                LATE.stroke_width(2),
            ))
            .map_err(draw_err)?;
        for run in input.minutes.split(|m| m.2.is_none()) {
            let points: Vec<(f64, f64)> = run
                .iter()
                .filter_map(|m| Some((m.0 + 30.0, m.2?)))
                .collect();
            latency
                .draw_series(LineSeries::new(points.clone(), P99.stroke_width(2)))
                .map_err(draw_err)?;
            if points.len() == 1 {
                latency
                    .draw_series(points.into_iter().map(|p| Circle::new(p, 3, P99.filled())))
                    .map_err(draw_err)?;
            }
        }
        let y_top = load.backend_coord(&(x0, rate_hi)).1;
        let y_bottom = latency.backend_coord(&(x0, 0.0)).1;
        for m in &input.minutes {
            let xa = load.backend_coord(&(m.0, 0.0)).0;
            let xb = load.backend_coord(&(m.0 + 60.0, 0.0)).0;
            let p99 =
                m.2.map(|p| format!(r#" data-p99-s="{}""#, sig(p)))
                    .unwrap_or_default();
            columns.push(format!(
                "<rect class=\"minute\" x=\"{xa}\" y=\"{y_top}\" width=\"{}\" height=\"{}\" fill-opacity=\"0\" data-start-s=\"{}\" data-arrivals=\"{}\"{p99}/>\n",
                (xb - xa).max(1),
                y_bottom - y_top,
                sig(m.0),
                m.1,
            ));
        }
        Ok(())
    })?;
    let end_tag = svg.rfind("</svg>").ok_or_else(|| draw_err("no </svg>"))?;
    svg.insert_str(end_tag, &columns.concat());
    Ok(svg)
}

#[cfg(test)]
mod tests {
    use super::super::svg_read::{attr, elements, texts};
    use super::*;

    #[test]
    fn plot_units_draws_three_panels_on_one_axis_and_reads_back() {
        let input = UnitsPlot {
            title: "day".into(),
            timeout_s: 0.3,
            end_s: 300.0,
            minutes: vec![
                (0.0, 60, Some(0.1)),
                (60.0, 120, Some(0.5)),
                (120.0, 0, None),
                (180.0, 30, Some(0.1)),
            ],
            stations: vec![UnitSeries {
                name: "app".into(),
                points: vec![(0.0, 1, 1), (15.0, 2, 1), (45.0, 2, 2), (240.0, 1, 1)],
            }],
        };
        let svg = units_svg(&input).unwrap();
        let doc = roxmltree::Document::parse(&svg).unwrap();
        let all = texts(&doc);
        for t in [
            "Load",
            "Units per station",
            "p99 latency per minute",
            "app ready",
        ] {
            assert!(all.contains(&t.to_string()), "no {t:?} in {all:?}");
        }
        let minutes: Vec<_> = elements(&doc, "rect")
            .into_iter()
            .filter(|n| attr(n, "class") == "minute")
            .collect();
        assert_eq!(minutes.len(), 4);
        assert_eq!(attr(&minutes[1], "data-p99-s"), "0.5");
        assert_eq!(attr(&minutes[1], "data-arrivals"), "120");
        let empty = UnitsPlot {
            minutes: vec![],
            ..input
        };
        assert!(matches!(units_svg(&empty), Err(PlotError::Empty(_))));
    }
}
