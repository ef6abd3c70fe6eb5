//! VER-EXPORT-SCOPE: what of a commit's tree the rebuild of one package reads, so that the export
//! writes that and not the whole repository (its other packages' tests, fixtures, fuzz corpora).
//! Files are the kernel's slowest work in a rebuild: regex-syntax's repository has 446 files, of
//! which about 180 are read.

use std::collections::BTreeSet;

use gix::bstr::ByteSlice;
use gix::object::tree::EntryKind;

use crate::manifest::normalize_path;
use crate::untrusted::paths::named_files;

/// The paths (`/`-separated, relative to the tree's root) a package's rebuild reads.
#[derive(Debug)]
pub(super) struct Scope {
    /// The package's directory, with a trailing `/`: everything under it.
    package: String,
    /// The package's directory and those above it: their own files (`Cargo.toml`, `Cargo.lock`, a
    /// readme or license the manifest names as `../README.md`) and their `.cargo/` directories.
    ancestors: BTreeSet<String>,
    /// Every directory holding a `Cargo.toml`: its own files and the files target inference
    /// looks for, all cargo reads to load a workspace member or a path dependency.
    manifests: BTreeSet<String>,
    /// Files and directories that manifests name (`readme`, `license-file`, `build`, target
    /// `path`s) and that links in the scope point at.
    named: BTreeSet<String>,
}

/// How many rounds of links to links are followed.
const LINK_ROUNDS: usize = 8;

impl Scope {
    /// The scope of the package at `package` (not the root) in the tree whose entries are
    /// `records`; `blob` gives an entry's contents (a manifest's text, a link's target).
    pub fn new(
        records: &[gix::traverse::tree::recorder::Entry],
        package: &str,
        blob: impl Fn(gix::ObjectId) -> Option<Vec<u8>>,
    ) -> Scope {
        let mut ancestors = BTreeSet::from([String::new()]);
        let mut dir = package;
        while !dir.is_empty() {
            ancestors.insert(dir.to_owned());
            dir = parent(dir);
        }
        let mut scope =
            Scope { package: format!("{package}/"), ancestors, manifests: BTreeSet::new(), named: BTreeSet::new() };
        let path = |entry: &gix::traverse::tree::recorder::Entry| entry.filepath.to_str().ok().map(str::to_owned);
        for entry in records {
            let Some(rel) = path(entry) else { continue };
            if entry.mode.is_blob() && (rel == "Cargo.toml" || rel.ends_with("/Cargo.toml")) {
                let dir = parent(&rel).to_owned();
                let text = blob(entry.oid).and_then(|bytes| String::from_utf8(bytes).ok()).unwrap_or_default();
                scope.named.extend(named_paths(&dir, &text));
                scope.manifests.insert(dir);
            }
        }
        for _ in 0..LINK_ROUNDS {
            let mut targets = BTreeSet::new();
            for entry in records.iter().filter(|entry| entry.mode.kind() == EntryKind::Link) {
                let Some(rel) = path(entry).filter(|rel| scope.wants(rel)) else { continue };
                let target = blob(entry.oid).and_then(|bytes| String::from_utf8(bytes).ok()).unwrap_or_default();
                targets.extend(resolve(parent(&rel), &target).filter(|target| !scope.named.contains(target)));
            }
            if targets.is_empty() {
                break;
            }
            scope.named.extend(targets);
        }
        scope
    }

    /// Whether the rebuild reads the file (or link, or submodule) at `rel`.
    pub fn wants(&self, rel: &str) -> bool {
        let own = parent(rel);
        if rel.starts_with(&self.package) || self.ancestors.contains(own) || self.manifests.contains(own) {
            return true;
        }
        if self.inferred_target(rel) {
            return true;
        }
        let dirs = std::iter::successors(Some(own), |dir| (!dir.is_empty()).then(|| parent(dir)));
        self.named.contains(rel)
            || dirs.into_iter().any(|dir| {
                let name = dir.rsplit('/').next().unwrap_or(dir);
                self.named.contains(dir) || (name == ".cargo" && self.ancestors.contains(parent(dir)))
            })
    }

    /// Whether `rel` is a file cargo's target inference looks for in a package: `src/lib.rs`,
    /// `src/main.rs`, and the `<name>.rs` and `<name>/main.rs` of its `src/bin/`, `tests/`,
    /// `examples/` and `benches/` (a workspace member whose only targets are tests must still have
    /// them to load). The rest of its sources is read only to build it, which a rebuild does not.
    fn inferred_target(&self, rel: &str) -> bool {
        let in_package = |dir: &str, kind: &str| {
            let (package, name) = dir.rsplit_once('/').unwrap_or(("", dir));
            name == kind && self.manifests.contains(package)
        };
        let targets_of_a_package = |dir: &str| {
            let (above, kind) = dir.rsplit_once('/').unwrap_or(("", dir));
            match kind {
                "tests" | "examples" | "benches" => self.manifests.contains(above),
                "bin" => in_package(above, "src"),
                _ => false,
            }
        };
        let file = rel.rsplit('/').next().unwrap_or(rel);
        rel.ends_with(".rs")
            && ((matches!(file, "lib.rs" | "main.rs") && in_package(parent(rel), "src"))
                || targets_of_a_package(parent(rel))
                || (file == "main.rs" && targets_of_a_package(parent(parent(rel)))))
    }
}

/// The directory of `/`-separated `path` (`""` for the root's entries).
fn parent(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(dir, _)| dir)
}

/// `value`, a path relative to the directory `dir`, as a path of the tree; `None` when it is
/// absolute or leaves the tree.
fn resolve(dir: &str, value: &str) -> Option<String> {
    if value.is_empty() || value.starts_with('/') || value.contains('\\') {
        return None;
    }
    let joined = normalize_path(&std::path::Path::new(dir).join(value));
    let rel = joined.to_str()?.to_owned();
    (!rel.is_empty() && !rel.starts_with("..")).then_some(rel)
}

/// The files a manifest in `dir` names (`readme`, `license-file`, `build`, target `path`s), as
/// paths of the tree.
fn named_paths(dir: &str, text: &str) -> Vec<String> {
    let Ok(manifest) = text.parse::<toml::Table>() else { return Vec::new() };
    named_files(&manifest).into_iter().filter_map(|(_, value)| resolve(dir, value)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope(manifests: &[(&str, &str)]) -> Scope {
        let mut scope = Scope {
            package: "crates/a/".into(),
            ancestors: ["", "crates", "crates/a"].map(str::to_owned).into(),
            manifests: BTreeSet::new(),
            named: BTreeSet::new(),
        };
        for (dir, text) in manifests {
            scope.named.extend(named_paths(dir, text));
            scope.manifests.insert((*dir).to_owned());
        }
        scope
    }

    #[test]
    fn ver_export_scope_keeps_what_the_rebuild_reads() {
        let scope = scope(&[
            ("", "[workspace]\nmembers = [\"crates/*\"]\n[workspace.package]\nlicense-file = \"docs/LICENSE\"\n"),
            ("crates/a", "[package]\nname = \"a\"\nreadme = \"../../docs/a.md\"\n"),
            ("crates/b", "[package]\nname = \"b\"\n[lib]\npath = \"lib/b.rs\"\n"),
        ]);
        for wanted in [
            "crates/a/tests/data/x.bin",
            "Cargo.toml",
            "Cargo.lock",
            "README.md",
            ".cargo/config.toml",
            "crates/.cargo/config",
            "crates/b/Cargo.toml",
            "crates/b/build.rs",
            "crates/b/src/lib.rs",
            "crates/b/src/main.rs",
            "crates/b/src/bin/tool.rs",
            "crates/b/src/bin/other/main.rs",
            "src/lib.rs",
            "crates/b/lib/b.rs",
            "docs/a.md",
            "docs/LICENSE",
        ] {
            assert!(scope.wants(wanted), "{wanted}");
        }
        for wanted in
            ["crates/b/tests/t.rs", "crates/b/tests/main.rs", "crates/b/examples/e/main.rs", "crates/b/benches/b.rs"]
        {
            assert!(scope.wants(wanted), "{wanted}");
        }
        for unwanted in [
            "crates/b/tests/data/t.rs",
            "crates/b/tests/t.txt",
            "crates/b/src/deep/mod.rs",
            "crates/b/src/bin/other/util.rs",
            "crates/b/src/parse.rs",
            "fuzz/corpus/x",
            "docs/other.md",
        ] {
            assert!(!scope.wants(unwanted), "{unwanted}");
        }
    }

    #[test]
    fn ver_export_scope_paths_stay_in_the_tree() {
        assert_eq!(resolve("a/b", "../c"), Some("a/c".into()));
        assert_eq!(resolve("a", "../../c"), None);
        assert_eq!(resolve("a", "/etc/passwd"), None);
    }
}
