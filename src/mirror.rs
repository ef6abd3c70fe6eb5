//! Local copies of repositories brought from the network on request (`--fetch`; spec: `MIR-*`):
//! a repository missing under `--repos` is cloned there, bare, with gix; one that lacks the commit
//! a crate needs is brought up to date. Each copy is fetched at most once a run, whichever crates
//! need it and however many workers ask at once.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use crate::discover::Remote;

/// A repository could not be brought.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("failed to fetch `{url}` into `{}`: {reason}", dest.display())]
pub struct Error {
    pub url: String,
    pub dest: PathBuf,
    pub reason: String,
}

/// A fetch, done by the first worker to need it, its outcome kept for the others.
type Fetch = Arc<OnceLock<Result<(), Error>>>;

/// MIR-LIMITS: how far one fetch may go: a remote the crate names is as hostile as the crate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Bytes a repository may add on disk as it arrives.
    pub max_bytes: u64,
    /// How long one fetch may take.
    pub timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { max_bytes: 2 << 30, timeout: Duration::from_secs(600) }
    }
}

/// The repositories fetched in this run.
pub struct Mirrors<'a> {
    /// Each destination's one fetch, shared by the workers that need it.
    fetched: Mutex<BTreeMap<PathBuf, Fetch>>,
    /// Hears of each fetch as it starts (a status line).
    starting: Box<dyn Fn(&Remote) + Send + Sync + 'a>,
    limits: Limits,
    /// Where clones are made before they are moved into place (the temporary directory).
    staging: PathBuf,
}

impl<'a> Mirrors<'a> {
    pub fn new(limits: Limits, staging: PathBuf, starting: impl Fn(&Remote) + Send + Sync + 'a) -> Self {
        Mirrors { fetched: Mutex::default(), starting: Box::new(starting), limits, staging }
    }

    /// MIR-ONCE: `remote` cloned into its destination when missing there, else brought up to
    /// date; done once a run, the first outcome reused.
    pub fn fetch(&self, remote: &Remote) -> Result<(), Error> {
        let once = {
            let mut fetched = self.fetched.lock().expect("no fetch panics holding it");
            Arc::clone(fetched.entry(remote.dest.clone()).or_default())
        };
        once.get_or_init(|| {
            (self.starting)(remote);
            let error = |reason: String| Error { url: remote.url.clone(), dest: remote.dest.clone(), reason };
            let fetched = if gix::open(&remote.dest).is_ok() {
                update(remote, &self.limits)
            } else {
                clone(remote, &self.limits, &self.staging)
            };
            fetched.map_err(error)
        })
        .clone()
    }
}

/// MIR-CLONE: a bare clone with every branch and tag, made in `staging` (the temporary directory)
/// and moved into place whole: a failed, stopped or killed clone leaves nothing under `--repos`,
/// not even the directories that would have held it.
fn clone(remote: &Remote, limits: &Limits, staging: &Path) -> Result<(), String> {
    let staging = tempfile::Builder::new()
        .prefix("cargo-seal-fetch-")
        .tempdir_in(staging)
        .map_err(|e| format!("cannot create a directory in `{}`: {e}", staging.display()))?;
    let into = staging.path().join("repo.git");
    let url = remote.url.clone();
    let target = into.clone();
    bounded(staging.path(), limits, move |interrupt| network::clone_bare(&url, &target, interrupt))?;
    move_into_place(&into, &remote.dest)
}

/// MIR-CLONE: `from` renamed to `dest`, or, across file systems, copied beside `dest` and renamed
/// there. Directories made on the way are removed again when the move fails.
fn move_into_place(from: &Path, dest: &Path) -> Result<(), String> {
    let parent = dest.parent().unwrap_or(Path::new("."));
    let missing: Vec<&Path> = parent.ancestors().take_while(|dir| !dir.exists()).collect();
    let moved = std::fs::create_dir_all(parent)
        .map_err(|e| format!("cannot create `{}`: {e}", parent.display()))
        .and_then(|()| match std::fs::rename(from, dest) {
            Ok(()) => Ok(()),
            Err(_) => {
                let partial = tempfile::Builder::new()
                    .prefix(".cargo-seal-partial-")
                    .tempdir_in(parent)
                    .map_err(|e| format!("cannot create a directory in `{}`: {e}", parent.display()))?;
                let copy = partial.path().join("repo.git");
                copy_tree(from, &copy)
                    .map_err(|e| format!("cannot copy the clone into `{}`: {e}", parent.display()))?;
                std::fs::rename(&copy, dest).map_err(|e| format!("cannot move the clone into place: {e}"))
            }
        });
    if moved.is_err() {
        for dir in missing {
            // Only directories this move made and left empty.
            drop(std::fs::remove_dir(dir));
        }
    }
    moved
}

/// The files and directories under `from`, copied to `to`.
fn copy_tree(from: &Path, to: &Path) -> std::io::Result<()> {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.map_err(std::io::Error::other)?;
        let dest = to.join(entry.path().strip_prefix(from).map_err(std::io::Error::other)?);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&dest)?;
        } else {
            std::fs::copy(entry.path(), &dest)?;
        }
    }
    Ok(())
}

/// MIR-UPDATE: every branch and tag of `remote.url` fetched into the copy at `remote.dest`,
/// whatever remotes that copy has configured.
fn update(remote: &Remote, limits: &Limits) -> Result<(), String> {
    let (url, dest) = (remote.url.clone(), remote.dest.clone());
    bounded(&remote.dest, limits, move |interrupt| network::fetch_into(&dest, &url, interrupt))
}

/// The network half of `--fetch`: gix's client.
#[cfg(feature = "fetch")]
mod network {
    use std::path::Path;
    use std::sync::atomic::AtomicBool;

    use crate::error_chain;

    /// A bare clone of `url` into `into`, with every branch and tag.
    pub fn clone_bare(url: &str, into: &Path, interrupt: &AtomicBool) -> Result<(), String> {
        let mut prepare = gix::prepare_clone_bare(url, into)
            .map_err(|e| error_chain(&e))?
            .configure_remote(|remote| Ok(remote.with_fetch_tags(gix::remote::fetch::Tags::All)));
        prepare.fetch_only(gix::progress::Discard, interrupt).map_err(|e| error_chain(&e))?;
        Ok(())
    }

    /// Every branch and tag of `url` fetched into the repository at `dest`, whatever remotes it
    /// has configured.
    pub fn fetch_into(dest: &Path, url: &str, interrupt: &AtomicBool) -> Result<(), String> {
        use gix::remote::Direction;
        let repo = gix::open(dest).map_err(|e| error_chain(&e))?;
        let specs = ["+refs/heads/*:refs/remotes/origin/*", "+refs/tags/*:refs/tags/*"];
        let anonymous = repo
            .remote_at(url)
            .map_err(|e| error_chain(&e))?
            .with_refspecs(specs, Direction::Fetch)
            .map_err(|e| error_chain(&e))?
            .with_fetch_tags(gix::remote::fetch::Tags::All);
        let connection = anonymous.connect(Direction::Fetch).map_err(|e| error_chain(&e))?;
        let prepared =
            connection.prepare_fetch(gix::progress::Discard, Default::default()).map_err(|e| error_chain(&e))?;
        prepared.receive(gix::progress::Discard, interrupt).map_err(|e| error_chain(&e))?;
        Ok(())
    }
}

/// Built without the `fetch` feature: no fetch reaches the network.
#[cfg(not(feature = "fetch"))]
mod network {
    use std::path::Path;
    use std::sync::atomic::AtomicBool;

    const ABSENT: &str = "this build of cargo-seal has no network client (built without the `fetch` feature)";

    pub fn clone_bare(_: &str, _: &Path, _: &AtomicBool) -> Result<(), String> {
        Err(ABSENT.to_owned())
    }

    pub fn fetch_into(_: &Path, _: &str, _: &AtomicBool) -> Result<(), String> {
        Err(ABSENT.to_owned())
    }
}

/// How often a fetch's size and time are looked at.
const WATCH_EVERY: Duration = Duration::from_millis(50);

/// MIR-LIMITS: runs `fetch` on a thread of its own while the bytes it adds under `dir` and the
/// time it takes are watched. Past a limit it is interrupted, and its outcome is that limit's
/// error; one that does not stop within a moment (a server that sends nothing blocks a read) is
/// left to end with the process.
fn bounded(
    dir: &Path,
    limits: &Limits,
    fetch: impl FnOnce(&AtomicBool) -> Result<(), String> + Send + 'static,
) -> Result<(), String> {
    let baseline = size_of(dir);
    let interrupt = Arc::new(AtomicBool::new(false));
    let (done, outcome) = std::sync::mpsc::channel();
    let flag = Arc::clone(&interrupt);
    std::thread::spawn(move || drop(done.send(fetch(&flag))));
    let started = Instant::now();
    let too_large = || {
        let added = size_of(dir).saturating_sub(baseline);
        (added > limits.max_bytes).then(|| {
            format!(
                "stopped at {added} bytes: a repository may take `--fetch-max-size` bytes ({}); raise it to fetch a \
                 larger one",
                limits.max_bytes
            )
        })
    };
    let exceeded = loop {
        match outcome.recv_timeout(WATCH_EVERY) {
            // One that ended between two looks is measured once more.
            Ok(result) => return result.and_then(|()| too_large().map_or(Ok(()), Err)),
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => return Err("the fetch ended abnormally".into()),
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
        }
        if started.elapsed() > limits.timeout {
            break format!(
                "stopped after {} s: a fetch may take `--fetch-timeout` seconds ({}); raise it to fetch a slow repository",
                limits.timeout.as_secs(),
                limits.timeout.as_secs()
            );
        }
        if let Some(exceeded) = too_large() {
            break exceeded;
        }
    };
    interrupt.store(true, Ordering::Relaxed);
    // Give the fetch a moment to stop writing before its directory goes.
    drop(outcome.recv_timeout(Duration::from_secs(2)));
    Err(exceeded)
}

/// The bytes of the files under `dir`.
fn size_of(dir: &Path) -> u64 {
    let files = walkdir::WalkDir::new(dir).into_iter().filter_map(Result::ok).filter(|e| e.file_type().is_file());
    files.filter_map(|e| e.metadata().ok()).map(|m| m.len()).sum()
}
