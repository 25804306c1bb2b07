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
        let Some(answer) = o.answer else {
            out.push_str(&self.no_answer_text(o));
            return out;
        };
        let e = &o.evaluated[answer];
        let c = &e.candidate;
        let (base, base_cost) = self.baseline();
        out.push_str(&format!(
            "Answer: {}\n        {}\n\n",
            c.config.describe(self.scenario),
            c.config.delta_words(&base, self.scenario)
        ));
        out.push_str(&self.cost_against_baseline(c, &base_cost));
        if let Some(line) = self.by_station_line(&c.config, &base) {
            out.push_str(&line);
        }
        out.push_str(&self.answer_tests(e));
        if !o.runners_up.is_empty() {
            out.push_str("\nNext cheapest that also meet the target:\n");
            let rows: Vec<&Evaluated> = o.runners_up.iter().map(|&i| &o.evaluated[i]).collect();
            out.push_str(&indent(&self.results_table(&rows)));
        }
        out
    }

    /// The first two lines: the target, the space and what of it was load-tested.
    pub(super) fn optimize_header(&self, o: &Optimization, plot_all: bool) -> String {
        let size = self.space.size();
        let candidates = if self.sustained {
            format!(
                "{size} configurations, {} of which keep up with the rate",
                o.total
            )
        } else {
            format!("{size} configurations")
        };
        format!(
            "{}: cheapest configuration for {}\nspace: {} = {candidates}; {}\n\n",
            self.scenario.name(),
            self.describe_target(),
            self.space.shape(self.scenario),
            self.tested_words(o, plot_all)
        )
    }

    /// When nothing passed: which lever values would be needed, and the closest configurations.
    fn no_answer_text(&self, o: &Optimization) -> String {
        let mut out = "No configuration in the space meets the target.\n".to_string();
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
        let cur = &self.prices.currency;
        format!(
            "{}  prices: {} {cur} per core, {} {cur} per GiB\n\n",
            indent(&self.cost_table(c, base_cost).render()),
            trim_float(self.prices.cpu),
            trim_float(self.prices.ram)
        )
    }

    /// The cells of the cost against the baseline, which the page lays out too.
    pub(super) fn cost_table(&self, c: &Candidate, base_cost: &Cost) -> Table {
        let cur = &self.prices.currency;
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
        let by_station = cost::per_station(self.scenario, config);
        let base_station = cost::per_station(self.scenario, base);
        let lines: Vec<String> = self
            .scenario
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
        out.push_str(&indent(&super::super::classes::block(
            &e.classes,
            self.scenario.resolution(),
            self.unit,
        )));
        out.push_str(&indent(&super::super::capacity::block(
            self.scenario,
            config,
            self.target.load.rate(),
            self.target.load.timeout,
        )));
        let keeps_up = self
            .target
            .load
            .rate()
            .is_none_or(|r| Capacity::of(self.scenario, config).sustains(r));
        if !keeps_up {
            out.push_str(&format!(
                "  This answer holds the {}-client test only. `planner optimize --sustained` finds one that holds the rate for good.\n",
                self.target.load.clients
            ));
        }
        out
    }
}
