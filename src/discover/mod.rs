//! Where a published crate came from (spec: `DISC-*`): its repository, from the manifest's
//! `repository` URL, found on disk under a directory of mirrors or through a map; and the commit,
//! from `.cargo_vcs_info.json` when the repository has it, else from a release tag. `audit` and
//! `verify` without `--repo` use it; nothing here touches the network.

mod url;

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

pub use url::RepositoryUrl;

use crate::archive::read::ArchivedEntry;
use crate::compare::Explanation;
use crate::git::Repository;
use crate::manifest::Identity;
use crate::plan::VCS_INFO_FILE;
use crate::vcs_info::VcsInfo;

/// How the commit was found.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FoundBy {
    /// The commit `.cargo_vcs_info.json` records, which the repository has.
    VcsInfo,
    /// A release tag, named.
    Tag(String),
    /// A commit whose tree holds the crate's `Cargo.toml.orig` at the package's directory, the one
    /// with the most files identical to the crate's: `identical` of the `compared` files (those
    /// kept as text) are. Fewer than all means the crate's sources are in no commit.
    Content {
        identical: usize,
        compared: usize,
        /// Other states of the package directory as close: the earliest commit was chosen.
        #[serde(default)]
        tied: usize,
    },
}

impl std::fmt::Display for FoundBy {
    /// As reports name it: `.cargo_vcs_info.json`, tag `v1.0.0`, content, 3 of 4 files identical.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FoundBy::VcsInfo => f.write_str("`.cargo_vcs_info.json`"),
            FoundBy::Tag(tag) => write!(f, "tag `{tag}`"),
            FoundBy::Content { identical, compared, .. } => {
                write!(f, "content, {identical} of {compared} files identical")
            }
        }
    }
}

/// A commit to rebuild from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// The full commit id.
    pub commit: String,
    pub by: FoundBy,
    /// `.cargo_vcs_info.json` recorded a commit the repository does not have.
    pub recorded_missing: Option<String>,
    /// The package's directory in the repository, when the content search found it there.
    pub path: Option<String>,
    /// DISC-MOVED: the crate's repository URL has no local copy; this one, of the same name under
    /// another owner, holds the recorded commit.
    pub moved: bool,
}

impl Found {
    /// AUD-EXPLAIN: what the way the commit was found says of the crate, as reports note it.
    pub fn notes(&self) -> Vec<Explanation> {
        let mut notes = Vec::new();
        if self.moved {
            notes.push(Explanation::new(
                "DISC-MOVED",
                "the crate's repository URL has no local copy; a copy of the same name under another owner holds \
                 the recorded commit (a moved or renamed repository, or a fork): rebuilt from it",
            ));
        }
        if let Some(lost) = &self.recorded_missing {
            notes.push(Explanation::new(
                "DISC-COMMIT",
                format!(
                    "the commit `.cargo_vcs_info.json` records, {lost}, is not in the local copy of the repository \
                 (a copy older than the release: update it, with `--fetch` say; or a commit never pushed, or \
                 rewritten away): the crate was rebuilt from the commit found otherwise"
                ),
            ));
        }
        if let FoundBy::Content { identical, compared, tied } = self.by {
            if identical < compared {
                notes.push(Explanation::new("DISC-CONTENT", format!(
                    "no commit holds the crate's sources: the closest by content holds {identical} of its {compared} files"
                )));
            }
            if tied > 0 {
                notes.push(Explanation::new("DISC-CONTENT", format!(
                    "{tied} other state(s) of the package's directory hold the crate's files as closely: the earliest \
                     commit of them was chosen"
                )));
            }
        }
        notes
    }
}

/// Why no repository or commit was found, as `audit` reports it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    #[error("the manifest names no repository")]
    NoRepository,
    #[error("`{url}` is not a repository URL this tool understands")]
    BadUrl { url: String },
    #[error("no local copy of `{url}`: looked for {}", looked.iter().map(|p| format!("`{}`", p.display())).collect::<Vec<_>>().join(", "))]
    RepositoryMissing { url: String, looked: Vec<PathBuf> },
    #[error("`{}` is not a git repository", path.display())]
    NotARepository { path: PathBuf },
    #[error("no commit found for {name} {version}: {}", not_found_detail(recorded.as_deref(), *dirty))]
    CommitNotFound { name: String, version: String, recorded: Option<String>, dirty: bool },
}

/// Why no commit was found, after the crate and version; `dirty` when the crate records that it
/// was published from uncommitted changes, which no commit can hold.
pub fn not_found_detail(recorded: Option<&str>, dirty: bool) -> String {
    let detail = match recorded {
        Some(commit) => format!(
            "the recorded commit {commit} is not in the repository (fetch it), and no release tag or tree holds the package"
        ),
        None => "no recorded commit, and no release tag or tree holds the package".to_owned(),
    };
    match dirty {
        true => format!(
            "{detail}; it was published from uncommitted changes (`\"dirty\": true` in `.cargo_vcs_info.json`), \
             which no commit holds"
        ),
        false => detail,
    }
}

/// A `--repo-map` file that cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("cannot use the repository map `{}`: {reason}", path.display())]
pub struct MapError {
    pub path: PathBuf,
    pub reason: String,
}

/// Where local copies of repositories are looked for.
#[derive(Debug, Clone, Default)]
pub struct Locator {
    /// `--repos DIR`: clones or bare repositories at `DIR/<host>/<owner>/<name>[.git]`.
    pub mirrors: Option<PathBuf>,
    /// `--repo-map`: a crate name or a repository URL (normalized), to a local repository or to
    /// the URL to fetch it from.
    pub map: BTreeMap<String, Place>,
}

/// What a `--repo-map` entry names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    /// A local repository, used as it is.
    Local(PathBuf),
    /// A URL to clone from (`MIR-*`), whose copy is kept under `--repos` like any mirror.
    Remote(String),
}

/// Where `--fetch` brings a repository from, and to (`MIR-DEST`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Remote {
    pub url: String,
    /// The existing mirror under `--repos`, else a bare `<name>.git` there.
    pub dest: PathBuf,
}

impl Locator {
    /// A `--repo-map` file: TOML whose keys are crate names or repository URLs and whose values are
    /// paths, relative to the file's directory, or URLs (anything with `://`) to fetch from.
    pub fn read_map(path: &Path) -> Result<BTreeMap<String, Place>, MapError> {
        let error = |reason: String| MapError { path: path.to_owned(), reason };
        let text = std::fs::read_to_string(path).map_err(|e| error(e.to_string()))?;
        let table: toml::Table = text.parse().map_err(|e: toml::de::Error| error(e.to_string()))?;
        let base = path.parent().unwrap_or(Path::new("."));
        table
            .into_iter()
            .map(|(key, value)| {
                let value =
                    value.as_str().ok_or_else(|| error(format!("`{key}` must be a path or a URL (a string)")))?;
                let place = if value.contains("://") {
                    Place::Remote(value.to_owned())
                } else {
                    Place::Local(base.join(value))
                };
                let key = RepositoryUrl::parse(&key).map_or(key, |url| url.canonical());
                Ok((key, place))
            })
            .collect()
    }

    /// The `--repo-map` entry for crate `name` or for its repository `url`.
    fn mapped(&self, name: &str, url: Option<&RepositoryUrl>) -> Option<&Place> {
        self.map.get(name).or_else(|| url.and_then(|url| self.map.get(&url.canonical())))
    }

    /// The local repository of crate `name` whose manifest says `repository`, opened.
    pub fn locate(&self, name: &str, repository: Option<&str>) -> Result<Repository, Error> {
        let url = repository.and_then(RepositoryUrl::parse);
        let (looked, shown) = match (self.mapped(name, url.as_ref()), &url) {
            (Some(Place::Local(path)), _) => {
                return Repository::open(path).map_err(|_| Error::NotARepository { path: path.clone() });
            }
            (Some(Place::Remote(remote)), _) => (self.mirror_paths(url.as_ref(), Some(remote)), remote.clone()),
            (None, Some(url)) => (self.mirror_paths(Some(url), None), url.canonical()),
            (None, None) => {
                return Err(repository.map_or(Error::NoRepository, |raw| Error::BadUrl { url: raw.to_owned() }));
            }
        };
        let found = looked.iter().find_map(|path| Repository::open(path).ok());
        found.ok_or(Error::RepositoryMissing { url: shown, looked })
    }

    /// DISC-MOVED: the copies under `--repos` of a repository of the same name as `repository`'s
    /// under another owner of its host, owners in name order.
    pub fn same_name(&self, repository: &str) -> Vec<PathBuf> {
        let (Some(dir), Some(url)) = (&self.mirrors, RepositoryUrl::parse(repository)) else { return Vec::new() };
        let (Some(owner), Some(name)) = (url.segments.first(), url.segments.last()) else { return Vec::new() };
        let mut owners: Vec<PathBuf> = match std::fs::read_dir(dir.join(&url.host)) {
            Ok(entries) => entries.filter_map(|e| Some(e.ok()?.path())).collect(),
            Err(_) => return Vec::new(),
        };
        owners.sort();
        let other = |path: &PathBuf| path.file_name().is_some_and(|o| !o.eq_ignore_ascii_case(owner.as_str()));
        let names = [name.clone(), format!("{name}.git"), name.to_lowercase(), format!("{}.git", name.to_lowercase())];
        owners
            .into_iter()
            .filter(other)
            .flat_map(|owner| names.iter().map(move |name| owner.join(name)).collect::<Vec<_>>())
            .filter(|path| path.exists())
            .collect()
    }

    /// MIR-DEST: where `--fetch` clones the repository of crate `name` (whose manifest says
    /// `repository`) from, and into; `None` when the map names a local repository, there is no
    /// `--repos`, or no URL.
    pub fn remote(&self, name: &str, repository: Option<&str>) -> Option<Remote> {
        let url = repository.and_then(RepositoryUrl::parse);
        let from = match self.mapped(name, url.as_ref()) {
            Some(Place::Local(_)) => return None,
            Some(Place::Remote(remote)) => remote.clone(),
            None => url.as_ref()?.canonical(),
        };
        let paths = self.mirror_paths(url.as_ref(), Some(&from));
        let dest = paths.iter().find(|path| crate::git::open_isolated(path).is_ok()).or_else(|| paths.get(1))?.clone();
        Some(Remote { url: from, dest })
    }

    /// Where under `--repos` a copy of the repository at `url` (else at `remote`, when that
    /// parses) may be.
    fn mirror_paths(&self, url: Option<&RepositoryUrl>, remote: Option<&str>) -> Vec<PathBuf> {
        let url = url.cloned().or_else(|| remote.and_then(RepositoryUrl::parse));
        self.mirrors.iter().zip(url).flat_map(|(dir, url)| url.mirror_paths(dir)).collect()
    }
}

/// What discovery looks for: the package, and where its repository said it was.
#[derive(Debug, Clone, Default)]
pub struct Wanted {
    pub name: String,
    pub version: String,
    /// The manifest's `repository`.
    pub repository: Option<String>,
    /// The commit `.cargo_vcs_info.json` records.
    pub recorded: Option<String>,
    /// `.cargo_vcs_info.json` says the crate was published from uncommitted changes.
    pub dirty: bool,
    /// Where the package may be in the repository: as recorded, as the URL points, the root.
    pub dirs: Vec<String>,
}

impl Wanted {
    /// What the published crate of `identity` whose first entries are `entries` (its
    /// `.cargo_vcs_info.json` among them) says of itself.
    pub fn of(identity: &Identity, entries: &[ArchivedEntry]) -> Wanted {
        let Identity { name, version, repository } = identity.clone();
        let recorded = text_of(entries, VCS_INFO_FILE).and_then(|t| VcsInfo::parse(t).ok());
        let hinted = repository.as_deref().and_then(RepositoryUrl::parse).and_then(|url| url.subdirectory);
        let mut dirs: Vec<String> = recorded.iter().map(|vcs| vcs.path_in_vcs.clone()).chain(hinted).collect();
        dirs.push(String::new());
        dirs.dedup();
        let dirty = recorded.as_ref().is_some_and(|vcs| vcs.git.dirty);
        let recorded = recorded.map(|vcs| vcs.git.sha1);
        Wanted { name, version: version.unwrap_or_default(), repository, recorded, dirty, dirs }
    }

    /// DISC-LOCATE and DISC-MOVED: the local repository of the crate, opened, and whether it is a
    /// copy of the same name under another owner that holds the recorded commit (a commit id names
    /// one history, whoever holds it).
    pub fn repository(&self, locator: &Locator) -> Result<(Repository, bool), Error> {
        match locator.locate(&self.name, self.repository.as_deref()) {
            Ok(repo) => Ok((repo, false)),
            Err(missing @ Error::RepositoryMissing { .. }) => {
                let Some(sha) = &self.recorded else { return Err(missing) };
                let moved = self.repository.as_deref().map(|url| locator.same_name(url)).unwrap_or_default();
                let holds = |path: PathBuf| {
                    Repository::open(&path)
                        .ok()
                        .filter(|repo| repo.commit(sha).is_some_and(|c| c.starts_with(sha.as_str())))
                };
                Ok((moved.into_iter().find_map(holds).ok_or(missing)?, true))
            }
            Err(other) => Err(other),
        }
    }

    /// DISC-COMMIT in `repo`, as [`find_commit`].
    pub fn commit(&self, repo: &Repository) -> Result<Found, Error> {
        find_commit(&repo.git, self)
    }

    /// DISC-CONTENT in `repo`, for the crate whose entries are `entries` (all of them), after
    /// [`Wanted::commit`] found none (`recorded_missing` as it said).
    pub fn by_content(
        &self,
        repo: &Repository,
        entries: &[ArchivedEntry],
        recorded_missing: Option<String>,
    ) -> Result<Found, Error> {
        let Some(best) = by_content(&repo.git, entries, &self.dirs) else {
            let (name, version) = (self.name.clone(), self.version.clone());
            return Err(Error::CommitNotFound { name, version, recorded: recorded_missing, dirty: self.dirty });
        };
        let by = FoundBy::Content { identical: best.identical, compared: best.compared, tied: best.tied };
        Ok(Found { commit: best.commit, by, recorded_missing, path: Some(best.dir), moved: false })
    }
}

/// The text of the entry at `rel` relative to the package root, when it is kept as text.
fn text_of<'a>(entries: &'a [ArchivedEntry], rel: &str) -> Option<&'a str> {
    entries.iter().find(|e| e.rel_path() == rel).and_then(|e| e.text.as_deref())
}

/// DISC-COMMIT: the commit of the `wanted` package in `open`: the recorded one if the repository
/// has it, else the first release tag, in the order of [`tag_names`], whose tree holds the package
/// in one of its directories (`DISC-TAGS`).
fn find_commit(open: &gix::Repository, wanted: &Wanted) -> Result<Found, Error> {
    let Wanted { name, version, recorded, dirs, dirty, .. } = wanted;
    let recorded = recorded.as_deref();
    let commit_of = |rev: &str| crate::git::commit_of(open, rev).map(|commit| commit.id.to_string());
    let recorded_missing = match recorded {
        Some(sha) => match commit_of(sha).filter(|found| found.starts_with(sha)) {
            Some(commit) => {
                return Ok(Found { commit, by: FoundBy::VcsInfo, recorded_missing: None, path: None, moved: false });
            }
            None => Some(sha.to_owned()),
        },
        None => None,
    };
    for tag in tag_names(name, version) {
        let Some(commit) = commit_of(&format!("refs/tags/{tag}")) else { continue };
        // A bare version tag of another package of the repository is no release of this one.
        if let Some(dir) = dirs.iter().find(|dir| holds_package(open, &commit, dir, name, version)) {
            let path = Some(dir.clone());
            return Ok(Found { commit, by: FoundBy::Tag(tag), recorded_missing, path, moved: false });
        }
    }
    let (name, version, dirty) = (name.clone(), version.clone(), *dirty);
    Err(Error::CommitNotFound { name, version, recorded: recorded_missing, dirty })
}

/// Whether the tree of `commit` has `<dir>/Cargo.toml` for package `name` at `version` (or a
/// version inherited from its workspace).
fn holds_package(repo: &gix::Repository, commit: &str, dir: &str, name: &str, version: &str) -> bool {
    let path = if dir.is_empty() { "Cargo.toml".to_owned() } else { format!("{dir}/Cargo.toml") };
    let text = repo
        .rev_parse_single(format!("{commit}:{path}").as_str())
        .ok()
        .and_then(|id| id.object().ok())
        .and_then(|blob| String::from_utf8(blob.detach().data).ok());
    let Some(identity) = text.as_deref().map(Identity::of) else { return false };
    // `version.workspace = true`, or none: the workspace decides.
    identity.name == name && identity.version.is_none_or(|v| v == version)
}

/// DISC-CONTENT: at most this many commits are looked at.
const MAX_COMMITS: usize = 20_000;

/// DISC-CONTENT: among the commits the repository's references reach, those whose tree holds the
/// crate's `Cargo.toml.orig` as `<dir>/Cargo.toml` for one of `dirs` are candidates. The best has
/// the most of the crate's other files (those kept as text) identical at `<dir>/<path>`, then the
/// fewest of its files missing there, then the fewest files there the crate lacks; of equals, the
/// earliest ([`Candidate::key`]): the release, rather than a later commit that only added a file.
/// `None` when no tree holds that manifest.
fn by_content(open: &gix::Repository, entries: &[ArchivedEntry], dirs: &[String]) -> Option<ContentMatch> {
    use gix::objs::Kind;
    let hash = |text: &str| gix::objs::compute_hash(open.object_hash(), Kind::Blob, text.as_bytes()).ok();
    let manifest = hash(entries.iter().find(|e| e.rel_path() == "Cargo.toml.orig")?.text.as_deref()?)?;
    let generated = ["Cargo.toml", "Cargo.toml.orig", "Cargo.lock", VCS_INFO_FILE];
    let files: Vec<&str> = entries.iter().map(ArchivedEntry::rel_path).filter(|rel| !generated.contains(rel)).collect();
    let sources: Vec<(&str, gix::ObjectId)> = entries
        .iter()
        .filter(|e| !generated.contains(&e.rel_path()))
        .filter_map(|e| Some((e.rel_path(), hash(e.text.as_deref()?)?)))
        .collect();
    let packaged: BTreeSet<&str> = entries.iter().map(|e| e.rel_path()).chain(["Cargo.toml"]).collect();
    let tips: Vec<gix::ObjectId> =
        open.references().ok()?.all().ok()?.filter_map(|r| r.ok()?.peel_to_id().ok().map(|id| id.detach())).collect();
    // Each tree of the package directory is ranked once; its extra files, which take a walk of
    // the tree, are counted only when it ties with the best on the rest.
    let mut closeness: BTreeMap<gix::ObjectId, Closeness> = BTreeMap::new();
    let mut extras: BTreeMap<gix::ObjectId, usize> = BTreeMap::new();
    let mut extra = |tree: gix::ObjectId| *extras.entry(tree).or_insert_with(|| extra_files(open, tree, &packaged));
    let mut best: Option<(gix::ObjectId, Closeness, Candidate)> = None;
    // The package directory's trees ranked as the best: more than one is a tie.
    let mut alike: BTreeSet<gix::ObjectId> = BTreeSet::new();
    for (order, info) in open.rev_walk(tips).all().ok()?.take(MAX_COMMITS).enumerate() {
        let Ok(info) = info else { continue };
        let Some(commit) = info.object().ok() else { continue };
        let Some(tree) = commit.tree().ok() else { continue };
        let time = commit.time().map_or(0, |t| t.seconds);
        for dir in dirs {
            let entry = |rel: &str| {
                let path = if dir.is_empty() { rel.to_owned() } else { format!("{dir}/{rel}") };
                tree.lookup_entry_by_path(path).ok().flatten()
            };
            if entry("Cargo.toml").map(|e| e.object_id()) != Some(manifest) {
                continue;
            }
            let package = match dir.is_empty() {
                true => tree.id,
                false => match tree.lookup_entry_by_path(dir).ok().flatten() {
                    Some(entry) => entry.object_id(),
                    None => continue,
                },
            };
            let close = *closeness.entry(package).or_insert_with(|| Closeness {
                identical: sources.iter().filter(|(rel, id)| entry(rel).map(|e| e.object_id()) == Some(*id)).count(),
                missing: files.iter().filter(|rel| entry(rel).is_none()).count(),
            });
            let candidate = Candidate { time, order, commit: info.id, dir: dir.clone() };
            let ranked = match &best {
                None => Ordering::Greater,
                // Fewer extra files rank higher.
                Some((held, held_close, _)) => close.cmp(held_close).then_with(|| extra(*held).cmp(&extra(package))),
            };
            match ranked {
                Ordering::Greater => {
                    alike = BTreeSet::from([package]);
                    best = Some((package, close, candidate));
                }
                Ordering::Equal => {
                    alike.insert(package);
                    if best.as_ref().is_some_and(|(_, _, chosen)| candidate.key() < chosen.key()) {
                        best = Some((package, close, candidate));
                    }
                }
                Ordering::Less => {}
            }
        }
    }
    let (_, close, chosen) = best?;
    let (commit, dir, identical, compared) = (chosen.commit.to_string(), chosen.dir, close.identical, sources.len());
    Some(ContentMatch { commit, dir, identical, compared, tied: alike.len() - 1 })
}

/// DISC-CONTENT: how closely a package directory holds a crate's files, extra files aside: more
/// identical, then fewer missing, ranks higher.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Closeness {
    identical: usize,
    missing: usize,
}

impl Ord for Closeness {
    fn cmp(&self, other: &Closeness) -> Ordering {
        self.identical.cmp(&other.identical).then(other.missing.cmp(&self.missing))
    }
}

impl PartialOrd for Closeness {
    fn partial_cmp(&self, other: &Closeness) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// A commit whose tree holds the crate's manifest in `dir`.
struct Candidate {
    time: i64,
    /// Its place in the walk from the references, which meets a commit before its parents.
    order: usize,
    commit: gix::ObjectId,
    dir: String,
}

impl Candidate {
    /// Earliest first: by commit time, then (for equal times) the deepest in the walk, then id.
    fn key(&self) -> (i64, std::cmp::Reverse<usize>, gix::ObjectId) {
        (self.time, std::cmp::Reverse(self.order), self.commit)
    }
}

/// DISC-CONTENT: the files of the package directory `tree` that are not among the crate's
/// `packaged` paths, those of packages nested in it aside (cargo leaves them out).
fn extra_files(open: &gix::Repository, tree: gix::ObjectId, packaged: &BTreeSet<&str>) -> usize {
    let Ok(tree) = open.find_tree(tree) else { return 0 };
    let mut recorder = gix::traverse::tree::Recorder::default();
    if tree.traverse().breadthfirst(&mut recorder).is_err() {
        return 0;
    }
    let paths: Vec<String> = recorder
        .records
        .iter()
        .filter(|e| e.mode.is_blob() || e.mode.is_link())
        .map(|e| e.filepath.to_string())
        .collect();
    let nested: Vec<&str> =
        paths.iter().filter_map(|p| p.strip_suffix("/Cargo.toml")).filter(|dir| !dir.is_empty()).collect();
    let inside_nested =
        |path: &str| nested.iter().any(|dir| path.strip_prefix(dir).is_some_and(|r| r.starts_with('/')));
    paths.iter().filter(|p| !packaged.contains(p.as_str()) && !inside_nested(p)).count()
}

/// The commit [`by_content`] chose.
struct ContentMatch {
    commit: String,
    dir: String,
    identical: usize,
    compared: usize,
    /// Other states of the package directory that held the crate's files as closely (the
    /// earliest commit of them all was chosen).
    tied: usize,
}

/// DISC-TAGS: the tag names releases of `name` `version` are published under, most specific
/// first, so that a monorepo's per-crate tag wins over a bare version.
pub fn tag_names(name: &str, version: &str) -> Vec<String> {
    vec![
        format!("{name}-v{version}"),
        format!("{name}-{version}"),
        format!("{name}@{version}"),
        format!("{name}@v{version}"),
        format!("{name}/v{version}"),
        format!("{name}/{version}"),
        format!("{name}_v{version}"),
        format!("v{version}"),
        version.to_owned(),
    ]
}

#[cfg(test)]
mod tests {
    /// AUD-EXPLAIN: a crate published from uncommitted changes whose commit is not found says so.
    #[test]
    fn disc_not_found_names_a_dirty_publication() {
        let error = super::Error::CommitNotFound {
            name: "a".into(),
            version: "1.0.0".into(),
            recorded: Some("0123abc".into()),
            dirty: true,
        };
        let said = error.to_string();
        assert!(said.starts_with("no commit found for a 1.0.0: the recorded commit 0123abc is not in"), "{said}");
        assert!(said.ends_with("published from uncommitted changes (`\"dirty\": true` in `.cargo_vcs_info.json`), which no commit holds"), "{said}");
        assert!(!super::not_found_detail(None, false).contains("uncommitted"));
    }
}
