//! Request flows and classes from the command line: `[[request]]` scenarios, their errors,
//! class dealing, per-class verdicts, capacity by demand.

use crate::common::{
    assert_input_error, parse_csv, run, same_with_one_and_two_threads, scenario_file,
};

/// Two pools in sequence, a third pool reached by a pick, two classes.
fn two_classes(shares: (f64, f64), browse_flow: &str, extra: &str) -> String {
    format!(
        r#"
name = "two"
resolution = 0.001

[load]
clients = 8
timeout = 1.0
rate = 10.0

[[request]]
name = "fast"
share = {}
flow = "{browse_flow}"
timeout = 0.05
{extra}

[[request]]
name = "slow"
share = {}
flow = "a -> b(0.2)"
timeout = 0.5

[[station]]
name = "a"
kind = "pool"
service = 0.01
units = 1
range = "1..=3"

[[station]]
name = "b"
kind = "pool"
service = 0.02
units = 1
range = "1..=3"

[[station]]
name = "c"
kind = "pool"
service = 0.03
units = 1
"#,
        shares.0, shares.1
    )
}

/// A scenario with a bad `[[request]]`; the error must name the request, flow and column.
fn refused(text: &str, needle: &str) {
    let (_dir, path) = scenario_file(text);
    assert_input_error(&["--scenario", &path, "run"], needle);
}

#[test]
fn bad_flows_are_refused_naming_the_flow_and_the_column() {
    refused(
        &two_classes((0.5, 0.5), "a -> nope -> c", ""),
        r#"request `fast`: flow "a -> nope -> c", column 6: unknown station `nope`"#,
    );
    refused(
        &two_classes((0.5, 0.5), "a -> all() -> c", ""),
        "column 10: `all()` needs at least one branch",
    );
    refused(
        &two_classes((0.5, 0.5), "a -> pick(0.5: b, 0.4: c)", ""),
        "column 6: the probabilities of this `pick` sum to 0.9, not 1",
    );
    refused(
        &two_classes((0.5, 0.5), "a -> -> c", ""),
        "column 6: expected a station",
    );
    let deep = format!("{}c{}", "(".repeat(70), ")".repeat(70));
    refused(
        &two_classes((0.5, 0.5), &deep, ""),
        "the flow nests deeper than 64 levels",
    );
}

#[test]
fn shares_must_be_positive_and_sum_to_one() {
    refused(
        &two_classes((0.5, 0.6), "a -> c", ""),
        "the requests' shares sum to 1.1, not 1",
    );
    refused(
        &two_classes((0.0, 1.0), "a -> c", ""),
        "request `fast`: share must be above 0 and at most 1, got 0",
    );
    // Within 1e-9 of 1 is accepted: 0.1 + 0.2 is not 0.3 in binary.
    let (_dir, path) = scenario_file(&two_classes((0.7, 0.3), "a -> c", ""));
    let (code, _, err) = run(&["--scenario", &path, "run"]);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn a_station_no_request_visits_is_refused() {
    refused(
        &two_classes((0.5, 0.5), "a -> b", ""),
        "station `c` is in no request's flow",
    );
}

#[test]
fn fixed_arrivals_deal_classes_exactly_by_share() {
    // 0.25 / 0.75: exactly one client in four is `fast`, the first of every four.
    let (_dir, path) = scenario_file(&two_classes((0.25, 0.75), "a -> c", ""));
    let (code, out, err) = run(&["--scenario", &path, "run", "--csv", "-"]);
    assert_eq!(code, 0, "{err}");
    let (header, rows) = parse_csv(&out);
    assert_eq!(header[..3], ["client", "class", "arrival_s"]);
    let classes: Vec<&str> = rows.iter().map(|r| r[1].as_str()).collect();
    assert_eq!(
        classes,
        ["slow", "fast", "slow", "slow", "slow", "fast", "slow", "slow"]
    );
}

#[test]
fn csv_leaves_stations_a_client_did_not_visit_empty() {
    let (_dir, path) = scenario_file(&two_classes((0.5, 0.5), "a -> c", ""));
    let (code, out, err) = run(&["--scenario", &path, "run", "--csv", "-"]);
    assert_eq!(code, 0, "{err}");
    let (header, rows) = parse_csv(&out);
    assert_eq!(header[5..], ["a_done_s", "b_done_s", "c_done_s"]);
    for r in &rows {
        match r[1].as_str() {
            // a (10 ms) then c (30 ms): no b.
            "fast" => assert!(r[6].is_empty() && !r[7].is_empty(), "{r:?}"),
            // a then b with its own 0.2 s: no c.
            "slow" => assert!(!r[6].is_empty() && r[7].is_empty(), "{r:?}"),
            other => panic!("class {other}"),
        }
    }
    // Client 1 (fast: the tie of equal shares goes to the first class), due 0: a 0..0.01,
    // c 0.01..0.04.
    assert_eq!(rows[0][1], "fast");
    assert_eq!(rows[0][3], "0.040");
    // Client 2 (slow, due 0.1): a 0.1..0.11, then b for its own 0.2 s (not b's 0.02 s).
    assert_eq!(rows[1][1], "slow");
    assert_eq!(rows[1][3], "0.210");
}

#[test]
fn each_class_is_judged_by_its_own_timeout_and_the_command_line_overrides() {
    let (_dir, path) = scenario_file(&two_classes((0.5, 0.5), "a -> c", ""));
    // slow takes 0.21 s (< 0.5 s, its timeout), fast 0.04 s (< 0.05 s): all satisfied,
    // though 0.21 s is over fast's 0.05 s.
    let (code, out, err) = run(&["--scenario", &path, "run", "--csv", "-"]);
    assert_eq!(code, 0, "{err}");
    let (_, rows) = parse_csv(&out);
    assert!(rows.iter().all(|r| r[4] == "true"), "{rows:?}");
    let (code, out, _) = run(&["--scenario", &path, "run"]);
    assert_eq!(code, 0);
    assert!(out.contains("per request class:"), "{out}");
    assert!(out.contains("fast"), "{out}");
    // --timeout 0.1 overrides both: every slow client (0.21 s) is late.
    let (code, out, err) = run(&["--scenario", &path, "run", "--timeout", "0.1", "--csv", "-"]);
    assert_eq!(code, 0, "{err}");
    let (_, rows) = parse_csv(&out);
    for r in &rows {
        assert_eq!(r[4] == "true", r[1] == "fast", "{r:?}");
    }
}

#[test]
fn optimize_meets_every_class_objective() {
    // fast: a (10 ms) then b (20 ms) or c (30 ms), half each: 0.03 s or 0.04 s. Under a
    // 0.035 s timeout about half of fast's clients pass whatever the configuration.
    let strict = two_classes((0.5, 0.5), "a -> pick(0.5: b, 0.5: c)", "")
        .replace("timeout = 0.05", "timeout = 0.035");
    let (_dir, path) = scenario_file(&strict);
    let args = |p: &str| -> Vec<String> {
        ["--scenario", p, "optimize", "--clients", "40"]
            .map(String::from)
            .to_vec()
    };
    let strict_args = args(&path);
    let strict_args: Vec<&str> = strict_args.iter().map(String::as_str).collect();
    let (code, _, err) = run(&strict_args);
    assert_eq!(code, 1, "every fast client must pass: none can; {err}");
    // The class's own min_satisfaction of 20 % is met.
    let lenient = two_classes(
        (0.5, 0.5),
        "a -> pick(0.5: b, 0.5: c)",
        "min_satisfaction = 20",
    )
    .replace("timeout = 0.05", "timeout = 0.035");
    let (_dir2, path2) = scenario_file(&lenient);
    let lenient_args = args(&path2);
    let lenient_args: Vec<&str> = lenient_args.iter().map(String::as_str).collect();
    let (code, out, err) = run(&lenient_args);
    assert_eq!(code, 0, "{out}{err}");
    // --timeout overrides every class: at 0.02 s no client of either class can pass.
    let mut over = lenient_args.clone();
    over.extend(["--timeout", "0.02"]);
    let (code, _, err) = run(&over);
    assert_eq!(code, 1, "{err}");
}

#[test]
fn capacity_is_units_over_demand_per_request() {
    // a: visited once by every request, 10 ms → 100/s per unit. b: only slow (share 0.5),
    // 0.2 s its own → D = 0.1 s → 10/s. c: only fast, 30 ms → D = 0.015 → 66.667/s.
    let (_dir, path) = scenario_file(&two_classes((0.5, 0.5), "a -> c", ""));
    let (code, out, err) = run(&["--scenario", &path, "run"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains(
            "capacity (clients/s): a 100 (10% busy) · b 10 (100% busy) · c 66.667 (15% busy)"
        ),
        "{out}"
    );
}

#[test]
fn a_flow_with_pick_is_random_and_the_same_for_any_thread_count() {
    let text = two_classes((0.5, 0.5), "a -> pick(0.5: b, 0.5: c)", "");
    let (_dir, path) = scenario_file(&text);
    let out = same_with_one_and_two_threads(&[
        "--scenario",
        &path,
        "run",
        "--clients",
        "200",
        "--csv",
        "-",
    ]);
    let (_, rows) = parse_csv(&String::from_utf8(out).unwrap());
    let fast: Vec<&Vec<String>> = rows.iter().filter(|r| r[1] == "fast").collect();
    let via_b = fast.iter().filter(|r| !r[6].is_empty()).count();
    let via_c = fast.iter().filter(|r| !r[7].is_empty()).count();
    assert_eq!(via_b + via_c, fast.len());
    // 100 draws of a fair coin: both branches taken, neither absurdly often.
    assert!((25..=75).contains(&via_b), "{via_b} of {}", fast.len());
    // Another seed draws other branches.
    let (_, other, _) = run(&[
        "--scenario",
        &path,
        "run",
        "--clients",
        "200",
        "--seed",
        "9",
        "--csv",
        "-",
    ]);
    assert_ne!(parse_csv(&other).1, rows);
}

#[test]
fn the_shop_example_runs_and_optimizes() {
    let (code, out, err) = run(&["--scenario", "data/api.toml", "optimize"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("Answer:"), "{out}");
    let (code, out, err) = run(&["--scenario", "data/api.toml", "run", "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["classes"]["browse"]["clients"], 1600);
    assert_eq!(doc["classes"]["checkout"]["clients"], 400);
    assert_eq!(doc["results"][0]["class"], "browse");
}

#[test]
fn sweep_csv_has_a_satisfaction_column_per_class() {
    // fast (a → c, 0.04 s) under 0.035 s: 0 %; slow (a → b, 0.21 s) under 0.5 s: 100 %.
    let text = two_classes((0.5, 0.5), "a -> c", "").replace("timeout = 0.05", "timeout = 0.035");
    let (_dir, path) = scenario_file(&text);
    let (code, out, err) = run(&["--scenario", &path, "sweep", "--csv", "-"]);
    assert_eq!(code, 0, "{err}");
    let (header, rows) = parse_csv(&out);
    let n = header.len();
    assert_eq!(header[n - 12], "satisfaction_fast");
    assert_eq!(header[n - 6], "satisfaction_slow");
    let meets = header.iter().position(|h| h == "meets_target").unwrap();
    for r in &rows {
        assert_eq!(r[n - 12], "0.0", "{r:?}");
        assert_eq!(r[n - 6], "100.0", "{r:?}");
        assert_eq!(r[meets], "false", "{r:?}");
    }
    // The tutorial's sweep has no such column: its header still ends with the bottleneck.
    let (_, out, _) = run(&["sweep", "--csv", "-"]);
    assert!(
        out.lines().next().unwrap().ends_with(",bottleneck"),
        "{out}"
    );
}

#[test]
fn the_timeline_of_a_flow_draws_without_the_stations_a_client_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let svg = dir.path().join("t.svg");
    let (code, _, err) = run(&[
        "--scenario",
        "data/api.toml",
        "run",
        "--clients",
        "20",
        "--plot",
        svg.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let text = std::fs::read_to_string(&svg).unwrap();
    assert!(text.contains("<svg") && !text.contains("NaN"), "{text}");
}

#[test]
fn an_explicit_min_satisfaction_of_100_overrides_a_class_of_99() {
    let first_line = |extra: &[&str]| {
        let mut args = vec![
            "--scenario",
            "data/api.toml",
            "optimize",
            "--clients",
            "200",
        ];
        args.extend_from_slice(extra);
        let (_, out, err) = crate::common::run(&args);
        out.lines()
            .next()
            .unwrap_or_else(|| panic!("{err}"))
            .to_string()
    };
    assert!(first_line(&[]).contains("browse: 99% of latencies under 300 ms"));
    let forced = first_line(&["--min-satisfaction", "100"]);
    assert!(
        forced.contains("browse: every latency under 300 ms"),
        "{forced}"
    );
}
