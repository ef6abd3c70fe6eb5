//! `cargo seal verify`: is a published crate what its repository holds at the recorded commit?

use std::path::PathBuf;
use std::sync::Mutex;

use serde_json::json;

use crate::archive::read;
use crate::compare::Verdict;
use crate::crate_arg::CrateArg;
use crate::discover::{Found, Locator};
use crate::locate;
use crate::mirror::Mirrors;
use crate::ops::attestation;
use crate::published::Published;
use crate::sigstore::{Checked, Checker, Identity, Proven};
use crate::verify::{self, Settings, Source, Submodules, Verification};

use super::common::{
    FetchLimitArgs, LimitArgs, RepoArgs, SignerArgs, commit_source, exit_code, identity, render, verify_settings,
};
use super::{EXIT_MISMATCH, Format, Shell};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The published crate: a `.crate` file, or `name@version` from cargo's download cache
    #[arg(value_name = "CRATE")]
    krate: String,

    /// The repository the crate claims to come from (a clone or a bare repository); without it,
    /// the repository is found from the crate's `repository` under `--repos` or in `--repo-map`
    #[arg(long, value_name = "PATH", required_unless_present_any = ["repos", "repo_map", "sources"])]
    repo: Option<PathBuf>,

    /// Rebuild from the package's files in DIR instead of a commit (a source tree, listed by git
    /// when DIR is the top of a work tree): the commit the crate records is taken as it is, not
    /// checked
    #[arg(long, value_name = "DIR", conflicts_with_all = ["repo", "rev", "repos", "repo_map", "fetch"])]
    sources: Option<PathBuf>,

    /// Rebuild from this commit instead of the one in `.cargo_vcs_info.json`
    #[arg(long, value_name = "REV", requires = "repo")]
    rev: Option<String>,

    #[command(flatten)]
    repositories: RepoArgs,

    /// The weakest verdict that still exits 0
    #[arg(long, value_enum, value_name = "LEVEL", default_value_t = Verdict::Identical)]
    accept: Verdict,

    /// Run without accessing the network: cargo reads only its local copy of the registry index
    #[arg(long)]
    offline: bool,

    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,

    #[command(flatten)]
    limits: LimitArgs,

    #[command(flatten)]
    fetch_limits: FetchLimitArgs,

    /// A Sigstore bundle attesting the crate (GitHub's `attest-build-provenance`, JSON lines as `gh
    /// attestation download` writes): checked offline, its certificate bound to the crate's
    /// repository and commit, before the rebuild
    #[arg(long, value_name = "BUNDLE", help_heading = "Signer")]
    attestation: Option<PathBuf>,

    #[command(flatten)]
    signer: SignerArgs,
}

/// The rebuild, and what found its commit and attested the crate.
struct Verified {
    verification: Verification,
    found: Option<Found>,
    attested: Option<Box<Proven>>,
}

/// PROV-SIGSTORE-BIND: the attestation was refused, nothing rebuilt.
struct Refused {
    bundle: PathBuf,
    reason: String,
}

pub(super) fn run(args: Args, shell: &mut Shell) -> u8 {
    let status = Mutex::new(&mut *shell);
    let mirrors = args.repositories.fetch.then(|| {
        args.fetch_limits.mirrors(|remote| {
            let mut shell = status.lock().expect("no status line panics");
            shell.status("Updating", format_args!("git repository `{}`", remote.url));
        })
    });
    let outcome = args.repositories.locator().and_then(|locator| {
        let signer = signer(&args)?;
        let settings = verify_settings(args.offline)?;
        let submodules = |url: &str, commit: &str| locate::submodule(&locator, mirrors.as_ref(), url, commit);
        let settings = Settings { submodules: Some(Submodules(&submodules)), ..settings };
        let krate = CrateArg::parse(&args.krate).resolve(&super::environment::cargo_home())?;
        let published = Published::open(&krate, args.limits.limits())?;
        let attested = match (&args.attestation, signer) {
            (Some(bundle), Some((identity, checker))) => {
                match attestation::check(&published, bundle, identity, &checker)? {
                    Checked::Proven(proven) => Some(proven),
                    Checked::Refused { reason } => return Ok(Err(Refused { bundle: bundle.clone(), reason })),
                }
            }
            _ => None,
        };
        let (source, found) = source(&args, &published, &locator, mirrors.as_ref())?;
        let verification = verify::verify(&settings, published, &source)?;
        Ok(Ok(Verified { verification, found, attested }))
    });
    drop(mirrors);
    let shell = status.into_inner().expect("no status line panics");
    let Verified { verification, found, attested } = match outcome {
        Ok(Ok(verified)) => verified,
        Ok(Err(Refused { bundle, reason })) => {
            shell.print_error_text(&format!("`{}` does not attest the crate: {reason}", bundle.display()));
            if args.format == Format::Json {
                shell.print(json!({ "attestation": { "bundle": bundle, "verified": false, "reason": reason } }));
            }
            return EXIT_MISMATCH;
        }
        Err(err) => return super::fail(shell, args.format, err.as_ref()),
    };
    match args.format {
        Format::Human => human(&verification, found.as_ref(), attested.as_deref(), shell),
        Format::Json => {
            let mut report = json(&verification, found.as_ref());
            report["attestation"] = match (&args.attestation, &attested) {
                (Some(bundle), Some(proven)) => json!({ "bundle": bundle, "verified": true, "proven": proven }),
                _ => serde_json::Value::Null,
            };
            shell.print(report)
        }
    }
    exit_code(&verification.comparison, args.accept)
}

/// With `--attestation`, the identity policy and the trusted root, loaded once; without it, no
/// signer flag may be given (it would be checked against nothing).
fn signer(args: &Args) -> Result<Option<(Identity, Checker)>, Box<dyn std::error::Error>> {
    if args.attestation.is_none() {
        if let Some(flag) = args.signer.given().first() {
            return Err(format!(
                "`{flag}` says who must have signed an attestation: give one with `--attestation BUNDLE`"
            )
            .into());
        }
        return Ok(None);
    }
    Ok(Some((args.signer.identity()?, Checker::new(&args.signer.root())?)))
}

/// What to rebuild from: `--sources`, `--repo` (and `--rev`) as given, else the repository and
/// commit that discovery finds (`DISC-*`), which the report then names.
fn source(
    args: &Args,
    published: &Published,
    locator: &Locator,
    mirrors: Option<&Mirrors<'_>>,
) -> Result<(Source, Option<Found>), Box<dyn std::error::Error>> {
    if let Some(sources) = &args.sources {
        return Ok((Source::Sources(std::env::current_dir()?.join(sources)), None));
    }
    if let Some(repo) = &args.repo {
        return Ok((commit_source(repo, args.rev.clone())?, None));
    }
    let origin = locate::origin(published, locator, mirrors)?;
    let found = origin.found.clone();
    Ok((Source::origin(origin), Some(found)))
}

fn human(v: &Verification, found: Option<&Found>, attested: Option<&Proven>, shell: &mut Shell) {
    let p = &v.published;
    shell.print(format_args!(
        "crate: {} ({} bytes, sha256 {})",
        p.base_name().unwrap_or("?"),
        p.compressed_size,
        p.sha256
    ));
    let at = if v.path_in_vcs.is_empty() { String::new() } else { format!(" in `{}`", v.path_in_vcs) };
    match &v.sources {
        Some(dir) if v.commit.is_empty() => shell.print(format_args!(
            "commit: none recorded (no `.cargo_vcs_info.json`); the rebuild is from the sources in `{}`",
            dir.display()
        )),
        Some(dir) => shell.print(format_args!(
            "commit: {}{at}, as recorded: not checked, the rebuild is from the sources in `{}`",
            v.commit,
            dir.display()
        )),
        None => shell.print(format_args!("commit: {}{at}", v.commit)),
    }
    if let Some(proven) = attested {
        shell.print(format_args!("attested: {}", attestation::signed_by(proven)));
    }
    if let Some(found) = found {
        shell.print(format_args!("commit found by: {}", found.by));
        for note in found.notes() {
            shell.print(format_args!("note: {note}"));
        }
    }
    shell.print(format_args!("content digest: {} published", read::content_digest(&p.entries)));
    shell.print(format_args!("content digest: {} rebuilt", read::content_digest(&v.rebuilt.entries)));
    for o in &v.omitted {
        shell.print(format_args!("not rebuilt: {}: {}", o.path, o.reason));
    }
    if v.comparison.verdict != Verdict::Identical {
        let from = if v.sources.is_some() { "the sources" } else { "the commit" };
        shell.print(format_args!("expected = rebuilt from {from}, found = published; missing = only in the rebuild"));
    }
    render(&v.comparison, shell);
}

fn json(v: &Verification, found: Option<&Found>) -> serde_json::Value {
    json!({
        "commit_found_by": found.map(|f| &f.by),
        "recorded_commit_missing": found.and_then(|f| f.recorded_missing.as_deref()),
        "repository_moved": found.is_some_and(|f| f.moved),
        "verdict": v.comparison.verdict,
        "cargo": v.era.map(crate::era::Releases::by_era),
        "crate": identity(&v.krate, &v.published),
        "rebuilt": { "sha256": v.rebuilt.sha256, "content_digest": read::content_digest(&v.rebuilt.entries) },
        // VER-SOURCES: a crate that records no commit, rebuilt from sources, has none.
        "commit": (!v.commit.is_empty()).then_some(&v.commit),
        "sources": v.sources,
        "path_in_vcs": v.path_in_vcs,
        "content_digest": read::content_digest(&v.published.entries),
        "omitted": v.omitted,
        "differences": v.comparison.differences,
        "explanations": v.comparison.explanations,
        "configuration": v.configuration,
    })
}
