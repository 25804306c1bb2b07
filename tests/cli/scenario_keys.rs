//! docs/scenario.md documents every key of the scenario file: the keys are asked of the parser
//! itself (its "unknown field, expected one of …" refusal), never listed by hand, so a key added
//! to the parser without its row fails here, and so does a row for a key the parser no longer
//! takes. Each row's wrong line is put into the page's smallest scenario and must give the
//! error the row shows.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

fn page() -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docs/scenario.md");
    std::fs::read_to_string(path).unwrap()
}

/// The page's smallest scenario: its first ```toml block.
fn base(page: &str) -> String {
    let start = page.find("```toml\n").expect("a ```toml block") + "```toml\n".len();
    let end = start + page[start..].find("```").unwrap();
    page[start..end].to_string()
}

/// One documented key: its section (`load`, `station service`, …) and its six cells.
#[derive(Debug)]
struct Row {
    section: String,
    cells: Vec<String>,
}

/// The section a heading opens: `top` for "Top level", else the words of its first code span
/// without brackets (`[[station]] service` → `station service`).
fn section_of(heading: &str) -> Option<String> {
    if heading.contains("Top level") {
        return Some("top".into());
    }
    let code = heading.split('`').nth(1)?;
    if !code.starts_with('[') {
        return None;
    }
    Some(code.replace(['[', ']'], "").trim().to_string())
}

fn rows(page: &str) -> Vec<Row> {
    let mut out = Vec::new();
    let mut section = None;
    for line in page.lines() {
        if line.starts_with('#') {
            section = section_of(line);
        } else if let (Some(s), true) = (&section, line.starts_with("| `")) {
            let cells: Vec<String> = line
                .trim()
                .trim_matches('|')
                .split(" | ")
                .map(|c| c.trim().to_string())
                .collect();
            out.push(Row {
                section: s.clone(),
                cells,
            });
        }
    }
    out
}

/// The key a row documents: its first cell without backticks.
fn key(row: &Row) -> &str {
    row.cells[0].trim_matches('`')
}

/// The table a line of `section` goes into, as its header line in the base scenario (`None`:
/// the top level).
fn table(section: &str) -> Option<&'static str> {
    match section.split(' ').next().unwrap() {
        "top" => None,
        "load" => Some("[load]"),
        "cost" => Some("[cost]"),
        "station" => Some("[[station]]"),
        "request" => Some("[[request]]"),
        "strategies" => Some("[strategies]"),
        other => panic!("no table for section {other}"),
    }
}

/// `base` with `line` in `section`'s table: in place of the line of the same key, or first.
fn with_line(base: &str, section: &str, line: &str) -> String {
    let mut lines: Vec<String> = base.lines().map(String::from).collect();
    let key = line.split('=').next().unwrap().trim();
    let start = match table(section) {
        None => 0,
        Some(header) => lines.iter().position(|l| l == header).expect(header) + 1,
    };
    let end = (start..lines.len())
        .find(|&i| lines[i].starts_with('['))
        .unwrap_or(lines.len());
    match (start..end)
        .find(|&i| lines[i].contains('=') && lines[i].split('=').next().unwrap().trim() == key)
    {
        Some(i) => lines[i] = line.to_string(),
        None => lines.insert(if start == 0 { 1 } else { start }, line.to_string()),
    }
    lines.join("\n") + "\n"
}

/// Runs `planner --scenario s.toml run` on `text` in `dir`: exit code and stderr.
fn run_scenario(dir: &Path, text: &str) -> (i32, String) {
    std::fs::write(dir.join("s.toml"), text).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_planner"))
        .args(["--scenario", "s.toml", "run"])
        .current_dir(dir)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// The words in backticks after `after` in `message` (`expected one of `a`, `b``).
fn listed(message: &str, after: &str) -> Vec<String> {
    let Some(i) = message.find(after) else {
        return Vec::new();
    };
    message[i + after.len()..]
        .split('`')
        .skip(1)
        .step_by(2)
        .map(String::from)
        .collect()
}

/// The keys the parser accepts in each section, from its refusal of an unknown one.
fn accepted(dir: &Path, base: &str) -> BTreeMap<&'static str, Vec<String>> {
    let probes: [(&str, &str, &str); 11] = [
        ("top", "top", "zzz_unlisted = 1"),
        ("load", "load", "zzz_unlisted = 1"),
        (
            "load stages",
            "load",
            "stages = [{ duration = \"1s\", target = 1, zzz_unlisted = 1 }]",
        ),
        ("cost", "cost", "zzz_unlisted = 1"),
        ("station", "station", "zzz_unlisted = 1"),
        (
            "station service",
            "station",
            "service = { p50 = 1, zzz_unlisted = 2 }",
        ),
        ("request", "request", "zzz_unlisted = 1"),
        (
            "station schedule",
            "station",
            "schedule = [{ at = 0, units = 1, zzz_unlisted = 1 }]",
        ),
        (
            "station autoscale",
            "station",
            "autoscale = { max = 2, zzz_unlisted = 1 }",
        ),
        (
            "station autoscale.scale_up",
            "station",
            "autoscale = { max = 2, scale_up = { zzz_unlisted = 1 } }",
        ),
        (
            "station autoscale.scale_up.policies",
            "station",
            "autoscale = { max = 2, scale_up = { policies = [{ type = \"pods\", value = 1, period = \"15s\", zzz_unlisted = 1 }] } }",
        ),
    ];
    let mut out = BTreeMap::new();
    for (section, table, line) in probes {
        let (code, stderr) = run_scenario(dir, &with_line(base, table, line));
        assert_eq!(code, 2, "{section}: {stderr}");
        let keys = if section == "station service" {
            // "service percentiles are p50 and p99, got `zzz_unlisted`"
            let words = stderr
                .split("service percentiles are ")
                .nth(1)
                .and_then(|s| s.split(", got").next())
                .unwrap_or_else(|| panic!("{stderr}"));
            words.split(" and ").map(|w| w.trim().to_string()).collect()
        } else {
            listed(&stderr, "expected")
        };
        assert!(keys.len() >= 2, "{section}: no keys in {stderr}");
        out.insert(section, keys);
    }
    out
}

#[test]
fn every_key_the_parser_accepts_is_documented_and_every_row_is_a_key() {
    let page = page();
    let base = base(&page);
    let rows = rows(&page);
    let dir = tempfile::tempdir().unwrap();
    let sections: Vec<String> = page
        .lines()
        .filter(|l| l.starts_with('#'))
        .filter_map(section_of)
        .collect();
    let mut missing = Vec::new();
    for (section, keys) in accepted(dir.path(), &base) {
        for k in &keys {
            let documented = rows.iter().any(|r| r.section == section && key(r) == k);
            // A table of the top level is documented by its section.
            let a_table = section == "top" && sections.iter().any(|s| s == k);
            if !documented && !a_table {
                missing.push(format!("{section}: `{k}`"));
            }
        }
        for r in rows.iter().filter(|r| r.section == section) {
            assert!(
                keys.iter().any(|k| k == key(r)),
                "docs/scenario.md documents `{}` in {section}, which the parser does not take (it takes {keys:?})",
                key(r)
            );
        }
    }
    assert!(
        missing.is_empty(),
        "keys the parser accepts that docs/scenario.md does not document: {missing:?}"
    );
    assert!(
        rows.iter().any(|r| r.section == "strategies"),
        "[strategies] undocumented"
    );
}

#[test]
fn every_row_says_type_default_unit_example_and_the_error_it_gives() {
    let page = page();
    let base = base(&page);
    let dir = tempfile::tempdir().unwrap();
    let (code, stderr) = run_scenario(dir.path(), &base);
    assert_eq!(code, 0, "the smallest scenario does not run: {stderr}");
    let rows = rows(&page);
    assert!(rows.len() >= 40, "only {} rows", rows.len());
    let mut failures = Vec::new();
    for row in &rows {
        assert_eq!(row.cells.len(), 6, "{row:?}");
        assert!(row.cells.iter().all(|c| !c.is_empty()), "{row:?}");
        let (wrong, message) = row.cells[5]
            .split_once(" → ")
            .unwrap_or_else(|| panic!("{row:?}: no `LINE` → ERROR"));
        let wrong = wrong.trim_matches('`');
        let (code, stderr) = run_scenario(dir.path(), &with_line(&base, &row.section, wrong));
        let shown = stderr.trim_end();
        let ok = code == 2
            && shown.lines().count() == 1
            && shown.starts_with("error: s.toml:")
            && shown.ends_with(&format!(": {message}"));
        if !ok {
            failures.push(format!(
                "{} `{}`: `{wrong}` gives (exit {code}) {shown}\n  the page shows: {message}",
                row.section,
                key(row)
            ));
        }
        // A key of a few words: the type names every one the parser takes.
        for value in listed(shown, "unknown variant").into_iter().skip(1) {
            assert!(
                row.cells[1].contains(&format!("`\"{value}\"`")),
                "{} `{}`: the type does not name `\"{value}\"`, which the parser takes",
                row.section,
                key(row)
            );
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
