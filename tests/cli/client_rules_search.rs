//! `optimize` and `sweep` with client rules: a closed loop of users who
//! think, and open-loop clients who give up and retry, through the real binary.

use crate::common::{
    assert_input_error, json_verdict as json, run, same_with_one_and_two_threads, scenario_file,
};

/// `soda.units=2,burger.units=4,…` as `run --set` flags.
fn set_flags(config: &serde_json::Value) -> Vec<String> {
    config
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(lever, v)| ["--set".to_string(), format!("{lever}={v}")])
        .collect()
}

/// 8 users thinking 4 s for 120 s, 95 % of the responses under 5 s: nothing is random, so
/// one replication decides and `run --users` shows the same requests.
const CLOSED: [&str; 10] = [
    "--users",
    "8",
    "--think",
    "4",
    "--duration",
    "120",
    "--timeout",
    "5",
    "--min-satisfaction",
    "95",
];

/// `run --users … --set …`'s 95th percentile response time for a configuration.
fn run_p95(config: &serde_json::Value) -> f64 {
    let mut args: Vec<String> = ["-q", "run", "--format", "json"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    args.extend(CLOSED[..6].iter().map(|s| s.to_string()));
    args.extend(set_flags(config));
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    json(&refs)["response_p95"].as_f64().unwrap()
}

#[test]
fn a_closed_loop_optimize_answers_the_cheapest_configuration_that_passes() {
    let mut args = vec!["-q", "optimize", "--format", "json", "--show", "0"];
    args.extend(CLOSED);
    let o = json(&args);
    assert_eq!(o["found"], true, "{o}");
    assert_eq!(o["target"]["client_rules"]["kind"], "closed", "{o}");
    let answer = &o["answer"];
    assert!(answer["throughput"].as_f64().unwrap() > 0.0, "{answer}");
    let mut args = vec!["-q", "sweep", "--format", "json"];
    args.extend(CLOSED);
    let results = json(&args)["results"].as_array().unwrap().clone();
    // The sweep lists the ranking: the answer is its first passing row, and not its first.
    let first = results
        .iter()
        .position(|r| r["meets_target"] == true)
        .unwrap();
    assert!(first > 0, "the baseline passes: the test shows nothing");
    assert_eq!(results[first]["config"], answer["config"]);
    assert_eq!(results[first]["throughput"], answer["throughput"]);
    // `run --users` agrees, configuration by configuration: 95 % of responses under 5 s is a
    // 95th percentile under 5 s. The one ranked just before the answer fails, the answer passes.
    assert!(run_p95(&answer["config"]) < 5.0, "{answer}");
    assert!(run_p95(&results[first - 1]["config"]) >= 5.0);
    // The table says what was searched for, and what the answer serves.
    let mut args = vec!["-q", "optimize", "--show", "0"];
    args.extend(CLOSED);
    let (code, table, err) = run(&args);
    assert_eq!(code, 0, "{err}");
    assert!(
        table.starts_with(
            "fastfood: cheapest configuration for 8 users thinking 4 s (fixed) for 120 s, 95% of responses under 5 s"
        ),
        "{table}"
    );
    assert!(table.contains("requests/s"), "{table}");
}

/// An optimize over a random closed loop: 6 users thinking 3 s (exponential) for 60 s, 4
/// replications, 90 % of the responses under 5 s.
const RANDOM_CLOSED: [&str; 18] = [
    "-q",
    "optimize",
    "--format",
    "json",
    "--users",
    "6",
    "--think",
    "3",
    "--think-distribution",
    "exponential",
    "--duration",
    "60",
    "--replications",
    "4",
    "--timeout",
    "5",
    "--min-satisfaction",
    "90",
];

#[test]
fn a_closed_loop_search_is_the_same_for_any_thread_count() {
    same_with_one_and_two_threads(&[&RANDOM_CLOSED[..], &["--range", "soda.units=1..=2"]].concat());
    same_with_one_and_two_threads(&[
        "-q",
        "sweep",
        "--format",
        "json",
        "--arrivals",
        "poisson",
        "--replications",
        "3",
        "--target-rate",
        "1.5",
        "--clients",
        "40",
        "--patience",
        "4",
        "--retries",
        "2",
        "--jitter",
        "--range",
        "soda.units=1..=2",
    ]);
}

/// The retry storm of docs/clients.md: 0.9 clients/s with a 30-second burst at 1.35.
const STORM: [&str; 16] = [
    "--target-rate",
    "1.35",
    "--stage",
    "1s:0.9",
    "--stage",
    "59s:0.9",
    "--stage",
    "1s:1.35",
    "--stage",
    "30s:1.35",
    "--stage",
    "1s:0.9",
    "--stage",
    "200s:0.9",
    "--timeout",
    "5",
];

fn storm_answer(extra: &[&str]) -> serde_json::Value {
    let mut args = vec!["-q", "optimize", "--format", "json", "--show", "0"];
    args.extend(STORM);
    args.extend(["--min-satisfaction", "95"]);
    args.extend(extra);
    let o = json(&args);
    assert_eq!(o["found"], true, "{extra:?}: {o}");
    o["answer"].clone()
}

#[test]
fn retries_make_optimize_pick_a_dearer_configuration_than_giving_up() {
    let plain = storm_answer(&[]);
    let patient = storm_answer(&["--patience", "5"]);
    let retrying = storm_answer(&["--patience", "5", "--retries", "3", "--backoff", "1"]);
    // Clients who give up shed the burst's load: what holds it for waiting clients holds it
    // for them. Retrying, they bring it back: the same configuration is no longer enough.
    assert_eq!(patient["config"], plain["config"]);
    assert_ne!(retrying["config"], patient["config"]);
    assert!(retrying["cost"].as_f64().unwrap() > patient["cost"].as_f64().unwrap());
    // The patient answer, searched with retries, fails: a sweep of that one configuration.
    let mut args = vec!["-q", "sweep", "--format", "json"];
    args.extend(STORM);
    args.extend(["--min-satisfaction", "95", "--patience", "5"]);
    args.extend(["--retries", "3", "--backoff", "1"]);
    let ranges: Vec<String> = patient["config"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(lever, v)| ["--range".to_string(), format!("{lever}={v}")])
        .collect();
    args.extend(ranges.iter().map(String::as_str));
    let results = json(&args)["results"].as_array().unwrap().clone();
    assert_eq!(results.len(), 1);
    assert_eq!(results[0]["meets_target"], false, "{}", results[0]);
}

#[test]
fn client_rule_search_flags_are_refused_in_one_line() {
    assert_input_error(
        &["optimize", "--users", "3", "--target-rate", "2"],
        "--users",
    );
    assert_input_error(&["sweep", "--users", "3", "--rate", "2"], "--users");
    assert_input_error(&["optimize", "--users", "3", "--think", "-1"], "--think");
    assert_input_error(
        &["optimize", "--users", "3", "--clients", "5"],
        "not --clients",
    );
    assert_input_error(
        &["optimize", "--users", "3", "--stage", "10s:1"],
        "no --stage",
    );
    assert_input_error(
        &["optimize", "--users", "3", "--patience", "1"],
        "open loop",
    );
    assert_input_error(&["optimize", "--think", "1"], "--users");
    assert_input_error(&["sweep", "--retries", "2"], "--retries needs --patience");
    assert_input_error(&["optimize", "--patience", "0"], "--patience");
    assert_input_error(&["optimize", "--jitter"], "need --patience");
    assert_input_error(&["optimize", "--users", "3", "--sustained"], "--sustained");
    assert_input_error(
        &["optimize", "--patience", "2", "--shard", "1/2"],
        "--shard",
    );
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("shard.csv");
    let csv = csv.to_str().unwrap();
    assert_input_error(
        &["sweep", "--users", "2", "--shard", "1/1", "--csv", csv],
        "--shard",
    );
    assert!(
        !dir.path().join("shard.csv").exists(),
        "a refused sweep wrote its file"
    );
    // Request flows are searched with client rules now (client_rules_search_flows); their
    // contradictory flags are refused as the fan-out's are.
    assert_input_error(
        &[
            "--scenario",
            "data/api.toml",
            "optimize",
            "--users",
            "3",
            "--patience",
            "1",
        ],
        "open loop",
    );
}

#[test]
fn a_random_closed_loop_uses_its_seed_and_says_nothing_about_it() {
    let throughput = |seed: &str| {
        let (code, out, err) = run(&[&RANDOM_CLOSED[..], &["--seed", seed]].concat());
        assert_eq!(code, 0, "{err}");
        // Think times are drawn: the seed and the replications are not "unused".
        assert!(!err.contains("change nothing"), "{err}");
        let o: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(o["target"]["client_rules"]["replications"], 4, "{o}");
        o["answer"]["throughput"].as_f64().unwrap()
    };
    assert_ne!(throughput("3"), throughput("4"));
}

/// One 1-second server, 10 clients every 0.5 s, timeout 3 s: the issue's hand case.
const ONE_SERVER: &str = r#"name = "one"
resolution = 0.1

[load]
clients = 10
timeout = 3.0
rate = 2.0

[[station]]
name = "server"
kind = "pool"
service = 1.0
units = 1
range = "1..=2"
"#;

#[test]
fn a_search_counts_clients_who_give_up_as_the_hand_case_does() {
    let (_d, path) = scenario_file(ONE_SERVER);
    let sweep = |extra: &[&str]| {
        let mut args = vec!["--scenario", &path, "-q", "sweep", "--format", "json"];
        args.extend(extra);
        json(&args)["results"].as_array().unwrap().clone()
    };
    // One server: 4 satisfied when clients wait; with patience 2.2 client 4 gives up during
    // its service, and 3 are. Two servers serve everyone, patient or not.
    let plain = sweep(&[]);
    let patient = sweep(&["--patience", "2.2"]);
    assert_eq!(plain[0]["satisfied"], 4);
    assert_eq!(patient[0]["satisfied"], 3);
    assert_eq!(patient[0]["clients"], 10);
    assert_eq!(patient[0]["meets_target"], false);
    assert_eq!(patient[1]["satisfied"], 10, "{}", patient[1]);
    assert_eq!(patient[1]["meets_target"], true);
    // 30 % of them is what optimize then asks of the one server: it is the answer.
    let o = json(&[
        "--scenario",
        &path,
        "-q",
        "optimize",
        "--format",
        "json",
        "--patience",
        "2.2",
        "--min-satisfaction",
        "30",
    ]);
    assert_eq!(o["answer"]["config"]["server.units"], 1, "{o}");
    assert_eq!(o["answer"]["satisfied"], 3, "{o}");
}

/// A random closed loop's `--max-replications` bounds its own `--replications`, not the open
/// loop's default of 20 that the loop does not run.
#[test]
fn a_closed_loop_takes_max_replications_over_its_own_replications() {
    let base = [
        "-q",
        "--scenario",
        "data/api.toml",
        "optimize",
        "--users",
        "20",
        "--think",
        "0.1",
        "--duration",
        "5",
        "--replications",
        "4",
        "--show",
        "0",
        "--format",
        "json",
    ];
    let doc = json(&[&base[..], &["--max-replications", "4"]].concat());
    assert_eq!(doc["target"]["replications"].as_u64(), Some(4), "{doc}");
    assert_input_error(
        &[&base[..], &["--max-replications", "3"]].concat(),
        "--max-replications 3 is below --replications 4",
    );
}
