//! `cargo seal diff`: how two `.crate` files differ, layer by layer (`CMP-*`).

use serde_json::json;

use crate::compare::{self, Verdict};

use super::common::{LimitArgs, exit_code, identity, load, render};
use super::{Format, Shell};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The expected `.crate` (a file, or `name@version` from cargo's download cache)
    #[arg(value_name = "A")]
    a: String,

    /// The `.crate` to compare with it
    #[arg(value_name = "B")]
    b: String,

    /// The weakest verdict that still exits 0
    #[arg(long, value_enum, value_name = "LEVEL", default_value_t = Verdict::Identical)]
    accept: Verdict,

    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,

    #[command(flatten)]
    limits: LimitArgs,
}

pub(super) fn run(args: Args, shell: &mut Shell) -> u8 {
    let limits = args.limits.limits();
    let loaded = load(&args.a, &limits).and_then(|a| Ok((a, load(&args.b, &limits)?)));
    let ((a_path, a), (b_path, b)) = match loaded {
        Ok(loaded) => loaded,
        Err(err) => return super::fail(shell, args.format, err.as_ref()),
    };
    let comparison = compare::compare(&a, &b);
    match args.format {
        Format::Human => render(&comparison, shell),
        Format::Json => shell.print(json!({
            "verdict": comparison.verdict,
            "a": identity(&a_path, &a),
            "b": identity(&b_path, &b),
            "differences": comparison.differences,
            "explanations": comparison.explanations,
        })),
    }
    exit_code(&comparison, args.accept)
}
