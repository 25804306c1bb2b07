//! The arguments of the commands that print planner's own reference: its man page, its shell
//! completions and the JSON Schemas of its documents. They are generated from the same
//! definitions as the program (clap's, serde's), so that they cannot drift from it.

use std::path::PathBuf;

use clap::Args;

/// `planner completions SHELL`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for
    #[arg(value_enum, value_name = "SHELL")]
    pub shell: clap_complete::Shell,
}

/// `planner schema [DOCUMENT]`.
#[derive(Debug, Args)]
pub struct SchemaArgs {
    /// The document whose schema to print (run, optimize, …); without it, the list of documents
    #[arg(value_name = "DOCUMENT")]
    pub document: Option<String>,

    /// Write every document's schema to DIR/DOCUMENT.json instead, all of them together (the
    /// repository's are in docs/schema)
    #[arg(long, value_name = "DIR", conflicts_with = "document")]
    pub write: Option<PathBuf>,
}
