//! Kubernetes' Horizontal Pod Autoscaler, one sync at a time: what `desired` becomes from
//! the pool's busy share, with the controller's tolerance, its stabilisation windows and its
//! rate policies (`autoscaling/v2`, `behavior`).
//!
//! Written after the controller's documented algorithm and its reconcile step, in order:
//! 1. outside `[min, max]`, `desired` is brought inside and nothing else is done;
//! 2. the metric's proposal: `ratio = busy / target`; within the tolerance of 1, no change;
//!    else `ceil(ratio × ready)`. Units not ready yet are set aside, except on a scale-up,
//!    when they count as 0 % busy: `ratio′ = (busy × ready / current) / target`, and no
//!    change if `ratio′` is within the tolerance or no longer above 1; else
//!    `ceil(ratio′ × current)`;
//! 3. stabilisation: the proposal is recorded; `desired` is `current`, raised to the lowest
//!    recommendation of the scale-up window and lowered to the highest of the scale-down
//!    window (each window: recommendations strictly later than `now − window`, this one
//!    included);
//! 4. rate limits: a scale-up stops at `min(max, limit)`, where each policy's limit is the
//!    units at the start of its period (now's units less the changes made strictly within
//!    it) plus its value (`Pods`) or times `1 + value/100`, rounded up (`Percent`), and the
//!    selected policy's (the largest by default) wins; a scale-down stops at
//!    `max(min, limit)`, each policy's limit the start's units less its value, or times
//!    `1 − value/100` rounded down.
//!
//! Arithmetic in f64 in the order written above, as the controller's Go does it.

use std::collections::VecDeque;

use crate::model::scaling::{Hpa, PolicyKind, Rules, Select};

/// One pool's autoscaler: its settings and what it remembers from sync to sync.
pub(super) struct Autoscaler {
    hpa: Hpa,
    /// `(step, proposal)` of the syncs within the longest stabilisation window.
    recommendations: VecDeque<(u64, u32)>,
    /// `(step, units added)` and `(step, units removed)` within the longest policy period.
    ups: VecDeque<(u64, u32)>,
    downs: VecDeque<(u64, u32)>,
}

impl Autoscaler {
    pub(super) fn new(hpa: Hpa) -> Autoscaler {
        Autoscaler {
            hpa,
            recommendations: VecDeque::new(),
            ups: VecDeque::new(),
            downs: VecDeque::new(),
        }
    }

    /// The sync at step `now`: `current` units desired so far, `ready` of them ready (the
    /// rest starting), each ready unit `busy` busy over the last period. Returns the new
    /// desired count.
    pub(super) fn sync(&mut self, now: u64, current: u32, ready: u32, busy: f64) -> u32 {
        let (min, max) = (self.hpa.min, self.hpa.max);
        let desired = if current > max {
            max
        } else if current < min {
            min
        } else {
            let proposal = proposal(&self.hpa, current, ready, busy);
            let stable = self.stabilise(now, current, proposal);
            self.limit(now, current, stable)
        };
        if desired > current {
            self.ups.push_back((now, desired - current));
        } else if desired < current {
            self.downs.push_back((now, current - desired));
        }
        desired
    }

    fn stabilise(&mut self, now: u64, current: u32, proposal: u32) -> u32 {
        let (up, down) = (self.hpa.up.window, self.hpa.down.window);
        let longest = up.max(down);
        while self
            .recommendations
            .front()
            .is_some_and(|&(at, _)| at + longest <= now)
        {
            self.recommendations.pop_front();
        }
        let mut lowest = proposal;
        let mut highest = proposal;
        for &(at, r) in &self.recommendations {
            if at + up > now {
                lowest = lowest.min(r);
            }
            if at + down > now {
                highest = highest.max(r);
            }
        }
        self.recommendations.push_back((now, proposal));
        current.max(lowest).min(highest)
    }

    fn limit(&mut self, now: u64, current: u32, desired: u32) -> u32 {
        let longest = |r: &Rules| r.policies.iter().map(|p| p.period).max().unwrap_or(0);
        let keep = longest(&self.hpa.up).max(longest(&self.hpa.down));
        for events in [&mut self.ups, &mut self.downs] {
            while events.front().is_some_and(|&(at, _)| at + keep <= now) {
                events.pop_front();
            }
        }
        let current_i = i64::from(current);
        if desired > current {
            let limit = self.up_limit(now, current_i).max(current_i);
            let allowed = i64::from(self.hpa.max).min(limit);
            (i64::from(desired).min(allowed)) as u32
        } else if desired < current {
            let limit = self.down_limit(now, current_i).min(current_i);
            let allowed = i64::from(self.hpa.min).max(limit);
            (i64::from(desired).max(allowed)) as u32
        } else {
            desired
        }
    }

    /// Units at the start of a period of `period` steps before `now`.
    fn period_start(&self, now: u64, current: i64, period: u64) -> i64 {
        let within = |events: &VecDeque<(u64, u32)>| -> i64 {
            events
                .iter()
                .filter(|&&(at, _)| at + period > now)
                .map(|&(_, n)| i64::from(n))
                .sum()
        };
        current - within(&self.ups) + within(&self.downs)
    }

    fn up_limit(&self, now: u64, current: i64) -> i64 {
        let rules = &self.hpa.up;
        let proposed = rules.policies.iter().map(|p| {
            let start = self.period_start(now, current, p.period);
            match p.kind {
                PolicyKind::Pods => start + i64::from(p.value),
                PolicyKind::Percent => {
                    (start as f64 * (1.0 + f64::from(p.value) / 100.0)).ceil() as i64
                }
            }
        });
        match rules.select {
            Select::Disabled => current,
            Select::Max => proposed.max().unwrap_or(current),
            Select::Min => proposed.min().unwrap_or(current),
        }
    }

    fn down_limit(&self, now: u64, current: i64) -> i64 {
        let rules = &self.hpa.down;
        let proposed = rules.policies.iter().map(|p| {
            let start = self.period_start(now, current, p.period);
            match p.kind {
                PolicyKind::Pods => start - i64::from(p.value),
                PolicyKind::Percent => {
                    (start as f64 * (1.0 - f64::from(p.value) / 100.0)).trunc() as i64
                }
            }
        });
        match rules.select {
            Select::Disabled => current,
            // The largest change down is the lowest limit.
            Select::Max => proposed.min().unwrap_or(current),
            Select::Min => proposed.max().unwrap_or(current),
        }
    }
}

/// What the metric asks for, before stabilisation and rate limits.
fn proposal(hpa: &Hpa, current: u32, ready: u32, busy: f64) -> u32 {
    let ratio = busy / hpa.target;
    let unready = current - ready;
    if unready == 0 || ratio <= 1.0 {
        if (1.0 - ratio).abs() <= hpa.tolerance {
            return current;
        }
        return ceil_units(ratio * f64::from(ready));
    }
    // A scale-up while units are starting: they count as idle.
    let counted = busy * f64::from(ready) / f64::from(current) / hpa.target;
    if (1.0 - counted).abs() <= hpa.tolerance || counted < 1.0 {
        return current;
    }
    ceil_units(counted * f64::from(current)).max(current)
}

/// `ceil(x)` as a count of units (a busy share is finite and at most 1).
fn ceil_units(x: f64) -> u32 {
    x.ceil().clamp(0.0, f64::from(u32::MAX)) as u32
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::scaling::Policy;

    fn hpa(min: u32, max: u32, target: f64) -> Hpa {
        Hpa {
            min,
            max,
            target,
            tolerance: 0.1,
            sync: 15,
            startup: 0,
            up: Rules::default_up(15),
            down: Rules::default_down(15),
        }
    }

    #[test]
    fn the_metric_proposes_ceil_of_ready_times_the_ratio_outside_the_tolerance() {
        let h = hpa(1, 100, 0.5);
        assert_eq!(proposal(&h, 4, 4, 0.5), 4);
        // 0.54 / 0.5 = 1.08: within the tolerance.
        assert_eq!(proposal(&h, 4, 4, 0.54), 4);
        // 0.75 / 0.5 = 1.5: 6.
        assert_eq!(proposal(&h, 4, 4, 0.75), 6);
        // 0.1 / 0.5 = 0.2: ceil(0.8) = 1.
        assert_eq!(proposal(&h, 4, 4, 0.1), 1);
        assert_eq!(proposal(&h, 4, 4, 0.0), 0);
    }

    #[test]
    fn starting_units_count_as_idle_on_a_scale_up_and_are_set_aside_on_a_scale_down() {
        let h = hpa(1, 100, 0.5);
        // 2 ready of 4, both 100 % busy: ratio 2 → counted as (1 × 2 / 4) / 0.5 = 1: no
        // change.
        assert_eq!(proposal(&h, 4, 2, 1.0), 4);
        // 3 ready of 4 at 100 %: (3/4) / 0.5 = 1.5 → ceil(1.5 × 4) = 6.
        assert_eq!(proposal(&h, 4, 3, 1.0), 6);
        // A scale-down sets them aside: ratio 0.4 / 0.5 = 0.8 on the 2 ready → 2.
        assert_eq!(proposal(&h, 4, 2, 0.4), 2);
    }

    #[test]
    fn a_scale_down_waits_out_the_window_and_a_scale_up_doubles_or_adds_four() {
        let mut a = Autoscaler::new(hpa(1, 100, 0.5));
        // Load doubles: 1 → 2 (100 %: the start's 1 doubled, or +4: 5; 2 is asked).
        assert_eq!(a.sync(15, 1, 1, 1.0), 2);
        // 2 at 100 % busy asks 4.
        assert_eq!(a.sync(30, 2, 2, 1.0), 4);
        // 4 at 100 % asks 8: +4 or +100 %, 8.
        assert_eq!(a.sync(45, 4, 4, 1.0), 8);
        // 8 at 100 % asks 16: +100 % gives 16.
        assert_eq!(a.sync(60, 8, 8, 1.0), 16);
        // Idle: the window keeps 16 until the sync 300 s after the last proposal of 16.
        let mut t = 75;
        while t < 360 {
            assert_eq!(a.sync(t, 16, 16, 0.0), 16, "at {t}");
            t += 15;
        }
        // At 360 the proposal of 16 (at 60) is exactly 300 s old: out of the window.
        assert_eq!(a.sync(360, 16, 16, 0.0), 1);
    }

    #[test]
    fn rate_policies_count_the_changes_made_strictly_within_their_period() {
        // Every sync asks four times the units.
        let mut h = hpa(1, 100, 0.25);
        h.up = Rules {
            window: 0,
            select: Select::Max,
            policies: vec![Policy {
                kind: PolicyKind::Pods,
                value: 2,
                period: 60,
            }],
        };
        let mut a = Autoscaler::new(h);
        assert_eq!(a.sync(15, 1, 1, 1.0), 3);
        // +2 per 60 s: 3 is the start's 1 + 2 until the change at 15 leaves the period.
        assert_eq!(a.sync(30, 3, 3, 1.0), 3);
        assert_eq!(a.sync(60, 3, 3, 1.0), 3);
        assert_eq!(a.sync(75, 3, 3, 1.0), 5);
    }

    #[test]
    fn outside_min_and_max_the_count_is_brought_inside_first() {
        let mut a = Autoscaler::new(hpa(2, 5, 0.5));
        assert_eq!(a.sync(15, 1, 1, 0.0), 2);
        assert_eq!(a.sync(30, 9, 9, 0.0), 5);
        // Within: the proposal 10 is capped at max.
        assert_eq!(a.sync(45, 5, 5, 1.0), 5);
    }

    #[test]
    fn a_disabled_direction_never_moves() {
        let mut h = hpa(1, 100, 0.5);
        h.down.select = Select::Disabled;
        h.down.window = 0;
        let mut a = Autoscaler::new(h);
        assert_eq!(a.sync(15, 6, 6, 0.0), 6);
    }
}
