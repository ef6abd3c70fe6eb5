//! The archive plan: every entry of a `.crate`, in order, with its path, mode and contents.
//!
//! The plan is decided once. The archive writer streams it and the verifier compares a published
//! archive against it, so neither of them re-sorts, re-names or re-decides a mode.

use std::cmp::Ordering;
use std::path::{Path, PathBuf};

/// The file name cargo reserves for the original manifest (spec: `SEL-ORIG`).
pub const ORIGINAL_MANIFEST_FILE: &str = "Cargo.toml.orig";
/// The file name cargo reserves for VCS information (spec: `VCS-FILE`).
pub const VCS_INFO_FILE: &str = ".cargo_vcs_info.json";

/// Everything needed to write one `.crate`.
#[derive(Debug, Clone)]
pub struct Plan {
    /// `<name>-<version>`: the directory every entry lives in and the stem of the file name.
    pub base_name: String,
    /// Entries in archive order (spec: `ARC-ORDER`).
    pub entries: Vec<Entry>,
}

impl Plan {
    /// Builds a plan, putting `entries` in cargo's archive order.
    pub fn new(base_name: String, mut entries: Vec<Entry>) -> Self {
        entries.sort_unstable_by(|a, b| compare_paths(&a.rel_path, &b.rel_path));
        Plan { base_name, entries }
    }

    /// The `.crate` file name, which is also the gzip FNAME (spec: `ARC-GZIP`).
    pub fn file_name(&self) -> String {
        format!("{}.crate", self.base_name)
    }

    /// The path of an entry inside the archive.
    pub fn archive_path(&self, entry: &Entry) -> String {
        format!("{}/{}", self.base_name, entry.rel_str())
    }
}

/// One file of the archive.
#[derive(Debug, Clone)]
pub struct Entry {
    /// Path relative to the package root, `/`-separated, valid UTF-8.
    pub rel_path: PathBuf,
    pub contents: Contents,
}

impl Entry {
    /// The relative path as text (paths are checked to be UTF-8 when the entry is made).
    pub fn rel_str(&self) -> &str {
        self.rel_path.to_str().unwrap_or_default()
    }

    /// The tar mode: `0o755` if the owner may execute the file, else `0o644` (spec: `ARC-MODE`).
    pub fn mode(&self) -> u32 {
        match &self.contents {
            Contents::OnDisk { executable: true, .. } => 0o755,
            _ => 0o644,
        }
    }

    /// The size of the entry's data in bytes.
    pub fn size(&self) -> u64 {
        match &self.contents {
            Contents::OnDisk { size, .. } => *size,
            Contents::Generated { data, .. } => data.len() as u64,
        }
    }
}

/// Where an entry's bytes come from.
#[derive(Debug, Clone)]
pub enum Contents {
    /// A file copied from disk, streamed when the archive is written.
    OnDisk {
        /// The file to read (symlinks are followed: spec `SEL-SYMLINK`).
        path: PathBuf,
        size: u64,
        executable: bool,
    },
    /// A file cargo generates (`Cargo.toml`, `Cargo.lock`, `.cargo_vcs_info.json`).
    Generated { kind: Generated, data: Vec<u8> },
}

/// The files cargo writes itself rather than copying.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Generated {
    Manifest,
    Lockfile,
    VcsInfo,
}

/// Cargo's archive order: `Path` ordering, component by component, each component compared as
/// bytes (spec: `ARC-ORDER`). It differs from byte order of the whole string: `a/b` < `a.b`.
pub fn compare_paths(a: &Path, b: &Path) -> Ordering {
    a.components().cmp(b.components())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sorted(mut paths: Vec<&str>) -> Vec<&str> {
        paths.sort_by(|a, b| compare_paths(Path::new(a), Path::new(b)));
        paths
    }

    #[test]
    fn arc_order_is_component_wise() {
        assert_eq!(sorted(vec!["a.b", "a/b"]), ["a/b", "a.b"]);
        assert_eq!(sorted(vec!["src-extra/a.txt", "src/main.rs"]), ["src/main.rs", "src-extra/a.txt"]);
        assert_eq!(
            sorted(vec!["a.txt", "_u.txt", "Z", "README.md", "Cargo.toml.orig", "Cargo.toml", "Cargo.lock", "B.txt"]),
            ["B.txt", "Cargo.lock", "Cargo.toml", "Cargo.toml.orig", "README.md", "Z", "_u.txt", "a.txt"]
        );
        assert_eq!(
            sorted(vec!["émoji.txt", "z.txt", ".cargo_vcs_info.json"]),
            [".cargo_vcs_info.json", "z.txt", "émoji.txt"]
        );
    }
}
