//! Satisfaction against arrival rate, one line per strategy: how each upgrade holds up as
//! the load grows.

use super::frame::{
    chart_builder, draw_mesh, legend_height, num, padded, page, palette, text_style, LegendRow,
    Mesh, Swatch, GUIDE, LABEL_SIZE,
};
use super::{draw_err, finite, PlotError};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// One strategy of a comparison: its satisfaction at each arrival rate tried.
#[derive(Debug, Clone, PartialEq)]
pub struct StrategySeries {
    /// Strategy name shown in the legend, e.g. `"+1 cook"` or `"cheapest"`.
    pub name: String,
    /// Its cost, already formatted with its unit, e.g. `"227.60 $/month"`.
    pub cost_label: String,
    /// `(arrival rate in clients/s, satisfaction in %)`, drawn in the given order.
    pub points: Vec<(f64, f64)>,
}

/// Input of [`compare_svg`].
#[derive(Debug, Clone, PartialEq)]
pub struct ComparePlot {
    /// Title drawn above the chart.
    pub title: String,
    /// One line per strategy, coloured in order (10 distinct colours, then they repeat).
    pub series: Vec<StrategySeries>,
    /// Target arrival rate in clients/s: a vertical dashed guide when given.
    pub target_rate: Option<f64>,
    /// Minimum satisfaction in %: a horizontal dashed guide.
    pub min_satisfaction: f64,
}

/// Satisfaction (%, y, 0..100) against arrival rate (clients/s, x), one coloured line with
/// ring markers per strategy, a dashed vertical guide at the target rate and a dashed
/// horizontal guide at the minimum satisfaction, and a legend `name — cost` on the right.
///
/// Strategies that reach the same satisfaction at a rate draw over each other; their markers
/// have different radii (the first strategy's is the smallest, a filled dot, the others are
/// rings), so coinciding points stay visible as concentric rings.
pub fn compare_svg(input: &ComparePlot) -> Result<String, PlotError> {
    let mut xs = Vec::new();
    for s in &input.series {
        for (i, &(rate, sat)) in s.points.iter().enumerate() {
            xs.push(finite(
                || format!("strategy {:?} point {} rate", s.name, i + 1),
                rate,
            )?);
            finite(
                || format!("strategy {:?} point {} satisfaction", s.name, i + 1),
                sat,
            )?;
        }
    }
    if xs.is_empty() {
        return Err(PlotError::Empty("no strategy has a point"));
    }
    if let Some(t) = input.target_rate {
        xs.push(finite(|| "target rate".into(), t)?);
    }
    let min_sat = finite(|| "minimum satisfaction".into(), input.min_satisfaction)?;
    let lo = xs.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = xs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let (mut x0, x1) = padded(lo, hi, 0.04, 1.0);
    if lo >= 0.0 && x0 < 0.0 {
        x0 = 0.0;
    }
    let y_hi = input
        .series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.1))
        .fold(min_sat.max(100.0), f64::max);
    let y_lo = input
        .series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.1))
        .fold(min_sat.min(0.0), f64::min);
    let (y0, y1) = (y_lo - 3.0, y_hi + 3.0);

    let n = input.series.len();
    // Marker radii grow from 3 to 9 px over the strategies; the first one's is a filled dot.
    let ring = |i: usize| -> u32 {
        if n <= 1 {
            4
        } else {
            3 + ((i * 6) as f64 / (n - 1) as f64).round() as u32
        }
    };

    let mut rows: Vec<LegendRow> = vec![LegendRow::heading("strategy — cost")];
    for (i, s) in input.series.iter().enumerate() {
        rows.push(LegendRow::new(
            Swatch::Line {
                color: palette(i),
                dashed: false,
                ring: Some((ring(i), i == 0)),
            },
            format!("{} — {}", s.name, s.cost_label),
        ));
    }
    rows.push(LegendRow::heading("guides"));
    if let Some(t) = input.target_rate {
        rows.push(LegendRow::new(
            Swatch::dashed(GUIDE),
            format!("target rate {} clients/s", num(t)),
        ));
    }
    rows.push(LegendRow::new(
        Swatch::dashed(GUIDE),
        format!("min satisfaction {} %", num(min_sat)),
    ));

    let height = 560.max(legend_height(&rows) + 90);
    page(&input.title, 660, height, &rows, 26, |left| {
        let mut chart = chart_builder(left, 26)
            .build_cartesian_2d(x0..x1, y0..y1)
            .map_err(draw_err)?;
        draw_mesh(
            &mut chart,
            &Mesh {
                x_desc: "arrival rate (clients/s)",
                y_desc: "satisfaction (%)",
                x_labels: 12,
                y_labels: 11,
                y_grid: true,
            },
        )?;

        let guide = GUIDE.stroke_width(2);
        if let Some(t) = input.target_rate {
            chart
                .draw_series(DashedLineSeries::new(vec![(t, y0), (t, y1)], 7, 5, guide))
                .map_err(draw_err)?;
            let (px, py) = chart.backend_coord(&(t, y1));
            let base = left.get_base_pixel();
            left.draw(&Text::new(
                format!("target {} clients/s", num(t)),
                (px - base.0, py - base.1 - 4),
                text_style(LABEL_SIZE, GUIDE).pos(Pos::new(HPos::Center, VPos::Bottom)),
            ))
            .map_err(draw_err)?;
        }
        chart
            .draw_series(DashedLineSeries::new(
                vec![(x0, min_sat), (x1, min_sat)],
                7,
                5,
                guide,
            ))
            .map_err(draw_err)?;

        for (i, s) in input.series.iter().enumerate() {
            let color = palette(i);
            chart
                .draw_series(LineSeries::new(s.points.clone(), color.stroke_width(2)))
                .map_err(draw_err)?;
            let r = ring(i);
            let style = if i == 0 {
                color.filled()
            } else {
                color.stroke_width(2)
            };
            chart
                .draw_series(s.points.iter().map(|&p| Circle::new(p, r, style)))
                .map_err(draw_err)?;
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::super::frame::PALETTE;
    use super::super::svg_read::{attr, elements, hex, size, texts};
    use super::*;

    fn compare_input() -> ComparePlot {
        let rates: Vec<f64> = (0..11).map(|i| 0.5 + 0.25 * f64::from(i)).collect();
        let sats: [(&str, f64, [f64; 11]); 3] = [
            (
                "baseline",
                131.0,
                [100., 100., 100., 100., 60., 50., 50., 50., 50., 50., 30.],
            ),
            (
                "+1 cook",
                163.0,
                [100., 100., 100., 100., 100., 90., 60., 60., 50., 50., 50.],
            ),
            (
                "cheapest",
                227.6,
                [
                    100., 100., 100., 100., 100., 100., 100., 100., 90., 80., 70.,
                ],
            ),
        ];
        ComparePlot {
            title: "fastfood & friends <compare>".into(),
            series: sats
                .iter()
                .map(|(name, cost, s)| StrategySeries {
                    name: name.to_string(),
                    cost_label: format!("{cost:.2} $/month"),
                    points: rates.iter().copied().zip(s.iter().copied()).collect(),
                })
                .collect(),
            target_rate: Some(2.0),
            min_satisfaction: 90.0,
        }
    }

    #[test]
    fn plot_compare_holds_every_series_guide_and_legend() {
        let input = compare_input();
        let svg = compare_svg(&input).unwrap();
        let doc = roxmltree::Document::parse(&svg).unwrap();
        let texts = texts(&doc);
        assert!(texts.contains(&"fastfood & friends <compare>".to_string()));
        for t in [
            "baseline — 131.00 $/month",
            "+1 cook — 163.00 $/month",
            "cheapest — 227.60 $/month",
            "target rate 2 clients/s",
            "min satisfaction 90 %",
            "target 2 clients/s",
            "arrival rate (clients/s)",
            "satisfaction (%)",
        ] {
            assert!(texts.contains(&t.to_string()), "no text {t:?} in {texts:?}");
        }
        let polylines = elements(&doc, "polyline");
        let circles = elements(&doc, "circle");
        for (i, s) in input.series.iter().enumerate() {
            let c = hex(palette(i));
            // One line through every point, plus the legend's sample.
            let lines: Vec<_> = polylines
                .iter()
                .filter(|n| attr(n, "stroke") == c)
                .collect();
            assert_eq!(lines.len(), 2, "series {}", s.name);
            let longest = lines
                .iter()
                .map(|n| attr(n, "points").split_whitespace().count())
                .max();
            assert_eq!(longest, Some(s.points.len()));
            // One marker per point, plus the legend's.
            let markers = circles
                .iter()
                .filter(|n| attr(n, "stroke") == c || attr(n, "fill") == c)
                .count();
            assert_eq!(markers, s.points.len() + 1, "series {}", s.name);
        }
        // Dashed guides: a vertical one at x(2.0) and a horizontal one at y(90).
        let guide = hex(GUIDE);
        let dashes: Vec<_> = polylines
            .iter()
            .filter(|n| attr(n, "stroke") == guide)
            .map(|n| attr(n, "points").to_string())
            .collect();
        let vertical = dashes
            .iter()
            .filter(|p| {
                let xs: Vec<&str> = p
                    .split_whitespace()
                    .map(|xy| xy.split(',').next().unwrap())
                    .collect();
                xs.len() == 2 && xs[0] == xs[1]
            })
            .count();
        let horizontal = dashes
            .iter()
            .filter(|p| {
                let ys: Vec<&str> = p
                    .split_whitespace()
                    .map(|xy| xy.split(',').nth(1).unwrap())
                    .collect();
                ys.len() == 2 && ys[0] == ys[1]
            })
            .count();
        assert!(vertical > 5, "vertical guide dashes: {vertical}");
        assert!(horizontal > 5, "horizontal guide dashes: {horizontal}");
        let (w, h) = size(&doc);
        assert!((800.0..=1400.0).contains(&w) && (500.0..=800.0).contains(&h));
    }

    #[test]
    fn plot_compare_without_target_has_no_vertical_guide_and_ten_colours() {
        let mut input = compare_input();
        input.target_rate = None;
        let base = input.series[0].clone();
        input.series = (0..10)
            .map(|i| StrategySeries {
                name: format!("s{i}"),
                ..base.clone()
            })
            .collect();
        let svg = compare_svg(&input).unwrap();
        let doc = roxmltree::Document::parse(&svg).unwrap();
        let texts = texts(&doc);
        assert!(!texts.iter().any(|t| t.starts_with("target")));
        let colours: HashSet<&str> = elements(&doc, "polyline")
            .iter()
            .map(|n| attr(n, "stroke"))
            .filter(|c| PALETTE.iter().any(|p| hex(*p) == *c))
            .collect();
        assert_eq!(colours.len(), 10);
    }

    #[test]
    fn plot_compare_refuses_empty_and_non_finite_input() {
        let mut input = compare_input();
        input.series.iter_mut().for_each(|s| s.points.clear());
        assert!(matches!(compare_svg(&input), Err(PlotError::Empty(_))));
        let mut input = compare_input();
        input.series[1].points[3].1 = f64::NAN;
        let err = compare_svg(&input).unwrap_err();
        assert!(matches!(err, PlotError::NotFinite { .. }));
        assert!(err.to_string().contains("+1 cook"), "{err}");
    }
}
