//! Where data goes: stdout (`-`) or files, every output of one command landing together.
//!
//! [`Outputs`] opens every output *before* the work, so that an unwritable path, an output
//! that is a file the command read (any of its [`Inputs`]) or that another output of the same
//! command already names is refused before minutes of load tests. At the end the command renders every content, and
//! [`Outputs::commit_all`] writes them in three passes:
//!
//! 1. each regular file's content to a temporary file beside it (a failure here removes
//!    every temporary file: no output has changed);
//! 2. the outputs that cannot be staged — stdout, a device, a FIFO — written through;
//! 3. every temporary file renamed over its target.
//!
//! A rename replaces only a regular file or a new path: renaming over `/dev/null` would
//! replace the device with a file, so a device or FIFO is opened and written in place. A
//! symbolic link is followed to its final target, which is replaced there, so the link stays
//! a link; `/dev/stdout` and the other `/proc/self/fd` links are this process's own
//! descriptors and are written as such.
//!
//! Temporary files are named `.planner-tmp-<pid>-<n>`, so that one found in a directory says
//! what it is and whose it was. They exist only during the final write; SIGINT or SIGTERM
//! then removes them before the process exits (130 or 143). Only a SIGKILL or a crash can
//! leave one, and the next run that writes into the same directory removes those whose process
//! is gone and that have not changed for a minute (a writer whose pid this machine cannot see,
//! in another container or on another host sharing the directory, keeps writing its file).

use std::fs::{self, File, Metadata, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// An output destination as given on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    /// `-`.
    Stdout,
    /// Any other text, taken as a path; it may still name stdout (`/dev/stdout`), which
    /// [`Outputs::open`] finds out.
    File(PathBuf),
}

impl Destination {
    /// Never fails: only `-` is special, and a path is checked when it is opened.
    pub fn parse(text: &str) -> Destination {
        if text == "-" {
            Destination::Stdout
        } else {
            Destination::File(PathBuf::from(text))
        }
    }

    /// Whether the user wrote `-` (not whether a path happens to reach stdout).
    pub fn is_stdout(&self) -> bool {
        matches!(self, Destination::Stdout)
    }
}

/// Why the outputs could not be opened or written. Every variant names the paths the user
/// gave, never a temporary file's; an I/O error is part of the message, not a source of its
/// own, so that the one-line report does not repeat it.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    #[error("cannot write {what} to {path}: {reason}")]
    /// Opening, writing or renaming one output failed (a regular file is replaced whole or
    /// not at all).
    Write {
        /// What the output holds ("the CSV"), for the message.
        what: &'static str,
        /// The destination as the user typed it.
        path: String,
        /// The system's error, shown in the same line.
        reason: io::Error,
    },
    #[error("{flag} {path} would overwrite the {input_what} {input}")]
    /// An output reaches a file the command reads (a scenario, samples, a trace, a shard):
    /// writing it would destroy the input.
    OverwritesInput {
        /// The output's flag (`--csv`).
        flag: &'static str,
        /// The output as typed.
        path: String,
        /// What the input is ("scenario file").
        input_what: &'static str,
        /// The input as typed.
        input: String,
    },
    #[error("{flag} {path} and {other_flag} {other_path} name the same file")]
    /// Two outputs of one command reach the same file (same path, inode or descriptor): one
    /// would silently replace the other.
    SameFile {
        /// The output opened first.
        flag: &'static str,
        /// Its destination as typed.
        path: String,
        /// The output opened second.
        other_flag: &'static str,
        /// Its destination as typed.
        other_path: String,
    },
    #[error("{first} and {second} both write to stdout: send one of them to a file")]
    /// Two things would print on stdout, interleaving two formats in one stream.
    BothStdout {
        /// The first claimant, as `FLAG DESTINATION` (`--csv -`, or `--format json`).
        first: String,
        /// The second claimant, likewise.
        second: String,
    },
    #[error("{flag} {path}: {what} is {kind}; name the file {ext} (or `-` for stdout)")]
    /// A file whose extension promises another format than the one written (`--plot x.png`).
    Extension {
        /// The output's flag.
        flag: &'static str,
        /// The destination as typed.
        path: String,
        /// What the output holds ("the plot").
        what: &'static str,
        /// The format written ("SVG").
        kind: &'static str,
        /// The extension to use instead, dot included.
        ext: &'static str,
    },
}

/// Writes output number `usize`'s content into its temporary file.
type Stage = dyn FnMut(usize, &mut File, &[u8]) -> io::Result<()>;

/// One output of a command, as returned by [`Outputs::open`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutputId(usize);

/// How one destination is written.
#[derive(Debug)]
enum Sink {
    /// This process's stdout (`-`, `/dev/stdout`, `/proc/self/fd/1`).
    Stdout,
    /// This process's stderr (`/dev/stderr`): written as is, not replaced.
    Stderr,
    /// Written in place: a device, a FIFO, another process's descriptor.
    Through { path: PathBuf, truncate: bool },
    /// A regular file or a new path (a link's final target): staged, then renamed over.
    Atomic { target: PathBuf },
}

/// What makes two paths the same file: a descriptor of this process, the same inode, or
/// the same normalized path for files that do not exist yet.
#[derive(Debug, Default, Clone)]
struct Identity {
    descriptor: Option<u32>,
    inode: Option<(u64, u64)>,
    path: Option<PathBuf>,
}

impl Identity {
    fn same(&self, other: &Identity) -> bool {
        fn both<T: PartialEq>(a: &Option<T>, b: &Option<T>) -> bool {
            matches!((a, b), (Some(a), Some(b)) if a == b)
        }
        both(&self.descriptor, &other.descriptor)
            || both(&self.inode, &other.inode)
            || both(&self.path, &other.path)
    }

    fn takes_stdout(&self) -> bool {
        self.descriptor == Some(1)
    }
}

struct Slot {
    flag: &'static str,
    what: &'static str,
    /// As the user typed it: what every message names.
    shown: String,
    sink: Sink,
    identity: Identity,
}

impl Slot {
    fn error(&self, reason: io::Error) -> OutputError {
        OutputError::Write {
            what: self.what,
            path: self.shown.clone(),
            reason,
        }
    }

    fn claim(&self) -> String {
        format!("{} {}", self.flag, self.shown)
    }
}

/// Every output of one command, opened before the work and committed together.
pub struct Outputs {
    slots: Vec<Slot>,
    inputs: Vec<Input>,
    /// Something other than an output that prints on stdout (`--format json`).
    stdout_claim: Option<String>,
}

impl Outputs {
    /// No output yet: each is added by [`Outputs::open`] before the work starts, and none
    /// may replace a file of `inputs`, the files the command read.
    pub fn new(inputs: &Inputs) -> Outputs {
        Outputs {
            slots: Vec::new(),
            inputs: inputs.files.clone(),
            stdout_claim: None,
        }
    }

    /// Opens an output given as `flag TEXT`: classifies it, checks now that it can be
    /// written, and refuses it if it is an input or another output.
    pub fn open(
        &mut self,
        flag: &'static str,
        what: &'static str,
        text: &str,
    ) -> Result<OutputId, OutputError> {
        let shown = text.to_string();
        let write_error = |reason| OutputError::Write {
            what,
            path: shown.clone(),
            reason,
        };
        let (sink, identity) = match Destination::parse(text) {
            Destination::Stdout => (Sink::Stdout, own_descriptor_identity(1)),
            Destination::File(path) => {
                if text.is_empty() {
                    return Err(write_error(io::Error::other("the path is empty")));
                }
                let (sink, identity) = classify(&path).map_err(write_error)?;
                probe(&sink).map_err(write_error)?;
                (sink, identity)
            }
        };
        let slot = Slot {
            flag,
            what,
            shown,
            sink,
            identity,
        };
        for input in &self.inputs {
            if slot.identity.same(&input.identity) && input.rewritten_by != Some(flag) {
                return Err(OutputError::OverwritesInput {
                    flag,
                    path: slot.shown,
                    input_what: input.what,
                    input: input.shown.clone(),
                });
            }
        }
        if slot.identity.takes_stdout() {
            if let Some(claim) = &self.stdout_claim {
                return Err(OutputError::BothStdout {
                    first: claim.clone(),
                    second: slot.claim(),
                });
            }
        }
        for other in &self.slots {
            if slot.identity.same(&other.identity) {
                return Err(if slot.identity.takes_stdout() {
                    OutputError::BothStdout {
                        first: other.claim(),
                        second: slot.claim(),
                    }
                } else {
                    OutputError::SameFile {
                        flag: other.flag,
                        path: other.shown.clone(),
                        other_flag: flag,
                        other_path: slot.shown,
                    }
                });
            }
        }
        self.slots.push(slot);
        Ok(OutputId(self.slots.len() - 1))
    }

    /// Reserves stdout for something other than an output (`claim`: the flag that asks for
    /// it, e.g. `--format json`): refused if an output already takes stdout, since the two
    /// would be mixed into one stream that neither reader can parse.
    pub fn claim_stdout(&mut self, claim: &str) -> Result<(), OutputError> {
        if let Some(slot) = self.slots.iter().find(|s| s.identity.takes_stdout()) {
            return Err(OutputError::BothStdout {
                first: slot.claim(),
                second: claim.to_string(),
            });
        }
        self.stdout_claim = Some(claim.to_string());
        Ok(())
    }

    /// Whether an output writes to stdout (then the command prints nothing else there).
    pub fn stdout_taken(&self) -> bool {
        self.slots.iter().any(|s| s.identity.takes_stdout())
    }

    /// Writes every output's content (each id at most once; an output without content is
    /// left untouched): all or none of the files land.
    pub fn commit_all(self, contents: Vec<(OutputId, Vec<u8>)>) -> Result<(), OutputError> {
        self.commit_all_with(contents, &mut |_, file, bytes| file.write_all(bytes))
    }

    /// [`Outputs::commit_all`] with the staging write injected, so that a test can make one
    /// output fail after another was staged.
    fn commit_all_with(
        self,
        contents: Vec<(OutputId, Vec<u8>)>,
        stage: &mut Stage,
    ) -> Result<(), OutputError> {
        let mut staged: Vec<(PathBuf, &Slot)> = Vec::new();
        let result = self.write_all(&contents, &mut staged, stage);
        // Whatever is still staged did not land: remove it.
        for (temp, _) in &staged {
            temps::remove(temp);
        }
        result
    }

    fn write_all<'a>(
        &'a self,
        contents: &[(OutputId, Vec<u8>)],
        staged: &mut Vec<(PathBuf, &'a Slot)>,
        stage: &mut Stage,
    ) -> Result<(), OutputError> {
        // 1. Every regular file to a temporary file beside its target.
        for (id, bytes) in contents {
            let slot = &self.slots[id.0];
            if let Sink::Atomic { target } = &slot.sink {
                let (temp, mut file) = temps::create(dir_of(target)).map_err(|e| slot.error(e))?;
                staged.push((temp, slot));
                stage(id.0, &mut file, bytes)
                    .and_then(|_| keep_permissions(&file, target))
                    .and_then(|_| file.sync_all())
                    .map_err(|e| slot.error(e))?;
            }
        }
        // 2. What cannot be staged, written through.
        for (id, bytes) in contents {
            let slot = &self.slots[id.0];
            let written = match &slot.sink {
                Sink::Atomic { .. } => continue,
                Sink::Stdout => write_stdout(bytes),
                Sink::Stderr => io::stderr().lock().write_all(bytes),
                Sink::Through { path, truncate } => OpenOptions::new()
                    .write(true)
                    .truncate(*truncate)
                    .open(path)
                    .and_then(|mut f| f.write_all(bytes).and_then(|_| f.flush())),
            };
            match written {
                // A reader that stopped early (`| head`, a FIFO closed) is not an error.
                Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {}
                other => other.map_err(|e| slot.error(e))?,
            }
        }
        // 3. Every staged file into place.
        while let Some((temp, slot)) = staged.first() {
            let Sink::Atomic { target } = &slot.sink else {
                unreachable!("only atomic outputs are staged")
            };
            temps::rename(temp, target).map_err(|e| slot.error(e))?;
            staged.remove(0);
        }
        Ok(())
    }
}

/// Follows `path` to what a write should go to.
fn classify(path: &Path) -> io::Result<(Sink, Identity)> {
    let mut current = path.to_path_buf();
    // Linux's own limit on a chain of links.
    for _ in 0..40 {
        match descriptor_link(&current) {
            Some(Descriptor::Own(1)) => return Ok((Sink::Stdout, own_descriptor_identity(1))),
            Some(Descriptor::Own(2)) => return Ok((Sink::Stderr, own_descriptor_identity(2))),
            Some(_) => {
                let meta = fs::metadata(&current)?;
                let identity = device_identity(&meta);
                let truncate = meta.is_file();
                return Ok((
                    Sink::Through {
                        path: current,
                        truncate,
                    },
                    identity,
                ));
            }
            None => {}
        }
        let meta = match fs::symlink_metadata(&current) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                let identity = Identity {
                    path: normalized(&current),
                    ..Identity::default()
                };
                return Ok((Sink::Atomic { target: current }, identity));
            }
            other => other?,
        };
        let kind = meta.file_type();
        if kind.is_symlink() {
            let link = fs::read_link(&current)?;
            current = dir_of(&current).join(link);
            continue;
        }
        if kind.is_dir() {
            return Err(io::Error::other("it is a directory"));
        }
        if kind.is_file() {
            let identity = Identity {
                inode: inode(&meta),
                path: normalized(&current),
                descriptor: None,
            };
            return Ok((Sink::Atomic { target: current }, identity));
        }
        if is_socket(&meta) {
            return Err(io::Error::other("it is a socket"));
        }
        // A device or a FIFO.
        let identity = device_identity(&meta);
        return Ok((
            Sink::Through {
                path: current,
                truncate: false,
            },
            identity,
        ));
    }
    Err(io::Error::other("too many levels of symbolic links"))
}

/// Checks now that a destination can be written, without changing it.
fn probe(sink: &Sink) -> io::Result<()> {
    match sink {
        Sink::Atomic { target } => {
            let dir = dir_of(target);
            temps::remove_stale(dir);
            let (temp, _file) = temps::create(dir)?;
            temps::remove(&temp);
            Ok(())
        }
        // Opening a FIFO waits for its reader: that is for the final write, not the probe.
        Sink::Through { path, .. } if !is_fifo(path) => {
            OpenOptions::new().write(true).open(path).map(drop)
        }
        _ => Ok(()),
    }
}

/// The directory a path's file lives in (`.` for a bare name).
fn dir_of(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// The path with its directory made canonical, so that `x` and `./x` compare equal even
/// before `x` exists.
fn normalized(path: &Path) -> Option<PathBuf> {
    let name = path.file_name()?;
    Some(fs::canonicalize(dir_of(path)).ok()?.join(name))
}

/// A `/proc/<pid>/fd/<n>` link (also reached as `/dev/fd/<n>`, `/dev/stdout`): its target is
/// an open file description, perhaps a pipe with no path, so it is written through.
enum Descriptor {
    Own(u32),
    Other,
}

fn descriptor_link(path: &Path) -> Option<Descriptor> {
    let number: u32 = path.file_name()?.to_str()?.parse().ok()?;
    let dir = fs::canonicalize(dir_of(path)).ok()?;
    if !dir.starts_with("/proc") || dir.file_name()? != "fd" {
        return None;
    }
    let own = Path::new("/proc").join(std::process::id().to_string());
    Some(if dir.starts_with(&own) {
        Descriptor::Own(number)
    } else {
        Descriptor::Other
    })
}

/// This process's descriptor `n`, and the file it is open on (so that `--csv out.csv` is
/// seen to clash with `-` when stdout is redirected to `out.csv`).
fn own_descriptor_identity(n: u32) -> Identity {
    let meta = fs::metadata(format!("/proc/self/fd/{n}")).ok();
    Identity {
        descriptor: Some(n),
        inode: meta.as_ref().and_then(|m| device_identity(m).inode),
        path: None,
    }
}

/// A character device (`/dev/null`, a terminal) may take two outputs; a FIFO or a block
/// device holds only one.
fn device_identity(meta: &Metadata) -> Identity {
    Identity {
        inode: if is_char_device(meta) {
            None
        } else {
            inode(meta)
        },
        ..Identity::default()
    }
}

#[cfg(unix)]
fn inode(meta: &Metadata) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    Some((meta.dev(), meta.ino()))
}

#[cfg(not(unix))]
fn inode(_: &Metadata) -> Option<(u64, u64)> {
    None
}

#[cfg(unix)]
fn is_char_device(meta: &Metadata) -> bool {
    use std::os::unix::fs::FileTypeExt;
    meta.file_type().is_char_device()
}

#[cfg(not(unix))]
fn is_char_device(_: &Metadata) -> bool {
    false
}

#[cfg(unix)]
fn is_socket(meta: &Metadata) -> bool {
    use std::os::unix::fs::FileTypeExt;
    meta.file_type().is_socket()
}

#[cfg(not(unix))]
fn is_socket(_: &Metadata) -> bool {
    false
}

#[cfg(unix)]
fn is_fifo(path: &Path) -> bool {
    use std::os::unix::fs::FileTypeExt;
    fs::metadata(path).is_ok_and(|m| m.file_type().is_fifo())
}

#[cfg(not(unix))]
fn is_fifo(_: &Path) -> bool {
    false
}

/// A temporary file is private (0600); the output keeps the permissions of the file it
/// replaces, or gets the usual 0644.
fn keep_permissions(file: &File, target: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let permissions = match fs::metadata(target) {
            Ok(m) => m.permissions(),
            Err(_) => fs::Permissions::from_mode(0o644),
        };
        file.set_permissions(permissions)?;
    }
    #[cfg(not(unix))]
    let _ = (file, target);
    Ok(())
}

/// Makes SIGINT and SIGTERM remove the temporary files of the final write and exit 130 or
/// 143; called once at start.
pub fn handle_signals() {
    temps::install_handler();
}

/// Writes to stdout; a closed pipe (`planner … | head`) is not an error.
pub fn write_stdout(content: &[u8]) -> io::Result<()> {
    let mut out = io::stdout().lock();
    match out.write_all(content).and_then(|_| out.flush()) {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

mod inputs;
mod temps;

use inputs::Input;
pub use inputs::Inputs;

#[cfg(test)]
mod tests;
