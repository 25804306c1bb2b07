//! `planner optimize` and `planner sweep` through the real binary.

use crate::common::{assert_input_error, parse_csv, run, same_with_one_and_two_threads};

#[test]
fn answers_the_seeds_question() {
    let (code, out, err) = run(&["optimize", "--target-rate", "2", "--timeout", "5"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("Answer: soda.units=2 burger.units=5 fries.batch=7"),
        "{out}"
    );
    assert!(
        out.contains("+1 soda machine, +2 cooks, 7-portion fryer"),
        "{out}"
    );
    // Baseline 4 cores + 2.75 GiB; answer 7 cores + 4.4 GiB, at 30 and 4 per unit.
    assert!(
        out.contains("131.00") && out.contains("227.60") && out.contains("+96.60"),
        "{out}"
    );
    assert!(out.contains("satisfied 10/10"), "{out}");
    // It stopped early: fewer load tests than the 48 configurations.
    assert!(out.contains("48 configurations; load-tested 33"), "{out}");
}

#[test]
fn four_cooks_leave_a_client_at_exactly_five_seconds() {
    // The cheaper 4-cook configuration fails only because of strict `<`.
    let (code, out, _) = run(&["sweep", "--csv", "-"]);
    assert_eq!(code, 0);
    let (_, rows) = parse_csv(&out);
    let row = rows
        .iter()
        .find(|r| r[0] == "2" && r[1] == "4" && r[2] == "7")
        .unwrap();
    // columns: levers(3), cpu, ram, cost, clients, rate, timeout, satisfied, satisfaction, p50, p95, p99, max, meets
    assert_eq!(row[14], "5.0");
    assert_eq!(row[15], "false");
    assert_eq!(row[9], "8");
}

#[test]
fn json_answer_is_one_document() {
    let (code, out, _) = run(&[
        "optimize",
        "--target-rate",
        "2",
        "--timeout",
        "5",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0);
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["found"], true);
    assert_eq!(doc["answer"]["config"]["soda.units"], 2);
    assert_eq!(doc["answer"]["config"]["burger.units"], 5);
    assert_eq!(doc["answer"]["config"]["fries.batch"], 7);
    assert_eq!(doc["answer"]["cpu_cores"], 7.0);
    assert_eq!(doc["baseline"]["cost"], 131.0);
    assert_eq!(doc["delta_cost"], 96.6);
}

#[test]
fn prices_can_be_overridden() {
    let (code, out, _) = run(&[
        "optimize",
        "--cpu-price",
        "100",
        "--ram-price",
        "0",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0);
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["answer"]["cost"], 700.0);
}

#[test]
fn sweep_csv_header_and_rows_agree_with_run() {
    let (code, out, _) = run(&["sweep", "--target-rate", "2", "--csv", "-"]);
    assert_eq!(code, 0);
    let (header, rows) = parse_csv(&out);
    assert_eq!(
        header.join(","),
        "soda.units,burger.units,fries.batch,cpu_cores,ram_gib,cost,clients,rate,timeout,satisfied,satisfaction,p50_s,p95_s,p99_s,max_s,meets_target,replications,satisfaction_low,satisfaction_high,mean_s,capacity_soda,capacity_burger,capacity_fries,bottleneck"
    );
    let base = rows
        .iter()
        .find(|r| r[0] == "1" && r[1] == "3" && r[2] == "5")
        .unwrap();
    // 5 of 10 satisfied: Wilson's 95 % interval of that share.
    assert_eq!(
        base[16..].join(","),
        "1,23.659308901,76.340691099,5.05,1.0,1.0,1.25,soda"
    );
    assert_eq!(rows.len(), 48);
    // Sorted by cost, then lever values.
    let costs: Vec<f64> = rows.iter().map(|r| r[5].parse().unwrap()).collect();
    assert!(costs.windows(2).all(|w| w[0] <= w[1]));
    for (soda, cooks, batch) in [
        ("1", "3", "5"),
        ("2", "5", "7"),
        ("3", "4", "7"),
        ("4", "8", "5"),
    ] {
        let row = rows
            .iter()
            .find(|r| r[0] == soda && r[1] == cooks && r[2] == batch)
            .unwrap();
        let (c, run_out, _) = run(&[
            "run",
            "--rate",
            "2",
            "--set",
            &format!("soda.units={soda}"),
            "--set",
            &format!("burger.units={cooks}"),
            "--set",
            &format!("fries.batch={batch}"),
            "--format",
            "json",
        ]);
        assert_eq!(c, 0);
        let doc: serde_json::Value = serde_json::from_str(&run_out).unwrap();
        let s = &doc["summary"];
        assert_eq!(row[9], s["satisfied"].to_string());
        assert_eq!(
            row[14].parse::<f64>().unwrap(),
            s["max_s"].as_f64().unwrap()
        );
        assert_eq!(
            row[13].parse::<f64>().unwrap(),
            s["p99_s"].as_f64().unwrap()
        );
        assert_eq!(
            row[11].parse::<f64>().unwrap(),
            s["p50_s"].as_f64().unwrap()
        );
        assert_eq!(row[15], (s["satisfied"] == 10).to_string());
    }
}

#[test]
fn same_output_with_one_and_two_threads() {
    for args in [
        vec!["sweep", "--range", "burger.units=3..=12", "--csv", "-"],
        vec![
            "optimize",
            "--range",
            "burger.units=3..=12",
            "--target-rate",
            "2.5",
        ],
    ] {
        same_with_one_and_two_threads(&args);
    }
}

#[test]
fn nothing_meets_exits_1_and_shows_the_closest() {
    let (code, out, _) = run(&["optimize", "--target-rate", "5", "--timeout", "5"]);
    assert_eq!(code, 1);
    assert!(
        out.contains("No configuration in the space meets the target"),
        "{out}"
    );
    assert!(out.contains("Closest"), "{out}");
}

#[test]
fn lower_share_is_easier() {
    let (code, out, _) = run(&["optimize", "--min-satisfaction", "80", "--format", "json"]);
    assert_eq!(code, 0);
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(doc["answer"]["cost"].as_f64().unwrap() < 227.6);
}

#[test]
fn csv_file_is_written_atomically() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("table.csv");
    let (code, _, _) = run(&["sweep", "--csv", path.to_str().unwrap()]);
    assert_eq!(code, 0);
    assert_eq!(std::fs::read_to_string(&path).unwrap().lines().count(), 49);
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn bad_search_input_exits_2() {
    let cases: &[(&[&str], &str)] = &[
        (&["optimize", "--target-rate", "0"], "greater than 0"),
        (&["optimize", "--target-rate", "NaN"], "NaN"),
        (&["optimize", "--timeout", "-1"], "greater than 0"),
        (&["optimize", "--min-satisfaction", "0"], "percentage"),
        (&["optimize", "--min-satisfaction", "120"], "percentage"),
        (
            &["optimize", "--range", "pizza.units=1..=3"],
            "unknown station `pizza`",
        ),
        (
            &["optimize", "--range", "fries.units=1..=3"],
            "has no parameter `units`",
        ),
        (&["optimize", "--range", "soda.units=4..=1"], "empty"),
        (&["optimize", "--range", "soda.units=0..=3"], "at least 1"),
        (
            &[
                "sweep",
                "--range",
                "soda.units=1..=1000",
                "--range",
                "burger.units=1..=1000",
                "--range",
                "fries.batch=1..=1000",
            ],
            "1000000000 configurations",
        ),
        (
            &[
                "sweep",
                "--range",
                "soda.units=1..=100",
                "--max-configs",
                "50",
            ],
            "more than --max-configs 50",
        ),
        (&["optimize", "--cpu-price", "-1"], "price"),
        (&["optimize", "--clients", "0"], "--clients"),
        (
            &["sweep", "--csv", "/nonexistent-dir/t.csv"],
            "cannot write the CSV",
        ),
    ];
    for (args, needle) in cases {
        assert_input_error(args, needle);
    }
}

#[test]
fn a_killed_sweep_leaves_no_file_behind() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("table.csv");
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("planner"))
        .args([
            "sweep",
            "--range",
            "soda.units=1..=100",
            "--range",
            "burger.units=1..=2000",
        ])
        .args(["--csv", path.to_str().unwrap(), "--quiet"])
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(300));
    if child.try_wait().unwrap().is_none() {
        child.kill().unwrap();
        child.wait().unwrap();
        // Killed mid-work: no table, and no temporary file either.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    } else {
        // A machine fast enough to finish 200,000 load tests in 0.3 s wrote the whole table.
        assert_eq!(
            std::fs::read_to_string(&path).unwrap().lines().count(),
            200_001
        );
    }
}
