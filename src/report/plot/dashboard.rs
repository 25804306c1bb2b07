//! One load test as a load-testing dashboard draws it: the arrival rate over time above, the
//! latency percentiles over time below. Unlike the timeline it draws clients aggregated into
//! time windows ([`crate::outcome::windows`]), so a million clients make a picture of the
//! same size as a hundred.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::frame::{
    bold_style, chart_builder, draw_mesh, legend_height, page, text_style, text_width, Area,
    LegendRow, Mesh, Swatch, LABEL_SIZE, LATE, LATE_ROW, TEXT,
};
use super::{draw_err, finite, PlotError};
use crate::outcome::windows::{Latencies, Window, Windows};

/// Input of [`dashboard_svg`].
#[derive(Debug, Clone, PartialEq)]
pub struct DashboardPlot {
    /// Title drawn above both panels.
    pub title: String,
    /// Latency timeout in seconds: a horizontal guide on the latency panel.
    pub timeout_s: f64,
    /// The clients by due time, in windows.
    pub windows: Windows,
}

/// Up to this many windows, each latency point also gets a dot.
const FEW_WINDOWS: usize = 40;

/// `v` with `decimals` decimals at most, without trailing zeros.
fn trimmed(v: f64, decimals: usize) -> String {
    let s = format!("{v:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// A value for a tooltip or a data attribute: three decimals, and three significant digits
/// at least, so that 1234.567 s keeps its milliseconds and a latency of 12 µs is not 0.
pub(super) fn sig(v: f64) -> String {
    let digits = if v == 0.0 {
        0
    } else {
        2 - v.abs().log10().floor() as i32
    };
    trimmed(v, digits.clamp(3, 12) as usize)
}

/// A window's start or end: as many decimals as its width `w` needs (1000.5 s for 0.5 s
/// windows, 1.000123 s for 1 µs ones), so that a window's end is the next one's start.
fn bound(v: f64, w: f64) -> String {
    let digits = (-w.log10()).ceil() as i32 + 1;
    trimmed(v, digits.clamp(3, 12) as usize)
}

/// "10 s", "0.5 s", "5 min", "1 h", "2 d".
pub(super) fn duration(w: f64) -> String {
    for (unit, s) in [("d", 86400.0), ("h", 3600.0), ("min", 60.0)] {
        if w >= s && (w / s).fract() == 0.0 {
            return format!("{} {unit}", w / s);
        }
    }
    format!("{} s", sig(w))
}

const ARRIVALS: RGBColor = RGBColor(0x8f, 0xb3, 0xd9);
const P50: RGBColor = RGBColor(0x1f, 0x77, 0xb4);
const P99: RGBColor = RGBColor(0xff, 0x7f, 0x0e);

/// Height of the whole picture and of the arrivals panel, in pixels.
const HEIGHT: i32 = 700;
const TOP_PANEL: i32 = 260;
/// Width of the two panels, in pixels (the legend is beside them).
const PLOT_W: i32 = 760;

/// The load test as two panels sharing one time axis (due time, in model seconds):
///
/// - arrivals: one bar per window, its height the window's arrival rate (clients due in it
///   divided by its width), the part of it that was late in red;
/// - latency: p50 and p99 of the latencies of the clients due in each window, one point per
///   window at its middle, the lines broken across windows without clients (a lone point is
///   a dot); the timeout as a dashed red guide, the area above it tinted. The maximum is in
///   the tooltips only: with up to 100 clients in a window it is the p99.
///
/// The window width is a round figure (0.1 s, 0.5 s, 1 s, 10 s, 1 min…) giving about 50 to
/// 100 windows, fewer for few clients (two per window on average). Every window also gets
/// an invisible column with a tooltip and its figures as `data-*` attributes (`data-start-s`,
/// `data-arrivals`, `data-late`, `data-p50-s`, `data-p99-s`, `data-max-s`), so that a viewer
/// can hover and a program can read the numbers back. The size of the SVG depends on the
/// number of windows only, never on the number of clients.
pub fn dashboard_svg(input: &DashboardPlot) -> Result<String, PlotError> {
    let timeout = finite(|| "timeout".into(), input.timeout_s)?;
    let windows = &input.windows.windows;
    if windows.is_empty() {
        return Err(PlotError::Empty("no client"));
    }
    let w = finite(|| "window width".into(), input.windows.width_s)?;
    for (i, v) in windows.iter().enumerate() {
        finite(|| format!("window {} start", i + 1), v.start_s)?;
        if let Some(l) = v.latency {
            for (name, value) in [("p50", l.p50_s), ("p99", l.p99_s), ("max", l.max_s)] {
                finite(|| format!("window {} latency {name}", i + 1), value)?;
            }
        }
    }
    let total = input.windows.clients;
    let late_total = input.windows.late;
    let pct = input.windows.late_percent;
    let (x0, x1) = (windows[0].start_s, windows[windows.len() - 1].start_s + w);
    let rate = |count: usize| count as f64 / w;
    let rate_hi = windows.iter().map(|v| rate(v.arrivals)).fold(0.0, f64::max);
    let rate_hi = if rate_hi > 0.0 { rate_hi * 1.12 } else { 1.0 };
    let lat_hi = windows
        .iter()
        .filter_map(|v| Some(v.latency?.max_s))
        .fold(timeout, f64::max);
    let lat_hi = if lat_hi > 0.0 { lat_hi * 1.1 } else { 1.0 };

    let mut rows = vec![
        LegendRow::heading(format!("arrivals, per {} window", duration(w))),
        LegendRow::new(Swatch::Block(ARRIVALS), "clients/s on time"),
        LegendRow::new(Swatch::Block(LATE), "clients/s late"),
        LegendRow::heading("latency, by due time"),
        LegendRow::new(Swatch::solid(P99), "p99"),
        LegendRow::new(Swatch::solid(P50), "p50"),
        LegendRow::new(Swatch::dashed(LATE), format!("timeout {} s", sig(timeout))),
        LegendRow::new(Swatch::Block(LATE_ROW), "over the timeout"),
        LegendRow::heading(format!(
            "{total} clients, {} window{}",
            windows.len(),
            if windows.len() == 1 { "" } else { "s" }
        )),
    ];
    rows.push(LegendRow {
        swatch: Swatch::None,
        text: format!("late: {late_total} ({}%)", trimmed(pct, 1)),
        style: if late_total > 0 {
            bold_style(LABEL_SIZE, LATE)
        } else {
            text_style(LABEL_SIZE, TEXT)
        },
    });
    let height = HEIGHT.max(legend_height(&rows) + 80);

    let mut columns = Vec::with_capacity(windows.len());
    let mut svg = page(
        &input.title,
        PLOT_W,
        height,
        &rows,
        36,
        |left: &Area<'_>| {
            let panel_title = bold_style(LABEL_SIZE + 2.0, TEXT);
            let (top, bottom) = left.split_vertically(TOP_PANEL);
            let top = top
                .titled("Arrivals per second", panel_title.clone())
                .map_err(draw_err)?;
            let bottom = bottom
                .titled("Latency by due time", panel_title)
                .map_err(draw_err)?;

            let mut arrivals = chart_builder(&top, 6)
                .x_label_area_size(28)
                .build_cartesian_2d(x0..x1, 0.0..rate_hi)
                .map_err(draw_err)?;
            draw_mesh(
                &mut arrivals,
                &Mesh {
                    x_desc: "",
                    y_desc: "clients/s",
                    x_labels: 12,
                    y_labels: 5,
                    y_grid: true,
                },
            )?;
            let gap = w * 0.08;
            let mut bars = Vec::with_capacity(windows.len() * 2);
            for v in windows.iter().filter(|v| v.arrivals > 0) {
                let (a, b) = (v.start_s + gap, v.start_s + w - gap);
                let (all, on_time) = (rate(v.arrivals), rate(v.arrivals - v.late));
                bars.push(Rectangle::new([(a, all), (b, 0.0)], ARRIVALS.filled()));
                if v.late > 0 {
                    bars.push(Rectangle::new([(a, all), (b, on_time)], LATE.filled()));
                }
            }
            arrivals.draw_series(bars).map_err(draw_err)?;

            let mut latency = chart_builder(&bottom, 6)
                .build_cartesian_2d(x0..x1, 0.0..lat_hi)
                .map_err(draw_err)?;
            latency
                .draw_series([Rectangle::new(
                    [(x0, lat_hi), (x1, timeout.min(lat_hi))],
                    LATE_ROW.filled(),
                )])
                .map_err(draw_err)?;
            draw_mesh(
                &mut latency,
                &Mesh {
                    x_desc: "due time (s)",
                    y_desc: "latency (s)",
                    x_labels: 12,
                    y_labels: 8,
                    y_grid: true,
                },
            )?;
            latency
                .draw_series(DashedLineSeries::new(
                    vec![(x0, timeout), (x1, timeout)],
                    7,
                    5,
                    LATE.stroke_width(2),
                ))
                .map_err(draw_err)?;
            for (color, p99) in [(P99, true), (P50, false)] {
                let value = |v: &Window| v.latency.map(|l| if p99 { l.p99_s } else { l.p50_s });
                for run in windows.split(|v| value(v).is_none()) {
                    let points: Vec<(f64, f64)> = run
                        .iter()
                        .filter_map(|v| Some((v.start_s + w / 2.0, value(v)?)))
                        .collect();
                    if points.len() > 1 {
                        latency
                            .draw_series(LineSeries::new(points.clone(), color.stroke_width(2)))
                            .map_err(draw_err)?;
                    }
                    // A lone point has no line to show it; few windows read better with dots.
                    if points.len() == 1 || windows.len() <= FEW_WINDOWS {
                        latency
                            .draw_series(
                                points
                                    .into_iter()
                                    .map(|p| Circle::new(p, 3, color.filled())),
                            )
                            .map_err(draw_err)?;
                    }
                }
            }

            // The guide's label, at its right end on a white box, over the lines it may cross.
            let (gx, gy) = latency.backend_coord(&(x1, timeout));
            let base = bottom.get_base_pixel();
            let label = format!("timeout {} s", sig(timeout));
            let (tx, ty) = (gx - base.0 - 6, gy - base.1 - 5);
            let tw = text_width(&label, LABEL_SIZE) * 27 / 25; // bold is a little wider
            bottom
                .draw(&Rectangle::new(
                    [(tx - tw - 4, ty - 17), (tx + 3, ty + 1)],
                    WHITE.mix(0.85).filled(),
                ))
                .map_err(draw_err)?;
            bottom
                .draw(&Text::new(
                    label,
                    (tx, ty),
                    bold_style(LABEL_SIZE, LATE).pos(Pos::new(HPos::Right, VPos::Bottom)),
                ))
                .map_err(draw_err)?;

            // One invisible column per window over both panels, for the tooltip and the data.
            let y_top = arrivals.backend_coord(&(x0, rate_hi)).1;
            let y_bottom = latency.backend_coord(&(x0, 0.0)).1;
            for v in windows {
                let xa = arrivals.backend_coord(&(v.start_s, 0.0)).0;
                let xb = arrivals.backend_coord(&(v.start_s + w, 0.0)).0;
                columns.push(column(v, w, (xa, y_top), (xb.max(xa + 1), y_bottom)));
            }
            Ok(())
        },
    )?;
    let end = svg.rfind("</svg>").ok_or_else(|| draw_err("no </svg>"))?;
    svg.insert_str(end, &columns.concat());
    Ok(svg)
}

/// A window's invisible column: hovering shows its figures; programs read the `data-*`.
fn column(v: &Window, w: f64, (x0, y0): (i32, i32), (x1, y1): (i32, i32)) -> String {
    let end = v.start_s + w;
    let mut data = format!(
        r#"data-start-s="{}" data-end-s="{}" data-arrivals="{}" data-late="{}""#,
        bound(v.start_s, w),
        bound(end, w),
        v.arrivals,
        v.late
    );
    let mut tip = format!(
        "{}–{} s: {} clients ({} /s)",
        bound(v.start_s, w),
        bound(end, w),
        v.arrivals,
        sig(v.arrivals as f64 / w)
    );
    if v.late > 0 {
        tip.push_str(&format!(", {} late", v.late));
    }
    if let Some(Latencies {
        p50_s: p50,
        p99_s: p99,
        max_s: max,
    }) = v.latency
    {
        data.push_str(&format!(
            r#" data-p50-s="{}" data-p99-s="{}" data-max-s="{}""#,
            sig(p50),
            sig(p99),
            sig(max)
        ));
        tip.push_str(&format!(
            "; latency p50 {} s, p99 {} s, max {} s",
            sig(p50),
            sig(p99),
            sig(max)
        ));
    }
    format!(
        "<rect class=\"window\" x=\"{x0}\" y=\"{y0}\" width=\"{}\" height=\"{}\" fill=\"#000\" fill-opacity=\"0\" {data}><title>{tip}</title></rect>\n",
        x1 - x0,
        y1 - y0
    )
}

#[cfg(test)]
mod tests {
    use super::super::svg_read::{attr, elements, hex, texts};
    use super::*;
    use crate::outcome::windows::fixtures::client;
    use crate::outcome::windows::ClientLatency;

    #[test]
    fn plot_dashboard_draws_bars_lines_guide_and_data() {
        let clients: Vec<ClientLatency> = (0..400)
            .map(|i| client(0.25 * f64::from(i), 1.0 + f64::from(i % 40) * 0.15))
            .collect();
        let input = DashboardPlot {
            title: "fastfood: 400 clients".into(),
            timeout_s: 5.0,
            windows: Windows::of(&clients),
        };
        let svg = dashboard_svg(&input).unwrap();
        let doc = roxmltree::Document::parse(&svg).unwrap();
        let all = texts(&doc);
        for t in [
            "fastfood: 400 clients",
            "Arrivals per second",
            "Latency by due time",
            "timeout 5 s",
            "due time (s)",
            "latency (s)",
            "clients/s",
        ] {
            assert!(all.contains(&t.to_string()), "no text {t:?} in {all:?}");
        }
        let columns: Vec<_> = elements(&doc, "rect")
            .into_iter()
            .filter(|n| attr(n, "class") == "window")
            .collect();
        assert_eq!(columns.len(), 100);
        let bars = elements(&doc, "rect")
            .iter()
            .filter(|n| attr(n, "fill") == hex(ARRIVALS))
            .count();
        assert_eq!(bars, 100 + 1); // + the legend's
        let arrivals: usize = columns
            .iter()
            .map(|n| attr(n, "data-arrivals").parse::<usize>().unwrap())
            .sum();
        assert_eq!(arrivals, 400);
        for p in [P50, P99] {
            let lines = elements(&doc, "polyline")
                .iter()
                .filter(|n| attr(n, "stroke") == hex(p))
                .count();
            assert_eq!(lines, 1 + 1, "{p:?}"); // one unbroken line + the legend's
        }
        let late = elements(&doc, "rect")
            .iter()
            .filter(|n| attr(n, "fill") == hex(LATE))
            .count();
        assert!(late > 10, "{late} late bars");
    }

    #[test]
    fn plot_dashboard_breaks_lines_across_empty_windows_and_refuses_bad_input() {
        let mut clients: Vec<ClientLatency> = (0..100).map(|i| client(f64::from(i), 2.0)).collect();
        clients.extend((0..100).map(|i| client(200.0 + f64::from(i), 2.0)));
        let svg = dashboard_svg(&DashboardPlot {
            title: "gap".into(),
            timeout_s: 5.0,
            windows: Windows::of(&clients),
        })
        .unwrap();
        let doc = roxmltree::Document::parse(&svg).unwrap();
        let p50 = elements(&doc, "polyline")
            .iter()
            .filter(|n| attr(n, "stroke") == hex(P50))
            .count();
        assert_eq!(p50, 2 + 1);

        let empty = DashboardPlot {
            title: "none".into(),
            timeout_s: 5.0,
            windows: Windows::of(&[]),
        };
        assert!(matches!(dashboard_svg(&empty), Err(PlotError::Empty(_))));
        let nan = DashboardPlot {
            windows: Windows::of(&[client(0.0, f64::NAN)]),
            ..empty
        };
        let err = dashboard_svg(&nan).unwrap_err();
        assert!(err.to_string().contains("window 1 latency p50"), "{err}");
    }

    #[test]
    fn plot_dashboard_formats_small_and_round_values() {
        assert_eq!(sig(0.000012), "0.000012");
        assert_eq!(sig(3.5), "3.5");
        assert_eq!(sig(1234.567), "1234.567");
        assert_eq!(sig(23.95), "23.95");
        assert_eq!(bound(1000.5, 0.5), "1000.5");
        assert_eq!(bound(1.000123, 1e-6), "1.000123");
        assert_eq!(bound(0.1 + 0.2, 0.1), "0.3");
        assert_eq!(trimmed(100.0 / 3.0, 1), "33.3");
        assert_eq!(sig(0.0), "0");
        assert_eq!(duration(10.0), "10 s");
        assert_eq!(duration(0.5), "0.5 s");
        assert_eq!(duration(120.0), "2 min");
        assert_eq!(duration(7200.0), "2 h");
    }

    #[test]
    fn plot_dashboard_size_does_not_grow_with_clients() {
        let big: Vec<ClientLatency> = (0..1_000_000u32)
            .map(|i| client(f64::from(i) * 0.001, 1.0 + f64::from(i % 1000) * 0.005))
            .collect();
        let svg = dashboard_svg(&DashboardPlot {
            title: "a million".into(),
            timeout_s: 5.0,
            windows: Windows::of(&big),
        })
        .unwrap();
        assert!(svg.len() < 200_000, "{} bytes", svg.len());
    }
}
