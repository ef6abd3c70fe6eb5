//! The command line: turns cargo-style arguments into library options and renders the results.
//! It is the only place that reads the environment, the current directory or the terminal.
#![allow(clippy::disallowed_methods, reason = "the CLI layer is where the environment is read")]

mod audit;
mod common;
mod diff;
mod environment;
mod inspect;
mod package;
mod provenance;
mod shell;
mod sigstore;
mod verify;

use std::ffi::OsString;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

pub use shell::Shell;

/// Exit code for success.
pub const EXIT_OK: u8 = 0;
/// Exit code for a completed check that found a difference (`--verify-reproducible`, `verify`).
pub const EXIT_MISMATCH: u8 = 1;
/// Exit code for an error: nothing could be decided, nothing was written.
pub const EXIT_ERROR: u8 = 2;

#[derive(Debug, Parser)]
#[command(
    name = "cargo-seal",
    bin_name = "cargo seal",
    version,
    about = "Reproducible, byte-identical `cargo package`, and proof of where a crate came from"
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Assemble the local package into a distributable tarball, byte-identical to `cargo package`
    Package(Box<package::Args>),
    /// Show the entries of a `.crate` with modes, sizes, digests and what departs from cargo's format
    Inspect(inspect::Args),
    /// Compare two `.crate` files layer by layer and name every difference
    Diff(diff::Args),
    /// Rebuild a published crate from the commit it records and prove whether it matches
    Verify(verify::Args),
    /// Verify every registry crate of a lock file against the repository and commit it came from
    Audit(Box<audit::Args>),
    /// Make an ed25519 key pair for `attest` and `package --attest`
    Keygen(provenance::KeygenArgs),
    /// Sign an in-toto provenance statement for a `.crate`: this key vouches it was built from its commit
    Attest(provenance::AttestArgs),
    /// Check a signed provenance statement (DSSE envelope or Sigstore bundle) against a `.crate`:
    /// with a public key, or its signer's certificate bound to the crate's repository and commit
    VerifyAttestation(provenance::VerifyAttestationArgs),
    /// Check a Sigstore bundle offline against a file: who signed it, from which repository, when
    VerifyBundle(sigstore::Args),
}

/// How a report is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    /// Text for people
    Human,
    /// One JSON document on standard output (described in `spec/`)
    Json,
}

/// Reports an error that stopped a command and returns [`EXIT_ERROR`]: on standard error as cargo
/// does, and for `--format json` also as `{"error": ..., "causes": [...]}` on standard output, so
/// that a pipeline reading the report always gets a document (`CMP-JSON`).
fn fail(shell: &mut Shell, format: Format, error: &dyn std::error::Error) -> u8 {
    shell.error(error);
    if format == Format::Json {
        let causes: Vec<String> =
            std::iter::successors(error.source(), |e| e.source()).map(|e| e.to_string()).collect();
        shell.print(serde_json::json!({ "error": error.to_string(), "causes": causes }));
    }
    EXIT_ERROR
}

/// Runs the program with the process's arguments.
pub fn main() -> ExitCode {
    ExitCode::from(run(std::env::args_os()))
}

/// Runs the program with `args` (the first is the program name) and returns the exit code.
pub fn run(args: impl IntoIterator<Item = OsString>) -> u8 {
    // `cargo seal …` runs `cargo-seal seal …`: drop the subcommand's own name.
    let args = args.into_iter().enumerate().filter_map(|(i, a)| (i != 1 || a != "seal").then_some(a));
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(err) => {
            let code = if err.use_stderr() { EXIT_ERROR } else { EXIT_OK };
            let _ = err.print();
            return code;
        }
    };
    match cli.command {
        Command::Package(args) => package::run(*args, &mut Shell::from_env()),
        Command::Inspect(args) => inspect::run(args, &mut Shell::from_env()),
        Command::Diff(args) => diff::run(args, &mut Shell::from_env()),
        Command::Verify(args) => verify::run(args, &mut Shell::from_env()),
        Command::Audit(args) => audit::run(*args, &mut Shell::from_env()),
        Command::Keygen(args) => provenance::keygen(args, &mut Shell::from_env()),
        Command::Attest(args) => provenance::attest(args, &mut Shell::from_env()),
        Command::VerifyAttestation(args) => provenance::verify_attestation(args, &mut Shell::from_env()),
        Command::VerifyBundle(args) => sigstore::run(args, &mut Shell::from_env()),
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_valid() {
        super::Cli::command().debug_assert();
    }
}
