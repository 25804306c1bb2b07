//! The open loop: clients due at their times who give up after their patience and retry.

use crate::report::schema::{self, SchemaVersion};
use crate::report::{ExportError, Render};
use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Serialize;

use super::classes::{self, ClassFigures, OpenClass};
use crate::model::config::Config;
use crate::model::scenario::Scenario;
use crate::model::units::{Resolution, TimeUnit};
use crate::outcome::clients::{ClientOutcome, OpenClient, OpenFigures};
use crate::outcome::profile::Profile;
use crate::outcome::records::{Fate, Story};
use crate::outcome::windows::OpenWindows;
use crate::report::format::describe_load;
use crate::report::format::trim_float;
use crate::report::html::{parts, Doc, Page};
use crate::report::plot::{open_svg, OpenPlot, PlotError};
use crate::workload::LoadTest;

/// What an open-loop run of clients who give up was asked to do, and what the engine recorded.
pub struct OpenRun<'a> {
    /// The scenario run (its stations name the wasted work).
    pub scenario: &'a Scenario,
    /// Every client's fate, every attempt, the wasted service.
    pub story: &'a Story,
    /// A client is satisfied when served within this many seconds of its first due time
    /// (the load test's; each class's own in `classes`).
    pub timeout_s: f64,
    /// Seconds an attempt waits before it is given up; `None`: clients wait for ever.
    pub patience_s: Option<f64>,
    /// Fresh attempts a client makes after giving up, at most.
    pub retries: u32,
    /// The first retry's wait in seconds (doubled at each retry).
    pub backoff_s: f64,
    /// Whether the waits are drawn uniformly below the backoff.
    pub jitter: bool,
    /// Whether giving up frees the units serving the client at once.
    pub cancel_all: bool,
    /// The first `warmup` clients load the stations but are left out of every figure.
    pub warmup: u32,
    /// The `[[request]]` classes, in file order (a client's `Fate::class` indexes them);
    /// empty for the fan-out.
    pub classes: Vec<OpenClass>,
    /// The configuration run, for the page.
    pub config: &'a Config,
    /// The load test as run (clients, arrivals, seed), for the page.
    pub load: &'a LoadTest,
    /// Where the time goes in the run, profiled when a page asks for it.
    pub profile: Option<&'a Profile>,
    /// The run's figures ([`OpenFigures::of`] the story, each client judged by its class's
    /// timeout, each class by its share), computed once so that the table, the JSON and the
    /// CSV cannot disagree.
    pub figures: OpenFigures,
}

/// An open-loop run, ready to be shown.
pub struct OpenReport<'a> {
    run: OpenRun<'a>,
    /// Each station's name beside the service wasted there, in seconds.
    wasted: Vec<(String, f64)>,
    classes: Vec<ClassFigures>,
}

/// The JSON document; its version first, then its fields in alphabetical order, as they
/// have always been printed.
#[derive(Serialize, JsonSchema)]
struct Json<'a> {
    /// The document's version (docs/json.md).
    schema_version: SchemaVersion,
    amplification: f64,
    attempts: u64,
    cancel: &'static str,
    /// Per `[[request]]` class; empty for the fan-out.
    classes: &'a [ClassFigures],
    clients: usize,
    given_up: usize,
    given_up_share: f64,
    goodput: f64,
    /// Served after their timeout: `satisfied + late + given_up = clients`.
    late: usize,
    /// Latencies of the served clients, in seconds; `null` when none was served.
    #[schemars(with = "Option<f64>")]
    latency_p50: f64,
    #[schemars(with = "Option<f64>")]
    latency_p99: f64,
    patience: Option<f64>,
    retries: u32,
    satisfied: usize,
    /// `null` both when every client was satisfied and when the run never settled; the
    /// table tells them apart.
    settled_at: Option<f64>,
    wasted_seconds: BTreeMap<&'a str, f64>,
}

/// One CSV row per client counted in the figures.
#[derive(Serialize)]
struct Row {
    client: usize,
    due_s: String,
    attempts: u32,
    outcome: &'static str,
    /// Empty for a client who gave up for good.
    latency_s: Option<String>,
}

impl<'a> OpenReport<'a> {
    /// The run, its figures named: each station's wasted work, each class's figures.
    pub fn new(run: OpenRun<'a>) -> OpenReport<'a> {
        let wasted = run
            .scenario
            .stations()
            .iter()
            .zip(&run.figures.wasted_s)
            .map(|(s, &w)| (s.name().to_string(), w))
            .collect();
        let classes = classes::figures(
            &run.classes,
            &run.figures.classes,
            &run.figures.classes_meet,
        );
        OpenReport {
            run,
            wasted,
            classes,
        }
    }

    fn figures(&self) -> &OpenFigures {
        &self.run.figures
    }

    fn res(&self) -> Resolution {
        self.run.scenario.resolution()
    }

    fn counted(&self) -> &[Fate] {
        let fates = &self.run.story.fates;
        &fates[(self.run.warmup as usize).min(fates.len())..]
    }

    /// One line per event of every client, in time order: due, gave up, retried, served or
    /// gave up for good.
    pub fn trace(&self) -> String {
        let res = self.res();
        let fates = &self.run.story.fates;
        // (time, order within the instant, client, text): a client's end after its start.
        let mut events: Vec<(u64, u8, u32, String)> = Vec::new();
        for (c, f) in fates.iter().enumerate() {
            events.push((f.due, 0, c as u32, format!("=> client_{} due", c + 1)));
        }
        let mut tries = vec![0u32; fates.len()];
        for a in &self.run.story.attempts {
            let c = a.client as usize;
            tries[c] += 1;
            let k = tries[c];
            let who = format!("client_{}", c + 1);
            if k > 1 {
                events.push((
                    a.start,
                    1,
                    a.client,
                    format!("   {who} retries (attempt {k})"),
                ));
            }
            let f = &fates[c];
            let text = if a.served {
                format!("<= {who} served in {} s", res.format(a.end - f.due))
            } else if k == f.attempts {
                format!("<= {who} gave up for good after {k} attempt{}", plural(k))
            } else {
                format!("   {who} gave up (attempt {k})")
            };
            events.push((a.end, 2, a.client, text));
        }
        events.sort_by_key(|e| (e.0, e.1, e.2));
        let mut out = String::new();
        for (at, _, _, text) in events {
            out.push_str(&format!("{:>12}  {text}\n", res.format(at)));
        }
        out
    }
}

impl OpenReport<'_> {
    /// The page: the question, the result per class, where the time goes, what the client
    /// rules did (given up, retries, goodput, wasted work), how to reproduce it.
    fn page(&self, page: &Page) -> Result<String, PlotError> {
        let r = &self.run;
        let scenario = r.scenario;
        let t = trim_float;
        let mut doc = Doc::new(
            "run",
            &format!(
                "{}: {} under {}, clients who give up and retry",
                scenario.name(),
                r.config.describe(scenario),
                describe_load(r.load)
            ),
        );
        doc.fact("Configuration", &r.config.describe(scenario));
        doc.fact("Load", &describe_load(r.load));
        let rules = self.table().lines().next().unwrap_or("").to_string();
        doc.fact("Clients", &rules);
        let objectives = if r.classes.is_empty() {
            format!("every client served in under {} s", t(r.timeout_s))
        } else {
            let each: Vec<String> = r
                .classes
                .iter()
                .map(|c| format!("{}: served in under {} s", c.name, t(c.timeout_s)))
                .collect();
            each.join(", ")
        };
        doc.fact("Objectives", &objectives);
        let random = (r.load.is_random(scenario) || r.jitter).then_some((r.load.seed, 1));
        parts::standard_facts(
            &mut doc,
            scenario,
            scenario.prices(),
            random,
            Some(r.load.seed),
            page,
        );

        doc.section("answer", "The result");
        let (f, n) = (self.figures(), self.figures().clients);
        let class = if f.satisfied == n { "meets" } else { "fails" };
        doc.headline(
            class,
            "Served in time:",
            &format!("{} of {n} clients", f.satisfied),
            &format!(", {} gave up for good.", f.given_up),
        );
        if !self.classes.is_empty() {
            doc.table(
                "verdicts",
                "Per request class: satisfied, late, given up, attempts, and whether its objective was met",
                &classes::table(&self.classes),
                0,
                &[],
            );
        }
        if let Some(profile) = r.profile {
            doc.section("time", "Where the time goes");
            parts::where_time_goes(
                &mut doc,
                profile,
                &parts::TimeContext {
                    scenario,
                    config: r.config,
                    unit: TimeUnit::auto(crate::workload::shortest_timeout(scenario, r.load)),
                    replications: 1,
                    dashboard: None,
                },
            )?;
        }
        doc.section("client-rules", "Client rules");
        let mut facts = vec![
            (
                "given up",
                format!(
                    "{} of {n} clients ({} %)",
                    f.given_up,
                    t((f.given_up_percent * 10.0).round() / 10.0)
                ),
            ),
            (
                "retries",
                format!(
                    "{} attempts, {} per client",
                    f.attempts,
                    t((f.amplification * 100.0).round() / 100.0)
                ),
            ),
            (
                "goodput",
                format!(
                    "{} satisfied clients/s",
                    t((f.goodput * 1000.0).round() / 1000.0)
                ),
            ),
        ];
        if self.wasted.iter().any(|(_, w)| *w > 0.0) {
            let list: Vec<String> = self
                .wasted
                .iter()
                .map(|(n, w)| format!("{n} {} s", t((w * 1000.0).round() / 1000.0)))
                .collect();
            facts.push(("wasted work", list.join(", ")));
        }
        let settled = self.table();
        if let Some(line) = settled.lines().find(|l| l.starts_with("settled:")) {
            facts.push((
                "settled",
                line.trim_start_matches("settled:").trim().to_string(),
            ));
        }
        doc.pairs(&facts);
        let outcomes: Vec<String> = [
            (f.satisfied, ClientOutcome::Satisfied),
            (f.late, ClientOutcome::Late),
            (f.given_up, ClientOutcome::GivenUp),
        ]
        .iter()
        .map(|(k, o)| format!("{k} {}", o.name().replace('_', " ")))
        .collect();
        doc.figure(
            "fig-clients",
            "Clients over the test: the attempts offered, each client's outcome and latency by due time",
            &format!("Panels over model time of {n} clients: {}.", outcomes.join(", ")),
            &self.svg_text()?,
        );
        parts::reproduce(&mut doc, page);
        Ok(doc.finish())
    }
}

impl Render for OpenReport<'_> {
    /// The human report.
    fn table(&self) -> String {
        let t = trim_float;
        let r = &self.run;
        let (f, n) = (self.figures(), self.figures().clients);
        // With request classes each is judged by its own timeout, not the load's.
        let limit = if r.classes.is_empty() {
            format!("timeout {} s", t(r.timeout_s))
        } else {
            let each: Vec<String> = r
                .classes
                .iter()
                .map(|c| format!("{} under {} s", c.name, t(c.timeout_s)))
                .collect();
            format!("objectives: {}", each.join(", "))
        };
        let mut out = format!(
            "{n} clients, {limit}{}{}\n",
            r.patience_s
                .map(|p| format!(", patience {} s", t(p)))
                .unwrap_or_default(),
            if r.retries > 0 {
                format!(
                    ", up to {} {} (backoff {} s{})",
                    r.retries,
                    if r.retries == 1 { "retry" } else { "retries" },
                    t(r.backoff_s),
                    if r.jitter { ", jitter" } else { "" }
                )
            } else {
                String::new()
            }
        );
        out += &format!(
            "satisfied:     {} ({} %)\n",
            f.satisfied,
            t((f.satisfied_percent * 10.0).round() / 10.0)
        );
        out += &format!(
            "late:          {} ({} %), served after the timeout\n",
            f.late,
            t((f.late_percent * 10.0).round() / 10.0)
        );
        out += &format!(
            "given up:      {} ({} %){}\n",
            f.given_up,
            t((f.given_up_percent * 10.0).round() / 10.0),
            if r.cancel_all {
                ", their units freed at once"
            } else {
                ", work in service wasted"
            }
        );
        out += &format!(
            "goodput:       {} satisfied clients/s\n",
            t((f.goodput * 1000.0).round() / 1000.0)
        );
        out += &format!(
            "attempts:      {} ({} per client)\n",
            f.attempts,
            t((f.amplification * 100.0).round() / 100.0)
        );
        if self.wasted.iter().any(|(_, w)| *w > 0.0) {
            let list: Vec<String> = self
                .wasted
                .iter()
                .map(|(n, w)| format!("{n} {} s", t((w * 1000.0).round() / 1000.0)))
                .collect();
            out += &format!(
                "wasted work:   {} (service for clients who gave up)\n",
                list.join(", ")
            );
        }
        out += &match f.settled {
            None => "settled:       every client satisfied\n".to_string(),
            Some(None) => "settled:       never (the last client was not satisfied)\n".to_string(),
            Some(Some(at)) => format!(
                "settled:       every client due from {} s on satisfied\n",
                t((at * 1000.0).round() / 1000.0)
            ),
        };
        if let (Some(p50), Some(p99)) = (f.latency_p50_s, f.latency_p99_s) {
            out += &format!(
                "latency:       p50 {} s, p99 {} s (served clients)\n",
                t((p50 * 1000.0).round() / 1000.0),
                t((p99 * 1000.0).round() / 1000.0)
            );
        }
        out += &classes::lines(&self.classes);
        out
    }

    /// The JSON document, with the same figures as the table.
    fn json(&self) -> String {
        let (f, n) = (self.figures(), self.figures().clients);
        let doc = Json {
            schema_version: SchemaVersion,
            amplification: f.amplification,
            attempts: f.attempts,
            cancel: if self.run.cancel_all { "all" } else { "none" },
            classes: &self.classes,
            clients: n,
            given_up: f.given_up,
            given_up_share: f.given_up_share,
            goodput: f.goodput,
            latency_p50: f.latency_p50_s.unwrap_or(f64::NAN),
            latency_p99: f.latency_p99_s.unwrap_or(f64::NAN),
            late: f.late,
            patience: self.run.patience_s,
            retries: self.run.retries,
            satisfied: f.satisfied,
            settled_at: f.settled.flatten(),
            wasted_seconds: self.wasted.iter().map(|(n, w)| (n.as_str(), *w)).collect(),
        };
        serde_json::to_string_pretty(&doc).expect("a JSON document of numbers and names") + "\n"
    }

    /// One row per counted client: `client,due_s,attempts,outcome,latency_s`.
    fn csv(&self) -> Result<Vec<u8>, ExportError> {
        let res = self.res();
        let mut w = csv::Writer::from_writer(Vec::new());
        let skip = self.run.warmup as usize;
        for (i, f) in self.counted().iter().enumerate() {
            w.serialize(Row {
                client: skip + i + 1,
                due_s: res.format(f.due),
                attempts: f.attempts,
                outcome: ClientOutcome::of(f, &self.figures().timeouts).name(),
                latency_s: f.served.map(|s| res.format(s - f.due)),
            })?;
        }
        w.into_inner()
            .map_err(|e| ExportError::Csv(e.into_error().into()))
    }

    /// The offered load, the outcomes and the latencies over time.
    fn svg(&self) -> Result<String, ExportError> {
        Ok(self.svg_text()?)
    }

    /// The whole run as one page.
    fn html(&self, page: &Page) -> Result<String, ExportError> {
        Ok(self.page(page)?)
    }
}

impl OpenReport<'_> {
    /// The picture of [`Render::svg`].
    fn svg_text(&self) -> Result<String, PlotError> {
        let res = self.res();
        let secs = |steps: u64| steps as f64 * res.seconds();
        let skip = self.run.warmup;
        let clients: Vec<OpenClient> = self
            .counted()
            .iter()
            .map(|f| OpenClient {
                due_s: secs(f.due),
                latency_s: f.served.map(|s| secs(s - f.due)),
                outcome: ClientOutcome::of(f, &self.figures().timeouts),
            })
            .collect();
        let attempts_s: Vec<f64> = self
            .run
            .story
            .attempts
            .iter()
            .filter(|a| a.client >= skip)
            .map(|a| secs(a.start))
            .collect();
        let title = self.table().lines().next().unwrap_or("").to_string();
        open_svg(&OpenPlot {
            title: format!("{}: {title}", self.run.scenario.name()),
            timeout_s: self.run.timeout_s,
            windows: OpenWindows::of(&clients, &attempts_s, self.run.timeout_s),
        })
    }
}

fn plural(k: u32) -> &'static str {
    if k == 1 {
        ""
    } else {
        "s"
    }
}

/// The schema of `run --format json` for clients who give up and retry.
pub(crate) fn schema() -> serde_json::Value {
    schema::strict::<Json<'static>>("planner run, clients with rules (open loop)")
}
