//! ARC-VERIFY: the verification build of a written archive, as `cargo package` runs it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use sha2::Digest as _;

use crate::cargo::{self};
use crate::features::CliFeatures;
use crate::lockfile::LocalRegistry;
use crate::plan::Plan;

use super::{Error, Options, SourcesModified, Written};

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
