//! What several pages show alike: the facts every header states, the per-class verdicts,
//! where the time goes in a profiled load test, and how to reproduce the page.

use super::{command_text, Doc, Page, VERSION};
use crate::model::config::Config;
use crate::model::objective::Share;
use crate::model::scenario::{Prices, Scenario};
use crate::model::units::{Resolution, Seconds, TimeUnit};
use crate::outcome::profile::Profile;
use crate::outcome::stats::Summary;
use crate::outcome::verdict::ClassVerdict;
use crate::report::format::{duration_in, share_words, trim_float, unit_nanos};
use crate::report::plot::{self, PlotError};
use crate::report::table::{Align, Table};

/// The facts every header states after the question's own: the scenario, the prices, what
/// is random, which planner, and the command line. `random`: the seed and how many
/// replications, when something is drawn; `seed`: the seed all the same, when nothing is
/// (the same command with random arrivals would draw from it).
pub fn standard_facts(
    doc: &mut Doc,
    scenario: &Scenario,
    prices: &Prices,
    random: Option<(u64, u32)>,
    seed: Option<u64>,
    page: &Page,
) {
    let source = if scenario.source() == crate::model::scenario::DEFAULT_NAME {
        "built in".to_string()
    } else {
        format!("file {}", scenario.source())
    };
    let about = match scenario.description() {
        "" => String::new(),
        d => format!(": {d}"),
    };
    doc.fact(
        "Scenario",
        &format!("{}{about} ({source})", scenario.name()),
    );
    doc.fact("Prices", &prices_text(prices));
    doc.fact(
        "Randomness",
        &match random {
            Some((seed, runs)) => format!(
                "seed {seed}, {runs} replication{}: figures are means with 95 % intervals",
                if runs == 1 { "" } else { "s" }
            ),
            None => format!(
                "none: fixed arrivals and service times, one exact run{}",
                seed.map(|s| format!(" (seed {s}, nothing drawn from it)"))
                    .unwrap_or_default()
            ),
        },
    );
    doc.fact("Planner", &format!("planner {VERSION}"));
    doc.fact_code("Command", &command_text(&page.command));
}

/// "Capacity (clients/s): …" from "capacity (clients/s): …": a line of the text table as
/// a sentence of the page.
pub fn capitalised(line: &str) -> String {
    let mut c = line.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

/// "30 $/month per core, 4 $/month per GiB".
pub fn prices_text(prices: &Prices) -> String {
    let cur = &prices.currency;
    format!(
        "{} {cur} per core, {} {cur} per GiB",
        trim_float(prices.cpu),
        trim_float(prices.ram)
    )
}

/// One row of the verdicts table: a request class (or every client, without classes)
/// against its objective.
pub struct VerdictRow<'a> {
    /// The class's name, or "all clients".
    pub name: String,
    /// The objective: clients must be served strictly under this…
    pub timeout: Seconds,
    /// …this share of them.
    pub share: Share,
    /// What the test found; `None`: no client of the class came.
    pub summary: Option<&'a Summary>,
    /// Whether it meets the objective, as the search judged it.
    pub meets: bool,
}

impl<'a> VerdictRow<'a> {
    /// One row per request class, in file order.
    pub fn of_classes(classes: &'a [ClassVerdict]) -> Vec<VerdictRow<'a>> {
        classes
            .iter()
            .map(|c| VerdictRow {
                name: c.name.clone(),
                timeout: c.timeout,
                share: c.share,
                summary: c.summary.as_ref(),
                meets: c.meets(),
            })
            .collect()
    }

    /// The one row of a test without classes: every client against the load's objective.
    pub fn overall(summary: &'a Summary, timeout: Seconds, share: Share) -> Vec<VerdictRow<'a>> {
        vec![VerdictRow {
            name: "all clients".into(),
            timeout,
            share,
            summary: Some(summary),
            meets: summary.meets_target,
        }]
    }
}

/// The per-class verdicts with their intervals and how each was decided, as one table: the
/// one place a page shows them, whatever the command.
pub fn verdicts(
    doc: &mut Doc,
    caption: &str,
    rows: &[VerdictRow<'_>],
    res: Resolution,
    unit: TimeUnit,
) {
    let col = |p: &str| format!("{p} ({})", unit.symbol());
    let (p50, p95, p99, max) = (col("p50"), col("p95"), col("p99"), col("max"));
    let mut t = Table::new(&[
        ("request class", Align::Left),
        ("objective", Align::Left),
        ("clients", Align::Right),
        ("served in time", Align::Right),
        ("95% interval", Align::Right),
        (p50.as_str(), Align::Right),
        (p95.as_str(), Align::Right),
        (p99.as_str(), Align::Right),
        (max.as_str(), Align::Right),
        ("verdict", Align::Left),
        ("how it was decided", Align::Left),
    ]);
    let pct = |v: f64| trim_float((v * 100.0).round() / 100.0);
    for r in rows {
        let objective = format!(
            "{}% under {}",
            trim_float(r.share.percent()),
            duration_in(r.timeout.get(), unit)
        );
        let verdict = if r.meets { "meets" } else { "fails" };
        let mut row = vec![r.name.clone(), objective];
        match r.summary {
            Some(s) => {
                let interval = s
                    .satisfaction_interval()
                    .map(|(lo, hi)| format!("{}–{}%", pct(lo), pct(hi)))
                    .unwrap_or_else(|| "-".into());
                let how = match &s.spread {
                    Some(sp) => format!(
                        "over {} replications, the interval's lower bound {}% {} the {}% required",
                        sp.replications,
                        pct(sp.satisfaction.low.clamp(0.0, 100.0)),
                        if r.meets { "reaches" } else { "falls short of" },
                        trim_float(r.share.percent())
                    ),
                    None => format!(
                        "{} of {} served in time; {} needed",
                        s.satisfied,
                        s.clients,
                        r.share.required(s.clients)
                    ),
                };
                row.extend([
                    s.clients.to_string(),
                    format!("{}%", share_words(s.satisfaction)),
                    interval,
                    unit.format(res, s.p50_steps),
                    unit.format(res, s.p95_steps),
                    unit.format(res, s.p99_steps),
                    unit.format(res, s.max_steps),
                    verdict.into(),
                    how,
                ]);
            }
            None => {
                row.extend(["0".into(), "-".into(), "-".into()]);
                row.extend(["-".into(), "-".into(), "-".into(), "-".into()]);
                row.extend([
                    verdict.into(),
                    "no client of the class came: it missed nothing".into(),
                ]);
            }
        }
        t.row(row);
    }
    doc.table("verdicts", caption, &t, 0, &[]);
}

/// What the "where the time goes" section needs besides the profile.
pub struct TimeContext<'a> {
    /// Names the stations, the classes and their levers.
    pub scenario: &'a Scenario,
    /// The configuration profiled.
    pub config: &'a Config,
    /// The unit times are shown in.
    pub unit: TimeUnit,
    /// Replications of the test the profile is one of (1 when it is the test itself).
    pub replications: u32,
    /// With the load test's timeout, what "latency over the test" draws: `None` when the
    /// page draws it from its own records (`run`).
    pub dashboard: Option<(String, f64)>,
}

/// Where the time goes in a profiled test: per station its busy share, offered load and
/// capacity, mean wait against mean service, the busiest and the capacity bottleneck; each
/// class's latency distribution with its objective; latency over the test.
pub fn where_time_goes(
    doc: &mut Doc,
    profile: &Profile,
    ctx: &TimeContext<'_>,
) -> Result<(), PlotError> {
    let (scenario, unit) = (ctx.scenario, ctx.unit);
    let decimals = unit.decimals(scenario.resolution());
    let time = |s: f64| unit.format_seconds(s, decimals);
    let which = if ctx.replications > 1 {
        format!(
            "replication {} of {}",
            profile.replication + 1,
            ctx.replications
        )
    } else {
        "the load test itself".into()
    };
    doc.text(&format!(
        "{} under load, profiled from {which}: {} of model time.",
        ctx.config.describe(scenario),
        duration_in(profile.span_s, unit)
    ));
    let sym = unit.symbol();
    let (wait_col, service_col, longest_col) = (
        format!("mean wait ({sym})"),
        format!("mean service ({sym})"),
        format!("longest wait ({sym})"),
    );
    let mut t = Table::new(&[
        ("station", Align::Left),
        ("size", Align::Left),
        ("visits", Align::Right),
        ("busy", Align::Right),
        ("offered load", Align::Right),
        ("capacity (clients/s)", Align::Right),
        (wait_col.as_str(), Align::Right),
        (service_col.as_str(), Align::Right),
        (longest_col.as_str(), Align::Right),
    ]);
    for (i, (s, load)) in scenario
        .stations()
        .iter()
        .zip(&profile.stations)
        .enumerate()
    {
        let lever = s.lever_name();
        let param = lever.rsplit('.').next().unwrap_or("");
        let cap = load.capacity_per_s;
        t.row(vec![
            s.name().to_string(),
            format!("{param} {}", ctx.config.values()[i]),
            load.visits.to_string(),
            format!("{}%", trim_float((load.busy_percent * 10.0).round() / 10.0)),
            match load.offered_percent {
                Some(p) => format!("{}%", trim_float((p * 10.0).round() / 10.0)),
                None => "-".into(),
            },
            trim_float((cap * 1000.0).round() / 1000.0),
            time(load.mean_wait_s),
            time(load.mean_service_s),
            time(load.max_wait_s),
        ]);
    }
    let marked: Vec<usize> = profile.busiest.into_iter().collect();
    doc.table(
        "stations",
        "Per station: how busy it was over the test, the load offered against its capacity, and each visit's wait and service",
        &t,
        0,
        &marked,
    );
    let name = |i: usize| scenario.stations()[i].name();
    let mut bottleneck = format!(
        "Capacity bottleneck: {}, which sustains {} clients/s.",
        name(profile.bottleneck),
        trim_float((profile.stations[profile.bottleneck].capacity_per_s * 1000.0).round() / 1000.0)
    );
    if let Some(b) = profile.busiest {
        bottleneck = format!(
            "Busiest over the test: {}, {}% busy. {bottleneck}",
            name(b),
            trim_float((profile.stations[b].busy_percent * 10.0).round() / 10.0)
        );
    }
    doc.text(&bottleneck);
    let scale = 1e9 / unit_nanos(unit);
    let bars = scenario
        .stations()
        .iter()
        .zip(&profile.stations)
        .map(|(s, l)| plot::StationBar {
            name: s.name().to_string(),
            wait: l.mean_wait_s * scale,
            service: l.mean_service_s * scale,
            busy_percent: l.busy_percent,
        })
        .collect();
    let svg = plot::stations_svg(&plot::StationsPlot {
        title: format!("{}: mean wait and service per visit", scenario.name()),
        unit: sym.to_string(),
        stations: bars,
        busiest: profile.busiest,
    })?;
    let waits: Vec<String> = scenario
        .stations()
        .iter()
        .zip(&profile.stations)
        .map(|(s, l)| {
            format!(
                "{}: wait {} {sym}, service {} {sym}",
                s.name(),
                time(l.mean_wait_s),
                time(l.mean_service_s)
            )
        })
        .collect();
    doc.figure(
        "fig-stations",
        "Mean wait in the queue against mean service, per visit of each station",
        &format!("Horizontal bars per station. {}.", waits.join("; ")),
        &svg,
    );
    for (k, curve) in profile.classes.iter().enumerate() {
        let class = match scenario.requests().get(k) {
            Some(r) => r.name.clone(),
            None => "all clients".into(),
        };
        let points = curve.points.iter().map(|&(x, y)| (x * scale, y)).collect();
        let svg = plot::latency_svg(&plot::LatencyPlot {
            title: format!("{}: {class}, latency distribution", scenario.name()),
            unit: sym.to_string(),
            points,
            timeout: curve.timeout_s * scale,
            share: curve.share_percent,
            clients: curve.clients,
        })?;
        let reached = curve.points.last().map_or(0.0, |p| p.1);
        let slowest = curve.points.last().map_or(0.0, |p| p.0);
        doc.figure(
            &format!("fig-latency-{}", k + 1),
            &format!(
                "{class}: share of its {} clients served within each latency; the objective, {}% under {}, dashed",
                curve.clients,
                trim_float(curve.share_percent),
                duration_in(curve.timeout_s, unit)
            ),
            &format!(
                "Cumulative distribution rising to {}% of the clients by {} {sym}, the slowest served; {} of {} were served.",
                trim_float((reached * 100.0).round() / 100.0),
                time(slowest),
                curve.served,
                curve.clients
            ),
            &svg,
        );
    }
    if let Some((title, timeout_s)) = &ctx.dashboard {
        if profile.windows.clients > 0 {
            let windows = profile.windows.clone();
            let (clients, late) = (windows.clients, windows.late);
            let svg = plot::dashboard_svg(&plot::DashboardPlot {
                title: title.clone(),
                timeout_s: *timeout_s,
                windows,
            })?;
            latency_over_the_test(doc, &svg, clients, late);
        }
    }
    Ok(())
}

/// The dashboard picture: arrivals and latency percentiles over the test, by time window.
pub fn latency_over_the_test(doc: &mut Doc, svg: &str, clients: usize, late: usize) {
    doc.figure(
        "fig-dashboard",
        "Latency over the test: arrivals per second and each time window's p50 and p99 latency, the timeout dashed",
        &format!(
            "Two panels over model time: above, arrivals per second with the late clients' share in red; below, p50 and p99 latency per window against the timeout. {late} of {clients} clients were late."
        ),
        svg,
    );
}

/// How to get the same page again: the command, the files written beside it, and the JSON.
pub fn reproduce(doc: &mut Doc, page: &Page) {
    reproduce_timed(doc, page, true);
}

/// [`reproduce`], for a run whose load test may have been timed on the real clock
/// (`exact` false), which gives other timings every time.
pub fn reproduce_timed(doc: &mut Doc, page: &Page, exact: bool) {
    doc.section("reproduce", "Reproduce");
    doc.text(if exact {
        "Every figure on this page comes from this command; run again, it gives the same page (the load tests are exact, and random draws come from the seed)."
    } else {
        "Every figure on this page comes from this command; run again, it gives the same profile, but the load test's timings on the real clock vary from run to run."
    });
    doc.code(&command_text(&page.command));
    if page.beside.is_empty() {
        doc.note(
            "note",
            "No other file was written: --csv FILE writes the rows behind this page, --format json prints them as one document.",
        );
    } else {
        doc.text("Written beside this page by the same command:");
        doc.links(&page.beside);
        doc.note(
            "note",
            "--format json prints the same result as one JSON document.",
        );
    }
}
