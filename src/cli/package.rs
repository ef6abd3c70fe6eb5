//! `cargo seal package`.

use std::error::Error;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use cargo_util_schemas::core::{PackageIdSpec, SourceKind};
use cargo_util_schemas::messages::{PackageFile, PackageList};

use super::common::render;
use super::environment;
use super::shell::{Shell, Verbosity};
use super::{EXIT_ERROR, EXIT_MISMATCH, EXIT_OK};
use crate::archive::{HumanBytes, read};
use crate::cargo::Cargo;
use crate::compare::Verdict;
use crate::era;
use crate::features::CliFeatures;
use crate::git::Repos;
use crate::lockfile::LocalRegistry;
use crate::manifest::Manifest;
use crate::manifest::normalize_path;
use crate::package::{self, Options, Selection, Source, Written};
use crate::plan::Plan;
use crate::provenance::{self, PrivateKey};
use crate::registry::{self, Registries, Requested};
use crate::vcs::{self, VcsInfo};
use crate::verify;
use crate::workspace::{Packages, Workspace};

/// Flags and meanings as `cargo package`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Registry index URL to prepare the package for
    #[arg(long, value_name = "INDEX", conflicts_with = "registry")]
    index: Option<String>,
    /// Registry to prepare the package for
    #[arg(long, value_name = "REGISTRY")]
    registry: Option<String>,
    /// Path to Cargo.toml
    #[arg(long, value_name = "PATH", help_heading = "Manifest Options")]
    manifest_path: Option<PathBuf>,
    /// Package(s) to assemble
    #[arg(short, long, value_name = "SPEC", help_heading = "Package Selection")]
    package: Vec<String>,
    /// Assemble all packages in the workspace
    #[arg(long, help_heading = "Package Selection")]
    workspace: bool,
    /// Don't assemble specified packages
    #[arg(long, value_name = "SPEC", help_heading = "Package Selection")]
    exclude: Vec<String>,
    /// Space or comma separated list of features to activate
    #[arg(short = 'F', long, value_name = "FEATURES", help_heading = "Feature Selection")]
    features: Vec<String>,
    /// Activate all available features
    #[arg(long, help_heading = "Feature Selection")]
    all_features: bool,
    /// Do not activate the `default` feature
    #[arg(long, help_heading = "Feature Selection")]
    no_default_features: bool,
    /// Directory for all generated artifacts
    #[arg(long, value_name = "DIRECTORY", help_heading = "Compilation Options")]
    target_dir: Option<PathBuf>,
    /// Allow dirty working directories to be packaged
    #[arg(long)]
    allow_dirty: bool,
    /// Don't verify the contents by building them
    #[arg(long)]
    no_verify: bool,
    /// Print files included in a package without making one
    #[arg(short, long)]
    list: bool,
    /// Rebuild each package from its git commit in a fresh directory, under another umask and
    /// TZ, and exit 1 if one byte differs
    #[arg(long, conflicts_with = "list")]
    verify_reproducible: bool,
    /// Sign a provenance statement for each package with this ed25519 key, written beside it
    /// as `<crate>.intoto.jsonl`
    #[arg(long, value_name = "KEYFILE", conflicts_with = "list")]
    attest: Option<PathBuf>,
    /// Write what this cargo release writes (`1.85`), instead of what the cargo that runs writes
    #[arg(long, value_name = "X.Y", conflicts_with = "list")]
    cargo_version: Option<String>,
    /// Don't include the lock file when packaging
    #[arg(long)]
    exclude_lockfile: bool,
    /// Run without accessing the network
    #[arg(long, help_heading = "Manifest Options")]
    offline: bool,
    /// Assert that `Cargo.lock` will remain unchanged
    #[arg(long, help_heading = "Manifest Options")]
    locked: bool,
    /// Equivalent to specifying both --locked and --offline
    #[arg(long, help_heading = "Manifest Options")]
    frozen: bool,
    /// Do not print cargo log messages
    #[arg(short, long)]
    quiet: bool,
    /// Use verbose output
    #[arg(short, long, action = clap::ArgAction::Count)]
    verbose: u8,
    /// Output representation
    #[arg(long, value_enum, default_value = "human", value_name = "FMT", requires = "list")]
    message_format: MessageFormat,
    /// Ignore warnings about a lack of human-usable metadata
    #[arg(long)]
    no_metadata: bool,
    /// Coloring
    #[arg(long, value_name = "WHEN", value_parser = ["auto", "always", "never"])]
    color: Option<String>,
    /// Override a configuration value
    #[arg(long, value_name = "KEY=VALUE|PATH")]
    config: Vec<String>,
    /// Unstable (nightly-only) flags to Cargo, see 'cargo -Z help' for details
    #[arg(short = 'Z', value_name = "FLAG")]
    unstable: Vec<String>,
    /// Build for the target triple
    #[arg(long, value_name = "TRIPLE", help_heading = "Compilation Options")]
    target: Vec<String>,
    /// Number of parallel jobs, defaults to # of CPUs.
    #[arg(short, long, value_name = "N", allow_negative_numbers = true, help_heading = "Compilation Options")]
    jobs: Option<String>,
    /// Do not abort the build as soon as there is an error
    #[arg(long, help_heading = "Compilation Options")]
    keep_going: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum MessageFormat {
    Human,
    Json,
}

/// A usage mistake, reported like cargo reports it.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct Usage(String);

pub(super) fn run(args: Args, shell: &mut Shell) -> u8 {
    if !args.unstable.is_empty() {
        shell.print_error_text(&unstable_refusal(&environment::cargo_version()));
        return EXIT_ERROR;
    }
    let cwd = match std::env::current_dir() {
        Ok(cwd) => cwd,
        Err(err) => {
            shell.error(&Usage(format!("cannot read the current directory: {err}")));
            return EXIT_ERROR;
        }
    };
    let config = environment::CargoConfig::read(&cwd, &args.config);
    if let Some(when) = args.color.as_deref().or(config.color) {
        shell.set_color(when);
    }
    shell.verbosity = match verbosity(&args, &config) {
        Ok(verbosity) => verbosity,
        Err(err) => {
            shell.error(&err);
            return EXIT_ERROR;
        }
    };
    // The key is read first: a missing or unreadable key stops the run before any work.
    let key = match args.attest.as_deref().map(|path| super::common::signing_key(path, shell)).transpose() {
        Ok(key) => key,
        Err(err) => {
            shell.error(&err);
            return EXIT_ERROR;
        }
    };
    // The verification build speaks at the run's verbosity and in its colors.
    let build_verbosity = match shell.verbosity {
        Verbosity::Quiet => -1,
        Verbosity::Normal => 0,
        Verbosity::Verbose => args.verbose.clamp(1, 2) as i8,
    };
    let shown = package::Shown {
        verbosity: build_verbosity,
        color: shell.is_colored(),
        terminal: std::io::stderr().is_terminal(),
    };
    let run =
        options(&args, cwd, config, shown).and_then(|(options, ws)| package(&args, &options, &ws, key.as_ref(), shell));
    match run {
        Ok(code) => code,
        Err(err) => {
            shell.error(&*err);
            EXIT_ERROR
        }
    }
}

/// How much to print, as cargo decides it: the flags, else `term.verbose`/`term.quiet`; both
/// at once is a mistake.
fn verbosity(args: &Args, config: &environment::CargoConfig) -> Result<Verbosity, Usage> {
    match (args.verbose > 0, args.quiet) {
        (true, true) => Err(Usage("cannot set both --verbose and --quiet".into())),
        (true, false) => Ok(Verbosity::Verbose),
        (false, true) => Ok(Verbosity::Quiet),
        (false, false) => match (config.verbose == Some(true), config.quiet == Some(true)) {
            (true, true) => Err(Usage("cannot set both `term.verbose` and `term.quiet`".into())),
            (true, false) => Ok(Verbosity::Verbose),
            (false, true) => Ok(Verbosity::Quiet),
            (false, false) => Ok(Verbosity::Normal),
        },
    }
}

/// Why `-Z` flags are refused: as cargo refuses them off the nightly channel; on nightly, because
/// they are not passed on to cargo yet.
fn unstable_refusal(cargo_version: &str) -> String {
    let nightly = ["-nightly", "-dev"].iter().any(|tag| cargo_version.contains(tag));
    if nightly {
        return "`-Z` flags are not passed on to cargo by cargo-seal yet; run `cargo package` for them".into();
    }
    let channel = if cargo_version.contains("-beta") { "beta" } else { "stable" };
    format!(
        "the `-Z` flag is only accepted on the nightly channel of Cargo, but this is the `{channel}` channel\n\
         See https://doc.rust-lang.org/book/appendix-07-nightly-rust.html for more information about Rust release channels."
    )
}

/// A package made in this run, not yet in place.
struct Made {
    /// `name vX.Y.Z (path)`, as status lines name it.
    id: String,
    root: PathBuf,
    vcs: Option<VcsInfo>,
    written: Written,
    plan: Plan,
    features: CliFeatures,
}

/// Packages the selected members; the exit code is [`EXIT_MISMATCH`] when one is not reproducible.
fn package(
    args: &Args,
    options: &Options,
    ws: &Workspace,
    key: Option<&PrivateKey>,
    shell: &mut Shell,
) -> Result<u8, Box<dyn Error>> {
    if !args.exclude.is_empty() && !args.workspace {
        return Err(Usage("--exclude can only be used together with --workspace".into()).into());
    }
    let packages = if args.workspace {
        Packages::All { exclude: args.exclude.clone() }
    } else if args.package.is_empty() {
        Packages::Default
    } else {
        Packages::Named(args.package.clone())
    };
    let cli_features = CliFeatures::from_command_line(&args.features, args.all_features, args.no_default_features)?;
    let members = package::members(ws, &packages, &cli_features)?;
    for warning in &members.warnings {
        shell.warn(warning);
    }
    let refreshed = package::refresh_lockfile(ws, options)?;
    // WS-PUBLISH-TO, LOCK-SIBLINGS: a run whose packages depend on each other, or that names a
    // registry, packages for a registry, where each package is "published" once made.
    let needs_siblings = members.depend_on_each_other && (options.include_lockfile || !args.no_verify);
    let requested = requested_registry(args, &options.registries)?;
    let siblings = if !args.list && (needs_siblings || requested.is_some()) {
        let manifests: Vec<&Manifest> = members.packages.iter().map(|(manifest, _)| manifest).collect();
        let source = registry::choose(requested.as_ref(), &manifests, &options.registries)?;
        Some(package::sibling_registry(options, source)?)
    } else {
        None
    };

    let mut made = Vec::with_capacity(members.packages.len());
    let mut repos = Repos::default();
    for (manifest, features) in members.packages {
        // As cargo: the metadata check comes first, before the files are listed or checked.
        if let Some(warning) = manifest.missing_metadata_warning().filter(|_| !args.no_metadata) {
            shell.warn_with_note(warning, crate::manifest::METADATA_NOTE);
        }
        let selection = package::select(manifest, ws, options, &mut repos)?;
        for warning in &selection.warnings {
            shell.warn(warning);
        }
        if args.list {
            print_list(&selection, args.message_format, shell);
            continue;
        }
        if let vcs::Dirty::RequireCommit(needs) = options.dirty {
            selection.commit(needs)?;
        }
        let manifest = &selection.manifest;
        let id = format!("{} v{} ({})", manifest.name(), manifest.version(), manifest.root.display());
        shell.status("Packaging", &id);
        let planned =
            package::plan(&selection, options, package::LockContext { siblings: siblings.as_ref(), refreshed })?;
        for warning in &planned.warnings {
            shell.warn(warning);
        }
        if shell.verbosity == Verbosity::Verbose {
            for entry in &planned.plan.entries {
                shell.status("Archiving", entry.rel_str());
            }
        }
        let written = package::write(&planned.plan, options)?;
        shell.status(
            "Packaged",
            format!(
                "{} files, {:.1} ({:.1} compressed)",
                written.outcome.files,
                HumanBytes(written.outcome.uncompressed_size),
                HumanBytes(written.compressed_size)
            ),
        );
        if let Some(siblings) = &siblings
            && !manifest.is_unpublishable()
        {
            siblings.add(&planned.published, written.path(), &written.dest)?;
        }
        let root = manifest.root.clone();
        made.push(Made { id, root, vcs: selection.vcs, written, plan: planned.plan, features });
    }
    // ARC-VERIFY: after every package is made, so that each can use the others.
    if !args.no_verify {
        for made in &made {
            shell.status("Verifying", &made.id);
            package::verify(&made.written, &made.plan, &made.features, options, siblings.as_ref())?;
        }
    }
    let mut reproduced = vec![true; made.len()];
    if args.verify_reproducible {
        for (made, reproduced) in made.iter().zip(&mut reproduced) {
            *reproduced = reproduce(made, options, siblings.as_ref(), shell)?;
        }
    }
    // PROV-PACKAGE: a package that is not reproducible is not signed.
    let envelopes = match key {
        Some(key) => made
            .iter()
            .zip(&reproduced)
            .filter(|(_, reproduced)| **reproduced)
            .map(|(made, _)| Ok((made.written.dest.clone(), attest(made, key)?)))
            .collect::<Result<Vec<_>, Box<dyn Error>>>()?,
        None => Vec::new(),
    };
    // A package that is not reproducible is still put in place: it is the evidence.
    for made in made {
        made.written.persist()?;
    }
    let keyid = key.map(|k| k.public().keyid()).unwrap_or_default();
    for (krate, envelope) in envelopes {
        let path = provenance::envelope_path(&krate);
        provenance::write(&envelope, &path)?;
        shell.status("Attested", format_args!("`{}` with key {keyid}", path.display()));
    }
    Ok(if reproduced.iter().all(|r| *r) { EXIT_OK } else { EXIT_MISMATCH })
}

/// `--registry NAME`, `--index URL`, else `registry.default` (cargo's `registry_or_index`).
fn requested_registry(args: &Args, registries: &Registries) -> Result<Option<Requested>, Box<dyn Error>> {
    Ok(match (&args.registry, &args.index) {
        (Some(name), _) => {
            registry::check_name(name)?;
            Some(Requested::Name(name.clone()))
        }
        (None, Some(index)) => {
            let url = url::Url::parse(index).map_err(|e| Usage(format!("invalid url `{index}`: {e}")))?;
            Some(Requested::Index(url.to_string()))
        }
        (None, None) => registries.default.clone().map(Requested::Name),
    })
}

/// PROV-PACKAGE: the envelope for a package just made, from its archive as written, so that it
/// is the one `cargo seal attest` gives for the same file.
fn attest(made: &Made, key: &PrivateKey) -> Result<provenance::Envelope, Box<dyn Error>> {
    let file = read::read_file(made.written.path(), &read::Limits::default())?;
    let facts = provenance::facts(&made.written.dest, &file)?;
    Ok(provenance::attest(&facts, key))
}

/// VER-REPRODUCE: rebuilds `made` from its commit under another umask and TZ; true when the
/// bytes are the same, else the differences are shown.
fn reproduce(
    made: &Made,
    options: &Options,
    siblings: Option<&LocalRegistry>,
    shell: &mut Shell,
) -> Result<bool, Box<dyn Error>> {
    let vcs = made.vcs.as_ref().ok_or("a package to reproduce has a commit (checked when selected)")?;
    let tz = other_tz(std::env::var("TZ").ok().as_deref());
    let mut options = options.clone();
    options.cargo.env.push(("TZ".to_owned(), tz.to_owned()));
    let scratch = std::env::temp_dir();
    let verification = under_other_umask(|umask| {
        let short = vcs.git.sha1.get(..12).unwrap_or(&vcs.git.sha1);
        let umask = umask.map(|m| format!("umask {m:03o}, ")).unwrap_or_default();
        shell.status("Reproducing", format!("{} from commit {short} ({umask}TZ={tz})", made.id));
        verify::reproduce(made.written.path(), &made.root, vcs, &options, siblings, &scratch)
    })?;
    let file = made.plan.file_name();
    for omission in &verification.omitted {
        shell.warn(format_args!("not rebuilt from the commit: {}: {}", omission.path, omission.reason));
    }
    if verification.comparison.verdict == Verdict::Identical {
        shell.status("Reproduced", format!("{file} byte for byte (sha256 {})", verification.rebuilt.sha256));
        return Ok(true);
    }
    shell.error(&NotReproducible { file, commit: verification.commit.clone() });
    render(&verification.comparison, shell);
    Ok(false)
}

#[derive(Debug, thiserror::Error)]
#[error(
    "`{file}` is not reproducible from commit {commit}: the rebuild differs (below; rebuilt first, packaged second)"
)]
struct NotReproducible {
    file: String,
    commit: String,
}

/// A time zone far from `current`: nothing that decides bytes may depend on it.
fn other_tz(current: Option<&str>) -> &'static str {
    const FAR_EAST: &str = "Pacific/Kiritimati"; // UTC+14
    const FAR_WEST: &str = "Etc/GMT+12"; // UTC-12
    if current == Some(FAR_EAST) { FAR_WEST } else { FAR_EAST }
}

/// Runs `f` under a umask unlike the current one (077, or 022 when it already is 077) and
/// restores it; `f` gets the umask it runs under.
#[cfg(unix)]
fn under_other_umask<T>(f: impl FnOnce(Option<u32>) -> T) -> T {
    use rustix::fs::Mode;
    use rustix::process::umask;
    let current = umask(Mode::from_raw_mode(0o077));
    let other = if current.as_raw_mode() == 0o077 { 0o022 } else { 0o077 };
    umask(Mode::from_raw_mode(other));
    let out = f(Some(other));
    umask(current);
    out
}

#[cfg(not(unix))]
fn under_other_umask<T>(f: impl FnOnce(Option<u32>) -> T) -> T {
    f(None)
}

fn print_list(selection: &Selection, format: MessageFormat, shell: &mut Shell) {
    match format {
        MessageFormat::Human => {
            for entry in &selection.entries {
                shell.print(entry.rel_path.display());
            }
        }
        MessageFormat::Json => {
            let files = selection
                .entries
                .iter()
                .map(|e| {
                    let file = match &e.source {
                        Source::Copy(path) => PackageFile::Copy { path: path.clone() },
                        Source::Generate(_, path) => PackageFile::Generate { path: path.clone() },
                    };
                    (e.rel_path.clone(), file)
                })
                .collect();
            let list = PackageList { id: package_id_spec(selection), files };
            shell.print(serde_json::to_string(&list).expect("plain data serializes"));
        }
    }
}

fn package_id_spec(selection: &Selection) -> PackageIdSpec {
    let manifest = &selection.manifest;
    let mut spec = PackageIdSpec::new(manifest.name().to_owned()).with_kind(SourceKind::Path);
    if let Ok(version) = manifest.version().to_string().parse() {
        spec = spec.with_version(version);
    }
    if let Ok(url) = url::Url::from_directory_path(&manifest.root) {
        // Cargo's ids carry the directory without a trailing slash.
        let text = url.as_str().trim_end_matches('/').to_owned();
        if let Ok(url) = url::Url::parse(&text) {
            spec = spec.with_url(url);
        }
    }
    spec
}

fn options(
    args: &Args,
    cwd: PathBuf,
    config: environment::CargoConfig,
    shown: package::Shown,
) -> Result<(Options, Workspace), Box<dyn Error>> {
    let manifest_path = match &args.manifest_path {
        Some(path) => {
            if path.file_name().is_none_or(|n| n != "Cargo.toml") {
                return Err(Usage("the manifest-path must be a path to a Cargo.toml file".into()).into());
            }
            let path = cwd.join(path);
            if !path.is_file() {
                return Err(Usage(format!("manifest path `{}` does not exist", path.display())).into());
            }
            path
        }
        None => cwd.ancestors().map(|dir| dir.join("Cargo.toml")).find(|p| p.is_file()).ok_or_else(|| {
            Usage(format!("could not find `Cargo.toml` in `{}` or any parent directory", cwd.display()))
        })?,
    };
    // The manifest's directory is made canonical so that git paths and file paths agree.
    let dir = manifest_path.parent().unwrap_or(Path::new("/"));
    let dir = dir.canonicalize().map_err(|e| Usage(format!("cannot resolve `{}`: {e}", dir.display())))?;
    let manifest_path = dir.join("Cargo.toml");
    let target_dir = args.target_dir.as_ref().map(|dir| normalize_path(&cwd.join(dir))).or(config.target_dir);
    let mut cargo = Cargo {
        program: environment::cargo_program(),
        home: environment::cargo_home(),
        cwd,
        target_dir,
        build_dir: None,
        plain_config: config.plain,
        offline: args.offline || config.offline,
        locked: args.locked,
        frozen: args.frozen,
        env: Vec::new(),
        config: args.config.clone(),
    };
    // ERA-PACKAGE: written as the cargo that runs the lock step would write it, or as asked.
    let release = match &args.cargo_version {
        Some(release) => Some(era::minor_of(release)?),
        None => environment::cargo_release(&cargo.program),
    };
    let profile = release.map_or(Ok(era::CURRENT), |minor| era::for_package(minor).map(|era| era.profile))?;
    let ws = Workspace::load(&cargo, &manifest_path)?;
    cargo.target_dir = Some(ws.target_dir.clone());
    cargo.build_dir = Some(ws.build_dir.clone());
    let options = Options {
        target_dir: ws.target_dir.clone(),
        dirty: match (args.verify_reproducible, args.attest.is_some(), args.allow_dirty) {
            (true, _, _) => vcs::Dirty::RequireCommit(vcs::NeedsCommit::Reproduce),
            (false, true, _) => vcs::Dirty::RequireCommit(vcs::NeedsCommit::Attest),
            (false, false, true) => vcs::Dirty::Allow,
            (false, false, false) => vcs::Dirty::Refuse,
        },
        include_lockfile: !args.exclude_lockfile,
        build: package::BuildOptions {
            targets: args.target.clone(),
            jobs: args.jobs.clone(),
            keep_going: args.keep_going,
            shown: Some(shown),
        },
        registries: config.registries,
        cargo,
        profile,
    };
    Ok((options, ws))
}
