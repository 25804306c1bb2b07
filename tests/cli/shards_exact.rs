//! The merge of `optimize --shard K/N` documents is the single run's output byte for byte —
//! table, `--format json` and `--csv` — because both compute one canonical result: every
//! configuration ranked up to the `1 + R`-th pass (`R` = `--show`), or all when fewer pass.
//! Shards run as separate processes of the real binary, in a shuffled order.

use crate::common::{assert_input_error, run};

use crate::shards::{COUNTS, LOADS};

fn strings(args: &[&str]) -> Vec<String> {
    args.iter().map(|s| s.to_string()).collect()
}

/// Runs planner with `args`; exit 0 (met) or 1 (unmet), else the test fails.
fn planner(args: &[String]) -> (i32, String) {
    let (code, out, err) = run(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(code == 0 || code == 1, "{args:?}: exit {code}: {err}");
    (code, out)
}

/// 1..=n in an order drawn from `seed` (Fisher–Yates over a xorshift), so shards run and
/// merge in neither their own order nor a fixed rotation of it.
fn shuffled(n: u32, seed: u64) -> Vec<u32> {
    let mut state = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    let mut order: Vec<u32> = (1..=n).collect();
    for i in (1..order.len()).rev() {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        order.swap(i, (state % (i as u64 + 1)) as usize);
    }
    order
}

/// `optimize LOAD EXTRA --shard k/n --format json` for every k in a shuffled order; the
/// documents' files, by shard.
fn shards(dir: &std::path::Path, load: &[&str], extra: &[&str], n: u32) -> Vec<String> {
    command_shards(dir, "optimize", load, extra, n)
}

/// [`shards`] of `command`.
fn command_shards(
    dir: &std::path::Path,
    command: &str,
    load: &[&str],
    extra: &[&str],
    n: u32,
) -> Vec<String> {
    let mut files = vec![String::new(); n as usize];
    for k in shuffled(n, 11 + u64::from(n)) {
        let mut args = strings(&["-q", command]);
        args.extend(strings(load));
        args.extend(strings(extra));
        args.extend(strings(&[
            "--shard",
            &format!("{k}/{n}"),
            "--format",
            "json",
        ]));
        let (_, doc) = planner(&args);
        let file = dir.join(format!("{command}-{k}-of-{n}.json"));
        std::fs::write(&file, doc).unwrap();
        files[(k - 1) as usize] = file.to_str().unwrap().to_string();
    }
    files
}

/// The outputs of one optimize, compare or merge run: exit code and table, the JSON
/// document, the CSV file `--csv` writes (with the table on stdout again), the `--plot` SVG.
#[derive(Debug, PartialEq)]
struct Outputs {
    code: i32,
    table: String,
    json: String,
    csv: Vec<u8>,
    csv_stdout: String,
    svg: Vec<u8>,
}

/// Runs `head` (a command and its arguments, files last) three times, once per format.
fn outputs(dir: &std::path::Path, head: &[String], tail: &[String]) -> Outputs {
    let with = |middle: &[&str]| {
        let mut args = head.to_vec();
        args.extend(strings(middle));
        args.extend(tail.iter().cloned());
        planner(&args)
    };
    let (code, table) = with(&[]);
    let (json_code, json) = with(&["--format", "json"]);
    assert_eq!(json_code, code, "{head:?}: exit code depends on the format");
    let file = dir.join("out.csv");
    let _ = std::fs::remove_file(&file);
    let (_, csv_stdout) = with(&["--csv", file.to_str().unwrap()]);
    let csv = std::fs::read(&file).unwrap();
    let plot = dir.join("out.svg");
    let _ = std::fs::remove_file(&plot);
    with(&["--plot", plot.to_str().unwrap()]);
    let svg = std::fs::read(&plot).unwrap();
    Outputs {
        code,
        table,
        json,
        csv,
        csv_stdout,
        svg,
    }
}

fn single(dir: &std::path::Path, load: &[&str], extra: &[&str]) -> Outputs {
    single_of(dir, "optimize", load, extra)
}

fn single_of(dir: &std::path::Path, command: &str, load: &[&str], extra: &[&str]) -> Outputs {
    let mut head = strings(&["-q", command]);
    head.extend(strings(load));
    head.extend(strings(extra));
    outputs(dir, &head, &[])
}

fn merged(dir: &std::path::Path, files: &[String]) -> Outputs {
    let n = files.len() as u32;
    let order: Vec<String> = shuffled(n, 97 + u64::from(n))
        .into_iter()
        .map(|k| files[(k - 1) as usize].clone())
        .collect();
    outputs(dir, &strings(&["merge"]), &order)
}

/// Asserts that every shard stopped at its `1 + show`-th pass or tested its whole part, and
/// returns how many configurations the shards load-tested in all.
fn check_stops(files: &[String], show: usize) -> usize {
    let mut total = 0;
    for file in files {
        let doc: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
        let meta = &doc["planner_shard"];
        let tested = doc["tested"].as_array().unwrap();
        let passes: Vec<bool> = tested
            .iter()
            .map(|t| t["summary"]["meets_target"].as_bool().unwrap())
            .collect();
        let count = passes.iter().filter(|&&p| p).count();
        assert!(count <= show + 1, "{file}: {count} passes");
        if tested.len() < meta["part"].as_u64().unwrap() as usize {
            assert_eq!(
                count,
                show + 1,
                "{file}: stopped before its pass {}",
                show + 1
            );
            assert!(passes.last().unwrap(), "{file}: did not stop at a pass");
        }
        assert_eq!(meta["runners_up"].as_u64(), Some(show as u64), "{file}");
        total += tested.len();
    }
    total
}

#[test]
fn merged_optimize_shards_are_the_single_run_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    for load in LOADS {
        let whole = single(dir.path(), load, &[]);
        assert_eq!(whole.code, 0, "{load:?}: pick a load with an answer");
        let doc: serde_json::Value = serde_json::from_str(&whole.json).unwrap();
        // Four runners-up, less any configuration its verification rejected (every
        // configuration listed as meeting is verified, and one that fails is not listed).
        let rejected = doc["verification"]
            .as_array()
            .map_or(0, |v| v.iter().filter(|c| c["verdict"] != "meets").count());
        assert_eq!(
            doc["runners_up"].as_array().unwrap().len() + rejected,
            4,
            "{load:?}"
        );
        let reported = doc["evaluated"].as_u64().unwrap() as usize;
        assert!(reported < 48, "{load:?}: the early stop came");
        for n in COUNTS {
            let files = shards(dir.path(), load, &[], n);
            // The shards together tested at least what the single run reports.
            assert!(check_stops(&files, 4) >= reported, "{load:?} n={n}");
            let m = merged(dir.path(), &files);
            assert!(
                m == whole,
                "{load:?}: the merge of {n} shards differs from the single run:\n{m:#?}\n{whole:#?}"
            );
        }
    }
}

#[test]
fn merged_optimize_shards_with_no_answer_are_the_single_run() {
    let dir = tempfile::tempdir().unwrap();
    let load = ["--target-rate", "3", "--timeout", "3.5"];
    let whole = single(dir.path(), &load, &[]);
    assert_eq!(whole.code, 1);
    assert!(
        whole
            .table
            .contains("48 configurations; load-tested all 48; none meets the target\n"),
        "{}",
        whole.table
    );
    for n in [2, 7] {
        let files = shards(dir.path(), &load, &[], n);
        assert_eq!(
            check_stops(&files, 4),
            48,
            "every shard tests its whole part"
        );
        assert_eq!(merged(dir.path(), &files), whole, "n={n}");
    }
}

#[test]
fn merged_optimize_shards_with_fewer_passes_than_asked_are_the_single_run() {
    // 12 of the 48 pass, fewer than the answer and 20 runners-up: the single run tests the
    // whole space and lists the 11 others; so must the merge.
    let dir = tempfile::tempdir().unwrap();
    let load = LOADS[0];
    let extra = ["--show", "20"];
    let whole = single(dir.path(), load, &extra);
    assert_eq!(whole.code, 0);
    assert!(
        whole
            .table
            .contains("48 configurations; load-tested all 48; only 12 meet the target\n"),
        "{}",
        whole.table
    );
    let doc: serde_json::Value = serde_json::from_str(&whole.json).unwrap();
    assert_eq!(doc["runners_up"].as_array().unwrap().len(), 11);
    assert_eq!(doc["evaluated"], 48);
    for n in [1, 3, 7] {
        let files = shards(dir.path(), load, &extra, n);
        assert_eq!(check_stops(&files, 20), 48, "n={n}");
        assert_eq!(merged(dir.path(), &files), whole, "n={n}");
    }
}

#[test]
fn shards_of_another_show_or_stopped_short_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let load = LOADS[0];
    let files = shards(dir.path(), load, &[], 2);
    let other = dir.path().join("other");
    std::fs::create_dir(&other).unwrap();
    let two = shards(&other, load, &["--show", "2"], 2);
    assert_input_error(
        &["merge", &files[0], &two[1]],
        "its runners-up count (--show) is 2, not 4",
    );
    // A document cut before its 5th pass, its count made to agree: it neither stopped at
    // its pass 5 nor tested its whole part, so the merge could miss a runner-up.
    let mut doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&files[1]).unwrap()).unwrap();
    let tested = doc["tested"].as_array_mut().unwrap();
    assert!(tested.len() > 1);
    tested.pop();
    let left = tested.len();
    doc["planner_shard"]["tested"] = left.into();
    // Sealed again, as whoever cut it could: what the merge re-derives refuses it.
    planner::scaleout::shard::digest::seal_json(&mut doc);
    let cut = dir.path().join("cut.json");
    std::fs::write(&cut, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
    assert_input_error(
        &["merge", &files[0], cut.to_str().unwrap()],
        "nor test its whole part",
    );
}

/// Two strategies of the command line (one found by `optimize`) besides the scenario's six,
/// at five rates: 40 cells, fewer than some shard counts have multiples of.
const COMPARE: [&str; 6] = [
    "--strategy",
    "big=soda.units=3,burger.units=6,fries.batch=7",
    "--strategy",
    "found=optimize",
    "--rates",
    "1,1.5,2,2.5,3",
];

#[test]
fn merged_compare_shards_are_the_single_run_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    for load in LOADS {
        let whole = single_of(dir.path(), "compare", load, &COMPARE);
        assert_eq!(whole.code, 0);
        assert!(whole.table.contains("big"), "{}", whole.table);
        for n in COUNTS {
            let files = command_shards(dir.path(), "compare", load, &COMPARE, n);
            let cells: usize = files
                .iter()
                .map(|f| {
                    let doc: serde_json::Value =
                        serde_json::from_str(&std::fs::read_to_string(f).unwrap()).unwrap();
                    doc["cells"].as_array().unwrap().len()
                })
                .sum();
            assert_eq!(cells, 8 * 5, "{load:?} n={n}: each cell in one shard");
            let m = merged(dir.path(), &files);
            assert!(
                m == whole,
                "{load:?}: the merge of {n} compare shards differs:\n{m:#?}\n{whole:#?}"
            );
        }
    }
}

#[test]
fn compare_shard_sets_that_do_not_fit_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let load = LOADS[0];
    let files = command_shards(dir.path(), "compare", load, &COMPARE, 3);
    assert_input_error(&["merge", &files[0], &files[2]], "shard 2/3 is missing");
    let other = dir.path().join("other");
    std::fs::create_dir(&other).unwrap();
    let mut rates = COMPARE.to_vec();
    rates[5] = "1,2,3";
    let foreign = command_shards(&other, "compare", load, &rates, 3);
    assert_input_error(
        &["merge", &files[0], &files[1], &foreign[2]],
        "its space is",
    );
    let optimize = shards(&other, load, &[], 3);
    assert_input_error(
        &["merge", &files[0], &files[1], &optimize[2]],
        "its command is optimize, not compare",
    );
    // A shard's cells are a document for the merge: no table, CSV or plot of a part.
    assert_input_error(&["compare", "--shard", "1/2"], "--format json");
    assert_input_error(
        &[
            "compare", "--shard", "1/2", "--format", "json", "--csv", "x.csv",
        ],
        "--format json",
    );
}
