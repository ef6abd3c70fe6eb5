//! `cargo seal audit` (spec: `AUD-*`): every registry package of a lock file, checked against its
//! lock checksum and verified against the repository and commit discovery finds for it
//! (`DISC-*`), in parallel, judged by a policy. Verification is `verify`'s own code.

pub mod crates;
pub mod merge;
mod policy;
pub mod vsa;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use cargo_util_schemas::lockfile::TomlLockfile;

use crate::archive::read;
use crate::compare::{Difference, Explanation, Verdict};
use crate::crate_arg::CrateArg;
use crate::discover::{self, FoundBy, Locator};
use crate::era::Releases;
use crate::error_chain;
use crate::locate;
use crate::mirror::Mirrors;
use crate::published::Published;
use crate::suggest;
use crate::verify::{self, Settings, Source, Submodules};

pub use policy::{Exception, Level, Policy, PolicyError};

/// A registry package of the lock file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Locked {
    pub name: String,
    pub version: String,
    /// The lock file's `checksum`, when it has one.
    pub checksum: Option<String>,
    /// The line of the lock file that names the package (its `name = "…"`), 1-based, for reports
    /// that point into the file.
    pub line: Option<usize>,
}

/// Why a crate could not be verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unverifiable {
    /// Not in cargo's download cache.
    CrateMissing,
    /// Its sha256 is not the lock file's checksum.
    ChecksumMismatch {
        found: String,
    },
    NoRepository,
    /// With where discovery looked, under `--repos` as the user named it.
    RepositoryMissing(String),
    /// `--fetch` could not bring the repository (with why).
    FetchFailed(String),
    /// With why: which recorded commit is missing.
    CommitNotFound(String),
    /// The archive is not one package (READ-PREFIX), or cannot be read.
    Unreadable(String),
    RebuildFailed(String),
}

impl Unverifiable {
    /// The reason as reports give it: a fixed word, and details after a colon.
    pub fn reason(&self) -> String {
        match self {
            Unverifiable::CrateMissing => "crate-missing".into(),
            Unverifiable::ChecksumMismatch { found } => format!("checksum-mismatch: the crate's sha256 is {found}"),
            Unverifiable::NoRepository => "no-repository".into(),
            Unverifiable::RepositoryMissing(why) => format!("repository-missing: {why}"),
            Unverifiable::FetchFailed(why) => format!("fetch-failed: {why}"),
            Unverifiable::CommitNotFound(why) => format!("commit-not-found: {why}"),
            Unverifiable::Unreadable(why) => format!("unreadable: {why}"),
            Unverifiable::RebuildFailed(why) => format!("rebuild-failed: {why}"),
        }
    }
}

/// What the audit found for one crate.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Audited {
    pub name: String,
    pub version: String,
    pub checksum: Option<String>,
    /// The manifest's `repository`, as published.
    pub repository: Option<String>,
    pub commit: Option<String>,
    pub commit_found_by: Option<FoundBy>,
    /// A verdict (`identical` … `differs`), or `unverifiable`.
    pub verdict: String,
    pub reason: Option<String>,
    pub differences: Vec<Difference>,
    pub explanations: Vec<Explanation>,
    /// The cargo releases whose output the crate is byte for byte (`ERA-VERIFY`), as `1.88–1.92`.
    pub cargo: Option<String>,
    /// Whether the policy accepts the verdict (set by [`Policy::judge`]).
    pub accepted: bool,
    /// The reason of the policy exception that decided `accepted`, if one did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exception: Option<String>,
    /// AUD-ATTEST: the crate's attestation, when the run checked them (`--attestations`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attestation: Option<Attestation>,
    #[serde(skip, default = "unverifiable")]
    pub level: Level,
    /// Taken from the result cache (`AUD-CACHE`), not verified again.
    #[serde(skip)]
    pub cached: bool,
}

impl Audited {
    /// `krate` before anything is known of it: `unverifiable`, not accepted.
    pub fn unverified(krate: &Locked) -> Audited {
        Audited {
            name: krate.name.clone(),
            version: krate.version.clone(),
            checksum: krate.checksum.clone(),
            repository: None,
            commit: None,
            commit_found_by: None,
            verdict: "unverifiable".to_owned(),
            reason: None,
            differences: Vec::new(),
            explanations: Vec::new(),
            cargo: None,
            accepted: false,
            exception: None,
            attestation: None,
            level: Level::Unverifiable,
            cached: false,
        }
    }
}

/// AUD-ATTEST: a crate's attestation, as reports give it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Attestation {
    /// The bundle's file name in the `--attestations` directory; `None` when it holds none for
    /// the crate.
    pub bundle: Option<String>,
    /// Who signed, and from which repository and commit, when proven (`PROV-SIGSTORE-BIND`).
    pub signer: Option<String>,
    /// Why it was refused, when it was.
    pub refused: Option<String>,
}

/// AUD-ATTEST: finds and checks a crate's attestation.
pub type Attest<'a> = dyn Fn(&Locked, &Published) -> Attestation + Sync + 'a;

fn unverifiable() -> Level {
    Level::Unverifiable
}

/// How to audit.
pub struct Options<'a> {
    /// Where cargo keeps downloaded crates.
    pub cargo_home: PathBuf,
    pub locator: Locator,
    /// `--fetch`: repositories missing, or lacking a commit, are fetched (`MIR-*`).
    pub mirrors: Option<Mirrors<'a>>,
    /// Workers verifying crates at once.
    pub jobs: usize,
    /// How to rebuild; the audit adds where submodules are.
    pub settings: Settings<'static>,
    /// READ-LIMITS for the crates.
    pub limits: read::Limits,
    /// AUD-CACHE: where results are kept, by crate, commit and tool version; `None` verifies
    /// every crate.
    pub cache: Option<PathBuf>,
    /// Which build of the tool verified: a result another build left is verified again.
    pub tool: String,
    /// AUD-ATTEST: `--attestations`.
    pub attestations: Option<Box<Attest<'a>>>,
}

/// The audit could not run.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("failed to read the lock file `{}`", path.display())]
    Lockfile { path: PathBuf, source: Box<dyn std::error::Error + Send + Sync> },
    #[error("`--shard {0}` is not K/N with 1 <= K <= N")]
    Shard(String),
    #[error("package ID specification `{spec}` did not match any packages{}", suggest::help(similar.as_deref()))]
    NoMatch { spec: String, similar: Option<String> },
    #[error("no crate of `{}` is left to audit: {why}", lockfile.display())]
    Empty { lockfile: PathBuf, why: &'static str },
    #[error("cannot audit the crates listed in `{}`: {reason}", path.display())]
    Crates { path: PathBuf, reason: String },
    #[error("failed to download the crates of `{}`", manifest.display())]
    Download { manifest: PathBuf, source: Box<crate::cargo::Error> },
}

/// AUD-SELECT: the registry packages of the lock file at `path`, in its order.
pub fn locked(path: &Path) -> Result<Vec<Locked>, Error> {
    let error = |source: Box<dyn std::error::Error + Send + Sync>| Error::Lockfile { path: path.to_owned(), source };
    let text = std::fs::read_to_string(path).map_err(|e| error(e.into()))?;
    let lock: TomlLockfile = toml::from_str(&text).map_err(|e| error(e.into()))?;
    let metadata = lock.metadata.unwrap_or_default();
    let lines = package_lines(&text);
    Ok(lock
        .package
        .unwrap_or_default()
        .into_iter()
        .filter_map(|package| {
            let source = package.source.as_ref()?.source_str().clone();
            if !(source.starts_with("registry+") || source.starts_with("sparse+")) {
                return None;
            }
            // Lock format 1 keeps checksums in `[metadata]`.
            let legacy = format!("checksum {} {} ({source})", package.name, package.version);
            let checksum = package.checksum.clone().or_else(|| metadata.get(&legacy).cloned());
            let line = lines.get(&(package.name.as_str(), package.version.as_str())).copied();
            Some(Locked { name: package.name, version: package.version, checksum, line })
        })
        .collect())
}

/// The line (1-based) of each `[[package]]`'s `name = "…"` in a lock file's `text`, by name and
/// version: cargo writes `name` and `version` first, one key a line.
fn package_lines(text: &str) -> BTreeMap<(&str, &str), usize> {
    fn value<'t>(line: &'t str, key: &str) -> Option<&'t str> {
        let rest = line.strip_prefix(key)?.trim_start().strip_prefix('=')?.trim();
        rest.strip_prefix('"')?.strip_suffix('"')
    }
    let lines: Vec<&str> = text.lines().collect();
    let mut found = BTreeMap::new();
    for (i, pair) in lines.windows(2).enumerate() {
        if let (Some(name), Some(version)) = (value(pair[0], "name"), value(pair[1], "version"))
            && i > 0
            && lines[i - 1].trim() == "[[package]]"
        {
            found.insert((name, version), i + 1);
        }
    }
    found
}

/// AUD-SELECT: which crates of the lock file are audited.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// `-p`: only these, as `name` or `name@version`; every crate when empty.
    pub packages: Vec<String>,
    /// `--exclude`: not these, as `name` or `name@version`.
    pub exclude: Vec<String>,
}

impl Selection {
    /// AUD-SELECT: the crates of `crates` (the lock file at `lockfile`'s) selected, in their order.
    /// Fails closed: a `-p` or `--exclude` that names no crate of the lock file (a typo) is an
    /// error, as is a selection that leaves no crate.
    pub fn apply(&self, crates: Vec<Locked>, lockfile: &Path) -> Result<Vec<Locked>, Error> {
        for spec in self.packages.iter().chain(&self.exclude) {
            if !crates.iter().any(|c| matches(spec, c)) {
                let name = spec.split_once('@').map_or(spec.as_str(), |(name, _)| name);
                let similar = suggest::closest(name, crates.iter().map(|c| c.name.as_str())).map(str::to_owned);
                return Err(Error::NoMatch { spec: spec.clone(), similar });
            }
        }
        let empty = |why| Error::Empty { lockfile: lockfile.to_owned(), why };
        if crates.is_empty() {
            return Err(empty("it holds no package from a registry"));
        }
        let selected: Vec<Locked> = crates
            .into_iter()
            .filter(|c| self.packages.is_empty() || self.packages.iter().any(|spec| matches(spec, c)))
            .filter(|c| !self.exclude.iter().any(|spec| matches(spec, c)))
            .collect();
        if selected.is_empty() {
            return Err(empty("`--exclude` leaves out every crate `-p` keeps"));
        }
        Ok(selected)
    }
}

/// Whether `spec` (`name` or `name@version`) names `krate`.
fn matches(spec: &str, krate: &Locked) -> bool {
    match spec.split_once('@') {
        Some((name, version)) => name == krate.name && version == krate.version,
        None => spec == krate.name,
    }
}

/// AUD-SELECT (`--shard`): the `k`th of `n` contiguous shares (1-based), so that the shards'
/// outputs, in order, are one full run's.
pub fn shard<T>(items: Vec<T>, spec: &str) -> Result<Vec<T>, Error> {
    let bad = || Error::Shard(spec.to_owned());
    let (k, n) = spec.split_once('/').ok_or_else(bad)?;
    let (k, n): (usize, usize) = (k.parse().map_err(|_| bad())?, n.parse().map_err(|_| bad())?);
    if k == 0 || k > n {
        return Err(bad());
    }
    let len = items.len();
    let (start, end) = ((k - 1) * len / n, k * len / n);
    Ok(items.into_iter().skip(start).take(end - start).collect())
}

/// The crates of `crates` missing from cargo's download cache.
pub fn missing<'c>(crates: &'c [Locked], cargo_home: &Path) -> Vec<&'c Locked> {
    crates.iter().filter(|c| cached(c, cargo_home).is_none()).collect()
}

/// AUD-DOWNLOAD: cargo downloads every crate of the lock file of the workspace of `manifest`, for
/// every target (`cargo fetch --locked`), its messages shown as it prints them.
pub fn download(manifest: &Path, cargo: &crate::cargo::Cargo) -> Result<(), Error> {
    let manifest_arg = manifest.to_string_lossy();
    let command = cargo.command(&["fetch", "--locked", "--manifest-path", &manifest_arg]);
    cargo.run_shown(command, false).map_err(|e| Error::Download { manifest: manifest.to_owned(), source: Box::new(e) })
}

/// The `.crate` of `krate` in cargo's download cache.
fn cached(krate: &Locked, cargo_home: &Path) -> Option<PathBuf> {
    CrateArg::Cached { name: krate.name.clone(), version: krate.version.clone() }.resolve(cargo_home).ok()
}

/// What [`audit`] tells as it goes.
pub enum Progress<'a> {
    /// A worker took the crate.
    Started(&'a Locked),
    Finished(&'a Audited),
}

/// AUD-CRATE: audits `crates` on `options.jobs` workers; `observe` hears of each as it starts and
/// as it finishes. The results are in the order of `crates`.
pub fn audit(crates: &[Locked], options: &Options<'_>, observe: &(dyn Fn(Progress<'_>) + Sync)) -> Vec<Audited> {
    let next = AtomicUsize::new(0);
    let results = Mutex::new(Vec::with_capacity(crates.len()));
    let jobs = options.jobs.max(1);
    std::thread::scope(|scope| {
        for _ in 0..jobs {
            scope.spawn(|| {
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    let Some(krate) = crates.get(index) else { break };
                    observe(Progress::Started(krate));
                    let audited = audit_one(krate, options);
                    observe(Progress::Finished(&audited));
                    results.lock().expect("no worker panics holding it").push((index, audited));
                }
            });
        }
    });
    let mut results = results.into_inner().expect("no worker panics holding it");
    results.sort_by_key(|(index, _)| *index);
    results.into_iter().map(|(_, audited)| audited).collect()
}

/// One crate: find it, check it, find where it came from, rebuild and compare.
fn audit_one(krate: &Locked, options: &Options<'_>) -> Audited {
    let mut audited = Audited::unverified(krate);
    match verify_crate(krate, options, &mut audited) {
        Ok(verdict) => {
            audited.verdict = verdict.as_str().to_owned();
            audited.level = Level::Verdict(verdict);
        }
        Err(why) => audited.reason = Some(why.reason()),
    }
    audited
}

fn verify_crate(krate: &Locked, options: &Options<'_>, audited: &mut Audited) -> Result<Verdict, Unverifiable> {
    let path = cached(krate, &options.cargo_home).ok_or(Unverifiable::CrateMissing)?;
    let unreadable = |e: &dyn std::error::Error| Unverifiable::Unreadable(error_chain(e));
    // READ-ONCE: the checksum needs no decompression, discovery only the first entries: a crate
    // without a repository costs little, however large.
    let published = Published::open(&path, options.limits).map_err(|e| unreadable(&e))?;
    let sha256 = published.sha256().map_err(|e| unreadable(&e))?.to_owned();
    if krate.checksum.as_ref().is_some_and(|expected| *expected != sha256) {
        return Err(Unverifiable::ChecksumMismatch { found: sha256 });
    }
    audited.attestation = options.attestations.as_ref().map(|attest| attest(krate, &published));
    audited.repository = published.identity().map_err(|e| unreadable(&e))?.repository.clone();
    let mirrors = options.mirrors.as_ref();
    let origin = locate::origin(&published, &options.locator, mirrors).map_err(|e| match e {
        locate::Error::Discover(discover::Error::NoRepository) => Unverifiable::NoRepository,
        locate::Error::Discover(discover::Error::CommitNotFound { recorded, dirty, .. }) => {
            Unverifiable::CommitNotFound(discover::not_found_detail(recorded.as_deref(), dirty))
        }
        locate::Error::Discover(discover::Error::RepositoryMissing { url, looked }) => {
            Unverifiable::RepositoryMissing(looked_for(&url, &looked, &options.locator))
        }
        locate::Error::Discover(e) => Unverifiable::RepositoryMissing(e.to_string()),
        locate::Error::Fetch(e) => Unverifiable::FetchFailed(e.to_string()),
        locate::Error::Read(e) => unreadable(&e),
    })?;
    audited.commit = Some(origin.found.commit.clone());
    audited.commit_found_by = Some(origin.found.by.clone());
    let found_notes = origin.found.notes();
    let cache_file = options.cache.as_ref().map(|dir| dir.join(format!("{sha256}-{}.json", origin.found.commit)));
    if let Some(cached) = cache_file.as_deref().and_then(|path| read_cached(path, &options.tool)) {
        audited.differences = cached.differences;
        audited.explanations = cached.explanations;
        audited.cargo = cached.cargo;
        audited.cached = true;
        return Ok(cached.verdict);
    }
    let submodules = |url: &str, commit: &str| locate::submodule(&options.locator, mirrors, url, commit);
    let settings = Settings { submodules: Some(Submodules(&submodules)), ..options.settings.clone() };
    let verification = verify::verify(&settings, published, &Source::origin(origin)).map_err(|e| match e {
        verify::Error::Read(_) | verify::Error::Published(_) | verify::Error::NotOnePackage { .. } => {
            Unverifiable::Unreadable(error_chain(&e))
        }
        e => Unverifiable::RebuildFailed(error_chain(&e)),
    })?;
    audited.differences = verification.comparison.differences;
    // What the rebuild could not take from the commit explains the crate's files it lacks.
    let omitted = verification.omitted.iter();
    let omitted = omitted.map(|o| Explanation::new("VER-EXPORT", format!("not rebuilt: {}: {}", o.path, o.reason)));
    audited.explanations = found_notes.into_iter().chain(omitted).chain(verification.comparison.explanations).collect();
    audited.cargo = verification.era.map(Releases::by_era);
    let verdict = verification.comparison.verdict;
    if let Some(path) = cache_file {
        write_cached(&path, &options.tool, verdict, audited);
    }
    Ok(verdict)
}

/// AUD-EXPLAIN: where discovery looked for `url`'s repository, paths under `--repos` relative to
/// it, so that a report names no directory of the machine that ran it.
fn looked_for(url: &str, looked: &[PathBuf], locator: &Locator) -> String {
    fn under<'p>(path: &'p Path, mirrors: Option<&Path>) -> Option<&'p Path> {
        path.strip_prefix(mirrors?).ok()
    }
    let mirrors = locator.mirrors.as_deref();
    let shown = |paths: Vec<String>| match paths.split_last() {
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        None => "nowhere".to_owned(),
    };
    if looked.iter().all(|path| under(path, mirrors).is_some()) {
        let rel =
            looked.iter().filter_map(|path| under(path, mirrors)).map(|rel| format!("`{}`", rel.display())).collect();
        return format!("no clone of `{url}` at {} under `--repos`", shown(rel));
    }
    format!("no clone of `{url}` at {}", shown(looked.iter().map(|p| format!("`{}`", p.display())).collect()))
}

/// AUD-CACHE: what a verification concluded, as kept for the next run.
#[derive(serde::Serialize, serde::Deserialize)]
struct Cached {
    /// The build of cargo-seal that verified ([`Options::tool`]).
    tool: String,
    verdict: Verdict,
    differences: Vec<Difference>,
    explanations: Vec<Explanation>,
    cargo: Option<String>,
}

fn read_cached(path: &Path, tool: &str) -> Option<Cached> {
    let cached: Cached = serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()?;
    (cached.tool == tool).then_some(cached)
}

/// Keeps a result; a cache that cannot be written (read-only, say) only costs the next run a
/// verification.
fn write_cached(path: &Path, tool: &str, verdict: Verdict, audited: &Audited) {
    let cached = Cached {
        tool: tool.to_owned(),
        verdict,
        differences: audited.differences.clone(),
        explanations: audited.explanations.clone(),
        cargo: audited.cargo.clone(),
    };
    let text = serde_json::to_string(&cached).expect("plain data serializes");
    // AUD-CACHE: a temporary file of its own, renamed into place: processes sharing the cache
    // (shards on one volume) never read a torn entry, whichever writes last.
    let Some(dir) = path.parent() else { return };
    let written = std::fs::create_dir_all(dir).and_then(|()| {
        let mut builder = tempfile::Builder::new();
        builder.prefix(".seal-").suffix(".tmp");
        // Readable by whoever shares the cache: a new file's mode (0666 less the umask).
        #[cfg(unix)]
        builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
        let mut temp = builder.tempfile_in(dir)?;
        std::io::Write::write_all(&mut temp, text.as_bytes())?;
        temp.persist(path).map_err(|e| e.error)
    });
    drop(written);
}

#[cfg(test)]
mod tests {
    use super::{package_lines, shard};

    #[test]
    fn aud_lock_lines_point_at_each_package_name() {
        let lock = "version = 4\n\n[[package]]\nname = \"a\"\nversion = \"1.0.0\"\n\n[[package]]\nname = \"b\"\nversion = \"0.2.0\"\nsource = \"x\"\n";
        let lines = package_lines(lock);
        assert_eq!(lines.into_iter().collect::<Vec<_>>(), [(("a", "1.0.0"), 4), (("b", "0.2.0"), 8)]);
    }

    #[test]
    fn aud_shard_shares_are_contiguous_and_whole() {
        let items: Vec<u32> = (0..10).collect();
        for n in 1..=12 {
            let joined: Vec<u32> = (1..=n).flat_map(|k| shard(items.clone(), &format!("{k}/{n}")).unwrap()).collect();
            assert_eq!(joined, items, "{n} shards");
        }
        for bad in ["0/3", "4/3", "3", "a/b", "1/0"] {
            assert!(shard(items.clone(), bad).is_err(), "{bad}");
        }
    }
}
