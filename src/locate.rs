//! Where a published crate came from, as `verify` and `audit` both find it (`DISC-*` with
//! `MIR-FETCH`): its repository, opened once, and the commit to rebuild from. Discovery reads
//! what is on disk; with `--fetch`, a repository missing there is cloned, and one that lacks the
//! crate's commit is brought up to date, before the search goes on.

use std::path::PathBuf;

use crate::discover::{self, Found, Locator, Wanted};
use crate::git::Repository;
use crate::mirror::{self, Mirrors};
use crate::published::{self, Published};

/// Where a published crate came from.
#[derive(Debug)]
pub struct Origin {
    /// The local copy of its repository, open.
    pub repo: Repository,
    pub found: Found,
}

/// Why no origin was found.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Discover(#[from] discover::Error),
    #[error(transparent)]
    Fetch(#[from] mirror::Error),
    /// The crate's entries could not be read.
    #[error(transparent)]
    Read(#[from] published::Error),
}

/// DISC-* and MIR-FETCH: the repository and commit of `published`: the recorded commit, else a
/// release tag, else the commit whose tree holds the crate's files (`DISC-CONTENT`), for which
/// the whole crate is read. With `mirrors`, a repository missing under `--repos` is cloned
/// and one that lacks the commit updated, before tags and content are looked at.
pub fn origin(published: &Published, locator: &Locator, mirrors: Option<&Mirrors<'_>>) -> Result<Origin, Error> {
    let wanted = Wanted::of(published.identity()?, published.head()?);
    let fetch = |cause: discover::Error| -> Result<(), Error> {
        let remote = mirrors.and_then(|_| locator.remote(&wanted.name, wanted.repository.as_deref()));
        match (mirrors, remote) {
            (Some(mirrors), Some(remote)) => Ok(mirrors.fetch(&remote)?),
            _ => Err(cause.into()),
        }
    };
    let (mut repo, moved) = match wanted.repository(locator) {
        Err(missing @ discover::Error::RepositoryMissing { .. }) => {
            fetch(missing)?;
            wanted.repository(locator)?
        }
        other => other?,
    };
    let found = match wanted.commit(&repo) {
        // MIR-UPDATE: the copy is older than the release; the fetched one is opened anew.
        Err(not_found @ discover::Error::CommitNotFound { .. }) if mirrors.is_some() && !moved => {
            match fetch(not_found.clone()) {
                Ok(()) => {
                    repo = Repository::open(&repo.path)
                        .map_err(|_| discover::Error::NotARepository { path: repo.path.clone() })?;
                    wanted.commit(&repo)
                }
                Err(Error::Discover(_)) => Err(not_found),
                Err(fetch_failed) => return Err(fetch_failed),
            }
        }
        other => other,
    };
    let found = match found {
        Err(discover::Error::CommitNotFound { recorded, .. }) => {
            wanted.by_content(&repo, &published.whole()?.entries, recorded)?
        }
        other => other?,
    };
    Ok(Origin { repo, found: Found { moved, ..found } })
}

/// VER-SUBMODULES with `DISC-LOCATE` and `MIR-FETCH`: the local repository of the submodule whose
/// `.gitmodules` URL is `url`, when it has `commit`; with `mirrors`, fetched when missing or
/// lacking the commit.
pub fn submodule(locator: &Locator, mirrors: Option<&Mirrors<'_>>, url: &str, commit: &str) -> Option<PathBuf> {
    let with_commit = || {
        let found = locator.locate("", Some(url)).ok()?;
        found.commit(commit).map(|_| found.path)
    };
    with_commit().or_else(|| {
        mirrors?.fetch(&locator.remote("", Some(url))?).ok()?;
        with_commit()
    })
}
