//! The archive of a package: every entry's contents decided (the normalized manifest, the lock
//! file, the VCS file, each copied file's size and mode), then written beside its destination.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use cargo_util_schemas::manifest::TomlManifest;

use crate::archive;
use crate::lockfile::{self, PackageSpec};
use crate::manifest::{self, PublishContext};
use crate::plan::{Contents, Entry, Generated, Plan};

use super::{Error, LockContext, Options, Selection, Source, scratch_dir};

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
