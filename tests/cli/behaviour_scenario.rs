//! A scenario whose `[load]` describes a closed loop (`users`, `think`, `think_distribution`,
//! `duration`, issue 14): the same runs as the flags, overridable, refused when half-given.

use crate::common::{assert_input_error, run, scenario_file};

const MM1: &str = include_str!("../../data/mm1.toml");

/// data/mm1.toml with extra `[load]` lines.
fn mm1_with(load_lines: &str) -> String {
    MM1.replace("rate = 0.5\n", &format!("rate = 0.5\n{load_lines}"))
}

fn stdout_of(args: &[&str]) -> String {
    let (code, out, err) = run(args);
    assert!(code == 0 || code == 1, "{args:?}: exit {code}: {err}");
    out
}

#[test]
fn a_scenario_loop_runs_as_its_flags_would() {
    let text = mm1_with(
        "users = 5\nthink = \"4s\"\nthink_distribution = \"exponential\"\nduration = \"200s\"\n",
    );
    let (_dir, file) = scenario_file(&text);
    let from_file = stdout_of(&[
        "--scenario",
        &file,
        "run",
        "--replications",
        "3",
        "--format",
        "json",
    ]);
    let from_flags = stdout_of(&[
        "--scenario",
        &file,
        "run",
        "--users",
        "5",
        "--think",
        "4",
        "--think-distribution",
        "exponential",
        "--duration",
        "200",
        "--replications",
        "3",
        "--format",
        "json",
    ]);
    assert_eq!(from_file, from_flags);
    let doc: serde_json::Value = serde_json::from_str(&from_file).unwrap();
    assert!(doc["throughput"].as_f64().unwrap() > 0.0, "{doc}");

    // A flag overrides its part of the scenario's loop: more users, more requests.
    let more = stdout_of(&[
        "--scenario",
        &file,
        "run",
        "--users",
        "8",
        "--replications",
        "3",
        "--format",
        "json",
    ]);
    assert_ne!(more, from_file);
    assert!(more.contains("\"users\": 8"), "{more}");

    // An open-loop flag runs the open loop instead.
    let (code, out, err) = run(&[
        "--scenario",
        &file,
        "run",
        "--rate",
        "0.5",
        "--clients",
        "50",
    ]);
    assert!(code == 0 || code == 1, "{err}");
    assert!(out.contains("50 clients"), "{out}");
}

#[test]
fn a_search_on_a_scenario_loop_is_the_search_with_its_flags() {
    let text = mm1_with("users = 4\nthink = 2\nduration = 150\n");
    let (_dir, file) = scenario_file(&text);
    let common = [
        "--timeout",
        "10",
        "--min-satisfaction",
        "90",
        "--format",
        "json",
    ];
    let mut a = vec!["-q", "--scenario", &file, "optimize", "--replications", "2"];
    a.extend(common);
    let mut b = a.clone();
    b.extend(["--users", "4", "--think", "2", "--duration", "150"]);
    let (from_file, from_flags) = (stdout_of(&a), stdout_of(&b));
    assert_eq!(from_file, from_flags);
    assert!(from_file.contains("\"users\": 4"), "{from_file}");
}

#[test]
fn half_a_scenario_loop_is_refused() {
    for (lines, needle) in [
        (
            "think = 2\n",
            "load.think describes a closed loop: it needs load.users",
        ),
        ("duration = 100\n", "load.duration describes a closed loop"),
        (
            "think_distribution = \"exponential\"\n",
            "load.think_distribution describes a closed loop",
        ),
        ("users = 0\n", "load.users must be at least 1, got 0"),
        ("users = 3\nthink = -1\n", "`-1` is negative"),
        ("users = 3\nduration = 0\n", "greater than 0 seconds, got 0"),
        (
            "users = 3\nthink_distribution = \"normal\"\n",
            "unknown variant `normal`, expected `fixed` or `exponential`",
        ),
    ] {
        let (_dir, file) = scenario_file(&mm1_with(lines));
        assert_input_error(&["--scenario", &file, "run"], needle);
    }
}

#[test]
fn backoff_and_jitter_without_retries_are_refused() {
    for flags in [
        &["run", "--patience", "2", "--jitter"][..],
        &["run", "--patience", "2", "--backoff", "1"],
        &["optimize", "--patience", "2", "--jitter"],
    ] {
        assert_input_error(
            flags,
            "--backoff and --jitter shape retries: they need --patience and --retries",
        );
    }
    let (code, out, err) = run(&["-q", "run", "--patience", "2", "--retries", "1", "--jitter"]);
    assert!(code == 0 || code == 1, "{err}");
    assert!(out.contains("up to 1 retry (backoff 1 s, jitter)"), "{out}");
}
