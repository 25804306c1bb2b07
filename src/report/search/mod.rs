//! Reports of searches: the optimize answer, the sweep table, and their CSV and JSON forms.

use crate::report::{ExportError, Render};
use rayon::prelude::*;

use super::csv::{csv_header, Row};
use super::table::{Align, Table};
use crate::model::config::Config;
use crate::model::cost::{self, Cost};
use crate::outcome::profile::Profile;
use crate::report::format::{duration_in, trim_float};
use crate::report::html::Page;
use crate::search::pareto::Figures;
use crate::search::{self, Evaluated, Optimization, Study};

/// Where it was first written; `super::unreachable` keeps this file under the size limit.
pub use super::unreachable::Unreachable;

mod answer;
mod json;
pub(crate) use json::{optimize_schema, sweep_schema};
mod page;

/// What every search report needs to know.
pub struct SearchContext<'a> {
    /// What was asked: the model, the target, the space and the prices (a flag may have
    /// changed them).
    pub study: &'a Study<'a>,
    /// The unit the table shows latencies in (`--unit`); CSV and JSON stay in seconds.
    pub unit: crate::model::units::TimeUnit,
}

/// `optimize`'s result, as every format shows it.
pub struct OptimizeReport<'a> {
    /// Where the time goes in the answer's load test, profiled when a page asks for it.
    pub profile: Option<&'a Profile>,
    /// What the search was asked.
    pub ctx: SearchContext<'a>,
    /// What it found: the configurations tested for the answer, cheapest first.
    pub result: &'a Optimization,
    /// What the picture shows: what was load-tested, or the whole space with `--plot-all`.
    pub plotted: &'a [Evaluated],
    /// The figures of `plotted`: how many meet the target, its Pareto frontier.
    pub pictured: &'a Figures,
    /// `--plot-all`: the text then says how many more were tested for the picture.
    pub plot_all: bool,
}

impl Render for OptimizeReport<'_> {
    /// The answer and its cost against the baseline, or the closest misses when none passed.
    fn table(&self) -> String {
        self.ctx.optimize_text(self.result, self.plot_all)
    }

    /// One document: the target, the prices, the baseline, the answer, the runners-up (or the
    /// closest misses) and how many configurations were tested.
    fn json(&self) -> String {
        self.ctx.optimize_json(self.result)
    }

    /// Every configuration load-tested for the answer, cheapest first.
    fn csv(&self) -> Result<Vec<u8>, ExportError> {
        Ok(self.ctx.csv(&self.result.evaluated)?)
    }

    /// Cost against satisfaction of every configuration in `plotted`, the answer marked.
    fn svg(&self) -> Result<String, ExportError> {
        let answer = self
            .result
            .answer
            .map(|i| &self.result.evaluated[i].candidate.config);
        Ok(self
            .ctx
            .pareto_svg(self.plotted, self.pictured, self.result.total, answer)?)
    }

    /// The question, the answer and its verdicts, the runners-up and the closest misses,
    /// where the time goes in the answer, the space, and how to reproduce it.
    fn html(&self, page: &Page) -> Result<String, ExportError> {
        Ok(page::optimize(self, page)?)
    }
}

/// `sweep`'s result, as every format shows it.
pub struct SweepReport<'a> {
    /// Where the time goes in the cheapest passing configuration's load test, profiled when
    /// a page asks for it.
    pub profile: Option<&'a Profile>,
    /// What the sweep was asked.
    pub ctx: SearchContext<'a>,
    /// Every configuration of the space, load-tested, cheapest first.
    pub all: &'a [Evaluated],
    /// The figures of `all`: how many meet the target, the cheapest that does, its Pareto
    /// frontier.
    pub figures: &'a Figures,
    /// How many of the cheapest rows the table lists.
    pub show: usize,
    /// `--csv FILE` (not stdout): the table then says what the file holds instead.
    pub csv_file: Option<&'a str>,
}

impl Render for SweepReport<'_> {
    /// The `show` cheapest rows; with `--csv FILE`, a summary that points to the file.
    fn table(&self) -> String {
        match self.csv_file {
            Some(file) => self.ctx.sweep_summary(self.all, self.figures, file),
            None => self.ctx.sweep_text(self.all, self.figures, self.show),
        }
    }

    /// One document with every configuration, not only the rows the table shows.
    fn json(&self) -> String {
        self.ctx.sweep_json(self.all)
    }

    /// One row per configuration, cheapest first.
    fn csv(&self) -> Result<Vec<u8>, ExportError> {
        Ok(self.ctx.csv(self.all)?)
    }

    /// Cost against satisfaction of the whole space, the cheapest passing one marked.
    fn svg(&self) -> Result<String, ExportError> {
        Ok(self.svg_of()?)
    }

    /// The question, the cheapest configuration that passes and its verdicts, where the
    /// time goes in it, the space with its cheapest rows, and how to reproduce it.
    fn html(&self, page: &Page) -> Result<String, ExportError> {
        Ok(page::sweep(self, page)?)
    }
}

impl SearchContext<'_> {
    fn row(&self, e: &Evaluated) -> Row {
        Row::new(
            self.study.model,
            &e.candidate.config,
            &e.candidate.cost,
            &e.summary,
            (&self.study.target.load, self.study.target.share),
            self.study
                .target
                .is_random(self.study.model)
                .then_some(e.call),
        )
    }

    /// The cost-vs-satisfaction table: one row per configuration, sorted by the cost it
    /// prints then lever values, so the cost column never decreases whatever the prices;
    /// lever columns `STATION.PARAM` first.
    pub fn csv(&self, rows: &[Evaluated]) -> Result<Vec<u8>, csv::Error> {
        let mut sorted: Vec<&Evaluated> = rows.iter().collect();
        sorted.par_sort_by(|a, b| {
            let printed = |e: &Evaluated| cost::tidy(e.candidate.cost.price);
            printed(a)
                .total_cmp(&printed(b))
                .then_with(|| a.candidate.config.cmp(&b.candidate.config))
        });
        let writer = || {
            csv::WriterBuilder::new()
                .has_headers(false)
                .from_writer(Vec::new())
        };
        let mut w = writer();
        w.write_record(csv_header(
            self.study.model,
            self.study.target.is_random(self.study.model),
        ))?;
        let mut out = w.into_inner().map_err(|e| e.into_error())?;
        // A million rows format in parallel, chunk by chunk, joined in order.
        let chunks: Vec<Vec<u8>> = sorted
            .par_chunks(4096)
            .map(|chunk| {
                let mut w = writer();
                for e in chunk {
                    w.serialize(self.row(e))?;
                }
                w.into_inner().map_err(|e| e.into_error().into())
            })
            .collect::<Result<_, csv::Error>>()?;
        for c in chunks {
            out.extend_from_slice(&c);
        }
        Ok(out)
    }

    /// The CSV's column names, as its header writes them.
    pub fn csv_columns(&self) -> Vec<String> {
        csv_header(
            self.study.model,
            self.study.target.is_random(self.study.model),
        )
    }

    /// Each of `rows` as the CSV writes it, in the order given: what the merge holds a sweep
    /// shard's rows against, field by field.
    pub fn csv_records(&self, rows: &[Evaluated]) -> Result<Vec<csv::ByteRecord>, csv::Error> {
        let chunks: Vec<Vec<csv::ByteRecord>> = rows
            .par_chunks(4096)
            .map(|chunk| {
                let mut w = csv::WriterBuilder::new()
                    .has_headers(false)
                    .from_writer(Vec::new());
                for e in chunk {
                    w.serialize(self.row(e))?;
                }
                let bytes = w.into_inner().map_err(|e| e.into_error())?;
                csv::ReaderBuilder::new()
                    .has_headers(false)
                    .from_reader(bytes.as_slice())
                    .into_byte_records()
                    .collect()
            })
            .collect::<Result<_, csv::Error>>()?;
        Ok(chunks.into_iter().flatten().collect())
    }

    /// Cost against satisfaction, every configuration in `rows` a point, with `figures` (of
    /// `rows`): the counts and the frontier; the answer ringed. The title says when `rows` are
    /// only some of the `total` candidates.
    pub fn pareto_svg(
        &self,
        rows: &[Evaluated],
        figures: &Figures,
        total: usize,
        answer: Option<&Config>,
    ) -> Result<String, super::plot::PlotError> {
        let points: Vec<super::plot::ParetoPoint> = rows
            .iter()
            .map(|e| super::plot::ParetoPoint {
                cost: e.candidate.cost.price,
                satisfaction: e.summary.satisfaction,
                meets_target: e.summary.meets_target,
                label: e.candidate.config.describe(self.study.model),
            })
            .collect();
        let answer = answer.and_then(|a| rows.iter().position(|e| &e.candidate.config == a));
        let rate = match self.study.target.load.rate() {
            Some(r) => format!("{} clients/s", trim_float(r)),
            None => "all at once".into(),
        };
        let shown = if rows.len() < total {
            format!("{} of {total} configurations (the cheapest)", rows.len())
        } else {
            format!("{} configurations", rows.len())
        };
        super::plot::pareto_svg(&super::plot::ParetoPlot {
            title: format!(
                "{}: {shown}, {} clients at {rate}, {}",
                self.study.model.name(),
                self.study.target.load.clients,
                super::classes::limit_words(
                    self.study.model,
                    &self.study.target.load,
                    self.study.target.share,
                    crate::model::units::TimeUnit::S
                )
            ),
            currency: self.study.prices.currency.clone(),
            points,
            answer,
            passing: figures.passing,
            failing: figures.failing,
            frontier: figures.frontier.clone(),
        })
    }

    /// "10 clients at 2 clients/s, every latency under 5 s".
    pub fn describe_target(&self) -> String {
        let load = &self.study.target.load;
        if let Some(clients) = &self.study.target.clients {
            let goals = (!self.study.model.requests().is_empty()).then(|| {
                super::classes::objectives_text(
                    self.study.model,
                    load,
                    self.study.target.share,
                    self.unit,
                )
            });
            return clients.describe(load, self.study.target.share, goals.as_deref());
        }
        let arrivals = match load.rate() {
            Some(r) => format!("at {} clients/s", trim_float(r)),
            None => "all at once".into(),
        };
        let share = self.study.target.share;
        if !self.study.model.requests().is_empty() {
            let goals = super::classes::objectives_text(self.study.model, load, share, self.unit);
            return format!("{} clients {arrivals}, {goals}", load.clients);
        }
        let share = share.percent();
        let who = if share >= 100.0 {
            "every latency".to_string()
        } else {
            format!("{}% of latencies", trim_float(share))
        };
        let timeout = duration_in(load.timeout.get(), self.unit);
        format!("{} clients {arrivals}, {who} under {timeout}", load.clients)
    }

    fn money(&self, v: f64) -> String {
        if v.abs() < 1e15 {
            format!("{v:.2}")
        } else {
            // Cents mean nothing at this size, and 1e300 would print 300 digits.
            format!("{v:.6e}")
        }
    }

    fn signed_money(&self, v: f64) -> String {
        let m = self.money(v);
        if v >= 0.0 {
            format!("+{m}")
        } else {
            m
        }
    }

    fn baseline(&self) -> (Config, Cost) {
        let base = Config::baseline(self.study.model);
        let cost = Cost::of(self.study.model, &base, &self.study.prices);
        (base, cost)
    }

    /// The satisfied / percentiles line of one result.
    fn result_line(&self, e: &Evaluated) -> String {
        let (s, res, unit) = (&e.summary, self.study.model.resolution(), self.unit);
        if s.spread.is_some() {
            let line = crate::report::format::spread_line_in(
                s,
                self.study.target.load.warmup,
                unit,
                unit.decimals(res),
            );
            return line.unwrap_or_default().trim_end().to_string();
        }
        let timeout = self.study.common_timeout();
        crate::report::format::summary_line_in(s, res, timeout, unit)
    }

    /// A table of results: price, delta, levers, change, satisfied, max latency.
    fn results_table(&self, rows: &[&Evaluated]) -> String {
        self.results_rows(rows).render()
    }

    /// The cells of [`SearchContext::results_table`], which the page lays out too.
    fn results_rows(&self, rows: &[&Evaluated]) -> Table {
        let (base, base_cost) = self.baseline();
        let (cur, res) = (&self.study.prices.currency, self.study.model.resolution());
        let price_col = format!("price ({cur})");
        let max_col = format!("max ({})", self.unit.symbol());
        let mut t = Table::new(&[
            (price_col.as_str(), Align::Right),
            ("delta", Align::Right),
            ("cores", Align::Right),
            ("RAM GiB", Align::Right),
            ("configuration", Align::Left),
            ("satisfied", Align::Right),
            (max_col.as_str(), Align::Right),
            ("change", Align::Left),
        ]);
        for e in rows {
            let c = &e.candidate;
            t.row(vec![
                self.money(c.cost.price),
                self.signed_money(c.cost.price - base_cost.price),
                trim_float(cost::tidy(c.cost.cpu_cores)),
                trim_float(cost::tidy(c.cost.ram_gib)),
                c.config.describe(self.study.model),
                format!("{}/{}", e.summary.satisfied, e.summary.clients),
                self.unit.format(res, e.summary.max_steps),
                c.config.delta_words(&base, self.study.model),
            ]);
        }
        t
    }

    /// What `optimize` load-tested, said truthfully: the cheapest up to the answer's last
    /// runner-up, or all when fewer passed, and what `--plot-all` added for the picture.
    fn tested_words(&self, o: &Optimization, plot_all: bool) -> String {
        let tested = o.evaluated.len();
        if let Some(why) = &o.out_of_reach {
            return format!(
                "load-tested {tested}, {} skipped: no configuration can meet the target",
                why.skipped
            );
        }
        if let Some(u) = &o.unfinished {
            let limit = match u.limit {
                search::Limit::Configs(n) => format!("--max-configs {n}"),
                search::Limit::Time(secs) => format!("--max-time {}", trim_float(secs)),
            };
            let climbed = tested - u.walked;
            let climb = if climbed > 0 {
                format!(", then {climbed} climbing from the cheapest toward the target")
            } else {
                String::new()
            };
            return format!(
                "load-tested {} cheapest first before {limit} stopped the walk{climb}",
                u.walked
            );
        }
        let which = if self.study.sustained {
            " that keep up"
        } else {
            ""
        };
        let passing = o.answer.map_or(0, |_| 1 + o.runners_up.len());
        let s = if passing < 2 { "s" } else { "" };
        if o.selection == search::Selection::Everything {
            let n = match passing {
                0 => "none".to_string(),
                n if n == tested => format!("all {n}"),
                n => format!("only {n}"),
            };
            return format!("load-tested all {tested}{which}; {n} meet{s} the target");
        }
        // The walk's own stopping rule: the configurations that passed its test, verified or
        // not.
        let walked = o
            .evaluated
            .iter()
            .filter(|e| e.summary.meets_target)
            .count();
        let (n, s) = match walked.max(passing) {
            1 => (String::new(), "s"),
            k => (format!("{k} "), ""),
        };
        let how = format!("cheapest first, up to the {n}cheapest that meet{s} the target");
        if plot_all && tested < o.total {
            format!(
                "load-tested {tested} for the answer ({how}), all {}{which} for the plot",
                o.total
            )
        } else {
            format!("load-tested {tested} ({how})")
        }
    }

    /// "none keeps up with 5 clients/s: it would take soda.units ≥ 5 (…)", when the levers'
    /// ranges cannot reach the rate: then no test long enough can pass, whatever the target.
    fn lever_limits(&self) -> Option<String> {
        let rate = self.study.target.load.rate()?;
        let missing =
            crate::model::capacity::unreachable(self.study.model, &self.study.space.maxima(), rate);
        (!missing.is_empty()).then(|| {
            format!(
                "None keeps up with {} clients/s either: it would take {}.\n",
                trim_float(rate),
                missing.join(", and ")
            )
        })
    }

    /// The human report of `sweep`: counts, then the cheapest rows.
    pub fn sweep_text(&self, all: &[Evaluated], figures: &Figures, shown: usize) -> String {
        let mut out = format!(
            "{}: {} configurations for {}\nspace: {}\n{} meet the target\n\n",
            self.study.model.name(),
            all.len(),
            self.describe_target(),
            self.study.space.shape(self.study.model),
            figures.passing
        );
        let rows: Vec<&Evaluated> = all.iter().take(shown).collect();
        out.push_str(&self.results_table(&rows));
        if all.len() > shown {
            out.push_str(&format!(
                "… {} more (--csv FILE writes them all)\n",
                all.len() - shown
            ));
        }
        out
    }

    /// What `sweep --csv FILE` prints: the table is in the file, so three lines say what it
    /// holds instead of repeating its first rows.
    pub fn sweep_summary(&self, all: &[Evaluated], figures: &Figures, file: &str) -> String {
        let passing = figures.passing;
        let cheapest = match figures.cheapest.map(|c| &all[c]) {
            Some(e) => format!(
                "the cheapest that meets the target: {} at {} {}",
                e.candidate.config.describe(self.study.model),
                self.money(e.candidate.cost.price),
                self.study.prices.currency
            ),
            None => "none meets the target".into(),
        };
        format!(
            "{}: {} configurations for {}\nspace: {}; {passing} meet the target\nwrote {} rows to {file}; {cheapest}\n",
            self.study.model.name(),
            all.len(),
            self.describe_target(),
            self.study.space.shape(self.study.model),
            all.len(),
        )
    }
}

fn indent(text: &str) -> String {
    text.lines().map(|l| format!("  {l}\n")).collect()
}
