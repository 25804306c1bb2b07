//! Simulated clients per second for one configuration, single thread, virtual time.
//!
//! `cargo bench --bench engine` — criterion reports the time per load test and, through
//! `Throughput::Elements`, clients per second (the target: ≥ 4 M/s at 100,000 clients,
//! cost linear in N).
//!
//! Two groups:
//! - `load_test`: the engine, as `planner run` calls it (validation, scheduling, recording),
//!   at 1,000, 10,000 and 100,000 clients.
//! - `sweep_config`: one 10-client load test of the seed's kind, as a sweep runs a million of
//!   them (target ≤ 3 µs each), arrivals and statistics included.
//! - `web_shop`: `data/api.toml`'s two request classes and their flows, 10,000 and 100,000
//!   clients (classes dealt and picks drawn included).
//! - `decided`: configurations of the web shop's space decided per second by a random search
//!   (Poisson arrivals, 200 clients, 95 % intervals), the 64 cheapest: `fixed` runs every
//!   configuration's 10 replications and stops (as planner did before confident verdicts),
//!   `adaptive` adds batches of 10 up to 50 while a verdict is too close to call.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use planner::engine::simulate;
use planner::loadtest;
use planner::loadtest::observe::Rows;
use planner::model::config::Config;
use planner::model::objective::Share;
use planner::model::scenario::Scenario;
use planner::model::units::{Period, Seconds};
use planner::workload::clients::ClientRules;
use planner::workload::draws::Fixed;
use planner::workload::Clock;
use planner::workload::{Arrivals, LoadTest};
use planner::workload::{Population, Workload};

const SIZES: [u32; 3] = [1_000, 10_000, 100_000];

fn clients_per_second(c: &mut Criterion) {
    let scenario = Scenario::embedded();
    // soda.units=2, burger.units=6, fries.batch=8, period 0.5 s.
    let config = Config::new(vec![2, 6, 8]);
    let service = config.service(&scenario);
    let test = |clients: u32| {
        LoadTest::new(
            clients,
            Arrivals::Fixed(Period::new(0.5).unwrap()),
            Seconds::new(5.0).unwrap(),
        )
    };

    let mut group = c.benchmark_group("load_test");
    group.sample_size(20);
    for clients in SIZES {
        let due = test(clients).due_times(scenario.resolution(), 0);
        group.throughput(Throughput::Elements(clients as u64));
        group.bench_with_input(BenchmarkId::from_parameter(clients), &due, |b, due| {
            b.iter(|| {
                let workload = Workload {
                    population: Population::Open {
                        due: due.clone(),
                        class: Vec::new(),
                    },
                    rules: ClientRules::default(),
                    clock: Clock::Virtual,
                };
                let rows = Rows::<false>::new(service.stations.len(), due.clone(), None);
                simulate(&service, workload, Fixed, rows).unwrap().outcome()
            })
        });
    }
    group.finish();

    let mut group = c.benchmark_group("sweep_config");
    group.throughput(Throughput::Elements(1));
    let ten = test(10);
    group.bench_function("10 clients, assessed", |b| {
        b.iter(|| loadtest::assess(&scenario, &config, &ten, Share::ALL, None).unwrap())
    });
    group.finish();
}

/// The web shop of `data/api.toml`: two request classes, sequences, `all`, a `pick`, own
/// service times — every client walks its class's compiled flow.
fn web_shop(c: &mut Criterion) {
    let scenario = Scenario::load(std::path::Path::new("data/api.toml")).unwrap();
    let config = Config::new(vec![1, 1, 2, 50, 1, 6]);
    let mut group = c.benchmark_group("web_shop");
    group.sample_size(20);
    for clients in [10_000u32, 100_000] {
        let test = LoadTest::new(
            clients,
            Arrivals::Fixed(Period::new(0.005).unwrap()),
            Seconds::new(0.3).unwrap(),
        );
        group.throughput(Throughput::Elements(clients as u64));
        group.bench_with_input(BenchmarkId::from_parameter(clients), &test, |b, test| {
            b.iter(|| loadtest::run(&scenario, &config, test, 0, Clock::Virtual, false).unwrap())
        });
    }
    group.finish();
}

fn decided(c: &mut Criterion) {
    use planner::model::units::Rate;
    use planner::search::{self, Frontier, Space, Target};
    let scenario = Scenario::load(std::path::Path::new("data/api.toml")).unwrap();
    let space = Space::new(&scenario, &[]);
    let prices = scenario.prices().clone();
    let candidates: Vec<_> = Frontier::new(&space, &scenario, &prices).take(64).collect();
    let mut group = c.benchmark_group("decided");
    group.sample_size(10);
    group.throughput(Throughput::Elements(candidates.len() as u64));
    for (name, most) in [("fixed", 10u32), ("adaptive", 50)] {
        let mut load = LoadTest::new(
            200,
            Arrivals::Poisson(Rate::new(200.0).unwrap()),
            Seconds::new(0.3).unwrap(),
        );
        load.replications = 10;
        load.max_replications = most;
        let target = Target {
            load,
            share: Share::new(99.0).unwrap(),
            clients: None,
        };
        group.bench_function(name, |b| {
            b.iter(|| search::evaluate(&scenario, &target, &candidates, &|_| {}).unwrap())
        });
    }
    group.finish();
}

criterion_group!(benches, clients_per_second, web_shop, decided);
criterion_main!(benches);
