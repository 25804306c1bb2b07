//! Pools whose units change during a run: a unit added serves the longest waiter, a unit
//! removed finishes its request first and no waiter is dropped, units start after their
//! delay, what the controller tells, and the same story on the real clock.

use super::*;
use crate::model::scaling::{Hpa, Rules, Scaling};

/// What a run told of its clients and of its units.
#[derive(Default)]
struct Watched {
    done: Vec<Done>,
    rows: Vec<Units>,
    time: Vec<UnitTime>,
}

impl Observe for Watched {
    const UNITS: bool = true;

    fn done(&mut self, d: Done) {
        self.done.push(d);
    }

    fn units(&mut self, row: Units) {
        self.rows.push(row);
    }

    fn unit_time(&mut self, time: UnitTime) {
        self.time.push(time);
    }
}

fn scaled(service: u64, scaling: Scaling) -> Station {
    Station {
        name: "s".into(),
        service,
        kind: Kind::Pool {
            units: scaling.initial(),
        },
        scaling: Some(Arc::new(scaling)),
    }
}

fn schedule(steps: &[(u64, u32)]) -> Scaling {
    Scaling::Schedule {
        steps: steps.into(),
        sample: 100,
    }
}

fn run(station: Station, due: &[u64], clock: Clock) -> Watched {
    let service = Service {
        stations: vec![station],
        plans: vec![Plan::fan_out(1)].into(),
    };
    let workload = Workload {
        population: Population::Open {
            due: due.to_vec(),
            class: Vec::new(),
        },
        rules: ClientRules::default(),
        clock,
    };
    let mut w = simulate(&service, workload, Fixed, Watched::default()).unwrap();
    w.done.sort_by_key(|d| d.client);
    w
}

fn ends(w: &Watched) -> Vec<u64> {
    w.done.iter().map(|d| d.end).collect()
}

fn rows(w: &Watched) -> Vec<(u64, u32, u32, bool)> {
    w.rows
        .iter()
        .map(|r| (r.at, r.desired, r.ready, r.sync))
        .collect()
}

#[test]
fn a_unit_added_serves_the_longest_waiter_at_once() {
    // One 10-step unit, a second from step 5: client 1 (waiting since 1) starts at 5 and
    // client 2 gets the first unit back at 10.
    let w = run(
        scaled(10, schedule(&[(0, 1), (5, 2)])),
        &[0, 1, 2],
        Clock::Virtual,
    );
    assert_eq!(ends(&w), [10, 15, 20]);
    let fixed = run(pool(1, 10), &[0, 1, 2], Clock::Virtual);
    assert_eq!(ends(&fixed), [10, 20, 30]);
    assert_eq!(rows(&w), [(0, 1, 1, false), (5, 2, 2, false)]);
    // Paid: 1 unit over 0..5, 2 over 5..20.
    assert_eq!(w.time[0].paid, 5 + 2 * 15);
    assert_eq!(
        (w.time[0].fewest, w.time[0].most, w.time[0].end),
        (1, 2, 20)
    );
}

#[test]
fn a_unit_removed_finishes_its_request_then_leaves_and_no_waiter_is_dropped() {
    // Two 10-step units, one from step 5: both busy then, so one leaves when its request
    // ends at 10; clients 2 and 3, waiting, are served one after the other on the unit left.
    let w = run(
        scaled(10, schedule(&[(0, 2), (5, 1)])),
        &[0, 0, 1, 2],
        Clock::Virtual,
    );
    assert_eq!(ends(&w), [10, 10, 20, 30]);
    assert!(w.done.iter().all(|d| d.served));
    let kept = run(pool(2, 10), &[0, 0, 1, 2], Clock::Virtual);
    assert_eq!(ends(&kept), [10, 10, 20, 20]);
    // The leaving unit is no longer ready at 5, but is paid for until it leaves at 10.
    assert_eq!(rows(&w), [(0, 2, 2, false), (5, 1, 1, false)]);
    let t = w.time[0];
    assert_eq!((t.paid, t.busy, t.fewest, t.most), (2 * 10 + 20, 40, 1, 2));
}

#[test]
fn an_idle_unit_removed_leaves_at_once() {
    // Two units, one client: at 5 the idle unit goes, the busy one stays.
    let w = run(
        scaled(10, schedule(&[(0, 2), (5, 1)])),
        &[0, 12],
        Clock::Virtual,
    );
    assert_eq!(ends(&w), [10, 22]);
    // 2 units until 5, then 1 until 22.
    assert_eq!(w.time[0].paid, 2 * 5 + 17);
}

fn hpa(min: u32, max: u32, target: f64, sync: u64, startup: u64) -> Hpa {
    Hpa {
        min,
        max,
        target,
        tolerance: 0.1,
        sync,
        startup,
        up: Rules::default_up(sync),
        down: Rules::default_down(sync),
    }
}

#[test]
fn the_autoscaler_adds_units_that_start_before_they_serve() {
    // One 10-step unit, a client every 5 steps: the unit is always busy. At the sync at 10
    // the busy share is 1 against a target of 0.5: 2 units wanted, the new one ready at 15,
    // when it takes the longest waiter (client 2, due 10).
    let due: Vec<u64> = (0..6).map(|i| i * 5).collect();
    let w = run(
        scaled(10, Scaling::Autoscale(hpa(1, 4, 0.5, 10, 5))),
        &due,
        Clock::Virtual,
    );
    let r = &w.rows;
    assert_eq!((r[0].at, r[0].desired, r[0].ready), (0, 1, 1));
    assert_eq!(
        (r[1].at, r[1].desired, r[1].ready, r[1].sync),
        (10, 2, 1, true)
    );
    assert_eq!(r[1].busy_share, 1.0);
    assert_eq!(
        (r[2].at, r[2].desired, r[2].ready, r[2].sync),
        (15, 2, 2, false)
    );
    // Over (10, 20]: 1 unit for 5 steps and 2 for 5, 15 unit-steps, every one busy (the
    // new unit served client 2 from 15): ratio 2 on 2 ready, 4 wanted (the policies allow
    // up to 6), ready at 25.
    assert_eq!(
        (r[3].at, r[3].desired, r[3].ready, r[3].sync),
        (20, 4, 2, true)
    );
    assert_eq!(r[3].busy_share, 1.0);
    assert_eq!(w.done[2].end, 25);
}

#[test]
fn a_sync_due_when_the_last_client_is_done_does_not_happen() {
    let w = run(
        scaled(10, Scaling::Autoscale(hpa(1, 4, 0.5, 10, 0))),
        &[0],
        Clock::Virtual,
    );
    assert_eq!(rows(&w), [(0, 1, 1, false)]);
    assert_eq!((w.time[0].end, w.time[0].paid), (10, 10));
}

#[test]
fn a_batch_station_that_scales_is_refused() {
    let service = Service {
        stations: vec![Station {
            scaling: Some(Arc::new(schedule(&[(0, 1)]))),
            ..batch(2, 4)
        }],
        plans: vec![Plan::fan_out(1)].into(),
    };
    let workload = Workload {
        population: Population::Open {
            due: vec![0],
            class: Vec::new(),
        },
        rules: ClientRules::default(),
        clock: Clock::Virtual,
    };
    assert!(matches!(
        simulate(&service, workload, Fixed, Told::default()),
        Err(EngineError::BadScaling(_))
    ));
}

#[test]
fn units_change_the_same_way_on_the_real_clock() {
    // Steps of 10 ms: a run of 0.3 s. A real timer never fires early, but a loaded machine
    // wakes it late and the lateness carries over: nothing may be early, the units must
    // change the same way, and one of three runs must match to within 2 steps.
    let clock = Clock::Real {
        speed: 1.0,
        step_seconds: 0.01,
    };
    for (steps, due) in [
        (&[(0, 1), (5, 2)][..], &[0, 1, 2][..]),
        (&[(0, 2), (5, 1)][..], &[0, 0, 1, 2][..]),
    ] {
        let virt = run(scaled(10, schedule(steps)), due, Clock::Virtual);
        let mut off = Vec::new();
        for _ in 0..3 {
            let real = run(scaled(10, schedule(steps)), due, clock);
            let worst = ends(&virt)
                .iter()
                .zip(ends(&real))
                .map(|(&v, r)| {
                    assert!(r >= v, "early on the real clock: {r} against {v}");
                    r - v
                })
                .max()
                .unwrap_or(0);
            let counts = |w: &Watched| -> Vec<(u32, u32)> {
                w.rows.iter().map(|r| (r.desired, r.ready)).collect()
            };
            assert_eq!(counts(&real), counts(&virt));
            off.push(worst);
            if worst <= 2 {
                break;
            }
        }
        assert!(off.iter().any(|&o| o <= 2), "late by {off:?} steps");
    }
}

#[test]
fn a_run_after_a_longer_one_on_the_same_thread_scales_the_same() {
    // The executor is reused from run to run; its clock is reset only when a run starts, so
    // a meter that read it while the model was built would start at the last run's end.
    let due: Vec<u64> = (0..40).map(|i| i * 5).collect();
    let scaled_run = || {
        run(
            scaled(10, Scaling::Autoscale(hpa(1, 4, 0.5, 10, 5))),
            &due,
            Clock::Virtual,
        )
    };
    let first = scaled_run();
    let long: Vec<u64> = (0..100).map(|i| i * 100).collect();
    run(pool(1, 10), &long, Clock::Virtual);
    let again = scaled_run();
    assert_eq!(rows(&again), rows(&first));
    assert_eq!(ends(&again), ends(&first));
    assert!(first.rows.iter().any(|r| r.desired > 1));
}
