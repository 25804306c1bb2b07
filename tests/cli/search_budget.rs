//! Searches that finish and say where they are (issue 21): `optimize` walks the space
//! cheapest first without ranking it, within `--max-configs` and `--max-time`, labels an
//! answer found past its budget "not proven cheapest", and prints its progress on stderr
//! without a terminal.

use crate::common::{parse_csv, planner, run, scenario_file};

const TUTORIAL: &[&str] = &["optimize", "--target-rate", "2", "--timeout", "5"];

/// The sweep's rows, cheapest first, as (configuration words, price, meets).
fn sweep_rows() -> Vec<(String, f64, bool)> {
    let (code, out, err) = run(&[
        "sweep",
        "--target-rate",
        "2",
        "--timeout",
        "5",
        "--csv",
        "-",
    ]);
    assert_eq!(code, 0, "{err}");
    let (header, rows) = parse_csv(&out);
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    rows.iter()
        .map(|r| {
            (
                format!(
                    "soda.units={} burger.units={} fries.batch={}",
                    r[0], r[1], r[2]
                ),
                r[col("cost")].parse().unwrap(),
                r[col("meets_target")] == "true",
            )
        })
        .collect()
}

#[test]
fn a_walk_stopped_by_its_budget_says_its_answer_is_not_proven_cheapest() {
    let rows = sweep_rows();
    let cheapest = rows.iter().find(|r| r.2).unwrap();
    for budget in [["--max-configs", "5"], ["--max-time", "1ns"]] {
        let args = [TUTORIAL, &budget[..]].concat();
        let (code, out, err) = run(&args);
        assert_eq!(code, 0, "{err}");
        let answer = out
            .lines()
            .find_map(|l| l.strip_prefix("Answer: "))
            .unwrap_or_else(|| panic!("{out}"));
        let (_, price, meets) = rows.iter().find(|r| r.0 == answer).unwrap();
        assert!(meets, "the climb's answer meets the target: {out}");
        // Every configuration cheaper than it that the walk did not test is counted.
        let walked: usize = out
            .split("load-tested ")
            .nth(1)
            .and_then(|t| t.split(' ').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("{out}"));
        let cheaper = rows.iter().filter(|r| r.1 < *price).count();
        let untested = cheaper - rows.iter().take(walked).filter(|r| r.1 < *price).count();
        assert!(
            out.contains(&format!(
                "not proven cheapest: {untested} cheaper configurations untested"
            )),
            "{out}"
        );
        assert!(out.contains("stopped the walk"), "{out}");
        // Here the climb happens to reach the true answer; the label stays, as nothing
        // proved it.
        assert_eq!(answer, cheapest.0);
    }
    // A budget that lets the walk settle changes nothing.
    let (_, whole, _) = run(TUTORIAL);
    let (_, roomy, _) = run(&[TUTORIAL, &["--max-configs", "48", "--max-time", "1h"]].concat());
    assert_eq!(whole, roomy);
    assert!(!whole.contains("not proven"), "{whole}");
}

#[test]
fn json_says_how_a_budgeted_walk_ended() {
    let args = [TUTORIAL, &["--max-configs", "5", "--format", "json"]].concat();
    let (code, out, err) = run(&args);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["unfinished"]["limit"], "--max-configs 5", "{v}");
    assert_eq!(v["unfinished"]["walked"], 5, "{v}");
    assert_eq!(v["unfinished"]["proven_cheapest"], false, "{v}");
    let (_, plain, _) = run(&[TUTORIAL, &["--format", "json"]].concat());
    assert!(!plain.contains("unfinished"), "{plain}");
}

#[test]
fn a_walk_without_a_terminal_prints_where_it_is() {
    let out = planner()
        .args(TUTORIAL)
        .env("PLANNER_PROGRESS_SECONDS", "0")
        .output()
        .unwrap();
    let err = String::from_utf8(out.stderr).unwrap();
    let lines: Vec<&str> = err
        .lines()
        .filter(|l| l.starts_with("optimize: "))
        .collect();
    assert!(!lines.is_empty(), "{err}");
    for l in &lines {
        assert!(
            l.contains(" tested, 0 skipped, best so far: ") && l.ends_with(" s elapsed"),
            "{l}"
        );
    }
    // Once a configuration has met the target, the line names the cheapest so far.
    assert!(
        lines.last().unwrap().contains("best so far: soda.units="),
        "{err}"
    );
    // --quiet silences it, and stdout never carries it.
    let quiet = planner()
        .arg("-q")
        .args(TUTORIAL)
        .env("PLANNER_PROGRESS_SECONDS", "0")
        .output()
        .unwrap();
    assert!(quiet.stderr.is_empty());
    assert!(!String::from_utf8_lossy(&out.stdout).contains("tested,"));
}

#[test]
fn a_sustained_walk_counts_what_it_skips() {
    let args = [
        "optimize",
        "--sustained",
        "--target-rate",
        "1",
        "--range",
        "fries.batch=5,7,8",
    ];
    let out = planner()
        .args(args)
        .env("PLANNER_PROGRESS_SECONDS", "0")
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let err = String::from_utf8(out.stderr).unwrap();
    // soda 1 a second at 1 unit, burger 1 a second at 3 cooks, fries 1.25 at 5: all keep up
    // at 1 client/s, so nothing is skipped; at 1.2 clients/s, soda.units=1 and
    // burger.units=3 cannot.
    assert!(
        text.contains("72 configurations, 72 of which keep up"),
        "{text}"
    );
    assert!(err.contains(" 0 skipped"), "{err}");
    let out = planner()
        .args([
            "optimize",
            "--sustained",
            "--target-rate",
            "1.2",
            "--range",
            "fries.batch=5,7,8",
        ])
        .env("PLANNER_PROGRESS_SECONDS", "0")
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        text.contains("72 configurations, 45 of which keep up"),
        "{text}"
    );
    assert!(err.contains(" 27 skipped"), "{err}");
}

/// An M/M/1 at 90 % busy passes 40 clients from an empty queue, but not for good: judged on
/// its steady state it fails.
const LUCKY: &[&str] = &[
    "--scenario",
    "data/mm1.toml",
    "optimize",
    "--sustained",
    "--arrivals",
    "poisson",
    "--target-rate",
    "0.9",
    "--clients",
    "40",
    "--timeout",
    "8",
    "--min-satisfaction",
    "90",
    "--replications",
    "5",
    "--seed",
    "3",
];

#[test]
fn a_sustained_search_judges_each_test_on_its_steady_state_and_says_how_long_it_ran() {
    let (code, out, err) = run(LUCKY);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("\nsteady state: each run's warm-up from empty found by MSER-5 and left out; a run still drifting at its end is run again, up to 8× longer, else too close to call\n"), "{out}");
    assert!(out.contains("Answer: server.units=2"), "{out}");
    // One server passed 40 clients from empty and was rejected only by its verification;
    // judged on its steady state, the search itself no longer passes it.
    assert!(!out.contains("not its verification"), "{out}");
    assert!(out.contains("  verified: 400 clients ("), "{out}");
    assert!(
        out.contains("s simulated) on a fresh seed (warm-up: first "),
        "{out}"
    );
    let (_, json, _) = run(&[LUCKY, &["--format", "json"]].concat());
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let checks = v["verification"].as_array().unwrap();
    // The answer, then its runner-up: every configuration listed as meeting is verified.
    assert_eq!(checks.len(), 2, "{v}");
    assert_eq!(checks[0]["config"]["server.units"], 2);
    assert_eq!(checks[0]["verdict"], "meets");
    assert_eq!(checks[0]["simulated_clients"], 400);
    assert_eq!(checks[1]["config"]["server.units"], 3);
    assert_eq!(checks[1]["verdict"], "meets");
    assert_eq!(checks[1]["simulated_clients"], 400);
    assert!(
        out.contains("\n  verified, server.units=3: 400 clients ("),
        "{out}"
    );
    let steady = &checks[0]["steady"];
    assert_eq!(steady["settled"], true, "{v}");
    let warmup = steady["mser5_warmup_clients"].as_u64().unwrap();
    // At least the search's 40 clients, as many as the figures leave out.
    assert!(warmup >= 40, "{v}");
    assert_eq!(checks[0]["warmup_clients"].as_u64(), Some(warmup));
    // Each replication judged past its own cut: on average, at most the longest cut out.
    let judged = checks[0]["clients"].as_u64().unwrap();
    assert!((400 - warmup..=360).contains(&judged), "{v}");
    // 400 clients at 0.9/s: about 444 s.
    let seconds = steady["simulated_seconds"].as_f64().unwrap();
    assert!((350.0..550.0).contains(&seconds), "{seconds}");
    assert_eq!(v["answer"]["config"]["server.units"], 2);
}

/// With one replication, one server passes 40 clients on seed 3 (40/40, Wilson's lower bound
/// 91.2 % over 90 %) and fails them on another seed: the answer's verification catches it.
#[test]
fn a_lucky_pass_is_rejected_by_its_verification_on_a_fresh_seed() {
    let lucky: Vec<&str> = LUCKY
        .iter()
        .copied()
        .filter(|a| *a != "--sustained")
        .map(|a| if a == "5" { "1" } else { a })
        .chain(["--max-replications", "1"])
        .collect();
    let (code, out, err) = run(&lucky);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("Passed the search's test but not its verification on fresh seeds, so not the answer:\n  server.units=1: 40 clients on a fresh seed (first 0 left out"),
        "{out}"
    );
    assert!(out.contains("Answer: server.units=2"), "{out}");
    let (_, json, _) = run(&[&lucky[..], &["--format", "json"]].concat());
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let checks = v["verification"].as_array().unwrap();
    // The lucky one, the answer in its place, then the runner-up left.
    assert_eq!(checks.len(), 3, "{v}");
    assert_eq!(checks[0]["config"]["server.units"], 1);
    assert_eq!(checks[0]["verdict"], "fails");
    assert_eq!(checks[1]["verdict"], "meets");
    assert!(checks[1].get("steady").is_none(), "{v}");
    assert_eq!(checks[2]["config"]["server.units"], 3);
    assert_eq!(v["runners_up"][0]["config"]["server.units"], 3);
    assert_eq!(v["answer"]["config"]["server.units"], 2);
    // Nothing random, nothing to verify: the tutorial's answer stands alone.
    let (_, tutorial, _) = run(&[TUTORIAL, &["--format", "json"]].concat());
    assert!(!tutorial.contains("verification"), "{tutorial}");
}

/// Two classes: `report`'s fastest path is web (20 ms, fixed) → all(db 50 ms, batch 1.5 s,
/// fixed) → web: 1.54 s, whatever the levers, against its 1 s objective. `browse` can be fast:
/// its pick may take the cache, whose exponential service has no least time.
const OUT_OF_REACH: &str = r#"name = "slow"
resolution = 0.001

[load]
clients = 200
rate = 5.0
timeout = 2.0

[[request]]
name = "browse"
share = 0.8
flow = "web -> pick(0.5: cache, 0.5: db)"
timeout = 0.5

[[request]]
name = "report"
share = 0.2
flow = "web -> all(db, batch(1.5)) -> web"
timeout = 1.0

[[station]]
name = "web"
kind = "pool"
service = 0.02
units = 1
range = "1..=3"

[[station]]
name = "cache"
kind = "pool"
service = 0.01
distribution = "exponential"
units = 1

[[station]]
name = "db"
kind = "pool"
service = 0.05
units = 1
range = "1..=3"

[[station]]
name = "batch"
kind = "pool"
service = 0.5
units = 1
range = "1..=2"
"#;

#[test]
fn a_class_whose_fastest_path_breaks_its_objective_fails_every_configuration_and_one_test_skips_the_rest(
) {
    let (_dir, path) = scenario_file(OUT_OF_REACH);
    let (code, out, err) = run(&["--scenario", &path, "optimize"]);
    // No answer: exit 1, as for any search that finds none.
    assert_eq!(code, 1, "{err}");
    assert!(
        out.contains("= 18 configurations; load-tested 1, 17 skipped: no configuration can meet the target\n"),
        "{out}"
    );
    assert!(out.contains("No configuration in the space can meet the target: class report's fastest path takes at least 1540 ms, at or over its 1000 ms objective"), "{out}");
    // The brute force agrees: every configuration of the space fails.
    let (code, csv, err) = run(&["--scenario", &path, "sweep", "--csv", "-"]);
    assert_eq!(code, 0, "{err}");
    let rows = as_maps(&csv);
    assert_eq!(rows.len(), 18);
    assert!(rows.iter().all(|r| r["meets_target"] == "false"), "{csv}");
    // At 2 s the path fits: nothing is skipped, and the walk's answer is the sweep's cheapest pass.
    let (_, out, _) = run(&["--scenario", &path, "optimize", "--timeout", "2"]);
    assert!(!out.contains("skipped"), "{out}");
    let (_, csv, _) = run(&["--scenario", &path, "sweep", "--timeout", "2", "--csv", "-"]);
    let rows = as_maps(&csv);
    let cheapest = rows
        .iter()
        .filter(|r| r["meets_target"] == "true")
        .min_by(|a, b| {
            let cost =
                |r: &std::collections::HashMap<String, String>| r["cost"].parse::<f64>().unwrap();
            cost(a).total_cmp(&cost(b))
        })
        .expect("a configuration meets 2 s");
    let answer = format!(
        "Answer: web.units={} cache.units=1 db.units={} batch.units={}\n",
        cheapest["web.units"], cheapest["db.units"], cheapest["batch.units"]
    );
    assert!(out.contains(&answer), "{answer}\n{out}");
}

/// A CSV's rows as column → value maps.
fn as_maps(csv: &str) -> Vec<std::collections::HashMap<String, String>> {
    let (header, rows) = parse_csv(csv);
    rows.into_iter()
        .map(|r| header.iter().cloned().zip(r).collect())
        .collect()
}

/// Issue 19: on a terminal, `optimize`'s bar counted the whole space ("0/32000 … ETA 22w")
/// while the walk stops after a few dozen tests. The walk cannot know how many it will make:
/// it shows a spinner with the time spent, no total and no ETA. `script` gives the command the
/// terminal the bar needs.
#[test]
fn optimizes_progress_on_a_terminal_has_no_total_to_run_out() {
    let binary = env!("CARGO_BIN_EXE_planner");
    let command = format!(
        "{binary} optimize --range soda.units=1..=40 --range burger.units=1..=400 --show 0"
    );
    let out = std::process::Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .output()
        .expect("script(1) runs the command on a terminal");
    let seen = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{seen}");
    assert!(seen.contains("load-testing, cheapest first ("), "{seen}");
    assert!(
        seen.contains("= 32000 configurations; load-tested 41 "),
        "{seen}"
    );
    assert!(!seen.contains("ETA") && !seen.contains("/32000"), "{seen}");
}

/// The M/M/1 server of data/mm1.toml beside a fast fixed gateway that never queues: one
/// server passes 40 clients on seed 3 (like [`LUCKY`]) whatever the gateway's size, so a
/// runner-up with one server and two gateways passes the search's test on luck alone.
const LUCKY_PAIR: &str = r#"name = "pair"
resolution = 0.001
[cost]
cpu_price = 30.0
ram_price = 4.0
currency = "$/month"
[[station]]
name = "server"
kind = "pool"
service = 1.0
distribution = "exponential"
units = 1
cpu_per_unit = 1.0
ram_gib_per_unit = 1.0
range = "1..=3"
[[station]]
name = "gateway"
kind = "pool"
service = 0.001
units = 1
cpu_per_unit = 1.2
ram_gib_per_unit = 1.0
range = "1..=2"
"#;

#[test]
fn a_runner_up_that_passed_on_luck_is_verified_and_no_longer_listed() {
    let (_dir, path) = scenario_file(LUCKY_PAIR);
    let args = [
        "--scenario",
        &path,
        "optimize",
        "--arrivals",
        "poisson",
        "--target-rate",
        "0.9",
        "--clients",
        "40",
        "--timeout",
        "8",
        "--min-satisfaction",
        "90",
        "--replications",
        "1",
        "--max-replications",
        "1",
        "--seed",
        "3",
        "--show",
        "2",
    ];
    let (code, out, err) = run(&args);
    assert_eq!(code, 0, "{err}");
    // The cheapest (one server, one gateway) is rejected before the answer; two servers
    // and one gateway is the answer; one server with two gateways passed the search's test
    // too, ranked after the answer, and its verification rejects it.
    assert!(
        out.contains("Answer: server.units=2 gateway.units=1"),
        "{out}"
    );
    assert!(
        out.contains("so not the answer:\n  server.units=1 gateway.units=1: 40 clients"),
        "{out}"
    );
    assert!(
        out.contains(
            "so not listed as meeting the target:\n  server.units=1 gateway.units=2: 40 clients"
        ),
        "{out}"
    );
    let (_, json, _) = run(&[&args[..], &["--format", "json"]].concat());
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let listed: Vec<&serde_json::Value> = v["runners_up"].as_array().unwrap().iter().collect();
    for r in &listed {
        assert_ne!(r["config"]["server.units"], 1, "{v}");
    }
    // Every configuration listed as meeting held on its verification.
    let checks = v["verification"].as_array().unwrap();
    for r in std::iter::once(&v["answer"]).chain(listed) {
        let check = checks.iter().find(|c| c["config"] == r["config"]).unwrap();
        assert_eq!(check["verdict"], "meets", "{v}");
    }
}
