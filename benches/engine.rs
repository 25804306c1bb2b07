//! Simulated clients per second for one configuration, single thread, virtual time.
//!
//! `cargo bench --bench engine` — criterion reports the time per load test and, through
//! `Throughput::Elements`, clients per second (the target: ≥ 1 M/s at 100,000 clients).

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use planner::config::Config;
use planner::engine::{simulate, Clock};
use planner::load::{Arrivals, LoadTest};
use planner::scenario::Scenario;
use planner::units::{Period, Seconds};

fn clients_per_second(c: &mut Criterion) {
    let scenario = Scenario::embedded();
    // soda.units=2, burger.units=6, fries.batch=8, period 0.5 s.
    let stations = Config::new(vec![2, 6, 8]).engine_stations(&scenario);
    let mut group = c.benchmark_group("load_test");
    group.sample_size(20);
    for clients in [1_000u32, 10_000, 100_000] {
        let load = LoadTest::new(
            clients,
            Arrivals::Fixed(Period::new(0.5).unwrap()),
            Seconds::new(5.0).unwrap(),
        );
        let due = load.due_times(scenario.resolution, &Config::new(vec![2, 6, 8]), 0);
        group.throughput(Throughput::Elements(clients as u64));
        group.bench_with_input(BenchmarkId::from_parameter(clients), &due, |b, due| {
            b.iter(|| simulate(&stations, due, Clock::Virtual, false).unwrap())
        });
    }
    group.finish();
}

criterion_group!(benches, clients_per_second);
criterion_main!(benches);
