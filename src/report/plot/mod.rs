//! SVG pictures of planner results, drawn with `plotters`' pure-Rust SVG backend.
//!
//! Each picture is drawn from a plain input struct of figures already computed (the windows
//! of a run over time come from [`crate::outcome::windows`]): a picture places them and
//! computes none. Callers convert their own results into these structs:
//!
//! - [`compare_svg`]: satisfaction against arrival rate, one line per strategy;
//! - [`pareto_svg`]: every configuration as a (cost, satisfaction) point, the Pareto frontier
//!   and the chosen answer;
//! - [`timeline_svg`]: one load test as a Gantt chart, one row per client, one bar per station;
//! - [`dashboard_svg`]: one load test as a load-testing dashboard, the arrival rate and the
//!   latency percentiles over time, per time window, for any number of clients;
//! - [`open_svg`], [`closed_svg`]: clients that give up and retry, users who think, over
//!   time in the dashboard's windows;
//! - [`latency_svg`]: one request class's latencies as a cumulative distribution, its
//!   objective marked;
//! - [`stations_svg`]: each station's mean wait beside its mean service, and its busy share;
//! - [`units_svg`]: a run over time: its load, each scaled station's units and the p99 per
//!   minute on one time axis.
//!
//! Every function returns the whole SVG document as a `String`. Text is written as SVG
//! `<text>` elements and laid out with `plotters`' built-in size estimate, so no font file
//! and no system library is needed; the viewer picks a sans-serif font. The chart frame the
//! pictures share (styles, legend, grid, page layout) lives in `frame`.

mod clients;
mod compare;
mod dashboard;
mod frame;
mod latency;
mod pareto;
mod stations;
mod timeline;
mod units;

pub use clients::{closed_svg, open_svg, ClosedPlot, OpenPlot};
pub use compare::{compare_svg, ComparePlot, StrategySeries};
pub use dashboard::{dashboard_svg, DashboardPlot};
pub use latency::{latency_svg, LatencyPlot};
pub use pareto::{pareto_svg, ParetoPlot, ParetoPoint};
pub use stations::{stations_svg, StationBar, StationsPlot};
pub use timeline::{timeline_svg, ClientTimeline, TimelinePlot, TIMELINE_MAX_CLIENTS};
pub use units::{units_svg, UnitSeries, UnitsPlot};

/// Why a picture could not be drawn.
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    /// The input holds nothing to draw (no points, no clients, no stations).
    #[error("nothing to plot: {0}")]
    Empty(&'static str),
    /// A number in the input is NaN or infinite.
    #[error("{what} is not a finite number ({})", crate::model::units::number(*.value))]
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
    /// An index of [`ParetoPlot::frontier`] does not index [`ParetoPlot::points`].
    #[error("frontier index {index} is out of range for {len} points")]
    FrontierOutOfRange {
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

/// Reading the SVG back, for the unit tests of every picture.
#[cfg(test)]
mod svg_read {
    use plotters::style::RGBColor;

    /// The parsed document's elements named `tag`.
    pub(super) fn elements<'a>(
        doc: &'a roxmltree::Document<'_>,
        tag: &str,
    ) -> Vec<roxmltree::Node<'a, 'a>> {
        doc.descendants()
            .filter(|n| n.is_element() && n.tag_name().name() == tag)
            .collect()
    }

    /// Every `<text>`'s content, trimmed.
    pub(super) fn texts(doc: &roxmltree::Document<'_>) -> Vec<String> {
        elements(doc, "text")
            .iter()
            .map(|n| n.text().unwrap_or("").trim().to_string())
            .collect()
    }

    /// A colour as `plotters` writes it in `fill` and `stroke`.
    pub(super) fn hex(c: RGBColor) -> String {
        format!("#{:02X}{:02X}{:02X}", c.0, c.1, c.2)
    }

    pub(super) fn attr<'a>(n: &roxmltree::Node<'a, '_>, name: &str) -> &'a str {
        n.attribute(name).unwrap_or("")
    }

    /// The picture's width and height in pixels.
    pub(super) fn size(doc: &roxmltree::Document<'_>) -> (f64, f64) {
        let root = doc.root_element();
        (
            attr(&root, "width").parse().unwrap(),
            attr(&root, "height").parse().unwrap(),
        )
    }
}
