//! Version control facts recorded in the archive (spec: `VCS-*`): the commit a package was made
//! from, whether the packaged files differ from it, and where the package lives in the repository.

use std::path::{Path, PathBuf};

use gix::bstr::{BString, ByteVec};
use gix::dir::walk::EmissionMode;

use crate::list::SourceFile;
use crate::vcs_info::{GitVcsInfo, VcsInfo};

/// What the VCS check needs to know about the package.
pub struct Context<'a> {
    /// The repository that holds the package, with its work tree (canonical), if any.
    pub repo: Option<(&'a gix::Repository, &'a Path)>,
    pub root: &'a Path,
    /// The package's `Cargo.toml`.
    pub manifest: &'a Path,
    /// The workspace root's `Cargo.toml`: any change to it counts (cargo checks it even when it
    /// lies outside the package).
    pub workspace_manifest: &'a Path,
    /// The files to be packaged.
    pub files: &'a [SourceFile],
    /// `readme` and `license-file`, resolved against the package root.
    pub metadata_files: &'a [PathBuf],
    pub dirty: Dirty,
    /// Where the user ran the command: paths in messages are shown relative to it.
    pub cwd: &'a Path,
}

/// What uncommitted changes to packaged files do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dirty {
    /// Refuse, naming the files and `--allow-dirty` (cargo's default).
    Refuse,
    /// Package them and record `"dirty": true` (`--allow-dirty`).
    Allow,
    /// Refuse even with `--allow-dirty`: the run needs the package to be its commit.
    RequireCommit(NeedsCommit),
    /// The tree was just written from its commit (`verify`): clean by construction, so no status
    /// is computed.
    Exported,
}

/// Why a run needs every packaged file to be as committed, `--allow-dirty` or not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NeedsCommit {
    /// `--verify-reproducible` rebuilds the package from the commit (VER-REPRODUCE).
    Reproduce,
    /// `--attest` signs that the package was built from the commit (PROV-PACKAGE).
    Attest,
}

impl NeedsCommit {
    pub fn flag(self) -> &'static str {
        match self {
            NeedsCommit::Reproduce => "--verify-reproducible",
            NeedsCommit::Attest => "--attest",
        }
    }
}

impl std::fmt::Display for NeedsCommit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NeedsCommit::Reproduce => f.write_str("`--verify-reproducible` rebuilds the package from its commit"),
            NeedsCommit::Attest => f.write_str("`--attest` signs that the package was built from its commit"),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(
        "{} files in the working directory contain changes that were not yet committed into git:\n\n{}\n\n\
         to proceed despite this and include the uncommitted changes, pass the `--allow-dirty` flag",
        files.len(), files.join("\n")
    )]
    Dirty { files: Vec<String> },
    #[error(
        "{} files in the working directory contain changes that were not yet committed into git:\n\n{}\n\n\
         {needs}, which does not hold these changes; commit them (or drop `{}`)",
        files.len(), files.join("\n"), needs.flag()
    )]
    DirtyForCommit { files: Vec<String>, needs: NeedsCommit },
    #[error("failed to read the git status of `{}`", path.display())]
    Git { path: PathBuf, source: Box<dyn std::error::Error + Send + Sync> },
}

fn git_error(repo: &gix::Repository, e: impl std::error::Error + Send + Sync + 'static) -> Error {
    Error::Git { path: repo.path().to_owned(), source: Box::new(e) }
}

/// VCS-WHEN: `Some` when the package is in a git work tree, its manifest is not ignored, and
/// `HEAD` is a commit; an error when packaged files changed and [`Dirty`] says to refuse.
pub fn inspect(cx: &Context<'_>) -> Result<Option<VcsInfo>, Error> {
    let Some((repo, workdir)) = cx.repo else {
        return Ok(None);
    };
    if !cx.manifest.exists() {
        return Ok(None);
    }
    let rel_manifest = strip_prefix_canonical(cx.manifest, workdir).unwrap_or_else(|| cx.manifest.to_owned());
    let rel_bstr = gix::path::to_unix_separators_on_windows(gix::path::into_bstr(rel_manifest.as_path())).into_owned();
    let index = repo.index_or_empty().map_err(|e| git_error(repo, e))?;
    let mut excludes = repo
        .excludes(&index, None, gix::worktree::stack::state::ignore::Source::WorktreeThenIdMappingIfNotSkipped)
        .map_err(|e| git_error(repo, e))?;
    let platform = excludes
        .at_entry(gix::bstr::BStr::new(rel_bstr.as_slice()), Some(gix::index::entry::Mode::FILE))
        .map_err(|e| git_error(repo, e))?;
    if platform.is_excluded() {
        return Ok(None);
    }

    let dirty = if cx.dirty == Dirty::Exported { Vec::new() } else { dirty_files(repo, workdir, cx)? };

    let named = || {
        let mut files: Vec<String> = dirty.iter().map(|p| relative_to(p, cx.cwd)).collect();
        files.sort_unstable();
        files
    };
    match cx.dirty {
        _ if dirty.is_empty() => {}
        Dirty::Allow | Dirty::Exported => {}
        Dirty::Refuse => return Err(Error::Dirty { files: named() }),
        Dirty::RequireCommit(needs) => return Err(Error::DirtyForCommit { files: named(), needs }),
    }
    let head = repo.head().map_err(|e| git_error(repo, e))?;
    let Some(id) = head.into_peeled_id().ok() else {
        // VCS-WHEN: an unborn HEAD (no commit yet) means no file.
        return Ok(None);
    };
    let path_in_vcs = rel_manifest.parent().and_then(Path::to_str).unwrap_or("").replace('\\', "/");
    Ok(Some(VcsInfo { git: GitVcsInfo { sha1: id.to_string(), dirty: !dirty.is_empty() }, path_in_vcs }))
}

/// VCS-DIRTY: modified, staged, untracked, or ignored-but-present paths under the package.
/// VCS-DIRTY: the packaged files, and the files outside the package it depends on, that differ
/// from the commit, from one status of the package's directory and those outside files.
fn dirty_files(repo: &gix::Repository, workdir: &Path, cx: &Context<'_>) -> Result<Vec<PathBuf>, Error> {
    let top = |rel: &Path| {
        let mut spec = BString::from(":(top)");
        spec.push_str(gix::path::to_unix_separators_on_windows(gix::path::into_bstr(rel)).as_ref());
        spec
    };
    // VCS-DIRTY-OUTSIDE: symlinked files, a license or readme outside the package, and the
    // workspace manifest are the package's too. Their paths go to git without `:(top)`, exactly
    // as cargo 1.95 passes them, so git reads them relative to the current directory (a cargo
    // quirk kept for parity).
    let linked = cx.files.iter().filter(|f| f.via_symlink).map(|f| f.path.as_path());
    let outside = linked
        .chain(cx.metadata_files.iter().map(PathBuf::as_path))
        .chain([cx.workspace_manifest])
        .filter(|p| strip_prefix_canonical(p, cx.root).is_none())
        .filter_map(|p| strip_prefix_canonical(p, workdir))
        .map(|rel| gix::path::into_bstr(rel).into_owned());
    // A package at the top of the work tree takes the whole tree: no pathspec at all.
    let pkg_prefix = cx.root.strip_prefix(workdir).ok().filter(|p| !p.as_os_str().is_empty());
    let pathspecs = pkg_prefix.map(|prefix| std::iter::once(top(prefix)).chain(outside).collect());

    let mut in_package = Vec::new();
    let mut dirty = Vec::new();
    for status in statuses(repo, workdir, pathspecs)? {
        match status.path.starts_with(cx.root) {
            true if !status.ignored_lock => in_package.push(status.path),
            true => {}
            false => dirty.push(status.path),
        }
    }
    status_submodules(repo, &mut in_package)?;
    dirty.extend(cx.files.iter().filter_map(|file| {
        let path = if file.via_symlink {
            file.path.canonicalize().unwrap_or_else(|_| file.path.clone())
        } else {
            file.path.clone()
        };
        in_package.iter().any(|changed| path.starts_with(changed)).then(|| file.path.clone())
    }));
    Ok(dirty)
}

/// A path git's status reports.
struct Status {
    path: PathBuf,
    /// An ignored `Cargo.lock`: cargo regenerates it, so inside a package it is no change.
    ignored_lock: bool,
}

/// What git's status reports in `repo`, limited to `pathspecs` if given: changed, added, deleted,
/// untracked and ignored (collapsed by directory) paths.
fn statuses(repo: &gix::Repository, workdir: &Path, pathspecs: Option<Vec<BString>>) -> Result<Vec<Status>, Error> {
    let statuses = repo
        .status(gix::progress::Discard)
        .map_err(|e| git_error(repo, e))?
        .dirwalk_options(configure_dirwalk)
        .tree_index_track_renames(gix::status::tree_index::TrackRenames::Disabled)
        .index_worktree_submodules(None)
        .into_iter(pathspecs.into_iter().flatten())
        .map_err(|e| git_error(repo, e))?;
    let mut paths = Vec::new();
    for status in statuses {
        let status = status.map_err(|e| git_error(repo, e))?;
        let path = workdir.join(gix::path::from_bstr(status.location()));
        let ignored_lock = path.ends_with("Cargo.lock")
            && matches!(
                &status,
                gix::status::Item::IndexWorktree(gix::status::index_worktree::Item::DirectoryContents { entry, .. })
                    if matches!(entry.status, gix::dir::entry::Status::Ignored(_))
            );
        paths.push(Status { path, ignored_lock });
    }
    Ok(paths)
}

fn status_submodules(repo: &gix::Repository, dirty: &mut Vec<PathBuf>) -> Result<(), Error> {
    let Some(submodules) = repo.submodules().map_err(|e| git_error(repo, e))? else {
        return Ok(());
    };
    for submodule in submodules {
        // An uninitialized submodule has nothing to be dirty.
        if let Ok(Some(sub)) = submodule.open()
            && let Some(workdir) = sub.workdir().map(Path::to_path_buf)
        {
            status_submodules(&sub, dirty)?;
            dirty.extend(statuses(&sub, &workdir, None)?.into_iter().filter(|s| !s.ignored_lock).map(|s| s.path));
        }
    }
    Ok(())
}

fn configure_dirwalk(opts: gix::dirwalk::Options) -> gix::dirwalk::Options {
    opts.emit_untracked(EmissionMode::Matching)
        // Ignored files are reported too, collapsed by directory, so that a packaged file a
        // `.gitignore` hides still counts as a change.
        .emit_ignored(Some(EmissionMode::CollapseDirectory))
        .emit_tracked(false)
        .recurse_repositories(false)
        .symlinks_to_directories_are_ignored_like_directories(true)
        .emit_empty_directories(false)
}

/// `path` relative to `base`, both canonicalized when possible.
fn strip_prefix_canonical(path: &Path, base: &Path) -> Option<PathBuf> {
    let path = path.canonicalize().unwrap_or_else(|_| path.to_owned());
    let base = base.canonicalize().unwrap_or_else(|_| base.to_owned());
    path.strip_prefix(base).ok().map(Path::to_path_buf)
}

fn relative_to(path: &Path, base: &Path) -> String {
    path.strip_prefix(base).unwrap_or(path).display().to_string()
}
