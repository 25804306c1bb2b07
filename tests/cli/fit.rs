//! `planner fit`'s scenario lines: a mean to 4 significant digits (with the resolution it
//! needs), and the `{ p50, p99 }` form, which a scenario takes at any resolution.

use crate::common::{run, scenario_file};

/// Writes `samples` (one per line, with a header) beside a scenario and returns the dir.
fn samples_file(samples: &[f64]) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("samples.csv");
    let text: String = samples.iter().map(|v| format!("{v}\n")).collect();
    std::fs::write(&path, format!("seconds\n{text}")).unwrap();
    let p = path.to_str().unwrap().to_string();
    (dir, p)
}

#[test]
fn a_fitted_mean_keeps_four_significant_digits_and_says_what_resolution_holds_it() {
    // Mean 0.005822 s: rounded to the millisecond it would be 0.006, 3 % off.
    let (_dir, file) = samples_file(&[0.005, 0.006644]);
    let (code, out, err) = run(&["fit", &file]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("# fixed (KS distance"), "{out}");
    assert!(out.contains("\nservice = 0.005822\n"), "{out}");
    assert!(!out.contains("service = 0.006\n"), "{out}");
    assert!(
        out.contains("0.001 s cannot hold these: set `resolution = 0.000001` (or finer)"),
        "{out}"
    );
    // With that resolution the line is taken as it stands.
    let (_s, scenario) = scenario_file(
        "name = \"x\"\nresolution = 0.000001\n[[station]]\nname = \"db\"\nkind = \"pool\"\nunits = 1\nservice = 0.005822\n",
    );
    let (code, out, err) = run(&["--scenario", &scenario, "run", "--clients", "1"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("max 0.005822 s"), "{out}");
    // A scenario whose grid holds the mean gets no such note.
    let (_s, micro) = scenario_file(
        "name = \"x\"\nresolution = 0.000001\n[[station]]\nname = \"db\"\nkind = \"pool\"\nunits = 1\nservice = 1\n",
    );
    let (_, out, _) = run(&["--scenario", &micro, "fit", &file]);
    assert!(
        out.contains("(means to 4 significant digits; the samples path"),
        "{out}"
    );
}

#[test]
fn the_p50_p99_line_is_offered_and_pastes_at_any_resolution() {
    let samples: Vec<f64> = (1..=100).map(|i| 0.001 * f64::from(i) * 1.234).collect();
    let (_dir, file) = samples_file(&samples);
    let (code, out, err) = run(&["fit", &file]);
    assert_eq!(code, 0, "{err}");
    // Nearest rank: p50 is the 50th sample, 61.7 ms; p99 the 99th, 122.166 ms.
    let line = "service = { p50 = \"61.7ms\", p99 = \"122.2ms\" }";
    assert!(
        out.contains("# lognormal through p50 and p99 (KS distance"),
        "{out}"
    );
    assert!(out.contains(&format!("\n{line}\n")), "{out}");
    // At the default millisecond resolution.
    let (_s, scenario) = scenario_file(&format!(
        "name = \"x\"\n[[station]]\nname = \"db\"\nkind = \"pool\"\nunits = 1\n{line}\n"
    ));
    let (code, _, err) = run(&["--scenario", &scenario, "run", "--replications", "2"]);
    assert_eq!(code, 0, "{err}");
}
