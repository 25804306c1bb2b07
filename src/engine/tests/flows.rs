//! Request flows: giving up drops the whole flow wherever it stands, a retry walks it again,
//! each class has its own patience, a closed loop's requests carry their class.

use super::*;

/// `a -> b` over stations 0 and 1.
fn a_then_b() -> Plan {
    let mut plan = Plan::builder();
    let a = plan.visit(0, None);
    let b = plan.visit(1, None);
    let root = plan.seq(vec![a, b]);
    plan.finish(root)
}

fn one_class(clients: usize) -> Classes {
    Classes {
        plans: vec![a_then_b()],
        class: vec![0; clients],
        choices: Vec::new(),
    }
}

fn served(fates: &[Fate]) -> Vec<Option<u64>> {
    fates.iter().map(|f| f.served).collect()
}

/// Two 1-unit pools of 10 steps, clients due at 0, 0 and 1 walking `a -> b`.
fn named_pool(name: &str, units: u32, steps: u64) -> Station {
    Station {
        name: name.into(),
        service: steps,
        kind: Kind::Pool { units },
        scaling: None,
    }
}

fn two_pools() -> Vec<Station> {
    vec![named_pool("a", 1, 10), named_pool("b", 1, 10)]
}

#[test]
fn giving_up_drops_the_whole_flow_wherever_it_stands() {
    // Patience 25: client 0 runs a 0..10, b 10..20. Client 1: a 10..20, b 20..30, gives up
    // at 25 in b's service. Client 2 (due 1): a 20..30, gives up at 26 in a's service, and
    // never reaches b. Their work runs on: a wastes 10 + 10, b 10.
    let b = ClientRules {
        patience: vec![Some(25)],
        ..ClientRules::default()
    };
    let classes = one_class(3);
    let run = open(
        &two_pools(),
        classes.plans.clone(),
        classes.class.clone(),
        &[0, 0, 1],
        ClientRules {
            patience: vec![Some(25)],
            ..b.clone()
        },
    )
    .unwrap();
    assert_eq!(served(&run.fates), vec![Some(20), None, None]);
    assert_eq!(run.wasted, vec![20, 10]);
    assert_eq!(
        run.fates.iter().map(|f| f.ended).collect::<Vec<_>>(),
        vec![20, 25, 26]
    );
    // Cancel all cuts each service at the deadline: a 10 (client 1) + 6 (client 2), b 5.
    let cancel = ClientRules {
        cancel_all: true,
        ..b.clone()
    };
    let run = open(
        &two_pools(),
        classes.plans.clone(),
        classes.class.clone(),
        &[0, 0, 1],
        ClientRules {
            patience: vec![Some(25)],
            ..cancel.clone()
        },
    )
    .unwrap();
    assert_eq!(run.wasted, vec![16, 5]);
}

#[test]
fn a_retry_walks_the_whole_flow_again() {
    // As above, with one retry 5 steps after giving up. Client 1 retries at 30: a 30..40
    // (client 2's abandoned service ended at 30), b 40..50, in time for its deadline 55.
    // Client 2 retries at 31: a 40..50, b 50..60, past its deadline 56: given up for good.
    let b = ClientRules {
        patience: vec![Some(25)],
        retries: 1,
        backoff: 5,
        ..ClientRules::default()
    };
    let run = open(
        &two_pools(),
        one_class(3).plans.clone(),
        one_class(3).class.clone(),
        &[0, 0, 1],
        ClientRules {
            patience: vec![Some(25)],
            ..b.clone()
        },
    )
    .unwrap();
    assert_eq!(served(&run.fates), vec![Some(20), Some(50), None]);
    let attempts: Vec<u32> = run.fates.iter().map(|f| f.attempts).collect();
    assert_eq!(attempts, vec![1, 2, 2]);
    assert_eq!(run.fates[2].ended, 56);
}

#[test]
fn each_class_has_its_own_patience() {
    // Two classes over the same flow, all due at 0, dealt 0, 1, 0, 1: class 1 gives up
    // after 15 steps, class 0 never. Client 0 runs a 0..10, b 10..20. Client 1 (class 1)
    // gets a at 10 and gives up at 15 in its service, which runs on to 20. Client 2 then
    // runs a 20..30, b 30..40. Client 3 (class 1) leaves a's queue at 15.
    let classes = Classes {
        plans: vec![a_then_b(), a_then_b()],
        class: vec![0, 1, 0, 1],
        choices: Vec::new(),
    };
    let b = ClientRules::default();
    let run = open(
        &two_pools(),
        classes.plans.clone(),
        classes.class.clone(),
        &[0, 0, 0, 0],
        ClientRules {
            patience: vec![None, Some(15)],
            ..b.clone()
        },
    )
    .unwrap();
    assert_eq!(served(&run.fates), vec![Some(20), None, Some(40), None]);
    assert_eq!(run.wasted, vec![10, 0]);
    let class: Vec<u32> = run.fates.iter().map(|f| f.class).collect();
    assert_eq!(class, vec![0, 1, 0, 1]);
    // Per class, with timeouts 25 and 5: class 0 has one client in time (20 < 25; 40 is
    // not), class 1 two given up.
    let of = |k: u32| run.fates.iter().filter(move |f| f.class == k);
    let in_time = |f: &&Fate, t: u64| f.served.is_some_and(|s| s - f.due < t);
    assert_eq!(of(0).filter(|f| in_time(f, 25)).count(), 1);
    assert_eq!(of(0).filter(|f| f.served.is_none()).count(), 0);
    assert_eq!(of(1).filter(|f| f.served.is_none()).count(), 2);
    assert_eq!(of(1).map(|f| f.attempts).sum::<u32>(), 2);
}

#[test]
fn a_patience_that_never_runs_out_serves_as_no_patience_does() {
    // With a patience, services are detached from their clients (released by tasks of the
    // stations' own); one that never runs out must serve exactly as the clients who simply
    // wait, whose services are held.
    let classes = one_class(6);
    let due = [0, 3, 4, 9, 12, 30];
    let plain = open(
        &two_pools(),
        classes.plans.clone(),
        classes.class.clone(),
        &due,
        ClientRules::default(),
    )
    .unwrap();
    let run = open(
        &two_pools(),
        classes.plans.clone(),
        classes.class.clone(),
        &due,
        ClientRules {
            patience: vec![None],
            ..ClientRules::default()
        },
    )
    .unwrap();
    assert_eq!(served(&run.fates), served(&plain.fates));
}

#[test]
fn a_portion_ready_at_the_deadline_serves_the_client_whatever_the_order_timers_were_set_in() {
    // Client 0 cooks a 2-portion batch 0..10; client 1, due at the same instant, waits for
    // the lock with patience 10. At 10 the batch is ready and client 1's deadline comes: an
    // order done at its deadline is done, though the timer that hands the lock over was set
    // after client 1's deadline (it gave up here before the deadline waited for the rest of
    // its instant).
    let batch = Station {
        name: "b".into(),
        service: 10,
        kind: Kind::Batch { portions: 2 },
        scaling: None,
    };
    let b = ClientRules {
        patience: vec![Some(10)],
        ..ClientRules::default()
    };
    let run = fan_out(&[batch], &[0, 0], b.clone()).unwrap();
    assert_eq!(served(&run.fates), vec![Some(10), Some(10)]);
}

#[test]
fn a_patience_per_class_is_checked() {
    let err = open(
        &two_pools(),
        one_class(2).plans.clone(),
        one_class(2).class.clone(),
        &[0, 0],
        ClientRules {
            patience: vec![None, None],
            ..ClientRules::default()
        },
    )
    .unwrap_err();
    assert!(matches!(err, EngineError::BadClasses(_)), "{err}");
}

#[test]
fn a_closed_loop_request_carries_the_class_it_was_drawn() {
    // One user, no think: request n is class n % 2. Class 0 walks a -> b (20 steps), class 1
    // visits a alone (10 steps); a request started after step 50 is not made.
    let a_only = {
        let mut plan = Plan::builder();
        let a = plan.visit(0, None);
        plan.finish(a)
    };
    let c = ClosedLoop {
        users: 1,
        think: 0,
        think_exponential: false,
        duration: 50,
    };
    /// Request n is of class n % 2; every visit takes 10 steps.
    struct Alternate;
    impl crate::workload::draws::Draws for Alternate {
        fn service(&self, _: u64, _: u32, _: u32, _: u16, _: u64) -> u64 {
            10
        }
        fn choice(&self, _: u64, _: u32, _: u32, _: &[(f64, u32)]) -> u32 {
            0
        }
        fn class(&self, key: u64) -> u32 {
            (key % 2) as u32
        }
        fn jitter(&self, _: u64, _: u32, wait: u64) -> u64 {
            wait
        }
        fn think(&self, _: u32, _: u32, mean: u64, _: bool) -> u64 {
            mean
        }
    }
    let reqs = closed(&two_pools(), vec![a_then_b(), a_only], c, Alternate).unwrap();
    let seen: Vec<(u64, u64, u32)> = reqs.iter().map(|q| (q.due, q.end, q.class)).collect();
    assert_eq!(
        seen,
        vec![(0, 20, 0), (20, 30, 1), (30, 50, 0), (50, 60, 1)]
    );
}
