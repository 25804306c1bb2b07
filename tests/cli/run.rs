//! `planner run` through the real binary: the seed's tables, verdicts, examples and errors.

use crate::common::{assert_input_error, parse_csv, planner, run, scenario_file};

/// Latencies (in the CSV's text) and satisfied flags of `planner run ARGS --csv -`.
fn latencies(args: &[&str]) -> (Vec<String>, usize) {
    let mut all = args.to_vec();
    all.extend(["--csv", "-"]);
    let (code, out, err) = run(&all);
    assert_eq!(code, 0, "{err}");
    let (_, rows) = parse_csv(&out);
    let lat = rows.iter().map(|r| r[2].clone()).collect();
    let ok = rows.iter().filter(|r| r[3] == "true").count();
    (lat, ok)
}

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

#[test]
fn seed_burst_of_ten_clients() {
    let (lat, ok) = latencies(&["run", "--period", "0"]);
    assert_eq!(
        lat,
        strings(&[
            "4.000", "4.000", "4.000", "6.000", "6.000", "8.000", "9.000", "9.000", "9.000",
            "12.000"
        ])
    );
    assert_eq!(ok, 3);
}

#[test]
fn seed_one_client_per_second() {
    let (lat, ok) = latencies(&["run", "--period", "1"]);
    assert_eq!(
        lat,
        strings(&[
            "4.000", "3.000", "3.000", "3.000", "3.000", "4.000", "3.000", "3.000", "3.000",
            "3.000"
        ])
    );
    assert_eq!(ok, 10);
}

#[test]
fn seed_two_clients_per_second() {
    let (lat, ok) = latencies(&["run", "--period", "0.5"]);
    assert_eq!(
        lat,
        strings(&[
            "4.000", "3.500", "3.000", "4.500", "4.500", "5.500", "6.000", "6.000", "6.000",
            "7.500"
        ])
    );
    assert_eq!(ok, 5);
    // --rate 2 is the same test.
    assert_eq!(latencies(&["run", "--rate", "2"]).0, lat);
}

#[test]
fn table_shows_the_summary() {
    let (code, out, _) = run(&["run", "--period", "0.5"]);
    assert_eq!(code, 0);
    assert!(out.contains("satisfied 5/10 (50%)"), "{out}");
    assert!(
        out.contains("p50 4.500 s   p95 7.500 s   p99 7.500 s   max 7.500 s   headroom -2.500 s"),
        "{out}"
    );
    assert!(out.contains("LATE"), "{out}");
}

#[test]
fn csv_header_and_station_columns() {
    let (code, out, _) = run(&["run", "--period", "1", "--csv", "-"]);
    assert_eq!(code, 0);
    let (header, rows) = parse_csv(&out);
    assert_eq!(
        header,
        strings(&[
            "client",
            "arrival_s",
            "latency_s",
            "satisfied",
            "soda_done_s",
            "burger_done_s",
            "fries_done_s"
        ])
    );
    // Client 1 alone: soda at 1 s, burger at 3 s, fries at 4 s.
    assert_eq!(
        rows[0],
        strings(&["1", "0.000", "4.000", "true", "1.000", "3.000", "4.000"])
    );
}

#[test]
fn exactly_the_timeout_is_not_satisfied() {
    let args = [
        "run",
        "--set",
        "soda.units=2",
        "--set",
        "burger.units=4",
        "--set",
        "fries.batch=7",
        "--period",
        "0.5",
    ];
    let (lat, ok) = latencies(&args);
    assert_eq!(lat[8], "5.000");
    assert_eq!(lat[9], "5.000");
    assert_eq!(ok, 8);
    let mut longer = args.to_vec();
    longer.extend(["--timeout", "5.001"]);
    assert_eq!(latencies(&longer).1, 10);
}

#[test]
fn fifo_at_every_station_in_a_burst() {
    let (code, out, _) = run(&["run", "--period", "0", "--format", "json"]);
    assert_eq!(code, 0);
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    let results = doc["results"].as_array().unwrap();
    let start = |c: usize, s: usize| results[c]["start_s"][s].as_f64().unwrap();
    // Soda, a pool of one: client k starts at k − 1 seconds.
    for c in 0..10 {
        assert_eq!(start(c, 0), c as f64);
    }
    // Kitchen of 3: clients start in threes, in order.
    let burger: Vec<f64> = (0..10).map(|c| start(c, 1)).collect();
    assert_eq!(burger, [0.0, 0.0, 0.0, 3.0, 3.0, 3.0, 6.0, 6.0, 6.0, 9.0]);
    // Fryer: client 1 cooks at 0, client 6 at 4 s, client 11 would at 8 s.
    let fries: Vec<f64> = (0..10).map(|c| start(c, 2)).collect();
    assert_eq!(fries, [0.0, 4.0, 4.0, 4.0, 4.0, 4.0, 8.0, 8.0, 8.0, 8.0]);
}

#[test]
fn trace_lists_events_in_time_order() {
    let (code, out, _) = run(&["run", "--period", "0.5", "--clients", "2", "--trace"]);
    assert_eq!(code, 0);
    let first: Vec<&str> = out.lines().take(4).collect();
    assert!(first[0].ends_with("=> order placed by client_1"), "{out}");
    assert!(
        out.contains("** fries: batch of 5 started for client_1"),
        "{out}"
    );
    assert!(out.contains("4.000     ** fries: batch ready"), "{out}");
    assert!(out.contains("<= client_2 served in 3.500 s"), "{out}");
    let times: Vec<f64> = out
        .lines()
        .take_while(|l| !l.is_empty())
        .map(|l| l.split_whitespace().next().unwrap().parse().unwrap())
        .collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "{times:?}");
}

#[test]
fn second_scenario_runs_at_microsecond_resolution() {
    // auth 1 × 0.8 ms, db 4 × 2.5 ms, report cache of 20 refilled in 6 ms; 3 requests per ms:
    // client 3 is due at 666.67 µs, rounded to 667 µs.
    let (code, out, err) = run(&[
        "--scenario",
        "data/fanout.toml",
        "run",
        "--clients",
        "4",
        "--csv",
        "-",
    ]);
    assert_eq!(code, 0, "{err}");
    let (header, rows) = parse_csv(&out);
    assert_eq!(
        header[4..],
        strings(&["auth_done_s", "db_done_s", "report_done_s"])
    );
    let due: Vec<&str> = rows.iter().map(|r| r[1].as_str()).collect();
    assert_eq!(due, ["0.000000", "0.000333", "0.000667", "0.001000"]);
    let lat: Vec<&str> = rows.iter().map(|r| r[2].as_str()).collect();
    assert_eq!(lat, ["0.006000", "0.005667", "0.005333", "0.005000"]);
    let auth: Vec<&str> = rows.iter().map(|r| r[4].as_str()).collect();
    assert_eq!(auth, ["0.000800", "0.001600", "0.002400", "0.003200"]);
}

#[test]
fn real_clock_agrees_with_virtual_time() {
    // A real timer never fires early, but a loaded machine wakes it late, and lateness carries
    // over to the clients queued behind. So: no attempt may be early, and one of three
    // attempts must match the model to within 25 ms of real time (0.25 model seconds).
    let (virt, _) = latencies(&["run", "--period", "0.5"]);
    let virt: Vec<f64> = virt.iter().map(|v| v.parse().unwrap()).collect();
    let mut worst = Vec::new();
    for _ in 0..3 {
        let (real, _) = latencies(&["run", "--period", "0.5", "--clock", "real", "--speed", "10"]);
        let real: Vec<f64> = real.iter().map(|r| r.parse().unwrap()).collect();
        assert_eq!(real.len(), virt.len());
        for (v, r) in virt.iter().zip(&real) {
            assert!(
                *r >= v - 0.01,
                "the real clock was early: virtual {v} vs real {r}"
            );
        }
        let off = virt
            .iter()
            .zip(&real)
            .map(|(v, r)| (v - r).abs())
            .fold(0.0, f64::max);
        if off <= 0.25 {
            return;
        }
        worst.push(off);
    }
    panic!("the real clock strayed from the model by {worst:?} model seconds in three attempts");
}

#[test]
fn csv_file_is_written_whole() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("clients.csv");
    let (code, _, err) = run(&["run", "--period", "0.5", "--csv", path.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(text.lines().count(), 11);
    // Nothing but the file itself is left in the directory.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn bad_command_lines_exit_2_with_one_line() {
    let cases: &[(&[&str], &str)] = &[
        (
            &["run", "--set", "pizza.units=2"],
            "unknown station `pizza`",
        ),
        (
            &["run", "--set", "soda.batch=2"],
            "has no parameter `batch`",
        ),
        (&["run", "--set", "soda.units=0"], "at least 1"),
        (&["run", "--set", "fries.batch=0"], "at least 1"),
        (&["run", "--set", "soda.units=x"], "not a whole number"),
        (&["run", "--set", "soda"], "STATION.PARAM=VALUE"),
        (&["run", "--rate", "0"], "greater than 0"),
        (&["run", "--rate", "-2"], "greater than 0"),
        (&["run", "--rate", "NaN"], "NaN"),
        (&["run", "--rate", "fast"], "not a number"),
        (&["run", "--timeout", "0"], "greater than 0"),
        (&["run", "--timeout", "-5"], "greater than 0"),
        (&["run", "--timeout", "nan"], "NaN"),
        (&["run", "--period", "-1"], "0 (all at once) or more"),
        (&["run", "--clients", "0"], "--clients"),
        (&["run", "--clients", "10000001"], "--clients"),
        (
            &["run", "--rate", "2", "--period", "1"],
            "cannot be used with",
        ),
        (&["run", "--speed", "10"], "--clock real"),
        (&["run", "--clock", "real", "--speed", "0"], "positive"),
        (&["run", "--period", "1e12"], "the simulator's timer"),
        (
            &["run", "--csv", "/nonexistent-dir/x.csv"],
            "cannot write the CSV",
        ),
        (
            &["--scenario", "/nonexistent/s.toml", "run"],
            "cannot read scenario file /nonexistent/s.toml",
        ),
    ];
    for (args, needle) in cases {
        assert_input_error(args, needle);
    }
}

#[test]
fn unwritable_csv_leaves_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("sub").join("x.csv");
    let sub = dir.path().join("sub");
    // The message names the file and its missing directory, each once.
    assert_input_error(
        &["run", "--csv", target.to_str().unwrap()],
        &format!(
            "error: cannot write the CSV to {}: directory {} does not exist\n",
            target.display(),
            sub.display()
        ),
    );
    assert!(!target.exists());
    // A directory as the target: refused, left as it was.
    let (_, _, stderr) = run(&["run", "--csv", dir.path().to_str().unwrap()]);
    assert_eq!(
        stderr,
        format!(
            "error: cannot write the CSV to {}: it is a directory\n",
            dir.path().display()
        )
    );
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn bad_scenario_files_name_file_line_and_field() {
    let default = std::fs::read_to_string("data/fastfood.toml").unwrap();
    let line_of =
        |text: &str, needle: &str| text.lines().position(|l| l.contains(needle)).unwrap() + 1;
    let cases: Vec<(String, &str, &str)> = vec![
        // (text, the line to point at, the words)
        (
            default.replace("units = 3", "units = 0"),
            "units = 0",
            "nonzero",
        ),
        (
            default.replace("service = 3.0", "service = -3.0"),
            "service = -3.0",
            "greater than 0",
        ),
        (
            default.replace("service = 3.0", "service = 3.0005"),
            "service = 3.0005",
            "whole number of steps",
        ),
        (
            default.replace("kind = \"batch\"", "kind = \"fifo\""),
            "kind = \"fifo\"",
            "unknown variant",
        ),
        (
            default.replace("timeout = 5.0", "timeout = \"five\""),
            "timeout = \"five\"",
            "`five` is not a duration",
        ),
        (
            default.replace("name = \"burger\"", "name = \"soda\" # twice"),
            "# twice",
            "defined twice",
        ),
        (
            default.replace("range = \"3..=8\"", "range = \"8..=3\""),
            "range = \"8..=3\"",
            "empty",
        ),
        (
            default.replace("clients = 10", "clients = 0"),
            "clients = 0",
            "between 1 and",
        ),
        (
            default.replace("unit = \"cook\"", "unit = \"cook\"\ncolour = \"red\""),
            "colour",
            "unknown field",
        ),
        (
            default.replace("rate = 2.0", "rate = 2.0 ]"),
            "rate = 2.0 ]",
            "",
        ),
    ];
    for (text, line_text, words) in &cases {
        let (_dir, path) = scenario_file(text);
        let (code, _, err) = run(&["--scenario", &path, "run"]);
        assert_eq!(code, 2, "{err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{err}");
        let line = line_of(text, line_text);
        assert!(
            err.contains(&format!("{path}:{line}:")),
            "expected line {line}: {err}"
        );
        assert!(err.contains(words), "expected `{words}`: {err}");
    }
    // An incomplete file: the missing field is named.
    let (_dir, path) = scenario_file(&default.replace("service = 4.0\n", ""));
    let (code, _, err) = run(&["--scenario", &path, "run"]);
    assert_eq!(code, 2);
    assert!(
        err.contains(&path) && err.contains("missing field `service`"),
        "{err}"
    );
}

#[test]
fn help_describes_the_tool() {
    let out = planner().args(["run", "--help"]).output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    for flag in [
        "--set", "--rate", "--period", "--csv", "--trace", "--clock", "--speed",
    ] {
        assert!(text.contains(flag), "{flag} missing from help");
    }
}

#[cfg(unix)]
#[test]
fn output_files_are_readable_not_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.csv");
    let (code, _, _) = run(&["run", "--csv", path.to_str().unwrap()]);
    assert_eq!(code, 0);
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o644);
}

#[test]
fn a_minimal_scenario_takes_the_seeds_load_test() {
    let text =
        "name = \"mini\"\n[[station]]\nname = \"db\"\nkind = \"pool\"\nservice = 0.5\nunits = 2\n";
    let (_dir, path) = scenario_file(text);
    let (code, out, err) = run(&["--scenario", &path, "run", "--period", "0", "--csv", "-"]);
    assert_eq!(code, 0, "{err}");
    let (header, rows) = parse_csv(&out);
    assert_eq!(header.last().unwrap(), "db_done_s");
    // 10 clients (the default) on 2 units of 0.5 s: served in pairs.
    let lat: Vec<&str> = rows.iter().map(|r| r[2].as_str()).collect();
    assert_eq!(
        lat,
        [
            "0.500", "0.500", "1.000", "1.000", "1.500", "1.500", "2.000", "2.000", "2.500",
            "2.500"
        ]
    );
}
