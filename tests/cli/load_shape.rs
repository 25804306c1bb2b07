//! The command line overrides the scenario's load shape the same way in every command
//! (issue 19, item 14): a rate or a client count on the command line replaces a scenario's
//! `[load] stages` by a constant rate, in `run` as in `optimize`, `sweep` and `compare`, and
//! says so on stderr once.

use crate::common::{run, scenario_file};

/// data/morning.toml (a ramp to 40/s, then held), and the same scenario with a constant
/// 30/s instead of its stages.
fn staged_and_flat() -> (String, String) {
    let staged = std::fs::read_to_string("data/morning.toml").unwrap();
    assert!(staged.contains("\nstages = "));
    let flat = staged
        .lines()
        .filter(|l| !l.starts_with("stages = "))
        .map(|l| if l == "rate = 0" { "rate = 30" } else { l })
        .collect::<Vec<_>>()
        .join("\n");
    assert!(flat.contains("rate = 30"));
    (staged, flat)
}

#[test]
fn a_rate_and_clients_replace_the_stages_in_every_command() {
    let (staged, flat) = staged_and_flat();
    let (_a, staged) = scenario_file(&staged);
    let (_b, flat) = scenario_file(&flat);
    let load = [
        "--target-rate",
        "30",
        "--clients",
        "600",
        "--replications",
        "3",
    ];
    for command in [
        vec!["optimize", "--show", "0"],
        vec!["optimize", "--format", "json"],
        vec!["sweep"],
        vec!["compare", "--strategy", "two=app.units=2"],
    ] {
        let with = |path: &str| {
            let mut args = vec!["--scenario", path];
            args.extend(&command);
            args.extend(load);
            run(&args)
        };
        let (code, out, err) = with(&staged);
        assert!(code == 0 || code == 1, "{command:?}: exit {code}: {err}");
        assert_eq!(
            err.matches("note: --target-rate and --clients replace morning's [load] stages")
                .count(),
            1,
            "{command:?}: {err}"
        );
        let (flat_code, flat_out, flat_err) = with(&flat);
        assert_eq!(
            (code, &out),
            (flat_code, &flat_out),
            "{command:?}: {flat_err}"
        );
        assert!(!flat_err.contains("replace"), "{flat_err}");
    }
}

#[test]
fn one_flag_alone_replaces_the_stages_as_in_run() {
    let (staged, _) = staged_and_flat();
    let (_a, staged) = scenario_file(&staged);
    // --clients alone: the constant rate is the scenario's (the stages' peak, 40/s).
    let (code, out, err) = run(&[
        "--scenario",
        &staged,
        "optimize",
        "--clients",
        "400",
        "--replications",
        "2",
        "--show",
        "0",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("for 400 clients at 40 clients/s"), "{out}");
    assert!(
        err.contains("note: --clients replaces morning's [load] stages by a constant rate"),
        "{err}"
    );
    let (code, out, err) = run(&[
        "--scenario",
        &staged,
        "run",
        "--clients",
        "400",
        "--replications",
        "2",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("400 clients, Poisson arrivals at 40 clients/s"),
        "{out}"
    );
    assert!(err.contains("note: --clients replaces"), "{err}");
    // Without a flag the stages are the load, and nothing is said.
    let (code, out, err) = run(&[
        "--scenario",
        &staged,
        "optimize",
        "--replications",
        "2",
        "--show",
        "0",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("for 6000 clients at 40 clients/s"), "{out}");
    assert!(!err.contains("replace"), "{err}");
}
