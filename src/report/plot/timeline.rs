//! One load test as a Gantt chart: where each client waited and was served, station by
//! station, and which clients missed their deadline.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::frame::{
    bold_style, chart_builder, draw_mesh, legend_height, lighten, num, padded, page, palette,
    text_style, LegendRow, Mesh, Swatch, GUIDE, LABEL_SIZE, LATE, LATE_ROW, TEXT,
};
use super::{draw_err, finite, PlotError};

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
    // A tall chart repeats the time axis at the top (the mesh labels every x label area).
    let top_axis = n > 20;
    let (top, bottom) = (if top_axis { 92 } else { 40 }, 58);
    let height = (top + 12 + n as i32 * row_h + bottom + 10).max(legend_height(&rows) + 80);

    page(&title, 700, height, &rows, 10, |left| {
        let y_hi = n as f64;
        let mut chart = chart_builder(left, 10)
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
        draw_mesh(
            &mut chart,
            &Mesh {
                x_desc: "model time (s)",
                y_desc: "client",
                x_labels: 14,
                y_labels: 0,
                y_grid: false,
            },
        )?;

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
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::super::svg_read::{attr, elements, hex, size, texts};
    use super::*;

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
