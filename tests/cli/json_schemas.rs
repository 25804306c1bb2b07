//! The JSON Schemas planner ships (`docs/schema/*.json`, `planner schema`): the files are what
//! the program prints, real outputs of every command validate against them, and they are
//! strict, so that a field printed without its schema fails here.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::common::run;

fn repository() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The documents `planner schema` lists.
fn documents() -> Vec<String> {
    let (code, list, stderr) = run(&["schema"]);
    assert_eq!(code, 0, "{stderr}");
    let names: Vec<String> = list
        .lines()
        .skip(1)
        .filter_map(|l| l.split_whitespace().next())
        .map(String::from)
        .collect();
    assert!(names.len() >= 11, "{list}");
    names
}

/// The checked-in schema of `name`, compiled.
fn validator(name: &str) -> jsonschema::Validator {
    let path = repository().join(format!("docs/schema/{name}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    let schema: Value = serde_json::from_str(&text).unwrap();
    jsonschema::validator_for(&schema).unwrap_or_else(|e| panic!("{name}: not a schema: {e}"))
}

#[test]
fn the_checked_in_schemas_are_what_planner_prints() {
    let names = documents();
    for name in &names {
        let (code, printed, stderr) = run(&["schema", name]);
        assert_eq!(code, 0, "{stderr}");
        let file = repository().join(format!("docs/schema/{name}.json"));
        let shipped = std::fs::read_to_string(&file).unwrap_or_default();
        assert!(
            shipped == printed,
            "docs/schema/{name}.json differs from `planner schema {name}`: run `cargo run --release -- schema --write docs/schema`"
        );
    }
    let files: BTreeSet<String> = std::fs::read_dir(repository().join("docs/schema"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    let expected: BTreeSet<String> = names.iter().map(|n| format!("{n}.json")).collect();
    assert_eq!(files, expected, "docs/schema holds a file of no document");
}

#[test]
fn schema_write_writes_every_document_and_refuses_a_missing_directory() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    let (code, _, stderr) = run(&["schema", "--write", out]);
    assert_eq!(code, 0, "{stderr}");
    for name in documents() {
        let written = std::fs::read_to_string(dir.path().join(format!("{name}.json"))).unwrap();
        assert_eq!(written, run(&["schema", &name]).1);
    }
    let missing = dir.path().join("no/such/dir");
    crate::common::assert_input_error(
        &["schema", "--write", missing.to_str().unwrap()],
        "does not exist",
    );
    crate::common::assert_input_error(&["schema", "runn"], "no document is called `runn`");
}

/// Runs `sh -c COMMAND` in `dir`, where `data/` is the repository's: its stdout, after a run
/// that exited 0 or 1 (an answer or none).
fn shell(dir: &Path, command: &str) -> String {
    let out = crate::common::shell(dir, command);
    assert!(
        matches!(out.status.code(), Some(0) | Some(1)),
        "`{command}`: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Every command's JSON, as (document, command): each shape a document takes (classes or
/// none, replications or none, client rules, an answer or none, shards and their merges).
const OUTPUTS: &[(&str, &str)] = &[
    ("run", "planner run --format json"),
    ("run", "planner run --period 0 --warmup 2 --format json"),
    (
        "run",
        "planner run --arrivals poisson --rate 2 --clients 6 --warmup 2 --replications 3 --format json",
    ),
    ("run", "planner --scenario data/api.toml run --clients 40 --format json"),
    ("run", "planner run --replay data/trace.csv --format json"),
    ("run", "planner run --rate 0 --stage 5s:2 --format json"),
    ("run", "planner run --clients 3 --clock real --speed 100 --format json"),
    // A pool whose units change: the run's `units`.
    (
        "run",
        "planner --scenario data/day.toml run --replications 1 --stage 2m:10 --stage 2m:2 --format json",
    ),
    ("run-client-rules-open", "planner run --period 0.5 --patience 4 --format json"),
    // Nobody is served: the latencies are null.
    ("run-client-rules-open", "planner run --period 0 --patience 0.5 --format json"),
    (
        "run-client-rules-open",
        "planner --scenario data/api.toml run --clients 200 --patience 0.5 --retries 2 --backoff 0.1 --jitter --format json",
    ),
    (
        "run-client-rules-closed",
        "planner --scenario data/mm1.toml run --users 5 --think 4 --think-distribution exponential --duration 200 --format json",
    ),
    ("run-client-rules-closed", "planner run --users 2 --think 1 --duration 20 --format json"),
    ("optimize", "planner optimize --format json"),
    ("optimize", "planner optimize --target-rate 3 --format json"),
    (
        "optimize",
        "planner optimize --sustained --range fries.batch=5,7,8,10 --format json",
    ),
    (
        "optimize",
        "planner optimize --arrivals poisson --replications 3 --show 1 --format json",
    ),
    (
        "optimize",
        "planner --scenario data/api.toml optimize --patience 0.5 --retries 2 --backoff 0.1 --clients 400 --show 1 --format json",
    ),
    (
        "optimize",
        "planner optimize --users 8 --think 4 --timeout 5 --min-satisfaction 95 --show 0 --format json",
    ),
    ("optimize-unreachable", "planner optimize --sustained --format json"),
    // An answer, and none.
    (
        "optimize-policies",
        "planner -q --scenario data/day.toml optimize --replications 1 --stage 5m:4 --policy app.min=1,2 --policy app.max=3 --format json",
    ),
    (
        "optimize-policies",
        "planner -q --scenario data/day.toml optimize --replications 1 --stage 2m:10 --stage 2m:2 --policy app.max=3 --policy app.target=0.7 --format json",
    ),
    (
        "optimize-schedule-windows",
        "sed 's/^autoscale = .*/units = 1\\nrange = \"1..=4\"/' data/day.toml > w.toml && planner -q --scenario w.toml optimize --replications 1 --stage 2m:10 --stage 2m:2 --schedule-windows 1m --format json",
    ),
    ("sweep", "planner sweep --format json"),
    (
        "sweep",
        "planner --scenario data/api.toml sweep --clients 200 --range cache.batch=25,50 --range payment.units=4,5 --replications 2 --format json",
    ),
    (
        "sweep",
        "planner sweep --patience 4 --retries 1 --backoff 1 --range burger.units=3,4 --format json",
    ),
    ("compare", "planner compare --format json"),
    (
        "compare",
        "planner compare --arrivals poisson --replications 2 --rates 1,2 --format json",
    ),
    (
        "compare-over-time",
        "planner -q --scenario data/day.toml compare --replications 1 --stage 2m:10 --stage 2m:2 --format json",
    ),
    ("fit", "planner fit data/db-latency.csv --format json"),
    ("optimize-shard", "planner -q optimize --shard 1/2 --format json"),
    ("compare-shard", "planner -q compare --shard 2/3 --format json"),
    (
        "sweep-shard-head",
        "planner -q sweep --shard 1/2 --csv s.csv > /dev/null && head -1 s.csv | sed 's/^# planner-shard //'",
    ),
    (
        "optimize",
        "for k in 1 2; do planner -q optimize --shard $k/2 --format json > o-$k.json; done; planner merge --format json o-1.json o-2.json",
    ),
    (
        "compare",
        "for k in 1 2; do planner -q compare --shard $k/2 --format json > c-$k.json; done; planner merge --format json c-1.json c-2.json",
    ),
];

/// The real outputs, parsed, by document; run once for the tests that read them.
fn outputs() -> &'static [(&'static str, &'static str, Value)] {
    static OUTPUTS_RUN: std::sync::OnceLock<Vec<(&str, &str, Value)>> = std::sync::OnceLock::new();
    OUTPUTS_RUN.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(repository().join("data"), dir.path().join("data")).unwrap();
        OUTPUTS
            .iter()
            .map(|&(document, command)| {
                let text = shell(dir.path(), command);
                let value = serde_json::from_str(&text)
                    .unwrap_or_else(|e| panic!("`{command}` printed no JSON ({e}): {text}"));
                (document, command, value)
            })
            .collect()
    })
}

fn errors(validator: &jsonschema::Validator, value: &Value) -> Vec<String> {
    validator
        .iter_errors(value)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

#[test]
fn every_command_prints_what_its_schema_says() {
    let mut validators = BTreeMap::new();
    let mut covered = BTreeSet::new();
    let mut failures = Vec::new();
    for (document, command, value) in outputs() {
        let v = validators
            .entry(*document)
            .or_insert_with(|| validator(document));
        assert_eq!(value["schema_version"], 1, "`{command}`: no schema_version");
        let errs = errors(v, value);
        if !errs.is_empty() {
            failures.push(format!("`{command}` ({document}): {}", errs.join("; ")));
        }
        covered.insert(document.to_string());
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    let untested: Vec<String> = documents()
        .into_iter()
        .filter(|d| !covered.contains(d))
        .collect();
    assert!(
        untested.is_empty(),
        "no output checked against {untested:?}"
    );
}

/// Every object of a document, once per place (`results[]`, not each result), with its path.
fn objects(value: &Value, path: String, seen: &mut BTreeSet<String>, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if seen.insert(path.clone()) {
                out.push(path.clone());
            }
            for (k, v) in map {
                objects(v, format!("{path}/{k}"), seen, out);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                // The first element of each array stands for the others.
                if i == 0 {
                    objects(v, format!("{path}/0"), seen, out);
                }
            }
        }
        _ => {}
    }
}

/// A field added anywhere in a document, without its schema, fails validation: the schemas
/// close every object (a map keyed by name takes only values of its own type), and the
/// version and every always-printed field are required.
#[test]
fn a_field_the_schema_does_not_name_is_refused() {
    for (document, command, value) in outputs() {
        let v = validator(document);
        let mut places = Vec::new();
        objects(value, String::new(), &mut BTreeSet::new(), &mut places);
        assert!(!places.is_empty());
        for place in places {
            let mut edited = value.clone();
            let target = edited.pointer_mut(&place).unwrap().as_object_mut().unwrap();
            target.insert("unlisted_field".into(), serde_json::json!({}));
            assert!(
                !v.is_valid(&edited),
                "`{command}`: an unlisted field at `{place}` passes the {document} schema"
            );
        }
        let mut without = value.clone();
        without.as_object_mut().unwrap().remove("schema_version");
        assert!(
            !v.is_valid(&without),
            "`{command}`: no schema_version passes"
        );
        let mut bumped = value.clone();
        bumped["schema_version"] = serde_json::json!(2);
        assert!(!v.is_valid(&bumped), "`{command}`: schema_version 2 passes");
    }
}
