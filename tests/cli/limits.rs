//! Inputs at the edge of what the model holds: very long names, thousands of stations, flows
//! of tens of thousands of branches, search spaces too big for memory. Each either works or
//! is refused with one line, never a panic, a hang or an aborted allocation.

use crate::common::{assert_input_error, json_met, run, scenario_file};

/// A scenario of `n` pool stations `s0…`, 1 unit each, the `i`-th serving in `i + 1` ms
/// (so that each ends at its own instant); `head` goes first (three lines).
fn stations(n: usize, head: &str) -> String {
    let mut text = format!("name = \"many\"\n{head}\n");
    for i in 0..n {
        text += &format!(
            "[[station]]\nname = \"s{i}\"\nkind = \"pool\"\nservice = {}\nunits = 1\n",
            (i + 1) as f64 / 1000.0
        );
    }
    text
}

/// One request class whose flow is `flow`, over one pool station `a` of 1 unit, 1 ms.
fn one_flow(flow: &str) -> String {
    format!(
        "name = \"wide\"\n[[request]]\nname = \"r\"\nshare = 1\nflow = \"{flow}\"\n\
         [[station]]\nname = \"a\"\nkind = \"pool\"\nservice = 0.001\nunits = 1\n"
    )
}

#[test]
fn a_station_name_longer_than_100_characters_is_refused_where_it_stands() {
    let long = "a".repeat(65_600);
    let text = format!(
        "name = \"x\"\n[[station]]\nname = \"{long}\"\nkind = \"pool\"\nservice = 1\nunits = 1\n"
    );
    let (_dir, path) = scenario_file(&text);
    for command in ["run", "sweep", "optimize"] {
        assert_input_error(
            &["--scenario", &path, command],
            &format!("{path}:3:8: station name `aaaaaaaaaaaaaaaaaaaa…` is 65600 characters long; at most 100"),
        );
    }
    // 100 characters are a name.
    let text = text.replace(&long, &"a".repeat(100));
    let (_dir, path) = scenario_file(&text);
    let (code, _, err) = run(&["--scenario", &path, "run"]);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn long_scenario_and_request_names_are_refused_too() {
    let (_dir, path) = scenario_file(&format!(
        "name = \"{}\"\n[[station]]\nname = \"a\"\nkind = \"pool\"\nservice = 1\nunits = 1\n",
        "n".repeat(101)
    ));
    assert_input_error(
        &["--scenario", &path, "run"],
        "scenario name `nnnnnnnnnnnnnnnnnnnn…` is 101 characters long; at most 100",
    );
    let (_dir, path) = scenario_file(
        &one_flow("a").replace("name = \"r\"", &format!("name = \"{}\"", "r".repeat(101))),
    );
    assert_input_error(
        &["--scenario", &path, "run"],
        "request name `rrrrrrrrrrrrrrrrrrrr…` is 101 characters long",
    );
}

#[test]
fn five_thousand_stations_run_sweep_and_optimize_without_panicking() {
    let (_dir, path) = scenario_file(&stations(5000, "[load]\nclients = 3"));
    for args in [
        vec!["run"],
        vec!["sweep"],
        vec!["optimize", "--target-rate", "0.001"],
        vec!["run", "--patience", "100"],
    ] {
        let mut all = vec!["--scenario", path.as_str()];
        all.extend(&args);
        let (code, out, err) = run(&all);
        assert!(code == 0 || code == 1, "{args:?}: exit {code}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert!(!out.is_empty(), "{args:?}: no output");
    }
    // The sweep's table lists the one configuration, all 5,000 levers on one line.
    let (_, out, _) = run(&["--scenario", &path, "sweep"]);
    let row = out
        .lines()
        .find(|l| l.contains("s0.units=1"))
        .expect("a row");
    assert!(row.contains("s4999.units=1"), "{}", &row[row.len() - 80..]);
}

#[test]
fn more_stations_than_the_engine_numbers_are_refused_at_the_first_one_too_many() {
    let (_dir, path) = scenario_file(&stations(10_001, "[load]\nclients = 1"));
    // Three lines of header, five per station: station 10,001 starts at line 3 + 50,000.
    assert_input_error(
        &["--scenario", &path, "run"],
        &format!("{path}:50004:1: a scenario holds at most 10000 stations; this one has 10001"),
    );
}

#[test]
fn clients_who_give_up_are_served_like_the_others_at_many_stations() {
    // More stations than a narrow join: each visit ends at its own instant, and each must
    // be seen to end (clients never gave up late, they gave up because nobody looked).
    let (_dir, path) = scenario_file(&stations(40, "[load]\nclients = 3"));
    let patient = json_met(&[
        "--scenario",
        &path,
        "run",
        "--patience",
        "100",
        "--format",
        "json",
    ]);
    assert_eq!(patient["satisfied"], 3, "{patient}");
    assert_eq!(patient["given_up"], 0, "{patient}");
    // Served when the slowest station, 40 ms, is done.
    assert_eq!(patient["latency_p99"], 0.04, "{patient}");
    // The same through a flow: an `all` of the 40 stations.
    let names: Vec<String> = (0..40).map(|i| format!("s{i}")).collect();
    let flow = format!(
        "[[request]]\nname = \"r\"\nshare = 1\nflow = \"all({})\"",
        names.join(", ")
    );
    let (_dir, path) = scenario_file(&stations(40, &flow));
    let patient = json_met(&[
        "--scenario",
        &path,
        "run",
        "--patience",
        "100",
        "--format",
        "json",
    ]);
    assert_eq!(patient["satisfied"], 10, "{patient}");
    assert_eq!(patient["latency_p99"], 0.04, "{patient}");
}

#[test]
fn an_all_of_twenty_thousand_branches_runs() {
    let flow = format!("all({})", vec!["a"; 20_000].join(", "));
    let (_dir, path) = scenario_file(&one_flow(&flow));
    // One unit, 1 ms a visit: the 20,000 visits of the one client end one after the other.
    let v = crate::common::json_verdict(&[
        "--scenario",
        &path,
        "run",
        "--clients",
        "1",
        "--format",
        "json",
    ]);
    assert_eq!(v["summary"]["max_s"], 20.0, "{}", v["summary"]);
    let (code, _, err) = run(&["--scenario", &path, "sweep"]);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn an_absurdly_wide_all_is_refused_at_the_branch_too_many() {
    let flow = format!("all({})", vec!["a"; 100_001].join(", "));
    let (_dir, path) = scenario_file(&one_flow(&flow));
    // `flow = "` takes 8 columns of line 5; the comma after the 100,000th `a` is column
    // 4 + 3 × 100,000 − 1 of the flow.
    let column = 4 + 3 * 100_000 - 1;
    let (_, _, err) = run(&["--scenario", &path, "run"]);
    assert!(err.len() < 300, "a short line: {err}");
    assert_input_error(
        &["--scenario", &path, "run"],
        &format!("{path}:5:{}: request `r`: flow \"…", 8 + column),
    );
    assert_input_error(
        &["--scenario", &path, "run"],
        &format!("column {column}: this `all(` has more than 100000 branches"),
    );
}

#[test]
fn a_wide_flow_counts_in_the_memory_a_test_needs() {
    let flow = format!("all({})", vec!["a"; 20_000].join(", "));
    let (_dir, path) = scenario_file(&one_flow(&flow));
    let out = crate::common::planner()
        .env("PLANNER_MEMORY_LIMIT", "2G")
        .args([
            "--scenario",
            &path,
            "run",
            "--clients",
            "100000",
            "--period",
            "0",
        ])
        .output()
        .unwrap();
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.starts_with("error: this load test needs about"),
        "{err}"
    );
}

#[test]
fn a_space_that_fits_max_configs_but_not_memory_is_refused_before_ranking() {
    // 400,000,000 configurations: the ranking alone would take 60 GB.
    let args = [
        "sweep",
        "--range",
        "soda.units=1..=20000",
        "--range",
        "burger.units=1..=10000",
        "--max-configs",
        "1000000000",
    ];
    let out = crate::common::planner()
        .env("PLANNER_MEMORY_LIMIT", "8G")
        .args(args)
        .output()
        .unwrap();
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("this search needs about")
            && err.contains("GiB of memory to rank its 400000000 configurations"),
        "{err}"
    );
    assert!(
        err.contains(
            "more than the 8.0 GiB available (PLANNER_MEMORY_LIMIT); narrow a --range: at most"
        ),
        "{err}"
    );
    // Outputs that hold every configuration count too.
    let out = crate::common::planner()
        .env("PLANNER_MEMORY_LIMIT", "1G")
        .args([
            "sweep",
            "--range",
            "soda.units=1..=1000",
            "--range",
            "burger.units=1..=1000",
        ])
        .args(["--max-configs", "10000000", "--format", "json"])
        .output()
        .unwrap();
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("to rank its 2000000 configurations"), "{err}");
}
