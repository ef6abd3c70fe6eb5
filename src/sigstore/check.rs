//! Sigstore bundles, checked offline (spec: `PROV-SIGSTORE`): media types v0.1 to v0.3, a DSSE
//! envelope or a message signature, signed by a short-lived Fulcio certificate whose signing time a
//! transparency-log entry or an RFC 3161 timestamp proves, or by a key. The checks are the Sigstore
//! project's own (`sigstore-verify`, which passes the Sigstore conformance suite); this module
//! chooses what is trusted and says what was proven.

use std::path::{Path, PathBuf};

use sigstore_trust_root::{SIGSTORE_PRODUCTION_TRUSTED_ROOT, SIGSTORE_STAGING_TRUSTED_ROOT, TrustedRoot};
use sigstore_types::{Artifact, ArtifactDigest, Bundle, DerPublicKey, HashAlgorithm, SignatureContent};
use sigstore_verify::{PublicKeyVerificationPolicy, VerificationPolicy, VerificationResult, Verifier};

/// What a bundle must be a signature of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    /// A file, read as a stream.
    File(PathBuf),
    /// A digest of the bytes signed, as `sha256:HEX` or `sha512:HEX` names it (npm's statements
    /// name sha512 digests).
    Digest(Algorithm, Vec<u8>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
    Sha256,
    Sha512,
}

impl Subject {
    /// `sha256:HEX` or `sha512:HEX`, else a path.
    pub fn parse(arg: &str) -> Result<Subject, Error> {
        let (algorithm, hex, size) = match arg.split_once(':') {
            Some(("sha256", hex)) => (Algorithm::Sha256, hex, 32),
            Some(("sha512", hex)) => (Algorithm::Sha512, hex, 64),
            _ => return Ok(Subject::File(PathBuf::from(arg))),
        };
        let bad = || Error::Digest { arg: arg.to_owned() };
        let bytes: Vec<u8> = (0..hex.len())
            .step_by(2)
            .map(|i| hex.get(i..i + 2).and_then(|pair| u8::from_str_radix(pair, 16).ok()).ok_or_else(bad))
            .collect::<Result<_, _>>()?;
        if bytes.len() != size {
            return Err(bad());
        }
        Ok(Subject::Digest(algorithm, bytes))
    }
}

/// Who must have signed.
#[derive(Debug, Clone)]
pub enum Signer {
    /// A Fulcio certificate that meets this policy.
    Identity(Box<Identity>),
    /// The key in this PEM file (a bundle with a public-key hint).
    Key(PathBuf),
}

/// GitHub Actions' OIDC issuer, which the GitHub shorthands imply.
pub const GITHUB_ISSUER: &str = "https://token.actions.githubusercontent.com";
/// GitLab CI's, which a crate's `repository` on gitlab.com implies.
pub const GITLAB_ISSUER: &str = "https://gitlab.com";

/// PROV-SIGSTORE-IDENTITY: who must have signed, as cosign (`--certificate-identity[-regexp]`,
/// `--certificate-oidc-issuer`) and `gh attestation verify` (`--owner`, `--repo`,
/// `--signer-workflow`, `--source-ref`, `--source-digest`) spell it; the shorthands are checked
/// against the certificate's Fulcio extensions, not its SAN alone. Every field given must hold.
#[derive(Debug, Clone, Default)]
pub struct Identity {
    /// The SAN, exactly.
    pub san: Option<String>,
    /// A regular expression the SAN matches (unanchored, as cosign's).
    pub san_regexp: Option<regex::Regex>,
    /// The OIDC issuer; GitHub's when a GitHub shorthand is given and this is not.
    pub issuer: Option<String>,
    /// `github.com/OWNER` owns the source repository.
    pub owner: Option<String>,
    /// The source repository is `github.com/OWNER/NAME`.
    pub repository: Option<String>,
    /// The workflow that signed, `OWNER/NAME/PATH` (its `@ref` aside).
    pub signer_workflow: Option<String>,
    /// The source repository's ref (`refs/tags/v1.0.0`).
    pub source_ref: Option<String>,
    /// The source repository's commit.
    pub source_digest: Option<String>,
    /// PROV-SIGSTORE-BIND: the crate the bundle is about, whose repository and commit the
    /// certificate must name.
    pub origin: Option<Origin>,
}

/// PROV-SIGSTORE-BIND: where a crate says it comes from: its manifest's `repository` and the
/// commit its `.cargo_vcs_info.json` records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub repository: String,
    pub commit: String,
}

impl Origin {
    /// The OIDC issuer of the CI service that hosts the repository, for the hosts whose tokens
    /// Fulcio turns into source-repository claims.
    fn issuer(&self) -> Option<&'static str> {
        let rest = same_repository_form(&self.repository);
        let host = rest.split('/').next().unwrap_or_default();
        match host {
            "github.com" => Some(GITHUB_ISSUER),
            "gitlab.com" => Some(GITLAB_ISSUER),
            _ => None,
        }
    }

    fn refusal(&self, proven: &Proven) -> Option<String> {
        let found = proven.source_repository.as_deref();
        if found.is_none_or(|found| same_repository_form(found) != same_repository_form(&self.repository)) {
            return Some(format!(
                "the certificate's source repository is `{}`, but the crate's `repository` is `{}`",
                found.unwrap_or("none"),
                self.repository
            ));
        }
        let commit = proven.source_commit.as_deref();
        if !commit.is_some_and(|c| c.eq_ignore_ascii_case(&self.commit)) {
            return Some(format!(
                "the certificate's source commit is `{}`, but the crate's `.cargo_vcs_info.json` records `{}`",
                commit.unwrap_or("none"),
                self.commit
            ));
        }
        None
    }
}

/// A repository URL as `host/path`, lower case, without scheme, `git+`, `.git` or trailing
/// slashes: two spellings of one repository on the hosts Fulcio names compare equal.
fn same_repository_form(url: &str) -> String {
    let url = url.trim();
    let url = url.strip_prefix("git+").unwrap_or(url);
    let url = url.split_once("://").map_or(url, |(_, rest)| rest);
    let url = url.trim_end_matches('/');
    url.strip_suffix(".git").unwrap_or(url).to_ascii_lowercase()
}

impl Identity {
    fn github(&self) -> bool {
        self.owner.is_some() || self.repository.is_some() || self.signer_workflow.is_some()
    }

    /// The issuer to require; none given and nothing GitHub-specific asked is an error (a policy
    /// that names no issuer accepts any identity provider).
    fn issuer(&self) -> Option<&str> {
        let implied = || match self.github() {
            true => Some(GITHUB_ISSUER),
            false => self.origin.as_ref().and_then(Origin::issuer),
        };
        self.issuer.as_deref().or_else(implied)
    }

    /// Whether the policy names who signed, beyond an issuer.
    fn names_signer(&self) -> bool {
        self.san.is_some() || self.san_regexp.is_some() || self.github() || self.origin.is_some()
    }

    /// Why the certificate `proven` describes does not meet the policy, if it does not.
    fn refusal(&self, proven: &Proven) -> Option<String> {
        if let Some(refusal) = self.origin.as_ref().and_then(|origin| origin.refusal(proven)) {
            return Some(refusal);
        }
        let github = |path: &str| format!("https://github.com/{}", path.trim_start_matches("https://github.com/"));
        let differs = |what: &str, found: &Option<String>, wanted: &str, flag: &str| {
            let found = found.as_deref().unwrap_or("none");
            Some(format!("the certificate's {what} is `{found}`, {flag} wants `{wanted}`"))
        };
        let same =
            |found: &Option<String>, wanted: &str| found.as_deref().is_some_and(|f| f.eq_ignore_ascii_case(wanted));
        if let Some(re) = &self.san_regexp
            && !proven.identity.as_deref().is_some_and(|san| re.is_match(san))
        {
            return differs("identity", &proven.identity, re.as_str(), "`--certificate-identity-regexp`");
        }
        if let Some(owner) = &self.owner
            && !same(&proven.source_owner, &github(owner))
        {
            return differs("source repository owner", &proven.source_owner, &github(owner), "`--owner`");
        }
        if let Some(repository) = &self.repository
            && !same(&proven.source_repository, &github(repository))
        {
            return differs("source repository", &proven.source_repository, &github(repository), "`--repo`");
        }
        if let Some(workflow) = &self.signer_workflow {
            let signed_by = proven.workflow.as_deref().map(|w| w.split('@').next().unwrap_or(w).to_owned());
            if !same(&signed_by, &github(workflow)) {
                return differs("signer workflow", &signed_by, &github(workflow), "`--signer-workflow`");
            }
        }
        if let Some(wanted) = &self.source_ref
            && proven.source_ref.as_deref() != Some(wanted.as_str())
        {
            return differs("source ref", &proven.source_ref, wanted, "`--source-ref`");
        }
        if let Some(wanted) = &self.source_digest
            && !same(&proven.source_commit, wanted)
        {
            return differs("source commit", &proven.source_commit, wanted, "`--source-digest`");
        }
        None
    }
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
    pub source_owner: Option<String>,
    pub source_ref: Option<String>,
    pub source_commit: Option<String>,
    pub workflow: Option<String>,
    /// When it was signed, as the transparency log integrated it (RFC 3339), if it did.
    pub logged_at: Option<String>,
    /// Every signing time proven (RFC 3339): the log's, and those of RFC 3161 timestamps.
    pub signed_at: Vec<String>,
    /// The in-toto statement's predicate type, for a bundle of a DSSE envelope holding one.
    pub predicate_type: Option<String>,
}

/// The outcome of checking a bundle: a refusal is an answer, not an error.
#[derive(Debug)]
pub enum Checked {
    Proven(Box<Proven>),
    Refused { reason: String },
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("failed to read `{}`", path.display())]
    Read { path: PathBuf, source: std::io::Error },
    #[error("`{}` is larger than {} MiB: not a bundle, root or key", path.display(), MAX_FILE >> 20)]
    TooLarge { path: PathBuf },
    #[error("`{}` is not a Sigstore bundle: {reason}", path.display())]
    Bundle { path: PathBuf, reason: String },
    #[error("`{}` is not a usable trusted root (`trusted_root.json`): {reason}", path.display())]
    Root { path: PathBuf, reason: String },
    #[error("the trusted root shipped with this build does not load: {reason}")]
    ShippedRoot { reason: String },
    #[error("`{}` is not a public key in PEM: {reason}", path.display())]
    Key { path: PathBuf, reason: String },
    #[error("`{arg}` is neither `sha256:` and 64 hex digits nor `sha512:` and 128")]
    Digest { arg: String },
    #[error(
        "no identity to check the certificate against: give `--certificate-identity` (or `-regexp`) with \
         `--certificate-oidc-issuer`, or `--owner`, `--repo` or `--signer-workflow` for GitHub Actions"
    )]
    NoIdentity,
    #[error(
        "the crate's repository `{repository}` is on neither GitHub nor GitLab, whose CI issuers are known: give \
         the OIDC issuer of the CI that signed with `--certificate-oidc-issuer`"
    )]
    NoIssuer { repository: String },
}

/// PROV-SIGSTORE: checks the bundle file at `bundle` against `subject`, `signer` and `root`,
/// offline.
pub fn check(bundle: &Path, subject: &Subject, signer: &Signer, root: &Root) -> Result<Checked, Error> {
    Checker::new(root)?.check_file(bundle, subject, signer)
}

/// Whether the file at `path` holds a public key in PEM the Sigstore verifier reads (ECDSA,
/// RSA or ed25519, as SPKI).
pub fn reads_key(path: &Path) -> bool {
    read(path).is_ok_and(|text| DerPublicKey::from_pem(&text).is_ok())
}

/// A bundle, root or key file larger than this is not read: none comes near it.
pub const MAX_FILE: u64 = 16 * 1024 * 1024;

fn shipped(json: &str) -> Result<TrustedRoot, Error> {
    TrustedRoot::from_json(json).map_err(|e| Error::ShippedRoot { reason: e.to_string() })
}

/// The trusted roots of the file at `path`: one, or JSON lines of several.
fn roots(path: &Path) -> Result<Vec<TrustedRoot>, Error> {
    let error = |reason: String| Error::Root { path: path.to_owned(), reason };
    let values = super::bundle::json_lines(&read(path)?, "trusted root").map_err(error)?;
    values.iter().map(|value| TrustedRoot::from_json(&value.to_string()).map_err(|e| error(e.to_string()))).collect()
}

fn read(path: &Path) -> Result<String, Error> {
    use std::io::Read as _;
    let read_error = |source| Error::Read { path: path.to_owned(), source };
    let mut text = String::new();
    let file = std::fs::File::open(path).map_err(read_error)?;
    file.take(MAX_FILE + 1).read_to_string(&mut text).map_err(read_error)?;
    if text.len() as u64 > MAX_FILE {
        return Err(Error::TooLarge { path: path.to_owned() });
    }
    Ok(text)
}

/// Trusted roots, loaded and prepared once for any number of bundles.
pub struct Checker {
    roots: Vec<Prepared>,
}

/// A [`Signer`] with its key file read.
enum Resolved<'a> {
    Identity(&'a Identity),
    Key(DerPublicKey),
}

/// One trusted root, ready to verify.
struct Prepared {
    verifier: Verifier,
    /// The root lists CT logs, so a certificate must carry an SCT of one (GitHub's instance
    /// lists none: its certificates have none).
    ct_logs: bool,
}

impl Checker {
    /// The roots of `root`: a `trusted_root.json` may hold JSON lines of several, as `gh
    /// attestation trusted-root` writes them (the public-good instance and GitHub's).
    pub fn new(root: &Root) -> Result<Checker, Error> {
        let (roots, file) = match root {
            Root::PublicGood => (vec![shipped(SIGSTORE_PRODUCTION_TRUSTED_ROOT)?], None),
            Root::Staging => (vec![shipped(SIGSTORE_STAGING_TRUSTED_ROOT)?], None),
            Root::File(path) => (roots(path)?, Some(path)),
        };
        let error = |e: sigstore_verify::Error| match file {
            Some(path) => Error::Root { path: path.to_owned(), reason: e.to_string() },
            None => Error::ShippedRoot { reason: e.to_string() },
        };
        let roots = roots
            .iter()
            .map(|root| {
                Ok(Prepared { verifier: Verifier::new(root).map_err(error)?, ct_logs: !root.ctlogs.is_empty() })
            })
            .collect::<Result<_, Error>>()?;
        Ok(Checker { roots })
    }

    /// PROV-SIGSTORE: checks the bundle file at `bundle`: one bundle, or JSON lines of several (as
    /// `gh attestation download` writes them), of which one must verify.
    pub fn check_file(&self, bundle: &Path, subject: &Subject, signer: &Signer) -> Result<Checked, Error> {
        // The key file is read once, for every bundle of the file and every root.
        let signer = match signer {
            Signer::Identity(identity) => Resolved::Identity(identity),
            Signer::Key(path) => Resolved::Key(
                DerPublicKey::from_pem(&read(path)?)
                    .map_err(|e| Error::Key { path: path.to_owned(), reason: e.to_string() })?,
            ),
        };
        let not_bundle = |reason: String| Error::Bundle { path: bundle.to_owned(), reason };
        let mut documents = super::bundle::documents(&read(bundle)?).map_err(not_bundle)?;
        if documents.len() == 1 {
            let parsed = documents.pop().expect("one").map_err(not_bundle)?;
            return self.check(&parsed, subject, &signer);
        }
        let mut refusals = Vec::new();
        for (i, document) in documents.iter().enumerate() {
            let checked = match document {
                Ok(parsed) => self.check(parsed, subject, &signer)?,
                Err(reason) => Checked::Refused { reason: format!("not a Sigstore bundle: {reason}") },
            };
            match checked {
                Checked::Proven(proven) => return Ok(Checked::Proven(proven)),
                Checked::Refused { reason } => refusals.push(format!("bundle {}: {reason}", i + 1)),
            }
        }
        Ok(Checked::Refused { reason: format!("no bundle of {} verifies ({})", refusals.len(), refusals.join("; ")) })
    }

    /// PROV-SIGSTORE: checks one bundle; it verifies when it does against one of the roots.
    fn check(&self, parsed: &Bundle, subject: &Subject, signer: &Resolved<'_>) -> Result<Checked, Error> {
        let verify = |root: &Prepared| match signer {
            Resolved::Identity(identity) => {
                let issuer = match (identity.issuer(), &identity.origin) {
                    (Some(issuer), _) if identity.names_signer() => issuer,
                    (None, Some(origin)) => return Err(Error::NoIssuer { repository: origin.repository.clone() }),
                    _ => return Err(Error::NoIdentity),
                };
                let policy = match &identity.san {
                    Some(san) => VerificationPolicy::new(san.as_str(), issuer),
                    None => VerificationPolicy::any_identity().require_issuer(issuer),
                };
                let policy = if root.ct_logs { policy } else { policy.skip_sct() };
                run(&root.verifier, parsed, subject, &policy)
            }
            Resolved::Key(key) => run(&root.verifier, parsed, subject, &PublicKeyVerificationPolicy::new(key.clone())),
        };
        let mut refusals = Vec::new();
        for root in &self.roots {
            match verify(root)? {
                Ok(result) => {
                    let proven = proven(&result, parsed);
                    let refusal = match signer {
                        Resolved::Identity(identity) => identity.refusal(&proven),
                        Resolved::Key(_) => None,
                    };
                    return Ok(match refusal {
                        Some(reason) => Checked::Refused { reason },
                        None => Checked::Proven(Box::new(proven)),
                    });
                }
                Err(e) => refusals.push(e.to_string()),
            }
        }
        let reason = match refusals.as_slice() {
            [one] => one.clone(),
            many => {
                let each: Vec<String> = many.iter().enumerate().map(|(i, r)| format!("root {}: {r}", i + 1)).collect();
                format!("no trusted root verifies it ({})", each.join("; "))
            }
        };
        Ok(Checked::Refused { reason })
    }
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
        Subject::Digest(algorithm, bytes) => {
            let algorithm = match algorithm {
                Algorithm::Sha256 => HashAlgorithm::Sha2256,
                Algorithm::Sha512 => HashAlgorithm::Sha2512,
            };
            let digest = ArtifactDigest::new(algorithm, bytes.as_slice()).expect("parse checked the length");
            verifier.verify(Artifact::from_digest(digest), bundle, policy)
        }
    })
}

/// The predicate type of the statement a DSSE bundle signs, once verified.
fn predicate_type(bundle: &Bundle) -> Option<String> {
    let SignatureContent::DsseEnvelope(envelope) = &bundle.content else { return None };
    let statement: serde_json::Value = serde_json::from_slice(envelope.payload.as_bytes()).ok()?;
    statement["predicateType"].as_str().map(str::to_owned)
}

fn proven(result: &VerificationResult, bundle: &Bundle) -> Proven {
    let certificate = result.certificate();
    let claims = certificate.map(|c| &c.ci_claims);
    Proven {
        identity: result.identity().map(|san| san.as_str().to_owned()),
        issuer: result.issuer().map(str::to_owned),
        source_repository: claims.and_then(|c| c.source_repository_uri.clone()),
        source_owner: claims.and_then(|c| c.source_repository_owner_uri.clone()),
        source_ref: claims.and_then(|c| c.source_repository_ref.clone()),
        source_commit: claims.and_then(|c| c.source_repository_digest.clone()),
        workflow: claims.and_then(|c| c.build_signer_uri.clone()),
        logged_at: result.integrated_time().map(|t| t.to_string()),
        signed_at: {
            // A time proven twice (a log entry's SET and its inclusion) is said once.
            let mut times: Vec<String> = result.verified_timestamps().iter().map(ToString::to_string).collect();
            times.dedup();
            times
        },
        predicate_type: predicate_type(bundle),
    }
}
