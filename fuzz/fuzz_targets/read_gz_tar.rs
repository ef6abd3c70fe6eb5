//! Arbitrary bytes as the tar stream inside a well-formed gzip stream, so that the fuzzer's
//! mutations reach the tar layer instead of failing the gzip checksum.
#![no_main]

mod common;

use std::io::Write as _;

libfuzzer_sys::fuzz_target!(|tar: &[u8]| {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(tar).expect("compress to memory");
    let gzip = encoder.finish().expect("compress to memory");
    let Some(file) = common::read_and_check(&gzip) else { return };
    common::check_tar(&file, tar);
});
