//! The files a command reads, which none of its outputs may replace.
//!
//! A command reads every file through one [`Inputs`] (the files the scenario parser read are
//! added from its list), and [`super::Outputs::new`] takes that list: an output cannot be
//! opened without every input the command has read so far, and a file cannot be read through
//! it without joining the list. An output that reaches an input — the same path, or the same
//! inode through a symbolic or a hard link — is refused before any work, whatever the input
//! is (a scenario, a samples file, a trace, a shard): one rule, not one per kind.

use std::fs;
use std::io;
use std::path::Path;

use super::{inode, Identity};

/// One file a command read.
#[derive(Debug, Clone)]
pub(super) struct Input {
    /// What it is, for the message ("samples file").
    pub(super) what: &'static str,
    /// As the user (or the scenario) named it.
    pub(super) shown: String,
    pub(super) identity: Identity,
    /// The one output flag that may replace it: a sweep shard's `--resume` file is its own
    /// `--csv`, rewritten on purpose. `None` for every other input.
    pub(super) rewritten_by: Option<&'static str>,
}

/// Every file one command has read, so far; see the module's documentation.
#[derive(Debug, Default)]
pub struct Inputs {
    pub(super) files: Vec<Input>,
}

impl Inputs {
    /// Nothing read yet.
    pub fn new() -> Inputs {
        Inputs::default()
    }

    /// Records a file that was read elsewhere (by the scenario parser, which names each
    /// file it read).
    pub fn add(&mut self, what: &'static str, path: &Path) {
        self.push(what, path, None);
    }

    /// Records every `(what, path)` of `files`.
    pub fn extend<'a>(&mut self, files: impl IntoIterator<Item = (&'static str, &'a Path)>) {
        for (what, path) in files {
            self.add(what, path);
        }
    }

    /// Reads a whole file and records it: the way a command reads a file, so that reading
    /// it and protecting it cannot come apart.
    pub fn read(&mut self, what: &'static str, path: &Path) -> io::Result<Vec<u8>> {
        self.add(what, path);
        fs::read(path)
    }

    /// [`Inputs::read`] of a UTF-8 text file.
    pub fn read_to_string(&mut self, what: &'static str, path: &Path) -> io::Result<String> {
        self.add(what, path);
        fs::read_to_string(path)
    }

    /// Reads a file that the output `flag` rewrites on purpose (a sweep shard resumed from
    /// its own `--csv`): that output may replace it, no other may.
    pub fn read_own(
        &mut self,
        flag: &'static str,
        what: &'static str,
        path: &Path,
    ) -> io::Result<Vec<u8>> {
        self.push(what, path, Some(flag));
        fs::read(path)
    }

    fn push(&mut self, what: &'static str, path: &Path, rewritten_by: Option<&'static str>) {
        self.files.push(Input {
            what,
            shown: path.display().to_string(),
            identity: identity(path),
            rewritten_by,
        });
    }
}

/// A regular file is known by its inode (which a hard link shares) and its canonical path
/// (which a symbolic link resolves to). Reading a device or a FIFO (`/dev/stdin`) consumes
/// it but does not store it: writing there replaces nothing, so it has no identity to clash.
fn identity(path: &Path) -> Identity {
    match fs::metadata(path) {
        Ok(meta) if meta.is_file() => Identity {
            descriptor: None,
            inode: inode(&meta),
            path: fs::canonicalize(path).ok(),
        },
        _ => Identity::default(),
    }
}
