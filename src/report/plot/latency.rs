//! One request class's latencies as a cumulative distribution, with its objective marked:
//! the share of clients served within each latency, so that "99 % under 300 ms" is read
//! where the curve crosses the timeout.

use super::frame::{
    chart_builder, draw_mesh, legend_height, num, page, text_style, LegendRow, Mesh, Swatch, GUIDE,
    LABEL_SIZE, PASS,
};
use super::{draw_err, finite, PlotError};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// Input of [`latency_svg`].
#[derive(Debug, Clone, PartialEq)]
pub struct LatencyPlot {
    /// Title drawn above the chart.
    pub title: String,
    /// The unit latencies are given in (`"s"`, `"ms"`), for the axis.
    pub unit: String,
    /// (latency, percent of the class's clients served within it), by latency.
    pub points: Vec<(f64, f64)>,
    /// The objective's timeout, in `unit`.
    pub timeout: f64,
    /// The objective's share, in percent.
    pub share: f64,
    /// Clients behind the curve, for the legend.
    pub clients: usize,
}

/// The cumulative distribution as a staircase from 0 % (each latency's share of clients
/// reached at that latency), a dashed vertical guide at the timeout and a dashed horizontal
/// one at the required share, their crossing ringed: a curve that passes left of and above
/// the ring meets the objective.
pub fn latency_svg(input: &LatencyPlot) -> Result<String, PlotError> {
    let timeout = finite(|| "timeout".into(), input.timeout)?;
    let share = finite(|| "share".into(), input.share)?;
    let mut hi = timeout;
    for (i, &(x, y)) in input.points.iter().enumerate() {
        hi = hi.max(finite(|| format!("point {} latency", i + 1), x)?);
        finite(|| format!("point {} share", i + 1), y)?;
    }
    let x1 = if hi > 0.0 { hi * 1.08 } else { 1.0 };
    let (y0, y1) = (0.0, 103.0);
    let mut steps = vec![(0.0, 0.0)];
    let mut last = 0.0;
    for &(x, y) in &input.points {
        steps.push((x, last));
        steps.push((x, y));
        last = y;
    }
    steps.push((x1, last));
    let rows = vec![
        LegendRow::heading(format!("{} clients", input.clients)),
        LegendRow::new(Swatch::solid(PASS), "share served within"),
        LegendRow::new(
            Swatch::dashed(GUIDE),
            format!(
                "objective: {} % under {} {}",
                num(share),
                num(timeout),
                input.unit
            ),
        ),
    ];
    let x_desc = format!("latency ({})", input.unit);
    let height = 360.max(legend_height(&rows) + 90);
    page(&input.title, 620, height, &rows, 26, |left| {
        let mut chart = chart_builder(left, 26)
            .build_cartesian_2d(0.0..x1, y0..y1)
            .map_err(draw_err)?;
        draw_mesh(
            &mut chart,
            &Mesh {
                x_desc: &x_desc,
                y_desc: "clients served within (%)",
                x_labels: 8,
                y_labels: 6,
                y_grid: true,
            },
        )?;
        let guide = GUIDE.stroke_width(2);
        chart
            .draw_series(DashedLineSeries::new(
                vec![(timeout, y0), (timeout, y1)],
                7,
                5,
                guide,
            ))
            .map_err(draw_err)?;
        chart
            .draw_series(DashedLineSeries::new(
                vec![(0.0, share), (x1, share)],
                7,
                5,
                guide,
            ))
            .map_err(draw_err)?;
        chart
            .draw_series(LineSeries::new(steps, PASS.stroke_width(3)))
            .map_err(draw_err)?;
        chart
            .draw_series(std::iter::once(Circle::new(
                (timeout, share),
                7,
                GUIDE.stroke_width(2),
            )))
            .map_err(draw_err)?;
        let (px, py) = chart.backend_coord(&(timeout, y1));
        let base = left.get_base_pixel();
        left.draw(&Text::new(
            format!("timeout {} {}", num(timeout), input.unit),
            (px - base.0, py - base.1 - 4),
            text_style(LABEL_SIZE, GUIDE).pos(Pos::new(HPos::Center, VPos::Bottom)),
        ))
        .map_err(draw_err)?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::super::svg_read::{elements, texts};
    use super::*;

    #[test]
    fn the_curve_and_its_objective_are_drawn_and_labelled() {
        let svg = latency_svg(&LatencyPlot {
            title: "browse".into(),
            unit: "ms".into(),
            points: vec![(5.0, 50.0), (12.0, 99.5), (15.0, 100.0)],
            timeout: 300.0,
            share: 99.0,
            clients: 1600,
        })
        .unwrap();
        let doc = roxmltree::Document::parse(&svg).unwrap();
        let texts = texts(&doc);
        assert!(
            texts.iter().any(|t| t == "objective: 99 % under 300 ms"),
            "{texts:?}"
        );
        assert!(texts.iter().any(|t| t == "timeout 300 ms"), "{texts:?}");
        assert!(texts.iter().any(|t| t == "latency (ms)"), "{texts:?}");
        // The staircase: two points per latency, from the origin to the right edge.
        let lines = elements(&doc, "polyline");
        assert!(
            lines.iter().any(|l| l
                .attribute("points")
                .unwrap_or("")
                .split_whitespace()
                .count()
                == 8),
            "{:?}",
            lines
                .iter()
                .map(|l| l.attribute("points").unwrap_or(""))
                .collect::<Vec<_>>()
        );
    }

    #[test]
    fn a_number_that_is_not_finite_is_refused() {
        let err = latency_svg(&LatencyPlot {
            title: "x".into(),
            unit: "s".into(),
            points: vec![(f64::NAN, 1.0)],
            timeout: 1.0,
            share: 100.0,
            clients: 1,
        })
        .unwrap_err();
        assert!(err.to_string().contains("point 1 latency"), "{err}");
    }
}
