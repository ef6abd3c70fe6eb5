//! `cargo seal verify`: is a published crate what its repository holds at the recorded commit?

use std::path::PathBuf;

use serde_json::json;

use crate::archive::cache::CrateArg;
use crate::archive::read;
use crate::compare::Verdict;
use crate::verify::{self, Request, Verification};

use super::common::{LimitArgs, exit_code, identity, rebuild_request, render};
use super::{Format, Shell};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The published crate: a `.crate` file, or `name@version` from cargo's download cache
    #[arg(value_name = "CRATE")]
    krate: String,

    /// The repository the crate claims to come from (a clone or a bare repository)
    #[arg(long, value_name = "PATH")]
    repo: PathBuf,

    /// Rebuild from this commit instead of the one in `.cargo_vcs_info.json`
    #[arg(long, value_name = "REV")]
    rev: Option<String>,

    /// The weakest verdict that still exits 0
    #[arg(long, value_enum, value_name = "LEVEL", default_value_t = Verdict::Identical)]
    accept: Verdict,

    /// Let cargo use the network to read the registry index (otherwise only its local cache)
    #[arg(long)]
    network: bool,

    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,

    #[command(flatten)]
    limits: LimitArgs,
}

pub(super) fn run(args: Args, shell: &mut Shell) -> u8 {
    let verification = request(&args).and_then(|request| Ok(verify::verify(&request)?));
    let verification = match verification {
        Ok(v) => v,
        Err(err) => return super::fail(shell, args.format, err.as_ref()),
    };
    match args.format {
        Format::Human => human(&verification, shell),
        Format::Json => shell.print(json(&verification)),
    }
    exit_code(&verification.comparison, args.accept)
}

fn request(args: &Args) -> Result<Request<'static>, Box<dyn std::error::Error>> {
    let krate = CrateArg::parse(&args.krate).resolve(&super::environment::cargo_home())?;
    rebuild_request(krate, &args.repo, args.rev.clone(), args.network, args.limits.limits())
}

fn human(v: &Verification, shell: &mut Shell) {
    let p = &v.published;
    shell.print(format_args!(
        "crate: {} ({} bytes, sha256 {})",
        p.base_name().unwrap_or("?"),
        p.compressed_size,
        p.sha256
    ));
    let at = if v.path_in_vcs.is_empty() { String::new() } else { format!(" in `{}`", v.path_in_vcs) };
    shell.print(format_args!("commit: {}{at}", v.commit));
    shell.print(format_args!("content digest: {} published", read::content_digest(&p.entries)));
    shell.print(format_args!("content digest: {} rebuilt", read::content_digest(&v.rebuilt.entries)));
    for o in &v.omitted {
        shell.print(format_args!("not rebuilt: {}: {}", o.path, o.reason));
    }
    if v.comparison.verdict != Verdict::Identical {
        shell.print("expected = rebuilt from the commit, found = published; missing = only in the rebuild");
    }
    render(&v.comparison, shell);
}

fn json(v: &Verification) -> serde_json::Value {
    json!({
        "verdict": v.comparison.verdict,
        "crate": identity(&v.krate, &v.published),
        "rebuilt": { "sha256": v.rebuilt.sha256, "content_digest": read::content_digest(&v.rebuilt.entries) },
        "commit": v.commit,
        "path_in_vcs": v.path_in_vcs,
        "content_digest": read::content_digest(&v.published.entries),
        "omitted": v.omitted,
        "differences": v.comparison.differences,
        "explanations": v.comparison.explanations,
    })
}
