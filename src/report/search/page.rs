//! `optimize`'s and `sweep`'s page: the question, the answer with its cost and verdicts,
//! the runners-up and the closest that failed (and why), where the time goes in the
//! answer, the space against cost, and how to reproduce it.

use super::super::html::parts::{self, TimeContext, VerdictRow};
use super::super::html::{Doc, Page};
use super::super::plot::PlotError;
use super::super::table::{Align, Table};
use super::{OptimizeReport, SearchContext, SweepReport};
use crate::model::capacity::Capacity;
use crate::model::objective::Share;
use crate::outcome::profile::Profile;
use crate::outcome::stats::Summary;
use crate::report::format::describe_load;
use crate::report::format::{share_words, trim_float};
use crate::search::pareto::Figures;
use crate::search::{self, Evaluated};
use crate::workload::clients::Clients;

/// How many configurations that failed the answer's page lists.
const FAILED_SHOWN: usize = 5;

/// `optimize --report`.
pub(super) fn optimize(r: &OptimizeReport<'_>, page: &Page) -> Result<String, PlotError> {
    let ctx = &r.ctx;
    let o = r.result;
    let mut doc = ctx.header(
        "optimize",
        &format!("cheapest configuration for {}", ctx.describe_target()),
        page,
    );
    let tested = ctx.optimize_header(o, r.plot_all);
    let space = tested
        .lines()
        .nth(1)
        .unwrap_or("")
        .trim_start_matches("space: ");
    doc.fact("Search space", space);
    doc.section("answer", "The answer");
    match o.answer {
        Some(a) => {
            ctx.answer(&mut doc, &o.evaluated[a]);
            if !o.runners_up.is_empty() {
                let rows: Vec<&Evaluated> = o.runners_up.iter().map(|&i| &o.evaluated[i]).collect();
                doc.heading("Runners-up");
                doc.table(
                    "runners-up",
                    "The next cheapest configurations that also meet the target",
                    &ctx.results_rows(&rows),
                    4,
                    &[],
                );
            }
            ctx.failed(
                &mut doc,
                &o.evaluated,
                &search::closest(o, FAILED_SHOWN),
                "The closest that failed: the cheaper configurations that came nearest, and why each fails",
            );
        }
        None => ctx.no_answer(&mut doc, &o.evaluated, &search::closest(o, search::CLOSEST)),
    }
    let answer = o.answer.map(|a| &o.evaluated[a]);
    ctx.time(&mut doc, answer, r.profile)?;
    doc.section("space", "The space");
    doc.text(&format!(
        "{}: every point a configuration load-tested, cost against the share of clients served in time; the frontier joins those no other beats on both.",
        space
    ));
    let answer_config = answer.map(|e| &e.candidate.config);
    let svg = ctx.pareto_svg(r.plotted, r.pictured, o.total, answer_config)?;
    ctx.pareto_figure(&mut doc, &svg, r.plotted.len(), r.pictured, answer);
    ctx.rules(&mut doc, r.profile);
    parts::reproduce(&mut doc, page);
    Ok(doc.finish())
}

/// `sweep --report`.
pub(super) fn sweep(r: &SweepReport<'_>, page: &Page) -> Result<String, PlotError> {
    let ctx = &r.ctx;
    let all = r.all;
    let mut doc = ctx.header(
        "sweep",
        &format!("{} configurations for {}", all.len(), ctx.describe_target()),
        page,
    );
    let space = format!(
        "{}; {} meet the target",
        ctx.study.space.shape(ctx.study.model),
        r.figures.passing
    );
    doc.fact("Search space", &space);
    doc.section("answer", "The answer");
    let cheapest = r.figures.cheapest;
    match cheapest {
        Some(c) => {
            doc.note(
                "note",
                "The cheapest configuration of the space that meets the target:",
            );
            ctx.answer(&mut doc, &all[c]);
            let cheaper = &all[..c];
            let failed = search::closest_in(cheaper, FAILED_SHOWN);
            ctx.failed(
                &mut doc,
                cheaper,
                &failed,
                "The closest that failed: the cheaper configurations that came nearest, and why each fails",
            );
        }
        None => ctx.no_answer(&mut doc, all, &search::closest_in(all, search::CLOSEST)),
    }
    ctx.time(&mut doc, cheapest.map(|c| &all[c]), r.profile)?;
    doc.section("space", "The space");
    let svg = r.svg_of()?;
    ctx.pareto_figure(
        &mut doc,
        &svg,
        all.len(),
        r.figures,
        cheapest.map(|c| &all[c]),
    );
    let shown: Vec<&Evaluated> = all.iter().take(r.show).collect();
    let marked: Vec<usize> = cheapest.filter(|&c| c < r.show).into_iter().collect();
    doc.table(
        "cheapest",
        &format!(
            "The {} cheapest configurations of {} (--show N; the CSV holds them all)",
            shown.len(),
            all.len()
        ),
        &ctx.results_rows(&shown),
        4,
        &marked,
    );
    ctx.rules(&mut doc, r.profile);
    parts::reproduce(&mut doc, page);
    Ok(doc.finish())
}

impl SweepReport<'_> {
    /// Cost against satisfaction of the whole space, the cheapest passing one marked.
    pub(super) fn svg_of(&self) -> Result<String, PlotError> {
        let cheapest = self.figures.cheapest.map(|c| &self.all[c].candidate.config);
        self.ctx
            .pareto_svg(self.all, self.figures, self.all.len(), cheapest)
    }
}

impl SearchContext<'_> {
    /// The page's header: the question and the facts every page states.
    fn header(&self, kind: &str, question: &str, page: &Page) -> Doc {
        let load = &self.study.target.load;
        let mut doc = Doc::new(kind, &format!("{}: {question}", self.study.model.name()));
        // A closed loop's load is its users, which the clients' line states.
        if !matches!(self.study.target.clients, Some(Clients::Closed(_))) {
            doc.fact("Load", &describe_load(load));
        }
        doc.fact("Objectives", &self.objectives_words());
        if let Some(clients) = &self.study.target.clients {
            doc.fact(
                "Clients",
                &clients.describe(load, self.study.target.share, None),
            );
        }
        let random = match &self.study.target.clients {
            Some(c) => c
                .is_random(self.study.model, load)
                .then(|| (load.seed, c.runs(self.study.model, load))),
            None => load
                .is_random(self.study.model)
                .then(|| (load.seed, load.runs(self.study.model))),
        };
        parts::standard_facts(
            &mut doc,
            self.study.model,
            &self.study.prices,
            random,
            Some(load.seed),
            page,
        );
        doc
    }

    /// Each class's objective, or the one every client is held to.
    fn objectives_words(&self) -> String {
        let load = &self.study.target.load;
        if !self.study.model.requests().is_empty() {
            return super::super::classes::objectives_text(
                self.study.model,
                load,
                self.study.target.share,
                self.unit,
            );
        }
        format!(
            "{}% of clients served in under {}",
            trim_float(self.study.target.share.percent()),
            crate::report::format::duration_in(load.timeout.get(), self.unit)
        )
    }

    /// A configuration that meets the target: what it is, its cost against the baseline,
    /// its verdicts, its load test and its capacity.
    fn answer(&self, doc: &mut Doc, e: &Evaluated) {
        let c = &e.candidate;
        let (base, base_cost) = self.baseline();
        doc.headline("meets", "Answer:", &c.config.describe(self.study.model), "");
        doc.text(&format!(
            "Change from the baseline ({}): {}.",
            base.describe(self.study.model),
            c.config.delta_words(&base, self.study.model)
        ));
        doc.table(
            "cost",
            "Cost against the baseline",
            &self.cost_table(c, &base_cost),
            0,
            &[1],
        );
        doc.note(
            "note",
            &format!("At {}.", parts::prices_text(&self.study.prices)),
        );
        if let Some(line) = self.by_station_line(&c.config, &base) {
            doc.text(&format!(
                "Where the extra resources go: {}.",
                line.trim().trim_start_matches("by station: ")
            ));
        }
        self.verdicts(doc, e);
        doc.text(&format!("Load test: {}.", self.result_line(e)));
        let block = super::super::capacity::block(
            self.study.model,
            &c.config,
            &self.study.target.load,
            self.unit,
        );
        for line in block.lines() {
            match line.strip_prefix("warning: ") {
                Some(w) => doc.note("warning", &format!("Warning: {w}")),
                None => doc.text(&format!("{}.", parts::capitalised(line))),
            }
        }
        let keeps_up = self
            .study
            .target
            .load
            .rate()
            .is_none_or(|r| Capacity::of(self.study.model, &c.config).sustains(r));
        if !keeps_up {
            doc.note(
                "warning",
                &format!(
                    "This answer holds the {}-client test only: `planner optimize --sustained` finds one that holds the rate for good.",
                    self.study.target.load.clients
                ),
            );
        }
    }

    /// The verdicts of one configuration: per class, or of every client.
    fn verdicts(&self, doc: &mut Doc, e: &Evaluated) {
        let rows = if e.classes.is_empty() {
            VerdictRow::overall(
                &e.summary,
                self.study.target.load.timeout,
                self.study.target.share,
            )
        } else {
            VerdictRow::of_classes(&e.classes)
        };
        parts::verdicts(
            doc,
            "Verdicts per request class, with the 95% interval of the share served in time",
            &rows,
            self.study.model.resolution(),
            self.unit,
        );
    }

    /// When nothing meets the target: which lever values it would take, and the closest.
    fn no_answer(&self, doc: &mut Doc, tested: &[Evaluated], closest: &[usize]) {
        doc.headline(
            "fails",
            "No answer:",
            "no configuration in the space meets the target",
            ".",
        );
        if let Some(limits) = self.lever_limits() {
            doc.text(limits.trim());
        }
        self.failed(
            doc,
            tested,
            closest,
            "The closest: the configurations that came nearest, and why each fails",
        );
    }

    /// Configurations that failed (`which`, indices in `tested`) and why each did.
    fn failed(&self, doc: &mut Doc, tested: &[Evaluated], which: &[usize], caption: &str) {
        if which.is_empty() {
            return;
        }
        let max_col = format!("max ({})", self.unit.symbol());
        let price_col = format!("price ({})", self.study.prices.currency);
        let mut t = Table::new(&[
            ("configuration", Align::Left),
            (price_col.as_str(), Align::Right),
            ("served in time", Align::Right),
            (max_col.as_str(), Align::Right),
            ("why it fails", Align::Left),
        ]);
        let res = self.study.model.resolution();
        for &i in which {
            let e = &tested[i];
            t.row(vec![
                e.candidate.config.describe(self.study.model),
                self.money(e.candidate.cost.price),
                format!("{}%", share_words(e.summary.satisfaction)),
                self.unit.format(res, e.summary.max_steps),
                self.why(e),
            ]);
        }
        doc.heading("The closest that failed");
        doc.table("failed", caption, &t, 0, &[]);
    }

    /// Why a configuration fails: the classes that miss their objective (or every
    /// client's share against the one required), and a station that cannot keep up.
    fn why(&self, e: &Evaluated) -> String {
        let pct = |v: f64| trim_float((v * 100.0).round() / 100.0);
        let reason = |s: &Summary, name: &str, share: Share| match &s.spread {
            Some(sp) => format!(
                "{name}{}% served in time, the interval's lower bound {}% below the {}% required",
                share_words(s.satisfaction),
                pct(sp.satisfaction.low.max(0.0)),
                trim_float(share.percent())
            ),
            None => format!(
                "{name}{} of {} served in time, {} needed",
                s.satisfied,
                s.clients,
                share.required(s.clients)
            ),
        };
        let mut reasons: Vec<String> = if e.classes.is_empty() {
            vec![reason(&e.summary, "", self.study.target.share)]
        } else {
            e.classes
                .iter()
                .filter(|c| !c.meets())
                .filter_map(|c| {
                    Some(reason(
                        c.summary.as_ref()?,
                        &format!("{}: ", c.name),
                        c.share,
                    ))
                })
                .collect()
        };
        if let Some(rate) = self.study.target.load.rate() {
            let cap = Capacity::of(self.study.model, &e.candidate.config);
            if !cap.sustains(rate) {
                reasons.push(format!(
                    "{} keeps up with only {} clients/s",
                    self.study.model.stations()[cap.bottleneck].name(),
                    trim_float((cap.system() * 1000.0).round() / 1000.0)
                ));
            }
        }
        reasons.join("; ")
    }

    /// Where the time goes in `answer`'s load test, when it was profiled.
    fn time(
        &self,
        doc: &mut Doc,
        answer: Option<&Evaluated>,
        profile: Option<&Profile>,
    ) -> Result<(), PlotError> {
        let (Some(answer), Some(profile)) = (answer, profile) else {
            return Ok(());
        };
        doc.section("time", "Where the time goes");
        let load = &self.study.target.load;
        let replications = match &self.study.target.clients {
            Some(c) => c.runs(self.study.model, load),
            None => load.runs(self.study.model),
        };
        parts::where_time_goes(
            doc,
            profile,
            &TimeContext {
                scenario: self.study.model,
                config: &answer.candidate.config,
                unit: self.unit,
                replications,
                dashboard: Some((
                    format!(
                        "{}: {}, {}",
                        self.study.model.name(),
                        answer.candidate.config.describe(self.study.model),
                        describe_load(load)
                    ),
                    crate::workload::shortest_timeout(self.study.model, load).get(),
                )),
            },
        )
    }

    /// The Pareto picture of `rows` configurations (`figures` theirs), `answer` marked, with
    /// what it shows in words.
    fn pareto_figure(
        &self,
        doc: &mut Doc,
        svg: &str,
        rows: usize,
        figures: &Figures,
        answer: Option<&Evaluated>,
    ) {
        let passing = figures.passing;
        let marked = match answer {
            Some(e) => format!(
                " The answer, {} at {} {}, is ringed.",
                e.candidate.config.describe(self.study.model),
                self.money(e.candidate.cost.price),
                self.study.prices.currency
            ),
            None => " No configuration meets the target.".into(),
        };
        doc.figure(
            "fig-pareto",
            "Cost against satisfaction: every configuration tested, the Pareto frontier and the answer",
            &format!(
                "Scatter plot of {rows} configurations, {passing} of them meeting the target, cost on the horizontal axis and the share of clients served in time on the vertical axis.{marked}",
            ),
            svg,
        );
    }

    /// The client rules the search applied, and what they did in the profiled test.
    fn rules(&self, doc: &mut Doc, profile: Option<&Profile>) {
        let Some(clients) = &self.study.target.clients else {
            return;
        };
        doc.section("client-rules", "Client rules");
        doc.text(&format!(
            "Every configuration was load-tested with these clients: {}.",
            clients.describe(&self.study.target.load, self.study.target.share, None)
        ));
        if let Some(p) = profile {
            let lines: Vec<String> = p
                .classes
                .iter()
                .enumerate()
                .map(|(k, c)| {
                    let name = self
                        .study
                        .model
                        .requests()
                        .get(k)
                        .map_or("all clients", |r| r.name.as_str());
                    format!(
                        "{name}: {} of {} served, {} gave up",
                        c.served, c.clients, c.given_up
                    )
                })
                .collect();
            doc.text("In the profiled test of the answer:");
            doc.list(&lines);
        }
    }
}
