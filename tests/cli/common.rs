//! Helpers shared by the integration tests: run the real binary, read its CSV.
#![allow(dead_code)]

use assert_cmd::Command;

pub fn planner() -> Command {
    Command::cargo_bin("planner").expect("binary built")
}

/// Runs `planner ARGS` and returns (exit code, stdout, stderr).
pub fn run(args: &[&str]) -> (i32, String, String) {
    let out = planner().args(args).output().expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).expect("utf-8 stdout"),
        String::from_utf8(out.stderr).expect("utf-8 stderr"),
    )
}

/// Runs `sh -c COMMAND` in `dir`, where `planner` is the binary under test (first on the
/// `PATH`), as the documentation's examples are written.
pub fn shell(dir: &std::path::Path, command: &str) -> std::process::Output {
    let binary = std::path::PathBuf::from(env!("CARGO_BIN_EXE_planner"));
    let path = format!(
        "{}:{}",
        binary.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    std::process::Command::new("sh")
        .arg("-c")
        .arg(command)
        .current_dir(dir)
        .env("PATH", path)
        .output()
        .expect("sh runs")
}

/// Parses CSV text into its header and rows of strings.
pub fn parse_csv(text: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let header = r.headers().unwrap().iter().map(String::from).collect();
    let rows = r
        .records()
        .map(|rec| rec.unwrap().iter().map(String::from).collect())
        .collect();
    (header, rows)
}

/// Asserts a failure of the kind bad input gets: exit 2, one line on stderr, no panic.
pub fn assert_input_error(args: &[&str], needle: &str) {
    let (code, stdout, stderr) = run(args);
    assert_eq!(code, 2, "{args:?}: exit {code}, stderr: {stderr}");
    assert_eq!(
        stderr.trim_end().lines().count(),
        1,
        "{args:?}: not one line: {stderr}"
    );
    assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    assert!(
        stderr.to_lowercase().contains(&needle.to_lowercase()),
        "{args:?}: expected `{needle}` in: {stderr}"
    );
    assert!(stdout.is_empty(), "{args:?}: stdout not empty: {stdout}");
}

/// Writes a scenario file into a fresh temporary directory; keep the directory alive.
pub fn scenario_file(text: &str) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.toml");
    std::fs::write(&path, text).unwrap();
    let p = path.to_str().unwrap().to_string();
    (dir, p)
}

/// Runs `planner ARGS` with one rayon thread and with two, asserts both printed the same
/// non-empty stdout, and returns it.
pub fn same_with_one_and_two_threads(args: &[&str]) -> Vec<u8> {
    let outputs: Vec<Vec<u8>> = ["1", "2"]
        .iter()
        .map(|threads| {
            planner()
                .env("RAYON_NUM_THREADS", threads)
                .args(args)
                .output()
                .unwrap()
                .stdout
        })
        .collect();
    assert!(!outputs[0].is_empty(), "{args:?}: no output");
    assert_eq!(
        outputs[0], outputs[1],
        "{args:?}: output depends on the thread count"
    );
    outputs.into_iter().next().unwrap()
}

/// Runs `planner ARGS`, asserts it exited 0 (the target met), and parses its stdout as JSON.
pub fn json_met(args: &[&str]) -> serde_json::Value {
    let (code, out, err) = run(args);
    assert_eq!(code, 0, "{args:?}: {err}");
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{args:?}: {e}: {out}"))
}

/// Runs `planner ARGS`, asserts it exited 0 or 1 (a verdict either way, no error), and
/// parses its stdout as JSON.
pub fn json_verdict(args: &[&str]) -> serde_json::Value {
    let (code, out, err) = run(args);
    assert!(code == 0 || code == 1, "{args:?}: exit {code}: {err}");
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{args:?}: {e}: {out}"))
}
