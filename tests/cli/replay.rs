//! A replay's times are the trace's: flags that would set them are refused rather than
//! ignored, and so is a trace whose columns are ambiguous.

use crate::common::{assert_input_error, run};

fn trace(text: &str) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("trace.csv");
    std::fs::write(&path, text).unwrap();
    let p = path.to_str().unwrap().to_string();
    (dir, p)
}

#[test]
fn a_rate_with_a_replay_is_refused_not_ignored() {
    let (_dir, file) = trace("time\n0\n0.5\n1\n");
    assert_input_error(
        &["run", "--replay", &file, "--rate", "100"],
        "--rate cannot be used with --replay: the trace decides when each client comes (--replay-speed scales its times)",
    );
    for search in ["optimize", "sweep"] {
        for flag in ["--target-rate", "--rate"] {
            assert_input_error(
                &[search, "--replay", &file, flag, "100"],
                "--target-rate (--rate) cannot be used with --replay",
            );
        }
    }
    // Compare's rates would all replay the same load.
    assert_input_error(
        &["compare", "--replay", &file],
        "every rate would replay the same load",
    );
    // The trace's own times, and --replay-speed, still work.
    let (code, out, err) = run(&["run", "--replay", &file, "--replay-speed", "2"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("3 clients replayed from a trace over 0.5 s"),
        "{out}"
    );
}

#[test]
fn a_trace_with_two_time_columns_is_refused_naming_the_file() {
    let (_dir, file) = trace("time,time\n0,5\n1,6\n");
    assert_input_error(
        &["run", "--replay", &file],
        &format!("trace {file}: the trace has 2 `time` columns (columns 1, 2); keep one"),
    );
    let (_dir, file) = trace("time,class,Class\n0,browse,checkout\n");
    assert_input_error(
        &["--scenario", "data/api.toml", "run", "--replay", &file],
        "2 `class` columns (columns 2, 3)",
    );
}
