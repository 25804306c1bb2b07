//! The JSON documents of `optimize` and `sweep`, and their schemas.

use schemars::JsonSchema;
use serde::Serialize;

use super::SearchContext;
use crate::model::config::Config;
use crate::model::cost;
use crate::outcome::stats;
use crate::report::format::trim_float;
use crate::report::json::{JsonLoad, JsonPrices, JsonSummary, JsonTarget};
use crate::report::schema::{self, SchemaVersion};
use crate::search::{self, Evaluated, Optimization};

impl SearchContext<'_> {
    fn json_result(&self, e: &Evaluated) -> JsonResult {
        let base = Config::baseline(self.study.model);
        JsonResult {
            config: crate::report::json::levers(self.study.model, &e.candidate.config),
            change: e.candidate.config.delta_words(&base, self.study.model),
            cpu_cores: cost::tidy(e.candidate.cost.cpu_cores),
            ram_gib: cost::tidy(e.candidate.cost.ram_gib),
            cost: cost::tidy(e.candidate.cost.price),
            summary: JsonSummary::new(
                &e.summary,
                self.study.model.resolution(),
                self.study.common_timeout(),
            ),
            meets_target: e.summary.meets_target,
            spread: e.summary.spread.clone(),
            verdict: self
                .study
                .target
                .is_random(self.study.model)
                .then_some(e.call.key()),
            classes: crate::report::classes::json(
                &e.classes,
                self.study.model.resolution(),
                self.study.target.is_random(self.study.model),
            ),
            capacity: crate::report::capacity::json(
                self.study.model,
                &e.candidate.config,
                self.study.target.load.rate(),
                &self.study.target.load,
            ),
        }
    }

    fn json_target(&self) -> JsonTarget {
        let load = &self.study.target.load;
        let mut json = JsonLoad::new(self.study.model, load);
        // Clients with rules may draw what the load itself does not (think times, jitter).
        if let Some(clients) = &self.study.target.clients {
            if clients.is_random(self.study.model, load) {
                json = json.drawn(load.seed, clients.runs(self.study.model, load));
            }
        }
        JsonTarget::new(json, self.study.target.share)
            .with_clients(self.study.target.clients.clone())
    }

    /// `optimize --format json`.
    pub fn optimize_json(&self, o: &Optimization) -> String {
        let (base, base_cost) = self.baseline();
        let answer = o.answer.map(|i| self.json_result(&o.evaluated[i]));
        // The near misses the table shows, in its order; none when something passed.
        let closest = match o.answer {
            Some(_) => Vec::new(),
            None => search::closest(o, search::CLOSEST),
        };
        let doc = JsonOptimize {
            schema_version: SchemaVersion,
            scenario: self.study.model.name(),
            resolution_s: self.study.model.resolution().seconds(),
            target: self.json_target(),
            prices: JsonPrices::new(&self.study.prices),
            space: self.study.space.shape(self.study.model),
            configurations: o.total,
            evaluated: o.evaluated.len(),
            sustained: self.study.sustained,
            found: answer.is_some(),
            baseline: JsonBaseline {
                config: crate::report::json::levers(self.study.model, &base),
                cpu_cores: cost::tidy(base_cost.cpu_cores),
                ram_gib: cost::tidy(base_cost.ram_gib),
                cost: cost::tidy(base_cost.price),
            },
            delta_cost: answer
                .as_ref()
                .map(|a| cost::tidy(a.cost - base_cost.price)),
            answer,
            runners_up: o
                .runners_up
                .iter()
                .map(|&i| self.json_result(&o.evaluated[i]))
                .collect(),
            closest: closest
                .iter()
                .map(|&i| self.json_result(&o.evaluated[i]))
                .collect(),
            queueing_estimates: o
                .estimates
                .iter()
                .flat_map(|(i, estimates)| {
                    estimates.iter().map(move |e| JsonEstimate {
                        config: crate::report::json::levers(
                            self.study.model,
                            &o.evaluated[*i].candidate.config,
                        ),
                        station: self.study.model.stations()[e.station].name().to_string(),
                        busy: e.busy,
                        method: e.method.words(),
                        waits: e.wait.waits,
                        mean_wait_s: e.wait.mean_s,
                        class: (!e.class.is_empty()).then(|| e.class.clone()),
                        share: e.share,
                        wait_at_share_s: e.wait_at_share_s,
                        objective_s: e.timeout_s,
                        contradicts: e.contradicts,
                    })
                })
                .collect(),
            too_close_to_call: o
                .undecided
                .iter()
                .map(|&i| self.json_result(&o.evaluated[i]))
                .collect(),
            verification: o
                .verified
                .iter()
                .map(|v| JsonVerification {
                    config: crate::report::json::levers(
                        self.study.model,
                        &o.evaluated[v.index].candidate.config,
                    ),
                    simulated_clients: v.clients,
                    warmup_clients: v.warmup,
                    seed: v.seed,
                    steady: v.steady.map(|r| JsonSteady {
                        mser5_warmup_clients: r.warmup,
                        settled: r.settled,
                        simulated_seconds: r.seconds,
                    }),
                    summary: JsonSummary::new(
                        &v.summary,
                        self.study.model.resolution(),
                        self.study.common_timeout(),
                    ),
                    spread: v.summary.spread.clone(),
                    verdict: v.call.key(),
                    classes: crate::report::classes::json(
                        &v.classes,
                        self.study.model.resolution(),
                        true,
                    ),
                })
                .collect(),
            unfinished: o.unfinished.as_ref().map(|u| JsonUnfinished {
                limit: match u.limit {
                    search::Limit::Configs(n) => format!("--max-configs {n}"),
                    search::Limit::Time(secs) => format!("--max-time {}", trim_float(secs)),
                },
                walked: u.walked,
                untested_cheaper: u.untested_cheaper.map(|n| n.to_string()),
                proven_cheapest: u.untested_cheaper == Some(0),
            }),
        };
        serde_json::to_string_pretty(&doc).expect("plain data serialises") + "\n"
    }

    /// `sweep --format json`.
    pub fn sweep_json(&self, all: &[Evaluated]) -> String {
        let doc = JsonSweep {
            schema_version: SchemaVersion,
            scenario: self.study.model.name(),
            resolution_s: self.study.model.resolution().seconds(),
            target: self.json_target(),
            prices: JsonPrices::new(&self.study.prices),
            space: self.study.space.shape(self.study.model),
            results: all.iter().map(|e| self.json_result(e)).collect(),
        };
        serde_json::to_string_pretty(&doc).expect("plain data serialises") + "\n"
    }
}

#[derive(Serialize, JsonSchema)]
struct JsonBaseline {
    config: indexmap::IndexMap<String, u32>,
    cpu_cores: f64,
    ram_gib: f64,
    cost: f64,
}

#[derive(Serialize, JsonSchema)]
struct JsonResult {
    config: indexmap::IndexMap<String, u32>,
    change: String,
    cpu_cores: f64,
    ram_gib: f64,
    cost: f64,
    #[serde(flatten)]
    summary: JsonSummary,
    meets_target: bool,
    /// Means with 95 % intervals, when the test is random.
    spread: Option<stats::Spread>,
    /// How the target was decided (meets, fails, too_close_to_call): only when the test is
    /// random, where a verdict is not exact.
    #[serde(skip_serializing_if = "Option::is_none")]
    verdict: Option<&'static str>,
    /// Each request class against its own objective (absent without classes).
    #[serde(skip_serializing_if = "indexmap::IndexMap::is_empty")]
    classes: indexmap::IndexMap<String, crate::report::classes::JsonClass>,
    capacity: crate::report::capacity::JsonCapacity,
}

#[derive(Serialize, JsonSchema)]
struct JsonOptimize<'a> {
    /// The document's version (docs/json.md).
    schema_version: SchemaVersion,
    scenario: &'a str,
    resolution_s: f64,
    target: JsonTarget,
    prices: JsonPrices,
    space: String,
    configurations: usize,
    evaluated: usize,
    sustained: bool,
    found: bool,
    baseline: JsonBaseline,
    answer: Option<JsonResult>,
    delta_cost: Option<f64>,
    runners_up: Vec<JsonResult>,
    /// When nothing meets the target: the near misses, most satisfied first, then cheapest.
    closest: Vec<JsonResult>,
    /// Configurations ranked before the answer (or any, without one) whose verdict stayed too
    /// close to call: only with randomness, absent otherwise.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    too_close_to_call: Vec<JsonResult>,
    /// The answer's verification (and any rejected before it), longer and on a fresh seed:
    /// only with randomness, absent otherwise.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    verification: Vec<JsonVerification>,
    /// Queueing theory beside the answer and runners-up: one entry per station at least
    /// 90 % busy with random service.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    queueing_estimates: Vec<JsonEstimate>,
    /// Set when `--max-configs` or `--max-time` stopped the walk; absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    unfinished: Option<JsonUnfinished>,
}

/// One configuration load-tested again before it could be the answer.
#[derive(Serialize, JsonSchema)]
struct JsonVerification {
    config: indexmap::IndexMap<String, u32>,
    /// Clients simulated, `warmup_clients` of them left out of the figures (`clients`
    /// counts those judged).
    simulated_clients: u32,
    warmup_clients: u32,
    seed: u64,
    /// With `--sustained`: judged on the steady state.
    #[serde(skip_serializing_if = "Option::is_none")]
    steady: Option<JsonSteady>,
    #[serde(flatten)]
    summary: JsonSummary,
    spread: Option<stats::Spread>,
    /// meets, fails or too_close_to_call: only `meets` keeps it as the answer.
    verdict: &'static str,
    #[serde(skip_serializing_if = "indexmap::IndexMap::is_empty")]
    classes: indexmap::IndexMap<String, crate::report::classes::JsonClass>,
}

/// What queueing theory expects of one busy station of a configuration the search passed.
#[derive(Serialize, JsonSchema)]
struct JsonEstimate {
    /// The configuration (the answer or a runner-up).
    config: indexmap::IndexMap<String, u32>,
    station: String,
    /// Utilisation at the target rate, in [0.9, 1).
    busy: f64,
    /// "Erlang C" (M/M/c, exact), "Kingman" (one server) or "Allen-Cunneen".
    method: &'static str,
    /// Probability that a request waits at all.
    waits: f64,
    mean_wait_s: f64,
    /// The request class held against it (absent without classes).
    #[serde(skip_serializing_if = "Option::is_none")]
    class: Option<String>,
    /// That class's required share, in (0, 1].
    share: f64,
    /// The wait that share of its requests stays under at this station.
    wait_at_share_s: f64,
    objective_s: f64,
    /// The station's wait alone would break the objective: the simulated pass is
    /// contradicted.
    contradicts: bool,
}

/// How a verification judged on the steady state ran.
#[derive(Serialize, JsonSchema)]
struct JsonSteady {
    /// The longest warm-up MSER-5 cut from a replication (at least the search's clients),
    /// equal to `warmup_clients`.
    mser5_warmup_clients: u32,
    /// Whether every replication settled before its end; when not, the verdict is at best
    /// too close to call.
    settled: bool,
    /// Virtual seconds the longest replication ran.
    simulated_seconds: f64,
}

/// How a walk stopped by its budget ended.
#[derive(Serialize, JsonSchema)]
struct JsonUnfinished {
    /// The flag that stopped it, as given.
    limit: String,
    /// Configurations tested in rank order before it stopped.
    walked: usize,
    /// Untested configurations cheaper than the answer, as a decimal string (it may exceed
    /// 2^53); `null` when uncounted.
    untested_cheaper: Option<String>,
    /// Whether every configuration cheaper than the answer was tested.
    proven_cheapest: bool,
}

#[derive(Serialize, JsonSchema)]
struct JsonSweep<'a> {
    /// The document's version (docs/json.md).
    schema_version: SchemaVersion,
    scenario: &'a str,
    resolution_s: f64,
    target: JsonTarget,
    prices: JsonPrices,
    space: String,
    results: Vec<JsonResult>,
}

/// The schema of `optimize --format json`.
pub(crate) fn optimize_schema() -> serde_json::Value {
    schema::strict::<JsonOptimize<'static>>("planner optimize")
}

/// The schema of `sweep --format json`.
pub(crate) fn sweep_schema() -> serde_json::Value {
    schema::strict::<JsonSweep<'static>>("planner sweep")
}
