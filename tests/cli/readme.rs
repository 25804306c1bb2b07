//! The documentation's examples, run: in README.md and every docs/*.md, every `$ …` line in
//! a ```text block is executed and its output compared with the lines that follow it, so the
//! documentation can never drift from the program.
//!
//! Matching rules, so that long outputs can be shown in part:
//! - a line that is only `…` stands for any number of lines (none included);
//! - a line ending in `…` matches any line that starts with the text before it;
//! - every other line must match exactly (trailing spaces ignored).
//!
//! Each example's output is its stdout followed by its stderr, as a terminal shows them.
//! Commands run through `sh -c` in a fresh directory per page (its examples run in order, so
//! one may read what an earlier one wrote) where `planner` is the binary under test
//! and `data/` is the repository's, so `planner sweep --csv t.csv && head -5 t.csv` works too.

use std::path::{Path, PathBuf};

/// One example: the command line and the output the README shows for it.
#[derive(Debug)]
struct Example {
    line: usize,
    command: String,
    expected: Vec<String>,
}

fn repository() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The examples of a Markdown text, in order.
fn examples(markdown: &str) -> Vec<Example> {
    let mut out: Vec<Example> = Vec::new();
    let mut in_text = false;
    for (number, line) in markdown.lines().enumerate() {
        if line.trim_start().starts_with("```") {
            in_text = !in_text && line.trim() == "```text";
            continue;
        }
        if !in_text {
            continue;
        }
        if let Some(command) = line.strip_prefix("$ ") {
            out.push(Example {
                line: number + 1,
                command: command.to_string(),
                expected: Vec::new(),
            });
        } else if let Some(example) = out.last_mut() {
            example.expected.push(line.to_string());
        }
    }
    for example in &mut out {
        while example.expected.last().is_some_and(|l| l.trim().is_empty()) {
            example.expected.pop();
        }
    }
    out
}

/// Whether `actual` matches `expected` under the rules above.
fn matches(expected: &[String], actual: &[&str]) -> bool {
    match expected.split_first() {
        None => actual.is_empty(),
        Some((first, rest)) if first.trim() == "…" => {
            (0..=actual.len()).any(|skip| matches(rest, &actual[skip..]))
        }
        Some((first, rest)) => match actual.split_first() {
            None => false,
            Some((line, more)) => {
                let (want, got) = (first.trim_end(), line.trim_end());
                let same = match want.strip_suffix('…') {
                    Some(prefix) => got.starts_with(prefix),
                    None => want == got,
                };
                same && matches(rest, more)
            }
        },
    }
}

/// Runs one example in `dir` and returns what reaches the terminal: stdout, then stderr
/// (notes and errors; progress bars stay hidden off a terminal).
fn run(example: &Example, dir: &Path) -> String {
    let out = crate::common::shell(dir, &example.command);
    let mut text = String::from_utf8(out.stdout).expect("utf-8 stdout");
    text.push_str(&String::from_utf8(out.stderr).expect("utf-8 stderr"));
    text
}

/// README.md, then docs/*.md in name order, with their text.
fn pages() -> Vec<(String, String)> {
    let mut names: Vec<String> = std::fs::read_dir(repository().join("docs"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".md"))
        .map(|n| format!("docs/{n}"))
        .collect();
    names.sort();
    names.insert(0, "README.md".into());
    names
        .into_iter()
        .map(|n| {
            let text = std::fs::read_to_string(repository().join(&n)).unwrap();
            (n, text)
        })
        .collect()
}

/// Runs one page's examples in order, in a fresh directory of its own (an example may read
/// what an earlier one of its page wrote), and fails with every example whose output differs
/// from what the page shows.
fn check_page(page: &str) {
    let text = std::fs::read_to_string(repository().join(page)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(repository().join("data"), dir.path().join("data")).unwrap();
    let mut failures = Vec::new();
    for example in &examples(&text) {
        let stdout = run(example, dir.path());
        let actual: Vec<&str> = stdout.lines().collect();
        if !matches(&example.expected, &actual) {
            failures.push(format!(
                "{page}:{}: `{}` printed:\n{}\n--- {page} shows:\n{}",
                example.line,
                example.command,
                stdout,
                example.expected.join("\n")
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// One test a page, so that the pages run side by side instead of one after another in a
/// single test that outlasts the rest of the suite; `every_page_has_its_examples_test` keeps
/// the list whole.
mod every_example_prints_what_its_page_shows {
    macro_rules! pages {
        ($($test:ident: $page:literal),* $(,)?) => {
            /// The pages with a test below.
            pub(super) const PAGES: &[&str] = &[$($page),*];
            $(
                #[test]
                fn $test() {
                    super::check_page($page);
                }
            )*
        };
    }

    pages! {
        readme: "README.md",
        architecture: "docs/architecture.md",
        autoscaling: "docs/autoscaling.md",
        benchmarks: "docs/benchmarks.md",
        clients: "docs/clients.md",
        errors: "docs/errors.md",
        flows: "docs/flows.md",
        json: "docs/json.md",
        load: "docs/load.md",
        model: "docs/model.md",
        report: "docs/report.md",
        scale_out: "docs/scale-out.md",
        scenario: "docs/scenario.md",
        search: "docs/search.md",
        tutorial: "docs/tutorial.md",
    }
}

#[test]
fn every_page_has_its_examples_test() {
    let listed = every_example_prints_what_its_page_shows::PAGES;
    let all = pages();
    let unlisted: Vec<&str> = all
        .iter()
        .map(|(page, _)| page.as_str())
        .filter(|page| !listed.contains(page))
        .collect();
    assert!(
        unlisted.is_empty(),
        "no examples test for {unlisted:?}: add it to `pages!`"
    );
    let gone: Vec<&str> = listed
        .iter()
        .copied()
        .filter(|page| !all.iter().any(|(p, _)| p == page))
        .collect();
    assert!(
        gone.is_empty(),
        "`pages!` lists pages that are gone: {gone:?}"
    );
    let count: usize = all.iter().map(|(_, text)| examples(text).len()).sum();
    assert!(count >= 40, "only {count} examples found");
}

#[test]
fn elisions_match_what_they_say() {
    let lines = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert!(matches(&lines(&["a", "…", "d"]), &["a", "b", "c", "d"]));
    assert!(matches(&lines(&["a", "…", "d"]), &["a", "d"]));
    assert!(!matches(&lines(&["a", "…", "d"]), &["a", "b"]));
    assert!(matches(&lines(&["warning: x …"]), &["warning: x keeps up"]));
    assert!(!matches(&lines(&["warning: x …"]), &["warning: y"]));
    assert!(!matches(&lines(&["a"]), &["a", "b"]));
    assert!(matches(&lines(&["a  "]), &["a"]));
}

#[test]
fn examples_are_found_with_their_output() {
    let text = "intro\n```text\n$ planner run\nline 1\n\n```\n```sh\n$ planner no\n```\n";
    let found = examples(text);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].command, "planner run");
    assert_eq!(found[0].expected, vec!["line 1".to_string()]);
    assert_eq!(found[0].line, 3);
}

/// GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens.
fn anchor(heading: &str) -> String {
    heading
        .trim_start_matches('#')
        .trim()
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || *c == ' ' || *c == '-' || *c == '_')
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

/// The headings' anchors of a Markdown text (outside code blocks).
fn anchors(markdown: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut in_code = false;
    for line in markdown.lines() {
        if line.trim_start().starts_with("```") {
            in_code = !in_code;
        } else if !in_code && line.starts_with('#') {
            out.push(anchor(line));
        }
    }
    out
}

/// The targets of a Markdown text's `[text](target)` links.
fn links(markdown: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (i, _) in markdown.match_indices("](") {
        let rest = &markdown[i + 2..];
        if let Some(end) = rest.find(')') {
            out.push(rest[..end].to_string());
        }
    }
    out
}

/// Every link between the README and docs/ leads somewhere: the file exists, and so does the
/// heading its `#anchor` names. A page moved or a heading renamed breaks the link here, not
/// for a reader.
#[test]
fn every_link_of_the_documentation_leads_to_a_file_and_a_heading() {
    let mut broken = Vec::new();
    for (page, text) in pages() {
        let dir = repository().join(&page).parent().unwrap().to_path_buf();
        for target in links(&text) {
            if target.starts_with("http") {
                continue;
            }
            let (file, heading) = target.split_once('#').unwrap_or((&target, ""));
            let path = if file.is_empty() {
                repository().join(&page)
            } else {
                dir.join(file)
            };
            if !path.exists() {
                broken.push(format!("{page}: ({target}): no file {}", path.display()));
                continue;
            }
            if !heading.is_empty() {
                let text = std::fs::read_to_string(&path).unwrap_or_default();
                if !anchors(&text).iter().any(|a| a == heading) {
                    broken.push(format!("{page}: ({target}): no heading #{heading}"));
                }
            }
        }
    }
    assert!(broken.is_empty(), "{}", broken.join("\n"));
}

/// Issue 22's promise: from the README, the flow syntax, the key of a service time given by
/// its percentiles and what "too close to call" means are each one link away.
#[test]
fn the_readme_links_to_the_flow_syntax_the_percentile_key_and_too_close_to_call() {
    let readme = std::fs::read_to_string(repository().join("README.md")).unwrap();
    let targets = links(&readme);
    for (wanted, page, words) in [
        ("docs/flows.md#flow-syntax", "docs/flows.md", "all("),
        (
            "docs/scenario.md#measured-service-times-percentiles-samples-planner-fit",
            "docs/scenario.md",
            "service = { p50",
        ),
        (
            "docs/search.md#too-close-to-call",
            "docs/search.md",
            "too close to call",
        ),
    ] {
        assert!(
            targets.iter().any(|t| t == wanted),
            "README.md does not link {wanted}"
        );
        let text = std::fs::read_to_string(repository().join(page)).unwrap();
        assert!(text.contains(words), "{page} does not say `{words}`");
    }
}

#[test]
fn anchors_are_githubs() {
    assert_eq!(anchor("### A ramp: `--stage`"), "a-ramp---stage");
    assert_eq!(
        anchor("## Stations (the seed's baseline)"),
        "stations-the-seeds-baseline"
    );
    assert_eq!(
        anchor("## `[[station]]`: one per station"),
        "station-one-per-station"
    );
}

/// Every source file under `dir`, recursively.
fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files_under(&path, out);
        } else {
            out.push(path);
        }
    }
}

/// Every document the code, the tests and the scenarios cite (`docs/x.md`, `MODEL.md`) is in
/// the repository, so a reader of a comment or of `--help` can open it.
#[test]
fn every_document_the_code_cites_is_in_the_repository() {
    let mut files = Vec::new();
    for dir in ["src", "tests", "data", "benches"] {
        files_under(&repository().join(dir), &mut files);
    }
    let mut missing = Vec::new();
    // This file names what it looks for.
    let itself = repository().join(file!());
    for file in files.into_iter().filter(|f| *f != itself) {
        let Ok(text) = std::fs::read_to_string(&file) else {
            continue;
        };
        if text.contains("MODEL.md") {
            missing.push(format!(
                "{}: cites MODEL.md (docs/model.md is the model)",
                file.display()
            ));
        }
        for (i, _) in text.match_indices("docs/") {
            let cited: String = text[i..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || matches!(c, '/' | '.' | '-' | '_'))
                .collect();
            let cited = cited.trim_end_matches('.');
            if cited.ends_with(".md") && !repository().join(cited).exists() {
                missing.push(format!("{}: cites {cited}", file.display()));
            }
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}

/// Issue 19: the README once said "On tokio a millisecond is the finest tick…" twice, with its
/// example. A paragraph of prose (outside code blocks) is said once per document.
#[test]
fn no_document_repeats_a_paragraph() {
    for (name, text) in pages() {
        let mut paragraphs = Vec::new();
        let (mut code, mut current) = (false, Vec::new());
        for line in text.lines().chain(std::iter::once("")) {
            if line.trim_start().starts_with("```") {
                code = !code;
            }
            if code || line.trim().is_empty() || line.trim_start().starts_with("```") {
                if !current.is_empty() {
                    paragraphs.push(current.join(" "));
                    current.clear();
                }
            } else {
                current.push(line.trim());
            }
        }
        let mut seen = std::collections::HashSet::new();
        for p in paragraphs.iter().filter(|p| p.len() >= 80) {
            assert!(seen.insert(p), "{name} says this twice: {p}");
        }
    }
}
