//! `cargo seal verify-bundle`: a Sigstore bundle checked offline, with the arguments of the
//! Sigstore conformance suite's CLI protocol (`PROV-SIGSTORE`), so that the suite's own harness can
//! drive this tool: exit 0 when the bundle verifies, 1 when it is refused, 2 on an error.

use std::path::PathBuf;

use serde_json::json;

use crate::sigstore::{self, Checked, Identity, Signer, Subject};

use super::common::{SignerArgs, render_proven};
use super::{EXIT_MISMATCH, EXIT_OK, Format, Shell};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The Sigstore bundle (`.sigstore.json`)
    #[arg(long, value_name = "FILE")]
    bundle: PathBuf,

    #[command(flatten)]
    signer: SignerArgs,

    /// GitHub: the repository the signing workflow ran from
    #[arg(long, value_name = "OWNER/NAME", help_heading = "Signer")]
    repo: Option<String>,

    /// The commit the signing workflow ran on
    #[arg(long, value_name = "SHA", help_heading = "Signer")]
    source_digest: Option<String>,

    /// The public key (PEM) that must have signed, for a bundle with a public-key hint
    #[arg(
        long,
        value_name = "FILE",
        help_heading = "Signer",
        conflicts_with_all = ["certificate_identity", "certificate_identity_regexp", "owner", "repo", "signer_workflow"]
    )]
    key: Option<PathBuf>,

    /// The signed file, or `sha256:HEX` or `sha512:HEX`
    #[arg(value_name = "FILE_OR_DIGEST")]
    subject: String,

    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
}

pub(super) fn run(args: Args, shell: &mut Shell) -> u8 {
    let signer = match args.key {
        Some(key) => Signer::Key(key),
        None => match args.signer.identity() {
            Ok(identity) => {
                let identity = Identity { repository: args.repo, source_digest: args.source_digest, ..identity };
                Signer::Identity(Box::new(identity))
            }
            Err(err) => return super::fail(shell, args.format, &err),
        },
    };
    let root = args.signer.root();
    let checked =
        Subject::parse(&args.subject).and_then(|subject| sigstore::check(&args.bundle, &subject, &signer, &root));
    let bundle = args.bundle.display().to_string();
    match (checked, args.format) {
        (Ok(Checked::Proven(proven)), Format::Human) => {
            render_proven(&bundle, &proven, shell);
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
