//! Every file a command reads is an input of that command, and no output of it may replace
//! one: the scenario, its samples, `fit`'s samples, a `--replay` trace, `merge`'s shards. An
//! output reaching one — by its own name, a symbolic link or a hard link — is refused with
//! exit 2 before any work, the input left as it was and nothing new in its directory.

use std::path::{Path, PathBuf};

use crate::common::{assert_input_error, planner, run};

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// The names in `dir`, sorted: a refused command leaves no partial or temporary file.
fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// A symbolic link `name` to `target` and a hard link `hard-name` to it, beside it.
fn links(target: &Path, name: &str) -> (PathBuf, PathBuf) {
    let dir = target.parent().unwrap();
    let (soft, hard) = (dir.join(name), dir.join(format!("hard-{name}")));
    std::os::unix::fs::symlink(target, &soft).unwrap();
    std::fs::hard_link(target, &hard).unwrap();
    (soft, hard)
}

/// Asserts that `planner ARGS` is refused in one line naming `input` as what it would
/// overwrite (`what`), and that `input` and its directory are as they were.
fn refused(args: &[&str], what: &str, input: &Path) {
    let dir = input.parent().unwrap();
    let (bytes, before) = (std::fs::read(input).unwrap(), names(dir));
    assert_input_error(
        args,
        &format!("would overwrite the {what} {}", input.display()),
    );
    assert_eq!(std::fs::read(input).unwrap(), bytes, "{args:?} changed it");
    assert_eq!(names(dir), before, "{args:?} left a file");
}

/// Runs `planner ARGS` (exit 0) and writes its stdout to `path`: a shard document.
fn stdout_to(args: &[&str], path: &Path) {
    let out = planner().args(args).output().unwrap();
    assert!(out.status.success(), "{args:?}: {:?}", out.stderr);
    std::fs::write(path, out.stdout).unwrap();
}

#[test]
fn fit_never_replaces_its_samples() {
    let dir = tempfile::tempdir().unwrap();
    let samples = dir.path().join("s.csv");
    std::fs::copy("data/db-latency.csv", &samples).unwrap();
    let (soft, hard) = links(&samples, "l.csv");
    for out in [&samples, &soft, &hard] {
        refused(
            &["fit", s(&samples), "--csv", s(out)],
            "samples file",
            &samples,
        );
    }
    // Read through a link, it is still the same file.
    refused(&["fit", s(&soft), "--csv", s(&hard)], "samples file", &soft);
}

#[test]
fn merge_never_replaces_an_optimize_shard() {
    let dir = tempfile::tempdir().unwrap();
    let shards: Vec<PathBuf> = (1..=2)
        .map(|k| dir.path().join(format!("o-{k}.json")))
        .collect();
    for (k, shard) in shards.iter().enumerate() {
        let part = format!("{}/2", k + 1);
        stdout_to(
            &["-q", "optimize", "--shard", &part, "--format", "json"],
            shard,
        );
    }
    let (soft, hard) = links(&shards[1], "p.svg");
    let merge = |flag: &str, out: &Path, input: &Path| {
        refused(
            &["merge", s(&shards[0]), s(&shards[1]), flag, s(out)],
            "shard",
            input,
        )
    };
    merge("--csv", &shards[0], &shards[0]);
    merge("--csv", &hard, &shards[1]);
    merge("--plot", &soft, &shards[1]);
    merge("--plot", &hard, &shards[1]);
}

#[test]
fn merge_never_replaces_a_compare_shard() {
    let dir = tempfile::tempdir().unwrap();
    let shards: Vec<PathBuf> = (1..=2)
        .map(|k| dir.path().join(format!("c-{k}.json")))
        .collect();
    for (k, shard) in shards.iter().enumerate() {
        let part = format!("{}/2", k + 1);
        let args = [
            "-q", "compare", "--rates", "1,2", "--shard", &part, "--format", "json",
        ];
        stdout_to(&args, shard);
    }
    let (soft, hard) = links(&shards[0], "c.svg");
    for (flag, out) in [("--csv", &shards[1]), ("--csv", &hard), ("--plot", &soft)] {
        let input = if out == &shards[1] {
            &shards[1]
        } else {
            &shards[0]
        };
        refused(
            &["merge", s(&shards[0]), s(&shards[1]), flag, s(out)],
            "shard",
            input,
        );
    }
}

#[test]
fn merge_never_replaces_a_sweep_shard() {
    let dir = tempfile::tempdir().unwrap();
    let shards: Vec<PathBuf> = (1..=2)
        .map(|k| dir.path().join(format!("s-{k}.csv")))
        .collect();
    for (k, shard) in shards.iter().enumerate() {
        let part = format!("{}/2", k + 1);
        let (code, _, err) = run(&["-q", "sweep", "--shard", &part, "--csv", s(shard)]);
        assert_eq!(code, 0, "{err}");
    }
    let (soft, hard) = links(&shards[1], "m.csv");
    for out in [&soft, &hard] {
        refused(
            &["merge", s(&shards[0]), s(&shards[1]), "--csv", s(out)],
            "shard",
            &shards[1],
        );
    }
}

#[test]
fn no_output_replaces_a_replayed_trace() {
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("t.csv");
    std::fs::write(&trace, "time\n0\n0.5\n1\n1.5\n2\n").unwrap();
    let (soft, hard) = links(&trace, "out.csv");
    let t = s(&trace);
    refused(&["run", "--replay", t, "--csv", s(&soft)], "trace", &trace);
    refused(
        &["optimize", "--replay", t, "--csv", s(&hard)],
        "trace",
        &trace,
    );
    // A sweep shard writes its own file, which was not checked against the trace.
    refused(
        &["sweep", "--shard", "1/1", "--replay", t, "--csv", s(&soft)],
        "trace",
        &trace,
    );
    refused(
        &[
            "sweep",
            "--shard",
            "1/1",
            "--replay",
            t,
            "--resume",
            "--csv",
            s(&hard),
        ],
        "trace",
        &trace,
    );
    // The merge of shards that replayed it reads the trace again to rank the space.
    let shards: Vec<PathBuf> = (1..=2)
        .map(|k| dir.path().join(format!("o-{k}.json")))
        .collect();
    for (k, shard) in shards.iter().enumerate() {
        let part = format!("{}/2", k + 1);
        let args = [
            "-q", "optimize", "--replay", t, "--shard", &part, "--format", "json",
        ];
        stdout_to(&args, shard);
    }
    refused(
        &["merge", s(&shards[0]), s(&shards[1]), "--csv", s(&hard)],
        "trace",
        &trace,
    );
}

#[test]
fn no_output_replaces_the_scenario_or_its_samples() {
    let dir = tempfile::tempdir().unwrap();
    let samples = dir.path().join("db.csv");
    std::fs::copy("data/db-latency.csv", &samples).unwrap();
    let scenario = dir.path().join("s.toml");
    std::fs::write(
        &scenario,
        "name = \"db\"\n[[station]]\nname = \"db\"\nkind = \"pool\"\nunits = 1\nrange = \"1..=3\"\n\
         distribution = \"empirical\"\nsamples = \"db.csv\"\n",
    )
    .unwrap();
    let sc = s(&scenario);
    let (scenario_soft, scenario_hard) = links(&scenario, "sc.csv");
    let (samples_soft, samples_hard) = links(&samples, "sa.csv");
    let scenario_file = "scenario file";
    refused(
        &[
            "--scenario",
            sc,
            "sweep",
            "--shard",
            "1/1",
            "--csv",
            s(&scenario_hard),
        ],
        scenario_file,
        &scenario,
    );
    refused(
        &[
            "--scenario",
            sc,
            "sweep",
            "--shard",
            "1/1",
            "--csv",
            s(&samples_soft),
        ],
        "samples file",
        &samples,
    );
    refused(
        &[
            "--scenario",
            sc,
            "sweep",
            "--shard",
            "1/1",
            "--resume",
            "--csv",
            s(&samples_hard),
        ],
        "samples file",
        &samples,
    );
    // `merge` reads `--scenario` too, and the samples of the scenario its shards record.
    let shards: Vec<PathBuf> = (1..=2)
        .map(|k| dir.path().join(format!("o-{k}.json")))
        .collect();
    for (k, shard) in shards.iter().enumerate() {
        let part = format!("{}/2", k + 1);
        let args = [
            "-q",
            "--scenario",
            sc,
            "optimize",
            "--shard",
            &part,
            "--format",
            "json",
        ];
        stdout_to(&args, shard);
    }
    let (o1, o2) = (s(&shards[0]), s(&shards[1]));
    refused(
        &[
            "--scenario",
            sc,
            "merge",
            o1,
            o2,
            "--csv",
            s(&scenario_soft),
        ],
        scenario_file,
        &scenario,
    );
    refused(
        &["merge", o1, o2, "--csv", s(&samples_hard)],
        "samples file",
        &samples,
    );
}

#[test]
fn a_resumed_sweep_shard_still_rewrites_its_own_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("shard.csv");
    let args = [
        "-q",
        "sweep",
        "--shard",
        "1/1",
        "--resume",
        "--csv",
        s(&file),
    ];
    let (code, _, err) = run(&args);
    assert_eq!(code, 0, "{err}");
    let first = std::fs::read(&file).unwrap();
    let (code, _, err) = run(&args);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("48 of its 48 configurations already in"),
        "{err}"
    );
    assert_eq!(std::fs::read(&file).unwrap(), first);
}

/// A command reads a file through `report::output::Inputs`, which records it so that no
/// output may replace it; only the scenario parser reads on its own, and it lists what it
/// read (`Scenario::files_read`). A new reader elsewhere would be a file no output checks.
#[test]
fn every_file_a_command_reads_goes_through_inputs() {
    let allowed = [
        // The one reader that records what it reads.
        "src/report/output/inputs.rs",
        // The scenario and its samples, listed by `Scenario::files_read`.
        "src/model/scenario/mod.rs",
        "src/model/scenario/fields.rs",
        // The machine's memory (/proc, cgroup files), never a path the user gave.
        "src/search/memory.rs",
        // Unit tests of the output seam.
        "src/report/output/tests.rs",
    ];
    let mut stray = Vec::new();
    let mut stack = vec![PathBuf::from("src")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let name = path.to_str().unwrap().replace('\\', "/");
            if allowed.contains(&name.as_str()) {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            for (i, line) in text.lines().enumerate() {
                if ["fs::read(", "fs::read_to_string(", "File::open("]
                    .iter()
                    .any(|call| line.contains(call))
                {
                    stray.push(format!("{name}:{}: {}", i + 1, line.trim()));
                }
            }
        }
    }
    assert!(
        stray.is_empty(),
        "read files through report::output::Inputs, so that no output can replace them:\n{}",
        stray.join("\n")
    );
}
