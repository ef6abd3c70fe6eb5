//! `cargo seal verify` against crates that real `cargo package` (cargo 1.95) made from fixture
//! repositories during the test: the untouched crate is `identical`, an edited one `differs` and
//! names the file, a missing commit is an error, and no build script ever runs (VER-*).
#![allow(clippy::disallowed_methods, reason = "the shared harness reads and sanitizes the environment")]

#[allow(dead_code, reason = "tests/parity.rs uses the rest of the module")]
mod support;

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use support::{Fixture, Sandbox, Slot, Tool};

/// The `registry_deps` fixture with a build script that would leave `marker` beside the
/// repository if anything ran it, committed, and packaged by cargo: (sandbox, repo, crate, marker).
fn published() -> (Sandbox, PathBuf, PathBuf, PathBuf) {
    let sandbox = Sandbox::new("verify");
    let fixture = Fixture::load("registry_deps");
    let copy = sandbox.materialize(&fixture, Slot::A);
    let marker = sandbox.path.join("marker");
    let build = format!("fn main() {{ std::fs::write({:?}, \"ran\").unwrap(); }}\n", marker.display().to_string());
    std::fs::write(copy.root.join("build.rs"), build).unwrap();
    let git = |args: &[&str]| {
        let out = Command::new("git")
            .args(["-c", "user.name=fixture", "-c", "user.email=fixture@example.invalid", "-c", "commit.gpgsign=false"])
            .args(args)
            .current_dir(&copy.root)
            .output()
            .unwrap();
        assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    };
    git(&["commit", "-q", "-am", "a build script with a side effect"]);
    let out = sandbox.package(Tool::Cargo, &fixture, &[], &copy, &[]);
    assert!(out.status.success(), "{}", support::describe("cargo package", &out));
    let krate = support::crates_in(&copy.target).pop().expect("cargo wrote a .crate");
    (sandbox, copy.root, krate, marker)
}

fn verify(krate: &Path, repo: &Path, extra: &[&str]) -> (Option<i32>, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_cargo-seal"))
        .arg("verify")
        .arg(krate)
        .arg("--repo")
        .arg(repo)
        .args(extra)
        .env("CARGO_TERM_COLOR", "never")
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `krate` with `rel` (relative to the package root) replaced by `contents`, every header kept.
fn edited(krate: &Path, rel: &str, contents: &[u8]) -> PathBuf {
    let mut tar = Vec::new();
    flate2::read::GzDecoder::new(std::fs::File::open(krate).unwrap()).read_to_end(&mut tar).unwrap();
    let mut archive = tar::Archive::new(tar.as_slice());
    let mut builder = tar::Builder::new(Vec::new());
    for entry in archive.entries().unwrap() {
        let mut entry = entry.unwrap();
        let path = entry.path().unwrap().into_owned();
        let mut header = entry.header().clone();
        let mut data = Vec::new();
        entry.read_to_end(&mut data).unwrap();
        if path.ends_with(rel) {
            data = contents.to_vec();
        }
        header.set_size(data.len() as u64);
        header.set_cksum();
        builder.append_data(&mut header, &path, data.as_slice()).unwrap();
    }
    let out = krate.with_extension("edited.crate");
    let mut gz = flate2::write::GzEncoder::new(std::fs::File::create(&out).unwrap(), flate2::Compression::best());
    std::io::Write::write_all(&mut gz, &builder.into_inner().unwrap()).unwrap();
    gz.finish().unwrap();
    out
}

#[test]
fn ver_cargo_made_crate_is_identical_and_nothing_runs() {
    let (_sandbox, repo, krate, marker) = published();
    let (code, stdout, stderr) = verify(&krate, &repo, &[]);
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    assert!(stdout.contains("verdict: identical"), "{stdout}");
    assert!(!marker.exists(), "verify ran the build script");

    let (code, stdout, _) = verify(&krate, &repo, &["--format", "json"]);
    assert_eq!(code, Some(0));
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["verdict"], "identical");
    assert_eq!(report["content_digest"], report["rebuilt"]["content_digest"]);
}

#[test]
fn ver_edited_file_differs_and_is_named() {
    let (_sandbox, repo, krate, _) = published();
    let tampered = edited(&krate, "src/lib.rs", b"pub fn f() { /* injected */ }\n");
    let (code, stdout, _) = verify(&tampered, &repo, &[]);
    assert_eq!(code, Some(1), "{stdout}");
    assert!(stdout.contains("verdict: differs"), "{stdout}");
    assert!(stdout.contains("content      registry-deps-0.3.0/src/lib.rs"), "{stdout}");
    assert!(stdout.contains("+pub fn f() { /* injected */ }"), "{stdout}");
}

#[test]
fn ver_missing_commit_exits_2() {
    let (_sandbox, repo, krate, _) = published();
    let (code, _, stderr) = verify(&krate, &repo, &["--rev", "0123456789012345678901234567890123456789"]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("is not in the repository"), "{stderr}");
}
