//! `.cargo_vcs_info.json` from a hostile crate, as `verify` and `attest` read it: never a panic,
//! and what is accepted writes back to JSON that reads as the same record.

use std::path::Path;

use cargo_seal::archive::read::ArchivedEntry;
use cargo_seal::vcs_info::VcsInfo;

fn entry(text: &str) -> ArchivedEntry {
    ArchivedEntry {
        path: "fuzz-0.1.0/.cargo_vcs_info.json".into(),
        header: [0; 512],
        long_name: false,
        mode: 0o644,
        size: text.len() as u64,
        sha256: String::new(),
        text: Some(text.to_owned()),
    }
}

/// The property, for one input.
pub fn check(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let krate = Path::new("fuzz.crate");
    match VcsInfo::recorded(Some(&entry(text)), krate) {
        Ok(Some(info)) => {
            let json = info.to_json();
            let again = VcsInfo::recorded(Some(&entry(&json)), krate).expect("its own JSON reads");
            assert_eq!(again.map(|i| i.to_json()), Some(json), "the record survives a round trip");
        }
        Ok(None) => unreachable!("an entry was given"),
        Err(err) => assert!(err.to_string().contains("fuzz.crate"), "{err} names the crate"),
    }
}
