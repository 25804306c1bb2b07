//! A scenario whose `[load]` describes a closed loop (`users`, `think`, `think_distribution`,
//! `duration`): the same runs as the flags, overridable, refused when half-given.

use crate::common::{assert_input_error, run, scenario_file};

const MM1: &str = include_str!("../../data/mm1.toml");

/// data/mm1.toml with extra `[load]` lines.
fn mm1_with(load_lines: &str) -> String {
    MM1.replace("rate = 0.5\n", &format!("rate = 0.5\n{load_lines}"))
}

fn stdout_of(args: &[&str]) -> String {
    let (code, out, err) = run(args);
    assert!(code == 0 || code == 1, "{args:?}: exit {code}: {err}");
    out
}

#[test]
fn a_scenario_loop_runs_as_its_flags_would() {
    let text = mm1_with(
        "users = 5\nthink = \"4s\"\nthink_distribution = \"exponential\"\nduration = \"200s\"\n",
    );
    let (_dir, file) = scenario_file(&text);
    let from_file = stdout_of(&[
        "--scenario",
        &file,
        "run",
        "--replications",
        "3",
        "--format",
        "json",
    ]);
    let from_flags = stdout_of(&[
        "--scenario",
        &file,
        "run",
        "--users",
        "5",
        "--think",
        "4",
        "--think-distribution",
        "exponential",
        "--duration",
        "200",
        "--replications",
        "3",
        "--format",
        "json",
    ]);
    assert_eq!(from_file, from_flags);
    let doc: serde_json::Value = serde_json::from_str(&from_file).unwrap();
    assert!(doc["throughput"].as_f64().unwrap() > 0.0, "{doc}");

    // A flag overrides its part of the scenario's loop: more users, more requests.
    let more = stdout_of(&[
        "--scenario",
        &file,
        "run",
        "--users",
        "8",
        "--replications",
        "3",
        "--format",
        "json",
    ]);
    assert_ne!(more, from_file);
    assert!(more.contains("\"users\": 8"), "{more}");

    // An open-loop flag runs the open loop instead.
    let (code, out, err) = run(&[
        "--scenario",
        &file,
        "run",
        "--rate",
        "0.5",
        "--clients",
        "50",
    ]);
    assert!(code == 0 || code == 1, "{err}");
    assert!(out.contains("50 clients"), "{out}");
}

#[test]
fn a_search_on_a_scenario_loop_is_the_search_with_its_flags() {
    let text = mm1_with("users = 4\nthink = 2\nduration = 150\n");
    let (_dir, file) = scenario_file(&text);
    let common = [
        "--timeout",
        "10",
        "--min-satisfaction",
        "90",
        "--format",
        "json",
    ];
    let mut a = vec!["-q", "--scenario", &file, "optimize", "--replications", "2"];
    a.extend(common);
    let mut b = a.clone();
    b.extend(["--users", "4", "--think", "2", "--duration", "150"]);
    let (from_file, from_flags) = (stdout_of(&a), stdout_of(&b));
    assert_eq!(from_file, from_flags);
    assert!(from_file.contains("\"users\": 4"), "{from_file}");
}

#[test]
fn half_a_scenario_loop_is_refused() {
    for (lines, needle) in [
        (
            "think = 2\n",
            "load.think describes a closed loop: it needs load.users",
        ),
        ("duration = 100\n", "load.duration describes a closed loop"),
        (
            "think_distribution = \"exponential\"\n",
            "load.think_distribution describes a closed loop",
        ),
        ("users = 0\n", "load.users must be at least 1, got 0"),
        ("users = 3\nthink = -1\n", "`-1` is negative"),
        ("users = 3\nduration = 0\n", "greater than 0 seconds, got 0"),
        (
            "users = 3\nthink_distribution = \"normal\"\n",
            "unknown variant `normal`, expected `fixed` or `exponential`",
        ),
    ] {
        let (_dir, file) = scenario_file(&mm1_with(lines));
        assert_input_error(&["--scenario", &file, "run"], needle);
    }
}

#[test]
fn backoff_and_jitter_without_retries_are_refused() {
    for flags in [
        &["run", "--patience", "2", "--jitter"][..],
        &["run", "--patience", "2", "--backoff", "1"],
        &["optimize", "--patience", "2", "--jitter"],
    ] {
        assert_input_error(
            flags,
            "--backoff and --jitter shape retries: they need --patience and --retries",
        );
    }
    let (code, out, err) = run(&["-q", "run", "--patience", "2", "--retries", "1", "--jitter"]);
    assert!(code == 0 || code == 1, "{err}");
    assert!(out.contains("up to 1 retry (backoff 1 s, jitter)"), "{out}");
}

#[test]
fn client_rule_flags_that_would_do_nothing_are_refused_alike_in_run_and_the_searches() {
    for command in ["run", "optimize", "sweep"] {
        assert_input_error(
            &[command, "--retries", "0"],
            "--retries needs --patience: only a client that gives up retries",
        );
    }
    assert_input_error(
        &["run", "--users", "3", "--arrivals", "poisson"],
        "--users runs a closed loop: requests follow responses and think times, not --arrivals",
    );
    assert_input_error(
        &[
            "run",
            "--patience",
            "4",
            "--arrivals",
            "poisson",
            "--replications",
            "5",
        ],
        "--replications: a run of clients who give up or retry reports one replication",
    );
    for (lines, needle) in [
        (
            "users = 3\nstages = [{ duration = \"10s\", target = 1 }]\n",
            "load.stages describes arrivals at a rate, but load.users makes the default load a closed loop",
        ),
        ("users = 3\narrivals = \"poisson\"\n", "drop load.arrivals"),
        ("retries = 2\n", "load.retries shapes retries, but no client gives up"),
        ("backoff = \"1s\"\n", "load.backoff shapes retries, but no client gives up"),
    ] {
        // Stages decide the client count: the file's `clients` would be refused first.
        let text = mm1_with(lines).replace("clients = 20000\n", "");
        let (_dir, file) = scenario_file(&text);
        assert_input_error(&["--scenario", &file, "run"], needle);
    }
}

#[test]
fn a_closed_loop_says_that_the_scenarios_patience_does_not_apply_to_it() {
    let (_dir, file) = scenario_file(&mm1_with("users = 2\nduration = 50\npatience = 3\n"));
    let (code, out, err) = run(&["--scenario", &file, "run", "--replications", "2"]);
    assert!(code == 0 || code == 1, "{err}");
    assert!(out.contains("2 users"), "{out}");
    assert!(
        err.contains("the scenario's patience applies to open-loop runs only"),
        "{err}"
    );
    // An open-loop flag runs the open loop, where the patience does apply.
    let (code, out, err) = run(&[
        "--scenario",
        &file,
        "run",
        "--rate",
        "0.5",
        "--clients",
        "20",
    ]);
    assert!(code == 0 || code == 1, "{err}");
    assert!(out.contains("patience 3 s"), "{out}");
}

#[test]
fn merge_takes_the_unit_the_shards_were_run_with() {
    let dir = tempfile::tempdir().unwrap();
    let mut shards = Vec::new();
    for k in ["1/2", "2/2"] {
        let (code, out, err) = run(&[
            "-q", "optimize", "--unit", "ms", "--shard", k, "--format", "json",
        ]);
        assert_eq!(code, 0, "{err}");
        let path = dir.path().join(format!("s{}.json", &k[..1]));
        std::fs::write(&path, out).unwrap();
        shards.push(path.to_str().unwrap().to_string());
    }
    let (_, single, _) = run(&["-q", "optimize", "--unit", "ms"]);
    let (code, merged, err) = run(&["merge", "--unit", "ms", &shards[0], &shards[1]]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(merged, single);
    assert!(merged.contains("5000 ms"), "{merged}");
}

#[test]
fn a_closed_loop_that_never_gets_past_its_warmup_fails_rather_than_passes() {
    // One user making about 4 requests in 50 s: a warm-up of 10 leaves nothing to judge, and
    // an empty measure must not count as meeting the objective.
    let base = [
        "-q",
        "--scenario",
        "data/mm1.toml",
        "optimize",
        "--users",
        "1",
        "--think",
        "10",
        "--duration",
        "50",
        "--timeout",
        "10",
        "--replications",
        "2",
    ];
    let (code, out, err) = run(&[&base[..], &["--warmup", "10"]].concat());
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("none meets the target"), "{out}");
    assert!(out.contains("1 user thinking"), "{out}");
    let (code, out, err) = run(&[&base[..], &["--warmup", "1"]].concat());
    assert_eq!(code, 0, "{out}{err}");
    // `run` says why instead of printing an empty measure.
    assert_input_error(
        &["run", "--users", "5", "--think", "1", "--warmup", "100000"],
        "--warmup 100000 leaves no request to measure",
    );
}

#[test]
fn jittered_retries_use_the_seed_and_say_so() {
    let jitter = [
        "--patience",
        "4",
        "--retries",
        "3",
        "--backoff",
        "2",
        "--jitter",
    ];
    let csv = |seed: &str| {
        let (code, out, err) =
            run(&[&["-q", "run"][..], &jitter, &["--seed", seed, "--csv", "-"]].concat());
        assert!(code == 0 || code == 1, "{err}");
        assert!(!err.contains("changes nothing"), "{err}");
        out
    };
    assert_ne!(csv("1"), csv("2"), "the jitter is drawn from the seed");
    let (code, out, err) = run(&[
        &["-q", "sweep", "--format", "json"][..],
        &jitter,
        &["--seed", "7", "--replications", "3"],
    ]
    .concat());
    assert!(code == 0 || code == 1, "{err}");
    assert!(!err.contains("changes nothing"), "{err}");
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["target"]["seed"], 7, "{}", doc["target"]);
    assert_eq!(doc["target"]["replications"], 3, "{}", doc["target"]);
}
