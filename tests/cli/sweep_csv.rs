//! The sweep CSV's intervals and per-class columns: every share and its interval inside
//! [0, 100], Wilson's interval for one replication, each request class with its own.

use crate::common::{parse_csv, run};

fn sweep_csv(args: &[&str]) -> (Vec<String>, Vec<Vec<String>>) {
    let mut all = args.to_vec();
    all.extend(["--csv", "-"]);
    let (code, out, err) = run(&all);
    assert_eq!(code, 0, "{args:?}: {err}");
    parse_csv(&out)
}

fn number(row: &[String], header: &[String], column: &str) -> f64 {
    let at = header
        .iter()
        .position(|h| h == column)
        .unwrap_or_else(|| panic!("no column {column} in {header:?}"));
    row[at]
        .parse()
        .unwrap_or_else(|_| panic!("{column}: `{}`", row[at]))
}

#[test]
fn satisfaction_intervals_stay_inside_0_and_100() {
    // Five replications of 20 Poisson clients: many configurations near 100 %, where
    // Student's t interval reaches past it.
    let (header, rows) = sweep_csv(&[
        "sweep",
        "--arrivals",
        "poisson",
        "--replications",
        "5",
        "--clients",
        "20",
        "--target-rate",
        "1",
    ]);
    let mut below_all = 0;
    for row in &rows {
        let (low, mean, high) = (
            number(row, &header, "satisfaction_low"),
            number(row, &header, "satisfaction"),
            number(row, &header, "satisfaction_high"),
        );
        assert!(
            0.0 <= low && low <= mean && mean <= high && high <= 100.0,
            "{row:?}"
        );
        if mean < 100.0 && high == 100.0 {
            below_all += 1;
        }
    }
    assert!(
        below_all > 0,
        "no interval was clamped: the case tests nothing"
    );
}

#[test]
fn one_replication_gets_the_wilson_interval_of_its_clients() {
    let (header, rows) = sweep_csv(&["sweep"]);
    // The baseline: 5 of 10 satisfied.
    let base = &rows[0];
    assert_eq!(number(base, &header, "satisfied"), 5.0);
    assert!((number(base, &header, "satisfaction_low") - 23.659).abs() < 1e-3);
    assert!((number(base, &header, "satisfaction_high") - 76.341).abs() < 1e-3);
    // All ten satisfied is not a certainty about the next ten.
    let all = rows
        .iter()
        .find(|r| number(r, &header, "satisfied") == 10.0)
        .expect("a configuration satisfies all");
    assert!((number(all, &header, "satisfaction_low") - 72.25).abs() < 0.01);
    assert_eq!(number(all, &header, "satisfaction_high"), 100.0);
}

#[test]
fn each_request_class_has_its_share_interval_and_p99() {
    let fixed = [
        "--scenario",
        "data/api.toml",
        "sweep",
        "--range",
        "db.units=2,4",
        "--range",
        "auth.units=1",
        "--range",
        "catalog.units=1",
        "--range",
        "cache.batch=50",
        "--range",
        "render.units=1",
        "--range",
        "payment.units=4",
        "--replications",
        "1",
    ];
    let (header, rows) = sweep_csv(&fixed);
    let n = header.len();
    assert_eq!(
        header[n - 12..],
        [
            "satisfaction_browse",
            "satisfaction_low_browse",
            "satisfaction_high_browse",
            "p99_s_browse",
            "timeout_browse",
            "min_satisfaction_browse",
            "satisfaction_checkout",
            "satisfaction_low_checkout",
            "satisfaction_high_checkout",
            "p99_s_checkout",
            "timeout_checkout",
            "min_satisfaction_checkout",
        ]
    );
    for row in &rows {
        assert_eq!(row.len(), n);
        for class in ["browse", "checkout"] {
            let low = number(row, &header, &format!("satisfaction_low_{class}"));
            let share = number(row, &header, &format!("satisfaction_{class}"));
            let high = number(row, &header, &format!("satisfaction_high_{class}"));
            assert!(
                0.0 <= low && low <= share && share <= high && high <= 100.0,
                "{row:?}"
            );
            assert!(number(row, &header, &format!("p99_s_{class}")) > 0.0);
        }
        // Each class's objective, and no one timeout for both.
        assert_eq!(number(row, &header, "timeout_browse"), 0.3);
        assert_eq!(number(row, &header, "min_satisfaction_browse"), 99.0);
        assert_eq!(number(row, &header, "timeout_checkout"), 1.0);
        assert_eq!(number(row, &header, "min_satisfaction_checkout"), 100.0);
        let timeout = header.iter().position(|h| h == "timeout").unwrap();
        assert_eq!(row[timeout], "", "{row:?}");
        // Checkout (17 %) is served late: its p99 is above its 1 s objective.
        assert!(number(row, &header, "p99_s_checkout") > 1.0, "{row:?}");
        assert!(number(row, &header, "satisfaction_high_checkout") < 100.0);
    }
}
