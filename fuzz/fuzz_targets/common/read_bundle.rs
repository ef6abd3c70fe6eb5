//! PROV-SIGSTORE on hostile bundle files: reading one never panics, and every bundle read writes
//! back to JSON that reads as the same bundle (nothing the checks see is lost or made up).

use cargo_seal::sigstore::bundle;

/// The property, for one input.
pub fn check(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(documents) = bundle::documents(text) else { return };
    assert!(!documents.is_empty(), "a file read holds a document");
    for parsed in documents.into_iter().flatten() {
        let json = serde_json::to_string(&parsed).expect("a bundle read serializes");
        let again: sigstore_types::Bundle = serde_json::from_str(&json).expect("a bundle written reads back");
        assert_eq!(again, parsed, "{json}");
    }
}
