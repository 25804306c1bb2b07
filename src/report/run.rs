//! Reports of one load test: the per-client table, the CSV, the JSON document, the trace.

use serde::Serialize;

use super::json::{JsonLoad, JsonReplicated, JsonSummary};
use super::table::{Align, Table};
use crate::config::Config;
use crate::engine::{Clock, EventKind, Outcome, NOT_VISITED};
use crate::load::{self, Arrivals, LoadTest};
use crate::scenario::Scenario;
use crate::stats::{self, Share, Summary};
use crate::units::{Resolution, Seconds, TimeUnit};

/// Per-client rows beyond this many are left to `--csv`: a terminal is no place for them.
pub const MAX_TABLE_ROWS: usize = 100;

/// `run --plot` draws the timeline up to this many clients and the dashboard above: past
/// it a row per client gets too thin to read, and the rate over time is what matters.
pub const TIMELINE_MAX_AUTO: usize = 60;

/// Everything a report of one run shows.
pub struct RunReport<'a> {
    /// Names the stations and their levers.
    pub scenario: &'a Scenario,
    /// The configuration that was load-tested.
    pub config: &'a Config,
    /// The test as run: clients, arrivals, timeout, warm-up, seed.
    pub load: &'a LoadTest,
    /// Shown in the heading and the JSON, since a real-clock run's latencies carry jitter.
    pub clock: Clock,
    /// Replication 1: the one whose clients are listed.
    pub outcome: &'a Outcome,
    /// Replication 1's verdict and percentiles, matching the listed clients.
    pub summary: &'a Summary,
    /// With replications: the combined summary of all of them.
    pub combined: Option<&'a Summary>,
    /// `--trace`: the event log goes above the table (other formats leave it to stderr).
    pub trace: bool,
    /// The picture: the dashboard (arrivals and latency over time) rather than the timeline.
    pub dashboard: bool,
    /// The unit the table shows latencies in (`--unit`).
    pub unit: TimeUnit,
    /// The share of clients that must be satisfied: `--slo`'s, else the scenario's; the classes
    /// are judged by it when the command line gave it.
    pub share: Share,
}

fn verdict(ok: bool) -> &'static str {
    if ok {
        "ok"
    } else {
        "LATE"
    }
}

/// "10 clients every 0.5 s (2 clients/s)", "10 clients all at once", or "200 clients,
/// Poisson arrivals at 2 clients/s" (no period there: the gaps are random).
pub fn describe_load(load: &LoadTest) -> String {
    match (&load.arrivals, load.rate()) {
        (Arrivals::Stages { profile, poisson }, _) => {
            let mut rates = vec![trim_float(profile.start())];
            rates.extend(profile.stages().iter().map(|s| trim_float(s.target)));
            format!(
                "{}{} clients, {} arrivals in {} stages over {} s (rate {} clients/s)",
                if *poisson { "about " } else { "" },
                load.clients,
                if *poisson { "Poisson" } else { "fixed" },
                profile.stages().len(),
                trim_float(profile.duration()),
                rates.join(" → ")
            )
        }
        (Arrivals::Replay(_), rate) => format!(
            "{} clients replayed from a trace over {} s (mean {} clients/s)",
            load.clients,
            trim_float(load.arrivals.span().unwrap_or(0.0)),
            trim_float(rate.unwrap_or(0.0))
        ),
        (Arrivals::Poisson(rate), _) => format!(
            "{} clients, Poisson arrivals at {} clients/s",
            load.clients,
            trim_float(rate.get())
        ),
        (Arrivals::Fixed(_), Some(rate)) => format!(
            "{} clients every {} s ({} clients/s)",
            load.clients,
            trim_float(1.0 / rate),
            trim_float(rate)
        ),
        (Arrivals::Fixed(_), None) => format!("{} clients all at once", load.clients),
    }
}

/// "virtual" or "real (speed ×10)".
fn clock_text(clock: Clock) -> String {
    match clock {
        Clock::Virtual => "virtual".into(),
        Clock::Real { speed, .. } => format!("real (speed ×{speed})"),
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
        self.scenario.resolution()
    }

    fn satisfied(&self, client: usize) -> bool {
        let timeout = match &self.outcome.class {
            Some(class) => super::classes::timeout_of(self.scenario, self.load, class[client]),
            None => self.load.timeout,
        };
        let limit = Resolution::timeout_nanos(timeout);
        stats::satisfied(self.outcome.latency(client), self.res(), limit)
    }

    /// Warm-up clients are not judged: they only load the stations.
    fn is_warmup(&self, client: usize) -> bool {
        client < self.load.warmup as usize
    }

    /// "replication 1 of 50 (seed 1)" when the listed clients are one of several runs.
    fn shown_replication(&self) -> Option<String> {
        let reps = self.combined?.spread.as_ref()?.replications;
        Some(format!("replication 1 of {reps} (seed {})", self.load.seed))
    }

    /// The human report, the trace above it when asked for.
    pub fn table(&self) -> String {
        let res = self.res();
        let s = self.summary;
        let unit = self.unit;
        let mut out = if self.trace {
            self.trace() + "\n"
        } else {
            String::new()
        };
        out += &format!(
            "{}: {}\n{}, timeout {}, {} clock\n\n",
            self.scenario.name(),
            self.config.describe(self.scenario),
            describe_load(self.load),
            duration_in(self.load.timeout.get(), unit),
            clock_text(self.clock)
        );
        let shown = self.shown_replication();
        if let Some(which) = &shown {
            out.push_str(&format!("{which}:\n"));
        }
        let latency_header = format!("latency ({})", unit.symbol());
        let mut table = Table::new(&[
            ("client", Align::Right),
            ("due (s)", Align::Right),
            (&latency_header, Align::Right),
            ("verdict", Align::Left),
            ("last station", Align::Left),
        ]);
        let n = self.outcome.clients();
        for c in 0..n.min(MAX_TABLE_ROWS) {
            let ok = self.satisfied(c);
            table.row(vec![
                (c + 1).to_string(),
                res.format(self.outcome.due[c]),
                unit.format(res, self.outcome.latency(c)),
                if self.is_warmup(c) {
                    "warmup".into()
                } else {
                    verdict(ok).into()
                },
                self.scenario.stations()[self.outcome.bottleneck(c)]
                    .name()
                    .to_string(),
            ]);
        }
        out.push_str(&table.render());
        if n > MAX_TABLE_ROWS {
            out.push_str(&format!(
                "… {} more clients (--csv FILE lists them all)\n",
                n - MAX_TABLE_ROWS
            ));
        }
        let prefix = shown.map(|w| format!("{w}: ")).unwrap_or_default();
        out.push_str(&format!(
            "\n{prefix}{}\n",
            summary_line_in(s, res, self.load.timeout, unit)
        ));
        if let Some(line) = self
            .combined
            .and_then(|c| spread_line_in(c, self.load.warmup, unit, unit.decimals(res)))
        {
            out.push_str(&line);
        }
        out.push_str(&super::classes::block(
            &load::judge_classes(self.scenario, self.outcome, self.load, self.share),
            res,
            unit,
        ));
        out.push_str(&super::capacity::block(
            self.scenario,
            self.config,
            self.load.rate(),
            self.load.timeout,
        ));
        out
    }

    /// One row per client: `client,arrival_s,latency_s,satisfied,<station>_done_s…`; a
    /// warm-up client's `satisfied` is empty, as it is `null` in the JSON: it was not judged.
    pub fn csv(&self) -> Result<Vec<u8>, csv::Error> {
        let res = self.res();
        let mut w = csv::Writer::from_writer(Vec::new());
        let mut header = vec!["client".to_string()];
        // Only a scenario with classes has the column: the tutorial's CSV stays as it was.
        let class = self.outcome.class.as_deref();
        if class.is_some() {
            header.push("class".into());
        }
        header.extend(["arrival_s".into(), "latency_s".into(), "satisfied".into()]);
        header.extend(
            self.scenario
                .stations()
                .iter()
                .map(|s| format!("{}_done_s", s.name())),
        );
        w.write_record(&header)?;
        let mut out = w.into_inner().map_err(|e| e.into_error())?;
        // Every cell is a number or a name of letters, digits, `_` and `-`: the rows are
        // written straight into one buffer, no string per cell (a million rows would be
        // millions).
        let n = self.outcome.clients();
        out.reserve(n * (24 + 12 * self.scenario.stations().len()));
        let mut number = itoa::Buffer::new();
        for c in 0..n {
            out.extend_from_slice(number.format(c + 1).as_bytes());
            out.push(b',');
            if let Some(class) = class {
                out.extend_from_slice(self.scenario.requests()[class[c] as usize].name.as_bytes());
                out.push(b',');
            }
            res.push_seconds(self.outcome.due[c], &mut out);
            out.push(b',');
            res.push_seconds(self.outcome.latency(c), &mut out);
            out.push(b',');
            if !self.is_warmup(c) {
                out.extend_from_slice(if self.satisfied(c) { b"true" } else { b"false" });
            }
            for &done in self.outcome.done_of(c) {
                out.push(b',');
                // Empty where the client's flow never went.
                if done != NOT_VISITED {
                    res.push_seconds(done, &mut out);
                }
            }
            out.push(b'\n');
        }
        Ok(out)
    }

    /// The whole result as one JSON document.
    pub fn json(&self) -> String {
        let res = self.res();
        let stations: Vec<&str> = self.scenario.stations().iter().map(|s| s.name()).collect();
        let clients: Vec<JsonClient> = (0..self.outcome.clients())
            .map(|c| JsonClient {
                client: c + 1,
                class: self
                    .outcome
                    .class
                    .as_ref()
                    .map(|k| self.scenario.requests()[k[c] as usize].name.as_str()),
                arrival_s: res.to_seconds(self.outcome.due[c]),
                latency_s: res.to_seconds(self.outcome.latency(c)),
                warmup: self.is_warmup(c),
                satisfied: (!self.is_warmup(c)).then(|| self.satisfied(c)),
                bottleneck: stations[self.outcome.bottleneck(c)],
                start_s: seconds(res, self.outcome.start_of(c)),
                done_s: seconds(res, self.outcome.done_of(c)),
            })
            .collect();
        let (clock, speed) = match self.clock {
            Clock::Virtual => ("virtual", None),
            Clock::Real { speed, .. } => ("real", Some(speed)),
        };
        let doc = JsonRun {
            scenario: self.scenario.name(),
            resolution_s: res.seconds(),
            stations: stations.clone(),
            config: super::json::levers(self.scenario, self.config),
            load: JsonLoad::new(self.scenario, self.load),
            clock,
            speed,
            capacity: super::capacity::json(
                self.scenario,
                self.config,
                self.load.rate(),
                self.load.timeout,
            ),
            replication: 1,
            summary: JsonSummary::new(self.summary, res, self.load.timeout),
            classes: super::classes::json(
                &load::judge_classes(self.scenario, self.outcome, self.load, self.share),
                res,
            ),
            replications: self
                .combined
                .map(|c| JsonReplicated::new(c, res, self.load.timeout)),
            clients,
        };
        serde_json::to_string_pretty(&doc).expect("plain data serialises") + "\n"
    }

    /// "fastfood: 10 clients every 0.5 s (2 clients/s), timeout 5 s": what a picture shows.
    fn picture_title(&self) -> String {
        format!(
            "{}: {}, timeout {} s",
            self.scenario.name(),
            describe_load(self.load),
            trim_float(self.load.timeout.get())
        )
    }

    /// The load test's picture: its timeline or its dashboard.
    pub fn svg(&self) -> Result<String, super::plot::PlotError> {
        if self.dashboard {
            self.dashboard_svg()
        } else {
            self.timeline_svg()
        }
    }

    /// The timeline picture: one row per client, a bar per station from order to done; past
    /// [`super::plot::TIMELINE_MAX_CLIENTS`] only the first clients, as its title says.
    pub fn timeline_svg(&self) -> Result<String, super::plot::PlotError> {
        let res = self.res();
        let clients = (0..self
            .outcome
            .clients()
            .min(super::plot::TIMELINE_MAX_CLIENTS))
            .map(|c| super::plot::ClientTimeline {
                due_s: res.to_seconds(self.outcome.due[c]),
                // A station the flow never reached: an empty bar at the client's due time.
                start_s: drawn(res, self.outcome.start_of(c), self.outcome.due[c]),
                done_s: drawn(res, self.outcome.done_of(c), self.outcome.due[c]),
                late: !self.satisfied(c),
            })
            .collect();
        let mut title = self.picture_title();
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
                .stations()
                .iter()
                .map(|s| s.name().to_string())
                .collect(),
            timeout_s: self.load.timeout.get(),
            clients,
        })
    }

    /// The dashboard picture: arrivals per second and latency percentiles over time, per
    /// time window, for any number of clients. Warm-up clients arrive and are drawn, but are
    /// not counted late: they are not judged.
    pub fn dashboard_svg(&self) -> Result<String, super::plot::PlotError> {
        let res = self.res();
        let clients = (0..self.outcome.clients())
            .map(|c| super::plot::DashboardClient {
                due_s: res.to_seconds(self.outcome.due[c]),
                latency_s: res.to_seconds(self.outcome.latency(c)),
                late: !self.is_warmup(c) && !self.satisfied(c),
            })
            .collect();
        let mut title = self.picture_title();
        if let Some(which) = self.shown_replication() {
            title.push_str(&format!(", {which}"));
        }
        super::plot::dashboard_svg(&super::plot::DashboardPlot {
            title,
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
            // With classes every line names the client's class: "client_3 (checkout)".
            let who = match &self.outcome.class {
                Some(k) => format!(
                    "client_{} ({})",
                    client + 1,
                    self.scenario.requests()[k[client] as usize].name
                ),
                None => format!("client_{}", client + 1),
            };
            let station = e.station.map(|s| &self.scenario.stations()[s as usize]);
            let name = station.map(|s| s.name()).unwrap_or("");
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
    spread_line_in(summary, warmup, TimeUnit::S, 3)
}

/// "10 ms": a duration that is no model time (a timeout) in `unit`, as short as it is exact.
pub fn duration_in(seconds: f64, unit: TimeUnit) -> String {
    format!(
        "{} {}",
        trim_float(seconds * 1e9 / unit_nanos(unit)),
        unit.symbol()
    )
}

/// Nanoseconds in one `unit`, for the figures that are not whole steps.
fn unit_nanos(unit: TimeUnit) -> f64 {
    match unit {
        TimeUnit::S => 1e9,
        TimeUnit::Ms => 1e6,
        TimeUnit::Us => 1e3,
    }
}

/// [`spread_line`] with latencies in `unit`, to `decimals` places.
pub fn spread_line_in(
    summary: &Summary,
    warmup: u32,
    unit: TimeUnit,
    decimals: usize,
) -> Option<String> {
    let s = summary.spread.as_ref()?;
    let symbol = format!(" {}", unit.symbol());
    let pm = |i: &crate::stats::Interval, _: &str| {
        format!(
            "{}{symbol} ± {}",
            unit.format_seconds(i.mean, decimals),
            unit.format_seconds(i.half_width(), decimals)
        )
    };
    let warm = if warmup > 0 {
        format!(", first {warmup} clients left out")
    } else {
        String::new()
    };
    Some(format!(
        "over {} replications{warm} (means ± 95% intervals): satisfied {}% ± {}   mean {}   p50 {}   p95 {}   p99 {}   max {}{}\n",
        s.replications,
        trim_float((s.satisfaction.mean * 100.0).round() / 100.0),
        trim_float((s.satisfaction.half_width() * 100.0).round() / 100.0),
        pm(&s.mean_s, " s"),
        pm(&s.p50_s, " s"),
        pm(&s.p95_s, " s"),
        pm(&s.p99_s, " s"),
        pm(&s.max_s, " s"),
        throughput_words(summary),
    ))
}

/// "satisfied 5/10 (50%)   p50 4.500 s   p95 7.500 s   p99 7.500 s   max 7.500 s   headroom -2.500 s".
pub fn summary_line(s: &Summary, res: Resolution, timeout: Seconds) -> String {
    summary_line_in(s, res, timeout, TimeUnit::S)
}

/// [`summary_line`] with latencies in `unit`.
pub fn summary_line_in(s: &Summary, res: Resolution, timeout: Seconds, unit: TimeUnit) -> String {
    let u = unit.symbol();
    format!(
        "satisfied {}/{} ({}%)   p50 {} {u}   p95 {} {u}   p99 {} {u}   max {} {u}   headroom {} {u}{}",
        s.satisfied,
        s.clients,
        percent_words(s.satisfied, s.clients),
        unit.format(res, s.p50_steps),
        unit.format(res, s.p95_steps),
        unit.format(res, s.p99_steps),
        unit.format(res, s.max_steps),
        format_signed(
            stats::headroom(s, res, timeout) * 1e9 / unit_nanos(unit),
            unit.decimals(res)
        ),
        throughput_words(s),
    )
}

/// A share of clients to two decimals, the precision a count of them deserves, but never
/// rounded onto 0 or 100 when some, but not all, are satisfied: 599 of 600 is 99.83, and
/// 99999 of 100000 is 99.99, not 100.
pub(super) fn percent_words(satisfied: usize, clients: usize) -> String {
    if clients == 0 {
        return "0".into();
    }
    share_words(100.0 * satisfied as f64 / clients as f64)
}

/// A satisfied share in percent as [`percent_words`] shows it, from the share itself (a mean
/// over replications has no count of clients behind it): strictly between 0 and 100 stays so.
pub(super) fn share_words(pct: f64) -> String {
    let shown = (pct * 100.0).round() / 100.0;
    let shown = match shown {
        v if pct < 100.0 && v >= 100.0 => 99.99,
        v if pct > 0.0 && v <= 0.0 => 0.01,
        v => v,
    };
    trim_float(shown)
}

/// A closed loop's throughput, the half of its answer that latencies do not show; nothing
/// for arrivals at a given rate.
fn throughput_words(s: &Summary) -> String {
    s.throughput
        .map(|x| {
            format!(
                "   throughput {} requests/s",
                trim_float((x * 1000.0).round() / 1000.0)
            )
        })
        .unwrap_or_default()
}

/// Model times in seconds; a station the client never visited is NaN (`null` in JSON).
fn seconds(res: Resolution, steps: &[u64]) -> Vec<f64> {
    steps
        .iter()
        .map(|&t| {
            if t == NOT_VISITED {
                f64::NAN
            } else {
                res.to_seconds(t)
            }
        })
        .collect()
}

/// Model times in seconds for a picture, `due` standing in for a station never visited.
fn drawn(res: Resolution, steps: &[u64], due: u64) -> Vec<f64> {
    steps
        .iter()
        .map(|&t| res.to_seconds(if t == NOT_VISITED { due } else { t }))
        .collect()
}

/// `+1.500` / `-2.500` with the given decimals.
pub fn format_signed(v: f64, decimals: usize) -> String {
    format!("{v:+.decimals$}")
}

#[derive(Serialize)]
struct JsonRun<'a> {
    scenario: &'a str,
    resolution_s: f64,
    stations: Vec<&'a str>,
    config: indexmap::IndexMap<String, u32>,
    load: JsonLoad,
    /// `virtual` or `real`; `speed` is the real clock's factor (`null` in virtual time).
    clock: &'static str,
    speed: Option<f64>,
    capacity: super::capacity::JsonCapacity,
    /// Which replication `summary` and `results` come from.
    replication: u32,
    summary: JsonSummary,
    /// Per request class, keyed by name (only for a scenario with classes).
    #[serde(skip_serializing_if = "indexmap::IndexMap::is_empty")]
    classes: indexmap::IndexMap<String, super::classes::JsonClass>,
    /// Means and 95 % intervals over every replication, when the test is random.
    replications: Option<JsonReplicated>,
    #[serde(rename = "results")]
    clients: Vec<JsonClient<'a>>,
}

#[derive(Serialize)]
struct JsonClient<'a> {
    client: usize,
    /// Its request class, when the scenario has classes.
    #[serde(skip_serializing_if = "Option::is_none")]
    class: Option<&'a str>,
    arrival_s: f64,
    latency_s: f64,
    /// A warm-up client loads the stations but is not judged: `satisfied` is then `null`.
    warmup: bool,
    satisfied: Option<bool>,
    bottleneck: &'a str,
    start_s: Vec<f64>,
    done_s: Vec<f64>,
}

#[cfg(test)]
mod tests {
    use super::percent_words;

    #[test]
    fn a_share_of_clients_shows_two_decimals_and_never_rounds_onto_all_or_none() {
        assert_eq!(percent_words(5, 10), "50");
        assert_eq!(percent_words(600, 604), "99.34");
        assert_eq!(percent_words(1, 3), "33.33");
        assert_eq!(percent_words(99_999, 100_000), "99.99");
        assert_eq!(percent_words(1, 100_000), "0.01");
        assert_eq!(percent_words(10, 10), "100");
        assert_eq!(super::share_words(99.4075), "99.41");
        assert_eq!(super::share_words(51.060833), "51.06");
        assert_eq!(super::share_words(99.9999), "99.99");
        assert_eq!(super::share_words(0.0001), "0.01");
        assert_eq!(super::share_words(0.0), "0");
        assert_eq!(percent_words(0, 10), "0");
        assert_eq!(percent_words(0, 0), "0");
    }
}
