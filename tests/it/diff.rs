//! `cargo seal inspect` and `cargo seal diff` on archives made by the library's writer: verdicts,
//! exit codes (0 at or above `--accept`, 1 below, 2 unreadable) and the JSON reports (CMP-*).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use cargo_seal::archive;
use cargo_seal::plan::{Contents, Entry, Generated, Plan};

const FILES: &[(&str, &str)] = &[
    ("Cargo.toml", "[package]\nname = \"demo\"\nversion = \"1.0.0\"\n"),
    ("Cargo.lock", "version = 4\n"),
    ("src/lib.rs", "pub fn answer() -> u32 {\n    42\n}\n"),
];

/// Writes `files` as `<dir>/<file>` with the packager's writer.
fn write_crate(dir: &Path, file: &str, files: &[(&str, &str)]) -> PathBuf {
    let entries = files
        .iter()
        .map(|(path, data)| Entry {
            rel_path: path.into(),
            contents: Contents::Generated { kind: Generated::Manifest, data: data.as_bytes().to_vec() },
        })
        .collect();
    let path = dir.join(file);
    let out = std::fs::File::create(&path).unwrap();
    archive::write(&Plan::new("demo-1.0.0".into(), entries), out).unwrap();
    path
}

fn seal(dir: &Path, args: &[&str]) -> (Option<i32>, String, String) {
    let Output { status, stdout, stderr } =
        Command::new(env!("CARGO_BIN_EXE_cargo-seal")).args(args).current_dir(dir).output().expect("run");
    (status.code(), String::from_utf8_lossy(&stdout).into_owned(), String::from_utf8_lossy(&stderr).into_owned())
}

fn with(replaced: (&'static str, &'static str)) -> Vec<(&'static str, &'static str)> {
    FILES.iter().map(|f| if f.0 == replaced.0 { replaced } else { *f }).collect()
}

#[test]
fn cmp_identical_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    write_crate(dir.path(), "a.crate", FILES);
    write_crate(dir.path(), "b.crate", FILES);
    let (code, stdout, _) = seal(dir.path(), &["diff", "a.crate", "b.crate"]);
    assert_eq!((code, stdout.as_str()), (Some(0), "verdict: identical\n"));
}

#[test]
fn cmp_edited_source_exits_1_with_a_unified_diff() {
    let dir = tempfile::tempdir().unwrap();
    write_crate(dir.path(), "a.crate", FILES);
    write_crate(dir.path(), "b.crate", &with(("src/lib.rs", "pub fn answer() -> u32 {\n    43\n}\n")));
    let (code, stdout, _) = seal(dir.path(), &["diff", "a.crate", "b.crate", "--accept", "same-sources"]);
    assert_eq!(code, Some(1));
    insta::assert_snapshot!(stdout);
}

#[test]
fn cmp_generated_only_meets_accept_same_sources() {
    let dir = tempfile::tempdir().unwrap();
    write_crate(dir.path(), "a.crate", FILES);
    write_crate(dir.path(), "b.crate", &with(("Cargo.lock", "version = 3\n")));
    assert_eq!(seal(dir.path(), &["diff", "a.crate", "b.crate"]).0, Some(1));
    let (code, stdout, _) =
        seal(dir.path(), &["diff", "a.crate", "b.crate", "--accept", "same-sources", "--format", "json"]);
    assert_eq!(code, Some(0));
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["verdict"], "same-sources");
    assert_eq!(report["differences"][0]["path"], "demo-1.0.0/Cargo.lock");
    assert_eq!(report["differences"][0]["kind"], "content");
    assert_eq!(report["a"]["file"], "a.crate");
}

#[test]
fn unreadable_crate_exits_2_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    write_crate(dir.path(), "a.crate", FILES);
    std::fs::write(dir.path().join("junk.crate"), "not gzip").unwrap();
    let (code, _, stderr) = seal(dir.path(), &["diff", "a.crate", "junk.crate"]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("failed to read `junk.crate`"), "{stderr}");
    let (code, _, stderr) = seal(dir.path(), &["inspect", "missing.crate"]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("failed to read `missing.crate`"), "{stderr}");
}

#[test]
fn json_errors_are_documents_too() {
    let dir = tempfile::tempdir().unwrap();
    write_crate(dir.path(), "a.crate", FILES);
    let (code, stdout, stderr) = seal(dir.path(), &["diff", "a.crate", "missing.crate", "--format", "json"]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("failed to read `missing.crate`"), "{stderr}");
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["error"], "failed to read `missing.crate`");
    assert_eq!(report["causes"][0], "the file could not be opened");
}

#[test]
fn inspect_reports_entries_and_digest() {
    let dir = tempfile::tempdir().unwrap();
    write_crate(dir.path(), "a.crate", FILES);
    let (code, stdout, _) = seal(dir.path(), &["inspect", "a.crate", "--format", "json"]);
    assert_eq!(code, Some(0));
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    insta::assert_snapshot!(serde_json::to_string_pretty(&report).unwrap());
}
