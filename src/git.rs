//! The git repositories of a run, each discovered and opened once: every package of a workspace
//! usually lives in the same one, and both file selection (`SEL-LISTER`) and the commit and dirty
//! check (`VCS-*`) read it.

use std::path::{Path, PathBuf};

/// SEC-GIT: a repository opened for its objects and references only: its own configuration is
/// read without following `include` (which could name any file of this machine), and neither the
/// user's nor the system's is read, so nothing there (a filter driver, `core.fsmonitor`, a hook
/// path) applies to a repository nobody vetted. Reading objects runs no program in any case.
pub fn open_isolated(path: &Path) -> Result<gix::Repository, Box<gix::open::Error>> {
    gix::open_opts(path, gix::open::Options::isolated()).map_err(Box::new)
}

/// A repository nobody vetted, opened once as [`open_isolated`] opens it, with the path it was
/// found at: discovery, the content search and the export all read this one handle.
pub struct Repository {
    pub path: PathBuf,
    pub git: gix::Repository,
}

impl Repository {
    pub fn open(path: &Path) -> Result<Repository, Box<gix::open::Error>> {
        Ok(Repository { path: path.to_owned(), git: open_isolated(path)? })
    }

    /// The full id of the commit `rev` names, when the repository has it.
    pub fn commit(&self, rev: &str) -> Option<String> {
        commit_of(&self.git, rev).map(|commit| commit.id.to_string())
    }
}

impl std::fmt::Debug for Repository {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Repository").field(&self.path).finish()
    }
}

/// The commit `rev` names in `repo` (a full or abbreviated id, a reference, any revision
/// expression), peeled from an annotated tag.
pub fn commit_of<'r>(repo: &'r gix::Repository, rev: &str) -> Option<gix::Commit<'r>> {
    repo.rev_parse_single(rev).ok()?.object().ok()?.peel_to_commit().ok()
}

/// Repositories opened so far, with their work trees (canonical).
#[derive(Default)]
pub struct Repos {
    opened: Vec<(PathBuf, gix::Repository)>,
    /// Opened as [`open_isolated`] opens them: the trees `verify` rebuilds from.
    isolated: bool,
}

impl std::fmt::Debug for Repos {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.opened.iter().map(|(workdir, _)| workdir)).finish()
    }
}

impl Repos {
    /// Repositories of a tree nobody vetted, each opened as [`open_isolated`] does.
    pub fn isolated() -> Self {
        Repos { opened: Vec::new(), isolated: true }
    }

    /// The repository `gix::discover(dir)` finds for the directory `dir` (absolute, canonical),
    /// with its work tree: an open one when `dir` lies in its work tree and no directory on the
    /// way up to it has a `.git` of its own (discovery would stop there), else a newly opened one.
    /// `None` outside any repository, or in one without a work tree.
    pub fn discover(&mut self, dir: &Path) -> Option<(&gix::Repository, &Path)> {
        let known = self.opened.iter().position(|(workdir, _)| {
            dir.starts_with(workdir)
                && dir.ancestors().take_while(|ancestor| ancestor != workdir).all(|d| !d.join(".git").exists())
        });
        let index = match known {
            Some(index) => index,
            None => {
                let repo = if self.isolated {
                    let isolated = gix::open::Options::isolated();
                    let trust = gix::sec::trust::Mapping { full: isolated.clone(), reduced: isolated };
                    gix::ThreadSafeRepository::discover_opts(dir, Default::default(), trust).ok()?.to_thread_local()
                } else {
                    gix::discover(dir).ok()?
                };
                let workdir = repo.workdir().map(|w| w.canonicalize().unwrap_or_else(|_| w.to_owned()))?;
                self.opened.push((workdir, repo));
                self.opened.len() - 1
            }
        };
        let (workdir, repo) = &self.opened[index];
        Some((repo, workdir))
    }
}
