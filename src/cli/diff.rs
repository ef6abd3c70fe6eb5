//! `cargo seal diff`: how two `.crate` files differ, layer by layer (`CMP-*`).

use serde_json::json;

use crate::compare::{self, Comparison, Verdict};

use super::inspect::{identity, load};
use super::{EXIT_MISMATCH, EXIT_OK, Format, Shell};

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
}

pub(super) fn run(args: Args, shell: &mut Shell) -> u8 {
    let loaded = load(&args.a).and_then(|a| Ok((a, load(&args.b)?)));
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

/// 0 when the verdict is at least `accept`, else 1.
pub(super) fn exit_code(comparison: &Comparison, accept: Verdict) -> u8 {
    if comparison.verdict <= accept { EXIT_OK } else { EXIT_MISMATCH }
}

/// The verdict, then each difference with its evidence.
pub(super) fn render(comparison: &Comparison, shell: &mut Shell) {
    shell.print(format_args!("verdict: {}", comparison.verdict.as_str()));
    for d in &comparison.differences {
        let kind = d.kind.as_str();
        match &d.path {
            Some(path) => shell.print(format_args!("  {kind:<12} {path}: {}", d.detail)),
            None => shell.print(format_args!("  {kind:<12} {}", d.detail)),
        }
        if let Some(diff) = &d.diff {
            for line in diff.lines() {
                shell.print(format_args!("      {line}"));
            }
        }
    }
    for explanation in &comparison.explanations {
        shell.print(format_args!("note: {explanation}"));
    }
}
