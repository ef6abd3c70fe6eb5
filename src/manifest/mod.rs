//! The package manifest: reading `Cargo.toml`, normalizing it as cargo does, and writing the
//! `Cargo.toml` that goes into the `.crate` (spec: `MAN-*`).
//!
//! Parsing and serialization use `cargo-util-schemas` and `toml` at the versions cargo 1.95 uses,
//! so the text we write is the text cargo writes for the same normalized manifest.

mod normalize;
mod publish;
mod targets;

use std::path::{Path, PathBuf};

use cargo_util_schemas::manifest::{StringOrBool, TomlManifest, TomlPackage};

pub use publish::{PublishContext, prepare_for_publish, render};

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
    /// The resolver of the workspace this package roots, if its manifest has `[workspace]`.
    pub workspace_resolver: Option<String>,
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
         workspace does not define it: add it to `[workspace.package]`, `[workspace.dependencies]` \
         or `[workspace.lints]`, or give the value in the package",
        path.display()
    )]
    Inherited { path: PathBuf, field: String },
    #[error(
        "`{}` is a member of the workspace at `{}`; workspace members are not supported yet",
        path.display(), root.display()
    )]
    WorkspaceMember { path: PathBuf, root: PathBuf },
    #[error("invalid manifest at `{}`: {message}", path.display())]
    Invalid { path: PathBuf, message: String },
}

impl Manifest {
    /// Reads and normalizes the manifest at `path` (absolute).
    pub fn load(path: &Path) -> Result<Self, Error> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Read { path: path.to_owned(), source })?;
        let original: TomlManifest =
            toml::from_str(&text).map_err(|source| Error::Parse { path: path.to_owned(), source })?;
        let root = path.parent().unwrap_or(Path::new("/")).to_path_buf();
        let standalone = original.workspace.is_some();
        if let Some(ws_root) = normalize::enclosing_workspace(path, original.package().map(|p| &**p))?
            && !standalone
        {
            return Err(Error::WorkspaceMember { path: path.to_owned(), root: ws_root });
        }
        let workspace_resolver = original.workspace.as_ref().and_then(|ws| ws.resolver.clone());
        let mut warnings = Vec::new();
        let normalized = normalize::normalize(&original, path, &root, &mut warnings)?;
        Ok(Manifest { path: path.to_owned(), root, normalized, workspace_resolver, warnings })
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

    /// Cargo's "manifest has no …" warning, if metadata a human needs is missing.
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
        Some(format!(
            "manifest has no {list}\n  = note: see https://doc.rust-lang.org/cargo/reference/manifest.html#package-metadata for more info"
        ))
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
