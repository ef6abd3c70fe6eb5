//! Whole runs of a command, as cargo's `ops`: each ties the pipeline's modules together and tells
//! what happens through events, which the command line renders.

#[cfg(feature = "sigstore")]
pub mod attestation;
pub mod audit;
pub mod package;
pub mod provenance;
