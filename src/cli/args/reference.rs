//! The arguments of the commands that print planner's own reference: its man page, its shell
//! completions and the JSON Schemas of its documents. They are generated from the same
//! definitions as the program (clap's, serde's), so that they cannot drift from it.

use clap::Args;

/// `planner completions SHELL`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for
    #[arg(value_enum, value_name = "SHELL")]
    pub shell: clap_complete::Shell,
}
