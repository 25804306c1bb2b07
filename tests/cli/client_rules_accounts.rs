//! Runs with client rules account for every client and judge every request class (issue 19,
//! "Smaller"): clients that give up are satisfied, late or given up, adding up to the clients,
//! each class with its objective and whether it was met; a closed loop over request classes
//! judges each class by its own objective over its replications, as an open run does.

use serde_json::Value;

use crate::common::run;

fn json(args: &[&str]) -> Value {
    let (code, out, err) = run(args);
    assert_eq!(code, 0, "{args:?}: {err}");
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"))
}

/// The count on the table's line that starts with `label` ("late:          94 (4.7 %)…").
fn count(table: &str, label: &str) -> usize {
    let line = table
        .lines()
        .find(|l| l.starts_with(label))
        .unwrap_or_else(|| panic!("no `{label}` line in:\n{table}"));
    line[label.len()..]
        .split_whitespace()
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

const RETRIES: [&str; 9] = [
    "--scenario",
    "data/api.toml",
    "run",
    "--patience",
    "0.5",
    "--retries",
    "2",
    "--backoff",
    "0.1",
];

#[test]
fn every_client_who_may_give_up_is_satisfied_late_or_given_up() {
    let (code, table, err) = run(&RETRIES);
    assert_eq!(code, 0, "{err}");
    let clients: usize = table.split_whitespace().next().unwrap().parse().unwrap();
    let (satisfied, late, given_up) = (
        count(&table, "satisfied:"),
        count(&table, "late:"),
        count(&table, "given up:"),
    );
    assert!(late > 0, "this run has late clients:\n{table}");
    assert_eq!(satisfied + late + given_up, clients, "{table}");
    // The CSV tells the same clients apart.
    let (_, csv, _) = run(&[&RETRIES[..], &["--csv", "-"]].concat());
    assert_eq!(csv.matches(",late,").count(), late, "{csv}");

    let doc = json(&[&RETRIES[..], &["--format", "json"]].concat());
    let n = |v: &Value, k: &str| v[k].as_u64().unwrap_or_else(|| panic!("{k}: {v}"));
    assert_eq!(n(&doc, "late"), late as u64);
    assert_eq!(
        n(&doc, "satisfied") + n(&doc, "late") + n(&doc, "given_up"),
        n(&doc, "clients")
    );
    let classes = doc["classes"].as_array().unwrap();
    assert_eq!(classes.len(), 2);
    for c in classes {
        let clients = n(c, "clients");
        assert_eq!(
            n(c, "satisfied") + n(c, "late") + n(c, "given_up"),
            clients,
            "{c}"
        );
        let required = (c["min_satisfaction"].as_f64().unwrap() / 100.0 * clients as f64).ceil();
        assert_eq!(
            c["meets_objective"].as_bool().unwrap(),
            n(c, "satisfied") as f64 >= required,
            "{c}"
        );
    }
    // The table's per-class lines: the late column and the verdict column.
    let header = table
        .lines()
        .find(|l| l.starts_with("class "))
        .unwrap_or_else(|| panic!("no per-class table:\n{table}"));
    let words: Vec<&str> = header.split_whitespace().collect();
    assert!(
        words.contains(&"late") && words.last() == Some(&"met"),
        "{header}"
    );
    let browse = table.lines().find(|l| l.starts_with("browse ")).unwrap();
    assert!(
        browse.contains(" 94 (5.9 %) ") && browse.ends_with("NO"),
        "{browse}"
    );
}

#[test]
fn a_class_that_meets_its_objective_says_yes() {
    let (code, table, err) = run(&RETRIES[..5]);
    assert_eq!(code, 0, "{err}");
    let browse = table.lines().find(|l| l.starts_with("browse ")).unwrap();
    let checkout = table.lines().find(|l| l.starts_with("checkout ")).unwrap();
    assert!(
        browse.contains("99% under 0.3 s") && browse.ends_with("yes"),
        "{table}"
    );
    assert!(
        checkout.contains("100% under 1 s") && checkout.ends_with("NO"),
        "{table}"
    );
}

/// A closed loop over data/api.toml's classes, on its baseline.
const CLOSED: [&str; 13] = [
    "--scenario",
    "data/api.toml",
    "run",
    "--users",
    "20",
    "--think",
    "0.1",
    "--duration",
    "10",
    "--replications",
    "4",
    "--timeout",
    "0.2",
];

#[test]
fn a_closed_loop_over_classes_judges_each_class() {
    let (code, table, err) = run(&CLOSED);
    assert_eq!(code, 0, "{err}");
    assert!(
        table.contains("per request class, over 4 replications (satisfied: mean [95% interval]):"),
        "{table}"
    );
    let browse = table.lines().find(|l| l.starts_with("browse ")).unwrap();
    let checkout = table.lines().find(|l| l.starts_with("checkout ")).unwrap();
    assert!(
        browse.contains("99% under 200 ms") && browse.ends_with("yes"),
        "{table}"
    );
    assert!(
        checkout.contains("100% under 200 ms") && checkout.ends_with("NO"),
        "{table}"
    );

    let doc = json(&[&CLOSED[..], &["--format", "json"]].concat());
    let (b, c) = (&doc["classes"]["browse"], &doc["classes"]["checkout"]);
    assert_eq!(
        (b["verdict"].as_str(), c["verdict"].as_str()),
        (Some("meets"), Some("fails")),
        "{doc}"
    );
    assert_eq!(
        (
            b["meets_objective"].as_bool(),
            c["meets_objective"].as_bool()
        ),
        (Some(true), Some(false))
    );
    assert!(b["satisfaction_low"].as_f64().unwrap() <= b["satisfaction"].as_f64().unwrap());
    assert_eq!(c["timeout_s"].as_f64(), Some(0.2));
    // The requests of a replication, on average, are the classes' together.
    let per_run = doc["requests"].as_f64().unwrap() / 4.0;
    let together = b["clients"].as_f64().unwrap() + c["clients"].as_f64().unwrap();
    assert!((per_run - together).abs() <= 1.0, "{per_run} vs {together}");

    // The same figures a search's assessment of that configuration gives: one mechanism.
    let baseline = [
        "--range",
        "auth.units=1",
        "--range",
        "catalog.units=1",
        "--range",
        "db.units=2",
        "--range",
        "cache.batch=50",
        "--range",
        "render.units=1",
        "--range",
        "payment.units=4",
    ];
    let (code, csv, err) = run(&[
        &[
            "-q",
            "--scenario",
            "data/api.toml",
            "sweep",
            "--users",
            "20",
            "--think",
            "0.1",
        ][..],
        &[
            "--duration",
            "10",
            "--replications",
            "4",
            "--max-replications",
            "4",
        ][..],
        &["--timeout", "0.2", "--csv", "-"][..],
        &baseline[..],
    ]
    .concat());
    assert_eq!(code, 0, "{err}");
    let (header, rows) = crate::common::parse_csv(&csv);
    let cell = |name: &str| -> f64 {
        rows[0][header.iter().position(|h| h == name).unwrap()]
            .parse()
            .unwrap()
    };
    assert_eq!(
        cell("p99_s_browse"),
        b["p99_s"].as_f64().unwrap(),
        "{csv}\n{doc}"
    );
    assert_eq!(cell("p99_s_checkout"), c["p99_s"].as_f64().unwrap());
    assert_eq!(
        cell("satisfaction_browse"),
        b["satisfaction"].as_f64().unwrap()
    );
    assert_eq!(
        cell("satisfaction_high_browse"),
        b["satisfaction_high"].as_f64().unwrap()
    );
}

#[test]
fn a_closed_loop_without_classes_reports_as_it_did() {
    let (code, table, err) = run(&[
        "--scenario",
        "data/mm1.toml",
        "run",
        "--users",
        "5",
        "--think",
        "4",
        "--duration",
        "100",
        "--replications",
        "2",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(!table.contains("per request class"), "{table}");
    let doc = json(&[
        "--scenario",
        "data/mm1.toml",
        "run",
        "--users",
        "5",
        "--think",
        "4",
        "--duration",
        "100",
        "--replications",
        "2",
        "--format",
        "json",
    ]);
    assert!(doc.get("classes").is_none(), "{doc}");
}
