//! Per-class figures over every replication, in every command that shows them (issue 19,
//! items 12 and 13): `run`'s block is the replications' together with their intervals, not
//! replication 1's, and `optimize`'s JSON answer carries the block its table shows. Both are
//! the assessment a search makes of that configuration, which the sweep CSV shows.

use serde_json::Value;

use crate::common::{parse_csv, run};

/// The web shop at 400 Poisson clients: checkout's verdict is random enough to need its
/// interval.
const LOAD: [&str; 6] = [
    "--clients",
    "400",
    "--arrivals",
    "poisson",
    "--replications",
    "4",
];

/// data/api.toml's baseline, as `--range` flags.
const BASELINE: [&str; 12] = [
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

fn json(args: &[&str]) -> Value {
    let (code, out, err) = run(args);
    assert!(code == 0 || code == 1, "{args:?}: {err}");
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"))
}

/// The sweep CSV's row of `config` (`--range` flags) with its replications fixed: the
/// search's own assessment of it, per class.
fn assessed(config: &[&str], replications: &str) -> (Vec<String>, Vec<String>) {
    let (code, csv, err) = run(&[
        &["-q", "--scenario", "data/api.toml", "sweep"][..],
        &LOAD[..4],
        &[
            "--replications",
            replications,
            "--max-replications",
            replications,
        ],
        config,
        &["--csv", "-"],
    ]
    .concat());
    assert_eq!(code, 0, "{err}");
    let (header, mut rows) = parse_csv(&csv);
    assert_eq!(rows.len(), 1, "{csv}");
    (header, rows.remove(0))
}

fn cell(row: &(Vec<String>, Vec<String>), name: &str) -> f64 {
    let i = row
        .0
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("{name}"));
    row.1[i].parse().unwrap()
}

#[test]
fn runs_per_class_block_is_over_every_replication() {
    let base = ["--scenario", "data/api.toml", "run"];
    let doc = json(&[&base[..], &LOAD[..], &["--format", "json"]].concat());
    let first = json(&[&base[..], &LOAD[..4], &["--format", "json"]].concat());
    let row = assessed(&BASELINE, "4");
    for class in ["browse", "checkout"] {
        let c = &doc["classes"][class];
        let f = |k: &str| c[k].as_f64().unwrap_or_else(|| panic!("{class}.{k}: {c}"));
        // The CSV rounds to 9 decimals.
        for key in ["satisfaction", "satisfaction_low", "p99_s"] {
            let csv = cell(&row, &format!("{key}_{class}"));
            assert!((f(key) - csv).abs() < 1e-8, "{key}: {csv} in the CSV: {c}");
        }
        assert!(c["verdict"].is_string(), "{c}");
    }
    // Replication 1 alone says something else about checkout: the block is not its.
    assert_ne!(
        doc["classes"]["checkout"]["satisfaction"],
        first["classes"]["checkout"]["satisfaction"]
    );
    let (_, table, _) = run(&[&base[..], &LOAD[..]].concat());
    let block = table
        .split("per request class, over 4 replications (satisfied: mean [95% interval]):\n")
        .nth(1)
        .unwrap_or_else(|| panic!("no block over the replications:\n{table}"));
    let checkout = block.lines().find(|l| l.starts_with("checkout ")).unwrap();
    assert!(
        checkout.contains("76.81% [33.88, 100]") && checkout.ends_with("too close to call"),
        "{checkout}"
    );
}

#[test]
fn optimizes_json_answer_has_the_per_class_block_its_table_shows() {
    let args = [
        &[
            "-q",
            "--scenario",
            "data/api.toml",
            "optimize",
            "--show",
            "0",
        ][..],
        &LOAD[..4],
        &["--replications", "3", "--max-replications", "6"],
    ]
    .concat();
    let doc = json(&[&args[..], &["--format", "json"]].concat());
    let answer = &doc["answer"];
    let (_, table, _) = run(&args);
    let config: Vec<String> = answer["config"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(k, v)| ["--range".to_string(), format!("{k}={v}")])
        .collect();
    let config: Vec<&str> = config.iter().map(String::as_str).collect();
    let replications = answer["spread"]["replications"]
        .as_u64()
        .unwrap_or_else(|| panic!("{answer}"))
        .to_string();
    let row = assessed(&config, &replications);
    for class in ["browse", "checkout"] {
        let c = &answer["classes"][class];
        let f = |k: &str| {
            c[k].as_f64()
                .unwrap_or_else(|| panic!("{class}.{k}: {answer}"))
        };
        // The CSV rounds to 9 decimals.
        for key in ["satisfaction", "satisfaction_low", "p99_s"] {
            let csv = cell(&row, &format!("{key}_{class}"));
            assert!(
                (f(key) - csv).abs() < 1e-8,
                "{key}: {csv} in the CSV: {answer}"
            );
        }
        assert_eq!(c["verdict"], "meets", "{c}");
        // The table's line of the class shows the same p99, in ms.
        let line = table
            .lines()
            .find(|l| l.trim_start().starts_with(&format!("{class} ")))
            .unwrap_or_else(|| panic!("{table}"));
        let p99 = format!("{:.3}", f("p99_s") * 1e3);
        assert!(line.contains(&p99), "{p99} not in {line}");
    }
}

/// A headroom stands against one timeout: with classes judged by timeouts of their own (the
/// booking service's 250 ms and 1 s) there is none, and the JSON says `null`; `--timeout`
/// judges every class by one, and the headroom is back.
#[test]
fn the_headroom_is_null_when_classes_have_timeouts_of_their_own() {
    let own = json(&[
        "--scenario",
        "data/booking.toml",
        "run",
        "--clients",
        "200",
        "--format",
        "json",
    ]);
    assert_eq!(own["summary"]["headroom_s"], Value::Null, "{own}");
    let one = json(&[
        "--scenario",
        "data/booking.toml",
        "run",
        "--clients",
        "200",
        "--timeout",
        "1",
        "--format",
        "json",
    ]);
    let headroom = one["summary"]["headroom_s"].as_f64().expect("a number");
    let max = one["summary"]["max_s"].as_f64().unwrap();
    assert!((headroom - (1.0 - max)).abs() < 1e-9, "{one}");
}
