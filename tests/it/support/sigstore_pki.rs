//! A Sigstore instance of the tests' own, made at run time: a Fulcio-like certificate authority
//! issuing short-lived leaf certificates with Fulcio's CI extensions, and a Rekor-v1-like log
//! whose entries carry a signed entry timestamp and an inclusion proof with a signed checkpoint.
//! Its `trusted_root.json` lists the authority and the log (no CT log, no timestamp authority),
//! so bundles it makes verify offline like the public-good instance's, naming whichever
//! repository, commit and workflow a test asks for. Dates are fixed: nothing depends on the clock
//! but the signatures' randomness (ECDSA P-256).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use rcgen::{
    BasicConstraints, CertificateParams, CustomExtension, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose, PKCS_ECDSA_P256_SHA256, PublicKeyData as _, SanType, SigningKey as _,
};
use serde_json::json;
use sha2::Digest as _;

/// GitHub Actions' OIDC issuer, as the certificates name it.
pub const GITHUB_ISSUER: &str = "https://token.actions.githubusercontent.com";
/// When every leaf starts to be valid: 2026-01-01T00:00:00Z; leaves last ten minutes, as Fulcio's.
const NOT_BEFORE: i64 = 1_767_225_600;
/// The log's checkpoint origin.
const ORIGIN: &str = "rekor.cargo-seal.test - 1";

/// Who the certificate says signed: the claims Fulcio copies from a GitHub Actions token.
#[derive(Debug, Clone)]
pub struct Claims {
    /// `https://github.com/OWNER/NAME`.
    pub repository: String,
    pub commit: String,
    pub git_ref: String,
    /// The workflow file, `.github/workflows/release.yml`.
    pub workflow: String,
}

impl Claims {
    pub fn github(repository: &str, commit: &str) -> Claims {
        Claims {
            repository: repository.to_owned(),
            commit: commit.to_owned(),
            git_ref: "refs/tags/v0.1.0".to_owned(),
            workflow: ".github/workflows/release.yml".to_owned(),
        }
    }

    /// The SAN and the build signer URI: `<repository>/<workflow>@<ref>`.
    pub fn identity(&self) -> String {
        format!("{}/{}@{}", self.repository, self.workflow, self.git_ref)
    }
}

/// What to make other than an honest bundle.
#[derive(Debug, Clone, Copy, Default)]
pub struct Forgery {
    /// The log integrated the entry this many seconds after the leaf became valid (60 when
    /// `None`): more than 600 is after the certificate expired.
    pub logged_after: Option<i64>,
}

pub struct Pki {
    ca: Issuer<'static, KeyPair>,
    ca_der: Vec<u8>,
    log: KeyPair,
}

impl Pki {
    pub fn new() -> Pki {
        let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).unwrap();
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.distinguished_name = DistinguishedName::new();
        params.distinguished_name.push(DnType::OrganizationName, "cargo-seal tests");
        params.distinguished_name.push(DnType::CommonName, "cargo-seal test fulcio");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        params.not_before = rcgen::date_time_ymd(2025, 1, 1);
        params.not_after = rcgen::date_time_ymd(2035, 1, 1);
        let ca_der = params.self_signed(&key).unwrap().der().to_vec();
        let log = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).unwrap();
        Pki { ca: Issuer::new(params, key), ca_der, log }
    }

    fn log_id(&self) -> Vec<u8> {
        sha2::Sha256::digest(self.log.subject_public_key_info()).to_vec()
    }

    /// The `trusted_root.json` of this instance.
    pub fn trusted_root(&self) -> String {
        let valid_for = json!({ "start": "2025-01-01T00:00:00Z" });
        json!({
            "mediaType": "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
            "tlogs": [{
                "baseUrl": "https://rekor.cargo-seal.test",
                "hashAlgorithm": "SHA2_256",
                "publicKey": {
                    "rawBytes": STANDARD.encode(self.log.subject_public_key_info()),
                    "keyDetails": "PKIX_ECDSA_P256_SHA_256",
                    "validFor": valid_for,
                },
                "logId": { "keyId": STANDARD.encode(self.log_id()) },
            }],
            "certificateAuthorities": [{
                "subject": { "organization": "cargo-seal tests", "commonName": "cargo-seal test fulcio" },
                "uri": "https://fulcio.cargo-seal.test",
                "certChain": { "certificates": [{ "rawBytes": STANDARD.encode(&self.ca_der) }] },
                "validFor": valid_for,
            }],
            "ctlogs": [],
            "timestampAuthorities": [],
        })
        .to_string()
    }

    /// A leaf certificate for `claims`, and its key.
    fn leaf(&self, claims: &Claims) -> (Vec<u8>, KeyPair) {
        let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).unwrap();
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.distinguished_name = DistinguishedName::new();
        params.subject_alt_names = vec![SanType::URI(claims.identity().try_into().unwrap())];
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::CodeSigning];
        params.not_before = time::OffsetDateTime::from_unix_timestamp(NOT_BEFORE).unwrap();
        params.not_after = time::OffsetDateTime::from_unix_timestamp(NOT_BEFORE + 600).unwrap();
        let owner = claims.repository.rsplit_once('/').unwrap().0;
        // Fulcio's extensions from `1.3.6.1.4.1.57264.1.8` on hold a DER UTF8String.
        let fulcio = |arc: u64, value: &str| {
            CustomExtension::from_oid_content(&[1, 3, 6, 1, 4, 1, 57264, 1, arc], utf8_string(value))
        };
        params.custom_extensions = vec![
            fulcio(8, GITHUB_ISSUER),
            fulcio(9, &claims.identity()),
            fulcio(12, &claims.repository),
            fulcio(13, &claims.commit),
            fulcio(14, &claims.git_ref),
            fulcio(16, owner),
        ];
        let der = params.signed_by(&key, &self.ca).unwrap().der().to_vec();
        (der, key)
    }

    /// A bundle v0.3 of an in-toto `statement` in a DSSE envelope, signed for `claims` and logged.
    pub fn bundle(&self, statement: &serde_json::Value, claims: &Claims, forgery: Forgery) -> String {
        let (certificate, key) = self.leaf(claims);
        let payload_type = "application/vnd.in-toto+json";
        let payload = statement.to_string().into_bytes();
        let pae =
            [format!("DSSEv1 {} {payload_type} {} ", payload_type.len(), payload.len()).as_bytes(), payload.as_slice()]
                .concat();
        let signature = key.sign(&pae).unwrap();
        let envelope = json!({
            "payload": STANDARD.encode(&payload),
            "payloadType": payload_type,
            "signatures": [{ "sig": STANDARD.encode(&signature), "keyid": "" }],
        });
        let pem =
            format!("-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n", STANDARD.encode(&certificate));
        // Rekor's `dsse` v0.0.1 entry, canonical JSON (keys sorted, no spaces).
        let body = json!({
            "apiVersion": "0.0.1",
            "kind": "dsse",
            "spec": {
                "envelopeHash": { "algorithm": "sha256", "value": hex(&sha2::Sha256::digest(envelope.to_string())) },
                "payloadHash": { "algorithm": "sha256", "value": hex(&sha2::Sha256::digest(&payload)) },
                "signatures": [{ "signature": STANDARD.encode(&signature), "verifier": STANDARD.encode(pem) }],
            },
        })
        .to_string();
        let integrated = NOT_BEFORE + forgery.logged_after.unwrap_or(60);
        let log_id = self.log_id();
        let promise = json!({
            "body": STANDARD.encode(&body),
            "integratedTime": integrated,
            "logID": hex(&log_id),
            "logIndex": 0,
        })
        .to_string();
        let set = self.log.sign(promise.as_bytes()).unwrap();
        // A tree of one leaf: its root is the leaf's hash (RFC 6962).
        let root = sha2::Sha256::digest([&[0u8][..], body.as_bytes()].concat());
        let note = format!("{ORIGIN}\n1\n{}\n", STANDARD.encode(root));
        let hinted = [&log_id[..4], &self.log.sign(note.as_bytes()).unwrap()].concat();
        let checkpoint =
            format!("{note}\n\u{2014} {} {}\n", ORIGIN.split(' ').next().unwrap(), STANDARD.encode(hinted));
        json!({
            "mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json",
            "verificationMaterial": {
                "certificate": { "rawBytes": STANDARD.encode(&certificate) },
                "tlogEntries": [{
                    "logIndex": "0",
                    "logId": { "keyId": STANDARD.encode(&log_id) },
                    "kindVersion": { "kind": "dsse", "version": "0.0.1" },
                    "integratedTime": integrated.to_string(),
                    "inclusionPromise": { "signedEntryTimestamp": STANDARD.encode(set) },
                    "inclusionProof": {
                        "logIndex": "0",
                        "rootHash": STANDARD.encode(root),
                        "treeSize": "1",
                        "hashes": [],
                        "checkpoint": { "envelope": checkpoint },
                    },
                    "canonicalizedBody": STANDARD.encode(&body),
                }],
            },
            "dsseEnvelope": envelope,
        })
        .to_string()
    }
}

/// An in-toto statement of SLSA provenance about one file, as GitHub's build-provenance action
/// writes them (its predicate abridged).
pub fn statement(name: &str, sha256: &str, claims: &Claims) -> serde_json::Value {
    json!({
        "_type": "https://in-toto.io/Statement/v1",
        "subject": [{ "name": name, "digest": { "sha256": sha256 } }],
        "predicateType": "https://slsa.dev/provenance/v1",
        "predicate": {
            "buildDefinition": {
                "buildType": "https://actions.github.io/buildtypes/workflow/v1",
                "externalParameters": { "workflow": { "ref": claims.git_ref, "repository": claims.repository, "path": claims.workflow } },
                "resolvedDependencies": [{ "uri": format!("git+{}@{}", claims.repository, claims.git_ref), "digest": { "gitCommit": claims.commit } }],
            },
            "runDetails": { "builder": { "id": "https://github.com/actions/runner/github-hosted" } },
        },
    })
}

fn utf8_string(value: &str) -> Vec<u8> {
    let len = value.len();
    let mut der = vec![0x0c];
    match len {
        0..0x80 => der.push(len as u8),
        0x80..0x100 => der.extend([0x81, len as u8]),
        _ => der.extend([0x82, (len >> 8) as u8, len as u8]),
    }
    der.extend_from_slice(value.as_bytes());
    der
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
