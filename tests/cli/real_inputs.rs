//! Real-world inputs: load stages, trace replay, measured service times, durations with
//! units, objectives in words, and a refusal for each kind of bad input.

use serde_json::Value;

use crate::common::{assert_input_error, json_met as json, parse_csv, planner, run, scenario_file};

/// `run … --csv -`: the (arrival_s, latency_s) of every client.
fn clients_of(args: &[&str]) -> Vec<(f64, f64)> {
    let mut all = args.to_vec();
    all.extend(["--csv", "-"]);
    let (code, out, err) = run(&all);
    assert_eq!(code, 0, "{all:?}: {err}");
    let (header, rows) = parse_csv(&out);
    assert_eq!(header[1..3], ["arrival_s", "latency_s"]);
    rows.iter()
        .map(|r| (r[1].parse().unwrap(), r[2].parse().unwrap()))
        .collect()
}

/// One pool station with more units than clients: every latency is a service time drawn.
fn no_queue_scenario(service_lines: &str) -> String {
    format!(
        "name = \"draws\"\nresolution = 0.0001\n[load]\nclients = 10\n\
         [[station]]\nname = \"db\"\nkind = \"pool\"\nunits = 100000\n{service_lines}\n"
    )
}

#[test]
fn a_ramp_is_due_exactly_where_the_expected_count_reaches_each_client() {
    // 0 → 2/s over 10 s: Λ(t) = t²/10, so client i is due at √(10 (i − 1)); then 2/s.
    let due = clients_of(&["run", "--rate", "0", "--stage", "10s:2", "--stage", "10s:2"]);
    assert_eq!(due.len(), 30, "10 clients in the ramp, 20 at 2/s");
    for (i, &(t, _)) in due.iter().enumerate() {
        let want = if i < 10 {
            (10.0 * i as f64).sqrt()
        } else {
            10.0 + 0.5 * (i - 10) as f64
        };
        assert!(
            (t - want).abs() <= 0.0005,
            "client {}: {t} vs {want}",
            i + 1
        );
    }
    // A constant rate over a duration: exactly rate × duration clients at 0, 1/R, 2/R…
    let due = clients_of(&["run", "--rate", "4", "--stage", "5s:4"]);
    assert_eq!(due.len(), 20);
    assert!(due
        .iter()
        .enumerate()
        .all(|(i, &(t, _))| (t - i as f64 * 0.25).abs() < 1e-9));
}

#[test]
fn scenario_stages_use_units_and_may_start_at_zero() {
    let text = std::fs::read_to_string("data/fastfood.toml")
        .unwrap()
        .replace(
        "[load]\n",
        "[load]\nstages = [{ duration = \"10s\", target = 2 }, { duration = 10, target = 2 }]\n",
    );
    let text = text
        .lines()
        .filter(|l| !l.starts_with("clients =") && !l.starts_with("rate ="))
        .collect::<Vec<_>>()
        .join("\n");
    let (_dir, path) = scenario_file(&text);
    let from_file = clients_of(&["--scenario", &path, "run"]);
    let from_flags = clients_of(&["run", "--stage", "10s:2", "--stage", "10s:2"]);
    assert_eq!(from_file, from_flags);
    // An explicit --rate on the command line replaces the file's stages by a constant load.
    assert_eq!(
        clients_of(&["--scenario", &path, "run", "--rate", "1", "--clients", "3"]).len(),
        3
    );
}

#[test]
fn poisson_stages_bring_the_expected_count_on_average() {
    // 0 → 10/s over 30 s: Λ = 150 clients expected.
    let seeds = 40;
    let mut total = 0u64;
    let mut counts = std::collections::BTreeSet::new();
    for seed in 0..seeds {
        let doc = json(&[
            "run",
            "--arrivals",
            "poisson",
            "--stage",
            "30s:10",
            "--seed",
            &seed.to_string(),
            "--replications",
            "1",
            "--format",
            "json",
        ]);
        let n = doc["summary"]["clients"].as_u64().unwrap();
        counts.insert(n);
        total += n;
    }
    let mean = total as f64 / seeds as f64;
    let sd_of_mean = (150.0 / seeds as f64).sqrt();
    assert!((mean - 150.0).abs() < 4.0 * sd_of_mean, "mean {mean}");
    assert!(
        counts.len() > 5,
        "the count varies with the seed: {counts:?}"
    );
}

#[test]
fn a_replay_at_twice_the_speed_halves_every_gap() {
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("t.csv");
    std::fs::write(&trace, "time\n100\n101\n101\n104.5\n").unwrap();
    let t = trace.to_str().unwrap();
    let at = |args: &[&str]| -> Vec<f64> { clients_of(args).iter().map(|c| c.0).collect() };
    assert_eq!(at(&["run", "--replay", t]), vec![0.0, 1.0, 1.0, 4.5]);
    assert_eq!(
        at(&["run", "--replay", t, "--replay-speed", "2"]),
        vec![0.0, 0.5, 0.5, 2.25]
    );
    // Timestamps, out of order: sorted, and said so on stderr.
    std::fs::write(
        &trace,
        "time\n2026-11-27T09:00:02Z\n2026-11-27T09:00:00.5Z\n2026-11-27T10:00:01+01:00\n",
    )
    .unwrap();
    let (code, out, err) = run(&["run", "--replay", t, "--csv", "-"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("not in time order"), "{err}");
    let (_, rows) = parse_csv(&out);
    let due: Vec<&str> = rows.iter().map(|r| r[1].as_str()).collect();
    assert_eq!(due, ["0.000", "0.500", "1.500"]);
}

#[test]
fn empirical_draws_are_the_samples_with_their_mean() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("db.csv"),
        "seconds\n0.010\n0.020\n0.030\n0.040\n",
    )
    .unwrap();
    let path = dir.path().join("s.toml");
    std::fs::write(
        &path,
        no_queue_scenario("distribution = \"empirical\"\nsamples = \"db.csv\""),
    )
    .unwrap();
    let latencies: Vec<f64> = clients_of(&[
        "--scenario",
        path.to_str().unwrap(),
        "run",
        "--clients",
        "4000",
        "--rate",
        "1000",
        "--replications",
        "1",
    ])
    .iter()
    .map(|c| c.1)
    .collect();
    for &l in &latencies {
        assert!(
            [0.01, 0.02, 0.03, 0.04]
                .iter()
                .any(|v| (l - v).abs() < 1e-9),
            "{l} is not a sample"
        );
    }
    let n = latencies.len() as f64;
    let mean = latencies.iter().sum::<f64>() / n;
    assert!((mean - 0.025).abs() < 0.001, "mean {mean}");
    for v in [0.01, 0.02, 0.03, 0.04] {
        let share = latencies.iter().filter(|&&l| (l - v).abs() < 1e-9).count() as f64 / n;
        assert!((share - 0.25).abs() < 0.03, "{v}: {share}");
    }
}

#[test]
fn percentiles_fit_a_lognormal_through_both() {
    let (_dir, path) = scenario_file(&no_queue_scenario(
        "service = { p50 = \"20ms\", p99 = \"200ms\" }",
    ));
    let mut latencies: Vec<f64> = clients_of(&[
        "--scenario",
        &path,
        "run",
        "--clients",
        "40000",
        "--rate",
        "1000",
        "--replications",
        "1",
    ])
    .iter()
    .map(|c| c.1)
    .collect();
    latencies.sort_by(f64::total_cmp);
    let q = |p: f64| latencies[(p * latencies.len() as f64) as usize];
    assert!((q(0.50) / 0.020 - 1.0).abs() < 0.04, "p50 {}", q(0.5));
    assert!((q(0.99) / 0.200 - 1.0).abs() < 0.10, "p99 {}", q(0.99));
}

#[test]
fn every_duration_form_reads_as_seconds() {
    for (text, seconds) in [
        ("2", 2.0),
        ("0.5", 0.5),
        ("250us", 0.00025),
        ("250µs", 0.00025),
        ("300ms", 0.3),
        ("1.5s", 1.5),
        ("2m", 120.0),
        ("1h", 3600.0),
    ] {
        let doc = json(&["run", "--timeout", text, "--format", "json"]);
        let got = doc["load"]["timeout_s"].as_f64().unwrap();
        assert!((got - seconds).abs() < 1e-12, "{text}: {got}");
    }
    let doc = json(&["run", "--period", "250ms", "--format", "json"]);
    assert_eq!(doc["load"]["period_s"], 0.25);
    // In a scenario file too, service times and the timeout.
    let text = std::fs::read_to_string("data/fastfood.toml")
        .unwrap()
        .replace("service = 3.0", "service = \"3000ms\"")
        .replace("timeout = 5.0", "timeout = \"5s\"");
    let (_dir, path) = scenario_file(&text);
    let (code, a, err) = run(&["--scenario", &path, "run", "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let (_, b, _) = run(&["run", "--format", "json"]);
    let strip = |s: &str| {
        s.replace(&path, "")
            .replace("data/fastfood.toml (embedded)", "")
    };
    let (a, b): (Value, Value) = (
        serde_json::from_str(&strip(&a)).unwrap(),
        serde_json::from_str(&strip(&b)).unwrap(),
    );
    assert_eq!(a["summary"], b["summary"]);
    assert_eq!(a["load"], b["load"]);
}

#[test]
fn an_slo_in_words_is_a_timeout_and_a_share() {
    let words = run(&["optimize", "--slo", "p90 < 5s", "--format", "json"]);
    let flags = run(&[
        "optimize",
        "--timeout",
        "5",
        "--min-satisfaction",
        "90",
        "--format",
        "json",
    ]);
    assert_eq!(words.0, flags.0);
    assert_eq!(words.1, flags.1);
    let max = run(&["optimize", "--slo", "max < 5s", "--format", "json"]);
    let all = run(&["optimize", "--timeout", "5", "--format", "json"]);
    assert_eq!(max.1, all.1);
    // Every report shows p99 next to p50 and p95.
    let (_, out, _) = run(&["run", "--period", "0.5"]);
    assert!(
        out.contains("p50 4.500 s   p95 7.500 s   p99 7.500 s"),
        "{out}"
    );
    let doc = json(&["run", "--format", "json"]);
    assert!(doc["summary"]["p99_s"].is_number());
}

#[test]
fn fit_prints_scenario_lines_the_scenario_parser_accepts() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy("data/db-latency.csv", dir.path().join("db.csv")).unwrap();
    let out = planner()
        .current_dir(dir.path())
        .args(["fit", "db.csv", "--format", "json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["samples"], 400);
    let (p50, p99) = (
        doc["p50_s"].as_f64().unwrap(),
        doc["p99_s"].as_f64().unwrap(),
    );
    assert!(p50 > 0.01 && p50 < 0.04 && p99 > 0.1 && p99 < 0.4, "{doc}");
    let candidates = doc["candidates"].as_array().unwrap();
    let models: Vec<&str> = candidates
        .iter()
        .map(|c| c["model"].as_str().unwrap())
        .collect();
    assert_eq!(
        models,
        [
            "fixed",
            "exponential",
            "lognormal",
            "lognormal through p50 and p99",
            "empirical"
        ]
    );
    // The means to 4 significant digits need a finer grid than the default millisecond.
    let resolution = doc["resolution_s"].as_f64().unwrap();
    assert_eq!(resolution, 1e-5);
    for c in candidates {
        let ks = c["ks_distance"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&ks));
        let lines: Vec<&str> = c["scenario_lines"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l.as_str().unwrap())
            .collect();
        let text = format!(
            "name = \"fitted\"\nresolution = {resolution}\n[[station]]\nname = \"db\"\nkind = \"pool\"\nunits = 2\n{}\n",
            lines.join("\n")
        );
        let path = dir.path().join("s.toml");
        std::fs::write(&path, text).unwrap();
        let (code, _, err) = run(&[
            "--scenario",
            path.to_str().unwrap(),
            "run",
            "--replications",
            "2",
        ]);
        assert_eq!(code, 0, "{} lines {lines:?}: {err}", c["model"]);
    }
    // The log-normal fits these samples better than a fixed time.
    assert!(candidates[2]["ks_distance"].as_f64() < candidates[0]["ks_distance"].as_f64());
}

#[test]
fn bad_real_world_inputs_are_refused_in_one_line_and_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let file = |name: &str, text: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p.to_str().unwrap().to_string()
    };
    let no_time = file("no-time.csv", "when\n1\n2\n");
    let bad_row = file("bad-row.csv", "time\n1\n2\nsoon\n");
    let classes = file("classes.csv", "time,class\n0,browse\n1,buy\n");
    let empty = file("empty.csv", "seconds\n");
    let csv = dir.path().join("out.csv");
    let out = csv.to_str().unwrap();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["run", "--stage", "0s:2"], "more than 0"),
        (vec!["run", "--stage", "-5s:2"], "negative"),
        (vec!["run", "--stage", "10s:-1"], "≥ 0"),
        (vec!["run", "--stage", "10s"], "DURATION:TARGET"),
        (vec!["run", "--stage", "10s:0"], "no client"),
        (
            vec!["run", "--stage", "10s:2", "--clients", "5"],
            "cannot be used with",
        ),
        (vec!["run", "--rate", "0"], "greater than 0"),
        (vec!["run", "--replay", &no_time], "no `time` column"),
        (vec!["run", "--replay", &bad_row], "line 4"),
        (vec!["run", "--replay", &classes], "defines none"),
        (
            vec!["run", "--replay", &bad_row, "--replay-speed", "0"],
            "positive",
        ),
        (
            vec!["run", "--timeout", "5parsecs"],
            "unknown unit `parsecs`",
        ),
        (vec!["run", "--timeout", "-1s"], "negative"),
        (vec!["run", "--period", "2weeks"], "unknown unit"),
        (vec!["run", "--slo", "mean < 1s"], "mean objective"),
        (vec!["run", "--slo", "p99 300ms"], "not an objective"),
        (
            vec!["run", "--slo", "p99 < 1s", "--timeout", "2"],
            "cannot be used with",
        ),
        (
            vec!["optimize", "--slo", "p99 < 1s", "--min-satisfaction", "90"],
            "give one",
        ),
        (vec!["fit", &empty], "no sample"),
    ];
    for (mut args, needle) in cases {
        if args[0] == "run" {
            args.extend(["--csv", out]);
        }
        assert_input_error(&args, needle);
        assert!(!csv.exists(), "{args:?} wrote {out}");
    }
    // Scenario files: each names its line.
    let base = std::fs::read_to_string("data/fastfood.toml").unwrap();
    let stages = |s: &str| {
        base.replace("[load]\n", &format!("[load]\nstages = {s}\n"))
            .lines()
            .filter(|l| !l.starts_with("clients ="))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let empty_samples = dir.path().join("none.csv");
    std::fs::write(&empty_samples, "").unwrap();
    let texts: Vec<(String, &str)> = vec![
        (
            stages("[{ duration = \"0s\", target = 2 }]"),
            "duration must be more than 0",
        ),
        (stages("[{ duration = \"-1m\", target = 2 }]"), "negative"),
        (
            stages("[{ duration = \"1m\", target = -2 }]"),
            "target must be a rate ≥ 0",
        ),
        (
            stages("[{ duration = \"1x\", target = 2 }]"),
            "unknown unit `x`",
        ),
        (
            base.replace(
                "[load]\n",
                "[load]\nstages = [{ duration = \"1m\", target = 2 }]\n",
            ),
            "cannot be used with load.stages",
        ),
        (
            base.replace("service = 3.0", "service = { p50 = \"3s\", p99 = \"2s\" }"),
            "must be greater than p50",
        ),
        (
            base.replace("service = 3.0", "service = { p50 = \"3s\", p99 = \"3s\" }"),
            "must be greater than p50",
        ),
        (
            base.replace(
                "service = 3.0",
                &format!(
                    "distribution = \"empirical\"\nsamples = \"{}\"",
                    empty_samples.display()
                ),
            ),
            "no sample",
        ),
        (
            base.replace("timeout = 5.0", "timeout = \"5 fortnights\""),
            "unknown unit",
        ),
        (
            base.replace("[load]\n", "[load]\narrivals = \"bursty\"\n"),
            "unknown variant",
        ),
    ];
    for (text, needle) in texts {
        let (_d, path) = scenario_file(&text);
        assert_input_error(&["--scenario", &path, "run", "--csv", out], needle);
        assert!(!csv.exists());
    }
}

#[test]
fn latencies_show_in_a_readable_unit_and_files_stay_in_seconds() {
    let (_, out, _) = run(&["run", "--period", "0.5", "--unit", "ms"]);
    assert!(
        out.contains("p50 4500 ms   p95 7500 ms   p99 7500 ms   max 7500 ms   headroom -2500 ms"),
        "{out}"
    );
    assert!(out.contains("latency (ms)"), "{out}");
    // auto: the timeout of 300 ms puts latencies in ms, with the resolution's decimals.
    let (_, out, _) = run(&["run", "--period", "0.5", "--timeout", "300ms"]);
    assert!(out.contains("timeout 300 ms"), "{out}");
    assert!(out.contains("p50 4500 ms"), "{out}");
    let (_, out, _) = run(&["--scenario", "data/fanout.toml", "run", "--unit", "us"]);
    assert!(out.contains("latency (µs)"), "{out}");
    let (_, out, _) = run(&["--scenario", "data/fanout.toml", "run"]);
    assert!(out.contains("latency (ms)"), "{out}");
    assert!(out.contains(" ms   p95 "), "{out}");
    // CSV and JSON keep seconds whatever the unit.
    let (_, csv, _) = run(&["run", "--period", "0.5", "--unit", "us", "--csv", "-"]);
    let (_, rows) = parse_csv(&csv);
    assert_eq!(rows[0][2], "4.000");
    let doc = json(&["run", "--period", "0.5", "--unit", "ms", "--format", "json"]);
    assert_eq!(doc["summary"]["p50_s"], 4.5);
}

#[test]
fn a_staged_run_plots_arrivals_and_latency_over_time() {
    let (code, svg, err) = run(&["run", "--stage", "10s:2", "--stage", "10s:2", "--plot", "-"]);
    assert_eq!(code, 0, "{err}");
    assert!(svg.starts_with("<svg"), "{svg}");
    // A ramp is about the rate over time: the dashboard, even for 30 clients.
    for words in [
        "Arrivals per second",
        "Latency by due time",
        "p50",
        "p99",
        "timeout 5 s",
    ] {
        assert!(svg.contains(words), "{words} missing");
    }
    // A constant rate of 10 clients keeps the per-client timeline.
    let (_, svg, _) = run(&["run", "--plot", "-"]);
    assert!(!svg.contains("Arrivals per second"));
}

#[test]
fn a_scenario_states_its_objective_in_words() {
    let base = std::fs::read_to_string("data/fastfood.toml").unwrap();
    let (_d, path) = scenario_file(&base.replace("timeout = 5.0", "slo = \"p90 < 5s\""));
    let from_file = run(&["--scenario", &path, "optimize", "--format", "json"]);
    let from_flags = run(&["optimize", "--slo", "p90 < 5s", "--format", "json"]);
    assert_eq!(from_file.0, from_flags.0);
    let strip = |s: &str| -> Value {
        let mut v: Value = serde_json::from_str(s).unwrap();
        v.as_object_mut().unwrap().remove("scenario_file");
        v
    };
    let (file, flags) = (strip(&from_file.1), strip(&from_flags.1));
    assert_eq!(file["answer"], flags["answer"]);
    assert_eq!(file["target"], flags["target"]);
    assert_eq!(file["target"]["min_satisfaction"], 90.0);
    let (_d, path) =
        scenario_file(&base.replace("timeout = 5.0", "timeout = 5.0\nslo = \"p99 < 1s\""));
    assert_input_error(&["--scenario", &path, "run"], "give one");
    let (_d, path) = scenario_file(&base.replace("timeout = 5.0", "slo = \"mean < 1s\""));
    assert_input_error(&["--scenario", &path, "run"], "mean objective");
}

#[test]
fn no_output_replaces_a_trace_or_a_samples_file() {
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("t.csv");
    std::fs::write(&trace, "time\n0\n1\n").unwrap();
    let t = trace.to_str().unwrap();
    assert_input_error(
        &["run", "--replay", t, "--csv", t],
        "would overwrite the trace",
    );
    assert_eq!(std::fs::read_to_string(&trace).unwrap(), "time\n0\n1\n");
    let samples = dir.path().join("db.csv");
    std::fs::write(&samples, "0.01\n0.02\n").unwrap();
    let scenario = dir.path().join("s.toml");
    std::fs::write(
        &scenario,
        no_queue_scenario("distribution = \"empirical\"\nsamples = \"db.csv\""),
    )
    .unwrap();
    assert_input_error(
        &[
            "--scenario",
            scenario.to_str().unwrap(),
            "run",
            "--csv",
            samples.to_str().unwrap(),
        ],
        "would overwrite the samples file",
    );
    assert_eq!(std::fs::read_to_string(&samples).unwrap(), "0.01\n0.02\n");
}

#[test]
fn a_replication_with_no_client_past_the_warmup_is_summarised_not_a_panic() {
    // 20 s ramping to 1/s: about 10 Poisson clients, so some of 30 replications bring no more
    // than the 5 warm-up clients and leave nothing to measure.
    let (code, out, err) = run(&[
        "run",
        "--arrivals",
        "poisson",
        "--rate",
        "0",
        "--stage",
        "20s:1",
        "--warmup",
        "5",
        "--replications",
        "30",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(out.contains("over 30 replications"), "{out}");
}
