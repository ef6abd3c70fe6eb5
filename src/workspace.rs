//! The workspace being packaged (spec: `WS-*`): its members, which of them to package, and in
//! which order.
//!
//! Cargo decides membership (`members` globs, `exclude`, path dependencies that become members,
//! `default-members`) and the target directory: `cargo metadata --no-deps` reports both without
//! resolving dependencies or running code from the packages, and this module reads its answer.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use cargo_util_schemas::core::PackageIdSpec;
use cargo_util_schemas::manifest::{InheritableDependency, TomlDependency};

use crate::cargo::{Cargo, CargoError};
use crate::manifest::{self, Manifest, WorkspaceRoot, normalize_path};
use crate::suggest;

/// A workspace as cargo sees it.
#[derive(Debug)]
pub struct Workspace {
    pub root: WorkspaceRoot,
    /// Cargo's target directory for this workspace (`--target-dir`, `CARGO_TARGET_DIR`,
    /// `build.target-dir`, else `<root>/target`).
    pub target_dir: PathBuf,
    /// Where cargo keeps intermediate build files (`build.build-dir`, else the target directory).
    pub build_dir: PathBuf,
    /// In cargo's workspace order (`workspace_members`), which its messages follow.
    members: Vec<Member>,
    /// The manifest cargo was given or found from the current directory: under resolver "1",
    /// command-line features go to its package (`WS-FEATURES`).
    pub current_manifest: PathBuf,
}

/// A workspace member, as listed by cargo.
#[derive(Debug, Clone)]
pub struct Member {
    pub name: String,
    pub version: semver::Version,
    /// Absolute path of the member's `Cargo.toml`.
    pub manifest_path: PathBuf,
    /// Packaged when no package is named (`default-members`, or the current package).
    default: bool,
}

impl Member {
    pub fn dir(&self) -> &Path {
        self.manifest_path.parent().unwrap_or(Path::new("/"))
    }

    /// WS-SPEC: whether `-p SPEC` names this member (`name`, `name@version` with a partial
    /// version, or a full package-id URL).
    fn matches(&self, spec: &PackageIdSpec) -> bool {
        spec.name() == self.name
            && spec.partial_version().is_none_or(|v| v.matches(&self.version))
            && spec.url().is_none_or(|url| url.to_file_path().is_ok_and(|dir| dir == self.dir()))
    }
}

/// Which members to package (`-p`, `--workspace`, `--exclude`).
#[derive(Debug, Clone)]
pub enum Packages {
    /// The default members: `default-members`, else the package in the current directory, or
    /// every member of a virtual workspace.
    Default,
    /// `-p SPEC…`.
    Named(Vec<String>),
    /// `--workspace`, minus `--exclude SPEC…`.
    All { exclude: Vec<String> },
}

/// The workspace could not be read or the selection names no member.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("failed to load the workspace of `{}`", manifest.display())]
    Metadata { manifest: PathBuf, source: cargo_metadata::Error },
    #[error(transparent)]
    Cargo(CargoError),
    #[error(transparent)]
    Manifest(#[from] manifest::Error),
    #[error("invalid package ID specification `{spec}`: {message}")]
    Spec { spec: String, message: String },
    #[error("package ID specification `{spec}` did not match any packages{}", suggest::help(similar.as_deref()))]
    NoMatch { spec: String, similar: Option<String> },
    #[error("{message}")]
    NoPattern { message: String },
    #[error("cannot build glob pattern from `{pattern}`")]
    Glob { pattern: String, source: glob::PatternError },
    #[error("the workspace at `{}` has no members to package", root.display())]
    Empty { root: PathBuf },
}

impl Workspace {
    /// Asks cargo for the workspace of the package or workspace manifest at `manifest_path`,
    /// unless the package is provably a workspace of its own (`WS-STANDALONE`).
    pub fn load(cargo: &Cargo, manifest_path: &Path) -> Result<Self, Error> {
        if cargo.plain_config
            && let Some(ws) = Self::standalone(cargo, manifest_path)?
        {
            return Ok(ws);
        }
        // Cargo's own refusal (a bad manifest or configuration) is reported as cargo reports it.
        let metadata_error = |source| match source {
            cargo_metadata::Error::CargoMetadata { stderr } => Error::Cargo(CargoError::parse(&stderr)),
            source => Error::Metadata { manifest: manifest_path.to_owned(), source },
        };
        let mut command = cargo_metadata::MetadataCommand::new();
        command.cargo_path(&cargo.program).current_dir(&cargo.cwd).manifest_path(manifest_path).no_deps();
        for (key, value) in &cargo.env {
            command.env(key, value);
        }
        if let Some(dir) = &cargo.target_dir {
            command.env("CARGO_TARGET_DIR", dir);
        }
        let mut options = cargo.config_args();
        if cargo.offline || cargo.frozen {
            options.push("--offline".to_owned());
        }
        command.other_options(options);
        let metadata = command.exec().map_err(metadata_error)?;

        let root_manifest = metadata.workspace_root.as_std_path().join("Cargo.toml");
        let root = WorkspaceRoot::load(&root_manifest)?;
        let defaults: BTreeSet<_> = match metadata.workspace_default_members.is_available() {
            true => metadata.workspace_default_members.iter().collect(),
            false => BTreeSet::new(),
        };
        let packages: std::collections::BTreeMap<_, _> = metadata.packages.iter().map(|p| (&p.id, p)).collect();
        let members: Vec<Member> = metadata
            .workspace_members
            .iter()
            .filter_map(|id| packages.get(id))
            .map(|package| Member {
                name: package.name.to_string(),
                version: package.version.clone(),
                manifest_path: package.manifest_path.clone().into_std_path_buf(),
                default: match metadata.workspace_default_members.is_available() {
                    true => defaults.contains(&package.id),
                    false => root.is_default_member(package.manifest_path.as_std_path(), manifest_path),
                },
            })
            .collect();
        let target_dir = metadata.target_directory.into_std_path_buf();
        let build_dir = metadata.build_directory.map_or_else(|| target_dir.clone(), |dir| dir.into_std_path_buf());
        Ok(Workspace { root, target_dir, build_dir, members, current_manifest: manifest_path.to_owned() })
    }

    /// WS-STANDALONE: a package whose manifest has no `[workspace]` table and no
    /// `package.workspace` key, and none of whose ancestor directories holds a `Cargo.toml`, is
    /// the only member of a workspace rooted at its own directory: cargo looks for a root only
    /// there. Its target directory is the configured one, else `<root>/target`, and there is no
    /// separate build directory (`plain_config`). `None` when any of this does not hold.
    fn standalone(cargo: &Cargo, manifest_path: &Path) -> Result<Option<Self>, Error> {
        let dir = manifest_path.parent().unwrap_or(Path::new("/"));
        if dir.ancestors().skip(1).any(|ancestor| ancestor.join("Cargo.toml").exists()) {
            return Ok(None);
        }
        let root = WorkspaceRoot::load(manifest_path)?;
        if root.has_workspace_table() {
            return Ok(None);
        }
        let manifest = Manifest::load(manifest_path, &root)?;
        if manifest.package().workspace.is_some() {
            return Ok(None);
        }
        let target_dir = cargo.target_dir.clone().unwrap_or_else(|| dir.join("target"));
        let member = Member {
            name: manifest.name().to_owned(),
            version: manifest.version(),
            manifest_path: manifest_path.to_owned(),
            default: true,
        };
        let current_manifest = manifest_path.to_owned();
        Ok(Some(Workspace { root, build_dir: target_dir.clone(), target_dir, members: vec![member], current_manifest }))
    }

    /// The members to package, and warnings about `--exclude` specs that named nothing.
    pub fn select(&self, packages: &Packages) -> Result<(Vec<&Member>, Vec<String>), Error> {
        let mut warnings = Vec::new();
        let root = self.root.dir.display();
        let selected: Vec<&Member> = match packages {
            Packages::Default => self.members.iter().filter(|m| m.default).collect(),
            Packages::Named(specs) => {
                let mut selector = Selector::parse(specs)?;
                let selected: Vec<&Member> = self.members.iter().filter(|m| selector.matches(m)).collect();
                if let Some(patterns) = selector.unmatched_patterns() {
                    return Err(Error::NoPattern {
                        message: format!("package pattern(s) `{patterns}` not found in workspace `{root}`"),
                    });
                }
                if let Some((text, _)) =
                    selector.specs.iter().find(|(_, spec)| !self.members.iter().any(|m| m.matches(spec)))
                {
                    let name = text.split(['@', ':']).next().unwrap_or(text);
                    let similar = suggest::closest(name, self.members.iter().map(|m| m.name.as_str()));
                    return Err(Error::NoMatch { spec: text.clone(), similar: similar.map(str::to_owned) });
                }
                selected
            }
            Packages::All { exclude } => {
                let mut selector = Selector::parse(exclude)?;
                let selected = self.members.iter().filter(|m| !selector.matches(m)).collect();
                let unmatched: Vec<String> = selector
                    .specs
                    .iter()
                    .filter(|(_, spec)| !self.members.iter().any(|m| m.matches(spec)))
                    .map(|(_, spec)| spec.to_string())
                    .collect();
                if !unmatched.is_empty() {
                    warnings.push(format!(
                        "excluded package(s) `{}` not found in workspace `{root}`",
                        unmatched.join(", ")
                    ));
                }
                if let Some(patterns) = selector.unmatched_patterns() {
                    warnings.push(format!("excluded package pattern(s) `{patterns}` not found in workspace `{root}`"));
                }
                selected
            }
        };
        if selected.is_empty() {
            return Err(Error::Empty { root: self.root.dir.clone() });
        }
        Ok((selected, warnings))
    }

    /// Every member, in cargo's workspace order.
    pub fn members(&self) -> &[Member] {
        &self.members
    }

    /// Path of the workspace's `Cargo.lock`, whether or not it exists.
    pub fn lockfile(&self) -> PathBuf {
        self.root.dir.join("Cargo.lock")
    }
}

/// WS-SPEC: `-p`/`--exclude` arguments: package-id specs, and, where one does not parse as a spec
/// and holds `*`, `?`, `[` or `]`, a glob pattern over member names, as cargo reads them.
struct Selector {
    specs: Vec<(String, PackageIdSpec)>,
    /// Each pattern, and whether a member matched it.
    patterns: Vec<(glob::Pattern, bool)>,
}

impl Selector {
    fn parse(args: &[String]) -> Result<Self, Error> {
        let mut selector = Selector { specs: Vec::new(), patterns: Vec::new() };
        for text in args {
            match PackageIdSpec::parse(text) {
                Ok(spec) => selector.specs.push((text.clone(), spec)),
                Err(_) if text.contains(['*', '?', '[', ']']) => {
                    let pattern =
                        glob::Pattern::new(text).map_err(|source| Error::Glob { pattern: text.clone(), source })?;
                    selector.patterns.push((pattern, false));
                }
                Err(e) => return Err(Error::Spec { spec: text.clone(), message: e.to_string() }),
            }
        }
        Ok(selector)
    }

    /// Whether a spec or a pattern names `member`; patterns remember that they matched.
    fn matches(&mut self, member: &Member) -> bool {
        let by_spec = self.specs.iter().any(|(_, spec)| member.matches(spec));
        let mut by_pattern = false;
        for (pattern, matched) in &mut self.patterns {
            if pattern.matches(&member.name) {
                *matched = true;
                by_pattern = true;
            }
        }
        by_spec || by_pattern
    }

    /// The patterns no member matched, as cargo lists them.
    fn unmatched_patterns(&self) -> Option<String> {
        let unmatched: Vec<&str> =
            self.patterns.iter().filter(|(_, matched)| !matched).map(|(p, _)| p.as_str()).collect();
        (!unmatched.is_empty()).then(|| unmatched.join(", "))
    }
}

/// WS-ORDER: the indices of `manifests` in the order cargo packages them: a depth-first walk over the path
/// dependencies between them (dev-dependencies without a version do not count, as publishing
/// drops them), dependencies first, starting from each package in package-id order. The flag
/// says whether any package depends on another (cargo then needs its temporary registry).
pub fn packaging_order(manifests: &[Manifest]) -> (Vec<usize>, bool) {
    let edges: Vec<Vec<usize>> = manifests
        .iter()
        .enumerate()
        .map(|(i, manifest)| {
            let dirs = local_dependency_dirs(manifest);
            let mut targets: Vec<usize> =
                (0..manifests.len()).filter(|&j| j != i && dirs.contains(&manifests[j].root)).collect();
            targets.sort_by(|&a, &b| package_id_order(&manifests[a], &manifests[b]));
            targets
        })
        .collect();
    let has_dependencies = edges.iter().any(|e| !e.is_empty());
    let mut roots: Vec<usize> = (0..manifests.len()).collect();
    roots.sort_by(|&a, &b| package_id_order(&manifests[a], &manifests[b]));

    fn visit(node: usize, edges: &[Vec<usize>], seen: &mut [bool], order: &mut Vec<usize>) {
        if std::mem::replace(&mut seen[node], true) {
            return;
        }
        for &next in &edges[node] {
            visit(next, edges, seen, order);
        }
        order.push(node);
    }
    let mut seen = vec![false; manifests.len()];
    let mut order = Vec::with_capacity(manifests.len());
    for root in roots {
        visit(root, &edges, &mut seen, &mut order);
    }
    (order, has_dependencies)
}

fn package_id_order(a: &Manifest, b: &Manifest) -> std::cmp::Ordering {
    (a.name(), a.version(), &a.root).cmp(&(b.name(), b.version(), &b.root))
}

/// Directories of the packages `manifest` depends on by path.
fn local_dependency_dirs(manifest: &Manifest) -> BTreeSet<PathBuf> {
    let me = &manifest.normalized;
    let platforms = me.target.iter().flatten().flat_map(|(_, p)| {
        [(p.dependencies.as_ref(), false), (p.build_dependencies(), false), (p.dev_dependencies(), true)]
    });
    let tables = [(me.dependencies.as_ref(), false), (me.build_dependencies(), false), (me.dev_dependencies(), true)];
    let mut dirs = BTreeSet::new();
    for (deps, dev) in tables.into_iter().chain(platforms) {
        for dep in deps.into_iter().flat_map(|d| d.values()) {
            let InheritableDependency::Value(TomlDependency::Detailed(detail)) = dep else { continue };
            let Some(path) = &detail.path else { continue };
            if dev && detail.version.is_none() {
                continue;
            }
            dirs.insert(normalize_path(&manifest.root.join(path)));
        }
    }
    dirs
}
