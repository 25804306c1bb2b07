//! Scale-out at the edge: what a shard of `sweep`, `optimize` or `compare` writes, and
//! `planner merge`, which reads those outputs back into the single run's result.
//!
//! A sweep shard writes its rows to `--csv FILE` with its metadata as a first comment line,
//! rewriting the file as it goes, so that a killed shard restarted with `--resume` tests only
//! what is not in the file yet. An optimize shard's `--format json` is a shard document. The
//! merge of optimize documents ranks the space again from the recorded scenario text and
//! command line (cheap and exact) and renders the result through the ordinary report, so the
//! merged answer is the single run's in every format.

use std::collections::HashSet;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use clap::Parser;

use super::study::{compare_target, plan_search, SearchPlan};
use super::{open_outputs, Failure, Verdict};
use crate::cli::args::{Cli, Command, MergeArgs, SweepArgs};
use crate::cli::progress::Progress;
use crate::model::config::Config;
use crate::model::scenario::{Scenario, DEFAULT_NAME, DEFAULT_TEXT};
use crate::model::units::TimeUnit;
use crate::report::compare::CompareContext;
use crate::report::output::{write_stdout, Inputs, Outputs};
use crate::report::search::{OptimizeReport, SearchContext};
use crate::report::{printable, Format, Report};
use crate::scaleout::merge::{self, MergeError, SweepCsv};
use crate::scaleout::shard::{CompareShardDoc, Shard, ShardDoc, ShardMeta, StoredCell, Tested};
use crate::search::compare::{self, Comparison, Contender, Rates};
use crate::search::{self, Evaluated, Optimization, Space, Target};
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
        &plan.space,
        &plan.prices,
        &plan.target,
        sustained,
        plan.ranking.len(),
        shard,
    );
    meta.tested = result.evaluated.len();
    meta.first_pass = result.answer.map(|i| shard.rank(i));
    meta.runners_up = Some(runners_up);
    let doc = ShardDoc {
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
    };
    let mut bytes = serde_json::to_vec_pretty(&doc).expect("plain data serialises");
    bytes.push(b'\n');
    Ok(bytes)
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
        planner_shard: meta,
        scenario_source: scenario.source().to_string(),
        scenario_text: text,
        args: command_args(),
        contenders: contenders
            .iter()
            .map(|c| (c.name.clone(), c.config.values().to_vec()))
            .collect(),
        cells,
    };
    let mut bytes = serde_json::to_vec_pretty(&doc).expect("plain data serialises");
    bytes.push(b'\n');
    Ok(bytes)
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
    if out.plot.is_some() || out.format != Format::Table {
        bail!("--shard: a sweep shard writes only --csv FILE; --plot and --format are the merge's");
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
    let mut meta = ShardMeta::new(
        "sweep",
        scenario,
        &text,
        &plan.space,
        &plan.prices,
        &plan.target,
        false,
        plan.ranking.len(),
        shard,
    );
    let ctx = SearchContext {
        scenario,
        prices: &plan.prices,
        target: &plan.target,
        space: &plan.space,
        sustained: false,
        unit: TimeUnit::auto(plan.target.load.timeout),
    };
    let part: Vec<usize> = shard.ranks(plan.ranking.len()).collect();
    let (mut header, mut rows) = match before {
        Some(bytes) => {
            let before = SweepCsv::parse(file, &bytes)?;
            if let Some((what, ours, theirs)) = meta.differs(&before.meta) {
                bail!("--resume: {file} is not this shard's: its {what} is {theirs}, not {ours}");
            }
            if before.meta.shard != meta.shard {
                bail!(
                    "--resume: {file} holds shard {}, not {}",
                    before.meta.shard,
                    meta.shard
                );
            }
            (Some(before.header), before.rows)
        }
        None => (None, Vec::new()),
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
    let write = |meta: &mut ShardMeta, header: &csv::ByteRecord, rows: &mut [_]| -> Result<()> {
        meta.tested = rows.len();
        let bytes = SweepCsv::write(Some(meta), header, rows);
        let (o, id) = open()?;
        o.commit_all(vec![(id, bytes)]).map_err(Failure::Output)?;
        Ok(())
    };
    let bar = Progress::new(todo.len() as u64, "load-testing", quiet);
    let mut last = Instant::now();
    for chunk in todo.chunks(CHUNK) {
        let tested = search::evaluate(scenario, &plan.target, chunk, &|n| bar.inc(n))?;
        let bytes = ctx
            .csv(&tested)
            .map_err(|e| anyhow::Error::new(Failure::Export(e.into())))?;
        let (h, new) = SweepCsv::rows(file, &bytes)?;
        header.get_or_insert(h);
        rows.extend(new);
        if last.elapsed() >= CHECKPOINT {
            write(&mut meta, header.as_ref().expect("set above"), &mut rows)?;
            last = Instant::now();
        }
    }
    bar.finish();
    let header = match header {
        Some(h) => h,
        // Nothing tested and nothing before: the header alone, as the single run writes it.
        None => SweepCsv::rows(file, &ctx.csv(&[]).map_err(|e| Failure::Export(e.into()))?)?.0,
    };
    write(&mut meta, &header, &mut rows)?;
    println!(
        "{}: shard {shard} of a sweep of {} configurations: wrote {} rows to {}; merge all {} with `planner merge`",
        scenario.name(),
        plan.ranking.len(),
        rows.len(),
        printable(file),
        shard.count()
    );
    Ok(Verdict::Met)
}

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
        (Some(_), None) => merge_sweep(&args, &files, inputs),
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
                merge_compare(&args, files, inputs)
            } else {
                merge_optimize(&args, files, inputs)
            }
        }
    }
}

/// Just enough of a shard document to tell an optimize one from a compare one.
#[derive(serde::Deserialize)]
struct Head {
    planner_shard: ShardMeta,
}

fn merge_compare(
    args: &MergeArgs,
    files: Vec<(String, Vec<u8>)>,
    inputs: &mut Inputs,
) -> Result<Verdict> {
    let mut docs: Vec<(String, CompareShardDoc)> = Vec::new();
    for (file, bytes) in files {
        let doc: CompareShardDoc = serde_json::from_slice(&bytes)
            .map_err(|_| MergeError::NotAShard { file: file.clone() })?;
        docs.push((file, doc));
    }
    let cells = merge::combine_compare(&docs)?;
    let (file, first) = &docs[0];
    let damaged = |why: &str| MergeError::Damaged {
        file: file.clone(),
        why: why.into(),
    };
    let scenario = Scenario::parse(&first.scenario_text, &first.scenario_source)
        .with_context(|| format!("{file}: the scenario it records"))?;
    // Its text is the shard's, but the samples it names are read from disk again.
    inputs.extend(scenario.files_read());
    let cli = Cli::try_parse_from(std::iter::once("planner".to_string()).chain(first.args.clone()))
        .map_err(|_| damaged("its command line does not parse"))?;
    let Command::Compare(cmp) = cli.command else {
        bail!(damaged("its command line is not a compare"));
    };
    let (target, target_rate) = compare_target(&scenario, &cmp, inputs)?;
    let rates = cmp.rates.unwrap_or_else(|| Rates::around(target_rate));
    let prices = scenario.prices().clone();
    let contenders: Vec<Contender> = first
        .contenders
        .iter()
        .map(|(name, values)| Contender::new(name, Config::new(values.clone()), &scenario, &prices))
        .collect();
    let shard = first.planner_shard.shard().expect("checked by the merge");
    let mut again = compare_meta(
        &scenario,
        &first.scenario_text,
        &target,
        &contenders,
        &rates,
        shard,
    );
    again.tested = first.planner_shard.tested;
    if again != first.planner_shard {
        bail!(damaged(
            "its command line gives another comparison (made by another planner build?)"
        ));
    }
    let width = rates.as_slice().len();
    let comparison = Comparison {
        contenders,
        rates,
        cells: cells.chunks(width).map(<[_]>::to_vec).collect(),
    };
    let outputs = open_outputs(inputs, &args.output)?;
    outputs.emit(&Report::Compare(CompareContext {
        scenario: &scenario,
        prices: &prices,
        target: &target,
        comparison: &comparison,
        target_rate: Some(target_rate.get()),
        unit: args.unit.resolve(target.load.timeout),
    }))?;
    Ok(Verdict::Met)
}

fn merge_sweep(args: &MergeArgs, files: &[(String, Vec<u8>)], inputs: &Inputs) -> Result<Verdict> {
    let out = &args.output;
    if out.plot.is_some() || !matches!(out.format, Format::Table | Format::Csv) {
        bail!("sweep shards merge into the sweep's CSV: --plot and --format json or svg need optimize shards (or plot the merged CSV)");
    }
    let merged = merge::merge_sweep(files)?;
    let Some(target) = out.csv.as_deref() else {
        write_stdout(&merged).map_err(Failure::Stdout)?;
        return Ok(Verdict::Met);
    };
    let mut o = Outputs::new(inputs);
    let id = o.open("--csv", Format::Csv.what(), target)?;
    if out.format == Format::Csv {
        o.claim_stdout("--format csv")?;
    }
    let rows = merged
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        .saturating_sub(1);
    o.commit_all(vec![(id, merged.clone())])
        .map_err(Failure::Output)?;
    if out.format == Format::Csv {
        write_stdout(&merged).map_err(Failure::Stdout)?;
    } else if target != "-" {
        println!(
            "merged {} shards: wrote {rows} rows to {}",
            files.len(),
            printable(target)
        );
    }
    Ok(Verdict::Met)
}

fn merge_optimize(
    args: &MergeArgs,
    files: Vec<(String, Vec<u8>)>,
    inputs: &mut Inputs,
) -> Result<Verdict> {
    let mut docs: Vec<(String, ShardDoc)> = Vec::new();
    for (file, bytes) in files {
        let doc: ShardDoc = serde_json::from_slice(&bytes)
            .map_err(|_| MergeError::NotAShard { file: file.clone() })?;
        docs.push((file, doc));
    }
    let combined = merge::combine_optimize(&docs)?;
    let (file, first) = &docs[0];
    let scenario = Scenario::parse(&first.scenario_text, &first.scenario_source)
        .with_context(|| format!("{file}: the scenario it records"))?;
    // Its text is the shard's, but the samples it names are read from disk again.
    inputs.extend(scenario.files_read());
    let cli = Cli::try_parse_from(std::iter::once("planner".to_string()).chain(first.args.clone()))
        .map_err(|_| MergeError::Damaged {
            file: file.clone(),
            why: "its command line does not parse".into(),
        })?;
    let Command::Optimize(opt) = cli.command else {
        bail!(MergeError::Damaged {
            file: file.clone(),
            why: "its command line is not an optimize".into(),
        });
    };
    let plan = plan_search(&scenario, &opt.search, opt.sustained, inputs)?;
    let shard = first.planner_shard.shard().expect("checked by the merge");
    let mut again = ShardMeta::new(
        "optimize",
        &scenario,
        &first.scenario_text,
        &plan.space,
        &plan.prices,
        &plan.target,
        opt.sustained,
        plan.ranking.len(),
        shard,
    );
    again.tested = first.planner_shard.tested;
    again.first_pass = first.planner_shard.first_pass;
    again.runners_up = Some(opt.show);
    if again != first.planner_shard {
        bail!(MergeError::Damaged {
            file: file.clone(),
            why: "ranking its command line again gives another search (made by another planner build?)".into(),
        });
    }
    let evaluated: Vec<Evaluated> = combined
        .prefix
        .into_iter()
        .zip(&plan.ranking)
        .map(|(summary, candidate)| Evaluated {
            candidate: candidate.clone(),
            summary,
            classes: Vec::new(),
        })
        .collect();
    // By the proof at `combine_optimize`, honest shards always settle.
    let result =
        search::settle(evaluated, combined.runners_up, plan.ranking.len()).ok_or_else(|| {
            MergeError::Damaged {
                file: file.clone(),
                why: "the shards together do not cover the ranking up to the last runner-up".into(),
            }
        })?;
    // A shard stores each configuration's summary, not its per-class verdicts: the answer's
    // are load-tested again here (deterministic in the seed), as the single run found them.
    let mut result = result;
    if let Some(i) = result.answer {
        if !scenario.requests().is_empty() {
            let config = result.evaluated[i].candidate.config.clone();
            result.evaluated[i].classes =
                search::evaluate_one(&scenario, &plan.target, &config)?.classes;
        }
    }
    let outputs = open_outputs(inputs, &args.output)?;
    let ctx = SearchContext {
        scenario: &scenario,
        prices: &plan.prices,
        target: &plan.target,
        space: &plan.space,
        sustained: opt.sustained,
        unit: args.unit.resolve(plan.target.load.timeout),
    };
    outputs.emit(&Report::Optimize(OptimizeReport {
        ctx,
        plotted: &result.evaluated,
        result: &result,
        plot_all: false,
    }))?;
    Ok(if result.answer.is_some() {
        Verdict::Met
    } else {
        Verdict::Unmet
    })
}
