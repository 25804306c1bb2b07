//! `optimize` and `sweep` with clients that give up, retry or think over request flows:
//! each client is judged by its own class's objective, as `run` shows it and as
//! the plain search judges classes. The web shop's objectives (data/api.toml): browse 99 %
//! under 0.3 s, checkout every request under 1 s.

use crate::common::{parse_csv, run, same_with_one_and_two_threads, scenario_file};

/// Each class's required share in percent, from data/api.toml (the input, not a result).
const OBJECTIVES: &[(&str, f64)] = &[("browse", 99.0), ("checkout", 100.0)];

/// Impatient shop clients; one replication, so that `run` (which simulates replication 0)
/// sees exactly what the search saw.
const PATIENT: &[&str] = &[
    "--patience",
    "0.5",
    "--retries",
    "1",
    "--backoff",
    "0.1",
    "--clients",
    "400",
];

/// `--set` arguments for a configuration given as (lever, value) pairs.
fn sets(config: &[(String, String)]) -> Vec<String> {
    config
        .iter()
        .flat_map(|(k, v)| ["--set".to_string(), format!("{k}={v}")])
        .collect()
}

/// `run` of the impatient clients on `config`: per class (clients, satisfied).
fn run_classes(config: &[(String, String)]) -> Vec<(String, u64, u64)> {
    let mut args: Vec<String> = ["--scenario", "data/api.toml", "run", "--format", "json"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    args.extend(PATIENT.iter().map(|s| s.to_string()));
    args.extend(sets(config));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, out, err) = run(&args);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    v["classes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap().to_string(),
                c["clients"].as_u64().unwrap(),
                c["satisfied"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn required(class: &str) -> f64 {
    OBJECTIVES.iter().find(|(n, _)| *n == class).unwrap().1
}

#[test]
fn optimize_with_patience_over_flows_answers_what_run_confirms_class_by_class() {
    let dir = tempfile::tempdir().unwrap();
    let csv_path = dir.path().join("tested.csv");
    let csv_arg = csv_path.to_str().unwrap();
    let mut args = vec!["--scenario", "data/api.toml", "optimize"];
    args.extend(PATIENT);
    args.extend(["--replications", "1", "--format", "json", "--csv", csv_arg]);
    let (code, out, err) = run(&args);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["found"], true, "{v}");
    assert_eq!(v["target"]["client_rules"]["kind"], "patient", "{v}");
    let answer: Vec<(String, String)> = v["answer"]["config"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, x)| (k.clone(), x.to_string()))
        .collect();

    // The tested configurations, cheapest first, with each class's satisfied share.
    let (header, rows) = parse_csv(&std::fs::read_to_string(&csv_path).unwrap());
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let config_of = |row: &[String]| -> Vec<(String, String)> {
        answer
            .iter()
            .map(|(k, _)| (k.clone(), row[col(k)].clone()))
            .collect()
    };
    let at = rows
        .iter()
        .position(|r| config_of(r) == answer)
        .expect("the answer is among the tested");
    assert_eq!(rows[at][col("meets_target")], "true");
    assert!(
        at > 0,
        "the cheapest configuration passes: nothing to contrast"
    );

    // `run` confirms the answer: every class meets its own objective, with the very figures
    // the search counted.
    let classes = run_classes(&answer);
    assert_eq!(classes.len(), OBJECTIVES.len());
    for (name, clients, satisfied) in &classes {
        let share = 100.0 * *satisfied as f64 / *clients as f64;
        assert!(share >= required(name), "{name}: {share}% in run");
        let searched: f64 = rows[at][col(&format!("satisfaction_{name}"))]
            .parse()
            .unwrap();
        assert!(
            (searched - share).abs() < 1e-9,
            "{name}: {searched} vs {share}"
        );
    }

    // The configuration tested just before (cheaper) fails for some class, in the search
    // and in `run`.
    let before = &rows[at - 1];
    assert_eq!(before[col("meets_target")], "false");
    let failing: Vec<&str> = OBJECTIVES
        .iter()
        .filter(|(name, share)| {
            before[col(&format!("satisfaction_{name}"))]
                .parse::<f64>()
                .unwrap()
                < *share
        })
        .map(|(name, _)| *name)
        .collect();
    assert!(!failing.is_empty(), "{before:?}");
    let classes = run_classes(&config_of(before));
    for name in failing {
        let (_, clients, satisfied) = classes.iter().find(|c| c.0 == name).unwrap();
        let share = 100.0 * *satisfied as f64 / *clients as f64;
        assert!(share < required(name), "{name}: {share}% in run");
    }
}

#[test]
fn optimize_with_users_over_flows_answers_the_same_for_any_thread_count() {
    let closed = [
        "--scenario",
        "data/api.toml",
        "optimize",
        "--users",
        "20",
        "--think",
        "0.1",
        "--duration",
        "20",
        "--replications",
        "4",
    ];
    let json = same_with_one_and_two_threads(&[&closed[..], &["--format", "json"]].concat());
    let v: serde_json::Value = serde_json::from_slice(&json).unwrap();
    assert_eq!(v["found"], true, "{v}");
    assert_eq!(v["target"]["client_rules"]["kind"], "closed", "{v}");
    assert!(
        v["answer"]["throughput"].as_f64().unwrap_or(0.0) > 0.0,
        "{v}"
    );
    // The answer's per-class block judges the users' requests, each by its class.
    let (code, text, err) = run(&closed);
    assert_eq!(code, 0, "{err}");
    assert!(text.contains("20 users thinking 0.1 s (fixed) for 20 s, browse: 99% of latencies under 300 ms, checkout: every latency under 1000 ms"), "{text}");
    let block: Vec<&str> = text
        .lines()
        .skip_while(|l| !l.contains("per request class"))
        .skip(2)
        .take(2)
        .collect();
    assert_eq!(block.len(), 2, "{text}");
    for (line, (name, _)) in block.iter().zip(OBJECTIVES) {
        assert!(line.trim_start().starts_with(name), "{line}");
        assert!(line.trim_end().ends_with("yes"), "{line}");
    }
}

#[test]
fn a_class_patience_alone_makes_the_search_judge_client_rules_as_run_does() {
    // Checkouts give up after 0.5 s (their own `[[request]] patience`), browsing never: no
    // flag asks for it, and the search still simulates what `run` simulates.
    let text = std::fs::read_to_string("data/api.toml")
        .unwrap()
        .replace("timeout = 1.0\n", "timeout = 1.0\npatience = 0.5\n");
    assert!(text.contains("patience = 0.5"));
    let (_dir, path) = scenario_file(&text);
    let base = ["--scenario", path.as_str()];
    let (code, csv, err) = run(&[
        &base[..],
        &[
            "optimize",
            "--clients",
            "400",
            "--replications",
            "1",
            "--csv",
            "-",
        ],
    ]
    .concat());
    assert_eq!(code, 0, "{err}");
    let (header, rows) = parse_csv(&csv);
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let row = rows
        .iter()
        .find(|r| r[col("payment.units")] == "5" && r[col("cache.batch")] == "50")
        .expect("payment.units=5 is tested");
    let searched: f64 = row[col("satisfaction_checkout")].parse().unwrap();
    let (code, out, err) = run(&[
        &base[..],
        &[
            "run",
            "--clients",
            "400",
            "--set",
            "payment.units=5",
            "--format",
            "json",
        ],
    ]
    .concat());
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let checkout = &v["classes"][1];
    assert_eq!(checkout["name"], "checkout");
    let ran =
        100.0 * checkout["satisfied"].as_f64().unwrap() / checkout["clients"].as_f64().unwrap();
    assert!(ran < 100.0, "{v}");
    assert!(
        (searched - ran).abs() < 1e-9,
        "search {searched}, run {ran}"
    );
}
