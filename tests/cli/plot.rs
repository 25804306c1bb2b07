//! `--plot` on every command writes an SVG that parses and holds the expected series.

use crate::common::{assert_input_error, run};

fn plot(args: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.svg");
    let mut all = args.to_vec();
    all.extend(["--plot", path.to_str().unwrap()]);
    let (code, _, err) = run(&all);
    assert!(code == 0 || code == 1, "{args:?}: {err}");
    let svg = std::fs::read_to_string(&path).unwrap();
    roxmltree::Document::parse(&svg).expect("the SVG parses");
    // Nothing else is left beside it (the temporary file was renamed).
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    svg
}

fn texts(svg: &str) -> Vec<String> {
    let doc = roxmltree::Document::parse(svg).unwrap();
    doc.descendants()
        .filter(|n| n.has_tag_name("text"))
        .filter_map(|n| n.text().map(|t| t.trim().to_string()))
        .collect()
}

#[test]
fn run_timeline_has_a_row_per_client_and_the_stations() {
    let svg = plot(&["run", "--period", "0.5"]);
    let t = texts(&svg);
    for s in ["soda", "burger", "fries"] {
        assert!(t.iter().any(|x| x == s), "station {s} missing from {t:?}");
    }
    for c in 1..=10 {
        assert!(t.iter().any(|x| x == &c.to_string()), "client {c} missing");
    }
    assert!(t.iter().any(|x| x.contains("model time (s)")), "{t:?}");
    assert!(
        t.iter().any(|x| x.contains("late client (5 of 10)")),
        "{t:?}"
    );
}

#[test]
fn compare_plot_has_a_line_per_strategy_and_the_guides() {
    let svg = plot(&["compare", "--rates", "0.5..=3:0.25", "--timeout", "5"]);
    let t = texts(&svg);
    for name in [
        "baseline",
        "+1 soda machine",
        "+1 cook",
        "7-portion fryer",
        "all three",
        "cheapest",
    ] {
        assert!(
            t.iter()
                .any(|x| x.starts_with(name) && x.contains("$/month")),
            "{name}: {t:?}"
        );
    }
    assert!(
        t.iter().any(|x| x.contains("target rate 2 clients/s")),
        "{t:?}"
    );
    assert!(t.iter().any(|x| x.contains("satisfaction (%)")), "{t:?}");
    assert!(
        t.iter().any(|x| x.contains("arrival rate (clients/s)")),
        "{t:?}"
    );
}

#[test]
fn sweep_and_optimize_plots_mark_the_answer_and_the_frontier() {
    for args in [
        vec!["sweep"],
        vec![
            "optimize",
            "--target-rate",
            "2",
            "--timeout",
            "5",
            "--plot-all",
        ],
    ] {
        let svg = plot(&args);
        let t = texts(&svg);
        assert!(
            t.iter()
                .any(|x| x.contains("answer: soda.units=2 burger.units=5 fries.batch=7")),
            "{t:?}"
        );
        assert!(t.iter().any(|x| x.contains("Pareto frontier")), "{t:?}");
        assert!(t.iter().any(|x| x.contains("meets target (12)")), "{t:?}");
        assert!(t.iter().any(|x| x.contains("48 configurations")), "{t:?}");
    }
}

#[test]
fn unwritable_plot_path_exits_2() {
    assert_input_error(
        &["run", "--plot", "/nonexistent-dir/t.svg"],
        "cannot write the plot",
    );
    assert_input_error(
        &["compare", "--plot", "/nonexistent-dir/t.svg"],
        "cannot write the plot",
    );
}
