//! DISC-*: finding a crate's repository on disk and the commit of a release in it, against git
//! repositories made here with fixed names and dates.

use std::path::Path;
use std::process::Command;

use crate::support::git;
use cargo_seal::discover::{self, Error, FoundBy, Locator, Place};

/// A repository of packages `alpha` and `beta` 1.0.0 with three commits: the second tagged
/// `v1.0.0` (lightweight), the third `alpha-v1.0.0` (annotated), as a monorepo whose crates share
/// version numbers.
fn repository(dir: &Path) -> [String; 3] {
    for name in ["alpha", "beta"] {
        std::fs::create_dir_all(dir.join(name)).unwrap();
        std::fs::write(
            dir.join(name).join("Cargo.toml"),
            format!("[package]\nname = \"{name}\"\nversion = \"1.0.0\"\n"),
        )
        .unwrap();
    }
    git(dir, &["init", "-q", "-b", "main"]);
    let mut commits = Vec::new();
    for i in 0..3 {
        std::fs::write(dir.join("file"), format!("{i}\n")).unwrap();
        git(dir, &["add", "."]);
        git(dir, &["commit", "-q", "-m", &format!("commit {i}")]);
        commits.push(git(dir, &["rev-parse", "HEAD"]));
    }
    git(dir, &["tag", "v1.0.0", &commits[1]]);
    git(dir, &["tag", "-a", "-m", "alpha 1.0.0", "alpha-v1.0.0", &commits[2]]);
    commits.try_into().unwrap()
}

/// The package `name` at `version`, recording `recorded`, in its directory or at the root.
fn wanted(name: &str, version: &str, recorded: Option<&str>) -> discover::Wanted {
    discover::Wanted {
        name: name.to_owned(),
        version: version.to_owned(),
        recorded: recorded.map(str::to_owned),
        dirs: vec![name.to_owned(), String::new()],
        ..Default::default()
    }
}

#[test]
fn disc_commit_recorded_then_tags() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path().join("repo");
    let commits = repository(&repo);
    let repo = cargo_seal::git::Repository::open(&repo).unwrap();
    // The recorded commit, when the repository has it.
    let found = wanted("beta", "1.0.0", Some(&commits[0])).commit(&repo).unwrap();
    assert_eq!(
        (found.commit.as_str(), found.by, found.recorded_missing),
        (commits[0].as_str(), FoundBy::VcsInfo, None)
    );
    // A recorded commit that was never pushed: the release tag, and the missing commit reported.
    let lost = "0123456789abcdef0123456789abcdef01234567";
    let found = wanted("beta", "1.0.0", Some(lost)).commit(&repo).unwrap();
    assert_eq!((found.commit.as_str(), found.by), (commits[1].as_str(), FoundBy::Tag("v1.0.0".into())));
    assert_eq!(found.recorded_missing.as_deref(), Some(lost));
    // A crate's own tag wins over the bare version, and an annotated tag is peeled.
    let found = wanted("alpha", "1.0.0", None).commit(&repo).unwrap();
    assert_eq!((found.commit.as_str(), found.by), (commits[2].as_str(), FoundBy::Tag("alpha-v1.0.0".into())));
    // Nothing fits.
    let err = wanted("beta", "2.0.0", Some(lost)).commit(&repo).unwrap_err();
    assert_eq!(
        err,
        Error::CommitNotFound {
            name: "beta".into(),
            version: "2.0.0".into(),
            recorded: Some(lost.into()),
            dirty: false
        }
    );
    assert!(err.to_string().contains("is not in the repository"), "{err}");
    // A bare version tag whose tree does not hold the package is another package's release.
    let err = wanted("gamma", "1.0.0", None).commit(&repo).unwrap_err();
    assert!(matches!(err, Error::CommitNotFound { .. }), "{err:?}");
}

#[test]
fn disc_locate_mirrors_and_map() {
    let tmp = tempfile::tempdir().unwrap();
    let mirrors = tmp.path().join("mirrors");
    // A clone at <host>/<owner>/<name> and a bare repository at <host>/<owner>/<name>.git.
    repository(&mirrors.join("github.com/owner/clone"));
    git(tmp.path(), &["init", "-q", "--bare", mirrors.join("example.org/group/bare.git").to_str().unwrap()]);
    let locator = Locator { mirrors: Some(mirrors.clone()), ..Locator::default() };
    let located = |name: &str, url: Option<&str>| locator.locate(name, url).map(|repo| repo.path);
    assert_eq!(
        located("a", Some("git+https://GitHub.com/owner/clone.git")),
        Ok(mirrors.join("github.com/owner/clone"))
    );
    let found = located("b", Some("https://example.org/group/bare/tree/main/crates/b"));
    assert_eq!(found, Ok(mirrors.join("example.org/group/bare.git")));
    assert_eq!(located("c", None), Err(Error::NoRepository));
    let missing = locator.locate("d", Some("https://github.com/owner/gone")).unwrap_err();
    assert!(matches!(&missing, Error::RepositoryMissing { looked, .. } if looked.len() == 2), "{missing:?}");
    // The map wins, by crate name or by normalized URL; what it names must be a repository.
    for dir in ["elsewhere", "moved"] {
        git(tmp.path(), &["init", "-q", dir]);
    }
    let mut map = std::collections::BTreeMap::new();
    map.insert("d".to_owned(), Place::Local(tmp.path().join("elsewhere")));
    map.insert("https://github.com/owner/moved".to_owned(), Place::Local(tmp.path().join("moved")));
    map.insert("f".to_owned(), Place::Local(tmp.path().join("nothing")));
    let locator = Locator { mirrors: Some(mirrors), map };
    let located = |name: &str, url: Option<&str>| locator.locate(name, url).map(|repo| repo.path);
    assert_eq!(located("d", Some("https://github.com/owner/gone")), Ok(tmp.path().join("elsewhere")));
    assert_eq!(located("e", Some("https://github.com/owner/moved.git")), Ok(tmp.path().join("moved")));
    assert_eq!(located("f", None), Err(Error::NotARepository { path: tmp.path().join("nothing") }));
}

/// `cargo seal verify` without `--repo`: the repository from the crate's `repository` under
/// `--repos`, the commit as recorded, or by tag when the recorded one was lost.
#[test]
fn disc_verify_finds_the_repository_and_commit() {
    let tmp = tempfile::tempdir().unwrap();
    let work = tmp.path().join("work");
    std::fs::create_dir_all(work.join("src")).unwrap();
    std::fs::write(
        work.join("Cargo.toml"),
        "[package]\nname = \"found\"\nversion = \"0.1.0\"\nedition = \"2021\"\nlicense = \"MIT\"\n\
         description = \"d\"\nrepository = \"https://github.com/owner/found\"\n",
    )
    .unwrap();
    std::fs::write(work.join("src/lib.rs"), "pub fn f() {}\n").unwrap();
    git(&work, &["init", "-q", "-b", "main"]);
    git(&work, &["add", "."]);
    git(&work, &["commit", "-q", "-m", "release"]);
    let recorded = git(&work, &["rev-parse", "HEAD"]);
    let seal = |args: &[&str], dir: &Path| {
        let out = Command::new(env!("CARGO_BIN_EXE_cargo-seal")).args(args).current_dir(dir).output().unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, _, err) = seal(&["package", "--no-verify", "--offline"], &work);
    assert_eq!(code, Some(0), "{err}");
    let krate = work.join("target/package/found-0.1.0.crate");
    let krate = krate.to_str().unwrap();

    // A mirror that has the recorded commit.
    let mirrors = tmp.path().join("mirrors");
    let mirror = mirrors.join("github.com/owner/found");
    git(tmp.path(), &["clone", "-q", work.to_str().unwrap(), mirror.to_str().unwrap()]);
    let (code, out, err) =
        seal(&["verify", krate, "--repos", mirrors.to_str().unwrap(), "--format", "json"], tmp.path());
    assert_eq!(code, Some(0), "{out}{err}");
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!((report["verdict"].as_str(), report["commit_found_by"].as_str()), (Some("identical"), Some("vcs-info")));
    assert_eq!(report["commit"].as_str(), Some(recorded.as_str()));

    // A bare mirror where that commit was rewritten (another date) and the release tagged.
    let rewritten = tmp.path().join("rewritten");
    git(tmp.path(), &["clone", "-q", work.to_str().unwrap(), rewritten.to_str().unwrap()]);
    let out = Command::new("git")
        .args(["commit", "-q", "--amend", "-m", "release", "--date", "2001-01-01 00:00:00 +0000"])
        .current_dir(&rewritten)
        .env("GIT_COMMITTER_DATE", "2001-01-01 00:00:00 +0000")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_COMMITTER_NAME", "c")
        .env("GIT_COMMITTER_EMAIL", "c@example.com")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    git(&rewritten, &["tag", "v0.1.0"]);
    let bare_mirrors = tmp.path().join("bare");
    let bare = bare_mirrors.join("github.com/owner/found.git");
    // `--no-local`: only what the branches and tags reach, not the rewritten commit.
    git(tmp.path(), &["clone", "-q", "--bare", "--no-local", rewritten.to_str().unwrap(), bare.to_str().unwrap()]);
    let (code, out, err) = seal(&["verify", krate, "--repos", bare_mirrors.to_str().unwrap()], tmp.path());
    assert_eq!(code, Some(1), "only .cargo_vcs_info.json differs: {out}{err}");
    assert!(out.contains("commit found by: tag `v0.1.0`"), "{out}");
    // AUD-EXPLAIN: the same note as the audit's.
    let lost = format!("note: the commit `.cargo_vcs_info.json` records, {recorded}, is not in the local copy");
    assert!(out.contains(&lost), "{out}");
    assert!(out.contains("verdict: same-sources"), "{out}");

    // No mirror at all: the paths looked at are named.
    std::fs::create_dir(tmp.path().join("none")).unwrap();
    let (code, out, err) = seal(&["verify", krate, "--repos", tmp.path().join("none").to_str().unwrap()], tmp.path());
    assert_eq!(code, Some(2), "{out}");
    assert!(err.contains("no local copy of `https://github.com/owner/found`"), "{err}");
}
