//! The engine against an independent oracle.
//!
//! The oracle is a plain sequential computation of the model in `docs/model.md` (no tokio, no
//! tasks): clients reach every station at their due time, in index order at equal due times,
//! and every station serves them FIFO.
//!
//! - pool of `units`, service `s`: each client, in order, takes the server that frees first;
//!   `start = max(due, free)`, `done = start + s`.
//! - batch of `portions`, batch time `s`: one FIFO lock over a counter of ready portions; a
//!   client gets the lock at `t = max(due, lock free)` (its `start`); if the counter is 0 it
//!   cooks until `t + s` and refills it; it takes one portion and releases the lock at `done`.
//!
//! One step is one millisecond in the seed tables.

use planner::model::plan::{Kind, Station};

use planner::outcome::records::Outcome;
use proptest::prelude::*;

/// What the oracle computes: the same layout as [`Outcome`] (`client * stations + station`).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Expected {
    stations: usize,
    due: Vec<u64>,
    start: Vec<u64>,
    done: Vec<u64>,
}

impl Expected {
    fn served(&self, client: usize) -> u64 {
        let w = self.stations;
        self.done[client * w..(client + 1) * w]
            .iter()
            .copied()
            .max()
            .unwrap_or(self.due[client])
    }

    fn latency(&self, client: usize) -> u64 {
        self.served(client) - self.due[client]
    }

    fn latencies(&self) -> Vec<u64> {
        (0..self.due.len()).map(|i| self.latency(i)).collect()
    }
}

/// The independent model: one pass per station over the clients in index order.
fn oracle(stations: &[Station], due: &[u64]) -> Expected {
    oracle_drawn(stations, due, None)
}

/// The oracle with a service time per (client, station) (for a batch station: the batch the
/// client starts, if it starts one).
fn oracle_drawn(stations: &[Station], due: &[u64], draws: Option<&[u64]>) -> Expected {
    assert!(
        due.windows(2).all(|w| w[0] <= w[1]),
        "due times must not decrease"
    );
    let w = stations.len();
    let n = due.len();
    let mut start = vec![0; n * w];
    let mut done = vec![0; n * w];
    for (s, station) in stations.iter().enumerate() {
        match station.kind {
            Kind::Pool { units } => {
                assert!(units > 0);
                let mut free = vec![0u64; units as usize];
                for (i, &d) in due.iter().enumerate() {
                    // The server that frees first (any of the tied ones: they are identical).
                    let (unit, &at) = free
                        .iter()
                        .enumerate()
                        .min_by_key(|&(_, &f)| f)
                        .expect("at least one unit");
                    let begin = d.max(at);
                    let end = begin + draws.map_or(station.service, |x| x[i * w + s]);
                    free[unit] = end;
                    start[i * w + s] = begin;
                    done[i * w + s] = end;
                }
            }
            Kind::Batch { portions } => {
                assert!(portions > 0);
                let mut lock_free = 0u64;
                let mut ready = 0u32;
                for (i, &d) in due.iter().enumerate() {
                    let t = d.max(lock_free);
                    let end = if ready == 0 {
                        ready = portions;
                        t + draws.map_or(station.service, |x| x[i * w + s])
                    } else {
                        t
                    };
                    ready -= 1;
                    lock_free = end;
                    start[i * w + s] = t;
                    done[i * w + s] = end;
                }
            }
        }
    }
    Expected {
        stations: w,
        due: due.to_vec(),
        start,
        done,
    }
}

fn engine(stations: &[Station], due: &[u64], trace: bool) -> Outcome {
    crate::engine_api::rows(stations, None, due, None, trace).expect("a valid load test")
}

fn latencies(o: &Outcome) -> Vec<u64> {
    (0..o.clients()).map(|i| o.latency(i)).collect()
}

fn pool(name: &str, units: u32, service: u64) -> Station {
    Station {
        name: name.into(),
        service,
        kind: Kind::Pool { units },
        scaling: None,
    }
}

fn batch(name: &str, portions: u32, service: u64) -> Station {
    Station {
        name: name.into(),
        service,
        kind: Kind::Batch { portions },
        scaling: None,
    }
}

/// The seed's restaurant, one step = 1 ms.
fn seed(soda: u32, cooks: u32, fryer: u32) -> Vec<Station> {
    vec![
        pool("soda", soda, 1000),
        pool("burger", cooks, 3000),
        batch("fries", fryer, 4000),
    ]
}

fn periodic(n: u64, period: u64) -> Vec<u64> {
    (0..n).map(|i| i * period).collect()
}

/// Every client and station: the engine's start and done times and latencies are the
/// oracle's. Returns a readable description of the first difference.
fn compare(stations: &[Station], due: &[u64], got: &Outcome) -> Result<(), String> {
    let want = oracle(stations, due);
    let w = stations.len();
    if got.stations != w || got.due != due || got.clients() != due.len() {
        return Err(format!(
            "shape: engine {} stations, due {:?}; expected {w}, {due:?}",
            got.stations, got.due
        ));
    }
    for (i, &d) in due.iter().enumerate() {
        for (s, station) in stations.iter().enumerate() {
            let (gs, gd) = (got.start_of(i)[s], got.done_of(i)[s]);
            let (ws, wd) = (want.start[i * w + s], want.done[i * w + s]);
            if (gs, gd) != (ws, wd) {
                return Err(format!(
                    "client {i} (due {d}) at station {s} ({:?}, service {}): engine start {gs} done {gd}, \
                     oracle start {ws} done {wd}",
                    station.kind, station.service
                ));
            }
        }
        if got.latency(i) != want.latency(i) {
            return Err(format!(
                "client {i}: engine latency {}, oracle {}",
                got.latency(i),
                want.latency(i)
            ));
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// The seed's tables, by the oracle and by the engine.

fn seed_table(period: u64, expected_ms: [u64; 10]) {
    let stations = seed(1, 3, 5);
    let due = periodic(10, period);
    let want = oracle(&stations, &due);
    assert_eq!(want.latencies(), expected_ms, "oracle, period {period} ms");
    let got = engine(&stations, &due, false);
    assert_eq!(latencies(&got), expected_ms, "engine, period {period} ms");
    compare(&stations, &due, &got).unwrap();
    let traced = engine(&stations, &due, true);
    compare(&stations, &due, &traced).unwrap();
}

#[test]
fn seed_burst() {
    seed_table(
        0,
        [4000, 4000, 4000, 6000, 6000, 8000, 9000, 9000, 9000, 12000],
    );
}

#[test]
fn seed_period_1s() {
    seed_table(
        1000,
        [4000, 3000, 3000, 3000, 3000, 4000, 3000, 3000, 3000, 3000],
    );
}

#[test]
fn seed_period_half_second() {
    seed_table(
        500,
        [4000, 3500, 3000, 4500, 4500, 5500, 6000, 6000, 6000, 7500],
    );
}

#[test]
fn seed_satisfied_counts() {
    // Strictly under 5 s: 3/10, 10/10, 5/10.
    for (period, satisfied) in [(0, 3), (1000, 10), (500, 5)] {
        let o = engine(&seed(1, 3, 5), &periodic(10, period), false);
        let count = latencies(&o).iter().filter(|&&l| l < 5000).count();
        assert_eq!(count, satisfied, "period {period} ms");
    }
}

// ---------------------------------------------------------------------------------------------
// FIFO and the empty system.

#[test]
fn pool_of_one_is_fifo_in_client_order() {
    for n in [2u64, 3, 10, 50] {
        for service in [1, 7, 1000] {
            let stations = vec![pool("only", 1, service), batch("cache", 3, 5)];
            let due = vec![0; n as usize];
            let o = engine(&stations, &due, false);
            compare(&stations, &due, &o).unwrap();
            for k in 0..n as usize {
                // Client k starts exactly when client k - 1 is done.
                assert_eq!(o.start_of(k)[0], k as u64 * service, "n {n}, client {k}");
                assert_eq!(o.done_of(k)[0], (k as u64 + 1) * service);
            }
            for k in 1..n as usize {
                assert!(o.start_of(k)[0] > o.start_of(k - 1)[0], "n {n}, client {k}");
            }
        }
    }
}

#[test]
fn every_station_serves_in_client_order() {
    // A burst followed by more clients at equal due times: starts never decrease with the
    // client index, at every kind of station.
    let stations = vec![
        pool("one", 1, 300),
        pool("three", 3, 700),
        batch("cache", 4, 900),
    ];
    let mut due = vec![0; 12];
    due.extend([100, 100, 100, 2000, 2000, 2000, 2000]);
    let o = engine(&stations, &due, false);
    compare(&stations, &due, &o).unwrap();
    for s in 0..stations.len() {
        for k in 1..due.len() {
            assert!(
                o.start_of(k)[s] >= o.start_of(k - 1)[s],
                "station {s}, client {k}"
            );
        }
    }
}

#[test]
fn a_client_of_an_empty_system_waits_for_its_slowest_station_only() {
    // The first client of any configuration.
    let configs = [
        seed(1, 3, 5),
        vec![pool("a", 2, 10), pool("b", 1, 2500)],
        vec![batch("only", 7, 4321)],
        vec![pool("a", 8, 5000), batch("b", 1, 1)],
    ];
    for stations in &configs {
        let slowest = stations.iter().map(|s| s.service).max().unwrap();
        let o = engine(stations, &[0], false);
        assert_eq!(o.latency(0), slowest, "{stations:?}");
        assert_eq!(oracle(stations, &[0]).latency(0), slowest);
        // Each station serves it at once.
        for (s, st) in stations.iter().enumerate() {
            assert_eq!(o.start_of(0)[s], 0);
            assert_eq!(o.done_of(0)[s], st.service);
        }
    }
    // A late client after a burst that emptied the fryer (10 clients, 5 portions): every queue
    // is drained and no portion is left, so it is served like the very first client.
    let stations = seed(1, 3, 5);
    let mut due = vec![0; 10];
    due.push(60_000);
    let o = engine(&stations, &due, false);
    compare(&stations, &due, &o).unwrap();
    assert_eq!(o.latency(10), 4000);
    for (s, st) in stations.iter().enumerate() {
        assert_eq!(o.start_of(10)[s], 60_000);
        assert_eq!(o.done_of(10)[s], 60_000 + st.service);
    }
    // With portions left over the fryer is instant: the slowest pool decides.
    let mut due = vec![0; 7];
    due.push(60_000);
    let o = engine(&stations, &due, false);
    compare(&stations, &due, &o).unwrap();
    assert_eq!(o.latency(7), 3000);
    assert_eq!(o.done_of(7)[2], 60_000);
}

#[test]
fn first_due_time_need_not_be_zero() {
    let stations = seed(1, 3, 5);
    let due: Vec<u64> = (0..10).map(|i| 5000 + i * 500).collect();
    let o = engine(&stations, &due, false);
    compare(&stations, &due, &o).unwrap();
    assert_eq!(
        latencies(&o),
        [4000, 3500, 3000, 4500, 4500, 5500, 6000, 6000, 6000, 7500]
    );
}

// ---------------------------------------------------------------------------------------------
// Random configurations.

/// Service times over 1..=5000, with round values over-represented so that events coincide.
fn service() -> impl Strategy<Value = u64> {
    prop_oneof![
        3 => 1u64..=5000,
        1 => prop::sample::select(vec![1u64, 2, 250, 500, 1000, 1500, 2000, 3000, 4000, 5000]),
    ]
}

fn station() -> impl Strategy<Value = Station> {
    prop_oneof![
        (1u32..=8, service()).prop_map(|(u, s)| pool("pool", u, s)),
        (1u32..=10, service()).prop_map(|(p, s)| batch("batch", p, s)),
    ]
}

fn stations() -> impl Strategy<Value = Vec<Station>> {
    prop::collection::vec(station(), 1..=4)
}

/// A gap between consecutive due times: often 0 (equal due times), often round.
fn gap() -> impl Strategy<Value = u64> {
    prop_oneof![
        3 => Just(0u64),
        3 => 0u64..=3000,
        2 => prop::sample::select(vec![1u64, 250, 500, 1000, 1500, 2000, 3000]),
        1 => 1u64..=5,
    ]
}

/// Due times: a fixed period (0 = a burst) or random non-decreasing gaps, 1..=60 clients.
fn due_times() -> impl Strategy<Value = Vec<u64>> {
    prop_oneof![
        (
            prop_oneof![
                1 => Just(0u64),
                1 => prop::sample::select(vec![1u64, 250, 500, 1000, 2000, 3000]),
                2 => 0u64..=3000,
            ],
            1u64..=60
        )
            .prop_map(|(period, n)| periodic(n, period)),
        prop::collection::vec(gap(), 1..=60).prop_map(|gaps| {
            // The first gap offsets the first due time from the origin.
            gaps.iter()
                .scan(0u64, |t, g| {
                    *t += g;
                    Some(*t)
                })
                .collect()
        }),
    ]
}

/// `default` cases, times `ORACLE_SCALE` when set (`ORACLE_SCALE=20` for a longer hunt).
fn cases(default: u32) -> u32 {
    let scale = std::env::var("ORACLE_SCALE")
        .ok()
        .and_then(|v| v.parse::<u32>().ok())
        .unwrap_or(1);
    default.saturating_mul(scale).max(1)
}

fn served_times_oracle(stations: &[Station], due: &[u64]) -> Vec<u64> {
    let e = oracle(stations, due);
    (0..due.len()).map(|i| e.served(i)).collect()
}

fn served_times_engine(stations: &[Station], due: &[u64]) -> Vec<u64> {
    let o = engine(stations, due, false);
    (0..due.len()).map(|i| o.served(i)).collect()
}

/// 1..=4 stations, at least one of them a pool: the stations and that pool's index.
fn with_a_pool() -> impl Strategy<Value = (Vec<Station>, usize)> {
    (
        prop::collection::vec(station(), 0..=3),
        (1u32..=8, service()).prop_map(|(u, s)| pool("pool", u, s)),
        any::<prop::sample::Index>(),
    )
        .prop_map(|(mut others, extra, at)| {
            let at = at.index(others.len() + 1);
            others.insert(at, extra);
            (others, at)
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases(20_000)))]

    #[test]
    fn engine_matches_oracle(stations in stations(), due in due_times(), trace in any::<bool>()) {
        let got = engine(&stations, &due, trace);
        if let Err(diff) = compare(&stations, &due, &got) {
            return Err(TestCaseError::fail(format!("{diff}\nstations {stations:?}\ndue {due:?}")));
        }
        // The first client finds the system empty (a fresh run has no ready portions).
        let slowest = stations.iter().map(|s| s.service).max().unwrap();
        prop_assert_eq!(got.latency(0), slowest);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases(5_000)))]

    /// One more unit at a FIFO pool never makes any client later (served time), by the
    /// oracle and by the engine. (A bigger batch can: not asserted.)
    #[test]
    fn one_more_pool_unit_never_makes_a_client_later(
        (stations, target) in with_a_pool(),
        due in due_times(),
    ) {
        let mut bigger = stations.clone();
        if let Kind::Pool { units } = &mut bigger[target].kind {
            *units += 1;
        }
        let before = served_times_oracle(&stations, &due);
        let after = served_times_oracle(&bigger, &due);
        for (i, (b, a)) in before.iter().zip(&after).enumerate() {
            prop_assert!(a <= b, "oracle: client {} served at {} with one more unit, {} before", i, a, b);
        }
        let before_engine = served_times_engine(&stations, &due);
        let after_engine = served_times_engine(&bigger, &due);
        prop_assert_eq!(&before_engine, &before);
        prop_assert_eq!(&after_engine, &after);
        for (i, (b, a)) in before_engine.iter().zip(&after_engine).enumerate() {
            prop_assert!(a <= b, "engine: client {} served at {} with one more unit, {} before", i, a, b);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases(100)))]

    /// Long runs: up to 3000 clients, bursts of hundreds at one instant included.
    #[test]
    fn engine_matches_oracle_on_long_runs(
        stations in stations(),
        gaps in prop::collection::vec(
            prop_oneof![6 => Just(0u64), 3 => 0u64..=3000, 1 => 1u64..=5],
            1..=3000,
        ),
    ) {
        let due: Vec<u64> = gaps
            .iter()
            .scan(0u64, |t, g| {
                *t += g;
                Some(*t)
            })
            .collect();
        let got = engine(&stations, &due, false);
        if let Err(diff) = compare(&stations, &due, &got) {
            return Err(TestCaseError::fail(format!("{diff}\nstations {stations:?}\n{} clients", due.len())));
        }
    }
}

#[test]
fn a_big_burst_matches_the_oracle() {
    // 5000 clients at one instant, then 5000 more at another: FIFO across thousands of
    // waiters at each primitive.
    let stations = vec![pool("one", 1, 3), pool("many", 7, 11), batch("cache", 6, 5)];
    let mut due = vec![0; 5000];
    due.extend(vec![20_000; 5000]);
    let o = engine(&stations, &due, false);
    compare(&stations, &due, &o).unwrap();
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases(2_000)))]

    /// Random service times (drawn before the run, some of zero steps) keep the engine and
    /// the oracle in agreement.
    #[test]
    fn engine_matches_oracle_with_drawn_service_times(
        stations in stations(),
        due in due_times(),
        seed in any::<u64>(),
    ) {
        let n = due.len() * stations.len();
        // A small LCG is enough to spread draws over 0..=6000 steps.
        let mut x = seed | 1;
        let draws: Vec<u64> = (0..n)
            .map(|_| {
                x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                (x >> 33) % 6001
            })
            .collect();
        let got = crate::engine_api::rows(&stations, None, &due, Some(&draws), false).unwrap();
        let want = oracle_drawn(&stations, &due, Some(&draws));
        for c in 0..due.len() {
            prop_assert_eq!(got.start_of(c), &want.start[c * stations.len()..(c + 1) * stations.len()]);
            prop_assert_eq!(got.done_of(c), &want.done[c * stations.len()..(c + 1) * stations.len()]);
        }
    }
}
