//! `optimize`'s human report: what was searched, then the answer (its cost against the
//! baseline, where the cost went, its load test, per-class and capacity blocks) and the
//! runners-up, or the closest when nothing passed.

use super::super::table::{Align, Table};
use super::{indent, SearchContext};
use crate::model::capacity::Capacity;
use crate::model::config::Config;
use crate::model::cost::{self, Cost};
use crate::report::format::trim_float;
use crate::search::{self, Candidate, Evaluated, Optimization};

impl SearchContext<'_> {
    /// The human report of `optimize`; `plot_all`: `--plot-all` tested the rest for the plot.
    pub fn optimize_text(&self, o: &Optimization, plot_all: bool) -> String {
        let mut out = self.optimize_header(o, plot_all);
        out.push_str(&self.rejected_text(o));
        let Some(answer) = o.answer else {
            out.push_str(&self.no_answer_text(o));
            return out;
        };
        let e = &o.evaluated[answer];
        let c = &e.candidate;
        let (base, base_cost) = self.baseline();
        if let Some(label) = not_proven(o) {
            out.push_str(&format!("{label}\n"));
        }
        out.push_str(&format!(
            "Answer: {}\n        {}\n\n",
            c.config.describe(self.study.model),
            c.config.delta_words(&base, self.study.model)
        ));
        out.push_str(&self.cost_against_baseline(c, &base_cost));
        if let Some(line) = self.by_station_line(&c.config, &base) {
            out.push_str(&line);
        }
        out.push_str(&self.answer_tests(e));
        if let Some(v) = o.verified.iter().find(|v| v.index == answer) {
            out.push_str(&format!("  verified: {}\n", self.verification_words(v)));
        }
        for e in o.estimates.iter().filter(|(i, _)| *i == answer) {
            for station in &e.1 {
                out.push_str(&format!("  {}\n", self.estimate_words(station)));
            }
        }
        out.push_str(&self.undecided_text(o));
        if !o.runners_up.is_empty() {
            out.push_str("\nNext cheapest that also meet the target:\n");
            let rows: Vec<&Evaluated> = o.runners_up.iter().map(|&i| &o.evaluated[i]).collect();
            out.push_str(&indent(&self.results_table(&rows)));
            for v in o
                .verified
                .iter()
                .filter(|v| o.runners_up.contains(&v.index))
            {
                out.push_str(&format!("  verified, {}\n", self.verified_config(o, v)));
            }
            out.push_str(&self.contradicted_runners_up(o));
        }
        out.push_str(&self.rejected_runners_up(o, answer));
        out
    }

    /// "queueing estimate (Kingman): payment 93.1% busy, mean wait 12 ms; 99% of book's
    /// requests wait under 41 ms there (objective 1000 ms)": theory beside a busy station's
    /// simulated pass, and a plain warning when it contradicts the pass.
    fn estimate_words(&self, e: &crate::model::queueing::StationEstimate) -> String {
        let station = self.study.model.stations()[e.station].name();
        let time = |seconds: f64| {
            format!(
                "{} {}",
                self.unit
                    .format_seconds(seconds, self.unit.decimals(self.study.model.resolution())),
                self.unit.symbol()
            )
        };
        let whose = if e.class.is_empty() {
            "requests".to_string()
        } else {
            format!("{}'s requests", e.class)
        };
        let share = trim_float((e.share * 1e6).round() / 1e4);
        let verdict = if e.contradicts {
            "; CONTRADICTS the simulated pass: this station alone would keep more of them late than the objective allows, once its queue has built up (a longer test, or --sustained, decides)"
        } else {
            ""
        };
        format!(
            "queueing estimate ({}): {station} {}% busy, mean wait {}; {share}% of {whose} wait under {} there (objective {}){verdict}",
            e.method.words(),
            trim_float((e.busy * 1000.0).round() / 10.0),
            time(e.wait.mean_s),
            time(e.wait_at_share_s),
            time(e.timeout_s),
        )
    }

    /// Runners-up whose pass a queueing estimate contradicts, named below their table.
    fn contradicted_runners_up(&self, o: &Optimization) -> String {
        let mut out = String::new();
        for (i, estimates) in &o.estimates {
            if !o.runners_up.contains(i) {
                continue;
            }
            for e in estimates.iter().filter(|e| e.contradicts) {
                out.push_str(&format!(
                    "  {}: {}\n",
                    o.evaluated[*i].candidate.config.describe(self.study.model),
                    self.estimate_words(e)
                ));
            }
        }
        out
    }

    /// "  decided: the satisfied share's 95% interval [99.1, 99.8]% is above 99% after 20
    /// replications": how a random verdict was reached; `None` for an exact one.
    fn decided_line(&self, e: &Evaluated) -> Option<String> {
        if !self.study.target.is_random(self.study.model) {
            return None;
        }
        let s = &e.summary;
        let n = s.spread.as_ref().map_or(1, |sp| sp.replications);
        let runs = if n == 1 {
            "1 replication (Wilson interval)".to_string()
        } else {
            format!("{n} replications")
        };
        let pct = |x: f64| trim_float((x * 100.0).round() / 100.0);
        let text = if e.classes.is_empty() {
            let (low, high) = s.satisfaction_interval()?;
            format!(
                "{}: the satisfied share's 95% interval [{}, {}]% against {}%, after {runs}",
                e.call.words(),
                pct(low),
                pct(high),
                pct(self.study.target.share.percent())
            )
        } else {
            format!(
                "{}: every class's 95% interval against its objective (per class below), after {runs}",
                e.call.words()
            )
        };
        Some(format!("  decided: {text}\n"))
    }

    /// "gateway.units=1 server.units=2: 40 clients on a fresh seed …": a configuration and
    /// how its verification went.
    fn verified_config(&self, o: &Optimization, v: &search::Verification) -> String {
        let config = &o.evaluated[v.index].candidate.config;
        format!(
            "{}: {}",
            config.describe(self.study.model),
            self.verification_words(v)
        )
    }

    /// "10000 clients on a fresh seed (first 1000 left out, seed 123), over 20 replications:
    /// satisfied 99.2% [98.9, 99.5] → meets".
    fn verification_words(&self, v: &search::Verification) -> String {
        let s = &v.summary;
        let n = s.spread.as_ref().map_or(1, |sp| sp.replications);
        let pct = |x: f64| trim_float((x * 100.0).round() / 100.0);
        let interval = s
            .satisfaction_interval()
            .map(|(low, high)| format!(" [{}, {}]", pct(low), pct(high)))
            .unwrap_or_default();
        let classes: Vec<String> = v
            .classes
            .iter()
            .map(|c| {
                let figures = c.summary.as_ref().map_or("no client".into(), |cs| {
                    let i = cs
                        .satisfaction_interval()
                        .map(|(l, h)| format!(" [{}, {}]", pct(l), pct(h)))
                        .unwrap_or_default();
                    format!("{}%{i}", pct(cs.satisfaction))
                });
                format!("{} {figures} {}", c.name, c.call.words())
            })
            .collect();
        let per_class = if classes.is_empty() {
            String::new()
        } else {
            format!(" ({})", classes.join(", "))
        };
        let (left_out, simulated) = match &v.steady {
            Some(r) => (
                format!(
                    "warm-up: first {} left out, by MSER-5{}",
                    r.warmup,
                    if r.settled { "" } else { ", never settled" }
                ),
                format!(" ({} s simulated)", trim_float(r.seconds.round())),
            ),
            None => (format!("first {} left out", v.warmup), String::new()),
        };
        let replications = if n == 1 {
            "replication"
        } else {
            "replications"
        };
        format!(
            "{} clients{simulated} on a fresh seed ({left_out}, seed {}), over {n} {replications}: satisfied {}%{interval}{per_class}: {}",
            v.clients,
            v.seed,
            pct(s.satisfaction),
            v.call.words()
        )
    }

    /// The configurations that passed the search's test but not their verification, which
    /// the answer replaced.
    fn rejected_text(&self, o: &Optimization) -> String {
        let cheaper = |i: usize| o.answer.is_none_or(|a| i < a);
        let rejected = self.rejected_lines(o, cheaper);
        if rejected.is_empty() {
            return String::new();
        }
        format!(
            "Passed the search's test but not its verification on fresh seeds, so not the answer:\n{}\n",
            rejected.concat()
        )
    }

    /// The runners-up that passed the search's test but not their verification: no longer
    /// listed as meeting the target.
    fn rejected_runners_up(&self, o: &Optimization, answer: usize) -> String {
        let rejected = self.rejected_lines(o, |i| i > answer);
        if rejected.is_empty() {
            return String::new();
        }
        format!(
            "\nPassed the search's test but not its verification on fresh seeds, so not listed as meeting the target:\n{}",
            rejected.concat()
        )
    }

    /// One line for each configuration `which` keeps that did not hold on its verification.
    fn rejected_lines(&self, o: &Optimization, which: impl Fn(usize) -> bool) -> Vec<String> {
        o.verified
            .iter()
            .filter(|v| v.call != crate::outcome::verdict::Call::Meets && which(v.index))
            .map(|v| format!("  {}\n", self.verified_config(o, v)))
            .collect()
    }

    /// The configurations cheaper than the answer (or, with none, any) left too close to call,
    /// with their figures: more replications might make one of them the answer.
    fn undecided_text(&self, o: &Optimization) -> String {
        if o.undecided.is_empty() {
            return String::new();
        }
        let rows: Vec<&Evaluated> = o.undecided.iter().map(|&i| &o.evaluated[i]).collect();
        let most = self.study.target.load.max_replications;
        format!(
            "\nCheaper, but too close to call after {most} replications (95% interval of the satisfied share straddles the objective; not counted as meeting):\n{}",
            indent(&self.interval_table(&rows))
        )
    }

    /// A table of results with the satisfied share's 95 % interval and how many
    /// replications decided it: for verdicts that are not exact.
    fn interval_table(&self, rows: &[&Evaluated]) -> String {
        let (base, base_cost) = self.baseline();
        let cur = &self.study.prices.currency;
        let price_col = format!("price ({cur})");
        let mut t = Table::new(&[
            (price_col.as_str(), Align::Right),
            ("delta", Align::Right),
            ("configuration", Align::Left),
            ("satisfied (95% interval)", Align::Right),
            ("replications", Align::Right),
            ("verdict", Align::Left),
            ("change", Align::Left),
        ]);
        for e in rows {
            let c = &e.candidate;
            let s = &e.summary;
            let interval = match s.satisfaction_interval() {
                Some((low, high)) => format!(
                    "{}% [{}, {}]",
                    trim_float((s.satisfaction * 100.0).round() / 100.0),
                    trim_float((low * 100.0).round() / 100.0),
                    trim_float((high * 100.0).round() / 100.0)
                ),
                None => "-".into(),
            };
            t.row(vec![
                self.money(c.cost.price),
                self.signed_money(c.cost.price - base_cost.price),
                c.config.describe(self.study.model),
                interval,
                s.spread
                    .as_ref()
                    .map_or(1, |sp| sp.replications)
                    .to_string(),
                e.call.words().into(),
                c.config.delta_words(&base, self.study.model),
            ]);
        }
        t.render()
    }

    /// The first two lines: the target, the space and what of it was load-tested.
    pub(super) fn optimize_header(&self, o: &Optimization, plot_all: bool) -> String {
        let size = self.study.space.size();
        let candidates = if self.study.sustained {
            format!(
                "{size} configurations, {} of which keep up with the rate ({} skipped: a station at or over its capacity)",
                o.total,
                size.saturating_sub(o.total as u128)
            )
        } else {
            format!("{size} configurations")
        };
        let steady = if self.study.target.load.steady
            && self.study.target.is_random(self.study.model)
        {
            format!(
                "steady state: each run's warm-up from empty found by MSER-5 and left out; a run still drifting at its end is run again, up to {}× longer, else too close to call\n",
                crate::workload::STEADY_LONGEST
            )
        } else {
            String::new()
        };
        format!(
            "{}: cheapest configuration for {}\nspace: {} = {candidates}; {}\n{steady}\n",
            self.study.model.name(),
            self.describe_target(),
            self.study.space.shape(self.study.model),
            self.tested_words(o, plot_all)
        )
    }

    /// When nothing passed: which lever values would be needed, and the closest configurations.
    fn no_answer_text(&self, o: &Optimization) -> String {
        if let Some(why) = &o.out_of_reach {
            let whose = if why.class.is_empty() {
                "a request's fastest path".to_string()
            } else {
                format!("class {}'s fastest path", why.class)
            };
            let time = |seconds: f64| crate::report::format::duration_in(seconds, self.unit);
            let mut out = format!(
                "No configuration in the space can meet the target: {whose} takes at least {}, at or over its {} objective, whatever the levers (they change how many serve and how long requests queue, never a service time).\nThe first configuration tested confirmed it; the other {} were skipped.\n",
                time(why.least_s),
                time(why.timeout_s),
                why.skipped
            );
            out.push_str("\nTested:\n");
            let rows: Vec<&Evaluated> = o.evaluated.iter().collect();
            out.push_str(&indent(&self.results_table(&rows)));
            return out;
        }
        let mut out = match (&o.unfinished, o.verified.is_empty()) {
            (_, false) => format!(
                "No configuration met the target through its verification: the {} that passed the search's test did not hold on fresh seeds (listed above). --show N verifies more of the next cheapest; --max-replications decides a tie.\n",
                o.verified.len()
            ),
            (Some(_), true) => "No configuration tested meets the target.\n".to_string(),
            (None, true) => "No configuration in the space meets the target.\n".to_string(),
        };
        out.push_str(&self.undecided_text(o));
        if let Some(limits) = self.lever_limits() {
            out.push_str(&limits);
        }
        out.push_str("\nClosest (most satisfied clients, then cheapest):\n");
        let closest: Vec<&Evaluated> = search::closest(o, search::CLOSEST)
            .into_iter()
            .map(|i| &o.evaluated[i])
            .collect();
        out.push_str(&indent(&self.results_table(&closest)));
        out
    }

    /// Baseline, answer and delta in cores, GiB and money, then the prices used.
    fn cost_against_baseline(&self, c: &Candidate, base_cost: &Cost) -> String {
        let cur = &self.study.prices.currency;
        format!(
            "{}  prices: {} {cur} per core, {} {cur} per GiB\n\n",
            indent(&self.cost_table(c, base_cost).render()),
            trim_float(self.study.prices.cpu),
            trim_float(self.study.prices.ram)
        )
    }

    /// The cells of the cost against the baseline, which the page lays out too.
    pub(super) fn cost_table(&self, c: &Candidate, base_cost: &Cost) -> Table {
        let cur = &self.study.prices.currency;
        let mut t = Table::new(&[
            ("", Align::Left),
            ("cores", Align::Right),
            ("RAM GiB", Align::Right),
            (cur.as_str(), Align::Right),
        ]);
        for (label, cost) in [("baseline", base_cost), ("answer", &c.cost)] {
            t.row(vec![
                label.into(),
                trim_float(cost::tidy(cost.cpu_cores)),
                trim_float(cost::tidy(cost.ram_gib)),
                self.money(cost.price),
            ]);
        }
        let pct = if base_cost.price > 0.0 {
            format!(" ({:+.1}%)", 100.0 * (c.cost.price / base_cost.price - 1.0))
        } else {
            String::new()
        };
        t.row(vec![
            "delta".into(),
            format!("{:+}", cost::tidy(c.cost.cpu_cores - base_cost.cpu_cores)),
            format!("{:+}", cost::tidy(c.cost.ram_gib - base_cost.ram_gib)),
            format!("{}{pct}", self.signed_money(c.cost.price - base_cost.price)),
        ]);
        t
    }

    /// "  by station: burger +1 core +0.5 GiB": where the answer's extra resources go; `None`
    /// when no station changed.
    pub(super) fn by_station_line(&self, config: &Config, base: &Config) -> Option<String> {
        let by_station = cost::per_station(self.study.model, config);
        let base_station = cost::per_station(self.study.model, base);
        let lines: Vec<String> = self
            .study
            .model
            .stations()
            .iter()
            .zip(by_station.iter().zip(&base_station))
            .filter(|(_, (a, b))| a != b)
            .map(|(s, (a, b))| {
                let cores = cost::tidy(a.cpu_cores - b.cpu_cores);
                let ram = cost::tidy(a.ram_gib - b.ram_gib);
                let mut parts = vec![s.name().to_string()];
                if cores != 0.0 {
                    let noun = if cores.abs() == 1.0 { "core" } else { "cores" };
                    parts.push(format!("{cores:+} {noun}"));
                }
                if ram != 0.0 {
                    parts.push(format!("{ram:+} GiB"));
                }
                parts.join(" ")
            })
            .collect();
        (!lines.is_empty()).then(|| format!("  by station: {}\n", lines.join(" · ")))
    }

    /// The answer's load test, per-class and capacity blocks, and a warning when it holds
    /// the test's clients but not the rate for good.
    fn answer_tests(&self, e: &Evaluated) -> String {
        let config = &e.candidate.config;
        let mut out = format!("  load test: {}\n", self.result_line(e));
        if let Some(line) = self.decided_line(e) {
            out.push_str(&line);
        }
        out.push_str(&indent(&super::super::classes::block(
            &e.classes,
            self.study.model.resolution(),
            self.unit,
        )));
        out.push_str(&indent(&super::super::capacity::block(
            self.study.model,
            config,
            &self.study.target.load,
            self.unit,
        )));
        let keeps_up = self
            .study
            .target
            .load
            .rate()
            .is_none_or(|r| Capacity::of(self.study.model, config).sustains(r));
        if !keeps_up {
            out.push_str(&format!(
                "  This answer holds the {}-client test only. `planner optimize --sustained` finds one that holds the rate for good.\n",
                self.study.target.load.clients
            ));
        }
        out
    }
}

/// "not proven cheapest: 1234 cheaper configurations untested", when a budget stopped the
/// walk before the answer was reached in rank order.
fn not_proven(o: &Optimization) -> Option<String> {
    let u = o.unfinished.as_ref()?;
    match u.untested_cheaper {
        Some(0) => None,
        Some(n) => Some(format!(
            "not proven cheapest: {n} cheaper configurations untested"
        )),
        None => Some("not proven cheapest: cheaper configurations untested".into()),
    }
}
