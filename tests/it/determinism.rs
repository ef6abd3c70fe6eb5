//! Determinism: the same commit packaged from two clones at different paths, with a different
//! umask, time zone and file mtimes, gives the same bytes (README "Determinism").

use std::path::Path;
use std::process::Command;

fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_AUTHOR_NAME", "Fixture")
        .env("GIT_AUTHOR_EMAIL", "fixture@example.com")
        .env("GIT_COMMITTER_NAME", "Fixture")
        .env("GIT_COMMITTER_EMAIL", "fixture@example.com")
        .env("GIT_AUTHOR_DATE", "2000-01-01 00:00:00 +0000")
        .env("GIT_COMMITTER_DATE", "2000-01-02 00:00:00 +0000")
        .status()
        .expect("run git");
    assert!(status.success(), "git {args:?} failed");
}

/// Packages the repository at `dir` under `umask` and time zone `tz`.
fn package(dir: &Path, target: &Path, umask: &str, tz: &str) -> Vec<u8> {
    let script =
        format!("umask {umask} && exec \"$0\" package --no-verify --exclude-lockfile --offline --target-dir \"$1\"");
    let output = Command::new("sh")
        .args(["-c", &script, env!("CARGO_BIN_EXE_cargo-seal")])
        .arg(target)
        .current_dir(dir)
        .env("TZ", tz)
        .output()
        .expect("run cargo-seal");
    assert!(output.status.success(), "cargo-seal failed:\n{}", String::from_utf8_lossy(&output.stderr));
    std::fs::read(target.join("package/det-1.0.0.crate")).expect("read .crate")
}

#[cfg(unix)]
#[test]
fn same_commit_same_bytes_anywhere() {
    use std::os::unix::fs::PermissionsExt;

    let scratch = tempfile::tempdir().expect("tempdir");
    let origin = scratch.path().join("origin");
    std::fs::create_dir_all(origin.join("src")).expect("mkdir");
    std::fs::write(origin.join("Cargo.toml"), "[package]\nname = \"det\"\nversion = \"1.0.0\"\nedition = \"2021\"\n")
        .expect("write");
    std::fs::write(origin.join("src/lib.rs"), "pub fn f() {}\n").expect("write");
    std::fs::write(origin.join("run.sh"), "#!/bin/sh\n").expect("write");
    std::fs::set_permissions(origin.join("run.sh"), std::fs::Permissions::from_mode(0o755)).expect("chmod");
    git(&origin, &["-c", "init.defaultBranch=main", "init", "-q"]);
    git(&origin, &["add", "-A"]);
    git(&origin, &["commit", "-q", "-m", "init"]);

    let deep = scratch.path().join("some/much/deeper/clone");
    std::fs::create_dir_all(deep.parent().expect("parent")).expect("mkdir");
    git(scratch.path(), &["clone", "-q", origin.to_str().expect("utf-8 path"), deep.to_str().expect("utf-8 path")]);
    // Different permissions beyond the owner-exec bit and different mtimes must not matter.
    std::fs::set_permissions(deep.join("src/lib.rs"), std::fs::Permissions::from_mode(0o600)).expect("chmod");
    let old = std::fs::File::options().write(true).open(deep.join("src/lib.rs")).expect("open");
    old.set_modified(std::time::UNIX_EPOCH + std::time::Duration::from_secs(981_173_106)).expect("set mtime");

    let a = package(&origin, &scratch.path().join("target-a"), "022", "UTC");
    let b = package(&deep, &scratch.path().join("elsewhere/target-b"), "077", "Asia/Kolkata");
    assert!(a == b, "packaging the same commit from two clones gave different bytes");
}
