//! The rules clients follow: open-loop clients who give up after a patience and retry, or a closed
//! loop of users who think between requests. In seconds as the user states them, and in
//! steps as the engine runs them.

use schemars::JsonSchema;
use serde::Serialize;

use crate::model::objective::Share;
use crate::model::scenario::Scenario;
use crate::model::units::Resolution;
use crate::workload::LoadTest;

/// The rules clients follow when their request is slow, as the engine runs them. Times in steps.
/// Clients who simply wait are the default: no patience, no retries.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ClientRules {
    /// Per request class (the fan-out is one class), how long a client waits for an attempt
    /// before giving it up; `None`: for ever. Empty: every class waits for ever.
    pub patience: Vec<Option<u64>>,
    /// Giving up also frees the units serving the client at once (else their work runs on).
    pub cancel_all: bool,
    /// Fresh attempts after giving up, at most.
    pub retries: u32,
    /// Wait before the k-th retry: `backoff · 2^(k-1)`.
    pub backoff: u64,
    /// Each wait is drawn uniformly in [0, that] ([`crate::workload::draws::Draws::jitter`]).
    pub jitter: bool,
}

impl ClientRules {
    /// Class `class`'s patience, `None` when its clients wait for ever.
    pub fn patience_of(&self, class: u32) -> Option<u64> {
        self.patience.get(class as usize).copied().flatten()
    }

    /// Whether some client may give up: then a service outlives the client it was for.
    pub fn gives_up(&self) -> bool {
        self.patience.iter().any(Option::is_some)
    }
}

/// A closed loop: `users` users each repeat request → response → think, from time 0; a
/// request that would start after `duration` is not made. With request classes, each
/// request walks a flow of its own class (`engine::simulate_closed_classes`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ClosedLoop {
    /// The population: at most this many requests are in the system at once.
    pub users: u32,
    /// Mean think time in steps.
    pub think: u64,
    /// Think times exponential around `think` (else fixed).
    pub think_exponential: bool,
    /// Steps after which no user starts a new request (those in flight finish).
    pub duration: u64,
}

/// The rules the clients of a search follow.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Clients {
    /// A closed loop of users: the load follows the service's speed.
    Closed(Users),
    /// Open-loop arrivals whose clients give up, and maybe retry.
    Patient(Patience),
}

/// A closed loop: users who repeat request → response → think. Times in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, JsonSchema)]
pub struct Users {
    /// The population.
    pub users: u32,
    /// Mean think time between a response and the user's next request.
    pub think: f64,
    /// Think times exponential around `think` (else fixed).
    pub exponential: bool,
    /// No request starts after this long.
    pub duration: f64,
    /// Replications when something is random (exponential think or service times).
    pub replications: u32,
}

/// Open-loop clients that give up after `patience` and retry. Times in seconds.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct Patience {
    /// A client not served this long after its attempt began gives it up; `None` when only
    /// request classes have a patience of their own.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub patience: Option<f64>,
    /// Each request class's patience (empty without classes): `--patience` for every class
    /// when given, else the class's own, else `patience`.
    #[serde(skip)]
    pub classes: Vec<Option<f64>>,
    /// Giving up frees the units serving the client at once.
    pub cancel_all: bool,
    /// Fresh attempts after giving up, at most.
    pub retries: u32,
    /// Wait before the first retry; each next one waits twice as long.
    pub backoff: f64,
    /// Each wait is a uniform draw in [0, its backoff].
    pub jitter: bool,
}

impl Clients {
    /// Whether anything is drawn at random, so that the seed matters: the load's own draws,
    /// a closed loop's think or service times, or retries' jitter.
    pub fn is_random(&self, scenario: &Scenario, load: &LoadTest) -> bool {
        match self {
            Clients::Closed(u) => u.is_random(scenario),
            Clients::Patient(p) => p.jitter || load.is_random(scenario),
        }
    }

    /// How many replications an assessment takes: one when nothing is random.
    pub fn runs(&self, scenario: &Scenario, load: &LoadTest) -> u32 {
        match self {
            Clients::Closed(u) => u.runs(scenario),
            Clients::Patient(_) if self.is_random(scenario, load) => load.replications,
            Clients::Patient(_) => 1,
        }
    }

    /// The objective in words, for a report's first line: "5 users thinking 2 s (fixed) for
    /// 600 s, 95% of responses under 5 s". `goals`: the request classes' objectives in words,
    /// which replace the single timeout (each class is judged by its own).
    pub fn describe(&self, load: &LoadTest, share: Share, goals: Option<&str>) -> String {
        let pct = share.percent();
        let under = format!("under {} s", load.timeout.get());
        match self {
            Clients::Closed(u) => {
                let who = if pct >= 100.0 {
                    "every response".to_string()
                } else {
                    format!("{pct}% of responses")
                };
                let think = if u.exponential {
                    "exponential"
                } else {
                    "fixed"
                };
                let goal = goals.map_or(format!("{who} {under}"), str::to_string);
                format!(
                    "{} user{} thinking {} s ({think}) for {} s, {goal}",
                    u.users,
                    if u.users == 1 { "" } else { "s" },
                    u.think,
                    u.duration
                )
            }
            Clients::Patient(p) => {
                let arrivals = match load.rate() {
                    Some(r) => format!("at {r} clients/s"),
                    None => "all at once".into(),
                };
                let retries = match p.retries {
                    0 => String::new(),
                    k => format!(
                        ", retrying up to {k} {} (backoff {} s{})",
                        if k == 1 { "time" } else { "times" },
                        p.backoff,
                        if p.jitter { ", jitter" } else { "" }
                    ),
                };
                let cancel = if p.cancel_all { ", cancelling" } else { "" };
                let who = if pct >= 100.0 {
                    "every client".to_string()
                } else {
                    format!("{pct}% of clients")
                };
                let after = match p.patience {
                    Some(t) => format!("after {t} s"),
                    None => "after their class's patience".into(),
                };
                let goal = goals.map_or(format!("{who} served {under}"), str::to_string);
                format!(
                    "{} clients {arrivals} giving up {after}{retries}{cancel}, {goal}",
                    load.clients
                )
            }
        }
    }
}

impl Users {
    /// Whether think or service times are drawn: only then do the seed and the replications
    /// matter.
    pub fn is_random(&self, scenario: &Scenario) -> bool {
        self.exponential || draws_anything(scenario)
    }

    /// How many replications a test takes: one when nothing is random (they would agree).
    pub fn runs(&self, scenario: &Scenario) -> u32 {
        if self.is_random(scenario) {
            self.replications
        } else {
            1
        }
    }

    /// The engine's closed loop, in steps.
    pub fn closed_loop(&self, resolution: Resolution) -> ClosedLoop {
        ClosedLoop {
            users: self.users,
            think: resolution.nearest_steps(self.think),
            think_exponential: self.exponential,
            duration: resolution.nearest_steps(self.duration),
        }
    }
}

impl Patience {
    /// The engine's client rules, in steps, for a scenario of `classes` request classes (none:
    /// the fan-out's one class).
    pub fn rules(&self, resolution: Resolution, classes: usize) -> ClientRules {
        let steps = |p: Option<f64>| p.map(|p| resolution.nearest_steps(p).max(1));
        ClientRules {
            patience: if classes == 0 {
                vec![steps(self.patience)]
            } else {
                self.classes.iter().map(|&p| steps(p)).collect()
            },
            cancel_all: self.cancel_all,
            retries: self.retries,
            backoff: resolution.nearest_steps(self.backoff),
            jitter: self.jitter,
        }
    }
}

/// Whether a closed loop's requests draw anything: think times aside, service times or
/// `pick` branches.
pub fn draws_anything(scenario: &Scenario) -> bool {
    scenario.draws_service() || scenario.requests().iter().any(|r| r.flow.is_random())
}
