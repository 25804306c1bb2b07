//! The closed loop: users who repeat request → response → think.

use crate::report::schema::{self, SchemaVersion};
use crate::report::{ExportError, Render};
use schemars::JsonSchema;
use serde::Serialize;

use crate::model::config::Config;
use crate::model::scenario::Scenario;
use crate::model::units::{Resolution, TimeUnit};
use crate::outcome::clients::{self, ClosedFigures, ClosedRequest};
use crate::outcome::profile::Profile;
use crate::outcome::records::Request;
use crate::outcome::stats::Interval;
use crate::outcome::verdict::ClassVerdict;
use crate::outcome::windows::ClosedWindows;
use crate::report::format::trim_float;
use crate::report::html::{parts, Doc, Page};
use crate::report::plot::{closed_svg, ClosedPlot, PlotError};

/// What a closed loop was asked to do, and every request each replication made.
pub struct ClosedRun<'a> {
    /// The scenario's name, for the picture's title.
    pub name: &'a str,
    /// The scenario's time step, to read the requests' times.
    pub resolution: Resolution,
    /// The population.
    pub users: u32,
    /// Mean think time in seconds.
    pub think_s: f64,
    /// Whether think times are drawn from an exponential distribution (else fixed).
    pub exponential: bool,
    /// No request starts after this many seconds.
    pub duration_s: f64,
    /// The first `warmup` requests of each replication are left out of the response times.
    pub warmup: u32,
    /// Per replication, every request made, sorted by start time then user.
    pub replications: Vec<Vec<Request>>,
    /// The scenario run, for the page.
    pub scenario: &'a Scenario,
    /// The configuration run, for the page.
    pub config: &'a Config,
    /// The seed of every draw (think times), for the page.
    pub seed: u64,
    /// Where the time goes in the first replication, profiled when a page asks for it.
    pub profile: Option<&'a Profile>,
    /// Per request class, its requests over every replication judged by its own objective
    /// (empty without `[[request]]` classes).
    pub classes: &'a [ClassVerdict],
    /// Whether the loop draws anything: then each class carries how its verdict was decided.
    pub random: bool,
    /// The unit the per-class block shows latencies in.
    pub unit: TimeUnit,
    /// Throughput (requests completed within the duration per second), response times past
    /// the warm-up and the users' split (Little's law) over the replications:
    /// [`ClosedFigures::of`] the replications, computed once for every format.
    pub figures: ClosedFigures,
}

/// A closed loop, ready to be shown.
pub struct ClosedReport<'a> {
    run: ClosedRun<'a>,
}

/// The JSON document; its version first, then its fields in alphabetical order, as they
/// have always been printed.
#[derive(Serialize, JsonSchema)]
struct Json {
    /// The document's version (docs/json.md).
    schema_version: SchemaVersion,
    duration: f64,
    replications: usize,
    requests: usize,
    response_mean: f64,
    response_mean_interval: [f64; 2],
    /// Response times in seconds; `null` when no request was counted.
    #[schemars(with = "Option<f64>")]
    response_p50: f64,
    #[schemars(with = "Option<f64>")]
    response_p95: f64,
    #[schemars(with = "Option<f64>")]
    response_p99: f64,
    think: f64,
    think_distribution: &'static str,
    thinking_share: f64,
    throughput: f64,
    throughput_interval: [f64; 2],
    users: u32,
    waiting_share: f64,
    /// Per request class, keyed by name (only for a scenario with classes).
    #[serde(skip_serializing_if = "indexmap::IndexMap::is_empty")]
    classes: indexmap::IndexMap<String, crate::report::classes::JsonClass>,
}

/// One CSV row per counted request.
#[derive(Serialize)]
struct Row {
    replication: usize,
    user: u32,
    /// The user's request number in the replication, from 1.
    request: u32,
    start_s: String,
    response_s: String,
}

impl<'a> ClosedReport<'a> {
    /// The loop with its figures, ready to be shown.
    pub fn new(run: ClosedRun<'a>) -> ClosedReport<'a> {
        ClosedReport { run }
    }

    fn runs(&self) -> usize {
        self.run.replications.len()
    }

    fn distribution(&self) -> &'static str {
        if self.run.exponential {
            "exponential"
        } else {
            "fixed"
        }
    }
}

impl ClosedReport<'_> {
    /// The page: the question, throughput and response times, where the time goes, how the
    /// users split their time, how to reproduce it.
    fn page(&self, page: &Page) -> Result<String, PlotError> {
        let r = &self.run;
        let t = |v: f64| trim_float((v * 1000.0).round() / 1000.0);
        let runs = self.runs();
        let mut doc = Doc::new(
            "run",
            &format!(
                "{}: {} under a closed loop of {} users",
                r.name,
                r.config.describe(r.scenario),
                r.users
            ),
        );
        doc.fact("Configuration", &r.config.describe(r.scenario));
        let users = self.table().lines().next().unwrap_or("").to_string();
        doc.fact("Users", &users);
        let marked = r
            .profile
            .and_then(|p| p.classes.first())
            .map(|c| {
                format!(
                    "; the latency distribution marks the --timeout, {} s",
                    t(c.timeout_s)
                )
            })
            .unwrap_or_default();
        if r.classes.is_empty() {
            doc.fact(
                "Objectives",
                &format!(
                    "none judged: a closed loop's run measures throughput and response times{marked}"
                ),
            );
        } else {
            doc.fact(
                "Objectives",
                "each request class's own, every request judged by its class's (the verdicts below)",
            );
        }
        let random = (r.exponential || r.scenario.draws_service()).then_some((r.seed, runs as u32));
        parts::standard_facts(
            &mut doc,
            r.scenario,
            r.scenario.prices(),
            random,
            Some(r.seed),
            page,
        );
        let f = &self.run.figures;
        let (x, resp) = (f.throughput, f.response);
        let ci = |i: Interval| {
            if runs > 1 {
                format!(" (95 % interval {} – {})", t(i.low), t(i.high))
            } else {
                String::new()
            }
        };
        doc.section("answer", "The result");
        doc.headline(
            "result",
            "Throughput:",
            &format!("{} requests/s", t(x.mean)),
            &format!("{}, mean response {} s{}.", ci(x), t(resp.mean), ci(resp)),
        );
        doc.pairs(&[
            ("requests", f.requests.to_string()),
            (
                "response time",
                format!(
                    "p50 {} s, p95 {} s, p99 {} s",
                    t(nan(f.response_p50_s)),
                    t(nan(f.response_p95_s)),
                    t(nan(f.response_p99_s))
                ),
            ),
        ]);
        if !r.classes.is_empty() {
            parts::verdicts(
                &mut doc,
                &format!("Verdicts per request class over {runs} replication(s), with the 95% interval of the share served in time"),
                &parts::VerdictRow::of_classes(r.classes),
                r.resolution,
                r.unit,
            );
        }
        if let Some(profile) = r.profile {
            doc.section("time", "Where the time goes");
            parts::where_time_goes(
                &mut doc,
                profile,
                &parts::TimeContext {
                    scenario: r.scenario,
                    config: r.config,
                    unit: TimeUnit::S,
                    replications: runs as u32,
                    dashboard: None,
                },
            )?;
        }
        doc.section("client-rules", "Client rules");
        doc.pairs(&[
            (
                "users",
                format!(
                    "{} thinking {} s ({}) between requests",
                    r.users,
                    t(r.think_s),
                    self.distribution()
                ),
            ),
            (
                "closed loop",
                format!(
                    "{} % of the users' time thinking, {} % waiting for a response",
                    trim_float((100.0 * f.thinking_share).round()),
                    trim_float((100.0 * f.waiting_share).round())
                ),
            ),
        ]);
        doc.figure(
            "fig-clients",
            "The closed loop over the test: throughput and response times by window",
            &format!(
                "Panels over model time: requests completed per second and response times of {} requests over {runs} replication(s).",
                f.requests
            ),
            &self.svg_text()?,
        );
        parts::reproduce(&mut doc, page);
        Ok(doc.finish())
    }
}

impl Render for ClosedReport<'_> {
    /// The human report.
    fn table(&self) -> String {
        let t = |v: f64| trim_float((v * 1000.0).round() / 1000.0);
        let runs = self.runs();
        let f = &self.run.figures;
        let (x, r) = (f.throughput, f.response);
        let ci = |i: Interval| {
            if runs > 1 {
                format!(" (95 % CI {} – {})", t(i.low), t(i.high))
            } else {
                String::new()
            }
        };
        let mut out = format!(
            "{} user{}, think {} s ({}), {} s, {runs} replication{}\n",
            self.run.users,
            if self.run.users == 1 { "" } else { "s" },
            t(self.run.think_s),
            self.distribution(),
            t(self.run.duration_s),
            if runs == 1 { "" } else { "s" }
        );
        out += &format!("requests:      {}\n", f.requests);
        out += &format!("throughput:    {} requests/s{}\n", t(x.mean), ci(x));
        out += &format!("response time: mean {} s{}\n", t(r.mean), ci(r));
        out += &format!(
            "               p50 {} s, p95 {} s, p99 {} s\n",
            t(nan(f.response_p50_s)),
            t(nan(f.response_p95_s)),
            t(nan(f.response_p99_s))
        );
        out += &format!(
            "users:         {} % thinking, {} % waiting\n",
            trim_float((100.0 * f.thinking_share).round()),
            trim_float((100.0 * f.waiting_share).round())
        );
        out += &crate::report::classes::block(self.run.classes, self.run.resolution, self.run.unit);
        out
    }

    /// The JSON document, with the same figures as the table.
    fn json(&self) -> String {
        let f = &self.run.figures;
        let (x, r) = (f.throughput, f.response);
        let doc = Json {
            schema_version: SchemaVersion,
            duration: self.run.duration_s,
            replications: self.runs(),
            requests: f.requests,
            response_mean: r.mean,
            response_mean_interval: [r.low, r.high],
            response_p50: nan(f.response_p50_s),
            response_p95: nan(f.response_p95_s),
            response_p99: nan(f.response_p99_s),
            think: self.run.think_s,
            think_distribution: self.distribution(),
            thinking_share: f.thinking_share,
            throughput: x.mean,
            throughput_interval: [x.low, x.high],
            users: self.run.users,
            waiting_share: f.waiting_share,
            classes: crate::report::classes::json(
                self.run.classes,
                self.run.resolution,
                self.run.random,
            ),
        };
        serde_json::to_string_pretty(&doc).expect("plain data serialises") + "\n"
    }

    /// One row per counted request of every replication:
    /// `replication,user,request,start_s,response_s`.
    fn csv(&self) -> Result<Vec<u8>, ExportError> {
        let res = self.run.resolution;
        let mut w = csv::Writer::from_writer(Vec::new());
        for (k, reqs) in self.run.replications.iter().enumerate() {
            // Numbered over all of the user's requests, the warm-up included, so that a
            // user's numbers say how many requests it had made.
            let mut made = vec![0u32; self.run.users as usize];
            for (i, q) in reqs.iter().enumerate() {
                made[q.user as usize] += 1;
                if i < self.run.warmup as usize {
                    continue;
                }
                w.serialize(Row {
                    replication: k + 1,
                    user: q.user + 1,
                    request: made[q.user as usize],
                    start_s: res.format(q.start),
                    response_s: res.format(q.done - q.start),
                })?;
            }
        }
        w.into_inner()
            .map_err(|e| ExportError::Csv(e.into_error().into()))
    }

    /// Throughput and response times over time, every replication together.
    fn svg(&self) -> Result<String, ExportError> {
        Ok(self.svg_text()?)
    }

    /// The whole closed loop as one page.
    fn html(&self, page: &Page) -> Result<String, ExportError> {
        Ok(self.page(page)?)
    }
}

impl ClosedReport<'_> {
    /// The picture of [`Render::svg`].
    fn svg_text(&self) -> Result<String, PlotError> {
        let secs = |steps: u64| steps as f64 * self.run.resolution.seconds();
        let requests = self
            .run
            .replications
            .iter()
            .flat_map(|reqs| clients::counted(reqs, self.run.warmup))
            .map(|q| ClosedRequest {
                start_s: secs(q.start),
                done_s: secs(q.done),
            })
            .collect::<Vec<_>>();
        let title = self.table().lines().next().unwrap_or("").to_string();
        closed_svg(&ClosedPlot {
            title: format!("{}: {title}", self.run.name),
            duration_s: self.run.duration_s,
            replications: self.runs(),
            windows: ClosedWindows::of(&requests),
        })
    }
}

/// A percentile as the documents print it: NaN (`null` in JSON) when no request was
/// counted, as such a run has no response time.
fn nan(p: Option<f64>) -> f64 {
    p.unwrap_or(f64::NAN)
}

/// The schema of `run --users N --format json`.
pub(crate) fn schema() -> serde_json::Value {
    schema::strict::<Json>("planner run, users in a closed loop")
}
