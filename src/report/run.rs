//! Reports of one load test: the per-client table, the CSV, the JSON document, the trace.

use crate::report::format::describe_load;
use crate::report::schema::{self, SchemaVersion};
use crate::report::{ExportError, Render};
use schemars::JsonSchema;
use serde::Serialize;

use super::format::{duration_in, spread_line_in, summary_line_in, trim_float};
use super::html::{parts, Doc, Page};
use super::json::{JsonLoad, JsonReplicated, JsonSummary};
use super::table::{Align, Table};
use crate::model::config::Config;
use crate::model::objective::Share;
use crate::model::scenario::Scenario;
use crate::model::units::{Resolution, TimeUnit};
use crate::outcome::profile::Profile;
use crate::outcome::records::{Outcome, NOT_VISITED};
use crate::outcome::stats::{self, Summary};
use crate::outcome::trace::EventKind;
use crate::outcome::units::OverTime;
use crate::outcome::verdict::ClassVerdict;
use crate::outcome::windows::Windows;
use crate::workload::Clock;
use crate::workload::LoadTest;

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
    /// Replication 1's clients of each request class, judged by their class's objective
    /// (empty without classes).
    pub classes: &'a [ClassVerdict],
    /// The share of clients that must be served in time (`--slo`'s, or every one).
    pub share: Share,
    /// Where the late clients waited longest, queueing, all of them together, and how long
    /// in steps (over every replication when there are several); `None` when no client was
    /// late, or none queued.
    pub waited_most: Option<(usize, u128)>,
    /// Replication 1's clients by due time, in windows: what the dashboard and the page
    /// draw, counted when either is asked for.
    pub windows: Option<&'a Windows>,
    /// Where the time goes in replication 1, profiled when a page asks for it.
    pub profile: Option<&'a Profile>,
    /// Replication 1's units, when some station's units changed (`None`: none did, and the
    /// report is as it always was).
    pub over_time: Option<&'a OverTime>,
}

fn verdict(ok: bool) -> &'static str {
    if ok {
        "ok"
    } else {
        "LATE"
    }
}

/// "virtual" or "real (speed ×10)".
fn clock_text(clock: Clock) -> String {
    match clock {
        Clock::Virtual => "virtual".into(),
        Clock::Real { speed, .. } => format!("real (speed ×{speed})"),
    }
}

impl RunReport<'_> {
    pub(super) fn res(&self) -> Resolution {
        self.scenario.resolution()
    }

    pub(super) fn satisfied(&self, client: usize) -> bool {
        stats::in_time(self.outcome, client, self.scenario, self.load)
    }

    /// "burger 1.5 s": where the client queued longest, and how long; "-" when it never
    /// queued.
    fn queued_text(&self, client: usize) -> String {
        match self.outcome.queued_longest(client) {
            Some((s, w)) => format!(
                "{} {} {}",
                self.scenario.stations()[s as usize].name(),
                self.unit.format(self.res(), w),
                self.unit.symbol()
            ),
            None => "-".into(),
        }
    }

    /// "late clients waited most at: burger (12.500 s of queueing in all)": the cause of
    /// their lateness, not the end of their flow; `None` when no late client queued.
    fn waited_most_text(&self) -> Option<String> {
        let (station, steps) = self.waited_most?;
        let seconds = steps as f64 * self.res().seconds();
        let over = match self.combined.and_then(|c| c.spread.as_ref()) {
            Some(sp) => format!(", over {} replications", sp.replications),
            None => String::new(),
        };
        Some(format!(
            "late clients waited most at: {} ({} {} of queueing in all{over})",
            self.scenario.stations()[station].name(),
            self.unit
                .format_seconds(seconds, self.unit.decimals(self.res())),
            self.unit.symbol()
        ))
    }

    /// Warm-up clients are not judged: they only load the stations.
    pub(super) fn is_warmup(&self, client: usize) -> bool {
        client < self.load.warmup as usize
    }

    /// "replication 1 of 50 (seed 1)" when the listed clients are one of several runs.
    pub(super) fn shown_replication(&self) -> Option<String> {
        let reps = self.combined?.spread.as_ref()?.replications;
        Some(format!("replication 1 of {reps} (seed {})", self.load.seed))
    }

    /// The one timeout every client is judged by, which a headroom is measured against;
    /// `None` when request classes have their own.
    fn common_timeout(&self) -> Option<crate::model::units::Seconds> {
        crate::workload::common_timeout(self.scenario, self.load)
    }

    /// The first [`MAX_TABLE_ROWS`] clients: due time, latency, verdict, where each queued
    /// longest.
    fn clients_table(&self) -> Table {
        let (res, unit) = (self.res(), self.unit);
        let latency_header = format!("latency ({})", unit.symbol());
        let mut table = Table::new(&[
            ("client", Align::Right),
            ("due (s)", Align::Right),
            (&latency_header, Align::Right),
            ("verdict", Align::Left),
            ("queued longest", Align::Left),
        ]);
        for c in 0..self.outcome.clients().min(MAX_TABLE_ROWS) {
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
                self.queued_text(c),
            ]);
        }
        table
    }

    /// The page: the question, the verdicts, where the time goes (with the dashboard, and
    /// the timeline up to [`TIMELINE_MAX_AUTO`] clients), client by client, how to reproduce.
    fn page(&self, page: &Page) -> Result<String, ExportError> {
        let (res, unit, load) = (self.res(), self.unit, self.load);
        let scenario = self.scenario;
        let mut doc = Doc::new(
            "run",
            &format!(
                "{}: {} under {}",
                scenario.name(),
                self.config.describe(scenario),
                describe_load(load)
            ),
        );
        doc.fact("Configuration", &self.config.describe(scenario));
        doc.fact(
            "Load",
            &format!("{}, {} clock", describe_load(load), clock_text(self.clock)),
        );
        let objectives = if scenario.requests().is_empty() {
            format!(
                "{}% of clients served in under {}",
                trim_float(self.share.percent()),
                duration_in(load.timeout.get(), unit)
            )
        } else {
            super::classes::objectives_text(scenario, load, self.share, unit)
        };
        doc.fact("Objectives", &objectives);
        let random = load
            .is_random(scenario)
            .then(|| (load.seed, load.runs(scenario)));
        parts::standard_facts(
            &mut doc,
            scenario,
            scenario.prices(),
            random,
            Some(load.seed),
            page,
        );

        doc.section("answer", "The result");
        let overall = self.combined.unwrap_or(self.summary);
        let plural = if scenario.requests().len() > 1 {
            "s"
        } else {
            ""
        };
        let (class, verdict) = if overall.meets_target {
            ("meets", format!("meets its objective{plural}"))
        } else {
            ("fails", format!("fails its objective{plural}"))
        };
        doc.headline(
            class,
            &format!("{}:", self.config.describe(scenario)),
            &verdict,
            &format!(
                ", {} of {} clients served in time.",
                self.summary.satisfied, self.summary.clients
            ),
        );
        let base = Config::baseline(scenario);
        doc.text(&format!(
            "Change from the baseline ({}): {}.",
            base.describe(scenario),
            self.config.delta_words(&base, scenario)
        ));
        let shown = self.shown_replication();
        let (rows, caption) = match (self.classes.is_empty(), self.combined) {
            (true, Some(c)) => (
                parts::VerdictRow::overall(c, load.timeout, self.share),
                "Verdict over every replication, with the 95% interval of the share served in time".to_string(),
            ),
            (true, None) => (
                parts::VerdictRow::overall(self.summary, load.timeout, self.share),
                "Verdict, with the 95% interval of the share served in time".to_string(),
            ),
            (false, _) => (
                parts::VerdictRow::of_classes(self.classes),
                format!(
                    "Verdicts per request class{}, with the 95% interval of the share served in time",
                    shown.as_ref().map(|w| format!(" ({w})")).unwrap_or_default()
                ),
            ),
        };
        parts::verdicts(&mut doc, &caption, &rows, res, unit);
        let prefix = shown.as_ref().map(|w| format!("{w}: ")).unwrap_or_default();
        let summary = summary_line_in(self.summary, res, self.common_timeout(), unit);
        doc.text(&parts::capitalised(&format!("{prefix}{}.", summary.trim())));
        if let Some(line) = self
            .combined
            .and_then(|c| spread_line_in(c, load.warmup, unit, unit.decimals(res)))
        {
            doc.text(line.trim());
        }
        if let Some(line) = self.waited_most_text() {
            doc.text(&format!("{}.", parts::capitalised(&line)));
        }
        let block = super::capacity::block(scenario, self.config, load, unit);
        for line in block.lines() {
            match line.strip_prefix("warning: ") {
                Some(w) => doc.note("warning", &format!("Warning: {w}")),
                None => doc.text(&format!("{}.", parts::capitalised(line.trim()))),
            }
        }

        doc.section("time", "Where the time goes");
        if let Some(profile) = self.profile {
            if self.clock != Clock::Virtual {
                doc.note(
                    "note",
                    "The profile below is the same test run again in virtual time: exact, without the real clock's jitter.",
                );
            }
            parts::where_time_goes(
                &mut doc,
                profile,
                &parts::TimeContext {
                    scenario,
                    config: self.config,
                    unit,
                    replications: load.runs(scenario),
                    dashboard: None,
                },
            )?;
        }
        let windows = self.windows()?;
        let (clients, late) = (windows.clients, windows.late);
        parts::latency_over_the_test(&mut doc, &self.dashboard_of(windows)?, clients, late);
        if self.outcome.clients() <= TIMELINE_MAX_AUTO {
            doc.figure(
                "fig-timeline",
                "Timeline: one row per client, a bar per station from order to done, waiting pale and serving solid, each client's deadline ticked",
                &format!(
                    "Gantt chart of {} clients over model time; {late} were late, their rows shaded.",
                    self.outcome.clients()
                ),
                &self.timeline_svg()?,
            );
        }
        doc.heading("Client by client");
        let n = self.outcome.clients();
        let caption = if n > MAX_TABLE_ROWS {
            format!("The first {MAX_TABLE_ROWS} of {n} clients (--csv FILE lists them all)")
        } else {
            format!(
                "Every client ({n}){}",
                shown.map(|w| format!(", {w}")).unwrap_or_default()
            )
        };
        doc.table("clients", &caption, &self.clients_table(), 0, &[]);
        parts::reproduce_timed(&mut doc, page, self.clock == Clock::Virtual);
        Ok(doc.finish())
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

impl Render for RunReport<'_> {
    /// The human report, the trace above it when asked for.
    fn table(&self) -> String {
        let res = self.res();
        let s = self.summary;
        let unit = self.unit;
        let mut out = if self.trace {
            self.trace() + "\n"
        } else {
            String::new()
        };
        // With request classes each is held to its own objective, on a line of their own.
        let limit = super::classes::limit_words(self.scenario, self.load, self.share, unit);
        let (timeout, objectives) = if self.scenario.requests().is_empty() {
            (format!(", {limit}"), String::new())
        } else {
            (String::new(), format!("{limit}\n"))
        };
        out += &format!(
            "{}: {}\n{}{timeout}, {} clock\n{objectives}\n",
            self.scenario.name(),
            self.config.describe(self.scenario),
            describe_load(self.load),
            clock_text(self.clock)
        );
        let shown = self.shown_replication();
        if let Some(which) = &shown {
            out.push_str(&format!("{which}:\n"));
        }
        out.push_str(&self.clients_table().render());
        let n = self.outcome.clients();
        if n > MAX_TABLE_ROWS {
            out.push_str(&format!(
                "… {} more clients (--csv FILE lists them all)\n",
                n - MAX_TABLE_ROWS
            ));
        }
        let prefix = shown.map(|w| format!("{w}: ")).unwrap_or_default();
        out.push_str(&format!(
            "\n{prefix}{}\n",
            summary_line_in(s, res, self.common_timeout(), unit)
        ));
        if let Some(line) = self
            .combined
            .and_then(|c| spread_line_in(c, self.load.warmup, unit, unit.decimals(res)))
        {
            out.push_str(&line);
        }
        out.push_str(&super::classes::block(self.classes, res, unit));
        if let Some(line) = self.waited_most_text() {
            out.push_str(&line);
            out.push('\n');
        }
        // A pool whose units change has no one capacity: its units over the run say more.
        match self.over_time {
            None => out.push_str(&super::capacity::block(
                self.scenario,
                self.config,
                self.load,
                unit,
            )),
            Some(over) => {
                out.push_str(&super::units::block(over, &self.scenario.prices().currency))
            }
        }
        out
    }

    /// One row per client: `client,arrival_s,latency_s,satisfied,<station>_done_s…`; a
    /// warm-up client's `satisfied` is empty, as it is `null` in the JSON: it was not judged.
    fn csv(&self) -> Result<Vec<u8>, ExportError> {
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
        let mut out = w
            .into_inner()
            .map_err(|e| ::csv::Error::from(e.into_error()))?;
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
    fn json(&self) -> String {
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
                queued_longest: self
                    .outcome
                    .queued_longest(c)
                    .map(|(s, _)| stations[s as usize]),
                queued_s: self
                    .outcome
                    .queued_longest(c)
                    .map_or(0.0, |(_, w)| res.to_seconds(w)),
                start_s: seconds(res, self.outcome.start_of(c)),
                done_s: seconds(res, self.outcome.done_of(c)),
            })
            .collect();
        let (clock, speed) = match self.clock {
            Clock::Virtual => ("virtual", None),
            Clock::Real { speed, .. } => ("real", Some(speed)),
        };
        let doc = JsonRun {
            schema_version: SchemaVersion,
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
                self.load,
            ),
            replication: 1,
            summary: JsonSummary::new(self.summary, res, self.common_timeout()),
            classes: super::classes::json(self.classes, res, self.combined.is_some()),
            replications: self
                .combined
                .map(|c| JsonReplicated::new(c, res, self.common_timeout())),
            units: self.over_time.map(super::units::JsonUnits::new),
            late_clients_waited_most_at: self.waited_most.map(|(s, steps)| JsonWaitedMost {
                station: stations[s],
                queued_s: steps as f64 * res.seconds(),
            }),
            clients,
        };
        serde_json::to_string_pretty(&doc).expect("plain data serialises") + "\n"
    }

    /// The load test's picture: its timeline or its dashboard; a run over time, its load,
    /// units and p99 per minute.
    fn svg(&self) -> Result<String, ExportError> {
        if let Some(over) = self.over_time {
            let stations: Vec<&str> = self.scenario.stations().iter().map(|s| s.name()).collect();
            return Ok(super::plot::units_svg(&super::units::plot(
                self.picture_title(),
                self.guide_timeout_s(),
                &stations,
                self.res(),
                over,
            ))?);
        }
        if self.dashboard {
            Ok(self.dashboard_svg()?)
        } else {
            Ok(self.timeline_svg()?)
        }
    }

    /// The whole run as one page.
    fn html(&self, page: &Page) -> Result<String, ExportError> {
        self.page(page)
    }
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

#[derive(Serialize, JsonSchema)]
struct JsonRun<'a> {
    /// The document's version (docs/json.md).
    schema_version: SchemaVersion,
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
    /// Per station its units over the run and their cost (only when some station's units
    /// change).
    #[serde(skip_serializing_if = "Option::is_none")]
    units: Option<super::units::JsonUnits<'a>>,
    /// The station where the late clients waited longest, queueing (not being served), all
    /// of them together (over every replication when there are several), and that queueing
    /// in seconds; absent when no client was late, or none queued.
    #[serde(skip_serializing_if = "Option::is_none")]
    late_clients_waited_most_at: Option<JsonWaitedMost<'a>>,
    #[serde(rename = "results")]
    clients: Vec<JsonClient<'a>>,
}

#[derive(Serialize, JsonSchema)]
struct JsonWaitedMost<'a> {
    station: &'a str,
    queued_s: f64,
}

#[derive(Serialize, JsonSchema)]
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
    /// The station where the client queued longest before a visit (`null`: it never
    /// queued), and how long.
    queued_longest: Option<&'a str>,
    queued_s: f64,
    /// When each station's visit began and ended, in scenario order; `null` for a station
    /// the client's flow never reached.
    #[schemars(with = "Vec<Option<f64>>")]
    start_s: Vec<f64>,
    #[schemars(with = "Vec<Option<f64>>")]
    done_s: Vec<f64>,
}

/// The schema of `run --format json`.
pub(crate) fn schema() -> serde_json::Value {
    schema::strict::<JsonRun<'static>>("planner run")
}
