//! cargo-seal: byte-identical, verifiable `cargo package`.
//!
//! The pipeline reads in folder order: [`list`] selects files, [`manifest`] normalizes
//! `Cargo.toml`, [`plan`] orders the entries and decides their modes, and [`archive`] writes the
//! `.crate`. [`workspace`] decides which packages to make and in which order; [`package`] makes
//! one, and [`ops::package`] is the whole `cargo seal package` run. [`published`] reads a
//! published `.crate` once, [`locate`] finds its repository and commit, [`verify`] rebuilds it
//! there and [`compare`] says how two archives differ; [`audit`] does so for a lock file. Modules
//! import downwards only (`tests/it/architecture.rs`). Rule ids in comments (`ARC-ORDER`,
//! `SEL-GIT`, …) refer to the specification in `spec/`.
//!
//! Features, all on by default: `git` (every module that reads a repository), `fetch` (the
//! network client) and `cli` (the command line). Without them the library reads crates,
//! manifests, lock files and envelopes, and nothing of gix is built.

pub mod archive;
#[cfg(feature = "git")]
pub mod audit;
pub mod cargo;
pub mod compare;
pub mod crate_arg;
#[cfg(feature = "git")]
pub mod discover;
pub mod era;
pub mod features;
#[cfg(feature = "git")]
pub mod git;
#[cfg(feature = "git")]
pub mod list;
#[cfg(feature = "git")]
pub mod locate;
pub mod lockfile;
pub mod manifest;
#[cfg(feature = "git")]
pub mod mirror;
#[cfg(feature = "git")]
pub mod ops;
#[cfg(feature = "git")]
pub mod package;
pub mod plan;
pub mod provenance;
pub mod published;
pub mod registry;
#[cfg(feature = "sigstore-bundle")]
pub mod sigstore;
pub mod suggest;
pub mod untrusted;
#[cfg(feature = "git")]
pub mod vcs;
pub mod vcs_info;
#[cfg(feature = "git")]
pub mod verify;
pub mod workspace;

#[doc(hidden)]
#[cfg(feature = "cli")]
pub mod cli;

/// An error and its causes on one line, as reports give a reason.
#[cfg(feature = "git")]
pub(crate) fn error_chain(error: &dyn std::error::Error) -> String {
    std::iter::successors(Some(error), |e| e.source()).map(ToString::to_string).collect::<Vec<_>>().join(": ")
}
