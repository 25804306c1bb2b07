//! `run --plot` of a staged or replayed load: the rate over time, the way a load-test
//! dashboard shows it — arrivals per second on top, the p50 and p99 latency of the clients
//! due in each window below, the timeout as a dashed guide.
//!
//! A per-client timeline (the default plot) says nothing readable about thousands of clients
//! over minutes; windows do.

use plotters::prelude::*;

use super::plot::PlotError;
use crate::units::TimeUnit;

/// Clients due in one window of time, and their latencies.
#[derive(Debug, Clone, PartialEq)]
pub struct Window {
    /// Seconds from the first due time to the window's start.
    pub start_s: f64,
    pub arrivals: usize,
    /// Nearest-rank percentiles of the latencies of the clients due in it (seconds);
    /// `None` for an empty window.
    pub p50_s: Option<f64>,
    pub p99_s: Option<f64>,
}

/// About this many windows over the load: enough to see a ramp, few enough to be smooth.
const TARGET_WINDOWS: f64 = 60.0;

/// A round window length (1, 2, 5 × 10^k seconds, at least the resolution) giving about
/// [`TARGET_WINDOWS`] windows over `span` seconds.
pub fn window_length(span: f64, resolution: f64) -> f64 {
    let raw = (span / TARGET_WINDOWS).max(resolution);
    let mag = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|&w| w >= raw * (1.0 - 1e-9))
        .unwrap_or(10.0 * mag)
}

/// Groups clients by the window their due time falls in.
pub fn windows(due_s: &[f64], latency_s: &[f64], window: f64) -> Vec<Window> {
    let last = due_s.iter().copied().fold(0.0, f64::max);
    let n = (last / window).floor() as usize + 1;
    let mut groups: Vec<Vec<f64>> = vec![Vec::new(); n];
    for (&d, &l) in due_s.iter().zip(latency_s) {
        let i = ((d / window).floor() as usize).min(n - 1);
        groups[i].push(l);
    }
    groups
        .into_iter()
        .enumerate()
        .map(|(i, mut g)| {
            g.sort_by(f64::total_cmp);
            let pct = |p: f64| {
                let rank = ((p / 100.0) * g.len() as f64).ceil().max(1.0) as usize;
                g[rank.min(g.len()) - 1]
            };
            Window {
                start_s: i as f64 * window,
                arrivals: g.len(),
                p50_s: (!g.is_empty()).then(|| pct(50.0)),
                p99_s: (!g.is_empty()).then(|| pct(99.0)),
            }
        })
        .collect()
}

/// What the picture shows.
pub struct LoadPlot {
    pub title: String,
    pub window_s: f64,
    pub windows: Vec<Window>,
    pub timeout_s: f64,
    pub unit: TimeUnit,
}

fn draw_err<E: std::fmt::Display>(e: E) -> PlotError {
    PlotError::Drawing(e.to_string())
}

pub fn load_svg(input: &LoadPlot) -> Result<String, PlotError> {
    if input.windows.is_empty() {
        return Err(PlotError::Empty("no client"));
    }
    let scale = match input.unit {
        TimeUnit::S => 1.0,
        TimeUnit::Ms => 1e3,
        TimeUnit::Us => 1e6,
    };
    let w = input.window_s;
    let t_end = input.windows.len() as f64 * w;
    let rate_max = input
        .windows
        .iter()
        .map(|x| x.arrivals as f64 / w)
        .fold(0.0, f64::max)
        .max(1e-9)
        * 1.1;
    let lat_max = input
        .windows
        .iter()
        .filter_map(|x| x.p99_s)
        .fold(input.timeout_s, f64::max)
        * scale
        * 1.1;
    let blue = RGBColor(0x1f, 0x77, 0xb4);
    let orange = RGBColor(0xff, 0x7f, 0x0e);
    let red = RGBColor(0xc6, 0x28, 0x28);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (900, 620)).into_drawing_area();
        root.fill(&WHITE).map_err(draw_err)?;
        let root = root
            .titled(&input.title, ("sans-serif", 17))
            .map_err(draw_err)?;
        let (top, bottom) = root.split_vertically(270);
        let mut chart = ChartBuilder::on(&top)
            .margin(12)
            .x_label_area_size(30)
            .y_label_area_size(60)
            .build_cartesian_2d(0.0..t_end, 0.0..rate_max)
            .map_err(draw_err)?;
        chart
            .configure_mesh()
            .x_desc("time since the first client (s)")
            .y_desc("arrivals per second")
            .light_line_style(RGBColor(0xee, 0xee, 0xee))
            .draw()
            .map_err(draw_err)?;
        chart
            .draw_series(input.windows.iter().map(|x| {
                Rectangle::new(
                    [(x.start_s, 0.0), (x.start_s + w, x.arrivals as f64 / w)],
                    blue.mix(0.5).filled(),
                )
            }))
            .map_err(draw_err)?
            .label(format!("arrivals per second ({} s windows)", trim(w)))
            .legend(move |(x, y)| {
                Rectangle::new([(x, y - 5), (x + 14, y + 5)], blue.mix(0.5).filled())
            });
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.8))
            .border_style(RGBColor(0xcc, 0xcc, 0xcc))
            .draw()
            .map_err(draw_err)?;

        let sym = input.unit.symbol();
        let mut chart = ChartBuilder::on(&bottom)
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(60)
            .build_cartesian_2d(0.0..t_end, 0.0..lat_max)
            .map_err(draw_err)?;
        chart
            .configure_mesh()
            .x_desc("time since the first client (s)")
            .y_desc(format!("latency ({sym})"))
            .light_line_style(RGBColor(0xee, 0xee, 0xee))
            .draw()
            .map_err(draw_err)?;
        let line = |pick: fn(&Window) -> Option<f64>| -> Vec<(f64, f64)> {
            input
                .windows
                .iter()
                .filter_map(|x| pick(x).map(|v| (x.start_s + w / 2.0, v * scale)))
                .collect()
        };
        let timeout = input.timeout_s * scale;
        chart
            .draw_series(DashedLineSeries::new(
                vec![(0.0, timeout), (t_end, timeout)],
                7,
                5,
                red.stroke_width(1),
            ))
            .map_err(draw_err)?
            .label(format!("timeout {} {sym}", trim(timeout)))
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 14, y)], red));
        chart
            .draw_series(LineSeries::new(line(|x| x.p50_s), blue.stroke_width(2)))
            .map_err(draw_err)?
            .label("p50 of the clients due in the window")
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 14, y)], blue.stroke_width(2))
            });
        chart
            .draw_series(LineSeries::new(line(|x| x.p99_s), orange.stroke_width(2)))
            .map_err(draw_err)?
            .label("p99")
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 14, y)], orange.stroke_width(2))
            });
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.8))
            .border_style(RGBColor(0xcc, 0xcc, 0xcc))
            .draw()
            .map_err(draw_err)?;
        root.present().map_err(draw_err)?;
    }
    Ok(svg)
}

fn trim(v: f64) -> String {
    super::run::trim_float(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_count_arrivals_and_take_nearest_rank_percentiles() {
        let due = [0.0, 0.5, 0.9, 1.0, 2.5];
        let lat = [1.0, 3.0, 2.0, 4.0, 5.0];
        let w = windows(&due, &lat, 1.0);
        let counts: Vec<usize> = w.iter().map(|x| x.arrivals).collect();
        assert_eq!(counts, [3, 1, 1]);
        assert_eq!((w[0].p50_s, w[0].p99_s), (Some(2.0), Some(3.0)));
        assert_eq!(window_length(20.0, 0.001), 0.5);
        assert_eq!(window_length(180.0, 0.001), 5.0);
        assert_eq!(window_length(60.0, 0.001), 1.0);
        assert_eq!(windows(&[0.0, 3.0], &[1.0, 1.0], 1.0)[1].p50_s, None);
    }
}
