//! AUD-CRATES: `--crates FILE`: crates named in a list rather than a lock file. Cargo resolves
//! them, each line on its own: lines become dependencies of scratch packages (`=VERSION`, or `*`
//! for the newest in the index), cargo writes each package's lock file, and the audit reads the
//! listed crates and their checksums from them.

use std::collections::{BTreeMap, BTreeSet};
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

/// AUD-CRATES: a list of crates, resolved by cargo as far as the run needs: bare names when the
/// list is read (their versions decide the selection and the shards), pinned lines once the run
/// keeps them ([`List::complete`]), so that a shard resolves its own lines alone.
pub struct List {
    path: PathBuf,
    listed: Vec<Listed>,
    resolutions: Vec<Resolved>,
    /// The listed crates in the list's order; pinned ones without a checksum until completed.
    pub crates: Vec<Locked>,
}

impl List {
    /// The list in the file at `path`, its bare names resolved by `cargo`.
    pub fn read(path: &Path, cargo: &Cargo) -> Result<Self, Error> {
        let listed = read(path)?;
        let bare: Vec<Listed> = listed.iter().filter(|l| l.version.is_none()).cloned().collect();
        let resolutions = match bare.is_empty() {
            true => Vec::new(),
            false => vec![resolve(&bare, path, cargo)?],
        };
        let named: BTreeMap<usize, &Locked> =
            resolutions.iter().flat_map(|r| &r.crates).filter_map(|c| Some((c.line?, c))).collect();
        let crates = listed
            .iter()
            .map(|l| match &l.version {
                Some(version) => {
                    Locked { name: l.name.clone(), version: version.to_string(), checksum: None, line: Some(l.line) }
                }
                None => named[&l.line].clone(),
            })
            .collect();
        Ok(Self { path: path.to_owned(), listed, resolutions, crates })
    }

    /// `kept` (of [`List::crates`]) with their pinned lines resolved by `cargo`: checksums known,
    /// and a version the registry does not offer an error naming its line.
    pub fn complete(&mut self, kept: Vec<Locked>, cargo: &Cargo) -> Result<Vec<Locked>, Error> {
        let lines: BTreeSet<usize> = kept.iter().filter_map(|c| c.line).collect();
        let pinned: Vec<Listed> =
            self.listed.iter().filter(|l| l.version.is_some() && lines.contains(&l.line)).cloned().collect();
        if pinned.is_empty() {
            return Ok(kept);
        }
        let resolved = resolve(&pinned, &self.path, cargo)?;
        let by_line: BTreeMap<usize, &Locked> = resolved.crates.iter().filter_map(|c| Some((c.line?, c))).collect();
        let kept = kept.into_iter().map(|c| c.line.and_then(|l| by_line.get(&l)).map_or(c, |&r| r.clone())).collect();
        self.resolutions.push(resolved);
        Ok(kept)
    }

    /// The manifests of the scratch packages that resolved any of `crates`, for `cargo fetch`
    /// (AUD-DOWNLOAD).
    pub fn manifests_of<'a>(&'a self, crates: &'a [&Locked]) -> impl Iterator<Item = &'a Path> {
        self.resolutions.iter().flat_map(move |r| r.manifests_of(crates))
    }
}

/// AUD-CRATES: the crates listed in the file at `path`, one a line; blank lines and `#` comments
/// are skipped. A line that is neither `name` nor `name@version` is an error naming it.
fn read(path: &Path) -> Result<Vec<Listed>, Error> {
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

/// Listed crates, resolved by cargo.
struct Resolved {
    /// The scratch packages (removed when dropped).
    _dir: tempfile::TempDir,
    /// Each scratch package's manifest with the listed crates it resolved, for `cargo fetch`
    /// (AUD-DOWNLOAD).
    scratches: Vec<(PathBuf, Vec<Locked>)>,
    /// The listed crates at the versions cargo chose, with their checksums, in the list's order.
    crates: Vec<Locked>,
}

impl Resolved {
    /// The manifests of the scratch packages that resolved any of `crates`.
    fn manifests_of<'a>(&'a self, crates: &'a [&Locked]) -> impl Iterator<Item = &'a Path> {
        let listed = |locked: &Locked| crates.iter().any(|c| c.name == locked.name && c.version == locked.version);
        self.scratches.iter().filter(move |(_, resolved)| resolved.iter().any(listed)).map(|(path, _)| path.as_path())
    }
}

/// AUD-CRATES: cargo's resolution of `listed` (from the file at `path`). Each batch of lines that
/// name distinct crates becomes a scratch package depending on each, and `cargo generate-lockfile`
/// (`--offline` when cargo is) writes its lock. Lines are independent, a lock file's are not: a
/// batch cargo cannot resolve (one line's dependencies exclude another line's pinned version) is
/// split in halves until each part resolves; a line cargo cannot resolve alone is either a yanked
/// version, which `cargo update --precise` still selects, or an error naming it.
fn resolve(listed: &[Listed], path: &Path, cargo: &Cargo) -> Result<Resolved, Error> {
    let dir = tempfile::Builder::new()
        .prefix("cargo-seal-crates-")
        .tempdir()
        .map_err(|e| crates_error(path, format!("cannot make the scratch package: {e}")))?;
    let mut pending = batches(listed);
    let mut scratches = Vec::new();
    let mut chosen: Vec<Option<Locked>> = vec![None; listed.len()];
    while let Some(batch) = pending.pop() {
        let scratch = dir.path().join(scratches.len().to_string());
        let lines: Vec<&Listed> = batch.iter().map(|&i| &listed[i]).collect();
        let manifest = match generate(&scratch, &lines, path, cargo)? {
            Ok(manifest) => manifest,
            Err(_) if batch.len() > 1 => {
                let (first, second) = batch.split_at(batch.len() / 2);
                pending.extend([first.to_vec(), second.to_vec()]);
                continue;
            }
            Err(error) => match yanked(&scratch, lines[0], path, cargo)? {
                Some(Ok(manifest)) => manifest,
                _ => return Err(unresolved(path, lines[0], &error)),
            },
        };
        let lockfile = manifest.with_file_name("Cargo.lock");
        let locked = super::locked(&lockfile)?;
        let direct = direct_versions(&lockfile)?;
        let mut resolved = Vec::with_capacity(batch.len());
        for (&i, krate) in batch.iter().zip(&lines) {
            let found = pick(krate, &locked, &direct).ok_or_else(|| {
                crates_error(path, format!("line {}: cargo resolved no `{}`", krate.line, krate.name))
            })?;
            chosen[i] = Some(found.clone());
            resolved.push(found);
        }
        scratches.push((manifest, resolved));
    }
    let crates = chosen.into_iter().map(|c| c.expect("every line is in a batch")).collect();
    Ok(Resolved { _dir: dir, scratches, crates })
}

/// The lines of `listed` (by index) in batches where no crate is named twice: two versions of one
/// crate could not share a package, and a bare name's newest version must not be held back by
/// another line pinning that crate. Each crate's newest line goes first (a bare name before any
/// version): the first batch then holds the versions other lines' dependencies most likely accept,
/// and seldom needs splitting.
fn batches(listed: &[Listed]) -> Vec<Vec<usize>> {
    let mut order: Vec<usize> = (0..listed.len()).collect();
    order.sort_by(|&a, &b| {
        let (a, b) = (&listed[a], &listed[b]);
        a.name.cmp(&b.name).then_with(|| match (&a.version, &b.version) {
            (Some(a), Some(b)) => b.cmp(a),
            (a, b) => a.is_some().cmp(&b.is_some()),
        })
    });
    let mut batches: Vec<Vec<usize>> = Vec::new();
    for i in order {
        let free = batches.iter_mut().find(|batch| batch.iter().all(|&j| listed[j].name != listed[i].name));
        match free {
            Some(batch) => batch.push(i),
            None => batches.push(vec![i]),
        }
    }
    batches.reverse(); // popped from the end: the first batch is resolved first
    batches
}

/// Writes the scratch package in `dir` depending on `lines` (`=VERSION`, or `*`) and has cargo
/// write its lock file; its manifest, or how cargo failed.
fn generate(dir: &Path, lines: &[&Listed], path: &Path, cargo: &Cargo) -> Result<Attempt, Error> {
    let requirement = |krate: &Listed| krate.version.as_ref().map_or_else(|| "*".to_owned(), |v| format!("={v}"));
    let manifest = scratch(dir, lines.iter().map(|k| (k.name.as_str(), requirement(k))), path)?;
    let manifest_arg = manifest.to_string_lossy();
    Ok(run(cargo, &["generate-lockfile", "--manifest-path", &manifest_arg]).map(|()| manifest))
}

/// A yanked version is not selected by a requirement, only by `cargo update --precise`: the scratch
/// package in `dir` depends on any version of `krate`, which is then moved to its listed one. None
/// for a line without a version.
fn yanked(dir: &Path, krate: &Listed, path: &Path, cargo: &Cargo) -> Result<Option<Attempt>, Error> {
    let Some(version) = &krate.version else { return Ok(None) };
    let manifest = scratch(dir, [(krate.name.as_str(), "*".to_owned())], path)?;
    let manifest_arg = manifest.to_string_lossy();
    let version = version.to_string();
    let attempt = run(cargo, &["generate-lockfile", "--manifest-path", &manifest_arg])
        .and_then(|()| run(cargo, &["update", &krate.name, "--precise", &version, "--manifest-path", &manifest_arg]));
    Ok(Some(attempt.map(|()| manifest)))
}

/// A scratch package's manifest once cargo wrote its lock file, or how cargo failed.
type Attempt = Result<PathBuf, crate::cargo::Error>;

/// The line `krate` that cargo could not resolve, with what cargo said.
fn unresolved(path: &Path, krate: &Listed, error: &crate::cargo::Error) -> Error {
    let said = match error {
        crate::cargo::Error::Failed { stderr, .. } => stderr.clone(),
        other => other.to_string(),
    };
    let entry = match &krate.version {
        Some(version) => format!("{}@{version}", krate.name),
        None => krate.name.clone(),
    };
    crates_error(path, format!("line {}: cargo could not resolve `{entry}`:\n{said}", krate.line))
}

/// Writes a scratch package in `dir` with `dependencies` (crate name, version requirement); its
/// manifest.
fn scratch<'a>(
    dir: &Path,
    dependencies: impl IntoIterator<Item = (&'a str, String)>,
    path: &Path,
) -> Result<PathBuf, Error> {
    let mut manifest = format!(
        "[package]\nname = \"{SCRATCH}\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n[lib]\npath = \"lib.rs\"\n\n[dependencies]\n"
    );
    for (i, (name, requirement)) in dependencies.into_iter().enumerate() {
        manifest.push_str(&format!("c{i} = {{ package = \"{name}\", version = \"{requirement}\" }}\n"));
    }
    let written = std::fs::create_dir_all(dir)
        .and_then(|()| std::fs::write(dir.join("Cargo.toml"), manifest))
        .and_then(|()| std::fs::write(dir.join("lib.rs"), ""));
    written.map_err(|e| crates_error(path, format!("cannot make the scratch package: {e}")))?;
    Ok(dir.join("Cargo.toml"))
}

/// Runs cargo with `args` (and `--offline` when cargo is offline).
fn run(cargo: &Cargo, args: &[&str]) -> Result<(), crate::cargo::Error> {
    let mut command = cargo.command(args);
    if cargo.offline {
        command.arg("--offline");
    }
    cargo.run(command)
}

/// The version cargo chose for `krate` among `locked`: the pinned one, else the newest of that
/// name among the scratch package's dependencies (`direct`).
fn pick(krate: &Listed, locked: &[Locked], direct: &[(String, semver::Version)]) -> Option<Locked> {
    let version = match &krate.version {
        Some(version) => version.clone(),
        None => direct.iter().filter(|(name, _)| *name == krate.name).map(|(_, v)| v.clone()).max()?,
    };
    let found = locked
        .iter()
        .find(|l| l.name == krate.name && semver::Version::parse(&l.version).is_ok_and(|lv| lv == version))?;
    Some(Locked { line: Some(krate.line), ..found.clone() })
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

#[cfg(test)]
mod tests {
    use super::*;

    /// AUD-CRATES: a batch names each crate once, the first takes each crate's newest line (a bare
    /// name before a version), and batches come off the end first to last.
    #[test]
    fn batches_name_each_crate_once() {
        let listed = |entries: &[&str]| -> Vec<Listed> {
            let text = entries.join("\n");
            let file = tempfile::NamedTempFile::new().unwrap();
            std::fs::write(file.path(), text).unwrap();
            read(file.path()).unwrap()
        };
        let lines = listed(&["a@1.0.0", "b@0.3.0", "a@1.0.1", "a@2.0.0", "c@0.1.0", "b"]);
        let mut batches = batches(&lines);
        batches.reverse();
        assert_eq!(batches, [vec![3, 5, 4], vec![2, 1], vec![0]]);
    }
}
