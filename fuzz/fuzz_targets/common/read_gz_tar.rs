//! Arbitrary bytes as the tar stream inside a well-formed gzip stream, so that the fuzzer's
//! mutations reach the tar layer instead of failing the gzip checksum. Header checksums are
//! repaired for the same reason (a bad checksum is refused by one branch of `tar`).

use std::io::Write as _;

/// The property, for one input.
pub fn check(data: &[u8]) {
    let mut tar = data.to_vec();
    repair_checksums(&mut tar);
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(&tar).expect("compress to memory");
    let gzip = encoder.finish().expect("compress to memory");
    let Some(file) = super::read_and_check(&gzip) else { return };
    super::check_tar(&file, &tar);
}

/// Walks `tar` header by header as a tar reader does, rewriting each header's checksum.
fn repair_checksums(tar: &mut [u8]) {
    let mut at = 0;
    while let Some(block) = tar.get_mut(at..).and_then(|rest| rest.get_mut(..512)) {
        if block.iter().all(|&b| b == 0) {
            return;
        }
        let mut header = tar::Header::new_old();
        header.as_mut_bytes().copy_from_slice(block);
        header.set_cksum();
        block.copy_from_slice(header.as_bytes());
        let padded =
            header.entry_size().ok().and_then(|size| usize::try_from(size).ok()?.checked_next_multiple_of(512));
        let Some(padded) = padded else { return };
        at = at.saturating_add(512).saturating_add(padded);
    }
}
