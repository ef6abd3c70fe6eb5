//! DSSE v1 envelopes (spec: `PROV-DSSE`, `PROV-PAE`): what is signed is the pre-authentication
//! encoding of the payload type and the payload bytes, never a re-serialization.

use base64::Engine as _;
use base64::engine::DecodePaddingMode;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use serde::{Deserialize, Serialize};

use super::keys::{PrivateKey, PublicKey};

/// A DSSE envelope as JSON (`payload` and `sig` in base64).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Envelope {
    pub payload: String,
    #[serde(rename = "payloadType")]
    pub payload_type: String,
    pub signatures: Vec<EnvelopeSignature>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnvelopeSignature {
    /// Optional in DSSE; required by securesystemslib and in-toto, so always written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keyid: Option<String>,
    pub sig: String,
}

/// PROV-PAE: `"DSSEv1" SP LEN(type) SP type SP LEN(body) SP body`, lengths in decimal bytes.
pub fn pae(payload_type: &str, body: &[u8]) -> Vec<u8> {
    let mut out = format!("DSSEv1 {} {payload_type} {} ", payload_type.len(), body.len()).into_bytes();
    out.extend_from_slice(body);
    out
}

/// PROV-DSSE: signs `body` as `payload_type` with one key, under its securesystemslib keyid.
pub fn sign(payload_type: &str, body: &[u8], key: &PrivateKey) -> Envelope {
    let sig = key.sign(&pae(payload_type, body));
    Envelope {
        payload: STANDARD.encode(body),
        payload_type: payload_type.to_owned(),
        signatures: vec![EnvelopeSignature { keyid: Some(key.public().keyid()), sig: STANDARD.encode(sig) }],
    }
}

impl Envelope {
    /// The envelope as one JSON line, newline-terminated (an in-toto bundle of one).
    pub fn to_line(&self) -> String {
        let mut line = serde_json::to_string(self).expect("plain strings serialize");
        line.push('\n');
        line
    }
}

impl Envelope {
    /// PROV-BUNDLE: the envelope in a Sigstore bundle v0.3 with a public-key hint (the first
    /// signature's keyid), as one JSON line, newline-terminated. No log entry, no timestamp: the
    /// key is the trust, as for the bare envelope.
    pub fn to_sigstore_bundle(&self) -> String {
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Bundle<'a> {
            media_type: &'static str,
            verification_material: Material<'a>,
            dsse_envelope: &'a Envelope,
        }
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Material<'a> {
            public_key: Hint<'a>,
            tlog_entries: [(); 0],
        }
        #[derive(Serialize)]
        struct Hint<'a> {
            hint: &'a str,
        }
        let hint = self.signatures.first().and_then(|s| s.keyid.as_deref()).unwrap_or_default();
        let bundle = Bundle {
            media_type: BUNDLE_V03,
            verification_material: Material { public_key: Hint { hint }, tlog_entries: [] },
            dsse_envelope: self,
        };
        let mut line = serde_json::to_string(&bundle).expect("plain strings serialize");
        line.push('\n');
        line
    }
}

/// PROV-BUNDLE: the media type of the bundles cargo-seal writes.
pub const BUNDLE_V03: &str = "application/vnd.dev.sigstore.bundle.v0.3+json";

/// PROV-DSSE: the signature's bytes; DSSE lets signers choose standard or URL-safe base64.
pub fn decode(text: &str) -> Option<Vec<u8>> {
    const LENIENT: GeneralPurposeConfig =
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent);
    const STANDARD_ANY: GeneralPurpose = GeneralPurpose::new(&base64::alphabet::STANDARD, LENIENT);
    const URL_SAFE_ANY: GeneralPurpose = GeneralPurpose::new(&base64::alphabet::URL_SAFE, LENIENT);
    STANDARD_ANY.decode(text).or_else(|_| URL_SAFE_ANY.decode(text)).ok()
}

/// How one signature of an envelope fares against a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureCheck {
    /// Valid over the PAE bytes.
    Valid,
    /// Valid over the bare payload: signed without the PAE, which DSSE forbids.
    OverPayload,
    /// Not valid for this key (or not base64, or not 64 bytes).
    Invalid,
}

/// Checks `sig` (base64) by `key` over the envelope's PAE.
pub fn check(key: &PublicKey, payload_type: &str, body: &[u8], sig: &str) -> SignatureCheck {
    let Some(sig) = decode(sig) else {
        return SignatureCheck::Invalid;
    };
    if key.verifies(&pae(payload_type, body), &sig) {
        SignatureCheck::Valid
    } else if key.verifies(body, &sig) {
        SignatureCheck::OverPayload
    } else {
        SignatureCheck::Invalid
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::provenance::keys::RFC8032_SEED as SEED;

    #[test]
    fn prov_pae_spec_vector() {
        // DSSE protocol.md's example.
        assert_eq!(
            pae("http://example.com/HelloWorld", b"hello world"),
            b"DSSEv1 29 http://example.com/HelloWorld 11 hello world"
        );
    }

    #[test]
    fn prov_dsse_rfc8032_key_known_signature() {
        // The RFC 8032 TEST 1 key over the DSSE spec's PAE vector; the signature was computed with
        // pyca/cryptography and securesystemslib 1.6.0 (project research, provenance report §3.3).
        let key = PrivateKey::from_seed(&SEED);
        let envelope = sign("http://example.com/HelloWorld", b"hello world", &key);
        assert_eq!(envelope.payload, "aGVsbG8gd29ybGQ=");
        assert_eq!(
            envelope.signatures[0].sig,
            "4DHX3Zn4qpBKvEj7maE8O9u9bjXEnPLLnyXVUJ2PXJR8DSLcL3QDpFvfJOj3pB/SPHsl6Jg4boxsMb6KvuYABw=="
        );
        assert_eq!(
            envelope.signatures[0].keyid.as_deref(),
            Some("74c181c7ad8a0855d4b55e44d2ba87aabdddb196832571f15f92fece332e4916")
        );
    }

    #[test]
    fn prov_dsse_checks_pae_not_payload() {
        let key = PrivateKey::from_seed(&SEED);
        let public = key.public();
        let (kind, body) = ("application/vnd.in-toto+json", b"{}".as_slice());
        let good = STANDARD.encode(key.sign(&pae(kind, body)));
        let bare = STANDARD.encode(key.sign(body));
        assert_eq!(check(&public, kind, body, &good), SignatureCheck::Valid);
        assert_eq!(check(&public, "text/plain", body, &good), SignatureCheck::Invalid);
        assert_eq!(check(&public, kind, body, &bare), SignatureCheck::OverPayload);
        assert_eq!(check(&public, kind, body, "not base64!"), SignatureCheck::Invalid);
        let url_safe = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(key.sign(&pae(kind, body)));
        assert_eq!(check(&public, kind, body, &url_safe), SignatureCheck::Valid);
    }
}
