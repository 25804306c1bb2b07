//! Textbook queueing results, reproduced through request flows: a tandem of two M/M/1
//! stations (Jackson), Poisson routing through `pick`, and two classes sharing one M/M/1.

use crate::common::{run, scenario_file};

/// A scenario of exponential pools (`name`, mean service) and one or more classes.
fn scenario(stations: &[(&str, f64)], requests: &[(&str, f64, &str)]) -> String {
    let mut text = String::from(
        "name = \"q\"\nresolution = 0.001\n\n[load]\nclients = 1000\ntimeout = 100.0\nrate = 1.0\n",
    );
    for (name, share, flow) in requests {
        text += &format!("\n[[request]]\nname = \"{name}\"\nshare = {share}\nflow = \"{flow}\"\n");
    }
    for (name, service) in stations {
        text += &format!(
            "\n[[station]]\nname = \"{name}\"\nkind = \"pool\"\nservice = {service}\ndistribution = \"exponential\"\nunits = 1\n"
        );
    }
    text
}

/// Mean latency over 20 Poisson replications: (low, high) of its 95 % interval.
fn mean_interval(path: &str, rate: &str) -> (f64, f64) {
    let (code, out, err) = run(&[
        "--scenario",
        path,
        "run",
        "--arrivals",
        "poisson",
        "--rate",
        rate,
        "--clients",
        "20000",
        "--warmup",
        "2000",
        "--replications",
        "20",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    let mean = &doc["replications"]["spread"]["mean_s"];
    (
        mean["low"].as_f64().unwrap(),
        mean["high"].as_f64().unwrap(),
    )
}

fn assert_within(want: f64, (low, high): (f64, f64), what: &str) {
    assert!(
        low <= want && want <= high,
        "{what}: {want} outside [{low}, {high}]"
    );
    assert!(
        high - low < 0.2,
        "{what}: interval too wide: [{low}, {high}]"
    );
}

#[test]
fn tandem_of_two_mm1_stations_matches_jackson() {
    // λ = 1; μ1 = 2, μ2 = 4: mean sojourn 1/(2 − 1) + 1/(4 − 1) = 4/3 s.
    let text = scenario(
        &[("one", 0.5), ("two", 0.25)],
        &[("all", 1.0, "one -> two")],
    );
    let (_dir, path) = scenario_file(&text);
    assert_within(4.0 / 3.0, mean_interval(&path, "1"), "tandem");
}

#[test]
fn poisson_routing_through_pick_splits_into_mm1_queues() {
    // λ = 1 split half and half: a (μ = 2) at 0.5/s → 1/1.5 s; b (μ = 1) at 0.5/s → 2 s.
    // The mean over all requests: 0.5 × 2/3 + 0.5 × 2 = 4/3 s.
    let text = scenario(
        &[("a", 0.5), ("b", 1.0)],
        &[("all", 1.0, "pick(0.5: a, 0.5: b)")],
    );
    let (_dir, path) = scenario_file(&text);
    assert_within(4.0 / 3.0, mean_interval(&path, "1"), "pick");
}

#[test]
fn two_classes_sharing_one_mm1_both_see_its_mean() {
    // λ = 0.5, μ = 1: 1/(μ − λ) = 2 s for the whole queue and, FIFO and one service
    // distribution, for each class alike; classes drawn 30/70 from the seeded stream.
    let text = scenario(
        &[("server", 1.0)],
        &[("x", 0.3, "server"), ("y", 0.7, "server")],
    );
    let (_dir, path) = scenario_file(&text);
    assert_within(2.0, mean_interval(&path, "0.5"), "both classes");
    let (code, out, err) = run(&[
        "--scenario",
        &path,
        "run",
        "--arrivals",
        "poisson",
        "--rate",
        "0.5",
        "--clients",
        "200000",
        "--warmup",
        "2000",
        "--replications",
        "1",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    let mut total = 0;
    for (class, share) in [("x", 0.3), ("y", 0.7)] {
        let c = &doc["classes"][class];
        let mean = c["mean_s"].as_f64().unwrap();
        assert!(
            (mean - 2.0).abs() < 0.1,
            "class {class}: mean {mean} s, not 2 s"
        );
        let clients = c["clients"].as_u64().unwrap();
        total += clients;
        let got = clients as f64 / 198_000.0;
        assert!((got - share).abs() < 0.01, "class {class}: share {got}");
    }
    assert_eq!(total, 198_000);
}

/// An M/M/1 at 90 % busy: 40 clients from an empty queue pass "90 % under 15 s", but its
/// steady state does not (P(W > t) = ρ e^{−(μ−λ)t}: 90 % wait under ln 9 / 0.1 ≈ 22 s).
fn busy_mm1(timeout: &str) -> Vec<String> {
    [
        "--scenario",
        "data/mm1.toml",
        "optimize",
        "--arrivals",
        "poisson",
        "--target-rate",
        "0.9",
        "--clients",
        "40",
        "--timeout",
        timeout,
        "--min-satisfaction",
        "90",
        "--replications",
        "5",
        "--seed",
        "3",
    ]
    .map(String::from)
    .to_vec()
}

#[test]
fn a_pass_at_a_busy_station_carries_erlang_c_and_is_flagged_when_theory_contradicts_it() {
    let args = busy_mm1("15");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, out, err) = run(&args);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("Answer: server.units=1"), "{out}");
    assert!(
        out.contains("  queueing estimate (Erlang C): server 90% busy, mean wait 9.000 s; 90% of requests wait under 21.972 s there (objective 15.000 s); CONTRADICTS the simulated pass"),
        "{out}"
    );
    let (_, json, _) = run(&[&args[..], &["--format", "json"]].concat());
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let e = &v["queueing_estimates"][0];
    assert_eq!(e["config"]["server.units"], 1);
    assert_eq!(e["method"], "Erlang C");
    assert!(
        (e["mean_wait_s"].as_f64().unwrap() - 9.0).abs() < 1e-9,
        "{e}"
    );
    assert!((e["wait_at_share_s"].as_f64().unwrap() - 9f64.ln() / 0.1).abs() < 1e-9);
    assert!((e["waits"].as_f64().unwrap() - 0.9).abs() < 1e-9);
    assert_eq!(e["contradicts"], true);
    // Two servers are 45 % busy: no estimate for the runners-up.
    assert_eq!(v["queueing_estimates"].as_array().unwrap().len(), 1, "{v}");
}

#[test]
fn an_estimate_that_agrees_with_the_pass_is_shown_without_a_flag() {
    let args = busy_mm1("30");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, out, err) = run(&args);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("  queueing estimate (Erlang C): server 90% busy, mean wait 9.000 s; 90% of requests wait under 21.972 s there (objective 30.000 s)\n"),
        "{out}"
    );
    // Nothing random, nothing estimated: the tutorial's report has no such line.
    let (_, tutorial, _) = run(&["optimize", "--target-rate", "2", "--timeout", "5"]);
    assert!(!tutorial.contains("queueing estimate"), "{tutorial}");
}
