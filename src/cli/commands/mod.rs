//! One module per command: each turns its parsed arguments into typed requests, runs them
//! through the library, builds one [`Report`] and hands it to [`Requested::emit`], and returns
//! a [`Verdict`]. What they share — outputs opened before any work and written together, the
//! load test the flags describe — lives here.
//!
//! Every command reads files through one [`Inputs`], started by `app` with the files of the
//! scenario and handed down to whatever reads more (the load builder reads a `--replay`
//! trace, `fit` its samples, `merge` its shards); its outputs are opened from that list, so
//! none can replace a file the command read.

pub mod clients;
pub mod compare;
pub mod fit;
pub mod merge;
pub mod over_time;
pub mod reference;
pub mod run;
pub mod search;
pub mod study;

use anyhow::{bail, Context, Result};
use clap::ValueEnum;

use crate::cli::args::{ArrivalsArg, LoadArgs, OutputArgs, ReportArgs};
use crate::loadtest;
use crate::model::objective::Share;
use crate::model::scenario::{Scenario, MAX_CLIENTS};
use crate::model::units::{Period, Rate};
use crate::report::html::{Beside, Page};
use crate::report::output::{write_stdout, Inputs, OutputError, OutputId, Outputs};
use crate::report::ExportError;
use crate::report::{printable, Format, Render};
use crate::search::Target;
use crate::workload::stages::Profile;
use crate::workload::{ArrivalKind, Arrivals, LoadTest};

/// What a command concludes, which `app` maps to an exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// The target is met, or the command only reports.
    Met,
    /// No configuration meets the target.
    Unmet,
}

/// A failure that is not the user's input: the work was done, but its result could not be
/// written (a full disk, a closed device), or could not be rendered. `app` gives these their
/// own exit code, so that a script can tell "fix your flags" from "try again".
#[derive(Debug, thiserror::Error)]
pub(crate) enum Failure {
    #[error(transparent)]
    Output(#[from] OutputError),
    #[error("cannot write to stdout: {0}")]
    Stdout(std::io::Error),
    #[error(transparent)]
    Export(ExportError),
}

/// A command's outputs — stdout in its `--format`, `--csv FILE`, `--plot FILE`, `--report
/// FILE` — opened before any work so that an unwritable path or a clash fails at once, and
/// written together at the end from one report.
pub(crate) struct Requested {
    outputs: Outputs,
    /// Each file output, its format and its destination as typed.
    files: Vec<(OutputId, Format, String)>,
    format: Format,
    /// `--units-csv FILE`: a run over time's units, a report of its own.
    units_csv: Option<(OutputId, String)>,
    /// The command line, for the page's header and "Reproduce".
    command_line: Vec<String>,
}

/// Opens a command's outputs, refusing one that is a file the command read (`inputs`) or
/// another output, a plot not named `.svg`, a report not named `.html`, and a `--format`
/// other than table when an output takes stdout. `report`: the commands that write a page.
pub(crate) fn open_outputs(
    inputs: &Inputs,
    args: &OutputArgs,
    report: Option<&ReportArgs>,
) -> Result<Requested> {
    let mut outputs = Outputs::new(inputs);
    let mut files = Vec::new();
    if let Some(text) = &args.csv {
        files.push((
            outputs.open("--csv", Format::Csv.what(), text)?,
            Format::Csv,
            text.clone(),
        ));
    }
    if let Some(text) = &args.plot {
        check_extension(text, "--plot", Format::Svg, "SVG", &["svg"])?;
        files.push((
            outputs.open("--plot", Format::Svg.what(), text)?,
            Format::Svg,
            text.clone(),
        ));
    }
    if let Some(text) = report.and_then(|r| r.report.as_ref()) {
        check_extension(text, "--report", Format::Html, "HTML", &["html", "htm"])?;
        files.push((
            outputs.open("--report", Format::Html.what(), text)?,
            Format::Html,
            text.clone(),
        ));
    }
    if args.format != Format::Table {
        let name = args
            .format
            .to_possible_value()
            .map(|v| v.get_name().to_string())
            .unwrap_or_default();
        outputs.claim_stdout(&format!("--format {name}"))?;
    }
    Ok(Requested {
        outputs,
        files,
        format: args.format,
        units_csv: None,
        command_line: report.map(|r| r.command_line.clone()).unwrap_or_default(),
    })
}

/// A plot is SVG and a report HTML whatever the name says: a `.png` of SVG text opens
/// nowhere. A name with no extension (`/dev/null`, a FIFO) is taken as it is.
fn check_extension(
    text: &str,
    flag: &'static str,
    format: Format,
    kind: &'static str,
    exts: &[&'static str],
) -> Result<(), OutputError> {
    match std::path::Path::new(text).extension() {
        Some(ext) if !exts.iter().any(|e| ext.eq_ignore_ascii_case(e)) => {
            Err(OutputError::Extension {
                flag,
                path: text.to_string(),
                what: format.what(),
                kind,
                ext: match format {
                    Format::Html => ".html",
                    _ => ".svg",
                },
            })
        }
        _ => Ok(()),
    }
}

impl Requested {
    /// What stdout carries: the `--format`, unless `--csv -`, `--plot -` or `--report -`
    /// took it.
    pub(crate) fn stdout_format(&self) -> Option<Format> {
        (!self.outputs.stdout_taken()).then_some(self.format)
    }

    /// Opens `--units-csv FILE` beside the others (refused, as they are, onto an input,
    /// another output or a stdout already taken).
    pub(crate) fn open_units_csv(&mut self, text: &str) -> Result<()> {
        self.units_csv = Some((
            self.outputs.open("--units-csv", "the units CSV", text)?,
            text.to_string(),
        ));
        Ok(())
    }

    /// Whether `--units-csv` was asked for.
    pub(crate) fn wants_units_csv(&self) -> bool {
        self.units_csv.is_some()
    }

    /// [`Requested::emit`], with the units CSV `units` (its CSV) written with the rest.
    pub(crate) fn emit_with_units(self, report: &dyn Render, units: &dyn Render) -> Result<()> {
        let bytes = match &self.units_csv {
            Some((id, _)) => Some((
                *id,
                Format::Csv
                    .render(units, &self.page())
                    .map_err(|e| anyhow::Error::new(Failure::Export(e)))?,
            )),
            None => None,
        };
        self.emit_also(report, bytes)
    }

    /// Whether `--report` asked for a page (then the command computes what only the page
    /// shows, such as where the time goes).
    pub(crate) fn wants_page(&self) -> bool {
        self.files.iter().any(|f| f.1 == Format::Html)
    }

    /// Whether a picture is asked for: `--plot`, or `--format svg` on stdout.
    pub(crate) fn wants_picture(&self) -> bool {
        self.format == Format::Svg || self.files.iter().any(|f| f.1 == Format::Svg)
    }

    /// What the page says of the command: its command line, and the files it writes beside
    /// the page, each linked from the page's folder.
    fn page(&self) -> Page {
        let report = self.files.iter().find(|f| f.1 == Format::Html);
        let beside = match report {
            Some((_, _, page)) => self
                .files
                .iter()
                .filter(|f| f.1 != Format::Html)
                .map(|(_, format, text)| (format.what(), text))
                .chain(
                    self.units_csv
                        .iter()
                        .map(|(_, text)| ("the units CSV", text)),
                )
                .filter(|(_, text)| *text != "-")
                // A device or a FIFO is no file to open from a page.
                .filter(|(_, text)| std::fs::metadata(text).map_or(true, |m| m.is_file()))
                .map(|(what, text)| Beside {
                    what,
                    href: href(page, text),
                    shown: text.clone(),
                })
                .collect(),
            None => Vec::new(),
        };
        Page {
            command: self.command_line.clone(),
            beside,
        }
    }

    /// Renders the report in every format asked for, then writes every output, all or none,
    /// and stdout last.
    pub(crate) fn emit(self, report: &dyn Render) -> Result<()> {
        self.emit_also(report, None)
    }

    fn emit_also(self, report: &dyn Render, extra: Option<(OutputId, Vec<u8>)>) -> Result<()> {
        let page = self.page();
        let render = |format: Format| {
            format.render(report, &page).map_err(|e| match e {
                // Asked of a report that has nothing to show: the request is the problem.
                ExportError::Nothing { .. } => anyhow::Error::new(e),
                e => anyhow::Error::new(Failure::Export(e)),
            })
        };
        let mut contents: Vec<(OutputId, Vec<u8>)> = extra.into_iter().collect();
        for &(id, format, _) in &self.files {
            contents.push((id, render(format)?));
        }
        let stdout = match self.stdout_format() {
            Some(format) => Some(render(format)?),
            None => None,
        };
        self.outputs.commit_all(contents).map_err(Failure::Output)?;
        if let Some(bytes) = stdout {
            write_stdout(&bytes).map_err(Failure::Stdout)?;
        }
        Ok(())
    }
}

/// The link from a page written to `page` to a file written to `file`: relative to the
/// page's folder when both folders resolve, the path as typed otherwise; percent-encoded
/// where a URL needs it.
fn href(page: &str, file: &str) -> String {
    use std::path::{Component, Path, PathBuf};
    let folder = |p: &str| {
        let dir = match Path::new(p).parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        std::fs::canonicalize(dir).ok()
    };
    let name = Path::new(file).file_name();
    let link = match (folder(page), folder(file), name) {
        (Some(from), Some(to), Some(name)) => {
            let (from, to): (Vec<Component>, Vec<Component>) =
                (from.components().collect(), to.components().collect());
            let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
            let mut rel = PathBuf::new();
            for _ in common..from.len() {
                rel.push("..");
            }
            for c in &to[common..] {
                rel.push(c);
            }
            rel.push(name);
            rel.to_string_lossy().into_owned()
        }
        _ => file.to_string(),
    };
    let mut out = String::with_capacity(link.len());
    for b in link.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// What every configuration is tested against at `rate`: the load test the flags describe
/// and the share of clients that must be satisfied (from `--min-satisfaction`, `--slo` or
/// the scenario).
/// `rate_flag` names the flag that gave `rate` (`--target-rate`), `None` when it is the
/// scenario's.
pub(crate) fn build_target(
    scenario: &Scenario,
    args: &LoadArgs,
    min_satisfaction: Option<Share>,
    rate: Rate,
    rate_flag: Option<&str>,
    clients: u32,
    inputs: &mut Inputs,
) -> Result<Target> {
    let mut load = build_load(scenario, args, rate.period(), rate_flag, clients, inputs)?;
    // A share stated on the command line overrides every request class's own.
    load.share_given = min_satisfaction.is_some() || args.slo.is_some();
    Ok(Target {
        load,
        share: args
            .share(min_satisfaction, scenario.load_defaults().share)
            .map_err(anyhow::Error::msg)?,
        clients: None,
    })
}

/// The load test the flags describe, at a given period (the rate of Poisson arrivals, given
/// by `rate_flag` or the scenario's); a file it reads (`--replay`) joins `inputs`.
pub(crate) fn build_load(
    scenario: &Scenario,
    args: &LoadArgs,
    period: Period,
    rate_flag: Option<&str>,
    clients: u32,
    inputs: &mut Inputs,
) -> Result<LoadTest> {
    build_load_shaped(scenario, args, period, rate_flag, clients, None, inputs)
}

/// The flags that replace the scenario's load shape (its `[load] stages`): the flag that
/// gave the rate (`rate_flag`: `--rate`, `--period`, `--target-rate`), `--clients`, the
/// `--stage`s and `--replay`. Every command reads its load through this one rule, so a
/// scenario with stages takes in `optimize`, `sweep` and `compare` the flags `run` takes.
fn shape_flags<'a>(args: &LoadArgs, rate_flag: Option<&'a str>) -> Vec<&'a str> {
    let shaped = if !args.stages.is_empty() {
        Some("--stage")
    } else if args.replay.is_some() {
        Some("--replay")
    } else {
        None
    };
    shaped
        .into_iter()
        .chain(rate_flag.filter(|_| shaped.is_none()))
        .chain(
            args.clients
                .map(|_| "--clients")
                .filter(|_| shaped.is_none()),
        )
        .collect()
}

/// Says once on stderr that the command line replaced the scenario's stages: the scenario
/// asked for a shape, and the run does not have it.
fn note_replaced_stages(scenario: &Scenario, flags: &[&str]) {
    static ONCE: std::sync::Once = std::sync::Once::new();
    let constant = !flags.contains(&"--stage") && !flags.contains(&"--replay");
    ONCE.call_once(|| {
        eprintln!(
            "note: {} {} {}'s [load] stages{}",
            flags.join(" and "),
            if flags.len() == 1 {
                "replaces"
            } else {
                "replace"
            },
            printable(scenario.name()),
            if constant { " by a constant rate" } else { "" }
        )
    });
}

/// [`build_load`] for `run`, whose `--rate` starts the `--stage`s (`start`). The scenario's
/// stages are its load unless a flag of [`shape_flags`] replaces them (said on stderr).
pub(crate) fn build_load_shaped(
    scenario: &Scenario,
    args: &LoadArgs,
    period: Period,
    rate_flag: Option<&str>,
    clients: u32,
    start: Option<f64>,
    inputs: &mut Inputs,
) -> Result<LoadTest> {
    let poisson = match args.arrivals {
        Some(a) => a == ArrivalsArg::Poisson,
        None => scenario.load_defaults().arrivals == Some(ArrivalKind::Poisson),
    };
    let replacing = shape_flags(args, rate_flag);
    if scenario.load_defaults().stages.is_some() && !replacing.is_empty() {
        note_replaced_stages(scenario, &replacing);
    }
    let shaped = if !args.stages.is_empty() {
        let profile = Profile::new(start.unwrap_or(0.0), args.stages.clone()).context("--stage")?;
        Some(Arrivals::Stages {
            profile: std::sync::Arc::new(profile),
            poisson,
        })
    } else if let Some(path) = &args.replay {
        if args.arrivals == Some(ArrivalsArg::Poisson) {
            bail!(
                "--replay plays the trace's own times: --arrivals poisson cannot be used with it"
            );
        }
        Some(replay_arrivals(
            scenario,
            path,
            args.replay_speed.unwrap_or(1.0),
            inputs,
        )?)
    } else {
        match &scenario.load_defaults().stages {
            Some(profile) if replacing.is_empty() => Some(Arrivals::Stages {
                profile: profile.clone(),
                poisson,
            }),
            _ => None,
        }
    };
    let (arrivals, clients) = match shaped {
        Some(arrivals) => {
            let n = arrivals.own_clients().unwrap_or(clients as u64);
            if n > MAX_CLIENTS as u64 {
                bail!("the load brings {n} clients, more than the {MAX_CLIENTS} a test may have");
            }
            (arrivals, n as u32)
        }
        None if poisson => match period.rate() {
            Some(rate) => (
                Arrivals::Poisson(Rate::new(rate).map_err(anyhow::Error::msg)?),
                clients,
            ),
            None => bail!("Poisson arrivals need a rate: --period 0 sends everyone at once"),
        },
        None => (Arrivals::Fixed(period), clients),
    };
    if args.warmup >= clients {
        bail!(
            "--warmup {} leaves no client to measure: the test has {clients} clients",
            args.warmup
        );
    }
    let mut load = LoadTest::new(
        clients,
        arrivals,
        args.slo
            .map(|s| s.timeout)
            .or(args.timeout)
            .unwrap_or(scenario.load_defaults().timeout),
    );
    load.warmup = args.warmup;
    // `--slo` states both: given, it overrides every request class's own, as they do.
    load.timeout_given = args.timeout.is_some() || args.slo.is_some();
    load.share_given = args.slo.is_some();
    if let Some(seed) = args.seed {
        load.seed = seed;
    }
    let random = load.is_random(scenario);
    if !random {
        note_unused_randomness(scenario, args);
    }
    load.replications = args
        .replications
        .unwrap_or(if random { DEFAULT_REPLICATIONS } else { 1 });
    load.max_replications = max_replications(args, load.replications, random)?;
    loadtest::check(scenario, &load)?;
    Ok(load)
}

/// The due times of `--replay FILE`, read through `inputs`. Its rows are sorted if they were
/// not (said on stderr). A `class` column maps each row to the scenario's `[[request]]` of
/// that name.
fn replay_arrivals(
    scenario: &Scenario,
    path: &std::path::Path,
    speed: f64,
    inputs: &mut Inputs,
) -> Result<Arrivals> {
    let text = inputs
        .read_to_string("trace", path)
        .with_context(|| format!("cannot read the trace {}", path.display()))?;
    let trace = crate::workload::replay::parse(&text, speed)
        .with_context(|| format!("trace {}", path.display()))?;
    let names: Vec<&str> = scenario
        .requests()
        .iter()
        .map(|r| r.name.as_str())
        .collect();
    let class = trace
        .class_indices(&names)
        .with_context(|| format!("trace {}", path.display()))?;
    if trace.was_unsorted {
        eprintln!(
            "note: trace {}: its rows were not in time order; they are replayed sorted",
            printable(&path.display().to_string())
        );
    }
    Ok(Arrivals::Replay(crate::workload::replay::Replayed {
        due: trace.arrivals.iter().map(|a| a.due).collect(),
        class: class.map(Into::into),
    }))
}

/// Replications of a random load test when the user does not say.
const DEFAULT_REPLICATIONS: u32 = 20;

/// How many batches of replications a verdict too close to call may take when the user
/// does not say.
const DEFAULT_BATCHES: u32 = 5;

/// `--max-replications`, or [`DEFAULT_BATCHES`] batches of `replications`; never fewer
/// than one batch. A test without randomness decides on its one run.
fn max_replications(args: &LoadArgs, replications: u32, random: bool) -> Result<u32> {
    match args.max_replications {
        _ if !random => Ok(replications),
        Some(most) if most < replications => bail!(
            "--max-replications {most} is below --replications {replications}: the first batch alone runs {replications}"
        ),
        Some(most) => Ok(most),
        None => Ok(replications
            .saturating_mul(DEFAULT_BATCHES)
            .min(crate::workload::MAX_REPLICATIONS)),
    }
}

/// Scripts pass --seed and --replications uniformly, so a deterministic test takes them, but
/// says on stderr that they change nothing rather than let them look like they did.
fn note_unused_randomness(scenario: &Scenario, args: &LoadArgs) {
    let given: Vec<&str> = [
        args.seed.map(|_| "--seed"),
        args.replications.map(|_| "--replications"),
        args.max_replications.map(|_| "--max-replications"),
    ]
    .into_iter()
    .flatten()
    .collect();
    if !given.is_empty() {
        let verb = if given.len() == 1 {
            "changes"
        } else {
            "change"
        };
        eprintln!(
            "note: {}'s load test has nothing random (fixed arrivals, fixed service times): {} {verb} nothing",
            scenario.name(),
            given.join(" and ")
        );
    }
}
