//! The command line as users see it: `--help` snapshots, the `cargo seal` calling convention, and
//! exit codes of usage errors.

use std::process::Command;

fn seal(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_cargo-seal")).args(args).env("CARGO_TERM_COLOR", "never").output().expect("run")
}

/// Every subcommand's `--help`, one snapshot each (`cli__<name>_help.snap`).
#[test]
fn subcommand_help() {
    for command in
        ["package", "inspect", "diff", "verify", "audit", "keygen", "attest", "verify-attestation", "verify-bundle"]
    {
        let output = seal(&[command, "--help"]);
        assert!(output.status.success(), "{command}");
        let name = format!("{}_help", command.replace('-', "_"));
        insta::assert_snapshot!(name, String::from_utf8_lossy(&output.stdout));
    }
}

#[test]
fn top_level_help() {
    let output = seal(&["--help"]);
    assert!(output.status.success());
    insta::assert_snapshot!(String::from_utf8_lossy(&output.stdout));
}

/// `cargo seal package` runs `cargo-seal seal package`.
#[test]
fn runs_as_cargo_subcommand() {
    let direct = seal(&["package", "--help"]);
    let via_cargo = seal(&["seal", "package", "--help"]);
    assert_eq!(direct.stdout, via_cargo.stdout);
}

/// `--manifest-path` is refused as real cargo refuses it, word for word, by `package` and by
/// `audit` (which would otherwise search upward from a wrong path and audit some other lock).
#[test]
fn manifest_path_refusals_are_cargos() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::create_dir(dir.join("src")).unwrap();
    std::fs::write(dir.join("Cargo.toml"), "[package]\nname = \"m\"\nversion = \"0.1.0\"\nedition = \"2021\"\n")
        .unwrap();
    std::fs::write(dir.join("src/lib.rs"), "").unwrap();
    std::fs::write(dir.join("README.md"), "").unwrap();
    std::fs::write(dir.join("Cargo.lock"), "version = 4\n").unwrap();
    let error = |program: &str, args: &[&str]| {
        let output =
            Command::new(program).args(args).current_dir(dir).env("CARGO_TERM_COLOR", "never").output().unwrap();
        assert_eq!(output.status.code(), Some(if program == "cargo" { 101 } else { 2 }), "{program} {args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        stderr.lines().find(|l| l.starts_with("error:")).unwrap_or_else(|| panic!("{stderr}")).to_owned()
    };
    let seal = env!("CARGO_BIN_EXE_cargo-seal");
    for path in ["README.md", "nope/Cargo.toml", "missing.txt", "src", "src/lib.rs"] {
        let cargo = error("cargo", &["package", "--list", "--manifest-path", path]);
        assert_eq!(error(seal, &["package", "--list", "--manifest-path", path]), cargo);
        assert_eq!(error(seal, &["audit", "--repos", "src", "--manifest-path", path]), cargo);
    }
}

/// A `-p` that names no package is refused in cargo 1.95's words, with its did-you-mean line.
#[test]
fn package_spec_typo_is_refused_as_cargo_refuses_it() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::create_dir(dir.join("src")).unwrap();
    let manifest = "[package]\nname = \"typo-demo\"\nversion = \"0.1.0\"\nedition = \"2021\"\n";
    std::fs::write(dir.join("Cargo.toml"), manifest).unwrap();
    std::fs::write(dir.join("src/lib.rs"), "").unwrap();
    let refusal = |program: &str, spec: &str| {
        let output = Command::new(program)
            .args(["package", "--list", "--allow-dirty", "-p", spec])
            .current_dir(dir)
            .env("CARGO_TERM_COLOR", "never")
            .output()
            .unwrap();
        assert!(!output.status.success(), "{program} -p {spec}");
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        stderr[stderr.find("error:").unwrap_or_else(|| panic!("{stderr}"))..].trim_end().to_owned()
    };
    for spec in ["typo-demx", "something-else-entirely"] {
        assert_eq!(refusal(env!("CARGO_BIN_EXE_cargo-seal"), spec), refusal("cargo", spec));
    }
}

#[test]
fn usage_errors_exit_2() {
    let output = seal(&["package", "--manifest-path", "Cargo.lock"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("the manifest-path must be a path to a Cargo.toml file"), "{stderr}");
    assert_eq!(seal(&["package", "--no-such-flag"]).status.code(), Some(2));
}

#[test]
fn missing_manifest_names_the_directory() {
    let dir = tempfile::tempdir().expect("tempdir");
    let output =
        Command::new(env!("CARGO_BIN_EXE_cargo-seal")).args(["package"]).current_dir(dir.path()).output().expect("run");
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("could not find `Cargo.toml`"));
}

/// The README's flag table names every option `cargo package --help` lists (with what cargo-seal
/// does with it, supported or not), so that a new cargo option cannot go unnoticed.
#[test]
fn readme_lists_every_cargo_package_option() {
    let help = Command::new(env!("CARGO")).args(["package", "--help"]).output().expect("run cargo package --help");
    let help = String::from_utf8_lossy(&help.stdout);
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).expect("README.md");
    let table =
        readme.split("## `cargo seal package`").nth(1).and_then(|rest| rest.split("\n\n").nth(2)).expect("table");
    let options: Vec<&str> = help
        .lines()
        .filter(|line| line.trim_start().starts_with('-'))
        .flat_map(|line| line.split_whitespace().take_while(|word| word.starts_with('-')))
        .map(|word| word.trim_end_matches([',', '.']))
        .collect();
    assert!(options.len() > 25, "too few options read from cargo's help:\n{help}");
    let missing: Vec<&str> = options
        .into_iter()
        .filter(|option| ![format!("`{option}"), format!(", {option}")].iter().any(|p| table.contains(p.as_str())))
        .collect();
    assert!(missing.is_empty(), "README's flag table lacks {missing:?}");
}
