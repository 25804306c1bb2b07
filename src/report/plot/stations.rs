//! Where the time goes, station by station: each visit's mean wait in the queue beside its
//! mean service, and how busy the station was. A station whose wait dwarfs its service is
//! where capacity is missing.

use super::frame::{
    bold_style, chart_builder, draw_mesh, legend_height, lighten, num, page, palette, text_style,
    LegendRow, Mesh, Swatch, GUIDE, LABEL_SIZE, TEXT,
};
use super::{draw_err, finite, PlotError};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// One station's bar.
#[derive(Debug, Clone, PartialEq)]
pub struct StationBar {
    /// The station's name.
    pub name: String,
    /// Mean wait in the queue per visit, in the plot's unit.
    pub wait: f64,
    /// Mean service per visit, in the plot's unit.
    pub service: f64,
    /// Busy share over the test, in percent.
    pub busy_percent: f64,
}

/// Input of [`stations_svg`].
#[derive(Debug, Clone, PartialEq)]
pub struct StationsPlot {
    /// Title drawn above the chart.
    pub title: String,
    /// The unit of the waits and services (`"s"`, `"ms"`).
    pub unit: String,
    /// One bar per station, top to bottom.
    pub stations: Vec<StationBar>,
    /// Index of the busiest station, whose name is drawn bold and flagged.
    pub busiest: Option<usize>,
}

/// One row per station: a pale bar for the mean wait, then a solid one for the mean
/// service, in the station's colour, and its busy share written at the end of the bar.
pub fn stations_svg(input: &StationsPlot) -> Result<String, PlotError> {
    let n = input.stations.len();
    if n == 0 {
        return Err(PlotError::Empty("no station"));
    }
    let mut hi: f64 = 0.0;
    for s in &input.stations {
        let wait = finite(|| format!("station {} wait", s.name), s.wait)?;
        let service = finite(|| format!("station {} service", s.name), s.service)?;
        finite(|| format!("station {} busy share", s.name), s.busy_percent)?;
        hi = hi.max(wait + service);
    }
    // Room on the right for the busy share written after the longest bar.
    let x1 = if hi > 0.0 { hi * 1.25 } else { 1.0 };
    let rows = vec![
        LegendRow::heading("each bar, per visit"),
        LegendRow::new(Swatch::Block(lighten(GUIDE, 0.7)), "mean wait in the queue"),
        LegendRow::new(Swatch::Block(GUIDE), "mean service"),
        LegendRow::heading("after the bar"),
        LegendRow::new(Swatch::None, "busy share of the test"),
    ];
    let row_h = 44;
    let height = (40 + 12 + n as i32 * row_h + 58 + 10).max(legend_height(&rows) + 80);
    let x_desc = format!("time per visit ({})", input.unit);
    page(&input.title, 640, height, &rows, 10, |left| {
        let y_hi = n as f64;
        let mut chart = chart_builder(left, 10)
            .y_label_area_size(110)
            .build_cartesian_2d(0.0..x1, 0.0..y_hi)
            .map_err(draw_err)?;
        draw_mesh(
            &mut chart,
            &Mesh {
                x_desc: &x_desc,
                y_desc: "",
                x_labels: 8,
                y_labels: 0,
                y_grid: false,
            },
        )?;
        let base = left.get_base_pixel();
        for (i, s) in input.stations.iter().enumerate() {
            let color = palette(i);
            let (top, bottom) = (y_hi - i as f64 - 0.2, y_hi - i as f64 - 0.8);
            let end = s.wait + s.service;
            chart
                .draw_series([
                    Rectangle::new(
                        [(0.0, top), (s.wait, bottom)],
                        lighten(color, 0.65).filled(),
                    ),
                    Rectangle::new([(s.wait, top), (end, bottom)], color.filled()),
                ])
                .map_err(draw_err)?;
            let busiest = input.busiest == Some(i);
            let (px, py) = chart.backend_coord(&(end, y_hi - i as f64 - 0.5));
            let note = format!(
                "busy {} %{}",
                num((s.busy_percent * 10.0).round() / 10.0),
                if busiest { " (busiest)" } else { "" }
            );
            let style = if busiest {
                bold_style(LABEL_SIZE, TEXT)
            } else {
                text_style(LABEL_SIZE, TEXT)
            };
            left.draw(&Text::new(
                note,
                (px - base.0 + 6, py - base.1),
                style.pos(Pos::new(HPos::Left, VPos::Center)),
            ))
            .map_err(draw_err)?;
            let (lx, ly) = chart.backend_coord(&(0.0, y_hi - i as f64 - 0.5));
            let label = if busiest {
                bold_style(LABEL_SIZE, TEXT)
            } else {
                text_style(LABEL_SIZE, TEXT)
            };
            left.draw(&Text::new(
                s.name.clone(),
                (lx - base.0 - 8, ly - base.1),
                label.pos(Pos::new(HPos::Right, VPos::Center)),
            ))
            .map_err(draw_err)?;
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::super::svg_read::texts;
    use super::*;

    #[test]
    fn every_station_is_named_with_its_busy_share_and_the_busiest_is_flagged() {
        let bar = |name: &str, wait, service, busy| StationBar {
            name: name.into(),
            wait,
            service,
            busy_percent: busy,
        };
        let svg = stations_svg(&StationsPlot {
            title: "where the time goes".into(),
            unit: "s".into(),
            stations: vec![bar("soda", 1.5, 1.0, 50.0), bar("burger", 0.25, 3.0, 96.66)],
            busiest: Some(1),
        })
        .unwrap();
        let doc = roxmltree::Document::parse(&svg).unwrap();
        let texts = texts(&doc);
        for want in ["soda", "burger", "busy 50 %", "busy 96.7 % (busiest)"] {
            assert!(texts.iter().any(|t| t == want), "{want}: {texts:?}");
        }
    }

    #[test]
    fn no_station_is_nothing_to_plot() {
        let empty = StationsPlot {
            title: "x".into(),
            unit: "s".into(),
            stations: Vec::new(),
            busiest: None,
        };
        assert!(matches!(stations_svg(&empty), Err(PlotError::Empty(_))));
    }
}
