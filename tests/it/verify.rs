//! `cargo seal verify` against crates that real `cargo package` (cargo 1.95) made from fixture
//! repositories during the test: the untouched crate is `identical`, an edited one `differs` and
//! names the file, a missing commit is an error, and no build script ever runs (VER-*).

use crate::support;

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::{Fixture, Sandbox, Slot, Tool};

/// The `registry_deps` fixture with a build script that would leave `marker` beside the
/// repository if anything ran it and a `NOTES.txt`, committed, and packaged by cargo:
/// (sandbox, repo, crate, marker).
fn published() -> (Sandbox, PathBuf, PathBuf, PathBuf) {
    let sandbox = Sandbox::new("verify");
    let fixture = Fixture::load("registry_deps");
    let copy = sandbox.materialize(&fixture, Slot::A);
    let marker = sandbox.path.join("marker");
    let build = format!("fn main() {{ std::fs::write({:?}, \"ran\").unwrap(); }}\n", marker.display().to_string());
    std::fs::write(copy.root.join("build.rs"), build).unwrap();
    std::fs::write(copy.root.join("NOTES.txt"), "notes only this fixture has\n").unwrap();
    let git = |args: &[&str]| {
        let out = Command::new("git")
            .args(["-c", "user.name=fixture", "-c", "user.email=fixture@example.invalid", "-c", "commit.gpgsign=false"])
            .args(args)
            .current_dir(&copy.root)
            .output()
            .unwrap();
        assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    };
    git(&["add", "NOTES.txt"]);
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

/// One entry of a repacked crate: its header, kept byte for byte unless an edit changes it, and
/// its data.
struct Member {
    header: tar::Header,
    path: String,
    data: Vec<u8>,
}

/// `krate` unpacked, changed by `edit`, and packed again at compression `level`. Headers are
/// written as they were (`Builder::append`), so only what `edit` touches differs; fixture paths
/// are short, so no entry needs a long-name record.
fn repack(krate: &Path, name: &str, level: u32, edit: impl FnOnce(&mut Vec<Member>)) -> PathBuf {
    let mut tar = Vec::new();
    flate2::read::GzDecoder::new(std::fs::File::open(krate).unwrap()).read_to_end(&mut tar).unwrap();
    let mut members: Vec<Member> = tar::Archive::new(tar.as_slice())
        .entries()
        .unwrap()
        .map(|entry| {
            let mut entry = entry.unwrap();
            let path = entry.path().unwrap().to_str().unwrap().to_owned();
            let mut data = Vec::new();
            entry.read_to_end(&mut data).unwrap();
            Member { header: entry.header().clone(), path, data }
        })
        .collect();
    edit(&mut members);
    let mut builder = tar::Builder::new(Vec::new());
    for member in &mut members {
        member.header.set_size(member.data.len() as u64);
        member.header.set_cksum();
        builder.append(&member.header, member.data.as_slice()).unwrap();
    }
    let out = krate.with_file_name(format!("{name}.crate"));
    // cargo names the original file in the gzip header (ARC-GZIP); so does the repack.
    let file_name = krate.file_name().unwrap().as_encoded_bytes();
    let mut gz = flate2::GzBuilder::new()
        .filename(file_name)
        .write(std::fs::File::create(&out).unwrap(), flate2::Compression::new(level));
    std::io::Write::write_all(&mut gz, &builder.into_inner().unwrap()).unwrap();
    gz.finish().unwrap();
    out
}

/// cargo's level (ARC-GZIP: best); a repack at it changes no byte of a cargo-made crate.
const CARGO_LEVEL: u32 = 9;

fn member<'a>(members: &'a mut [Member], rel: &str) -> &'a mut Member {
    members.iter_mut().find(|m| m.path.ends_with(rel)).unwrap_or_else(|| panic!("no {rel} in the crate"))
}

/// Verifies `krate` and asserts the verdict `differs` (exit 1) with the difference line `line`;
/// returns the report.
fn assert_differs(krate: &Path, repo: &Path, extra: &[&str], line: &str) -> String {
    let (code, stdout, stderr) = verify(krate, repo, extra);
    assert_eq!(code, Some(1), "{stdout}{stderr}");
    assert!(stdout.contains("verdict: differs"), "{stdout}");
    assert!(stdout.contains(line), "no `{line}` in:\n{stdout}");
    stdout
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
    let tampered = repack(&krate, "edited", CARGO_LEVEL, |members| {
        member(members, "src/lib.rs").data = b"pub fn f() { /* injected */ }\n".to_vec();
    });
    let stdout = assert_differs(&tampered, &repo, &[], "content      registry-deps-0.3.0/src/lib.rs");
    assert!(stdout.contains("+pub fn f() { /* injected */ }"), "{stdout}");
}

#[test]
fn ver_missing_commit_exits_2() {
    let (_sandbox, repo, krate, _) = published();
    let (code, _, stderr) = verify(&krate, &repo, &["--rev", "0123456789012345678901234567890123456789"]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("is not in the repository"), "{stderr}");
}

#[test]
fn ver_repository_that_is_not_one_is_named() {
    let (sandbox, _repo, krate, _) = published();
    let (code, _, stderr) = verify(&krate, &sandbox.path, &[]);
    assert_eq!(code, Some(2));
    let named = format!("`{}` is not a git repository: `--repo` names the crate's repository", sandbox.path.display());
    assert!(stderr.contains(&named), "{stderr}");
}

#[test]
fn ver_repack_at_cargo_level_is_identical() {
    // The harness's own control: without an edit, the repack is the crate itself.
    let (_sandbox, _repo, krate, _) = published();
    let copy = repack(&krate, "copy", CARGO_LEVEL, |_| {});
    assert_eq!(std::fs::read(&copy).unwrap(), std::fs::read(&krate).unwrap());
}

#[test]
fn ver_added_file_is_extra() {
    let (_sandbox, repo, krate, _) = published();
    let tampered = repack(&krate, "added", CARGO_LEVEL, |members| {
        let template = member(members, "src/lib.rs");
        let mut header = template.header.clone();
        let path = template.path.replace("src/lib.rs", "src/payload.rs");
        header.set_path(&path).unwrap();
        members.push(Member { header, path, data: b"pub static PAYLOAD: &str = \"x\";\n".to_vec() });
    });
    assert_differs(&tampered, &repo, &["--accept", "same-sources"], "extra        registry-deps-0.3.0/src/payload.rs");
}

#[test]
fn ver_removed_file_is_missing() {
    let (_sandbox, repo, krate, _) = published();
    let tampered = repack(&krate, "removed", CARGO_LEVEL, |members| {
        members.retain(|m| !m.path.ends_with("build.rs"));
    });
    assert_differs(&tampered, &repo, &[], "missing      registry-deps-0.3.0/build.rs");
}

#[test]
fn ver_changed_exec_bit_is_a_mode_difference() {
    let (_sandbox, repo, krate, _) = published();
    let tampered = repack(&krate, "mode", CARGO_LEVEL, |members| {
        member(members, "src/lib.rs").header.set_mode(0o755);
    });
    let (code, stdout, _) = verify(&tampered, &repo, &["--format", "json"]);
    assert_eq!(code, Some(1), "{stdout}");
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["verdict"], "differs");
    let differences = report["differences"].as_array().unwrap();
    assert_eq!(differences.len(), 1, "{stdout}");
    assert_eq!(differences[0]["kind"], "mode");
    assert_eq!(differences[0]["path"], "registry-deps-0.3.0/src/lib.rs");
    assert_ne!(report["content_digest"], report["rebuilt"]["content_digest"], "CNT-DIGEST covers the mode");
}

#[test]
fn ver_other_compression_level_is_same_tar() {
    let (_sandbox, repo, krate, _) = published();
    let recompressed = repack(&krate, "fast", 1, |_| {});
    assert_ne!(std::fs::read(&recompressed).unwrap(), std::fs::read(&krate).unwrap());
    let (code, stdout, _) = verify(&recompressed, &repo, &[]);
    assert_eq!(code, Some(1), "{stdout}");
    assert!(stdout.contains("verdict: same-tar"), "{stdout}");
    assert!(stdout.contains("compression"), "{stdout}");
    let (code, stdout, _) = verify(&recompressed, &repo, &["--accept", "same-tar"]);
    assert_eq!(code, Some(0), "{stdout}");
}

/// VER-EXPORT: an object the repository lacks (a partial clone) is reported, not fatal; here the
/// file is packaged, so the published crate has it and the rebuild does not.
#[test]
fn ver_missing_object_is_reported_and_the_rest_rebuilt() {
    let (_sandbox, repo, krate, _) = published();
    let out = Command::new("git").args(["rev-parse", "HEAD:NOTES.txt"]).current_dir(&repo).output().unwrap();
    let id = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    std::fs::remove_file(repo.join(".git/objects").join(&id[..2]).join(&id[2..])).unwrap();

    let stdout = assert_differs(&krate, &repo, &[], "extra        registry-deps-0.3.0/NOTES.txt");
    assert!(stdout.contains(&format!("not rebuilt: NOTES.txt: object {id} is not in the repository")), "{stdout}");
}

/// VER-SUBMODULES: a crate cargo packaged from a repository with a submodule is rebuilt with the
/// submodule's files from git's own copy (`.git/modules/<name>`), else from a mirror of its URL
/// under `--repos`, else fetched with `--fetch`; without any, the report names the submodule,
/// its URL and commit, and a link into it is not rebuilt either (it would dangle).
#[test]
fn ver_submodule_files_come_from_the_submodule_repository() {
    let sandbox = Sandbox::new("verify-submodule");
    let root = &sandbox.path;
    let vendored = root.join("vendored");
    support::write(&vendored, "lib.c", "int vendored(void) { return 1; }\n");
    support::write(&vendored, "include/v.h", "int vendored(void);\n");
    support::git(&vendored, &["init", "-q", "-b", "main"]);
    support::git(&vendored, &["add", "."]);
    support::git(&vendored, &["commit", "-q", "-m", "vendored"]);
    let pkg = root.join("pkg");
    support::write(
        &pkg,
        "Cargo.toml",
        "[package]\nname = \"with-sub\"\nversion = \"0.1.0\"\nedition = \"2021\"\nlicense = \"MIT\"\ndescription = \"d\"\n",
    );
    support::write(&pkg, "src/lib.rs", "");
    support::git(&pkg, &["init", "-q", "-b", "main"]);
    let vendored_path = vendored.to_str().unwrap();
    support::git(&pkg, &["-c", "protocol.file.allow=always", "submodule", "add", "-q", vendored_path, "vendor"]);
    // As a published repository names it.
    let url = "https://github.com/owner/vendored";
    support::git(&pkg, &["config", "-f", ".gitmodules", "submodule.vendor.url", url]);
    // A link into the submodule, which cargo follows.
    std::os::unix::fs::symlink("../vendor/include/v.h", pkg.join("src/v.h")).unwrap();
    support::git(&pkg, &["add", "."]);
    support::git(&pkg, &["commit", "-q", "-m", "release"]);
    let target = root.join("target");
    let out =
        sandbox.run_in(Tool::Cargo, &pkg, &["--no-verify", "--offline", "--target-dir", target.to_str().unwrap()], &[]);
    assert!(out.status.success(), "{}", support::describe("cargo package", &out));
    let krate = support::crates_in(&target).pop().unwrap();

    // Git's own copy of the submodule, in the repository's `modules/`.
    let (code, out, err) = verify(&krate, &pkg, &[]);
    assert_eq!(code, Some(0), "{out}{err}");
    // A bare clone has none: the files are not rebuilt, and the report says why.
    let bare = root.join("bare.git");
    support::git(root, &["clone", "-q", "--bare", pkg.to_str().unwrap(), bare.to_str().unwrap()]);
    let (code, out, _) = verify(&krate, &bare, &[]);
    assert_eq!(code, Some(1), "{out}");
    let commit = support::git(&vendored, &["rev-parse", "HEAD"]);
    let named = format!("not rebuilt: vendor: submodule `vendor` from `{url}` at commit {commit}");
    assert!(out.contains(&named), "{out}");
    assert!(out.contains("extra        with-sub-0.1.0/vendor/lib.c"), "{out}");
    // The link into it would dangle: it is not rebuilt either.
    let link =
        format!("not rebuilt: src/v.h: symbolic link into `vendor` ({}", &named["not rebuilt: vendor: ".len()..]);
    assert!(out.contains(&link), "{out}");
    assert!(out.contains("extra        with-sub-0.1.0/src/v.h"), "{out}");
    // A mirror of the submodule's URL under `--repos`.
    let mirrors = root.join("mirrors");
    let mirror = mirrors.join("github.com/owner/vendored.git");
    support::git(root, &["clone", "-q", "--bare", vendored_path, mirror.to_str().unwrap()]);
    let (code, out, err) = verify(&krate, &bare, &["--repos", mirrors.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{out}{err}");
    // Fetched from where the map says, into `--repos`.
    let map = root.join("map.toml");
    std::fs::write(&map, format!("\"{url}\" = \"file://{vendored_path}\"\n")).unwrap();
    let fetched = root.join("fetched");
    let args = ["--repos", fetched.to_str().unwrap(), "--repo-map", map.to_str().unwrap(), "--fetch"];
    let (code, out, err) = verify(&krate, &bare, &args);
    assert_eq!(code, Some(0), "{out}{err}");
    assert_eq!(err.matches("Updating git repository `file://").count(), 1, "{err}");
    assert!(fetched.join("github.com/owner/vendored.git/HEAD").is_file());
}

/// Cargo before 1.41 or so wrote `Cargo.lock` after the package's files, beyond the first entries
/// the rebuild starts from (`READ-ONCE`): the rebuild still takes the published lock (else it
/// would have none, and the lock would show as `extra`); only the order differs.
#[test]
fn ver_lock_written_last_is_still_the_rebuilds() {
    let (_sandbox, repo, krate, _) = published();
    let moved = repack(&krate, "lock-last", CARGO_LEVEL, |members| {
        let at = members.iter().position(|m| m.path.ends_with("/Cargo.lock")).expect("cargo packs the lock");
        let lock = members.remove(at);
        members.push(lock);
    });
    let (code, stdout, stderr) = verify(&moved, &repo, &[]);
    assert_eq!(code, Some(1), "{stdout}{stderr}");
    assert!(stdout.contains("another order"), "{stdout}");
    assert!(
        !stdout.lines().any(|l| l.contains("Cargo.lock") && (l.contains("extra") || l.contains("missing"))),
        "{stdout}"
    );
}

/// VER-REBUILD: a rebuild cargo refuses (here a workspace member's manifest gone from the commit)
/// is an error that names the scratch directory `<scratch>`: no directory of the machine that ran
/// it, and the same words from run to run.
#[test]
fn ver_rebuild_error_names_no_directory_of_the_machine() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path().join("repo");
    let package = "[package]\nversion = \"0.1.0\"\nedition = \"2021\"\nlicense = \"MIT\"\ndescription = \"d\"\nname = ";
    support::write(&repo, "Cargo.toml", "[workspace]\nmembers = [\"pkg\", \"gone\"]\nresolver = \"2\"\n");
    support::write(&repo, "pkg/Cargo.toml", &format!("{package}\"pkg\"\n"));
    support::write(&repo, "pkg/src/lib.rs", "");
    support::write(&repo, "gone/Cargo.toml", &format!("{package}\"gone\"\n"));
    support::write(&repo, "gone/src/lib.rs", "");
    support::git(&repo, &["init", "-q", "-b", "main"]);
    support::git(&repo, &["add", "."]);
    support::git(&repo, &["commit", "-q", "-m", "release"]);
    support::cargo_package_offline(&repo, &tmp.path().join("home"), &["-p", "pkg"]);
    support::git(&repo, &["rm", "-q", "gone/Cargo.toml"]);
    support::git(&repo, &["commit", "-q", "-m", "a member's manifest gone"]);
    let head = support::git(&repo, &["rev-parse", "HEAD"]);

    let (code, stdout, stderr) = verify(&repo.join("target/package/pkg-0.1.0.crate"), &repo, &["--rev", &head]);
    assert_eq!(code, Some(2), "{stdout}{stderr}");
    assert!(stderr.contains("failed to load manifest for workspace member `<scratch>/"), "{stderr}");
    assert!(!stderr.contains("cargo-seal-verify-"), "{stderr}");
}
