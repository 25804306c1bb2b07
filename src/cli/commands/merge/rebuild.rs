//! Each kind of shard set back into the single run's report. The order of the checks is the
//! same for the three: what says what each shard is must be as planner wrote it (the
//! identity half of its digest) and the set whole; the study is then rebuilt from the first
//! shard's scenario text and command line, and must give the metadata the shards carry;
//! every result is held against it ([`merge::trust`], [`merge::rows`]); what no rule
//! re-derives must be as planner wrote it (the content half of the digest). Only then is
//! anything rendered, so a refused set writes nothing.

use anyhow::{bail, Context, Result};
use clap::Parser;
use serde_json::Value;

use super::super::study::{compare_target, plan_search};
use super::super::study::{profile_for_page, strategies_of};
use super::super::{open_outputs, Verdict};
use super::compare_meta;
use crate::cli::args::{Cli, Command, MergeArgs};
use crate::model::config::Config;
use crate::model::scenario::Scenario;
use crate::report::compare::CompareContext;
use crate::report::output::Inputs;
use crate::report::search::{OptimizeReport, SearchContext, SweepReport};
use crate::report::Format;
use crate::scaleout::merge::trust::Rules;
use crate::scaleout::merge::{self, MergeError, Part, SweepCsv};
use crate::scaleout::shard::{CompareShardDoc, ShardDoc, ShardMeta};
use crate::search::compare::{Comparison, Contender, Plan, Rates};
use crate::search::pareto::Figures;
use crate::search::{self, Evaluated, Space};

fn damaged(file: &str, why: impl Into<String>) -> MergeError {
    MergeError::Damaged {
        file: file.to_string(),
        why: why.into(),
    }
}

/// The scenario and command a shard recorded, parsed as the shard parsed them. The
/// scenario's text is the shard's, but the samples it names are read from disk again: they
/// join `inputs`.
fn recorded(
    file: &str,
    text: &str,
    source: &str,
    args: &[String],
    inputs: &mut Inputs,
) -> Result<(Scenario, Command)> {
    let scenario = Scenario::parse(text, source)
        .with_context(|| format!("{file}: the scenario it records"))?;
    inputs.extend(scenario.files_read());
    let cli = Cli::try_parse_from(std::iter::once("planner".to_string()).chain(args.to_vec()))
        .map_err(|_| damaged(file, "its command line does not parse"))?;
    Ok((scenario, cli.command))
}

/// Refuses a study rebuilt from the first shard that does not give back its metadata.
fn same_study(file: &str, again: &ShardMeta, recorded: &ShardMeta) -> Result<()> {
    if again != recorded {
        bail!(damaged(
            file,
            "its command line gives another study than its metadata says (made by another planner build?)"
        ));
    }
    Ok(())
}

/// Shard documents read twice: as JSON (which the digest covers, a field of a later planner
/// included) and as the kind they are; the identity half of each one's digest checked.
fn documents<T: serde::de::DeserializeOwned>(
    files: Vec<(String, Vec<u8>)>,
    meta: impl Fn(&T) -> (&ShardMeta, &str),
) -> Result<Vec<(String, Value, T)>> {
    let mut docs = Vec::new();
    for (file, bytes) in files {
        let not_a_shard = || MergeError::NotAShard { file: file.clone() };
        let value: Value = serde_json::from_slice(&bytes).map_err(|_| not_a_shard())?;
        if value.get("planner_shard").is_some() {
            merge::check_version(&file, &value)?;
        }
        let doc: T = serde_json::from_value(value.clone()).map_err(|_| not_a_shard())?;
        let (stored, computed) = merge::document_seal(&value);
        merge::check_seal(&file, &stored, &computed, Part::Identity)?;
        let (m, text) = meta(&doc);
        merge::check_text(&file, m, text)?;
        docs.push((file, value, doc));
    }
    Ok(docs)
}

/// The content half of each document's digest: after its figures were held to the study.
fn content_sealed<T>(docs: &[(String, Value, T)]) -> Result<()> {
    for (file, value, _) in docs {
        let (stored, computed) = merge::document_seal(value);
        merge::check_seal(file, &stored, &computed, Part::Content)?;
    }
    Ok(())
}

/// Sweep shard CSVs into what `sweep` prints and writes: its table, its CSV byte for byte,
/// the summary line with `--csv FILE`.
pub(super) fn merge_sweep(
    args: &MergeArgs,
    files: Vec<(String, Vec<u8>)>,
    inputs: &mut Inputs,
) -> Result<Verdict> {
    let out = &args.output;
    let pictured = out.plot.is_some() || args.report.report.is_some();
    if pictured || !matches!(out.format, Format::Table | Format::Csv) {
        bail!("sweep shards merge into the sweep's table and CSV; --plot, --report and --format json or svg need each configuration's exact figures, which a sweep CSV rounds (plot the merged CSV, or shard optimize)");
    }
    let mut shards = Vec::new();
    for (file, bytes) in &files {
        shards.push((file.clone(), SweepCsv::parse(file, bytes)?));
    }
    let digests = merge::check_sweep_set(&shards)?;
    let (file, first) = &shards[0];
    let head = &first.head;
    let (scenario, command) = recorded(
        file,
        &head.scenario_text,
        &head.scenario_source,
        &head.args,
        inputs,
    )?;
    let Command::Sweep(sweep) = command else {
        bail!(damaged(file, "its command line is not a sweep"));
    };
    let plan = plan_search(&scenario, &sweep.search, false, false, inputs)?;
    let mut again = ShardMeta::new(
        "sweep",
        &scenario,
        &head.scenario_text,
        &plan.study.space,
        &plan.study.prices,
        &plan.study.target,
        false,
        plan.ranking.len(),
        head.meta.shard().expect("checked with the set"),
    );
    again.tested = head.meta.tested;
    same_study(file, &again, &head.meta)?;
    let ctx = SearchContext {
        study: &plan.study,
        unit: args.unit.resolve(&scenario, &plan.study.target.load),
    };
    let rules = Rules::of(&scenario, &plan.study.target);
    let seals: Vec<_> = shards
        .iter()
        .zip(digests)
        .map(|((f, c), computed)| (f.clone(), c.head.digest.clone(), computed))
        .collect();
    let all = merge::rows::results(shards, &ctx, &plan.ranking, &rules)?;
    for (file, stored, computed) in &seals {
        merge::check_seal(file, stored, computed, Part::Content)?;
    }
    let outputs = open_outputs(inputs, &args.output, Some(&args.report))?;
    // As `sweep`: with the table in a file (not on stdout), stdout says what the file holds.
    let csv_file = out.csv.as_deref().filter(|f| *f != "-");
    outputs.emit(&SweepReport {
        profile: None,
        ctx,
        all: &all,
        figures: &Figures::of(&all),
        show: sweep.show,
        csv_file,
    })?;
    Ok(Verdict::Met)
}

/// Optimize shard documents into the single run's report, in any format.
pub(super) fn merge_optimize(
    args: &MergeArgs,
    files: Vec<(String, Vec<u8>)>,
    inputs: &mut Inputs,
) -> Result<Verdict> {
    let docs = documents(files, |d: &ShardDoc| {
        (&d.planner_shard, d.scenario_text.as_str())
    })?;
    let metas: Vec<(&str, &ShardMeta)> = docs
        .iter()
        .map(|(f, _, d)| (f.as_str(), &d.planner_shard))
        .collect();
    merge::check_set(&metas, false)?;
    let (file, _, first) = &docs[0];
    let (scenario, command) = recorded(
        file,
        &first.scenario_text,
        &first.scenario_source,
        &first.args,
        inputs,
    )?;
    let Command::Optimize(opt) = command else {
        bail!(damaged(file, "its command line is not an optimize"));
    };
    let plan = plan_search(&scenario, &opt.search, opt.sustained, false, inputs)?;
    let shard = first.planner_shard.shard().expect("checked by the merge");
    let mut again = ShardMeta::new(
        "optimize",
        &scenario,
        &first.scenario_text,
        &plan.study.space,
        &plan.study.prices,
        &plan.study.target,
        opt.sustained,
        plan.ranking.len(),
        shard,
    );
    again.tested = first.planner_shard.tested;
    again.first_pass = first.planner_shard.first_pass;
    again.runners_up = Some(opt.show);
    same_study(file, &again, &first.planner_shard)?;
    let rules = Rules::of(&scenario, &plan.study.target);
    let describe = |rank: usize| plan.ranking.get(rank).map(|c| c.config.describe(&scenario));
    for (file, _, doc) in &docs {
        merge::trust::check_tested(file, doc, &rules, describe)?;
    }
    let typed: Vec<(String, ShardDoc)> = docs
        .iter()
        .map(|(f, _, d)| (f.clone(), d.clone()))
        .collect();
    let combined = merge::combine_optimize(&typed)?;
    content_sealed(&docs)?;
    let evaluated: Vec<Evaluated> = combined
        .prefix
        .into_iter()
        .zip(&plan.ranking)
        .map(|(summary, candidate)| Evaluated {
            candidate: candidate.clone(),
            call: rules.call(&summary),
            summary,
            classes: Vec::new(),
            cut_short: false,
        })
        .collect();
    // By the proof at `combine_optimize`, honest shards always settle.
    let result =
        search::settle(evaluated, combined.runners_up, plan.ranking.len()).ok_or_else(|| {
            damaged(
                file,
                "the shards together do not cover the ranking up to the last runner-up",
            )
        })?;
    // A shard stores each configuration's summary, not its per-class verdicts: the answer's
    // are load-tested again here (deterministic in the seed), as the single run found them.
    let mut result = result;
    // The single run skips the whole walk when one test proves that nothing can meet the
    // target; the merge settles the shards' first configuration the same way.
    if let (None, Some((k, why)), Some(first)) = (
        result.answer,
        search::out_of_reach(&scenario, &plan.study.target),
        result.evaluated.first().cloned(),
    ) {
        let mut first = first;
        first.classes =
            search::evaluate_one(&scenario, &plan.study.target, &first.candidate.config)?.classes;
        if let Ok(settled) = search::out_of_reach_settled(k, why, first, plan.ranking.len()) {
            result = settled;
        }
    }
    if let Some(i) = result.answer {
        if !scenario.requests().is_empty() {
            let config = result.evaluated[i].candidate.config.clone();
            result.evaluated[i].classes =
                search::evaluate_one(&scenario, &plan.study.target, &config)?.classes;
        }
    }
    let result = search::verify(&plan.study, result)?;
    let outputs = open_outputs(inputs, &args.output, Some(&args.report))?;
    let answer = result.answer.map(|i| &result.evaluated[i].candidate.config);
    let profile = profile_for_page(&scenario, &plan.study.target, answer, &outputs)?;
    let ctx = SearchContext {
        study: &plan.study,
        unit: args.unit.resolve(&scenario, &plan.study.target.load),
    };
    outputs.emit(&OptimizeReport {
        profile: profile.as_ref(),
        ctx,
        plotted: &result.evaluated,
        pictured: &Figures::of(&result.evaluated),
        result: &result,
        plot_all: false,
    })?;
    Ok(if result.answer.is_some() {
        Verdict::Met
    } else {
        Verdict::Unmet
    })
}

/// Compare shard documents into the single comparison's report, in any format.
pub(super) fn merge_compare(
    args: &MergeArgs,
    files: Vec<(String, Vec<u8>)>,
    inputs: &mut Inputs,
) -> Result<Verdict> {
    let docs = documents(files, |d: &CompareShardDoc| {
        (&d.planner_shard, d.scenario_text.as_str())
    })?;
    let metas: Vec<(&str, &ShardMeta)> = docs
        .iter()
        .map(|(f, _, d)| (f.as_str(), &d.planner_shard))
        .collect();
    merge::check_set(&metas, true)?;
    let (file, _, first) = &docs[0];
    let (scenario, command) = recorded(
        file,
        &first.scenario_text,
        &first.scenario_source,
        &first.args,
        inputs,
    )?;
    let Command::Compare(cmp) = command else {
        bail!(damaged(file, "its command line is not a compare"));
    };
    let (target, target_rate) = compare_target(&scenario, &cmp, inputs)?;
    let strategies = strategies_of(&scenario, &cmp)?;
    let rates = cmp
        .rates
        .clone()
        .unwrap_or_else(|| Rates::around(target_rate));
    check_contenders(file, &scenario, &strategies, &first.contenders)?;
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
    same_study(file, &again, &first.planner_shard)?;
    let width = rates.as_slice().len();
    let rules: Vec<Rules> = rates
        .as_slice()
        .iter()
        .map(|&r| Rules::of(&scenario, &target.at(r)))
        .collect();
    let describe = |cell: usize| {
        contenders.get(cell / width).map(|c| {
            format!(
                "strategy `{}` at {} clients/s",
                c.name,
                rates.as_slice()[cell % width].get()
            )
        })
    };
    for (file, _, doc) in &docs {
        merge::trust::check_cells(file, doc, &rules, scenario.stations().len(), describe)?;
    }
    let typed: Vec<(String, CompareShardDoc)> = docs
        .iter()
        .map(|(f, _, d)| (f.clone(), d.clone()))
        .collect();
    let cells = merge::combine_compare(&typed)?;
    content_sealed(&docs)?;
    let comparison = Comparison {
        contenders,
        rates,
        cells: cells.chunks(width).map(<[_]>::to_vec).collect(),
    };
    let outputs = open_outputs(inputs, &args.output, Some(&args.report))?;
    outputs.emit(&CompareContext {
        scenario: &scenario,
        prices: &prices,
        target: &target,
        comparison: &comparison,
        target_rate: Some(target_rate.get()),
        unit: args.unit.resolve(&scenario, &target.load),
    })?;
    Ok(Verdict::Met)
}

/// Refuses strategies other than the command line's: each kept in its order, a fixed one
/// with its own settings, one found by `optimize` a configuration of the scenario's space;
/// only one found by `optimize` may be left out (when nothing met the target).
fn check_contenders(
    file: &str,
    scenario: &Scenario,
    strategies: &[crate::search::compare::Strategy],
    contenders: &[(String, Vec<u32>)],
) -> Result<()> {
    let space = Space::new(scenario, &[]);
    let mut given = strategies.iter();
    for (name, values) in contenders {
        let strategy = loop {
            match given.next() {
                Some(s) if &s.name == name => break s,
                Some(s) if s.plan == Plan::Cheapest => continue,
                Some(s) => bail!(damaged(
                    file,
                    format!("its strategy `{}` is missing", s.name)
                )),
                None => bail!(damaged(
                    file,
                    format!("its strategy `{name}` is not one of its command line's, in order")
                )),
            }
        };
        match &strategy.plan {
            Plan::Fixed(config) if config.values() != values.as_slice() => bail!(damaged(
                file,
                format!(
                    "its strategy `{name}` is {values:?}, not {:?} as its command line gives",
                    config.values()
                )
            )),
            Plan::Fixed(_) => {}
            Plan::Cheapest => {
                let inside = values.len() == space.levers().len()
                    && values
                        .iter()
                        .zip(space.levers())
                        .all(|(v, allowed)| allowed.as_slice().contains(v));
                if !inside {
                    bail!(damaged(
                        file,
                        format!("its strategy `{name}` ({values:?}) is not a configuration of the scenario's space")
                    ));
                }
            }
        }
    }
    if let Some(s) = given.find(|s| s.plan != Plan::Cheapest) {
        bail!(damaged(
            file,
            format!("its strategy `{}` is missing", s.name)
        ));
    }
    Ok(())
}
