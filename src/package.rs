//! `cargo seal package`: list files → normalize manifest → plan entries → write archive, for
//! each selected member of a workspace in dependency order (spec: `WS-*`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use cargo_util_schemas::manifest::TomlManifest;
use sha2::Digest as _;

use crate::cargo::{self, Cargo, CargoError};
use crate::features::{self, Behavior, CliFeatures, Summary};
use crate::git::Repos;
use crate::lockfile::{self, LocalRegistry, PackageSpec};
use crate::manifest::{self, Manifest, PublishContext};
use crate::plan::{Contents, Entry, Generated, ORIGINAL_MANIFEST_FILE, Plan, VCS_INFO_FILE};
use crate::registry::Registries;
use crate::vcs::{self, VcsInfo};
use crate::workspace::{self, Workspace};
use crate::{archive, list};

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

/// An archive entry before its contents are produced.
#[derive(Debug, Clone)]
pub struct Selected {
    pub rel_path: PathBuf,
    pub source: Source,
}

#[derive(Debug, Clone)]
pub enum Source {
    /// Copied from this file.
    Copy(PathBuf),
    /// Generated by packaging; the path is the file it is based on, if any.
    Generate(Generated, Option<PathBuf>),
}

/// The package's files, decided but not yet read or generated (what `--list` shows).
#[derive(Debug)]
pub struct Selection {
    pub manifest: Manifest,
    /// Sorted in archive order.
    pub entries: Vec<Selected>,
    pub vcs: Option<VcsInfo>,
    /// LOCK-OWN: the package is its workspace's root and only member, and the root manifest
    /// has no `[patch]` or `[replace]`.
    pub own_workspace: bool,
    pub warnings: Vec<String>,
}

/// What the lock step knows of the run besides the package.
#[derive(Debug, Clone, Copy, Default)]
pub struct LockContext<'a> {
    /// LOCK-SIBLINGS: the packages of this run that others depend on.
    pub siblings: Option<&'a LocalRegistry>,
    /// LOCK-OWN: cargo brought the workspace lock up to date in this run (`LOCK-REFRESH`).
    pub refreshed: bool,
}

impl Selection {
    /// `<name>-<version>`.
    pub fn base_name(&self) -> String {
        format!("{}-{}", self.manifest.name(), self.manifest.version())
    }

    /// VER-REPRODUCE, PROV-PACKAGE: the commit the package is made from, which `needs` requires.
    pub fn commit(&self, needs: crate::vcs::NeedsCommit) -> Result<&VcsInfo, Error> {
        self.vcs.as_ref().ok_or_else(|| Error::NoCommit {
            name: self.manifest.name().to_owned(),
            root: self.manifest.root.clone(),
            needs,
        })
    }
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

/// Selects the files of one package of `ws` (spec: `SEL-*`, `VCS-*`), in the git repositories
/// of the run (`repos`), each opened once.
pub fn select(manifest: Manifest, ws: &Workspace, options: &Options, repos: &mut Repos) -> Result<Selection, Error> {
    let mut warnings = manifest.warnings.clone();
    let root = manifest.root.clone();
    if !manifest.include().is_empty() && !manifest.exclude().is_empty() {
        warnings
            .push("both package.include and package.exclude are specified; the exclude list will be ignored".into());
    }
    let repo = repos.discover(&root);
    let listing = list::list_files(&root, &manifest.path, manifest.include(), manifest.exclude(), repo)
        .map_err(|source| Error::List { root: root.clone(), source })?;

    let metadata_paths = |p: Option<&str>| p.map(|p| manifest::normalize_path(&root.join(p)));
    let metadata_files: Vec<PathBuf> =
        [metadata_paths(manifest.license_file()), metadata_paths(manifest.readme())].into_iter().flatten().collect();
    // ERA-VCS-DIRTY: before 1.81, `--allow-dirty` skipped the check and the file.
    let checked = options.dirty != vcs::Dirty::Allow || options.profile.vcs_when_allowed_dirty;
    let context = vcs::Context {
        repo,
        root: &root,
        manifest: &manifest.path,
        workspace_manifest: &ws.root.manifest_path,
        files: &listing.files,
        metadata_files: &metadata_files,
        dirty: options.dirty,
        cwd: &options.cargo.cwd,
    };
    let vcs = if checked { vcs::inspect(&context)? } else { None };

    // ERA-LOCK-INCLUDE, ERA-LOCK-PREVIOUS.
    let profile = &options.profile;
    let lockfile = (options.include_lockfile && (profile.lock_always || manifest.has_binary_or_example()))
        .then(|| if profile.lock_from_workspace { ws.lockfile() } else { root.join("Cargo.lock") });
    let any_case = profile.manifest_any_case;
    let mut entries = archive_list(&manifest, &listing.files, vcs.is_some(), lockfile, any_case, &mut warnings)?;
    entries.sort_unstable_by(|a, b| crate::plan::compare_paths(&a.rel_path, &b.rel_path));
    let own_workspace = ws.members().len() == 1 && manifest.root == ws.root.dir && !ws.root.is_patched();
    Ok(Selection { manifest, entries, vcs, own_workspace, warnings })
}

/// SEL-ARCHIVE: from listed files to archive entries (cargo's `build_ar_list`); `any_case`: every
/// spelling of `Cargo.toml` is the manifest (ERA-MANIFEST-CASE).
fn archive_list(
    manifest: &Manifest,
    files: &[list::SourceFile],
    has_vcs: bool,
    lockfile: Option<PathBuf>,
    any_case: bool,
    warnings: &mut Vec<String>,
) -> Result<Vec<Selected>, Error> {
    let root = &manifest.root;
    let mut entries = Vec::with_capacity(files.len() + 4);
    let mut had_manifest = false;
    for file in files {
        let Ok(rel) = file.path.strip_prefix(root) else {
            continue;
        };
        let rel_str = check_file_name(rel, warnings)?;
        match rel_str {
            "Cargo.lock" => continue,
            VCS_INFO_FILE | ORIGINAL_MANIFEST_FILE => {
                return Err(Error::Selection(format!(
                    "invalid inclusion of reserved file name {rel_str} in package source `{}`: \
                     rename or exclude it",
                    file.path.display()
                )));
            }
            // SEL-MANIFEST: every spelling of the root manifest gives way to the generated one.
            "Cargo.toml" => had_manifest = true,
            _ if any_case && rel_str.eq_ignore_ascii_case("Cargo.toml") => had_manifest = true,
            _ => entries.push(Selected { rel_path: rel.to_path_buf(), source: Source::Copy(file.path.clone()) }),
        }
    }
    if had_manifest {
        entries.push(Selected { rel_path: ORIGINAL_MANIFEST_FILE.into(), source: Source::Copy(manifest.path.clone()) });
        entries.push(Selected {
            rel_path: "Cargo.toml".into(),
            source: Source::Generate(Generated::Manifest, Some(manifest.path.clone())),
        });
    } else {
        warnings.push(format!(
            "no `Cargo.toml` file found when packaging `{}` (note the case of the file name).",
            manifest.name()
        ));
    }
    // WS-INHERIT / LOCK-RESOLVE: the workspace's lock file is the starting point of the package's.
    if let Some(lock) = lockfile {
        let lock = lock.exists().then_some(lock);
        entries.push(Selected { rel_path: "Cargo.lock".into(), source: Source::Generate(Generated::Lockfile, lock) });
    }
    if has_vcs {
        entries.push(Selected { rel_path: VCS_INFO_FILE.into(), source: Source::Generate(Generated::VcsInfo, None) });
    }

    // SEL-METADATA: `license-file` and `readme` are packaged whatever the filters say.
    let mut missing = Vec::new();
    for (field, value) in [("license-file", manifest.license_file()), ("readme", manifest.readme())] {
        let Some(value) = value else { continue };
        let absolute = manifest::normalize_path(&root.join(value));
        if !absolute.is_file() {
            missing.push(format!(
                "{field} `{value}` does not appear to exist (relative to `{}`).\n\
                 Please update the {field} setting in the manifest at `{}`.",
                root.display(),
                manifest.path.display()
            ));
            continue;
        }
        match absolute.strip_prefix(root) {
            Ok(rel) => {
                if !entries.iter().any(|e| e.rel_path == rel) {
                    entries.push(Selected { rel_path: rel.to_path_buf(), source: Source::Copy(absolute.clone()) });
                }
            }
            Err(_) => {
                let name = PathBuf::from(Path::new(value).file_name().unwrap_or_default());
                if entries.iter().any(|e| e.rel_path == name) {
                    warnings.push(format!(
                        "{field} `{value}` appears to be a path outside of the package, but there is already a file \
                         named `{}` in the root of the package. The archived crate will contain the copy in the root \
                         of the package. Update the {field} to point to the path relative to the root of the package \
                         to remove this warning.",
                        name.display()
                    ));
                } else {
                    entries.push(Selected { rel_path: name, source: Source::Copy(absolute) });
                }
            }
        }
    }
    if !missing.is_empty() {
        return Err(Error::Selection(missing.join("\n")));
    }
    for script in manifest.build_scripts() {
        let absolute = manifest::normalize_path(&root.join(script));
        if !absolute.is_file() || !absolute.starts_with(root) {
            return Err(Error::Selection(format!(
                "the build script `{script}` is not a file inside the package root `{}`.\n\
                 Please update the `build` setting in the manifest at `{}`.",
                root.display(),
                manifest.path.display()
            )));
        }
    }
    Ok(entries)
}

/// SEL-NAMES: names that cannot be unpacked everywhere are refused; Windows-reserved ones warned.
fn check_file_name<'a>(rel: &'a Path, warnings: &mut Vec<String>) -> Result<&'a str, Error> {
    let Some(rel_str) = rel.to_str() else {
        return Err(Error::Selection(format!(
            "path does not have a unicode filename which may not unpack on all platforms: {}",
            rel.display()
        )));
    };
    let name = rel.file_name().and_then(|n| n.to_str()).unwrap_or_default();
    if let Some(c) = ['\\', '<', '>', ':', '"', '|', '?', '*'].iter().find(|c| name.contains(**c)) {
        return Err(Error::Selection(format!("cannot package a filename with a special character `{c}`: {rel_str}")));
    }
    let stem = name.split('.').next().unwrap_or_default().to_ascii_lowercase();
    let reserved = ["con", "prn", "aux", "nul"].contains(&stem.as_str())
        || (stem.len() == 4
            && (stem.starts_with("com") || stem.starts_with("lpt"))
            && stem.as_bytes()[3].is_ascii_digit()
            && stem.as_bytes()[3] != b'0');
    if reserved {
        warnings.push(format!("file {rel_str} is a reserved Windows filename, it will not work on Windows platforms"));
    }
    Ok(rel_str)
}

/// A package's entries with their contents decided.
#[derive(Debug)]
pub struct Planned {
    pub plan: Plan,
    /// The manifest written into the archive.
    pub published: TomlManifest,
    /// The manifest as written, for the eras that published its targets so (`ERA-TARGETS`).
    pub original: manifest::Written,
    pub warnings: Vec<String>,
}

/// Produces every entry's contents: the normalized manifest, the lock file (resolved with the
/// packages already in `siblings`), the VCS file, and the size and mode of each copied file.
pub fn plan(selection: &Selection, options: &Options, lock: LockContext<'_>) -> Result<Planned, Error> {
    let manifest = &selection.manifest;
    let packaged: BTreeSet<PathBuf> = selection.entries.iter().map(|e| e.rel_path.clone()).collect();
    let (published, warnings) = manifest::prepare_for_publish(
        manifest,
        &PublishContext { packaged: &packaged, registries: &options.registries.indexes },
    )?;
    let manifest_text = manifest::render_as(&published, &manifest.original, &options.profile)
        .map_err(|source| Error::Render { path: manifest.path.clone(), source })?;

    let mut entries = Vec::with_capacity(selection.entries.len());
    for selected in &selection.entries {
        let contents = match &selected.source {
            Source::Copy(path) => copied(path)?,
            Source::Generate(kind, based_on) => {
                let data = match kind {
                    Generated::Manifest => manifest_text.clone().into_bytes(),
                    Generated::Lockfile => {
                        lockfile_text(selection, &published, &manifest_text, based_on.as_deref(), options, lock)?
                            .into_bytes()
                    }
                    Generated::VcsInfo => {
                        selection.vcs.as_ref().map(|vcs| vcs.text_as(&options.profile)).unwrap_or_default().into_bytes()
                    }
                };
                Contents::Generated { kind: *kind, data }
            }
        };
        entries.push(Entry { rel_path: selected.rel_path.clone(), contents });
    }
    let original = manifest.original.clone();
    Ok(Planned { plan: Plan::new(selection.base_name(), entries), published, original, warnings })
}

/// The archive's `Cargo.lock`, resolved from `previous` (LOCK-RESOLVE), or the workspace lock
/// itself where LOCK-OWN proves that cargo would resolve it to the same lines.
fn lockfile_text(
    selection: &Selection,
    published: &TomlManifest,
    manifest_text: &str,
    previous: Option<&Path>,
    options: &Options,
    lock: LockContext<'_>,
) -> Result<String, Error> {
    let manifest = &selection.manifest;
    let version = manifest.version();
    let member = PackageSpec { name: manifest.name(), version: &version, dir: &manifest.root };
    let cargo = &options.cargo;
    // With `--locked`, cargo leaves a lock that parses to the same resolve as it is, whatever
    // its lines; a dependency normalization drops makes the package's resolve smaller.
    let proven = lock.refreshed
        && selection.own_workspace
        && cargo.plain_config
        && !cargo.locked
        && !cargo.frozen
        && manifest::dependency_tables(&manifest.normalized).map(|t| t.len()).sum::<usize>()
            == manifest::dependency_tables(published).map(|t| t.len()).sum::<usize>();
    if proven
        && let Some(previous) = previous
        && let Some(text) = lockfile::refreshed_own(previous, &member)?
    {
        return Ok(text);
    }
    let rust_version = published.package().and_then(|p| p.rust_version.as_ref()).and_then(|v| v.as_value());
    let format = options.profile.lock_format_for(rust_version.map(|v| v.to_partial()).map(|v| (v.major, v.minor)));
    let scratch = scratch_dir(options);
    Ok(lockfile::generate(cargo, &member, published, manifest_text, previous, format, lock.siblings, &scratch)?)
}

/// LOCK-SIBLINGS: the temporary registry for a run whose packages depend on each other.
pub fn sibling_registry(options: &Options, upstream: String) -> Result<LocalRegistry, Error> {
    let package_dir = options.cargo.build_dir.as_deref().unwrap_or(&options.target_dir).join("package");
    Ok(LocalRegistry::new(&package_dir, upstream, &options.cargo.home)?)
}

fn scratch_dir(options: &Options) -> PathBuf {
    options.target_dir.join("package")
}

/// ARC-MODE / SEL-SYMLINK: a copied file's size and owner-exec bit, through any symlink.
fn copied(path: &Path) -> Result<Contents, Error> {
    let meta = std::fs::metadata(path).map_err(|source| Error::Stat { path: path.to_owned(), source })?;
    if !meta.is_file() {
        return Err(Error::NotAFile { path: path.to_owned() });
    }
    Ok(Contents::OnDisk { path: path.to_owned(), size: meta.len(), executable: is_owner_executable(&meta) })
}

#[cfg(unix)]
fn is_owner_executable(meta: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::PermissionsExt;
    meta.permissions().mode() & 0o100 != 0
}

/// Cargo on Windows never records an exec bit.
#[cfg(not(unix))]
fn is_owner_executable(_: &std::fs::Metadata) -> bool {
    false
}

/// A `.crate` written to a temporary file beside its destination, not yet in place.
#[derive(Debug)]
pub struct Written {
    temp: tempfile::NamedTempFile,
    /// Where [`Written::persist`] puts it: `<target-dir>/package/<name>-<version>.crate`.
    pub dest: PathBuf,
    pub outcome: archive::Outcome,
    pub compressed_size: u64,
}

impl Written {
    /// The complete archive, at its temporary path.
    pub fn path(&self) -> &Path {
        self.temp.path()
    }

    /// Renames the archive into place. Done only once every package of the run has been made
    /// and verified, so that a failed run leaves no `.crate` behind, as with cargo.
    pub fn persist(self) -> Result<PathBuf, Error> {
        self.temp.persist(&self.dest).map_err(|e| Error::Write { path: self.dest.clone(), source: e.error })?;
        Ok(self.dest)
    }
}

/// Writes the plan to a temporary file in `<target-dir>/package/`.
pub fn write(plan: &Plan, options: &Options) -> Result<Written, Error> {
    let dir = options.target_dir.join("package");
    let io_error = |path: &Path| {
        let path = path.to_owned();
        move |source| Error::Write { path, source }
    };
    std::fs::create_dir_all(&dir).map_err(io_error(&dir))?;
    let dest = dir.join(plan.file_name());
    let mut builder = tempfile::Builder::new();
    builder.prefix(".seal-").suffix(".crate.tmp");
    // The finished `.crate` gets the mode of a newly created file (0666 less the umask), as
    // cargo's does, not the private mode of a temporary file.
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
    let mut temp = builder.tempfile_in(&dir).map_err(io_error(&dir))?;
    let outcome = {
        let mut out = std::io::BufWriter::new(temp.as_file_mut());
        let outcome = archive::write_as(plan, &options.profile, &mut out)
            .map_err(|source| Error::Archive { path: dest.clone(), source })?;
        std::io::Write::flush(&mut out).map_err(io_error(&dest))?;
        outcome
    };
    let compressed_size = temp.as_file().metadata().map_err(io_error(&dest))?.len();
    Ok(Written { temp, dest, outcome, compressed_size })
}

/// ARC-VERIFY: unpacks the archive beside it and builds it with cargo, as `cargo package` does, with
/// the other packages of the run available from `siblings`.
pub fn verify(
    written: &Written,
    plan: &Plan,
    features: &CliFeatures,
    options: &Options,
    siblings: Option<&LocalRegistry>,
) -> Result<(), Error> {
    let dir = options.target_dir.join("package");
    let unpacked = dir.join(&plan.base_name);
    let io_error = |source| Error::Write { path: unpacked.clone(), source };
    if unpacked.exists() {
        std::fs::remove_dir_all(&unpacked).map_err(io_error)?;
    }
    let file = std::fs::File::open(written.path()).map_err(io_error)?;
    tar::Archive::new(flate2::read::GzDecoder::new(file)).unpack(&dir).map_err(io_error)?;
    let before = fingerprint(&unpacked)?;
    let manifest = unpacked.join("Cargo.toml");
    let manifest = manifest.to_string_lossy();
    let mut command = options.cargo.command(&["build", "--manifest-path", &manifest]);
    if let Some(siblings) = siblings {
        siblings.apply(&mut command);
    }
    command.args(features.build_args()).args(options.build.args());
    if options.cargo.frozen {
        command.arg("--frozen");
    } else if options.cargo.offline {
        command.arg("--offline");
    }
    match options.build.shown {
        Some(shown) => {
            command.env("CARGO_TERM_COLOR", if shown.color { "always" } else { "never" });
            options.cargo.run_shown(command, !shown.terminal).map_err(|err| match err {
                cargo::Error::Shown { ended_with, .. } => Error::BuildFailed(ended_with),
                err => Error::Verify(err),
            })?;
        }
        None => options.cargo.run(command).map_err(Error::Verify)?,
    }
    // ARC-VERIFY-SOURCES: a build script that writes into the sources fails the package, as in cargo.
    let after = fingerprint(&unpacked)?;
    match fingerprint_changes(&before, &after) {
        Some(changes) => Err(Error::Modified(SourcesModified { changes })),
        None => Ok(()),
    }
}

/// Every file, symlink and directory under `dir` except its top-level `target/`, with a digest
/// of its contents (a file), its target (a symlink) or nothing (a directory).
fn fingerprint(dir: &Path) -> Result<BTreeMap<PathBuf, Vec<u8>>, Error> {
    let error = |source| Error::Fingerprint { path: dir.to_owned(), source };
    let mut found = BTreeMap::new();
    let walk = walkdir::WalkDir::new(dir).into_iter().filter_entry(|e| !(e.depth() == 1 && e.file_name() == "target"));
    for entry in walk {
        let entry = entry.map_err(|e| error(e.into()))?;
        let kind = entry.file_type();
        let digest = if kind.is_file() {
            let mut hasher = sha2::Sha256::new();
            std::io::copy(&mut std::fs::File::open(entry.path()).map_err(error)?, &mut hasher).map_err(error)?;
            hasher.finalize().to_vec()
        } else if kind.is_symlink() {
            std::fs::read_link(entry.path()).map_err(error)?.into_os_string().into_encoded_bytes()
        } else {
            Vec::new()
        };
        found.insert(entry.into_path(), digest);
    }
    Ok(found)
}

/// Cargo's report of what a build changed: `Changed:`, `Added:`, `Removed:` lines of sorted
/// paths, or `None` when nothing did.
fn fingerprint_changes(before: &BTreeMap<PathBuf, Vec<u8>>, after: &BTreeMap<PathBuf, Vec<u8>>) -> Option<String> {
    let shown = |paths: Vec<&PathBuf>| paths.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join("\n\t");
    let changed: Vec<_> =
        before.iter().filter(|(p, d)| after.get(*p).is_some_and(|a| a != *d)).map(|(p, _)| p).collect();
    let added: Vec<_> = after.keys().filter(|p| !before.contains_key(*p)).collect();
    let removed: Vec<_> = before.keys().filter(|p| !after.contains_key(*p)).collect();
    let report: Vec<String> = [("Changed", changed), ("Added", added), ("Removed", removed)]
        .into_iter()
        .filter(|(_, paths)| !paths.is_empty())
        .map(|(label, paths)| format!("{label}: {}", shown(paths)))
        .collect();
    (!report.is_empty()).then(|| report.join("\n"))
}
