//! `cargo seal package`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use cargo_util_schemas::core::{PackageIdSpec, SourceKind};
use cargo_util_schemas::messages::{PackageFile, PackageList};

use super::shell::{Shell, Verbosity};
use super::{EXIT_ERROR, EXIT_OK};
use crate::archive::HumanBytes;
use crate::lockfile::Cargo;
use crate::package::{self, Options, Selection, Source};
use crate::workspace::{Packages, Workspace};

/// Flags and meanings as `cargo package`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Path to Cargo.toml
    #[arg(long, value_name = "PATH")]
    manifest_path: Option<PathBuf>,
    /// Package(s) to assemble
    #[arg(short, long, value_name = "SPEC", help_heading = "Package Selection")]
    package: Vec<String>,
    /// Assemble all packages in the workspace
    #[arg(long, help_heading = "Package Selection")]
    workspace: bool,
    /// Don't assemble specified packages
    #[arg(long, value_name = "SPEC", requires = "workspace", help_heading = "Package Selection")]
    exclude: Vec<String>,
    /// Directory for all generated artifacts
    #[arg(long, value_name = "DIRECTORY")]
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
    /// Don't include the lock file when packaging
    #[arg(long)]
    exclude_lockfile: bool,
    /// Run without accessing the network
    #[arg(long)]
    offline: bool,
    /// Assert that `Cargo.lock` will remain unchanged
    #[arg(long)]
    locked: bool,
    /// Equivalent to specifying both --locked and --offline
    #[arg(long)]
    frozen: bool,
    /// Do not print cargo log messages
    #[arg(short, long)]
    quiet: bool,
    /// Use verbose output
    #[arg(short, long, action = clap::ArgAction::Count)]
    verbose: u8,
    /// Output representation
    #[arg(long, value_enum, default_value = "human", value_name = "FMT")]
    message_format: MessageFormat,
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
    shell.verbosity = match (args.quiet, args.verbose) {
        (true, _) => Verbosity::Quiet,
        (false, 0) => Verbosity::Normal,
        _ => Verbosity::Verbose,
    };
    let result = options(&args).and_then(|(options, ws)| Ok(package(&args, &options, &ws, shell)?));
    match result {
        Ok(()) => EXIT_OK,
        Err(err) => {
            shell.error(&*err);
            EXIT_ERROR
        }
    }
}

fn package(args: &Args, options: &Options, ws: &Workspace, shell: &mut Shell) -> Result<(), package::Error> {
    let packages = if args.workspace {
        Packages::All { exclude: args.exclude.clone() }
    } else if args.package.is_empty() {
        Packages::Default
    } else {
        Packages::Named(args.package.clone())
    };
    let members = package::members(ws, &packages)?;
    for warning in &members.warnings {
        shell.warn(warning);
    }
    package::refresh_lockfile(ws, options)?;
    // LOCK-SIBLINGS: only a run whose packages depend on each other needs them "published".
    let siblings = (!args.list && members.depend_on_each_other && (options.include_lockfile || !args.no_verify))
        .then(|| package::sibling_registry(options))
        .transpose()?;

    let mut made = Vec::with_capacity(members.manifests.len());
    for manifest in members.manifests {
        let selection = package::select(manifest, ws, options)?;
        for warning in &selection.warnings {
            shell.warn(warning);
        }
        if args.list {
            print_list(&selection, args.message_format, shell);
            continue;
        }
        let manifest = &selection.manifest;
        if let Some(warning) = manifest.missing_metadata_warning() {
            shell.warn(warning);
        }
        let id = format!("{} v{} ({})", manifest.name(), manifest.version(), manifest.root.display());
        shell.status("Packaging", &id);
        let planned = package::plan(&selection, options, siblings.as_ref())?;
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
        made.push((id, written, planned.plan));
    }
    // VERIFY: after every package is made, so that each can use the others.
    if !args.no_verify {
        for (id, written, plan) in &made {
            shell.status("Verifying", id);
            package::verify(written, plan, options, siblings.as_ref())?;
        }
    }
    for (_, written, _) in made {
        written.persist()?;
    }
    Ok(())
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

fn options(args: &Args) -> Result<(Options, Workspace), Box<dyn std::error::Error>> {
    let cwd = std::env::current_dir().map_err(|e| Usage(format!("cannot read the current directory: {e}")))?;
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
    let target_dir = args
        .target_dir
        .clone()
        .or_else(|| std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from))
        .map(|dir| cwd.join(dir));
    let program = std::env::var_os("CARGO").map_or_else(|| PathBuf::from("cargo"), PathBuf::from);
    let mut cargo = Cargo { program, cwd, target_dir, offline: args.offline, locked: args.locked, frozen: args.frozen };
    let ws = Workspace::load(&cargo, &manifest_path)?;
    cargo.target_dir = Some(ws.target_dir.clone());
    let options = Options {
        target_dir: ws.target_dir.clone(),
        allow_dirty: args.allow_dirty,
        include_lockfile: !args.exclude_lockfile,
        registries: registries_from_env(),
        publish_source: crates_io_source(),
        cargo,
    };
    Ok((options, ws))
}

/// How cargo names crates.io: its sparse index unless `registries.crates-io.protocol` is `git`.
pub(super) fn crates_io_source() -> String {
    match std::env::var("CARGO_REGISTRIES_CRATES_IO_PROTOCOL").as_deref() {
        Ok("git") => "registry+https://github.com/rust-lang/crates.io-index".to_owned(),
        _ => "sparse+https://index.crates.io/".to_owned(),
    }
}

/// `CARGO_REGISTRIES_<NAME>_INDEX` variables, the environment form of `registries.<name>.index`.
pub(super) fn registries_from_env() -> BTreeMap<String, String> {
    std::env::vars()
        .filter_map(|(key, value)| {
            let name = key.strip_prefix("CARGO_REGISTRIES_")?.strip_suffix("_INDEX")?;
            Some((name.to_ascii_lowercase().replace('_', "-"), value))
        })
        .collect()
}
