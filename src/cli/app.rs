//! The edge: parse the command line, load the scenario, hand the command to its module in
//! [`crate::cli::commands`], and map every failure to one line on stderr and an exit code that
//! means something.

use std::process::ExitCode;

use anyhow::Result;
use clap::Parser;

use crate::cli::args::{Cli, Command};
use crate::cli::commands::{self, Failure, Verdict};
use crate::model::scenario::Scenario;
use crate::report::output::Inputs;
use crate::report::printable;
use crate::search::compare::Strategy;

/// Exit code: the target is met (or the command only reports).
pub const EXIT_OK: u8 = 0;
/// Exit code: no configuration meets the target.
pub const EXIT_UNMET: u8 = 1;
/// Exit code: bad usage or input.
pub const EXIT_INPUT: u8 = 2;
/// Exit code: the work was done but its result could not be written (a full disk, an I/O
/// error) or rendered; the input was fine, so the same command may succeed later.
pub const EXIT_FAILURE: u8 = 3;

/// What a bare `planner` prints on stderr: three lines, the full list being one `--help` away.
const USAGE: &str = "usage: planner [--scenario FILE] COMMAND [OPTIONS]\n\
    commands: run, optimize, sweep, compare, fit, merge; man, completions, schema (planner COMMAND --help lists its options)\n\
    try: planner optimize --target-rate 2 --timeout 5   (planner --help for more)\n";

/// Runs the `planner` command line and returns its exit code.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            use clap::error::ErrorKind;
            if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
                let _ = e.print();
                return ExitCode::from(EXIT_OK);
            }
            if e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
                // A bare `planner` is a usage error: a short reminder, not the whole help.
                eprint!("{USAGE}");
                return ExitCode::from(EXIT_INPUT);
            }
            // One line: clap's first line names the flag and the problem; when it ends in a
            // colon ("the following required arguments were not provided:"), what it lists
            // follows on the next lines, folded onto this one.
            let text = e.render().to_string();
            let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
            let first = lines.next().unwrap_or("error: bad usage");
            let line = if first.ends_with(':') {
                let listed: Vec<&str> = lines.take_while(|l| !l.starts_with("Usage:")).collect();
                format!("{first} {}", listed.join(", "))
            } else {
                first.to_string()
            };
            eprintln!("{}", printable(line.trim_end()));
            return ExitCode::from(EXIT_INPUT);
        }
    };
    match dispatch(cli) {
        Ok(Verdict::Met) => ExitCode::from(EXIT_OK),
        Ok(Verdict::Unmet) => ExitCode::from(EXIT_UNMET),
        Err(e) => {
            eprintln!("error: {}", one_line(&e));
            let failure = e.chain().any(|c| c.is::<Failure>());
            ExitCode::from(if failure { EXIT_FAILURE } else { EXIT_INPUT })
        }
    }
}

/// `{:#}` of an error chain, folded onto one line, whose paths, names and file excerpts
/// cannot act on the terminal (a control character is shown as `\u{1b}`).
fn one_line(e: &anyhow::Error) -> String {
    printable(&format!("{e:#}").replace('\n', " ")).into_owned()
}

fn dispatch(mut cli: Cli) -> Result<Verdict> {
    crate::report::output::handle_signals();
    // The reference is the program's own: no scenario is read for it.
    match cli.command {
        Command::Man => return commands::reference::man(),
        Command::Completions(args) => return commands::reference::completions(args),
        Command::Schema(args) => return commands::reference::schema(args),
        _ => {}
    }
    // What a report page shows as the command that wrote it.
    cli.command.set_command_line(
        std::env::args_os()
            .map(|a| a.to_string_lossy().into_owned())
            .collect(),
    );
    let scenario = match &cli.scenario {
        Some(path) => Scenario::load(path)?,
        None => Scenario::embedded(),
    };
    // A strategy names stations and levers: checked with the file, whatever the command.
    Strategy::of_scenario(&scenario)?;
    // Every file the command reads joins this list, starting with the scenario's; its
    // outputs are opened from it, so that none replaces an input.
    let mut inputs = Inputs::new();
    inputs.extend(scenario.files_read());
    let inputs = &mut inputs;
    match cli.command {
        Command::Run(args) => commands::run::run(&scenario, args, cli.quiet, inputs),
        Command::Optimize(args) => commands::search::optimize(&scenario, args, cli.quiet, inputs),
        Command::Sweep(args) => commands::search::sweep(&scenario, args, cli.quiet, inputs),
        Command::Compare(args) => commands::compare::compare(&scenario, args, cli.quiet, inputs),
        Command::Fit(args) => commands::fit::fit(&scenario, args, inputs),
        Command::Merge(args) => commands::merge::merge(args, inputs),
        Command::Man | Command::Completions(_) | Command::Schema(_) => {
            unreachable!("answered above")
        }
    }
}
