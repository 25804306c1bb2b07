//! Optimize's early stop is exact: over many random spaces it gives the sweep's cheapest
//! passing configuration (in the documented tie order) and the next passing ones as
//! runners-up, reporting only the prefix of the ranking up to the last of them.

use planner::model::levers::Values;
use planner::model::objective::Share;
use planner::model::scenario::{Prices, Scenario};
use planner::model::units::{Period, Seconds};
use planner::search::{self, Space, Target};
use planner::workload::{Arrivals, LoadTest};
use proptest::prelude::*;

fn values() -> impl Strategy<Value = Values> {
    prop::collection::vec(1u32..10, 1..5).prop_map(|v| {
        let text: Vec<String> = v.iter().map(|x| x.to_string()).collect();
        Values::parse(&text.join(",")).unwrap()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn early_stop_gives_the_sweeps_answer(
        soda in values(),
        cooks in values(),
        batch in values(),
        clients in 1u32..16,
        period_ms in 0u32..1500,
        timeout_ms in 2000u32..9000,
        share in prop::sample::select(vec![50.0, 80.0, 100.0]),
        cpu in 0.0f64..50.0,
        ram in 0.0f64..50.0,
    ) {
        let scenario = Scenario::embedded();
        let space = Space::new(&scenario, &[(0, soda), (1, cooks), (2, batch)]);
        let prices = Prices { cpu, ram, currency: "$".into() };
        let target = Target {
            load: LoadTest::new(
                clients,
                Arrivals::Fixed(Period::new(period_ms as f64 / 1000.0).unwrap()),
                Seconds::new(timeout_ms as f64 / 1000.0).unwrap(),
            ),
            share: Share::new(share).unwrap(),
            clients: None,
        };
        let ranking = search::rank(&space, &scenario, &prices);
        let all = search::evaluate(&scenario, &target, &ranking, &|_| {}).unwrap();
        let sweep_answer = all.iter().position(|e| e.summary.meets_target);
        let study = search::Study {
            model: &scenario,
            prices: prices.clone(),
            target: target.clone(),
            space: space.clone(),
            sustained: false,
        };
        let opt = search::optimize(
            &study,
            ranking.iter().cloned(),
            ranking.len(),
            3,
            search::Budget::default(),
            None,
            &|_| {},
        )
        .unwrap();
        prop_assert_eq!(opt.answer, sweep_answer);
        // The lazy walk (what a plain optimize runs) finds the same, testing the same; with
        // runs stopped once sure to fail, the same calls, and the same figures wherever a
        // report shows them (every passing or closest configuration).
        for stop_early in [false, true] {
            let budget = search::Budget {
                configs: Some(u64::MAX),
                deadline: None,
                skip_out_of_reach: true,
                stop_early,
            };
            let lazy = search::optimize(
                &study,
                search::Frontier::new(&space, &scenario, &prices),
                ranking.len(),
                3,
                budget,
                Some(&space),
                &|_| {},
            )
            .unwrap();
            if lazy.out_of_reach.is_some() {
                // One test proved that nothing can meet the target: the brute force agrees.
                prop_assert_eq!(opt.answer, None);
                prop_assert_eq!(&lazy.evaluated[..], &opt.evaluated[..1]);
            } else if !stop_early {
                prop_assert_eq!(&lazy, &opt);
            } else {
                prop_assert_eq!(lazy.answer, opt.answer);
                prop_assert_eq!(&lazy.runners_up, &opt.runners_up);
                prop_assert_eq!(lazy.evaluated.len(), opt.evaluated.len());
                for (l, o) in lazy.evaluated.iter().zip(&opt.evaluated) {
                    prop_assert_eq!(&l.candidate, &o.candidate);
                    prop_assert_eq!(l.call, o.call);
                    if l.cut_short {
                        prop_assert!(opt.answer.is_some() && !o.summary.meets_target);
                    } else {
                        prop_assert_eq!(l, o);
                    }
                }
            }
        }
        // What optimize tested is exactly the sweep's prefix.
        prop_assert_eq!(&all[..opt.evaluated.len()], &opt.evaluated[..]);
        // The canonical result: every rank up to the 4th passing one of the sweep (the answer
        // and 3 runners-up), or the whole space when fewer pass.
        let passing: Vec<usize> = (0..all.len())
            .filter(|&i| all[i].summary.meets_target)
            .take(4)
            .collect();
        let end = if passing.len() == 4 { passing[3] + 1 } else { all.len() };
        prop_assert_eq!(opt.evaluated.len(), end);
        prop_assert_eq!(opt.runners_up, passing.iter().skip(1).copied().collect::<Vec<_>>());
    }
}
