//! `planner man`, `planner completions SHELL` and `planner schema [DOCUMENT]`: the reference a
//! command-line tool ships, generated from the definitions the program itself runs on (clap's
//! for the flags, serde's for the JSON documents), so that a flag or a field added to the
//! program is in its reference the moment it exists.

use anyhow::{bail, Result};
use clap::CommandFactory;

use super::{Failure, Verdict};
use crate::cli::args::{Cli, CompletionsArgs, SchemaArgs};
use crate::report::output::{write_stdout, Inputs, Outputs};
use crate::report::schema::{self, Document};
use crate::scaleout::shard;

/// The program's name in the man page and in the completion scripts: the one users type.
const NAME: &str = "planner";

/// `planner man`: one man page, roff on stdout. After the top-level page (synopsis,
/// description, global options, the list of commands), one section per command with its
/// own synopsis and options, so that `man planner` answers "which flags does `sweep` take?"
/// without a page per command to install.
pub(crate) fn man() -> Result<Verdict> {
    let page = render_man()?;
    write_stdout(&page).map_err(Failure::Stdout)?;
    Ok(Verdict::Met)
}

/// The man page's roff, every command included.
fn render_man() -> Result<Vec<u8>> {
    let mut cli = Cli::command().name(NAME);
    cli.build();
    let mut out = Vec::new();
    let top = clap_mangen::Man::new(cli.clone());
    top.render_title(&mut out)?;
    top.render_name_section(&mut out)?;
    top.render_synopsis_section(&mut out)?;
    top.render_description_section(&mut out)?;
    top.render_options_section(&mut out)?;
    top.render_subcommands_section(&mut out)?;
    for sub in cli.get_subcommands().filter(|s| s.get_name() != "help") {
        let mut section = Vec::new();
        let man = clap_mangen::Man::new(sub.clone());
        man.render_synopsis_section(&mut section)?;
        man.render_options_section(&mut section)?;
        // Each command's sections become subsections under one heading of its own.
        out.extend_from_slice(format!(".SH \"{NAME} {}\"\n", sub.get_name()).as_bytes());
        if let Some(about) = sub.get_long_about().or(sub.get_about()) {
            out.extend_from_slice(format!("{}\n", roman(&about.to_string())).as_bytes());
        }
        out.extend_from_slice(
            String::from_utf8(section)?
                .replace(".SH ", ".SS ")
                .as_bytes(),
        );
    }
    top.render_extra_section(&mut out)?;
    out.extend_from_slice(STATUS_AND_ENVIRONMENT.as_bytes());
    top.render_version_section(&mut out)?;
    Ok(tidy(&String::from_utf8(out)?).into_bytes())
}

/// What clap does not know: the exit codes (`app`'s) and the variables planner reads.
const STATUS_AND_ENVIRONMENT: &str = r#".SH "EXIT STATUS"
.TP
0
Done: the target is met, or the command only reports.
.TP
1
No configuration meets the target (optimize).
.TP
2
Bad usage or input, said in one line on stderr; no output file is written.
.TP
3
The work was done but its result could not be written (a full disk, an I/O error).
.TP
130, 143
Interrupted by SIGINT or SIGTERM; temporary output files are removed.
.SH ENVIRONMENT
.TP
RAYON_NUM_THREADS
Threads a search uses; results are the same for any count.
.TP
PLANNER_MEMORY_LIMIT
A ceiling below the machine's memory for the memory check (2G, 512M).
.TP
SLURM_ARRAY_TASK_ID, SLURM_ARRAY_TASK_COUNT, SLURM_ARRAY_TASK_MIN
Read by \-\-shard auto in a Slurm job array.
.TP
JOB_COMPLETION_INDEX, PLANNER_SHARDS
Read by \-\-shard auto in a Kubernetes Indexed Job (set PLANNER_SHARDS to the Job's completions).
.SH "SEE ALSO"
The repository's README.md, and its docs/ folder, one page a task: tutorial.md (a first plan), scenario.md (every key of the scenario file), flows.md, load.md, clients.md, search.md (optimize, sweep, compare, how verdicts are decided), model.md, json.md (and docs/schema/), scale-out.md, errors.md.
"#;

/// clap_mangen's page, adjusted to be one page: the list of commands points at their
/// sections below (`planner run`), not at pages `planner-run(1)` that are not installed; the
/// string definition it repeats before every section is kept once; the help's examples are
/// set line by line under EXAMPLES; and the first line tells `man` the page is UTF-8 (its
/// text has −, × and µ).
fn tidy(roff: &str) -> String {
    let mut out = String::with_capacity(roff.len());
    out.push_str(".\\\" -*- coding: UTF-8 -*-\n");
    let mut seen_definition = false;
    let mut in_examples = false;
    let mut lines = roff.lines().peekable();
    while let Some(line) = lines.next() {
        if line.starts_with(".ie \\n(.g .ds Aq") {
            let other = lines.next().unwrap_or_default();
            if !seen_definition {
                out.push_str(line);
                out.push('\n');
                out.push_str(other);
                out.push('\n');
                seen_definition = true;
            }
            continue;
        }
        if line == ".SH EXTRA" {
            out.push_str(".SH EXAMPLES\n.nf\n");
            if lines.peek() == Some(&"Examples:") {
                lines.next();
            }
            in_examples = true;
            continue;
        }
        if in_examples && line.starts_with(".SH") {
            out.push_str(".fi\n");
            in_examples = false;
        }
        if in_examples {
            out.push_str(line.trim_start());
            out.push('\n');
            continue;
        }
        match line
            .strip_prefix(&format!("{NAME}\\-"))
            .and_then(|l| l.strip_suffix("(1)"))
        {
            Some(command) => out.push_str(&format!("\\fB{NAME} {command}\\fR\n")),
            None => {
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    out
}

/// Plain text set as one roff line: backslashes and hyphens escaped, and a leading `.` or
/// `'` kept from reading as a request.
fn roman(text: &str) -> String {
    let text = text.replace('\\', "\\e").replace('-', "\\-");
    if text.starts_with('.') || text.starts_with('\'') {
        format!("\\&{text}")
    } else {
        text
    }
}

/// `planner completions SHELL`: the completion script of that shell, on stdout.
pub(crate) fn completions(args: CompletionsArgs) -> Result<Verdict> {
    let mut cli = Cli::command();
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut cli, NAME, &mut script);
    write_stdout(&script).map_err(Failure::Stdout)?;
    Ok(Verdict::Met)
}

/// Every kind of JSON document planner prints, in the order `planner schema` lists them. A
/// command that prints a new kind of document adds it here, and `planner schema --write
/// docs/schema` writes its schema beside the others.
pub(crate) fn documents() -> Vec<Document> {
    use crate::report;
    let doc = |name, printed_by, schema| Document {
        name,
        printed_by,
        schema,
    };
    vec![
        doc("run", "run --format json", report::run::schema),
        doc(
            "run-client-rules-open",
            "run --format json with --patience or --retries: clients who give up and retry",
            report::clients::open_schema,
        ),
        doc(
            "run-client-rules-closed",
            "run --format json with --users: a closed loop",
            report::clients::closed_schema,
        ),
        doc(
            "optimize",
            "optimize --format json, and merge of optimize shards",
            report::search::optimize_schema,
        ),
        doc(
            "optimize-unreachable",
            "optimize --sustained --format json when no configuration can sustain the rate",
            report::unreachable::schema,
        ),
        doc(
            "optimize-policies",
            "optimize --format json when a pool autoscales: its policies searched",
            report::policy::policy_schema,
        ),
        doc(
            "optimize-schedule-windows",
            "optimize --schedule-windows DURATION --format json",
            report::windows::schema,
        ),
        doc("sweep", "sweep --format json", report::search::sweep_schema),
        doc(
            "compare",
            "compare --format json, and merge of compare shards",
            report::compare::schema,
        ),
        doc(
            "compare-over-time",
            "compare --format json when a pool autoscales: static, schedule and autoscaler",
            report::over_time::schema,
        ),
        doc("fit", "fit FILE --format json", report::fit::schema),
        doc(
            "optimize-shard",
            "optimize --shard K/N --format json",
            shard::optimize_schema,
        ),
        doc(
            "compare-shard",
            "compare --shard K/N --format json",
            shard::compare_schema,
        ),
        doc(
            "sweep-shard-head",
            "sweep --shard K/N --csv FILE: the JSON after `# planner-shard ` on its first line",
            shard::sweep_head_schema,
        ),
    ]
}

/// `planner schema`: the list of documents; `planner schema NAME`: its schema; `planner
/// schema --write DIR`: every schema to `DIR/NAME.json`, all landing together.
pub(crate) fn schema(args: SchemaArgs) -> Result<Verdict> {
    let documents = documents();
    if let Some(dir) = &args.write {
        let mut outputs = Outputs::new(&Inputs::new());
        let mut contents = Vec::new();
        for d in &documents {
            let path = dir.join(format!("{}.json", d.name));
            let id = outputs.open("--write", "the schema", &path.to_string_lossy())?;
            contents.push((id, schema::text(&(d.schema)()).into_bytes()));
        }
        outputs.commit_all(contents).map_err(Failure::Output)?;
        return Ok(Verdict::Met);
    }
    let text = match &args.document {
        None => {
            let width = documents.iter().map(|d| d.name.len()).max().unwrap_or(0);
            let mut out = String::from(
                "documents (planner schema NAME prints one; docs/json.md says what they hold):\n",
            );
            for d in &documents {
                out.push_str(&format!("  {:width$}  {}\n", d.name, d.printed_by));
            }
            out
        }
        Some(name) => match documents.iter().find(|d| d.name == name) {
            Some(d) => schema::text(&(d.schema)()),
            None => {
                let names: Vec<&str> = documents.iter().map(|d| d.name).collect();
                bail!(
                    "no document is called `{name}`; the documents are {}",
                    names.join(", ")
                )
            }
        },
    };
    write_stdout(text.as_bytes()).map_err(Failure::Stdout)?;
    Ok(Verdict::Met)
}
