//! VER-EXPORT: a commit's tree as a clean checkout in a private scratch directory, read straight
//! from the repository's object database. The repository's own working tree and index are never
//! touched, and bare repositories work. The scratch directory is a git repository of its own that
//! borrows the objects (`objects/info/alternates`), whose index is the tree and whose detached
//! HEAD is the commit, so the packager sees exactly what `cargo package` would see in a fresh
//! clone.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use gix::bstr::{BStr, ByteSlice};
use gix::object::tree::EntryKind;

use super::scope::Scope;
use crate::git::Repository;

/// A path of the tree that the checkout leaves out, and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Omission {
    /// `/`-separated, relative to the repository root.
    pub path: String,
    pub reason: String,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("`{}` is not a git repository", path.display())]
    Open { path: PathBuf, source: Box<gix::open::Error> },
    #[error("commit `{rev}` is not in the repository `{}`; fetch it, or name another with `--rev`", repo.display())]
    MissingCommit { rev: String, repo: PathBuf },
    #[error("failed to read the tree of commit `{rev}`")]
    Tree { rev: String, source: Box<dyn std::error::Error + Send + Sync> },
    #[error("the tree of commit `{rev}` holds the unsafe path `{path}`")]
    UnsafePath { rev: String, path: String },
    #[error("failed to write the checkout in `{}`", path.display())]
    Write { path: PathBuf, source: Box<dyn std::error::Error + Send + Sync> },
}

/// A checkout made by [`export`].
#[derive(Debug, Clone)]
pub struct Checkout {
    /// The full commit id.
    pub commit: String,
    /// Tree entries not written (symbolic links that leave the tree, submodules).
    pub omitted: Vec<Omission>,
}

/// VER-SUBMODULES: where the repository of a submodule may be found besides git's own place for
/// it: given the URL `.gitmodules` gives and the commit the tree records, a local repository that
/// has it.
#[derive(Clone, Copy)]
pub struct Submodules<'a>(pub &'a (dyn Fn(&str, &str) -> Option<PathBuf> + Sync));

impl std::fmt::Debug for Submodules<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Submodules(..)")
    }
}

/// Writes the tree of `rev` in `repo` to `dest` (which must not exist) as a clean checkout, with
/// each submodule checked out in turn at the commit the tree records, when its repository is
/// at hand: in `repo`'s `modules/<name>`, as `git submodule update` keeps it, else as
/// `submodules` finds it (VER-SUBMODULES).
/// Links that resolve outside the checkout through other links are then removed (`SEC-LINKS`).
/// With `package` (a directory of the tree other than its root), only what that package's rebuild
/// reads is written (`VER-EXPORT-SCOPE`).
pub fn export(
    repo: &Repository,
    rev: &str,
    dest: &Path,
    submodules: Option<Submodules<'_>>,
    package: Option<&str>,
) -> Result<Checkout, Error> {
    let mut checkout = export_tree(repo, rev, dest, submodules, package.filter(|dir| !dir.is_empty()))?;
    let write_error = |e: Box<dyn std::error::Error + Send + Sync>| Error::Write { path: dest.to_owned(), source: e };
    let escaping = confine_links(dest).map_err(|e| write_error(Box::new(e)))?;
    if !escaping.is_empty() {
        let scratch = crate::git::open_isolated(dest).map_err(|e| write_error(Box::new(e)))?;
        let mut index = scratch.open_index().map_err(|e| write_error(Box::new(e)))?;
        index.remove_entries(|_, path, _| escaping.iter().any(|o| o.path.as_bytes() == path.as_bytes()));
        index.write(Default::default()).map_err(|e| write_error(Box::new(e)))?;
    }
    checkout.omitted.extend(escaping);
    Ok(checkout)
}

/// The tree of `rev` written as [`export`] says, each submodule in turn (whole).
fn export_tree(
    repo: &Repository,
    rev: &str,
    dest: &Path,
    submodules: Option<Submodules<'_>>,
    package: Option<&str>,
) -> Result<Checkout, Error> {
    let source = &repo.git;
    let missing = || Error::MissingCommit { rev: rev.to_owned(), repo: repo.path.clone() };
    let commit = crate::git::commit_of(source, rev).ok_or_else(missing)?;
    let commit_id = commit.id;
    let tree_error = |e: Box<dyn std::error::Error + Send + Sync>| Error::Tree { rev: rev.to_owned(), source: e };
    let tree_id = commit.tree_id().map_err(|e| tree_error(Box::new(e)))?.detach();

    let write_error = |path: &Path| {
        let path = path.to_owned();
        move |e: Box<dyn std::error::Error + Send + Sync>| Error::Write { path, source: e }
    };
    let scratch = gix::init(dest).map_err(|e| write_error(dest)(Box::new(e)))?;
    let objects = source.common_dir().join("objects");
    let alternates = scratch.common_dir().join("objects/info/alternates");
    let objects = objects.canonicalize().unwrap_or(objects);
    std::fs::write(&alternates, format!("{}\n", objects.display()))
        .map_err(|e| write_error(&alternates)(Box::new(e)))?;
    let head = scratch.git_dir().join("HEAD");
    std::fs::write(&head, format!("{commit_id}\n")).map_err(|e| write_error(&head)(Box::new(e)))?;
    // Reopened so that the alternates are in use.
    let scratch = crate::git::open_isolated(dest).map_err(|source| Error::Open { path: dest.to_owned(), source })?;

    let tree = scratch.find_tree(tree_id).map_err(|e| tree_error(Box::new(e)))?;
    let mut recorder = gix::traverse::tree::Recorder::default();
    tree.traverse().breadthfirst(&mut recorder).map_err(|e| tree_error(Box::new(e)))?;
    let scope = package.map(|dir| {
        let blob = |id| scratch.find_blob(id).ok().map(|blob| blob.detach().data);
        Scope::new(&recorder.records, dir, blob)
    });
    let mut omitted = Vec::new();
    // The links written, with the tree paths they point to.
    let mut links: Vec<(String, String)> = Vec::new();
    // Out of scope: neither written nor in the index.
    let mut unread = BTreeSet::new();
    let mut made = BTreeSet::new();
    for entry in &recorder.records {
        let rel = safe_path(entry.filepath.as_ref()).ok_or_else(|| Error::UnsafePath {
            rev: rev.to_owned(),
            path: entry.filepath.to_str_lossy().into_owned(),
        })?;
        let path = dest.join(&rel);
        if let Some(scope) = &scope {
            // Directories are made for what they hold.
            if entry.mode.kind() == EntryKind::Tree {
                continue;
            }
            if !scope.wants(&rel) {
                unread.insert(rel);
                continue;
            }
            if let Some(dir) = path.parent()
                && made.insert(dir.to_owned())
            {
                std::fs::create_dir_all(dir).map_err(|e| write_error(dir)(Box::new(e)))?;
            }
        }
        let written = match entry.mode.kind() {
            EntryKind::Tree => std::fs::create_dir_all(&path).map_err(Into::into),
            _ if entry.mode.is_blob_or_symlink() && !has_object(&scratch, entry.oid).map_err(write_error(&path))? => {
                omitted.push(Omission {
                    path: rel.clone(),
                    reason: format!(
                        "object {} is not in the repository (a partial or shallow clone?); fetch it to rebuild this file",
                        entry.oid
                    ),
                });
                Ok(())
            }
            EntryKind::Blob | EntryKind::BlobExecutable => {
                write_blob(&scratch, entry.oid, &path, entry.mode.kind() == EntryKind::BlobExecutable)
            }
            EntryKind::Link => {
                let target = scratch.find_blob(entry.oid).map_err(|e| write_error(&path)(Box::new(e)))?;
                match link_inside_tree(&rel, target.data.as_bstr()) {
                    Some(resolved) => {
                        links.push((rel.clone(), resolved));
                        symlink(&target.data.to_str_lossy(), &path)
                    }
                    None => {
                        omitted.push(Omission {
                            path: rel.clone(),
                            reason: format!(
                                "symbolic link to `{}` leaves the repository; it is not followed on this machine",
                                target.data.to_str_lossy()
                            ),
                        });
                        Ok(())
                    }
                }
            }
            EntryKind::Commit => match submodule_repository(source, &tree, &rel, entry.oid, submodules) {
                Ok(sub_repo) => {
                    let sub = export_tree(&sub_repo, &entry.oid.to_string(), &path, submodules, None)?;
                    omitted
                        .extend(sub.omitted.into_iter().map(|o| Omission { path: format!("{rel}/{}", o.path), ..o }));
                    Ok(())
                }
                // As in a clone without `--recurse-submodules`: an empty directory.
                Err(reason) => {
                    omitted.push(Omission { path: rel.clone(), reason });
                    std::fs::create_dir_all(&path).map_err(Into::into)
                }
            },
        };
        written.map_err(write_error(&path))?;
    }

    // VER-SUBMODULES: a link into what was not written (a submodule not at hand, a missing
    // object) would dangle and fail the rebuild: it is not written either, and is named.
    while let Some(at) = links.iter().position(|(_, to)| omitted.iter().any(|o: &Omission| under(to, &o.path))) {
        let (rel, to) = links.swap_remove(at);
        let path = dest.join(&rel);
        std::fs::remove_file(&path).map_err(|e| write_error(&path)(Box::new(e)))?;
        let gone = omitted.iter().find(|o| under(&to, &o.path)).map(|o| format!("`{}` ({})", o.path, o.reason));
        let reason = format!("symbolic link into {}, which was not written", gone.unwrap_or_default());
        omitted.push(Omission { path: rel, reason });
    }

    // The index is the tree, without the entries that were not written.
    let mut index = scratch.index_from_tree(&tree_id).map_err(|e| write_error(dest)(Box::new(e)))?;
    index.remove_entries(|_, path, _| {
        path.to_str().is_ok_and(|path| unread.contains(path))
            || omitted.iter().any(|o| o.path.as_bytes() == path.as_bytes())
    });
    index.write(Default::default()).map_err(|e| write_error(dest)(Box::new(e)))?;
    Ok(Checkout { commit: commit_id.to_string(), omitted })
}

/// VER-SUBMODULES: a repository that has commit `id` of the submodule at `rel` of `tree`, or why
/// there is none.
fn submodule_repository(
    source: &gix::Repository,
    tree: &gix::Tree<'_>,
    rel: &str,
    id: gix::ObjectId,
    submodules: Option<Submodules<'_>>,
) -> Result<Repository, String> {
    let unknown = || {
        format!("submodule at commit {id} that `.gitmodules` does not describe; its files are not in this repository")
    };
    let gitmodules = tree
        .lookup_entry_by_path(".gitmodules")
        .ok()
        .flatten()
        .and_then(|entry| entry.object().ok())
        .ok_or_else(unknown)?;
    let file =
        gix::submodule::File::from_bytes(&gitmodules.data, None, &source.config_snapshot()).map_err(|_| unknown())?;
    let name = file.name_by_path(rel.as_bytes().as_bstr()).ok_or_else(unknown)?.to_owned();
    let url = file.url(name.as_bstr()).map(|url| url.to_bstring().to_string()).unwrap_or_default();
    let with_commit = |path: &Path| {
        Repository::open(path)
            .ok()
            .filter(|repo| repo.git.find_object(id).is_ok_and(|o| o.kind == gix::object::Kind::Commit))
    };
    let modules = source.common_dir().join("modules").join(gix::path::from_bstr(name.as_bstr()));
    if let Some(repo) = with_commit(&modules) {
        return Ok(repo);
    }
    match submodules.and_then(|find| (find.0)(&url, &id.to_string())).as_deref().and_then(with_commit) {
        Some(repo) => Ok(repo),
        None => Err(format!(
            "submodule `{name}` from `{url}` at commit {id}: no local repository has that commit (looked in \
             `{}`{}); its files are not rebuilt",
            modules.display(),
            if submodules.is_some() { " and for its URL" } else { "" }
        )),
    }
}

/// SEC-LINKS: removes the symbolic links under `root` that resolve outside it, each checked as the
/// kernel follows it: a link whose own target stays inside (`VER-LINKS`) may still leave through
/// another link (`a -> b/..` where `b -> ..`). A dangling link is judged by the part of its path
/// that exists, the rest of which must not climb. Returns what was removed.
pub fn confine_links(root: &Path) -> std::io::Result<Vec<Omission>> {
    let root = root.canonicalize()?;
    let mut removed = Vec::new();
    let entries =
        walkdir::WalkDir::new(&root).sort_by_file_name().into_iter().filter_entry(|e| e.file_name() != ".git");
    for entry in entries {
        let entry = entry.map_err(std::io::Error::other)?;
        if !entry.path_is_symlink() || resolves_inside(&root, entry.path())? {
            continue;
        }
        let target = std::fs::read_link(entry.path())?;
        std::fs::remove_file(entry.path())?;
        let rel = entry.path().strip_prefix(&root).unwrap_or(entry.path());
        removed.push(Omission {
            path: rel.to_string_lossy().replace('\\', "/"),
            reason: format!(
                "symbolic link to `{}` resolves outside the repository through another link; it is not followed on \
                 this machine",
                target.display()
            ),
        });
    }
    Ok(removed)
}

/// Whether the link at `link` resolves to a path inside `root` (canonical).
fn resolves_inside(root: &Path, link: &Path) -> std::io::Result<bool> {
    use std::path::Component;
    let target = std::fs::read_link(link)?;
    let Some(parent) = link.parent() else { return Ok(false) };
    if target.is_absolute() {
        return Ok(false);
    }
    let full = parent.canonicalize()?.join(target);
    if let Ok(real) = full.canonicalize() {
        return Ok(real.starts_with(root));
    }
    let components: Vec<Component<'_>> = full.components().collect();
    for exists in (0..components.len()).rev() {
        let prefix: PathBuf = components[..exists].iter().collect();
        if let Ok(real) = prefix.canonicalize() {
            let rest_descends = components[exists..].iter().all(|c| matches!(c, Component::Normal(_)));
            return Ok(real.starts_with(root) && rest_descends);
        }
    }
    Ok(false)
}

/// Whether the object database (with its alternates) holds `id`.
fn has_object(repo: &gix::Repository, id: gix::ObjectId) -> Result<bool, Box<dyn std::error::Error + Send + Sync>> {
    Ok(repo.try_find_header(id)?.is_some())
}

fn write_blob(
    repo: &gix::Repository,
    id: gix::ObjectId,
    path: &Path,
    executable: bool,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let blob = repo.find_blob(id)?;
    std::fs::write(path, &blob.data)?;
    #[cfg(unix)]
    if executable {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))?;
    }
    Ok(())
}

#[cfg(unix)]
fn symlink(target: &str, path: &Path) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    Ok(std::os::unix::fs::symlink(target, path)?)
}

#[cfg(not(unix))]
fn symlink(target: &str, path: &Path) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    // Without symbolic links, git writes the target as the file's text (`core.symlinks=false`).
    Ok(std::fs::write(path, target)?)
}

/// A tree path as a relative path, if every component is a plain name (no `.`, `..`, `.git`,
/// separators or NUL): a hostile tree cannot write outside the checkout.
fn safe_path(path: &BStr) -> Option<String> {
    let path = path.to_str().ok()?;
    let plain = |c: &str| {
        !c.is_empty() && c != "." && c != ".." && !c.eq_ignore_ascii_case(".git") && !c.contains(['\\', '\0'])
    };
    path.split('/').all(plain).then(|| path.to_owned())
}

/// Whether the tree path `path` is the directory `dir` (`""` for the root) or lies under it.
pub(super) fn under(path: &str, dir: &str) -> bool {
    dir.is_empty() || path.strip_prefix(dir).is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// VER-LINKS: the tree path the link at `link` (a tree path) points to, if its target is relative
/// and stays inside the tree.
fn link_inside_tree(link: &str, target: &BStr) -> Option<String> {
    let target = target.to_str().ok()?;
    if target.starts_with('/') || target.contains('\0') {
        return None;
    }
    let mut depth: Vec<&str> = link.split('/').collect();
    depth.pop();
    for component in target.split('/') {
        match component {
            "" | "." => {}
            ".." => {
                depth.pop()?;
            }
            name => depth.push(name),
        }
    }
    Some(depth.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ver_links_stay_inside_the_tree() {
        assert_eq!(link_inside_tree("a/b/link", "../c".into()), Some("a/c".into()));
        assert_eq!(link_inside_tree("a/link", "./b/../c/".into()), Some("a/c".into()));
        assert_eq!(link_inside_tree("a/link", "../../etc/passwd".into()), None);
        assert_eq!(link_inside_tree("link", "/etc/passwd".into()), None);
        assert_eq!(link_inside_tree("link", "x/../../y".into()), None);
    }

    /// SEC-LINKS: `a -> up/..` stays inside by its own text, but `up` is the tree's root.
    #[cfg(unix)]
    #[test]
    fn sec_links_chained_through_another_link_are_removed() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("tree");
        std::fs::create_dir_all(root.join("d")).unwrap();
        std::fs::write(tmp.path().join("secret"), "secret").unwrap();
        std::os::unix::fs::symlink("..", root.join("d/up")).unwrap();
        std::os::unix::fs::symlink("d/up/../secret", root.join("leak")).unwrap();
        std::os::unix::fs::symlink("d/up/../missing/file", root.join("dangling")).unwrap();
        std::os::unix::fs::symlink("d/up/d", root.join("fine")).unwrap();
        let removed: Vec<String> = confine_links(&root).unwrap().into_iter().map(|o| o.path).collect();
        assert_eq!(removed, ["dangling", "leak"]);
        assert!(root.join("fine").exists() && root.join("d/up").exists());
    }

    #[test]
    fn hostile_tree_paths_are_refused() {
        assert_eq!(safe_path("src/lib.rs".into()), Some("src/lib.rs".into()));
        for bad in ["../x", "a/../../x", ".git/config", "a/.GIT/hooks", "a//b", "/abs"] {
            assert_eq!(safe_path(bad.into()), None, "{bad}");
        }
    }
}
