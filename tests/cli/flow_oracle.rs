//! Request flows in the engine against an independent oracle.
//!
//! The oracle is a plain step machine, no futures: each client is a tree of node states
//! (visit, sequence, all, pick) that a "poll" advances as far as it can, run by a loop with
//! the executor's documented same-instant rule written out — a FIFO ready queue (a task is
//! queued once; one woken by another runs after every task already queued), a timer heap
//! ordered by (instant, order set), the clock jumping to the next timer only when nothing is
//! ready, and every timer of an instant waking its task in the order set. Stations are FIFO:
//! a released unit goes to the longest waiter, a newcomer takes a free unit only when nobody
//! waits. An `all` polls its branches in order; a sequence starts its next step at once.
//!
//! It is compared per client and station (start, done of the last visit, served time, class,
//! the station that ended the flow) on many random flows, classes, picks and service draws.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

use crate::engine_api::{each as simulate_classes_each, rows};

use planner::model::plan::{Classes, Kind, Plan, Station};

use planner::outcome::records::NOT_VISITED;

/// A flow as the oracle keeps it (built alongside the engine's plan, with the same slots).
#[derive(Debug, Clone)]
enum F {
    Visit {
        station: usize,
        slot: usize,
        own: Option<u64>,
    },
    Seq(Vec<F>),
    All(Vec<F>),
    Pick {
        slot: usize,
        branches: Vec<F>,
    },
}

/// A small deterministic generator: the cases are the same on every run.
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

/// A random flow over `stations` (batch stations never get their own service time), built
/// into `plan` at the same time; `visits` and `picks` count slots.
fn random_flow(
    rng: &mut Rng,
    depth: u32,
    kinds: &[Kind],
    plan: &mut Plan,
    visits: &mut usize,
    picks: &mut usize,
) -> (F, u32) {
    let leaf = depth == 0 || rng.below(10) < 4;
    if leaf {
        let station = rng.below(kinds.len() as u64) as usize;
        let own = match kinds[station] {
            Kind::Pool { .. } if rng.below(3) == 0 => Some(1 + rng.below(5)),
            _ => None,
        };
        let slot = *visits;
        *visits += 1;
        let id = plan.visit(station as u16, own);
        return (F::Visit { station, slot, own }, id);
    }
    let n = 1 + rng.below(3) as usize;
    let mut fs = Vec::new();
    let mut ids = Vec::new();
    let kind = rng.below(3);
    // Now and then an `all` of visits wider than the engine's narrow joins, which poll only
    // the branches woken.
    let n = if kind == 1 && depth == 1 && rng.below(6) == 0 {
        33 + rng.below(16) as usize
    } else {
        n
    };
    for _ in 0..n {
        let (f, id) = random_flow(rng, depth - 1, kinds, plan, visits, picks);
        fs.push(f);
        ids.push(id);
    }
    match kind {
        0 => (F::Seq(fs), plan.seq(ids)),
        1 => (F::All(fs), plan.all(ids)),
        _ => {
            // The plan numbers a pick's slot when the pick is added, after its branches.
            let slot = *picks;
            *picks += 1;
            let p = 1.0 / n as f64;
            let id = plan.pick(ids.iter().map(|&i| (p, i)).collect());
            (F::Pick { slot, branches: fs }, id)
        }
    }
}

#[derive(Debug)]
enum St {
    Visit {
        station: usize,
        steps: u64,
        phase: Phase,
    },
    Seq {
        parts: Vec<F>,
        next: usize,
        current: Option<Box<St>>,
        last: (u64, usize),
    },
    All {
        branches: Vec<Option<Box<St>>>,
        last: (u64, usize),
    },
}

#[derive(Debug, Clone, Copy)]
enum Phase {
    Start,
    /// Queued at the station under this waiter id.
    Waiting(usize),
    /// Holding a unit (or the lock, cooking) until `end`; started at `start`.
    Busy {
        start: u64,
        end: u64,
    },
}

enum Sta {
    Pool {
        free: u32,
        waiters: VecDeque<usize>,
    },
    Batch {
        locked: bool,
        waiters: VecDeque<usize>,
        ready: u32,
        portions: u32,
    },
}

struct Sim<'a> {
    now: u64,
    order: u64,
    timers: BinaryHeap<Reverse<(u64, u64, usize)>>,
    ready: VecDeque<usize>,
    queued: Vec<bool>,
    stations: Vec<Sta>,
    /// Waiter id → (task, granted).
    grants: Vec<(usize, bool)>,
    service: Vec<u64>,
    draws: Option<&'a [u64]>,
    width: usize,
    choices: &'a [u32],
    pick_width: usize,
    start: Vec<u64>,
    done: Vec<u64>,
}

fn later(a: (u64, usize), b: (u64, usize)) -> (u64, usize) {
    if b.0 > a.0 || (b.0 == a.0 && b.1 < a.1) {
        b
    } else {
        a
    }
}

impl Sim<'_> {
    fn wake(&mut self, task: usize) {
        if !self.queued[task] {
            self.queued[task] = true;
            self.ready.push_back(task);
        }
    }

    fn timer(&mut self, at: u64, task: usize) {
        if at > self.now {
            self.timers.push(Reverse((at, self.order, task)));
            self.order += 1;
        }
    }

    /// Takes a unit (or the lock) at once if one is free and nobody waits, else queues.
    fn acquire(&mut self, station: usize, task: usize) -> Option<usize> {
        let id = self.grants.len();
        let (free, waiters) = match &mut self.stations[station] {
            Sta::Pool { free, waiters } => (free.checked_sub(1), waiters),
            Sta::Batch {
                locked, waiters, ..
            } => {
                let f = if *locked { None } else { Some(0) };
                (f, waiters)
            }
        };
        if let (Some(left), true) = (free, waiters.is_empty()) {
            match &mut self.stations[station] {
                Sta::Pool { free, .. } => *free = left,
                Sta::Batch { locked, .. } => *locked = true,
            }
            None
        } else {
            waiters.push_back(id);
            self.grants.push((task, false));
            Some(id)
        }
    }

    fn release(&mut self, station: usize) {
        let head = match &mut self.stations[station] {
            Sta::Pool { waiters, .. } | Sta::Batch { waiters, .. } => waiters.pop_front(),
        };
        match head {
            Some(id) => {
                self.grants[id].1 = true;
                let task = self.grants[id].0;
                self.wake(task);
            }
            None => match &mut self.stations[station] {
                Sta::Pool { free, .. } => *free += 1,
                Sta::Batch { locked, .. } => *locked = false,
            },
        }
    }

    fn make(&self, f: &F, client: usize) -> St {
        match f {
            F::Visit { station, slot, own } => St::Visit {
                station: *station,
                steps: match self.draws {
                    Some(d) => d[client * self.width + slot],
                    None => own.unwrap_or(self.service[*station]),
                },
                phase: Phase::Start,
            },
            F::Seq(parts) => St::Seq {
                parts: parts.clone(),
                next: 0,
                current: None,
                last: (0, usize::MAX),
            },
            F::All(parts) => St::All {
                branches: parts
                    .iter()
                    .map(|p| Some(Box::new(self.make(p, client))))
                    .collect(),
                last: (0, usize::MAX),
            },
            F::Pick { slot, branches } => {
                let chosen = self.choices[client * self.pick_width + slot] as usize;
                self.make(&branches[chosen], client)
            }
        }
    }

    /// Advances one node as far as it goes; `Some((end, station))` once it is done.
    fn poll(&mut self, st: &mut St, client: usize) -> Option<(u64, usize)> {
        let task = client + 1;
        match st {
            St::Visit {
                station,
                steps,
                phase,
            } => {
                let s = *station;
                let is_batch = matches!(self.stations[s], Sta::Batch { .. });
                loop {
                    match *phase {
                        Phase::Start => match self.acquire(s, task) {
                            Some(id) => {
                                *phase = Phase::Waiting(id);
                                return None;
                            }
                            None => *phase = self.begin(s, *steps, task, is_batch),
                        },
                        Phase::Waiting(id) => {
                            if !self.grants[id].1 {
                                return None;
                            }
                            *phase = self.begin(s, *steps, task, is_batch);
                        }
                        Phase::Busy { start, end } => {
                            if self.now < end {
                                return None;
                            }
                            if let Sta::Batch {
                                ready, portions, ..
                            } = &mut self.stations[s]
                            {
                                if *ready == 0 {
                                    *ready = *portions;
                                }
                                *ready -= 1;
                            }
                            self.release(s);
                            let slot = client * self.service.len() + s;
                            if self.done[slot] == NOT_VISITED || end >= self.done[slot] {
                                self.done[slot] = end;
                                self.start[slot] = start;
                            }
                            return Some((end, s));
                        }
                    }
                }
            }
            St::Seq {
                parts,
                next,
                current,
                last,
            } => loop {
                if current.is_none() {
                    if *next == parts.len() {
                        return Some(*last);
                    }
                    let f = parts[*next].clone();
                    *current = Some(Box::new(self.make(&f, client)));
                    *next += 1;
                }
                let r = self.poll(current.as_mut().unwrap(), client)?;
                *last = later(*last, r);
                *current = None;
            },
            St::All { branches, last } => {
                let mut pending = false;
                for b in branches.iter_mut() {
                    if let Some(inner) = b {
                        match self.poll(inner, client) {
                            Some(r) => {
                                *last = later(*last, r);
                                *b = None;
                            }
                            None => pending = true,
                        }
                    }
                }
                (!pending).then_some(*last)
            }
        }
    }

    /// Holding the unit or lock: a pool serves `steps`; a batch station with portions
    /// ready hands one at once, else cooks `steps`.
    fn begin(&mut self, s: usize, steps: u64, task: usize, is_batch: bool) -> Phase {
        let now = self.now;
        let cooks = match &self.stations[s] {
            Sta::Batch { ready, .. } => *ready == 0,
            Sta::Pool { .. } => true,
        };
        let _ = is_batch;
        if cooks {
            self.timer(now + steps, task);
            Phase::Busy {
                start: now,
                end: now + steps,
            }
        } else {
            Phase::Busy {
                start: now,
                end: now,
            }
        }
    }
}

/// The oracle's result: per client and station (start, done), served, the ending station.
struct Want {
    start: Vec<u64>,
    done: Vec<u64>,
    served: Vec<u64>,
    ended_by: Vec<usize>,
}

fn oracle(
    stations: &[Station],
    flows: &[F],
    class: &[u32],
    (choices, pick_width): (&[u32], usize),
    due: &[u64],
    (draws, width): (Option<&[u64]>, usize),
) -> Want {
    let n = due.len();
    let w = stations.len();
    let mut sim = Sim {
        now: 0,
        order: 0,
        timers: BinaryHeap::new(),
        ready: VecDeque::new(),
        queued: vec![false; n + 1],
        stations: stations
            .iter()
            .map(|s| match s.kind {
                Kind::Pool { units } => Sta::Pool {
                    free: units,
                    waiters: VecDeque::new(),
                },
                Kind::Batch { portions } => Sta::Batch {
                    locked: false,
                    waiters: VecDeque::new(),
                    ready: 0,
                    portions,
                },
            })
            .collect(),
        grants: Vec::new(),
        service: stations.iter().map(|s| s.service).collect(),
        draws,
        width,
        choices,
        pick_width,
        start: vec![NOT_VISITED; n * w],
        done: vec![NOT_VISITED; n * w],
    };
    let mut states: Vec<Option<St>> = (0..n).map(|_| None).collect();
    let mut finished = vec![false; n];
    let mut served = vec![0; n];
    let mut ended_by = vec![0; n];
    let mut next_client = 0;
    let mut driver_timer = false;
    sim.wake(0);
    loop {
        while let Some(task) = sim.ready.pop_front() {
            sim.queued[task] = false;
            if task == 0 {
                // The driver: spawn every client already due, then sleep until the next.
                while next_client < n {
                    let d = due[next_client];
                    if d > sim.now {
                        if !driver_timer {
                            sim.timer(d, 0);
                            driver_timer = true;
                        }
                        break;
                    }
                    driver_timer = false;
                    states[next_client] =
                        Some(sim.make(&flows[class[next_client] as usize], next_client));
                    sim.wake(next_client + 1);
                    next_client += 1;
                }
                continue;
            }
            let c = task - 1;
            if finished[c] {
                continue;
            }
            let mut st = states[c].take().expect("spawned");
            match sim.poll(&mut st, c) {
                Some((end, station)) => {
                    finished[c] = true;
                    served[c] = end;
                    ended_by[c] = station;
                }
                None => states[c] = Some(st),
            }
        }
        let Some(Reverse((at, _, task))) = sim.timers.pop() else {
            break;
        };
        sim.now = at;
        sim.wake(task);
        while let Some(Reverse((t, _, _))) = sim.timers.peek() {
            if *t != at {
                break;
            }
            let Reverse((_, _, task)) = sim.timers.pop().unwrap();
            sim.wake(task);
        }
    }
    assert!(
        finished.iter().all(|&f| f),
        "the oracle left clients unserved"
    );
    Want {
        start: sim.start,
        done: sim.done,
        served,
        ended_by,
    }
}

/// One random case: stations, classes with flows, clients, picks and maybe draws.
fn case(seed: u64) -> Result<(), String> {
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let ns = 1 + rng.below(4) as usize;
    let stations: Vec<Station> = (0..ns)
        .map(|i| {
            let kind = if rng.below(3) == 0 {
                Kind::Batch {
                    portions: 1 + rng.below(4) as u32,
                }
            } else {
                Kind::Pool {
                    units: 1 + rng.below(3) as u32,
                }
            };
            Station {
                name: format!("s{i}").into(),
                service: 1 + rng.below(6),
                kind,
                scaling: None,
            }
        })
        .collect();
    let kinds: Vec<Kind> = stations.iter().map(|s| s.kind).collect();
    let nk = 1 + rng.below(3) as usize;
    let mut plans = Vec::new();
    let mut flows = Vec::new();
    for _ in 0..nk {
        let mut plan = Plan::builder();
        let (mut visits, mut picks) = (0, 0);
        let depth = 1 + rng.below(4) as u32;
        let (f, root) = random_flow(&mut rng, depth, &kinds, &mut plan, &mut visits, &mut picks);
        plans.push(plan.finish(root));
        flows.push(f);
    }
    let n = 1 + rng.below(25) as usize;
    let mut due = Vec::with_capacity(n);
    let mut t = rng.below(3);
    for _ in 0..n {
        due.push(t);
        t += [0, 0, 1, 2, 3, 5][rng.below(6) as usize];
    }
    let class: Vec<u32> = (0..n).map(|_| rng.below(nk as u64) as u32).collect();
    let mut classes = Classes {
        plans,
        class: class.clone(),
        choices: Vec::new(),
    };
    let pw = classes.pick_stride();
    let branch_counts: Vec<Vec<usize>> = classes
        .plans
        .iter()
        .map(|p| p.picks().iter().map(Vec::len).collect())
        .collect();
    let mut choices = vec![0u32; n * pw];
    for c in 0..n {
        for (slot, &b) in branch_counts[class[c] as usize].iter().enumerate() {
            choices[c * pw + slot] = rng.below(b as u64) as u32;
        }
    }
    classes.choices = choices.clone();
    let width = classes.visit_stride();
    let draws: Option<Vec<u64>> =
        (rng.below(3) == 0).then(|| (0..n * width).map(|_| 1 + rng.below(7)).collect());
    let want = oracle(
        &stations,
        &flows,
        &class,
        (&choices, pw),
        &due,
        (draws.as_deref(), width),
    );
    let got = rows(&stations, Some(&classes), &due, draws.as_deref(), false)
        .map_err(|e| e.to_string())?;
    let w = stations.len();
    for c in 0..n {
        for s in 0..w {
            let (gs, gd) = (got.start_of(c)[s], got.done_of(c)[s]);
            let (ws, wd) = (want.start[c * w + s], want.done[c * w + s]);
            if (gs, gd) != (ws, wd) {
                return Err(format!(
                    "seed {seed}: client {c} station {s}: engine ({gs}, {gd}), oracle ({ws}, {wd}); flows {flows:?}, stations {stations:?}, due {due:?}, class {class:?}, choices {choices:?}, draws {draws:?}"
                ));
            }
        }
        if got.served(c) != want.served[c] || got.bottleneck(c) != want.ended_by[c] {
            return Err(format!(
                "seed {seed}: client {c}: engine served {} by {}, oracle {} by {}",
                got.served(c),
                got.bottleneck(c),
                want.served[c],
                want.ended_by[c]
            ));
        }
    }
    if got.class.as_deref() != Some(&class[..]) {
        return Err(format!("seed {seed}: classes differ"));
    }
    // The streaming path tells the same served times, ending stations and classes.
    let told = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
    let sink = told.clone();
    simulate_classes_each(
        &stations,
        Some(&classes),
        &due,
        draws.as_deref(),
        move |s| sink.borrow_mut().push(s),
    )
    .map_err(|e| e.to_string())?;
    let mut told = told.take();
    told.sort_by_key(|s| s.client);
    for s in &told {
        let c = s.client as usize;
        if (s.end, s.class) != (want.served[c], class[c]) || s.due != due[c] {
            return Err(format!("seed {seed}: client {c}: streamed {s:?}"));
        }
    }
    if told.len() != n {
        return Err(format!("seed {seed}: {} of {n} clients told", told.len()));
    }
    Ok(())
}

/// How many random cases: `PLANNER_ORACLE_CASES` or the default.
fn cases(default: u64) -> u64 {
    std::env::var("PLANNER_ORACLE_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[test]
fn flows_match_the_oracle_on_random_cases() {
    let n = cases(20_000);
    let failures: Vec<String> = (1..=n)
        .filter_map(|seed| case(seed).err())
        .take(3)
        .collect();
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn a_sequence_adds_up_and_all_waits_for_the_slowest() {
    // s0 pool of 1 (4 steps), s1 pool of 1 (2 steps): `s0 -> s1` then `all(s0, s1)`.
    let stations = vec![
        Station {
            name: "a".into(),
            service: 4,
            kind: Kind::Pool { units: 1 },
            scaling: None,
        },
        Station {
            name: "b".into(),
            service: 2,
            kind: Kind::Pool { units: 1 },
            scaling: None,
        },
    ];
    let mut seq = Plan::builder();
    let (a, b) = (seq.visit(0, None), seq.visit(1, None));
    let root = seq.seq(vec![a, b]);
    let seq = seq.finish(root);
    let classes = Classes {
        plans: vec![seq],
        class: vec![0, 0],
        choices: vec![],
    };
    let o = rows(&stations, Some(&classes), &[0, 0], None, false).unwrap();
    // Client 1: a 0..4, b 4..6. Client 2: a 4..8, b 8..10.
    assert_eq!(o.start_of(0), &[0, 4]);
    assert_eq!(o.done_of(0), &[4, 6]);
    assert_eq!(o.start_of(1), &[4, 8]);
    assert_eq!(o.latency(1), 10);
    // Own service time on a visit: `b(7)` takes 7 steps, not 2.
    let mut own = Plan::builder();
    let v = own.visit(1, Some(7));
    let own = own.finish(v);
    let classes = Classes {
        plans: vec![own],
        class: vec![0],
        choices: vec![],
    };
    let o = rows(&stations, Some(&classes), &[3], None, false).unwrap();
    assert_eq!(o.done_of(0), &[NOT_VISITED, 10]);
    assert_eq!(o.latency(0), 7);
}

#[test]
fn pick_follows_the_given_draws() {
    let stations = vec![
        Station {
            name: "a".into(),
            service: 3,
            kind: Kind::Pool { units: 1 },
            scaling: None,
        },
        Station {
            name: "b".into(),
            service: 5,
            kind: Kind::Pool { units: 1 },
            scaling: None,
        },
    ];
    let mut p = Plan::builder();
    let (a, b) = (p.visit(0, None), p.visit(1, None));
    let root = p.pick(vec![(0.5, a), (0.5, b)]);
    let classes = Classes {
        plans: vec![p.finish(root)],
        class: vec![0, 0, 0],
        choices: vec![1, 0, 1],
    };
    let o = rows(&stations, Some(&classes), &[0, 0, 0], None, false).unwrap();
    assert_eq!(o.done_of(0), &[NOT_VISITED, 5]);
    assert_eq!(o.done_of(1), &[3, NOT_VISITED]);
    assert_eq!(o.done_of(2), &[NOT_VISITED, 10]);
}
