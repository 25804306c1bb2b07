//! Numbers quoted in error messages are short whatever their size (`1e-300`, not 300 digits),
//! and every such message is one line; a timer's limit names the clock in use.

use crate::common::{assert_input_error, run, scenario_file};

/// The message is one line with no run of more than 17 digits (a float's longest honest
/// form), and contains `needle`.
fn short_error(args: &[&str], needle: &str) {
    assert_input_error(args, needle);
    let (_, _, err) = run(args);
    let longest_run = err
        .split(|c: char| !c.is_ascii_digit())
        .map(str::len)
        .max()
        .unwrap_or(0);
    assert!(longest_run <= 17, "{args:?}: {err}");
}

#[test]
fn extreme_numbers_on_the_command_line_are_quoted_short() {
    short_error(&["run", "--rate", "1e-300"], "clients 1e300 s apart");
    short_error(
        &["optimize", "--target-rate", "1e-300"],
        "clients 1e300 s apart",
    );
    short_error(&["compare", "--rates", "1e-300"], "clients 1e300 s apart");
    short_error(&["run", "--period", "-1e-300"], "got -1e-300");
    short_error(&["optimize", "--min-satisfaction", "1e300"], "got 1e300");
    // Rounding would contradict the bound: the number as given.
    short_error(
        &["optimize", "--min-satisfaction", "100.0000000001"],
        "at most 100, got 100.0000000001",
    );
    short_error(&["sweep", "--cpu-price", "-1e-300"], "got -1e-300");
    short_error(
        &["run", "--clock", "real", "--speed", "1e300"],
        "at --speed 1e300 last",
    );
}

#[test]
fn a_real_clock_too_slow_to_time_a_step_is_refused_not_a_panic() {
    short_error(
        &["run", "--clock", "real", "--speed", "1e-300"],
        "at speed 1e-300, one step of 0.001 s lasts longer than tokio's timer can hold",
    );
}

#[test]
fn extreme_numbers_in_a_scenario_are_quoted_short() {
    let station = |line: &str| {
        format!("name = \"x\"\n[[station]]\nname = \"a\"\nkind = \"pool\"\nunits = 1\n{line}\n")
    };
    for (line, needle) in [
        (
            "service = 1e-300",
            "service time of 1e-300 s is not a whole number of steps",
        ),
        (
            "service = 1e300",
            "service time of 1e300 s is 1e303 steps of 0.001 s",
        ),
        ("service = 1\ncpu_per_unit = -1e-300", "got -1e-300"),
        (
            "service = { p50 = 1e-300, p99 = 1e-301 }",
            "p99 (1e-301 s) must be greater than p50 (1e-300 s)",
        ),
        (
            "service = 1\ndistribution = \"lognormal\"\ncv = 1e300",
            "got 1e300",
        ),
    ] {
        let (_dir, path) = scenario_file(&station(line));
        short_error(&["--scenario", &path, "run"], needle);
    }
    let (_dir, path) = scenario_file(&format!(
        "{}[[request]]\nname = \"r\"\nshare = 1\nflow = \"pick(1e300: a)\"\n",
        station("service = 1")
    ));
    short_error(
        &["--scenario", &path, "run"],
        "probability 1e300 is not in (0, 1]",
    );
}

#[test]
fn a_timer_limit_names_the_clock_in_use() {
    let (_, _, err) = run(&["run", "--rate", "1e-300"]);
    assert!(
        err.contains("further apart than the simulator's timer can hold"),
        "{err}"
    );
    assert!(!err.contains("tokio"), "{err}");
    let (_, _, err) = run(&["run", "--rate", "1e-300", "--clock", "real"]);
    assert!(
        err.contains("further apart than tokio's timer can hold"),
        "{err}"
    );
    let (_dir, path) = scenario_file(
        "name = \"x\"\n[[station]]\nname = \"a\"\nkind = \"pool\"\nunits = 1\nservice = 1e300\n",
    );
    let (_, _, err) = run(&["--scenario", &path, "run"]);
    assert!(
        err.contains("longer than the simulator's timer can hold"),
        "{err}"
    );
    assert!(!err.contains("tokio"), "{err}");
}
