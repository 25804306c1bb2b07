//! Clients that think, give up and retry: patience, cancellation, retries and a
//! closed loop, through the real binary.

use crate::common::{
    assert_input_error, json_met as json, run, same_with_one_and_two_threads, scenario_file,
};

/// One 1-second server, 10 clients every 0.5 s, timeout 3 s (the issue's hand case).
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
range = "1..=3"
"#;

#[test]
fn without_patience_four_are_satisfied_and_with_patience_three() {
    let (_d, path) = scenario_file(ONE_SERVER);
    let (code, out, err) = run(&["--scenario", &path, "run"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("satisfied 4/10"), "{out}");
    // Client 4 (due 1.5 s, served 3..4 s) gives up at 3.7 s during its service.
    let v = json(&[
        "--scenario",
        &path,
        "run",
        "--patience",
        "2.2",
        "--format",
        "json",
    ]);
    assert_eq!(v["satisfied"], 3);
    assert_eq!(v["given_up"], 7);
    assert_eq!(v["given_up_share"], 0.7);
    // 3 satisfied clients between the first due time (0) and the last end: the last
    // client (due 4.5 s) gives up at 6.7 s.
    let goodput = v["goodput"].as_f64().unwrap();
    assert!((goodput - 3.0 / 6.7).abs() < 1e-9, "{goodput}");
    // Clients 4, 5, 7 and 9 give up in service: four whole 1-second services wasted.
    assert_eq!(v["wasted_seconds"]["server"], 4.0);
    // Cancelling frees the unit earlier but still only 3 make it.
    let v = json(&[
        "--scenario",
        &path,
        "run",
        "--patience",
        "2.2",
        "--cancel",
        "all",
        "--format",
        "json",
    ]);
    assert_eq!(v["satisfied"], 3);
    assert_eq!(v["cancel"], "all");
    // Each unit freed at the deadline: 0.7 s + 6 × 0.5 s wasted.
    assert!((v["wasted_seconds"]["server"].as_f64().unwrap() - 3.7).abs() < 1e-9);
}

#[test]
fn the_amplification_is_attempts_over_clients() {
    let (_d, path) = scenario_file(ONE_SERVER);
    for (retries, jitter) in [("1", false), ("3", false), ("3", true)] {
        let mut args = vec![
            "--scenario",
            &path,
            "run",
            "--patience",
            "2.2",
            "--retries",
            retries,
            "--backoff",
            "1",
            "--format",
            "json",
        ];
        if jitter {
            args.push("--jitter");
        }
        let v = json(&args);
        let attempts = v["attempts"].as_f64().unwrap();
        let clients = v["clients"].as_f64().unwrap();
        assert!(attempts > clients, "retries were made: {v}");
        assert!(attempts <= clients * (1.0 + retries.parse::<f64>().unwrap()));
        assert_eq!(v["amplification"].as_f64().unwrap(), attempts / clients);
    }
}

#[test]
fn bad_client_rule_flags_are_refused_in_one_line() {
    assert_input_error(&["run", "--patience", "0"], "--patience");
    assert_input_error(&["run", "--patience", "-1"], "--patience");
    assert_input_error(&["run", "--patience", "1", "--retries", "101"], "--retries");
    assert_input_error(
        &[
            "run",
            "--patience",
            "1",
            "--retries",
            "2",
            "--backoff",
            "-1",
        ],
        "--backoff",
    );
    assert_input_error(&["run", "--users", "3", "--rate", "2"], "--users");
    assert_input_error(&["run", "--users", "3", "--think", "-1"], "--think");
    assert_input_error(&["run", "--retries", "2"], "--retries needs --patience");
    assert_input_error(&["run", "--users", "3", "--clients", "5"], "not --clients");
    assert_input_error(&["run", "--users", "3", "--patience", "1"], "open loop");
    assert_input_error(&["run", "--think", "1"], "--users");
}

/// Exact mean value analysis of one single-server station of mean service `s` and a think
/// delay `z`: response time and throughput with `n` users.
fn mva(n: u32, s: f64, z: f64) -> (f64, f64) {
    let (mut q, mut r, mut x) = (0.0, 0.0, 0.0);
    for k in 1..=n {
        r = s * (1.0 + q);
        x = k as f64 / (r + z);
        q = x * r;
    }
    (r, x)
}

#[test]
fn a_closed_loop_matches_exact_mva_for_one_to_ten_users() {
    // mm1.toml: one exponential server of mean 1 s; exponential think of mean 4 s.
    let mut table = Vec::new();
    for n in 1..=10u32 {
        let users = n.to_string();
        let v = json(&[
            "--scenario",
            "data/mm1.toml",
            "run",
            "--users",
            &users,
            "--think",
            "4",
            "--think-distribution",
            "exponential",
            "--duration",
            "2000",
            "--warmup",
            "20",
            "--format",
            "json",
        ]);
        let (r, x) = mva(n, 1.0, 4.0);
        let xi = &v["throughput_interval"];
        let ri = &v["response_mean_interval"];
        let within = |i: &serde_json::Value, m: f64| {
            i[0].as_f64().unwrap() <= m && m <= i[1].as_f64().unwrap()
        };
        table.push(format!("{n}: X {x:.4} in {xi}, R {r:.4} in {ri}"));
        assert!(within(xi, x), "{}", table.join("\n"));
        assert!(within(ri, r), "{}", table.join("\n"));
        assert!(v["throughput"].as_f64().unwrap() > 0.0);
    }
}

#[test]
fn a_fixed_closed_loop_is_exact() {
    // Two users, one 1-second server, think 0.5 s: user 1 is served 0..1 s, user 2 1..2 s;
    // from then on each arrives 0.5 s before the other's service ends: the server never
    // idles and every response but user 2's first (2 s) is 1.5 s.
    let (_d, path) = scenario_file(ONE_SERVER);
    let v = json(&[
        "--scenario",
        &path,
        "run",
        "--users",
        "2",
        "--think",
        "0.5",
        "--duration",
        "100",
        "--format",
        "json",
    ]);
    assert_eq!(v["replications"], 1);
    // Completions by 100 s: one per second from 1 s on: 100 in 100 s.
    assert_eq!(v["throughput"].as_f64().unwrap(), 1.0);
    assert_eq!(v["response_p99"].as_f64().unwrap(), 1.5);
}

#[test]
fn the_scenario_may_set_patience_and_retries() {
    let text = ONE_SERVER.replace("rate = 2.0\n", "rate = 2.0\npatience = 2.2\n");
    let (_d, path) = scenario_file(&text);
    let v = json(&["--scenario", &path, "run", "--format", "json"]);
    assert_eq!(v["satisfied"], 3);
    assert_eq!(v["attempts"], 10);
    // The command line wins over the file.
    let v = json(&[
        "--scenario",
        &path,
        "run",
        "--patience",
        "10",
        "--format",
        "json",
    ]);
    assert_eq!(v["given_up"], 0);
    let text = ONE_SERVER.replace("rate = 2.0\n", "rate = 2.0\npatience = 2.2\nretries = 2\n");
    let (_d2, path) = scenario_file(&text);
    let v = json(&["--scenario", &path, "run", "--format", "json"]);
    assert_eq!(v["retries"], 2);
    assert!(v["attempts"].as_u64().unwrap() > 10);
    let text = ONE_SERVER.replace("rate = 2.0\n", "rate = 2.0\nretries = 101\n");
    let (_d3, path) = scenario_file(&text);
    assert_input_error(
        &["--scenario", &path, "run"],
        "load.retries must be at most 100",
    );
    let text = ONE_SERVER.replace("rate = 2.0\n", "rate = 2.0\npatience = 0\n");
    let (_d4, path) = scenario_file(&text);
    // Located at `patience = 0` (line 8, column 12), as for every duration of the file.
    assert_input_error(
        &["--scenario", &path, "run"],
        "s.toml:8:12: must be a positive",
    );
}

#[test]
fn client_rule_runs_do_not_depend_on_the_thread_count_and_repeat_exactly() {
    let retry = [
        "--scenario",
        "data/mm1.toml",
        "run",
        "--rate",
        "0.9",
        "--clients",
        "400",
        "--patience",
        "5",
        "--retries",
        "3",
        "--backoff",
        "1",
        "--jitter",
        "--format",
        "json",
    ];
    let one = same_with_one_and_two_threads(&retry);
    assert_eq!(one, same_with_one_and_two_threads(&retry));
    let closed = [
        "--scenario",
        "data/mm1.toml",
        "run",
        "--users",
        "4",
        "--think",
        "2",
        "--think-distribution",
        "exponential",
        "--duration",
        "300",
        "--format",
        "json",
    ];
    same_with_one_and_two_threads(&closed);
    // Another seed draws other service and think times.
    let other = [&closed[..], &["--seed", "9"]].concat();
    assert_ne!(
        same_with_one_and_two_threads(&closed),
        same_with_one_and_two_threads(&other)
    );
}
