//! Where data goes: stdout (`-`) or a file written atomically.
//!
//! A file destination is probed *before* the work starts (a temporary file is created beside
//! the target and removed at once), so an unwritable path fails at once. The content is then
//! written to a fresh temporary file that is renamed over the target only when it is whole:
//! an interrupted or failed run leaves neither a half file nor a stray temporary one (a run
//! killed during its long computation holds no temporary file at all).

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

/// An output destination as given on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    Stdout,
    File(PathBuf),
}

impl Destination {
    pub fn parse(text: &str) -> Destination {
        if text == "-" {
            Destination::Stdout
        } else {
            Destination::File(PathBuf::from(text))
        }
    }

    pub fn is_stdout(&self) -> bool {
        matches!(self, Destination::Stdout)
    }
}

/// Why an output could not be written. The I/O error is part of the message, not a source
/// of its own, so that the one-line report does not repeat it.
#[derive(Debug, thiserror::Error)]
#[error("cannot write {what} to {path}: {reason}")]
pub struct OutputError {
    what: &'static str,
    path: String,
    reason: io::Error,
}

/// A destination ready to receive its content once.
pub struct Pending {
    what: &'static str,
    target: Option<PathBuf>,
}

impl Pending {
    /// Checks now that the target's directory takes a new file, so that an unwritable path
    /// is refused before any work.
    pub fn open(what: &'static str, dest: &Destination) -> Result<Pending, OutputError> {
        match dest {
            Destination::Stdout => Ok(Pending { what, target: None }),
            Destination::File(path) => {
                let err = |reason| OutputError {
                    what,
                    path: path.display().to_string(),
                    reason,
                };
                if path.is_dir() {
                    return Err(err(io::Error::other("it is a directory")));
                }
                // Dropped at once: the probe file is removed.
                temp_beside(path).map_err(err)?;
                Ok(Pending {
                    what,
                    target: Some(path.clone()),
                })
            }
        }
    }

    /// Writes the whole content and, for a file, renames it into place.
    pub fn commit(self, content: &[u8]) -> Result<(), OutputError> {
        match self.target {
            Some(target) => {
                let err = |reason| OutputError {
                    what: self.what,
                    path: target.display().to_string(),
                    reason,
                };
                let mut temp = temp_beside(&target).map_err(err)?;
                temp.write_all(content).map_err(err)?;
                // A temporary file is private (0600); the output keeps the permissions of the
                // file it replaces, or gets the usual 0644.
                #[cfg(unix)]
                {
                    use std::os::unix::fs::PermissionsExt;
                    let permissions = match std::fs::metadata(&target) {
                        Ok(m) => m.permissions(),
                        Err(_) => std::fs::Permissions::from_mode(0o644),
                    };
                    temp.as_file().set_permissions(permissions).map_err(err)?;
                }
                temp.as_file().sync_all().map_err(err)?;
                temp.persist(&target).map_err(|e| err(e.error))?;
                Ok(())
            }
            None => write_stdout(content).map_err(|reason| OutputError {
                what: self.what,
                path: "stdout".into(),
                reason,
            }),
        }
    }
}

/// A new temporary file in the target's directory (so that the rename stays on one file
/// system), removed when dropped unless persisted.
fn temp_beside(target: &Path) -> io::Result<NamedTempFile> {
    let dir = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    tempfile::Builder::new()
        .prefix(".planner-")
        .suffix(".tmp")
        .tempfile_in(dir)
        // tempfile names its random file in the message; the user knows only the directory.
        .map_err(|e| {
            let why = match e.kind() {
                io::ErrorKind::NotFound => "does not exist".to_string(),
                io::ErrorKind::PermissionDenied => "is not writable".to_string(),
                kind => format!("takes no new file ({kind})"),
            };
            io::Error::new(e.kind(), format!("directory {} {why}", dir.display()))
        })
}

/// Writes to stdout; a closed pipe (`planner … | head`) is not an error.
pub fn write_stdout(content: &[u8]) -> io::Result<()> {
    let mut out = io::stdout().lock();
    match out.write_all(content).and_then(|_| out.flush()) {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}
