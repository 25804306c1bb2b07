//! The chart frame every picture shares: text styles, the palette, the legend box, the grid,
//! the page layout and number formatting. One look for all pictures, decided here once.

use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{draw_err, PlotError};

const FONT: &str = "sans-serif";
/// `plotters`' SVG backend writes `font-size = size / 1.24`: these sizes give 17, 13 and 12 px.
const TITLE_SIZE: f64 = 21.0;
const DESC_SIZE: f64 = 16.0;
/// Legend rows, tick labels and in-chart annotations.
pub(super) const LABEL_SIZE: f64 = 15.0;
/// Height of one legend row, in pixels.
const LEGEND_ROW: i32 = 22;

/// Ten distinct colours (the classic "category10" palette), reused in order.
pub(super) const PALETTE: [RGBColor; 10] = [
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
/// Dashed guides (a target rate, a timeout): dark grey, present but not data.
pub(super) const GUIDE: RGBColor = RGBColor(0x44, 0x44, 0x44);
/// The Pareto frontier's line, a shade darker than the guides.
pub(super) const FRONTIER: RGBColor = RGBColor(0x33, 0x33, 0x33);
/// A configuration that meets the target (blue; blue and orange read apart in colour
/// blindness, unlike green and red).
pub(super) const PASS: RGBColor = RGBColor(0x1f, 0x77, 0xb4);
/// A configuration that misses the target.
pub(super) const FAIL: RGBColor = RGBColor(0xff, 0x7f, 0x0e);
/// A late client's label or marker.
pub(super) const LATE: RGBColor = RGBColor(0xc6, 0x28, 0x28);
/// The pale background behind a late client's row or a late time window.
pub(super) const LATE_ROW: RGBColor = RGBColor(0xfd, 0xec, 0xec);
/// Every ordinary text: near black, softer than pure black on white.
pub(super) const TEXT: RGBColor = RGBColor(0x22, 0x22, 0x22);
const GRID_LIGHT: RGBColor = RGBColor(0xee, 0xee, 0xee);
const GRID_BOLD: RGBColor = RGBColor(0xd8, 0xd8, 0xd8);

/// The `i`-th series' colour; past ten series the colours repeat.
pub(super) fn palette(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// `c` blended towards white by `amount` (0: unchanged, 1: white), as an opaque colour.
pub(super) fn lighten(c: RGBColor, amount: f64) -> RGBColor {
    let mix = |v: u8| (f64::from(v) + (255.0 - f64::from(v)) * amount).round() as u8;
    RGBColor(mix(c.0), mix(c.1), mix(c.2))
}

/// Regular text in the one font every picture uses.
pub(super) fn text_style(size: f64, color: RGBColor) -> TextStyle<'static> {
    (FONT, size).into_font().color(&color)
}

/// Bold text in the same font: titles, headings, warnings.
pub(super) fn bold_style(size: f64, color: RGBColor) -> TextStyle<'static> {
    (FONT, size, FontStyle::Bold).into_font().color(&color)
}

/// Rough rendered width of `text` at `size`, in pixels (about 0.6 em per character).
pub(super) fn text_width(text: &str, size: f64) -> i32 {
    (text.chars().count() as f64 * size / 1.24 * 0.6).ceil() as i32
}

/// `lo..hi` widened by `frac` of its span on each side, never empty: a single value gets a
/// span of 10% of its magnitude (at least `min_span`).
pub(super) fn padded(lo: f64, hi: f64, frac: f64, min_span: f64) -> (f64, f64) {
    let span = hi - lo;
    if span > 0.0 {
        (lo - span * frac, hi + span * frac)
    } else {
        let half = (lo.abs() * 0.1).max(min_span) / 2.0;
        (lo - half, hi + half)
    }
}

/// What a legend row shows before its text.
pub(super) enum Swatch {
    /// A line segment, dashed or solid, with an optional marker: (radius, filled).
    Line {
        /// The line's colour, and the marker's.
        color: RGBColor,
        /// Dashed for guides, solid for data.
        dashed: bool,
        /// The marker at the segment's middle, if any: (radius in pixels, filled).
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

impl Swatch {
    /// A dashed line with no marker, as guides are drawn.
    pub(super) fn dashed(color: RGBColor) -> Self {
        Swatch::Line {
            color,
            dashed: true,
            ring: None,
        }
    }

    /// A solid line with no marker (the Pareto frontier, a percentile over time).
    pub(super) fn solid(color: RGBColor) -> Self {
        Swatch::Line {
            color,
            dashed: false,
            ring: None,
        }
    }
}

/// One line of a legend box.
pub(super) struct LegendRow {
    /// The sample drawn left of the text.
    pub(super) swatch: Swatch,
    /// What the swatch stands for.
    pub(super) text: String,
    /// Regular for an entry, bold for a heading or a warning.
    pub(super) style: TextStyle<'static>,
}

impl LegendRow {
    /// An entry in the legend's regular style.
    pub(super) fn new(swatch: Swatch, text: impl Into<String>) -> Self {
        LegendRow {
            swatch,
            text: text.into(),
            style: text_style(LABEL_SIZE, TEXT),
        }
    }

    /// A bold line with no swatch, heading the rows below it.
    pub(super) fn heading(text: impl Into<String>) -> Self {
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
pub(super) fn legend_height(rows: &[LegendRow]) -> i32 {
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

/// Every chart plots f64 against f64; the alias keeps signatures readable.
pub(super) type Chart<'a, DB> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// What a chart's grid and axes show; every picture draws them the same way otherwise.
pub(super) struct Mesh<'a> {
    /// The x axis's caption, unit included.
    pub(super) x_desc: &'a str,
    /// The y axis's caption, unit included.
    pub(super) y_desc: &'a str,
    /// How many x tick labels `plotters` aims for.
    pub(super) x_labels: usize,
    /// How many y tick labels; 0 leaves the y axis to labels drawn by hand.
    pub(super) y_labels: usize,
    /// Whether the grid has horizontal lines (rows of a Gantt chart need none).
    pub(super) y_grid: bool,
}

/// Draws the usual light grid, the axes, tick labels and axis descriptions.
pub(super) fn draw_mesh<DB: DrawingBackend>(
    chart: &mut Chart<'_, DB>,
    mesh: &Mesh<'_>,
) -> Result<(), PlotError> {
    let mut m = chart.configure_mesh();
    m.x_desc(mesh.x_desc)
        .y_desc(mesh.y_desc)
        .x_labels(mesh.x_labels)
        .y_labels(mesh.y_labels)
        .x_label_formatter(&|v| num(*v))
        .y_label_formatter(&|v| num(*v))
        .max_light_lines(1)
        .light_line_style(GRID_LIGHT)
        .bold_line_style(GRID_BOLD)
        .axis_style(RGBColor(0x66, 0x66, 0x66))
        .label_style(text_style(LABEL_SIZE, TEXT))
        .axis_desc_style(text_style(DESC_SIZE, TEXT));
    if !mesh.y_grid {
        m.disable_y_mesh();
    }
    m.draw().map_err(draw_err)
}

/// A chart on `area` with room for the tick labels below and on the left, `top` pixels below
/// the title (the legend's top, so that chart and legend line up).
pub(super) fn chart_builder<'a, 'b>(
    area: &'a Area<'b>,
    top: i32,
) -> ChartBuilder<'a, 'b, SVGBackend<'b>> {
    let mut b = ChartBuilder::on(area);
    b.margin(12)
        .margin_top(top)
        .x_label_area_size(52)
        .y_label_area_size(64);
    b
}

/// Where a picture draws its chart: the page's left part, below the title.
pub(super) type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;

/// Lays out the page every picture shares and returns the SVG document: a white page of
/// `plot_w` + the legend's width by `height` pixels, `title` across the top, the chart that
/// `draw` puts on the left, and the legend `rows` on the right, `legend_top` pixels below the
/// title (level with the top of the chart). The legend is as wide as its longest row, within
/// 200..=460 pixels, so that long strategy names neither overflow nor squeeze the chart.
pub(super) fn page(
    title: &str,
    plot_w: i32,
    height: i32,
    rows: &[LegendRow],
    legend_top: i32,
    draw: impl FnOnce(&Area<'_>) -> Result<(), PlotError>,
) -> Result<String, PlotError> {
    let legend_w = legend_width(rows).clamp(200, 460);
    let width = (plot_w + legend_w + 16) as u32;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (width, height as u32)).into_drawing_area();
        root.fill(&WHITE).map_err(draw_err)?;
        // A long title (a run's whole load description) shrinks to fit the page rather than
        // run off both its sides.
        let room = width as f64 - 24.0;
        let natural = text_width(title, TITLE_SIZE) as f64;
        let size = if natural > room {
            (TITLE_SIZE * room / natural).max(8.0)
        } else {
            TITLE_SIZE
        };
        let body = root
            .titled(title, text_style(size, TEXT))
            .map_err(draw_err)?;
        let (left, right) = body.split_horizontally(plot_w);
        draw(&left)?;
        draw_legend(&right, (4, legend_top), legend_w, rows)?;
        root.present().map_err(draw_err)?;
    }
    Ok(svg)
}

/// A number for a label: at most three decimals, without trailing zeros (`2`, `2.5`,
/// `0.125`), so tick labels stay short.
pub(super) fn num(v: f64) -> String {
    let s = format!("{v:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    s.to_string()
}
