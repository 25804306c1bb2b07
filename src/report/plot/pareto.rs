//! Every configuration of a sweep as a (cost, satisfaction) point, with the Pareto frontier
//! and the answer: what each extra dollar buys.

use std::collections::HashSet;

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::frame::{
    bold_style, chart_builder, draw_mesh, legend_height, num, padded, page, text_width, LegendRow,
    Mesh, Swatch, FAIL, FRONTIER, LABEL_SIZE, PASS, TEXT,
};
use super::{draw_err, finite, PlotError};

/// One configuration of a sweep.
#[derive(Debug, Clone, PartialEq)]
pub struct ParetoPoint {
    /// Its cost, in [`ParetoPlot::currency`].
    pub cost: f64,
    /// Its satisfaction in %.
    pub satisfaction: f64,
    /// Whether it meets the target (drawn in the "meets target" colour).
    pub meets_target: bool,
    /// Its name, e.g. `"soda.units=2 burger.units=5 fries.batch=7"`; shown for the answer only.
    pub label: String,
}

/// Input of [`pareto_svg`].
#[derive(Debug, Clone, PartialEq)]
pub struct ParetoPlot {
    /// Title drawn above the chart.
    pub title: String,
    /// Unit of cost, e.g. `"$/month"`; the x axis reads `cost (<currency>)`.
    pub currency: String,
    /// Every configuration. Up to a million and more are accepted: see [`pareto_svg`].
    pub points: Vec<ParetoPoint>,
    /// Index in `points` of the chosen configuration, marked with a ring and its label.
    pub answer: Option<usize>,
    /// How many of `points` meet the target, and how many miss it: the legend's counts.
    pub passing: usize,
    /// See `passing`.
    pub failing: usize,
    /// Indices in `points` of their Pareto frontier, cheapest first, as
    /// [`crate::search::pareto::Figures`] holds it.
    pub frontier: Vec<usize>,
}

/// Every configuration as a dot at (cost, satisfaction %): those meeting the target in blue,
/// the others in orange; the Pareto frontier ([`ParetoPlot::frontier`]) as a dark staircase
/// (from each frontier point, flat until the next cheapest frontier point, then up); the
/// answer, if any, as a large ring with its label `answer: <label>`; a legend with the counts.
///
/// Size: markers are deduplicated by rendered pixel. Of the points that land on the same
/// pixel with the same verdict only the first gets a `<circle>`, so a sweep of a million
/// configurations writes at most one marker per pixel and verdict (and usually far fewer,
/// since costs and satisfactions take few distinct values). The counts in the legend, the
/// frontier and the answer use every point. Axis ranges are padded so that a single point or
/// equal costs still give a readable chart.
pub fn pareto_svg(input: &ParetoPlot) -> Result<String, PlotError> {
    let pts = &input.points;
    if pts.is_empty() {
        return Err(PlotError::Empty("no configuration"));
    }
    let (mut c_lo, mut c_hi) = (f64::INFINITY, f64::NEG_INFINITY);
    let (mut s_lo, mut s_hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for (i, p) in pts.iter().enumerate() {
        finite(|| format!("point {} cost", i + 1), p.cost)?;
        finite(|| format!("point {} satisfaction", i + 1), p.satisfaction)?;
        c_lo = c_lo.min(p.cost);
        c_hi = c_hi.max(p.cost);
        s_lo = s_lo.min(p.satisfaction);
        s_hi = s_hi.max(p.satisfaction);
    }
    let (passing, failing) = (input.passing, input.failing);
    if let Some(index) = input.answer {
        if index >= pts.len() {
            return Err(PlotError::AnswerOutOfRange {
                index,
                len: pts.len(),
            });
        }
    }
    let (x0, x1) = padded(c_lo, c_hi, 0.05, 1.0);
    let y0 = ((s_lo / 10.0).floor() * 10.0)
        .min(s_lo - 2.0)
        .max(s_lo.min(0.0))
        - 2.0;
    let y1 = s_hi.max(100.0) + 4.0;

    for &index in &input.frontier {
        if index >= pts.len() {
            return Err(PlotError::FrontierOutOfRange {
                index,
                len: pts.len(),
            });
        }
    }
    let frontier = &input.frontier;

    let mut rows = vec![
        LegendRow::heading(format!("{} configurations", pts.len())),
        LegendRow::new(Swatch::Dot(PASS), format!("meets target ({passing})")),
        LegendRow::new(Swatch::Dot(FAIL), format!("misses target ({failing})")),
        LegendRow::new(
            Swatch::solid(FRONTIER),
            format!("Pareto frontier ({} points)", frontier.len()),
        ),
    ];
    if let Some(a) = input.answer {
        rows.push(LegendRow::new(Swatch::Ring(TEXT, 8), "answer:"));
        rows.push(LegendRow::new(Swatch::None, pts[a].label.clone()));
        rows.push(LegendRow::new(
            Swatch::None,
            // A cost keeps its cents, as the tables print it.
            format!(
                "{:.2} {}, {} %",
                pts[a].cost,
                input.currency,
                num(pts[a].satisfaction)
            ),
        ));
    }
    let height = 560.max(legend_height(&rows) + 90);
    page(&input.title, 660, height, &rows, 20, |left| {
        let mut chart = chart_builder(left, 20)
            .build_cartesian_2d(x0..x1, y0..y1)
            .map_err(draw_err)?;
        let x_desc = if input.currency.is_empty() {
            "cost".to_string()
        } else {
            format!("cost ({})", input.currency)
        };
        draw_mesh(
            &mut chart,
            &Mesh {
                x_desc: &x_desc,
                y_desc: "satisfaction (%)",
                x_labels: 12,
                y_labels: 11,
                y_grid: true,
            },
        )?;

        // Failing points first, passing on top; one marker per pixel and verdict.
        let mut seen: HashSet<(i32, i32, bool)> = HashSet::new();
        for pass in [false, true] {
            let color = if pass { PASS } else { FAIL };
            let style = color.mix(0.75).filled();
            let mut markers = Vec::new();
            for p in pts.iter().filter(|p| p.meets_target == pass) {
                let px = chart.backend_coord(&(p.cost, p.satisfaction));
                if seen.insert((px.0, px.1, pass)) {
                    markers.push(Circle::new((p.cost, p.satisfaction), 4, style));
                }
            }
            chart.draw_series(markers).map_err(draw_err)?;
        }

        let mut stairs = Vec::with_capacity(frontier.len() * 2);
        for (k, &i) in frontier.iter().enumerate() {
            let p = &pts[i];
            if k > 0 {
                stairs.push((p.cost, pts[frontier[k - 1]].satisfaction));
            }
            stairs.push((p.cost, p.satisfaction));
        }
        chart
            .draw_series(LineSeries::new(stairs, FRONTIER.stroke_width(2)))
            .map_err(draw_err)?;

        if let Some(a) = input.answer {
            let p = &pts[a];
            chart
                .draw_series([Circle::new(
                    (p.cost, p.satisfaction),
                    9,
                    TEXT.stroke_width(3),
                )])
                .map_err(draw_err)?;
            // The label is centred above the ring (below it when the ring is near the top),
            // kept inside the plotting area, on a white box.
            let base = left.get_base_pixel();
            let (xr, yr) = chart.plotting_area().get_pixel_range();
            let (px, py) = chart.backend_coord(&(p.cost, p.satisfaction));
            let text = format!("answer: {}", p.label);
            let tw = text_width(&text, LABEL_SIZE) * 27 / 25; // bold is a little wider
            let tx = (px - tw / 2).clamp(xr.start + 4, (xr.end - 4 - tw).max(xr.start + 4));
            let ty = if py - 36 > yr.start { py - 24 } else { py + 26 };
            let (tx, ty) = (tx - base.0, ty - base.1);
            left.draw(&Rectangle::new(
                [(tx - 4, ty - 11), (tx + tw + 4, ty + 11)],
                WHITE.mix(0.85).filled(),
            ))
            .map_err(draw_err)?;
            left.draw(&Text::new(
                text,
                (tx, ty),
                bold_style(LABEL_SIZE, TEXT).pos(Pos::new(HPos::Left, VPos::Center)),
            ))
            .map_err(draw_err)?;
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::super::svg_read::{attr, elements, hex, texts};
    use super::*;
    use crate::search::pareto::frontier_of;

    /// The input with its counts and frontier, as the search hands them.
    fn plot(title: &str, points: Vec<ParetoPoint>, answer: Option<usize>) -> ParetoPlot {
        let pairs: Vec<(f64, f64)> = points.iter().map(|p| (p.cost, p.satisfaction)).collect();
        let passing = points.iter().filter(|p| p.meets_target).count();
        ParetoPlot {
            title: title.into(),
            currency: "$/month".into(),
            frontier: frontier_of(&pairs),
            passing,
            failing: points.len() - passing,
            points,
            answer,
        }
    }

    fn point(cost: f64, satisfaction: f64) -> ParetoPoint {
        ParetoPoint {
            cost,
            satisfaction,
            meets_target: satisfaction >= 100.0,
            label: format!("{cost}/{satisfaction}"),
        }
    }

    fn pareto_input() -> ParetoPlot {
        // 48 configurations: 4 soda × 6 cook × 2 fryer levels, as in a sweep.
        let mut points = Vec::new();
        for soda in 1..=4 {
            for cooks in 3..=8 {
                for batch in [5, 7] {
                    let cost = 131.0
                        + 31.0 * f64::from(soda - 1)
                        + 40.0 * f64::from(cooks - 3)
                        + if batch == 7 { 1.6 } else { 0.0 };
                    let sat = (50.0
                        + 10.0 * f64::from(cooks - 3)
                        + if batch == 7 { 10.0 } else { 0.0 }
                        + if soda > 1 { 10.0 } else { 0.0 })
                    .min(100.0);
                    points.push(ParetoPoint {
                        cost,
                        satisfaction: sat,
                        meets_target: sat >= 100.0,
                        label: format!(
                            "soda.units={soda} burger.units={cooks} fries.batch={batch}"
                        ),
                    });
                }
            }
        }
        let answer = points
            .iter()
            .enumerate()
            .filter(|(_, p)| p.meets_target)
            .min_by(|a, b| a.1.cost.total_cmp(&b.1.cost))
            .map(|(i, _)| i);
        plot("fastfood: 48 configurations", points, answer)
    }

    #[test]
    fn plot_pareto_holds_points_frontier_answer_and_legend() {
        let input = pareto_input();
        let svg = pareto_svg(&input).unwrap();
        let doc = roxmltree::Document::parse(&svg).unwrap();
        let texts = texts(&doc);
        let a = &input.points[input.answer.unwrap()];
        let passing = input.points.iter().filter(|p| p.meets_target).count();
        for t in [
            "fastfood: 48 configurations".to_string(),
            "cost ($/month)".to_string(),
            "satisfaction (%)".to_string(),
            format!("answer: {}", a.label),
            format!("meets target ({passing})"),
            format!("misses target ({})", 48 - passing),
            "48 configurations".to_string(),
        ] {
            assert!(texts.contains(&t), "no text {t:?} in {texts:?}");
        }
        // Distinct (cost, satisfaction) pairs are far enough apart here to get a marker each;
        // identical pairs share one.
        let circles = elements(&doc, "circle");
        let dots = |c: RGBColor| circles.iter().filter(|n| attr(n, "fill") == hex(c)).count();
        let distinct = |pass: bool| {
            let pairs = input.points.iter().filter(|p| p.meets_target == pass);
            let pairs: HashSet<_> = pairs
                .map(|p| (p.cost.to_bits(), p.satisfaction.to_bits()))
                .collect();
            pairs.len()
        };
        assert_eq!(dots(PASS), distinct(true) + 1); // + the legend's
        assert_eq!(dots(FAIL), distinct(false) + 1);
        // The answer ring, larger than the dots.
        let rings: Vec<_> = circles
            .iter()
            .filter(|n| attr(n, "fill") == "none" && attr(n, "r") == "9")
            .collect();
        assert_eq!(rings.len(), 1);
        // The frontier: a staircase of 2f - 1 vertices through the f frontier points.
        let f = input.frontier.len();
        assert!(f >= 3);
        let frontier: Vec<_> = elements(&doc, "polyline")
            .into_iter()
            .filter(|n| attr(n, "stroke") == hex(FRONTIER))
            .map(|n| attr(&n, "points").split_whitespace().count())
            .collect();
        assert!(frontier.contains(&(2 * f - 1)), "{frontier:?}, f = {f}");
    }

    #[test]
    fn plot_pareto_copes_with_one_point_and_equal_costs() {
        let one = plot("one", vec![point(131.0, 50.0)], Some(0));
        let equal = plot(
            "equal",
            (0..5)
                .map(|i| point(200.0, 60.0 + 10.0 * f64::from(i)))
                .collect(),
            None,
        );
        for input in [one, equal] {
            let svg = pareto_svg(&input).unwrap();
            assert!(!svg.contains("NaN") && !svg.contains("inf"), "{svg}");
            let doc = roxmltree::Document::parse(&svg).unwrap();
            // Several cost tick labels: the x range is not degenerate.
            let ticks = texts(&doc)
                .iter()
                .filter(|t| t.parse::<f64>().is_ok_and(|v| v > 100.0 && v < 300.0))
                .count();
            assert!(ticks >= 3, "{ticks} cost ticks");
        }
    }

    #[test]
    fn plot_pareto_writes_one_marker_per_pixel_and_verdict() {
        let mut points = Vec::new();
        for _ in 0..1000 {
            points.push(point(131.0, 50.0));
            points.push(point(227.6, 100.0));
            let mut twin = point(227.6, 100.0);
            twin.meets_target = false;
            points.push(twin);
        }
        let input = plot("duplicates", points, Some(1));
        let doc_text = pareto_svg(&input).unwrap();
        let doc = roxmltree::Document::parse(&doc_text).unwrap();
        let circles = elements(&doc, "circle");
        let dots = |c: RGBColor| circles.iter().filter(|n| attr(n, "fill") == hex(c)).count();
        assert_eq!(dots(PASS), 1 + 1); // + the legend's
        assert_eq!(dots(FAIL), 2 + 1);
        assert!(texts(&doc).contains(&"misses target (2000)".to_string()));
    }

    #[test]
    fn plot_pareto_refuses_bad_answer_bad_frontier_and_empty_input() {
        let mut input = pareto_input();
        input.answer = Some(48);
        assert!(matches!(
            pareto_svg(&input),
            Err(PlotError::AnswerOutOfRange { index: 48, len: 48 })
        ));
        input.answer = None;
        input.frontier.push(48);
        assert!(matches!(
            pareto_svg(&input),
            Err(PlotError::FrontierOutOfRange { index: 48, len: 48 })
        ));
        input.points.clear();
        input.frontier.clear();
        assert!(matches!(pareto_svg(&input), Err(PlotError::Empty(_))));
    }

    #[test]
    fn plot_pareto_draws_a_million_points_in_a_sane_size() {
        let points: Vec<ParetoPoint> = (0..1_000_000u64)
            .map(|i| {
                let cost = 100.0 + ((i * 7919) % 100_000) as f64 * 0.01;
                let satisfaction = ((i * 31) % 11) as f64 * 10.0;
                ParetoPoint {
                    cost,
                    satisfaction,
                    meets_target: satisfaction >= 100.0,
                    label: String::new(),
                }
            })
            .collect();
        let input = plot("a million", points, Some(12));
        let svg = pareto_svg(&input).unwrap();
        assert!(svg.len() < 5_000_000, "{} bytes", svg.len());
        let doc = roxmltree::Document::parse(&svg).unwrap();
        assert!(texts(&doc).contains(&"misses target (909091)".to_string()));
        assert!(elements(&doc, "circle").len() > 1000);
    }
}
