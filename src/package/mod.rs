//! `cargo seal package`: list files → normalize manifest → plan entries → write archive, for
//! each selected member of a workspace in dependency order (spec: `WS-*`).

use std::path::PathBuf;

use crate::cargo::{self, Cargo, CargoError};
use crate::features::{self, Behavior, CliFeatures, Summary};
use crate::lockfile::{self, LocalRegistry, PackageSpec};
use crate::manifest::{self, Manifest};
use crate::registry::Registries;
use crate::vcs::{self};
use crate::workspace::{self, Workspace};
use crate::{archive, list};

mod assemble;
mod build;
mod select;

pub use assemble::{Planned, Written, plan, write};
pub use build::verify;
pub use select::{Selected, Selection, Source, select};

/// How to package; the CLI fills it from cargo-style flags.
#[derive(Debug, Clone)]
pub struct Options {
    /// Absolute target directory; `.crate` files go to `<target_dir>/package/`.
    pub target_dir: PathBuf,
    /// What uncommitted changes do (`--allow-dirty`, `--verify-reproducible`).
    pub dirty: vcs::Dirty,
    /// Put a `Cargo.lock` in the archive (`--exclude-lockfile` turns it off).
    pub include_lockfile: bool,
    /// How the verification build runs (ARC-VERIFY).
    pub build: BuildOptions,
    /// The registries cargo's configuration names (`registries.<name>.index`), and crates.io.
    pub registries: Registries,
    pub cargo: Cargo,
    /// ERA-PACKAGE: what the archive is written as: the release of the cargo that runs, or
    /// `--cargo-version`.
    pub profile: crate::era::Profile,
}

/// `cargo build` flags for the build that verifies each archive, as `cargo package` takes them.
#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    /// `--target TRIPLE`, each.
    pub targets: Vec<String>,
    /// `-j N`.
    pub jobs: Option<String>,
    pub keep_going: bool,
    /// The build's own messages (`Compiling …`, compiler errors) go to standard error, as in
    /// `cargo package`; `None` keeps them (verify rebuilds in the library show none).
    pub shown: Option<Shown>,
}

/// How the verification build speaks.
#[derive(Debug, Clone, Copy)]
pub struct Shown {
    /// The run's verbosity: `-q` as -1, `-v`/`-vv` as 1/2.
    pub verbosity: i8,
    pub color: bool,
    /// Standard error is a terminal: the build writes to it directly, progress bar and all.
    /// Otherwise its messages pass through this process, which takes the error it ends with as
    /// the cause of its own, as cargo reports a failed verification (`ARC-VERIFY`).
    pub terminal: bool,
}

impl BuildOptions {
    fn args(&self) -> Vec<&str> {
        let mut args: Vec<&str> = self.targets.iter().flat_map(|t| ["--target", t.as_str()]).collect();
        args.extend(self.jobs.iter().flat_map(|j| ["--jobs", j.as_str()]));
        if self.keep_going {
            args.push("--keep-going");
        }
        match self.shown.map(|shown| shown.verbosity) {
            Some(-1) => args.push("--quiet"),
            Some(verbose) => args.extend(std::iter::repeat_n("--verbose", verbose.max(0) as usize)),
            None => {}
        }
        args
    }
}

/// Packaging failed; nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Manifest(#[from] manifest::Error),
    #[error(transparent)]
    Workspace(#[from] workspace::Error),
    #[error(transparent)]
    Features(#[from] features::Error),
    #[error("failed to determine list of files in `{}`", root.display())]
    List { root: PathBuf, source: list::Error },
    #[error(transparent)]
    Vcs(#[from] vcs::Error),
    #[error("{0}")]
    Selection(String),
    #[error("failed to serialize the normalized manifest of `{}`", path.display())]
    Render { path: PathBuf, source: Box<dyn std::error::Error + Send + Sync> },
    #[error(transparent)]
    Lockfile(#[from] lockfile::Error),
    #[error("failed to read `{}` for archiving", path.display())]
    Stat { path: PathBuf, source: std::io::Error },
    #[error("`{}` is not a regular file and cannot be archived", path.display())]
    NotAFile { path: PathBuf },
    #[error("failed to write `{}`", path.display())]
    Write { path: PathBuf, source: std::io::Error },
    #[error("failed to write `{}`", path.display())]
    Archive { path: PathBuf, source: archive::Error },
    #[error("failed to verify package tarball")]
    Verify(#[source] cargo::Error),
    /// The build's messages are on the screen; the error it ended with, if taken from them, is
    /// the cause.
    #[error("failed to verify package tarball")]
    BuildFailed(#[source] Option<CargoError>),
    #[error("failed to verify package tarball")]
    Modified(#[source] SourcesModified),
    #[error("failed to verify output at {:?}", path)]
    Fingerprint { path: PathBuf, source: std::io::Error },
    #[error(
        "{needs}, but package `{name}` at `{}` has none: it is not in a git repository, its `Cargo.toml` \
         is ignored by git, or the repository has no commit yet",
        root.display()
    )]
    NoCommit { name: String, root: PathBuf, needs: crate::vcs::NeedsCommit },
}

/// ARC-VERIFY-SOURCES: the verification build changed the unpacked sources (cargo's words).
#[derive(Debug, thiserror::Error)]
#[error(
    "Source directory was modified by build.rs during cargo publish. Build scripts should not modify \
     anything outside of OUT_DIR.\n{changes}\n\nTo proceed despite this, pass the `--no-verify` flag."
)]
pub struct SourcesModified {
    changes: String,
}

/// What the lock step knows of the run besides the package.
#[derive(Debug, Clone, Copy, Default)]
pub struct LockContext<'a> {
    /// LOCK-SIBLINGS: the packages of this run that others depend on.
    pub siblings: Option<&'a LocalRegistry>,
    /// LOCK-OWN: cargo brought the workspace lock up to date in this run (`LOCK-REFRESH`).
    pub refreshed: bool,
}

/// The packages of one run.
#[derive(Debug)]
pub struct Members {
    /// Loaded and in packaging order (`WS-ORDER`), each with the features its verification
    /// build activates (`WS-FEATURES`).
    pub packages: Vec<(Manifest, CliFeatures)>,
    /// Whether one of them depends on another (`WS-REGISTRY`).
    pub depend_on_each_other: bool,
    pub warnings: Vec<String>,
}

/// Selects and loads the members to package and gives each its features (`WS-SELECT`,
/// `WS-FEATURES`, `WS-ORDER`).
pub fn members(ws: &Workspace, packages: &workspace::Packages, cli: &CliFeatures) -> Result<Members, Error> {
    let (selected, warnings) = ws.select(packages)?;
    let manifests =
        selected.iter().map(|member| Manifest::load(&member.manifest_path, &ws.root)).collect::<Result<Vec<_>, _>>()?;
    let summaries: Vec<Summary> = manifests.iter().map(Summary::of).collect();
    let behavior = if ws.root.has_per_package_features() { Behavior::PerPackage } else { Behavior::Current };
    let current = manifests.iter().position(|m| m.path == ws.current_manifest);
    let unselected = || {
        let others = ws.members().iter().filter(|m| !selected.iter().any(|s| s.manifest_path == m.manifest_path));
        others.map(|m| Ok(Summary::of(&Manifest::load(&m.manifest_path, &ws.root)?))).collect()
    };
    let chosen = features::for_packages(cli, behavior, &summaries, current, unselected)?;
    let (order, depend_on_each_other) = workspace::packaging_order(&manifests);
    let mut slots: Vec<Option<(Manifest, CliFeatures)>> = manifests.into_iter().zip(chosen).map(Some).collect();
    let packages = order.into_iter().filter_map(|i| slots[i].take()).collect();
    Ok(Members { packages, depend_on_each_other, warnings })
}

/// LOCK-REFRESH: cargo brings an existing workspace lock file up to date before it looks at any
/// package's files, so a stale tracked lock counts as a change. True when it did.
pub fn refresh_lockfile(ws: &Workspace, options: &Options) -> Result<bool, Error> {
    if options.include_lockfile
        && ws.lockfile().exists()
        && let Some(member) = ws.members().first()
    {
        let member = PackageSpec { name: &member.name, version: &member.version, dir: member.dir() };
        lockfile::refresh(&options.cargo, &ws.root.manifest_path, &member, &scratch_dir(options))?;
        return Ok(true);
    }
    Ok(false)
}

/// LOCK-SIBLINGS: the temporary registry for a run whose packages depend on each other.
pub fn sibling_registry(options: &Options, upstream: String) -> Result<LocalRegistry, Error> {
    let package_dir = options.cargo.build_dir.as_deref().unwrap_or(&options.target_dir).join("package");
    Ok(LocalRegistry::new(&package_dir, upstream, &options.cargo.home)?)
}

pub(crate) fn scratch_dir(options: &Options) -> PathBuf {
    options.target_dir.join("package")
}
