//! The rest of the real-world inputs: `--unit` on the search and compare tables, a request
//! class's objective in words (`slo = "p99 < 300ms"`), and a replayed trace's `class` column.

use crate::common::{assert_input_error, json_verdict as json, parse_csv, run, scenario_file};

/// The figures after `p50`, `p95`, `p99` and `max` in a summary line, with their units.
fn latencies(line: &str) -> Vec<(String, String)> {
    let words: Vec<&str> = line.split_whitespace().collect();
    words
        .windows(3)
        .filter(|w| ["p50", "p95", "p99", "max"].contains(&w[0]))
        .map(|w| (w[1].to_string(), w[2].to_string()))
        .collect()
}

const FANOUT: &[&str] = &["--scenario", "data/fanout.toml"];

fn fanout(args: &[&str]) -> (i32, String, String) {
    let mut all = FANOUT.to_vec();
    all.extend_from_slice(args);
    run(&all)
}

#[test]
fn optimize_on_a_millisecond_scenario_shows_milliseconds() {
    // data/fanout.toml's timeout is 10 ms: auto picks ms.
    let (code, out, err) = fanout(&["optimize", "--clients", "300"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.lines().next().unwrap().ends_with("under 10 ms"),
        "{out}"
    );
    let line = out.lines().find(|l| l.contains("load test:")).unwrap();
    let figures = latencies(line);
    assert_eq!(figures.len(), 4, "{line}");
    for (value, unit) in &figures {
        assert_eq!(unit, "ms", "{line}");
        // One number of decimals everywhere: 1 µs resolution is 3 decimals of a ms.
        assert_eq!(value.split('.').nth(1).map(str::len), Some(3), "{line}");
    }
    assert!(line.contains("headroom +"), "{line}");
    assert!(out.contains("max (ms)"), "{out}");
    assert!(!out.contains("max (s)"), "{out}");

    // The same search in µs and in s: the same figures, scaled.
    let (_, us, _) = fanout(&["optimize", "--clients", "300", "--unit", "us"]);
    let (_, s, _) = fanout(&["optimize", "--clients", "300", "--unit", "s"]);
    let figures_in = |text: &str| {
        let line = text.lines().find(|l| l.contains("load test:")).unwrap();
        latencies(line)
            .into_iter()
            .map(|(v, _)| v.parse::<f64>().unwrap())
            .collect::<Vec<_>>()
    };
    let ms: Vec<f64> = figures.iter().map(|(v, _)| v.parse().unwrap()).collect();
    for ((m, u), s) in ms.iter().zip(figures_in(&us)).zip(figures_in(&s)) {
        assert!((m * 1000.0 - u).abs() < 1e-6 && (m / 1000.0 - s).abs() < 1e-9);
    }
    assert!(us.lines().next().unwrap().ends_with("under 10000 µs"));
    assert!(s.lines().next().unwrap().ends_with("under 0.01 s"));
}

#[test]
fn json_and_csv_stay_in_seconds_whatever_the_unit() {
    let base = ["optimize", "--clients", "300", "--format", "json"];
    let mut with_unit = base.to_vec();
    with_unit.extend(["--unit", "us"]);
    let mut a = FANOUT.to_vec();
    a.extend(base);
    let mut b = FANOUT.to_vec();
    b.extend(with_unit);
    let (doc, doc_us) = (json(&a), json(&b));
    assert_eq!(doc, doc_us);
    let p99 = doc["answer"]["p99_s"].as_f64().unwrap();
    assert!(p99 > 0.0 && p99 < 0.01, "{p99}");

    let (_, csv, _) = fanout(&["sweep", "--clients", "300", "--unit", "ms", "--csv", "-"]);
    let (_, csv_s, _) = fanout(&["sweep", "--clients", "300", "--csv", "-"]);
    assert_eq!(csv, csv_s);
    let (header, _) = parse_csv(&csv);
    assert!(header.iter().any(|h| h == "max_s"), "{header:?}");
}

#[test]
fn sweep_and_compare_tables_take_the_unit() {
    let (code, out, err) = fanout(&["sweep", "--clients", "300", "--show", "3"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("under 10 ms") && out.contains("max (ms)"),
        "{out}"
    );
    let (code, out, err) = fanout(&["compare", "--clients", "300", "--rates", "1000,3000"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("timeout 10 ms"), "{out}");
    let (_, out, _) = fanout(&[
        "compare",
        "--clients",
        "300",
        "--rates",
        "1000,3000",
        "--unit",
        "s",
    ]);
    assert!(out.contains("timeout 0.01 s"), "{out}");
}

/// data/api.toml with browse's timeout and min_satisfaction replaced by `browse_lines`.
fn api_with(browse_lines: &str) -> (tempfile::TempDir, String) {
    let text = std::fs::read_to_string("data/api.toml").unwrap();
    let old = "timeout = 0.3\nmin_satisfaction = 99";
    assert!(
        text.contains(old),
        "data/api.toml changed: update this test"
    );
    scenario_file(&text.replacen(old, browse_lines, 1))
}

fn class_objectives(doc: &serde_json::Value) -> Vec<(String, f64, f64, u64)> {
    doc["classes"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(name, c)| {
            (
                name.clone(),
                c["timeout_s"].as_f64().unwrap(),
                c["min_satisfaction"].as_f64().unwrap(),
                c["clients"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn a_class_slo_is_its_timeout_and_min_satisfaction() {
    let (_dir, slo) = api_with("slo = \"p99 < 300ms\"");
    for args in [
        vec!["run", "--clients", "200", "--format", "json"],
        vec!["optimize", "--clients", "200", "--format", "json"],
    ] {
        let mut words = vec!["--scenario", &slo];
        words.extend(&args);
        let mut plain = vec!["--scenario", "data/api.toml"];
        plain.extend(&args);
        let (a, b) = (json(&words), json(&plain));
        assert_eq!(a, b, "{args:?}");
    }
    let doc = json(&[
        "--scenario",
        &slo,
        "run",
        "--clients",
        "200",
        "--format",
        "json",
    ]);
    let objectives = class_objectives(&doc);
    assert_eq!((objectives[0].1, objectives[0].2), (0.3, 99.0));
}

#[test]
fn slo_on_the_command_line_overrides_every_class() {
    let (_dir, slo) = api_with("slo = \"p99 < 300ms\"");
    let doc = json(&[
        "--scenario",
        &slo,
        "run",
        "--clients",
        "200",
        "--slo",
        "p95 < 2s",
        "--format",
        "json",
    ]);
    for (name, timeout, share, _) in class_objectives(&doc) {
        assert_eq!((timeout, share), (2.0, 95.0), "{name}");
    }
    let (code, out, err) = run(&[
        "--scenario",
        &slo,
        "optimize",
        "--clients",
        "200",
        "--slo",
        "p95 < 2s",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("browse: 95% of latencies under 2 s, checkout: 95% of latencies under 2 s"),
        "{out}"
    );
}

/// A trace of 30 rows on data/api.toml: 20 browse, 10 checkout, in time order or not.
fn trace_file(dir: &tempfile::TempDir) -> String {
    let mut text = String::from("time,class\n");
    for i in 0..30 {
        let class = if i % 3 == 2 { "checkout" } else { "browse" };
        // Out of order at the start, to show the classes follow their rows when sorted.
        let t = if i == 0 { 0.5 } else { i as f64 * 0.01 };
        text.push_str(&format!("{t},{class}\n"));
    }
    let path = dir.path().join("trace.csv");
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_string()
}

#[test]
fn a_replayed_class_column_gives_each_client_its_class() {
    let dir = tempfile::tempdir().unwrap();
    let trace = trace_file(&dir);
    let args = ["--scenario", "data/api.toml", "run", "--replay", &trace];
    let mut as_json = args.to_vec();
    as_json.extend(["--format", "json"]);
    let doc = json(&as_json);
    let counts: Vec<(String, u64)> = class_objectives(&doc)
        .into_iter()
        .map(|(name, _, _, clients)| (name, clients))
        .collect();
    assert_eq!(
        counts,
        vec![("browse".to_string(), 20), ("checkout".to_string(), 10)]
    );
    // Each client's latency is its class's: a checkout visits payment (150 ms), a browse not.
    let mut as_csv = args.to_vec();
    as_csv.extend(["--csv", "-"]);
    let (code, csv, err) = run(&as_csv);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("not in time order"), "{err}");
    let (header, rows) = parse_csv(&csv);
    let latency = header.iter().position(|h| h == "latency_s").unwrap();
    let slow = rows
        .iter()
        .filter(|r| r[latency].parse::<f64>().unwrap() >= 0.15)
        .count();
    assert_eq!(slow, 10, "{csv}");
}

#[test]
fn bad_units_slos_and_classes_are_refused_in_one_line_writing_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let file = |name: &str, text: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p.to_str().unwrap().to_string()
    };
    let unknown = file("unknown.csv", "time,class\n0,browse\n0.1,Checkout\n");
    let classes = file("classes.csv", "time,class\n0,browse\n");
    let (_d1, both) = api_with("timeout = 0.3\nslo = \"p99 < 300ms\"");
    let (_d2, bad_slo) = api_with("slo = \"p99 300ms\"");
    let (_d3, mean) = api_with("slo = \"mean < 300ms\"");
    let out = dir.path().join("out.csv");
    let out = out.to_str().unwrap();
    let api = "data/api.toml";
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["optimize", "--unit", "minutes"], "--unit"),
        (vec!["sweep", "--unit", "h"], "--unit"),
        (vec!["compare", "--unit", "ns"], "--unit"),
        (
            vec!["--scenario", api, "run", "--replay", &unknown],
            "line 3: no request class `Checkout` in the scenario (its classes: browse, checkout)",
        ),
        (vec!["run", "--replay", &classes], "defines none"),
        (
            vec!["--scenario", &both, "run"],
            "request `browse`: slo states the timeout and min_satisfaction",
        ),
        (
            vec!["--scenario", &bad_slo, "run"],
            "request `browse`: slo `p99 300ms` is not an objective",
        ),
        (vec!["--scenario", &mean, "optimize"], "mean objective"),
    ];
    for (mut args, needle) in cases {
        args.extend(["--csv", out]);
        assert_input_error(&args, needle);
        assert!(!std::path::Path::new(out).exists(), "{args:?} wrote {out}");
    }
}
