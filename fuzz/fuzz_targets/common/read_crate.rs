//! Arbitrary bytes as a whole `.crate`: mostly exercises the gzip layer.

use std::io::Read as _;

/// The property, for one input.
pub fn check(data: &[u8]) {
    let Some(file) = super::read_and_check(data) else { return };
    assert_eq!(file.compressed_size, data.len() as u64, "the whole input is read");
    // The tar stream `read` saw: the first gzip member, as its decoder reads it.
    let mut tar = Vec::new();
    flate2::bufread::GzDecoder::new(data).read_to_end(&mut tar).expect("`read` decompressed it");
    super::check_tar(&file, &tar);
}
