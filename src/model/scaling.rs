//! Capacity over time: a pool whose units follow a schedule or an autoscaler.
//!
//! A service sized for its peak and kept at that size all day pays for the peak all day. A
//! pool may instead change its units while a test runs: by a `schedule` (so many units from
//! each time on, started ahead so as to be ready then), or by Kubernetes' Horizontal Pod
//! Autoscaler (`autoscale`), whose algorithm is public and whose defaults are what a
//! platform team runs. The engine runs both on the one clock of a run (`engine::scale`); this
//! module says what they are, in steps, and what they cost, in unit-time.
//!
//! Every HPA knob is here with Kubernetes' default (`autoscaling/v2`, `behavior`): a 15 s sync
//! period, a 0.1 tolerance, scale-up by the larger of 100 % or 4 units per 15 s with no
//! stabilisation, scale-down by up to 100 % per 15 s after a 300 s stabilisation window.
//! docs/autoscaling.md states the algorithm and the choices made where Kubernetes leaves a
//! detail open.

/// The sync period, and the sampling period of a scheduled pool: Kubernetes' 15 s.
pub const DEFAULT_SYNC_S: f64 = 15.0;

/// The most units a pool may have at once.
pub const MAX_UNITS: u32 = 1_000_000;

/// A schedule's `(seconds, units)` entries in steps, checked: at least one, the first at
/// 0 s, times increasing, units between 1 and [`MAX_UNITS`]. A refusal says which entry
/// (`None`: the whole schedule) and why.
#[allow(clippy::type_complexity)]
pub fn schedule_steps(
    entries: &[(f64, i64)],
    resolution: crate::model::units::Resolution,
) -> Result<Box<[(u64, u32)]>, (Option<usize>, String)> {
    use crate::model::units::number;
    if entries.is_empty() {
        return Err((
            None,
            "it is empty: give at least { at = \"0s\", units = … }".into(),
        ));
    }
    let mut out: Vec<(u64, u32)> = Vec::with_capacity(entries.len());
    for (i, &(seconds, units)) in entries.iter().enumerate() {
        if !(seconds.is_finite() && seconds >= 0.0) {
            return Err((Some(i), format!("a time of {} s", number(seconds))));
        }
        if seconds / resolution.seconds() > (1u64 << 62) as f64 {
            return Err((
                Some(i),
                format!("{} s is further than a test can run", number(seconds)),
            ));
        }
        let at = resolution.nearest_steps(seconds);
        if i == 0 && at != 0 {
            return Err((
                Some(i),
                format!(
                    "it starts at 0 s (its first entry is at {} s)",
                    number(seconds)
                ),
            ));
        }
        if let Some(&(previous, _)) = out.last() {
            if at <= previous {
                return Err((
                    Some(i),
                    format!(
                        "times must increase: {} s comes after {} s",
                        number(seconds),
                        number(resolution.to_seconds(previous))
                    ),
                ));
            }
        }
        if !(1..=i64::from(MAX_UNITS)).contains(&units) {
            return Err((
                Some(i),
                format!("units must be between 1 and {MAX_UNITS}, got {units}"),
            ));
        }
        out.push((at, units as u32));
    }
    Ok(out.into())
}

/// How a pool's units change during a test.
#[derive(Debug, Clone, PartialEq)]
pub enum Scaling {
    /// From each step on, so many units: `(step, units)`, the first at step 0, steps
    /// strictly increasing; units are ready at their step. `sample`: the steps between two
    /// rows of the units' record (Kubernetes' sync period).
    Schedule {
        /// `(step, units)`, sorted, the first at step 0.
        steps: Box<[(u64, u32)]>,
        /// Steps between two samples of the busy share.
        sample: u64,
    },
    /// Kubernetes' Horizontal Pod Autoscaler on the pool's busy share.
    Autoscale(Hpa),
}

impl Scaling {
    /// The units the pool starts with, ready at step 0: a schedule's first, an autoscaler's
    /// minimum.
    pub fn initial(&self) -> u32 {
        match self {
            Scaling::Schedule { steps, .. } => steps[0].1,
            Scaling::Autoscale(hpa) => hpa.min,
        }
    }

    /// Steps between two syncs (two samples of a scheduled pool).
    pub fn period(&self) -> u64 {
        match self {
            Scaling::Schedule { sample, .. } => *sample,
            Scaling::Autoscale(hpa) => hpa.sync,
        }
    }

    /// Why the engine cannot run this (the parser refuses each case with its own words):
    /// an empty schedule or one not starting at 0 or out of order, no units, a zero period,
    /// bounds that cross, a target outside (0, 1], a tolerance below 0, a policy of nothing.
    pub fn problem(&self) -> Option<&'static str> {
        match self {
            Scaling::Schedule { steps, sample } => {
                if steps.first().is_none_or(|s| s.0 != 0) {
                    Some("a schedule starts at 0 s")
                } else if steps.windows(2).any(|w| w[0].0 >= w[1].0) {
                    Some("a schedule's times must increase")
                } else if steps.iter().any(|s| s.1 == 0) {
                    Some("a schedule gives at least 1 unit")
                } else if *sample == 0 {
                    Some("the sampling period is 0")
                } else {
                    None
                }
            }
            Scaling::Autoscale(h) => {
                let policies = h.up.policies.iter().chain(&h.down.policies);
                if h.min == 0 || h.max < h.min {
                    Some("an autoscaler needs 1 ≤ min ≤ max")
                } else if !(h.target > 0.0 && h.target <= 1.0) {
                    Some("the target utilisation is in (0, 1]")
                } else if !(h.tolerance >= 0.0 && h.tolerance.is_finite()) {
                    Some("the tolerance is 0 or more")
                } else if h.sync == 0 {
                    Some("the sync period is 0")
                } else if policies.clone().any(|p| p.value == 0 || p.period == 0) {
                    Some("a policy changes at least 1 unit or per cent over a period above 0")
                } else {
                    None
                }
            }
        }
    }

    /// The most units the pool may have at once (a schedule's largest, an autoscaler's max).
    pub fn most(&self) -> u32 {
        match self {
            Scaling::Schedule { steps, .. } => steps.iter().map(|s| s.1).max().unwrap_or(1),
            Scaling::Autoscale(hpa) => hpa.max,
        }
    }
}

/// The Horizontal Pod Autoscaler's settings, times in steps.
#[derive(Debug, Clone, PartialEq)]
pub struct Hpa {
    /// `minReplicas`, at least 1: the pool starts with it.
    pub min: u32,
    /// `maxReplicas`, at least `min`.
    pub max: u32,
    /// The busy share each ready unit is kept at: `averageUtilization` / 100, in (0, 1].
    pub target: f64,
    /// No change while `|1 − busy / target|` is at most this (the controller's 0.1).
    pub tolerance: f64,
    /// Steps between two syncs (15 s).
    pub sync: u64,
    /// Steps from a unit's creation to its readiness.
    pub startup: u64,
    /// `behavior.scaleUp`.
    pub up: Rules,
    /// `behavior.scaleDown`.
    pub down: Rules,
}

/// `behavior.scaleUp` or `behavior.scaleDown`.
#[derive(Debug, Clone, PartialEq)]
pub struct Rules {
    /// `stabilizationWindowSeconds`, in steps.
    pub window: u64,
    /// `selectPolicy`.
    pub select: Select,
    /// `policies`.
    pub policies: Vec<Policy>,
}

/// Which policy's limit wins when several are given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Select {
    /// The one that allows the largest change (Kubernetes' default).
    Max,
    /// The one that allows the smallest change.
    Min,
    /// No change in this direction at all.
    Disabled,
}

/// One rate policy: at most `value` units (or per cent of the units at the start of the
/// period) changed over any `period`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// Units or per cent.
    pub kind: PolicyKind,
    /// At least 1.
    pub value: u32,
    /// `periodSeconds`, in steps, at least one.
    pub period: u64,
}

/// What a policy's value counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyKind {
    /// `Pods`: units.
    Pods,
    /// `Percent`: per cent of the units at the start of the period.
    Percent,
}

impl Rules {
    /// Kubernetes' default scale-up: no stabilisation, the larger of +100 % and +4 units per
    /// 15 s (`steps_15s`: 15 s in steps).
    pub fn default_up(steps_15s: u64) -> Rules {
        Rules {
            window: 0,
            select: Select::Max,
            policies: vec![
                Policy {
                    kind: PolicyKind::Pods,
                    value: 4,
                    period: steps_15s,
                },
                Policy {
                    kind: PolicyKind::Percent,
                    value: 100,
                    period: steps_15s,
                },
            ],
        }
    }

    /// Kubernetes' default scale-down: a 300 s stabilisation window, then up to −100 % per
    /// 15 s.
    pub fn default_down(steps_15s: u64) -> Rules {
        Rules {
            window: steps_15s * 20,
            select: Select::Max,
            policies: vec![Policy {
                kind: PolicyKind::Percent,
                value: 100,
                period: steps_15s,
            }],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kubernetes_defaults() {
        let up = Rules::default_up(15);
        assert_eq!(up.window, 0);
        assert_eq!(up.select, Select::Max);
        assert_eq!(up.policies.len(), 2);
        let down = Rules::default_down(15);
        assert_eq!(down.window, 300);
        assert_eq!(down.policies[0].value, 100);
    }
}
