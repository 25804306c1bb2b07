//! Searches rank right at any price and say what they did.

use planner::model::objective::Share;
use planner::model::scenario::Scenario;
use planner::model::units::{Period, Seconds};
use planner::search::{self, Space, Target};
use planner::workload::{Arrivals, LoadTest};

use crate::common::{assert_input_error, parse_csv, run};

/// Every `soda.units=… burger.units=… fries.batch=…` in the text, in order.
fn configs(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|l| {
            let start = l.find("soda.units=")?;
            let words: Vec<&str> = l[start..].split_whitespace().take(3).collect();
            Some(words.join(" "))
        })
        .collect()
}

/// The "load-tested …" clause of optimize's second line.
fn tested(out: &str) -> &str {
    let line = out.lines().nth(1).unwrap_or("");
    &line[line.find("load-tested").unwrap_or(0)..]
}

/// The default prices (30 per core, 4 per GiB) times `scale`, as flags.
fn scaled(scale: f64) -> Vec<String> {
    vec![
        "--cpu-price".into(),
        format!("{:e}", 30.0 * scale),
        "--ram-price".into(),
        format!("{:e}", 4.0 * scale),
    ]
}

fn with(args: &[&str], more: &[String]) -> Vec<String> {
    let mut all: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    all.extend(more.iter().cloned());
    all
}

fn run_s(args: &[String]) -> (i32, String, String) {
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    run(&refs)
}

#[test]
fn ranking_does_not_change_when_both_prices_scale() {
    // Integer millionths overflowed past ~9.2e12: at these scales every price tied.
    let base = [
        "optimize",
        "--sustained",
        "--range",
        "fries.batch=5,7,8,10",
        "--show",
        "6",
    ];
    let (code, reference, err) = run(&base);
    assert_eq!(code, 0, "{err}");
    let want = configs(&reference);
    // The answer and six runners-up, in price order.
    assert_eq!(want.len(), 7, "{reference}");
    assert_eq!(want[0], "soda.units=2 burger.units=6 fries.batch=8");
    for scale in [1e-6, 1e10 / 3.0, 1e12 / 3.0, 1e15, 1e299] {
        let (code, out, err) = run_s(&with(&base, &scaled(scale)));
        assert_eq!(code, 0, "×{scale}: {err}");
        assert_eq!(configs(&out), want, "×{scale}: {out}");
        assert_eq!(tested(&out), tested(&reference), "×{scale}");
    }
}

#[test]
fn sweep_ranks_the_same_at_every_scale_and_its_csv_never_gets_cheaper() {
    let (_, reference, _) = run(&["sweep", "--show", "48"]);
    let want = configs(&reference);
    assert_eq!(want.len(), 48);
    for scale in [1e11 / 30.0, 1e13 / 30.0, 1e300 / 30.0] {
        let (code, out, err) = run_s(&with(&["sweep", "--show", "48"], &scaled(scale)));
        assert_eq!(code, 0, "{err}");
        assert_eq!(configs(&out), want, "×{scale}: {out}");
    }
    // One price huge, the other not: the CSV is still in cost order, every row present.
    for cpu in ["1e11", "1e13", "1e300"] {
        let (code, out, err) = run(&["sweep", "--cpu-price", cpu, "--csv", "-"]);
        assert_eq!(code, 0, "{err}");
        let (header, rows) = parse_csv(&out);
        let col = header.iter().position(|h| h == "cost").unwrap();
        let costs: Vec<f64> = rows.iter().map(|r| r[col].parse().unwrap()).collect();
        assert_eq!(costs.len(), 48);
        assert!(costs.iter().all(|c| c.is_finite()), "{cpu}: {costs:?}");
        assert!(
            costs.windows(2).all(|w| w[0] <= w[1]),
            "--cpu-price {cpu}: {costs:?}"
        );
    }
}

#[test]
fn prices_that_overflow_are_refused() {
    assert_input_error(&["optimize", "--cpu-price", "1e308"], "prices too large");
    assert_input_error(&["sweep", "--ram-price", "1.7e308"], "prices too large");
}

#[test]
fn closest_means_most_satisfied_then_cheapest() {
    // At 3 clients/s nothing passes; the cheapest of the 7/10 has a later worst client than
    // a dearer one, which used to rank first.
    let (code, out, _) = run(&["optimize", "--target-rate", "3", "--timeout", "5"]);
    assert_eq!(code, 1, "{out}");
    let table: Vec<&str> = out
        .lines()
        .skip_while(|l| !l.starts_with("Closest (most satisfied clients, then cheapest)"))
        .skip(2)
        .filter(|l| l.contains("soda.units="))
        .collect();
    assert_eq!(table.len(), 5, "{out}");
    assert!(
        table[0].contains("soda.units=2 burger.units=4 fries.batch=7"),
        "{out}"
    );
    let rows: Vec<(f64, usize)> = table
        .iter()
        .map(|l| {
            let price: f64 = l.split_whitespace().next().unwrap().parse().unwrap();
            let sat = l
                .split_whitespace()
                .find(|w| w.contains('/'))
                .unwrap()
                .split('/')
                .next()
                .unwrap()
                .parse()
                .unwrap();
            (price, sat)
        })
        .collect();
    for w in rows.windows(2) {
        assert!(
            w[0].1 > w[1].1 || (w[0].1 == w[1].1 && w[0].0 <= w[1].0),
            "{out}"
        );
    }
}

#[test]
fn closest_is_a_library_order() {
    let scenario = Scenario::embedded();
    let space = Space::new(&scenario, &[]);
    let target = Target {
        load: LoadTest::new(
            10,
            Arrivals::Fixed(Period::new(1.0 / 3.0).unwrap()),
            Seconds::new(5.0).unwrap(),
        ),
        share: Share::ALL,
        clients: None,
    };
    let ranking = search::rank(&space, &scenario, scenario.prices());
    let study = search::Study {
        model: &scenario,
        prices: scenario.prices().clone(),
        target,
        space,
        sustained: false,
    };
    let o = search::optimize(
        &study,
        ranking.iter().cloned(),
        ranking.len(),
        3,
        search::Budget::default(),
        None,
        &|_| {},
    )
    .unwrap();
    assert!(o.answer.is_none());
    let all = search::closest(&o, usize::MAX);
    assert_eq!(all.len(), o.evaluated.len());
    for w in all.windows(2) {
        let (a, b) = (&o.evaluated[w[0]].summary, &o.evaluated[w[1]].summary);
        // Most satisfied first; among equals, rank (price) order.
        assert!(
            a.satisfaction > b.satisfaction || (a.satisfaction == b.satisfaction && w[0] < w[1])
        );
    }
    assert_eq!(search::closest(&o, 5), all[..5]);
}

#[test]
fn optimize_plots_what_it_tested_unless_asked_for_all() {
    let dir = tempfile::tempdir().unwrap();
    let svg = dir.path().join("p.svg");
    let svg = svg.to_str().unwrap();
    let (code, out, err) = run(&["optimize", "--plot", svg]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("48 configurations; load-tested 33 (cheapest first, up to the 5 cheapest that meet the target)\n"),
        "{out}"
    );
    let text = std::fs::read_to_string(svg).unwrap();
    assert!(text.contains("33 of 48 configurations"), "{text}");
    assert!(!err.contains("for the plot"), "{err}");

    let (code, out, err) = run(&["optimize", "--plot", svg, "--plot-all"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("load-tested 33 for the answer (cheapest first, up to the 5 cheapest that meet the target), all 48 for the plot"),
        "{out}"
    );
    // The answer does not depend on the picture.
    assert!(
        out.contains("Answer: soda.units=2 burger.units=5 fries.batch=7"),
        "{out}"
    );
    let text = std::fs::read_to_string(svg).unwrap();
    assert!(text.contains(": 48 configurations,"), "{text}");

    assert_input_error(&["optimize", "--plot-all"], "--plot-all");
}

#[test]
fn sweep_to_a_csv_file_prints_a_summary_not_the_table() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("table.csv");
    let path = path.to_str().unwrap();
    let (code, out, err) = run(&["sweep", "--csv", path]);
    assert_eq!(code, 0, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3, "{out}");
    assert_eq!(
        lines[1],
        "space: soda.units 1..=4 × burger.units 3..=8 × fries.batch 5,7; 12 meet the target"
    );
    assert_eq!(
        lines[2],
        format!("wrote 48 rows to {path}; the cheapest that meets the target: soda.units=2 burger.units=5 fries.batch=7 at 227.60 $/month")
    );
    assert!(!out.contains("more (--csv"), "{out}");
    assert_eq!(std::fs::read_to_string(path).unwrap().lines().count(), 49);

    let (code, out, _) = run(&["sweep", "--csv", path, "--target-rate", "5"]);
    assert_eq!(code, 0);
    assert!(out.ends_with("; none meets the target\n"), "{out}");
    // Without a file the table is still the answer.
    let (_, out, _) = run(&["sweep"]);
    assert!(
        out.contains("… 28 more (--csv FILE writes them all)"),
        "{out}"
    );
}

#[test]
fn nothing_passes_says_everything_was_tested_and_what_limits() {
    let (code, out, _) = run(&["optimize", "--target-rate", "5"]);
    assert_eq!(code, 1);
    assert!(!out.contains("stopping once"), "{out}");
    assert!(
        out.contains("48 configurations; load-tested all 48; none meets the target\n"),
        "{out}"
    );
    assert!(
        out.contains("None keeps up with 5 clients/s either: it would take soda.units ≥ 5 (each soda machine serves one request per 1 s; the range stops at 4)"),
        "{out}"
    );
    assert!(out.contains("Closest"), "{out}");

    // The levers reach 1 client/s, but no one is served in under 4 s (the fryer takes 4):
    // no lever to blame, the closest are shown.
    let (code, out, _) = run(&["optimize", "--target-rate", "1", "--timeout", "4"]);
    assert_eq!(code, 1);
    assert!(
        out.contains("load-tested all 48; none meets the target"),
        "{out}"
    );
    assert!(!out.contains("keeps up"), "{out}");
    assert!(out.contains("Closest"), "{out}");

    let (code, out, _) = run(&[
        "optimize",
        "--sustained",
        "--range",
        "fries.batch=5,7,8,10",
        "--timeout",
        "3",
    ]);
    assert_eq!(code, 1);
    assert!(
        out.contains("18 of which keep up with the rate (78 skipped: a station at or over its capacity); load-tested 1, 17 skipped: no configuration can meet the target"),
        "{out}"
    );
    // A burger takes 3 s, and a latency of 3 s is not under 3 s: no lever helps.
    assert!(
        out.contains("a request's fastest path takes at least 3 s, at or over its 3 s objective"),
        "{out}"
    );
}
