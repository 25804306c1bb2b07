//! Text from files never reaches the terminal raw: a scenario, a trace, a shard or a file name
//! holding an ESC (which can set the terminal's title or clear its screen) is shown with it
//! escaped, `\u{1b}`, in tables, traces and messages; a scenario's own words holding one are
//! refused where they are written. JSON stays valid JSON.

use std::path::Path;

use crate::common::{assert_input_error, planner, run, scenario_file};

/// What the scenario name does to a terminal: set its title, ring, clear the screen.
const ATTACK: &str = "\u{1b}]0;PWNED\u{7}\u{1b}[2J";
/// The same, as a TOML basic string writes it.
const ATTACK_TOML: &str = "\\u001b]0;PWNED\\u0007\\u001b[2J";
/// The same, as planner shows it.
const SHOWN: &str = "\\u{1b}]0;PWNED\\u{7}\\u{1b}[2J";

/// Asserts that neither stream of `planner ARGS` carries a control character other than the
/// newline, and returns (exit code, stdout, stderr).
fn no_raw_control(args: &[&str]) -> (i32, String, String) {
    let (code, out, err) = run(args);
    for (stream, text) in [("stdout", &out), ("stderr", &err)] {
        let raw = text.chars().find(|&c| c.is_control() && c != '\n');
        assert!(raw.is_none(), "{args:?}: raw {raw:?} on {stream}: {text:?}");
    }
    (code, out, err)
}

fn fastfood() -> String {
    std::fs::read_to_string("data/fastfood.toml").unwrap()
}

#[test]
fn a_scenario_name_with_an_escape_is_refused_and_shown_escaped() {
    let (_d, path) = scenario_file(&format!(
        "name = \"x{ATTACK_TOML}\"\n[[station]]\nname = \"a\"\nkind = \"pool\"\nservice = 1\nunits = 1\n"
    ));
    let (code, _, err) = no_raw_control(&["--scenario", &path, "run"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains(&format!("scenario name `x{SHOWN}`")), "{err}");
}

#[test]
fn a_scenarios_words_with_an_escape_are_refused_where_they_are_written() {
    let text = fastfood();
    for (from, to, needle) in [
        (
            "unit = \"cook\"",
            "unit = \"c\\u001b[2Jook\"",
            "station `burger`: unit holds the character U+001B",
        ),
        (
            "device = \"fryer\"",
            "device = \"fryer\\u009b2J\"",
            "station `fries`: device holds the character U+009B",
        ),
        (
            "\"+1 cook\" = ",
            "\"+1 \\u001b[2Jcook\" = ",
            "strategy name `+1 \\u{1b}[2Jcook` holds the character U+001B",
        ),
        (
            "description = \"The",
            "description = \"\\u202eThe",
            "description holds the character U+202E",
        ),
    ] {
        assert!(text.contains(from), "{from}");
        let (_d, path) = scenario_file(&text.replacen(from, to, 1));
        let (code, _, err) = no_raw_control(&["--scenario", &path, "optimize"]);
        assert_eq!(code, 2, "{to}: {err}");
        assert!(err.contains(needle), "{to}: {err}");
        assert_eq!(err.lines().count(), 1, "{err}");
    }
    // A --strategy from the command line is shown in the same table: the same rule.
    assert_input_error(
        &["compare", "--strategy", "a\u{1b}[2J=soda.units=2"],
        "strategy name `a\\u{1b}[2J` holds the character U+001B",
    );
}

#[test]
fn a_file_name_with_an_escape_is_shown_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let samples = dir.path().join(format!("s{ATTACK}.csv"));
    std::fs::copy("data/db-latency.csv", &samples).unwrap();
    let p = samples.to_str().unwrap();
    let shown = p.replace(ATTACK, SHOWN);
    // In the table, which names the file it read.
    let (code, out, err) = no_raw_control(&["fit", p]);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with(&format!("{shown}: 400 samples")), "{out}");
    // In an error.
    let missing = dir.path().join(format!("missing{ATTACK}.csv"));
    let (code, _, err) = no_raw_control(&["fit", missing.to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains(&missing.to_str().unwrap().replace(ATTACK, SHOWN)),
        "{err}"
    );
    // In a message naming an output.
    let csv = dir.path().join(format!("t{ATTACK}.csv"));
    let (code, out, err) = no_raw_control(&["-q", "sweep", "--csv", csv.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains(&csv.to_str().unwrap().replace(ATTACK, SHOWN)),
        "{out}"
    );
}

#[test]
fn a_traces_text_is_shown_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path.to_str().unwrap().to_string()
    };
    // A class the scenario does not know, and a column header, both named in the error.
    let classes = write("c.csv", &format!("time,class\n0,browse\n1,x{ATTACK}\n"));
    let (code, _, err) =
        no_raw_control(&["--scenario", "data/api.toml", "run", "--replay", &classes]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains(&format!("`x{SHOWN}`")), "{err}");
    let header = write("h.csv", &format!("when{ATTACK}\n0\n1\n"));
    let (code, _, err) = no_raw_control(&["run", "--replay", &header]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains(&format!("when{SHOWN}")), "{err}");
    // A row that is not a time.
    let row = write("r.csv", &format!("time\n0\n1{ATTACK}\n"));
    let (code, _, err) = no_raw_control(&["run", "--replay", &row]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains(&format!("1{SHOWN}")), "{err}");
}

#[test]
fn a_shards_fields_are_shown_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let out = planner()
        .args(["-q", "optimize", "--shard", "1/2", "--format", "json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let mut doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    // Each edit is sealed again, as an attacker would: the digest then agrees, and what the
    // merge says of the fields is what is tested.
    let shard = |name: &str, doc: &serde_json::Value| {
        let path = dir.path().join(name);
        let mut doc = doc.clone();
        planner::scaleout::shard::digest::seal_json(&mut doc);
        std::fs::write(&path, serde_json::to_vec(&doc).unwrap()).unwrap();
        path.to_str().unwrap().to_string()
    };
    let good = shard("good.json", &doc);
    // A command the merge does not know, named in the error.
    doc["planner_shard"]["command"] = format!("x{ATTACK}").into();
    let bad = shard("bad.json", &doc);
    let (code, _, err) = no_raw_control(&["merge", &good, &bad]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains(&format!("x{SHOWN}")), "{err}");
    // The scenario it records, whose file name and text name the problem.
    let whole = planner()
        .args(["-q", "optimize", "--shard", "1/1", "--format", "json"])
        .output()
        .unwrap();
    let mut doc: serde_json::Value = serde_json::from_slice(&whole.stdout).unwrap();
    doc["scenario_source"] = format!("s{ATTACK}.toml").into();
    let text = format!("\"x{ATTACK_TOML}\" = 1\n");
    doc["planner_shard"]["scenario_hash"] = planner::scaleout::shard::fingerprint(&text).into();
    doc["scenario_text"] = text.into();
    let only = shard("only.json", &doc);
    let (code, _, err) = no_raw_control(&["merge", &only]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains(&format!("s{SHOWN}.toml")), "{err}");
}

#[test]
fn a_toml_error_excerpt_is_shown_escaped() {
    let (_d, path) = scenario_file(&format!("\"k{ATTACK_TOML}\" = 1\n{}", fastfood()));
    let (code, _, err) = no_raw_control(&["--scenario", &path, "run"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains(&format!("unknown field `k{SHOWN}`")), "{err}");
}

#[test]
fn json_carries_the_text_as_data() {
    // A file name in `fit`'s JSON: escaped by JSON itself, and read back exactly.
    let dir = tempfile::tempdir().unwrap();
    let samples = dir.path().join(format!("s{ATTACK}.csv"));
    std::fs::copy("data/db-latency.csv", &samples).unwrap();
    let (code, out, err) = no_raw_control(&["fit", samples.to_str().unwrap(), "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("\\u001b"), "{out}");
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["file"].as_str().map(Path::new), Some(samples.as_path()));
}
