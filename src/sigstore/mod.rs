//! Sigstore bundles (spec: `PROV-SIGSTORE`): [`bundle`] reads a bundle file, which any build of
//! the library can do (the fuzz crate's does); the checks, with the Sigstore project's verifier,
//! come with the `sigstore` feature.

pub mod bundle;
#[cfg(feature = "sigstore")]
mod check;

#[cfg(feature = "sigstore")]
pub use check::*;
