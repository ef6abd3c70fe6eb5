//! cargo-seal's integration tests, in one binary (as ripgrep keeps them): each module is the
//! suite of one area, `support` the harness they share. Snapshots are in `snapshots/`, fixtures
//! under `testdata/`.
#![allow(clippy::disallowed_methods, reason = "tests set up and read the environment of what they run")]

mod support;

mod architecture;
mod atomic;
mod audit;
mod cli;
mod corpus;
mod deploy;
mod determinism;
mod diff;
mod discover;
mod eras;
mod features;
mod fuzz;
mod golden;
mod hostile_crates;
mod hostile_repos;
mod options;
mod parity;
mod provenance;
mod registry;
mod reproducible;
mod sigstore;
mod standalone;
mod verify;
