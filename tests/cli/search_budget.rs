//! Searches that finish and say where they are (issue 21): `optimize` walks the space
//! cheapest first without ranking it, within `--max-configs` and `--max-time`, labels an
//! answer found past its budget "not proven cheapest", and prints its progress on stderr
//! without a terminal.

use crate::common::{parse_csv, planner, run};

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

/// An M/M/1 at 90 % busy passes 40 clients from an empty queue, but not ten times as many:
/// a sustained objective is verified ten times longer.
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
fn a_lucky_pass_is_rejected_by_the_longer_verification_on_fresh_seeds() {
    let (code, out, err) = run(LUCKY);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("Passed the search's test but not its verification on fresh seeds, so not the answer:\n  server.units=1: 400 clients on a fresh seed (first 40 left out"),
        "{out}"
    );
    assert!(out.contains("Answer: server.units=2"), "{out}");
    assert!(out.contains("  verified: 400 clients"), "{out}");
    let (_, json, _) = run(&[LUCKY, &["--format", "json"]].concat());
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let checks = v["verification"].as_array().unwrap();
    assert_eq!(checks.len(), 2, "{v}");
    assert_eq!(checks[0]["config"]["server.units"], 1);
    assert_eq!(checks[0]["verdict"], "fails");
    assert_eq!(checks[1]["verdict"], "meets");
    assert_eq!(checks[1]["simulated_clients"], 400);
    assert_eq!(checks[1]["warmup_clients"], 40);
    assert_eq!(checks[1]["clients"], 360);
    assert_eq!(v["answer"]["config"]["server.units"], 2);
    // Nothing random, nothing to verify: the tutorial's answer stands alone.
    let (_, tutorial, _) = run(&[TUTORIAL, &["--format", "json"]].concat());
    assert!(!tutorial.contains("verification"), "{tutorial}");
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
