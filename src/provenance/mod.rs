//! Signed provenance (spec: `spec/provenance.md`, `PROV-*`): an in-toto Statement v1 with a SLSA
//! provenance v1 predicate, in a DSSE envelope signed with ed25519, saying "this key vouches that
//! this `.crate` was packaged from that commit". [`attest`] writes one; [`check_text`] checks one,
//! written by cargo-seal or any other DSSE signer, against a crate and a public key. Reading the
//! files and rebuilding the crate from its commit are `ops::provenance`'s.

pub mod dsse;
pub mod keys;
pub mod statement;

use std::io::Write as _;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::archive::read::{self, CrateFile};
use crate::compare::Verdict;
use crate::plan::VCS_INFO_FILE;
use crate::vcs_info::{self, VcsInfo};

pub use dsse::Envelope;
pub use keys::{PrivateKey, PublicKey};
pub use statement::Facts;

/// PROV-DSSE: the payload type of every envelope cargo-seal writes.
pub const PAYLOAD_TYPE: &str = "application/vnd.in-toto+json";
/// PROV-NAME: `<crate file>.intoto.jsonl`, an in-toto bundle of one envelope.
pub const ENVELOPE_SUFFIX: &str = ".intoto.jsonl";
/// PROV-BUNDLE: `<crate file>.sigstore.json`, as Sigstore clients name bundles.
pub const BUNDLE_SUFFIX: &str = ".sigstore.json";
/// PROV-CHECK: an envelope file larger than this is not read.
pub const MAX_ENVELOPE_FILE: u64 = 16 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Recorded(#[from] vcs_info::Error),
    #[error(
        "`{}` has no `.cargo_vcs_info.json`: it was not packaged from a git commit, so there is no commit to \
         vouch for; package it from a clean git checkout",
        krate.display()
    )]
    NoCommit { krate: PathBuf },
    #[error(
        "`{}` was packaged with uncommitted changes (`\"dirty\": true` in `.cargo_vcs_info.json`), so it was \
         not built from commit {commit}; commit the changes and package again",
        krate.display()
    )]
    Dirty { krate: PathBuf, commit: String },
    #[error("`Cargo.toml` in `{}` does not name the package: {reason}", krate.display())]
    Manifest { krate: PathBuf, reason: String },
    #[error("failed to write `{}`", path.display())]
    Write { path: PathBuf, source: std::io::Error },
    #[error("failed to read `{}`", path.display())]
    ReadEnvelope { path: PathBuf, source: std::io::Error },
    #[error("`{}` is larger than {} MiB: not an attestation", path.display(), MAX_ENVELOPE_FILE >> 20)]
    EnvelopeTooLarge { path: PathBuf },
}

/// PROV-FACTS: what a statement about `krate` says, read from the crate alone.
pub fn facts(krate: &Path, file: &CrateFile) -> Result<Facts, Error> {
    let vcs = VcsInfo::recorded(file.entry(VCS_INFO_FILE), krate)?
        .ok_or_else(|| Error::NoCommit { krate: krate.to_owned() })?;
    if vcs.git.dirty {
        return Err(Error::Dirty { krate: krate.to_owned(), commit: vcs.git.sha1 });
    }
    let bad = |reason: &str| Error::Manifest { krate: krate.to_owned(), reason: reason.to_owned() };
    let text = file.entry("Cargo.toml").ok_or_else(|| bad("the archive has no `Cargo.toml`"))?;
    let text = text.text.as_deref().ok_or_else(|| bad("it is not UTF-8 text"))?;
    let manifest: toml::Table = toml::from_str(text).map_err(|e| bad(e.message()))?;
    let package = manifest.get("package").and_then(toml::Value::as_table).ok_or_else(|| bad("no `[package]`"))?;
    let field = |key: &str| package.get(key).and_then(toml::Value::as_str).map(str::to_owned);
    let name = field("name").ok_or_else(|| bad("no `package.name`"))?;
    let version = field("version").ok_or_else(|| bad("no `package.version`"))?;
    Ok(Facts {
        file_name: format!("{name}-{version}.crate"),
        sha256: file.sha256.clone(),
        package: name,
        repository: field("repository"),
        commit: vcs.git.sha1,
        path_in_vcs: vcs.path_in_vcs,
    })
}

/// PROV-STATEMENT, PROV-DSSE: the signed statement for `facts`.
pub fn attest(facts: &Facts, key: &PrivateKey) -> Envelope {
    dsse::sign(PAYLOAD_TYPE, &statement::render(facts), key)
}

/// How a signed statement is written: a bare DSSE envelope (PROV-NAME) or a Sigstore bundle
/// (PROV-BUNDLE).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    Envelope,
    Bundle,
}

impl Form {
    /// The file's text: one JSON line.
    pub fn render(self, envelope: &Envelope) -> String {
        match self {
            Form::Envelope => envelope.to_line(),
            Form::Bundle => envelope.to_sigstore_bundle(),
        }
    }

    /// PROV-NAME, PROV-BUNDLE: where the statement about the crate at `krate` goes by default.
    pub fn path(self, krate: &Path) -> PathBuf {
        let mut name = krate.as_os_str().to_owned();
        name.push(match self {
            Form::Envelope => ENVELOPE_SUFFIX,
            Form::Bundle => BUNDLE_SUFFIX,
        });
        PathBuf::from(name)
    }
}

/// Writes `text` to `path`, whole or not at all.
pub fn write(text: &str, path: &Path) -> Result<(), Error> {
    let write_error = |source| Error::Write { path: path.to_owned(), source };
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let mut builder = tempfile::Builder::new();
    builder.prefix(".seal-").suffix(".intoto.tmp");
    // A public document: the mode of a newly created file (0666 less the umask), not a temporary's.
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
    let mut temp = builder.tempfile_in(dir).map_err(write_error)?;
    temp.write_all(text.as_bytes()).map_err(write_error)?;
    temp.persist(path).map_err(|e| write_error(e.error))?;
    Ok(())
}

/// One check of an envelope (PROV-CHECK), in the order they run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum CheckName {
    Envelope,
    Signature,
    PayloadType,
    Statement,
    PredicateType,
    Subject,
    Commit,
    Rebuild,
}

impl std::fmt::Display for CheckName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            CheckName::Envelope => "envelope",
            CheckName::Signature => "signature",
            CheckName::PayloadType => "payloadType",
            CheckName::Statement => "statement",
            CheckName::PredicateType => "predicateType",
            CheckName::Subject => "subject",
            CheckName::Commit => "commit",
            CheckName::Rebuild => "rebuild",
        })
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Check {
    pub check: CheckName,
    pub passed: bool,
    pub detail: String,
}

/// How one envelope of the file fares.
#[derive(Debug, Serialize)]
pub struct EnvelopeReport {
    /// 1-based position in the file.
    pub index: usize,
    /// The checks run, up to and including the first that failed.
    pub checks: Vec<Check>,
    /// Things worth knowing that do not make the envelope invalid.
    pub notes: Vec<String>,
    /// The statement, once its signature is verified (never before).
    pub statement: Option<serde_json::Value>,
}

impl EnvelopeReport {
    fn new(index: usize) -> Self {
        EnvelopeReport { index, checks: Vec::new(), notes: Vec::new(), statement: None }
    }

    pub fn valid(&self) -> bool {
        self.checks.iter().all(|c| c.passed)
    }

    pub fn failed(&self) -> Option<&Check> {
        self.checks.iter().find(|c| !c.passed)
    }
}

/// PROV-CHECK: the verdict on an envelope file.
#[derive(Debug, Serialize)]
pub struct Report {
    pub valid: bool,
    /// sha256 of the crate file.
    pub sha256: String,
    /// The verifying key's securesystemslib keyid.
    pub keyid: String,
    pub envelopes: Vec<EnvelopeReport>,
}

/// What the envelopes of a file are checked against.
pub struct Against<'a> {
    /// The crate file, as messages name it.
    pub krate: &'a Path,
    /// The crate file as read.
    pub digested: &'a read::Digested,
    /// The key that must have signed.
    pub key: &'a PublicKey,
    /// The crate is then rebuilt from the stated commit (`--repo`), so a statement must state one.
    pub rebuild: bool,
}

/// PROV-CHECK: checks every envelope in the envelope file's `text` (one JSON document or JSON
/// lines); the file is valid when one envelope passes every check. A rebuild, when one follows,
/// adds its check through [`Report::rebuilt`].
pub fn check_text(text: &str, against: &Against<'_>) -> Report {
    let mut envelopes = Vec::new();
    for (i, value) in serde_json::Deserializer::from_str(text).into_iter::<serde_json::Value>().enumerate() {
        let mut report = EnvelopeReport::new(i + 1);
        let Ok(value) = value.map_err(|e| report.fail(CheckName::Envelope, format!("not JSON: {e}"))) else {
            envelopes.push(report);
            break; // the rest of the file cannot be split into documents
        };
        // A failure is in the report.
        let _ = check_one(value, against, &mut report);
        envelopes.push(report);
    }
    if envelopes.is_empty() {
        let mut report = EnvelopeReport::new(1);
        report.fail(CheckName::Envelope, "the file holds no JSON document".to_owned());
        envelopes.push(report);
    }
    let valid = envelopes.iter().any(EnvelopeReport::valid);
    Report { valid, sha256: against.digested.sha256.clone(), keyid: against.key.keyid(), envelopes }
}

impl Report {
    /// PROV-CHECK `rebuild`: the crate's rebuild from `commit` came out `verdict`. The rebuild
    /// depends on the crate and its commit only, which every envelope valid so far agrees on: one
    /// rebuild serves them all.
    pub fn rebuilt(&mut self, verdict: Verdict, commit: &str) {
        for report in self.envelopes.iter_mut().filter(|r| r.valid()) {
            if verdict == Verdict::Identical {
                report.pass(CheckName::Rebuild, format!("byte-identical to the rebuild of commit {commit}"));
            } else {
                let detail = format!("the rebuild of commit {commit} differs: {}", verdict.as_str());
                report.fail(CheckName::Rebuild, detail);
            }
        }
        self.valid = self.envelopes.iter().any(EnvelopeReport::valid);
    }
}

/// A check failed; the report says which and why.
struct Failed;

/// PROV-CHECK: the checks of one envelope, in DSSE's order: nothing of the payload is read before
/// its signature is verified. The first that fails ends them.
fn check_one(value: serde_json::Value, against: &Against<'_>, report: &mut EnvelopeReport) -> Result<(), Failed> {
    let (envelope, body) = check_envelope(value, report)?;
    check_signature(&envelope, &body, against.key, report)?;
    let statement = check_statement(&envelope.payload_type, &body, report)?;
    check_subject(&statement, &against.digested.sha256, report)?;
    check_commit(&statement, against, report)
}

/// PROV-CHECK-BUNDLE: the media types of a Sigstore bundle (`application/vnd.dev.sigstore.bundle`
/// `+json;version=0.1`, `0.2`, `.v0.3+json`).
pub const SIGSTORE_BUNDLE: &str = "application/vnd.dev.sigstore.bundle";

/// Whether the JSON document `value` is a Sigstore bundle (by its `mediaType`).
pub fn is_sigstore_bundle(value: &serde_json::Value) -> bool {
    value["mediaType"].as_str().is_some_and(|t| t.starts_with(SIGSTORE_BUNDLE))
}

fn check_envelope(value: serde_json::Value, report: &mut EnvelopeReport) -> Result<(dsse::Envelope, Vec<u8>), Failed> {
    // PROV-CHECK-BUNDLE: with a key, a Sigstore bundle is its DSSE envelope; the key is the trust.
    let value = match is_sigstore_bundle(&value) {
        true => {
            let mut value = value;
            let envelope = value["dsseEnvelope"].take();
            if envelope.is_null() {
                let detail = "a Sigstore bundle of a message signature, not of a DSSE envelope".to_owned();
                return Err(report.fail(CheckName::Envelope, detail));
            }
            report.notes.push(
                "a Sigstore bundle: its DSSE envelope is checked with the key alone; log entries and timestamps, \
                 if any, are not needed"
                    .to_owned(),
            );
            envelope
        }
        false => value,
    };
    let envelope: dsse::Envelope = serde_json::from_value(value)
        .map_err(|e| report.fail(CheckName::Envelope, format!("not a DSSE envelope: {e}")))?;
    let body = dsse::decode(&envelope.payload)
        .ok_or_else(|| report.fail(CheckName::Envelope, "`payload` is not base64".to_owned()))?;
    if envelope.signatures.is_empty() {
        return Err(report.fail(CheckName::Envelope, "the envelope has no signatures".to_owned()));
    }
    report.pass(CheckName::Envelope, format!("DSSE envelope with {} signature(s)", envelope.signatures.len()));
    Ok((envelope, body))
}

fn check_signature(
    envelope: &dsse::Envelope,
    body: &[u8],
    key: &PublicKey,
    report: &mut EnvelopeReport,
) -> Result<(), Failed> {
    use dsse::SignatureCheck::{OverPayload, Valid};
    let outcomes: Vec<_> = envelope
        .signatures
        .iter()
        .map(|s| (s.keyid.as_deref(), dsse::check(key, &envelope.payload_type, body, &s.sig)))
        .collect();
    let verifying =
        |with_keyid: bool| outcomes.iter().find(|(id, outcome)| *outcome == Valid && id.is_some() == with_keyid);
    let failure = if let Some((Some(keyid), _)) = verifying(true) {
        if *keyid != key.keyid() {
            report.notes.push(format!(
                "the signature's keyid `{keyid}` is not this key's securesystemslib keyid `{}`: keyids are hints, \
                 but securesystemslib finds keys by them",
                key.keyid()
            ));
        }
        report.pass(CheckName::Signature, format!("ed25519 over the DSSE pre-authentication encoding, keyid {keyid}"));
        return Ok(());
    } else if verifying(false).is_some() {
        "the signature verifies but has no `keyid`: in-toto and securesystemslib refuse such envelopes".to_owned()
    } else if outcomes.iter().any(|(_, outcome)| *outcome == OverPayload) {
        "the signature is over the bare payload, not over the DSSE pre-authentication encoding \
         (`DSSEv1 <len> <payloadType> <len> <payload>`)"
            .to_owned()
    } else {
        let ids: Vec<_> = outcomes.iter().map(|(id, _)| format!("`{}`", id.unwrap_or("(none)"))).collect();
        format!("no signature verifies with key {} (signed by keyid {})", key.keyid(), ids.join(", "))
    };
    Err(report.fail(CheckName::Signature, failure))
}

/// The payload type, and the payload as an in-toto statement of SLSA provenance.
fn check_statement(payload_type: &str, body: &[u8], report: &mut EnvelopeReport) -> Result<serde_json::Value, Failed> {
    let in_toto = payload_type == PAYLOAD_TYPE
        || payload_type.strip_prefix("application/vnd.in-toto.").is_some_and(|rest| rest.ends_with("+json"));
    if !in_toto {
        let detail = format!("`{payload_type}` is not an in-toto payload type (`{PAYLOAD_TYPE}`)");
        return Err(report.fail(CheckName::PayloadType, detail));
    }
    report.pass(CheckName::PayloadType, payload_type.to_owned());

    let statement: serde_json::Value = serde_json::from_slice(body)
        .map_err(|e| report.fail(CheckName::Statement, format!("the payload is not JSON: {e}")))?;
    report.statement = Some(statement.clone());
    let field = |name: &str| statement.get(name).and_then(serde_json::Value::as_str).unwrap_or_default().to_owned();
    let (kind, predicate_type) = (field("_type"), field("predicateType"));
    if kind != statement::STATEMENT_TYPE {
        let detail = format!("`_type` is `{kind}`, not `{}`", statement::STATEMENT_TYPE);
        return Err(report.fail(CheckName::Statement, detail));
    }
    report.pass(CheckName::Statement, kind);
    if predicate_type != statement::PREDICATE_TYPE {
        let detail = format!("`predicateType` is `{predicate_type}`, not `{}`", statement::PREDICATE_TYPE);
        return Err(report.fail(CheckName::PredicateType, detail));
    }
    report.pass(CheckName::PredicateType, predicate_type);
    Ok(statement)
}

fn check_subject(statement: &serde_json::Value, sha256: &str, report: &mut EnvelopeReport) -> Result<(), Failed> {
    let subjects = statement["subject"].as_array().map(Vec::as_slice).unwrap_or_default();
    fn digest(subject: &serde_json::Value) -> Option<&str> {
        subject.pointer("/digest/sha256").and_then(serde_json::Value::as_str)
    }
    let name = |s: &serde_json::Value| s["name"].as_str().unwrap_or("_").to_owned();
    if let Some(subject) = subjects.iter().find(|s| digest(s).is_some_and(|d| d.eq_ignore_ascii_case(sha256))) {
        report.pass(CheckName::Subject, format!("`{}` sha256 {sha256}", name(subject)));
        return Ok(());
    }
    let named: Vec<_> =
        subjects.iter().map(|s| format!("`{}` sha256 {}", name(s), digest(s).unwrap_or_default())).collect();
    let detail = format!("the crate's sha256 {sha256} is not a subject (the statement's: {})", named.join(", "));
    Err(report.fail(CheckName::Subject, detail))
}

/// The stated commit is the one the crate records; skipped (with a note) when the statement
/// names none and nothing is to be rebuilt.
fn check_commit(
    statement: &serde_json::Value,
    against: &Against<'_>,
    report: &mut EnvelopeReport,
) -> Result<(), Failed> {
    let dependencies = statement.pointer("/predicate/buildDefinition/resolvedDependencies");
    let stated: Vec<(String, Option<String>)> = dependencies
        .and_then(serde_json::Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|d| {
            let commit = d.pointer("/digest/gitCommit")?.as_str()?.to_ascii_lowercase();
            let path = d.pointer("/annotations/path_in_vcs").and_then(serde_json::Value::as_str).map(str::to_owned);
            Some((commit, path))
        })
        .collect();
    if stated.is_empty() {
        if against.rebuild {
            let detail =
                "the statement names no git commit (`resolvedDependencies[].digest.gitCommit`) to rebuild from";
            return Err(report.fail(CheckName::Commit, detail.to_owned()));
        }
        report.notes.push("the statement names no git commit: the crate's origin was not checked".to_owned());
        return Ok(());
    }
    let recorded = match &against.digested.archive {
        Ok(file) => VcsInfo::recorded(file.entry(VCS_INFO_FILE), against.krate).map_err(|e| e.to_string()),
        Err(e) => Err(format!("the crate cannot be read: {e}")),
    };
    let vcs = recorded
        .and_then(|vcs| vcs.ok_or_else(|| "the crate has no `.cargo_vcs_info.json` naming its commit".to_owned()))
        .map_err(|reason| report.fail(CheckName::Commit, reason))?;
    let Some((commit, path)) = stated.iter().find(|(commit, _)| commit.eq_ignore_ascii_case(&vcs.git.sha1)) else {
        let named: Vec<_> = stated.iter().map(|(c, _)| c.as_str()).collect();
        let detail = format!(
            "the statement names commit {}, the crate's `.cargo_vcs_info.json` records {}",
            named.join(", "),
            vcs.git.sha1
        );
        return Err(report.fail(CheckName::Commit, detail));
    };
    if let Some(path) = path.as_ref().filter(|p| **p != vcs.path_in_vcs) {
        let detail =
            format!("the statement names path `{path}`, the crate records `path_in_vcs` `{}`", vcs.path_in_vcs);
        return Err(report.fail(CheckName::Commit, detail));
    }
    if vcs.git.dirty {
        let detail = format!("the crate was packaged with changes not in commit {commit} (`dirty`)");
        return Err(report.fail(CheckName::Commit, detail));
    }
    let at = if vcs.path_in_vcs.is_empty() { String::new() } else { format!(" in `{}`", vcs.path_in_vcs) };
    report.pass(CheckName::Commit, format!("{commit}{at}, as the crate's `.cargo_vcs_info.json` records"));
    Ok(())
}

/// The envelope file at `path`, up to [`MAX_ENVELOPE_FILE`].
pub fn read_envelope_file(path: &Path) -> Result<String, Error> {
    use std::io::Read as _;
    let read_error = |source| Error::ReadEnvelope { path: path.to_owned(), source };
    let file = std::fs::File::open(path).map_err(read_error)?;
    let mut bytes = Vec::new();
    file.take(MAX_ENVELOPE_FILE + 1).read_to_end(&mut bytes).map_err(read_error)?;
    if bytes.len() as u64 > MAX_ENVELOPE_FILE {
        return Err(Error::EnvelopeTooLarge { path: path.to_owned() });
    }
    String::from_utf8(bytes).map_err(|e| read_error(std::io::Error::new(std::io::ErrorKind::InvalidData, e)))
}

impl EnvelopeReport {
    fn pass(&mut self, check: CheckName, detail: String) {
        self.checks.push(Check { check, passed: true, detail });
    }

    fn fail(&mut self, check: CheckName, detail: String) -> Failed {
        self.checks.push(Check { check, passed: false, detail });
        Failed
    }
}
