//! Signed provenance (`PROV-*`) against independent tools: envelopes from `cargo seal attest`
//! verify with Python's securesystemslib, and their statements validate with in-toto-attestation's
//! schema (both pinned in `testdata/provenance/requirements.txt`,
//! installed by `testdata/provenance/venv.sh`, which `.ci/run` runs and these tests run when the
//! virtualenv is missing), envelopes securesystemslib signs verify with `verify-attestation`,
//! OpenSSL reads the keys `keygen` writes and gives the same signatures, and every forgery is
//! refused with the check that caught it. The crates are made by real `cargo package` (cargo 1.95)
//! from the `order_traps` git fixture during the test.

use crate::support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::support::{Fixture, Sandbox, Slot, Tool};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use cargo_seal::provenance::{PAYLOAD_TYPE, dsse, keys};
use serde_json::Value;

/// A fixture repository, the crate real cargo made from it, and a key pair from `keygen`.
struct Published {
    sandbox: Sandbox,
    repo: PathBuf,
    krate: PathBuf,
    key: PathBuf,
    public: PathBuf,
}

fn published() -> Published {
    let sandbox = Sandbox::new("provenance");
    let fixture = Fixture::load("order_traps");
    let copy = sandbox.materialize(&fixture, Slot::A);
    let out = sandbox.package(Tool::Cargo, &fixture, &[], &copy, &[]);
    assert!(out.status.success(), "{}", support::describe("cargo package", &out));
    let krate = support::crates_in(&copy.target).pop().expect("cargo wrote a .crate");
    let key = sandbox.path.join("keys").join("release");
    std::fs::create_dir_all(key.parent().unwrap()).unwrap();
    let made = seal(&sandbox, &["keygen".as_ref(), key.as_os_str()]);
    assert_eq!(made.status.code(), Some(0), "{}", support::describe("keygen", &made));
    let public = PathBuf::from(format!("{}.pub", key.display()));
    Published { sandbox, repo: copy.root, krate, key, public }
}

fn seal<S: AsRef<std::ffi::OsStr>>(sandbox: &Sandbox, args: &[S]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cargo-seal"));
    cmd.args(args).current_dir(&sandbox.path);
    sandbox.pin_tool_env(&mut cmd);
    cmd.output().unwrap()
}

impl Published {
    /// `cargo seal attest` of the crate into `out`.
    fn attest(&self, out: &Path) -> Vec<u8> {
        let args = [
            "attest".as_ref(),
            self.krate.as_os_str(),
            "--key".as_ref(),
            self.key.as_os_str(),
            "-o".as_ref(),
            out.as_os_str(),
        ];
        let made = seal(&self.sandbox, &args);
        assert_eq!(made.status.code(), Some(0), "{}", support::describe("attest", &made));
        std::fs::read(out).unwrap()
    }

    /// `cargo seal verify-attestation --format json` of `envelope`: (exit code, report).
    fn check(&self, envelope: &Path, krate: &Path, public: &Path, repo: bool) -> (Option<i32>, Value) {
        let mut args = vec![
            "verify-attestation".as_ref(),
            envelope.as_os_str(),
            "--crate".as_ref(),
            krate.as_os_str(),
            "--key".as_ref(),
            public.as_os_str(),
            "--format".as_ref(),
            "json".as_ref(),
        ];
        if repo {
            args.extend(["--repo".as_ref(), self.repo.as_os_str()]);
        }
        let out = seal(&self.sandbox, &args);
        let report = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}", support::describe("verify-attestation", &out)));
        (out.status.code(), report)
    }

    /// Attests the crate, lets `forge` change the envelope, and returns the check that failed.
    fn refused(&self, forge: impl FnOnce(&mut Value)) -> (String, String) {
        let path = self.sandbox.path.join("forged.intoto.jsonl");
        let mut envelope: Value = serde_json::from_slice(&self.attest(&path)).unwrap();
        forge(&mut envelope);
        std::fs::write(&path, envelope.to_string()).unwrap();
        let (code, report) = self.check(&path, &self.krate, &self.public, false);
        assert_eq!(code, Some(1), "{report:#}");
        assert_eq!(report["valid"], false, "{report:#}");
        let failed = report["envelopes"][0]["checks"].as_array().unwrap().last().unwrap().clone();
        assert_eq!(failed["passed"], false, "{report:#}");
        (failed["check"].as_str().unwrap().to_owned(), failed["detail"].as_str().unwrap().to_owned())
    }

    fn private_key(&self) -> keys::PrivateKey {
        keys::load_private(&self.key).unwrap().key
    }
}

/// The statement bytes inside an envelope.
fn payload(envelope: &Value) -> Vec<u8> {
    dsse::decode(envelope["payload"].as_str().unwrap()).unwrap()
}

fn sslib(args: &[&Path]) -> Output {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/provenance/sslib.py");
    Command::new(support::python()).arg(script).args(args).output().unwrap()
}

#[test]
fn prov_check_securesystemslib_verifies_attest_envelopes() {
    let p = published();
    let envelope = p.sandbox.path.join("attested.intoto.jsonl");
    p.attest(&envelope);
    let out = sslib(&[Path::new("verify"), &envelope, &p.krate, &p.public]);
    assert!(out.status.success(), "{}", support::describe("securesystemslib verify", &out));
    // The control: the same check refuses another crate, so it is not a formality.
    let other = p.sandbox.path.join("other.crate");
    std::fs::write(&other, b"not the crate").unwrap();
    let out = sslib(&[Path::new("verify"), &envelope, &other, &p.public]);
    assert!(!out.status.success(), "{}", support::describe("securesystemslib verify", &out));
}

#[test]
fn prov_check_verifies_securesystemslib_envelopes() {
    let p = published();
    let envelope = p.sandbox.path.join("by-sslib.json");
    // securesystemslib signs with the private key `keygen` wrote: Python reads its PKCS#8 too.
    let out = sslib(&[Path::new("sign"), &p.krate, &p.key, &envelope]);
    assert!(out.status.success(), "{}", support::describe("securesystemslib sign", &out));
    let (code, report) = p.check(&envelope, &p.krate, &p.public, true);
    assert_eq!(code, Some(0), "{report:#}");
    let checks: Vec<_> =
        report["envelopes"][0]["checks"].as_array().unwrap().iter().map(|c| c["check"].clone()).collect();
    let expected =
        ["envelope", "signature", "payloadType", "statement", "predicateType", "subject", "commit", "rebuild"];
    assert_eq!(checks, expected, "{report:#}");
    assert_eq!(report["rebuild"]["verdict"], "identical", "{report:#}");
}

#[test]
fn prov_attest_twice_identical_and_package_attest_agrees() {
    let p = published();
    let first = p.attest(&p.sandbox.path.join("first.jsonl"));
    let second = p.attest(&p.sandbox.path.join("second.jsonl"));
    assert_eq!(first, second);
    assert!(first.ends_with(b"}\n") && first.iter().filter(|&&b| b == b'\n').count() == 1);

    // `package --attest` on the same commit writes the same crate and so the same envelope.
    let fixture = Fixture::load("order_traps");
    let copy = p.sandbox.materialize(&fixture, Slot::B);
    let out = p.sandbox.package(Tool::Seal, &fixture, &[], &copy, &["--attest", p.key.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", support::describe("package --attest", &out));
    let krate = support::crates_in(&copy.target).pop().unwrap();
    assert_eq!(std::fs::read(&krate).unwrap(), std::fs::read(&p.krate).unwrap(), "cargo-seal's crate is cargo's");
    let beside = std::fs::read(format!("{}.intoto.jsonl", krate.display())).unwrap();
    assert_eq!(String::from_utf8(beside).unwrap(), String::from_utf8(first).unwrap());
}

#[test]
fn prov_keygen_files_read_by_openssl() {
    let p = published();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        assert_eq!(std::fs::metadata(&p.key).unwrap().permissions().mode() & 0o777, 0o600);
    }
    let openssl = |args: &[&str]| {
        let out = Command::new("openssl").args(args).output().expect("openssl runs");
        assert!(out.status.success(), "{}", support::describe("openssl", &out));
        out.stdout
    };
    let key = p.key.to_str().unwrap();
    let derived = openssl(&["pkey", "-in", key, "-pubout"]);
    assert_eq!(derived, std::fs::read(&p.public).unwrap(), "OpenSSL derives the public key keygen wrote");

    // OpenSSL signs the PAE with the key file and gets the envelope's signature (ed25519 is
    // deterministic), so the envelope signs exactly the DSSE PAE bytes.
    let envelope: Value = serde_json::from_slice(&p.attest(&p.sandbox.path.join("a.jsonl"))).unwrap();
    let pae = p.sandbox.path.join("pae.bin");
    std::fs::write(&pae, dsse::pae(PAYLOAD_TYPE, &payload(&envelope))).unwrap();
    let sig = openssl(&["pkeyutl", "-sign", "-rawin", "-inkey", key, "-in", pae.to_str().unwrap()]);
    assert_eq!(STANDARD.encode(sig), envelope["signatures"][0]["sig"].as_str().unwrap());
}

#[test]
fn prov_keygen_refuses_to_overwrite_and_warns_of_exposed_keys() {
    let p = published();
    let before = std::fs::read(&p.key).unwrap();
    let again = seal(&p.sandbox, &["keygen".as_ref(), p.key.as_os_str()]);
    assert_eq!(again.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("refusing to overwrite"),
        "{}",
        support::describe("keygen", &again)
    );
    assert_eq!(std::fs::read(&p.key).unwrap(), before);

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&p.key, std::fs::Permissions::from_mode(0o644)).unwrap();
        let out = seal(&p.sandbox, &["attest".as_ref(), p.krate.as_os_str(), "--key".as_ref(), p.key.as_os_str()]);
        assert_eq!(out.status.code(), Some(0), "{}", support::describe("attest", &out));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("readable by group or others (mode 0644)"), "{stderr}");
        assert!(!stderr.contains(&String::from_utf8_lossy(&before).lines().nth(1).unwrap().to_string()), "{stderr}");
    }
}

#[test]
fn prov_check_refuses_tampered_crate() {
    let p = published();
    let envelope = p.sandbox.path.join("a.jsonl");
    p.attest(&envelope);
    let mut bytes = std::fs::read(&p.krate).unwrap();
    *bytes.last_mut().unwrap() ^= 1;
    let tampered = p.sandbox.path.join("tampered.crate");
    std::fs::write(&tampered, bytes).unwrap();
    let (code, report) = p.check(&envelope, &tampered, &p.public, false);
    assert_eq!(code, Some(1), "{report:#}");
    let failed = &report["envelopes"][0]["checks"][5];
    assert_eq!((&failed["check"], &failed["passed"]), (&Value::from("subject"), &Value::from(false)), "{report:#}");
}

#[test]
fn prov_check_refuses_tampered_payload() {
    let p = published();
    let (check, detail) = p.refused(|envelope| {
        let text = String::from_utf8(payload(envelope)).unwrap();
        let forged = text.replace("\"package\":\"order-traps\"", "\"package\":\"order-trap5\"");
        assert_ne!(forged, text);
        envelope["payload"] = STANDARD.encode(forged).into();
    });
    assert_eq!(check, "signature");
    assert!(detail.starts_with("no signature verifies with key"), "{detail}");
}

#[test]
fn prov_check_refuses_wrong_key() {
    let p = published();
    let other = p.sandbox.path.join("keys").join("other");
    assert_eq!(seal(&p.sandbox, &["keygen".as_ref(), other.as_os_str()]).status.code(), Some(0));
    let envelope = p.sandbox.path.join("a.jsonl");
    p.attest(&envelope);
    let (code, report) = p.check(&envelope, &p.krate, &PathBuf::from(format!("{}.pub", other.display())), false);
    assert_eq!(code, Some(1), "{report:#}");
    assert_eq!(report["envelopes"][0]["checks"][1]["check"], "signature", "{report:#}");
    assert_eq!(report["envelopes"][0]["checks"][1]["passed"], false, "{report:#}");
}

#[test]
fn prov_check_refuses_wrong_payload_type() {
    let p = published();
    let key = p.private_key();
    let (check, detail) = p.refused(|envelope| {
        // Correctly signed by the right key, but as another type of payload.
        let resigned = dsse::sign("application/json", &payload(envelope), &key);
        *envelope = serde_json::to_value(resigned).unwrap();
    });
    assert_eq!(check, "payloadType");
    assert!(detail.contains("`application/json` is not an in-toto payload type"), "{detail}");
}

#[test]
fn prov_check_refuses_missing_keyid() {
    let p = published();
    let (check, detail) = p.refused(|envelope| {
        envelope["signatures"][0].as_object_mut().unwrap().remove("keyid");
    });
    assert_eq!(check, "signature");
    assert!(detail.contains("has no `keyid`"), "{detail}");
}

#[test]
fn prov_check_refuses_signature_over_payload() {
    let p = published();
    let key = p.private_key();
    let (check, detail) = p.refused(|envelope| {
        envelope["signatures"][0]["sig"] = STANDARD.encode(key.sign(&payload(envelope))).into();
    });
    assert_eq!(check, "signature");
    assert!(detail.contains("over the bare payload, not over the DSSE pre-authentication encoding"), "{detail}");
}

#[test]
fn prov_attest_with_repo_signs_only_identical_crates() {
    let p = published();
    // The same tar, compressed at another level: not what the commit rebuilds to.
    let mut tar = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(std::fs::File::open(&p.krate).unwrap()), &mut tar)
        .unwrap();
    let recompressed = p.sandbox.path.join("order-traps-0.1.0.crate");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(1));
    std::io::Write::write_all(&mut gz, &tar).unwrap();
    std::fs::write(&recompressed, gz.finish().unwrap()).unwrap();
    let args = |krate: &Path| {
        let repo = p.repo.as_os_str();
        ["attest".as_ref(), krate.as_os_str(), "--key".as_ref(), p.key.as_os_str(), "--repo".as_ref(), repo]
            .map(ToOwned::to_owned)
    };
    let out = seal(&p.sandbox, &args(&recompressed));
    assert_eq!(out.status.code(), Some(1), "{}", support::describe("attest --repo", &out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("not signing `order-traps-0.1.0.crate`"),
        "{}",
        support::describe("attest", &out)
    );
    assert!(!p.sandbox.path.join("order-traps-0.1.0.crate.intoto.jsonl").exists(), "nothing is signed");

    let out = seal(&p.sandbox, &args(&p.krate));
    assert_eq!(out.status.code(), Some(0), "{}", support::describe("attest --repo", &out));
    assert!(PathBuf::from(format!("{}.intoto.jsonl", p.krate.display())).is_file());
}

#[test]
fn prov_check_cannot_run_without_the_envelope() {
    let p = published();
    let (code, report) = p.check(&p.sandbox.path.join("missing.jsonl"), &p.krate, &p.public, false);
    assert_eq!(code, Some(2), "{report:#}");
    assert!(report["error"].as_str().unwrap().contains("missing.jsonl"), "{report:#}");
}

#[test]
fn prov_check_refuses_statement_of_another_commit() {
    let p = published();
    let key = p.private_key();
    let (check, detail) = p.refused(|envelope| {
        let text = String::from_utf8(payload(envelope)).unwrap();
        let statement: Value = serde_json::from_str(&text).unwrap();
        let commit = statement["predicate"]["buildDefinition"]["resolvedDependencies"][0]["digest"]["gitCommit"]
            .as_str()
            .unwrap()
            .to_owned();
        let forged = text.replace(&commit, &"0".repeat(40));
        // Signed by the right key: the statement itself names the wrong commit.
        *envelope = serde_json::to_value(dsse::sign(PAYLOAD_TYPE, forged.as_bytes(), &key)).unwrap();
    });
    assert_eq!(check, "commit");
    assert!(detail.starts_with(&format!("the statement names commit {}", "0".repeat(40))), "{detail}");
}

#[test]
fn prov_keys_from_ssh_keygen_and_raw_hex() {
    let p = published();
    let key = p.sandbox.path.join("keys").join("id_ed25519");
    let out = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", "release@example.invalid", "-f"])
        .arg(&key)
        .output()
        .expect("ssh-keygen runs");
    assert!(out.status.success(), "{}", support::describe("ssh-keygen", &out));
    let envelope = p.sandbox.path.join("ssh.jsonl");
    let args = [
        "attest".as_ref(),
        p.krate.as_os_str(),
        "--key".as_ref(),
        key.as_os_str(),
        "-o".as_ref(),
        envelope.as_os_str(),
    ];
    let out = seal(&p.sandbox, &args);
    assert_eq!(out.status.code(), Some(0), "{}", support::describe("attest with an OpenSSH key", &out));
    let ssh_public = PathBuf::from(format!("{}.pub", key.display()));
    let (code, report) = p.check(&envelope, &p.krate, &ssh_public, false);
    assert_eq!(code, Some(0), "{report:#}");
    // The same key as 64 hex digits on the command line.
    let hex = keys::load_public(&ssh_public).unwrap().to_hex();
    let (code, report) = p.check(&envelope, &p.krate, Path::new(&hex), false);
    assert_eq!(code, Some(0), "{report:#}");
    assert_eq!(report["keyid"], keys::load_public(&ssh_public).unwrap().keyid());
}

/// RFC 8032 §7.1 TEST 1's key as PKCS#8 v1 PEM: a fixed key makes envelopes and reports stable.
const RFC8032_PEM: &str = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g\n-----END PRIVATE KEY-----\n";

/// The envelope for the fixture's crate under the RFC 8032 key, and `verify-attestation`'s report
/// on it and on a forgery. The crate comes from real cargo at the fixture's fixed commit, so the
/// bytes only change when the statement, the signing or the report does (PROV-STATEMENT, PROV-DSSE).
#[test]
fn prov_golden_envelope_and_reports() {
    let p = published();
    let key = p.sandbox.path.join("keys").join("rfc8032");
    std::fs::write(&key, RFC8032_PEM).unwrap();
    #[cfg(unix)]
    std::fs::set_permissions(&key, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
    let krate = p.krate.strip_prefix(&p.sandbox.path).unwrap();
    let envelope = Path::new("order-traps.intoto.jsonl");
    let attest =
        ["attest".as_ref(), krate.as_os_str(), "--key".as_ref(), key.as_os_str(), "-o".as_ref(), envelope.as_os_str()];
    let out = seal(&p.sandbox, &attest);
    assert_eq!(out.status.code(), Some(0), "{}", support::describe("attest", &out));
    let line = std::fs::read_to_string(p.sandbox.path.join(envelope)).unwrap();
    let decoded = String::from_utf8(payload(&serde_json::from_str(&line).unwrap())).unwrap();
    insta::assert_snapshot!("golden_statement", decoded);
    insta::assert_snapshot!("golden_envelope", line);

    let public = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
    let report = |envelope: &Path| {
        let args = [
            "verify-attestation".as_ref(),
            envelope.as_os_str(),
            "--crate".as_ref(),
            krate.as_os_str(),
            "--key".as_ref(),
            public.as_ref(),
        ];
        let out = seal(&p.sandbox, &args);
        format!("exit {:?}\n{}", out.status.code(), String::from_utf8_lossy(&out.stdout))
    };
    insta::assert_snapshot!("report_valid", report(envelope));
    let forged = line.replacen("\"sig\":\"", "\"sig\":\"A", 1).replacen("\"keyid\":", "\"x\":", 1);
    let bundle = Path::new("bundle.intoto.jsonl");
    std::fs::write(p.sandbox.path.join(bundle), format!("{forged}{line}")).unwrap();
    insta::assert_snapshot!("report_bundle", report(bundle));
}

/// PROV-BUNDLE against a peer, sigstore-js (pinned in `testdata/provenance/js/package-lock.json`):
/// the bundle `attest --bundle` writes verifies with the key in sigstore-js and here
/// (PROV-CHECK-BUNDLE), and a tampered copy is refused by both; a bundle sigstore-js's DSSE bundle
/// builder signs with the same key verifies here.
#[test]
fn prov_bundle_interop_with_sigstore_js() {
    let p = published();
    let bundle = p.sandbox.path.join("order.sigstore.json");
    let args = ["attest".as_ref(), p.krate.as_os_str(), "--key".as_ref(), p.key.as_os_str(), "--bundle".as_ref()];
    let made = seal(&p.sandbox, &[&args[..], &["-o".as_ref(), bundle.as_os_str()]].concat());
    assert_eq!(made.status.code(), Some(0), "{}", support::describe("attest --bundle", &made));
    let text = std::fs::read_to_string(&bundle).unwrap();
    assert!(text.starts_with(
        r#"{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json","verificationMaterial":{"publicKey":{"hint":""#
    ));

    let (code, report) = p.check(&bundle, &p.krate, &p.public, false);
    assert_eq!((code, &report["valid"]), (Some(0), &Value::Bool(true)), "{report:#}");
    assert!(report["envelopes"][0]["notes"][0].as_str().unwrap().starts_with("a Sigstore bundle"), "{report:#}");
    let js = support::sigstore_js().arg("verify").args([&bundle, &p.public, &p.krate]).output().unwrap();
    assert_eq!(js.status.code(), Some(0), "{}", support::describe("sigstore-js verify", &js));
    assert_eq!(String::from_utf8_lossy(&js.stdout).trim(), "verified");

    // The same bundle over a forged statement: both refuse it.
    let mut forged: Value = serde_json::from_str(&text).unwrap();
    let mut statement: Value = serde_json::from_slice(&payload(&forged["dsseEnvelope"])).unwrap();
    statement["predicate"]["runDetails"]["builder"]["id"] = "https://example.com/forger".into();
    forged["dsseEnvelope"]["payload"] = STANDARD.encode(statement.to_string()).into();
    let forged_path = p.sandbox.path.join("forged.sigstore.json");
    std::fs::write(&forged_path, forged.to_string()).unwrap();
    let (code, report) = p.check(&forged_path, &p.krate, &p.public, false);
    assert_eq!(code, Some(1), "{report:#}");
    assert_eq!(report["envelopes"][0]["checks"][1]["check"], "signature", "{report:#}");
    let js = support::sigstore_js().arg("verify").args([&forged_path, &p.public, &p.krate]).output().unwrap();
    assert_eq!(js.status.code(), Some(1), "{}", support::describe("sigstore-js verify", &js));
    assert!(
        String::from_utf8_lossy(&js.stderr).contains("SIGNATURE_ERROR"),
        "{}",
        support::describe("sigstore-js", &js)
    );

    // sigstore-js signs with the key (under its keyid as hint); cargo-seal verifies its bundle.
    let keyid = keys::load_public(&p.public).unwrap().keyid();
    let theirs = p.sandbox.path.join("sigstore-js.sigstore.json");
    let js = support::sigstore_js().arg("sign").arg(&p.key).arg(&keyid).args([&p.krate, &theirs]).output().unwrap();
    assert_eq!(js.status.code(), Some(0), "{}", support::describe("sigstore-js sign", &js));
    let (code, report) = p.check(&theirs, &p.krate, &p.public, false);
    assert_eq!((code, &report["valid"]), (Some(0), &Value::Bool(true)), "{report:#}");
    assert_eq!(
        report["envelopes"][0]["checks"][1]["detail"],
        format!("ed25519 over the DSSE pre-authentication encoding, keyid {keyid}")
    );
}
