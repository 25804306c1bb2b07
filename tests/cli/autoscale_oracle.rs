//! An independent model of Kubernetes' Horizontal Pod Autoscaler, written from its
//! documented algorithm (and docs/autoscaling.md's choices where the documentation leaves a
//! detail open), replays the busy shares planner wrote to `--units-csv` and must produce
//! its `desired` and `ready` columns exactly, row by row, over random step and ramp loads.
//!
//! The model keeps its own units: it starts at `min`, makes a unit ready `startup` after
//! the sync that asked for it, cancels starting units (the newest first) before it removes
//! ready ones, and so predicts when every row must appear: one at each sync (after a row
//! of its own when units became ready at that very instant), one at each other change, and
//! none otherwise.

use crate::common::{run, scenario_file};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

#[derive(Debug, Clone)]
struct Policy {
    pods: bool,
    value: u32,
    period: u64,
}

#[derive(Debug, Clone)]
struct Direction {
    window: u64,
    /// "max", "min" or "disabled".
    select: &'static str,
    policies: Vec<Policy>,
}

/// The autoscaler's settings; times in milliseconds (the scenarios' resolution).
#[derive(Debug, Clone)]
struct Settings {
    min: u32,
    max: u32,
    target: f64,
    tolerance: f64,
    sync: u64,
    startup: u64,
    up: Direction,
    down: Direction,
}

/// What the model remembers.
struct Hpa {
    s: Settings,
    desired: u32,
    ready: u32,
    /// Ready times of starting units, in the order they were asked for.
    starting: Vec<u64>,
    recommendations: Vec<(u64, u32)>,
    added: Vec<(u64, u32)>,
    removed: Vec<(u64, u32)>,
}

impl Hpa {
    fn new(s: Settings) -> Hpa {
        Hpa {
            desired: s.min,
            ready: s.min,
            s,
            starting: Vec::new(),
            recommendations: Vec::new(),
            added: Vec::new(),
            removed: Vec::new(),
        }
    }

    /// desiredReplicas = ceil(currentReplicas × currentMetric / desiredMetric), over the
    /// ready units; within the tolerance no change; on a scale-up, starting units count as
    /// 0 % busy and the ratio is recomputed (no change if it falls within the tolerance or
    /// below 1).
    fn metric(&self, busy: f64) -> u32 {
        let current = self.desired;
        let ratio = busy / self.s.target;
        let unready = current - self.ready;
        if unready > 0 && ratio > 1.0 {
            let averaged = busy * f64::from(self.ready) / f64::from(current) / self.s.target;
            if (1.0 - averaged).abs() <= self.s.tolerance || averaged < 1.0 {
                return current;
            }
            return ((averaged * f64::from(current)).ceil() as u32).max(current);
        }
        if (1.0 - ratio).abs() <= self.s.tolerance {
            return current;
        }
        (ratio * f64::from(self.ready)).ceil() as u32
    }

    /// The sync at `t`: the metric's recommendation, stabilised (the lowest of the
    /// scale-up window, the highest of the scale-down window, each holding the
    /// recommendations made after `t − window`), then limited by the rate policies (each
    /// counting the changes made after `t − period`) and by min and max.
    fn sync(&mut self, t: u64, busy: f64) -> u32 {
        let current = self.desired;
        let proposal = self.metric(busy);
        let mut up_rec = proposal;
        let mut down_rec = proposal;
        for &(at, r) in &self.recommendations {
            if t - at < self.s.up.window {
                up_rec = up_rec.min(r);
            }
            if t - at < self.s.down.window {
                down_rec = down_rec.max(r);
            }
        }
        self.recommendations.push((t, proposal));
        let mut wanted = current;
        if wanted < up_rec {
            wanted = up_rec;
        }
        if wanted > down_rec {
            wanted = down_rec;
        }
        let changed = |events: &[(u64, u32)], period: u64| -> i64 {
            events
                .iter()
                .filter(|&&(at, _)| t - at < period)
                .map(|&(_, n)| i64::from(n))
                .sum()
        };
        let cur = i64::from(current);
        let result = if wanted > current {
            let limits: Vec<i64> = self
                .s
                .up
                .policies
                .iter()
                .map(|p| {
                    let start =
                        cur - changed(&self.added, p.period) + changed(&self.removed, p.period);
                    if p.pods {
                        start + i64::from(p.value)
                    } else {
                        (start as f64 * (1.0 + f64::from(p.value) / 100.0)).ceil() as i64
                    }
                })
                .collect();
            let limit = match self.s.up.select {
                "max" => *limits.iter().max().unwrap(),
                "min" => *limits.iter().min().unwrap(),
                _ => cur,
            }
            .max(cur);
            i64::from(wanted).min(limit.min(i64::from(self.s.max))) as u32
        } else if wanted < current {
            let limits: Vec<i64> = self
                .s
                .down
                .policies
                .iter()
                .map(|p| {
                    let start =
                        cur - changed(&self.added, p.period) + changed(&self.removed, p.period);
                    if p.pods {
                        start - i64::from(p.value)
                    } else {
                        (start as f64 * (1.0 - f64::from(p.value) / 100.0)) as i64
                    }
                })
                .collect();
            let limit = match self.s.down.select {
                "max" => *limits.iter().min().unwrap(),
                "min" => *limits.iter().max().unwrap(),
                _ => cur,
            }
            .min(cur);
            i64::from(wanted).max(limit.max(i64::from(self.s.min))) as u32
        } else {
            current
        };
        if result > current {
            self.added.push((t, result - current));
            if self.s.startup == 0 {
                self.ready += result - current;
            } else {
                for _ in current..result {
                    self.starting.push(t + self.s.startup);
                }
            }
        } else if result < current {
            self.removed.push((t, current - result));
            let mut fewer = current - result;
            while fewer > 0 && !self.starting.is_empty() {
                self.starting.pop();
                fewer -= 1;
            }
            self.ready -= fewer;
        }
        self.desired = result;
        result
    }

    /// Units whose start-up ends by `t` become ready.
    fn promote(&mut self, t: u64) {
        let due = self.starting.iter().filter(|&&at| at <= t).count() as u32;
        self.starting.retain(|&at| at > t);
        self.ready += due;
    }

    fn next_start(&self) -> Option<u64> {
        self.starting.iter().copied().min()
    }
}

/// `(time in ms, desired, ready, busy share)` of each CSV row.
fn rows(csv: &str) -> Vec<(u64, u32, u32, f64)> {
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("time_s,station,desired,ready,busy_share")
    );
    lines
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            let ms = (f[0].parse::<f64>().unwrap() * 1000.0).round() as u64;
            (
                ms,
                f[2].parse().unwrap(),
                f[3].parse().unwrap(),
                f[4].parse().unwrap(),
            )
        })
        .collect()
}

/// Replays `rows` through the model; the first difference, if any.
fn replay(s: &Settings, rows: &[(u64, u32, u32, f64)]) -> Result<usize, String> {
    let mut hpa = Hpa::new(s.clone());
    let first = rows[0];
    if (first.0, first.1, first.2) != (0, s.min, s.min) {
        return Err(format!("first row {first:?}"));
    }
    let last = rows.last().unwrap().0;
    let mut told = (s.min, s.min);
    let mut i = 1;
    let mut next_sync = s.sync;
    let mut syncs = 0;
    loop {
        let model_next = hpa.next_start().map_or(next_sync, |a| a.min(next_sync));
        let row_next = rows.get(i).map_or(u64::MAX, |r| r.0);
        let t = model_next.min(row_next);
        if t > last || i >= rows.len() && t >= last {
            break;
        }
        hpa.promote(t);
        let take = |i: &mut usize, want: (u32, u32), what: &str| -> Result<f64, String> {
            match rows.get(*i) {
                Some(r) if r.0 == t && (r.1, r.2) == want => {
                    *i += 1;
                    Ok(r.3)
                }
                other => Err(format!(
                    "at {t} ms ({what}): model (desired, ready) {want:?}, planner's row {other:?}"
                )),
            }
        };
        if t == next_sync {
            if (hpa.desired, hpa.ready) != told {
                take(&mut i, (hpa.desired, hpa.ready), "change before the sync")?;
            }
            // The sync row carries the metric; the model decides from it, then checks.
            let busy = match rows.get(i) {
                Some(r) if r.0 == t => r.3,
                other => return Err(format!("no sync row at {t} ms: {other:?}")),
            };
            hpa.sync(t, busy);
            take(&mut i, (hpa.desired, hpa.ready), "sync")?;
            next_sync += s.sync;
            syncs += 1;
        } else if (hpa.desired, hpa.ready) != told {
            take(&mut i, (hpa.desired, hpa.ready), "change")?;
        } else if row_next == t {
            return Err(format!(
                "a row at {t} ms where nothing changed: {:?}",
                rows[i]
            ));
        }
        told = (hpa.desired, hpa.ready);
    }
    if i != rows.len() {
        return Err(format!("rows left over from {:?}", rows[i]));
    }
    Ok(syncs)
}

fn direction_text(d: &Direction) -> String {
    let policies: Vec<String> = d
        .policies
        .iter()
        .map(|p| {
            format!(
                "{{ type = \"{}\", value = {}, period = \"{}ms\" }}",
                if p.pods { "pods" } else { "percent" },
                p.value,
                p.period
            )
        })
        .collect();
    format!(
        "{{ stabilisation_window = \"{}ms\", select_policy = \"{}\", policies = [{}] }}",
        d.window,
        d.select,
        policies.join(", ")
    )
}

fn random_direction(rng: &mut Rng, up: bool, sync: u64) -> Direction {
    let windows = if up {
        [0, 0, sync, 60_000]
    } else {
        [300_000, 0, 60_000, 45_000]
    };
    let n = 1 + rng.below(2) as usize;
    Direction {
        window: windows[rng.below(4) as usize],
        select: ["max", "min", "max"][rng.below(3) as usize],
        policies: (0..n)
            .map(|_| Policy {
                pods: rng.below(2) == 0,
                value: [1, 2, 4, 50, 100][rng.below(5) as usize],
                period: [15_000, 30_000, 60_000][rng.below(3) as usize],
            })
            .collect(),
    }
}

fn case(seed: u64) -> Result<(), String> {
    let mut rng = Rng(seed * 0x9E37_79B9_7F4A_7C15 + 1);
    let custom = rng.below(2) == 0;
    // Kubernetes' default sync period unless the case sets its own.
    let sync = if custom {
        [15_000, 10_000, 20_000][rng.below(3) as usize]
    } else {
        15_000
    };
    let min = 1 + rng.below(3) as u32;
    let s = Settings {
        min,
        max: min + 1 + rng.below(10) as u32,
        target: [0.5, 0.6, 0.75, 0.8, 0.45][rng.below(5) as usize],
        tolerance: if custom { 0.05 } else { 0.1 },
        sync,
        startup: [0, 15_000, 20_000, 45_000][rng.below(4) as usize],
        up: if custom {
            random_direction(&mut rng, true, sync)
        } else {
            Direction {
                window: 0,
                select: "max",
                policies: vec![
                    Policy {
                        pods: true,
                        value: 4,
                        period: 15_000,
                    },
                    Policy {
                        pods: false,
                        value: 100,
                        period: 15_000,
                    },
                ],
            }
        },
        down: if custom {
            random_direction(&mut rng, false, sync)
        } else {
            Direction {
                window: 300_000,
                select: "max",
                policies: vec![Policy {
                    pods: false,
                    value: 100,
                    period: 15_000,
                }],
            }
        },
    };
    let service_ms = [50, 100, 200][rng.below(3) as usize];
    let peak = (1 + rng.below(8)) * 1000 / service_ms;
    let autoscale = if custom {
        format!(
            "{{ min = {}, max = {}, target_utilisation = {}, startup = \"{}ms\", tolerance = {}, sync_period = \"{}ms\", scale_up = {}, scale_down = {} }}",
            s.min,
            s.max,
            s.target,
            s.startup,
            s.tolerance,
            s.sync,
            direction_text(&s.up),
            direction_text(&s.down)
        )
    } else {
        format!(
            "{{ min = {}, max = {}, target_utilisation = {}, startup = \"{}ms\" }}",
            s.min, s.max, s.target, s.startup
        )
    };
    let scenario = format!(
        "name = \"hpa\"\nresolution = 0.001\n[load]\ntimeout = 1.0\n[[station]]\nname = \"app\"\nkind = \"pool\"\nservice = \"{service_ms}ms\"\ndistribution = \"exponential\"\nunit = \"server\"\ncpu_per_unit = 1.0\nram_gib_per_unit = 1.0\nautoscale = {autoscale}\n"
    );
    let (_dir, path) = scenario_file(&scenario);
    // A step load (a jump up, a hold, a drop) or a ramp up and down.
    let low = 1 + rng.below(peak.max(2) / 2);
    let stages: Vec<String> = if rng.below(2) == 0 {
        vec![
            format!("1s:{low}"),
            format!("{}s:{low}", 60 + rng.below(120)),
            format!("1s:{peak}"),
            format!("{}s:{peak}", 120 + rng.below(240)),
            format!("1s:{low}"),
            format!("{}s:{low}", 300 + rng.below(300)),
        ]
    } else {
        vec![
            format!("{}s:{peak}", 120 + rng.below(300)),
            format!("{}s:{peak}", 60 + rng.below(120)),
            format!("{}s:0", 120 + rng.below(300)),
        ]
    };
    let seed_text = (seed + 1).to_string();
    let mut args = vec![
        "run",
        "--scenario",
        &path,
        "--arrivals",
        "poisson",
        "--seed",
        &seed_text,
        "--replications",
        "1",
        "--rate",
        "0",
        "--units-csv",
        "-",
    ];
    for st in &stages {
        args.push("--stage");
        args.push(st);
    }
    let (code, out, err) = run(&args);
    if code != 0 {
        return Err(format!("exit {code}: {err}\n{scenario}"));
    }
    let rows = rows(&out);
    let syncs = replay(&s, &rows).map_err(|e| format!("{e}\n{scenario}\nstages {stages:?}"))?;
    if syncs < 10 {
        return Err(format!("only {syncs} syncs\n{scenario}"));
    }
    Ok(())
}

#[test]
fn an_independent_hpa_reproduces_desired_and_ready_from_the_busy_shares() {
    let mut changes = 0;
    for seed in 0..16 {
        if let Err(e) = case(seed) {
            panic!("seed {seed}: {e}");
        }
        changes += 1;
    }
    assert_eq!(changes, 16);
}
