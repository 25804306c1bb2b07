//! `run --plot` draws the dashboard (arrivals per second and latency over time, per window)
//! above 60 clients, the timeline up to 60, and `--plot-kind` chooses.

use crate::common::{assert_input_error, parse_csv, run, same_with_one_and_two_threads};

/// Runs `planner ARGS --plot FILE` and returns the SVG, which must parse.
fn plot(args: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.svg");
    let mut all = args.to_vec();
    all.extend(["--plot", path.to_str().unwrap()]);
    let (code, _, err) = run(&all);
    assert_eq!(code, 0, "{args:?}: {err}");
    let svg = std::fs::read_to_string(&path).unwrap();
    roxmltree::Document::parse(&svg).expect("the SVG parses");
    svg
}

fn texts(doc: &roxmltree::Document<'_>) -> Vec<String> {
    doc.descendants()
        .filter(|n| n.has_tag_name("text"))
        .filter_map(|n| n.text().map(|t| t.trim().to_string()))
        .collect()
}

fn is_dashboard(svg: &str) -> bool {
    let doc = roxmltree::Document::parse(svg).unwrap();
    let t = texts(&doc);
    let dashboard = t.iter().any(|x| x == "Arrivals per second");
    let timeline = t.iter().any(|x| x == "model time (s)");
    assert!(dashboard != timeline, "one picture or the other: {t:?}");
    dashboard
}

/// One window of the dashboard, as its invisible column's `data-*` attributes say.
#[derive(Debug)]
struct Window {
    start: f64,
    end: f64,
    arrivals: usize,
    late: usize,
    p50: Option<f64>,
    p99: Option<f64>,
}

fn windows(doc: &roxmltree::Document<'_>) -> Vec<Window> {
    let num = |n: &roxmltree::Node<'_, '_>, a: &str| -> Option<f64> {
        n.attribute(a).map(|v| v.parse().unwrap())
    };
    doc.descendants()
        .filter(|n| n.has_tag_name("rect") && n.attribute("class") == Some("window"))
        .map(|n| {
            let tip = n.children().find(|c| c.has_tag_name("title"));
            assert!(
                tip.and_then(|t| t.text()).is_some(),
                "a window has a tooltip"
            );
            Window {
                start: num(&n, "data-start-s").unwrap(),
                end: num(&n, "data-end-s").unwrap(),
                arrivals: num(&n, "data-arrivals").unwrap() as usize,
                late: num(&n, "data-late").unwrap() as usize,
                p50: num(&n, "data-p50-s"),
                p99: num(&n, "data-p99-s"),
            }
        })
        .collect()
}

/// The fill of the legend's swatch for `label`: the rectangle drawn just before its text.
fn legend_fill(doc: &roxmltree::Document<'_>, label: &str) -> String {
    let mut last = None;
    for n in doc.descendants() {
        if n.has_tag_name("rect") {
            last = n.attribute("fill");
        }
        if n.has_tag_name("text") && n.text().map(str::trim) == Some(label) {
            return last.expect("a swatch before the label").to_string();
        }
    }
    panic!("no legend row {label:?}");
}

#[test]
fn run_dashboard_has_both_panels_a_bar_per_window_and_p99_over_p50() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("c.csv");
    let svg = plot(&[
        "run",
        "--clients",
        "2000",
        "--rate",
        "1.6",
        "--set",
        "soda.units=2",
        "--set",
        "burger.units=6",
        "--set",
        "fries.batch=8",
        "--arrivals",
        "poisson",
        "--replications",
        "1",
        "--csv",
        csv.to_str().unwrap(),
    ]);
    assert!(is_dashboard(&svg));
    let doc = roxmltree::Document::parse(&svg).unwrap();
    let t = texts(&doc);
    for s in [
        "Arrivals per second",
        "Latency by due time",
        "clients/s",
        "latency (s)",
        "due time (s)",
        "timeout 5 s",
    ] {
        assert!(t.iter().any(|x| x == s), "no text {s:?} in {t:?}");
    }

    let w = windows(&doc);
    assert!((40..=100).contains(&w.len()), "{} windows", w.len());
    // Consecutive windows of one round width, covering every client once.
    let width = w[0].end - w[0].start;
    assert!(
        [1.0, 2.0, 5.0, 10.0, 15.0, 30.0, 60.0].contains(&width),
        "width {width}"
    );
    for pair in w.windows(2) {
        assert!((pair[1].start - pair[0].end).abs() < 1e-9, "{pair:?}");
        assert!(
            (pair[0].end - pair[0].start - width).abs() < 1e-9,
            "{pair:?}"
        );
    }
    assert_eq!(w.iter().map(|v| v.arrivals).sum::<usize>(), 2000);

    // One arrival bar per window with clients (+ the legend's swatch).
    let bar = legend_fill(&doc, "clients/s on time");
    let bars = doc
        .descendants()
        .filter(|n| n.has_tag_name("rect") && n.attribute("fill") == Some(bar.as_str()))
        .count();
    let busy = w.iter().filter(|v| v.arrivals > 0).count();
    assert_eq!(bars, busy + 1);
    // A red part per window with late clients (+ the legend's).
    let late_fill = legend_fill(&doc, "clients/s late");
    let late_bars = doc
        .descendants()
        .filter(|n| n.has_tag_name("rect") && n.attribute("fill") == Some(late_fill.as_str()))
        .count();
    assert_eq!(late_bars, w.iter().filter(|v| v.late > 0).count() + 1);

    // p99 ≥ p50 in every window, both present exactly where there are clients.
    for v in &w {
        assert_eq!(v.p50.is_some(), v.arrivals > 0, "{v:?}");
        if let (Some(p50), Some(p99)) = (v.p50, v.p99) {
            assert!(p99 >= p50, "{v:?}");
        }
    }

    // The late clients are the CSV's unsatisfied ones, and some windows have them.
    let (header, rows) = parse_csv(&std::fs::read_to_string(&csv).unwrap());
    let sat = header.iter().position(|h| h == "satisfied").unwrap();
    let late = rows.iter().filter(|r| r[sat] == "false").count();
    assert!(late > 0);
    assert_eq!(w.iter().map(|v| v.late).sum::<usize>(), late);
    assert!(t.iter().any(|x| x.starts_with(&format!("late: {late} ("))));
}

#[test]
fn run_plot_draws_the_timeline_up_to_60_clients_and_plot_kind_chooses() {
    let base = ["run", "--period", "0.5", "--clients"];
    let with = |n: &str, extra: &[&str]| {
        let mut a = base.to_vec();
        a.push(n);
        a.extend_from_slice(extra);
        plot(&a)
    };
    assert!(!is_dashboard(&with("60", &[])));
    assert!(is_dashboard(&with("61", &[])));
    assert!(!is_dashboard(&with("500", &["--plot-kind", "timeline"])));

    // Ten clients every 0.5 s as a dashboard: five 1 s windows of two clients each.
    let svg = with("10", &["--plot-kind", "dashboard"]);
    assert!(is_dashboard(&svg));
    let doc = roxmltree::Document::parse(&svg).unwrap();
    let w = windows(&doc);
    assert_eq!(w.len(), 5, "{w:?}");
    assert!(w.iter().all(|v| v.arrivals == 2 && v.end - v.start == 1.0));
    // Clients 6..=10 are late (see the table in docs/tutorial.md): windows 3 (one), 4 and 5 (two each).
    let late: Vec<usize> = w.iter().map(|v| v.late).collect();
    assert_eq!(late, [0, 0, 1, 2, 2]);

    // `--format svg` on stdout draws the same picture as `--plot FILE`.
    let (code, out, err) = run(&[
        "run",
        "--period",
        "0.5",
        "--clients",
        "61",
        "--format",
        "svg",
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, with("61", &[]));
}

#[test]
fn run_dashboard_of_100000_clients_stays_small() {
    let svg = plot(&["run", "--clients", "100000", "--rate", "50"]);
    assert!(svg.len() < 200_000, "{} bytes", svg.len());
    assert!(is_dashboard(&svg));
    let doc = roxmltree::Document::parse(&svg).unwrap();
    let w = windows(&doc);
    assert!((50..=100).contains(&w.len()), "{} windows", w.len());
    assert_eq!(w.iter().map(|v| v.arrivals).sum::<usize>(), 100_000);
}

#[test]
fn run_dashboard_is_the_same_with_one_thread_or_two() {
    let args = [
        "run",
        "--clients",
        "500",
        "--rate",
        "1.6",
        "--arrivals",
        "poisson",
        "--replications",
        "3",
        "--plot",
        "-",
    ];
    let svg = String::from_utf8(same_with_one_and_two_threads(&args)).unwrap();
    assert!(is_dashboard(&svg));
}

#[test]
fn plot_kind_needs_plot_and_a_known_kind() {
    assert_input_error(&["run", "--plot-kind", "dashboard"], "--plot-kind");
    assert_input_error(&["run", "--plot-kind", "gantt", "--plot", "x.svg"], "gantt");
}
