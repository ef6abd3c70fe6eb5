//! `cargo seal verify-bundle` (hidden): a Sigstore bundle checked offline, as the Sigstore
//! conformance suite's CLI protocol spells it (`PROV-SIGSTORE`), so that the suite's own harness can
//! drive this tool: exit 0 when the bundle verifies, 1 when it is refused, 2 on an error.

use std::path::PathBuf;

use crate::sigstore::{self, Checked, Root, Signer, Subject};

use super::{EXIT_ERROR, EXIT_MISMATCH, EXIT_OK, Shell};

#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("signer").args(["key", "certificate_identity"]).required(true)))]
pub struct Args {
    /// The Sigstore bundle (`.sigstore.json`)
    #[arg(long, value_name = "FILE")]
    bundle: PathBuf,

    /// The identity (certificate SAN) that must have signed, exactly
    #[arg(long, value_name = "IDENTITY", requires = "certificate_oidc_issuer")]
    certificate_identity: Option<String>,

    /// The OIDC issuer of that identity
    #[arg(long, value_name = "URL", requires = "certificate_identity")]
    certificate_oidc_issuer: Option<String>,

    /// The public key (PEM) that must have signed, for a bundle with a public-key hint
    #[arg(long, value_name = "FILE", conflicts_with = "certificate_identity")]
    key: Option<PathBuf>,

    /// A `trusted_root.json` [default: the Sigstore public-good root shipped with this build]
    #[arg(long, value_name = "FILE")]
    trusted_root: Option<PathBuf>,

    /// Trust Sigstore's staging instance, as shipped with this build
    #[arg(long, conflicts_with = "trusted_root")]
    staging: bool,

    /// The signed file, or `sha256:HEX`
    #[arg(value_name = "FILE_OR_DIGEST")]
    subject: String,
}

pub(super) fn run(args: Args, shell: &mut Shell) -> u8 {
    let signer = match (&args.key, args.certificate_identity, args.certificate_oidc_issuer) {
        (Some(key), ..) => Signer::Key(key.clone()),
        (None, Some(identity), Some(issuer)) => Signer::Identity { identity, issuer },
        _ => unreachable!("clap requires a key or an identity with its issuer"),
    };
    let root = match (args.trusted_root, args.staging) {
        (Some(path), _) => Root::File(path),
        (None, true) => Root::Staging,
        (None, false) => Root::PublicGood,
    };
    let checked =
        Subject::parse(&args.subject).and_then(|subject| sigstore::check(&args.bundle, &subject, &signer, &root));
    match checked {
        Ok(Checked::Proven(proven)) => {
            let who = match (&proven.identity, &proven.issuer) {
                (Some(identity), Some(issuer)) => format!("{identity} ({issuer})"),
                _ => "the key".to_owned(),
            };
            let when = proven.logged_at.as_deref().map(|t| format!(", logged at {t}")).unwrap_or_default();
            shell.status("Verified", format_args!("`{}`: signed by {who}{when}", args.bundle.display()));
            EXIT_OK
        }
        Ok(Checked::Refused { reason }) => {
            shell.print_error_text(&format!("`{}` does not verify: {reason}", args.bundle.display()));
            EXIT_MISMATCH
        }
        Err(err) => {
            shell.error(&err);
            EXIT_ERROR
        }
    }
}
