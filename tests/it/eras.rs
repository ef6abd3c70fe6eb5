//! Era profiles (ERA-*): crates that older real cargos packaged during the test verify as
//! `identical`, with the releases named. The older cargos are Debian bookworm's cargo 1.85
//! (`cargo-web`) and 1.65 (`cargo` 0.66), linked with the system's C zlib, unpacked by
//! `testdata/eras/debian-cargo.sh`, which `.ci/run` runs and this test runs when they are missing.

use crate::support;

use std::path::{Path, PathBuf};
use std::process::Command;

/// Debian's cargo `version` (1.85 or 1.65) and the library path it runs with.
fn debian_cargo(version: &str) -> (PathBuf, String) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = root.join("target/debian-cargo");
    let out = Command::new("bash").arg(root.join("testdata/eras/debian-cargo.sh")).arg(&dir).output().unwrap();
    assert!(out.status.success(), "{}", support::describe("testdata/eras/debian-cargo.sh", &out));
    let dir = dir.join(version);
    let libs = ["usr/lib/x86_64-linux-gnu", "lib/x86_64-linux-gnu"].map(|l| dir.join(l).display().to_string());
    (dir.join("usr/bin/cargo"), libs.join(":"))
}

/// A package with features, a profile and a lint table (so the 1.85 section order shows), a
/// description with both kinds of quotes (so the serializer's style shows) and 300 KiB of text
/// (so the deflate implementations part), committed with fixed names and dates.
fn package_dir(root: &Path) -> PathBuf {
    let dir = root.join("pkg");
    support::write(
        &dir,
        "Cargo.toml",
        "[package]\nname = \"era\"\nversion = \"0.1.0\"\nedition = \"2021\"\nlicense = \"MIT\"\n\
         description = \"it's \\\"quoted\\\"\"\n\n[package.metadata.docs]\nzeta = 1\nalpha = 2\n\n\
         [features]\nextra = []\n\n[profile.release]\nlto = true\n\n[lints.rust]\nunsafe_code = \"forbid\"\n",
    );
    support::write(&dir, "src/lib.rs", "pub fn era() {}\n");
    let text: String = (0..12_000).map(|i| format!("line {i}: {}\n", i * 7919 % 10_007)).collect();
    support::write(&dir, "data/lines.txt", &text);
    support::git(&dir, &["init", "-q", "-b", "main"]);
    support::git(&dir, &["add", "."]);
    support::git(&dir, &["commit", "-q", "-m", "release"]);
    dir
}

/// The crate Debian's cargo `version` packages from a fresh copy of the fixture under `tmp`.
fn packaged_by(version: &str, tmp: &Path) -> (PathBuf, PathBuf) {
    let (cargo, libs) = debian_cargo(version);
    let dir = package_dir(tmp);
    let out = Command::new(&cargo)
        .args(["package", "--no-verify", "--offline"])
        .current_dir(&dir)
        .env("LD_LIBRARY_PATH", &libs)
        .env("CARGO_HOME", tmp.join("home"))
        .env("RUSTC", "rustc")
        .env_remove("CARGO_TARGET_DIR")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", support::describe(&format!("cargo {version} package"), &out));
    (dir.join("target/package/era-0.1.0.crate"), dir)
}

/// What `cargo seal verify <krate> <args> --format json --offline` says, and its exit code.
fn verify(krate: &Path, args: &[&str]) -> (Option<i32>, serde_json::Value) {
    let out = Command::new(env!("CARGO_BIN_EXE_cargo-seal"))
        .args(["verify", krate.to_str().unwrap()])
        .args(args)
        .args(["--format", "json", "--offline"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let report = serde_json::from_str(&stdout).unwrap_or_else(|_| panic!("{}", support::describe("verify", &out)));
    (out.status.code(), report)
}

/// What `verify --format json` says of the crate Debian's cargo `version` packages from a fresh
/// copy of the fixture.
fn verified_output_of(version: &str) -> serde_json::Value {
    let tmp = tempfile::tempdir().unwrap();
    let (krate, dir) = packaged_by(version, tmp.path());
    let (code, report) = verify(&krate, &["--repo", dir.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{report}");
    assert_eq!(report["rebuilt"]["sha256"], report["crate"]["sha256"], "{report}");
    report
}

/// ERA-CLOSEST: the crate cargo 1.65 made, its tar recompressed at another level: no era
/// reproduces it, and the report is the comparison with the eras that come nearest (the same tar),
/// not with cargo 1.95's rendering (other sources).
#[test]
fn era_closest_names_the_eras_that_wrote_the_same_tar() {
    use std::io::{Read as _, Write as _};
    let tmp = tempfile::tempdir().unwrap();
    let (krate, dir) = packaged_by("1.65", tmp.path());
    let mut tar = Vec::new();
    flate2::read::GzDecoder::new(std::fs::File::open(&krate).unwrap()).read_to_end(&mut tar).unwrap();
    let mut gzip = flate2::GzBuilder::new().filename("era-0.1.0.crate").write(Vec::new(), flate2::Compression::fast());
    gzip.write_all(&tar).unwrap();
    std::fs::write(&krate, gzip.finish().unwrap()).unwrap();

    let (code, report) = verify(&krate, &["--repo", dir.to_str().unwrap()]);
    assert_eq!((code, report["verdict"].as_str(), report["cargo"].as_str()), (Some(1), Some("same-tar"), None));
    assert_eq!(report["explanations"][0]["rule"], "ERA-CLOSEST");
    let note = report["explanations"][0]["text"].as_str().unwrap();
    assert!(note.starts_with("closest to what cargo 1.64–1.67 or 1.68 wrote"), "{note}");
}

/// VER-SOURCES: the crate cargo 1.65 made, verified against its own unpacked sources (the
/// manifest as written restored, committed anew): identical as 1.64–1.68 wrote it, with the
/// recorded commit taken as it is; an edited source file is found.
#[test]
fn era_crate_verifies_against_its_unpacked_sources() {
    let tmp = tempfile::tempdir().unwrap();
    let (krate, dir) = packaged_by("1.65", tmp.path());
    let recorded = support::git(&dir, &["rev-parse", "HEAD"]);
    let sources = unpacked_sources(&krate, &tmp.path().join("sources"));
    assert_ne!(support::git(&sources, &["rev-parse", "HEAD"]), recorded);

    let (code, report) = verify(&krate, &["--sources", sources.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{report}");
    assert_eq!((report["verdict"].as_str(), report["cargo"].as_str()), (Some("identical"), Some("1.64–1.67 or 1.68")));
    assert_eq!(report["commit"].as_str(), Some(recorded.as_str()));
    assert_eq!(report["sources"].as_str(), sources.to_str());

    support::write(&sources, "src/lib.rs", "pub fn era() { /* edited */ }\n");
    let (code, report) = verify(&krate, &["--sources", sources.to_str().unwrap()]);
    assert_eq!((code, report["verdict"].as_str()), (Some(1), Some("differs")), "{report}");
    assert!(report.to_string().contains("src/lib.rs"), "{report}");
}

/// The sources of the crate at `krate` unpacked under `dir`: the manifest as written restored,
/// `.cargo_vcs_info.json` dropped, committed anew with fixed names and dates.
fn unpacked_sources(krate: &Path, dir: &Path) -> PathBuf {
    let archive = std::fs::File::open(krate).unwrap();
    tar::Archive::new(flate2::read::GzDecoder::new(archive)).unpack(dir).unwrap();
    let base = krate.file_name().unwrap().to_str().unwrap().trim_end_matches(".crate");
    let sources = dir.join(base);
    let _ = std::fs::remove_file(sources.join(".cargo_vcs_info.json"));
    std::fs::rename(sources.join("Cargo.toml.orig"), sources.join("Cargo.toml")).unwrap();
    support::git(&sources, &["init", "-q", "-b", "unpacked"]);
    support::git(&sources, &["add", "-A", "-f"]);
    support::git(&sources, &["commit", "-q", "-m", "unpacked"]);
    sources
}

/// ERA-DISK-MTIME, ERA-GENERATED-MTIME, ERA-RECORDED, ERA-ORDER: releases of 2019 to 2021 from
/// crates.io, verified against their own unpacked sources: identical, with the releases named.
/// Those of cargo 1.50 to 1.53 (every entry stamped 0, owners 0) are modeled whole; those of 1.37
/// to 1.49 (UStar headers up to 1.45, GNU since; generated files last up to 1.41) carry the
/// publisher's file times, modes and owners, which the rebuild takes from the archive, and the
/// report says so. Cargo downloads them into its cache
/// (`cargo fetch` of a scratch package pinning each; crates.io is the only network used).
#[test]
fn era_releases_of_2019_to_2021_verify_identical() {
    let releases = [
        ("hex", "0.4.3", "1.50–1.53"),
        ("quote", "1.0.9", "1.50–1.53"),
        ("itoa", "0.4.7", "1.50–1.53"),
        ("version_check", "0.9.3", "1.50–1.53"),
        ("byteorder", "1.4.3", "1.50–1.53"),
        ("adler", "1.0.2", "1.50–1.53"),
        ("smallvec", "1.6.1", "1.46–1.49"),
        ("cfg-if", "1.0.0", "1.46–1.49"),
        ("memchr", "2.3.4", "1.46–1.49"),
        ("either", "1.6.1", "1.46–1.49"),
        ("fnv", "1.0.7", "1.42–1.45"),
        ("autocfg", "1.0.1", "1.42–1.45"),
        ("num_cpus", "1.13.0", "1.42–1.45"),
        ("unicode-xid", "0.2.1", "1.42–1.45"),
        ("same-file", "1.0.6", "1.37–1.41"),
        ("scopeguard", "1.1.0", "1.37–1.41"),
        ("glob", "0.3.0", "1.37–1.41"),
        ("static_assertions", "1.1.0", "1.37–1.41"),
        ("lazy_static", "1.4.0", "1.37–1.41"),
        ("encoding_rs_io", "0.1.7", "1.37–1.41"),
    ];
    let tmp = tempfile::tempdir().unwrap();
    let dependencies: String = releases
        .iter()
        .enumerate()
        .map(|(i, (name, v, _))| format!("c{i} = {{ package = \"{name}\", version = \"={v}\" }}\n"))
        .collect();
    support::write(
        tmp.path(),
        "scratch/Cargo.toml",
        &format!(
            "[package]\nname = \"scratch\"\nversion = \"0.0.0\"\nedition = \"2021\"\n\n[lib]\npath = \"lib.rs\"\n\n\
             [dependencies]\n{dependencies}"
        ),
    );
    support::write(tmp.path(), "scratch/lib.rs", "");
    let fetched = Command::new("cargo").arg("fetch").current_dir(tmp.path().join("scratch")).output().unwrap();
    assert!(fetched.status.success(), "{}", support::describe("cargo fetch", &fetched));
    let cache = std::env::var_os("CARGO_HOME")
        .map_or_else(|| PathBuf::from(std::env::var_os("HOME").unwrap()).join(".cargo"), PathBuf::from)
        .join("registry/cache/index.crates.io-1949cf8c6b5b557f");
    for (name, version, era) in releases {
        let krate = cache.join(format!("{name}-{version}.crate"));
        let sources = unpacked_sources(&krate, &tmp.path().join("sources"));
        let (code, report) = verify(&krate, &["--sources", sources.to_str().unwrap()]);
        assert_eq!(code, Some(0), "{name} {version}: {report}");
        assert_eq!((report["verdict"].as_str(), report["cargo"].as_str()), (Some("identical"), Some(era)), "{name}");
        let recorded = report["explanations"].as_array().unwrap().iter().any(|e| e["rule"] == "ERA-RECORDED");
        assert_eq!(recorded, era != "1.50–1.53", "{name}: {report}");
    }
}

/// Cargo 1.85: the toml 0.8 serializer (a literal string in triple single quotes), sorted
/// metadata, the 1.85 table order, `autolib`, C zlib.
#[test]
fn era_cargo_1_85_output_verifies_identical_with_its_releases_named() {
    let report = verified_output_of("1.85");
    assert_eq!((report["verdict"].as_str(), report["cargo"].as_str()), (Some("identical"), Some("1.85–1.87")));
    assert_eq!(report["explanations"][0]["rule"], "ERA-VERIFY");
    let note = report["explanations"][0]["text"].as_str().unwrap();
    assert!(note.ends_with("compressed by C zlib)"), "only C zlib gives these bytes: {note}");
}

/// Cargo 1.65: targets as written (no `[lib]`, no `auto*`), the toml_edit serializer (escaped
/// quotes), metadata keys in source order (1.60–1.68), no `resolver = "2"` for an edition-2021
/// package (1.64 on), profile first, C zlib.
#[test]
fn era_cargo_1_65_output_verifies_identical_with_its_releases_named() {
    let report = verified_output_of("1.65");
    assert_eq!((report["verdict"].as_str(), report["cargo"].as_str()), (Some("identical"), Some("1.64–1.67 or 1.68")));
}

/// ERA-PACKAGE: every parity fixture (each variant) packaged by Debian's cargo `version` and by
/// `cargo seal package` run under that cargo (`CARGO`), compared byte for byte. Fixtures that cargo
/// refuses (flags and features it lacks) are counted apart. Returns (same, refused).
fn package_parity(version: &str) -> (usize, usize) {
    let (cargo, libs) = debian_cargo(version);
    let env = [("CARGO", cargo.to_str().unwrap()), ("LD_LIBRARY_PATH", libs.as_str())];
    let (mut same, mut refused) = (Vec::new(), Vec::new());
    let mut differ = Vec::new();
    for name in support::all_fixture_names() {
        let fixture = support::Fixture::load(&name);
        if fixture.expect_error.is_some() {
            continue;
        }
        for args in &fixture.variants {
            let label = format!("{name} [{}]", args.join(" "));
            let sandbox = support::Sandbox::new(&format!("era-{name}"));
            let (a, b) =
                (sandbox.materialize(&fixture, support::Slot::A), sandbox.materialize(&fixture, support::Slot::B));
            let package = |copy: &support::Copy, program: &Path| {
                let manifest = copy.root.join(fixture.manifest_rel(&copy.root));
                let mut command = Command::new(program);
                command.args([
                    "package",
                    "--no-verify",
                    "--target-dir",
                    copy.target.to_str().unwrap(),
                    "--manifest-path",
                ]);
                command.arg(&manifest).args(args).current_dir(&copy.root);
                sandbox.pin_tool_env(&mut command);
                command.envs(env).output().unwrap()
            };
            let golden = package(&a, &cargo);
            if !golden.status.success() {
                let stderr = String::from_utf8_lossy(&golden.stderr);
                let why = stderr.lines().filter(|l| l.starts_with("error")).collect::<Vec<_>>().join(" / ");
                refused.push(format!("{label}: {why}"));
                continue;
            }
            let ours = package(&b, Path::new(env!("CARGO_BIN_EXE_cargo-seal")));
            let crates = |copy: &support::Copy| -> Vec<(String, Vec<u8>)> {
                support::crates_in(&copy.target)
                    .into_iter()
                    .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read(&p).unwrap()))
                    .collect()
            };
            if ours.status.success() && crates(&a) == crates(&b) {
                same.push(label);
            } else {
                differ.push(format!("{label}: {}", String::from_utf8_lossy(&ours.stderr).lines().last().unwrap_or("")));
            }
        }
    }
    eprintln!(
        "cargo {version} parity: {} same, {} differ, {} refused by cargo {version}",
        same.len(),
        differ.len(),
        refused.len()
    );
    eprintln!("differ: {differ:#?}\nrefused: {refused:#?}");
    assert!(differ.is_empty(), "{differ:#?}");
    (same.len(), refused.len())
}

#[test]
fn era_package_under_cargo_1_85_matches_it_on_the_parity_fixtures() {
    let (same, refused) = package_parity("1.85");
    assert!(same > refused, "most fixtures are within what cargo 1.85 packages");
}

/// Cargo 1.65: the lock file only with a binary or an example, resolved from a lock in the
/// package's own directory; no `.cargo_vcs_info.json` under `--allow-dirty`.
#[test]
fn era_package_under_cargo_1_65_matches_it_on_the_parity_fixtures() {
    // Cargo 1.65 reads no lock file of format 4 and no sparse index, which most fixtures need.
    let (same, _) = package_parity("1.65");
    assert!(same >= 10, "a dozen fixtures are within what cargo 1.65 packages");
}

/// ERA-CRLF: the crate real cargo (1.95) packages from a clone with git's `core.autocrlf = true`
/// (text files checked out with CRLF, as git for Windows does by default) verifies `identical`
/// against the repository, whose commit holds LF, with the conversion named; git leaves a binary
/// file, a file committed with CRLF and one with a lone CR as they are, and so does the rebuild. A
/// file rewritten with LF and committed in that checkout keeps the archive's line endings, named
/// as recorded.
#[test]
fn era_crlf_checkout_verifies_identical() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path().join("repo");
    support::write(
        &repo,
        "Cargo.toml",
        "[package]\nname = \"crlf\"\nversion = \"0.1.0\"\nedition = \"2021\"\nlicense = \"MIT\"\n\
         description = \"line endings\"\n",
    );
    support::write(&repo, "src/lib.rs", "pub fn crlf() {}\n");
    support::write(&repo, "committed-crlf.txt", "kept\r\nas is\r\n");
    support::write(&repo, "lone-cr.txt", "a\rb\n");
    std::fs::write(repo.join("data.bin"), b"\0binary\n\0").unwrap();
    support::git(&repo, &["init", "-q", "-b", "main"]);
    support::git(&repo, &["add", "."]);
    support::git(&repo, &["commit", "-q", "-m", "release"]);
    let checkout = tmp.path().join("checkout");
    let (repo_arg, checkout_arg) = (repo.to_str().unwrap(), checkout.to_str().unwrap());
    // `-c` for the checkout (the fixtures' environment sets `core.autocrlf = false`), `--config`
    // for cargo's own look at the clone.
    let autocrlf = ["-c", "core.autocrlf=true", "clone", "-q", "--config", "core.autocrlf=true"];
    support::git(tmp.path(), &[&autocrlf[..], &[repo_arg, checkout_arg]].concat());
    assert_eq!(std::fs::read(checkout.join("src/lib.rs")).unwrap(), b"pub fn crlf() {}\r\n");
    support::cargo_package_offline(&checkout, &tmp.path().join("home"), &[]);

    let (code, report) = verify(&checkout.join("target/package/crlf-0.1.0.crate"), &["--repo", repo_arg]);
    assert_eq!((code, &report["verdict"]), (Some(0), &"identical".into()), "{report:#}");
    let rules: Vec<&str> =
        report["explanations"].as_array().unwrap().iter().map(|e| e["rule"].as_str().unwrap()).collect();
    assert!(rules.contains(&"ERA-CRLF"), "{report:#}");
    let verified = report["explanations"].as_array().unwrap().iter().find(|e| e["rule"] == "ERA-VERIFY").unwrap();
    assert!(verified["text"].as_str().unwrap().contains("from a checkout with CRLF line endings"), "{verified}");
    assert!(!rules.contains(&"ERA-RECORDED"), "{report:#}");

    // A release tool rewrote the manifest with LF in that checkout and committed it (as
    // cargo-release bumps a version): the archive's line endings are taken for that file, and the
    // report says so.
    let manifest = String::from_utf8(std::fs::read(repo.join("Cargo.toml")).unwrap()).unwrap();
    std::fs::write(checkout.join("Cargo.toml"), manifest.replace("0.1.0", "0.2.0")).unwrap();
    support::git(&checkout, &["-c", "core.autocrlf=true", "commit", "-q", "-am", "release 0.2.0"]);
    support::cargo_package_offline(&checkout, &tmp.path().join("home"), &[]);
    let (code, report) = verify(&checkout.join("target/package/crlf-0.2.0.crate"), &["--repo", checkout_arg]);
    assert_eq!((code, &report["verdict"]), (Some(0), &"identical".into()), "{report:#}");
    let recorded = report["explanations"].as_array().unwrap().iter().find(|e| e["rule"] == "ERA-RECORDED");
    let text = recorded.and_then(|e| e["text"].as_str()).unwrap_or_default();
    assert!(text.starts_with("line endings taken from the archive: 1 file(s) git converts (`Cargo.toml.orig` first)"));
}
