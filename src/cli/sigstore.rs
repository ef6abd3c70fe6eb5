//! `cargo seal verify-bundle`: a Sigstore bundle checked offline, with the arguments of the
//! Sigstore conformance suite's CLI protocol (`PROV-SIGSTORE`), so that the suite's own harness can
//! drive this tool: exit 0 when the bundle verifies, 1 when it is refused, 2 on an error.

use std::path::PathBuf;

use serde_json::json;

use crate::sigstore::{self, Checked, Identity, Proven, Root, Signer, Subject};

use super::{EXIT_MISMATCH, EXIT_OK, Format, Shell};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The Sigstore bundle (`.sigstore.json`)
    #[arg(long, value_name = "FILE")]
    bundle: PathBuf,

    /// The identity (certificate SAN) that must have signed, exactly
    #[arg(long, value_name = "IDENTITY")]
    certificate_identity: Option<String>,

    /// A regular expression the identity (certificate SAN) matches
    #[arg(long, value_name = "REGEX", conflicts_with = "certificate_identity")]
    certificate_identity_regexp: Option<String>,

    /// The OIDC issuer of the identity [default with --owner, --repo or --signer-workflow:
    /// GitHub Actions']
    #[arg(long, value_name = "URL")]
    certificate_oidc_issuer: Option<String>,

    /// GitHub: the owner of the repository the signing workflow ran from
    #[arg(long, value_name = "OWNER")]
    owner: Option<String>,

    /// GitHub: the repository the signing workflow ran from
    #[arg(long, value_name = "OWNER/NAME")]
    repo: Option<String>,

    /// GitHub: the workflow that signed (`OWNER/NAME/.github/workflows/FILE`)
    #[arg(long, value_name = "WORKFLOW")]
    signer_workflow: Option<String>,

    /// The ref the signing workflow ran on (`refs/tags/v1.0.0`)
    #[arg(long, value_name = "REF")]
    source_ref: Option<String>,

    /// The commit the signing workflow ran on
    #[arg(long, value_name = "SHA")]
    source_digest: Option<String>,

    /// The public key (PEM) that must have signed, for a bundle with a public-key hint
    #[arg(long, value_name = "FILE", conflicts_with_all = ["certificate_identity", "certificate_identity_regexp", "owner", "repo", "signer_workflow"])]
    key: Option<PathBuf>,

    /// A `trusted_root.json` [default: the Sigstore public-good root shipped with this build]
    #[arg(long, value_name = "FILE")]
    trusted_root: Option<PathBuf>,

    /// Trust Sigstore's staging instance, as shipped with this build
    #[arg(long, conflicts_with = "trusted_root")]
    staging: bool,

    /// The signed file, or `sha256:HEX` or `sha512:HEX`
    #[arg(value_name = "FILE_OR_DIGEST")]
    subject: String,

    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
}

pub(super) fn run(args: Args, shell: &mut Shell) -> u8 {
    let san_regexp = match args.certificate_identity_regexp.as_deref().map(regex::Regex::new).transpose() {
        Ok(re) => re,
        Err(err) => return super::fail(shell, args.format, &err),
    };
    let signer = match args.key {
        Some(key) => Signer::Key(key),
        None => Signer::Identity(Identity {
            san: args.certificate_identity,
            san_regexp,
            issuer: args.certificate_oidc_issuer,
            owner: args.owner,
            repository: args.repo,
            signer_workflow: args.signer_workflow,
            source_ref: args.source_ref,
            source_digest: args.source_digest,
        }),
    };
    let root = match (args.trusted_root, args.staging) {
        (Some(path), _) => Root::File(path),
        (None, true) => Root::Staging,
        (None, false) => Root::PublicGood,
    };
    let checked =
        Subject::parse(&args.subject).and_then(|subject| sigstore::check(&args.bundle, &subject, &signer, &root));
    let bundle = args.bundle.display().to_string();
    match (checked, args.format) {
        (Ok(Checked::Proven(proven)), Format::Human) => {
            let who = match (&proven.identity, &proven.issuer) {
                (Some(identity), Some(issuer)) => format!("{identity} ({issuer})"),
                _ => "the key".to_owned(),
            };
            let when = proven.logged_at.as_deref().map(|t| format!(", logged at {t}")).unwrap_or_default();
            shell.status("Verified", format_args!("`{bundle}`: signed by {who}{when}"));
            human(&proven, shell);
            EXIT_OK
        }
        (Ok(Checked::Proven(proven)), Format::Json) => {
            shell.print(json!({ "bundle": bundle, "verified": true, "proven": proven }));
            EXIT_OK
        }
        (Ok(Checked::Refused { reason }), format) => {
            shell.print_error_text(&format!("`{bundle}` does not verify: {reason}"));
            if format == Format::Json {
                shell.print(json!({ "bundle": bundle, "verified": false, "reason": reason }));
            }
            EXIT_MISMATCH
        }
        (Err(err), format) => super::fail(shell, format, &err),
    }
}

/// What the bundle proves, a line each, as far as the certificate says it.
fn human(proven: &Proven, shell: &mut Shell) {
    let lines = [
        ("identity", &proven.identity),
        ("issuer", &proven.issuer),
        ("source repository", &proven.source_repository),
        ("source ref", &proven.source_ref),
        ("source commit", &proven.source_commit),
        ("workflow", &proven.workflow),
    ];
    for (what, value) in lines {
        if let Some(value) = value {
            shell.print(format_args!("{what}: {value}"));
        }
    }
    for time in &proven.signed_at {
        let how = match Some(time) == proven.logged_at.as_ref() {
            true => "transparency log",
            false => "timestamp authority",
        };
        shell.print(format_args!("signed at: {time} ({how})"));
    }
}
