//! `cargo seal keygen`, `attest` and `verify-attestation` (spec: `spec/provenance.md`).

use std::io::Write as _;
use std::path::{Path, PathBuf};

use serde_json::json;

use crate::crate_arg::CrateArg;
use crate::ops::provenance::{self as ops, CheckRequest, Checked, Rebuild};
use crate::provenance::{self, keys};

use super::common::{LimitArgs, commit_source, render, signing_key, verify_settings};
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

    /// Where the envelope goes (`-` for standard output) [default: CRATE.intoto.jsonl]
    #[arg(short, long, value_name = "OUT")]
    output: Option<PathBuf>,

    #[command(flatten)]
    limits: LimitArgs,
}

#[derive(Debug, clap::Args)]
pub struct VerifyAttestationArgs {
    /// The DSSE envelope: one JSON document, or JSON lines (an in-toto bundle)
    #[arg(value_name = "ENVELOPE")]
    envelope: PathBuf,

    /// The `.crate` the envelope should be about: a file, or `name@version` from cargo's cache
    #[arg(long = "crate", value_name = "CRATE")]
    krate: String,

    /// The signer's public key: SPKI PEM, `ssh-ed25519` line, 64 hex digits, or securesystemslib JSON
    #[arg(long, value_name = "PUBKEY")]
    key: PathBuf,

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
}

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
            out.write_all(envelope.to_line().as_bytes()).and_then(|()| out.flush())?;
            shell.status("Attested", signed);
        }
        output => {
            // A crate from cargo's cache is not ours to write beside: its envelope goes here.
            let path = match (output, &arg) {
                (Some(path), _) => path.to_owned(),
                (None, CrateArg::Cached { .. }) => provenance::envelope_path(Path::new(&facts.file_name)),
                (None, CrateArg::File(_)) => provenance::envelope_path(&krate),
            };
            provenance::write(&envelope, &path)?;
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
    let checked = match check(&args) {
        Ok(checked) => checked,
        Err(err) => return super::fail(shell, args.format, err.as_ref()),
    };
    let report = &checked.report;
    match args.format {
        Format::Human => human(&args, &checked, shell),
        Format::Json => {
            let rebuild = checked.verification.as_ref().map(|v| {
                json!({
                    "verdict": v.comparison.verdict,
                    "commit": v.commit,
                    "differences": v.comparison.differences,
                    "explanations": v.comparison.explanations,
                    "configuration": v.configuration,
                })
            });
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

fn check(args: &VerifyAttestationArgs) -> Result<Checked, Box<dyn std::error::Error>> {
    let key = keys::load_public(&args.key)?;
    let krate = CrateArg::parse(&args.krate).resolve(&super::environment::cargo_home())?;
    let limits = args.limits.limits();
    let rebuild = rebuild_from(args.repo.as_deref(), args.offline)?;
    let request = CheckRequest { envelope: args.envelope.clone(), krate, key: &key, rebuild, limits };
    Ok(ops::check(&request)?)
}

fn human(args: &VerifyAttestationArgs, Checked { report, verification }: &Checked, shell: &mut Shell) {
    shell.print(format_args!("crate: {} (sha256 {})", args.krate, report.sha256));
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
