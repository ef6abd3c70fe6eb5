//! A tree nobody has vetted, read as data (spec: `SEC-*`): the checkout `verify`, `audit` and
//! `verify-attestation --repo` rebuild from. Its cargo configuration is read here and only the
//! keys that decide the archive's bytes are handed to cargo ([`config`]); every path its manifests
//! name must stay inside it ([`paths`]). Nothing in this module runs a program.

pub mod config;
pub mod paths;

pub use config::TreeConfig;
pub use paths::confine;

use std::path::{Path, PathBuf};

/// The tree could not be read as data, or names something outside itself.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(
        "`{file}` sets `{key}` to `{path}`, which is outside the repository: nothing outside the exported tree is \
         read"
    )]
    Escapes { file: String, key: String, path: String },
    #[error("failed to write the repository's cargo configuration for the rebuild to `{}`", path.display())]
    Write { path: PathBuf, source: std::io::Error },
}

/// A tree nobody vetted, on disk.
#[derive(Debug, Clone, Copy)]
pub struct Tree<'a> {
    /// Its root (canonical): files are named relative to it, and cargo's configuration and
    /// workspace are looked for up to it.
    pub root: &'a Path,
    /// Where the paths it names may lead (canonical): the tree itself, or a scratch directory
    /// that holds it and nothing of the verifier's (`SEC-PATHS`).
    pub bound: &'a Path,
}

impl Tree<'_> {
    /// `value`, a path relative to `dir`, as an absolute path when it stays inside the bound:
    /// lexically, and once links are followed where it exists (the kernel resolves `link/..`
    /// from where the link points).
    fn inside(&self, dir: &Path, value: &str) -> Option<PathBuf> {
        let path = Path::new(value);
        let joined = crate::manifest::normalize_path(&dir.join(path));
        let real_inside = dir.join(path).canonicalize().map_or(true, |real| real.starts_with(self.bound));
        (!path.is_absolute() && joined.starts_with(self.bound) && real_inside).then_some(joined)
    }

    /// `path` relative to the root, `/`-separated, as reports name a file of the tree.
    fn shown(&self, path: &Path) -> String {
        let rel = path.strip_prefix(self.root).unwrap_or(path);
        rel.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/")
    }
}
