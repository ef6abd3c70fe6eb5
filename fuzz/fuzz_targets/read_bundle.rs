//! Fuzz target: the property of `common/read_bundle.rs`, coverage-guided.
#![no_main]

#[allow(dead_code, reason = "each target checks one of the shared properties")]
mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| common::read_bundle::check(data));
