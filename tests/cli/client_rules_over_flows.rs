//! Client rules over request flows, through every output: the CSV judges each client by its class's timeout, the
//! trace follows the flows' retries, and the searches judge each client by its class's
//! objective.

use crate::common::{parse_csv, run};

/// The web shop's retry storm of docs/clients.md: browse's timeout is 0.3 s, checkout's 1 s.
const SHOP: &[&str] = &[
    "--scenario",
    "data/api.toml",
    "run",
    "--patience",
    "0.5",
    "--retries",
    "2",
    "--backoff",
    "0.1",
];

fn shop(extra: &[&str]) -> (i32, String, String) {
    run(&[SHOP, extra].concat())
}

#[test]
fn the_csv_of_a_flows_run_judges_each_client_by_its_class_timeout() {
    let (code, json, err) = shop(&["--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let by_class: u64 = v["classes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["satisfied"].as_u64().unwrap())
        .sum();
    assert_eq!(v["satisfied"].as_u64(), Some(by_class), "{v}");
    let (code, csv, err) = shop(&["--csv", "-"]);
    assert_eq!(code, 0, "{err}");
    let (header, rows) = parse_csv(&csv);
    let outcome = header.iter().position(|h| h == "outcome").unwrap();
    let latency = header.iter().position(|h| h == "latency_s").unwrap();
    let satisfied: Vec<&Vec<String>> = rows.iter().filter(|r| r[outcome] == "satisfied").collect();
    assert_eq!(satisfied.len() as u64, by_class);
    // Checkouts served after browse's 0.3 s but within their own 1 s are satisfied: one
    // timeout for all would have called them late.
    assert!(
        satisfied
            .iter()
            .any(|r| r[latency].parse::<f64>().unwrap() > 0.3),
        "no client satisfied past 0.3 s"
    );
}

#[test]
fn the_trace_of_a_flows_run_tells_every_retry() {
    let (code, json, err) = shop(&["--trace", "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let retries = v["attempts"].as_u64().unwrap() - v["clients"].as_u64().unwrap();
    assert!(retries > 0, "{v}");
    let told = err
        .lines()
        .filter(|l| l.contains(" retries (attempt "))
        .count();
    assert_eq!(told as u64, retries);
}

/// The searches used to refuse client rules over request flows ("do not yet support
/// request flows"); they now judge each client by its class's objective, as `run` does
/// (tests/cli/client_rules_search_flows.rs checks the figures against `run`).
#[test]
fn the_searches_take_client_rules_over_request_flows_with_each_class_objective() {
    let api = ["--scenario", "data/api.toml"];
    // The cheapest corner of the space only: two configurations, each a quick test.
    let corner = [
        "--range",
        "auth.units=1",
        "--range",
        "catalog.units=1",
        "--range",
        "db.units=2",
        "--range",
        "cache.batch=25",
        "--range",
        "render.units=1",
        "--range",
        "payment.units=4..=5",
    ];
    for args in [
        &["optimize", "--patience", "0.5", "--clients", "100"][..],
        &["sweep", "--users", "5", "--think", "1", "--duration", "10"][..],
    ] {
        let (code, out, err) = run(&[&api[..], args, &corner[..]].concat());
        assert_eq!(code, 0, "{args:?}: {err}");
        assert!(!err.contains("request flows"), "{err}");
        let first = out.lines().next().unwrap_or_default();
        assert!(
            first.ends_with(
                "browse: 99% of latencies under 300 ms, checkout: every latency under 1000 ms"
            ),
            "{args:?}: {first}"
        );
    }
}
