//! SEC-CONFIG: the cargo configuration files of an untrusted tree, read as data. Cargo never
//! sees them as configuration (it runs from `CARGO_HOME`, `SEC-CWD`); the keys that decide what
//! `cargo package` writes are handed to it explicitly, and every other key is named in the report
//! as ignored.
//!
//! What decides the archive: `[patch]` (the lock's patched packages), `registries.<name>.index`
//! (the lock's `source` lines and the manifest's `registry-index`) and
//! `resolver.incompatible-rust-versions` (which versions a new lock entry gets). Source
//! replacement does not: the lock records the replaced source.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::{Error, Tree};

/// A key of a configuration file of the tree, as reports name it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Key {
    /// The file, relative to the tree (`.cargo/config.toml`).
    pub file: String,
    /// Dotted, as cargo documents it (`build.rustc-wrapper`, `target.<triple>.linker`).
    pub key: String,
    /// Why an applicable key was not applied.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// The configuration of an untrusted tree, as far as a package's rebuild goes.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct TreeConfig {
    /// Handed to cargo, as cargo applied it when the crate was packaged.
    pub applied: Vec<Key>,
    /// Read and named, never handed to cargo.
    pub ignored: Vec<Key>,
    /// The applied keys as one configuration table, paths made absolute.
    #[serde(skip)]
    table: toml::Table,
    /// The applied `registries.<name>.index` values.
    #[serde(skip)]
    pub registries: BTreeMap<String, String>,
}

/// Registry index URLs a rebuild may reach: none that reads the verifier's files (`file://`) or
/// offers their credentials to a host the repository chose (`ssh://`).
const INDEX_SCHEMES: [&str; 5] = ["https://", "http://", "sparse+https://", "sparse+http://", "git://"];

/// Tables whose keys are names the repository chooses: their keys are named one level deeper.
const NAMED_TABLES: [&str; 4] = ["target", "registries", "source", "profile"];

impl TreeConfig {
    /// SEC-CONFIG: the configuration files cargo would read when run in `package_dir`, from the
    /// root of `tree` down (`.cargo/config`, else `.cargo/config.toml`, in each directory), the
    /// deeper overriding the higher as in cargo.
    pub fn read(tree: Tree<'_>, package_dir: &Path) -> Result<TreeConfig, Error> {
        let mut dirs: Vec<&Path> = package_dir.ancestors().take_while(|dir| dir.starts_with(tree.root)).collect();
        dirs.reverse();
        let mut config = TreeConfig::default();
        for dir in dirs {
            let cargo_dir = dir.join(".cargo");
            let Some(file) =
                ["config", "config.toml"].map(|name| cargo_dir.join(name)).into_iter().find(|f| f.is_file())
            else {
                continue;
            };
            let text = std::fs::read(&file).map(|bytes| String::from_utf8_lossy(&bytes).into_owned());
            config.add_file(tree, dir, &tree.shown(&file), &text.unwrap_or_default())?;
        }
        Ok(config)
    }

    /// The keys of one file named `file` (as reports name it), holding `text`, whose paths are
    /// relative to `dir` (the directory holding `.cargo`) in `tree`; it overrides
    /// the files added before it.
    pub fn add_file(&mut self, tree: Tree<'_>, dir: &Path, file: &str, text: &str) -> Result<(), Error> {
        let Ok(table) = text.parse::<toml::Table>() else {
            self.ignore(file, "*".into(), Some("not TOML text"));
            return Ok(());
        };
        for (top, value) in &table {
            match (top.as_str(), value) {
                ("patch", toml::Value::Table(sources)) => {
                    for (source, deps) in self.tables(file, "patch", sources) {
                        for (name, dep) in self.tables(file, &format!("patch.{source}"), deps) {
                            self.patch(tree, dir, file, [source, name], dep)?;
                        }
                    }
                }
                ("registries", toml::Value::Table(registries)) => {
                    for (name, registry) in self.tables(file, "registries", registries) {
                        for (field, value) in registry {
                            self.registry(file, name, field, value);
                        }
                    }
                }
                ("resolver", toml::Value::Table(resolver)) => {
                    for (field, value) in resolver {
                        let dotted = format!("resolver.{field}");
                        if field == "incompatible-rust-versions" && value.is_str() {
                            self.apply(file, dotted, &["resolver", field], value.clone());
                        } else {
                            self.ignore(file, dotted, None);
                        }
                    }
                }
                (_, value) => {
                    let depth = if NAMED_TABLES.contains(&top.as_str()) { 3 } else { 2 };
                    let mut names = Vec::new();
                    key_names(top.clone(), value, depth - 1, &mut names);
                    for name in names {
                        self.ignore(file, name, None);
                    }
                }
            }
        }
        Ok(())
    }

    /// The entries of `table` (at `prefix`) that are tables; the others are named as ignored.
    fn tables<'t>(&mut self, file: &str, prefix: &str, table: &'t toml::Table) -> Vec<(&'t str, &'t toml::Table)> {
        let mut tables = Vec::new();
        for (name, value) in table {
            match value.as_table() {
                Some(inner) => tables.push((name.as_str(), inner)),
                None => self.ignore(file, format!("{prefix}.{name}"), Some("not a table")),
            }
        }
        tables
    }

    /// `patch.<source>.<name>`: applied, its `path` made absolute, when that stays in the tree.
    fn patch(&mut self, tree: Tree<'_>, dir: &Path, file: &str, at: [&str; 2], dep: &toml::Table) -> Result<(), Error> {
        let [source, name] = at;
        let dotted = format!("patch.{source}.{name}");
        let mut dep = dep.clone();
        if let Some(path) = dep.get("path").and_then(toml::Value::as_str) {
            let escapes =
                || Error::Escapes { file: file.to_owned(), key: format!("{dotted}.path"), path: path.to_owned() };
            let absolute = tree.inside(dir, path).ok_or_else(escapes)?;
            dep.insert("path".into(), absolute.to_string_lossy().into_owned().into());
        }
        self.apply(file, dotted, &["patch", source, name], toml::Value::Table(dep));
        Ok(())
    }

    /// `registries.<name>.<field>`: an index the rebuild may reach is applied.
    fn registry(&mut self, file: &str, name: &str, field: &str, value: &toml::Value) {
        let dotted = format!("registries.{name}.{field}");
        match value.as_str().filter(|_| field == "index" && name != "crates-io") {
            Some(url) if INDEX_SCHEMES.iter().any(|scheme| url.starts_with(scheme)) => {
                self.registries.insert(name.to_owned(), url.to_owned());
                self.apply(file, dotted, &["registries", name, "index"], value.clone());
            }
            Some(_) => {
                self.ignore(file, dotted, Some("only an http, https, sparse or git index is reached for a repository"))
            }
            None => self.ignore(file, dotted, None),
        }
    }

    fn ignore(&mut self, file: &str, key: String, note: Option<&str>) {
        self.ignored.push(Key { file: file.to_owned(), key, note: note.map(str::to_owned) });
    }

    /// Names `key` as applied and sets `value` at `path` in the applied table, replacing what a
    /// higher file set.
    fn apply(&mut self, file: &str, key: String, path: &[&str], value: toml::Value) {
        self.applied.push(Key { file: file.to_owned(), key, note: None });
        let (last, tables) = path.split_last().expect("a key path");
        let mut table = &mut self.table;
        for name in tables {
            let entry = table.entry(*name).or_insert_with(|| toml::Value::Table(toml::Table::new()));
            if !entry.is_table() {
                *entry = toml::Value::Table(toml::Table::new());
            }
            table = entry.as_table_mut().expect("made a table");
        }
        table.insert((*last).to_owned(), value);
    }

    /// The applied keys as a configuration file's text; `None` when there are none.
    pub fn to_toml(&self) -> Option<String> {
        (!self.table.is_empty()).then(|| toml::to_string(&self.table).expect("a table of plain values serializes"))
    }

    /// Writes the applied keys to `path` for cargo's `--config`; `None` when there are none.
    pub fn write(&self, path: &Path) -> Result<Option<PathBuf>, Error> {
        let Some(text) = self.to_toml() else { return Ok(None) };
        std::fs::write(path, text).map_err(|source| Error::Write { path: path.to_owned(), source })?;
        Ok(Some(path.to_owned()))
    }

    /// What the report says of the configuration: each file's ignored keys, then its applied ones.
    pub fn notes(&self) -> Vec<String> {
        let mut notes = Vec::new();
        for (keys, said) in [
            (&self.ignored, "ignored: nothing of the repository runs, and only keys that decide the archive are read"),
            (&self.applied, "applied, as cargo applied it when packaging"),
        ] {
            let mut by_file: BTreeMap<&str, Vec<String>> = BTreeMap::new();
            for key in keys {
                let note = key.note.as_ref().map(|note| format!(" ({note})")).unwrap_or_default();
                by_file.entry(&key.file).or_default().push(format!("`{}`{note}", key.key));
            }
            for (file, keys) in by_file {
                notes.push(format!("the repository's cargo configuration `{file}` sets {}; {said}", keys.join(", ")));
            }
        }
        notes
    }
}

/// The dotted names of `value`'s keys under `prefix`, `depth` levels further at most.
fn key_names(prefix: String, value: &toml::Value, depth: usize, out: &mut Vec<String>) {
    match value.as_table() {
        Some(table) if depth > 0 && !table.is_empty() => {
            for (name, value) in table {
                key_names(format!("{prefix}.{name}"), value, depth - 1, out);
            }
        }
        _ => out.push(prefix),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sec_config_applies_what_decides_the_archive_and_names_the_rest() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().canonicalize().unwrap();
        let package = root.join("crates/a");
        std::fs::create_dir_all(root.join(".cargo")).unwrap();
        std::fs::create_dir_all(package.join(".cargo")).unwrap();
        std::fs::write(
            root.join(".cargo/config.toml"),
            "include = \"/etc/secret.toml\"\n[build]\nrustc-wrapper = \"/x\"\n[env]\nA = \"1\"\n\
             [target.x86_64-unknown-linux-gnu]\nlinker = \"/x\"\n[registries.mine]\nindex = \"file:///home\"\n\
             credential-provider = \"/x\"\n[patch.crates-io]\nfoo = { path = \"vendor/foo\" }\n",
        )
        .unwrap();
        // `config` wins over `config.toml` in one directory, and the deeper file over the higher.
        std::fs::write(package.join(".cargo/config"), "[registries.mine]\nindex = \"https://example.invalid/git\"\n")
            .unwrap();
        std::fs::write(package.join(".cargo/config.toml"), "[build]\nrustc = \"/never-read\"\n").unwrap();
        let config = TreeConfig::read(Tree { root: &root, bound: &root }, &package).unwrap();
        let names = |keys: &[Key]| keys.iter().map(|k| format!("{} {}", k.file, k.key)).collect::<Vec<_>>();
        assert_eq!(
            names(&config.ignored),
            [
                ".cargo/config.toml include",
                ".cargo/config.toml build.rustc-wrapper",
                ".cargo/config.toml env.A",
                ".cargo/config.toml target.x86_64-unknown-linux-gnu.linker",
                ".cargo/config.toml registries.mine.index",
                ".cargo/config.toml registries.mine.credential-provider",
            ]
        );
        assert_eq!(
            names(&config.applied),
            [".cargo/config.toml patch.crates-io.foo", "crates/a/.cargo/config registries.mine.index"]
        );
        let written = config.write(&root.join("applied.toml")).unwrap().unwrap();
        let applied: toml::Table = std::fs::read_to_string(written).unwrap().parse().unwrap();
        let path = root.join("vendor/foo").to_string_lossy().into_owned();
        assert_eq!(applied["patch"]["crates-io"]["foo"]["path"].as_str(), Some(path.as_str()));
        assert_eq!(applied["registries"]["mine"]["index"].as_str(), Some("https://example.invalid/git"));
        assert!(config.notes()[0].contains("`include`, `build.rustc-wrapper`, `env.A`"), "{:?}", config.notes());
    }

    #[test]
    fn sec_config_refuses_a_patch_outside_the_tree() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().canonicalize().unwrap().join("tree");
        std::fs::create_dir_all(root.join(".cargo")).unwrap();
        std::fs::write(root.join(".cargo/config.toml"), "[patch.crates-io]\nfoo = { path = \"../foo\" }\n").unwrap();
        let refused = TreeConfig::read(Tree { root: &root, bound: &root }, &root).unwrap_err();
        assert!(matches!(refused, Error::Escapes { ref key, .. } if key == "patch.crates-io.foo.path"), "{refused}");
    }
}
