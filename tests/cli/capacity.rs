//! Sustained load: capacity figures, honest warnings, `optimize --sustained`.

use crate::common::run;

#[test]
fn run_shows_each_stations_capacity() {
    let (code, out, _) = run(&["run", "--period", "0.5"]);
    assert_eq!(code, 0);
    // Soda 1/s per machine, kitchen 1 per 3 s per cook, fryer 5 portions per 4 s.
    assert!(
        out.contains("capacity (clients/s): soda 1 (200% busy) · burger 1 (200% busy) · fries 1.25 (160% busy); bottleneck soda"),
        "{out}"
    );
    assert!(
        out.contains("its queue grows by 1 client every second"),
        "{out}"
    );
    assert!(out.contains("grows by 0.75 clients every second"), "{out}");
    let (_, json, _) = run(&["run", "--set", "fries.batch=7", "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(doc["capacity"]["per_station"]["fries"], 1.75);
    assert_eq!(doc["capacity"]["sustainable"], false);
}

#[test]
fn the_ten_client_answer_is_flagged_unsustainable() {
    let (code, out, _) = run(&["optimize", "--target-rate", "2", "--timeout", "5"]);
    assert_eq!(code, 0);
    assert!(
        out.contains(
            "warning: fries keeps up with only 1.75 clients/s, below the 2 clients/s tested"
        ),
        "{out}"
    );
    assert!(out.contains("breached after roughly 15 clients"), "{out}");
    assert!(out.contains("--sustained"), "{out}");
    // And the estimate is right: client 15 of a longer test is the first late one.
    let (_, csv, _) = run(&[
        "run",
        "--set",
        "soda.units=2",
        "--set",
        "burger.units=5",
        "--set",
        "fries.batch=7",
        "--rate",
        "2",
        "--clients",
        "30",
        "--csv",
        "-",
    ]);
    let first_late = csv
        .lines()
        .skip(1)
        .find(|l| l.split(',').nth(3) == Some("false"))
        .unwrap();
    assert!(first_late.starts_with("15,"), "{first_late}");
}

#[test]
fn sustained_says_which_lever_values_would_do() {
    let (code, out, _) = run(&[
        "optimize",
        "--sustained",
        "--target-rate",
        "2",
        "--timeout",
        "5",
    ]);
    assert_eq!(code, 1);
    assert!(out.contains("fries.batch ≥ 8"), "{out}");
}

/// The page of an unreachable rate states the prices the search would have ranked at: the
/// flag's, not the scenario's.
#[test]
fn an_unreachable_rates_page_states_the_flags_prices() {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("unreachable.html");
    let (code, _, err) = run(&[
        "optimize",
        "--sustained",
        "--target-rate",
        "100",
        "--cpu-price",
        "99",
        "--report",
        page.to_str().unwrap(),
    ]);
    assert_eq!(code, 1, "{err}");
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.contains("99 $/month per core"), "{html}");
    assert!(!html.contains("30 $/month per core"), "{html}");
}

#[test]
fn sustained_finds_a_configuration_that_holds_a_hundred_clients() {
    let (code, out, _) = run(&[
        "optimize",
        "--sustained",
        "--target-rate",
        "2",
        "--timeout",
        "5",
        "--range",
        "fries.batch=5,7,8,10",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{out}");
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    let config = &doc["answer"]["config"];
    assert_eq!(doc["answer"]["capacity"]["sustainable"], true);
    assert!(doc["target"]["clients"].as_u64().unwrap() >= 100);
    let set = |k: &str| format!("{k}={}", config[k]);
    let (code, run_out, _) = run(&[
        "run",
        "--rate",
        "2",
        "--clients",
        "100",
        "--timeout",
        "5",
        "--set",
        &set("soda.units"),
        "--set",
        &set("burger.units"),
        "--set",
        &set("fries.batch"),
    ]);
    assert_eq!(code, 0);
    assert!(run_out.contains("satisfied 100/100"), "{run_out}");
    assert_eq!(config["fries.batch"], 8);
}
