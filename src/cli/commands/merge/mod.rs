//! Scale-out at the edge: what a shard of `sweep`, `optimize` or `compare` writes, and
//! `planner merge`, which reads those outputs back into the single run's result.
//!
//! A sweep shard writes its rows to `--csv FILE` under a first comment line (its metadata,
//! scenario text, command line and digest), rewriting the file as it goes, so that a killed
//! shard restarted with `--resume` tests only what is not in the file yet. An optimize or
//! compare shard prints only its shard document (`--format json`): a part has no answer or
//! table of its own. Every shard output carries a digest of its content. The merge ranks the
//! space again from the recorded scenario text and command line (cheap and exact), checks
//! every shard against it ([`rebuild`]) and renders the result through the ordinary report,
//! so the merged output is the single run's.

mod rebuild;

use std::collections::HashSet;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

use super::study::SearchPlan;
use super::{Failure, Verdict};
use crate::cli::args::{MergeArgs, SweepArgs};
use crate::cli::progress::Progress;
use crate::model::scenario::{Scenario, DEFAULT_NAME, DEFAULT_TEXT};
use crate::model::units::TimeUnit;
use crate::report::output::{Inputs, Outputs};
use crate::report::printable;
use crate::report::schema::SchemaVersion;
use crate::report::search::SearchContext;
use crate::report::Format;
use crate::scaleout::merge::{self, MergeError, Part, RowKey, SweepCsv};
use crate::scaleout::shard::digest::{self, Digest};
use crate::scaleout::shard::{
    all_of, CompareShardDoc, Shard, ShardDoc, ShardMeta, StoredCell, SweepHead, Tested,
};
use crate::search::compare::{self, Contender, Rates};
use crate::search::{self, Optimization, Space, Target};
use rayon::prelude::*;

/// The command line a shard was run with, recorded in its document for the person merging.
fn command_args() -> Vec<String> {
    std::env::args_os()
        .skip(1)
        .map(|a| a.to_string_lossy().into_owned())
        .collect()
}

/// The scenario's text, which a shard records so that the merge needs no scenario file.
fn scenario_text(scenario: &Scenario, inputs: &mut Inputs) -> Result<String> {
    if scenario.source() == DEFAULT_NAME {
        return Ok(DEFAULT_TEXT.to_string());
    }
    inputs
        .read_to_string("scenario file", Path::new(scenario.source()))
        .with_context(|| format!("cannot read the scenario file {} again", scenario.source()))
}

/// The document `optimize --shard K/N --show R --format json` prints; `result` is the
/// shard's part settled with `R` runners-up.
pub(crate) fn shard_doc(
    scenario: &Scenario,
    plan: &SearchPlan,
    sustained: bool,
    shard: Shard,
    runners_up: usize,
    result: &Optimization,
    inputs: &mut Inputs,
) -> Result<Vec<u8>> {
    let text = scenario_text(scenario, inputs)?;
    let mut meta = ShardMeta::new(
        "optimize",
        scenario,
        &text,
        &plan.study.space,
        &plan.study.prices,
        &plan.study.target,
        sustained,
        plan.ranking.len(),
        shard,
    );
    meta.tested = result.evaluated.len();
    meta.first_pass = result.answer.map(|i| shard.rank(i));
    meta.runners_up = Some(runners_up);
    let doc = ShardDoc {
        schema_version: SchemaVersion,
        planner_shard: meta,
        scenario_source: scenario.source().to_string(),
        scenario_text: text,
        args: command_args(),
        tested: result
            .evaluated
            .iter()
            .enumerate()
            .map(|(i, e)| Tested {
                rank: shard.rank(i),
                summary: (&e.summary).into(),
            })
            .collect(),
        digest: Digest::new(),
    };
    Ok(sealed(doc, |d, digest| d.digest = digest))
}

/// A shard document as it is printed: with the digest of its content.
fn sealed<T: serde::Serialize>(mut doc: T, set: impl Fn(&mut T, Digest)) -> Vec<u8> {
    let value = serde_json::to_value(&doc).expect("plain data serialises");
    set(&mut doc, digest::of_json(&value));
    let mut bytes = serde_json::to_vec_pretty(&doc).expect("plain data serialises");
    bytes.push(b'\n');
    bytes
}

/// The identity of a compare shard: [`ShardMeta`] with the comparison's strategies (as
/// resolved) and rates as its space, and its cells as its configurations.
fn compare_meta(
    scenario: &Scenario,
    text: &str,
    target: &Target,
    contenders: &[Contender],
    rates: &Rates,
    shard: Shard,
) -> ShardMeta {
    let cells = contenders.len() * rates.as_slice().len();
    let space = Space::new(scenario, &[]);
    let mut meta = ShardMeta::new(
        "compare",
        scenario,
        text,
        &space,
        scenario.prices(),
        target,
        false,
        cells,
        shard,
    );
    let strategies: Vec<String> = contenders
        .iter()
        .map(|c| format!("{} {:?}", c.name, c.config.values()))
        .collect();
    let rates: Vec<String> = rates
        .as_slice()
        .iter()
        .map(|r| format!("{:?}", r.get()))
        .collect();
    meta.space = format!(
        "strategies {} × rates {}",
        strategies.join(", "),
        rates.join(", ")
    );
    meta
}

/// The document `compare --shard K/N --format json` prints: its part of the cells, strategy
/// by strategy and rate by rate, every N-th from the K-th.
pub(crate) fn compare_shard(
    scenario: &Scenario,
    target: &Target,
    contenders: &[Contender],
    rates: &Rates,
    shard: Shard,
    inputs: &mut Inputs,
) -> Result<Vec<u8>> {
    let text = scenario_text(scenario, inputs)?;
    let mut meta = compare_meta(scenario, &text, target, contenders, rates, shard);
    let width = rates.as_slice().len();
    let part: Vec<usize> = shard.ranks(meta.configurations).collect();
    let cells = part
        .par_iter()
        .map(|&i| {
            let c = compare::cell(
                scenario,
                &contenders[i / width],
                rates.as_slice()[i % width],
                target,
            )?;
            Ok(StoredCell {
                cell: i,
                summary: (&c.summary).into(),
                late_bottleneck: c.late_bottleneck,
            })
        })
        .collect::<Result<Vec<_>, search::SearchError>>()?;
    meta.tested = cells.len();
    let doc = CompareShardDoc {
        schema_version: SchemaVersion,
        planner_shard: meta,
        scenario_source: scenario.source().to_string(),
        scenario_text: text,
        args: command_args(),
        contenders: contenders
            .iter()
            .map(|c| (c.name.clone(), c.config.values().to_vec()))
            .collect(),
        cells,
        digest: Digest::new(),
    };
    Ok(sealed(doc, |d, digest| d.digest = digest))
}

/// Configurations load-tested between two looks at the clock.
const CHUNK: usize = 2048;
/// How often a running sweep shard rewrites its file: what a kill can lose.
const CHECKPOINT: Duration = Duration::from_secs(10);

/// `sweep --shard K/N --csv FILE [--resume]`: tests the shard's part (less what FILE already
/// holds, with `--resume`), rewriting FILE atomically every [`CHECKPOINT`] and at the end.
pub(crate) fn sweep_shard(
    scenario: &Scenario,
    args: &SweepArgs,
    plan: &SearchPlan,
    shard: Shard,
    quiet: bool,
    inputs: &mut Inputs,
) -> Result<Verdict> {
    let out = &args.search.output;
    let file = match out.csv.as_deref() {
        Some(f) if f != "-" => f,
        _ => bail!(
            "--shard: a sweep shard writes its rows to --csv FILE, the file `planner merge` reads"
        ),
    };
    if out.plot.is_some() || args.search.report.report.is_some() || out.format != Format::Table {
        bail!("--shard: a sweep shard writes only --csv FILE; --plot, --report and --format are the merge's");
    }
    // What it resumes from is its own file, which only its --csv may rewrite.
    let before = if args.resume {
        match inputs.read_own("--csv", "file to resume", Path::new(file)) {
            Ok(bytes) => Some(bytes),
            // Nothing to resume yet: the shard starts from the beginning.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(e).with_context(|| format!("--resume: cannot read {file}")),
        }
    } else {
        None
    };
    let text = scenario_text(scenario, inputs)?;
    // Each write opens the file afresh, refusing every input; the first, now, checks that
    // it can be written before any work.
    let inputs = &*inputs;
    let open = || -> Result<_> {
        let mut o = Outputs::new(inputs);
        let id = o.open("--csv", Format::Csv.what(), file)?;
        Ok((o, id))
    };
    drop(open()?);
    let meta = ShardMeta::new(
        "sweep",
        scenario,
        &text,
        &plan.study.space,
        &plan.study.prices,
        &plan.study.target,
        false,
        plan.ranking.len(),
        shard,
    );
    let ctx = SearchContext {
        study: &plan.study,
        unit: TimeUnit::auto(crate::workload::shortest_timeout(
            scenario,
            &plan.study.target.load,
        )),
    };
    let part: Vec<usize> = shard.ranks(plan.ranking.len()).collect();
    let (mut header, mut rows) = match before {
        Some(bytes) => {
            let before = SweepCsv::parse(file, &bytes)?;
            // Rows kept are sealed again with the new ones: an edited file is not resumed.
            let digest = before.digest();
            for part in [Part::Identity, Part::Content] {
                merge::check_seal(file, &before.head.digest, &digest, part).map_err(|e| {
                    anyhow::anyhow!("--resume: {e}; delete it to run the shard from its start")
                })?;
            }
            let theirs = &before.head.meta;
            if let Some((what, ours, theirs)) = meta.differs(theirs) {
                bail!("--resume: {file} is not this shard's: its {what} is {theirs}, not {ours}");
            }
            if theirs.shard != meta.shard {
                bail!(
                    "--resume: {file} holds shard {}, not {}",
                    theirs.shard,
                    meta.shard
                );
            }
            (Some(before.header), before.rows)
        }
        None => (None, Vec::new()),
    };
    let mut head = SweepHead {
        schema_version: SchemaVersion,
        meta,
        scenario_source: scenario.source().to_string(),
        scenario_text: text,
        args: command_args(),
        digest: Digest::new(),
    };
    let mine: HashSet<&[u32]> = part
        .iter()
        .map(|&r| plan.ranking[r].config.values())
        .collect();
    let mut done: HashSet<Vec<u32>> = HashSet::new();
    for (key, _) in &rows {
        if !mine.contains(key.levers.as_slice()) || !done.insert(key.levers.clone()) {
            bail!(
                "--resume: {file} holds a row that is not shard {shard}'s to test, or holds it twice"
            );
        }
    }
    let todo: Vec<_> = part
        .iter()
        .map(|&r| plan.ranking[r].clone())
        .filter(|c| !done.contains(c.config.values()))
        .collect();
    if args.resume {
        eprintln!(
            "shard {shard}: {} of its {} configurations already in {}; load-testing the other {}",
            rows.len(),
            part.len(),
            printable(file),
            todo.len()
        );
    }
    let write = |head: &mut SweepHead, header: &csv::ByteRecord, rows: &mut [_]| -> Result<()> {
        head.meta.tested = rows.len();
        RowKey::sort(rows);
        let bytes = SweepCsv::write(head, header, rows);
        let (o, id) = open()?;
        o.commit_all(vec![(id, bytes)]).map_err(Failure::Output)?;
        Ok(())
    };
    let bar = Progress::new(todo.len() as u64, "load-testing", quiet);
    let mut last = Instant::now();
    for chunk in todo.chunks(CHUNK) {
        let tested = search::evaluate(scenario, &plan.study.target, chunk, &|n| bar.inc(n))?;
        let bytes = ctx
            .csv(&tested)
            .map_err(|e| anyhow::Error::new(Failure::Export(e.into())))?;
        let (h, new) = SweepCsv::rows(file, &bytes)?;
        header.get_or_insert(h);
        rows.extend(new);
        if last.elapsed() >= CHECKPOINT {
            write(&mut head, header.as_ref().expect("set above"), &mut rows)?;
            last = Instant::now();
        }
    }
    bar.finish();
    let header = match header {
        Some(h) => h,
        // Nothing tested and nothing before: the header alone, as the single run writes it.
        None => SweepCsv::rows(file, &ctx.csv(&[]).map_err(|e| Failure::Export(e.into()))?)?.0,
    };
    write(&mut head, &header, &mut rows)?;
    println!(
        "{}: shard {shard} of a sweep of {} configurations: wrote {} rows to {}; merge {} with `planner merge`",
        scenario.name(),
        plan.ranking.len(),
        rows.len(),
        printable(file),
        all_of(shard.count())
    );
    Ok(Verdict::Met)
}

/// `planner merge FILES…`.
/// `planner merge FILES…`: every shard is read through `inputs`, so that no output of the
/// merge may replace one.
pub(crate) fn merge(args: MergeArgs, inputs: &mut Inputs) -> Result<Verdict> {
    let mut files = Vec::new();
    for path in &args.files {
        let shown = path.display().to_string();
        let bytes = inputs
            .read("shard", path)
            .with_context(|| format!("cannot read {shown}"))?;
        files.push((shown, bytes));
    }
    let is_csv = |b: &[u8]| b.starts_with(crate::scaleout::shard::CSV_MARK.as_bytes());
    let is_doc = |b: &[u8]| b.trim_ascii_start().starts_with(b"{");
    if let Some((file, _)) = files.iter().find(|(_, b)| !is_csv(b) && !is_doc(b)) {
        return Err(MergeError::NotAShard { file: file.clone() }.into());
    }
    let sweep = files.iter().find(|(_, b)| is_csv(b));
    let optimize = files.iter().find(|(_, b)| !is_csv(b));
    match (sweep, optimize) {
        (Some((s, _)), Some((o, _))) => Err(MergeError::Mixed {
            sweep: s.clone(),
            optimize: o.clone(),
        }
        .into()),
        (Some(_), None) => rebuild::merge_sweep(&args, files, inputs),
        _ => {
            // Documents of two commands are two studies: say so, not that one is no shard.
            let mut commands = Vec::new();
            for (file, bytes) in &files {
                let head: Head = serde_json::from_slice(bytes)
                    .map_err(|_| MergeError::NotAShard { file: file.clone() })?;
                commands.push((file, head.planner_shard.command));
            }
            let (first, command) = &commands[0];
            if let Some((file, other)) = commands.iter().find(|(_, c)| c != command) {
                return Err(MergeError::Foreign {
                    file: file.to_string(),
                    what: "command",
                    theirs: other.clone(),
                    ours: command.clone(),
                    first: first.to_string(),
                }
                .into());
            }
            if command == "compare" {
                rebuild::merge_compare(&args, files, inputs)
            } else {
                rebuild::merge_optimize(&args, files, inputs)
            }
        }
    }
}

/// Just enough of a shard document to tell an optimize one from a compare one.
#[derive(serde::Deserialize)]
struct Head {
    planner_shard: ShardMeta,
}
