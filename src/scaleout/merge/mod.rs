//! Shard outputs back into one result, exactly, or a refusal that names the shard.
//!
//! A sweep shard's CSV holds its rows in the single run's order (cost as printed, then lever
//! values); the whole sweep's rows are the union of the shards'. An optimize shard's document
//! holds what it tested, by rank, up to its `1 + R`-th pass; together they hold every
//! configuration the single run reports (see [`combine_optimize`]), so the merged result is
//! the single run's, byte for byte.
//!
//! Nothing in a shard is taken on trust. A set is refused before anything is written when a
//! shard is of another study (the first field that differs is named), given twice, missing
//! or unfinished; when its content is not what planner wrote (its digest, [`check_seal`]);
//! and when a figure contradicts the others or the target ([`trust`]), a row is not its
//! shard's to hold or a derived column is not what its configuration gives ([`rows`]).

pub mod rows;
pub mod trust;

use std::collections::BTreeMap;

use csv::ByteRecord;
use serde_json::Value;

use crate::outcome::stats::Summary;
use crate::scaleout::shard::digest::{self, Digest, Sealer};
use crate::scaleout::shard::{
    all_of, fingerprint, CompareShardDoc, Shard, ShardDoc, ShardMeta, SweepHead, CSV_MARK,
};
use crate::search::compare::Cell;

/// Why shards cannot be merged. Every variant names the file (or shard) at fault, because
/// the user's fix is always about one file: rerun it, drop it, or add the one missing.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum MergeError {
    /// The file carries no shard metadata, so it was not written by `--shard`.
    #[error("{file}: not a planner shard (expected a sweep --shard CSV, whose first line starts `{}`, or an optimize or compare --shard --format json document)", CSV_MARK.trim_end())]
    NotAShard {
        /// The file as the user named it.
        file: String,
    },
    /// The file is a shard of another document version: its fields may mean something else
    /// (docs/json.md), so it is not read by this version's rules.
    #[error("{file}: a shard of schema_version {theirs}, and this planner merges version {}: merge it with the planner that wrote it", crate::report::schema::SCHEMA_VERSION)]
    Version {
        /// The file as the user named it.
        file: String,
        /// Its `schema_version`, as written (`none` for a shard older than the field).
        theirs: String,
    },
    /// The file says it is a shard but its contents do not hold together (edited, cut or
    /// corrupted): its digest disagrees, or a figure contradicts the others or the target.
    #[error("{file}: damaged shard: {why}")]
    Damaged {
        /// The file as the user named it.
        file: String,
        /// What does not hold together, for the user to read.
        why: String,
    },
    /// The file is a shard of another study: merging it would mix two answers.
    #[error("{file} is a foreign shard: its {what} is {theirs}, not {ours} as in {first}")]
    Foreign {
        /// The file that differs.
        file: String,
        /// The first metadata field that differs, as the user would call it (`seed`, ...).
        what: &'static str,
        /// That field's value in `file`.
        theirs: String,
        /// That field's value in `first`.
        ours: String,
        /// The first file given, which sets what the study is.
        first: String,
    },
    /// The same shard given in two files: its rows would count twice.
    #[error("shard {shard} is given twice: {first} and {second}")]
    Duplicate {
        /// The shard, as `K/N`.
        shard: String,
        /// The file that gave it first.
        first: String,
        /// The file that gave it again.
        second: String,
    },
    /// A shard of the set is absent: without its part the answer could be wrong.
    #[error("shard {shard} is missing ({given} of {count} given); run it and merge {}", all_of(*.count))]
    Missing {
        /// The lowest missing shard, as `K/N`.
        shard: String,
        /// How many distinct shards were given.
        given: usize,
        /// How many shards the study was split into (the `N` of `K/N`).
        count: u32,
    },
    /// A shard stopped before load-testing its whole part (interrupted); `--resume` ends it.
    #[error("{file}: shard {shard} is unfinished: {tested} of its {part} configurations load-tested; run it again with --resume")]
    Unfinished {
        /// The file as the user named it.
        file: String,
        /// The shard, as `K/N`.
        shard: String,
        /// How many of its configurations it holds results for.
        tested: usize,
        /// How many configurations its part has.
        part: usize,
    },
    /// Sweep and optimize shards given together: they answer different questions.
    #[error("cannot merge sweep CSVs with optimize documents ({sweep} and {optimize})")]
    Mixed {
        /// A sweep shard among the files.
        sweep: String,
        /// An optimize shard among the files.
        optimize: String,
    },
    /// No files were named.
    #[error("nothing to merge: name the shard files")]
    Empty,
}

fn damaged(file: &str, why: impl std::fmt::Display) -> MergeError {
    MergeError::Damaged {
        file: file.to_string(),
        why: why.to_string(),
    }
}

/// A row's place in the sweep CSV: the cost as printed, then the lever values, as
/// `SearchContext::csv` sorts them.
#[derive(Debug, Clone, PartialEq)]
pub struct RowKey {
    cost: f64,
    /// The configuration's lever values, in the scenario's lever order (the CSV's first
    /// columns).
    pub levers: Vec<u32>,
}

impl RowKey {
    fn cmp(&self, other: &RowKey) -> std::cmp::Ordering {
        self.cost
            .total_cmp(&other.cost)
            .then_with(|| self.levers.cmp(&other.levers))
    }

    /// Sorts rows in the single run's order.
    pub fn sort(rows: &mut [(RowKey, ByteRecord)]) {
        rows.sort_by(|a, b| a.0.cmp(&b.0));
    }
}

/// A sweep shard's CSV, read as it is: nothing in it is checked but its shape.
#[derive(Debug, Clone)]
pub struct SweepCsv {
    /// The first line: metadata, scenario text, command line, digest.
    pub head: SweepHead,
    /// The first line as written, which the digest covers (a field of a later planner too).
    head_json: Value,
    /// The CSV header as written.
    pub header: ByteRecord,
    /// Every row as written (bytes untouched), with the key it sorts by; in file order.
    pub rows: Vec<(RowKey, ByteRecord)>,
}

impl SweepCsv {
    /// Reads a shard CSV (`file` names it in errors).
    pub fn parse(file: &str, bytes: &[u8]) -> Result<SweepCsv, MergeError> {
        let text = std::str::from_utf8(bytes).map_err(|_| MergeError::NotAShard {
            file: file.to_string(),
        })?;
        let (first, rest) = text.split_once('\n').unwrap_or((text, ""));
        let head_text = first
            .strip_prefix(CSV_MARK)
            .ok_or_else(|| MergeError::NotAShard {
                file: file.to_string(),
            })?;
        let head_json: Value = serde_json::from_str(head_text).map_err(|e| damaged(file, e))?;
        check_version(file, &head_json)?;
        let head: SweepHead =
            serde_json::from_value(head_json.clone()).map_err(|e| damaged(file, e))?;
        let (header, rows) = Self::rows(file, rest.as_bytes())?;
        Ok(SweepCsv {
            head,
            head_json,
            header,
            rows,
        })
    }

    /// The digest of what the file holds now.
    pub fn digest(&self) -> Digest {
        seal_csv(
            &self.head_json,
            &self.header,
            self.rows.iter().map(|(_, r)| r),
        )
    }

    /// The header and keyed rows of CSV text as `SearchContext::csv` writes it.
    pub fn rows(
        file: &str,
        bytes: &[u8],
    ) -> Result<(ByteRecord, Vec<(RowKey, ByteRecord)>), MergeError> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(bytes);
        let mut records = reader.byte_records();
        let header = match records.next() {
            Some(h) => h.map_err(|e| damaged(file, e))?,
            None => return Err(damaged(file, "no CSV header")),
        };
        let column = |name: &str| header.iter().position(|f| f == name.as_bytes());
        let (levers, cost) = column("cpu_cores")
            .zip(column("cost"))
            .ok_or_else(|| damaged(file, "not a sweep CSV header (no cpu_cores, cost)"))?;
        let mut rows = Vec::new();
        for record in records {
            let line = rows.len() + 3;
            let record = record.map_err(|e| damaged(file, format!("line {line}: {e}")))?;
            if record.len() != header.len() {
                return Err(damaged(
                    file,
                    format!(
                        "line {line}: {} fields where its header has {}",
                        record.len(),
                        header.len()
                    ),
                ));
            }
            let field = |i: usize| String::from_utf8_lossy(record.get(i).unwrap_or(b""));
            let number = |i: usize, what: &str| {
                let text = field(i);
                text.parse::<f64>()
                    .ok()
                    .filter(|v| v.is_finite())
                    .ok_or_else(|| {
                        damaged(
                            file,
                            format!("line {line}: {what} `{text}` is not a number"),
                        )
                    })
            };
            let key = RowKey {
                cost: number(cost, "cost")?,
                levers: (0..levers)
                    .map(|i| {
                        let name = String::from_utf8_lossy(header.get(i).unwrap_or(b""));
                        field(i).parse::<u32>().map_err(|_| {
                            damaged(
                                file,
                                format!("line {line}: {name} `{}` is not a lever value", field(i)),
                            )
                        })
                    })
                    .collect::<Result<_, _>>()?,
            };
            rows.push((key, record));
        }
        Ok((header, rows))
    }

    /// The shard file: `head` with the digest of it, the header and the rows as given (in
    /// the single run's order: [`RowKey::sort`]).
    pub fn write(
        head: &mut SweepHead,
        header: &ByteRecord,
        rows: &[(RowKey, ByteRecord)],
    ) -> Vec<u8> {
        head.digest = Digest::new();
        let json = serde_json::to_value(&*head).expect("plain data serialises");
        head.digest = seal_csv(&json, header, rows.iter().map(|(_, r)| r));
        let mut out = Vec::new();
        out.extend_from_slice(CSV_MARK.as_bytes());
        out.extend(serde_json::to_vec(&*head).expect("plain data serialises"));
        out.push(b'\n');
        let mut w = csv::WriterBuilder::new()
            .has_headers(false)
            .from_writer(out);
        // Writing to memory cannot fail.
        w.write_byte_record(header).expect("in memory");
        for (_, r) in rows {
            w.write_byte_record(r).expect("in memory");
        }
        w.into_inner().expect("in memory")
    }

    /// The shard file `bytes` with its digest recomputed over what it holds now: what a
    /// person who edits a shard and seals it again would write. The merge must refuse
    /// whatever such a file says that can be re-derived; tests play that person with it.
    pub fn reseal(file: &str, bytes: &[u8]) -> Result<Vec<u8>, MergeError> {
        let mut csv = SweepCsv::parse(file, bytes)?;
        Ok(SweepCsv::write(&mut csv.head, &csv.header, &csv.rows))
    }
}

/// The digest of a sweep shard: its first line's fields, the header, each column of the rows.
fn seal_csv<'a>(
    head: &Value,
    header: &ByteRecord,
    rows: impl Iterator<Item = &'a ByteRecord>,
) -> Digest {
    let mut s = Sealer::new();
    s.json("", head);
    for (i, f) in header.iter().enumerate() {
        s.value("header[]", &[i], f);
    }
    let rows: Vec<&ByteRecord> = rows.collect();
    let names: Vec<String> = (0..header.len())
        .map(|i| format!("rows[].{}", String::from_utf8_lossy(&header[i])))
        .collect();
    s.columns(&names, &rows);
    s.finish()
}

/// Which fields of a shard a digest check covers. The merge checks what says what a shard
/// is first, and what it holds once every row's figures have been checked, so that a figure
/// that contradicts the others is named with its row, not only as a changed column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// The metadata, scenario text, command line, header, strategies.
    Identity,
    /// The rows, tested configurations or cells.
    Content,
}

fn is_content(path: &str) -> bool {
    ["rows[]", "tested[]", "cells[]"]
        .iter()
        .any(|p| path.starts_with(p))
}

/// Refuses a shard whose `part` is not what planner wrote: its `stored` digest disagrees with
/// the one `computed` from its content, and the field that differs is named.
pub fn check_seal(
    file: &str,
    stored: &Digest,
    computed: &Digest,
    part: Part,
) -> Result<(), MergeError> {
    if stored.is_empty() {
        return Err(damaged(
            file,
            "it carries no digest: it was not written by this planner's --shard",
        ));
    }
    let pick = |d: &Digest| -> Digest {
        d.iter()
            .filter(|(p, _)| is_content(p) == (part == Part::Content))
            .map(|(p, h)| (p.clone(), h.clone()))
            .collect()
    };
    match digest::first_difference(&pick(stored), &pick(computed)) {
        None => Ok(()),
        Some(field) => Err(damaged(
            file,
            format!("its field `{field}` is not what planner wrote (the shard's digest disagrees): the file was edited or corrupted since"),
        )),
    }
}

/// Refuses a shard written under another `schema_version` before reading it by this one's
/// rules, which would call it damaged or no shard at all.
pub fn check_version(file: &str, doc: &Value) -> Result<(), MergeError> {
    let version = doc.get("schema_version");
    if version.and_then(Value::as_u64) == Some(u64::from(crate::report::schema::SCHEMA_VERSION)) {
        return Ok(());
    }
    Err(MergeError::Version {
        file: file.to_string(),
        theirs: version.map_or_else(|| "none".to_string(), Value::to_string),
    })
}

/// A shard document's stored digest and the one computed from its content.
pub fn document_seal(doc: &Value) -> (Digest, Digest) {
    let stored = doc
        .get(digest::KEY)
        .and_then(|v| serde_json::from_value(v.clone()).ok())
        .unwrap_or_default();
    (stored, digest::of_json(doc))
}

/// Refuses a shard whose scenario text is not the one its metadata's hash names: the merge
/// reads the text, the set check compares the hashes.
pub fn check_text(file: &str, meta: &ShardMeta, text: &str) -> Result<(), MergeError> {
    if fingerprint(text) == meta.scenario_hash {
        Ok(())
    } else {
        Err(damaged(
            file,
            "its scenario_text is not the text its scenario_hash names",
        ))
    }
}

/// Checks that `metas` (file name, metadata) are all the shards of one study, each once, and
/// finished where `finished` requires it; returns them ordered by shard.
pub fn check_set<'a>(
    metas: &[(&'a str, &'a ShardMeta)],
    finished: bool,
) -> Result<Vec<(&'a str, &'a ShardMeta)>, MergeError> {
    let (first_file, first) = *metas.first().ok_or(MergeError::Empty)?;
    let mut by_shard: BTreeMap<Shard, (&str, &ShardMeta)> = BTreeMap::new();
    for &(file, meta) in metas {
        if let Some((what, ours, theirs)) = first.differs(meta) {
            return Err(MergeError::Foreign {
                file: file.to_string(),
                what,
                theirs,
                ours,
                first: first_file.to_string(),
            });
        }
        let shard = meta
            .shard()
            .ok_or_else(|| damaged(file, format!("shard `{}` is not K/N", meta.shard)))?;
        if meta.configurations != first.configurations
            || meta.part != shard.part_len(meta.configurations)
        {
            return Err(damaged(file, "its part does not fit its ranking"));
        }
        if let Some((other, _)) = by_shard.insert(shard, (file, meta)) {
            return Err(MergeError::Duplicate {
                shard: shard.to_string(),
                first: other.to_string(),
                second: file.to_string(),
            });
        }
        let stopped = meta.first_pass.is_some() && meta.command == "optimize";
        if (finished || !stopped) && meta.tested < meta.part {
            return Err(MergeError::Unfinished {
                file: file.to_string(),
                shard: shard.to_string(),
                tested: meta.tested,
                part: meta.part,
            });
        }
    }
    let count = first.shard().map_or(1, |s| s.count());
    for k in 1..=count {
        let shard = Shard::new(k, count).expect("1 ≤ k ≤ count");
        if !by_shard.contains_key(&shard) {
            return Err(MergeError::Missing {
                shard: shard.to_string(),
                given: by_shard.len(),
                count,
            });
        }
    }
    Ok(by_shard.into_values().collect())
}

/// Checks that sweep shard CSVs (file name, CSV) are all the shards of one study, each once
/// and finished, each as planner wrote what says what it is (the rows are for [`rows`]);
/// returns each one's digest as computed, for the rows' half of the check.
pub fn check_sweep_set(shards: &[(String, SweepCsv)]) -> Result<Vec<Digest>, MergeError> {
    let digests: Vec<Digest> = shards.iter().map(|(_, csv)| csv.digest()).collect();
    for ((file, csv), digest) in shards.iter().zip(&digests) {
        check_seal(file, &csv.head.digest, digest, Part::Identity)?;
        check_text(file, &csv.head.meta, &csv.head.scenario_text)?;
        // The rows are what counts: a file cut short is unfinished whatever it says.
        if csv.rows.len() != csv.head.meta.tested {
            return Err(MergeError::Unfinished {
                file: file.clone(),
                shard: csv.head.meta.shard.clone(),
                tested: csv.rows.len(),
                part: csv.head.meta.part,
            });
        }
    }
    let metas: Vec<(&str, &ShardMeta)> = shards
        .iter()
        .map(|(f, c)| (f.as_str(), &c.head.meta))
        .collect();
    check_set(&metas, true)?;
    Ok(digests)
}

/// What the optimize shards tested together.
#[derive(Debug, Clone, PartialEq)]
pub struct Combined {
    /// Results of ranks `0..prefix.len()`: the longest prefix of the ranking the shards
    /// tested together, in rank order. [`crate::search::settle`] settles it (see
    /// [`combine_optimize`] for why).
    pub prefix: Vec<Summary>,
    /// `R`, the runners-up count every shard was run with.
    pub runners_up: usize,
}

/// Optimize shard documents (file name, document) into what they tested together.
///
/// Why the merge is exact. Let `R` be the runners-up count and `g_0 < … < g_R` the ranks of
/// the `1 + R` cheapest passing configurations of the whole ranking. Shard `j` tests its
/// part cheapest first and stops at its own `(1 + R)`-th pass `q_j`, or tests all its part.
/// Every `g_i` — indeed every rank `r ≤ g_R` — lies in the tested prefix of the shard that
/// owns it: a shard that tested all its part holds it; a shard that stopped has `q_j ≥ g_R`,
/// since otherwise it would have `1 + R` passes below `g_R`, where only `R` (`g_0..g_{R-1}`)
/// exist. So the union of the shards' results covers ranks `0..=g_R`, and settling its
/// longest covered prefix gives the single run's result: the same `g_i`, cut at `g_R`.
/// When fewer than `1 + R` pass in all, no shard stopped early and the union is the whole
/// ranking, which is what the single run tests then too.
pub fn combine_optimize(docs: &[(String, ShardDoc)]) -> Result<Combined, MergeError> {
    let metas: Vec<(&str, &ShardMeta)> = docs
        .iter()
        .map(|(f, d)| (f.as_str(), &d.planner_shard))
        .collect();
    check_set(&metas, false)?;
    let (first_file, first) = &docs[0];
    let runners_up = first
        .planner_shard
        .runners_up
        .ok_or_else(|| damaged(first_file, "it records no runners-up count (--show)"))?;
    let wanted = runners_up.saturating_add(1);
    let mut tested: Vec<(usize, Summary)> = Vec::new();
    for (file, doc) in docs {
        let meta = &doc.planner_shard;
        let shard = meta.shard().expect("checked");
        if doc.tested.len() != meta.tested {
            return Err(damaged(file, "its tested list does not match its count"));
        }
        for (i, t) in doc.tested.iter().enumerate() {
            if t.rank >= meta.configurations || t.rank != shard.rank(i) {
                return Err(damaged(
                    file,
                    format!("rank {} is not next in shard {shard}'s part", t.rank),
                ));
            }
            tested.push((t.rank, Summary::from(&t.summary)));
        }
        let passes = doc.tested.iter().filter(|t| t.summary.meets_target).count();
        let last_passes = doc.tested.last().is_some_and(|t| t.summary.meets_target);
        let settled = if passes == wanted {
            last_passes
        } else {
            passes < wanted && meta.tested == meta.part
        };
        if !settled {
            return Err(damaged(
                file,
                format!("it does not stop at its pass number {wanted} nor test its whole part"),
            ));
        }
        let first = doc
            .tested
            .iter()
            .find(|t| t.summary.meets_target)
            .map(|t| t.rank);
        if first != meta.first_pass {
            return Err(damaged(file, "its first pass does not match its results"));
        }
    }
    tested.sort_by_key(|(rank, _)| *rank);
    let prefix = tested
        .into_iter()
        .enumerate()
        .take_while(|(i, (rank, _))| i == rank)
        .map(|(_, (_, summary))| summary)
        .collect();
    Ok(Combined { prefix, runners_up })
}

/// Compare shard documents (file name, document) into every cell of the comparison, in
/// order: each shard must hold its whole part (a compare shard does not stop early).
pub fn combine_compare(docs: &[(String, CompareShardDoc)]) -> Result<Vec<Cell>, MergeError> {
    let metas: Vec<(&str, &ShardMeta)> = docs
        .iter()
        .map(|(f, d)| (f.as_str(), &d.planner_shard))
        .collect();
    check_set(&metas, true)?;
    let (first_file, first) = &docs[0];
    let mut cells: Vec<Option<Cell>> = vec![None; first.planner_shard.configurations];
    for (file, doc) in docs {
        let shard = doc.planner_shard.shard().expect("checked");
        if doc.contenders != first.contenders {
            return Err(MergeError::Foreign {
                file: file.clone(),
                what: "strategies",
                theirs: format!("{:?}", doc.contenders),
                ours: format!("{:?}", first.contenders),
                first: first_file.clone(),
            });
        }
        if doc.cells.len() != doc.planner_shard.tested {
            return Err(damaged(file, "its cells do not match its count"));
        }
        for (i, c) in doc.cells.iter().enumerate() {
            if c.cell >= cells.len() || c.cell != shard.rank(i) {
                return Err(damaged(
                    file,
                    format!("cell {} is not next in shard {shard}'s part", c.cell),
                ));
            }
            cells[c.cell] = Some(c.cell());
        }
    }
    // `check_set` saw every shard, each whole, so every cell is filled; a hole is damage.
    cells
        .into_iter()
        .enumerate()
        .map(|(i, c)| c.ok_or_else(|| damaged(first_file, format!("no shard holds cell {i}"))))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(shard: &str, tested: usize) -> ShardMeta {
        let s: Shard = shard.parse().unwrap();
        ShardMeta {
            planner: "0".into(),
            command: "sweep".into(),
            shard: shard.into(),
            scenario: "s".into(),
            scenario_hash: "h".into(),
            seed: 1,
            space: "a 1..=5".into(),
            ranking: "cost".into(),
            target: "t".into(),
            configurations: 5,
            part: s.part_len(5),
            tested,
            first_pass: None,
            runners_up: None,
        }
    }

    #[test]
    fn a_set_must_be_whole_and_of_one_study() {
        let (a, b, c) = (meta("1/2", 3), meta("2/2", 2), meta("2/2", 2));
        assert!(check_set(&[("a", &a), ("b", &b)], true).is_ok());
        assert!(matches!(
            check_set(&[("a", &a)], true),
            Err(MergeError::Missing { .. })
        ));
        assert!(matches!(
            check_set(&[("a", &a), ("b", &b), ("c", &c)], true),
            Err(MergeError::Duplicate { .. })
        ));
        let mut other = meta("2/2", 2);
        other.seed = 2;
        let err = check_set(&[("a", &a), ("x", &other)], true).unwrap_err();
        assert_eq!(
            err.to_string(),
            "x is a foreign shard: its seed is 2, not 1 as in a"
        );
        let short = meta("2/2", 1);
        assert!(matches!(
            check_set(&[("a", &a), ("b", &short)], true),
            Err(MergeError::Unfinished { .. })
        ));
    }
}
