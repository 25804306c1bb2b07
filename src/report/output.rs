//! Where data goes: stdout (`-`) or a file written atomically.
//!
//! A file destination is opened as a temporary file beside its target *before* the work
//! starts, so an unwritable path fails at once, and renamed over the target only when the
//! whole content is written: an interrupted or failed run leaves no half file.

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

/// Why an output could not be written.
#[derive(Debug, thiserror::Error)]
#[error("cannot write {what} to {path}: {source}")]
pub struct OutputError {
    what: &'static str,
    path: String,
    #[source]
    source: io::Error,
}

/// A destination ready to receive its content once.
pub struct Pending {
    what: &'static str,
    target: Option<PathBuf>,
    temp: Option<NamedTempFile>,
}

impl Pending {
    /// Opens the temporary file now so that an unwritable path is refused before any work.
    pub fn open(what: &'static str, dest: &Destination) -> Result<Pending, OutputError> {
        match dest {
            Destination::Stdout => Ok(Pending {
                what,
                target: None,
                temp: None,
            }),
            Destination::File(path) => {
                let err = |source| OutputError {
                    what,
                    path: path.display().to_string(),
                    source,
                };
                if path.is_dir() {
                    return Err(err(io::Error::other("it is a directory")));
                }
                let dir = match path.parent() {
                    Some(p) if !p.as_os_str().is_empty() => p,
                    _ => Path::new("."),
                };
                let temp = tempfile::Builder::new()
                    .prefix(".planner-")
                    .suffix(".tmp")
                    .tempfile_in(dir)
                    .map_err(err)?;
                Ok(Pending {
                    what,
                    target: Some(path.clone()),
                    temp: Some(temp),
                })
            }
        }
    }

    /// Writes the whole content and, for a file, renames it into place.
    pub fn commit(self, content: &[u8]) -> Result<(), OutputError> {
        match (self.temp, self.target) {
            (Some(mut temp), Some(target)) => {
                let err = |source| OutputError {
                    what: self.what,
                    path: target.display().to_string(),
                    source,
                };
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
            _ => write_stdout(content).map_err(|source| OutputError {
                what: self.what,
                path: "stdout".into(),
                source,
            }),
        }
    }
}

/// Writes to stdout; a closed pipe (`planner … | head`) is not an error.
pub fn write_stdout(content: &[u8]) -> io::Result<()> {
    let mut out = io::stdout().lock();
    match out.write_all(content).and_then(|_| out.flush()) {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}
