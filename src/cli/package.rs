//! `cargo seal package`.

use std::error::Error;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use cargo_util_schemas::core::{PackageIdSpec, SourceKind};
use cargo_util_schemas::messages::{PackageFile, PackageList};

use super::common::{self, render};
use super::environment;
use super::shell::{Shell, Verbosity};
use super::{EXIT_ERROR, EXIT_MISMATCH, EXIT_OK};
use crate::cargo::Cargo;
use crate::era;
use crate::features::CliFeatures;
use crate::manifest::normalize_path;
use crate::ops::package::{self as ops_package, Event, Run};
use crate::package::{self, Options, Selection, Source};
use crate::provenance::PrivateKey;
use crate::registry::{self, Registries, Requested};
use crate::vcs::{self};
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
    let run = Run {
        packages,
        features: CliFeatures::from_command_line(&args.features, args.all_features, args.no_default_features)?,
        list: args.list,
        verify: !args.no_verify,
        registry: requested_registry(args, &options.registries)?,
        reproduce_in: args.verify_reproducible.then(|| ops_package::other_tz(std::env::var("TZ").ok().as_deref())),
        key,
        metadata_warnings: !args.no_metadata,
    };
    let outcome = ops_package::run(ws, options, &run, &mut |event| match event {
        Event::Warning(warning) => shell.warn(warning),
        Event::MissingMetadata(warning) => shell.warn_with_note(warning, crate::manifest::METADATA_NOTE),
        Event::Listed(selection) => print_list(selection, args.message_format, shell),
        Event::Status { verb, message } => shell.status(verb, message),
        Event::Archiving(entry) if shell.verbosity == Verbosity::Verbose => shell.status("Archiving", entry),
        Event::Archiving(_) => {}
        Event::NotRebuilt(omission) => {
            shell.warn(format_args!("not rebuilt from the commit: {}: {}", omission.path, omission.reason))
        }
        Event::NotReproducible { file, verification } => {
            shell.error(&NotReproducible { file: file.to_owned(), commit: verification.commit.clone() });
            render(&verification.comparison, shell);
        }
    })?;
    Ok(if outcome.reproducible { EXIT_OK } else { EXIT_MISMATCH })
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

#[derive(Debug, thiserror::Error)]
#[error(
    "`{file}` is not reproducible from commit {commit}: the rebuild differs (below; rebuilt first, packaged second)"
)]
struct NotReproducible {
    file: String,
    commit: String,
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
    let manifest_path = common::manifest_path(&cwd, args.manifest_path.as_deref()).map_err(Usage)?;
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
