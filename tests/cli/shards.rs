//! `--shard K/N`, `--resume` and `planner merge`: shards run as separate processes of the
//! real binary, in an order other than theirs, merge into exactly the single run's result.

use crate::common::{assert_input_error, planner, run};

/// Shard counts the issue names: one, the smallest split, an odd one, more shards than some
/// parts have configurations to spare.
pub(crate) const COUNTS: [u32; 4] = [1, 2, 3, 7];

/// The load tests: fixed arrivals, and Poisson with replications (random, seeded).
pub(crate) const LOADS: [&[&str]; 2] = [
    &["--target-rate", "2", "--timeout", "5"],
    &[
        "--target-rate",
        "1.5",
        "--timeout",
        "6",
        "--arrivals",
        "poisson",
        "--replications",
        "3",
        "--seed",
        "7",
    ],
];

fn ok(args: &[String]) -> (String, String) {
    let (code, out, err) = run(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(code == 0 || code == 1, "{args:?}: exit {code}: {err}");
    (out, err)
}

fn strings(args: &[&str]) -> Vec<String> {
    args.iter().map(|s| s.to_string()).collect()
}

/// Shards 1..=n in the order they are run: last first, so no shard runs in its own place.
fn run_order(n: u32) -> Vec<u32> {
    (1..=n).rev().collect()
}

/// The files in the order given to the merge: rotated, another order again.
fn merge_order(files: &[String]) -> Vec<String> {
    let mut f = files.to_vec();
    let by = 1.min(f.len());
    f.rotate_left(by);
    f
}

/// Runs `sweep LOAD --shard k/n --csv DIR/…` for every k, returns the files by shard.
fn sweep_shards(dir: &std::path::Path, load: &[&str], n: u32) -> Vec<String> {
    let mut files = vec![String::new(); n as usize];
    for k in run_order(n) {
        let file = dir.join(format!("sweep-{k}-of-{n}.csv"));
        let file = file.to_str().unwrap().to_string();
        let mut args = strings(&["-q", "sweep"]);
        args.extend(strings(load));
        args.extend(strings(&["--shard", &format!("{k}/{n}"), "--csv", &file]));
        ok(&args);
        files[(k - 1) as usize] = file;
    }
    files
}

#[test]
fn merged_sweep_shards_are_the_single_run_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    for load in LOADS {
        let whole = dir.path().join("whole.csv");
        let mut args = strings(&["-q", "sweep"]);
        args.extend(strings(load));
        args.extend(strings(&["--csv", whole.to_str().unwrap()]));
        ok(&args);
        let whole = std::fs::read(&whole).unwrap();
        assert!(whole.len() > 1000, "a real sweep CSV");
        for n in COUNTS {
            let files = sweep_shards(dir.path(), load, n);
            let merged = dir.path().join(format!("merged-{n}.csv"));
            let mut args = strings(&["merge", "--csv", merged.to_str().unwrap()]);
            args.extend(merge_order(&files));
            let (out, _) = ok(&args);
            assert!(out.contains("wrote 48 rows"), "{out}");
            assert!(
                std::fs::read(&merged).unwrap() == whole,
                "{load:?}: the merge of {n} shards differs from the single sweep"
            );
            // With --format csv, the merged CSV is the data on stdout.
            let mut args = strings(&["merge", "--format", "csv"]);
            args.extend(files.clone());
            assert_eq!(ok(&args).0.as_bytes(), whole.as_slice());
        }
    }
}

/// `optimize LOAD --shard k/n --format json` for every k, written to files by shard.
fn optimize_shards(dir: &std::path::Path, load: &[&str], n: u32) -> Vec<String> {
    let mut files = vec![String::new(); n as usize];
    for k in run_order(n) {
        let mut args = strings(&["-q", "optimize"]);
        args.extend(strings(load));
        args.extend(strings(&[
            "--shard",
            &format!("{k}/{n}"),
            "--format",
            "json",
        ]));
        let (doc, _) = ok(&args);
        let file = dir.join(format!("opt-{k}-of-{n}.json"));
        std::fs::write(&file, doc).unwrap();
        files[(k - 1) as usize] = file.to_str().unwrap().to_string();
    }
    files
}

fn merge_json(files: &[String]) -> String {
    let mut args = strings(&["merge", "--format", "json"]);
    args.extend(merge_order(files));
    ok(&args).0
}

/// The document without how many were tested and the runners-up: once they depended on how
/// the work was split; now they do not, and `shards_exact` checks the whole output.
fn answer_part(doc: &str) -> serde_json::Value {
    let mut v: serde_json::Value = serde_json::from_str(doc).unwrap();
    let o = v.as_object_mut().unwrap();
    o.remove("evaluated").unwrap();
    o.remove("runners_up").unwrap();
    v
}

#[test]
fn merged_optimize_shards_give_the_single_run_answer() {
    let dir = tempfile::tempdir().unwrap();
    for load in LOADS {
        let mut args = strings(&["-q", "optimize"]);
        args.extend(strings(load));
        args.extend(strings(&["--format", "json"]));
        let (whole, _) = ok(&args);
        let whole_doc: serde_json::Value = serde_json::from_str(&whole).unwrap();
        assert_eq!(
            whole_doc["found"], true,
            "{load:?}: pick a load with an answer"
        );
        for n in COUNTS {
            let merged = merge_json(&optimize_shards(dir.path(), load, n));
            if n == 1 {
                assert_eq!(merged, whole, "{load:?}: one shard is the single run");
            }
            assert_eq!(answer_part(&merged), answer_part(&whole), "{load:?} n={n}");
            // The answer's own text, byte for byte.
            let answer = |doc: &str| {
                let v: serde_json::Value = serde_json::from_str(doc).unwrap();
                serde_json::to_string_pretty(&v["answer"]).unwrap()
            };
            assert_eq!(answer(&merged), answer(&whole));
            let runners: serde_json::Value = serde_json::from_str(&merged).unwrap();
            let costs: Vec<f64> = runners["runners_up"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["cost"].as_f64().unwrap())
                .collect();
            assert!(costs.windows(2).all(|w| w[0] <= w[1]), "{costs:?}");
        }
    }
}

#[test]
fn merged_optimize_shards_with_no_answer_are_the_single_run_byte_for_byte() {
    // Nothing passes: every shard tests its whole part, so the merge tested what the single
    // run did, and lists the same near misses.
    let dir = tempfile::tempdir().unwrap();
    let load = ["--target-rate", "3", "--timeout", "3.5"];
    let mut args = strings(&["-q", "optimize"]);
    args.extend(strings(&load));
    args.extend(strings(&["--format", "json"]));
    let (whole, _) = ok(&args);
    assert!(whole.contains("\"found\": false"), "{whole}");
    for n in COUNTS {
        let files = optimize_shards(dir.path(), &load, n);
        assert_eq!(merge_json(&files), whole, "n={n}");
        // The table too; and the exit code says the target is unmet.
        let mut args = vec!["merge".to_string()];
        args.extend(files);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (code, table, _) = run(&args);
        assert_eq!(code, 1);
        assert!(table.contains("No configuration in the space meets the target"));
    }
}

/// Under 2 s nothing can pass (a burger takes 3 s): the single run tests one configuration
/// and skips the rest; the shards test their whole parts, and the merge settles them as the
/// single run did, byte for byte.
#[test]
fn merged_shards_of_a_target_out_of_reach_are_the_single_runs_skip() {
    let dir = tempfile::tempdir().unwrap();
    let load = ["--target-rate", "3", "--timeout", "2"];
    let mut args = strings(&["-q", "optimize"]);
    args.extend(strings(&load));
    let (code, table, _) = run(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(code, 1);
    assert!(table.contains("load-tested 1, 47 skipped"), "{table}");
    args.extend(strings(&["--format", "json"]));
    let (whole, _) = ok(&args);
    for n in COUNTS {
        let files = optimize_shards(dir.path(), &load, n);
        assert_eq!(merge_json(&files), whole, "n={n}");
        let mut args = vec!["-q".to_string(), "merge".to_string()];
        args.extend(files);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (code, merged, _) = run(&args);
        assert_eq!(code, 1);
        assert_eq!(merged, table, "n={n}");
    }
}

#[test]
fn incomplete_duplicate_and_foreign_shard_sets_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let load = LOADS[0];
    let files = sweep_shards(dir.path(), load, 3);
    let (a, b, c) = (&files[0], &files[1], &files[2]);
    assert_input_error(&["merge", a, c], "shard 2/3 is missing");
    assert_input_error(&["merge", a, b, c, b], "shard 2/3 is given twice");
    // Another seed, another space, another scenario, another version.
    let other = dir.path().join("other");
    std::fs::create_dir(&other).unwrap();
    let mut seeded = load.to_vec();
    seeded.extend(["--seed", "9"]);
    let foreign = sweep_shards(&other, &seeded, 3);
    assert_input_error(&["merge", a, b, &foreign[2]], "its seed is 9, not 1");
    let mut ranged = load.to_vec();
    ranged.extend(["--range", "fries.batch=5,7,8"]);
    let foreign = sweep_shards(&other, &ranged, 3);
    assert_input_error(&["merge", a, b, &foreign[2]], "its space is");
    let (_sdir, scenario) = crate::common::scenario_file(
        &std::fs::read_to_string("data/fastfood.toml")
            .unwrap()
            .replace("name = \"fastfood\"", "name = \"fastfood\"\n# another copy"),
    );
    let out = other.join("scn.csv");
    let out = out.to_str().unwrap();
    let mut args = strings(&["-q", "--scenario", &scenario, "sweep"]);
    args.extend(strings(load));
    args.extend(strings(&["--shard", "3/3", "--csv", out]));
    ok(&args);
    assert_input_error(&["merge", a, b, out], "its scenario is");
    let bytes = std::fs::read_to_string(c).unwrap();
    let old = dir.path().join("old.csv");
    // Another planner's shard is sealed by that planner: reseal it as it would.
    let older = bytes.replacen("\"planner\":\"", "\"planner\":\"0.0.0-", 1);
    std::fs::write(
        &old,
        planner::scaleout::merge::SweepCsv::reseal("old.csv", older.as_bytes()).unwrap(),
    )
    .unwrap();
    assert_input_error(&["merge", a, b, old.to_str().unwrap()], "its version is");
    // A shard cut short (a killed one) is unfinished, whatever its first line says.
    let cut = dir.path().join("cut.csv");
    let lines: Vec<&str> = bytes.lines().collect();
    std::fs::write(&cut, lines[..lines.len() - 2].join("\n") + "\n").unwrap();
    assert_input_error(&["merge", a, b, cut.to_str().unwrap()], "unfinished");
    // Not a shard at all, and the two kinds mixed.
    let plain = dir.path().join("plain.csv");
    std::fs::write(&plain, lines[1..].join("\n") + "\n").unwrap();
    assert_input_error(
        &["merge", a, b, plain.to_str().unwrap()],
        "not a planner shard",
    );
    let docs = optimize_shards(dir.path(), load, 2);
    assert_input_error(
        &["merge", a, &docs[1]],
        "cannot merge sweep CSVs with optimize",
    );
    assert_input_error(&["merge", &docs[0]], "shard 2/2 is missing");
    // Nothing was written by any refusal.
    let merged = dir.path().join("never.csv");
    assert_input_error(
        &["merge", "--csv", merged.to_str().unwrap(), a, c],
        "missing",
    );
    assert!(!merged.exists());
}

/// A shard of another document version (docs/json.md) is refused as such, by name, not
/// called damaged or no shard: its fields may mean something else.
#[test]
fn a_shard_of_another_schema_version_is_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let load = &["--target-rate", "2", "--timeout", "5"];
    let sweeps = sweep_shards(dir.path(), load, 2);
    let csv = std::fs::read_to_string(&sweeps[1]).unwrap();
    assert!(csv.contains("{\"schema_version\":1,"), "{csv}");
    let later = dir.path().join("later.csv");
    std::fs::write(
        &later,
        csv.replacen("\"schema_version\":1", "\"schema_version\":2", 1),
    )
    .unwrap();
    assert_input_error(
        &["merge", &sweeps[0], later.to_str().unwrap()],
        "later.csv: a shard of schema_version 2, and this planner merges version 1",
    );
    let docs = optimize_shards(dir.path(), load, 2);
    let doc = std::fs::read_to_string(&docs[1]).unwrap();
    let older = dir.path().join("older.json");
    std::fs::write(&older, doc.replacen("  \"schema_version\": 1,\n", "", 1)).unwrap();
    assert_input_error(
        &["merge", &docs[0], older.to_str().unwrap()],
        "older.json: a shard of schema_version none",
    );
}

#[test]
fn shard_auto_reads_slurm_and_kubernetes_variables() {
    let dir = tempfile::tempdir().unwrap();
    let expected = std::fs::read_to_string(&sweep_shards(dir.path(), LOADS[0], 4)[2]).unwrap();
    let envs: [&[(&str, &str)]; 3] = [
        &[
            ("SLURM_ARRAY_TASK_ID", "2"),
            ("SLURM_ARRAY_TASK_COUNT", "4"),
        ],
        &[
            ("SLURM_ARRAY_TASK_ID", "3"),
            ("SLURM_ARRAY_TASK_COUNT", "4"),
            ("SLURM_ARRAY_TASK_MIN", "1"),
        ],
        &[("JOB_COMPLETION_INDEX", "2"), ("PLANNER_SHARDS", "4")],
    ];
    for (i, env) in envs.iter().enumerate() {
        let file = dir.path().join(format!("auto-{i}.csv"));
        let out = planner()
            .env_remove("SLURM_ARRAY_TASK_ID")
            .env_remove("JOB_COMPLETION_INDEX")
            .envs(env.iter().copied())
            .args(["-q", "sweep"])
            .args(LOADS[0])
            .args(["--shard", "auto", "--csv", file.to_str().unwrap()])
            .output()
            .unwrap();
        assert!(out.status.success(), "{env:?}: {out:?}");
        let got = std::fs::read_to_string(&file).unwrap();
        assert_eq!(
            below_first_line(&got),
            below_first_line(&expected),
            "{env:?}"
        );
        assert!(got.contains("\"shard\":\"3/4\""), "{env:?}: not 3/4");
    }
    let out = planner()
        .env_remove("SLURM_ARRAY_TASK_ID")
        .env("JOB_COMPLETION_INDEX", "1")
        .env_remove("PLANNER_SHARDS")
        .args(["optimize", "--shard", "auto"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("PLANNER_SHARDS is not"), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    let out = planner()
        .env_remove("SLURM_ARRAY_TASK_ID")
        .env_remove("JOB_COMPLETION_INDEX")
        .args(["optimize", "--shard", "auto"])
        .output()
        .unwrap();
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("no scheduler variables"), "{err}");
}

#[test]
fn resume_tests_only_what_the_file_lacks() {
    let dir = tempfile::tempdir().unwrap();
    let load = LOADS[1];
    let files = sweep_shards(dir.path(), load, 2);
    let full = std::fs::read_to_string(&files[1]).unwrap();
    // A shard killed after its checkpoint of 5 rows: a file sealed with those 5.
    let killed = dir.path().join("killed.csv");
    let lines: Vec<&str> = full.lines().collect();
    let checkpoint = (lines[..7].join("\n") + "\n").replace("\"tested\":24", "\"tested\":5");
    std::fs::write(
        &killed,
        planner::scaleout::merge::SweepCsv::reseal("killed.csv", checkpoint.as_bytes()).unwrap(),
    )
    .unwrap();
    let mut args = strings(&["sweep"]);
    args.extend(strings(load));
    args.extend(strings(&["--shard", "2/2", "--resume", "-q", "--csv"]));
    args.push(killed.to_str().unwrap().into());
    let (_, err) = ok(&args);
    assert!(
        err.contains("5 of its 24 configurations already in") && err.contains("other 19"),
        "{err}"
    );
    // The rows of the uninterrupted shard; the first line records the resumed command.
    let resumed = std::fs::read_to_string(&killed).unwrap();
    assert_eq!(below_first_line(&resumed), below_first_line(&full));
    // Resumed again, complete: nothing left to test, the file unchanged.
    let (_, err) = ok(&args);
    assert!(err.contains("the other 0"), "{err}");
    assert_eq!(std::fs::read_to_string(&killed).unwrap(), resumed);
    // Another shard's file is not resumed into this one.
    let mut wrong = args.clone();
    *wrong.iter_mut().find(|a| *a == "2/2").unwrap() = "1/2".into();
    let wrong: Vec<&str> = wrong.iter().map(String::as_str).collect();
    assert_input_error(&wrong, "holds shard 2/2, not 1/2");
    assert_eq!(std::fs::read_to_string(&killed).unwrap(), resumed);
}

/// A sweep shard's header and rows: what does not depend on the command line that ran it.
fn below_first_line(text: &str) -> &str {
    text.split_once('\n').unwrap().1
}

#[test]
fn shard_flags_are_refused_where_they_cannot_work() {
    assert_input_error(&["sweep", "--resume", "--csv", "x.csv"], "--resume");
    assert_input_error(&["sweep", "--shard", "1/2"], "--csv FILE");
    assert_input_error(&["sweep", "--shard", "0/2", "--csv", "x.csv"], "K/N");
    assert_input_error(&["optimize", "--shard", "3/2"], "K/N");
    assert_input_error(
        &[
            "optimize",
            "--shard",
            "1/2",
            "--plot",
            "x.svg",
            "--plot-all",
        ],
        "--plot-all with --shard",
    );
}
