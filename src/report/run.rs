//! Reports of one load test: the per-client table, the CSV, the JSON document, the trace.

use serde::Serialize;

use super::json::JsonSummary;
use super::table::{Align, Table};
use crate::config::Config;
use crate::engine::{EventKind, Outcome};
use crate::load::LoadTest;
use crate::scenario::Scenario;
use crate::stats::{self, Summary};
use crate::units::{Resolution, Seconds};

/// Per-client rows beyond this many are left to `--csv`: a terminal is no place for them.
pub const MAX_TABLE_ROWS: usize = 100;

/// Everything a report of one run shows.
pub struct RunReport<'a> {
    pub scenario: &'a Scenario,
    pub config: &'a Config,
    pub load: &'a LoadTest,
    pub clock: String,
    pub outcome: &'a Outcome,
    pub summary: &'a Summary,
    /// With replications: the combined summary of all of them.
    pub combined: Option<&'a Summary>,
}

fn verdict(ok: bool) -> &'static str {
    if ok {
        "ok"
    } else {
        "LATE"
    }
}

/// "10 clients every 0.5 s (2 clients/s)" or "10 clients all at once".
pub fn describe_load(load: &LoadTest) -> String {
    match load.rate() {
        Some(rate) => format!(
            "{} clients every {} s ({} clients/s)",
            load.clients,
            trim_float(1.0 / rate),
            trim_float(rate)
        ),
        None => format!("{} clients all at once", load.clients),
    }
}

/// A float without trailing noise: 0.5, 2, 0.333333.
pub fn trim_float(v: f64) -> String {
    if v.abs() >= 1e12 {
        // 1e300 clients/s is a typo's rate; no one wants 300 digits of it.
        return format!("{v:.3e}");
    }
    let s = format!("{v:.6}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    s.to_string()
}

impl RunReport<'_> {
    fn res(&self) -> Resolution {
        self.scenario.resolution
    }

    fn satisfied(&self, client: usize) -> bool {
        let limit = Resolution::timeout_nanos(self.load.timeout);
        stats::satisfied(self.outcome.latency(client), self.res(), limit)
    }

    /// The human report.
    pub fn table(&self) -> String {
        let res = self.res();
        let s = self.summary;
        let mut out = format!(
            "{}: {}\n{}, timeout {} s, {} clock\n\n",
            self.scenario.name,
            self.config.describe(self.scenario),
            describe_load(self.load),
            trim_float(self.load.timeout.get()),
            self.clock
        );
        let mut table = Table::new(&[
            ("client", Align::Right),
            ("due (s)", Align::Right),
            ("latency (s)", Align::Right),
            ("verdict", Align::Left),
            ("last station", Align::Left),
        ]);
        let n = self.outcome.clients();
        for c in 0..n.min(MAX_TABLE_ROWS) {
            let ok = self.satisfied(c);
            table.row(vec![
                (c + 1).to_string(),
                res.format(self.outcome.due[c]),
                res.format(self.outcome.latency(c)),
                if c < self.load.warmup as usize {
                    "warmup".into()
                } else {
                    verdict(ok).into()
                },
                self.scenario.stations[self.outcome.bottleneck(c)]
                    .name
                    .clone(),
            ]);
        }
        out.push_str(&table.render());
        if n > MAX_TABLE_ROWS {
            out.push_str(&format!(
                "… {} more clients (--csv FILE lists them all)\n",
                n - MAX_TABLE_ROWS
            ));
        }
        out.push_str(&format!("\n{}\n", summary_line(s, res, self.load.timeout)));
        if let Some(line) = self.combined.and_then(|c| spread_line(c, self.load.warmup)) {
            out.push_str(&line);
        }
        out.push_str(&super::capacity::block(
            self.scenario,
            self.config,
            self.load.rate(),
            self.load.timeout,
        ));
        out
    }

    /// One row per client: `client,arrival_s,latency_s,satisfied,<station>_done_s…`.
    pub fn csv(&self) -> Result<Vec<u8>, csv::Error> {
        let res = self.res();
        let mut w = csv::Writer::from_writer(Vec::new());
        let mut header = vec![
            "client".to_string(),
            "arrival_s".into(),
            "latency_s".into(),
            "satisfied".into(),
        ];
        header.extend(
            self.scenario
                .stations
                .iter()
                .map(|s| format!("{}_done_s", s.name)),
        );
        w.write_record(&header)?;
        for c in 0..self.outcome.clients() {
            let mut row = vec![
                (c + 1).to_string(),
                res.format(self.outcome.due[c]),
                res.format(self.outcome.latency(c)),
                self.satisfied(c).to_string(),
            ];
            row.extend(self.outcome.done_of(c).iter().map(|&d| res.format(d)));
            w.write_record(&row)?;
        }
        w.into_inner().map_err(|e| e.into_error().into())
    }

    /// The whole result as one JSON document.
    pub fn json(&self) -> String {
        let res = self.res();
        let stations: Vec<&str> = self
            .scenario
            .stations
            .iter()
            .map(|s| s.name.as_str())
            .collect();
        let clients: Vec<JsonClient> = (0..self.outcome.clients())
            .map(|c| JsonClient {
                client: c + 1,
                arrival_s: res.to_seconds(self.outcome.due[c]),
                latency_s: res.to_seconds(self.outcome.latency(c)),
                satisfied: self.satisfied(c),
                bottleneck: stations[self.outcome.bottleneck(c)],
                start_s: seconds(res, self.outcome.start_of(c)),
                done_s: seconds(res, self.outcome.done_of(c)),
            })
            .collect();
        let doc = JsonRun {
            scenario: &self.scenario.name,
            stations: stations.clone(),
            config: super::json::levers(self.scenario, self.config),
            clients_count: self.load.clients,
            rate: self.load.rate(),
            timeout_s: self.load.timeout.get(),
            clock: &self.clock,
            capacity: super::capacity::json(
                self.scenario,
                self.config,
                self.load.rate(),
                self.load.timeout,
            ),
            summary: JsonSummary::new(self.summary, res, self.load.timeout),
            replications: self.combined,
            clients,
        };
        serde_json::to_string_pretty(&doc).expect("plain data serialises") + "\n"
    }

    /// The timeline picture: one row per client, a bar per station from order to done.
    pub fn timeline_svg(&self) -> Result<String, super::plot::PlotError> {
        let res = self.res();
        let clients = (0..self
            .outcome
            .clients()
            .min(super::plot::TIMELINE_MAX_CLIENTS))
            .map(|c| super::plot::ClientTimeline {
                due_s: res.to_seconds(self.outcome.due[c]),
                start_s: seconds(res, self.outcome.start_of(c)),
                done_s: seconds(res, self.outcome.done_of(c)),
                late: !self.satisfied(c),
            })
            .collect();
        let mut title = format!(
            "{}: {}, timeout {} s",
            self.scenario.name,
            describe_load(self.load),
            trim_float(self.load.timeout.get())
        );
        if self.outcome.clients() > super::plot::TIMELINE_MAX_CLIENTS {
            title.push_str(&format!(
                " (first {} of {} clients shown)",
                super::plot::TIMELINE_MAX_CLIENTS,
                self.outcome.clients()
            ));
        }
        super::plot::timeline_svg(&super::plot::TimelinePlot {
            title,
            stations: self
                .scenario
                .stations
                .iter()
                .map(|s| s.name.clone())
                .collect(),
            timeout_s: self.load.timeout.get(),
            clients,
        })
    }

    /// The event log, one line per event, like the seed's prints.
    pub fn trace(&self) -> String {
        let res = self.res();
        let Some(events) = &self.outcome.trace else {
            return String::new();
        };
        let mut out = String::new();
        for e in events {
            let client = e.client as usize;
            let who = format!("client_{}", client + 1);
            let station = e.station.map(|s| &self.scenario.stations[s as usize]);
            let name = station.map(|s| s.name.as_str()).unwrap_or("");
            let text = match e.kind {
                EventKind::Ordered => format!("=> order placed by {who}"),
                EventKind::ServiceStarted => format!("   > {name}: serving {who}"),
                EventKind::BatchStarted => format!(
                    "   ** {name}: batch of {} started for {who}",
                    self.config.values()[e.station.unwrap_or(0) as usize]
                ),
                EventKind::BatchReady => format!("   ** {name}: batch ready"),
                EventKind::StationDone => format!("   < {name}: done for {who}"),
                EventKind::Served => format!(
                    "<= {who} served in {} s",
                    res.format(self.outcome.latency(client))
                ),
            };
            out.push_str(&format!("{:>12}  {text}\n", res.format(e.at)));
        }
        out
    }
}

/// "over 20 replications (seed 1): satisfied 97.3% ± 1.1 …", or `None` for one run.
pub fn spread_line(summary: &Summary, warmup: u32) -> Option<String> {
    let s = summary.spread.as_ref()?;
    let pm = |i: &crate::stats::Interval, unit: &str| {
        format!("{:.3}{unit} ± {:.3}", i.mean, i.half_width())
    };
    let warm = if warmup > 0 {
        format!(", first {warmup} clients left out")
    } else {
        String::new()
    };
    Some(format!(
        "over {} replications{warm} (means ± 95% intervals): satisfied {}% ± {}   mean {}   p50 {}   p95 {}   max {}\n",
        s.replications,
        trim_float((s.satisfaction.mean * 100.0).round() / 100.0),
        trim_float((s.satisfaction.half_width() * 100.0).round() / 100.0),
        pm(&s.mean_s, " s"),
        pm(&s.p50_s, " s"),
        pm(&s.p95_s, " s"),
        pm(&s.max_s, " s"),
    ))
}

/// "satisfied 5/10 (50%)   p50 4.500 s   p95 7.500 s   max 7.500 s   headroom -2.500 s".
pub fn summary_line(s: &Summary, res: Resolution, timeout: Seconds) -> String {
    format!(
        "satisfied {}/{} ({}%)   p50 {} s   p95 {} s   max {} s   headroom {} s",
        s.satisfied,
        s.clients,
        trim_float(s.satisfaction),
        res.format(s.p50_steps),
        res.format(s.p95_steps),
        res.format(s.max_steps),
        format_signed(stats::headroom(s, res, timeout), res.decimals()),
    )
}

/// Model times in seconds.
fn seconds(res: Resolution, steps: &[u64]) -> Vec<f64> {
    steps.iter().map(|&t| res.to_seconds(t)).collect()
}

/// `+1.500` / `-2.500` with the given decimals.
pub fn format_signed(v: f64, decimals: usize) -> String {
    format!("{v:+.decimals$}")
}

#[derive(Serialize)]
struct JsonRun<'a> {
    scenario: &'a str,
    stations: Vec<&'a str>,
    config: std::collections::BTreeMap<String, u32>,
    #[serde(rename = "clients")]
    clients_count: u32,
    rate: Option<f64>,
    timeout_s: f64,
    clock: &'a str,
    capacity: super::capacity::JsonCapacity,
    summary: JsonSummary,
    /// Over every replication, when the test is random.
    replications: Option<&'a Summary>,
    #[serde(rename = "results")]
    clients: Vec<JsonClient<'a>>,
}

#[derive(Serialize)]
struct JsonClient<'a> {
    client: usize,
    arrival_s: f64,
    latency_s: f64,
    satisfied: bool,
    bottleneck: &'a str,
    start_s: Vec<f64>,
    done_s: Vec<f64>,
}
