//! SVG pictures of planner results, drawn with `plotters`' pure-Rust SVG backend.
//!
//! Three pictures, each from a plain input struct so that this module depends on nothing else
//! in the crate (callers convert their own results into these structs):
//!
//! - [`compare_svg`]: satisfaction against arrival rate, one line per strategy;
//! - [`pareto_svg`]: every configuration as a (cost, satisfaction) point, the Pareto frontier
//!   and the chosen answer;
//! - [`timeline_svg`]: one load test as a Gantt chart, one row per client, one bar per station.
//!
//! Every function returns the whole SVG document as a `String`. Text is written as SVG
//! `<text>` elements and laid out with `plotters`' built-in size estimate, so no font file
//! and no system library is needed; the viewer picks a sans-serif font.

use std::collections::HashSet;

use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// Why a picture could not be drawn.
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    /// The input holds nothing to draw (no points, no clients, no stations).
    #[error("nothing to plot: {0}")]
    Empty(&'static str),
    /// A number in the input is NaN or infinite.
    #[error("{what} is not a finite number ({value})")]
    NotFinite {
        /// Which input value, e.g. `strategy "baseline" point 3 rate`.
        what: String,
        /// The offending value.
        value: f64,
    },
    /// [`ParetoPlot::answer`] does not index [`ParetoPlot::points`].
    #[error("answer index {index} is out of range for {len} points")]
    AnswerOutOfRange {
        /// The index given.
        index: usize,
        /// The number of points.
        len: usize,
    },
    /// A client's `start_s` or `done_s` does not hold one value per station.
    #[error("client {client}: {field} holds {got} values for {stations} stations")]
    StationCount {
        /// Client number, from 1.
        client: usize,
        /// `start_s` or `done_s`.
        field: &'static str,
        /// Number of values given.
        got: usize,
        /// Number of stations.
        stations: usize,
    },
    /// The drawing backend failed (not expected when drawing into a string).
    #[error("drawing failed: {0}")]
    Drawing(String),
}

fn draw_err<E: std::fmt::Display>(e: E) -> PlotError {
    PlotError::Drawing(e.to_string())
}

fn finite(what: impl FnOnce() -> String, value: f64) -> Result<f64, PlotError> {
    if value.is_finite() {
        Ok(value)
    } else {
        Err(PlotError::NotFinite {
            what: what(),
            value,
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Inputs

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
}

/// One client of a load test.
#[derive(Debug, Clone, PartialEq)]
pub struct ClientTimeline {
    /// When the client was due (its order time), in model seconds.
    pub due_s: f64,
    /// When each station started serving it, one value per station, in model seconds.
    pub start_s: Vec<f64>,
    /// When each station was done with it, one value per station, in model seconds.
    pub done_s: Vec<f64>,
    /// Whether its latency reached the timeout (its row label is highlighted).
    pub late: bool,
}

/// Input of [`timeline_svg`].
#[derive(Debug, Clone, PartialEq)]
pub struct TimelinePlot {
    /// Title drawn above the chart.
    pub title: String,
    /// Station names, in the order of `start_s` and `done_s`.
    pub stations: Vec<String>,
    /// Latency timeout in seconds: each client's deadline is `due_s + timeout_s`.
    pub timeout_s: f64,
    /// Clients in order; client 1 is drawn at the top. At most [`TIMELINE_MAX_CLIENTS`] are drawn.
    pub clients: Vec<ClientTimeline>,
}

/// [`timeline_svg`] draws at most this many clients (the first ones) and says so in its title.
pub const TIMELINE_MAX_CLIENTS: usize = 200;

// ---------------------------------------------------------------------------------------------
// Shared drawing helpers

const FONT: &str = "sans-serif";
/// `plotters`' SVG backend writes `font-size = size / 1.24`: these sizes give 17, 13 and 12 px.
const TITLE_SIZE: f64 = 21.0;
const DESC_SIZE: f64 = 16.0;
const LABEL_SIZE: f64 = 15.0;
/// Height of one legend row, in pixels.
const LEGEND_ROW: i32 = 22;

/// Ten distinct colours (the classic "category10" palette), reused in order.
const PALETTE: [RGBColor; 10] = [
    RGBColor(0x1f, 0x77, 0xb4),
    RGBColor(0xff, 0x7f, 0x0e),
    RGBColor(0x2c, 0xa0, 0x2c),
    RGBColor(0xd6, 0x27, 0x28),
    RGBColor(0x94, 0x67, 0xbd),
    RGBColor(0x8c, 0x56, 0x4b),
    RGBColor(0xe3, 0x77, 0xc2),
    RGBColor(0x7f, 0x7f, 0x7f),
    RGBColor(0xbc, 0xbd, 0x22),
    RGBColor(0x17, 0xbe, 0xcf),
];
/// Dashed guides and the Pareto frontier.
const GUIDE: RGBColor = RGBColor(0x44, 0x44, 0x44);
const FRONTIER: RGBColor = RGBColor(0x33, 0x33, 0x33);
const PASS: RGBColor = RGBColor(0x1f, 0x77, 0xb4);
const FAIL: RGBColor = RGBColor(0xff, 0x7f, 0x0e);
const LATE: RGBColor = RGBColor(0xc6, 0x28, 0x28);
const LATE_ROW: RGBColor = RGBColor(0xfd, 0xec, 0xec);
const TEXT: RGBColor = RGBColor(0x22, 0x22, 0x22);
const GRID_LIGHT: RGBColor = RGBColor(0xee, 0xee, 0xee);
const GRID_BOLD: RGBColor = RGBColor(0xd8, 0xd8, 0xd8);

fn palette(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// `c` blended towards white by `amount` (0: unchanged, 1: white), as an opaque colour.
fn lighten(c: RGBColor, amount: f64) -> RGBColor {
    let mix = |v: u8| (f64::from(v) + (255.0 - f64::from(v)) * amount).round() as u8;
    RGBColor(mix(c.0), mix(c.1), mix(c.2))
}

fn text_style(size: f64, color: RGBColor) -> TextStyle<'static> {
    (FONT, size).into_font().color(&color)
}

fn bold_style(size: f64, color: RGBColor) -> TextStyle<'static> {
    (FONT, size, FontStyle::Bold).into_font().color(&color)
}

/// Rough rendered width of `text` at `size`, in pixels (about 0.6 em per character).
fn text_width(text: &str, size: f64) -> i32 {
    (text.chars().count() as f64 * size / 1.24 * 0.6).ceil() as i32
}

/// `lo..hi` widened by `frac` of its span on each side, never empty: a single value gets a
/// span of 10% of its magnitude (at least `min_span`).
fn padded(lo: f64, hi: f64, frac: f64, min_span: f64) -> (f64, f64) {
    let span = hi - lo;
    if span > 0.0 {
        (lo - span * frac, hi + span * frac)
    } else {
        let half = (lo.abs() * 0.1).max(min_span) / 2.0;
        (lo - half, hi + half)
    }
}

/// What a legend row shows before its text.
enum Swatch {
    /// A line segment, dashed or solid, with an optional marker: (radius, filled).
    Line {
        color: RGBColor,
        dashed: bool,
        ring: Option<(u32, bool)>,
    },
    /// A filled dot.
    Dot(RGBColor),
    /// A hollow ring.
    Ring(RGBColor, u32),
    /// A filled box.
    Block(RGBColor),
    /// A short vertical tick (a deadline).
    Tick(RGBColor),
    /// Nothing: a heading.
    None,
}

struct LegendRow {
    swatch: Swatch,
    text: String,
    style: TextStyle<'static>,
}

impl LegendRow {
    fn new(swatch: Swatch, text: impl Into<String>) -> Self {
        LegendRow {
            swatch,
            text: text.into(),
            style: text_style(LABEL_SIZE, TEXT),
        }
    }

    fn heading(text: impl Into<String>) -> Self {
        LegendRow {
            swatch: Swatch::None,
            text: text.into(),
            style: bold_style(LABEL_SIZE, TEXT),
        }
    }
}

const SWATCH_W: i32 = 30;

/// Width a legend needs for `rows`, in pixels.
fn legend_width(rows: &[LegendRow]) -> i32 {
    let text = rows
        .iter()
        .map(|r| text_width(&r.text, LABEL_SIZE))
        .max()
        .unwrap_or(0);
    12 + SWATCH_W + 8 + text + 16
}

/// Height a legend needs for `rows`, in pixels.
fn legend_height(rows: &[LegendRow]) -> i32 {
    rows.len() as i32 * LEGEND_ROW + 12
}

/// Draws `rows` in a framed box whose top-left corner is `(x, y)` in `area`'s pixels.
fn draw_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    (x, y): (i32, i32),
    width: i32,
    rows: &[LegendRow],
) -> Result<(), PlotError> {
    let height = legend_height(rows);
    area.draw(&Rectangle::new(
        [(x, y), (x + width, y + height)],
        RGBColor(0xfa, 0xfa, 0xfa).filled(),
    ))
    .map_err(draw_err)?;
    area.draw(&Rectangle::new(
        [(x, y), (x + width, y + height)],
        GRID_BOLD.stroke_width(1),
    ))
    .map_err(draw_err)?;
    for (i, row) in rows.iter().enumerate() {
        let cy = y + 6 + LEGEND_ROW / 2 + i as i32 * LEGEND_ROW;
        let sx = x + 10;
        match row.swatch {
            Swatch::Line {
                color,
                dashed,
                ring,
            } => {
                if dashed {
                    for k in 0..3 {
                        let a = sx + k * 11;
                        area.draw(&PathElement::new(
                            vec![(a, cy), (a + 7, cy)],
                            color.stroke_width(2),
                        ))
                        .map_err(draw_err)?;
                    }
                } else {
                    area.draw(&PathElement::new(
                        vec![(sx, cy), (sx + SWATCH_W, cy)],
                        color.stroke_width(2),
                    ))
                    .map_err(draw_err)?;
                }
                if let Some((r, filled)) = ring {
                    let style = if filled {
                        color.filled()
                    } else {
                        color.stroke_width(2)
                    };
                    area.draw(&Circle::new((sx + SWATCH_W / 2, cy), r, style))
                        .map_err(draw_err)?;
                }
            }
            Swatch::Dot(color) => {
                area.draw(&Circle::new(
                    (sx + SWATCH_W / 2, cy),
                    4,
                    color.mix(0.75).filled(),
                ))
                .map_err(draw_err)?;
            }
            Swatch::Ring(color, r) => {
                area.draw(&Circle::new(
                    (sx + SWATCH_W / 2, cy),
                    r,
                    color.stroke_width(2),
                ))
                .map_err(draw_err)?;
            }
            Swatch::Block(color) => {
                area.draw(&Rectangle::new(
                    [(sx, cy - 6), (sx + SWATCH_W, cy + 6)],
                    color.filled(),
                ))
                .map_err(draw_err)?;
            }
            Swatch::Tick(color) => {
                area.draw(&PathElement::new(
                    vec![(sx + SWATCH_W / 2, cy - 8), (sx + SWATCH_W / 2, cy + 8)],
                    color.stroke_width(2),
                ))
                .map_err(draw_err)?;
            }
            Swatch::None => {}
        }
        let tx = if matches!(row.swatch, Swatch::None) {
            sx
        } else {
            sx + SWATCH_W + 8
        };
        let style = row.style.pos(Pos::new(HPos::Left, VPos::Center));
        area.draw(&Text::new(row.text.clone(), (tx, cy), style))
            .map_err(draw_err)?;
    }
    Ok(())
}

type Chart<'a, DB> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// Draws the usual light grid, the axes, tick labels and axis descriptions.
fn draw_mesh<DB: DrawingBackend>(
    chart: &mut Chart<'_, DB>,
    x_desc: &str,
    y_desc: &str,
    y_labels: usize,
) -> Result<(), PlotError> {
    chart
        .configure_mesh()
        .x_desc(x_desc)
        .y_desc(y_desc)
        .x_labels(12)
        .y_labels(y_labels)
        .x_label_formatter(&|v| num(*v))
        .y_label_formatter(&|v| num(*v))
        .max_light_lines(1)
        .light_line_style(GRID_LIGHT)
        .bold_line_style(GRID_BOLD)
        .axis_style(RGBColor(0x66, 0x66, 0x66))
        .label_style(text_style(LABEL_SIZE, TEXT))
        .axis_desc_style(text_style(DESC_SIZE, TEXT))
        .draw()
        .map_err(draw_err)
}

// ---------------------------------------------------------------------------------------------
// Compare

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
            Swatch::Line {
                color: GUIDE,
                dashed: true,
                ring: None,
            },
            format!("target rate {} clients/s", num(t)),
        ));
    }
    rows.push(LegendRow::new(
        Swatch::Line {
            color: GUIDE,
            dashed: true,
            ring: None,
        },
        format!("min satisfaction {} %", num(min_sat)),
    ));

    let legend_w = legend_width(&rows).clamp(200, 460);
    let plot_w = 660;
    let width = (plot_w + legend_w + 16) as u32;
    let height = (560).max(legend_height(&rows) + 90) as u32;

    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        root.fill(&WHITE).map_err(draw_err)?;
        let body = root
            .titled(&input.title, text_style(TITLE_SIZE, TEXT))
            .map_err(draw_err)?;
        let (left, right) = body.split_horizontally(plot_w);
        let mut chart = ChartBuilder::on(&left)
            .margin(12)
            .margin_top(26)
            .x_label_area_size(52)
            .y_label_area_size(64)
            .build_cartesian_2d(x0..x1, y0..y1)
            .map_err(draw_err)?;
        draw_mesh(
            &mut chart,
            "arrival rate (clients/s)",
            "satisfaction (%)",
            11,
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
        draw_legend(&right, (4, 26), legend_w, &rows)?;
        root.present().map_err(draw_err)?;
    }
    Ok(svg)
}

/// A number without trailing zeros: `2`, `2.5`, `0.125`.
fn num(v: f64) -> String {
    let s = format!("{v:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    s.to_string()
}

// ---------------------------------------------------------------------------------------------
// Pareto

/// Indices of the Pareto frontier of `points`, sorted by cost: the points that no other point
/// beats, where `a` beats `b` when `a.cost <= b.cost` and `a.satisfaction >= b.satisfaction`
/// with one of the two strict. Of several identical (cost, satisfaction) points, only the
/// first is returned. Non-finite points are ignored.
pub fn pareto_frontier(points: &[ParetoPoint]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..points.len())
        .filter(|&i| points[i].cost.is_finite() && points[i].satisfaction.is_finite())
        .collect();
    order.sort_by(|&a, &b| {
        let (pa, pb) = (&points[a], &points[b]);
        pa.cost
            .total_cmp(&pb.cost)
            .then(pb.satisfaction.total_cmp(&pa.satisfaction))
            .then(a.cmp(&b))
    });
    let mut best = f64::NEG_INFINITY;
    let mut frontier = Vec::new();
    for i in order {
        if points[i].satisfaction > best {
            best = points[i].satisfaction;
            frontier.push(i);
        }
    }
    frontier
}

/// Every configuration as a dot at (cost, satisfaction %): those meeting the target in blue,
/// the others in orange; the Pareto frontier ([`pareto_frontier`]) as a dark staircase
/// (from each frontier point, flat until the next cheapest frontier point, then up); the
/// answer, if any, as a large ring with its label `answer: <label>`; a legend with counts.
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
    let mut passing = 0usize;
    for (i, p) in pts.iter().enumerate() {
        finite(|| format!("point {} cost", i + 1), p.cost)?;
        finite(|| format!("point {} satisfaction", i + 1), p.satisfaction)?;
        c_lo = c_lo.min(p.cost);
        c_hi = c_hi.max(p.cost);
        s_lo = s_lo.min(p.satisfaction);
        s_hi = s_hi.max(p.satisfaction);
        passing += usize::from(p.meets_target);
    }
    let failing = pts.len() - passing;
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

    let frontier = pareto_frontier(pts);

    let mut rows = vec![
        LegendRow::heading(format!("{} configurations", pts.len())),
        LegendRow::new(Swatch::Dot(PASS), format!("meets target ({passing})")),
        LegendRow::new(Swatch::Dot(FAIL), format!("misses target ({failing})")),
        LegendRow::new(
            Swatch::Line {
                color: FRONTIER,
                dashed: false,
                ring: None,
            },
            format!("Pareto frontier ({} points)", frontier.len()),
        ),
    ];
    if let Some(a) = input.answer {
        rows.push(LegendRow::new(Swatch::Ring(TEXT, 8), "answer:"));
        rows.push(LegendRow::new(Swatch::None, pts[a].label.clone()));
        rows.push(LegendRow::new(
            Swatch::None,
            format!(
                "{} {}, {} %",
                num2(pts[a].cost),
                input.currency,
                num(pts[a].satisfaction)
            ),
        ));
    }
    let legend_w = legend_width(&rows).clamp(200, 460);
    let plot_w = 660;
    let width = (plot_w + legend_w + 16) as u32;
    let height = 560u32.max((legend_height(&rows) + 90) as u32);

    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        root.fill(&WHITE).map_err(draw_err)?;
        let body = root
            .titled(&input.title, text_style(TITLE_SIZE, TEXT))
            .map_err(draw_err)?;
        let (left, right) = body.split_horizontally(plot_w);
        let mut chart = ChartBuilder::on(&left)
            .margin(12)
            .margin_top(20)
            .x_label_area_size(52)
            .y_label_area_size(64)
            .build_cartesian_2d(x0..x1, y0..y1)
            .map_err(draw_err)?;
        let x_desc = if input.currency.is_empty() {
            "cost".to_string()
        } else {
            format!("cost ({})", input.currency)
        };
        draw_mesh(&mut chart, &x_desc, "satisfaction (%)", 11)?;

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
        draw_legend(&right, (4, 20), legend_w, &rows)?;
        root.present().map_err(draw_err)?;
    }
    Ok(svg)
}

/// A cost with two decimals.
fn num2(v: f64) -> String {
    format!("{v:.2}")
}

// ---------------------------------------------------------------------------------------------
// Timeline

/// One load test as a Gantt chart: one row per client (client 1 at the top), x = model time
/// in seconds. For each station a bar runs from the client's due time to the station's done
/// time: light while the client waits (due → start), solid while it is served (start → done).
/// Stations have one colour each and sit one below the other within the row. A black tick
/// marks each client's deadline (due + timeout); late clients get a red, bold row label and a
/// pink row. Only the first [`TIMELINE_MAX_CLIENTS`] clients are drawn, and the title says so.
/// The picture grows in height with the number of clients.
pub fn timeline_svg(input: &TimelinePlot) -> Result<String, PlotError> {
    let k = input.stations.len();
    if k == 0 {
        return Err(PlotError::Empty("no station"));
    }
    if input.clients.is_empty() {
        return Err(PlotError::Empty("no client"));
    }
    let timeout = finite(|| "timeout".into(), input.timeout_s)?;
    let total = input.clients.len();
    let clients = &input.clients[..total.min(TIMELINE_MAX_CLIENTS)];
    let n = clients.len();
    let (mut t_lo, mut t_hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for (c, cl) in clients.iter().enumerate() {
        for (field, vals) in [("start_s", &cl.start_s), ("done_s", &cl.done_s)] {
            if vals.len() != k {
                return Err(PlotError::StationCount {
                    client: c + 1,
                    field,
                    got: vals.len(),
                    stations: k,
                });
            }
        }
        let due = finite(|| format!("client {} due time", c + 1), cl.due_s)?;
        t_lo = t_lo.min(due);
        t_hi = t_hi.max(due + timeout);
        for s in 0..k {
            let st = finite(
                || format!("client {} {} start", c + 1, input.stations[s]),
                cl.start_s[s],
            )?;
            let dn = finite(
                || format!("client {} {} done", c + 1, input.stations[s]),
                cl.done_s[s],
            )?;
            t_lo = t_lo.min(st).min(dn);
            t_hi = t_hi.max(st).max(dn);
        }
    }
    let (mut x0, x1) = padded(t_lo, t_hi, 0.02, 1.0);
    if t_lo >= 0.0 {
        x0 = x0.max(0.0);
    }
    let title = if total > n {
        format!("{} (first {n} of {total} clients shown)", input.title)
    } else {
        input.title.clone()
    };

    let late = clients.iter().filter(|c| c.late).count();
    let mut rows = vec![LegendRow::heading("stations")];
    for (s, name) in input.stations.iter().enumerate() {
        rows.push(LegendRow::new(Swatch::Block(palette(s)), name.clone()));
    }
    rows.push(LegendRow::heading("each bar"));
    rows.push(LegendRow::new(
        Swatch::Block(lighten(GUIDE, 0.7)),
        "waiting (due → start)",
    ));
    rows.push(LegendRow::new(
        Swatch::Block(GUIDE),
        "serving (start → done)",
    ));
    rows.push(LegendRow::new(
        Swatch::Tick(TEXT),
        format!("deadline (due + {} s)", num(timeout)),
    ));
    rows.push(LegendRow {
        swatch: Swatch::Block(LATE_ROW),
        text: format!("late client ({late} of {n})"),
        style: bold_style(LABEL_SIZE, LATE),
    });

    let row_h: i32 = match n {
        0..=12 => 36,
        13..=30 => 26,
        31..=80 => 18,
        _ => 13,
    };
    let label_size = if row_h >= 18 { LABEL_SIZE } else { 12.0 };
    let legend_w = legend_width(&rows).clamp(200, 460);
    let plot_w = 700;
    let width = (plot_w + legend_w + 16) as u32;
    // A tall chart repeats the time axis at the top (the mesh labels every x label area).
    let top_axis = n > 20;
    let (top, bottom) = (if top_axis { 92 } else { 40 }, 58);
    let height = (top + 12 + n as i32 * row_h + bottom + 10).max(legend_height(&rows) + 80) as u32;

    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        root.fill(&WHITE).map_err(draw_err)?;
        let body = root
            .titled(&title, text_style(TITLE_SIZE, TEXT))
            .map_err(draw_err)?;
        let (left, right) = body.split_horizontally(plot_w);
        let y_hi = n as f64;
        let mut chart = ChartBuilder::on(&left)
            .margin(12)
            .margin_top(10)
            .x_label_area_size(52)
            .top_x_label_area_size(if top_axis { 52 } else { 0 })
            .y_label_area_size(70)
            .build_cartesian_2d(x0..x1, 0.0..y_hi)
            .map_err(draw_err)?;
        // Row i (client i + 1) spans y in [n - i - 1, n - i].
        for (i, cl) in clients.iter().enumerate() {
            if cl.late {
                let top = y_hi - i as f64;
                chart
                    .draw_series([Rectangle::new(
                        [(x0, top), (x1, top - 1.0)],
                        LATE_ROW.filled(),
                    )])
                    .map_err(draw_err)?;
            }
        }
        chart
            .configure_mesh()
            .x_desc("model time (s)")
            .y_desc("client")
            .x_labels(14)
            .y_labels(0)
            .x_label_formatter(&|v| num(*v))
            .max_light_lines(1)
            .disable_y_mesh()
            .light_line_style(GRID_LIGHT)
            .bold_line_style(GRID_BOLD)
            .axis_style(RGBColor(0x66, 0x66, 0x66))
            .label_style(text_style(LABEL_SIZE, TEXT))
            .axis_desc_style(text_style(DESC_SIZE, TEXT))
            .draw()
            .map_err(draw_err)?;

        let pad = 0.12;
        let band = (1.0 - 2.0 * pad) / k as f64;
        let mut bars = Vec::with_capacity(n * k * 2);
        for (i, cl) in clients.iter().enumerate() {
            let top = y_hi - i as f64 - pad;
            for s in 0..k {
                let color = palette(s);
                let (yt, yb) = (top - s as f64 * band, top - (s as f64 + 0.85) * band);
                let start = cl.start_s[s].max(cl.due_s);
                let done = cl.done_s[s].max(start);
                if start > cl.due_s {
                    bars.push(Rectangle::new(
                        [(cl.due_s, yt), (start, yb)],
                        lighten(color, 0.65).filled(),
                    ));
                }
                if done > start {
                    bars.push(Rectangle::new([(start, yt), (done, yb)], color.filled()));
                }
            }
        }
        chart.draw_series(bars).map_err(draw_err)?;
        chart
            .draw_series(clients.iter().enumerate().map(|(i, cl)| {
                let top = y_hi - i as f64;
                let d = cl.due_s + timeout;
                PathElement::new(vec![(d, top - 0.05), (d, top - 0.95)], TEXT.stroke_width(2))
            }))
            .map_err(draw_err)?;

        // Row labels, drawn by hand so that late clients can be highlighted.
        let base = left.get_base_pixel();
        for (i, cl) in clients.iter().enumerate() {
            let (px, py) = chart.backend_coord(&(x0, y_hi - i as f64 - 0.5));
            let style = if cl.late {
                bold_style(label_size, LATE)
            } else {
                text_style(label_size, TEXT)
            };
            left.draw(&Text::new(
                format!("{}", i + 1),
                (px - base.0 - 8, py - base.1),
                style.pos(Pos::new(HPos::Right, VPos::Center)),
            ))
            .map_err(draw_err)?;
        }
        draw_legend(&right, (4, 10), legend_w, &rows)?;
        root.present().map_err(draw_err)?;
    }
    Ok(svg)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The parsed document's elements named `tag`.
    fn elements<'a>(doc: &'a roxmltree::Document<'_>, tag: &str) -> Vec<roxmltree::Node<'a, 'a>> {
        doc.descendants()
            .filter(|n| n.is_element() && n.tag_name().name() == tag)
            .collect()
    }

    /// Every `<text>`'s content, trimmed.
    fn texts(doc: &roxmltree::Document<'_>) -> Vec<String> {
        elements(doc, "text")
            .iter()
            .map(|n| n.text().unwrap_or("").trim().to_string())
            .collect()
    }

    fn hex(c: RGBColor) -> String {
        format!("#{:02X}{:02X}{:02X}", c.0, c.1, c.2)
    }

    fn attr<'a>(n: &roxmltree::Node<'a, '_>, name: &str) -> &'a str {
        n.attribute(name).unwrap_or("")
    }

    fn size(doc: &roxmltree::Document<'_>) -> (f64, f64) {
        let root = doc.root_element();
        (
            attr(&root, "width").parse().unwrap(),
            attr(&root, "height").parse().unwrap(),
        )
    }

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

    fn point(cost: f64, satisfaction: f64) -> ParetoPoint {
        ParetoPoint {
            cost,
            satisfaction,
            meets_target: satisfaction >= 100.0,
            label: format!("{cost}/{satisfaction}"),
        }
    }

    #[test]
    fn plot_pareto_frontier_keeps_only_undominated_points() {
        let pts = vec![
            point(200.0, 80.0),  // 0: frontier
            point(131.0, 50.0),  // 1: frontier (cheapest)
            point(150.0, 50.0),  // 2: dominated by 1
            point(200.0, 70.0),  // 3: dominated by 0 (same cost)
            point(250.0, 100.0), // 4: frontier
            point(300.0, 100.0), // 5: dominated by 4
            point(131.0, 50.0),  // 6: identical to 1: one of them is kept
            point(140.0, 60.0),  // 7: frontier
        ];
        assert_eq!(pareto_frontier(&pts), vec![1, 7, 0, 4]);
        assert!(pareto_frontier(&[]).is_empty());
        assert_eq!(pareto_frontier(&[point(1.0, 1.0)]), vec![0]);
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
        ParetoPlot {
            title: "fastfood: 48 configurations".into(),
            currency: "$/month".into(),
            points,
            answer,
        }
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
        let f = pareto_frontier(&input.points).len();
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
        let one = ParetoPlot {
            title: "one".into(),
            currency: "$/month".into(),
            points: vec![point(131.0, 50.0)],
            answer: Some(0),
        };
        let equal = ParetoPlot {
            title: "equal".into(),
            currency: "$/month".into(),
            points: (0..5)
                .map(|i| point(200.0, 60.0 + 10.0 * f64::from(i)))
                .collect(),
            answer: None,
        };
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
        let input = ParetoPlot {
            title: "duplicates".into(),
            currency: "$/month".into(),
            points,
            answer: Some(1),
        };
        let doc_text = pareto_svg(&input).unwrap();
        let doc = roxmltree::Document::parse(&doc_text).unwrap();
        let circles = elements(&doc, "circle");
        let dots = |c: RGBColor| circles.iter().filter(|n| attr(n, "fill") == hex(c)).count();
        assert_eq!(dots(PASS), 1 + 1); // + the legend's
        assert_eq!(dots(FAIL), 2 + 1);
        assert!(texts(&doc).contains(&"misses target (2000)".to_string()));
    }

    #[test]
    fn plot_pareto_refuses_bad_answer_and_empty_input() {
        let mut input = pareto_input();
        input.answer = Some(48);
        assert!(matches!(
            pareto_svg(&input),
            Err(PlotError::AnswerOutOfRange { index: 48, len: 48 })
        ));
        input.points.clear();
        input.answer = None;
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
        let input = ParetoPlot {
            title: "a million".into(),
            currency: "$/month".into(),
            points,
            answer: Some(12),
        };
        let svg = pareto_svg(&input).unwrap();
        assert!(svg.len() < 5_000_000, "{} bytes", svg.len());
        let doc = roxmltree::Document::parse(&svg).unwrap();
        assert!(texts(&doc).contains(&"misses target (909091)".to_string()));
        assert!(elements(&doc, "circle").len() > 1000);
    }

    fn seed_timeline() -> TimelinePlot {
        let runs: [(f64, [f64; 3], [f64; 3], bool); 10] = [
            (0.0, [0.0, 0.0, 0.0], [1.0, 3.0, 4.0], false),
            (0.5, [1.0, 0.5, 4.0], [2.0, 3.5, 4.0], false),
            (1.0, [2.0, 1.0, 4.0], [3.0, 4.0, 4.0], false),
            (1.5, [3.0, 3.0, 4.0], [4.0, 6.0, 4.0], false),
            (2.0, [4.0, 3.5, 4.0], [5.0, 6.5, 4.0], false),
            (2.5, [5.0, 4.0, 4.0], [6.0, 7.0, 8.0], true),
            (3.0, [6.0, 6.0, 8.0], [7.0, 9.0, 8.0], true),
            (3.5, [7.0, 6.5, 8.0], [8.0, 9.5, 8.0], true),
            (4.0, [8.0, 7.0, 8.0], [9.0, 10.0, 8.0], true),
            (4.5, [9.0, 9.0, 8.0], [10.0, 12.0, 8.0], true),
        ];
        TimelinePlot {
            title: "fastfood: 10 clients every 0.5 s".into(),
            stations: vec!["soda".into(), "burger".into(), "fries".into()],
            timeout_s: 5.0,
            clients: runs
                .iter()
                .map(|&(due_s, start, done, late)| ClientTimeline {
                    due_s,
                    start_s: start.to_vec(),
                    done_s: done.to_vec(),
                    late,
                })
                .collect(),
        }
    }

    #[test]
    fn plot_timeline_holds_bars_deadlines_and_late_labels() {
        let input = seed_timeline();
        let svg = timeline_svg(&input).unwrap();
        let doc = roxmltree::Document::parse(&svg).unwrap();
        let all = texts(&doc);
        for t in [
            "fastfood: 10 clients every 0.5 s",
            "soda",
            "burger",
            "fries",
            "waiting (due → start)",
            "serving (start → done)",
            "deadline (due + 5 s)",
            "late client (5 of 10)",
            "model time (s)",
            "client",
        ] {
            assert!(all.contains(&t.to_string()), "no text {t:?} in {all:?}");
        }
        let rects = elements(&doc, "rect");
        for (s, _) in input.stations.iter().enumerate() {
            let (solid, light) = (hex(palette(s)), hex(lighten(palette(s), 0.65)));
            let count = |c: &str| rects.iter().filter(|n| attr(n, "fill") == c).count();
            let serving = input
                .clients
                .iter()
                .filter(|c| c.done_s[s] > c.start_s[s].max(c.due_s))
                .count();
            let waiting = input
                .clients
                .iter()
                .filter(|c| c.start_s[s] > c.due_s)
                .count();
            assert_eq!(count(&solid), serving + 1, "station {s}"); // + the legend's
            assert_eq!(count(&light), waiting, "station {s}");
        }
        // One deadline tick per client (+ the legend's), 2 px black vertical lines.
        let ticks = elements(&doc, "polyline")
            .iter()
            .filter(|n| attr(n, "stroke") == hex(TEXT) && attr(n, "stroke-width") == "2")
            .count();
        assert_eq!(ticks, 10 + 1);
        // Row labels 1..=10, the late ones (6..=10) bold and red.
        let late_labels: Vec<String> = elements(&doc, "text")
            .iter()
            .filter(|n| attr(n, "fill") == hex(LATE) && attr(n, "font-weight") == "bold")
            .map(|n| n.text().unwrap_or("").trim().to_string())
            .filter(|t| t.parse::<usize>().is_ok())
            .collect();
        assert_eq!(late_labels, ["6", "7", "8", "9", "10"]);
        let (w, h) = size(&doc);
        assert!(w >= 800.0 && h >= 400.0, "{w}×{h}");
    }

    #[test]
    fn plot_timeline_caps_clients_and_grows_in_height() {
        let mut input = seed_timeline();
        let base = input.clients.clone();
        input.clients = (0..250)
            .map(|i| {
                let mut c = base[i % 10].clone();
                let shift = 5.0 * (i / 10) as f64;
                c.due_s += shift;
                c.start_s.iter_mut().for_each(|t| *t += shift);
                c.done_s.iter_mut().for_each(|t| *t += shift);
                c
            })
            .collect();
        let svg = timeline_svg(&input).unwrap();
        let doc = roxmltree::Document::parse(&svg).unwrap();
        let all = texts(&doc);
        assert!(all.contains(
            &"fastfood: 10 clients every 0.5 s (first 200 of 250 clients shown)".to_string()
        ));
        assert!(all.contains(&"200".to_string()));
        assert!(!all.contains(&"201".to_string()));
        let (_, h) = size(&doc);
        assert!(h > 2000.0, "height {h}");
        let small = roxmltree::Document::parse(&timeline_svg(&seed_timeline()).unwrap())
            .map(|d| size(&d).1)
            .unwrap();
        assert!(small < 700.0, "height {small}");
    }

    #[test]
    fn plot_timeline_refuses_mismatched_stations() {
        let mut input = seed_timeline();
        input.clients[3].done_s.pop();
        assert!(matches!(
            timeline_svg(&input),
            Err(PlotError::StationCount {
                client: 4,
                field: "done_s",
                got: 2,
                stations: 3
            })
        ));
        input.clients.clear();
        assert!(matches!(timeline_svg(&input), Err(PlotError::Empty(_))));
    }
}
