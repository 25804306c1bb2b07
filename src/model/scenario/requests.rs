//! The `[[request]]` classes of a scenario: parsed, checked, compiled once for the engine,
//! and what capacity planning derives from them (visits and demand per request).

use toml::Spanned;

use super::fields::At;
use super::{line_column, name_problem, Scenario, ScenarioError, Station, StationKind};
use crate::model::duration::Written;
use crate::model::flow::{Flow, StationRef, PROBABILITY_TOLERANCE};
use crate::model::units::{Resolution, Seconds};
use serde::Deserialize;

/// One `[[request]]`: a kind of request, its share of arrivals, its flow and its objective.
#[derive(Debug, Clone, PartialEq)]
pub struct RequestClass {
    /// Unique among the classes; names the class's report rows and `satisfaction_<name>` column.
    pub name: String,
    /// Fraction of arrivals, in (0, 1]; the classes' shares sum to 1.
    pub share: f64,
    /// The flow as parsed: the capacity laws read its expected visits and demand from it.
    pub flow: Flow,
    /// The flow compiled once for the engine.
    pub plan: crate::model::plan::Plan,
    /// This class's latency objective; `None`: the load test's timeout.
    pub timeout: Option<Seconds>,
    /// Percentage of this class's clients that must be satisfied; `None`: the command's.
    pub min_satisfaction: Option<f64>,
    /// How long this class's clients wait before giving up: over `[load] patience`, under
    /// `run --patience` (a checkout waits longer than a page view; the command line tries
    /// one patience for all). `None`: the load test's.
    pub patience: Option<Seconds>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRequest {
    name: Spanned<String>,
    share: Spanned<f64>,
    flow: Spanned<String>,
    timeout: Option<Seconds>,
    min_satisfaction: Option<Spanned<f64>>,
    slo: Option<Spanned<String>>,
    patience: Option<Spanned<Written>>,
}

/// The `[[request]]` classes, checked: unique names, positive shares summing to 1, flows over
/// known stations (errors name the flow and the column), every station visited by some class.
pub(super) fn requests_of(
    raw: &[Spanned<RawRequest>],
    stations: &[Station],
    resolution: Resolution,
    text: &str,
    at: &At<'_>,
) -> Result<Vec<RequestClass>, ScenarioError> {
    if raw.is_empty() {
        return Ok(Vec::new());
    }
    let refs: Vec<StationRef<'_>> = stations
        .iter()
        .map(|s| StationRef {
            name: s.name(),
            takes_service: s.kind() == StationKind::Pool,
        })
        .collect();
    let mut out: Vec<RequestClass> = Vec::new();
    for spanned in raw {
        let r = spanned.get_ref();
        let name = r.name.get_ref().clone();
        if let Some(problem) = name_problem("request", &name) {
            return Err(at(Some(r.name.span()), problem));
        }
        if out.iter().any(|o| o.name == name) {
            return Err(at(
                Some(r.name.span()),
                format!("request `{name}` is defined twice"),
            ));
        }
        let share = *r.share.get_ref();
        if !(share.is_finite() && share > 0.0 && share <= 1.0) {
            return Err(at(
                Some(r.share.span()),
                format!(
                    "request `{name}`: share must be above 0 and at most 1, got {}",
                    crate::model::units::number(share)
                ),
            ));
        }
        let flow_text = r.flow.get_ref();
        // The flow's column counts from the opening quote's next character.
        let flow_at = r.flow.span().start + 1;
        let flow = Flow::parse(flow_text, &refs).map_err(|e| {
            let offset = flow_at
                + flow_text
                    .chars()
                    .take(e.column - 1)
                    .map(char::len_utf8)
                    .sum::<usize>();
            let (line, column) = line_column(text, offset.min(text.len()));
            at(
                None,
                format!(
                    "request `{name}`: flow \"{}\", column {}: {}",
                    crate::model::quote::excerpt(flow_text, e.column),
                    e.column,
                    e.message
                ),
            )
            .relocated(line, column)
        })?;
        let steps_error = std::cell::RefCell::new(None);
        let plan = compile(&flow, &|secs| {
            let what = format!("request `{name}`: a visit's service time");
            match Seconds::new(secs)
                .map_err(|m| format!("{what}: {m}"))
                .and_then(|s| resolution.exact_steps(s, &what).map_err(|e| e.to_string()))
            {
                Ok(steps) => steps,
                Err(m) => {
                    steps_error.borrow_mut().get_or_insert(m);
                    0
                }
            }
        });
        if let Some(m) = steps_error.into_inner() {
            return Err(at(Some(r.flow.span()), m));
        }
        let min_satisfaction = match &r.min_satisfaction {
            None => None,
            Some(m) => {
                let v = *m.get_ref();
                if !(v > 0.0 && v <= 100.0) {
                    return Err(at(
                        Some(m.span()),
                        format!("request `{name}`: min_satisfaction must be a percentage above 0 and at most 100, got {}", crate::model::units::number(v)),
                    ));
                }
                Some(v)
            }
        };
        // `slo = "p99 < 300ms"` is the class's timeout and min_satisfaction in words; with
        // either also given, one of the two statements would silently lose, so both are refused.
        let (timeout, min_satisfaction) = match &r.slo {
            None => (r.timeout, min_satisfaction),
            Some(text) if r.timeout.is_some() || min_satisfaction.is_some() => {
                return Err(at(
                    Some(text.span()),
                    format!("request `{name}`: slo states the timeout and min_satisfaction; give slo or those, not both"),
                ))
            }
            Some(text) => {
                let slo = crate::model::objective::Slo::parse(text.get_ref())
                    .map_err(|e| at(Some(text.span()), format!("request `{name}`: slo {e}")))?;
                (Some(slo.timeout), Some(slo.share.percent()))
            }
        };
        let patience = match &r.patience {
            None => None,
            Some(p) => {
                let refuse = |why: String| {
                    at(
                        Some(p.span()),
                        format!(
                            "request `{name}`: patience must be a duration greater than 0, {why}"
                        ),
                    )
                };
                let v = match p.get_ref() {
                    Written::Number(v) => Ok(*v),
                    Written::Text(t) => crate::model::duration::parse(t),
                }
                .map_err(|e| refuse(e.to_string()))?;
                Some(
                    Seconds::new(v)
                        .map_err(|_| refuse(format!("got {}", crate::model::units::number(v))))?,
                )
            }
        };
        out.push(RequestClass {
            name,
            share,
            flow,
            plan,
            timeout,
            min_satisfaction,
            patience,
        });
    }
    let total: f64 = out.iter().map(|r| r.share).sum();
    if (total - 1.0).abs() > PROBABILITY_TOLERANCE {
        return Err(at(
            Some(raw[0].span()),
            format!(
                "the requests' shares sum to {total}, not 1 ({})",
                out.iter()
                    .map(|r| format!("{} {}", r.name, r.share))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    }
    let mut visited = vec![false; stations.len()];
    for r in &out {
        for (s, v) in r.flow.expected_visits(stations.len()).iter().enumerate() {
            if *v > 0.0 {
                visited[s] = true;
            }
        }
    }
    if let Some(s) = visited.iter().position(|v| !v) {
        return Err(at(
            Some(raw[0].span()),
            format!(
                "station `{}` is in no request's flow: it would cost money and never matter; visit it or remove it",
                stations[s].name()
            ),
        ));
    }
    Ok(out)
}

impl ScenarioError {
    /// The same error at another place of its file.
    fn relocated(self, line: usize, column: usize) -> ScenarioError {
        match self {
            ScenarioError::Invalid { file, message, .. } => ScenarioError::Invalid {
                file,
                line,
                column,
                message,
            },
            other => other,
        }
    }
}

/// The engine's plan of a flow; `steps` turns a visit's own service time into steps.
fn compile(flow: &Flow, steps: &dyn Fn(f64) -> u64) -> crate::model::plan::Plan {
    fn add(plan: &mut crate::model::plan::Plan, flow: &Flow, steps: &dyn Fn(f64) -> u64) -> u32 {
        match flow {
            Flow::Visit { station, service } => plan.visit(*station as u16, service.map(steps)),
            Flow::Seq(parts) => {
                let parts = parts.iter().map(|p| add(plan, p, steps)).collect();
                plan.seq(parts)
            }
            Flow::All(parts) => {
                let parts = parts.iter().map(|p| add(plan, p, steps)).collect();
                plan.all(parts)
            }
            Flow::Pick(branches) => {
                let branches = branches
                    .iter()
                    .map(|(p, b)| (*p, add(plan, b, steps)))
                    .collect();
                plan.pick(branches)
            }
        }
    }
    let mut plan = crate::model::plan::Plan::builder();
    let root = add(&mut plan, flow, steps);
    plan.finish(root)
}

impl Scenario {
    /// Expected visits per request to each station: Σ over classes of share × the class's
    /// expected visits (1 each for the tutorial's fan-out).
    pub fn visits(&self) -> Vec<f64> {
        let n = self.stations.len();
        if self.requests.is_empty() {
            return vec![1.0; n];
        }
        let mut out = vec![0.0; n];
        for r in &self.requests {
            for (o, v) in out.iter_mut().zip(r.flow.expected_visits(n)) {
                *o += r.share * v;
            }
        }
        out
    }

    /// Each station's demand per request D, in seconds, by the operational laws: Σ over
    /// classes of share × expected visits × mean service (a visit's own, else the station's).
    /// A pool of `units` then sustains units / D requests per second; for a batch station the
    /// service is the batch time and the lever the portions per batch, so it sustains
    /// portions / D. For the tutorial's fan-out D is each station's service time.
    pub fn demand(&self) -> Vec<f64> {
        if self.requests.is_empty() {
            return self.stations.iter().map(|s| s.service().get()).collect();
        }
        let service: Vec<f64> = self.stations.iter().map(|s| s.service().get()).collect();
        let mut out = vec![0.0; service.len()];
        for r in &self.requests {
            for (o, d) in out.iter_mut().zip(r.flow.expected_demand(&service)) {
                *o += r.share * d;
            }
        }
        out
    }

    /// Per plan (each request class in file order, or the one fan-out), the least latency
    /// any of its requests can have, in steps, whatever the levers: no lever changes a
    /// service time, only how many serve and how long requests queue.
    ///
    /// Proof of the bound, visit by visit: a pool with fixed service serves in exactly its
    /// steps, and queueing only adds to that; a random service can be as short as the
    /// smallest step, so it is bounded by 0; a batch station may hand out a portion already
    /// cooked, in no time. [`crate::model::plan::Plan::least_steps`] composes the visits.
    /// A class whose least latency is at or over its objective (a client is satisfied only
    /// strictly under it) has no satisfied client in any configuration.
    pub fn least_latency_steps(&self) -> Vec<u64> {
        self.plans
            .iter()
            .map(|plan| {
                plan.least_steps(&|station, steps| {
                    let s = &self.stations[station as usize];
                    match (s.kind(), s.distribution().is_fixed()) {
                        (crate::model::station::StationKind::Pool, true) => {
                            steps.unwrap_or(s.service_steps())
                        }
                        (crate::model::station::StationKind::Pool, false)
                        | (crate::model::station::StationKind::Batch, _) => 0,
                    }
                })
            })
            .collect()
    }
}
