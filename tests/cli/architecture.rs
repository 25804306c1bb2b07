//! The shape of the code, checked file by file: every source file is a node, every path it
//! names into another file (`use crate::…`, `super::…`, `crate::x::y` in code) an edge. A
//! name that a `use` binds stands for what it names, so a child that takes `super::Thing`,
//! re-exported by its folder's `mod.rs` from a sibling, imports that sibling.
//!
//! - No two files import each other, directly or round a loop. A folder's `mod.rs` and its own
//!   children are one room seen from outside (the face declares and re-exports its children),
//!   so an edge between them is not part of a loop; every other pair is, re-exports seen
//!   through. (A glob, `use super::*`, names nothing: its edge stays with the face.)
//! - The layers are folders under `src/`, and data flows down them only: a file imports its
//!   own layer and the layers below, never one above. The engine therefore knows nothing of
//!   load tests, searches, reports or the command line, and reports never reach into the
//!   engine or the load test: they show values they are handed.
//! - `src/` holds `lib.rs`, `main.rs` and the layer folders, nothing else, one module style
//!   (`mod.rs`), and no file grows past what one can read.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The longest a source file may be.
const MAX_LINES: usize = 700;

/// The layers, lowest first: a file may import its own layer and those before it.
const LAYERS: [&str; 9] = [
    "model", "workload", "outcome", "engine", "loadtest", "search", "report", "scaleout", "cli",
];

fn src() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// `src/report/plot/mod.rs` → `["report", "plot"]`; `src/lib.rs` → `[]`.
fn module_of(file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src()).unwrap();
    let mut parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    let last = parts.pop().unwrap();
    match last.as_str() {
        "mod.rs" | "lib.rs" | "main.rs" => {}
        name => parts.push(name.trim_end_matches(".rs").to_string()),
    }
    parts
}

/// Source text without comments (line comments, doc comments, block comments) and string
/// literals, so that a path quoted in a message or a doc is not an import.
fn code_of(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'/' && i + 1 < b.len() && b[i + 1] == b'/' {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
        } else if b[i] == b'/' && i + 1 < b.len() && b[i + 1] == b'*' {
            i += 2;
            while i + 1 < b.len() && !(b[i] == b'*' && b[i + 1] == b'/') {
                i += 1;
            }
            i += 2;
        } else if b[i] == b'"' {
            i += 1;
            while i < b.len() && b[i] != b'"' {
                if b[i] == b'\\' {
                    i += 1;
                }
                i += 1;
            }
            i += 1;
            out.push_str("\"\"");
        } else if b[i] == b'\'' && i + 2 < b.len() && (b[i + 2] == b'\'' || b[i + 1] == b'\\') {
            // A char literal ('"', '\n'): skipped, so that its quote opens no string.
            i += if b[i + 1] == b'\\' { 4 } else { 3 };
        } else {
            out.push(b[i] as char);
            i += 1;
        }
    }
    out
}

/// Code with its inline modules (`mod tests { … }`) left out: they are tests, whose
/// `super` is the file itself, not the code's shape.
fn without_inline_modules(code: &str) -> String {
    let mut out = String::with_capacity(code.len());
    let mut rest = code;
    while let Some(at) = rest.find("mod ") {
        let before_ok = rest[..at]
            .chars()
            .last()
            .is_none_or(|c| !(c.is_alphanumeric() || c == '_'));
        let after = &rest[at + 4..];
        let name_len = after
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .count();
        let tail = after[name_len..].trim_start();
        if before_ok && name_len > 0 && tail.starts_with('{') {
            out.push_str(&rest[..at]);
            let open = at + 4 + name_len + (after[name_len..].len() - tail.len());
            let mut depth = 0;
            let mut end = rest.len();
            for (i, c) in rest[open..].char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' => {
                        depth -= 1;
                        if depth == 0 {
                            end = open + i + 1;
                            break;
                        }
                    }
                    _ => {}
                }
            }
            rest = &rest[end..];
        } else {
            out.push_str(&rest[..at + 4]);
            rest = &rest[at + 4..];
        }
    }
    out.push_str(rest);
    out
}

/// Every path a file names from `crate::`, `super::` or `self::`, `use` trees expanded
/// (`use crate::a::{b::C, d}` names `crate::a::b::C` and `crate::a::d`).
fn paths_in(code: &str) -> Vec<Vec<String>> {
    let mut out: Vec<Vec<String>> = uses_in(code).into_iter().map(|(p, _)| p).collect();
    // Paths in code: `crate::a::b`, `super::super::x`.
    let bytes = code.as_bytes();
    for root in ["crate::", "super::", "self::"] {
        for (at, _) in code.match_indices(root) {
            if at > 0 && (bytes[at - 1].is_ascii_alphanumeric() || bytes[at - 1] == b'_') {
                continue;
            }
            let path: String = code[at..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == ':')
                .collect();
            out.push(
                path.split("::")
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect(),
            );
        }
    }
    out
}

/// The paths of a file's `use` statements, trees expanded, each with the name it binds:
/// `use a::{b as c}` binds `c` to `a::b`, `use a::{self}` binds `a`; a glob binds no name.
fn uses_in(code: &str) -> Vec<(Vec<String>, Option<String>)> {
    let mut out = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find("use ") {
        let before = rest[..at].chars().last();
        rest = &rest[at + 4..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        let end = rest.find(';').unwrap_or(rest.len());
        expand(&rest[..end], Vec::new(), &mut out);
        rest = &rest[end..];
    }
    out
}

fn expand(tree: &str, prefix: Vec<String>, out: &mut Vec<(Vec<String>, Option<String>)>) {
    let tree = tree.trim();
    if let Some(open) = tree.find('{') {
        let mut prefix = prefix;
        prefix.extend(
            tree[..open]
                .split("::")
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string),
        );
        let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
        let mut depth = 0;
        let mut start = 0;
        for (i, c) in inner.char_indices() {
            match c {
                '{' => depth += 1,
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    expand(&inner[start..i], prefix.clone(), out);
                    start = i + 1;
                }
                _ => {}
            }
        }
        expand(&inner[start..], prefix, out);
    } else {
        let mut parts = tree.split(" as ");
        let tree = parts.next().unwrap_or("").trim();
        if tree.is_empty() {
            return;
        }
        let mut path = prefix;
        path.extend(tree.split("::").map(|s| s.trim().to_string()));
        if path.last().is_some_and(|s| s == "self") {
            path.pop();
        }
        let name = match parts.next() {
            Some(alias) => Some(alias.trim().to_string()),
            None => path.last().filter(|s| *s != "*").cloned(),
        };
        out.push((path, name.filter(|n| n != "_")));
    }
}

/// `path`, named in module `here`, from the crate root; `None` for a path that starts
/// elsewhere (another crate, `std`). A path may start with a child module of `here`
/// (`mod.rs`'s `pub use run::RunReport`).
fn absolute(
    path: &[String],
    here: &[String],
    modules: &BTreeMap<Vec<String>, PathBuf>,
) -> Option<Vec<String>> {
    let first = path.first()?;
    let mut abs: Vec<String> = match first.as_str() {
        "crate" => Vec::new(),
        // `self` is this module, `super` its parent (a `mod.rs` is its folder's module).
        "super" | "self" => here.to_vec(),
        child if modules.contains_key(&[here, &[child.to_string()]].concat()) => here.to_vec(),
        _ => return None,
    };
    let mut segments = path.iter().peekable();
    while let Some(s) = segments.peek() {
        match s.as_str() {
            "crate" | "self" => {
                segments.next();
            }
            "super" => {
                abs.pop();
                segments.next();
            }
            _ => break,
        }
    }
    abs.extend(segments.cloned());
    Some(abs)
}

/// The files and, per file, the files it imports: each path resolved to the deepest module
/// that is a file of its own, through the names `use` statements bind, so that a child
/// naming `super::Thing`, which its folder's `mod.rs` re-exports from a sibling, imports
/// that sibling and not the `mod.rs`.
fn graph() -> BTreeMap<PathBuf, BTreeSet<PathBuf>> {
    let mut files = Vec::new();
    sources(&src(), &mut files);
    // `main.rs` is the binary's crate, not a module of the library.
    files.retain(|f| !f.ends_with("main.rs"));
    let by_module: BTreeMap<Vec<String>, PathBuf> =
        files.iter().map(|f| (module_of(f), f.clone())).collect();
    let code: BTreeMap<&PathBuf, String> = files
        .iter()
        .map(|f| {
            let text = std::fs::read_to_string(f).unwrap();
            (f, without_inline_modules(&code_of(&text)))
        })
        .collect();
    // Module path + name → what the name stands for, from the crate root.
    let mut bound: BTreeMap<Vec<String>, Vec<String>> = BTreeMap::new();
    for file in &files {
        let here = module_of(file);
        for (path, name) in uses_in(&code[file]) {
            if let (Some(abs), Some(name)) = (absolute(&path, &here, &by_module), name) {
                bound.insert([here.clone(), vec![name]].concat(), abs);
            }
        }
    }
    let mut out = BTreeMap::new();
    for file in &files {
        let here = module_of(file);
        let mut targets = BTreeSet::new();
        for path in paths_in(&code[file]) {
            let Some(mut abs) = absolute(&path, &here, &by_module) else {
                continue;
            };
            // A name bound by a `use` stands for what that `use` names (a chain at most as
            // long as the crate is deep).
            for _ in 0..16 {
                let mut file_len = abs.len();
                while file_len > 0 && !by_module.contains_key(&abs[..file_len]) {
                    file_len -= 1;
                }
                let named = &abs[..(file_len + 1).min(abs.len())];
                match bound.get(named) {
                    Some(to) if file_len < abs.len() && to.as_slice() != named => {
                        abs = [to.clone(), abs[file_len + 1..].to_vec()].concat();
                    }
                    _ => break,
                }
            }
            // The deepest prefix that is a file.
            while !abs.is_empty() && !by_module.contains_key(&abs) {
                abs.pop();
            }
            if let Some(target) = by_module.get(&abs) {
                if target != file {
                    targets.insert(target.clone());
                }
            }
        }
        out.insert(file.clone(), targets);
    }
    out
}

/// Whether `a` and `b` are a folder's face (`mod.rs`) and one of its own children.
fn face_and_child(a: &Path, b: &Path) -> bool {
    let face_of = |face: &Path, child: &Path| {
        face.file_name()
            .is_some_and(|n| n == "mod.rs" || n == "lib.rs")
            && module_of(child).len() == module_of(face).len() + 1
            && module_of(child).starts_with(&module_of(face))
    };
    face_of(a, b) || face_of(b, a)
}

/// A loop of files through `start`, if any.
fn cycle_from(start: &Path, edges: &BTreeMap<PathBuf, BTreeSet<PathBuf>>) -> Option<Vec<PathBuf>> {
    let mut stack = vec![(start.to_path_buf(), vec![start.to_path_buf()])];
    let mut seen = BTreeSet::new();
    while let Some((node, path)) = stack.pop() {
        for next in edges.get(&node).into_iter().flatten() {
            if face_and_child(&node, next) {
                continue;
            }
            if next == start {
                let mut cycle = path.clone();
                cycle.push(next.clone());
                return Some(cycle);
            }
            if seen.insert(next.clone()) {
                let mut longer = path.clone();
                longer.push(next.clone());
                stack.push((next.clone(), longer));
            }
        }
    }
    None
}

fn rel(p: &Path) -> String {
    p.strip_prefix(src()).unwrap().display().to_string()
}

#[test]
fn no_two_files_import_each_other() {
    let edges = graph();
    assert!(edges.len() > 30, "{} files", edges.len());
    let mut cycles: BTreeSet<Vec<String>> = BTreeSet::new();
    for file in edges.keys() {
        if let Some(c) = cycle_from(file, &edges) {
            let mut names: Vec<String> = c[..c.len() - 1].iter().map(|p| rel(p)).collect();
            // One loop, whichever file it was found from.
            let first = names.iter().enumerate().min_by_key(|(_, n)| *n).unwrap().0;
            names.rotate_left(first);
            cycles.insert(names);
        }
    }
    assert!(cycles.is_empty(), "import loops between files: {cycles:#?}");
}

#[test]
fn data_flows_down_the_layers() {
    let edges = graph();
    let layer = |p: &Path| -> Option<usize> {
        let m = module_of(p);
        LAYERS
            .iter()
            .position(|l| m.first().is_some_and(|f| f == l))
    };
    let mut upward = BTreeSet::new();
    for (from, tos) in &edges {
        let Some(a) = layer(from) else { continue };
        for to in tos {
            if let Some(b) = layer(to) {
                if b > a {
                    upward.insert((rel(from), rel(to)));
                }
            }
        }
    }
    assert!(
        upward.is_empty(),
        "imports that run up the layers {LAYERS:?}: {upward:#?}"
    );
}

#[test]
fn the_engine_and_the_reports_stay_in_their_lane() {
    let edges = graph();
    let mut out_of_lane = BTreeSet::new();
    for (from, tos) in &edges {
        let m = module_of(from);
        let Some(top) = m.first() else { continue };
        for to in tos {
            let target = module_of(to);
            let t = target.first().map(String::as_str).unwrap_or("");
            let engine_above =
                top == "engine" && !["engine", "model", "workload", "outcome"].contains(&t);
            let report_below = top == "report" && (t == "engine" || t == "loadtest");
            if engine_above || report_below {
                out_of_lane.insert((rel(from), rel(to)));
            }
        }
    }
    assert!(
        out_of_lane.is_empty(),
        "the engine imports only the layers below it, a report neither the engine nor the load test: {out_of_lane:#?}"
    );
}

#[test]
fn src_holds_the_layers_and_one_module_style() {
    let mut top: Vec<String> = std::fs::read_dir(src())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    top.sort();
    let mut expected: Vec<String> = LAYERS.iter().map(|s| s.to_string()).collect();
    expected.extend(["lib.rs".to_string(), "main.rs".to_string()]);
    expected.sort();
    assert_eq!(top, expected);
    // `foo.rs` beside a `foo/` folder is the other module style: folders hold a `mod.rs`.
    let mut files = Vec::new();
    sources(&src(), &mut files);
    for f in &files {
        let folder = f.with_extension("");
        assert!(
            !folder.is_dir(),
            "{} sits beside its folder: make it {}/mod.rs",
            rel(f),
            rel(&folder)
        );
    }
}

#[test]
fn loops_are_found_when_there_are_some() {
    let a = src().join("a.rs");
    let b = src().join("b.rs");
    let c = src().join("c.rs");
    let mut edges: BTreeMap<PathBuf, BTreeSet<PathBuf>> = BTreeMap::new();
    edges.entry(a.clone()).or_default().insert(b.clone());
    edges.entry(b.clone()).or_default().insert(c.clone());
    assert_eq!(cycle_from(&a, &edges), None);
    edges.entry(c.clone()).or_default().insert(a.clone());
    assert_eq!(cycle_from(&a, &edges), Some(vec![a.clone(), b, c, a]));
}

#[test]
fn inline_test_modules_are_left_out() {
    let code = "use crate::a::b;\nmod tests { use super::*; fn f() { if x { y } } }\nfn g() {}";
    assert_eq!(
        without_inline_modules(code),
        "use crate::a::b;\n\nfn g() {}"
    );
}

#[test]
fn paths_are_read_from_use_trees_and_code() {
    let code = code_of(
        "use crate::a::{b::C, d as e};\n// use crate::nope;\nfn f() { super::x::y(); \"crate::quoted\"; }",
    );
    let paths = paths_in(&code);
    let has = |p: &[&str]| paths.iter().any(|q| q == p);
    assert!(has(&["crate", "a", "b", "C"]), "{paths:?}");
    assert!(has(&["crate", "a", "d"]), "{paths:?}");
    assert!(has(&["super", "x", "y"]), "{paths:?}");
    assert!(!paths.iter().any(|p| p.contains(&"nope".to_string())));
    assert!(!paths.iter().any(|p| p.contains(&"quoted".to_string())));
}

#[test]
fn use_trees_bind_names_and_aliases() {
    let uses = uses_in("use crate::a::{b::C, d as e, f::{self}, g::*};\nuse super::h;");
    let named = |p: &[&str], n: Option<&str>| {
        uses.iter()
            .any(|(path, name)| path == p && name.as_deref() == n)
    };
    assert!(named(&["crate", "a", "b", "C"], Some("C")), "{uses:?}");
    assert!(named(&["crate", "a", "d"], Some("e")), "{uses:?}");
    assert!(named(&["crate", "a", "f"], Some("f")), "{uses:?}");
    assert!(named(&["crate", "a", "g", "*"], None), "{uses:?}");
    assert!(named(&["super", "h"], Some("h")), "{uses:?}");
}

#[test]
fn no_source_file_is_too_long_to_read() {
    let mut files = Vec::new();
    sources(&src(), &mut files);
    let long: Vec<String> = files
        .iter()
        .filter_map(|f| {
            let n = std::fs::read_to_string(f).unwrap().lines().count();
            (n > MAX_LINES).then(|| format!("{} ({n} lines)", f.display()))
        })
        .collect();
    assert!(long.is_empty(), "over {MAX_LINES} lines: {long:?}");
}

/// Issue 19: `tempfile` served the tests only, yet every build of the program compiled it.
/// The program stages its outputs itself (report/output/temps.rs).
#[test]
fn tempfile_is_a_dev_dependency_only() {
    let manifest =
        std::fs::read_to_string(env!("CARGO_MANIFEST_DIR").to_string() + "/Cargo.toml").unwrap();
    let mut section = "";
    let mut found = Vec::new();
    for line in manifest.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            section = line;
        } else if line.starts_with("tempfile") {
            found.push(section);
        }
    }
    assert_eq!(
        found,
        ["[dev-dependencies]"],
        "tempfile is listed under {found:?}"
    );
}
