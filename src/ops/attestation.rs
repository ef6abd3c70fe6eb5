//! PROV-SIGSTORE-BIND: a Sigstore attestation about a published crate, bound to it: the bundle
//! verifies for the crate file, and its certificate names the repository and commit the crate
//! says it comes from. Rebuilding from that commit is `verify`'s.

use std::path::{Path, PathBuf};

use crate::audit::{self, Locked};

use crate::compare::Verdict;
use crate::ops::provenance::Rebuild;
use crate::plan::VCS_INFO_FILE;
use crate::published::{self, Published};
use crate::sigstore::{self, Checked, Checker, Identity, Origin, Proven, Subject};
use crate::vcs_info::{self, VcsInfo};
use crate::verify::{self, Verification};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Published(#[from] published::Error),
    #[error(transparent)]
    Recorded(#[from] vcs_info::Error),
    #[error(transparent)]
    Sigstore(#[from] sigstore::Error),
    #[error(transparent)]
    Rebuild(#[from] verify::Error),
    #[error("`--attestations {}` is not a directory", dir.display())]
    NoDirectory { dir: PathBuf },
}

/// What [`verify`] found.
#[derive(Debug)]
pub struct Attested {
    /// sha256 of the crate file.
    pub sha256: String,
    pub checked: Checked,
    /// The rebuild from the attested commit, when one was asked for and the bundle proven.
    pub verification: Option<Verification>,
}

impl Attested {
    /// Proven, and identical to its rebuild when one ran.
    pub fn valid(&self) -> bool {
        matches!(self.checked, Checked::Proven(_))
            && self.verification.as_ref().is_none_or(|v| v.comparison.verdict == Verdict::Identical)
    }
}

/// Who must have signed a bundle about a crate.
#[derive(Debug)]
pub enum Signer {
    /// A certificate meeting this policy, bound to the crate ([`check`]).
    Certificate(Box<Identity>),
    /// PROV-CHECK-BUNDLE: the key in this PEM file, of an algorithm other than ed25519 (ECDSA
    /// P-256, as Sigstore's managed keys): the bundle verifies for the crate file with it; nothing
    /// binds a key to a repository.
    Key(PathBuf),
}

/// PROV-SIGSTORE-BIND: checks the bundle as `signer` says, then, when it is proven and `rebuild`
/// given, rebuilds the crate from the recorded commit (the attested one, for a certificate).
pub fn verify(
    published: Published,
    bundle: &Path,
    signer: Signer,
    checker: &Checker,
    rebuild: Option<&Rebuild<'_>>,
) -> Result<Attested, Error> {
    // READ-ONCE: the whole crate when it is to be rebuilt (or bound), else its digest alone.
    let sha256 = match (&signer, rebuild) {
        (Signer::Key(_), None) => published.sha256()?.to_owned(),
        _ => published.whole()?.sha256.clone(),
    };
    let checked = match signer {
        Signer::Certificate(identity) => check(&published, bundle, *identity, checker)?,
        Signer::Key(key) => {
            let subject = Subject::parse(&format!("sha256:{sha256}"))?;
            checker.check_file(bundle, &subject, &sigstore::Signer::Key(key))?
        }
    };
    let verification = match (&checked, rebuild) {
        (Checked::Proven(_), Some((settings, source))) => Some(verify::verify(settings, published, source)?),
        _ => None,
    };
    Ok(Attested { sha256, checked, verification })
}

/// PROV-SIGSTORE-BIND: checks the bundle file `bundle` about the crate `published`: a bundle must
/// verify for the crate file (its sha256) under `identity`, and its certificate name the
/// repository of the crate's `repository` and the commit its `.cargo_vcs_info.json` records. A
/// crate that names no repository, or records no clean commit, gives nothing to bind: refused.
pub fn check(published: &Published, bundle: &Path, identity: Identity, checker: &Checker) -> Result<Checked, Error> {
    let file = published.whole()?;
    let krate = published.path().display();
    let refused = |reason: String| Ok(Checked::Refused { reason });
    let Some(repository) = published.identity()?.repository.clone() else {
        return refused(format!("`{krate}` names no `repository`: there is none to bind the certificate's to"));
    };
    let Some(vcs) = VcsInfo::recorded(file.entry(VCS_INFO_FILE), published.path())? else {
        return refused(format!(
            "`{krate}` has no `.cargo_vcs_info.json`: it records no commit to bind the certificate's to"
        ));
    };
    if vcs.git.dirty {
        return refused(format!("`{krate}` was packaged with uncommitted changes, not from commit {}", vcs.git.sha1));
    }
    let subject = Subject::parse(&format!("sha256:{}", file.sha256))?;
    let identity = Identity { origin: Some(Origin { repository, commit: vcs.git.sha1 }), ..identity };
    Ok(checker.check_file(bundle, &subject, &sigstore::Signer::Identity(Box::new(identity)))?)
}

/// AUD-ATTEST: the bundles of an `--attestations` directory, checked for the crates of an audit.
pub struct Directory {
    dir: PathBuf,
    identity: Identity,
    checker: Checker,
}

impl Directory {
    /// The directory `dir`, its bundles to be checked under `identity` against `checker`'s root.
    pub fn new(dir: PathBuf, identity: Identity, checker: Checker) -> Result<Directory, Error> {
        match dir.is_dir() {
            true => Ok(Directory { dir, identity, checker }),
            false => Err(Error::NoDirectory { dir }),
        }
    }

    /// AUD-ATTEST: the attestation of `krate`, whose file is `published`: the bundle
    /// `<name>-<version>.crate.sigstore.json`, else `sha256:<crate sha256>.jsonl` (as `gh
    /// attestation download` names its output), checked and bound to the crate; no bundle without
    /// either. A bundle that cannot be checked is refused, with the error.
    pub fn attestation(&self, krate: &Locked, published: &Published) -> audit::Attestation {
        let by_name = format!("{}-{}.crate.sigstore.json", krate.name, krate.version);
        let by_digest = published.sha256().ok().map(|sha256| format!("sha256:{sha256}.jsonl"));
        let found = [Some(by_name), by_digest].into_iter().flatten().find(|name| self.dir.join(name).is_file());
        let Some(name) = found else { return audit::Attestation { bundle: None, signer: None, refused: None } };
        let checked = check(published, &self.dir.join(&name), self.identity.clone(), &self.checker);
        let (signer, refused) = match checked {
            Ok(Checked::Proven(proven)) => (Some(signed_by(&proven)), None),
            Ok(Checked::Refused { reason }) => (None, Some(reason)),
            Err(err) => (None, Some(crate::error_chain(&err))),
        };
        audit::Attestation { bundle: Some(name), signer, refused }
    }
}

/// PROV-SIGSTORE-BIND: who signed, from which repository and commit, and when, as proven.
pub fn signed_by(proven: &Proven) -> String {
    let who = proven.identity.as_deref().unwrap_or("?");
    let issuer = proven.issuer.as_deref().unwrap_or("?");
    let from = proven.source_repository.as_deref().unwrap_or("?");
    let commit = proven.source_commit.as_deref().unwrap_or("?");
    let when = match (&proven.logged_at, proven.signed_at.first()) {
        (Some(logged), _) => format!(", logged at {logged}"),
        (None, Some(signed)) => format!(", timestamped at {signed}"),
        (None, None) => String::new(),
    };
    format!("signed by {who} ({issuer}) from {from} at commit {commit}{when}")
}
