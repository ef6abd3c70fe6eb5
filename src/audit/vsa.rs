//! AUD-VSA: a SLSA Verification Summary Attestation (VSA v1) for each audited crate, so that
//! others can reuse an audit: the crate (its lock checksum), `pkg:cargo/NAME@VERSION`, the policy,
//! and whether it passed, with the verdict as the level verified. The statement depends on the
//! audit's results alone (no time, no machine), so the same audit signs the same bytes.

use serde::Serialize;

use super::Audited;

/// The VSA v1 predicate type.
pub const PREDICATE_TYPE: &str = "https://slsa.dev/verification_summary/v1";

/// What the crates were judged by: a policy file (relative to where the audit ran, and its
/// sha256), or `--accept` alone.
#[derive(Debug, Clone)]
pub struct PolicyRef {
    pub file: Option<(String, String)>,
}

/// AUD-VSA: the in-toto statement of the VSA for `audited`, compact JSON; `None` for a crate the
/// lock file gives no checksum for (a VSA names its subject by digest).
pub fn statement(audited: &Audited, policy: &PolicyRef) -> Option<String> {
    let sha256 = audited.checksum.as_deref()?;
    let version = env!("CARGO_PKG_VERSION");
    let spec = |anchor: &str| format!("https://docs.rs/crate/cargo-seal/{version}/source/spec/audit.md#{anchor}");
    let (uri, digest) = match &policy.file {
        Some((path, sha256)) => (path.clone(), Some(Digest { sha256: sha256.clone() })),
        None => (spec("AUD-POLICY"), None),
    };
    let passed = audited.accepted;
    let mut levels = Vec::new();
    if passed {
        levels.push(format!("CARGO_SEAL_{}", audited.verdict.to_uppercase().replace('-', "_")));
        let attested = audited.attestation.as_ref().is_some_and(|a| a.bundle.is_some() && a.refused.is_none());
        if attested {
            levels.push("CARGO_SEAL_ATTESTED".to_owned());
        }
    } else {
        levels.push("FAILED".to_owned());
    }
    let statement = Statement {
        kind: "https://in-toto.io/Statement/v1",
        subject: [Subject {
            name: format!("{}-{}.crate", audited.name, audited.version),
            digest: Digest { sha256: sha256.to_owned() },
        }],
        predicate_type: PREDICATE_TYPE,
        predicate: Predicate {
            verifier: Verifier { id: spec("AUD-VSA") },
            resource_uri: format!("pkg:cargo/{}@{}", audited.name, audited.version),
            policy: Policy { uri, digest },
            verification_result: if passed { "PASSED" } else { "FAILED" },
            verified_levels: levels,
            slsa_version: "1.0",
        },
    };
    Some(serde_json::to_string(&statement).expect("plain data serializes"))
}

#[derive(Serialize)]
struct Statement {
    #[serde(rename = "_type")]
    kind: &'static str,
    subject: [Subject; 1],
    #[serde(rename = "predicateType")]
    predicate_type: &'static str,
    predicate: Predicate,
}

#[derive(Serialize)]
struct Subject {
    name: String,
    digest: Digest,
}

#[derive(Serialize)]
struct Digest {
    sha256: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Predicate {
    verifier: Verifier,
    resource_uri: String,
    policy: Policy,
    verification_result: &'static str,
    verified_levels: Vec<String>,
    slsa_version: &'static str,
}

#[derive(Serialize)]
struct Verifier {
    id: String,
}

#[derive(Serialize)]
struct Policy {
    uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    digest: Option<Digest>,
}
