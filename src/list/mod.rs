//! File selection: which files of the package directory go into the `.crate` (spec: `SEL-*`).
//!
//! Two listers, chosen as cargo chooses them (`SEL-LISTER`): when the package has no `include`
//! and its `Cargo.toml` is in a git index, git decides (tracked files plus untracked files that are
//! not ignored); otherwise the file system is walked and dotfiles are skipped.

mod filter;

use std::path::{Path, PathBuf};

use gix::bstr::{BString, ByteVec};
use gix::dir::entry::{Kind, Status};

use filter::Filter;

/// A file selected for the package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    /// Absolute path on disk (symlinks not resolved).
    pub path: PathBuf,
    /// The path is a symlink or lies under a symlinked directory; its target decides the bytes
    /// and, for the dirty check, its status (`VCS-DIRTY`).
    pub via_symlink: bool,
}

/// Which lister produced the files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lister {
    Git,
    Walk,
}

/// The selected files, unordered (the plan orders them).
#[derive(Debug)]
pub struct Listing {
    pub files: Vec<SourceFile>,
    pub lister: Lister,
}

/// Failure to list the package's files.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("invalid `{field}` pattern `{pattern}` in `{}`", manifest.display())]
    Pattern { field: &'static str, pattern: String, manifest: PathBuf, source: Box<ignore::Error> },
    #[error("failed to read the git repository at `{}`", path.display())]
    Git { path: PathBuf, source: Box<dyn std::error::Error + Send + Sync> },
    #[error("failed to walk `{}`", path.display())]
    Walk { path: PathBuf, source: walkdir::Error },
}

/// Lists the files of the package at `root` (an absolute, canonical directory), in `repo` (the
/// repository that holds `root`, with its work tree) if there is one.
pub fn list_files(
    root: &Path,
    manifest: &Path,
    include: &[String],
    exclude: &[String],
    repo: Option<(&gix::Repository, &Path)>,
) -> Result<Listing, Error> {
    let repo = match repo {
        Some((repo, workdir)) if include.is_empty() && tracks_manifest(repo, workdir, root)? => Some(repo),
        _ => None,
    };
    let filter = Filter::new(root, manifest, include, exclude, repo.is_none())?;
    let mut files = Vec::new();
    let lister = match repo {
        Some(repo) => {
            list_git(root, repo, &filter, &mut files)?;
            Lister::Git
        }
        None => {
            list_walk(root, root, &filter, &mut files)?;
            Lister::Walk
        }
    };
    Ok(Listing { files, lister })
}

fn git_error(path: &Path, source: impl std::error::Error + Send + Sync + 'static) -> Error {
    Error::Git { path: path.to_owned(), source: Box::new(source) }
}

/// SEL-LISTER: git decides only if the repository above `root` tracks `<root>/Cargo.toml`.
fn tracks_manifest(repo: &gix::Repository, workdir: &Path, root: &Path) -> Result<bool, Error> {
    let Ok(rel) = root.strip_prefix(workdir) else {
        return Ok(false);
    };
    let index = repo.index_or_empty().map_err(|e| git_error(repo.path(), e))?;
    let mut manifest = unix_path(rel);
    if !manifest.is_empty() {
        manifest.push(b'/');
    }
    manifest.push_str("Cargo.toml");
    Ok(index.entry_index_by_path(manifest.as_ref()).is_ok())
}

/// SEL-GIT: tracked files and untracked, unignored ones; `target/` only where tracked; nested
/// packages, sub-repositories and symlinked directories handled as cargo does.
fn list_git(
    pkg_root: &Path,
    repo: &gix::Repository,
    filter: &Filter,
    files: &mut Vec<SourceFile>,
) -> Result<(), Error> {
    let err = |e: Box<dyn std::error::Error + Send + Sync>| Error::Git { path: repo.path().to_owned(), source: e };
    let Some(workdir) = repo.workdir().and_then(|w| w.canonicalize().ok()) else {
        return Ok(());
    };
    let index = repo.index_or_empty().map_err(|e| err(Box::new(e) as _))?;
    let prefix = unix_path(pkg_root.strip_prefix(&workdir).unwrap_or(Path::new("")));
    let mut target_prefix = prefix.clone();
    if !target_prefix.is_empty() {
        target_prefix.push(b'/');
    }
    target_prefix.push_str("target/");
    let mut include = BString::from(":(top)");
    include.push_str(&prefix);
    let mut exclude = BString::from(":!(exclude,top)");
    exclude.push_str(&target_prefix);

    let options = repo
        .dirwalk_options()
        .map_err(|e| err(Box::new(e) as _))?
        .emit_untracked(gix::dir::walk::EmissionMode::Matching)
        .emit_ignored(None)
        .emit_tracked(true)
        .recurse_repositories(false)
        .symlinks_to_directories_are_ignored_like_directories(true)
        .emit_empty_directories(false);
    let walk = repo
        .dirwalk_iter(index.clone(), [include, exclude], Default::default(), options)
        .map_err(|e| err(Box::new(e) as _))?;

    let mut candidates: Vec<(BString, Option<Kind>)> = Vec::new();
    for item in walk {
        let entry = item.map_err(|e| err(Box::new(e) as _))?.entry;
        // An untracked Cargo.lock is regenerated, never copied; FIFOs and the like are skipped.
        let untrackable = entry.disk_kind == Some(Kind::Untrackable);
        if untrackable || (entry.status == Status::Untracked && entry.rela_path == "Cargo.lock") {
            continue;
        }
        candidates.push((entry.rela_path, entry.disk_kind));
    }
    // Files tracked under `target/` are packaged even though the walk skipped the directory.
    if let Some(entries) = index.prefixed_entries(target_prefix.as_ref()) {
        for entry in entries.iter().filter(|e| e.stage() == gix::index::entry::Stage::Unconflicted) {
            candidates.push((entry.path(&index).to_owned(), None));
        }
    }

    let mut subpackages: Vec<PathBuf> = Vec::new();
    for (rela_path, kind) in candidates {
        let path = workdir.join(gix::path::from_bstr(gix::bstr::BStr::new(rela_path.as_slice())));
        if path.file_name().is_some_and(|n| n == "Cargo.toml") {
            let dir = path.parent().unwrap_or(&workdir).to_path_buf();
            if dir != pkg_root {
                // SEL-NESTED: another package's files are never ours, seen before or after.
                files.retain(|f| !f.path.starts_with(&dir));
                subpackages.push(dir);
                continue;
            }
        }
        if subpackages.iter().any(|dir| path.starts_with(dir)) {
            continue;
        }
        let is_dir = match kind {
            Some(Kind::Symlink) => path.is_dir(),
            Some(kind) => kind.is_dir(),
            None => false,
        };
        if is_dir {
            // A submodule, nested repository or symlinked directory: git lists it if it can,
            // else it is walked.
            match gix::open(&path) {
                Ok(sub) => list_git(pkg_root, &sub, filter, files)?,
                Err(_) => list_walk(pkg_root, &path, filter, files)?,
            }
        } else if filter.accepts(&path, false) {
            files.push(SourceFile { path, via_symlink: kind == Some(Kind::Symlink) });
        }
    }
    Ok(())
}

/// SEL-WALK: every file under `dir`, following symlinks, skipping nested packages and the root
/// `target/` directory.
fn list_walk(pkg_root: &Path, dir: &Path, filter: &Filter, files: &mut Vec<SourceFile>) -> Result<(), Error> {
    let is_root = dir == pkg_root;
    let walk = walkdir::WalkDir::new(dir).follow_links(true).sort_by_file_name().into_iter().filter_entry(|entry| {
        let path = entry.path();
        let at_root = is_root && entry.depth() == 0;
        let is_dir = entry.file_type().is_dir();
        if !at_root && !filter.accepts(path, is_dir) {
            return false;
        }
        if !is_dir {
            return true;
        }
        let nested_package = !at_root && path.join("Cargo.toml").exists();
        let root_target = is_root && entry.depth() == 1 && entry.file_name() == "target";
        !nested_package && !root_target
    });
    let mut symlinked_dir: Option<PathBuf> = None;
    for entry in walk {
        match entry {
            Ok(entry) => {
                let file_type = entry.file_type();
                if !symlinked_dir.as_ref().is_some_and(|d| entry.path().starts_with(d)) {
                    symlinked_dir = (file_type.is_dir() && entry.path_is_symlink()).then(|| entry.path().to_path_buf());
                }
                if file_type.is_file() || file_type.is_symlink() {
                    let via_symlink = entry.path_is_symlink() || symlinked_dir.is_some();
                    files.push(SourceFile { path: entry.into_path(), via_symlink });
                }
            }
            // A symlink loop is skipped, as cargo skips it (with a warning).
            Err(err) if err.loop_ancestor().is_some() => {}
            Err(err) => match err.path() {
                Some(path) if !filter.accepts(path, path.is_dir()) => {}
                // Listed anyway, so that reading it later fails with a message naming the file
                // (a dangling symlink, for instance).
                Some(path) => files.push(SourceFile { path: path.to_path_buf(), via_symlink: true }),
                None => return Err(Error::Walk { path: dir.to_path_buf(), source: err }),
            },
        }
    }
    Ok(())
}

/// A relative path as git writes it: `/`-separated bytes.
fn unix_path(path: &Path) -> BString {
    gix::path::to_unix_separators_on_windows(gix::path::into_bstr(path)).into_owned()
}
