//! Memory per client, measured by a counting allocator (this test binary's global allocator;
//! it counts per thread, so tests running alongside do not disturb it).

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::{Cell, RefCell};
use std::rc::Rc;

use crate::engine_api::{each, rows};

use planner::model::plan::{Kind, Station};

struct Counting;

thread_local! {
    static LIVE: Cell<isize> = const { Cell::new(0) };
    static PEAK: Cell<isize> = const { Cell::new(0) };
}

fn add(bytes: isize) {
    // `try_with`: allocations during thread teardown are not counted.
    let _ = LIVE.try_with(|live| {
        let now = live.get() + bytes;
        live.set(now);
        let _ = PEAK.try_with(|peak| peak.set(peak.get().max(now)));
    });
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        add(layout.size() as isize);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        add(-(layout.size() as isize));
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        add(new_size as isize - layout.size() as isize);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static COUNTING: Counting = Counting;

fn pool(units: u32, service: u64) -> Station {
    Station {
        name: "pool".into(),
        service,
        kind: Kind::Pool { units },
        scaling: None,
    }
}

fn batch(portions: u32, service: u64) -> Station {
    Station {
        name: "batch".into(),
        service,
        kind: Kind::Batch { portions },
        scaling: None,
    }
}

/// Peak bytes allocated during one load test beyond what it returns, per client.
fn peak_per_client(stations: &[Station], due: &[u64]) -> f64 {
    // Warm the thread's executor up, so that its queues' first growth is not counted.
    rows(stations, None, due, None, false).unwrap();
    let before = LIVE.with(Cell::get);
    PEAK.with(|p| p.set(before));
    let outcome = rows(stations, None, due, None, false).unwrap();
    let peak = PEAK.with(Cell::get) - before;
    // The result rows: due, start and done per client, and where each queued longest.
    let rows = (outcome.due.capacity() + outcome.start.capacity() + outcome.done.capacity()) * 8
        + outcome.queued_at.capacity() * 2
        + outcome.queued_steps.capacity() * 8;
    (peak - rows as isize) as f64 / due.len() as f64
}

#[test]
fn a_waiting_client_costs_at_most_256_bytes() {
    // Clients at one instant at the tutorial's three stations: at the peak nearly all of
    // them wait in a queue at every station. The executor's slots and the queues are vectors
    // that grow by doubling: at 16,000 clients they are nearly full (16,384), so the figure
    // is what a client costs; at 20,000 it includes the vectors' spare capacity.
    let stations = vec![pool(1, 1000), pool(3, 3000), batch(5, 4000)];
    let full = peak_per_client(&stations, &[0; 16_000]);
    let spare = peak_per_client(&stations, &[0; 20_000]);
    eprintln!("{full:.0} bytes per waiting client ({spare:.0} with spare capacity)");
    assert!(full <= 256.0, "{full:.0} bytes per waiting client");
    assert!(
        spare <= 320.0,
        "{spare:.0} bytes per waiting client, spare capacity included"
    );
}

#[test]
fn clients_that_do_not_wait_cost_almost_nothing_beyond_their_rows() {
    // Stations that keep up (the benchmark's configuration, one client every 500 steps):
    // only a handful of clients are in flight at any time, whatever the total.
    let stations = vec![pool(2, 1000), pool(6, 3000), batch(8, 4000)];
    let due: Vec<u64> = (0..20_000).map(|i| i * 500).collect();
    let per_client = peak_per_client(&stations, &due);
    eprintln!("{per_client:.1} bytes per client in flight-limited run");
    assert!(per_client < 16.0, "{per_client:.1} bytes per client");
}

/// Peak bytes allocated during one `simulate_each` run, per client (the due times, the
/// caller's, are not counted).
fn peak_per_client_each(stations: &[Station], due: &[u64]) -> f64 {
    let run = || each(stations, None, due, None, |_| {}).unwrap();
    run();
    let before = LIVE.with(Cell::get);
    PEAK.with(|p| p.set(before));
    run();
    (PEAK.with(Cell::get) - before) as f64 / due.len() as f64
}

#[test]
fn told_each_client_as_it_is_served_a_run_keeps_no_row_per_client() {
    let stations = vec![pool(2, 1000), pool(6, 3000), batch(8, 4000)];
    let due: Vec<u64> = (0..20_000).map(|i| i * 500).collect();
    // Only its copy of the due times (8 bytes a client) grows with the clients.
    let per_client = peak_per_client_each(&stations, &due);
    eprintln!("{per_client:.1} bytes per client, told as served");
    assert!(per_client < 9.0, "{per_client:.1} bytes per client");
}

#[test]
fn each_served_client_is_reported_as_the_rows_say() {
    let stations = vec![pool(1, 1000), pool(3, 3000), batch(5, 4000)];
    let due: Vec<u64> = (0..300).map(|i| i / 3 * 500).collect();
    let rows = rows(&stations, None, &due, None, false).unwrap();
    let told = Rc::new(RefCell::new(Vec::new()));
    let sink = told.clone();
    each(&stations, None, &due, None, move |s| {
        sink.borrow_mut().push(s)
    })
    .unwrap();
    let mut told = told.take();
    assert_eq!(told.len(), due.len());
    told.sort_by_key(|s| s.client);
    for (c, s) in told.iter().enumerate() {
        assert_eq!(s.client as usize, c);
        assert_eq!(s.due, due[c]);
        assert_eq!(s.end, rows.served(c), "client {c}");
        // Every visit of the fan-out began at the due time: the longest queue is the latest
        // start (the first station on a tie), none when every station started at once.
        let starts = rows.start_of(c);
        let latest = *starts.iter().max().unwrap();
        let want = if latest > due[c] {
            (
                starts.iter().position(|&t| t == latest).unwrap() as u16,
                latest - due[c],
            )
        } else {
            (u16::MAX, 0)
        };
        assert_eq!(s.waited, want, "client {c}");
    }
}
