//! Golden digests: fails when a dependency update (tar, flate2/zlib-rs, toml, cargo-util-schemas)
//! changes the bytes we write, even on a machine without cargo 1.95.
//!
//! Origin of the digests: the tree [`golden_tree`] builds was packaged by real cargo 1.95.0
//! (`cargo package --no-verify --exclude-lockfile`, outside any git repository) and the sha256 of
//! its `.crate` recorded below. When cargo 1.95 is the `cargo` on PATH the test also re-packages
//! with it and checks the recorded digest is still cargo's.

use std::path::Path;
use std::process::Command;

use sha2::{Digest, Sha256};

/// sha256 of `golden-0.1.0-rc.1+meta.crate` as cargo 1.95.0 writes it for [`golden_tree`].
const GOLDEN_CRATE_SHA256: &str = "762cc81c550513ec4907bf7a953bf1b7804b97d15936c3e7fa10a88d9dffc16b";

/// A package that exercises deflate on real volume (about 300 KiB of varied text), long paths with
/// a multi-byte character at the cut, an executable, and a normalized manifest with most tables.
fn golden_tree(root: &Path) {
    let write = |rel: &str, data: &[u8]| {
        let path = root.join(rel);
        std::fs::create_dir_all(path.parent().expect("has a parent")).expect("create dirs");
        std::fs::write(path, data).expect("write fixture file");
    };
    write(
        "Cargo.toml",
        br#"[package]
name = "golden"
version = "0.1.0-rc.1+meta"
edition = "2021"
description = """golden "digest" fixture with 'quotes'
and a second line"""
license = "MIT OR Apache-2.0"
keywords = ["b", "a"]
exclude = ["*.tmp"]

[package.metadata.z]
later = 1
earlier = [1, 2]

[features]
default = ["std"]
std = []

[lints.rust]
unsafe_code = { level = "forbid", priority = 1 }

[profile.release]
debug = true
"#,
    );
    write("src/lib.rs", b"//! golden\npub fn f() {}\n");
    write("src/main.rs", b"fn main() {}\n");
    write("README.md", b"# golden\n");
    write("notes.tmp", b"excluded\n");
    write(".hidden", b"dotfiles are skipped without git\n");
    let mut text = String::new();
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    for i in 0..12_000 {
        // xorshift: varied but reproducible content, so the deflate stream is non-trivial.
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        text.push_str(&format!("line {i:05} value {:016x} {}\n", x, "abcdefgh".repeat((x % 4) as usize)));
    }
    write("data/large.txt", text.as_bytes());
    let long = format!("deep/{}/é-tail.txt", "d".repeat(80));
    write(&long, b"long path\n");
    write("scripts/run.sh", b"#!/bin/sh\n");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let exec = root.join("scripts/run.sh");
        std::fs::set_permissions(exec, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
}

fn package(program: &Path, root: &Path, target: &Path) -> Vec<u8> {
    let output = Command::new(program)
        .args(["package", "--no-verify", "--exclude-lockfile", "--offline", "--target-dir"])
        .arg(target)
        .current_dir(root)
        .env("CARGO_TERM_COLOR", "never")
        .output()
        .expect("run packager");
    assert!(output.status.success(), "{} failed:\n{}", program.display(), String::from_utf8_lossy(&output.stderr));
    std::fs::read(target.join("package/golden-0.1.0-rc.1+meta.crate")).expect("read .crate")
}

fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn golden_digest_is_stable() {
    let scratch = tempfile::tempdir().expect("tempdir");
    let root = scratch.path().join("golden");
    golden_tree(&root);
    let ours = package(Path::new(env!("CARGO_BIN_EXE_cargo-seal")), &root, &scratch.path().join("seal"));
    assert_eq!(sha256(&ours), GOLDEN_CRATE_SHA256, "output bytes changed: did a pinned dependency change?");

    let cargo_is_195 = Command::new("cargo")
        .arg("--version")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).starts_with("cargo 1.95."));
    if cargo_is_195 {
        let theirs = package(Path::new("cargo"), &root, &scratch.path().join("cargo"));
        assert_eq!(sha256(&theirs), GOLDEN_CRATE_SHA256, "the recorded digest is no longer cargo 1.95's");
    }
}
