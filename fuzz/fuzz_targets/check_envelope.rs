//! Fuzz target: the property of `common/check_envelope.rs`, coverage-guided.
#![no_main]

#[allow(dead_code, reason = "each target checks one of the shared properties")]
mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| common::check_envelope::check(data));
