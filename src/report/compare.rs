//! Reports of `compare`: the strategies × rates table, its long-form CSV and JSON.

use crate::report::schema::{self, SchemaVersion};
use crate::report::{ExportError, Render};
use schemars::JsonSchema;
use serde::Serialize;

use super::csv::{csv_header, Row};
use super::html::{Doc, Page};
use super::json::{JsonLoad, JsonPrices, JsonSummary, JsonTarget};
use super::table::{Align, Table};
use crate::model::capacity::Capacity;
use crate::model::config::Config;
use crate::model::cost::{self, Cost};
use crate::model::scenario::{Prices, Scenario};
use crate::model::units::TimeUnit;
use crate::report::format::{duration_in, share_words, trim_float};
use crate::search::compare::Comparison;
use crate::search::Target;

/// The column that names where each strategy's late clients waited most (queueing, not being
/// served), at the first rate it misses: the cause of its break, not the end of its flow.
const WAITED_MOST: &str = "late clients waited most at";

/// What a comparison report needs besides the comparison.
pub struct CompareContext<'a> {
    /// Names the stations and prices the baseline the costs are compared against.
    pub scenario: &'a Scenario,
    /// The prices every strategy's cost was computed at; their currency labels the costs.
    pub prices: &'a Prices,
    /// What every strategy is tested against, at each rate.
    pub target: &'a Target,
    /// The load tests' results, one cell per strategy and rate.
    pub comparison: &'a Comparison,
    /// The rate the `cheapest` strategy was optimized for, drawn as a guide.
    pub target_rate: Option<f64>,
    /// The unit the table shows the timeout in (`--unit`); CSV and JSON stay in seconds.
    pub unit: TimeUnit,
}

impl CompareContext<'_> {
    fn baseline_cost(&self) -> Cost {
        Cost::of(self.scenario, &Config::baseline(self.scenario), self.prices)
    }

    fn sustained_text(&self, s: usize) -> String {
        match self.comparison.sustained(s) {
            Some(i) => trim_float(self.comparison.rates.as_slice()[i].get()),
            None => "none".into(),
        }
    }

    fn breaks_text(&self, s: usize) -> String {
        let c = self.comparison;
        let held_all = c.sustained(s) == Some(c.rates.as_slice().len() - 1);
        if held_all {
            return "— (holds every rate)".into();
        }
        match c.breaks_first(s) {
            Some(st) => self.scenario.stations()[st].name().to_string(),
            // Late by their service alone, or gone: no queue to name.
            None => "none queued".into(),
        }
    }

    /// What meeting the target at a rate means, from the objective in force: "every client is
    /// served in time", "99% of clients are…", each class's objective, and with replications
    /// how the interval decides.
    fn objective_words(&self, random: bool) -> String {
        let share = self.target.share.percent();
        if !self.scenario.requests().is_empty() {
            let goals = super::classes::objectives_text(
                self.scenario,
                &self.target.load,
                self.target.share,
                self.unit,
            );
            let by = if random {
                "; judged by the 95% interval's lower bound over the replications"
            } else {
                ""
            };
            return format!("each request class meets its objective ({goals}{by})");
        }
        match (share >= 100.0, random) {
            (true, false) => "every client is served in time".into(),
            (true, true) => "every client is served in time in every replication".into(),
            (false, false) => format!(
                "at least {}% of clients are served in time",
                trim_float(share)
            ),
            (false, true) => format!(
                "the 95% interval's lower bound of the share of clients served in time is at least {}%",
                trim_float(share)
            ),
        }
    }
}

impl CompareContext<'_> {
    /// One row per strategy: cost, delta, satisfaction at each rate, sustained rate, breaker.
    fn rows(&self) -> Table {
        let c = self.comparison;
        let base = self.baseline_cost();
        let cur = &self.prices.currency;
        let rate_cols: Vec<String> = c
            .rates
            .as_slice()
            .iter()
            .map(|r| format!("{}/s", trim_float(r.get())))
            .collect();
        let price_col = format!("cost ({cur})");
        let mut columns: Vec<(&str, Align)> = vec![
            ("strategy", Align::Left),
            (price_col.as_str(), Align::Right),
            ("delta", Align::Right),
        ];
        columns.extend(rate_cols.iter().map(|r| (r.as_str(), Align::Right)));
        columns.push(("sustains", Align::Right));
        columns.push((WAITED_MOST, Align::Left));
        columns.push(("capacity/s", Align::Right));
        let mut t = Table::new(&columns);
        for (s, con) in c.contenders.iter().enumerate() {
            let mut row = vec![
                con.name.clone(),
                format!("{:.2}", con.cost.price),
                format!("{:+.2}", con.cost.price - base.price),
            ];
            row.extend(
                c.cells[s]
                    .iter()
                    .map(|cell| format!("{}%", share_words(cell.summary.satisfaction))),
            );
            row.push(self.sustained_text(s));
            row.push(self.breaks_text(s));
            let cap = Capacity::of(self.scenario, &con.config);
            row.push(format!(
                "{} ({})",
                trim_float((cap.system() * 1000.0).round() / 1000.0),
                self.scenario.stations()[cap.bottleneck].name()
            ));
            t.row(row);
        }
        t
    }

    /// The page: the question, the strategies (cost, the rate each sustains, where it breaks),
    /// their satisfaction across rates, how to reproduce it.
    fn page(&self, page: &Page) -> Result<String, super::plot::PlotError> {
        let (c, load) = (self.comparison, &self.target.load);
        let mut doc = Doc::new(
            "compare",
            &format!(
                "{}: {} strategies across {} arrival rates",
                self.scenario.name(),
                c.contenders.len(),
                c.rates.as_slice().len()
            ),
        );
        doc.fact(
            "Load at the target rate",
            &super::format::describe_load(load),
        );
        let rates: Vec<String> = c
            .rates
            .as_slice()
            .iter()
            .map(|r| trim_float(r.get()))
            .collect();
        doc.fact("Rates", &format!("{} clients/s", rates.join(", ")));
        let random = load.is_random(self.scenario);
        doc.fact(
            "Objectives",
            &format!(
                "a strategy sustains a rate when {} at it and at every lower listed rate",
                self.objective_words(random)
            ),
        );
        let drawn = random.then(|| (load.seed, load.runs(self.scenario)));
        super::html::parts::standard_facts(
            &mut doc,
            self.scenario,
            self.prices,
            drawn,
            Some(load.seed),
            page,
        );
        doc.section("answer", "The strategies");
        let base = self.baseline_cost();
        let cost_col = format!("cost ({})", self.prices.currency);
        let mut t = Table::new(&[
            ("strategy", Align::Left),
            ("configuration", Align::Left),
            (cost_col.as_str(), Align::Right),
            ("delta", Align::Right),
            ("sustains (clients/s)", Align::Right),
            (WAITED_MOST, Align::Left),
            ("capacity (clients/s)", Align::Right),
        ]);
        for (s, con) in c.contenders.iter().enumerate() {
            let cap = Capacity::of(self.scenario, &con.config);
            t.row(vec![
                con.name.clone(),
                con.config.describe(self.scenario),
                format!("{:.2}", con.cost.price),
                format!("{:+.2}", con.cost.price - base.price),
                self.sustained_text(s),
                self.breaks_text(s),
                format!(
                    "{} ({})",
                    trim_float((cap.system() * 1000.0).round() / 1000.0),
                    self.scenario.stations()[cap.bottleneck].name()
                ),
            ]);
        }
        doc.table(
            "strategies",
            "Each strategy's cost, the highest rate it sustains, where its late clients waited most (queueing, all of them together) at the first rate it misses, and its capacity (bottleneck)",
            &t,
            0,
            &[],
        );
        doc.section("space", "Strategies across rates");
        let sustains: Vec<String> = c
            .contenders
            .iter()
            .enumerate()
            .map(|(s, con)| format!("{} sustains {}", con.name, self.sustained_text(s)))
            .collect();
        doc.figure(
            "fig-compare",
            "Satisfaction against arrival rate, one line per strategy, the target rate and the required share dashed",
            &format!(
                "Line chart of the share of clients served in time at each of {} rates: {}.",
                rates.len(),
                sustains.join("; ")
            ),
            &self.compare_svg()?,
        );
        let mut columns = vec![("strategy".to_string(), Align::Left)];
        columns.extend(rates.iter().map(|r| (format!("{r}/s"), Align::Right)));
        let columns: Vec<(&str, Align)> = columns.iter().map(|(h, a)| (h.as_str(), *a)).collect();
        let mut by_rate = Table::new(&columns);
        for (s, con) in c.contenders.iter().enumerate() {
            let mut row = vec![con.name.clone()];
            row.extend(
                c.cells[s]
                    .iter()
                    .map(|cell| format!("{}%", share_words(cell.summary.satisfaction))),
            );
            by_rate.row(row);
        }
        doc.table(
            "satisfaction",
            "The share of clients served in time at each arrival rate",
            &by_rate,
            0,
            &[],
        );
        super::html::parts::reproduce(&mut doc, page);
        Ok(doc.finish())
    }

    /// Satisfaction against rate, one line per strategy, with the target as guides.
    fn compare_svg(&self) -> Result<String, super::plot::PlotError> {
        let target_rate = self.target_rate;
        let c = self.comparison;
        let series = c
            .contenders
            .iter()
            .enumerate()
            .map(|(s, con)| super::plot::StrategySeries {
                name: con.name.clone(),
                cost_label: format!("{:.2} {}", con.cost.price, self.prices.currency),
                points: c
                    .rates
                    .as_slice()
                    .iter()
                    .zip(&c.cells[s])
                    .map(|(r, cell)| (r.get(), cell.summary.satisfaction))
                    .collect(),
            })
            .collect();
        super::plot::compare_svg(&super::plot::ComparePlot {
            title: format!(
                "{}: satisfaction by arrival rate ({} clients, {})",
                self.scenario.name(),
                self.target.load.clients,
                super::classes::limit_words(
                    self.scenario,
                    &self.target.load,
                    self.target.share,
                    TimeUnit::S
                )
            ),
            series,
            target_rate,
            min_satisfaction: self.target.share.percent(),
        })
    }
}

impl Render for CompareContext<'_> {
    /// One row per strategy: cost, delta, satisfaction at each rate, sustained rate, breaker.
    fn table(&self) -> String {
        let c = self.comparison;
        let t = self.rows();
        let load = &self.target.load;
        let random = load.is_random(self.scenario);
        let randomness = if random {
            format!(
                ", {} arrivals, mean of {} replications (seed {})",
                if load.arrivals.kind() == "poisson" {
                    "Poisson"
                } else {
                    "fixed"
                },
                load.runs(self.scenario),
                load.seed
            )
        } else {
            String::new()
        };
        // With request classes each class has its timeout: the rule names them all.
        let timeout = if self.scenario.requests().is_empty() {
            format!(", timeout {}", duration_in(load.timeout.get(), self.unit))
        } else {
            String::new()
        };
        let mut out = format!(
            "{}: satisfaction at each rate ({} clients{timeout}{randomness})\na strategy sustains a rate when {} at it and at every lower listed rate\n{WAITED_MOST}: where its late clients, all together, queued longest at the first rate it misses\n\n",
            self.scenario.name(),
            load.clients,
            self.objective_words(random),
        );
        out.push_str(&t.render());
        out.push('\n');
        for con in &c.contenders {
            out.push_str(&format!(
                "  {}: {}\n",
                con.name,
                con.config.describe(self.scenario)
            ));
        }
        out
    }

    /// Satisfaction against rate, one line per strategy, with the target as guides.
    fn svg(&self) -> Result<String, ExportError> {
        Ok(self.compare_svg()?)
    }

    /// The whole comparison as one page.
    fn html(&self, page: &Page) -> Result<String, ExportError> {
        Ok(self.page(page)?)
    }

    /// The long form: one row per strategy × rate, `strategy` then the sweep's columns.
    fn csv(&self) -> Result<Vec<u8>, ExportError> {
        let c = self.comparison;
        let mut w = csv::WriterBuilder::new()
            .has_headers(false)
            .from_writer(Vec::new());
        let mut header = vec!["strategy".to_string()];
        header.extend(csv_header(self.scenario, false));
        w.write_record(&header)?;
        for (s, con) in c.contenders.iter().enumerate() {
            for (r, rate) in c.rates.as_slice().iter().enumerate() {
                let at = self.target.at(*rate);
                let row = Row::new(
                    self.scenario,
                    &con.config,
                    &con.cost,
                    &c.cells[s][r].summary,
                    (&at.load, at.share),
                    None,
                );
                w.serialize((&con.name, row))?;
            }
        }
        w.into_inner()
            .map_err(|e| ExportError::Csv(e.into_error().into()))
    }

    /// The whole comparison as one JSON document.
    fn json(&self) -> String {
        let c = self.comparison;
        let base = self.baseline_cost();
        let res = self.scenario.resolution();
        let timeout = crate::workload::common_timeout(self.scenario, &self.target.load);
        let strategies = c
            .contenders
            .iter()
            .enumerate()
            .map(|(s, con)| JsonStrategy {
                name: &con.name,
                config: super::json::levers(self.scenario, &con.config),
                cpu_cores: cost::tidy(con.cost.cpu_cores),
                ram_gib: cost::tidy(con.cost.ram_gib),
                cost: cost::tidy(con.cost.price),
                delta_cost: cost::tidy(con.cost.price - base.price),
                sustained_rate: c.sustained(s).map(|i| c.rates.as_slice()[i].get()),
                capacity: super::capacity::json(
                    self.scenario,
                    &con.config,
                    None,
                    &self.target.load,
                ),
                breaks_first: c
                    .breaks_first(s)
                    .map(|st| self.scenario.stations()[st].name()),
                rates: c
                    .rates
                    .as_slice()
                    .iter()
                    .zip(&c.cells[s])
                    .map(|(r, cell)| JsonCell {
                        rate: r.get(),
                        summary: JsonSummary::new(&cell.summary, res, timeout),
                        meets_target: cell.summary.meets_target,
                        spread: cell.summary.spread.clone(),
                    })
                    .collect(),
            })
            .collect();
        let doc = JsonCompare {
            schema_version: SchemaVersion,
            scenario: self.scenario.name(),
            resolution_s: res.seconds(),
            target: JsonTarget::new(
                JsonLoad::new(self.scenario, &self.target.load),
                self.target.share,
            ),
            rates: c.rates.as_slice().iter().map(|r| r.get()).collect(),
            prices: JsonPrices::new(self.prices),
            strategies,
        };
        serde_json::to_string_pretty(&doc).expect("plain data serialises") + "\n"
    }
}

#[derive(Serialize, JsonSchema)]
struct JsonCompare<'a> {
    /// The document's version (docs/json.md).
    schema_version: SchemaVersion,
    scenario: &'a str,
    resolution_s: f64,
    /// The load at the target rate (the one the `optimize` strategies are found for) and
    /// the share a rate must serve in time to count as sustained.
    target: JsonTarget,
    /// The rates every strategy is tested at, each the target's load at another rate.
    rates: Vec<f64>,
    prices: JsonPrices,
    strategies: Vec<JsonStrategy<'a>>,
}

#[derive(Serialize, JsonSchema)]
struct JsonStrategy<'a> {
    name: &'a str,
    config: indexmap::IndexMap<String, u32>,
    cpu_cores: f64,
    ram_gib: f64,
    cost: f64,
    delta_cost: f64,
    sustained_rate: Option<f64>,
    /// The station where its late clients waited most (queueing, not being served, all of
    /// them together) at the first rate it misses: the table's "late clients waited most at";
    /// `null` when it holds every rate or no late client queued.
    breaks_first: Option<&'a str>,
    capacity: super::capacity::JsonCapacity,
    rates: Vec<JsonCell>,
}

#[derive(Serialize, JsonSchema)]
struct JsonCell {
    rate: f64,
    #[serde(flatten)]
    summary: JsonSummary,
    meets_target: bool,
    /// Means with 95 % intervals, when the test is random.
    spread: Option<crate::outcome::stats::Spread>,
}

/// The schema of `compare --format json`.
pub(crate) fn schema() -> serde_json::Value {
    schema::strict::<JsonCompare<'static>>("planner compare")
}
