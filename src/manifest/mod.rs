//! The package manifest: reading `Cargo.toml`, normalizing it as cargo does, and writing the
//! `Cargo.toml` that goes into the `.crate` (spec: `MAN-*`).
//!
//! Parsing and serialization use `cargo-util-schemas` and `toml` at the versions cargo 1.95 uses,
//! so the text we write is the text cargo writes for the same normalized manifest.

mod normalize;
mod publish;
mod targets;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use cargo_util_schemas::manifest::{
    InheritableDependency, PackageName, StringOrBool, TomlManifest, TomlPackage, TomlWorkspace,
};

pub use publish::{PublishContext, prepare_for_publish, render, render_as};

/// A package manifest, as written and as cargo normalizes it on load.
#[derive(Debug, Clone)]
pub struct Manifest {
    /// Absolute path of `Cargo.toml`.
    pub path: PathBuf,
    /// The package root: the directory holding `Cargo.toml`.
    pub root: PathBuf,
    /// The manifest with targets, `build`, `readme` and the `auto*` flags made explicit
    /// (`MAN-NORMALIZE`), before publish-time rewriting.
    pub normalized: TomlManifest,
    /// The manifest as written: cargo before 1.80 published its targets and `auto*` flags as
    /// they are here (`ERA-TARGETS`).
    pub original: Written,
    /// The resolver of the package's workspace (`MAN-RESOLVER`).
    pub workspace_resolver: String,
    /// Warnings cargo would print while loading.
    pub warnings: Vec<String>,
}

/// Failure to read or understand a manifest.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("failed to read `{}`", path.display())]
    Read { path: PathBuf, source: std::io::Error },
    #[error("failed to parse manifest at `{}`", path.display())]
    Parse { path: PathBuf, source: toml::de::Error },
    #[error("manifest at `{}` has no `[package]`: virtual manifests cannot be packaged", path.display())]
    Virtual { path: PathBuf },
    #[error(
        "`{field}` in `{}` inherits from the workspace (`{field}.workspace = true`), but the \
         workspace root `{}` does not define it: add it to `[workspace.package]`, \
         `[workspace.dependencies]` or `[workspace.lints]`, or give the value in the package",
        path.display(), root.display()
    )]
    Inherited { path: PathBuf, field: String, root: PathBuf },
    #[error("invalid manifest at `{}`: {message}", path.display())]
    Invalid { path: PathBuf, message: String },
}

/// The root of a package's workspace: the `[workspace]` table members inherit from
/// (`MAN-INHERIT`) and the resolver the workspace uses (`MAN-RESOLVER`). A package outside any
/// workspace is its own root.
#[derive(Debug, Clone)]
pub struct WorkspaceRoot {
    /// Absolute path of the root `Cargo.toml`.
    pub manifest_path: PathBuf,
    /// The directory holding it: inherited relative paths are relative to it.
    pub dir: PathBuf,
    table: Option<TomlWorkspace>,
    resolver: String,
    /// The root manifest has a `[patch]` or `[replace]` table.
    patched: bool,
    /// The root manifest has no `[package]`.
    virtual_root: bool,
}

impl WorkspaceRoot {
    /// Reads the root manifest at `path` (absolute).
    pub fn load(path: &Path) -> Result<Self, Error> {
        let original = parse(path)?;
        let dir = path.parent().unwrap_or(Path::new("/")).to_path_buf();
        let patched = original.patch.is_some() || original.replace.is_some();
        let table = original.workspace;
        let package = original.package.or(original.project);
        let virtual_root = package.is_none();
        // Cargo's `Workspace::resolve_behavior`: `[workspace] resolver`, else the root package's
        // `resolver` or its edition's default; a virtual workspace defaults to "1".
        let resolver = match (table.as_ref().and_then(|w| w.resolver.clone()), package) {
            (Some(resolver), _) => resolver,
            (None, Some(package)) => package.resolver.clone().unwrap_or_else(|| {
                let edition = match &package.edition {
                    Some(field) if field.is_inherited() => {
                        table.as_ref().and_then(|w| w.package.as_ref()).and_then(|p| p.edition.clone())
                    }
                    Some(field) => field.as_value().cloned(),
                    None => None,
                };
                publish::default_resolver(edition.as_deref().unwrap_or("2015")).to_owned()
            }),
            (None, None) => "1".to_owned(),
        };
        Ok(WorkspaceRoot { manifest_path: path.to_owned(), dir, table, resolver, patched, virtual_root })
    }
}

impl WorkspaceRoot {
    /// Whether the root manifest has a `[workspace]` table.
    pub fn has_workspace_table(&self) -> bool {
        self.table.is_some()
    }

    /// Whether the root manifest has a `[patch]` or `[replace]` table.
    pub fn is_patched(&self) -> bool {
        self.patched
    }

    /// Cargo's default members, for cargos whose `cargo metadata` does not list them (before
    /// 1.71): the `default-members` directories, else every member of a virtual workspace, else
    /// the package of the manifest cargo was given (`current`).
    pub fn is_default_member(&self, member_manifest: &Path, current: &Path) -> bool {
        match self.table.as_ref().and_then(|w| w.default_members.as_ref()) {
            Some(dirs) => {
                dirs.iter().any(|dir| normalize_path(&self.dir.join(dir)).join("Cargo.toml") == member_manifest)
            }
            None => self.virtual_root || member_manifest == current,
        }
    }

    /// Cargo's `allows_new_cli_feature_behavior`: a virtual root, or resolver "2" or later.
    pub fn has_per_package_features(&self) -> bool {
        self.virtual_root || self.resolver != "1"
    }
}

fn parse(path: &Path) -> Result<TomlManifest, Error> {
    parse_written(path).map(|written| written.manifest)
}

/// A manifest as its author wrote it.
#[derive(Debug, Clone)]
pub struct Written {
    pub manifest: TomlManifest,
    /// The `[profile]` table as TOML, values as written (`debug = true` stays `true`).
    pub profile: Option<toml::Value>,
}

fn parse_written(path: &Path) -> Result<Written, Error> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Read { path: path.to_owned(), source })?;
    let parse_error = |source| Error::Parse { path: path.to_owned(), source };
    let manifest = toml::from_str(&text).map_err(parse_error)?;
    let mut table: toml::Table = toml::from_str(&text).map_err(parse_error)?;
    Ok(Written { manifest, profile: table.remove("profile") })
}

impl Manifest {
    /// Reads and normalizes the manifest at `path` (absolute), a member of `workspace`.
    pub fn load(path: &Path, workspace: &WorkspaceRoot) -> Result<Self, Error> {
        let original = parse_written(path)?;
        let root = path.parent().unwrap_or(Path::new("/")).to_path_buf();
        let mut warnings = Vec::new();
        let normalized = normalize::normalize(&original.manifest, path, &root, workspace, &mut warnings)?;
        Ok(Manifest {
            path: path.to_owned(),
            root,
            normalized,
            original,
            workspace_resolver: workspace.resolver.clone(),
            warnings,
        })
    }

    /// It has a `[[bin]]` or an `[[example]]` target, written or found.
    pub fn has_binary_or_example(&self) -> bool {
        let any = |targets: Option<&Vec<_>>| targets.is_some_and(|t| !t.is_empty());
        any(self.normalized.bin.as_ref()) || any(self.normalized.example.as_ref())
    }

    /// `publish = false` (an empty registry list): the package is never uploaded.
    pub fn is_unpublishable(&self) -> bool {
        use cargo_util_schemas::manifest::VecStringOrBool;
        match self.package().publish.as_ref().and_then(|p| p.as_value()) {
            Some(VecStringOrBool::Bool(publish)) => !publish,
            Some(VecStringOrBool::VecString(registries)) => registries.is_empty(),
            None => false,
        }
    }

    /// The normalized `[package]` table (present: [`Manifest::load`] refuses virtual manifests).
    pub fn package(&self) -> &TomlPackage {
        self.normalized.package().expect("load() refuses manifests without [package]")
    }

    pub fn name(&self) -> &str {
        self.package().name.as_ref().map_or("", |n| n.as_str())
    }

    /// The version; an absent `version` means `0.0.0`, as in cargo.
    pub fn version(&self) -> semver::Version {
        self.package()
            .version
            .as_ref()
            .and_then(|v| v.as_value().cloned())
            .unwrap_or_else(|| semver::Version::new(0, 0, 0))
    }

    pub fn include(&self) -> &[String] {
        self.package().include.as_ref().and_then(|v| v.as_value()).map_or(&[], Vec::as_slice)
    }

    pub fn exclude(&self) -> &[String] {
        self.package().exclude.as_ref().and_then(|v| v.as_value()).map_or(&[], Vec::as_slice)
    }

    /// `license-file` as written (relative to the package root).
    pub fn license_file(&self) -> Option<&str> {
        self.package().license_file.as_ref().and_then(|v| v.as_value()).map(String::as_str)
    }

    /// The readme path, if the package has one (`readme = false` has none).
    pub fn readme(&self) -> Option<&str> {
        match self.package().readme.as_ref().and_then(|v| v.as_value()) {
            Some(StringOrBool::String(path)) => Some(path),
            _ => None,
        }
    }

    /// Build scripts, relative to the package root.
    pub fn build_scripts(&self) -> &[String] {
        self.package().normalized_build().ok().flatten().unwrap_or_default()
    }

    /// Cargo's "manifest has no …" warning, if metadata a human needs is missing (the note that
    /// goes with it is [`METADATA_NOTE`]).
    pub fn missing_metadata_warning(&self) -> Option<String> {
        let p = self.package();
        let set = |f: &Option<cargo_util_schemas::manifest::InheritableString>| {
            f.as_ref().and_then(|v| v.as_value()).is_some_and(|s| !s.is_empty())
        };
        let mut missing = Vec::new();
        if !set(&p.description) {
            missing.push("description");
        }
        if !set(&p.license) && !set(&p.license_file) {
            missing.extend(["license", "license-file"]);
        }
        if !set(&p.documentation) && !set(&p.homepage) && !set(&p.repository) {
            missing.extend(["documentation", "homepage", "repository"]);
        }
        let (last, rest) = missing.split_last()?;
        let list = if rest.is_empty() { last.to_string() } else { format!("{} or {last}", rest.join(", ")) };
        Some(format!("manifest has no {list}"))
    }
}

/// Where cargo's missing-metadata warning points.
pub const METADATA_NOTE: &str =
    "see https://doc.rust-lang.org/cargo/reference/manifest.html#package-metadata for more info";

/// Every dependency table of a manifest: `[dependencies]`, `[dev-dependencies]`,
/// `[build-dependencies]`, then the same for each `[target.<cfg>]`.
pub fn dependency_tables(
    manifest: &TomlManifest,
) -> impl Iterator<Item = &BTreeMap<PackageName, InheritableDependency>> {
    let platforms = manifest.target.iter().flat_map(|targets| targets.values());
    [manifest.dependencies.as_ref(), manifest.dev_dependencies(), manifest.build_dependencies()]
        .into_iter()
        .chain(platforms.flat_map(|p| [p.dependencies.as_ref(), p.dev_dependencies(), p.build_dependencies()]))
        .flatten()
}

/// What a manifest's text says of its package: `package.name`, `package.version` and
/// `package.repository`, each when it is a plain string (a version inherited from the workspace
/// is `None`; the name is empty when there is none). The one reader for every place that asks
/// which package a manifest, published or not, names.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Identity {
    pub name: String,
    pub version: Option<String>,
    pub repository: Option<String>,
}

impl Identity {
    pub fn of(text: &str) -> Identity {
        let Ok(manifest) = text.parse::<toml::Table>() else { return Identity::default() };
        let package = manifest.get("package");
        let field = |key: &str| package.and_then(|p| p.get(key)).and_then(toml::Value::as_str).map(str::to_owned);
        Identity { name: field("name").unwrap_or_default(), version: field("version"), repository: field("repository") }
    }

    /// `<name>-<version>`, the directory its archive holds, when both are known.
    pub fn dir_name(&self) -> Option<String> {
        let version = self.version.as_ref().filter(|_| !self.name.is_empty())?;
        Some(format!("{}-{version}", self.name))
    }
}

/// Lexical path normalization as cargo's `paths::normalize_path` (spec: `MAN-PATHS`): `.` is
/// dropped and `..` removes the previous component; a leading `..` is kept.
pub(crate) fn normalize_path(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::Prefix(_) | Component::RootDir => out.push(component.as_os_str()),
            Component::CurDir => {}
            Component::ParentDir => {
                if out.ends_with(Component::ParentDir) || (!out.pop() && !out.has_root()) {
                    out.push(Component::ParentDir);
                }
            }
            Component::Normal(c) => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::normalize_path;
    use std::path::Path;

    #[test]
    fn man_paths_keep_leading_parent() {
        assert_eq!(normalize_path(Path::new("src/./bin/../lib.rs")), Path::new("src/lib.rs"));
        assert_eq!(normalize_path(Path::new("../x.rs")), Path::new("../x.rs"));
        assert_eq!(normalize_path(Path::new("a/../../b")), Path::new("../b"));
        assert_eq!(normalize_path(Path::new("/a/../../b")), Path::new("/b"));
    }
}
