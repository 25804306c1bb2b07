//! Clients with rules over time, in the dashboard's windows: for the open loop the offered
//! load (arrivals and attempts: the retry amplification), what became of the clients due in
//! each window and their latencies; for the closed loop the throughput and response times.

use plotters::prelude::*;

use super::dashboard::{duration, sig};
use super::frame::{
    chart_builder, draw_mesh, legend_height, page, Chart, LegendRow, Mesh, Swatch, LABEL_SIZE,
    LATE, LATE_ROW, PASS, TEXT,
};
use super::{draw_err, finite, PlotError};
use crate::outcome::clients::ClientOutcome;
use crate::outcome::windows::{ClosedWindows, Grid, Latencies, OpenWindows};

/// Input of [`open_svg`].
#[derive(Debug, Clone, PartialEq)]
pub struct OpenPlot {
    /// Title drawn above the panels.
    pub title: String,
    /// Latency timeout in seconds: a guide on the latency panel.
    pub timeout_s: f64,
    /// The clients and their attempts, in windows.
    pub windows: OpenWindows,
}

/// Input of [`closed_svg`].
#[derive(Debug, Clone, PartialEq)]
pub struct ClosedPlot {
    /// Title drawn above the panels.
    pub title: String,
    /// No request starts after this: a guide on both panels.
    pub duration_s: f64,
    /// How many replications the windows gather: throughput is per replication.
    pub replications: usize,
    /// Every request of every replication, in windows.
    pub windows: ClosedWindows,
}

const ARRIVALS: RGBColor = RGBColor(0x8f, 0xb3, 0xd9);
const ATTEMPTS: RGBColor = RGBColor(0x94, 0x67, 0xbd);
const LATE_SERVED: RGBColor = RGBColor(0xff, 0x7f, 0x0e);
const P50: RGBColor = RGBColor(0x1f, 0x77, 0xb4);
const P99: RGBColor = RGBColor(0xff, 0x7f, 0x0e);
const PLOT_W: i32 = 760;

/// The grid's width, first index and count, each checked finite, and every window's
/// latencies checked too.
fn checked(grid: &Grid, latency: &[Option<Latencies>]) -> Result<(f64, f64, usize), PlotError> {
    let w = finite(|| "window width".into(), grid.width_s)?;
    let k0 = finite(|| "first window".into(), grid.first)?;
    for (i, l) in latency.iter().enumerate() {
        if let Some(l) = l {
            finite(|| format!("window {} p50", i + 1), l.p50_s)?;
            finite(|| format!("window {} p99", i + 1), l.p99_s)?;
        }
    }
    Ok((w, k0, grid.count))
}

/// Draws p99 and p50 as lines at the windows' middles, broken where a window is empty.
fn draw_percentiles<DB: DrawingBackend>(
    chart: &mut Chart<'_, DB>,
    x0: f64,
    w: f64,
    per: &[Option<Latencies>],
) -> Result<(), PlotError> {
    for (color, p99) in [(P99, true), (P50, false)] {
        let mut runs: Vec<Vec<(f64, f64)>> = vec![Vec::new()];
        for (k, v) in per.iter().enumerate() {
            match v {
                Some(l) => {
                    let x = x0 + k as f64 * w + w / 2.0;
                    let y = if p99 { l.p99_s } else { l.p50_s };
                    runs.last_mut().expect("one run at least").push((x, y));
                }
                None if runs.last().is_some_and(|r| !r.is_empty()) => runs.push(Vec::new()),
                None => {}
            }
        }
        for points in runs.into_iter().filter(|r| !r.is_empty()) {
            chart
                .draw_series(LineSeries::new(points.clone(), color.stroke_width(2)))
                .map_err(draw_err)?;
            chart
                .draw_series(
                    points
                        .into_iter()
                        .map(|p| Circle::new(p, 2, color.filled())),
                )
                .map_err(draw_err)?;
        }
    }
    Ok(())
}

/// A horizontal dashed guide across the chart.
fn guide<DB: DrawingBackend>(
    chart: &mut Chart<'_, DB>,
    (x0, x1): (f64, f64),
    y: f64,
) -> Result<(), PlotError> {
    chart
        .draw_series(DashedLineSeries::new(
            vec![(x0, y), (x1, y)],
            7,
            5,
            LATE.stroke_width(2),
        ))
        .map_err(draw_err)?;
    Ok(())
}

/// The open loop as three panels sharing one time axis, in windows of a round width:
///
/// - offered load: the clients first due in each window (bars) and every attempt begun in
///   it, retries included (a line), per second: the gap between them is the amplification;
/// - outcome by due time: the clients due in each window, satisfied, late and given up,
///   stacked, per second;
/// - latency by due time: p50 and p99 of the served clients, the timeout as a guide.
pub fn open_svg(input: &OpenPlot) -> Result<String, PlotError> {
    let timeout = finite(|| "timeout".into(), input.timeout_s)?;
    let win = &input.windows;
    let Some(grid) = &win.grid else {
        return Err(PlotError::Empty("no client"));
    };
    let (w, k0, n) = checked(grid, &win.latency)?;
    let (arrivals, attempts, outcomes) = (&win.arrivals, &win.attempts, &win.outcomes);
    let lat_hi = win.longest_s.map_or(timeout, |l| timeout.max(l)) * 1.1;
    let per = &win.latency;
    let rate = |k: usize| k as f64 / w;
    let load_hi = arrivals
        .iter()
        .chain(attempts.iter())
        .map(|&k| rate(k))
        .fold(0.0, f64::max)
        .max(f64::MIN_POSITIVE)
        * 1.12;
    let (x0, x1) = (k0 * w, (k0 + n as f64) * w);
    let count = |o: ClientOutcome| win.total(o);
    let rows = vec![
        LegendRow::heading(format!("offered load, per {} window", duration(w))),
        LegendRow::new(Swatch::Block(ARRIVALS), "arrivals (clients/s)"),
        LegendRow::new(Swatch::solid(ATTEMPTS), "attempts/s, retries included"),
        LegendRow::heading("clients by due time"),
        LegendRow::new(Swatch::Block(PASS), "satisfied"),
        LegendRow::new(Swatch::Block(LATE_SERVED), "served late"),
        LegendRow::new(Swatch::Block(LATE), "given up"),
        LegendRow::heading("latency of served clients"),
        LegendRow::new(Swatch::solid(P99), "p99"),
        LegendRow::new(Swatch::solid(P50), "p50"),
        LegendRow::new(Swatch::dashed(LATE), format!("timeout {} s", sig(timeout))),
        LegendRow::heading(format!(
            "{} clients, {} attempts",
            win.clients, win.attempts_total
        )),
        LegendRow::new(
            Swatch::None,
            format!(
                "satisfied {}, late {}, given up {}",
                count(ClientOutcome::Satisfied),
                count(ClientOutcome::Late),
                count(ClientOutcome::GivenUp)
            ),
        ),
    ];
    let height = 900.max(legend_height(&rows) + 80);
    page(&input.title, PLOT_W, height, &rows, 36, |left| {
        let title = super::frame::bold_style(LABEL_SIZE + 2.0, TEXT);
        let third = (height - 40) / 3;
        let (top, rest) = left.split_vertically(third);
        let (middle, bottom) = rest.split_vertically(third);
        let top = top
            .titled("Offered load per second", title.clone())
            .map_err(draw_err)?;
        let middle = middle
            .titled("Clients by due time, per second", title.clone())
            .map_err(draw_err)?;
        let bottom = bottom
            .titled("Latency by due time", title)
            .map_err(draw_err)?;
        let gap = w * 0.08;
        let bar = |k: usize| (x0 + k as f64 * w + gap, x0 + (k + 1) as f64 * w - gap);

        let mut load = chart_builder(&top, 6)
            .x_label_area_size(28)
            .build_cartesian_2d(x0..x1, 0.0..load_hi)
            .map_err(draw_err)?;
        draw_mesh(&mut load, &mesh("", "per second", 5))?;
        load.draw_series(
            arrivals
                .iter()
                .enumerate()
                .filter(|(_, &a)| a > 0)
                .map(|(k, &a)| {
                    let (l, r) = bar(k);
                    Rectangle::new([(l, rate(a)), (r, 0.0)], ARRIVALS.filled())
                }),
        )
        .map_err(draw_err)?;
        let line: Vec<(f64, f64)> = attempts
            .iter()
            .enumerate()
            .map(|(k, &a)| (x0 + k as f64 * w + w / 2.0, rate(a)))
            .collect();
        load.draw_series(LineSeries::new(line, ATTEMPTS.stroke_width(2)))
            .map_err(draw_err)?;

        let out_hi = arrivals
            .iter()
            .map(|&k| rate(k))
            .fold(0.0, f64::max)
            .max(f64::MIN_POSITIVE)
            * 1.12;
        let mut fate = chart_builder(&middle, 6)
            .x_label_area_size(28)
            .build_cartesian_2d(x0..x1, 0.0..out_hi)
            .map_err(draw_err)?;
        draw_mesh(&mut fate, &mesh("", "clients/s", 5))?;
        let mut bars = Vec::new();
        for (k, o) in outcomes.iter().enumerate() {
            let (l, r) = bar(k);
            let mut base = 0.0;
            for (i, color) in [PASS, LATE_SERVED, LATE].into_iter().enumerate() {
                if o[i] > 0 {
                    let top = base + rate(o[i]);
                    bars.push(Rectangle::new([(l, top), (r, base)], color.filled()));
                    base = top;
                }
            }
        }
        fate.draw_series(bars).map_err(draw_err)?;

        let mut latency = chart_builder(&bottom, 6)
            .build_cartesian_2d(x0..x1, 0.0..lat_hi)
            .map_err(draw_err)?;
        latency
            .draw_series([Rectangle::new(
                [(x0, lat_hi), (x1, timeout.min(lat_hi))],
                LATE_ROW.filled(),
            )])
            .map_err(draw_err)?;
        draw_mesh(&mut latency, &mesh("due time (s)", "latency (s)", 6))?;
        guide(&mut latency, (x0, x1), timeout)?;
        draw_percentiles(&mut latency, x0, w, per)
    })
}

fn mesh<'a>(x_desc: &'a str, y_desc: &'a str, y_labels: usize) -> Mesh<'a> {
    Mesh {
        x_desc,
        y_desc,
        x_labels: 12,
        y_labels,
        y_grid: true,
    }
}

/// The closed loop as two panels sharing one time axis, in windows of a round width:
/// responses completed per second (per replication), by completion time; p50 and p99 of the
/// response times, by the time the request was sent. The duration is a guide on both.
pub fn closed_svg(input: &ClosedPlot) -> Result<String, PlotError> {
    let duration_s = finite(|| "duration".into(), input.duration_s)?;
    let win = &input.windows;
    let Some(grid) = &win.grid else {
        return Err(PlotError::Empty("no request"));
    };
    let (w, k0, n) = checked(grid, &win.response)?;
    let longest = finite(|| "longest response".into(), win.longest_s)?;
    let done = &win.done;
    let runs = input.replications.max(1) as f64;
    let rate = |k: usize| k as f64 / w / runs;
    let x_hi = done
        .iter()
        .map(|&k| rate(k))
        .fold(0.0, f64::max)
        .max(f64::MIN_POSITIVE)
        * 1.12;
    let r_hi = longest.max(f64::MIN_POSITIVE) * 1.1;
    let per = &win.response;
    let (x0, x1) = (k0 * w, (k0 + n as f64) * w);
    let rows = vec![
        LegendRow::heading(format!("per {} window", duration(w))),
        LegendRow::new(Swatch::Block(ARRIVALS), "responses/s, by completion"),
        LegendRow::heading("response time, by start"),
        LegendRow::new(Swatch::solid(P99), "p99"),
        LegendRow::new(Swatch::solid(P50), "p50"),
        LegendRow::new(
            Swatch::Tick(LATE),
            format!("duration {} s", sig(duration_s)),
        ),
        LegendRow::heading(format!(
            "{} requests, {} replication{}",
            win.requests,
            input.replications,
            if input.replications == 1 { "" } else { "s" }
        )),
    ];
    let height = 700.max(legend_height(&rows) + 80);
    page(&input.title, PLOT_W, height, &rows, 36, |left| {
        let title = super::frame::bold_style(LABEL_SIZE + 2.0, TEXT);
        let (top, bottom) = left.split_vertically(300);
        let top = top.titled("Throughput", title.clone()).map_err(draw_err)?;
        let bottom = bottom
            .titled("Response time by start time", title)
            .map_err(draw_err)?;
        let gap = w * 0.08;
        let mut thr = chart_builder(&top, 6)
            .x_label_area_size(28)
            .build_cartesian_2d(x0..x1, 0.0..x_hi)
            .map_err(draw_err)?;
        draw_mesh(&mut thr, &mesh("", "requests/s", 5))?;
        thr.draw_series(
            done.iter()
                .enumerate()
                .filter(|(_, &d)| d > 0)
                .map(|(k, &d)| {
                    let l = x0 + k as f64 * w;
                    Rectangle::new([(l + gap, rate(d)), (l + w - gap, 0.0)], ARRIVALS.filled())
                }),
        )
        .map_err(draw_err)?;
        let mut resp = chart_builder(&bottom, 6)
            .build_cartesian_2d(x0..x1, 0.0..r_hi)
            .map_err(draw_err)?;
        draw_mesh(&mut resp, &mesh("time (s)", "response time (s)", 6))?;
        for (chart, hi) in [(&mut thr, x_hi), (&mut resp, r_hi)] {
            if (x0..=x1).contains(&duration_s) {
                chart
                    .draw_series(DashedLineSeries::new(
                        vec![(duration_s, 0.0), (duration_s, hi)],
                        7,
                        5,
                        LATE.stroke_width(2),
                    ))
                    .map_err(draw_err)?;
            }
        }
        draw_percentiles(&mut resp, x0, w, per)
    })
}

#[cfg(test)]
mod tests {
    use super::super::svg_read::texts;
    use super::*;
    use crate::outcome::windows::fixtures::{steady_requests, storm};

    #[test]
    fn open_plot_counts_attempts_and_names_its_series() {
        let (clients, attempts_s) = storm();
        let svg = open_svg(&OpenPlot {
            title: "storm".into(),
            timeout_s: 5.0,
            windows: OpenWindows::of(&clients, &attempts_s, 5.0),
        })
        .unwrap();
        let doc = roxmltree::Document::parse(&svg).unwrap();
        let all = texts(&doc);
        for t in [
            "storm",
            "Offered load per second",
            "attempts/s, retries included",
            "given up",
            "40 clients, 50 attempts",
            "satisfied 30, late 0, given up 10",
            "timeout 5 s",
        ] {
            assert!(all.contains(&t.to_string()), "no text {t:?} in {all:?}");
        }
        let none = OpenPlot {
            title: "none".into(),
            timeout_s: 5.0,
            windows: OpenWindows::of(&[], &[], 5.0),
        };
        assert!(matches!(open_svg(&none), Err(PlotError::Empty(_))));
    }

    #[test]
    fn plot_closed_draws_throughput_and_refuses_nothing() {
        let mut input = ClosedPlot {
            title: "loop".into(),
            duration_s: 50.0,
            replications: 1,
            windows: ClosedWindows::of(&steady_requests()),
        };
        let svg = closed_svg(&input).unwrap();
        let all = texts(&roxmltree::Document::parse(&svg).unwrap());
        assert!(all.contains(&"Throughput".to_string()), "{all:?}");
        assert!(all.contains(&"50 requests, 1 replication".to_string()));
        input.windows = ClosedWindows::of(&[]);
        assert!(matches!(closed_svg(&input), Err(PlotError::Empty(_))));
    }
}
