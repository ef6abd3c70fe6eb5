//! `cargo seal inspect`: what a `.crate` holds, entry by entry, and where it departs from what
//! cargo writes.

use std::path::Path;

use serde_json::json;

use crate::archive::read::{self, CrateFile};

use super::common::{LimitArgs, identity, load};
use super::{EXIT_MISMATCH, EXIT_OK, Format, Shell};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// A `.crate` file, or `name@version` from cargo's download cache
    #[arg(value_name = "CRATE")]
    krate: String,

    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,

    #[command(flatten)]
    limits: LimitArgs,
}

pub(super) fn run(args: Args, shell: &mut Shell) -> u8 {
    let (path, file) = match load(&args.krate, &args.limits.limits()) {
        Ok(loaded) => loaded,
        Err(err) => return super::fail(shell, args.format, err.as_ref()),
    };
    match args.format {
        Format::Human => human(&path, &file, shell),
        Format::Json => shell.print(self::json(&path, &file)),
    }
    // READ-PREFIX, READ-PORTABLE, READ-TRAILING: a finding, not a mere departure from cargo's format.
    if file.has_hostile_findings() { EXIT_MISMATCH } else { EXIT_OK }
}

fn json(path: &Path, file: &CrateFile) -> serde_json::Value {
    let entries: Vec<_> = file
        .entries
        .iter()
        .map(|e| {
            json!({
                "path": e.path,
                "mode": format!("{:04o}", e.mode),
                "size": e.size,
                "sha256": e.sha256,
                "long_name": e.long_name,
                "anomalies": e.header_anomalies(),
            })
        })
        .collect();
    let mut anomalies = file.gzip_anomalies();
    anomalies.extend(file.anomalies.iter().cloned());
    json!({
        "crate": identity(path, file),
        "gzip": file.gzip,
        "tar": { "size": file.tar_size, "sha256": file.tar_sha256 },
        "entries": entries,
        "anomalies": anomalies,
        "trailing": file.trailing,
        "prefix_problems": file.prefix_problems,
        "portability": file.portability,
    })
}

fn human(path: &Path, file: &CrateFile, shell: &mut Shell) {
    shell.print(format_args!("{}: {} bytes, sha256 {}", path.display(), file.compressed_size, file.sha256));
    let g = &file.gzip;
    shell.print(format_args!(
        "gzip: mtime {}, extra flags {}, os {}, file name {}",
        g.mtime,
        g.xfl,
        g.os,
        g.filename.as_deref().unwrap_or("(none)")
    ));
    shell.print(format_args!("tar: {} bytes, sha256 {}", file.tar_size, file.tar_sha256));
    shell.print(format_args!("content digest: {}", read::content_digest(&file.entries)));
    shell.print(format_args!("{} entries:", file.entries.len()));
    for e in &file.entries {
        let anomalies = e.header_anomalies();
        let note =
            if anomalies.is_empty() { String::new() } else { format!("  [unlike cargo: {}]", anomalies.join(", ")) };
        shell.print(format_args!("  {:04o} {:>10}  {}  {}{note}", e.mode, e.size, e.sha256, e.path));
    }
    for anomaly in file.gzip_anomalies().iter().chain(&file.anomalies) {
        shell.print(format_args!("unlike cargo: {anomaly}"));
    }
    for problem in &file.prefix_problems {
        shell.print(format_args!("not one package: {problem}"));
    }
    for problem in &file.portability {
        shell.print(format_args!("not portable: {problem}"));
    }
}
