//! Simulated clients per second for one configuration, single thread, virtual time.
//!
//! `cargo bench --bench engine` — criterion reports the time per load test and, through
//! `Throughput::Elements`, clients per second (the target: ≥ 1 M/s at 100,000 clients).
//!
//! Two groups:
//! - `load_test`: the engine, as `planner run` calls it (validation, scheduling, recording).
//! - `tokio_paused_clock`: the parts of that load test no engine on tokio's paused clock can
//!   avoid, timed alone: a timer firing at every tick, a task spawned at every tick, two sleeps
//!   per task. Their cost per element, against the engine's per client, says how much of the
//!   engine's time is tokio's and how much is ours, on whatever machine runs the benchmark.

use std::pin::pin;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use planner::config::Config;
use planner::engine::{simulate, sleep_quietly, Clock};
use planner::load::{Arrivals, LoadTest};
use planner::scenario::Scenario;
use planner::units::{Period, Seconds};
use tokio::runtime::{Builder, Runtime};
use tokio::time::{sleep_until, Instant};

const SIZES: [u32; 3] = [1_000, 10_000, 100_000];

fn clients_per_second(c: &mut Criterion) {
    let scenario = Scenario::embedded();
    // soda.units=2, burger.units=6, fries.batch=8, period 0.5 s.
    let config = Config::new(vec![2, 6, 8]);
    let stations = config.engine_stations(&scenario);
    let due_times = |clients: u32| {
        LoadTest::new(
            clients,
            Arrivals::Fixed(Period::new(0.5).unwrap()),
            Seconds::new(5.0).unwrap(),
        )
        .due_times(scenario.resolution, &config, 0)
    };

    let mut group = c.benchmark_group("load_test");
    group.sample_size(20);
    for clients in SIZES {
        let due = due_times(clients);
        group.throughput(Throughput::Elements(clients as u64));
        group.bench_with_input(BenchmarkId::from_parameter(clients), &due, |b, due| {
            b.iter(|| simulate(&stations, due, Clock::Virtual, false).unwrap())
        });
    }
    group.finish();

    // What tokio's paused clock costs, whatever the engine does: the benchmark's load has a
    // distinct instant per client (one every half second, the clock's tick), a task per
    // client, and two pool timers per client. Per element, 100,000 elements.
    let rt = Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .unwrap();
    let mut group = c.benchmark_group("tokio_paused_clock");
    group.sample_size(20);
    group.throughput(Throughput::Elements(FLOOR_TICKS));
    for part in [Part::Timer, Part::Spawn, Part::TwoSleeps] {
        group.bench_function(part.name(), |b| b.iter(|| ticks(&rt, part)));
    }
    group.finish();
}

const FLOOR_TICKS: u64 = 100_000;

/// How much of the benchmark's per-client work one tick does.
#[derive(Clone, Copy)]
enum Part {
    /// One timer fires per tick, in the `block_on` future: the clock's cost per instant.
    Timer,
    /// And an empty task is spawned at each tick.
    Spawn,
    /// And that task sleeps 2 and 6 ticks at once (soda and burger, no semaphores).
    TwoSleeps,
}

impl Part {
    fn name(self) -> &'static str {
        match self {
            Part::Timer => "timer per tick",
            Part::Spawn => "timer + task per tick",
            Part::TwoSleeps => "timer + task + two sleeps per tick",
        }
    }
}

fn ticks(rt: &Runtime, part: Part) {
    rt.block_on(async {
        let origin = Instant::now();
        let at = move |t: u64| origin + Duration::from_millis(t);
        let mut timer = pin!(sleep_until(origin));
        for tick in 1..=FLOOR_TICKS {
            timer.as_mut().reset(at(tick));
            timer.as_mut().await;
            match part {
                Part::Timer => {}
                Part::Spawn => {
                    tokio::spawn(async {});
                }
                Part::TwoSleeps => {
                    tokio::spawn(async move {
                        futures_util::future::join(
                            sleep_quietly(at(tick + 2)),
                            sleep_quietly(at(tick + 6)),
                        )
                        .await;
                    });
                }
            }
        }
        // Let the last sleeps end.
        sleep_until(at(FLOOR_TICKS + 7)).await;
    })
}

criterion_group!(benches, clients_per_second);
criterion_main!(benches);
