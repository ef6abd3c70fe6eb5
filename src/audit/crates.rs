//! AUD-CRATES: `--crates FILE`: crates named in a list rather than a lock file. Cargo resolves
//! them: each line becomes a dependency of a scratch package (`=VERSION`, or `*` for the newest in
//! the index), cargo writes that package's lock file, and the audit reads the listed crates and
//! their checksums from it.

use std::path::{Path, PathBuf};

use cargo_util_schemas::lockfile::TomlLockfile;

use crate::cargo::Cargo;

use super::{Error, Locked};

/// The name of the scratch package whose dependencies are the listed crates.
const SCRATCH: &str = "cargo-seal-crates";

/// A line of the list: `name@version`, or `name` for the newest version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    pub name: String,
    pub version: Option<semver::Version>,
    /// 1-based, for reports that point into the list.
    pub line: usize,
}

/// AUD-CRATES: the crates listed in the file at `path`, one a line; blank lines and `#` comments
/// are skipped. A line that is neither `name` nor `name@version` is an error naming it.
pub fn read(path: &Path) -> Result<Vec<Listed>, Error> {
    let text = std::fs::read_to_string(path).map_err(|e| crates_error(path, e.to_string()))?;
    let mut listed = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let entry = line.split('#').next().unwrap_or_default().trim();
        if entry.is_empty() {
            continue;
        }
        let bad = |why: String| crates_error(path, format!("line {}: `{entry}` {why}", i + 1));
        let (name, version) = match entry.split_once('@') {
            Some((name, version)) => {
                let version = semver::Version::parse(version).map_err(|e| bad(format!("has no exact version: {e}")))?;
                (name, Some(version))
            }
            None => (entry, None),
        };
        let plain = !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !plain {
            return Err(bad("is not a crate name, nor `name@version`".to_owned()));
        }
        listed.push(Listed { name: name.to_owned(), version, line: i + 1 });
    }
    if listed.is_empty() {
        return Err(crates_error(path, "it lists no crate".to_owned()));
    }
    Ok(listed)
}

fn crates_error(path: &Path, reason: String) -> Error {
    Error::Crates { path: path.to_owned(), reason }
}

/// The listed crates, resolved by cargo.
pub struct Resolved {
    /// The scratch package (removed when dropped).
    _dir: tempfile::TempDir,
    /// Its manifest, for `cargo fetch` (AUD-DOWNLOAD).
    pub manifest: PathBuf,
    /// The listed crates at the versions cargo chose, with their checksums, in the list's order.
    pub crates: Vec<Locked>,
}

/// AUD-CRATES: cargo's resolution of `listed` (from the file at `path`): `cargo generate-lockfile`
/// on a scratch package depending on each (`--offline` when cargo is).
pub fn resolve(listed: &[Listed], path: &Path, cargo: &Cargo) -> Result<Resolved, Error> {
    let scratch = |e: std::io::Error| crates_error(path, format!("cannot make the scratch package: {e}"));
    let dir = tempfile::Builder::new().prefix("cargo-seal-crates-").tempdir().map_err(scratch)?;
    let mut manifest = format!(
        "[package]\nname = \"{SCRATCH}\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n[lib]\npath = \"lib.rs\"\n\n[dependencies]\n"
    );
    for (i, krate) in listed.iter().enumerate() {
        let requirement = krate.version.as_ref().map_or_else(|| "*".to_owned(), |v| format!("={v}"));
        manifest.push_str(&format!("c{i} = {{ package = \"{}\", version = \"{requirement}\" }}\n", krate.name));
    }
    let manifest_path = dir.path().join("Cargo.toml");
    std::fs::write(&manifest_path, manifest).map_err(scratch)?;
    std::fs::write(dir.path().join("lib.rs"), "").map_err(scratch)?;
    let manifest_arg = manifest_path.to_string_lossy();
    let mut args = vec!["generate-lockfile", "--manifest-path", &manifest_arg];
    if cargo.offline {
        args.push("--offline");
    }
    cargo.run(cargo.command(&args)).map_err(|e| crates_error(path, format!("cargo could not resolve them: {e}")))?;
    let lockfile = dir.path().join("Cargo.lock");
    let locked = super::locked(&lockfile)?;
    let direct = direct_versions(&lockfile)?;
    let mut crates = Vec::new();
    for krate in listed {
        // The version cargo chose for the line: the pinned one, else the newest of that name
        // among the scratch package's dependencies.
        let version = match &krate.version {
            Some(version) => Some(version.clone()),
            None => direct.iter().filter(|(name, _)| *name == krate.name).map(|(_, v)| v.clone()).max(),
        };
        let found = version.and_then(|v| {
            locked.iter().find(|l| l.name == krate.name && semver::Version::parse(&l.version).is_ok_and(|lv| lv == v))
        });
        let found = found
            .ok_or_else(|| crates_error(path, format!("line {}: cargo resolved no `{}`", krate.line, krate.name)))?;
        crates.push(Locked { line: Some(krate.line), ..found.clone() });
    }
    Ok(Resolved { _dir: dir, manifest: manifest_path, crates })
}

/// The scratch package's dependencies in the lock file at `lockfile`, by name and version.
fn direct_versions(lockfile: &Path) -> Result<Vec<(String, semver::Version)>, Error> {
    let error =
        |source: Box<dyn std::error::Error + Send + Sync>| Error::Lockfile { path: lockfile.to_owned(), source };
    let text = std::fs::read_to_string(lockfile).map_err(|e| error(e.into()))?;
    let lock: TomlLockfile = toml::from_str(&text).map_err(|e| error(e.into()))?;
    let packages = lock.package.unwrap_or_default();
    let version_of = |name: &str| {
        let mut versions =
            packages.iter().filter(|p| p.name == name).filter_map(|p| semver::Version::parse(&p.version).ok());
        versions.next().filter(|_| versions.next().is_none())
    };
    let root = packages.iter().find(|p| p.name == SCRATCH && p.source.is_none());
    let dependencies = root.and_then(|p| p.dependencies.clone()).unwrap_or_default();
    Ok(dependencies
        .iter()
        .filter_map(|dependency| {
            let name = dependency.name.to_string();
            let version = match &dependency.version {
                Some(version) => semver::Version::parse(version).ok(),
                None => version_of(&name),
            }?;
            Some((name, version))
        })
        .collect())
}
