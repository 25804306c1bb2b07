//! Poisson arrivals, random service times, replications and their confidence intervals.

use crate::common::{
    assert_input_error, parse_csv, run, same_with_one_and_two_threads, scenario_file,
};

fn arrivals(args: &[&str]) -> Vec<f64> {
    let mut all = args.to_vec();
    all.extend(["--csv", "-"]);
    let (code, out, err) = run(&all);
    assert_eq!(code, 0, "{err}");
    parse_csv(&out)
        .1
        .iter()
        .map(|r| r[1].parse().unwrap())
        .collect()
}

#[test]
fn poisson_gaps_average_one_over_the_rate() {
    let due = arrivals(&[
        "run",
        "--arrivals",
        "poisson",
        "--rate",
        "2",
        "--clients",
        "100000",
        "--replications",
        "1",
    ]);
    let mean_gap = (due[due.len() - 1] - due[0]) / (due.len() - 1) as f64;
    assert!((mean_gap - 0.5).abs() / 0.5 < 0.02, "mean gap {mean_gap}");
    // Not a metronome: gaps vary.
    let gaps: Vec<f64> = due.windows(2).map(|w| w[1] - w[0]).collect();
    assert!(gaps.iter().any(|&g| g > 1.0) && gaps.iter().any(|&g| g < 0.1));
}

#[test]
fn same_seed_same_output_other_seed_other_output() {
    let a = [
        "run",
        "--arrivals",
        "poisson",
        "--rate",
        "2",
        "--clients",
        "50",
        "--seed",
        "7",
        "--csv",
        "-",
    ];
    let (_, first, _) = run(&a);
    let (_, again, _) = run(&a);
    assert_eq!(first, again);
    let mut b = a;
    b[8] = "8";
    let (_, other, _) = run(&b);
    assert_ne!(first, other);
}

#[test]
fn random_searches_are_identical_with_one_and_two_threads() {
    let args = [
        "sweep",
        "--arrivals",
        "poisson",
        "--replications",
        "8",
        "--seed",
        "3",
        "--csv",
        "-",
    ];
    let out = same_with_one_and_two_threads(&args);
    let (header, rows) = parse_csv(std::str::from_utf8(&out).unwrap());
    let reps = header.iter().position(|h| h == "replications").unwrap();
    let low = header.iter().position(|h| h == "satisfaction_low").unwrap();
    let high = header
        .iter()
        .position(|h| h == "satisfaction_high")
        .unwrap();
    let sat = header.iter().position(|h| h == "satisfaction").unwrap();
    let verdict = header.iter().position(|h| h == "verdict").unwrap();
    for r in &rows {
        // Batches of 8 until the verdict is decided, up to 5 batches (the default budget).
        let n: u32 = r[reps].parse().unwrap();
        assert!(n.is_multiple_of(8) && (8..=40).contains(&n), "{r:?}");
        if n < 40 {
            assert_ne!(r[verdict], "too_close_to_call", "{r:?}");
        }

        let (l, m, h): (f64, f64, f64) = (
            r[low].parse().unwrap(),
            r[sat].parse().unwrap(),
            r[high].parse().unwrap(),
        );
        assert!(l <= m && m <= h, "{r:?}");
    }
}

#[test]
fn mm1_mean_latency_matches_the_formula() {
    // One exponential server of mean 1 s (μ = 1), Poisson arrivals λ = 0.5: 1/(μ − λ) = 2 s.
    let (code, out, err) = run(&[
        "--scenario",
        "data/mm1.toml",
        "run",
        "--arrivals",
        "poisson",
        "--rate",
        "0.5",
        "--clients",
        "20000",
        "--warmup",
        "2000",
        "--replications",
        "20",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    let mean = &doc["replications"]["spread"]["mean_s"];
    let (low, high) = (
        mean["low"].as_f64().unwrap(),
        mean["high"].as_f64().unwrap(),
    );
    assert!(
        low <= 2.0 && 2.0 <= high,
        "1/(μ − λ) = 2 s outside [{low}, {high}]"
    );
    assert!(
        high - low < 0.2,
        "interval too wide to mean anything: [{low}, {high}]"
    );
}

#[test]
fn optimize_meets_the_target_on_the_intervals_lower_bound() {
    let (code, out, _) = run(&[
        "optimize",
        "--arrivals",
        "poisson",
        "--min-satisfaction",
        "75",
        "--replications",
        "10",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{out}");
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    let low = doc["answer"]["spread"]["satisfaction"]["low"]
        .as_f64()
        .unwrap();
    assert!(low >= 75.0, "{low}");
    // Its mean is well above: the interval, not the mean, decides.
    let mean = doc["answer"]["spread"]["satisfaction"]["mean"]
        .as_f64()
        .unwrap();
    assert!(mean > low, "{mean} {low}");
}

#[test]
fn warmup_leaves_the_first_clients_out() {
    let (code, out, _) = run(&["run", "--period", "0.5", "--warmup", "5"]);
    assert_eq!(code, 0);
    // Clients 6–10 of the seed's 2/s test are all late: 0 of 5 counted.
    assert!(out.contains("satisfied 0/5"), "{out}");
    assert!(out.contains("warmup"), "{out}");
}

fn scenario_with(station_extra: &str) -> (tempfile::TempDir, String) {
    let text = std::fs::read_to_string("data/fastfood.toml")
        .unwrap()
        .replace(
            "unit = \"cook\"",
            &format!("unit = \"cook\"\n{station_extra}"),
        );
    scenario_file(&text)
}

#[test]
fn service_distributions_are_read_and_checked() {
    let (_d, ok) = scenario_with("distribution = \"lognormal\"\ncv = 0.5");
    let (code, out, err) = run(&["--scenario", &ok, "run", "--replications", "5"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("over 5 replications"), "{out}");
    let bad: &[(&str, &str)] = &[
        ("distribution = \"weibull\"", "unknown variant `weibull`"),
        (
            "distribution = \"uniform\"\ncv = -0.5",
            "cv must be a finite number ≥ 0",
        ),
        ("distribution = \"uniform\"\ncv = 0.9", "at most 0.577"),
        (
            "distribution = \"lognormal\"\ncv = 1e200",
            "cv must be at most 100",
        ),
        ("distribution = \"lognormal\"", "needs `cv`"),
        ("distribution = \"exponential\"\ncv = 0.3", "takes no `cv`"),
    ];
    for (extra, words) in bad {
        let (_d, path) = scenario_with(extra);
        assert_input_error(&["--scenario", &path, "run"], words);
    }
}

#[test]
fn bad_random_input_exits_2() {
    let cases: &[(&[&str], &str)] = &[
        (&["run", "--replications", "0"], "--replications"),
        (&["run", "--replications", "100001"], "--replications"),
        (&["run", "--warmup", "10"], "leaves no client"),
        (
            &["optimize", "--warmup", "12", "--clients", "12"],
            "leaves no client",
        ),
        (&["run", "--arrivals", "gamma"], "--arrivals"),
        (
            &["run", "--arrivals", "poisson", "--period", "0"],
            "need a rate",
        ),
        (&["run", "--seed", "-1"], "--seed"),
    ];
    for (args, needle) in cases {
        assert_input_error(args, needle);
    }
}
