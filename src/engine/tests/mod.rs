//! The engine's client rules, by hand-checked cases: patience (a client gives up and its future
//! is dropped), cancellation, retries with backoff, batches that always finish, closed loops,
//! request flows; through [`super::simulate`], the one way in.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use super::station::{Batch, Pool};
use super::*;
use crate::model::plan::{Classes, Kind, Plan, Station};
use crate::workload::clients::ClosedLoop;
use crate::workload::draws::Fixed;

/// What a run told: each client's end (served, or gone), attempts and class, the work wasted
/// per station, and the requests of a closed loop.
#[derive(Default)]
struct Told {
    done: Vec<Done>,
    wasted: Vec<u64>,
}

impl Observe for Told {
    fn done(&mut self, d: Done) {
        self.done.push(d);
    }

    fn wasted(&mut self, station: u16, steps: u64) {
        if self.wasted.len() <= station as usize {
            self.wasted.resize(station as usize + 1, 0);
        }
        self.wasted[station as usize] += steps;
    }
}

/// One client's story, as the old tests read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Fate {
    due: u64,
    served: Option<u64>,
    attempts: u32,
    ended: u64,
    class: u32,
}

#[derive(Debug)]
struct Run {
    fates: Vec<Fate>,
    wasted: Vec<u64>,
}

/// An open loop over `plans` (the fan-out of `stations` when empty), clients of `class`
/// (all 0 when empty), every client following `rules`.
fn open(
    stations: &[Station],
    plans: Vec<Plan>,
    class: Vec<u32>,
    due: &[u64],
    rules: ClientRules,
) -> Result<Run, EngineError> {
    let plans: Arc<[Plan]> = if plans.is_empty() {
        vec![Plan::fan_out(stations.len())].into()
    } else {
        plans.into()
    };
    let service = Service {
        stations: stations.to_vec(),
        plans,
    };
    let workload = Workload {
        population: Population::Open {
            due: due.to_vec(),
            class,
        },
        rules,
        clock: Clock::Virtual,
    };
    let mut told = simulate(&service, workload, Fixed, Told::default())?;
    told.done.sort_by_key(|d| d.client);
    told.wasted.resize(stations.len(), 0);
    Ok(Run {
        fates: told
            .done
            .iter()
            .map(|d| Fate {
                due: d.due,
                served: d.served.then_some(d.end),
                attempts: d.attempts,
                ended: d.end,
                class: d.class,
            })
            .collect(),
        wasted: told.wasted,
    })
}

/// The fan-out, every client with `patience` (none: waits for ever).
fn fan_out(stations: &[Station], due: &[u64], rules: ClientRules) -> Result<Run, EngineError> {
    open(stations, Vec::new(), Vec::new(), due, rules)
}

/// A closed loop over `plans` (the fan-out when empty): every request, in the order they
/// completed.
fn closed<D: crate::workload::draws::Draws>(
    stations: &[Station],
    plans: Vec<Plan>,
    c: ClosedLoop,
    draws: D,
) -> Result<Vec<Done>, EngineError> {
    let plans: Arc<[Plan]> = if plans.is_empty() {
        vec![Plan::fan_out(stations.len())].into()
    } else {
        plans.into()
    };
    let service = Service {
        stations: stations.to_vec(),
        plans,
    };
    let workload = Workload {
        population: Population::Closed(c),
        rules: ClientRules::default(),
        clock: Clock::Virtual,
    };
    Ok(simulate(&service, workload, draws, Told::default())?.done)
}

/// One step is 0.1 s here.
fn pool(units: u32, tenths: u64) -> Station {
    Station {
        name: "s".into(),
        service: tenths,
        kind: Kind::Pool { units },
        scaling: None,
    }
}

fn every_half_second(clients: u64) -> Vec<u64> {
    (0..clients).map(|i| i * 5).collect()
}

fn satisfied(fates: &[Fate], timeout: u64) -> usize {
    fates
        .iter()
        .filter(|f| f.served.is_some_and(|s| s - f.due < timeout))
        .count()
}

#[test]
fn ten_clients_every_half_second_on_one_second_server_without_patience() {
    let fates = fan_out(
        &[pool(1, 10)],
        &every_half_second(10),
        ClientRules::default().clone(),
    )
    .unwrap()
    .fates;
    let latencies: Vec<u64> = fates.iter().map(|f| f.served.unwrap() - f.due).collect();
    assert_eq!(latencies, vec![10, 15, 20, 25, 30, 35, 40, 45, 50, 55]);
    assert_eq!(satisfied(&fates, 30), 4);
}

#[test]
fn with_patience_client_four_gives_up_in_service_and_its_unit_runs_on() {
    let b = ClientRules {
        patience: vec![Some(22)],
        ..ClientRules::default()
    };
    let fates = fan_out(&[pool(1, 10)], &every_half_second(10), b.clone())
        .unwrap()
        .fates;
    let served: Vec<Option<u64>> = fates.iter().map(|f| f.served).collect();
    // 1..3 served at 1, 2, 3 s; 4 (due 1.5 s) gives up at 3.7 s in service, which runs to
    // 4 s; 5 (due 2) starts at 4 and gives up at 4.2; 6 (due 2.5) gives up queued at 4.7.
    assert_eq!(&served[..3], &[Some(10), Some(20), Some(30)]);
    assert!(served[3..].iter().all(Option::is_none));
    assert_eq!(satisfied(&fates, 30), 3);
}

#[test]
fn cancel_all_frees_the_unit_at_the_deadline() {
    // Patience 2.4, cancel all: client 4 (due 1.5) gives up at 3.9 and its unit goes to 5
    // at once, who gives up at 4.4, and so on: each later client gets 0.5 s of service
    // before its deadline, never the 1 s it needs.
    let b = ClientRules {
        patience: vec![Some(24)],
        cancel_all: true,
        ..ClientRules::default()
    };
    let fates = fan_out(&[pool(1, 10)], &every_half_second(10), b.clone())
        .unwrap()
        .fates;
    assert_eq!(fates[2].served, Some(30));
    assert!(fates[3..].iter().all(|f| f.served.is_none()));
    // Without cancellation the same clients keep the unit to the end of each service.
    let kept = fan_out(
        &[pool(1, 10)],
        &every_half_second(10),
        ClientRules {
            cancel_all: false,
            ..b.clone()
        }
        .clone(),
    )
    .unwrap()
    .fates;
    assert_eq!(kept[2].served, Some(30));
    // Done at its deadline is done: patience 2.5 lets client 4 finish at 4.0.
    let exact = fan_out(
        &[pool(1, 10)],
        &every_half_second(10),
        ClientRules {
            patience: vec![Some(25)],
            ..ClientRules::default()
        }
        .clone(),
    )
    .unwrap()
    .fates;
    assert_eq!(exact[3].served, Some(40));
}

#[test]
fn a_cancelled_unit_goes_to_the_next_waiter_at_once() {
    // Two clients at 0 on one 10-step server, patience 14. Without cancellation the first
    // is served at 10 and the second at 20 > 14: gone. A third, due at 14 with the same
    // patience, finds the unit busy until 20 and is served at 30 > 28: gone. With cancel
    // all the second's unit is freed at 14, so the third is served at 24 < 28.
    let stations = [pool(1, 10)];
    let b = ClientRules {
        patience: vec![Some(14)],
        ..ClientRules::default()
    };
    let kept = fan_out(&stations, &[0, 0, 14], b.clone()).unwrap().fates;
    assert_eq!(
        kept.iter().map(|f| f.served).collect::<Vec<_>>(),
        vec![Some(10), None, None]
    );
    let freed = fan_out(
        &stations,
        &[0, 0, 14],
        ClientRules {
            cancel_all: true,
            ..b.clone()
        }
        .clone(),
    )
    .unwrap()
    .fates;
    assert_eq!(
        freed.iter().map(|f| f.served).collect::<Vec<_>>(),
        vec![Some(10), None, Some(24)]
    );
}

#[test]
fn retries_wait_backoff_doubling_and_count_attempts() {
    // One client alone on a 10-step server with patience 5: every attempt fails; with 3
    // retries and backoff 2 it tries at 0, 5+2, 12+4, 21+8 = 0, 7, 16, 29.
    let b = ClientRules {
        patience: vec![Some(5)],
        retries: 3,
        backoff: 2,
        ..ClientRules::default()
    };
    let fates = fan_out(&[pool(1, 10)], &[0], b.clone()).unwrap().fates;
    assert_eq!(fates[0].attempts, 4);
    assert_eq!(fates[0].served, None);
    // A retry that succeeds: the second client (due 0) starts at 10 and gives up at 12 in
    // service (wasted until 20); it retries at 12 + 8 = 20, when that unit is free again,
    // and is served at 30, within its second deadline 32. Its latency counts from 0.
    let b = ClientRules {
        patience: vec![Some(12)],
        retries: 1,
        backoff: 8,
        ..ClientRules::default()
    };
    let fates = fan_out(&[pool(1, 10)], &[0, 0], b.clone()).unwrap().fates;
    assert_eq!(fates[0].served, Some(10));
    assert_eq!(fates[1].served, Some(30));
    assert_eq!(fates[1].attempts, 2);
}

#[test]
fn jittered_retries_wait_what_the_draws_say() {
    // Each retry waits what the source of draws says for it (here a third of its backoff, by
    // client): the runs agree with themselves, and every client made 1 to 6 attempts.
    struct Third;
    impl crate::workload::draws::Draws for Third {
        fn service(&self, _: u64, _: u32, _: u32, _: u16, steps: u64) -> u64 {
            steps
        }
        fn choice(&self, _: u64, _: u32, _: u32, _: &[(f64, u32)]) -> u32 {
            0
        }
        fn class(&self, _: u64) -> u32 {
            0
        }
        fn jitter(&self, key: u64, attempt: u32, wait: u64) -> u64 {
            (key + u64::from(attempt)) % (wait / 3 + 1)
        }
        fn think(&self, _: u32, _: u32, mean: u64, _: bool) -> u64 {
            mean
        }
    }
    let b = ClientRules {
        patience: vec![Some(3)],
        retries: 5,
        backoff: 4,
        jitter: true,
        ..ClientRules::default()
    };
    let due: Vec<u64> = (0..50).collect();
    let run = |draws| {
        let service = Service {
            stations: vec![pool(2, 5)],
            plans: vec![Plan::fan_out(1)].into(),
        };
        let workload = Workload {
            population: Population::Open {
                due: due.clone(),
                class: Vec::new(),
            },
            rules: b.clone(),
            clock: Clock::Virtual,
        };
        let mut told = simulate(&service, workload, draws, Told::default()).unwrap();
        told.done.sort_by_key(|d| d.client);
        told.done
    };
    let one = run(Third);
    assert_eq!(one, run(Third));
    assert!(one.iter().all(|d| (1..=6).contains(&d.attempts)));
    // Without jitter the waits are the backoffs themselves, and the story differs.
    let plain = fan_out(
        &[pool(2, 5)],
        &due,
        ClientRules {
            jitter: false,
            ..b.clone()
        },
    )
    .unwrap();
    let ends: Vec<u64> = one.iter().map(|d| d.end).collect();
    assert_ne!(
        ends,
        plain.fates.iter().map(|f| f.ended).collect::<Vec<_>>()
    );
}

fn batch(portions: u32, steps: u64) -> Station {
    Station {
        name: "b".into(),
        service: steps,
        kind: Kind::Batch { portions },
        scaling: None,
    }
}

#[test]
fn a_batch_being_cooked_finishes_and_its_portions_stay_for_later_clients() {
    // The cook (due 0) gives up at 2 while its 4-step batch cooks; the batch still ends
    // at 4, and a client due at 5 takes a portion at once.
    let b = ClientRules {
        patience: vec![Some(2)],
        ..ClientRules::default()
    };
    let fates = fan_out(&[batch(5, 4)], &[0, 5], b.clone()).unwrap().fates;
    assert_eq!(fates[0].served, None);
    assert_eq!(fates[1].served, Some(5));
    // Cancel all does not stop a batch either.
    let fates = fan_out(
        &[batch(5, 4)],
        &[0, 5],
        ClientRules {
            cancel_all: true,
            ..b.clone()
        }
        .clone(),
    )
    .unwrap()
    .fates;
    assert_eq!(fates[1].served, Some(5));
}

fn poll<F: Future + Unpin>(f: &mut F) -> Poll<F::Output> {
    Pin::new(f).poll(&mut Context::from_waker(Waker::noop()))
}

#[test]
fn the_batch_lock_is_cancel_safe_and_a_detached_cook_leaves_the_rest_on_the_shelf() {
    let b = Batch::new(3);
    let Poll::Ready(cook) = poll(&mut b.lock()) else {
        panic!("the lock is free")
    };
    assert!(b.is_empty(&cook));
    let mut gone = b.lock();
    let mut next = b.lock();
    assert!(poll(&mut gone).is_pending());
    assert!(poll(&mut next).is_pending());
    // A waiter dropped before its turn leaves the queue.
    drop(gone);
    b.detach_cook(cook);
    // The cook gave up (it never came for its portion): the batch ends full.
    b.finish_detached();
    let Poll::Ready(lock) = poll(&mut next) else {
        panic!("the lock skipped the dropped waiter")
    };
    assert_eq!(b.ready(), 3);
    b.take(&lock);
    drop(lock);
    assert_eq!(b.ready(), 2);
    assert!(poll(&mut b.lock()).is_ready());
}

#[test]
fn a_detached_pool_unit_stays_held_until_released() {
    let p = Pool::new(1);
    let Poll::Ready(unit) = poll(&mut p.acquire()) else {
        panic!()
    };
    unit.detach();
    let mut w = p.acquire();
    assert!(poll(&mut w).is_pending());
    p.release_detached();
    let Poll::Ready(u) = poll(&mut w) else {
        panic!("the released unit went to the waiter")
    };
    drop(u);
    assert_eq!(p.free(), 1);
}

#[test]
fn closed_loop_with_fixed_times_cycles_exactly() {
    // Two users, one 10-step server, think 5: user 0 served 0..10, user 1 10..20; user 0
    // back at 15, served 20..30; user 1 back at 25, served 30..40: the server never idles.
    // User 0 would be back at 35, after the duration: not made.
    let c = ClosedLoop {
        users: 2,
        think: 5,
        think_exponential: false,
        duration: 30,
    };
    let r = closed(&[pool(1, 10)], Vec::new(), c, Fixed).unwrap();
    let done: Vec<(u32, u64, u64)> = r.iter().map(|q| (q.user, q.due, q.end)).collect();
    assert_eq!(
        done,
        vec![(0, 0, 10), (1, 0, 20), (0, 15, 30), (1, 25, 40),]
    );
}

#[test]
fn the_work_of_given_up_attempts_is_counted_as_wasted() {
    // Patience 2.2 on the hand case: clients 4, 5, 7 and 9 give up in service, each
    // wasting a whole 1-second service (6, 8 and 10 give up queued): 4 s. Cancelling frees
    // each unit at the deadline: 4 wastes 0.7 s, 5..10 each 0.5 s, 3.7 s in all.
    let b = ClientRules {
        patience: vec![Some(22)],
        ..ClientRules::default()
    };
    let run = fan_out(&[pool(1, 10)], &every_half_second(10), b.clone()).unwrap();
    assert_eq!(run.wasted, vec![40]);
    let b = ClientRules {
        cancel_all: true,
        ..b.clone()
    };
    let run = fan_out(&[pool(1, 10)], &every_half_second(10), b.clone()).unwrap();
    assert_eq!(run.wasted, vec![37]);
    // Nobody gives up: nothing wasted.
    let run = fan_out(
        &[pool(1, 10)],
        &every_half_second(10),
        ClientRules::default().clone(),
    )
    .unwrap();
    assert_eq!(run.wasted, vec![0]);
}

mod flows;
mod scale;
