//! `cargo seal audit`, the whole run: the lock file read once, the policy's exceptions that name
//! none of its crates, the selection (`AUD-SELECT`), then this shard of the crates verified
//! (`AUD-CRATE`, after `AUD-DOWNLOAD`) or the shards' results merged (`AUD-MERGE`), and every
//! crate judged by the policy (`AUD-POLICY`). What happens is told through [`Event`]s; the caller
//! renders the [`Outcome`].

use std::path::{Path, PathBuf};

use crate::audit::{self, Audited, Exception, Locked, Policy, Progress, Selection, crates, merge, vsa};
use crate::provenance::{self, PrivateKey, dsse};

/// What to audit, and how.
pub struct Request<'a> {
    pub input: Input,
    pub policy: &'a Policy,
    pub selection: Selection,
    pub results: Results<'a>,
    /// AUD-VSA: `--attest`.
    pub vsa: Option<Vsa<'a>>,
}

/// AUD-VSA: a signed VSA for each crate judged, one envelope (or bundle) a line, into `path`.
pub struct Vsa<'a> {
    pub key: &'a PrivateKey,
    pub path: PathBuf,
    pub policy: vsa::PolicyRef,
    /// Bare DSSE envelopes, or Sigstore bundles with a public-key hint (PROV-BUNDLE).
    pub form: provenance::Form,
}

/// Which crates.
pub enum Input {
    /// The registry packages of this lock file.
    Lockfile(PathBuf),
    /// AUD-CRATES: those listed in this file, resolved by this cargo.
    Crates { path: PathBuf, cargo: crate::cargo::Cargo },
}

/// Where the crates' results come from.
pub enum Results<'a> {
    /// Verified now: the `shard` (`K/N`) of the selected crates, or all of them.
    Verify {
        shard: Option<String>,
        options: Box<audit::Options<'a>>,
        /// AUD-DOWNLOAD: crates missing from cargo's cache are downloaded first, for the
        /// workspace of this manifest (else the `Cargo.toml` beside the lock file).
        download: Option<Download>,
    },
    /// AUD-MERGE: read from these `jsonl` outputs of shards.
    Merge(Vec<PathBuf>),
}

/// AUD-DOWNLOAD, asked for (`--fetch`).
pub struct Download {
    /// `--manifest-path`: the workspace whose lock file is audited.
    pub manifest: Option<PathBuf>,
}

/// What happens, as it happens.
pub enum Event<'a> {
    /// A policy exception names no crate of the whole lock file.
    Unused(&'a Exception),
    /// This many crates are about to be verified.
    Verifying {
        crates: usize,
    },
    Progress(Progress<'a>),
}

/// What the run found.
pub struct Outcome {
    /// The crates audited (this shard's, or the selection's when merged), in the lock's order.
    pub crates: Vec<Locked>,
    /// Their results, judged, in the same order.
    pub audited: Vec<Audited>,
    /// The policy's exceptions that name no crate of the lock file.
    pub unused: Vec<Exception>,
    /// AUD-VSA: how many VSAs were signed.
    pub signed: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Audit(#[from] audit::Error),
    #[error(transparent)]
    Merge(#[from] merge::Error),
    #[error(transparent)]
    Vsa(#[from] provenance::Error),
    #[error(
        "`--fetch` downloads missing crates with `cargo fetch`, which needs the workspace of `{}`, and `{}` \
         does not exist; name the workspace's Cargo.toml with `--manifest-path`",
        lockfile.display(), manifest.display()
    )]
    NoWorkspace { lockfile: PathBuf, manifest: PathBuf },
}

/// The whole audit.
pub fn run(request: Request<'_>, observe: &(dyn Fn(Event<'_>) + Sync)) -> Result<Outcome, Error> {
    let Request { input, policy, selection, results, vsa } = request;
    let (lockfile, locked, mut list) = match input {
        Input::Lockfile(path) => {
            let locked = audit::locked(&path)?;
            (path, locked, None)
        }
        Input::Crates { path, cargo } => {
            let list = crates::List::read(&path, &cargo)?;
            (path, list.crates.clone(), Some((list, cargo)))
        }
    };
    // Judged against the whole lock file, so that every shard says the same.
    let unused: Vec<Exception> = policy.unused(&locked).into_iter().cloned().collect();
    for exception in &unused {
        observe(Event::Unused(exception));
    }
    let mut crates = selection.apply(locked, &lockfile)?;
    let mut audited = match results {
        Results::Verify { shard, options, download } => {
            if let Some(spec) = &shard {
                crates = audit::shard(crates, spec)?;
            }
            // AUD-CRATES: the list's pinned lines are resolved once this shard keeps them.
            if let Some((list, cargo)) = &mut list {
                crates = list.complete(crates, cargo)?;
            }
            let missing = audit::missing(&crates, &options.cargo_home);
            if let Some(download) = download
                && !missing.is_empty()
            {
                let manifests = match &list {
                    Some((list, _)) => list.manifests_of(&missing).map(Path::to_path_buf).collect(),
                    None => vec![workspace_manifest(&lockfile, download.manifest)?],
                };
                for manifest in manifests {
                    audit::download(&manifest, &options.settings.cargo)?;
                }
            }
            observe(Event::Verifying { crates: crates.len() });
            audit::audit(&crates, &options, &|progress| observe(Event::Progress(progress)))
        }
        Results::Merge(files) => {
            let shards = files.into_iter().map(|path| Ok((path.clone(), merge::read(&path)?)));
            merge::merge(&crates, &lockfile, shards.collect::<Result<_, merge::Error>>()?)?
        }
    };
    policy.judge(&mut audited);
    let signed = match vsa {
        Some(vsa) => sign(&audited, &vsa)?,
        None => 0,
    };
    Ok(Outcome { crates, audited, unused, signed })
}

/// AUD-VSA: signs the VSA of each crate that has a checksum and writes them, one envelope a line,
/// whole or not at all; how many.
fn sign(audited: &[Audited], vsa: &Vsa<'_>) -> Result<usize, Error> {
    let statements: Vec<String> = audited.iter().filter_map(|a| vsa::statement(a, &vsa.policy)).collect();
    let sign = |statement: &String| dsse::sign(provenance::PAYLOAD_TYPE, statement.as_bytes(), vsa.key);
    let lines: String = statements.iter().map(|s| vsa.form.render(&sign(s))).collect();
    provenance::write(&lines, &vsa.path)?;
    Ok(statements.len())
}

/// AUD-DOWNLOAD: the manifest of the workspace whose lock file is `lockfile`: `manifest`, else
/// the `Cargo.toml` beside the lock file.
fn workspace_manifest(lockfile: &Path, manifest: Option<PathBuf>) -> Result<PathBuf, Error> {
    let manifest = manifest.unwrap_or_else(|| lockfile.with_file_name("Cargo.toml"));
    match manifest.is_file() {
        true => Ok(manifest),
        false => Err(Error::NoWorkspace { lockfile: lockfile.to_owned(), manifest }),
    }
}
