//! Units that change while a test runs, through the command line: schedules (in the
//! scenario or `--schedule`), the units CSV, the table's and the JSON's units and costs,
//! and every refusal of a schedule or an autoscaler that cannot mean anything.

use crate::common::{assert_input_error, run, same_with_one_and_two_threads, scenario_file};

/// One 1 s server, 3 from 2 s, 1 again from 3.5 s; a client every 0.5 s, ten of them.
const SCHEDULED: &str = r#"
name = "sched"
resolution = 0.001
[load]
timeout = 10.0
clients = 10
rate = 2
[cost]
cpu_price = 73.0
ram_price = 0.0
[[station]]
name = "app"
kind = "pool"
service = 1.0
unit = "server"
cpu_per_unit = 1.0
ram_gib_per_unit = 1.0
schedule = [{ at = "0s", units = 1 }, { at = "2s", units = 3 }, { at = "3.5s", units = 1 }]
"#;

#[test]
fn a_schedule_adds_units_that_serve_the_queue_and_removes_them_after_their_requests() {
    let (_dir, path) = scenario_file(SCHEDULED);
    let (code, csv, err) = run(&["run", "--scenario", &path, "--units-csv", "-"]);
    assert_eq!(code, 0, "{err}");
    // At 3.5 s client 8 (due then) takes the idle unit before the schedule acts; the two
    // busy ones leave at 4 s, when their requests end: none is ready from 3.5 s. The busy
    // share is of the ready unit-time since 0: 6 busy unit-seconds of 6.5.
    assert_eq!(
        csv,
        "time_s,station,desired,ready,busy_share\n0.000,app,1,1,0\n2.000,app,3,3,1\n3.500,app,1,1,0.9230769230769231\n"
    );
    let (_, table, _) = run(&["run", "--scenario", &path]);
    // Client 10, due at 4.5 s, waits for the one unit left (client 9 holds it to 5.5 s).
    assert!(
        table.contains("    10    4.500        2.000  ok"),
        "{table}"
    );
    let doc: serde_json::Value =
        serde_json::from_str(&run(&["run", "--scenario", &path, "--format", "json"]).1).unwrap();
    let units = &doc["units"];
    // Paid: 1 unit over 0–2 s, 3 over 2–4 s (the leaving ones until their requests end), 1
    // over 4–6.5 s: 10.5 unit-seconds; at 73 a month per unit, 0.1 an hour.
    let hours = 10.5 / 3600.0;
    assert!((units["hours"].as_f64().unwrap() - 6.5 / 3600.0).abs() < 1e-15);
    assert_eq!(units["hours_per_month"], 730.0);
    let app = &units["stations"][0];
    assert_eq!(
        (app["min"].as_u64(), app["max"].as_u64()),
        (Some(1), Some(3))
    );
    assert!((app["unit_hours"].as_f64().unwrap() - hours).abs() < 1e-15);
    assert!((app["mean"].as_f64().unwrap() - 10.5 / 6.5).abs() < 1e-12);
    assert!((app["cost"].as_f64().unwrap() - hours * 0.1).abs() < 1e-15);
    assert_eq!(app["source"], "schedule");
    assert!(
        table.contains("app      schedule      1  1.62    3"),
        "{table}"
    );
}

#[test]
fn the_schedule_flag_is_the_scenario_schedule() {
    let (_dir, path) = scenario_file(SCHEDULED);
    let fixed = SCHEDULED.replace(
        "schedule = [{ at = \"0s\", units = 1 }, { at = \"2s\", units = 3 }, { at = \"3.5s\", units = 1 }]",
        "units = 4\nrange = \"1..=4\"",
    );
    let (_dir2, fixed_path) = scenario_file(&fixed);
    let from_file = run(&["run", "--scenario", &path, "--format", "json"]).1;
    let from_flag = run(&[
        "run",
        "--scenario",
        &fixed_path,
        "--format",
        "json",
        "--schedule",
        "app=0s:1,2s:3,3500ms:1",
    ])
    .1;
    assert!(!from_file.is_empty());
    assert_eq!(from_flag, from_file);
}

#[test]
fn an_autoscaled_run_is_the_same_whatever_the_thread_count() {
    let (_dir, path) = scenario_file(AUTOSCALED);
    let out = same_with_one_and_two_threads(&[
        "run",
        "--scenario",
        &path,
        "--replications",
        "4",
        "--format",
        "json",
    ]);
    let doc: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert!(doc["units"]["stations"][0]["max"].as_u64().unwrap() > 1);
}

const AUTOSCALED: &str = r#"
name = "auto"
resolution = 0.001
[load]
slo = "p99 < 500ms"
rate = 0
stages = [{ duration = "2m", target = 30 }, { duration = "2m", target = 30 }, { duration = "2m", target = 0 }]
arrivals = "poisson"
[[station]]
name = "app"
kind = "pool"
service = "100ms"
distribution = "exponential"
unit = "server"
cpu_per_unit = 1.0
ram_gib_per_unit = 1.0
autoscale = { min = 1, max = 10, target_utilisation = 0.6, startup = "30s" }
"#;

#[test]
fn units_over_time_refuse_what_cannot_mean_anything() {
    let base = SCHEDULED;
    let schedule =
        "schedule = [{ at = \"0s\", units = 1 }, { at = \"2s\", units = 3 }, { at = \"3.5s\", units = 1 }]";
    for (replacement, needle) in [
        ("schedule = []", "schedule: it is empty"),
        (
            "schedule = [{ at = \"1s\", units = 1 }]",
            "it starts at 0 s",
        ),
        (
            "schedule = [{ at = \"0s\", units = 1 }, { at = \"0s\", units = 2 }]",
            "times must increase",
        ),
        (
            "schedule = [{ at = \"0s\", units = 0 }]",
            "units must be between 1",
        ),
        (
            "schedule = [{ at = \"0s\", units = 2 }]\nunits = 2",
            "drop `units`",
        ),
        ("autoscale = { min = 3, max = 2 }", "max 2 is below min 3"),
        ("autoscale = { min = 1 }", "autoscale.max: missing"),
        (
            "autoscale = { max = 3, target_utilisation = 1.5 }",
            "target_utilisation",
        ),
        (
            "autoscale = { max = 3, startup = \"-1s\" }",
            "autoscale.startup",
        ),
        ("autoscale = { max = 3, colour = 1 }", "unknown field"),
        (
            "autoscale = { max = 3, scale_down = { policies = [] } }",
            "policies is empty",
        ),
        (
            "autoscale = { max = 3 }\nschedule = [{ at = \"0s\", units = 1 }]",
            "both a schedule and an autoscaler",
        ),
    ] {
        let text = base.replace(schedule, replacement);
        let (_dir, path) = scenario_file(&text);
        assert_input_error(&["run", "--scenario", &path], needle);
    }
    // A batch station's portions do not change.
    let batch = "name = \"b\"\nresolution = 0.001\n[[station]]\nname = \"fries\"\nkind = \"batch\"\nservice = 1.0\nunit = \"portion\"\ncpu_per_unit = 0.1\nram_gib_per_unit = 0.1\nautoscale = { max = 3 }\n";
    let (_dir, path) = scenario_file(batch);
    assert_input_error(&["run", "--scenario", &path], "batch station");

    let (_dir, path) = scenario_file(SCHEDULED);
    assert_input_error(
        &["run", "--scenario", &path, "--set", "app.units=2"],
        "takes its units from its schedule",
    );
    assert_input_error(
        &["run", "--scenario", &path, "--units-csv", &path],
        "--units-csv",
    );
    assert_input_error(&["run", "--units-csv", "-"], "no station's do");
    assert_input_error(&["run", "--schedule", "nope=0s:1"], "no station `nope`");
    assert_input_error(&["run", "--schedule", "fries=0s:1"], "batch station");
    assert_input_error(&["run", "--schedule", "soda=1s:1"], "starts at 0 s");
    assert_input_error(&["run", "--schedule", "soda=0s"], "TIME:UNITS");
    assert_input_error(
        &["run", "--schedule", "soda=0s:1", "--schedule", "soda=0s:2"],
        "given twice",
    );
    assert_input_error(
        &[
            "run",
            "--scenario",
            &path,
            "--units-csv",
            "-",
            "--format",
            "json",
        ],
        "stdout",
    );
    // Nothing was written over the scenario.
    assert_eq!(std::fs::read_to_string(&path).unwrap(), SCHEDULED);
}

#[test]
fn optimize_answers_the_cheapest_policy_that_meets_and_run_agrees_on_its_cost() {
    let (_dir, path) = scenario_file(AUTOSCALED);
    let args = [
        "optimize",
        "--scenario",
        &path,
        "--replications",
        "1",
        "--policy",
        "app.min=4..=6",
        "--policy",
        "app.target=0.4,0.5,0.6",
        "--format",
        "json",
    ];
    let out = same_with_one_and_two_threads(&args);
    let doc: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let tried = doc["tried"].as_array().unwrap();
    assert_eq!(tried.len(), 9);
    let answer = &doc["answer"];
    assert_eq!(answer["meets"], true);
    let cost = answer["cost"].as_f64().unwrap();
    // Cheapest first: every policy cheaper than the answer fails.
    for t in tried {
        if t["cost"].as_f64().unwrap() < cost {
            assert_eq!(t["meets"], false, "{t}");
        }
    }
    assert!(tried.iter().any(|t| t["meets"] == false));
    // The answer's policy, run on its own, costs the same.
    let p = &answer["policies"][0];
    let policy = format!(
        "autoscale = {{ min = {}, max = {}, target_utilisation = {}, startup = \"30s\" }}",
        p["min"], p["max"], p["target_utilisation"]
    );
    let (_dir2, alone) = scenario_file(&AUTOSCALED.replace(
        "autoscale = { min = 1, max = 10, target_utilisation = 0.6, startup = \"30s\" }",
        &policy,
    ));
    let run_doc: serde_json::Value = serde_json::from_str(
        &run(&[
            "run",
            "--scenario",
            &alone,
            "--replications",
            "1",
            "--format",
            "json",
        ])
        .1,
    )
    .unwrap();
    assert_eq!(run_doc["units"]["cost"].as_f64().unwrap(), cost);
    assert!(run_doc["summary"]["satisfaction"].as_f64().unwrap() >= 99.0);
}

#[test]
fn optimize_refuses_policies_it_cannot_search() {
    let (_dir, path) = scenario_file(AUTOSCALED);
    assert_input_error(
        &["optimize", "--scenario", &path, "--policy", "db.min=1"],
        "no pool `db` has an autoscaler",
    );
    assert_input_error(
        &[
            "optimize",
            "--scenario",
            &path,
            "--policy",
            "app.target=1.5",
        ],
        "(0, 1]",
    );
    assert_input_error(
        &["optimize", "--scenario", &path, "--policy", "app.colour=1"],
        "not min, max or target",
    );
    assert_input_error(
        &[
            "optimize",
            "--scenario",
            &path,
            "--policy",
            "app.min=5",
            "--policy",
            "app.max=3",
        ],
        "no policy to test",
    );
    assert_input_error(
        &["optimize", "--policy", "soda.min=1"],
        "no pool of this scenario",
    );
}

/// `run`'s satisfied share and total cost, read from its table.
fn share_and_cost(args: &[&str]) -> (f64, f64) {
    let (code, out, err) = run(args);
    assert_eq!(code, 0, "{args:?}: {err}");
    let share = out
        .lines()
        .find(|l| l.starts_with("satisfied "))
        .and_then(|l| l.split('(').nth(1))
        .and_then(|l| l.split('%').next())
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("no share in {out}"));
    let cost = out
        .lines()
        .find_map(|l| l.strip_prefix("total cost "))
        .and_then(|l| l.split(' ').next())
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("no cost in {out}"));
    (share, cost)
}

#[test]
fn the_day_example_autoscales_to_the_objective_at_57_percent_of_the_static_peaks_cost() {
    // docs/autoscaling.md's claims, replication 1 of data/day.toml: 6 app servers all day
    // are the fewest that meet p99 < 400 ms at the 60/s peak; the autoscaler meets it too,
    // for 57 % of their cost.
    let day = ["--scenario", "data/day.toml", "run", "--replications", "1"];
    let (auto_share, auto_cost) = share_and_cost(&day);
    let mut six = day.to_vec();
    six.extend(["--schedule", "app=0s:6"]);
    let (six_share, six_cost) = share_and_cost(&six);
    assert!(
        auto_share >= 99.0 && six_share >= 99.0,
        "{auto_share} {six_share}"
    );
    assert_eq!((auto_cost, six_cost), (8.586, 14.9917));
    assert_eq!(format!("{:.0}", 100.0 * auto_cost / six_cost), "57");
}

/// A fixed-arrival, fixed-service load that rises and falls: every figure exact.
const WINDOWED: &str = r#"
name = "win"
resolution = 0.001
[load]
timeout = 0.5
rate = 2
stages = [{ duration = "1m", target = 2 }, { duration = "1m", target = 30 }, { duration = "1m", target = 30 }, { duration = "1m", target = 2 }]
[cost]
cpu_price = 73.0
ram_price = 0.0
[[station]]
name = "app"
kind = "pool"
service = "200ms"
unit = "server"
cpu_per_unit = 1.0
ram_gib_per_unit = 1.0
units = 1
range = "1..=10"
"#;

#[test]
fn schedule_windows_finds_a_schedule_that_run_verifies_at_its_cost() {
    let (_dir, path) = scenario_file(WINDOWED);
    let args = [
        "optimize",
        "--scenario",
        &path,
        "--schedule-windows",
        "30s",
        "--format",
        "json",
    ];
    let doc: serde_json::Value =
        serde_json::from_slice(&same_with_one_and_two_threads(&args)).unwrap();
    let windows = doc["windows"].as_array().unwrap();
    assert_eq!(windows.len(), 8);
    assert!(windows.iter().all(|w| w["meets"] == true));
    let units: Vec<u64> = windows
        .iter()
        .map(|w| w["units"]["app"].as_u64().unwrap())
        .collect();
    // 2/s of 0.2 s needs one server; the 30/s plateau, 6 erlangs of fixed work, six.
    assert_eq!(units[0], 1);
    assert_eq!(units.iter().max(), Some(&6), "{units:?}");
    assert_eq!(doc["meets"], true);
    // The schedule found, run on its own, meets at the same cost; the static peak costs
    // more.
    let schedule: Vec<String> = doc["schedules"]["app"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| format!("{}s:{}", e[0], e[1]))
        .collect();
    let flag = format!("app={}", schedule.join(","));
    let (share, cost) = share_and_cost(&["run", "--scenario", &path, "--schedule", &flag]);
    assert_eq!(share, 100.0);
    assert_eq!(
        format!("{cost:.4}"),
        format!("{:.4}", doc["cost"].as_f64().unwrap())
    );
    let peak = format!("app=0s:{}", units.iter().max().unwrap());
    let (_, static_cost) = share_and_cost(&["run", "--scenario", &path, "--schedule", &peak]);
    assert!(cost < static_cost, "{cost} against {static_cost}");
    // One server fewer in the busiest window fails it.
    let k = units
        .iter()
        .position(|u| u == units.iter().max().unwrap())
        .unwrap();
    let mut fewer = units.clone();
    fewer[k] -= 1;
    let entries: Vec<String> = fewer
        .iter()
        .enumerate()
        .map(|(i, u)| format!("{}s:{u}", 30 * i))
        .collect();
    let (share, _) = share_and_cost(&[
        "run",
        "--scenario",
        &path,
        "--schedule",
        &format!("app={}", entries.join(",")),
    ]);
    assert!(share < 100.0, "{share}");
}

#[test]
fn schedule_windows_refuses_what_it_cannot_cut() {
    let (_dir, path) = scenario_file(WINDOWED);
    assert_input_error(
        &["optimize", "--scenario", &path, "--schedule-windows", "0s"],
        "more than 0 s",
    );
    assert_input_error(
        &[
            "optimize",
            "--scenario",
            &path,
            "--schedule-windows",
            "10ms",
        ],
        "more than 1000",
    );
    assert_input_error(
        &["optimize", "--schedule-windows", "1m"],
        "staged or replayed",
    );
    let (_dir, auto) = scenario_file(AUTOSCALED);
    assert_input_error(
        &["optimize", "--scenario", &auto, "--schedule-windows", "1m"],
        "already has a schedule or an autoscaler",
    );
}

#[test]
fn compare_sets_static_schedule_and_autoscaler_side_by_side() {
    let auto = WINDOWED.replace(
        "units = 1\nrange = \"1..=10\"",
        "autoscale = { min = 1, max = 10, target_utilisation = 0.6, startup = \"10s\" }",
    );
    let (_dir, path) = scenario_file(&auto);
    let args = [
        "compare",
        "--scenario",
        &path,
        "--schedule-windows",
        "30s",
        "--format",
        "json",
    ];
    let doc: serde_json::Value =
        serde_json::from_slice(&same_with_one_and_two_threads(&args)).unwrap();
    let plans = doc["plans"].as_array().unwrap();
    let names: Vec<&str> = plans.iter().map(|p| p["plan"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        ["static for the peak", "best schedule", "best autoscaler"]
    );
    // Six fixed servers carry the 30/s plateau of 0.2 s requests; run prices them alike.
    assert_eq!(plans[0]["units"], "app 6");
    assert_eq!(plans[0]["meets"], true);
    let (_, six) = share_and_cost(&["run", "--scenario", &path, "--schedule", "app=0s:6"]);
    assert_eq!(
        format!("{six:.4}"),
        format!("{:.4}", plans[0]["cost"].as_f64().unwrap())
    );
    // The schedule follows the load for less.
    assert_eq!(plans[1]["meets"], true);
    assert!(plans[1]["cost"].as_f64().unwrap() < plans[0]["cost"].as_f64().unwrap());
    // A step from 2/s to 30/s outruns an autoscaler that doubles every sync: every client
    // must beat 0.5 s, and none of its policies does.
    assert_eq!(plans[2]["meets"], false);
    assert!(plans[2]["cost"].is_null());
    let (_, table, _) = run(&["compare", "--scenario", &path, "--schedule-windows", "30s"]);
    assert!(
        table.contains("best autoscaler      none tried meets"),
        "{table}"
    );
}

#[test]
fn a_schedule_applies_on_the_real_clock_even_when_its_timer_fires_late() {
    // Steps of 1 ms: tokio's timers fire a step or more late. The units change as in
    // virtual time, at or just after their instants.
    let (_dir, path) = scenario_file(SCHEDULED);
    let (code, csv, err) = run(&[
        "run",
        "--scenario",
        &path,
        "--clock",
        "real",
        "--speed",
        "4",
        "--units-csv",
        "-",
    ]);
    assert_eq!(code, 0, "{err}");
    let rows: Vec<(f64, String)> = csv
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[0].parse().unwrap(), format!("{},{}", f[2], f[3]))
        })
        .collect();
    let counts: Vec<&str> = rows.iter().map(|r| r.1.as_str()).collect();
    assert_eq!(counts, ["1,1", "3,3", "1,1"], "{csv}");
    assert!(rows[1].0 >= 2.0 && rows[1].0 < 2.5, "{csv}");
    assert!(rows[2].0 >= 3.5 && rows[2].0 < 4.0, "{csv}");
}

#[test]
fn optimize_takes_schedules_beside_a_policy_and_no_search_prices_a_schedule_as_static() {
    let two = format!(
        "{AUTOSCALED}[cost]\ncpu_price = 30.0\nram_price = 0.0\n[[station]]\nname = \"db\"\nkind = \"pool\"\nservice = \"10ms\"\nunit = \"connection\"\ncpu_per_unit = 1.0\nram_gib_per_unit = 1.0\nunits = 2\n"
    );
    let (_dir, path) = scenario_file(&two);
    let cost = |schedule: &str| -> f64 {
        let doc: serde_json::Value = serde_json::from_str(
            &run(&[
                "optimize",
                "--scenario",
                &path,
                "--replications",
                "1",
                "--policy",
                "app.min=6",
                "--policy",
                "app.target=0.6",
                "--schedule",
                schedule,
                "--format",
                "json",
            ])
            .1,
        )
        .unwrap();
        doc["tried"][0]["cost"].as_f64().unwrap()
    };
    // Two more connections over the whole run (6 minutes and the last requests' tail):
    // 2 × 0.1 h × 1 core × 30 / 730 a month.
    let extra = cost("db=0s:4") - cost("db=0s:2");
    let expected = 2.0 * 0.1 * 30.0 / 730.0;
    assert!(
        (extra / expected - 1.0).abs() < 0.02,
        "{extra} against {expected}"
    );
    let (_dir2, scheduled) = scenario_file(SCHEDULED);
    for command in ["optimize", "sweep", "compare"] {
        assert_input_error(
            &[command, "--scenario", &scheduled],
            "prices each configuration as fixed",
        );
    }
    assert_input_error(
        &["optimize", "--schedule", "soda=0s:1,1s:2"],
        "prices each configuration as fixed",
    );
}

/// The searches over time have no page: `--report` is refused before any work, and no file
/// is written, rather than the flag doing nothing.
#[test]
fn searches_over_time_refuse_a_report_they_cannot_write() {
    let (dir, auto) = scenario_file(AUTOSCALED);
    let page = dir.path().join("r.html");
    let page = page.to_str().unwrap();
    assert_input_error(
        &["optimize", "--scenario", &auto, "--report", page],
        "--report: optimize over autoscaling policies has no HTML page",
    );
    assert_input_error(
        &["compare", "--scenario", &auto, "--report", page],
        "--report: compare over time has no HTML page",
    );
    let (_wdir, windowed) = scenario_file(WINDOWED);
    assert_input_error(
        &[
            "optimize",
            "--scenario",
            &windowed,
            "--schedule-windows",
            "1m",
            "--report",
            page,
        ],
        "--report: --schedule-windows has no HTML page",
    );
    assert!(!dir.path().join("r.html").exists());
}
