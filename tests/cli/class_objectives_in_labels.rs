//! With request classes, every label speaks of the classes' own objectives (issue 19 #10):
//! the `[load]` timeout, when a scenario states none its default of 5 s, judges no client,
//! so neither the run header, a headroom, a shortfall warning, a comparison's heading or
//! picture, the sweep CSV nor `--unit auto` may read it.

use crate::common::{parse_csv, run, scenario_file};

/// A hotel service: searches rate then read a profile, bookings reserve first. Its `[load]`
/// states no timeout (so the default 5 s is in the load), its classes their own p99
/// objectives, 300 ms and 800 ms. At 100 clients/s `rate` (10.4 ms a client) is 104 % busy.
const HOTEL: &str = r#"
name = "hotel"
resolution = 0.0001

[load]
clients = 200
rate = 100.0

[[request]]
name = "search"
share = 0.5
flow = "frontend -> rate -> profile"
slo = "p99 < 300ms"

[[request]]
name = "book"
share = 0.5
flow = "frontend -> reserve -> rate -> profile"
slo = "p99 < 800ms"

[[station]]
name = "frontend"
kind = "pool"
service = 0.002
units = 1
range = "1..=2"

[[station]]
name = "reserve"
kind = "pool"
service = 0.008
units = 1
range = "1..=2"

[[station]]
name = "rate"
kind = "pool"
service = 0.0104
units = 1
range = "1..=2"

[[station]]
name = "profile"
kind = "pool"
service = 0.0036
units = 1
range = "1..=2"
"#;

/// No trace of the unused 5 s default: neither as a timeout nor as a headroom against it.
fn assert_no_default_timeout(text: &str) {
    for unused in ["timeout 5 s", "5 s timeout", "timeout 5000 ms", "headroom"] {
        assert!(!text.contains(unused), "`{unused}` in:\n{text}");
    }
}

#[test]
fn run_names_each_class_objective_in_milliseconds_and_no_default_timeout() {
    let (_dir, hotel) = scenario_file(HOTEL);
    let (code, out, err) = run(&["run", "--scenario", &hotel]);
    assert_eq!(code, 0, "{err}");
    assert_no_default_timeout(&out);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[1],
        "200 clients every 0.01 s (100 clients/s), virtual clock"
    );
    assert_eq!(
        lines[2],
        "objectives: search p99 < 300 ms, book p99 < 800 ms"
    );
    // `--unit auto` reads the tightest objective in play, 300 ms: milliseconds.
    assert!(out.contains("latency (ms)"), "{out}");
    let summary = out.lines().find(|l| l.starts_with("satisfied")).unwrap();
    assert!(summary.ends_with("max 103.2 ms"), "{summary}");
    // The queue at `rate` grows by 1/96.154 − 1/100 = 0.4 ms a client: searches' 300 ms is
    // reached after (300 − 10.4) / 0.4 + 1 = 725 clients, not the 5 s default's 12475.
    let warning = out.lines().find(|l| l.starts_with("warning:")).unwrap();
    assert!(
        warning.contains(
            "and search's 300 ms objective is breached after roughly 725 clients (about 7.2 s)"
        ),
        "{warning}"
    );
    let (_, json, _) = run(&["run", "--scenario", &hotel, "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(
        doc["capacity"]["shortfalls"][0]["timeout_breached_after_clients"],
        725
    );
}

#[test]
fn a_shortfall_names_the_tightest_objective_of_the_classes_that_visit_the_station() {
    let (_dir, hotel) = scenario_file(HOTEL);
    // At 300/s: reserve (bookings only, 150/s × 8 ms) is 120 % busy and breaks bookings'
    // 800 ms; profile (both classes, 300/s × 3.6 ms) breaks searches' 300 ms first.
    let (code, out, err) = run(&["run", "--scenario", &hotel, "--rate", "300"]);
    assert_eq!(code, 0, "{err}");
    let warning = |station: &str| {
        out.lines()
            .find(|l| l.starts_with(&format!("warning: {station} ")))
            .unwrap_or_else(|| panic!("no warning for {station}: {out}"))
            .to_string()
    };
    assert!(
        warning("reserve").contains("and book's 800 ms objective is breached"),
        "{out}"
    );
    assert!(
        warning("profile").contains("and search's 300 ms objective is breached"),
        "{out}"
    );
    assert_no_default_timeout(&out);
}

#[test]
fn one_timeout_for_every_class_reads_as_before() {
    // `--timeout` judges every class by one timeout: a headroom against it means something.
    let (_dir, hotel) = scenario_file(HOTEL);
    let (code, out, err) = run(&["run", "--scenario", &hotel, "--timeout", "2"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out.lines().nth(2).unwrap(),
        "objectives: search p99 < 2 s, book p99 < 2 s"
    );
    let summary = out.lines().find(|l| l.starts_with("satisfied")).unwrap();
    assert!(summary.ends_with("headroom +1.8968 s"), "{summary}");
}

#[test]
fn a_run_of_clients_who_give_up_heads_each_class_objective() {
    let (_dir, hotel) = scenario_file(HOTEL);
    let (code, out, err) = run(&["run", "--scenario", &hotel, "--patience", "2s"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out.lines().next().unwrap(),
        "200 clients, objectives: search under 0.3 s, book under 0.8 s, patience 2 s"
    );
    assert_no_default_timeout(&out);
}

#[test]
fn compare_heads_and_draws_the_classes_objectives() {
    let (_dir, hotel) = scenario_file(HOTEL);
    let args = [
        "compare",
        "--scenario",
        &hotel,
        "--strategy",
        "base=rate.units=1",
        "--rates",
        "50,100",
    ];
    let (code, out, err) = run(&args);
    assert_eq!(code, 0, "{err}");
    assert_no_default_timeout(&out);
    assert!(
        out.contains(
            "(search: 99% of latencies under 300 ms, book: 99% of latencies under 800 ms)"
        ),
        "{out}"
    );
    let mut plot = args.to_vec();
    plot.extend(["--plot", "-"]);
    let (code, svg, err) = run(&plot);
    assert_eq!(code, 0, "{err}");
    assert!(
        svg.contains("objectives: search p99 &lt; 0.3 s, book p99 &lt; 0.8 s"),
        "the picture's title: {}",
        svg.lines()
            .find(|l| l.contains("satisfaction by"))
            .unwrap_or("")
    );
    assert!(!svg.contains("timeout 5 s"));
}

#[test]
fn the_sweep_csv_carries_each_class_objective_not_the_unused_timeout() {
    let (_dir, hotel) = scenario_file(HOTEL);
    let (code, out, err) = run(&["sweep", "--scenario", &hotel, "--csv", "-"]);
    assert_eq!(code, 0, "{err}");
    let (header, rows) = parse_csv(&out);
    let at = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no column {name}: {header:?}"))
    };
    assert_eq!(rows.len(), 16);
    for row in &rows {
        // No one timeout judges every client: the cell is empty, each class has its own.
        assert_eq!(row[at("timeout")], "", "{row:?}");
        assert_eq!(row[at("timeout_search")], "0.3");
        assert_eq!(row[at("min_satisfaction_search")], "99.0");
        assert_eq!(row[at("timeout_book")], "0.8");
        assert_eq!(row[at("min_satisfaction_book")], "99.0");
    }
    // The sweep's table and optimize's answer show milliseconds, and no headroom.
    let (_, table, _) = run(&["sweep", "--scenario", &hotel]);
    assert!(table.contains("max (ms)"), "{table}");
    let (code, answer, err) = run(&["optimize", "--scenario", &hotel]);
    assert_eq!(code, 0, "{err}");
    assert_no_default_timeout(&answer);
    assert!(answer.contains("max (ms)"), "{answer}");
}
