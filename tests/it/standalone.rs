//! Packages that need no cargo process (`WS-STANDALONE`, `LOCK-NODEPS`): a package that is its
//! own workspace and depends on nothing. Each test packages with real cargo 1.95 and then with
//! cargo-seal whose `CARGO` names a program that does not exist, so that any cargo process it
//! started would fail the run, and compares the bytes and where they were written.

use crate::support;

use std::fs;
use std::path::Path;
use std::process::Output;

use crate::support::{Sandbox, Tool};

/// A package with no dependencies and no lock file, in `dir`.
fn write_package(dir: &Path, rust_version: Option<&str>) {
    fs::create_dir_all(dir.join("src")).unwrap();
    let rust_version = rust_version.map(|v| format!("rust-version = \"{v}\"\n")).unwrap_or_default();
    fs::write(
        dir.join("Cargo.toml"),
        format!(
            "[package]\nname = \"standalone\"\nversion = \"0.3.0\"\nedition = \"2015\"\n{rust_version}\
             license = \"MIT\"\ndescription = \"no dependencies\"\n"
        ),
    )
    .unwrap();
    fs::write(dir.join("src/lib.rs"), "pub fn f() {}\n").unwrap();
}

/// `tool package --no-verify <args>` in `dir`; cargo-seal gets a `CARGO` that cannot run.
fn package(sandbox: &Sandbox, tool: Tool, dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let no_cargo = dir.join("no-cargo-here");
    let mut env = env.to_vec();
    if tool != Tool::Cargo {
        env.push(("CARGO", no_cargo.to_str().expect("a UTF-8 temporary path")));
    }
    let args: Vec<&str> = ["--no-verify"].into_iter().chain(args.iter().copied()).collect();
    let out = sandbox.run_in(tool, dir, &args, &env);
    assert!(out.status.success(), "{}", support::describe("package", &out));
    out
}

#[test]
fn lock_nodeps_format_follows_rust_version() {
    // LOCK-VERSION: 4 from 1.83 or without rust-version, 3 from 1.53, no marker below.
    for rust_version in
        [None, Some("1.83"), Some("1.82.1"), Some("1.53"), Some("1.52"), Some("1.41"), Some("1.40"), Some("1.31")]
    {
        let sandbox = Sandbox::new("standalone-lock");
        let (a, b) = (sandbox.path.join("a"), sandbox.path.join("b"));
        write_package(&a, rust_version);
        write_package(&b, rust_version);
        package(&sandbox, Tool::Cargo, &a, &["--target-dir", "../a-target"], &[]);
        package(&sandbox, Tool::Seal, &b, &["--target-dir", "../b-target"], &[]);
        let name = "package/standalone-0.3.0.crate";
        let (cargo, seal) = (sandbox.path.join("a-target").join(name), sandbox.path.join("b-target").join(name));
        assert!(
            fs::read(&cargo).unwrap() == fs::read(&seal).unwrap(),
            "rust-version {rust_version:?}: {} differs from cargo's {}",
            seal.display(),
            cargo.display()
        );
    }
}

#[test]
fn standalone_target_dir_follows_cargo_config() {
    // WS-STANDALONE: the target directory from a configuration file (relative to the directory
    // holding `.cargo/`), from `CARGO_BUILD_TARGET_DIR` (relative to the current directory),
    // and `<package>/target` without either.
    /// A configuration file, variables, and where the archive goes relative to the sandbox.
    type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], &'a str);
    let cases: [Case<'_>; 3] = [
        ("[build]\ntarget-dir = \"../from-config\"\n", &[], "from-config"),
        ("", &[("CARGO_BUILD_TARGET_DIR", "../from-env")], "from-env"),
        ("", &[], "pkg/target"),
    ];
    for (config, env, expected) in cases {
        let sandbox = Sandbox::new("standalone-target");
        let dir = sandbox.path.join("pkg");
        write_package(&dir, None);
        if !config.is_empty() {
            fs::create_dir_all(dir.join(".cargo")).unwrap();
            fs::write(dir.join(".cargo/config.toml"), config).unwrap();
        }
        let crate_path = sandbox.path.join(expected).join("package/standalone-0.3.0.crate");
        package(&sandbox, Tool::Cargo, &dir, &[], env);
        let cargo = fs::read(&crate_path).unwrap_or_else(|e| panic!("cargo wrote no {}: {e}", crate_path.display()));
        fs::remove_file(&crate_path).unwrap();
        package(&sandbox, Tool::Seal, &dir, &[], env);
        let seal =
            fs::read(&crate_path).unwrap_or_else(|e| panic!("cargo-seal wrote no {}: {e}", crate_path.display()));
        assert!(cargo == seal, "{expected}: the archives differ");
    }
}

#[test]
fn packages_with_dependencies_still_ask_cargo() {
    // Control: the same run with a dependency needs cargo, and fails without it.
    let sandbox = Sandbox::new("standalone-control");
    let dir = sandbox.path.join("pkg");
    write_package(&dir, None);
    let manifest = fs::read_to_string(dir.join("Cargo.toml")).unwrap();
    fs::write(dir.join("Cargo.toml"), format!("{manifest}\n[dependencies]\nitoa = \"1\"\n")).unwrap();
    let no_cargo = dir.join("no-cargo-here");
    let out = sandbox.run_in(Tool::Seal, &dir, &["--no-verify", "--offline"], &[("CARGO", no_cargo.to_str().unwrap())]);
    assert_eq!(out.status.code(), Some(support::SEAL_ERROR_EXIT_CODE), "{}", support::describe("package", &out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let names_manifest = format!("cargo could not resolve the dependencies of `{}`", dir.join("Cargo.toml").display());
    assert!(stderr.contains(&names_manifest), "{}", support::describe("package", &out));
    assert!(stderr.contains("no-cargo-here"), "{}", support::describe("package", &out));
}

#[test]
fn config_patch_is_left_to_cargo() {
    // A `[patch]` in cargo's configuration adds `[[patch.unused]]` to the lock of a package with
    // no dependencies: the configuration is not plain, so cargo resolves (`LOCK-NODEPS`).
    let sandbox = Sandbox::new("standalone-patch");
    for copy in ["a", "b"] {
        let dir = sandbox.path.join(copy);
        write_package(&dir, None);
        fs::create_dir_all(dir.join(".cargo")).unwrap();
        fs::write(dir.join(".cargo/config.toml"), "[patch.crates-io]\npatched = { path = \"../patched\" }\n").unwrap();
    }
    write_package(&sandbox.path.join("patched"), None);
    fs::write(sandbox.path.join("patched/Cargo.toml"), "[package]\nname = \"patched\"\nversion = \"1.0.0\"\n").unwrap();
    package(&sandbox, Tool::Cargo, &sandbox.path.join("a"), &[], &[]);
    let out = sandbox.run_in(Tool::Seal, &sandbox.path.join("b"), &["--no-verify"], &[]);
    assert!(out.status.success(), "{}", support::describe("package", &out));
    let name = "target/package/standalone-0.3.0.crate";
    let cargo = fs::read(sandbox.path.join("a").join(name)).unwrap();
    assert!(cargo == fs::read(sandbox.path.join("b").join(name)).unwrap(), "the archives differ");
    let lock = support::tarball::member_text(&cargo, "Cargo.lock").unwrap_or_default();
    assert!(lock.contains("[[patch.unused]]"), "cargo's lock has no unused patch:\n{lock}");
}
