//! `cargo seal verify` (spec: `VER-*`): rebuild a published `.crate` from the commit it names and
//! compare. The pipeline is the packager's, fed by a clean checkout of the commit
//! ([`export`]); nothing from the crate or the repository is run, cargo only reads manifests and
//! resolves.

pub mod export;
mod infer;
mod scope;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::archive::{self, read};
use crate::cargo::Cargo;
use crate::compare::{self, Comparison, Explanation, Verdict};
use crate::era::{self, Era, Releases};
use crate::git::{Repos, Repository};
use crate::lockfile::LocalRegistry;
use crate::manifest::{Identity, Manifest};
use crate::package::{self, Options};
use crate::plan::{Contents, Generated, Plan, VCS_INFO_FILE};
use crate::published::{self, Published};
use crate::untrusted::{self, TreeConfig};
use crate::vcs_info::{self, VcsInfo};
use crate::workspace::Workspace;

pub use export::{Omission, Submodules};

/// Whose tree a rebuild reads (`SEC-TRUST`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trust {
    /// The user's own work tree (`--verify-reproducible`): its cargo configuration means what it
    /// means to cargo, as when it was packaged.
    Own,
    /// A repository, crate or source tree nobody has vetted: read as data, nothing of it runs and
    /// nothing outside it is read (`SEC-*`).
    Untrusted,
}

/// Where checkouts go in a scratch directory: cargo looks for no workspace root above a
/// directory named `target/package` (`SEC-WS-ROOT`), as for the archives it unpacks to verify.
pub(crate) const CHECKOUTS: &str = "tree/target/package";

/// How a run verifies, whichever crates it verifies.
#[derive(Debug, Clone)]
pub struct Settings<'a> {
    /// How to run cargo (online unless `--offline`).
    pub cargo: Cargo,
    /// Where scratch checkouts go (removed afterwards).
    pub scratch_parent: PathBuf,
    /// The registries cargo's configuration names, as for packaging.
    pub registries: crate::registry::Registries,
    /// Packages made earlier in the same run and not yet published (LOCK-SIBLINGS), for
    /// `--verify-reproducible`.
    pub siblings: Option<&'a LocalRegistry>,
    /// Where submodules' repositories are, besides the repository's own `modules/`.
    pub submodules: Option<export::Submodules<'a>>,
    /// Whose trees the run reads (`SEC-TRUST`).
    pub trust: Trust,
}

/// What one crate is rebuilt from.
#[derive(Debug)]
pub enum Source {
    /// A commit of a repository: `rev`, else the one the crate records; the package's directory
    /// as the crate records it, else `path`.
    Commit { repo: Box<Repository>, rev: Option<String>, path: Option<String> },
    /// VER-SOURCES: the package's files in this directory, the commit the crate records taken as
    /// it is.
    Sources(PathBuf),
}

impl Source {
    /// The commit `rev` (else the recorded one) of the repository at `repo`.
    pub fn commit(repo: &Path, rev: Option<String>) -> Result<Source, Error> {
        let repo = Repository::open(repo).map_err(|source| Error::NotARepository { path: repo.to_owned(), source })?;
        Ok(Source::Commit { repo: Box::new(repo), rev, path: None })
    }

    /// The commit discovery found (`DISC-*`).
    pub fn origin(origin: crate::locate::Origin) -> Source {
        Source::Commit { repo: Box::new(origin.repo), rev: Some(origin.found.commit), path: origin.found.path }
    }
}

/// The evidence: both archives, where the rebuild came from, and how they compare.
#[derive(Debug)]
pub struct Verification {
    /// The published `.crate` file.
    pub krate: PathBuf,
    pub published: read::CrateFile,
    pub rebuilt: read::CrateFile,
    pub commit: String,
    pub path_in_vcs: String,
    /// VER-LOCATE: the crate records no package directory and the repository's root holds another
    /// package, so `path_in_vcs` is the one directory whose `Cargo.toml` names the crate's package.
    pub located_by_name: bool,
    /// Files of the commit that the rebuild could not use, where files of the crate lie
    /// (`VER-EXPORT`).
    pub omitted: Vec<Omission>,
    pub comparison: Comparison,
    /// The cargo releases whose output the crate is byte for byte, when it is (`ERA-VERIFY`).
    pub era: Option<Releases>,
    /// VER-SOURCES: the directory the rebuild was made from; `commit` is then the recorded one,
    /// not checked.
    pub sources: Option<PathBuf>,
    /// SEC-CONFIG: the tree's cargo configuration, applied and ignored.
    pub configuration: TreeConfig,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Read(#[from] read::FileError),
    #[error(transparent)]
    Published(#[from] published::Error),
    #[error(
        "`{}` has no `.cargo_vcs_info.json`, so it does not say which commit it came from; name one with `--rev`",
        krate.display()
    )]
    NoVcsInfo { krate: PathBuf },
    #[error(transparent)]
    VcsInfo(#[from] vcs_info::Error),
    #[error("`{}` is not a git repository: `--repo` names the crate's repository (a work tree or a bare one)", path.display())]
    NotARepository { path: PathBuf, source: Box<gix::open::Error> },
    #[error("failed to check out the recorded commit")]
    Export(#[from] export::Error),
    #[error("failed to create a scratch directory in `{}`", path.display())]
    Scratch { path: PathBuf, source: std::io::Error },
    #[error("`{path_in_vcs}/Cargo.toml` does not exist at commit `{commit}`")]
    NoManifest { path_in_vcs: String, commit: String },
    #[error("failed to copy the sources in `{}` for the rebuild", path.display())]
    Sources { path: PathBuf, source: std::io::Error },
    #[error("`{}` holds no `Cargo.toml`: `--sources` names the package's own directory", dir.display())]
    NoSourceManifest { dir: PathBuf },
    #[error(
        "failed to rebuild the crate from commit `{commit}`{}",
        if *offline { " (cargo ran offline: if it needs crates missing from its local cache, run without `--offline`)" } else { "" }
    )]
    Rebuild { commit: String, offline: bool, source: Box<dyn std::error::Error + Send + Sync> },
    #[error(
        "`{}` is not one package: {}; crates.io refuses such archives and nothing can be verified from it",
        krate.display(), problems.join("; ")
    )]
    NotOnePackage { krate: PathBuf, problems: Vec<String> },
    #[error("refused to rebuild from commit `{commit}`")]
    Untrusted { commit: String, source: untrusted::Error },
}

/// VER-*: rebuilds `published` from `source` and compares. The whole archive is read (digests,
/// every entry) while the commit is checked out and rebuilt from what its first entries record.
pub fn verify(settings: &Settings<'_>, published: Published, source: &Source) -> Result<Verification, Error> {
    let rebuilt = std::thread::scope(|scope| {
        let whole = scope.spawn(|| drop(published.whole()));
        let head = published.head().map_err(Error::from);
        let rebuilt = head.and_then(|head| rebuild_published(settings, source, &published, head));
        whole.join().expect("reading an archive does not panic");
        rebuilt
    });
    // A damaged archive is the finding, whatever the rebuild made of its first entries.
    let krate = published.path().to_owned();
    let published = published.into_whole()?;
    one_package(&krate, &published)?;
    finish(settings, source, krate, published, rebuilt?)
}

/// READ-PREFIX: only an archive whose entries all lie in the one directory its `Cargo.toml` names
/// is a package that can be rebuilt and vouched for.
fn one_package(krate: &Path, published: &read::CrateFile) -> Result<(), Error> {
    if published.prefix_problems.is_empty() {
        return Ok(());
    }
    Err(Error::NotOnePackage { krate: krate.to_owned(), problems: published.prefix_problems.clone() })
}

/// A crate rebuilt from the commit its entries record.
struct Rebuilt {
    archive: read::CrateFile,
    /// The same rebuild as each era the published crate allows would write it (`ERA-INFER`),
    /// compressed only when the current era does not reproduce the crate. Their files are read
    /// from the checkout, kept (in the scratch directory) until then.
    by_era: Vec<(Era, Plan)>,
    checkout: export::Checkout,
    /// The scratch directory (removed when dropped), and its canonical path.
    _scratch: tempfile::TempDir,
    scratch_dir: PathBuf,
    /// ERA-CRLF: the files git converts that the archive holds with LF, left so.
    kept_lf: Vec<String>,
    path_in_vcs: String,
    located_by_name: bool,
    configuration: TreeConfig,
}

fn finish(
    settings: &Settings<'_>,
    source: &Source,
    krate: PathBuf,
    published: read::CrateFile,
    rebuilt: Rebuilt,
) -> Result<Verification, Error> {
    let mut comparison = compare::compare(&rebuilt.archive, &published);
    let mut archive = rebuilt.archive;
    let mut era = (comparison.verdict == Verdict::Identical).then(|| era::current().releases());
    if era.is_none() {
        let rebuild_error = |source: Box<dyn std::error::Error + Send + Sync>| Error::Rebuild {
            commit: rebuilt.checkout.commit.clone(),
            offline: settings.cargo.offline,
            source: Unplaced::boxed(&*source, &rebuilt.scratch_dir, &settings.cargo),
        };
        // ERA-RECORDED: what the published headers hold, for the eras that took it from the
        // publisher's machine.
        let recorded =
            match rebuilt.by_era.iter().any(|(era, _)| matches!(era.profile.headers, era::Headers::Recorded(_))) {
                true => archive::recorded(&published.entries),
                false => archive::Recorded::new(),
            };
        let compared = rebuilt
            .by_era
            .into_iter()
            .map(|(candidate, plan)| {
                let file = write_archive(&plan, &candidate.profile, &recorded).map_err(rebuild_error)?;
                let by_era = compare::compare(&file, &published);
                Ok((candidate, file, by_era))
            })
            .collect::<Result<Vec<_>, Error>>()?;
        // ERA-VERIFY: the eras whose profile reproduces the crate byte for byte; where several do
        // (a small crate both deflates compress alike), all of them are named.
        let (reproducing, others): (Vec<_>, Vec<_>) =
            compared.into_iter().partition(|(_, _, by_era)| by_era.verdict == Verdict::Identical);
        let mut reproducing = reproducing.into_iter();
        if let Some((first, file, by_era)) = reproducing.next() {
            let others: Vec<Era> = reproducing.map(|(other, ..)| other).collect();
            let releases = others.iter().fold(first.releases(), |span, other| span.joined(other.releases()));
            let mut deflates = vec![first.profile.deflate.name()];
            for other in &others {
                if !deflates.contains(&other.profile.deflate.name()) {
                    deflates.push(other.profile.deflate.name());
                }
            }
            (comparison, archive, era) = (by_era, file, Some(releases));
            let stamped = match first.profile.headers {
                era::Headers::Deterministic => {
                    format!("generated files stamped with mtime {}", first.profile.generated_mtime)
                }
                era::Headers::Recorded(_) => "file times, modes and owners as the archive records them".to_owned(),
            };
            let text = format!(
                "byte for byte what cargo {} wrote{}{} ({stamped}, compressed by {})",
                releases.by_era(),
                match (first.profile.windows, first.profile.macos) {
                    (true, _) => " on Windows",
                    (_, true) => " on macOS",
                    _ => "",
                },
                match first.profile.crlf {
                    true => " from a checkout with CRLF line endings",
                    false => "",
                },
                deflates.join(" or ")
            );
            comparison.explanations.push(Explanation::new("ERA-VERIFY", text));
            if first.profile.crlf {
                comparison.explanations.push(Explanation::new(
                    "ERA-CRLF",
                    "line endings converted: the crate was packaged from a checkout where git wrote text files \
                     with CRLF (`core.autocrlf = true`, git for Windows' default), and the rebuild converted \
                     the commit's files as git does",
                ));
                if let Some(first_kept) = rebuilt.kept_lf.first() {
                    comparison.explanations.push(Explanation::new(
                        "ERA-RECORDED",
                        format!(
                            "line endings taken from the archive: {} file(s) git converts (`{first_kept}` first) \
                             are LF there, as the commit has them, as when a tool rewrote them after the \
                             checkout; the rebuild proves their contents, not which line endings they had",
                            rebuilt.kept_lf.len()
                        ),
                    ));
                }
            }
            if matches!(first.profile.headers, era::Headers::Recorded(_)) {
                comparison.explanations.push(Explanation::new(
                    "ERA-RECORDED",
                    "file times, modes and owners taken from the archive: cargo 1.49 and earlier copied them from \
                     the publisher's machine, so the rebuild proves the contents, their order, what the modes mean \
                     (executable or not), the manifest and the compression, not those values",
                ));
            }
        } else if let Some(best) = others.iter().map(|(.., by_era)| by_era.verdict).min()
            && best < comparison.verdict
        {
            // ERA-CLOSEST: the eras that come nearest give the comparison that explains the crate.
            let mut closest = others.into_iter().filter(|(.., by_era)| by_era.verdict == best);
            let (first, file, by_era) = closest.next().expect("the best verdict is one of theirs");
            let releases = closest.fold(first.releases(), |span, (other, ..)| span.joined(other.releases()));
            (comparison, archive) = (by_era, file);
            let text = format!(
                "closest to what cargo {} wrote, {}: the differences shown are from that rebuild",
                releases.by_era(),
                best.as_str()
            );
            comparison.explanations.insert(0, Explanation::new("ERA-CLOSEST", text));
        }
    }
    comparison
        .explanations
        .extend(rebuilt.configuration.notes().into_iter().map(|n| Explanation::new("SEC-CONFIG", n)));
    let checkout = rebuilt.checkout;
    if rebuilt.located_by_name {
        comparison.explanations.push(Explanation::new(
            "VER-LOCATE",
            format!(
                "the crate records no package directory (`.cargo_vcs_info.json` of cargo 1.56 and earlier) \
             and the repository's root holds another package: the package was taken from `{}`, the one \
             directory whose Cargo.toml names it",
                rebuilt.path_in_vcs
            ),
        ));
    }
    let omitted = for_the_crate(checkout.omitted, &published, &rebuilt.path_in_vcs);
    Ok(Verification {
        krate,
        published,
        rebuilt: archive,
        era,
        commit: checkout.commit,
        path_in_vcs: rebuilt.path_in_vcs,
        located_by_name: rebuilt.located_by_name,
        omitted,
        comparison,
        sources: match source {
            Source::Sources(dir) => Some(dir.clone()),
            Source::Commit { .. } => None,
        },
        configuration: rebuilt.configuration,
    })
}

/// VER-EXPORT: the omissions of the checkout in the package's directory `path_in_vcs`, or that
/// files of the crate `published` lie under: the rest of the tree (a workspace's other members)
/// is not the crate's.
fn for_the_crate(omitted: Vec<Omission>, published: &read::CrateFile, path_in_vcs: &str) -> Vec<Omission> {
    use export::under;
    if omitted.is_empty() {
        return omitted;
    }
    let in_repo = |rel: &str| if path_in_vcs.is_empty() { rel.to_owned() } else { format!("{path_in_vcs}/{rel}") };
    let files: Vec<String> = published.entries.iter().map(|e| in_repo(e.rel_path())).collect();
    omitted
        .into_iter()
        .filter(|o| under(&o.path, path_in_vcs) || files.iter().any(|file| under(file, &o.path)))
        .collect()
}

/// Checks out the commit that `entries` (the first of `published`) record, or the one `source`
/// names, and rebuilds the crate there with the published lock.
fn rebuild_published(
    settings: &Settings<'_>,
    source: &Source,
    published: &Published,
    entries: &[read::ArchivedEntry],
) -> Result<Rebuilt, Error> {
    let krate = published.path();
    let find = |rel: &str| entries.iter().find(|e| e.rel_path() == rel);
    let recorded = VcsInfo::recorded(find(VCS_INFO_FILE), krate)?;
    let sources = match source {
        Source::Sources(dir) => Some(dir),
        Source::Commit { .. } => None,
    };
    let (rev, mut path_in_vcs) = match (source, &recorded) {
        (Source::Sources(_), _) => {
            (recorded.as_ref().map(|vcs| vcs.git.sha1.clone()).unwrap_or_default(), String::new())
        }
        (Source::Commit { rev: Some(rev), path, .. }, recorded) => {
            let recorded_path = recorded.as_ref().map(|vcs| vcs.path_in_vcs.clone());
            (rev.clone(), recorded_path.or_else(|| path.clone()).unwrap_or_default())
        }
        (Source::Commit { rev: None, .. }, Some(vcs)) => (vcs.git.sha1.clone(), vcs.path_in_vcs.clone()),
        (Source::Commit { rev: None, .. }, None) => return Err(Error::NoVcsInfo { krate: krate.to_owned() }),
    };

    let scratch_error = |source| Error::Scratch { path: settings.scratch_parent.clone(), source };
    let scratch = tempfile::Builder::new()
        .prefix("cargo-seal-verify-")
        .tempdir_in(&settings.scratch_parent)
        .map_err(scratch_error)?;
    let scratch_dir = scratch.path().canonicalize().map_err(scratch_error)?;
    let checkout_dir = scratch_dir.join(CHECKOUTS).join("checkout");
    let checkout = match source {
        Source::Sources(sources) => {
            copy_sources(sources, &checkout_dir)?;
            let omitted = export::confine_links(&checkout_dir)
                .map_err(|source| Error::Sources { path: checkout_dir.clone(), source })?;
            export::Checkout { commit: rev.clone(), omitted }
        }
        Source::Commit { repo, .. } => {
            std::fs::create_dir_all(scratch_dir.join(CHECKOUTS)).map_err(scratch_error)?;
            export::export(repo, &rev, &checkout_dir, settings.submodules, Some(&path_in_vcs))?
        }
    };
    let published_name = published.identity().ok().map(|identity| identity.name.clone()).filter(|n| !n.is_empty());
    let located = match &published_name {
        _ if sources.is_some() => None,
        Some(name) if path_in_vcs.is_empty() && package_name_in(&checkout_dir).as_ref() != Some(name) => {
            package_dir_named(&checkout_dir, name)
        }
        _ => None,
    };
    let located_by_name = located.is_some();
    if let Some(dir) = located {
        path_in_vcs = dir;
    }
    let package_dir = if path_in_vcs.is_empty() { checkout_dir.clone() } else { checkout_dir.join(&path_in_vcs) };
    let manifest_path = package_dir.join("Cargo.toml");
    if !manifest_path.is_file() {
        if let Some(dir) = sources {
            return Err(Error::NoSourceManifest { dir: dir.clone() });
        }
        return Err(Error::NoManifest { path_in_vcs, commit: checkout.commit });
    }
    let rebuild_error = |commit: &str| {
        let (commit, offline) = (commit.to_owned(), settings.cargo.offline);
        let scratch_dir = scratch_dir.clone();
        move |source: Box<dyn std::error::Error + Send + Sync>| Error::Rebuild {
            commit,
            offline,
            source: Unplaced::boxed(&*source, &scratch_dir, &settings.cargo),
        }
    };
    // READ-ONCE: cargo writes the lock before `Cargo.toml`; older releases wrote it after the
    // package's files, beyond the first entries, where the whole archive (read meanwhile) has it.
    let whole = || published.whole().ok().and_then(|whole| whole.entry("Cargo.lock"));
    let published_lock = find("Cargo.lock").or_else(whole);
    let lock_path = scratch_dir.join("published.Cargo.lock");
    if let Some(lock) = published_lock {
        let text = lock.text.as_deref().ok_or_else(|| {
            rebuild_error(&checkout.commit)("the published Cargo.lock is not small UTF-8 text".into())
        })?;
        std::fs::write(&lock_path, text).map_err(scratch_error)?;
    }

    let untrusted_error = |source| Error::Untrusted { commit: checkout.commit.clone(), source };
    let (cargo, registries, configuration) =
        clean_room(settings, &checkout_dir, &package_dir, &scratch_dir).map_err(untrusted_error)?;
    // ERA-CRLF: the whole archive (read meanwhile, to compare) tells whether a file holds a CRLF,
    // and the line endings of each.
    let whole = published.whole().map_or(entries, |whole| &whole.entries);
    let crlf = whole.iter().any(|e| e.text.as_deref().is_some_and(|text| text.contains("\r\n")));
    let eras = infer::candidates(entries, crlf);
    let digests: BTreeMap<&str, &str> = whole.iter().map(|e| (e.rel_path(), e.sha256.as_str())).collect();
    // VER-SOURCES: the sources are no commit; the vcs file is written as the crate records it,
    // or not at all.
    let as_recorded = sources.map(|_| recorded.as_ref());
    let (archive, by_era, kept_lf) = rebuild(
        settings,
        cargo,
        registries,
        &package_dir,
        &scratch_dir,
        published_lock.map(|_| lock_path.as_path()),
        &eras,
        &digests,
        as_recorded,
    )
    .map_err(rebuild_error(&checkout.commit))?;
    let path_in_vcs = as_recorded.flatten().map_or(path_in_vcs, |vcs| vcs.path_in_vcs.clone());
    Ok(Rebuilt {
        archive,
        by_era,
        checkout,
        _scratch: scratch,
        scratch_dir,
        kept_lf,
        path_in_vcs,
        located_by_name,
        configuration,
    })
}

/// VER-REBUILD: a rebuild's error, its messages and their causes' with the directories of the
/// machine that ran it (the scratch directory, cargo's home) named by placeholders, so that a
/// report names none of them and says the same from run to run.
#[derive(Debug)]
struct Unplaced {
    message: String,
    source: Option<Box<Unplaced>>,
}

impl Unplaced {
    /// `error`, from a rebuild in `scratch` by `cargo`, as a report may show it.
    fn boxed(
        error: &(dyn std::error::Error + 'static),
        scratch: &Path,
        cargo: &Cargo,
    ) -> Box<dyn std::error::Error + Send + Sync> {
        Box::new(Self::new(error, &[(scratch, "<scratch>"), (&cargo.home, "<cargo home>")]))
    }

    fn new(error: &(dyn std::error::Error + 'static), places: &[(&Path, &str)]) -> Self {
        let message = places
            .iter()
            .fold(error.to_string(), |message, (dir, name)| message.replace(dir.to_string_lossy().as_ref(), name));
        Self { message, source: error.source().map(|source| Box::new(Self::new(source, places))) }
    }
}

impl std::fmt::Display for Unplaced {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Unplaced {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source.as_deref().map(|source| source as &(dyn std::error::Error + 'static))
    }
}

/// How cargo runs for the rebuild of the package at `package_dir` in `checkout`. For the user's
/// own tree, there, as it ran when packaging. For an untrusted tree (`SEC-*`): the manifests it
/// loads name nothing outside the tree (`SEC-PATHS`); it runs from `CARGO_HOME`, so that the
/// configuration it finds is the user's alone (`SEC-CWD`), and is given the tree's own keys that
/// decide the archive, from a file in the scratch directory (`SEC-CONFIG`).
fn clean_room(
    settings: &Settings<'_>,
    checkout: &Path,
    package_dir: &Path,
    scratch_dir: &Path,
) -> Result<(Cargo, crate::registry::Registries, TreeConfig), untrusted::Error> {
    let (mut cargo, mut registries) = (settings.cargo.clone(), settings.registries.clone());
    if settings.trust == Trust::Own {
        cargo.cwd = package_dir.to_owned();
        return Ok((cargo, registries, TreeConfig::default()));
    }
    // The directory that holds the checkout holds nothing else: a sibling path dependency of a
    // package rebuilt from its own sources points there and finds nothing.
    let tree = untrusted::Tree { root: checkout, bound: checkout.parent().unwrap_or(checkout) };
    untrusted::confine(tree, package_dir)?;
    let config = TreeConfig::read(tree, package_dir)?;
    if let Some(file) = config.write(&scratch_dir.join("repository-config.toml"))? {
        cargo.config.push(file.to_string_lossy().into_owned());
    }
    for (name, index) in &config.registries {
        // As cargo reads it: a URL, serialized as the `url` crate does.
        let index = url::Url::parse(index).map_or_else(|_| index.clone(), |url| url.to_string());
        registries.indexes.insert(name.clone(), index);
    }
    // Cargo creates its home when it is missing; a home that cannot be made leaves the scratch
    // directory, whose configuration is the temporary directory's.
    cargo.cwd = match std::fs::create_dir_all(&cargo.home) {
        Ok(()) => cargo.home.clone(),
        Err(_) => scratch_dir.to_owned(),
    };
    Ok((cargo, registries, config))
}

/// VER-SOURCES: the files under `sources`, its git directory included, copied to `dest`: nothing
/// the rebuild writes reaches them, and the copy lists its files as cargo would list the
/// original's (by git when `sources` is the top of a work tree, else by walking it).
fn copy_sources(sources: &Path, dest: &Path) -> Result<(), Error> {
    let error = |path: &Path| {
        let path = path.to_owned();
        move |source| Error::Sources { path, source }
    };
    std::fs::create_dir_all(dest).map_err(error(dest))?;
    for entry in std::fs::read_dir(sources).map_err(error(sources))? {
        let entry = entry.map_err(error(sources))?;
        let (from, to) = (entry.path(), dest.join(entry.file_name()));
        // Links stay links, as cargo lists them: a link to a directory above cannot loop the copy.
        let kind = entry.file_type().map_err(error(&from))?;
        if kind.is_dir() {
            copy_sources(&from, &to)?;
        } else if kind.is_symlink() {
            copy_link(&from, &to).map_err(error(&from))?;
        } else {
            std::fs::copy(&from, &to).map_err(error(&from))?;
        }
    }
    Ok(())
}

#[cfg(unix)]
fn copy_link(from: &Path, to: &Path) -> std::io::Result<()> {
    std::os::unix::fs::symlink(std::fs::read_link(from)?, to)
}

#[cfg(not(unix))]
fn copy_link(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::copy(from, to).map(drop)
}

/// `package.name` of `<dir>/Cargo.toml`.
fn package_name_in(dir: &Path) -> Option<String> {
    let text = std::fs::read_to_string(dir.join("Cargo.toml")).ok()?;
    Some(Identity::of(&text).name).filter(|name| !name.is_empty())
}

/// VER-LOCATE: the `/`-separated directory of `checkout` whose `Cargo.toml` names package `name`,
/// when exactly one does (hidden directories and `target/` left out).
fn package_dir_named(checkout: &Path, name: &str) -> Option<String> {
    let walk = walkdir::WalkDir::new(checkout).sort_by_file_name().into_iter().filter_entry(|e| {
        let file = e.file_name().to_string_lossy();
        e.depth() == 0 || !(file.starts_with('.') || (e.file_type().is_dir() && file == "target"))
    });
    let mut found = walk
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_dir() && package_name_in(e.path()).as_deref() == Some(name))
        .filter_map(|e| e.path().strip_prefix(checkout).ok().map(|rel| rel.to_string_lossy().replace('\\', "/")));
    let first = found.next()?;
    found.next().is_none().then_some(first)
}

/// VER-REPRODUCE: rebuilds `krate`, just packaged from the git work tree at `package_root`, from
/// the commit its `vcs` info records, in a fresh directory under `scratch_parent`, and compares.
/// The rebuild shares the packaging run's options and its not yet published `siblings`.
pub fn reproduce(
    krate: &Path,
    package_root: &Path,
    vcs: &VcsInfo,
    options: &Options,
    siblings: Option<&LocalRegistry>,
    scratch_parent: &Path,
) -> Result<Verification, Error> {
    // `path_in_vcs` is the package root relative to the work tree, `/`-separated.
    let depth = vcs.path_in_vcs.split('/').filter(|c| !c.is_empty()).count();
    let repo = package_root.ancestors().nth(depth).unwrap_or(package_root);
    let settings = Settings {
        cargo: options.cargo.clone(),
        scratch_parent: scratch_parent.to_owned(),
        registries: options.registries.clone(),
        siblings,
        submodules: None,
        trust: Trust::Own,
    };
    let published = Published::open(krate, read::Limits::default())?;
    verify(&settings, published, &Source::commit(repo, Some(vcs.git.sha1.clone()))?)
}

/// The archive rebuilt as cargo 1.95 writes it, the plan of each of `eras` whose `Cargo.toml` is
/// the published one, and the files their CRLF conversion left with LF (`ERA-CRLF`).
type Rebuilds = (read::CrateFile, Vec<(Era, Plan)>, Vec<String>);

/// VER-REBUILD: the packager on the checkout, with the published lock as the previous resolve
/// and no build check; the plan is written as cargo 1.95 writes it and as each of `eras` did.
#[allow(clippy::too_many_arguments, reason = "the rebuild's inputs, each used once")]
fn rebuild(
    settings: &Settings<'_>,
    cargo: Cargo,
    registries: crate::registry::Registries,
    package_dir: &Path,
    scratch_dir: &Path,
    published_lock: Option<&Path>,
    eras: &[Era],
    published: &BTreeMap<&str, &str>,
    vcs_as_recorded: Option<Option<&VcsInfo>>,
) -> Result<Rebuilds, Box<dyn std::error::Error + Send + Sync>> {
    let mut cargo = cargo;
    // The rebuild's own target directory is new; cargo's record of the compiler is still borrowed
    // from the user's build directory when there is one (`--verify-reproducible`).
    cargo.target_dir = Some(scratch_dir.join("target"));
    let ws = Workspace::load(&cargo, &package_dir.join("Cargo.toml"))?;
    let options = Options {
        build: package::BuildOptions::default(),
        target_dir: scratch_dir.join("target"),
        dirty: crate::vcs::Dirty::Exported,
        include_lockfile: published_lock.is_some(),
        registries,
        cargo,
        // The eras are written from this plan afterwards (`ERA-VERIFY`).
        profile: era::CURRENT,
    };
    let manifest = Manifest::load(&package_dir.join("Cargo.toml"), &ws.root)?;
    let mut repos = if settings.trust == Trust::Own { Repos::default() } else { Repos::isolated() };
    let mut selection = package::select(manifest, &ws, &options, &mut repos)?;
    for entry in &mut selection.entries {
        if let package::Source::Generate(Generated::Lockfile, based_on) = &mut entry.source {
            *based_on = published_lock.map(Path::to_path_buf);
        }
    }
    if let Some(recorded) = vcs_as_recorded {
        selection.vcs = recorded.cloned();
        selection.entries.retain(|e| e.rel_path != Path::new(VCS_INFO_FILE));
        if recorded.is_some() {
            let source = package::Source::Generate(Generated::VcsInfo, None);
            selection.entries.push(package::Selected { rel_path: VCS_INFO_FILE.into(), source });
            selection.entries.sort_unstable_by(|a, b| crate::plan::compare_paths(&a.rel_path, &b.rel_path));
        }
    }
    // The published lock is not a lock cargo refreshed: the rebuild resolves it (not LOCK-OWN).
    let lock = package::LockContext { siblings: settings.siblings, refreshed: false };
    let planned = package::plan(&selection, &options, lock)?;
    // ERA-VERIFY: an era's archive is planned only when its `Cargo.toml` is the published one
    // (the manifest tells the eras apart before the headers and the compression), and written
    // only when the current era's is not the published crate.
    let mut by_era = Vec::new();
    let mut converted: Option<(Plan, Vec<String>)> = None;
    for era in eras {
        let text = crate::manifest::render_as(&planned.published, &planned.original, &era.profile)?;
        if published.get("Cargo.toml") != Some(&sha256_hex(text.as_bytes()).as_str()) {
            continue;
        }
        let mut plan = match era.profile.crlf {
            true => match &converted {
                Some((plan, _)) => plan.clone(),
                None => converted.insert(with_crlf(&planned.plan, &scratch_dir.join("crlf"), published)?).0.clone(),
            },
            false => planned.plan.clone(),
        };
        if era.profile.macos {
            plan.entries.sort_by(|a, b| compare_without_case(&a.rel_path, &b.rel_path));
        }
        if era.profile.generated_last {
            generated_last(&mut plan.entries, era.profile.macos);
        }
        for entry in &mut plan.entries {
            match &mut entry.contents {
                Contents::Generated { kind: Generated::Manifest, data } => *data = text.clone().into_bytes(),
                Contents::Generated { kind: Generated::VcsInfo, data } => {
                    if let Some(vcs) = &selection.vcs {
                        *data = vcs.text_as(&era.profile).into_bytes();
                    }
                }
                _ => {}
            }
        }
        by_era.push((*era, plan));
    }
    let kept_lf = converted.map(|(_, kept)| kept).unwrap_or_default();
    Ok((write_archive(&planned.plan, &era::CURRENT, &archive::Recorded::new())?, by_era, kept_lf))
}

/// ERA-CRLF: `plan` with its files from disk as a checkout with git's `core.autocrlf = true`
/// holds them: each text file git converts (gix's rules, which are git's) written once into `dir`,
/// except a file the archive (`published`, digests by path) holds as the commit has it, with LF,
/// as when a tool rewrote it after the checkout. Also the paths of those files.
fn with_crlf(plan: &Plan, dir: &Path, published: &BTreeMap<&str, &str>) -> std::io::Result<(Plan, Vec<String>)> {
    use gix::filter::plumbing::eol;
    let config = eol::Configuration { auto_crlf: eol::AutoCrlf::Enabled, eol: None };
    let digest = eol::AttributesDigest::from(eol::AutoCrlf::Enabled);
    std::fs::create_dir_all(dir)?;
    let mut plan = plan.clone();
    let mut kept_lf = Vec::new();
    let mut buf = Vec::new();
    for (i, entry) in plan.entries.iter_mut().enumerate() {
        let rel = entry.rel_str().to_owned();
        let Contents::OnDisk { path, size, .. } = &mut entry.contents else { continue };
        let data = std::fs::read(&path)?;
        if !eol::convert_to_worktree(&data, digest, &mut buf, config).map_err(std::io::Error::other)? {
            continue;
        }
        if published.get(rel.as_str()) == Some(&sha256_hex(&data).as_str()) {
            kept_lf.push(rel);
            continue;
        }
        let file = dir.join(i.to_string());
        std::fs::write(&file, &buf)?;
        (*path, *size) = (file, buf.len() as u64);
    }
    Ok((plan, kept_lf))
}

/// ERA-ORDER: `entries` (in path order) as cargo 1.41 and earlier put them: the manifest as
/// written where `Cargo.toml` sorts and the normalized one after it, then `.cargo_vcs_info.json`,
/// then `Cargo.lock`.
fn generated_last(entries: &mut Vec<crate::plan::Entry>, macos: bool) {
    let take = |entries: &mut Vec<crate::plan::Entry>, rel: &str| {
        entries.iter().position(|e| e.rel_str() == rel).map(|at| entries.remove(at))
    };
    let (normalized, vcs, lock) =
        (take(entries, "Cargo.toml"), take(entries, VCS_INFO_FILE), take(entries, "Cargo.lock"));
    let order = if macos { compare_without_case } else { crate::plan::compare_paths };
    if let Some(original) = take(entries, "Cargo.toml.orig") {
        let at = entries.partition_point(|e| order(&e.rel_path, Path::new("Cargo.toml")).is_lt());
        entries.insert(at, original);
        entries.splice(at + 1..at + 1, normalized);
    } else {
        entries.extend(normalized);
    }
    entries.extend(vcs.into_iter().chain(lock));
}

/// ERA-ORDER-MACOS: paths compared component by component without regard to case (then
/// byte-wise, so that the order is total), as macOS lists a directory.
fn compare_without_case(a: &Path, b: &Path) -> std::cmp::Ordering {
    let key = |p: &Path| p.components().map(|c| c.as_os_str().to_string_lossy().to_lowercase()).collect::<Vec<_>>();
    key(a).cmp(&key(b)).then_with(|| crate::plan::compare_paths(a, b))
}

/// `plan` written as `profile` says (with the `recorded` header fields, for an era that took
/// them from the publisher's machine), and read back.
fn write_archive(
    plan: &Plan,
    profile: &era::Profile,
    recorded: &archive::Recorded,
) -> Result<read::CrateFile, Box<dyn std::error::Error + Send + Sync>> {
    let mut bytes = Vec::new();
    archive::write_recorded(plan, profile, recorded, &mut bytes)?;
    Ok(read::read_bytes(&bytes)?)
}

/// The sha256 of `bytes`, hex, as [`read::ArchivedEntry::sha256`] gives it.
fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    format!("{:x}", sha2::Sha256::digest(bytes))
}

#[cfg(test)]
mod order_tests {
    use std::path::Path;

    use crate::plan::{Contents, Entry, Generated};

    /// ERA-ORDER, ERA-ORDER-MACOS: bitflags 1.2.1's published order (packaged on macOS by cargo
    /// 1.41 or earlier): files from disk without regard to case, the manifest as written where
    /// `Cargo.toml` sorts and the normalized one after it, `.cargo_vcs_info.json` last.
    #[test]
    fn era_order_of_cargo_1_41_on_macos() {
        let disk = |rel: &str| Entry {
            rel_path: rel.into(),
            contents: Contents::OnDisk { path: rel.into(), size: 0, executable: false },
        };
        let generated =
            |rel: &str, kind| Entry { rel_path: rel.into(), contents: Contents::Generated { kind, data: vec![] } };
        let mut entries = vec![
            generated(".cargo_vcs_info.json", Generated::VcsInfo),
            disk(".gitignore"),
            disk("CHANGELOG.md"),
            generated("Cargo.toml", Generated::Manifest),
            disk("Cargo.toml.orig"),
            disk("README.md"),
            disk("build.rs"),
            disk("src/lib.rs"),
        ];
        entries.sort_by(|a, b| super::compare_without_case(&a.rel_path, &b.rel_path));
        super::generated_last(&mut entries, true);
        let order: Vec<&str> = entries.iter().map(Entry::rel_str).collect();
        let published = [
            ".gitignore",
            "build.rs",
            "Cargo.toml.orig",
            "Cargo.toml",
            "CHANGELOG.md",
            "README.md",
            "src/lib.rs",
            ".cargo_vcs_info.json",
        ];
        assert_eq!(order, published);
        assert!(super::compare_without_case(Path::new("src/A.rs"), Path::new("src/b.rs")).is_lt());
    }
}

#[cfg(all(test, unix))]
mod tests {
    /// VER-SOURCES: a link to a directory above is copied as a link, not followed into a loop.
    #[test]
    fn sources_copy_keeps_links() {
        let tmp = tempfile::tempdir().unwrap();
        let (sources, dest) = (tmp.path().join("sources"), tmp.path().join("dest"));
        std::fs::create_dir_all(sources.join("src")).unwrap();
        std::fs::write(sources.join("src/lib.rs"), "").unwrap();
        std::os::unix::fs::symlink("..", sources.join("src/up")).unwrap();
        super::copy_sources(&sources, &dest).unwrap();
        assert!(dest.join("src/lib.rs").is_file());
        assert_eq!(std::fs::read_link(dest.join("src/up")).unwrap(), std::path::Path::new(".."));
    }
}
