//! The property each fuzz target asserts, a module per target (`<target>::check`), and what the
//! archive targets share. `tests/it/fuzz.rs` runs them over the regression inputs under
//! `testdata/hostile/<target>/` as ordinary tests.

pub mod check_envelope;
pub mod lock_text;
pub mod manifest;
pub mod read_bundle;
pub mod read_crate;
pub mod read_gz_tar;
pub mod tree_config;
pub mod vcs_info;

/// A target's property: it panics on an input that breaks it.
pub type Property = fn(&[u8]);

/// Each target's property, by the target's name.
pub const TARGETS: [(&str, Property); 8] = [
    ("check_envelope", check_envelope::check),
    ("lock_text", lock_text::check),
    ("manifest", manifest::check),
    ("read_bundle", read_bundle::check),
    ("read_crate", read_crate::check),
    ("read_gz_tar", read_gz_tar::check),
    ("tree_config", tree_config::check),
    ("vcs_info", vcs_info::check),
];

use std::collections::BTreeSet;
use std::io;

use cargo_seal::archive::read::{self, CrateFile, MAX_ENTRIES, MAX_TEXT, MAX_TEXT_TOTAL, content_digest};
use sha2::{Digest as _, Sha256};

fn sha256_hex(data: &[u8]) -> String {
    format!("{:x}", Sha256::digest(data))
}

/// Reads `input` as a `.crate`. A refusal must be printable as it is; an accepted archive must
/// have every property READ-REFUSE, READ-LIMITS and CNT-DIGEST promise, and is returned.
pub fn read_and_check(input: &[u8]) -> Option<CrateFile> {
    let bounds = read::Limits::default().bounds(input.len() as u64);
    let file = match read::read(input, bounds) {
        Ok(file) => file,
        Err(err) => {
            let message = err.to_string();
            assert!(!message.chars().any(char::is_control), "control character in the error {message:?}");
            return None;
        }
    };
    assert!(file.entries.len() <= MAX_ENTRIES, "{} entries", file.entries.len());
    let unpacked: u64 = file.entries.iter().map(|e| e.size).sum();
    assert!(unpacked <= bounds.unpacked, "{unpacked} bytes unpacked, over {}", bounds.unpacked);
    let mut paths = BTreeSet::new();
    let mut text_total = 0;
    for entry in &file.entries {
        let path = entry.path.as_str();
        assert!(!path.starts_with('/'), "absolute path {path:?}");
        assert!(path.split('/').all(|c| !matches!(c, "" | "." | "..")), "empty, `.` or `..` component in {path:?}");
        assert!(!path.chars().any(char::is_control), "control character in {path:?}");
        assert!(paths.insert(path), "duplicate path {path:?}");
        if let Some(text) = &entry.text {
            assert!(entry.size <= MAX_TEXT, "text kept for {path:?} of {} bytes", entry.size);
            assert_eq!(text.len() as u64, entry.size, "text of {path:?}");
            assert_eq!(sha256_hex(text.as_bytes()), entry.sha256, "text of {path:?}");
            text_total += text.len();
        }
    }
    assert!(text_total <= MAX_TEXT_TOTAL, "{text_total} bytes of text kept");
    let mut reversed = file.entries.clone();
    reversed.reverse();
    assert_eq!(content_digest(&reversed), content_digest(&file.entries), "the digest depends on order");
    let sizes: u64 = file.entries.iter().map(|e| e.size).sum();
    assert!(file.tar_size >= sizes, "{} tar bytes hold {sizes} bytes of files", file.tar_size);
    // The first entries alone, as `verify` reads them before the rest, are the same entries.
    let head =
        read::head(input, &[".cargo_vcs_info.json", "Cargo.lock"], bounds).expect("an accepted archive's head reads");
    assert!(head.len() <= file.entries.len(), "the head has more entries than the archive");
    for (first, whole) in head.iter().zip(&file.entries) {
        assert_eq!((&first.path, &first.sha256, &first.text), (&whole.path, &whole.sha256, &whole.text));
    }
    Some(file)
}

/// Checks an accepted `file` against `tar`, the stream it was read from: its length and hash, and
/// that `tar::Archive`, which cargo unpacks `.crate` files with, sees the same files.
pub fn check_tar(file: &CrateFile, tar: &[u8]) {
    assert_eq!(file.tar_size, tar.len() as u64, "tar size");
    assert_eq!(file.tar_sha256, sha256_hex(tar), "tar sha256");
    let mut archive = tar::Archive::new(tar);
    let unpacked: io::Result<Vec<(Vec<u8>, u64)>> = archive
        .entries()
        .and_then(|entries| entries.map(|e| e.map(|e| (e.path_bytes().into_owned(), e.size()))).collect());
    let read: Vec<(Vec<u8>, u64)> = file.entries.iter().map(|e| (e.path.as_bytes().to_vec(), e.size)).collect();
    assert_eq!(unpacked.map_err(|e| e.to_string()), Ok(read), "`tar::Archive` reads other files");
}
