//! A shard is a file, and `planner merge` takes nothing in it on trust: hand-edited copies
//! of real shard outputs — sweep CSVs, optimize and compare documents — are refused, once,
//! with exit 2, naming the file and the field; whether the editor left the digest as it was
//! or sealed the file again (`reseal`), what can be re-derived is, and is named.

use std::path::Path;

use crate::common::{assert_input_error, run};
use crate::shards::LOADS;

fn strings(args: &[&str]) -> Vec<String> {
    args.iter().map(|s| s.to_string()).collect()
}

/// Runs planner; exit 0 or 1, else the test fails. Stdout and stderr.
fn ok(args: &[String]) -> (i32, String, String) {
    let (code, out, err) = run(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(code == 0 || code == 1, "{args:?}: exit {code}: {err}");
    (code, out, err)
}

/// `sweep LOAD EXTRA --shard k/n --csv DIR/sweep-k.csv` for every k; the files by shard.
fn sweep_shards(dir: &Path, load: &[&str], extra: &[&str], n: u32) -> Vec<String> {
    (1..=n)
        .rev()
        .map(|k| {
            let file = dir.join(format!("sweep-{k}-of-{n}.csv"));
            let file = file.to_str().unwrap().to_string();
            let mut args = strings(&["-q", "sweep"]);
            args.extend(strings(load));
            args.extend(strings(extra));
            args.extend(strings(&["--shard", &format!("{k}/{n}"), "--csv", &file]));
            ok(&args);
            file
        })
        .rev()
        .collect()
}

/// `COMMAND LOAD EXTRA --shard k/n --format json` for every k, written to files by shard.
fn doc_shards(dir: &Path, command: &str, load: &[&str], extra: &[&str], n: u32) -> Vec<String> {
    (1..=n)
        .map(|k| {
            let mut args = strings(&["-q", command]);
            args.extend(strings(load));
            args.extend(strings(extra));
            args.extend(strings(&[
                "--shard",
                &format!("{k}/{n}"),
                "--format",
                "json",
            ]));
            let (_, doc, _) = ok(&args);
            let file = dir.join(format!("{command}-{k}-of-{n}.json"));
            std::fs::write(&file, doc).unwrap();
            file.to_str().unwrap().to_string()
        })
        .collect()
}

/// A sweep shard's file: its first line, its header, its rows as fields.
#[derive(Clone)]
struct CsvShard {
    head: String,
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl CsvShard {
    fn read(file: &str) -> CsvShard {
        let text = std::fs::read_to_string(file).unwrap();
        let mut lines = text.lines();
        let head = lines.next().unwrap().to_string();
        let split = |l: &str| l.split(',').map(String::from).collect::<Vec<_>>();
        let header = split(lines.next().unwrap());
        let rows = lines.map(split).collect();
        CsvShard { head, header, rows }
    }

    fn col(&self, name: &str) -> usize {
        self.header.iter().position(|c| c == name).unwrap()
    }

    /// The row index of the first row where `pick` holds.
    fn find(&self, pick: impl Fn(&[String]) -> bool) -> usize {
        self.rows.iter().position(|r| pick(r)).expect("such a row")
    }

    /// Writes it beside `like` as `name`; `seal`: with its digest recomputed.
    fn write(&self, like: &str, name: &str, seal: bool) -> String {
        let mut text = format!("{}\n{}\n", self.head, self.header.join(","));
        for r in &self.rows {
            text.push_str(&r.join(","));
            text.push('\n');
        }
        let path = Path::new(like).with_file_name(name);
        let path = path.to_str().unwrap().to_string();
        let bytes = if seal {
            planner::scaleout::merge::SweepCsv::reseal(&path, text.as_bytes()).unwrap()
        } else {
            text.into_bytes()
        };
        std::fs::write(&path, bytes).unwrap();
        path
    }
}

fn read_doc(file: &str) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap()
}

/// Writes a document beside `like` as `name`; `seal`: with its digest recomputed.
fn write_doc(mut doc: serde_json::Value, like: &str, name: &str, seal: bool) -> String {
    if seal {
        planner::scaleout::shard::digest::seal_json(&mut doc);
    }
    let path = Path::new(like).with_file_name(name);
    std::fs::write(&path, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
    path.to_str().unwrap().to_string()
}

/// `files` with the one at `i` replaced by `edited`.
fn with(files: &[String], i: usize, edited: &str) -> Vec<String> {
    let mut f = files.to_vec();
    f[i] = edited.to_string();
    f
}

/// Asserts that `merge FILES` is refused as bad input naming `file` and `needle`, and that
/// no `--csv` file is written on the way.
fn refused(files: &[String], file: &str, needle: &str) {
    let out = Path::new(file).with_file_name("never.csv");
    let out = out.to_str().unwrap();
    let mut args = vec!["merge", "--csv", out];
    args.extend(files.iter().map(String::as_str));
    assert_input_error(&args, needle);
    assert_input_error(&args, file);
    assert!(
        !Path::new(out).exists(),
        "{needle}: a refused merge wrote {out}"
    );
}

#[test]
fn a_compare_shard_naming_a_station_that_does_not_exist_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let files = doc_shards(dir.path(), "compare", LOADS[0], &[], 2);
    let mut doc = read_doc(&files[1]);
    let cell = doc["cells"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|c| !c["late_bottleneck"].is_null())
        .expect("a cell with late clients");
    cell["late_bottleneck"] = 99.into();
    for seal in [false, true] {
        let edited = write_doc(doc.clone(), &files[1], "no-station.json", seal);
        refused(&with(&files, 1, &edited), &edited, "late_bottleneck");
    }
}

#[test]
fn an_optimize_shard_prints_only_its_document() {
    // A part's cheapest is not the answer: a shard says nothing that reads like one.
    let load = LOADS[0];
    for extra in [
        &[][..],
        &["--format", "table"],
        &["--format", "csv"],
        &["--format", "json", "--csv", "x.csv"],
        &["--format", "json", "--plot", "x.svg"],
    ] {
        let mut args = vec!["optimize", "--shard", "3/3"];
        args.extend(load);
        args.extend(extra);
        assert_input_error(&args, "--format json");
    }
    let mut args = vec!["-q", "optimize", "--shard", "3/3", "--format", "json"];
    args.extend(load);
    let (code, out, err) = run(&args);
    assert_eq!(code, 0, "{err}");
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["planner_shard"]["shard"], "3/3");
    assert!(!out.contains("Answer"), "{out}");
}

#[test]
fn verdicts_that_contradict_their_figures_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    // Optimize: a pass and a miss of one shard swap their verdicts.
    let files = doc_shards(dir.path(), "optimize", LOADS[0], &[], 3);
    let mut doc = read_doc(&files[0]);
    let tested = doc["tested"].as_array_mut().unwrap();
    let verdict = |t: &serde_json::Value| t["summary"]["meets_target"].as_bool().unwrap();
    let pass = tested.iter().position(verdict).unwrap();
    let miss = tested.iter().position(|t| !verdict(t)).unwrap();
    tested[pass]["summary"]["meets_target"] = false.into();
    tested[miss]["summary"]["meets_target"] = true.into();
    for seal in [false, true] {
        let edited = write_doc(doc.clone(), &files[0], "swapped.json", seal);
        refused(&with(&files, 0, &edited), &edited, "meets_target");
    }
    // Sweep, fixed arrivals and Poisson replications (judged by the interval's lower bound).
    for load in LOADS {
        let sub = dir.path().join(format!("sweep-{}", load.len()));
        std::fs::create_dir(&sub).unwrap();
        let files = sweep_shards(&sub, load, &[], 2);
        let mut csv = CsvShard::read(&files[1]);
        let m = csv.col("meets_target");
        let pass = csv.find(|r| r[m] == "true");
        let miss = csv.find(|r| r[m] == "false");
        csv.rows[pass][m] = "false".into();
        csv.rows[miss][m] = "true".into();
        for seal in [false, true] {
            let edited = csv.write(&files[1], "swapped.csv", seal);
            refused(&with(&files, 1, &edited), &edited, "meets_target");
        }
    }
    // Compare: one cell's verdict flipped.
    let files = doc_shards(dir.path(), "compare", LOADS[1], &[], 2);
    let mut doc = read_doc(&files[0]);
    let cell = &mut doc["cells"][0]["summary"]["meets_target"];
    *cell = (!cell.as_bool().unwrap()).into();
    for seal in [false, true] {
        let edited = write_doc(doc.clone(), &files[0], "flipped.json", seal);
        refused(&with(&files, 0, &edited), &edited, "meets_target");
    }
}

#[test]
fn impossible_figures_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let files = doc_shards(dir.path(), "optimize", LOADS[0], &[], 2);
    let mut doc = read_doc(&files[1]);
    doc["tested"][0]["summary"]["satisfied"] = 999.into();
    for seal in [false, true] {
        let edited = write_doc(doc.clone(), &files[1], "999.json", seal);
        refused(&with(&files, 1, &edited), &edited, "satisfied");
    }
    let files = doc_shards(dir.path(), "compare", LOADS[0], &[], 2);
    let mut doc = read_doc(&files[0]);
    let s = &mut doc["cells"][1]["summary"];
    let max = s["max_steps"].as_u64().unwrap();
    s["p50_steps"] = (max + 1).into();
    let edited = write_doc(doc, &files[0], "p50.json", true);
    refused(&with(&files, 0, &edited), &edited, "p50_steps");
    let files = sweep_shards(dir.path(), LOADS[0], &[], 3);
    let csv = CsvShard::read(&files[2]);
    let edits: [(&str, &str, &str); 5] = [
        ("satisfied", "999", "more than its 10 clients"),
        ("p50_s", "99.5", "p50_s 99.5 s is above p95_s"),
        ("satisfaction", "-5.0", "satisfaction is -5"),
        ("max_s", "-1.0", "max_s"),
        ("replications", "4", "replications"),
    ];
    for (column, value, needle) in edits {
        let mut e = csv.clone();
        let c = e.col(column);
        e.rows[3][c] = value.into();
        for seal in [false, true] {
            let edited = e.write(&files[2], "impossible.csv", seal);
            refused(&with(&files, 2, &edited), &edited, needle);
        }
    }
}

#[test]
fn rows_outside_their_shards_part_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let files = sweep_shards(dir.path(), LOADS[0], &[], 3);
    let one = CsvShard::read(&files[0]);
    let lever = one.col("burger.units");
    // A lever value the space does not hold.
    let mut e = one.clone();
    e.rows[2][lever] = "99".into();
    for seal in [false, true] {
        let edited = e.write(&files[0], "outside.csv", seal);
        refused(
            &with(&files, 0, &edited),
            &edited,
            "burger.units=99 is outside the space (burger.units 3..=8)",
        );
    }
    // One configuration twice, another missing.
    let mut e = one.clone();
    e.rows[5] = e.rows[4].clone();
    for seal in [false, true] {
        let edited = e.write(&files[0], "twice.csv", seal);
        refused(&with(&files, 0, &edited), &edited, "line 8");
        refused(&with(&files, 0, &edited), &edited, "repeats line 7");
    }
    // A row of shard 2's part in shard 1's place.
    let two = CsvShard::read(&files[1]);
    let mut e = one.clone();
    e.rows[0] = two.rows[0].clone();
    for seal in [false, true] {
        let edited = e.write(&files[0], "theirs.csv", seal);
        refused(&with(&files, 0, &edited), &edited, "shard 2/3's to test");
    }
    // A configuration of the space whose derived columns were changed.
    let edits: [(&str, &str); 4] = [
        ("cost", "cost is `1.0`, not"),
        ("cpu_cores", "cpu_cores is `1.0`, not"),
        ("capacity_fries", "capacity_fries is `1.0`, not"),
        (
            "timeout",
            "timeout is `1.0`, not `5.0` as the recorded load test gives",
        ),
    ];
    for (column, needle) in edits {
        let mut e = one.clone();
        let c = e.col(column);
        e.rows[1][c] = "1.0".into();
        for seal in [false, true] {
            let edited = e.write(&files[0], "derived.csv", seal);
            refused(&with(&files, 0, &edited), &edited, needle);
        }
    }
    // A compare strategy the command line does not give.
    let files = doc_shards(dir.path(), "compare", LOADS[0], &[], 2);
    let mut doc = read_doc(&files[1]);
    doc["contenders"][0][1][1] = 99.into();
    let edited = write_doc(doc, &files[1], "strategy.json", true);
    let mut doc0 = read_doc(&files[0]);
    doc0["contenders"][0][1][1] = 99.into();
    // Every shard edited alike, so that no other shard gives it away.
    let edited0 = write_doc(doc0, &files[0], "strategy0.json", true);
    refused(&[edited0.clone(), edited], &edited0, "strategy");
}

#[test]
fn figures_that_are_not_numbers_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let files = sweep_shards(dir.path(), LOADS[1], &[], 2);
    let csv = CsvShard::read(&files[0]);
    for (column, value) in [
        ("p50_s", "abc"),
        ("satisfied", "x"),
        ("meets_target", "maybe"),
    ] {
        let mut e = csv.clone();
        let c = e.col(column);
        e.rows[0][c] = value.into();
        for seal in [false, true] {
            let edited = e.write(&files[0], "abc.csv", seal);
            refused(
                &with(&files, 0, &edited),
                &edited,
                &format!("{column} is `{value}`"),
            );
        }
    }
}

#[test]
fn hand_edits_nothing_re_derives_are_refused_by_the_digest() {
    let dir = tempfile::tempdir().unwrap();
    // A median made a step faster: plausible, and only the digest knows.
    let files = sweep_shards(dir.path(), LOADS[0], &[], 2);
    let mut csv = CsvShard::read(&files[1]);
    let p50 = csv.col("p50_s");
    let row = csv.find(|r| r[p50].parse::<f64>().unwrap() >= 1.0);
    let faster = csv.rows[row][p50].parse::<f64>().unwrap() - 0.5;
    csv.rows[row][p50] = format!("{faster:?}");
    let edited = csv.write(&files[1], "faster.csv", false);
    refused(
        &with(&files, 1, &edited),
        &edited,
        "its field `rows[].p50_s` is not what planner wrote",
    );
    let mut csv = CsvShard::read(&files[1]);
    csv.head = csv.head.replace("\"seed\":1", "\"seed\":2");
    let edited = csv.write(&files[1], "seed.csv", false);
    refused(
        &with(&files, 1, &edited),
        &edited,
        "its field `seed` is not what planner wrote",
    );
    for (command, summary) in [("optimize", "tested"), ("compare", "cells")] {
        let files = doc_shards(dir.path(), command, LOADS[0], &[], 2);
        let mut doc = read_doc(&files[0]);
        let s = &mut doc[summary][0]["summary"];
        s["p50_steps"] = (s["p50_steps"].as_u64().unwrap() - 1).into();
        let edited = write_doc(doc, &files[0], "faster.json", false);
        refused(
            &with(&files, 0, &edited),
            &edited,
            &format!("its field `{summary}[].summary.p50_steps` is not what planner wrote"),
        );
        let mut doc = read_doc(&files[0]);
        doc["scenario_source"] = "elsewhere.toml".into();
        let edited = write_doc(doc.clone(), &files[0], "source.json", false);
        refused(
            &with(&files, 0, &edited),
            &edited,
            "its field `scenario_source`",
        );
        doc.as_object_mut().unwrap().remove("digest");
        let edited = write_doc(doc, &files[0], "unsealed.json", false);
        refused(&with(&files, 0, &edited), &edited, "it carries no digest");
    }
}

#[test]
fn figures_that_are_not_finite_are_refused_once_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let nan = f64::NAN.to_bits();
    let inf = f64::INFINITY.to_bits();
    for (command, summary) in [("optimize", "tested"), ("compare", "cells")] {
        let files = doc_shards(dir.path(), command, LOADS[1], &[], 2);
        for (field, bits) in [("satisfaction", nan), ("mean_steps", inf)] {
            let mut doc = read_doc(&files[1]);
            doc[summary][0]["summary"][field] = bits.into();
            for seal in [false, true] {
                let edited = write_doc(doc.clone(), &files[1], "nan.json", seal);
                let merged = with(&files, 1, &edited);
                refused(&merged, &edited, field);
                // Not rendered, so no plot fails on it with exit 3.
                let plot = dir.path().join("never.svg");
                let mut args = vec!["merge", "--plot", plot.to_str().unwrap()];
                args.extend(merged.iter().map(String::as_str));
                assert_input_error(&args, field);
                assert!(!plot.exists());
                if seal {
                    refused(&merged, &edited, "not a finite number");
                }
            }
        }
    }
    let files = sweep_shards(dir.path(), LOADS[1], &[], 2);
    let csv = CsvShard::read(&files[0]);
    for (column, value) in [
        ("p50_s", "NaN"),
        ("mean_s", "inf"),
        ("satisfaction_low", "-inf"),
    ] {
        let mut e = csv.clone();
        let c = e.col(column);
        e.rows[1][c] = value.into();
        for seal in [false, true] {
            let edited = e.write(&files[0], "nan.csv", seal);
            refused(&with(&files, 0, &edited), &edited, column);
            if seal {
                refused(&with(&files, 0, &edited), &edited, "not a finite number");
            }
        }
    }
}

/// What one `sweep` or `merge` run printed and wrote: exit code, stdout, the `--csv` file.
fn sweep_outputs(head: &[String], tail: &[String], csv: &Path) -> Vec<(i32, String, Vec<u8>)> {
    let forms: [&[&str]; 5] = [
        &[],
        &["--format", "csv"],
        &["--csv", csv.to_str().unwrap()],
        &["--csv", "-"],
        &["--unit", "ms"],
    ];
    forms
        .iter()
        .map(|middle| {
            let _ = std::fs::remove_file(csv);
            let mut args = head.to_vec();
            args.extend(strings(middle));
            args.extend(tail.iter().cloned());
            let (code, out, _) = ok(&args);
            (code, out, std::fs::read(csv).unwrap_or_default())
        })
        .collect()
}

#[test]
fn merged_sweep_shards_print_what_sweep_prints() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("out.csv");
    for load in LOADS {
        for extra in [&[][..], &["--show", "3"]] {
            let mut head = strings(&["-q", "sweep"]);
            head.extend(strings(load));
            head.extend(strings(extra));
            let whole = sweep_outputs(&head, &[], &csv);
            assert!(whole[0].1.contains("meet the target"), "{}", whole[0].1);
            assert!(whole[2].1.contains("wrote 48 rows to"), "{}", whole[2].1);
            for n in [1, 2, 3] {
                let files = sweep_shards(dir.path(), load, extra, n);
                let merged = sweep_outputs(&strings(&["merge"]), &files, &csv);
                for (form, (m, w)) in merged.iter().zip(&whole).enumerate() {
                    assert!(
                        m == w,
                        "{load:?} {extra:?} n={n}, form {form}: the merge printed\n{}\nthe sweep\n{}",
                        m.1,
                        w.1
                    );
                }
            }
        }
    }
}

#[test]
fn shard_counts_are_worded_for_one_two_and_many() {
    let dir = tempfile::tempdir().unwrap();
    for (n, words) in [
        (1, "merge it with"),
        (2, "merge both with"),
        (3, "merge all 3 with"),
    ] {
        let file = dir.path().join(format!("count-{n}.csv"));
        let mut args = strings(&["-q", "sweep", "--shard", &format!("1/{n}"), "--csv"]);
        args.push(file.to_str().unwrap().into());
        let (_, out, _) = ok(&args);
        assert!(out.contains(words), "{out}");
    }
    let files = sweep_shards(dir.path(), LOADS[0], &[], 2);
    assert_input_error(
        &["merge", &files[1]],
        "shard 1/2 is missing (1 of 2 given); run it and merge both",
    );
}

#[test]
fn a_resumed_shard_is_sealed_again_and_merges() {
    let dir = tempfile::tempdir().unwrap();
    let load = LOADS[1];
    let files = sweep_shards(dir.path(), load, &[], 2);
    let full = std::fs::read_to_string(&files[1]).unwrap();
    // What a shard killed after its checkpoint of 5 rows leaves: a sealed file of 5 rows.
    let mut killed = CsvShard::read(&files[1]);
    killed.rows.truncate(5);
    killed.head = killed.head.replace("\"tested\":24", "\"tested\":5");
    let path = killed.write(&files[1], "killed.csv", true);
    let mut args = strings(&["-q", "sweep"]);
    args.extend(strings(load));
    args.extend(strings(&["--shard", "2/2", "--resume", "--csv", &path]));
    let (_, _, err) = ok(&args);
    assert!(
        err.contains("5 of its 24 configurations already in"),
        "{err}"
    );
    let merged = dir.path().join("merged.csv");
    let whole = dir.path().join("whole.csv");
    ok(&strings(&[
        "merge",
        "--format",
        "csv",
        "--csv",
        merged.to_str().unwrap(),
        &files[0],
        &path,
    ]));
    let mut single = strings(&["-q", "sweep"]);
    single.extend(strings(load));
    single.extend(strings(&["--csv", whole.to_str().unwrap()]));
    ok(&single);
    assert_eq!(
        std::fs::read(&merged).unwrap(),
        std::fs::read(&whole).unwrap()
    );
    // The resumed file differs from the uninterrupted one only by its command line.
    let line = |t: &str| t.lines().skip(1).collect::<Vec<_>>().join("\n");
    assert_eq!(line(&std::fs::read_to_string(&path).unwrap()), line(&full));
    // An edited file is not resumed (its rows would be sealed again as planner's).
    let mut edited = CsvShard::read(&path);
    let c = edited.col("p50_s");
    edited.rows[0][c] = "0.5".into();
    let path = edited.write(&files[1], "edited.csv", false);
    let before = std::fs::read(&path).unwrap();
    let mut args = strings(&["-q", "sweep"]);
    args.extend(strings(load));
    args.extend(strings(&["--shard", "2/2", "--resume", "--csv", &path]));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    assert_input_error(&args, "--resume");
    assert_input_error(&args, "rows[].p50_s");
    assert_eq!(std::fs::read(&path).unwrap(), before);
}

#[test]
fn a_merge_never_writes_over_a_shard() {
    let dir = tempfile::tempdir().unwrap();
    let files = doc_shards(dir.path(), "optimize", LOADS[0], &[], 2);
    let before = std::fs::read(&files[0]).unwrap();
    assert_input_error(
        &["merge", "--csv", &files[0], &files[0], &files[1]],
        "shard",
    );
    assert_eq!(std::fs::read(&files[0]).unwrap(), before);
}
