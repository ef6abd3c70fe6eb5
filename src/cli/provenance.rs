//! `cargo seal keygen`, `attest` and `verify-attestation` (spec: `spec/provenance.md`).

use std::io::Write as _;
use std::path::{Path, PathBuf};

use serde_json::json;

use crate::compare::Verdict;
use crate::crate_arg::CrateArg;
use crate::ops::attestation::{self, Attested, Signer};
use crate::ops::provenance::{self as ops, CheckRequest, Checked, Rebuild};
use crate::provenance::{self, keys};
use crate::published::Published;
use crate::sigstore::{self, Checker};
use crate::verify::Verification;

use super::common::{LimitArgs, SignerArgs, commit_source, render, render_proven, signing_key, verify_settings};
use super::{EXIT_MISMATCH, EXIT_OK, Format, Shell};

#[derive(Debug, clap::Args)]
pub struct KeygenArgs {
    /// Where the private key goes (PKCS#8 PEM, mode 0600); the public key goes to `KEYFILE.pub`
    #[arg(value_name = "KEYFILE")]
    keyfile: PathBuf,
}

#[derive(Debug, clap::Args)]
pub struct AttestArgs {
    /// The `.crate` to attest: a file, or `name@version` from cargo's download cache
    #[arg(value_name = "CRATE")]
    krate: String,

    /// The ed25519 private key to sign with (PKCS#8 PEM or OpenSSH)
    #[arg(long, value_name = "KEYFILE")]
    key: PathBuf,

    /// Sign only if the crate is byte-identical to a rebuild from this repository at its commit
    #[arg(long, value_name = "PATH")]
    repo: Option<PathBuf>,

    /// Run without accessing the network: cargo reads only its local copy of the registry index
    #[arg(long, requires = "repo")]
    offline: bool,

    /// Where the envelope goes (`-` for standard output) [default: CRATE.intoto.jsonl, or
    /// CRATE.sigstore.json with --bundle]
    #[arg(short, long, value_name = "OUT")]
    output: Option<PathBuf>,

    /// Write a Sigstore bundle v0.3 (the envelope with a public-key hint), which Sigstore clients
    /// verify with the public key, instead of a bare DSSE envelope
    #[arg(long)]
    bundle: bool,

    #[command(flatten)]
    limits: LimitArgs,
}

#[derive(Debug, clap::Args)]
pub struct VerifyAttestationArgs {
    /// The attestation: a DSSE envelope or JSON lines of them (an in-toto bundle), checked with
    /// `--key`; or a Sigstore bundle or JSON lines of them (as `gh attestation download` writes),
    /// checked against its signer's certificate, or with `--key` for a public-key hint
    #[arg(value_name = "ATTESTATION")]
    envelope: PathBuf,

    /// The `.crate` the attestation should be about: a file, or `name@version` from cargo's cache
    #[arg(long = "crate", value_name = "CRATE", required_unless_present = "subject")]
    krate: Option<String>,

    /// Any other file, or `sha256:HEX` or `sha512:HEX`, a Sigstore bundle should be about: checked
    /// against the signer flags (or a key) alone, bound to no repository
    #[arg(long, value_name = "FILE_OR_DIGEST", conflicts_with_all = ["krate", "repo"])]
    subject: Option<String>,

    /// The signer's public key: SPKI PEM, `ssh-ed25519` line, 64 hex digits, or securesystemslib JSON
    #[arg(long, value_name = "PUBKEY", conflicts_with_all = SIGNER_FLAGS)]
    key: Option<PathBuf>,

    /// Also rebuild the crate from this repository at the stated commit (as `cargo seal verify`)
    #[arg(long, value_name = "PATH")]
    repo: Option<PathBuf>,

    /// Run without accessing the network: cargo reads only its local copy of the registry index
    #[arg(long, requires = "repo")]
    offline: bool,

    #[command(flatten)]
    limits: LimitArgs,

    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,

    #[command(flatten)]
    signer: SignerArgs,
}

/// What a certificate is checked against; a key is checked alone (with the trusted root's log
/// and timestamp authorities, for a key the Sigstore verifier checks).
const SIGNER_FLAGS: [&str; 6] = [
    "certificate_identity",
    "certificate_identity_regexp",
    "certificate_oidc_issuer",
    "owner",
    "signer_workflow",
    "source_ref",
];

pub(super) fn keygen(args: KeygenArgs, shell: &mut Shell) -> u8 {
    match keys::generate(&args.keyfile) {
        Ok(made) => {
            let (private, public) = (made.private_path.display(), made.public_path.display());
            shell.status("Created", format_args!("ed25519 key `{private}` (mode 0600) and public key `{public}`"));
            shell.print(format_args!("keyid {}", made.public.keyid()));
            EXIT_OK
        }
        Err(err) => super::fail(shell, Format::Human, &err),
    }
}

pub(super) fn attest(args: AttestArgs, shell: &mut Shell) -> u8 {
    match try_attest(&args, shell) {
        Ok(code) => code,
        Err(err) => super::fail(shell, Format::Human, err.as_ref()),
    }
}

fn try_attest(args: &AttestArgs, shell: &mut Shell) -> Result<u8, Box<dyn std::error::Error>> {
    let key = signing_key(&args.key, shell)?;
    let arg = CrateArg::parse(&args.krate);
    let krate = arg.resolve(&super::environment::cargo_home())?;
    let limits = args.limits.limits();
    let rebuild = rebuild_from(args.repo.as_deref(), args.offline)?;
    if let Some(repo) = &args.repo {
        shell.status("Rebuilding", format_args!("`{}` from `{}`", krate.display(), repo.display()));
    }
    let attestation = ops::attest(&krate, &key, rebuild.as_ref(), &limits)?;
    let facts = &attestation.facts;
    let Some(envelope) = attestation.envelope else {
        let verification = attestation.verification.as_ref().ok_or("no envelope only after a rebuild")?;
        shell.error(&NotSigned { file: facts.file_name.clone(), commit: verification.commit.clone() });
        shell.print("expected = rebuilt from the commit, found = the crate");
        render(&verification.comparison, shell);
        return Ok(EXIT_MISMATCH);
    };
    if let Some(verification) = &attestation.verification {
        shell.status("Reproduced", format_args!("{} from commit {}", facts.file_name, verification.commit));
    }
    let form = if args.bundle { provenance::Form::Bundle } else { provenance::Form::Envelope };
    let signed = format!(
        "{} (sha256 {}) as built from commit {} with key {}",
        facts.file_name,
        facts.sha256,
        facts.commit,
        key.public().keyid()
    );
    match args.output.as_deref() {
        Some(path) if path == Path::new("-") => {
            let mut out = std::io::stdout().lock();
            out.write_all(form.render(&envelope).as_bytes()).and_then(|()| out.flush())?;
            shell.status("Attested", signed);
        }
        output => {
            // A crate from cargo's cache is not ours to write beside: its envelope goes here.
            let path = match (output, &arg) {
                (Some(path), _) => path.to_owned(),
                (None, CrateArg::Cached { .. }) => form.path(Path::new(&facts.file_name)),
                (None, CrateArg::File(_)) => form.path(&krate),
            };
            provenance::write(&form.render(&envelope), &path)?;
            shell.status("Attested", format_args!("{signed} in `{}`", path.display()));
        }
    }
    Ok(EXIT_OK)
}

#[derive(Debug, thiserror::Error)]
#[error("not signing `{file}`: it differs from its rebuild from commit {commit} (below)")]
struct NotSigned {
    file: String,
    commit: String,
}

pub(super) fn verify_attestation(args: VerifyAttestationArgs, shell: &mut Shell) -> u8 {
    let krate = match (&args.krate, &args.subject) {
        (_, Some(subject)) => return verify_subject(&args, subject, shell),
        (Some(krate), None) => krate.as_str(),
        (None, None) => unreachable!("clap requires `--crate` without `--subject`"),
    };
    let Some(key) = &args.key else { return verify_bundle(&args, krate, None, shell) };
    let key = match keys::load_public(key) {
        Ok(key) => key,
        // PROV-CHECK-BUNDLE: a key of another algorithm (ECDSA P-256, as Sigstore's managed keys)
        // checks Sigstore bundles through the Sigstore verifier.
        Err(_) if sigstore::reads_key(key) => return verify_bundle(&args, krate, Some(key), shell),
        Err(err) => return super::fail(shell, args.format, &err),
    };
    let checked = match check(&args, krate, &key) {
        Ok(checked) => checked,
        Err(err) => return super::fail(shell, args.format, err.as_ref()),
    };
    let report = &checked.report;
    match args.format {
        Format::Human => human(krate, &checked, shell),
        Format::Json => {
            let rebuild = checked.verification.as_ref().map(rebuild_json);
            let mut document = serde_json::to_value(report).expect("plain data serializes");
            document["rebuild"] = rebuild.unwrap_or_default();
            shell.print(document);
        }
    }
    if report.valid { EXIT_OK } else { EXIT_MISMATCH }
}

/// With `--repo`, how to rebuild the crate from the commit it states.
fn rebuild_from(repo: Option<&Path>, offline: bool) -> Result<Option<Rebuild<'static>>, Box<dyn std::error::Error>> {
    repo.map(|repo| Ok((verify_settings(offline)?, commit_source(repo, None)?))).transpose()
}

fn check(
    args: &VerifyAttestationArgs,
    krate: &str,
    key: &keys::PublicKey,
) -> Result<Checked, Box<dyn std::error::Error>> {
    let krate = CrateArg::parse(krate).resolve(&super::environment::cargo_home())?;
    let limits = args.limits.limits();
    let rebuild = rebuild_from(args.repo.as_deref(), args.offline)?;
    let request = CheckRequest { envelope: args.envelope.clone(), krate, key, rebuild, limits };
    Ok(ops::check(&request)?)
}

fn human(krate: &str, Checked { report, verification }: &Checked, shell: &mut Shell) {
    shell.print(format_args!("crate: {krate} (sha256 {})", report.sha256));
    shell.print(format_args!("key: keyid {}", report.keyid));
    let many = report.envelopes.len() > 1;
    for envelope in &report.envelopes {
        if many {
            shell.print(format_args!("envelope {} of {}:", envelope.index, report.envelopes.len()));
        }
        for check in &envelope.checks {
            let outcome = if check.passed { "ok" } else { "FAILED" };
            shell.print(format_args!("{outcome:>8} {}: {}", check.check, check.detail));
        }
        for note in &envelope.notes {
            shell.print(format_args!("    note: {note}"));
        }
    }
    match verification {
        Some(v) if !report.valid => {
            shell.print("expected = rebuilt from the commit, found = the crate");
            render(&v.comparison, shell);
        }
        // SEC-CONFIG: what the rebuild left out of the repository's configuration is named.
        Some(v) => {
            for note in v.configuration.notes() {
                shell.print(format_args!("note: {note}"));
            }
        }
        None => {}
    }
    let valid = report.envelopes.iter().find(|e| e.valid());
    match valid {
        Some(e) if many => shell.print(format_args!("valid: envelope {}", e.index)),
        Some(_) => shell.print("valid"),
        None => {
            let failed: Vec<String> = report
                .envelopes
                .iter()
                .filter_map(|e| {
                    let check = e.failed()?.check;
                    Some(if many { format!("`{check}` (envelope {})", e.index) } else { format!("`{check}`") })
                })
                .collect();
            shell.print(format_args!("invalid: {} failed", failed.join(", ")));
        }
    }
}

/// PROV-SIGSTORE-BIND: a Sigstore bundle checked against its certificate and bound to the crate
/// (or with `key`, PROV-CHECK-BUNDLE), then, with `--repo`, the crate rebuilt from its commit.
fn verify_bundle(args: &VerifyAttestationArgs, krate: &str, key: Option<&Path>, shell: &mut Shell) -> u8 {
    let attested = (|| -> Result<Attested, Box<dyn std::error::Error>> {
        let signer = match key {
            Some(key) => Signer::Key(key.to_owned()),
            None => Signer::Certificate(Box::new(args.signer.identity()?)),
        };
        let krate = CrateArg::parse(krate).resolve(&super::environment::cargo_home())?;
        let published = Published::open(&krate, args.limits.limits())?;
        let rebuild = rebuild_from(args.repo.as_deref(), args.offline)?;
        let checker = Checker::new(&args.signer.root())?;
        Ok(attestation::verify(published, &args.envelope, signer, &checker, rebuild.as_ref())?)
    })();
    let attested = match attested {
        Ok(attested) => attested,
        Err(err) => return super::fail(shell, args.format, err.as_ref()),
    };
    let bundle = args.envelope.display().to_string();
    let valid = attested.valid();
    match args.format {
        Format::Human => {
            shell.print(format_args!("crate: {krate} (sha256 {})", attested.sha256));
            match &attested.checked {
                sigstore::Checked::Proven(proven) => render_proven(&bundle, proven, shell),
                sigstore::Checked::Refused { reason } => shell.print(format_args!("invalid: {reason}")),
            }
            if let Some(v) = &attested.verification {
                match v.comparison.verdict {
                    Verdict::Identical => {
                        shell.print(format_args!("rebuild: byte-identical to the rebuild of commit {}", v.commit));
                        for note in v.configuration.notes() {
                            shell.print(format_args!("note: {note}"));
                        }
                    }
                    _ => {
                        shell.print("expected = rebuilt from the commit, found = the crate");
                        render(&v.comparison, shell);
                        shell.print(format_args!("invalid: the rebuild of commit {} differs", v.commit));
                    }
                }
            }
            if valid {
                shell.print("valid");
            }
        }
        Format::Json => {
            let (proven, reason) = match &attested.checked {
                sigstore::Checked::Proven(proven) => (Some(proven), None),
                sigstore::Checked::Refused { reason } => (None, Some(reason)),
            };
            let rebuild = attested.verification.as_ref().map(rebuild_json);
            shell.print(json!({
                "valid": valid,
                "sha256": attested.sha256,
                "bundle": bundle,
                "proven": proven,
                "reason": reason,
                "rebuild": rebuild,
            }));
        }
    }
    if valid { EXIT_OK } else { EXIT_MISMATCH }
}

/// The rebuild in a JSON report: `{"verdict", "commit", "differences", "explanations",
/// "configuration"}`.
fn rebuild_json(v: &Verification) -> serde_json::Value {
    json!({
        "verdict": v.comparison.verdict,
        "commit": v.commit,
        "differences": v.comparison.differences,
        "explanations": v.comparison.explanations,
        "configuration": v.configuration,
    })
}

/// `--subject`: a Sigstore bundle about any file or digest, checked against the signer flags or a
/// key the Sigstore verifier reads (`PROV-SIGSTORE`); an ed25519 key checks statements about a
/// crate only.
fn verify_subject(args: &VerifyAttestationArgs, subject: &str, shell: &mut Shell) -> u8 {
    let checked = (|| -> Result<sigstore::Checked, Box<dyn std::error::Error>> {
        let signer = match &args.key {
            Some(key) if keys::load_public(key).is_ok() => return Err(EnvelopeNeedsCrate.into()),
            Some(key) => sigstore::Signer::Key(key.clone()),
            None => sigstore::Signer::Identity(Box::new(args.signer.identity()?)),
        };
        let subject = sigstore::Subject::parse(subject)?;
        Ok(sigstore::check(&args.envelope, &subject, &signer, &args.signer.root())?)
    })();
    let checked = match checked {
        Ok(checked) => checked,
        Err(err) => return super::fail(shell, args.format, err.as_ref()),
    };
    let bundle = args.envelope.display().to_string();
    let (proven, reason) = match &checked {
        sigstore::Checked::Proven(proven) => (Some(proven), None),
        sigstore::Checked::Refused { reason } => (None, Some(reason)),
    };
    match args.format {
        Format::Human => {
            shell.print(format_args!("subject: {subject}"));
            match &checked {
                sigstore::Checked::Proven(proven) => {
                    render_proven(&bundle, proven, shell);
                    shell.print("valid");
                }
                sigstore::Checked::Refused { reason } => shell.print(format_args!("invalid: {reason}")),
            }
        }
        Format::Json => shell.print(json!({
            "valid": proven.is_some(),
            "subject": subject,
            "bundle": bundle,
            "proven": proven,
            "reason": reason,
        })),
    }
    if proven.is_some() { EXIT_OK } else { EXIT_MISMATCH }
}

#[derive(Debug, thiserror::Error)]
#[error(
    "an ed25519 key checks cargo-seal's statements, which are about a crate: give it with `--crate`; \
     `--subject` takes a bundle's certificate, or a key the Sigstore verifier reads"
)]
struct EnvelopeNeedsCrate;
