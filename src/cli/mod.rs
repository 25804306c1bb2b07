//! The command line: clap's definitions (`args`), one module per command (`commands`), the
//! edge that maps failures to exit codes (`app`), and progress on stderr.

pub(crate) mod app;
pub(crate) mod args;
pub(crate) mod commands;
pub(crate) mod progress;
