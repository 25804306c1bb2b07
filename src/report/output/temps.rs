//! The temporary files that exist right now, and the signal handler that removes them.
//!
//! Creating a file and registering it happen under one lock, as do renaming and
//! unregistering it, and the handler takes that lock before removing: a signal at any
//! instant finds every temporary file on disk in the registry, and nothing else.

use std::fs::{self, File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, Once};
use std::time::{Duration, SystemTime};

static REGISTRY: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());
static COUNTER: AtomicU64 = AtomicU64::new(0);

const PREFIX: &str = ".planner-tmp-";

fn registry() -> MutexGuard<'static, Vec<PathBuf>> {
    // A panic elsewhere while holding the lock leaves a list that is still right.
    REGISTRY.lock().unwrap_or_else(|e| e.into_inner())
}

/// A new, registered, private file in `dir`.
pub fn create(dir: &Path) -> io::Result<(PathBuf, File)> {
    install_handler();
    let mut registry = registry();
    loop {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let path = dir.join(format!("{PREFIX}{}-{n}", std::process::id()));
        let mut options = OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        match options.open(&path) {
            Ok(file) => {
                registry.push(path.clone());
                return Ok((path, file));
            }
            // Left by a killed run of an earlier process with this pid.
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists && n < 1000 => continue,
            Err(e) => return Err(in_directory(dir, e)),
        }
    }
}

/// The error of creating a file in `dir`, naming the directory the user knows rather
/// than the temporary file's name.
fn in_directory(dir: &Path, e: io::Error) -> io::Error {
    let why = match e.kind() {
        io::ErrorKind::NotFound => "does not exist".to_string(),
        io::ErrorKind::PermissionDenied => "is not writable".to_string(),
        io::ErrorKind::NotADirectory => "is not a directory".to_string(),
        kind => format!("takes no new file ({kind})"),
    };
    io::Error::new(e.kind(), format!("directory {} {why}", dir.display()))
}

/// Deletes a temporary file and forgets it, under the lock so the signal handler never
/// removes it twice nor misses it; a file already gone is no error.
pub fn remove(path: &Path) {
    let mut registry = registry();
    let _ = fs::remove_file(path);
    registry.retain(|p| p != path);
}

/// Renames a temporary file over its target and forgets it, under the lock: once renamed it
/// is the user's file, which the signal handler must not remove. On failure it stays
/// registered, so it is still cleaned up.
pub fn rename(temp: &Path, target: &Path) -> io::Result<()> {
    let mut registry = registry();
    fs::rename(temp, target)?;
    registry.retain(|p| p != temp);
    Ok(())
}

/// Removes the temporary files that processes now gone (killed with SIGKILL) left in
/// `dir`. A file is taken for stale only if its pid is not running and it has not
/// changed for a minute, so a writer in another pid namespace is left alone.
pub fn remove_stale(dir: &Path) {
    // Without /proc, whether a pid runs is unknown: leave everything.
    if !Path::new("/proc/self").exists() {
        return;
    }
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let me = std::process::id();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|n| n.strip_prefix(PREFIX))
            .and_then(|rest| rest.split_once('-'))
            .filter(|(_, n)| n.parse::<u64>().is_ok())
            .and_then(|(pid, _)| pid.parse::<u32>().ok())
        else {
            continue;
        };
        if pid == me || Path::new("/proc").join(pid.to_string()).exists() {
            continue;
        }
        let idle = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| SystemTime::now().duration_since(t).ok());
        if idle.is_some_and(|d| d >= Duration::from_secs(60)) {
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// SIGINT and SIGTERM remove every registered file and exit with 128 + the signal (130,
/// 143), as a shell reports a process the signal ended. Installed by the first temporary
/// file at the latest, and by [`super::handle_signals`] at start, so that the exit code
/// does not depend on how far the run had got.
pub fn install_handler() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        use signal_hook::consts::{SIGINT, SIGTERM};
        // Without the handler a signal still ends the process, only leaving its file.
        let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM]) else {
            return;
        };
        let spawned = std::thread::Builder::new()
            .name("planner-signals".into())
            .spawn(move || {
                if let Some(signal) = signals.forever().next() {
                    // Held until exit: nothing can create or rename a file meanwhile.
                    let mut registry = registry();
                    for path in registry.drain(..) {
                        let _ = fs::remove_file(path);
                    }
                    std::process::exit(128 + signal);
                }
            });
        drop(spawned);
    });
}
