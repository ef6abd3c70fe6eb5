//! `attest` and `verify-attestation` on a crate file (PROV-ATTEST, PROV-CHECK): the crate is read
//! once, rebuilt from its commit when asked (as `verify`), and its statement signed or its
//! envelopes checked.

use std::path::{Path, PathBuf};

use crate::archive::read;
use crate::compare::Verdict;
use crate::provenance::{self, Against, Envelope, Facts, PrivateKey, PublicKey, Report};
use crate::published::Published;
use crate::verify::{self, Verification};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Read(#[from] read::FileError),
    #[error(transparent)]
    Provenance(#[from] provenance::Error),
    #[error(transparent)]
    Rebuild(#[from] verify::Error),
}

/// How and from what to rebuild a crate (`--repo`).
pub type Rebuild<'a> = (verify::Settings<'a>, verify::Source);

/// What [`attest`] made.
#[derive(Debug)]
pub struct Attestation {
    pub facts: Facts,
    /// `None` when the crate differs from its rebuild: nothing was signed.
    pub envelope: Option<Envelope>,
    /// The rebuild from the commit, when one was asked for.
    pub verification: Option<Verification>,
}

/// PROV-ATTEST: reads the crate at `krate` and signs its statement; with `rebuild`, only after
/// the crate proved byte-identical to a rebuild from `rebuild`'s commit.
pub fn attest(
    krate: &Path,
    key: &PrivateKey,
    rebuild: Option<&Rebuild<'_>>,
    limits: &read::Limits,
) -> Result<Attestation, Error> {
    let file = read::read_file(krate, limits)?;
    let facts = provenance::facts(krate, &file)?;
    let verification = rebuild
        .map(|(settings, source)| verify::verify(settings, Published::read_already(krate, file), source))
        .transpose()?;
    let matches = verification.as_ref().is_none_or(|v| v.comparison.verdict == Verdict::Identical);
    let envelope = matches.then(|| provenance::attest(&facts, key));
    Ok(Attestation { facts, envelope, verification })
}

/// What to check an envelope file against.
pub struct CheckRequest<'a> {
    pub envelope: PathBuf,
    pub krate: PathBuf,
    pub key: &'a PublicKey,
    /// `--repo`: also rebuild the crate from the stated commit (as `verify`).
    pub rebuild: Option<Rebuild<'a>>,
    /// READ-LIMITS for the crate.
    pub limits: read::Limits,
}

/// What [`check`] found.
#[derive(Debug)]
pub struct Checked {
    pub report: Report,
    /// The rebuild from the commit, when one was asked for and an envelope was valid until then.
    pub verification: Option<Verification>,
}

/// PROV-CHECK: checks every envelope of the file against the crate and the key, then, with a
/// rebuild and a valid envelope, rebuilds the crate from its commit. Errors are only for what
/// stops checking at all.
pub fn check(request: &CheckRequest<'_>) -> Result<Checked, Error> {
    let text = provenance::read_envelope_file(&request.envelope)?;
    let digested = read::digest_file(&request.krate, &request.limits)?;
    let against =
        Against { krate: &request.krate, digested: &digested, key: request.key, rebuild: request.rebuild.is_some() };
    let mut report = provenance::check_text(&text, &against);
    let mut verification = None;
    if let (Some((settings, source)), Ok(file), true) = (&request.rebuild, digested.archive, report.valid) {
        let done = verify::verify(settings, Published::read_already(&request.krate, file), source)?;
        report.rebuilt(done.comparison.verdict, &done.commit);
        verification = Some(done);
    }
    Ok(Checked { report, verification })
}
