//! PROV-SIGSTORE: the Sigstore conformance suite's bundle-verify cases (vendored under
//! `testdata/sigstore-conformance/`, with their license and source commit), each run through
//! `cargo seal verify-bundle` with the arguments the suite's harness gives (its `test/client.py`):
//! once with the artifact's path and once with its `sha256:` digest. A case named `*_fail` must be
//! refused (exit 1 or 2), every other must verify (exit 0).

use std::path::{Path, PathBuf};
use std::process::Command;

use sha2::Digest as _;

/// The harness's identity and issuer when a case names none.
const IDENTITY: &str = "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main";
const ISSUER: &str = "https://token.actions.githubusercontent.com";

fn cases() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/sigstore-conformance/bundle-verify");
    let mut cases: Vec<PathBuf> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).filter(|p| p.is_dir()).collect();
    cases.sort();
    cases
}

/// `verify-bundle`'s arguments for `case`, as the harness builds them; `digest` names the artifact
/// by its sha256.
fn arguments(case: &Path, digest: bool) -> Vec<String> {
    let text = |name: &str| std::fs::read_to_string(case.join(name)).ok().map(|t| t.trim().to_owned());
    let mut args =
        vec!["verify-bundle".to_owned(), "--bundle".into(), case.join("bundle.sigstore.json").display().to_string()];
    match case.join("key.pub").is_file() {
        true => args.extend(["--key".into(), case.join("key.pub").display().to_string()]),
        false => args.extend([
            "--certificate-identity".into(),
            text("identity").unwrap_or_else(|| IDENTITY.into()),
            "--certificate-oidc-issuer".into(),
            text("issuer").unwrap_or_else(|| ISSUER.into()),
        ]),
    }
    if case.join("trusted_root.json").is_file() {
        args.extend(["--trusted-root".into(), case.join("trusted_root.json").display().to_string()]);
    }
    let artifact = match case.join("artifact").is_file() {
        true => case.join("artifact"),
        false => case.parent().unwrap().join("a.txt"),
    };
    args.push(match digest {
        true => format!("sha256:{:x}", sha2::Sha256::digest(std::fs::read(&artifact).unwrap())),
        false => artifact.display().to_string(),
    });
    args
}

#[test]
fn prov_sigstore_conformance_bundle_verify_cases() {
    let cases = cases();
    assert_eq!(cases.len(), 70, "the vendored suite");
    let mut wrong = Vec::new();
    let mut runs = 0;
    for case in &cases {
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        for digest in [false, true] {
            let out = Command::new(env!("CARGO_BIN_EXE_cargo-seal")).args(arguments(case, digest)).output().unwrap();
            runs += 1;
            let code = out.status.code();
            let right = match name.ends_with("_fail") {
                true => matches!(code, Some(1 | 2)),
                false => code == Some(0),
            };
            if !right {
                wrong.push(format!(
                    "{name} ({}): exit {code:?}: {}",
                    if digest { "digest" } else { "path" },
                    String::from_utf8_lossy(&out.stderr).trim()
                ));
            }
        }
    }
    assert_eq!(runs, 140);
    assert!(wrong.is_empty(), "{} of {runs} runs went wrong:\n{}", wrong.len(), wrong.join("\n"));
}

/// PROV-SIGSTORE on a real attestation: npm's provenance of `sigstore@2.0.0` (a DSSE bundle over a
/// sha512 subject, `testdata/sigstore-real/`), verified offline against the shipped public-good
/// root; a tampered copy of the package and another identity are refused, each saying why.
#[test]
fn prov_sigstore_real_npm_provenance_verifies_offline() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/sigstore-real");
    let bundle = dir.join("npm-sigstore-2.0.0.sigstore.json");
    let workflow = "https://github.com/sigstore/sigstore-js/.github/workflows/release.yml@refs/heads/main";
    let verify = |identity: &str, subject: &Path| {
        let out = Command::new(env!("CARGO_BIN_EXE_cargo-seal"))
            .args(["verify-bundle", "--bundle", bundle.to_str().unwrap(), "--certificate-identity", identity])
            .args(["--certificate-oidc-issuer", ISSUER, subject.to_str().unwrap()])
            .env("CARGO_TERM_COLOR", "never")
            .output()
            .unwrap();
        (out.status.code(), String::from_utf8_lossy(&out.stderr).replace(dir.to_str().unwrap(), "<dir>"))
    };
    let package = dir.join("sigstore-2.0.0.tgz");
    let (code, said) = verify(workflow, &package);
    assert_eq!(code, Some(0), "{said}");
    assert!(said.contains(&format!("signed by {workflow} ({ISSUER}), logged at 2023-08-18T16:05:35Z")), "{said}");

    // The statement names the package's sha512: the digest alone is enough.
    let sha512 = format!("sha512:{:x}", sha2::Sha512::digest(std::fs::read(&package).unwrap()));
    let (code, said) = verify(workflow, Path::new(&sha512));
    assert_eq!(code, Some(0), "{said}");
    let (code, said) = verify(workflow, Path::new(&sha512.replace("sha512:4", "sha512:5")));
    assert_eq!(code, Some(1), "{said}");
    let (code, said) = verify(workflow, Path::new("sha512:46d4"));
    assert_eq!(code, Some(2), "{said}");
    assert!(said.contains("is neither `sha256:` and 64 hex digits nor `sha512:` and 128"), "{said}");

    let tmp = tempfile::tempdir().unwrap();
    let tampered = tmp.path().join("sigstore-2.0.0.tgz");
    let mut bytes = std::fs::read(&package).unwrap();
    bytes[100] ^= 1;
    std::fs::write(&tampered, bytes).unwrap();
    let (code, said) = verify(workflow, &tampered);
    assert_eq!(code, Some(1), "{said}");
    assert!(said.contains("artifact hash does not match any subject"), "{said}");

    let other = "https://github.com/sigstore/sigstore-js/.github/workflows/other.yml@refs/heads/main";
    let (code, said) = verify(other, &package);
    assert_eq!(code, Some(1), "{said}");
    assert!(said.contains(&format!("identity mismatch: expected {other}, got {workflow}")), "{said}");
}

/// PROV-SIGSTORE-IDENTITY: `gh attestation verify`'s shorthands, checked against the certificate's
/// Fulcio extensions of the real npm provenance: each that holds verifies, each that does not is
/// refused with both values, and no identity at all is an error (a policy must name a signer).
#[test]
fn prov_sigstore_github_identity_policy() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/sigstore-real");
    let verify = |policy: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_cargo-seal"))
            .args(["verify-bundle", "--bundle", dir.join("npm-sigstore-2.0.0.sigstore.json").to_str().unwrap()])
            .args(policy)
            .arg(dir.join("sigstore-2.0.0.tgz"))
            .env("CARGO_TERM_COLOR", "never")
            .output()
            .unwrap();
        (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
    };
    // What was proven, in both formats (stdout).
    let report = |format: &str| {
        let out = Command::new(env!("CARGO_BIN_EXE_cargo-seal"))
            .args(["verify-bundle", "--bundle", dir.join("npm-sigstore-2.0.0.sigstore.json").to_str().unwrap()])
            .args(["--repo", "sigstore/sigstore-js", "--format", format])
            .arg(dir.join("sigstore-2.0.0.tgz"))
            .output()
            .unwrap();
        String::from_utf8(out.stdout).unwrap().replace(dir.to_str().unwrap(), "<dir>")
    };
    insta::assert_snapshot!("npm-proven-human", report("human"));
    insta::assert_snapshot!("npm-proven-json", report("json"));
    let commit = "f0b49a04e5a62250e0f60fb128004a73110fe311";
    for holds in [
        &["--owner", "sigstore"][..],
        &["--repo", "sigstore/sigstore-js"],
        &["--signer-workflow", "sigstore/sigstore-js/.github/workflows/release.yml", "--source-ref", "refs/heads/main"],
        &["--repo", "sigstore/sigstore-js", "--source-digest", commit],
        &["--certificate-identity-regexp", "^https://github.com/sigstore/", "--certificate-oidc-issuer", ISSUER],
    ] {
        let (code, said) = verify(holds);
        assert_eq!(code, Some(0), "{holds:?}: {said}");
    }
    for (fails, named) in [
        (
            &["--owner", "someone"][..],
            "the certificate's source repository owner is `https://github.com/sigstore`, `--owner` wants `https://github.com/someone`",
        ),
        (
            &["--repo", "sigstore/sigstore-go"],
            "the certificate's source repository is `https://github.com/sigstore/sigstore-js`, `--repo` wants `https://github.com/sigstore/sigstore-go`",
        ),
        (
            &["--repo", "sigstore/sigstore-js", "--source-ref", "refs/tags/v2.0.0"],
            "the certificate's source ref is `refs/heads/main`, `--source-ref` wants `refs/tags/v2.0.0`",
        ),
        (&["--owner", "sigstore", "--certificate-oidc-issuer", "https://accounts.google.com"], "issuer"),
    ] {
        let (code, said) = verify(fails);
        assert_eq!(code, Some(1), "{fails:?}: {said}");
        assert!(said.contains(named), "{fails:?}: {said}");
    }
    let (code, said) = verify(&["--source-ref", "refs/heads/main"]);
    assert_eq!(code, Some(2), "{said}");
    assert!(said.contains("no identity to check the certificate against"), "{said}");
}

/// PROV-SIGSTORE with a Sigstore instance of the test's own (`support::sigstore_pki`): an honest
/// bundle verifies against its `trusted_root.json`, which lists no CT log (so no SCT is asked
/// for, as with GitHub's instance); each forgery is refused with a reason that names what failed:
/// another file, another identity, another issuer, an entry logged after the certificate expired,
/// and the log entry of another artifact.
#[test]
fn prov_sigstore_own_instance_and_forgeries() {
    use crate::support::sigstore_pki::{Claims, Forgery, Pki, statement};
    let tmp = tempfile::tempdir().unwrap();
    let pki = Pki::new();
    let root = tmp.path().join("trusted_root.json");
    std::fs::write(&root, pki.trusted_root()).unwrap();
    let artifact = tmp.path().join("demo-0.1.0.crate");
    std::fs::write(&artifact, b"not really a crate").unwrap();
    let sha256 = format!("{:x}", sha2::Sha256::digest(b"not really a crate"));
    let claims = Claims::github("https://github.com/owner/demo", "0123456789abcdef0123456789abcdef01234567");
    let write = |name: &str, text: String| {
        let path = tmp.path().join(name);
        std::fs::write(&path, text).unwrap();
        path
    };
    let honest =
        write("honest.json", pki.bundle(&statement("demo-0.1.0.crate", &sha256, &claims), &claims, Forgery::default()));
    let verify = |bundle: &Path, policy: &[&str], subject: &Path| {
        let out = Command::new(env!("CARGO_BIN_EXE_cargo-seal"))
            .args(["verify-bundle", "--bundle", bundle.to_str().unwrap(), "--trusted-root", root.to_str().unwrap()])
            .args(policy)
            .arg(subject)
            .env("CARGO_TERM_COLOR", "never")
            .output()
            .unwrap();
        (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
    };
    let (code, said) = verify(&honest, &["--repo", "owner/demo"], &artifact);
    assert_eq!(code, Some(0), "{said}");
    assert!(
        said.contains(&format!("signed by {} ({ISSUER}), logged at 2026-01-01T00:01:00Z", claims.identity())),
        "{said}"
    );

    let other = write("other.crate", "another file".to_owned());
    let (code, said) = verify(&honest, &["--repo", "owner/demo"], &other);
    assert_eq!(code, Some(1), "{said}");
    assert!(said.contains("artifact hash does not match any subject"), "{said}");

    let (code, said) = verify(
        &honest,
        &[
            "--certificate-identity",
            "https://github.com/owner/demo/x.yml@refs/heads/main",
            "--certificate-oidc-issuer",
            ISSUER,
        ],
        &artifact,
    );
    assert_eq!(code, Some(1), "{said}");
    assert!(said.contains("identity mismatch"), "{said}");

    let (code, said) =
        verify(&honest, &["--repo", "owner/demo", "--certificate-oidc-issuer", "https://gitlab.com"], &artifact);
    assert_eq!(code, Some(1), "{said}");
    assert!(said.contains("issuer mismatch"), "{said}");

    let late = Forgery { logged_after: Some(700) };
    let expired = write("expired.json", pki.bundle(&statement("demo-0.1.0.crate", &sha256, &claims), &claims, late));
    let (code, said) = verify(&expired, &["--repo", "owner/demo"], &artifact);
    assert_eq!(code, Some(1), "{said}");
    assert!(said.contains("certificate chain is invalid") && said.contains("CertExpired"), "{said}");

    // The log entry of another artifact's bundle, moved into the honest one.
    let elsewhere = pki.bundle(&statement("other.crate", &"0".repeat(64), &claims), &claims, Forgery::default());
    let mut swapped: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&honest).unwrap()).unwrap();
    let elsewhere: serde_json::Value = serde_json::from_str(&elsewhere).unwrap();
    swapped["verificationMaterial"]["tlogEntries"] = elsewhere["verificationMaterial"]["tlogEntries"].clone();
    let swapped = write("swapped.json", swapped.to_string());
    let (code, said) = verify(&swapped, &["--repo", "owner/demo"], &artifact);
    assert_eq!(code, Some(1), "{said}");
    assert!(said.contains("log entry does not match the bundle: DSSE payload hash mismatch"), "{said}");

    // JSON lines of roots, as `gh attestation trusted-root` writes them: a bundle verifies when it
    // does against one of them (the public-good root for npm's, this instance's for its own).
    let public_good: serde_json::Value =
        serde_json::from_str(sigstore_trust_root::SIGSTORE_PRODUCTION_TRUSTED_ROOT).unwrap();
    let roots = write("roots.jsonl", format!("{public_good}\n{}\n", pki.trusted_root()));
    let real = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/sigstore-real");
    for (bundle, policy, subject) in [
        (honest.clone(), "owner/demo", artifact.clone()),
        (real.join("npm-sigstore-2.0.0.sigstore.json"), "sigstore/sigstore-js", real.join("sigstore-2.0.0.tgz")),
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_cargo-seal"))
            .args(["verify-bundle", "--bundle", bundle.to_str().unwrap(), "--trusted-root", roots.to_str().unwrap()])
            .args(["--repo", policy])
            .arg(subject)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    }
    let out = Command::new(env!("CARGO_BIN_EXE_cargo-seal"))
        .args(["verify-bundle", "--bundle", honest.to_str().unwrap(), "--trusted-root", roots.to_str().unwrap()])
        .args(["--repo", "owner/demo"])
        .arg(&other)
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{said}");
    assert!(
        said.contains("no trusted root verifies it (root 1: ") && said.contains("; root 2: artifact mismatch"),
        "{said}"
    );
}

/// A crate real cargo packaged (cargo 1.95, `--no-verify`) from a one-commit repository whose
/// manifest names `https://github.com/owner/demo`: (sandbox, repository, crate, commit).
fn github_crate() -> (crate::support::Sandbox, PathBuf, PathBuf, String) {
    use crate::support::{self, Sandbox, Tool};
    let sandbox = Sandbox::new("attested");
    let repo = sandbox.path.join("demo");
    support::write(
        &repo,
        "Cargo.toml",
        "[package]\nname = \"demo\"\nversion = \"0.1.0\"\nedition = \"2021\"\nlicense = \"MIT\"\n\
         description = \"attested\"\nrepository = \"https://github.com/owner/demo\"\n",
    );
    support::write(&repo, "src/lib.rs", "pub fn demo() {}\n");
    support::git(&repo, &["init", "-q"]);
    support::git(&repo, &["add", "."]);
    support::git(&repo, &["commit", "-q", "-m", "demo"]);
    let commit = support::git(&repo, &["rev-parse", "HEAD"]);
    let target = sandbox.path.join("target");
    let out = sandbox.run_in(
        Tool::Cargo,
        &repo,
        &["--no-verify", "--offline", "--target-dir", target.to_str().unwrap()],
        &[],
    );
    assert!(out.status.success(), "{}", support::describe("cargo package", &out));
    let krate = support::crates_in(&target).pop().expect("cargo wrote a .crate");
    (sandbox, repo, krate, commit)
}

/// PROV-SIGSTORE-BIND, the issue's acceptance 3: `verify --attestation` on a crate attested in
/// the test by the test's own Sigstore instance. A certificate naming the crate's repository and
/// commit is proven and the crate rebuilt `identical`, one report saying both; a certificate of
/// another repository, or of another commit, is refused with both names and nothing rebuilt; a
/// signer flag without a bundle is an error.
#[test]
fn prov_sigstore_verify_attestation_binds_repository_and_commit() {
    use crate::support::sigstore_pki::{Claims, Forgery, Pki, statement};
    let (sandbox, repo, krate, commit) = github_crate();
    let pki = Pki::new();
    let root = sandbox.path.join("trusted_root.json");
    std::fs::write(&root, pki.trusted_root()).unwrap();
    let sha256 = format!("{:x}", sha2::Sha256::digest(std::fs::read(&krate).unwrap()));
    let attest = |name: &str, claims: &Claims| {
        let path = sandbox.path.join(name);
        std::fs::write(&path, pki.bundle(&statement("demo-0.1.0.crate", &sha256, claims), claims, Forgery::default()))
            .unwrap();
        path
    };
    let verify = |bundle: &Path, extra: &[&str]| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_cargo-seal"));
        cmd.arg("verify").arg(&krate).arg("--repo").arg(&repo).arg("--offline");
        cmd.arg("--attestation").arg(bundle).arg("--trusted-root").arg(&root).args(extra);
        sandbox.pin_tool_env(&mut cmd);
        let out = cmd.output().unwrap();
        let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).replace(sandbox.path.to_str().unwrap(), "<tmp>");
        (out.status.code(), text(&out.stdout), text(&out.stderr))
    };

    let honest = attest("honest.sigstore.json", &Claims::github("https://github.com/owner/demo", &commit));
    let (code, stdout, stderr) = verify(&honest, &[]);
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    let line = format!(
        "attested: signed by https://github.com/owner/demo/.github/workflows/release.yml@refs/tags/v0.1.0 \
         ({ISSUER}) from https://github.com/owner/demo at commit {commit}, logged at 2026-01-01T00:01:00Z"
    );
    assert!(stdout.contains(&line), "{stdout}");
    insta::assert_snapshot!("verify-attested-human", stdout);
    let (code, stdout, stderr) = verify(&honest, &["--format", "json"]);
    assert_eq!(code, Some(0), "{stderr}");
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["verdict"], "identical");
    assert_eq!(report["attestation"]["verified"], true);
    assert_eq!(report["attestation"]["proven"]["source_commit"], commit.as_str());
    // Every constraint given must hold besides the binding.
    let (code, _, stderr) = verify(&honest, &["--source-ref", "refs/tags/v0.2.0"]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains("the certificate's source ref is `refs/tags/v0.1.0`, `--source-ref` wants `refs/tags/v0.2.0`"),
        "{stderr}"
    );

    let elsewhere = attest("elsewhere.sigstore.json", &Claims::github("https://github.com/mallory/demo", &commit));
    let (code, stdout, stderr) = verify(&elsewhere, &[]);
    assert_eq!(code, Some(1), "{stdout}{stderr}");
    assert!(
        stderr.contains(
            "does not attest the crate: the certificate's source repository is `https://github.com/mallory/demo`, \
             but the crate's `repository` is `https://github.com/owner/demo`"
        ),
        "{stderr}"
    );
    assert!(stdout.is_empty(), "nothing rebuilt: {stdout}");

    let other_commit =
        attest("other-commit.sigstore.json", &Claims::github("https://github.com/owner/demo", &"e".repeat(40)));
    let (code, _, stderr) = verify(&other_commit, &[]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "the certificate's source commit is `{}`, but the crate's `.cargo_vcs_info.json` records `{commit}`",
            "e".repeat(40)
        )),
        "{stderr}"
    );

    // `verify-attestation` on the same bundles, with the rebuild: one verdict each.
    let check = |bundle: &Path, format: &str| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_cargo-seal"));
        cmd.arg("verify-attestation").arg(bundle).arg("--crate").arg(&krate).arg("--repo").arg(&repo);
        cmd.args(["--offline", "--format", format]).arg("--trusted-root").arg(&root);
        sandbox.pin_tool_env(&mut cmd);
        let out = cmd.output().unwrap();
        let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).replace(sandbox.path.to_str().unwrap(), "<tmp>");
        (out.status.code(), text(&out.stdout), text(&out.stderr))
    };
    let (code, stdout, stderr) = check(&honest, "human");
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    insta::assert_snapshot!("verify-attestation-bundle-human", stdout);
    let (code, stdout, stderr) = check(&elsewhere, "json");
    assert_eq!(code, Some(1), "{stdout}{stderr}");
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["valid"], false);
    assert!(report["reason"].as_str().unwrap().contains("`https://github.com/mallory/demo`"), "{report}");
    assert_eq!(report["rebuild"], serde_json::Value::Null, "nothing rebuilt");

    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cargo-seal"));
    cmd.arg("verify").arg(&krate).arg("--repo").arg(&repo).args(["--owner", "owner"]);
    sandbox.pin_tool_env(&mut cmd);
    let out = cmd.output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("`--owner` says who must have signed an attestation: give one with `--attestation BUNDLE`")
    );
}

/// PROV-CHECK-BUNDLE with a key of another algorithm: the conformance suite's managed-key bundles
/// (ECDSA P-256, logged in Rekor) checked by `verify-attestation --key` against the file they
/// sign, through the Sigstore verifier; another P-256 key is refused, an unreadable key an error.
#[test]
fn prov_sigstore_verify_attestation_with_an_ecdsa_key() {
    let cases = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/sigstore-conformance/bundle-verify");
    let check = |case: &str, root: bool, key: Option<&Path>| {
        let dir = cases.join(case);
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_cargo-seal"));
        cmd.arg("verify-attestation").arg(dir.join("bundle.sigstore.json"));
        let key = key.map_or_else(|| dir.join("key.pub"), Path::to_owned);
        cmd.arg("--crate").arg(cases.join("a.txt")).arg("--key").arg(key);
        if root {
            cmd.arg("--trusted-root").arg(dir.join("trusted_root.json"));
        }
        let out = cmd.env("CARGO_TERM_COLOR", "never").output().unwrap();
        let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
        (out.status.code(), text(&out.stdout) + "--- stderr ---\n" + &text(&out.stderr))
    };
    let (code, said) = check("managed-key-happy-path", false, None);
    assert_eq!(code, Some(0), "{said}");
    assert!(said.contains("valid\n--- stderr") && said.contains("signed by the key, logged at"), "{said}");
    let (code, said) = check("managed-key-and-trusted-root", true, None);
    assert_eq!(code, Some(0), "{said}");
    // Another P-256 key, made by OpenSSL.
    let tmp = tempfile::tempdir().unwrap();
    let other = tmp.path().join("other.pub");
    let made = Command::new("sh")
        .arg("-c")
        .arg(format!("openssl ecparam -genkey -name prime256v1 | openssl ec -pubout -out '{}'", other.display()))
        .output()
        .unwrap();
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    let (code, said) = check("managed-key-happy-path", false, Some(&other));
    assert_eq!(code, Some(1), "{said}");
    assert!(said.starts_with("crate: ") && said.contains("\ninvalid: "), "{said}");
    // An unreadable key is an error, not a refusal.
    let (code, said) = check("managed-key-wrong-key_fail", false, None);
    assert_eq!(code, Some(2), "{said}");
}

/// `verify-attestation --subject`: a Sigstore bundle about any file or digest (npm's real
/// provenance here), checked against the signer flags alone; another owner is refused, and an
/// ed25519 key, which checks statements about crates, is sent to `--crate`.
#[test]
fn prov_sigstore_verify_attestation_of_any_subject() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/sigstore-real");
    let bundle = dir.join("npm-sigstore-2.0.0.sigstore.json");
    let package = dir.join("sigstore-2.0.0.tgz");
    let sha512 = format!("sha512:{:x}", sha2::Sha512::digest(std::fs::read(&package).unwrap()));
    let check = |subject: &str, extra: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_cargo-seal"))
            .arg("verify-attestation")
            .arg(&bundle)
            .args(["--subject", subject])
            .args(extra)
            .env("CARGO_TERM_COLOR", "never")
            .output()
            .unwrap();
        let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).replace(dir.to_str().unwrap(), "<dir>");
        (out.status.code(), text(&out.stdout), text(&out.stderr))
    };
    let (code, stdout, stderr) = check(package.to_str().unwrap(), &["--owner", "sigstore"]);
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    assert!(
        stdout.contains("predicate type: https://slsa.dev/provenance/v1\n") && stdout.ends_with("valid\n"),
        "{stdout}"
    );
    let (code, stdout, _) = check(&sha512, &["--owner", "sigstore", "--format", "json"]);
    assert_eq!(code, Some(0), "{stdout}");
    let (code, stdout, _) = check(&sha512, &["--owner", "someone"]);
    assert_eq!(code, Some(1), "{stdout}");
    assert!(
        stdout.contains("invalid: the certificate's source repository owner is `https://github.com/sigstore`"),
        "{stdout}"
    );
    let ed25519 = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
    let (code, _, stderr) = check(&sha512, &["--key", ed25519]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("an ed25519 key checks cargo-seal's statements, which are about a crate"), "{stderr}");
}
