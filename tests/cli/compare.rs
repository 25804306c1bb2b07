//! `planner compare` through the real binary.

use crate::common::{assert_input_error, parse_csv, run, same_with_one_and_two_threads};

#[test]
fn compares_the_seeds_strategies() {
    let (code, out, err) = run(&["compare", "--timeout", "5", "--rates", "0.5..=3:0.25"]);
    assert_eq!(code, 0, "{err}");
    let line = |name: &str| {
        out.lines()
            .find(|l| l.starts_with(name) && l.contains('%'))
            .unwrap_or_else(|| panic!("no row for {name}: {out}"))
            .to_string()
    };
    // The baseline holds 1.25/s (5/10 at 2/s, as the seed prints). At 1.5/s, the first rate
    // it misses, its four late clients queued longest twice at the soda machine and twice at
    // the fryer (`run --rate 1.5` tells each), but their queues add up to more at the fryer:
    // 12 s, against 10 s at the soda machine and 9 s in the kitchen. Every order reaches the
    // three stations at once, so a queue is a station's start minus the client's due time.
    let base = line("baseline");
    assert!(base.contains("131.00"), "{base}");
    assert!(base.contains(" 1.25  fries "), "{base}");
    let (_, json, _) = run(&["run", "--rate", "1.5", "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    let late: Vec<&serde_json::Value> = doc["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["satisfied"] == false)
        .collect();
    let mut late_at: Vec<&str> = late
        .iter()
        .map(|c| c["queued_longest"].as_str().unwrap())
        .collect();
    late_at.sort();
    assert_eq!(late_at, ["fries", "fries", "soda", "soda"]);
    let queued: Vec<f64> = (0..3)
        .map(|s| {
            late.iter()
                .map(|c| c["start_s"][s].as_f64().unwrap() - c["arrival_s"].as_f64().unwrap())
                .sum()
        })
        .collect();
    assert_eq!(queued, [10.0, 9.0, 12.0]);
    assert_eq!(doc["late_clients_waited_most_at"]["station"], "fries");
    assert_eq!(doc["late_clients_waited_most_at"]["queued_s"], 12.0);
    // Its capacity: 1 client/s, the soda machine's.
    assert!(base.trim_end().ends_with("1 (soda)"), "{base}");
    // The cheapest configuration for 2/s holds up to 2.25/s.
    let cheapest = line("cheapest");
    assert!(cheapest.contains("227.60"), "{cheapest}");
    assert!(cheapest.contains(" 2.25 "), "{cheapest}");
    assert!(
        out.contains("cheapest: soda.units=2 burger.units=5 fries.batch=7"),
        "{out}"
    );
}

#[test]
fn long_form_csv_has_a_row_per_strategy_and_rate() {
    let (code, out, _) = run(&["compare", "--rates", "1,2", "--csv", "-"]);
    assert_eq!(code, 0);
    let (header, rows) = parse_csv(&out);
    assert_eq!(header[0], "strategy");
    assert_eq!(
        header[1..4].join(","),
        "soda.units,burger.units,fries.batch"
    );
    assert_eq!(header[16], "meets_target");
    assert_eq!(
        header[17..].join(","),
        "replications,satisfaction_low,satisfaction_high,mean_s,capacity_soda,capacity_burger,capacity_fries,bottleneck"
    );
    assert_eq!(rows.len(), 6 * 2);
    // The baseline at 2/s is the seed's 5/10.
    let base2 = rows
        .iter()
        .find(|r| r[0] == "baseline" && r[8] == "2.0")
        .unwrap();
    assert_eq!(base2[10], "5");
}

#[test]
fn user_strategies_add_and_replace() {
    let (code, out, _) = run(&[
        "compare",
        "--rates",
        "2",
        "--format",
        "json",
        "--strategy",
        "big kitchen=burger.units=8",
        "--strategy",
        "baseline=soda.units=1",
    ]);
    assert_eq!(code, 0);
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    let names: Vec<&str> = doc["strategies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "baseline",
            "+1 soda machine",
            "+1 cook",
            "7-portion fryer",
            "all three",
            "cheapest",
            "big kitchen"
        ]
    );
    let (code, out, _) = run(&[
        "compare",
        "--rates",
        "2",
        "--only",
        "--strategy",
        "x=fries.batch=7",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0);
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["strategies"].as_array().unwrap().len(), 1);
    assert_eq!(doc["strategies"][0]["rates"][0]["satisfied"], 6);
}

#[test]
fn same_output_with_one_and_two_threads() {
    same_with_one_and_two_threads(&["compare", "--rates", "0.5..=4:0.1", "--csv", "-"]);
}

#[test]
fn bad_compare_input_exits_2() {
    let cases: &[(&[&str], &str)] = &[
        (
            &["compare", "--strategy", "x=pizza.units=2"],
            "unknown station `pizza`",
        ),
        (
            &["compare", "--strategy", "x=soda.batch=2"],
            "no parameter `batch`",
        ),
        (
            &[
                "compare",
                "--strategy",
                "x=soda.units=1",
                "--strategy",
                "x=soda.units=2",
            ],
            "given twice",
        ),
        (&["compare", "--strategy", "=soda.units=2"], "needs a name"),
        (&["compare", "--rates", ""], "not a number"),
        (&["compare", "--rates", "3..=1:0.5"], "empty"),
        (&["compare", "--rates", "2,1"], "must increase"),
        (
            &["compare", "--rates", "1..=3:0"],
            "step must be greater than 0",
        ),
        (
            &["compare", "--rates", "1..=3:-0.5"],
            "step must be greater than 0",
        ),
        (
            &["compare", "--rates", "0.001..=100:0.001"],
            "more than 10000",
        ),
        (&["compare", "--only"], "no strategy"),
    ];
    for (args, needle) in cases {
        assert_input_error(args, needle);
    }
}

#[test]
fn shares_have_two_decimals_and_are_never_rounded_onto_0_or_100() {
    // Means over replications: 32.5566…% and the like.
    let (code, out, err) = run(&[
        "compare",
        "--arrivals",
        "poisson",
        "--clients",
        "300",
        "--replications",
        "3",
        "--rates",
        "0.5,1,2",
    ]);
    assert_eq!(code, 0, "{err}");
    let cells: Vec<&str> = out
        .lines()
        .filter(|l| l.starts_with("baseline") || l.starts_with("+1 cook"))
        .flat_map(|l| l.split_whitespace())
        .filter(|c| c.ends_with('%'))
        .collect();
    assert_eq!(cells.len(), 6, "{out}");
    for cell in cells {
        let number = cell.trim_end_matches('%');
        let decimals = number.split_once('.').map_or(0, |(_, d)| d.len());
        assert!(decimals <= 2, "{cell} in {out}");
        let v: f64 = number.parse().unwrap();
        assert!(v > 0.0 && v < 100.0, "{cell}: some but not all are served");
    }
}

#[test]
fn the_rule_of_sustaining_is_worded_from_the_objective_in_force() {
    let rule = |args: &[&str]| {
        let (code, out, err) = run(args);
        assert_eq!(code, 0, "{args:?}: {err}");
        let mut lines = out.lines();
        let head = lines.next().unwrap().to_string();
        assert!(head.ends_with(')') && !head.ends_with("is)"), "{head}");
        lines.next().unwrap().to_string()
    };
    assert_eq!(
        rule(&["compare", "--rates", "1,2"]),
        "a strategy sustains a rate when every client is served in time at it and at every lower listed rate"
    );
    assert!(
        rule(&["compare", "--rates", "1,2", "--min-satisfaction", "99"])
            .contains("when at least 99% of clients are served in time at it")
    );
    assert!(rule(&[
        "compare",
        "--rates",
        "1,2",
        "--arrivals",
        "poisson",
        "--replications",
        "3"
    ])
    .contains("when every client is served in time in every replication at it"));
    assert!(rule(&[
        "compare",
        "--rates",
        "1,2",
        "--arrivals",
        "poisson",
        "--replications",
        "3",
        "--min-satisfaction",
        "90",
    ])
    .contains(
        "the 95% interval's lower bound of the share of clients served in time is at least 90%"
    ));
    // Request classes, each with its objective (browse asks 99 %): not "every client".
    let classes = rule(&[
        "--scenario",
        "data/api.toml",
        "compare",
        "--strategy",
        "base=",
        "--rates",
        "100,200",
        "--replications",
        "2",
    ]);
    assert!(
        classes.contains("each request class meets its objective (browse: 99% of latencies under 300 ms, checkout: every latency under 1000 ms;"),
        "{classes}"
    );
}
