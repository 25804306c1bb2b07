//! The outputs' tests, in a file of their own so that `mod.rs` stays readable in one go.

use super::*;

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn a_late_failure_of_one_output_lands_none() {
    let dir = tempfile::tempdir().unwrap();
    let first = dir.path().join("a.csv");
    let second = dir.path().join("b.svg");
    fs::write(&first, "old a").unwrap();
    let mut outputs = Outputs::new(&Inputs::new());
    let a = outputs
        .open("--csv", "the CSV", first.to_str().unwrap())
        .unwrap();
    let b = outputs
        .open("--plot", "the plot", second.to_str().unwrap())
        .unwrap();
    let err = outputs
        .commit_all_with(
            vec![(a, b"new a".to_vec()), (b, b"new b".to_vec())],
            &mut |i, file, bytes| {
                if i == 1 {
                    Err(io::Error::other("no space left (injected)"))
                } else {
                    file.write_all(bytes)
                }
            },
        )
        .unwrap_err()
        .to_string();
    // The first output was staged whole, yet did not land; no temporary file is left.
    assert_eq!(fs::read_to_string(&first).unwrap(), "old a");
    assert_eq!(names(dir.path()), ["a.csv"]);
    assert_eq!(
        err,
        format!(
            "cannot write the plot to {}: no space left (injected)",
            second.display()
        )
    );
}

#[test]
fn both_outputs_land_when_both_are_written() {
    let dir = tempfile::tempdir().unwrap();
    let first = dir.path().join("a.csv");
    let second = dir.path().join("b.svg");
    let mut outputs = Outputs::new(&Inputs::new());
    let a = outputs
        .open("--csv", "the CSV", first.to_str().unwrap())
        .unwrap();
    let b = outputs
        .open("--plot", "the plot", second.to_str().unwrap())
        .unwrap();
    outputs
        .commit_all(vec![(a, b"A".to_vec()), (b, b"B".to_vec())])
        .unwrap();
    assert_eq!(names(dir.path()), ["a.csv", "b.svg"]);
    assert_eq!(fs::read_to_string(&second).unwrap(), "B");
}

#[test]
fn a_bare_name_and_its_dotted_form_are_one_file() {
    let dir = tempfile::tempdir().unwrap();
    let x = dir.path().join("x.svg");
    let dotted = dir.path().join(".").join("x.svg");
    let mut outputs = Outputs::new(&Inputs::new());
    outputs
        .open("--csv", "the CSV", x.to_str().unwrap())
        .unwrap();
    let err = outputs
        .open("--plot", "the plot", dotted.to_str().unwrap())
        .err()
        .unwrap();
    assert!(matches!(err, OutputError::SameFile { .. }), "{err}");
}

#[cfg(unix)]
#[test]
fn stale_temporary_files_of_dead_processes_are_removed() {
    let dir = tempfile::tempdir().unwrap();
    // pid_max is at most 2^22 on Linux: this pid never runs.
    let stale = dir.path().join(".planner-tmp-999999999-0");
    let fresh = dir.path().join(".planner-tmp-999999998-0");
    let alive = dir
        .path()
        .join(format!(".planner-tmp-{}-77777", std::process::id()));
    for p in [&stale, &fresh, &alive] {
        fs::write(p, "x").unwrap();
    }
    let old = std::time::SystemTime::now() - std::time::Duration::from_secs(300);
    File::options()
        .write(true)
        .open(&stale)
        .unwrap()
        .set_modified(old)
        .unwrap();
    File::options()
        .write(true)
        .open(&alive)
        .unwrap()
        .set_modified(old)
        .unwrap();
    let mut outputs = Outputs::new(&Inputs::new());
    outputs
        .open(
            "--csv",
            "the CSV",
            dir.path().join("t.csv").to_str().unwrap(),
        )
        .unwrap();
    // Only the file of a dead pid that has not changed for a minute goes.
    assert!(!stale.exists());
    assert!(fresh.exists());
    assert!(alive.exists());
}
