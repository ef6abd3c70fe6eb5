//! Local copies of repositories brought from the network on request (`--fetch`; spec: `MIR-*`):
//! a repository missing under `--repos` is cloned there, bare, with gix; one that lacks the commit
//! a crate needs is brought up to date. Each copy is fetched at most once a run, whichever crates
//! need it and however many workers ask at once.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex, OnceLock};

use crate::archive::read::ArchivedEntry;
use crate::discover::{self, Locator, Origin, Remote};
use crate::error_chain;

/// A repository could not be brought.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("failed to fetch `{url}` into `{}`: {reason}", dest.display())]
pub struct Error {
    pub url: String,
    pub dest: PathBuf,
    pub reason: String,
}

/// Why no origin was found, with fetching allowed.
#[derive(Debug, thiserror::Error)]
pub enum OriginError {
    #[error(transparent)]
    Discover(#[from] discover::Error),
    #[error(transparent)]
    Fetch(#[from] Error),
}

/// A fetch, done by the first worker to need it, its outcome kept for the others.
type Fetch = Arc<OnceLock<Result<(), Error>>>;

/// The repositories fetched in this run.
pub struct Mirrors<'a> {
    /// Each destination's one fetch, shared by the workers that need it.
    fetched: Mutex<BTreeMap<PathBuf, Fetch>>,
    /// Hears of each fetch as it starts (a status line).
    starting: Box<dyn Fn(&Remote) + Send + Sync + 'a>,
}

impl<'a> Mirrors<'a> {
    pub fn new(starting: impl Fn(&Remote) + Send + Sync + 'a) -> Self {
        Mirrors { fetched: Mutex::default(), starting: Box::new(starting) }
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
            if gix::open(&remote.dest).is_ok() { update(remote) } else { clone(remote) }.map_err(error)
        })
        .clone()
    }
}

/// DISC-* and MIR-FETCH: [`discover::origin`], with a missing repository cloned and one that lacks
/// the commit brought up to date (when `mirrors` is given and `--repos` says where to).
pub fn origin(
    entries: &[ArchivedEntry],
    locator: &Locator,
    content_search: bool,
    mirrors: Option<&Mirrors<'_>>,
) -> Result<Origin, OriginError> {
    let found = discover::origin(entries, locator, content_search);
    let Some(mirrors) = mirrors else { return Ok(found?) };
    if !matches!(found, Err(discover::Error::RepositoryMissing { .. } | discover::Error::CommitNotFound { .. })) {
        return Ok(found?);
    }
    let published = discover::published(entries);
    let Some(remote) = locator.remote(&published.name, published.repository.as_deref()) else { return Ok(found?) };
    mirrors.fetch(&remote)?;
    Ok(discover::origin(entries, locator, content_search)?)
}

/// VER-SUBMODULES with `DISC-LOCATE` and `MIR-FETCH`: the local repository of the submodule whose
/// `.gitmodules` URL is `url`, when it has `commit`; with `mirrors`, fetched when missing or
/// lacking the commit.
pub fn submodule(locator: &Locator, mirrors: Option<&Mirrors<'_>>, url: &str, commit: &str) -> Option<PathBuf> {
    let with_commit = || {
        let found = locator.locate("", Some(url)).ok()?;
        let repo = gix::open(&found).ok()?;
        repo.rev_parse_single(commit).ok().map(|_| found)
    };
    with_commit().or_else(|| {
        mirrors?.fetch(&locator.remote("", Some(url))?).ok()?;
        with_commit()
    })
}

/// Never set: a run is interrupted by ending the process.
static INTERRUPT: AtomicBool = AtomicBool::new(false);

/// MIR-CLONE: a bare clone with every branch and tag, made beside its destination and moved
/// there whole, so that an interrupted clone leaves nothing that looks like a repository.
fn clone(remote: &Remote) -> Result<(), String> {
    let parent = remote.dest.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(|e| format!("cannot create `{}`: {e}", parent.display()))?;
    let partial = tempfile::Builder::new()
        .prefix(".cargo-seal-clone-")
        .tempdir_in(parent)
        .map_err(|e| format!("cannot create a directory in `{}`: {e}", parent.display()))?;
    let into = partial.path().join("repo.git");
    let mut prepare = gix::prepare_clone_bare(remote.url.as_str(), &into)
        .map_err(|e| error_chain(&e))?
        .configure_remote(|remote| Ok(remote.with_fetch_tags(gix::remote::fetch::Tags::All)));
    prepare.fetch_only(gix::progress::Discard, &INTERRUPT).map_err(|e| error_chain(&e))?;
    std::fs::rename(&into, &remote.dest).map_err(|e| format!("cannot move the clone into place: {e}"))
}

/// MIR-UPDATE: every branch and tag of `remote.url` fetched into the copy at `remote.dest`,
/// whatever remotes that copy has configured.
fn update(remote: &Remote) -> Result<(), String> {
    use gix::remote::Direction;
    let repo = gix::open(&remote.dest).map_err(|e| error_chain(&e))?;
    let specs = ["+refs/heads/*:refs/remotes/origin/*", "+refs/tags/*:refs/tags/*"];
    let anonymous = repo
        .remote_at(remote.url.as_str())
        .map_err(|e| error_chain(&e))?
        .with_refspecs(specs, Direction::Fetch)
        .map_err(|e| error_chain(&e))?
        .with_fetch_tags(gix::remote::fetch::Tags::All);
    let connection = anonymous.connect(Direction::Fetch).map_err(|e| error_chain(&e))?;
    let prepared = connection.prepare_fetch(gix::progress::Discard, Default::default()).map_err(|e| error_chain(&e))?;
    prepared.receive(gix::progress::Discard, &INTERRUPT).map_err(|e| error_chain(&e))?;
    Ok(())
}
