//! Bad or surprising input through the real binary: every message names the problem and says
//! what is accepted, repeated settings are refused, lists and TOML arrays are accepted.

use crate::common::{assert_input_error, run, scenario_file};

fn fastfood() -> String {
    std::fs::read_to_string("data/fastfood.toml").unwrap()
}

#[test]
fn flag_messages_say_what_is_accepted() {
    let cases: &[(&[&str], &str)] = &[
        (
            &["optimize", "--max-configs", "0"],
            "'--max-configs <N>': must be at least 1",
        ),
        (
            &["run", "--seed", "-1"],
            "a whole number from 0 to 18446744073709551615",
        ),
        (
            &["run", "--rate", "-inf"],
            "'--rate <R>': must be a positive number",
        ),
        (&["run", "--timeout", "-inf"], "must be a positive number"),
        (
            &["optimize", "--target-rate", "-inf"],
            "must be a positive number",
        ),
        (&["run", "--period", "-inf"], "0 (all at once) or more"),
        (&["optimize", "--cpu-price", "-inf"], "finite price ≥ 0"),
    ];
    for (args, needle) in cases {
        assert_input_error(args, needle);
    }
}

#[test]
fn a_bare_planner_prints_a_short_usage() {
    let (code, out, err) = run(&[]);
    assert_eq!(code, 2);
    assert!(out.is_empty(), "{out}");
    assert_eq!(err.lines().count(), 3, "{err}");
    assert!(err.starts_with("usage: planner"), "{err}");
    assert!(err.contains("run, optimize, sweep, compare"), "{err}");
}

#[test]
fn a_range_may_mix_lists_and_ranges_or_be_a_toml_array() {
    let (code, out, err) = run(&["sweep", "--range", "burger.units=3..=5,8", "--csv", "-"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.lines().count(), 1 + 4 * 4 * 2, "{out}");

    for range in ["\"3..=5,8\"", "[3, 4, 5, 8]", "[8, 5, 4, 3]"] {
        let text = fastfood().replace("range = \"3..=8\"", &format!("range = {range}"));
        let (_dir, path) = scenario_file(&text);
        let (code, out, err) = run(&["--scenario", &path, "optimize"]);
        assert!(code <= 1, "{range}: {err}");
        assert!(out.contains("burger.units 3..=5,8 "), "{range}: {out}");
    }
    // A malformed one says which forms are accepted.
    assert_input_error(
        &["optimize", "--range", "burger.units=3..=5;8"],
        "a mix such as 1..=4,6",
    );
    let text = fastfood().replace("range = \"3..=8\"", "range = [3, 0]");
    let (_dir, path) = scenario_file(&text);
    assert_input_error(&["--scenario", &path, "run"], "at least 1");
}

#[test]
fn scenario_errors_point_at_the_problem_and_say_it() {
    // A control character in a comment: the message says so, at its line and column.
    let (_dir, path) = scenario_file("# a\u{1}\nname = \"x\"\n");
    assert_input_error(
        &["--scenario", &path, "run"],
        &format!("{path}:1:4: control character U+0001"),
    );
    // A bad scenario name: pointed at where it is written, not at 1:1.
    let text = fastfood().replace("name = \"fastfood\"", "name = \"fast food\"");
    let line = text.lines().position(|l| l.contains("fast food")).unwrap() + 1;
    let (_dir, path) = scenario_file(&text);
    assert_input_error(
        &["--scenario", &path, "run"],
        &format!("{path}:{line}:8: scenario name `fast food`"),
    );
    // English: "an exponential".
    let text = fastfood().replace(
        "unit = \"cook\"",
        "unit = \"cook\"\ndistribution = \"exponential\"\ncv = 1",
    );
    let (_dir, path) = scenario_file(&text);
    assert_input_error(
        &["--scenario", &path, "run"],
        "an exponential (cv 1) distribution takes no `cv`",
    );
}

#[test]
fn a_huge_space_is_refused_in_a_short_line() {
    let mut text = String::from("name = \"big\"\n");
    for i in 0..1000 {
        text.push_str(&format!(
            "[[station]]\nname = \"s{i}\"\nkind = \"pool\"\nservice = 1.0\nunits = 1\nrange = \"1,2\"\n"
        ));
    }
    let (_dir, path) = scenario_file(&text);
    let (code, _, err) = run(&["--scenario", &path, "sweep"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("more than 10^30 configurations"), "{err}");
    assert!(err.contains("(1000 levers in all)"), "{err}");
    assert!(err.len() < 400, "{} bytes: {err}", err.len());
}

#[test]
fn a_lever_given_twice_is_refused() {
    assert_input_error(
        &["run", "--set", "soda.units=2", "--set", "soda.units=3"],
        "`soda.units` is given twice (`soda.units=2` and `soda.units=3`)",
    );
    assert_input_error(
        &[
            "sweep",
            "--range",
            "burger.units=3..=5",
            "--range",
            "burger.units=4,6",
        ],
        "`burger.units` is given twice",
    );
    assert_input_error(
        &["compare", "--strategy", "x=fries.batch=7,fries.batch=5"],
        "strategy `x`: `fries.batch` is given twice",
    );
    let text = fastfood().replace(
        "\"+1 cook\" = \"burger.units=4\"",
        "\"+1 cook\" = \"burger.units=4,burger.units=5\"",
    );
    let (_dir, path) = scenario_file(&text);
    assert_input_error(
        &["--scenario", &path, "run"],
        "`burger.units` is given twice",
    );
}

#[test]
fn no_seed_jargon_in_the_help_or_the_scenario() {
    let (_, help, _) = run(&["run", "--help"]);
    assert!(help.contains("the tutorial's"), "{help}");
    for text in [help, fastfood(), run(&["--help"]).1] {
        assert!(!text.contains("seed's"), "{text}");
        assert!(!text.contains("shared/seeds"), "{text}");
    }
}

#[test]
fn the_help_and_the_readme_say_what_planner_plans_today() {
    let (_, help, _) = run(&["--help"]);
    let readme = std::fs::read_to_string("README.md").unwrap();
    let package = std::fs::read_to_string("Cargo.toml").unwrap();
    let opening = readme.split("\n\n").nth(1).unwrap();
    for text in [&help, &readme, &package] {
        assert!(!text.contains("fans out to synchronous backends"), "{text}");
        assert!(!text.contains("fan-out service"), "{text}");
    }
    for text in [&help, opening] {
        let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
        for words in [
            "pools",
            "batch caches",
            "classes",
            "closed",
            "give up and",
            "objective",
        ] {
            assert!(text.contains(words), "`{words}` not in: {text}");
        }
    }
}

/// The `rate` column of `compare --csv -`, one value per row.
fn compared_rates(args: &[&str]) -> Vec<f64> {
    let (code, out, err) = run(args);
    assert_eq!(code, 0, "{err}");
    let (header, rows) = crate::common::parse_csv(&out);
    let col = header.iter().position(|h| h == "rate").unwrap();
    // The CSV's rate is 1 / period: 3400 comes back as 3400.0000000000005.
    rows.iter()
        .map(|r| {
            let v: f64 = r[col].parse().unwrap();
            (v * 1e6).round() / 1e6
        })
        .collect()
}

#[test]
fn compare_tests_rates_around_the_scenarios_own_rate() {
    // fanout.toml's rate is 3000 requests/s: 25 % to 150 % of it, not the fast food's 0.5..=3.
    let api = compared_rates(&[
        "--scenario",
        "data/fanout.toml",
        "compare",
        "--only",
        "--strategy",
        "b=",
        "--csv",
        "-",
    ]);
    assert_eq!(
        api,
        [750.0, 1100.0, 1500.0, 1900.0, 2300.0, 2600.0, 3000.0, 3400.0, 3800.0, 4100.0, 4500.0]
    );
    // --target-rate moves the spread with it.
    let fast = compared_rates(&[
        "compare",
        "--only",
        "--strategy",
        "b=",
        "--target-rate",
        "4",
        "--csv",
        "-",
    ]);
    assert_eq!(fast.len(), 11);
    assert_eq!((fast[0], fast[6], fast[10]), (1.0, 4.0, 6.0));
    // Given rates are kept as given.
    let given = compared_rates(&[
        "compare",
        "--only",
        "--strategy",
        "b=",
        "--rates",
        "1,2",
        "--csv",
        "-",
    ]);
    assert_eq!(given, [1.0, 2.0]);
}

#[test]
fn compare_with_every_strategy_left_out_is_refused() {
    assert_input_error(
        &[
            "compare",
            "--only",
            "--strategy",
            "x=optimize",
            "--target-rate",
            "100",
        ],
        "no strategy left to compare: strategy `x`",
    );
    // With something left, the one left out is a note and the table is printed.
    let (code, out, err) = run(&[
        "compare",
        "--strategy",
        "x=optimize",
        "--target-rate",
        "100",
        "--rates",
        "1",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("note: strategies `cheapest`, `x` left out"),
        "{err}"
    );
    assert!(out.contains("baseline"), "{out}");
}

#[test]
fn a_range_without_the_baseline_value_is_warned_about() {
    let (code, out, err) = run(&["optimize", "--range", "soda.units=2..=4"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("space: soda.units 2..=4 "), "{out}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with(
            "warning: the search space leaves out the baseline's soda.units=1 (range 2..=4)"
        ),
        "{err}"
    );
    // From the scenario file too, and for every lever concerned, on one line.
    let text = fastfood()
        .replace("range = \"3..=8\"", "range = \"4..=8\"")
        .replace("range = \"5,7\"", "range = [7]");
    let (_dir, path) = scenario_file(&text);
    let (code, _, err) = run(&["--scenario", &path, "sweep", "--csv", "-"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("burger.units=3 (range 4..=8) and fries.batch=5 (range 7)"),
        "{err}"
    );
    // A space that holds the baseline says nothing.
    let (code, _, err) = run(&["optimize", "--range", "soda.units=1,3"]);
    assert_eq!(code, 0);
    assert!(err.is_empty(), "{err}");
}

#[test]
fn seed_and_replications_on_a_deterministic_test_are_noted() {
    let (code, plain, err) = run(&["run"]);
    assert_eq!(code, 0);
    assert!(err.is_empty(), "{err}");
    let (code, out, err) = run(&["run", "--seed", "7", "--replications", "5"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, plain, "the flags changed the result");
    assert_eq!(
        err.trim_end(),
        "note: fastfood's load test has nothing random (fixed arrivals, fixed service times): --seed and --replications change nothing"
    );
    let (code, _, err) = run(&["optimize", "--seed", "7"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains(": --seed changes nothing"), "{err}");
    // Where something is random they matter, and nothing is noted.
    let (code, _, err) = run(&[
        "run",
        "--arrivals",
        "poisson",
        "--seed",
        "7",
        "--replications",
        "3",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(err.is_empty(), "{err}");
}

/// Runs `planner ARGS` with the memory it may use set to `limit`.
fn run_with_memory(limit: &str, threads: &str, args: &[&str]) -> (i32, String, String) {
    let out = crate::common::planner()
        .env("PLANNER_MEMORY_LIMIT", limit)
        .env("RAYON_NUM_THREADS", threads)
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn a_test_bigger_than_memory_is_refused_before_it_starts() {
    // The runs that fit write their rows to a file of the test's own (never to the
    // machine's /dev/null: a regression in the output code would replace it).
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("clients.csv");
    let csv = csv.to_str().unwrap();
    let started = std::time::Instant::now();
    let (code, out, err) = run_with_memory(
        "1G",
        "2",
        &["run", "--clients", "10000000", "--period", "0"],
    );
    assert_eq!(code, 2, "{err}");
    assert!(out.is_empty(), "{out}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with("error: this load test needs about 4.0 GiB"),
        "{err}"
    );
    assert!(err.contains("GiB of memory (10000000 clients)"), "{err}");
    assert!(
        err.contains("more than the 1.0 GiB available (PLANNER_MEMORY_LIMIT)"),
        "{err}"
    );
    assert!(err.contains("lower --clients to "), "{err}");
    // Refused up front, not after simulating.
    assert!(started.elapsed().as_secs() < 2);

    // The suggested count fits (under a small limit, to keep the test fast).
    let args = ["run", "--clients", "1000000", "--period", "0", "--csv", csv];
    let (code, _, err) = run_with_memory("64M", "2", &args);
    assert_eq!(code, 2, "{err}");
    let fit = err
        .split("lower --clients to ")
        .nth(1)
        .and_then(|t| t.split_whitespace().next())
        .unwrap()
        .to_string();
    let fit_n: u64 = fit.parse().unwrap();
    // About 400 B per waiting client (the engine's own executor) in 64 MiB less the base.
    assert!((50_000..200_000).contains(&fit_n), "{err}");
    let (code, _, err) = run_with_memory(
        "64M",
        "2",
        &["run", "--clients", &fit, "--period", "0", "--csv", csv],
    );
    assert_eq!(code, 0, "{err}");
    let more = (fit_n + 1000).to_string();
    let (code, _, _) = run_with_memory(
        "64M",
        "2",
        &["run", "--clients", &more, "--period", "0", "--csv", csv],
    );
    assert_eq!(code, 2);

    // A search multiplies by the tests running at once.
    let (code, _, err) = run_with_memory("1G", "2", &["sweep", "--clients", "10000000"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("2 simulations at once"), "{err}");
    assert!(err.contains("RAYON_NUM_THREADS"), "{err}");
    let (code, _, err) = run_with_memory("1G", "2", &["compare", "--clients", "10000000"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("needs about"), "{err}");

    // A small test under the same limit runs.
    let (code, _, err) = run_with_memory("1G", "2", &["optimize"]);
    assert_eq!(code, 0, "{err}");
    // A limit that is not a size is refused.
    let (code, _, err) = run_with_memory("lots", "2", &["run"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("PLANNER_MEMORY_LIMIT=`lots` is not a size"),
        "{err}"
    );
}

#[test]
fn a_missing_required_flag_is_named_on_the_one_line() {
    crate::common::assert_input_error(
        &["run", "--replay-speed", "2"],
        "the following required arguments were not provided: --replay",
    );
}
