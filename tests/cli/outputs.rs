//! Output safety: what `--csv` and `--plot` may replace, that a command's outputs land
//! together or not at all, that a signal leaves no temporary file, and that clashes
//! between outputs, inputs and stdout are refused.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::{assert_input_error, parse_csv, run};

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn mkfifo(path: &Path) {
    let status = Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("mkfifo runs");
    assert!(status.success());
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// A character device node of this kind in `dir`, made with `mknod` (so that a regression
/// replaces a copy, not the machine's own `/dev/null`); None when not root or not allowed.
fn char_device(dir: &Path, name: &str, major: u32, minor: u32) -> Option<PathBuf> {
    if !is_root() {
        eprintln!("note: not root: the {name} device case is skipped");
        return None;
    }
    let path = dir.join(name);
    let made = Command::new("mknod")
        .arg(&path)
        .args(["c", &major.to_string(), &minor.to_string()])
        .status()
        .is_ok_and(|s| s.success());
    if !made {
        eprintln!("note: mknod refused here: the {name} device case is skipped");
        return None;
    }
    Some(path)
}

#[cfg(unix)]
fn is_char_device(path: &Path) -> bool {
    use std::os::unix::fs::FileTypeExt;
    std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_char_device())
}

#[test]
fn a_fifo_is_written_through_and_stays_a_fifo() {
    use std::os::unix::fs::FileTypeExt;
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("clients.csv");
    mkfifo(&fifo);
    let (send, received) = std::sync::mpsc::channel();
    {
        let fifo = fifo.clone();
        std::thread::spawn(move || send.send(std::fs::read_to_string(fifo).unwrap()));
    }
    let (code, out, err) = run(&["run", "--period", "0.5", "--csv", s(&fifo)]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("satisfied 5/10"),
        "the table is on stdout: {out}"
    );
    let text = received
        .recv_timeout(Duration::from_secs(20))
        .expect("the FIFO's reader got its end of file");
    let (header, rows) = parse_csv(&text);
    assert_eq!(header[0], "client");
    assert_eq!(rows.len(), 10);
    let kind = std::fs::symlink_metadata(&fifo).unwrap().file_type();
    assert!(kind.is_fifo(), "the FIFO was replaced: {kind:?}");
    assert_eq!(names(dir.path()), ["clients.csv"]);
}

#[test]
fn a_symlink_chain_stays_and_its_final_target_gets_the_data() {
    let dir = tempfile::tempdir().unwrap();
    let sub = dir.path().join("sub");
    std::fs::create_dir(&sub).unwrap();
    std::fs::write(sub.join("real.csv"), "old").unwrap();
    // outer.csv -> sub/inner.csv -> real.csv (relative to sub/)
    std::os::unix::fs::symlink("real.csv", sub.join("inner.csv")).unwrap();
    std::os::unix::fs::symlink(sub.join("inner.csv"), dir.path().join("outer.csv")).unwrap();
    // A link to a file that does not exist yet: the file is created where it points.
    std::os::unix::fs::symlink("sub/new.svg", dir.path().join("plot.svg")).unwrap();
    let (code, _, err) = run(&[
        "run",
        "--csv",
        s(&dir.path().join("outer.csv")),
        "--plot",
        s(&dir.path().join("plot.svg")),
    ]);
    assert_eq!(code, 0, "{err}");
    for link in [
        dir.path().join("outer.csv"),
        sub.join("inner.csv"),
        dir.path().join("plot.svg"),
    ] {
        let meta = std::fs::symlink_metadata(&link).unwrap();
        assert!(
            meta.file_type().is_symlink(),
            "{} is no longer a link",
            link.display()
        );
    }
    let csv = std::fs::read_to_string(sub.join("real.csv")).unwrap();
    assert_eq!(parse_csv(&csv).1.len(), 10);
    let svg = std::fs::read_to_string(sub.join("new.svg")).unwrap();
    assert!(svg.contains("<svg"), "{svg}");
    assert_eq!(names(dir.path()), ["outer.csv", "plot.svg", "sub"]);
    assert_eq!(names(&sub), ["inner.csv", "new.svg", "real.csv"]);
}

#[test]
fn dev_stdout_is_this_process_stdout() {
    let (code, out, err) = run(&["run", "--csv", "/dev/stdout"]);
    assert_eq!(code, 0, "{err}");
    let (header, rows) = parse_csv(&out);
    assert_eq!(header[0], "client");
    assert_eq!(rows.len(), 10);
    // It takes stdout as `-` does: then no table, and no second claim on stdout.
    assert_input_error(
        &["run", "--csv", "/dev/stdout", "--plot", "-"],
        "error: --csv /dev/stdout and --plot - both write to stdout",
    );
}

#[test]
fn a_device_is_written_through_and_stays_a_device() {
    let dir = tempfile::tempdir().unwrap();
    let Some(null) = char_device(dir.path(), "null", 1, 3) else {
        return;
    };
    // The same device may take both outputs: writing to it twice harms nothing.
    let (code, out, err) = run(&["sweep", "--csv", s(&null), "--plot", s(&null)]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("configurations"),
        "the table is on stdout: {out}"
    );
    assert!(is_char_device(&null), "the device node was replaced");
    assert_eq!(names(dir.path()), ["null"]);
}

#[test]
fn one_failing_output_leaves_the_others_as_they_were() {
    let dir = tempfile::tempdir().unwrap();
    let full = match char_device(dir.path(), "full", 1, 7) {
        Some(p) => p,
        // Not root: /dev/full cannot be replaced, so it is safe to use as it is.
        None => PathBuf::from("/dev/full"),
    };
    let plot = dir.path().join("p.svg");
    std::fs::write(&plot, "old plot").unwrap();
    // The CSV fails while being written, after the plot and the table were staged whole.
    let err = format!(
        "error: cannot write the CSV to {}: No space left on device",
        full.display()
    );
    // The input was fine and the work done: a failed write is exit 3, not a usage error.
    let (code, stdout, stderr) = run(&["sweep", "--plot", s(&plot), "--csv", s(&full)]);
    assert_eq!(code, 3, "{stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with(&err), "{stderr}");
    assert!(stdout.is_empty(), "{stdout}");
    assert_eq!(std::fs::read_to_string(&plot).unwrap(), "old plot");
    let mut expected = vec!["p.svg".to_string()];
    if full.starts_with(dir.path()) {
        expected.insert(0, "full".into());
    }
    // No temporary file left, and none named in the message (checked by the needle above
    // being the whole reason).
    assert_eq!(names(dir.path()), expected);
    let (_, _, stderr) = run(&["run", "--plot", s(&plot), "--csv", s(&full)]);
    assert!(!stderr.contains(".planner"), "{stderr}");
}

#[test]
fn outputs_that_are_inputs_or_each_other_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("s.toml");
    let text = std::fs::read_to_string("data/fastfood.toml").unwrap();
    std::fs::write(&scenario, &text).unwrap();
    let sc = s(&scenario);
    assert_input_error(
        &["--scenario", sc, "sweep", "--csv", sc],
        &format!("error: --csv {sc} would overwrite the scenario file {sc}\n"),
    );
    // Reached another way: through a link, or as a plot.
    let link = dir.path().join("link.svg");
    std::os::unix::fs::symlink(&scenario, &link).unwrap();
    assert_input_error(
        &[
            "--scenario",
            sc,
            "compare",
            "--rates",
            "1",
            "--plot",
            s(&link),
        ],
        &format!(
            "error: --plot {} would overwrite the scenario file {sc}\n",
            link.display()
        ),
    );
    assert_eq!(std::fs::read_to_string(&scenario).unwrap(), text);

    let x = dir.path().join("x.svg");
    let dotted = dir.path().join(".").join("x.svg");
    assert_input_error(
        &["run", "--csv", s(&x), "--plot", s(&dotted)],
        &format!(
            "error: --csv {} and --plot {} name the same file\n",
            x.display(),
            dotted.display()
        ),
    );
    assert_eq!(names(dir.path()), ["link.svg", "s.toml"]);
}

#[test]
fn two_things_on_stdout_exit_2() {
    for cmd in [
        &["run"][..],
        &["sweep"],
        &["optimize"],
        &["compare", "--rates", "1"],
    ] {
        let mut args = cmd.to_vec();
        args.extend(["--csv", "-", "--plot", "-"]);
        assert_input_error(
            &args,
            "error: --csv - and --plot - both write to stdout: send one of them to a file\n",
        );
        let mut args = cmd.to_vec();
        args.extend(["--csv", "-", "--format", "json"]);
        assert_input_error(
            &args,
            "error: --csv - and --format json both write to stdout",
        );
        let mut args = cmd.to_vec();
        args.extend(["--plot", "-", "--format", "json"]);
        assert_input_error(
            &args,
            "error: --plot - and --format json both write to stdout",
        );
    }
    // A file for one of them, and JSON on stdout: fine.
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("c.csv");
    let (code, out, err) = run(&["run", "--csv", s(&csv), "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    serde_json::from_str::<serde_json::Value>(&out).expect("the JSON parses");
    assert_eq!(
        parse_csv(&std::fs::read_to_string(&csv).unwrap()).1.len(),
        10
    );
}

#[test]
fn a_plot_is_named_svg() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["x.png", "x.PNG", "plot.pdf", "x.svg.bak"] {
        let path = dir.path().join(name);
        assert_input_error(
            &["run", "--plot", s(&path)],
            &format!(
                "error: --plot {}: the plot is SVG; name the file .svg (or `-` for stdout)\n",
                path.display()
            ),
        );
    }
    assert_eq!(names(dir.path()), Vec::<String>::new());
    let upper = dir.path().join("X.SVG");
    let (code, _, err) = run(&["run", "--plot", s(&upper)]);
    assert_eq!(code, 0, "{err}");
    assert!(std::fs::read_to_string(&upper).unwrap().contains("<svg"));
}

fn planner_child(args: &[&str]) -> Child {
    planner_command(args).spawn().unwrap()
}

fn planner_child_on_one_thread(args: &[&str]) -> Child {
    planner_command(args)
        .env("RAYON_NUM_THREADS", "1")
        .spawn()
        .unwrap()
}

fn planner_command(args: &[&str]) -> Command {
    let mut command = Command::new(assert_cmd::cargo::cargo_bin("planner"));
    command
        .args(args)
        .arg("--quiet")
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    command
}

fn signal(child: &Child, name: &str) {
    let status = Command::new("kill")
        .args([&format!("-{name}"), &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

/// Waits until `dir` holds a `.planner` temporary file (the command is in its final write);
/// kills the command if none comes.
fn wait_for_temp(dir: &Path, child: &mut Child) {
    let start = Instant::now();
    while !names(dir).iter().any(|n| n.starts_with(".planner")) {
        if start.elapsed() > Duration::from_secs(20) {
            child.kill().unwrap();
            panic!("no temporary file appeared: {:?}", names(dir));
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn a_signal_during_the_final_write_removes_the_temporary_files() {
    for (name, code) in [("TERM", 143), ("INT", 130)] {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("c.csv");
        mkfifo(&fifo);
        let plot = dir.path().join("p.svg");
        // The plot is staged, then the FIFO's open waits for a reader that never comes:
        // the signal lands with a temporary file on disk, every time.
        let mut child = planner_child(&["sweep", "--plot", s(&plot), "--csv", s(&fifo)]);
        wait_for_temp(dir.path(), &mut child);
        signal(&child, name);
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(code), "SIG{name}: {out:?}");
        assert_eq!(names(dir.path()), ["c.csv"], "SIG{name}");
    }
}

#[test]
fn a_signal_during_the_work_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let table = dir.path().join("table.csv");
    let plot = dir.path().join("p.svg");
    // A million configurations (seconds of work, on one thread so as not to starve the
    // tests that time the real clock), and a run on the real clock (7.5 s of sleeping).
    let sweep = [
        "sweep",
        "--range",
        "soda.units=1..=100",
        "--range",
        "burger.units=1..=100",
        "--range",
        "fries.batch=1..=100",
        "--csv",
        s(&table),
    ];
    let real = [
        "run",
        "--clock",
        "real",
        "--csv",
        s(&table),
        "--plot",
        s(&plot),
    ];
    for (args, delay, name, code) in [(&sweep[..], 150, "TERM", 143), (&real[..], 300, "INT", 130)]
    {
        let child = planner_child_on_one_thread(args);
        std::thread::sleep(Duration::from_millis(delay));
        signal(&child, name);
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(code), "{args:?}: {out:?}");
        assert_eq!(names(dir.path()), Vec::<String>::new(), "{args:?}");
    }
}
