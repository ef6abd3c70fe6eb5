//! PROV-CHECK on hostile envelopes: arbitrary text never panics and never verifies, and an
//! envelope signed over arbitrary payload bytes verifies, bare or in a Sigstore bundle, until one
//! byte of it changes.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use cargo_seal::archive::read;
use cargo_seal::provenance::{self, Against, CheckName, PAYLOAD_TYPE, PrivateKey, dsse};

/// Any fixed key: the fuzzer cannot sign with it.
const SEED: [u8; 32] = [7; 32];

fn report(text: &str, key: &PrivateKey) -> provenance::Report {
    let public = key.public();
    // A crate file that is not an archive: only its digest is known.
    let digested = read::Digested { sha256: "00".repeat(32), archive: read::read_bytes(b"").map(|_| unreachable!()) };
    let against = Against { krate: "fuzz.crate".as_ref(), digested: &digested, key: &public, rebuild: false };
    provenance::check_text(text, &against)
}

fn signature_passed(report: &provenance::Report) -> bool {
    report.envelopes[0].checks.iter().any(|c| c.check == CheckName::Signature && c.passed)
}

/// The property, for one input.
pub fn check(data: &[u8]) {
    let key = PrivateKey::from_seed(&SEED);
    let Some((&mode, rest)) = data.split_first() else { return };
    if mode % 2 == 0 {
        let arbitrary = report(&String::from_utf8_lossy(rest), &key);
        assert!(!arbitrary.envelopes.is_empty());
        assert!(!arbitrary.valid, "a forged envelope verified");
        for envelope in &arbitrary.envelopes {
            // Checks stop at the first failure.
            let failed = envelope.checks.iter().position(|c| !c.passed);
            assert!(failed.is_none_or(|i| i + 1 == envelope.checks.len()));
        }
        return;
    }
    let envelope = dsse::sign(PAYLOAD_TYPE, rest, &key);
    assert!(signature_passed(&report(&envelope.to_line(), &key)), "a genuine signature failed");
    // PROV-CHECK-BUNDLE: the same envelope in a Sigstore bundle.
    assert!(signature_passed(&report(&envelope.to_sigstore_bundle(), &key)), "a genuine bundle failed");
    if let Some(i) = (mode as usize).checked_rem(rest.len()) {
        let mut forged = rest.to_vec();
        forged[i] ^= 1 << (mode % 8);
        let forged = provenance::Envelope { payload: STANDARD.encode(&forged), ..envelope };
        assert!(!signature_passed(&report(&forged.to_line(), &key)), "a changed payload kept its signature");
    }
}
