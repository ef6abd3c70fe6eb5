//! Locks proven without running cargo (LOCK-OWN, LOCK-NODEPS): where the rules show what cargo
//! would resolve, and a fixture shows it against cargo.

use std::path::Path;

use cargo_util_schemas::core::SourceKind;
use cargo_util_schemas::lockfile::TomlLockfile;
use cargo_util_schemas::manifest::TomlManifest;

use super::{Error, PackageSpec, canonical_lines};

/// LOCK-OWN: the archived lock of a package that is the only member of its workspace, read from
/// the workspace lock that cargo brought up to date in this run (`refreshed`): the same lines,
/// when that lock holds the package and registry packages only. `None` when it holds anything
/// else (a path, git or patched package, a `[root]`, `[metadata]` or `[[patch.unused]]`), and
/// cargo must resolve.
pub fn refreshed_own(refreshed: &Path, member: &PackageSpec<'_>) -> Result<Option<String>, Error> {
    let text =
        std::fs::read_to_string(refreshed).map_err(|source| Error::Scratch { path: refreshed.to_owned(), source })?;
    let lock: TomlLockfile =
        toml::from_str(&text).map_err(|source| Error::Parse { path: refreshed.to_owned(), source })?;
    if lock.root.is_some() || lock.metadata.is_some() || !lock.patch.unused.is_empty() {
        return Ok(None);
    }
    let version = member.version.to_string();
    let mut own = 0;
    for package in lock.package.iter().flatten() {
        match &package.source {
            None if package.name == member.name && package.version == version => own += 1,
            Some(source) if matches!(source.kind(), SourceKind::Registry | SourceKind::SparseRegistry) => {}
            _ => return Ok(None),
        }
    }
    Ok((own == 1).then(|| canonical_lines(&text)))
}

/// LOCK-NODEPS: the lock of a package that depends on nothing, resolved without a previous lock:
/// the package alone, in `format` (LOCK-VERSION, ERA-LOCK-FORMAT). `None` when the normalized
/// manifest declares a dependency of any kind.
pub(super) fn without_dependencies(manifest: &TomlManifest, member: &PackageSpec<'_>, format: u8) -> Option<String> {
    if crate::manifest::dependency_tables(manifest).any(|table| !table.is_empty()) {
        return None;
    }
    // Formats 1 and 2 write no marker; format 1 keeps the empty line that ends each block.
    let (marker, end) = match format {
        1 => (String::new(), "\n"),
        2 => (String::new(), ""),
        n => (format!("version = {n}\n\n"), ""),
    };
    Some(format!("{marker}[[package]]\nname = \"{}\"\nversion = \"{}\"\n{end}", member.name, member.version))
}
