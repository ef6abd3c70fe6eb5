//! Sigstore bundles, checked offline (spec: `PROV-SIGSTORE`): media types v0.1 to v0.3, a DSSE
//! envelope or a message signature, signed by a short-lived Fulcio certificate whose signing time a
//! transparency-log entry or an RFC 3161 timestamp proves, or by a key. The checks are the Sigstore
//! project's own (`sigstore-verify`, which passes the Sigstore conformance suite); this module
//! chooses what is trusted and says what was proven.

use std::path::{Path, PathBuf};

use sigstore_trust_root::{SIGSTORE_PRODUCTION_TRUSTED_ROOT, SIGSTORE_STAGING_TRUSTED_ROOT, TrustedRoot};
use sigstore_types::{Bundle, DerPublicKey, Sha256Hash};
use sigstore_verify::{PublicKeyVerificationPolicy, VerificationPolicy, VerificationResult, Verifier};

/// What a bundle must be a signature of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    /// A file, read as a stream.
    File(PathBuf),
    /// The sha256 of the bytes signed, as `sha256:HEX` names it.
    Sha256([u8; 32]),
}

impl Subject {
    /// `sha256:HEX`, else a path.
    pub fn parse(arg: &str) -> Result<Subject, Error> {
        let Some(hex) = arg.strip_prefix("sha256:") else {
            return Ok(Subject::File(PathBuf::from(arg)));
        };
        let bad = || Error::Digest { arg: arg.to_owned() };
        let bytes: Vec<u8> = (0..hex.len())
            .step_by(2)
            .map(|i| hex.get(i..i + 2).and_then(|pair| u8::from_str_radix(pair, 16).ok()).ok_or_else(bad))
            .collect::<Result<_, _>>()?;
        bytes.try_into().map(Subject::Sha256).map_err(|_| bad())
    }
}

/// Who must have signed.
#[derive(Debug, Clone)]
pub enum Signer {
    /// A Fulcio certificate for this identity (its SAN, exactly) from this OIDC issuer.
    Identity { identity: String, issuer: String },
    /// The key in this PEM file (a bundle with a public-key hint).
    Key(PathBuf),
}

/// Which roots of trust: Fulcio certificate authorities, transparency logs, CT logs and timestamp
/// authorities, as a `trusted_root.json` lists them.
#[derive(Debug, Clone)]
pub enum Root {
    /// The Sigstore public-good instance, as shipped with this build (`sigstore-trust-root`).
    PublicGood,
    /// Sigstore's staging instance, as shipped with this build.
    Staging,
    /// A `trusted_root.json` (`gh attestation trusted-root` writes one).
    File(PathBuf),
}

/// What a bundle that verified proves.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Proven {
    /// The certificate's identity (SAN) and OIDC issuer; none for a key.
    pub identity: Option<String>,
    pub issuer: Option<String>,
    /// From the certificate's Fulcio extensions: the repository, ref and commit the workload ran
    /// from, and the workflow that signed.
    pub source_repository: Option<String>,
    pub source_ref: Option<String>,
    pub source_commit: Option<String>,
    pub workflow: Option<String>,
    /// When it was signed, as the transparency log integrated it (RFC 3339), if it did.
    pub logged_at: Option<String>,
    /// How many RFC 3161 timestamps proved a signing time.
    pub timestamps: usize,
}

/// The outcome of checking a bundle: a refusal is an answer, not an error.
#[derive(Debug)]
pub enum Checked {
    Proven(Proven),
    Refused { reason: String },
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("failed to read `{}`", path.display())]
    Read { path: PathBuf, source: std::io::Error },
    #[error("`{}` is not a Sigstore bundle: {reason}", path.display())]
    Bundle { path: PathBuf, reason: String },
    #[error("`{}` is not a usable trusted root (`trusted_root.json`): {reason}", path.display())]
    Root { path: PathBuf, reason: String },
    #[error("the trusted root shipped with this build does not load: {reason}")]
    ShippedRoot { reason: String },
    #[error("`{}` is not a public key in PEM: {reason}", path.display())]
    Key { path: PathBuf, reason: String },
    #[error("`{arg}` is not `sha256:` and 64 hex digits")]
    Digest { arg: String },
}

/// PROV-SIGSTORE: checks the bundle at `bundle` against `subject`, `signer` and `root`, offline.
pub fn check(bundle: &Path, subject: &Subject, signer: &Signer, root: &Root) -> Result<Checked, Error> {
    let read =
        |path: &Path| std::fs::read_to_string(path).map_err(|source| Error::Read { path: path.to_owned(), source });
    let parsed = Bundle::from_json(&read(bundle)?)
        .map_err(|e| Error::Bundle { path: bundle.to_owned(), reason: e.to_string() })?;
    let shipped = |json| TrustedRoot::from_json(json).map_err(|e| Error::ShippedRoot { reason: e.to_string() });
    let root_error =
        |path: &Path, e: &dyn std::fmt::Display| Error::Root { path: path.to_owned(), reason: e.to_string() };
    let (root, file) = match root {
        Root::PublicGood => (shipped(SIGSTORE_PRODUCTION_TRUSTED_ROOT)?, None),
        Root::Staging => (shipped(SIGSTORE_STAGING_TRUSTED_ROOT)?, None),
        Root::File(path) => (TrustedRoot::from_json(&read(path)?).map_err(|e| root_error(path, &e))?, Some(path)),
    };
    let verifier = Verifier::new(&root).map_err(|e| match file {
        Some(path) => root_error(path, &e),
        None => Error::ShippedRoot { reason: e.to_string() },
    })?;
    let verified = match signer {
        Signer::Identity { identity, issuer } => {
            run(&verifier, &parsed, subject, &VerificationPolicy::new(identity.as_str(), issuer.as_str()))?
        }
        Signer::Key(path) => {
            let key = DerPublicKey::from_pem(&read(path)?)
                .map_err(|e| Error::Key { path: path.to_owned(), reason: e.to_string() })?;
            run(&verifier, &parsed, subject, &PublicKeyVerificationPolicy::new(key))?
        }
    };
    Ok(match verified {
        Ok(result) => Checked::Proven(proven(&result)),
        Err(e) => Checked::Refused { reason: e.to_string() },
    })
}

/// Verifies against the subject, a file streamed or a digest; the verifier's refusal is the inner
/// result.
fn run(
    verifier: &Verifier,
    bundle: &Bundle,
    subject: &Subject,
    policy: &(impl sigstore_verify::Policy + ?Sized),
) -> Result<sigstore_verify::Result<VerificationResult>, Error> {
    Ok(match subject {
        Subject::File(path) => {
            let file = std::fs::File::open(path).map_err(|source| Error::Read { path: path.clone(), source })?;
            verifier.verify_reader(std::io::BufReader::new(file), bundle, policy)
        }
        Subject::Sha256(digest) => verifier.verify(Sha256Hash::new(*digest), bundle, policy),
    })
}

fn proven(result: &VerificationResult) -> Proven {
    let certificate = result.certificate();
    let claims = certificate.map(|c| &c.ci_claims);
    Proven {
        identity: result.identity().map(|san| san.as_str().to_owned()),
        issuer: result.issuer().map(str::to_owned),
        source_repository: claims.and_then(|c| c.source_repository_uri.clone()),
        source_ref: claims.and_then(|c| c.source_repository_ref.clone()),
        source_commit: claims.and_then(|c| c.source_repository_digest.clone()),
        workflow: claims.and_then(|c| c.build_signer_uri.clone()),
        logged_at: result.integrated_time().map(|t| t.to_string()),
        timestamps: result.verified_timestamps().len(),
    }
}
