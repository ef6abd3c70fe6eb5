//! The archive's `Cargo.lock` (spec: `LOCK-*`). Cargo is the resolver: this module only sets the
//! stage as `cargo package` does and lets `cargo` resolve.
//!
//! Cargo 1.95 resolves in two steps. First it brings the workspace's own `Cargo.lock` up to date
//! (and writes it back) if one exists. Then it resolves a throw-away workspace holding only the
//! normalized manifest, starting from that lock, and serializes the result without the lock-format
//! bump that writing a lock file to disk would apply. We reproduce both steps with cargo commands
//! that run cargo's own workspace resolve and lock writer and nothing else (LOCK-RUN, `resolve.rs`),
//! then undo the format bump; where the rules prove the answer, cargo is not run (`proven.rs`).
//! Members made earlier in the same run are resolved from a local registry laid over crates.io
//! ([`LocalRegistry`]).

mod proven;
mod registry;
mod resolve;

use std::path::{Path, PathBuf};

use cargo_util_schemas::lockfile::{TomlLockfile, TomlLockfileSourceId};
use cargo_util_schemas::manifest::TomlManifest;

use crate::archive::read;
use crate::cargo::{Cargo, CargoError};

pub use proven::refreshed_own;
use proven::without_dependencies;
pub use registry::LocalRegistry;
pub use resolve::PackageSpec;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Run(#[from] crate::cargo::Error),
    /// Cargo's refusal, as cargo words it.
    #[error(transparent)]
    Reported(CargoError),
    #[error("cargo could not resolve the dependencies of `{}`", manifest.display())]
    Resolve { manifest: PathBuf, source: Box<Error> },
    #[error("failed to prepare a scratch workspace for Cargo.lock in `{}`", path.display())]
    Scratch { path: PathBuf, source: std::io::Error },
    #[error("failed to add `{}` to the temporary registry in `{}`", file.display(), registry.display())]
    Registry { file: PathBuf, registry: PathBuf, source: std::io::Error },
    #[error("failed to parse lock file `{}`", path.display())]
    Parse { path: PathBuf, source: toml::de::Error },
    #[error("failed to read the archive cargo made to resolve the lock file, `{}`", path.display())]
    Stand { path: PathBuf, source: read::FileError },
    #[error("the archive cargo made to resolve the lock file, `{}`, has no `Cargo.lock`", path.display())]
    NoLock { path: PathBuf },
    #[error(
        "`{}` uses lock file format version 1, which cargo would rewrite; run `cargo update --workspace` \
         to upgrade it, then package again", path.display()
    )]
    Version1 { path: PathBuf },
}

/// LOCK-REFRESH: brings the workspace's existing `Cargo.lock` up to date, as `cargo package` does
/// before packaging; `--locked`/`--frozen` make a stale lock an error instead. `member` is any
/// member of the workspace; scratch files go in a temporary directory under `scratch_parent`.
pub fn refresh(cargo: &Cargo, manifest: &Path, member: &PackageSpec<'_>, scratch_parent: &Path) -> Result<(), Error> {
    let scratch = scratch_dir(scratch_parent)?;
    // Cargo resolves the user's own workspace here: what it says is what `cargo package` says.
    cargo.resolve_ws(manifest, member, true, None, scratch.path()).map_err(|err| match err {
        Error::Run(crate::cargo::Error::Failed { stderr, .. }) => Error::Reported(CargoError::parse(&stderr)),
        err => resolving(manifest)(err),
    })
}

/// Names the manifest whose resolve failed: the commands cargo runs for it are not the user's.
fn resolving(manifest: &Path) -> impl FnOnce(Error) -> Error {
    let manifest = manifest.to_owned();
    move |source| Error::Resolve { manifest, source: Box::new(source) }
}

fn scratch_dir(parent: &Path) -> Result<tempfile::TempDir, Error> {
    let scratch_error = |source| Error::Scratch { path: parent.to_owned(), source };
    std::fs::create_dir_all(parent).map_err(scratch_error)?;
    tempfile::Builder::new().prefix(".seal-lock-").tempdir_in(parent).map_err(scratch_error)
}

/// LOCK-RESOLVE: the text of the archive's `Cargo.lock` for the package `member` whose normalized
/// manifest is `published` (rendered as `manifest_text`), resolved from `previous` (the
/// workspace's `Cargo.lock`, if any), with the packages of this run that it depends on taken from
/// `overlay` (LOCK-SIBLINGS), in `format` when there is no previous lock (ERA-LOCK-FORMAT).
/// Scratch files go in a temporary directory under `scratch_parent`, removed afterwards.
#[allow(clippy::too_many_arguments, reason = "each is one input of cargo's lock step")]
pub fn generate(
    cargo: &Cargo,
    member: &PackageSpec<'_>,
    published: &TomlManifest,
    manifest_text: &str,
    previous: Option<&Path>,
    format: u8,
    overlay: Option<&LocalRegistry>,
    scratch_parent: &Path,
) -> Result<String, Error> {
    if cargo.plain_config
        && previous.is_none()
        && let Some(lock) = without_dependencies(published, member, format)
    {
        let own = std::fs::read_to_string(member.dir.join("Cargo.lock")).ok();
        return Ok(with_comments(&lock, own.as_deref()));
    }
    let scratch = scratch_dir(scratch_parent)?;
    let scratch_error = |source| Error::Scratch { path: scratch.path().to_owned(), source };
    let dir = scratch.path().join("package");
    std::fs::create_dir(&dir).map_err(scratch_error)?;
    let manifest = dir.join("Cargo.toml");
    let lock = dir.join("Cargo.lock");
    // An empty `[workspace]` makes the scratch package its own workspace, as cargo's ephemeral
    // workspace is, whatever directories lie above it.
    std::fs::write(&manifest, format!("{manifest_text}\n[workspace]\n")).map_err(scratch_error)?;
    let previous_text = match previous {
        Some(path) => {
            Some(std::fs::read_to_string(path).map_err(|source| Error::Scratch { path: path.to_owned(), source })?)
        }
        None => None,
    };
    let scratch_previous = match (&previous_text, previous) {
        (Some(text), Some(path)) => Some(
            with_path_identities(text, member.name).map_err(|source| Error::Parse { path: path.to_owned(), source })?,
        ),
        _ => None,
    };
    if let Some(text) = &scratch_previous {
        std::fs::write(&lock, text).map_err(scratch_error)?;
    }

    let packaged = match &scratch_previous {
        None => cargo
            .resolve_by_packaging(&dir, published, overlay, scratch.path())
            .map_err(resolving(&member.dir.join("Cargo.toml")))?,
        Some(_) => None,
    };
    let resolved = match packaged {
        Some(resolved) => resolved,
        None => {
            // The scratch resolve is never `--locked`: cargo checks the user's lock (see
            // `refresh`), not the scratch one, which loses path dependencies and so always changes.
            let package = PackageSpec { dir: &dir, ..*member };
            cargo
                .resolve_ws(&manifest, &package, false, overlay, scratch.path())
                .map_err(resolving(&member.dir.join("Cargo.toml")))?;
            std::fs::read_to_string(&lock).map_err(scratch_error)?
        }
    };

    let resolved = match previous_text {
        // Cargo left the file alone: the resolve serializes to the same lines.
        Some(_) if scratch_previous.as_deref() == Some(resolved.as_str()) => canonical_lines(&resolved),
        Some(text) => keep_format_version(&resolved, &text)
            .ok_or_else(|| Error::Version1 { path: previous.map(Path::to_path_buf).unwrap_or_default() })?,
        // The cargo that resolved may write another format than the era's; format 1 is left to it.
        None => in_format(&resolved, format).unwrap_or(resolved),
    };
    // LOCK-COMMENTS: cargo serializes the package's lock for a workspace rooted at the package's
    // own directory, so the comments come from the lock file there, if any.
    let own = std::fs::read_to_string(member.dir.join("Cargo.lock")).ok();
    Ok(with_comments(&resolved, own.as_deref()))
}

/// LOCK-COMMENTS: `text`, a serialized lock, with cargo's two header lines followed by the leading
/// comments of `own` in place of its own leading comment lines.
pub fn with_comments(text: &str, own: Option<&str>) -> String {
    const MARKER: &str = "# This file is automatically @generated by Cargo.";
    const EXTRA: &str = "# It is not intended for manual editing.";
    let body_start = text.split_inclusive('\n').take_while(|line| line.starts_with('#')).map(str::len).sum();
    let mut out = format!("{MARKER}\n{EXTRA}\n");
    let mut comments = own.into_iter().flat_map(str::lines).take_while(|line| line.starts_with('#'));
    if let Some(first) = comments.next() {
        if first != MARKER {
            out.push_str(first);
            out.push('\n');
        }
        // As cargo has it: a lone first line is kept only if it is not the marker, and the lines
        // after the second only when there is a second.
        if let Some(second) = comments.next() {
            if second != EXTRA {
                out.push_str(second);
                out.push('\n');
            }
            for line in comments {
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    out.push_str(&text[body_start..]);
    out
}

/// The previous lock as the scratch workspace must read it (LOCK-RESOLVE). In the real workspace
/// cargo reads the entries without `source` as path packages (the member, its siblings, their
/// path dependencies); in the scratch directory only the member is one, and cargo would drop the
/// rest. Their presence matters: a registry dependency on a former sibling that matches no entry
/// makes cargo stop locking every crates.io package. So every such entry but the member's gets an
/// explicit path source, which cargo reads as the same kind of package. The directory named is
/// never read: nothing in the scratch resolve depends on these packages.
pub fn with_path_identities(text: &str, member: &str) -> Result<String, toml::de::Error> {
    let mut lock: TomlLockfile = toml::from_str(text)?;
    let mut changed = false;
    for package in lock.package.iter_mut().flatten() {
        if package.source.is_none() && package.name != member {
            let url = format!("path+file:///cargo-seal-path-package/{}/{}", package.name, package.version);
            // A name no URL can hold is no package name; cargo then drops the entry as before.
            if let Ok(source) = TomlLockfileSourceId::new(url) {
                package.source = Some(source);
                changed = true;
            }
        }
    }
    if !changed {
        return Ok(text.to_owned());
    }
    Ok(toml::to_string(&lock).expect("a parsed lock file serializes"))
}

/// The lines of `text` joined with `\n` and ending in one: what cargo serializes for a resolve
/// whose lines equal an existing lock file's (which may use CRLF or lack the final newline).
pub fn canonical_lines(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// LOCK-VERSION: cargo packages a changed resolve in the previous lock's format, while writing a
/// lock file may bump it. `None` for format 1 (see [`in_format`]).
pub fn keep_format_version(resolved: &str, previous: &str) -> Option<String> {
    if previous.lines().any(|l| l.trim_end() == "[metadata]") {
        return None;
    }
    in_format(resolved, format_of(previous))
}

/// The format of a serialized lock from format 2 on: its `version = N` marker, or 2 without one.
fn format_of(text: &str) -> u8 {
    let marker = text.lines().take_while(|l| !l.starts_with("[[")).find_map(|l| l.strip_prefix("version = "));
    marker.and_then(|n| n.trim().parse().ok()).unwrap_or(2)
}

/// `resolved`, a lock cargo serialized in format 2 or later, in format `format`. For
/// registry-only graphs (all a normalized manifest can have) formats 2, 3 and 4 differ only in
/// the `version = N` marker and the blank line after it, which format 2 lacks. `None` for format
/// 1, which differs in more than the marker.
pub fn in_format(resolved: &str, format: u8) -> Option<String> {
    if format < 2 || resolved.lines().any(|l| l.trim_end() == "[metadata]") {
        return None;
    }
    if format_of(resolved) == format {
        return Some(resolved.to_owned());
    }
    let marker = (format > 2).then(|| format!("version = {format}\n\n"));
    let mut out = String::with_capacity(resolved.len() + 16);
    let mut lines = resolved.split_inclusive('\n').peekable();
    let mut placed = false;
    while let Some(line) = lines.next() {
        if !placed && line.starts_with("version = ") {
            if lines.peek() == Some(&"\n") {
                lines.next();
            }
            continue;
        }
        if !placed && line.starts_with("[[") {
            out.push_str(marker.as_deref().unwrap_or_default());
            placed = true;
        }
        out.push_str(line);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &str = "# This file is automatically @generated by Cargo.\n# It is not intended for manual editing.\n";

    #[test]
    fn lock_version_marker_is_restored() {
        let resolved = format!("{HEAD}version = 4\n\n[[package]]\nname = \"a\"\nversion = \"0.1.0\"\n");
        let previous = format!("{HEAD}version = 3\n\n[[package]]\nname = \"a\"\nversion = \"0.0.1\"\n");
        assert_eq!(keep_format_version(&resolved, &previous).unwrap(), resolved.replace("version = 4", "version = 3"));
        let v2 = format!("{HEAD}[[package]]\nname = \"a\"\nversion = \"0.0.1\"\n");
        assert_eq!(
            keep_format_version(&resolved, &v2).unwrap(),
            format!("{HEAD}[[package]]\nname = \"a\"\nversion = \"0.1.0\"\n")
        );
        assert_eq!(keep_format_version(&resolved, "[metadata]\n"), None);
        // ERA-LOCK-FORMAT: the era's format where the cargo that resolved writes another.
        let v3 = in_format(&resolved, 3).unwrap();
        assert_eq!(v3, resolved.replace("version = 4", "version = 3"));
        assert_eq!(in_format(&v2, 3).unwrap(), v3.replace("0.1.0", "0.0.1"));
        assert_eq!(in_format(&resolved, 1), None);
    }

    #[test]
    fn siblings_keep_their_path_identity() {
        let lock = format!(
            "{HEAD}version = 4\n\n[[package]]\nname = \"cfg-if\"\nversion = \"1.0.0\"\n\
             source = \"registry+https://github.com/rust-lang/crates.io-index\"\n\n\
             [[package]]\nname = \"me\"\nversion = \"0.1.0\"\ndependencies = [\"sib\"]\n\n\
             [[package]]\nname = \"sib\"\nversion = \"2.0.0\"\ndependencies = [\"cfg-if\"]\n"
        );
        let scratch: TomlLockfile = toml::from_str(&with_path_identities(&lock, "me").unwrap()).unwrap();
        let sources: Vec<_> = scratch
            .package
            .unwrap()
            .into_iter()
            .map(|p| (p.name, p.source.map(|s| s.source_str().to_owned()), p.dependencies.map(|d| d.len())))
            .collect();
        assert_eq!(
            sources,
            [
                ("cfg-if".into(), Some("registry+https://github.com/rust-lang/crates.io-index".into()), None),
                ("me".into(), None, Some(1)),
                ("sib".into(), Some("path+file:///cargo-seal-path-package/sib/2.0.0".into()), Some(1)),
            ]
        );
        // Nothing to rewrite: the lock is copied as it is.
        let own = format!("{HEAD}version = 4\n\n[[package]]\nname = \"me\"\nversion = \"0.1.0\"\n");
        assert_eq!(with_path_identities(&own, "me").unwrap(), own);
    }

    #[test]
    fn lock_comments_come_from_the_package_directory() {
        let text = format!("{HEAD}# from the workspace lock\nversion = 4\n");
        assert_eq!(with_comments(&text, None), format!("{HEAD}version = 4\n"));
        let own = format!("{HEAD}# mine\n#\nversion = 3\n");
        assert_eq!(with_comments(&text, Some(&own)), format!("{HEAD}# mine\n#\nversion = 4\n"));
        // Cargo keeps other header lines, and a lone first line only if it is not the marker.
        assert_eq!(with_comments(&text, Some("# a\n# b\n")), format!("{HEAD}# a\n# b\nversion = 4\n"));
        assert_eq!(with_comments(&text, Some("# a\n[[package]]\n")), format!("{HEAD}# a\nversion = 4\n"));
        let marker = HEAD.lines().next().unwrap();
        assert_eq!(with_comments(&text, Some(marker)), format!("{HEAD}version = 4\n"));
    }

    #[test]
    fn unchanged_lock_is_canonicalized() {
        assert_eq!(canonical_lines("a\r\nb"), "a\nb\n");
    }
}
