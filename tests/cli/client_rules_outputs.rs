//! Runs with client rules through the report seam: `--csv`, `--plot` and `--trace` for
//! clients that give up and retry, and for a closed loop of users.

use crate::common::{assert_input_error, parse_csv, run};

/// The seed's half-second test with patience 4 and 2 retries: clients 4 to 10 give up three
/// times each (docs/clients.md).
const STORM: &[&str] = &[
    "run",
    "--period",
    "0.5",
    "--patience",
    "4",
    "--retries",
    "2",
    "--backoff",
    "1",
];

fn with(extra: &[&str]) -> Vec<String> {
    STORM.iter().chain(extra).map(|s| s.to_string()).collect()
}

fn run_owned(args: &[String]) -> (i32, String, String) {
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    run(&refs)
}

#[test]
fn the_csv_has_one_row_per_client_and_its_attempts_add_up() {
    let (code, out, err) = run_owned(&with(&["--csv", "-"]));
    assert_eq!(code, 0, "{err}");
    let (header, rows) = parse_csv(&out);
    assert_eq!(
        header,
        ["client", "due_s", "attempts", "outcome", "latency_s"]
    );
    let (code, json, err) = run_owned(&with(&["--format", "json"]));
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(rows.len() as u64, v["clients"].as_u64().unwrap());
    let attempts: u64 = rows.iter().map(|r| r[2].parse::<u64>().unwrap()).sum();
    assert_eq!(attempts, v["attempts"].as_u64().unwrap());
    let mut given_up = 0;
    for (i, r) in rows.iter().enumerate() {
        assert_eq!(r[0], (i + 1).to_string());
        let due: f64 = r[1].parse().unwrap();
        assert!((due - 0.5 * i as f64).abs() < 1e-9, "{r:?}");
        match r[3].as_str() {
            "satisfied" => assert!(r[4].parse::<f64>().unwrap() < 5.0, "{r:?}"),
            "late" => assert!(r[4].parse::<f64>().unwrap() >= 5.0, "{r:?}"),
            "given_up" => {
                assert_eq!(r[4], "", "{r:?}");
                assert_eq!(r[2], "3", "gave up for good after 1 + 2 retries: {r:?}");
                given_up += 1;
            }
            other => panic!("outcome {other:?}"),
        }
    }
    assert_eq!(given_up, v["given_up"].as_u64().unwrap());
}

#[test]
fn plot_and_csv_land_together_and_the_svg_names_its_series() {
    let dir = tempfile::tempdir().unwrap();
    let svg = dir.path().join("storm.svg");
    let csv = dir.path().join("storm.csv");
    let (code, out, err) = run_owned(&with(&[
        "--plot",
        svg.to_str().unwrap(),
        "--csv",
        csv.to_str().unwrap(),
    ]));
    assert_eq!(code, 0, "{err}");
    assert!(
        out.starts_with("10 clients, timeout 5 s, patience 4 s"),
        "{out}"
    );
    let (_, rows) = parse_csv(&std::fs::read_to_string(&csv).unwrap());
    assert_eq!(rows.len(), 10);
    let text = std::fs::read_to_string(&svg).unwrap();
    let doc = roxmltree::Document::parse(&text).unwrap();
    let texts: Vec<&str> = doc
        .descendants()
        .filter(|n| n.has_tag_name("text"))
        .filter_map(|n| n.text())
        .map(str::trim)
        .collect();
    for t in [
        "Offered load per second",
        "arrivals (clients/s)",
        "attempts/s, retries included",
        "satisfied",
        "given up",
        "p99",
        "p50",
        "timeout 5 s",
        "10 clients, 24 attempts",
    ] {
        assert!(texts.contains(&t), "no {t:?} in {texts:?}");
    }
}

#[test]
fn the_trace_tells_who_gave_up_and_retried_on_stderr() {
    let (code, out, err) = run_owned(&with(&["--trace", "--format", "json"]));
    assert_eq!(code, 0, "{err}");
    serde_json::from_str::<serde_json::Value>(&out).expect("stdout stays one JSON document");
    // Client 4, due 1.5 s, gives up at 5.5 s, retries after 1 s, gives up at 10.5, waits 2 s.
    for line in [
        "       1.500  => client_4 due",
        "       4.000  <= client_1 served in 4.000 s",
        "       5.500     client_4 gave up (attempt 1)",
        "       6.500     client_4 retries (attempt 2)",
        "      10.500     client_4 gave up (attempt 2)",
        "      12.500     client_4 retries (attempt 3)",
        "      16.500  <= client_4 gave up for good after 3 attempts",
    ] {
        assert!(err.lines().any(|l| l == line), "no {line:?} in:\n{err}");
    }
    let times: Vec<f64> = err
        .lines()
        .map(|l| l.split_whitespace().next().unwrap().parse().unwrap())
        .collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "in time order");
}

#[test]
fn a_closed_loop_writes_one_row_per_request_and_its_plot() {
    let dir = tempfile::tempdir().unwrap();
    let svg = dir.path().join("loop.svg");
    let (code, out, err) = run(&[
        "run",
        "--users",
        "3",
        "--think",
        "2",
        "--duration",
        "30",
        "--csv",
        "-",
        "--plot",
        svg.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let (header, rows) = parse_csv(&out);
    assert_eq!(
        header,
        ["replication", "user", "request", "start_s", "response_s"]
    );
    let (_, table, _) = run(&["run", "--users", "3", "--think", "2", "--duration", "30"]);
    let requests: usize = table
        .lines()
        .find_map(|l| l.strip_prefix("requests:"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert_eq!(rows.len(), requests);
    // Each user's requests are numbered 1, 2, … and start after the previous one's response.
    for user in ["1", "2", "3"] {
        let mine: Vec<&Vec<String>> = rows.iter().filter(|r| r[1] == user).collect();
        for (k, pair) in mine.windows(2).enumerate() {
            assert_eq!(pair[0][2], (k + 1).to_string());
            let end: f64 = pair[0][3].parse::<f64>().unwrap() + pair[0][4].parse::<f64>().unwrap();
            assert!(
                pair[1][3].parse::<f64>().unwrap() >= end + 2.0 - 1e-9,
                "{pair:?}"
            );
        }
    }
    let text = std::fs::read_to_string(&svg).unwrap();
    assert!(text.contains("Throughput") && text.contains("Response time by start time"));
    assert_input_error(&["run", "--users", "3", "--trace"], "--trace");
}

#[test]
fn client_rule_runs_have_one_picture_and_any_format_on_stdout() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.svg");
    let svg = path.to_str().unwrap();
    assert_input_error(
        &[
            "run",
            "--patience",
            "4",
            "--plot",
            svg,
            "--plot-kind",
            "timeline",
        ],
        "--plot-kind",
    );
    assert!(!path.exists(), "no file written on bad input");
    let (code, out, err) = run_owned(&with(&["--format", "csv"]));
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, run_owned(&with(&["--csv", "-"])).1);
    let (code, out, err) = run_owned(&with(&["--format", "svg"]));
    assert_eq!(code, 0, "{err}");
    roxmltree::Document::parse(&out).expect("one SVG document on stdout");
}

/// The page of a run with client rules draws each class's curve against the objective the
/// run is judged by: `--slo`'s share for clients who give up, `--timeout` for a closed
/// loop's requests (not the scenario's defaults).
#[test]
fn a_client_rule_runs_page_draws_the_objective_it_is_judged_by() {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("patient.html");
    let (code, _, err) = run(&[
        "run",
        "--patience",
        "10",
        "--slo",
        "p90 < 5s",
        "--report",
        page.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.contains("the objective, 90% under 5 s"), "{html}");
    assert!(!html.contains("the objective, 100%"), "{html}");

    let page = dir.path().join("closed.html");
    let (code, _, err) = run(&[
        "run",
        "--users",
        "3",
        "--think",
        "2",
        "--duration",
        "30",
        "--timeout",
        "2",
        "--report",
        page.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.contains("the objective, 100% under 2 s"), "{html}");
    assert!(!html.contains("under 5 s"), "{html}");
}
