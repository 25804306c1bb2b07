//! The pictures of one load test (`run --plot`): its timeline, its dashboard, and the title
//! and timeout guide they share.

use super::format::describe_load;
use super::run::RunReport;
use crate::model::units::{Resolution, TimeUnit};
use crate::outcome::records::NOT_VISITED;
use crate::outcome::windows::Windows;
use crate::report::ExportError;

impl RunReport<'_> {
    /// "fastfood: 10 clients every 0.5 s (2 clients/s), timeout 5 s": what a picture shows
    /// (with request classes, their objectives).
    pub(super) fn picture_title(&self) -> String {
        format!(
            "{}: {}, {}",
            self.scenario.name(),
            describe_load(self.load),
            crate::report::classes::limit_words(self.scenario, self.load, self.share, TimeUnit::S)
        )
    }

    /// The timeout a picture draws as its guide: the one every client is judged by, or with
    /// request classes of several objectives the shortest.
    pub(super) fn guide_timeout_s(&self) -> f64 {
        crate::workload::shortest_timeout(self.scenario, self.load).get()
    }

    /// The timeline picture: one row per client, a bar per station from order to done; past
    /// [`crate::report::plot::TIMELINE_MAX_CLIENTS`] only the first clients, as its title says.
    pub fn timeline_svg(&self) -> Result<String, crate::report::plot::PlotError> {
        let res = self.res();
        let clients = (0..self
            .outcome
            .clients()
            .min(crate::report::plot::TIMELINE_MAX_CLIENTS))
            .map(|c| crate::report::plot::ClientTimeline {
                due_s: res.to_seconds(self.outcome.due[c]),
                // A station the flow never reached: an empty bar at the client's due time.
                start_s: drawn(res, self.outcome.start_of(c), self.outcome.due[c]),
                done_s: drawn(res, self.outcome.done_of(c), self.outcome.due[c]),
                late: !self.satisfied(c),
            })
            .collect();
        let mut title = self.picture_title();
        if self.outcome.clients() > crate::report::plot::TIMELINE_MAX_CLIENTS {
            title.push_str(&format!(
                " (first {} of {} clients shown)",
                crate::report::plot::TIMELINE_MAX_CLIENTS,
                self.outcome.clients()
            ));
        }
        crate::report::plot::timeline_svg(&crate::report::plot::TimelinePlot {
            title,
            stations: self
                .scenario
                .stations()
                .iter()
                .map(|s| s.name().to_string())
                .collect(),
            timeout_s: self.guide_timeout_s(),
            clients,
        })
    }

    /// The run's clients by due time, in windows, as the command computed them for a page
    /// or a dashboard.
    pub(super) fn windows(&self) -> Result<Windows, ExportError> {
        self.windows.cloned().ok_or(ExportError::Nothing {
            format: "dashboard",
            why: "the run was not counted by time",
        })
    }

    /// The dashboard picture: arrivals per second and latency percentiles over time, per
    /// time window, for any number of clients.
    pub fn dashboard_svg(&self) -> Result<String, ExportError> {
        Ok(self.dashboard_of(self.windows()?)?)
    }

    pub(super) fn dashboard_of(
        &self,
        windows: Windows,
    ) -> Result<String, crate::report::plot::PlotError> {
        let mut title = self.picture_title();
        if let Some(which) = self.shown_replication() {
            title.push_str(&format!(", {which}"));
        }
        crate::report::plot::dashboard_svg(&crate::report::plot::DashboardPlot {
            title,
            timeout_s: self.guide_timeout_s(),
            windows,
        })
    }
}

/// Model times in seconds for a picture, `due` standing in for a station never visited.
fn drawn(res: Resolution, steps: &[u64], due: u64) -> Vec<f64> {
    steps
        .iter()
        .map(|&t| res.to_seconds(if t == NOT_VISITED { due } else { t }))
        .collect()
}
