//! SEC-PATHS: every path that a manifest cargo would load names stays inside the tree. The
//! manifests are those of the package, of the directories above it that cargo looks at for its
//! workspace root, of the workspace's members, and of every path dependency, patch and
//! replacement they name, transitively. Cargo copies a `readme` or `license-file` from wherever it
//! points into the archive, and reads a path dependency's manifest wherever it is: checked first,
//! a hostile manifest cannot make the rebuild read a file of the verifier's machine.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use super::{Error, Tree};

/// The dependency tables of a manifest, each also under `target.<cfg>`.
const DEPENDENCY_TABLES: [&str; 5] =
    ["dependencies", "dev-dependencies", "dev_dependencies", "build-dependencies", "build_dependencies"];

/// SEC-PATHS: checks the manifests cargo would load to package the package at `package_dir`
/// (canonical) in `tree`.
pub fn confine(tree: Tree<'_>, package_dir: &Path) -> Result<(), Error> {
    let mut walk = Walk { tree, seen: BTreeSet::new(), queue: Vec::new() };
    // The package, then each directory above it in the tree, where cargo looks for its workspace.
    let dirs = package_dir.ancestors().take_while(|dir| dir.starts_with(tree.root));
    walk.queue.extend(dirs.map(Path::to_path_buf));
    while let Some(dir) = walk.queue.pop() {
        walk.visit(&dir)?;
    }
    Ok(())
}

struct Walk<'a> {
    tree: Tree<'a>,
    seen: BTreeSet<PathBuf>,
    /// Directories whose `Cargo.toml` is still to be read.
    queue: Vec<PathBuf>,
}

impl Walk<'_> {
    fn visit(&mut self, dir: &Path) -> Result<(), Error> {
        if !self.seen.insert(dir.to_owned()) {
            return Ok(());
        }
        let file = dir.join("Cargo.toml");
        // A manifest that cannot be read is cargo's to refuse; it names nothing to follow.
        let Some(manifest) = std::fs::read_to_string(&file).ok().and_then(|text| text.parse::<toml::Table>().ok())
        else {
            return Ok(());
        };
        let cx = Manifest { dir, file: self.tree.shown(&file) };
        for (key, value) in named_files(&manifest) {
            self.inside(&cx, &key, value)?;
        }
        if let Some(root) = manifest.get("package").and_then(|p| p.get("workspace")).and_then(toml::Value::as_str) {
            let root = self.inside(&cx, "package.workspace", root)?;
            self.queue.push(root);
        }
        let mut dependencies: Vec<(String, &toml::Table)> = Vec::new();
        dependency_tables("", &manifest, &mut dependencies);
        for (cfg, table) in manifest.get("target").and_then(toml::Value::as_table).into_iter().flatten() {
            if let Some(table) = table.as_table() {
                dependency_tables(&format!("target.{cfg}."), table, &mut dependencies);
            }
        }
        let workspace = manifest.get("workspace").and_then(toml::Value::as_table);
        if let Some(deps) = workspace.and_then(|ws| ws.get("dependencies")).and_then(toml::Value::as_table) {
            dependencies.push(("workspace.dependencies".to_owned(), deps));
        }
        for (source, deps) in manifest.get("patch").and_then(toml::Value::as_table).into_iter().flatten() {
            if let Some(deps) = deps.as_table() {
                dependencies.push((format!("patch.{source}"), deps));
            }
        }
        if let Some(deps) = manifest.get("replace").and_then(toml::Value::as_table) {
            dependencies.push(("replace".to_owned(), deps));
        }
        for (table, deps) in dependencies {
            for (name, dep) in deps {
                if let Some(path) = dep.get("path").and_then(toml::Value::as_str) {
                    let dir = self.inside(&cx, &format!("{table}.{name}.path"), path)?;
                    self.queue.push(dir);
                }
            }
        }
        if let Some(workspace) = workspace {
            for key in ["members", "default-members", "exclude"] {
                for pattern in strings(workspace.get(key)) {
                    let base = self.inside(&cx, &format!("workspace.{key}"), pattern)?;
                    if key == "members" {
                        self.members(&base);
                    }
                }
            }
        }
        Ok(())
    }

    /// The directories a `workspace.members` pattern (already inside the tree) matches.
    fn members(&mut self, pattern: &Path) {
        let matches = glob::glob(&pattern.to_string_lossy()).into_iter().flatten().filter_map(Result::ok);
        let inside = |dir: &PathBuf| dir.canonicalize().is_ok_and(|real| real.starts_with(self.tree.bound));
        let dirs: Vec<PathBuf> = matches.filter(inside).collect();
        self.queue.extend(dirs);
    }

    /// `value`, a path `cx` names under `key`, resolved against its directory, when it stays in
    /// the tree's bound.
    fn inside(&self, cx: &Manifest<'_>, key: &str, value: &str) -> Result<PathBuf, Error> {
        self.tree.inside(cx.dir, value).ok_or_else(|| Error::Escapes {
            file: cx.file.clone(),
            key: key.to_owned(),
            path: value.to_owned(),
        })
    }
}

/// The manifest being read.
struct Manifest<'a> {
    dir: &'a Path,
    /// As reports name it.
    file: String,
}

/// The dependency tables of `table`, named under `prefix`.
fn dependency_tables<'a>(prefix: &str, table: &'a toml::Table, out: &mut Vec<(String, &'a toml::Table)>) {
    for name in DEPENDENCY_TABLES {
        if let Some(deps) = table.get(name).and_then(toml::Value::as_table) {
            out.push((format!("{prefix}{name}"), deps));
        }
    }
}

/// The files a manifest names, each with its key: `package.readme`, `package.license-file`,
/// `package.build`, each target's `path`, `workspace.package.readme` and
/// `workspace.package.license-file`. Cargo reads them wherever they point; a readme or license
/// file it copies into the archive.
pub(crate) fn named_files(manifest: &toml::Table) -> Vec<(String, &str)> {
    let mut named = Vec::new();
    let tables = [
        ("package", manifest.get("package")),
        ("workspace.package", manifest.get("workspace").and_then(|ws| ws.get("package"))),
    ];
    for (table, fields) in tables {
        for key in ["readme", "license-file", "build"].iter().filter(|key| table == "package" || **key != "build") {
            named.extend(
                strings(fields.and_then(|f| f.get(*key))).into_iter().map(|value| (format!("{table}.{key}"), value)),
            );
        }
    }
    named.extend(
        manifest
            .get("lib")
            .and_then(|lib| lib.get("path"))
            .and_then(toml::Value::as_str)
            .map(|path| ("lib.path".to_owned(), path)),
    );
    for kind in ["bin", "example", "test", "bench"] {
        let targets = manifest.get(kind).and_then(toml::Value::as_array).into_iter().flatten();
        named.extend(targets.filter_map(|t| t.get("path")?.as_str()).map(|path| (format!("{kind}.path"), path)));
    }
    named
}

/// A string, or each string of an array.
fn strings(value: Option<&toml::Value>) -> Vec<&str> {
    match value {
        Some(toml::Value::String(s)) => vec![s],
        Some(toml::Value::Array(items)) => items.iter().filter_map(toml::Value::as_str).collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(files: &[(&str, &str)]) -> (tempfile::TempDir, PathBuf) {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().canonicalize().unwrap().join("tree");
        for (rel, text) in files {
            let path = root.join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        (tmp, root)
    }

    fn escapes(result: Result<(), Error>) -> (String, String) {
        match result {
            Err(Error::Escapes { file, key, .. }) => (file, key),
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn sec_paths_allow_paths_inside_the_tree() {
        let (_tmp, root) = tree(&[
            ("Cargo.toml", "[workspace]\nmembers = [\"crates/*\"]\n[workspace.package]\nreadme = \"README.md\"\n"),
            (
                "crates/a/Cargo.toml",
                "[package]\nname = \"a\"\nreadme = \"../../README.md\"\n[dependencies]\nb = { path = \"../b\" }\n",
            ),
            ("crates/b/Cargo.toml", "[package]\nname = \"b\"\n[lib]\npath = \"src/x.rs\"\n"),
        ]);
        confine(Tree { root: &root, bound: &root }, &root.join("crates/a")).unwrap();
    }

    #[test]
    fn sec_paths_refuse_what_leaves_the_tree() {
        let cases = [
            ("[package]\nname = \"a\"\nreadme = \"../../secret\"\n", "package.readme"),
            ("[package]\nname = \"a\"\nlicense-file = \"/etc/passwd\"\n", "package.license-file"),
            ("[package]\nname = \"a\"\nworkspace = \"../..\"\n", "package.workspace"),
            (
                "[package]\nname = \"a\"\n[target.'cfg(unix)'.dependencies]\nx = { path = \"../../x\" }\n",
                "target.cfg(unix).dependencies.x.path",
            ),
            ("[package]\nname = \"a\"\n[[bin]]\nname = \"b\"\npath = \"/home/x/main.rs\"\n", "bin.path"),
        ];
        for (manifest, key) in cases {
            let (_tmp, root) = tree(&[("Cargo.toml", "[workspace]\nmembers = [\"a\"]\n"), ("a/Cargo.toml", manifest)]);
            assert_eq!(
                escapes(confine(Tree { root: &root, bound: &root }, &root.join("a"))),
                ("a/Cargo.toml".to_owned(), key.to_owned())
            );
        }
        // A path dependency's own manifest is followed, and so is the workspace's.
        let (_tmp, root) = tree(&[
            ("Cargo.toml", "[workspace]\nmembers = [\"a\", \"../*\"]\n"),
            ("a/Cargo.toml", "[package]\nname = \"a\"\n"),
        ]);
        assert_eq!(
            escapes(confine(Tree { root: &root, bound: &root }, &root.join("a"))),
            ("Cargo.toml".to_owned(), "workspace.members".to_owned())
        );
        let (_tmp, root) = tree(&[
            ("a/Cargo.toml", "[package]\nname = \"a\"\n[dependencies]\nb = { path = \"../b\" }\n"),
            ("b/Cargo.toml", "[package]\nname = \"b\"\n[patch.crates-io]\nc = { path = \"../../c\" }\n"),
        ]);
        assert_eq!(
            escapes(confine(Tree { root: &root, bound: &root }, &root.join("a"))),
            ("b/Cargo.toml".to_owned(), "patch.crates-io.c.path".to_owned())
        );
    }

    /// A package rebuilt from its own sources names siblings it does not carry: they point into
    /// the scratch directory that holds the tree, and no further.
    #[test]
    fn sec_paths_bound_is_the_directory_holding_the_tree() {
        let (_tmp, root) =
            tree(&[("Cargo.toml", "[package]\nname = \"a\"\n[dependencies]\nb = { path = \"../b\" }\n")]);
        let bound = root.parent().unwrap();
        confine(Tree { root: &root, bound }, &root).unwrap();
        let (_tmp, root) = tree(&[("Cargo.toml", "[package]\nname = \"a\"\nreadme = \"../../README\"\n")]);
        let bound = root.parent().unwrap();
        assert_eq!(escapes(confine(Tree { root: &root, bound }, &root)).1, "package.readme");
    }

    #[cfg(unix)]
    #[test]
    fn sec_paths_follow_links_inside_the_tree() {
        let (_tmp, root) = tree(&[("a/Cargo.toml", "[package]\nname = \"a\"\nreadme = \"up/../outside\"\n")]);
        // `a/up` is the tree's root: `a/up/..` is lexically `a`, really the tree's parent.
        std::os::unix::fs::symlink("..", root.join("a/up")).unwrap();
        std::fs::write(root.parent().unwrap().join("outside"), "secret").unwrap();
        assert_eq!(escapes(confine(Tree { root: &root, bound: &root }, &root.join("a"))).1, "package.readme");
    }
}
