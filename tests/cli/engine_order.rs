//! Same-instant order, as docs/model.md ("Same-instant order") defines it: timers that fire at one
//! instant run in the order they were set; a task woken (or started) by another runs after
//! it, in wake order. The trace shows it, and it is the same for every thread count and run.

use crate::common::{run, same_with_one_and_two_threads};

/// The trace lines at one instant (its time column dropped), in the order printed.
fn at(trace: &str, time: &str) -> Vec<String> {
    trace
        .lines()
        .filter(|l| l.split_whitespace().next() == Some(time))
        .map(|l| l.trim_start()[time.len()..].trim().to_string())
        .collect()
}

#[test]
fn same_instant_events_follow_the_documented_order() {
    let (code, out, err) = run(&["run", "--period", "0.5", "--clients", "10", "--trace"]);
    assert_eq!(code, 0, "{err}");
    // At 1 s: client 1's soda timer was set at 0 s, the driver's timer for client 3 at
    // 0.5 s, so client 1 finishes first and hands the soda machine to client 2 (woken);
    // then the driver starts client 3, which runs after client 2, woken before it started.
    assert_eq!(
        at(&out, "1.000"),
        [
            "< soda: done for client_1",
            "> soda: serving client_2",
            "=> order placed by client_3",
            "> burger: serving client_3",
        ],
        "{out}"
    );
    // At 4 s the fryer's batch is ready: its cook takes a portion first, then the clients
    // queued on the lock, each woken by the one before, in queue order; the fifth portion
    // gone, client 6 finds the shelf empty and starts the next batch.
    let four = at(&out, "4.000");
    let fries: Vec<&String> = four.iter().filter(|l| l.contains("fries")).collect();
    assert_eq!(
        fries,
        [
            "** fries: batch ready",
            "< fries: done for client_1",
            "< fries: done for client_2",
            "< fries: done for client_3",
            "< fries: done for client_4",
            "< fries: done for client_5",
            "** fries: batch of 5 started for client_6",
        ],
        "{out}"
    );
}

#[test]
fn the_trace_is_the_same_for_every_thread_count_and_run() {
    for args in [
        &["run", "--period", "0", "--clients", "40", "--trace"][..],
        &["run", "--period", "0.5", "--clients", "40", "--trace"][..],
        &[
            "run",
            "--set",
            "burger.units=2",
            "--period",
            "0.25",
            "--clients",
            "40",
            "--trace",
        ][..],
    ] {
        let first = same_with_one_and_two_threads(args);
        let again = same_with_one_and_two_threads(args);
        assert_eq!(first, again, "{args:?}: a second run differs");
    }
}
