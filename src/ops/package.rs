//! `cargo seal package`, the whole run, as cargo's `ops::cargo_package`: the members in
//! packaging order, each selected, planned and written ([`crate::package`]); then every archive
//! verified by a build (`ARC-VERIFY`), rebuilt from its commit (`VER-REPRODUCE`), signed
//! (`PROV-PACKAGE`), and only then put in place. What happens is told through [`Event`]s; the
//! caller decides how they look.

use std::path::PathBuf;

use crate::archive::read;
use crate::compare::Verdict;
use crate::features::CliFeatures;
use crate::git::Repos;
use crate::lockfile::LocalRegistry;
use crate::manifest::Manifest;
use crate::package::{self, Options, Selection, Written};
use crate::plan::Plan;
use crate::provenance::{self, PrivateKey};
use crate::registry::{self, Requested};
use crate::vcs;
use crate::vcs_info::VcsInfo;
use crate::verify::{self, Omission, Verification};
use crate::workspace::{Packages, Workspace};

/// What a run makes, beyond how each package is made ([`Options`]).
#[derive(Debug, Clone)]
pub struct Run<'a> {
    pub packages: Packages,
    pub features: CliFeatures,
    /// `--list`: each package's files are selected and told ([`Event::Listed`]); nothing is written.
    pub list: bool,
    /// ARC-VERIFY: build each archive (`--no-verify` turns it off).
    pub verify: bool,
    /// The registry the packages are for (`--registry`, `--index`, `registry.default`).
    pub registry: Option<Requested>,
    /// VER-REPRODUCE: rebuild each package from its commit, under another umask and in this time
    /// zone.
    pub reproduce_in: Option<&'static str>,
    /// PROV-PACKAGE: sign a statement for each package that is reproducible, with this key.
    pub key: Option<&'a PrivateKey>,
    /// Warn of metadata crates.io asks for (not `--no-metadata`).
    pub metadata_warnings: bool,
}

/// What a run tells as it goes.
#[derive(Debug)]
pub enum Event<'a> {
    /// A warning, as cargo gives it.
    Warning(&'a str),
    /// The package lacks metadata crates.io asks for (cargo adds [`crate::manifest::METADATA_NOTE`]).
    MissingMetadata(&'a str),
    /// `--list`: the files of a package.
    Listed(&'a Selection),
    /// A status line, as cargo's: `Packaging`, `Packaged`, `Verifying`, `Reproducing`,
    /// `Reproduced`, `Attested`.
    Status { verb: &'static str, message: String },
    /// An entry written into the archive (cargo shows them with `--verbose`).
    Archiving(&'a str),
    /// VER-REPRODUCE: a file of the commit that the rebuild could not use.
    NotRebuilt(&'a Omission),
    /// VER-REPRODUCE: the rebuild of `file` differs; it is put in place, not signed.
    NotReproducible { file: &'a str, verification: &'a Verification },
}

/// How the run ended.
#[derive(Debug)]
pub struct Outcome {
    /// The `.crate` files put in place.
    pub written: Vec<PathBuf>,
    /// Every package rebuilt byte for byte (true when none was to be).
    pub reproducible: bool,
}

/// Packaging stopped; no `.crate` was put in place.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Package(#[from] package::Error),
    #[error(transparent)]
    Registry(#[from] registry::Error),
    #[error(transparent)]
    Reproduce(#[from] verify::Error),
    #[error(transparent)]
    Attest(#[from] provenance::Error),
    #[error(transparent)]
    Read(#[from] read::FileError),
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

/// Packages the members `run` selects of `ws`.
pub fn run(
    ws: &Workspace,
    options: &Options,
    run: &Run<'_>,
    tell: &mut dyn FnMut(Event<'_>),
) -> Result<Outcome, Error> {
    let status = |verb: &'static str, message: String| Event::Status { verb, message };
    let members = package::members(ws, &run.packages, &run.features)?;
    for warning in &members.warnings {
        tell(Event::Warning(warning));
    }
    let refreshed = package::refresh_lockfile(ws, options)?;
    // WS-PUBLISH-TO, LOCK-SIBLINGS: a run whose packages depend on each other, or that names a
    // registry, packages for a registry, where each package is "published" once made.
    let needs_siblings = members.depend_on_each_other && (options.include_lockfile || run.verify);
    let siblings = if !run.list && (needs_siblings || run.registry.is_some()) {
        let manifests: Vec<&Manifest> = members.packages.iter().map(|(manifest, _)| manifest).collect();
        let source = registry::choose(run.registry.as_ref(), &manifests, &options.registries)?;
        Some(package::sibling_registry(options, source)?)
    } else {
        None
    };

    let mut made = Vec::with_capacity(members.packages.len());
    let mut repos = Repos::default();
    for (manifest, features) in members.packages {
        // As cargo: the metadata check comes first, before the files are listed or checked.
        if let Some(warning) = manifest.missing_metadata_warning().filter(|_| run.metadata_warnings) {
            tell(Event::MissingMetadata(&warning));
        }
        let selection = package::select(manifest, ws, options, &mut repos)?;
        for warning in &selection.warnings {
            tell(Event::Warning(warning));
        }
        if run.list {
            tell(Event::Listed(&selection));
            continue;
        }
        if let vcs::Dirty::RequireCommit(needs) = options.dirty {
            selection.commit(needs)?;
        }
        if run.reproduce_in.is_some() {
            selection.commit(vcs::NeedsCommit::Reproduce)?;
        }
        let manifest = &selection.manifest;
        let id = format!("{} v{} ({})", manifest.name(), manifest.version(), manifest.root.display());
        tell(status("Packaging", id.clone()));
        let planned =
            package::plan(&selection, options, package::LockContext { siblings: siblings.as_ref(), refreshed })?;
        for warning in &planned.warnings {
            tell(Event::Warning(warning));
        }
        for entry in &planned.plan.entries {
            tell(Event::Archiving(entry.rel_str()));
        }
        let written = package::write(&planned.plan, options)?;
        tell(status(
            "Packaged",
            format!(
                "{} files, {:.1} ({:.1} compressed)",
                written.outcome.files,
                crate::archive::HumanBytes(written.outcome.uncompressed_size),
                crate::archive::HumanBytes(written.compressed_size)
            ),
        ));
        if let Some(siblings) = &siblings
            && !manifest.is_unpublishable()
        {
            siblings.add(&planned.published, written.path(), &written.dest).map_err(package::Error::from)?;
        }
        let root = manifest.root.clone();
        made.push(Made { id, root, vcs: selection.vcs, written, plan: planned.plan, features });
    }
    // ARC-VERIFY: after every package is made, so that each can use the others.
    if run.verify {
        for made in &made {
            tell(status("Verifying", made.id.clone()));
            package::verify(&made.written, &made.plan, &made.features, options, siblings.as_ref())?;
        }
    }
    let mut reproduced = vec![true; made.len()];
    if let Some(tz) = run.reproduce_in {
        for (made, reproduced) in made.iter().zip(&mut reproduced) {
            *reproduced = reproduce(made, options, siblings.as_ref(), tz, tell)?;
        }
    }
    // PROV-PACKAGE: a package that is not reproducible is not signed.
    let envelopes = match run.key {
        Some(key) => made
            .iter()
            .zip(&reproduced)
            .filter(|(_, reproduced)| **reproduced)
            .map(|(made, _)| Ok((made.written.dest.clone(), attest(&made.written, key)?)))
            .collect::<Result<Vec<_>, Error>>()?,
        None => Vec::new(),
    };
    // A package that is not reproducible is still put in place: it is the evidence.
    let written = made.into_iter().map(|made| made.written.persist()).collect::<Result<Vec<_>, _>>()?;
    let keyid = run.key.map(|k| k.public().keyid()).unwrap_or_default();
    for (krate, envelope) in envelopes {
        let path = provenance::Form::Envelope.path(&krate);
        provenance::write(&envelope.to_line(), &path)?;
        tell(status("Attested", format!("`{}` with key {keyid}", path.display())));
    }
    Ok(Outcome { written, reproducible: reproduced.iter().all(|r| *r) })
}

/// PROV-PACKAGE: the envelope for a package just made, from its archive as written, so that it
/// is the one `cargo seal attest` gives for the same file.
fn attest(written: &Written, key: &PrivateKey) -> Result<provenance::Envelope, Error> {
    let file = read::read_file(written.path(), &read::Limits::default())?;
    let facts = provenance::facts(&written.dest, &file)?;
    Ok(provenance::attest(&facts, key))
}

/// VER-REPRODUCE: rebuilds `made` from its commit under another umask and in time zone `tz`;
/// true when the bytes are the same.
fn reproduce(
    made: &Made,
    options: &Options,
    siblings: Option<&LocalRegistry>,
    tz: &str,
    tell: &mut dyn FnMut(Event<'_>),
) -> Result<bool, Error> {
    let vcs = made.vcs.as_ref().expect("a package to reproduce has a commit, checked when selected");
    let mut options = options.clone();
    options.cargo.env.push(("TZ".to_owned(), tz.to_owned()));
    let scratch = std::env::temp_dir();
    let verification = under_other_umask(|umask| {
        let short = vcs.git.sha1.get(..12).unwrap_or(&vcs.git.sha1);
        let umask = umask.map(|m| format!("umask {m:03o}, ")).unwrap_or_default();
        let message = format!("{} from commit {short} ({umask}TZ={tz})", made.id);
        tell(Event::Status { verb: "Reproducing", message });
        verify::reproduce(made.written.path(), &made.root, vcs, &options, siblings, &scratch)
    })?;
    for omission in &verification.omitted {
        tell(Event::NotRebuilt(omission));
    }
    let file = made.plan.file_name();
    if verification.comparison.verdict == Verdict::Identical {
        let message = format!("{file} byte for byte (sha256 {})", verification.rebuilt.sha256);
        tell(Event::Status { verb: "Reproduced", message });
        return Ok(true);
    }
    tell(Event::NotReproducible { file: &file, verification: &verification });
    Ok(false)
}

/// VER-REPRODUCE: a time zone far from `current` (the run's `TZ`): nothing that decides bytes
/// may depend on it.
pub fn other_tz(current: Option<&str>) -> &'static str {
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
